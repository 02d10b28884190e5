//! The username and access key every request authenticates with.

use std::fmt;
use std::path::{Path, PathBuf};

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

    /// Reads `SAUCE_USERNAME` and `SAUCE_ACCESS_KEY`; when neither is set, the file
    /// `~/.sauce/credentials.yml` that `saucectl configure` writes (YAML keys `username` and
    /// `accessKey`), as saucectl does.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming each variable that is missing or empty (and the file, when it
    /// was read), or saying why the file cannot be used: unreadable, not of that form, or
    /// readable by other users (with the `chmod` that fixes it).
    pub fn from_env() -> Result<Self, Error> {
        Self::from_sources(|name| std::env::var(name).ok(), credentials_file().as_deref())
    }

    /// The variables through `lookup`, else the credentials file at `file`, as saucectl reads
    /// them: the file only when neither variable is set.
    fn from_sources(lookup: impl Fn(&str) -> Option<String>, file: Option<&Path>) -> Result<Self, Error> {
        let unset = |name: &str| non_blank(lookup(name).as_deref()).is_none();
        if unset(USERNAME_VAR)
            && unset(ACCESS_KEY_VAR)
            && let Some(path) = file
        {
            if let Some(credentials) = read_credentials_file(path)? {
                return Ok(credentials);
            }
            // Say where else was looked, so "not set" is not the whole story.
            return Self::from_lookup(lookup).map_err(|error| {
                Error::config(format!("{} (there is no {} either)", error_text(&error), path.display()))
            });
        }
        Self::from_lookup(lookup)
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

/// The message of a configuration error, without the kind `Display` puts before it.
fn error_text(error: &Error) -> String {
    match error {
        Error::Config(message) => message.clone(),
        other => other.to_string(),
    }
}

/// `~/.sauce/credentials.yml`, where saucectl keeps credentials; `None` without a home folder.
pub(crate) fn credentials_file() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    (!home.is_empty()).then(|| Path::new(&home).join(".sauce").join("credentials.yml"))
}

/// The credentials in a saucectl credentials file; `None` when there is no such file.
///
/// A file other users can read is refused: it holds a key that acts as its owner.
pub(crate) fn read_credentials_file(path: &Path) -> Result<Option<Credentials>, Error> {
    let shown = path.display();
    let text = match crate::bounded::read_file(path, crate::bounded::SMALL) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(Error::config(format!("cannot read the credentials file {shown}: {error}"))),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).map(|metadata| metadata.permissions().mode()).unwrap_or(0);
        if mode & 0o077 != 0 {
            return Err(Error::config(format!(
                "the credentials file {shown} can be read by other users (mode {:o}): run `chmod 600 {shown}`",
                mode & 0o777
            )));
        }
    }
    let (username, access_key) =
        parse_credentials_yaml(&text).map_err(|why| Error::config(format!("the credentials file {shown} {why}")))?;
    Ok(Some(Credentials::new(username, access_key)))
}

/// `username` and `accessKey` from the two-key YAML mapping saucectl writes (plain, single-
/// or double-quoted scalars; comments and blank lines allowed).
fn parse_credentials_yaml(text: &str) -> Result<(String, String), String> {
    let (mut username, mut access_key) = (None, None);
    for (number, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if line.trim().is_empty() || line.trim_start().starts_with('#') || line == "---" {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            return Err(format!("line {} is not `key: value`", number + 1));
        };
        let value = unquote(value.trim()).ok_or_else(|| format!("line {} has an unterminated quote", number + 1))?;
        match key.trim() {
            "username" => username = non_blank(Some(&value)).map(str::to_string),
            "accessKey" => access_key = non_blank(Some(&value)).map(str::to_string),
            _ => {}
        }
    }
    match (username, access_key) {
        (Some(username), Some(access_key)) => Ok((username, access_key)),
        (None, _) => Err("has no `username:`".into()),
        (_, None) => Err("has no `accessKey:`".into()),
    }
}

/// A YAML scalar without its quotes (and a plain one without a trailing comment).
fn unquote(value: &str) -> Option<String> {
    if let Some(inner) = value.strip_prefix('"') {
        let inner = inner.strip_suffix('"')?;
        return Some(inner.replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    if let Some(inner) = value.strip_prefix('\'') {
        return Some(inner.strip_suffix('\'')?.replace("''", "'"));
    }
    Some(value.split(" #").next().unwrap_or_default().trim().to_string())
}

/// Writes `credentials` to `path` as saucectl does: the folder 0700, the file 0600 (for
/// `sauce-accounts configure`).
#[cfg(feature = "cli")]
pub(crate) fn write_credentials_file(path: &Path, credentials: &Credentials) -> Result<(), Error> {
    let failed = |error: std::io::Error| Error::config(format!("cannot write {}: {error}", path.display()));
    let quoted = |text: &str| format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""));
    let text = format!(
        "username: {}\naccessKey: {}\n",
        quoted(credentials.username()),
        quoted(credentials.access_key().expose())
    );
    if let Some(folder) = path.parent() {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(folder).map_err(failed)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    let mut file = options.open(path).map_err(failed)?;
    #[cfg(unix)]
    {
        // An existing file keeps its mode on open: make it private before the key is in it.
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(failed)?;
    }
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saucectl_files_are_read_in_their_forms() {
        let plain = "username: jim\naccessKey: 0a1b-2c3d\n";
        assert_eq!(parse_credentials_yaml(plain), Ok(("jim".into(), "0a1b-2c3d".into())));
        let quoted = "# saucectl\n---\naccessKey: '0a1b'\nusername: \"jim \\\"q\\\"\"\nregion: eu\n";
        assert_eq!(parse_credentials_yaml(quoted), Ok(("jim \"q\"".into(), "0a1b".into())));
        assert_eq!(parse_credentials_yaml("username: jim\n"), Err("has no `accessKey:`".into()));
        assert!(parse_credentials_yaml("username jim").unwrap_err().contains("line 1"));
    }

    #[cfg(unix)]
    #[test]
    fn the_environment_comes_first_then_the_file() {
        let folder = std::env::temp_dir().join(format!("sauce-sources-{}", std::process::id()));
        let path = folder.join("credentials.yml");
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| pairs.iter().find(|(key, _)| *key == name).map(|(_, value)| value.to_string())
        };
        let missing = Credentials::from_sources(env(&[]), Some(&path)).unwrap_err().to_string();
        assert!(missing.contains("are not set") && missing.contains("there is no"), "{missing}");
        write_credentials_file(&path, &Credentials::new("file-user", "file-key")).unwrap();
        let from_file = Credentials::from_sources(env(&[]), Some(&path)).unwrap();
        assert_eq!(from_file.username(), "file-user");
        const BOTH: [(&str, &str); 2] = [(USERNAME_VAR, "env-user"), (ACCESS_KEY_VAR, "env-key")];
        let from_env = Credentials::from_sources(env(&BOTH), Some(&path)).unwrap();
        assert_eq!(from_env.username(), "env-user");
        let half = Credentials::from_sources(env(&[(USERNAME_VAR, "env-user")]), Some(&path)).unwrap_err();
        assert!(half.to_string().contains("SAUCE_ACCESS_KEY is not set"), "no silent mix of sources: {half}");
        std::fs::remove_dir_all(folder).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_private_and_read_back() {
        use std::os::unix::fs::PermissionsExt as _;
        let folder = std::env::temp_dir().join(format!("sauce-credentials-{}", std::process::id()));
        let path = folder.join(".sauce").join("credentials.yml");
        let credentials = Credentials::new("jim", "0a1b\"2c");
        write_credentials_file(&path, &credentials).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777, 0o700);
        assert_eq!(read_credentials_file(&path).unwrap(), Some(credentials));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = read_credentials_file(&path).unwrap_err().to_string();
        assert!(refused.contains("chmod 600"), "{refused}");
        std::fs::remove_dir_all(folder).unwrap();
    }
}
