//! Sauce Labs data centers and the API base URL each one uses.

use std::fmt;
use std::str::FromStr;

/// A Sauce Labs data center. Accounts live in exactly one; credentials from one region are
/// rejected (401) by the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Region {
    /// `us-west-1`, the default.
    #[default]
    UsWest1,
    /// `us-east-4`.
    UsEast4,
    /// `eu-central-1`.
    EuCentral1,
    /// `apac-southeast-1`.
    ApacSoutheast1,
}

impl Region {
    /// Every region, in the order the error message lists them.
    pub const ALL: [Region; 4] = [Region::UsWest1, Region::UsEast4, Region::EuCentral1, Region::ApacSoutheast1];

    /// The canonical name, e.g. `eu-central-1`.
    pub fn name(self) -> &'static str {
        match self {
            Region::UsWest1 => "us-west-1",
            Region::UsEast4 => "us-east-4",
            Region::EuCentral1 => "eu-central-1",
            Region::ApacSoutheast1 => "apac-southeast-1",
        }
    }

    /// The API base URL of the region, e.g. `https://api.eu-central-1.saucelabs.com`.
    pub fn base_url(self) -> String {
        format!("https://api.{}.saucelabs.com", self.name())
    }

    /// Other spellings accepted by [`Region::from_str`], as other Sauce Labs tools use them.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Region::UsWest1 => &["us", "us-west", "us_west_1", "uswest1"],
            Region::UsEast4 => &["us-east", "us_east_4", "useast4"],
            Region::EuCentral1 => &["eu", "eu-central", "eu_central_1", "eucentral1"],
            Region::ApacSoutheast1 => &["apac", "apac-southeast", "apac_southeast_1", "apacsoutheast1"],
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A region name that is not one of [`Region::ALL`] or their aliases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownRegion(pub String);

impl fmt::Display for UnknownRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Region::ALL.iter().map(|region| region.name()).collect();
        write!(
            f,
            "unknown region {:?}: use one of {} (or the aliases us, eu, apac, us-east), or set a custom base URL",
            self.0,
            names.join(", ")
        )
    }
}

impl std::error::Error for UnknownRegion {}

impl FromStr for Region {
    type Err = UnknownRegion;

    /// Parses a region name or alias, ignoring case and surrounding spaces.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let wanted = text.trim().to_ascii_lowercase();
        Region::ALL
            .into_iter()
            .find(|region| region.name() == wanted || region.aliases().contains(&wanted.as_str()))
            .ok_or_else(|| UnknownRegion(text.to_string()))
    }
}
