//! Initial passwords and new access keys: generated from the operating system's entropy and
//! written only to the secrets file (created readable by its owner alone).

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::OrgError;
use crate::Secret;

const LOWER: &[u8] = b"abcdefghijkmnopqrstuvwxyz";
const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
const DIGITS: &[u8] = b"23456789";
/// Characters that survive a shell, YAML and a URL unquoted.
const SPECIAL: &[u8] = b"-_.!@%+=";
const LENGTH: usize = 24;

/// A uniformly random index below `bound` (rejection sampling: no modulo bias).
fn random_below(bound: usize) -> Result<usize, OrgError> {
    let bound = u32::try_from(bound).expect("small alphabets");
    let zone = u32::MAX - u32::MAX % bound;
    loop {
        let mut bytes = [0u8; 4];
        getrandom::getrandom(&mut bytes)
            .map_err(|error| OrgError::Secrets(format!("the operating system gave no randomness: {error}")))?;
        let value = u32::from_le_bytes(bytes);
        if value < zone {
            return Ok((value % bound) as usize);
        }
    }
}

/// A new password meeting the service's password rules: 24 characters with at least one of
/// each class the rules ask for, in random positions.
pub(crate) fn generate_password() -> Result<Secret, OrgError> {
    let all: Vec<u8> = [LOWER, UPPER, DIGITS, SPECIAL].concat();
    let mut chars: Vec<u8> = Vec::with_capacity(LENGTH);
    for class in [LOWER, UPPER, DIGITS, SPECIAL] {
        chars.push(class[random_below(class.len())?]);
    }
    while chars.len() < LENGTH {
        chars.push(all[random_below(all.len())?]);
    }
    for index in (1..chars.len()).rev() {
        chars.swap(index, random_below(index + 1)?);
    }
    let password = String::from_utf8(chars).expect("ASCII");
    debug_assert!(crate::rules::password_problems(&password).is_empty());
    Ok(Secret::new(password))
}

/// The secrets file: one JSON object per line, appended as secrets appear (the last line for
/// a name is the current one). Created with mode 0600; an existing file others may read is
/// refused.
pub(crate) struct SecretsFile {
    path: PathBuf,
    file: Option<File>,
}

impl SecretsFile {
    pub(crate) fn new(path: &Path) -> SecretsFile {
        SecretsFile { path: path.to_path_buf(), file: None }
    }

    fn open(&mut self) -> Result<&mut File, OrgError> {
        if self.file.is_none() {
            let mut options = OpenOptions::new();
            options.create(true).append(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let file = options.open(&self.path).map_err(|error| self.error(&error.to_string()))?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = file.metadata().map_err(|error| self.error(&error.to_string()))?.permissions().mode();
                if mode & 0o077 != 0 {
                    return Err(self.error(&format!(
                        "others may read it (mode {:o}); run chmod 600 on it or name a new file",
                        mode & 0o777
                    )));
                }
            }
            self.file = Some(file);
        }
        Ok(self.file.as_mut().expect("opened above"))
    }

    fn error(&self, message: &str) -> OrgError {
        OrgError::Secrets(format!("secrets file {}: {message}", self.path.display()))
    }

    /// Appends one record and flushes it to disk before the caller goes on.
    pub(crate) fn write(&mut self, record: &serde_json::Value) -> Result<(), OrgError> {
        let mut line = serde_json::to_string(record).expect("JSON");
        line.push('\n');
        let file = self.open()?;
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|error| OrgError::Secrets(format!("cannot write the secrets file: {error}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_meet_the_rules_and_differ() {
        let passwords: Vec<String> = (0..200).map(|_| generate_password().unwrap().expose().to_string()).collect();
        for password in &passwords {
            assert_eq!(crate::rules::password_problems(password), Vec::<&str>::new(), "{password}");
            assert_eq!(password.len(), LENGTH);
        }
        let distinct: std::collections::BTreeSet<&String> = passwords.iter().collect();
        assert_eq!(distinct.len(), passwords.len());
    }

    #[cfg(unix)]
    #[test]
    fn the_secrets_file_is_private_and_a_readable_one_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let directory = std::env::temp_dir().join(format!("org-secrets-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let path = directory.join("new.jsonl");
        let _ = std::fs::remove_file(&path);
        SecretsFile::new(&path).write(&serde_json::json!({"user": "a", "password": "x"})).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        let open = directory.join("open.jsonl");
        std::fs::write(&open, "").unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = SecretsFile::new(&open).write(&serde_json::json!({})).unwrap_err();
        assert!(refused.to_string().contains("others may read it"), "{refused}");
        std::fs::remove_dir_all(&directory).unwrap();
    }
}
