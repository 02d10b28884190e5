//! `sauce-accounts org export|plan|apply|schema`: organization as code, on top of
//! [`crate::org`].

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Subcommand;

use super::connect::{Format, Global, connect};
use super::output::{Output, emit, escape_controls};
use super::{CliError, Ctx, for_cli};
use crate::Client;
use crate::org::{self, ApplyOptions, ChangeKind, OrgError, OrgFile, Plan, RemovalLimit};

/// Organization as code: the organization as a YAML file, reviewed and applied.
#[derive(Debug, Subcommand)]
pub(super) enum OrgCommand {
    /// Write the live organization as a file that plans to no change.
    Export {
        /// Write to FILE instead of standard output.
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Show what applying FILE would change. Exit code: 0 no change, 2 changes pending, 1 error.
    Plan {
        /// The organization file (YAML).
        file: PathBuf,
        /// Save the plan to PLAN, for `org apply PLAN` (refused if the organization changes).
        #[arg(short = 'o', long, value_name = "PLAN")]
        output: Option<PathBuf>,
    },
    /// Make the organization match FILE (or a saved PLAN), asking first.
    Apply {
        /// The organization file (YAML), or a plan saved by `org plan -o`.
        file: PathBuf,
        /// Record each step in FILE (JSON lines); rerun the same command to resume.
        #[arg(long, value_name = "FILE")]
        journal: Option<PathBuf>,
        /// Write new passwords and access keys to FILE (created with mode 0600); nowhere else.
        #[arg(long, value_name = "FILE")]
        secrets: Option<PathBuf>,
        /// The most users, teams or service accounts (each kind apart) to remove: N or P%.
        #[arg(long, value_name = "N|P%", default_value = "25%")]
        max_removals: RemovalLimit,
    },
    /// Print the JSON Schema of the organization file (for editors).
    Schema,
}

/// Runs an `org` command; its exit codes differ from the other commands' (`plan`: 2 means
/// changes are pending, so every error is 1).
pub(super) fn main(global: &Global, command: &OrgCommand) -> ExitCode {
    let outcome = match command {
        // The schema is the same everywhere: no organization, no credentials.
        OrgCommand::Schema => emit(org::json_schema().trim_end()).map(|()| false),
        _ => global.format().and_then(|format| {
            let (client, _sandbox, _used) = connect(global)?;
            let ctx =
                Ctx { client: &client, out: Output::new(format, false), all: false, yes: global.yes, operation: None };
            run(command, &ctx, format == Format::Json)
        }),
    };
    let report = |message: &str| eprintln!("error: {}", escape_controls(&for_cli(message), false));
    match outcome {
        Ok(true) => ExitCode::from(2),
        Ok(false) | Err(CliError::OutputClosed) => ExitCode::SUCCESS,
        Err(CliError::Usage(message) | CliError::NotFound(message)) => {
            report(&message);
            ExitCode::FAILURE
        }
        Err(CliError::Call(error)) => {
            report(&error.to_string());
            ExitCode::FAILURE
        }
    }
}

impl From<OrgError> for CliError {
    fn from(error: OrgError) -> Self {
        match error {
            OrgError::Api(error) => CliError::Call(error),
            other => CliError::Usage(other.to_string()),
        }
    }
}

/// Runs an `org` command; `Ok(true)` when a plan has changes pending.
fn run(command: &OrgCommand, ctx: &Ctx<'_>, json: bool) -> Result<bool, CliError> {
    let client = ctx.client;
    match command {
        OrgCommand::Export { output } => {
            let export = org::export(client)?;
            write_or_print(output.as_deref(), &export.file.to_yaml())?;
            Ok(false)
        }
        OrgCommand::Plan { file, output } => {
            let plan = org::plan(client, &read_file(file)?)?;
            if let Some(path) = output {
                let text = serde_json::to_string_pretty(&plan).expect("a plan is JSON");
                write_file(path, &format!("{text}\n"))?;
            }
            if json {
                emit(&serde_json::to_string_pretty(&plan.to_json()).expect("JSON"))?;
            } else {
                emit(&describe(&plan))?;
            }
            Ok(!plan.is_empty())
        }
        OrgCommand::Apply { file, journal, secrets, max_removals } => {
            let text =
                crate::bounded::read_file(file, crate::bounded::LARGE).map_err(|error| usage_io(file, &error))?;
            let plan = match serde_json::from_str::<Plan>(&text) {
                Ok(saved) => saved,
                Err(_) => org::plan(client, &parse(file, &text)?)?,
            };
            if plan.is_empty() {
                emit("No changes: the organization matches the file.")?;
                return Ok(false);
            }
            emit(&describe(&plan))?;
            ctx.confirm_irreversible("changes the organization", &question(&plan))?;
            let mut options = ApplyOptions::default().max_removals(*max_removals);
            if let Some(path) = journal {
                options = options.journal(path);
            }
            if let Some(path) = secrets {
                options = options.secrets(path);
            }
            let mut progress = Progress::new(client);
            let report = org::apply(client, &plan, &options, &mut |done, total| progress.show(done, total));
            progress.finish();
            let report = report?;
            // The plan's reading counts too (nothing when it was read from a saved plan).
            let requests = plan.requests + report.requests;
            let mut summary = format!("Applied {} changes with {requests} requests", report.changes);
            if report.reconciled > 0 {
                summary.push_str(&format!(" ({} settled by reading after a lost answer)", report.reconciled));
            }
            if let (Some(path), true) = (secrets, report.secrets_written > 0) {
                summary.push_str(&format!("; {} secrets written to {}", report.secrets_written, path.display()));
            }
            emit(&format!("{summary}."))?;
            Ok(false)
        }
        OrgCommand::Schema => {
            emit(org::json_schema().trim_end())?;
            Ok(false)
        }
    }
}

fn usage_io(path: &Path, error: &std::io::Error) -> CliError {
    CliError::Usage(format!("{}: {error}", path.display()))
}

fn parse(path: &Path, text: &str) -> Result<OrgFile, CliError> {
    OrgFile::from_yaml(text).map_err(|error| CliError::Usage(format!("{}: {error}", path.display())))
}

fn read_file(path: &Path) -> Result<OrgFile, CliError> {
    parse(path, &crate::bounded::read_file(path, crate::bounded::LARGE).map_err(|error| usage_io(path, &error))?)
}

fn write_file(path: &Path, text: &str) -> Result<(), CliError> {
    std::fs::write(path, text).map_err(|error| usage_io(path, &error))
}

fn write_or_print(path: Option<&Path>, text: &str) -> Result<(), CliError> {
    match path {
        Some(path) => write_file(path, text),
        None => emit(text.trim_end()),
    }
}

/// The plan for people: one line per change, in the order they are made.
fn describe(plan: &Plan) -> String {
    let mut lines = Vec::new();
    if plan.is_empty() {
        lines.push("No changes: the organization matches the file.".to_string());
    } else {
        lines.push(format!("{} changes:", plan.changes.len()));
    }
    let kind_width = plan.changes.iter().map(|change| change.kind.label().len()).max().unwrap_or(0);
    let target_width = plan.changes.iter().map(|change| change.target.chars().count()).max().unwrap_or(0);
    for change in &plan.changes {
        let detail = match (&change.before, &change.after) {
            (before, after) if before.is_null() => readable(after),
            (before, after) if after.is_null() => format!("(was {})", readable(before)),
            (before, after) => format!("{} → {}", readable(before), readable(after)),
        };
        let (kind, target) = (change.kind.label(), &change.target);
        lines.push(format!("  {kind:<kind_width$}  {target:<target_width$}  {detail}"));
    }
    if !plan.unmanaged.is_empty() {
        lines.push(format!("Not in the file, left alone (prune: false): {}", unmanaged(&plan.unmanaged)));
    }
    lines.join("\n")
}

/// "2 teams (Default, Manual QA), 14 users (alan.web, … and 9 more)".
fn unmanaged(entries: &[String]) -> String {
    let mut groups: Vec<(&str, Vec<&str>)> = Vec::new();
    for entry in entries {
        let kind = ["service account", "team", "user"].into_iter().find(|kind| entry.starts_with(&format!("{kind} ")));
        let (kind, name) = kind.map_or(("", entry.as_str()), |kind| (kind, &entry[kind.len() + 1..]));
        match groups.iter_mut().find(|(known, _)| *known == kind) {
            Some((_, names)) => names.push(name),
            None => groups.push((kind, vec![name])),
        }
    }
    let shown = 5;
    groups
        .iter()
        .map(|(kind, names)| {
            let mut list = names.iter().take(shown).copied().collect::<Vec<_>>().join(", ");
            if names.len() > shown {
                list.push_str(&format!(" and {} more", names.len() - shown));
            }
            format!("{} {kind}{} ({list})", names.len(), if names.len() == 1 { "" } else { "s" })
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A JSON value for people: strings without quotes, objects as `key: value` pairs.
fn readable(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => "none".into(),
        serde_json::Value::Array(items) => format!("[{}]", items.iter().map(readable).collect::<Vec<_>>().join(", ")),
        serde_json::Value::Object(fields) => {
            let fields = fields.iter().filter(|(_, value)| !value.is_null());
            let pairs: Vec<String> = fields
                .map(|(key, value)| match value {
                    serde_json::Value::Object(_) => format!("{key}: {{{}}}", readable(value)),
                    other => format!("{key}: {}", readable(other)),
                })
                .collect();
            pairs.join(", ")
        }
        other => other.to_string(),
    }
}

/// The question before applying: what cannot simply be undone is named.
fn question(plan: &Plan) -> String {
    let named = |kinds: &[ChangeKind]| -> Vec<String> {
        plan.changes.iter().filter(|change| kinds.contains(&change.kind)).map(|change| change.target.clone()).collect()
    };
    let mut parts = Vec::new();
    let deactivated = named(&[ChangeKind::Deactivate]);
    if !deactivated.is_empty() {
        parts.push(format!("deactivates {}", deactivated.join(", ")));
    }
    let granted: Vec<String> = plan
        .changes
        .iter()
        .filter(|change| change.grants_role())
        .map(|change| format!("{} ({})", change.target, readable(change.after.get("role").unwrap_or(&change.after))))
        .collect();
    if !granted.is_empty() {
        parts.push(format!("grants roles to {}", granted.join(", ")));
    }
    let keys = named(&[ChangeKind::DeleteServiceAccount]);
    if !keys.is_empty() {
        parts.push(format!("deletes the service accounts (and their keys) {}", keys.join(", ")));
    }
    let teams = named(&[ChangeKind::DeleteTeam]);
    if !teams.is_empty() {
        parts.push(format!("deletes the teams {}", teams.join(", ")));
    }
    let mut question = format!("Apply these {} changes?", plan.changes.len());
    if !parts.is_empty() {
        question = format!("Apply these {} changes? This {}.", plan.changes.len(), parts.join("; "));
    }
    question
}

/// A one-line progress report with the time left, on a terminal only.
struct Progress {
    shown: bool,
    started: Instant,
    per_second: Option<f64>,
}

impl Progress {
    fn new(client: &Client) -> Progress {
        Progress {
            shown: std::io::stderr().is_terminal(),
            started: Instant::now(),
            per_second: client.rate_limit().map(|limit| limit.per_second()),
        }
    }

    fn show(&mut self, done: usize, total: usize) {
        if !self.shown || done == 0 {
            return;
        }
        let elapsed = self.started.elapsed().as_secs_f64();
        let observed = elapsed / done as f64;
        // The rate limit bounds how fast the rest can go, whatever the first steps took.
        let each = self.per_second.map_or(observed, |rate| observed.max(1.0 / rate));
        let left = (total - done) as f64 * each;
        eprint!("\r\x1b[2Kapplying {done}/{total}, about {left:.0}s left");
        let _ = std::io::stderr().flush();
    }

    fn finish(&self) {
        if self.shown {
            eprint!("\r\x1b[2K");
            let _ = std::io::stderr().flush();
        }
    }
}
