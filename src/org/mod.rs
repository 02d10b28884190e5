//! Organization as code (feature `org`): an organization's teams, users, roles and service
//! accounts as a YAML file, compared with the live organization ([`plan`]) and made so
//! ([`apply`]), the way `terraform plan`/`apply` manage infrastructure.
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use sauce_accounts::org::{self, ApplyOptions, OrgFile};
//! let sandbox = sauce_accounts::sandbox::Sandbox::start()?;
//! let client = sandbox.client()?;
//! let mut yaml = org::export(&client)?.file.to_yaml();
//! yaml = yaml.replace("description: Browser tests for the shop", "description: The shop's browsers");
//! let plan = org::plan(&client, &OrgFile::from_yaml(&yaml)?)?;
//! assert_eq!(plan.changes.len(), 1);
//! org::apply(&client, &plan, &ApplyOptions::default(), &mut |_, _| {})?;
//! assert!(org::plan(&client, &OrgFile::from_yaml(&yaml)?)?.is_empty());
//! # Ok(())
//! # }
//! ```
//!
//! Reading takes the largest pages and what listings carry: a 1,000-user, 50-team
//! organization costs 13 requests, plus one per team whose description the file states.
//! Applying makes one request per change. Users are never deleted (the API cannot), only
//! deactivated; the guards keep the calling user and the last organization admin, and refuse
//! to remove more than a share of anything ([`RemovalLimit`]). New passwords and access keys
//! go only to the secrets file.

mod apply;
mod file;
mod journal;
mod live;
mod plan;
mod secrets;

use std::fmt;
use std::str::FromStr;

pub use apply::{ApplyOptions, ApplyReport, apply};
pub use file::{OrgFile, Role, ServiceAccountEntry, TeamEntry, TeamSettingsEntry, UserEntry, json_schema};
pub use live::{Export, export};
pub use plan::{Change, ChangeKind, Plan, plan};

use crate::Error;

/// Why an organization job stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum OrgError {
    /// A request failed.
    Api(Error),
    /// The file is wrong (named by entry).
    File(String),
    /// A guard refused the plan; nothing was changed.
    Guard(String),
    /// The saved plan no longer fits the organization; nothing was changed.
    StalePlan(String),
    /// A secret cannot be made or kept (no `--secrets` file, an unset variable, a file
    /// others may read). The message never holds the secret.
    Secrets(String),
    /// The journal cannot be read or written.
    Journal(String),
}

impl fmt::Display for OrgError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OrgError::Api(error) => write!(f, "{error}"),
            OrgError::File(message) => write!(f, "organization file: {message}"),
            OrgError::Guard(message) => write!(f, "refused: {message}"),
            OrgError::StalePlan(message) => write!(f, "stale plan: {message}"),
            OrgError::Secrets(message) => write!(f, "secrets: {message}"),
            OrgError::Journal(message) => write!(f, "journal: {message}"),
        }
    }
}

impl std::error::Error for OrgError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OrgError::Api(error) => Some(error),
            _ => None,
        }
    }
}

impl From<Error> for OrgError {
    fn from(error: Error) -> Self {
        OrgError::Api(error)
    }
}

/// How many users, teams or service accounts (each kind counted apart) one apply may
/// remove: a number, or a share of those the organization has (rounded up).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RemovalLimit {
    /// At most this many of each kind.
    Count(usize),
    /// At most this percentage of each kind.
    Percent(u8),
}

impl Default for RemovalLimit {
    /// A quarter of each kind.
    fn default() -> Self {
        RemovalLimit::Percent(25)
    }
}

impl RemovalLimit {
    /// How many of `total` may go.
    pub fn allowed(self, total: usize) -> usize {
        match self {
            RemovalLimit::Count(count) => count,
            RemovalLimit::Percent(percent) => (total * usize::from(percent)).div_ceil(100),
        }
    }
}

impl fmt::Display for RemovalLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RemovalLimit::Count(count) => write!(f, "{count}"),
            RemovalLimit::Percent(percent) => write!(f, "{percent}%"),
        }
    }
}

impl FromStr for RemovalLimit {
    type Err = String;

    /// `N` (a count) or `P%` (a percentage from 0 to 100).
    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let invalid = || format!("{text:?} is not a count (3) or a percentage (25%)");
        match text.strip_suffix('%') {
            Some(percent) => match percent.trim().parse::<u8>() {
                Ok(percent) if percent <= 100 => Ok(RemovalLimit::Percent(percent)),
                _ => Err(invalid()),
            },
            None => text.parse().map(RemovalLimit::Count).map_err(|_| invalid()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removal_limits_read_and_round_up() {
        assert_eq!("25%".parse(), Ok(RemovalLimit::Percent(25)));
        assert_eq!("3".parse(), Ok(RemovalLimit::Count(3)));
        assert!("101%".parse::<RemovalLimit>().is_err());
        assert!("-1".parse::<RemovalLimit>().is_err());
        assert!("a lot".parse::<RemovalLimit>().unwrap_err().contains("a lot"));
        assert_eq!(RemovalLimit::default().allowed(16), 4);
        assert_eq!(RemovalLimit::default().allowed(3), 1);
        assert_eq!(RemovalLimit::default().allowed(0), 0);
        assert_eq!(RemovalLimit::Count(2).allowed(100), 2);
    }
}
