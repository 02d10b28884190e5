//! Hand-written value types that the generated models use in place of a schema's derived
//! type (see `codegen/types.rs`, `REPLACEMENTS`): each exists because serde's derived
//! behaviour would be wrong for the API.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A credential: an access key or a password.
///
/// `Debug` prints `Secret(***)`, and there is no `Display`: the value only leaves through
/// [`Secret::expose`], so it cannot end up in logs or error messages by accident.
/// It serializes as the plain string the API expects.
#[derive(Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The credential itself. Call it only where the value must be used or shown on purpose.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the credential is the empty string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret(value.to_string())
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(Secret(value.to_string()))
    }
}

/// A concurrency figure (virtual machines, real devices, minutes …).
///
/// The API documents these as integers but sends and accepts them as strings of digits too
/// (`"virtual_machines": "10"`). Both forms decode; the client always sends an integer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ConcurrencyCount(pub u64);

impl ConcurrencyCount {
    /// The number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl From<u64> for ConcurrencyCount {
    fn from(value: u64) -> Self {
        ConcurrencyCount(value)
    }
}

impl From<ConcurrencyCount> for u64 {
    fn from(value: ConcurrencyCount) -> Self {
        value.0
    }
}

impl fmt::Display for ConcurrencyCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for ConcurrencyCount {
    type Err = std::num::ParseIntError;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        value.trim().parse().map(ConcurrencyCount)
    }
}

impl Serialize for ConcurrencyCount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.0)
    }
}

impl<'de> Deserialize<'de> for ConcurrencyCount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = ConcurrencyCount;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative integer or a string of digits")
            }
            fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<Self::Value, E> {
                Ok(ConcurrencyCount(value))
            }
            fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<Self::Value, E> {
                u64::try_from(value).map(ConcurrencyCount).map_err(|_| E::custom(format!("negative count {value}")))
            }
            fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Self::Value, E> {
                if value >= 0.0 && value.fract() == 0.0 && value <= u64::MAX as f64 {
                    Ok(ConcurrencyCount(value as u64))
                } else {
                    Err(E::custom(format!("{value} is not a whole non-negative count")))
                }
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Self::Value, E> {
                if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(E::custom(format!("{value:?} is not a string of digits")));
                }
                value.parse().map(ConcurrencyCount).map_err(|_| E::custom(format!("{value:?} is too large")))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// A user's role in the organization, sent and received as its number.
///
/// The docs list 1, 3 and 4; the service may send others (new roles appear), which decode
/// as [`RoleId::Other`] with the number kept, so one unknown role never breaks a listing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RoleId {
    /// `1`: administers the whole organization and every team in it.
    OrganizationAdmin,
    /// `3`: a plain member.
    Member,
    /// `4`: administers their team.
    TeamAdmin,
    /// A role number the docs do not list, as the service sent it.
    Other(u64),
}

impl RoleId {
    /// The number the API uses.
    pub fn number(self) -> u64 {
        match self {
            RoleId::OrganizationAdmin => 1,
            RoleId::Member => 3,
            RoleId::TeamAdmin => 4,
            RoleId::Other(number) => number,
        }
    }

    /// The role for an API number; numbers the docs do not list become [`RoleId::Other`].
    pub fn from_number(number: u64) -> RoleId {
        match number {
            1 => RoleId::OrganizationAdmin,
            3 => RoleId::Member,
            4 => RoleId::TeamAdmin,
            other => RoleId::Other(other),
        }
    }

    /// Whether the docs list this role (1, 3 or 4).
    pub fn is_documented(self) -> bool {
        !matches!(self, RoleId::Other(_))
    }
}

impl From<u64> for RoleId {
    /// A role by its number, as the API sends it (`RoleId::from(4)` is the team admin).
    fn from(number: u64) -> Self {
        RoleId::from_number(number)
    }
}

impl fmt::Display for RoleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RoleId::OrganizationAdmin => f.write_str("organization admin"),
            RoleId::Member => f.write_str("member"),
            RoleId::TeamAdmin => f.write_str("team admin"),
            RoleId::Other(number) => write!(f, "role {number}"),
        }
    }
}

impl Serialize for RoleId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.number())
    }
}

impl<'de> Deserialize<'de> for RoleId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(RoleId::from_number(ConcurrencyCount::deserialize(deserializer)?.0))
    }
}

/// A team's organization as the API reports it: sometimes the id, sometimes the whole object.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum OrgRef {
    /// Only the organization's id (possibly empty).
    Id(crate::OrganizationId),
    /// The full organization.
    Organization(crate::types::Organization),
}

impl OrgRef {
    /// The organization's id, whichever form was sent.
    pub fn id(&self) -> &str {
        match self {
            OrgRef::Id(id) => id,
            OrgRef::Organization(organization) => organization.id.as_str(),
        }
    }
}

/// Test minutes, which the service reports as a number or as the word `"infinite"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Minutes {
    /// So many minutes (a number, or a string of digits).
    Count(u64),
    /// No limit: the service sends `"infinite"`.
    Infinite,
}

impl Minutes {
    /// The number of minutes, or `None` for no limit.
    pub fn count(self) -> Option<u64> {
        match self {
            Minutes::Count(count) => Some(count),
            Minutes::Infinite => None,
        }
    }
}

impl Default for Minutes {
    fn default() -> Self {
        Minutes::Count(0)
    }
}

impl fmt::Display for Minutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Minutes::Count(count) => count.fmt(f),
            Minutes::Infinite => f.write_str("infinite"),
        }
    }
}

impl FromStr for Minutes {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        if text.eq_ignore_ascii_case("infinite") {
            return Ok(Minutes::Infinite);
        }
        text.parse()
            .map(Minutes::Count)
            .map_err(|_| format!("{text:?} is neither a number of minutes nor \"infinite\""))
    }
}

impl Serialize for Minutes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Minutes::Count(count) => serializer.serialize_u64(*count),
            Minutes::Infinite => serializer.serialize_str("infinite"),
        }
    }
}

impl<'de> Deserialize<'de> for Minutes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => text.parse().map_err(serde::de::Error::custom),
            other => ConcurrencyCount::deserialize(other)
                .map(|count| Minutes::Count(count.0))
                .map_err(serde::de::Error::custom),
        }
    }
}

/// A real-device count, which the service sends as a plain number or, as the docs show it, as
/// an object (`{"inUseDevices": 2}`, `{"allowedDevices": 10}`). Both forms decode and
/// encode back as they came.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum DeviceCount {
    /// A plain number.
    Number(ConcurrencyCount),
    /// The object form, every key kept.
    Object(std::collections::BTreeMap<String, serde_json::Value>),
}

impl DeviceCount {
    /// The count, whichever form was sent: the number itself, or the object's
    /// `inUseDevices` / `allowedDevices` (else its only numeric value).
    pub fn count(&self) -> Option<u64> {
        match self {
            DeviceCount::Number(count) => Some(count.0),
            DeviceCount::Object(fields) => ["inUseDevices", "allowedDevices"]
                .iter()
                .find_map(|key| fields.get(*key))
                .or_else(|| {
                    let mut numbers = fields.values().filter(|value| value.is_u64());
                    numbers.next().filter(|_| numbers.next().is_none())
                })
                .and_then(serde_json::Value::as_u64),
        }
    }
}

impl Default for DeviceCount {
    fn default() -> Self {
        DeviceCount::Number(ConcurrencyCount(0))
    }
}
