//! The journal: one JSON object per line, appended and flushed as each step begins and
//! ends, so a rerun (or a person) can tell what an interrupted apply did. It never holds a
//! secret.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use serde_json::{Value, json};

use super::OrgError;
use super::plan::ChangeKind;

pub(crate) struct Journal {
    file: Option<File>,
    /// What earlier runs recorded in the same file.
    previous: Vec<Value>,
}

impl Journal {
    /// Opens (creating it if needed) the journal at `path`; `None` records nothing.
    pub(crate) fn open(path: Option<&Path>) -> Result<Journal, OrgError> {
        let Some(path) = path else {
            return Ok(Journal { file: None, previous: Vec::new() });
        };
        let error = |message: String| OrgError::Journal(format!("{}: {message}", path.display()));
        let previous = match crate::bounded::read_file(path, crate::bounded::LARGE) {
            // A line cut short by a kill is skipped: the run it belonged to is read again anyway.
            Ok(text) => text.lines().filter_map(|line| serde_json::from_str(line).ok()).collect(),
            Err(missing) if missing.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(other) => return Err(error(other.to_string())),
        };
        let file = OpenOptions::new().create(true).append(true).open(path).map_err(|e| error(e.to_string()))?;
        Ok(Journal { file: Some(file), previous })
    }

    /// Appends one record with the time.
    pub(crate) fn record(&mut self, mut record: Value) -> Result<(), OrgError> {
        let Some(file) = &mut self.file else { return Ok(()) };
        record["at"] = json!(
            chrono::DateTime::<chrono::Utc>::from(std::time::SystemTime::now())
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        );
        let mut line = serde_json::to_string(&record).expect("JSON");
        line.push('\n');
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|error| OrgError::Journal(format!("cannot write the journal: {error}")))
    }

    /// Whether an earlier run in this journal started applying the plan with `fingerprint`.
    pub(crate) fn started(&self, fingerprint: &str) -> bool {
        self.previous.iter().any(|record| record["event"] == "start" && record["fingerprint"] == fingerprint)
    }

    /// Targets of `kind` an earlier run began and never finished.
    pub(crate) fn unfinished(&self, kind: ChangeKind) -> BTreeSet<String> {
        let kind = json!(kind);
        let mut open = BTreeSet::new();
        for record in self.previous.iter().filter(|record| record["kind"] == kind) {
            let Some(target) = record["target"].as_str() else { continue };
            if record["event"] == "begin" {
                open.insert(target.to_string());
            } else {
                open.remove(target);
            }
        }
        open
    }
}
