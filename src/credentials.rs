//! The username and access key every request authenticates with.

use std::fmt;

use crate::{Error, Secret};

/// A setting's value, or `None` when it is absent or blank: CI systems often export a variable
/// empty when nothing was configured.
pub(crate) fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|value| !value.is_empty())
}

/// The environment variable holding the username.
pub const USERNAME_VAR: &str = "SAUCE_USERNAME";
/// The environment variable holding the access key.
pub const ACCESS_KEY_VAR: &str = "SAUCE_ACCESS_KEY";
/// The environment variable holding the region name.
pub const REGION_VAR: &str = "SAUCE_REGION";
/// The environment variable with a custom API base URL (a standalone `sauce-sandbox`, a
/// proxy, a staging stack); it wins over [`REGION_VAR`].
pub const BASE_URL_VAR: &str = "SAUCE_BASE_URL";

/// A Sauce Labs username and its access key.
///
/// Neither `Debug` nor `Display` shows the key:
///
/// ```
/// let credentials = sauce_accounts::Credentials::new("jsmith", "0a1b2c3d-secret");
/// assert_eq!(format!("{credentials}"), "jsmith");
/// assert!(!format!("{credentials:?}").contains("secret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    username: String,
    access_key: Secret,
}

impl Credentials {
    /// Credentials from explicit values.
    pub fn new(username: impl Into<String>, access_key: impl Into<Secret>) -> Self {
        Credentials { username: username.into(), access_key: access_key.into() }
    }

    /// Reads `SAUCE_USERNAME` and `SAUCE_ACCESS_KEY`.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming each variable that is missing or empty.
    pub fn from_env() -> Result<Self, Error> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Like [`Credentials::from_env`], reading variables through `lookup` (handy in tests).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming each variable that is missing or empty.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Error> {
        let read = |name: &str| non_blank(lookup(name).as_deref()).map(str::to_string);
        match (read(USERNAME_VAR), read(ACCESS_KEY_VAR)) {
            (Some(username), Some(access_key)) => Ok(Credentials::new(username, access_key)),
            (username, access_key) => {
                let missing: Vec<&str> = [(USERNAME_VAR, username.is_none()), (ACCESS_KEY_VAR, access_key.is_none())]
                    .into_iter()
                    .filter_map(|(name, missing)| missing.then_some(name))
                    .collect();
                Err(Error::config(format!(
                    "{} {} not set: export {} (find the key under Account > User settings on Sauce Labs), \
                     or pass Credentials explicitly (ClientBuilder::credentials)",
                    missing.join(" and "),
                    if missing.len() == 1 { "is" } else { "are" },
                    missing.iter().map(|name| format!("{name}=…")).collect::<Vec<_>>().join(" ")
                )))
            }
        }
    }

    /// The username.
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The access key (redacted in `Debug`).
    pub fn access_key(&self) -> &Secret {
        &self.access_key
    }

    /// The `Authorization` header value.
    pub(crate) fn basic_auth_header(&self) -> String {
        use base64::Engine as _;
        let pair = format!("{}:{}", self.username, self.access_key.expose());
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("access_key", &self.access_key).finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.username)
    }
}
