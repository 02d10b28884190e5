//! Identifiers with a type each, so that a team's id cannot be passed where a user's belongs.
//!
//! Every id converts from `&str` and `String`, so call sites stay short
//! (`client.users().get("e5be7513ba224f6f9463c209cb4c5d83")`), and an id read from one answer
//! is passed on as it is (`client.users().get(&user.id)`). What does not compile is mixing
//! them up:
//!
//! ```compile_fail,E0277
//! # fn mixed_up(client: &sauce_accounts::Client) -> Result<(), sauce_accounts::Error> {
//! let team = client.teams().get("80d69d16ebdb4c018cc9d81ea911761a").send()?;
//! client.users().get(&team.id).send()?; // a TeamId is not a UserId
//! # Ok(())
//! # }
//! ```
//!
//! ```no_run
//! # fn fine(client: &sauce_accounts::Client) -> Result<(), sauce_accounts::Error> {
//! let team = client.teams().get("80d69d16ebdb4c018cc9d81ea911761a").send()?;
//! for member in client.teams().list_members(&team.id).iter() {
//!     let member = member?;
//!     println!("{}", client.users().get(&member.id).send()?.username);
//! }
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps an identifier.
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The identifier as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(id: &str) -> Result<Self, Self::Err> {
                Ok($name(id.to_string()))
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_string())
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl From<&String> for $name {
            fn from(id: &String) -> Self {
                $name(id.clone())
            }
        }

        impl From<&$name> for $name {
            fn from(id: &$name) -> Self {
                id.clone()
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }

        impl PartialEq<String> for $name {
            fn eq(&self, other: &String) -> bool {
                &self.0 == other
            }
        }

        impl PartialEq<$name> for &str {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl PartialEq<$name> for String {
            fn eq(&self, other: &$name) -> bool {
                *self == other.0
            }
        }

        impl IntoIds<$name> for $name {
            fn into_ids(self) -> Vec<$name> {
                vec![self]
            }
        }

        impl IntoIds<$name> for &$name {
            fn into_ids(self) -> Vec<$name> {
                vec![self.clone()]
            }
        }
    };
}

/// One identifier or several, for a filter that takes a list of them: `.teams(&team.id)`,
/// `.teams([&web.id, &mobile.id])`, `.teams(vec![id])`, or a string (`.teams("80d6…")`).
/// The filter sends them comma-separated, as the API reads such lists.
///
/// ```no_run
/// # fn main() -> Result<(), sauce_accounts::Error> {
/// let client = sauce_accounts::Client::from_env()?;
/// let web = client.teams().lookup().name("Web").send()?.results.remove(0);
/// let members = client.users().lookup().teams(&web.id).send()?;
/// let mobile = client.teams().lookup().name("Mobile").send()?.results.remove(0);
/// let both = client.users().lookup().teams([&web.id, &mobile.id]).send()?;
/// # Ok(())
/// # }
/// ```
pub trait IntoIds<T> {
    /// The identifiers, in the order given.
    fn into_ids(self) -> Vec<T>;
}

impl<T: for<'a> From<&'a str>> IntoIds<T> for &str {
    fn into_ids(self) -> Vec<T> {
        vec![T::from(self)]
    }
}

impl<T: From<String>> IntoIds<T> for String {
    fn into_ids(self) -> Vec<T> {
        vec![T::from(self)]
    }
}

impl<T: for<'a> From<&'a String>> IntoIds<T> for &String {
    fn into_ids(self) -> Vec<T> {
        vec![T::from(self)]
    }
}

impl<T, Item: Into<T>> IntoIds<T> for Vec<Item> {
    fn into_ids(self) -> Vec<T> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<T, Item: Into<T>, const N: usize> IntoIds<T> for [Item; N] {
    fn into_ids(self) -> Vec<T> {
        self.into_iter().map(Into::into).collect()
    }
}

impl<'a, T, Item> IntoIds<T> for &'a [Item]
where
    &'a Item: Into<T>,
{
    fn into_ids(self) -> Vec<T> {
        self.iter().map(Into::into).collect()
    }
}

id_type! {
    /// A user's identifier (`e5be7513ba224f6f9463c209cb4c5d83`); see the [module](crate::ids).
    UserId
}

id_type! {
    /// A team's identifier (`80d69d16ebdb4c018cc9d81ea911761a`); see the [module](crate::ids).
    TeamId
}

id_type! {
    /// An organization's identifier; see the [module](crate::ids).
    OrganizationId
}

id_type! {
    /// A service account's identifier (`7ddb81628f5f4e77b5f74d9dec4980db`); see the
    /// [module](crate::ids).
    ServiceAccountId
}
