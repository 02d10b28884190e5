//! The global options and the client they configure: which target, which credentials, and
//! where each came from (so errors can say so).

use std::time::Duration;

use clap::{Args, ValueEnum};

use super::CliError;
use super::args::timeout_seconds;
use crate::credentials::{self, ACCESS_KEY_VAR, BASE_URL_VAR, REGION_VAR, USERNAME_VAR, non_blank};
use crate::sandbox::Sandbox;
use crate::{Client, Credentials, Region};

#[derive(Debug, Args)]
pub(super) struct Global {
    /// Data center: us-west-1, us-east-4, eu-central-1, apac-southeast-1 (or us, eu, apac …);
    /// overrides SAUCE_REGION and SAUCE_BASE_URL.
    #[arg(short = 'r', long, global = true, conflicts_with = "base_url")]
    region: Option<String>,
    /// A custom API base URL instead of a region (a proxy, a staging stack, a sauce-sandbox);
    /// overrides SAUCE_BASE_URL and SAUCE_REGION.
    #[arg(long, global = true, value_name = "URL")]
    base_url: Option<String>,
    /// Allow a plain http:// base URL that is not loopback (the access key then crosses the
    /// network unencrypted: only for hosts you control).
    #[arg(long, global = true)]
    allow_plain_http: bool,
    /// Trust the certificate authorities in this PEM file instead of the bundled ones (for a
    /// company proxy that inspects TLS).
    #[arg(long, global = true, value_name = "FILE")]
    ca_cert: Option<std::path::PathBuf>,
    /// The username to authenticate as; overrides SAUCE_USERNAME and the credentials file.
    #[arg(short = 'u', id = "sauce_username", long = "sauce-username", global = true, value_name = "USERNAME")]
    username: Option<String>,
    /// The access key; overrides SAUCE_ACCESS_KEY and the credentials file (prefer those:
    /// flags end up in shell history).
    #[arg(short = 'k', id = "sauce_access_key", long = "sauce-access-key", global = true, value_name = "KEY")]
    access_key: Option<String>,
    /// Print JSON (short for --format json).
    #[arg(long, global = true, conflicts_with = "format")]
    json: bool,
    /// How to print results: a table for people, JSON, or CSV (RFC 4180) for spreadsheets.
    #[arg(long, global = true, value_enum, value_name = "FORMAT")]
    format: Option<Format>,
    /// Follow pagination and print every item of a listing.
    #[arg(long, global = true)]
    pub(super) all: bool,
    /// Do an irreversible operation (delete, deactivate, new key, role grant) without asking;
    /// required when standard input is not a terminal.
    #[arg(long, short = 'y', global = true)]
    pub(super) yes: bool,
    /// Seconds one request may take (1 to 86400).
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30, value_parser = timeout_seconds, allow_negative_numbers = true)]
    timeout: u64,
    /// Run against a fresh embedded sandbox instead of Sauce Labs (nothing leaves this machine).
    #[arg(long, global = true, conflicts_with_all = ["region", "base_url"])]
    sandbox: bool,
}

/// How results are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    /// Tables and `key: value` lines.
    Table,
    /// JSON, as the API sends it.
    Json,
    /// RFC 4180 CSV with one header row.
    Csv,
}

/// The global options shown on every subcommand's help page; the others are listed once,
/// in `sauce-accounts --help`.
const SHOWN_ON_SUBCOMMANDS: [&str; 4] = ["json", "format", "all", "yes"];

/// Subcommand help lists the output options and points to `sauce-accounts --help` for the
/// connection options, instead of repeating all of them on every page.
pub(super) fn shorten_subcommand_help(mut command: clap::Command) -> clap::Command {
    let hidden: Vec<clap::Arg> = command
        .get_arguments()
        .filter(|argument| argument.is_global_set() && !SHOWN_ON_SUBCOMMANDS.contains(&argument.get_id().as_str()))
        .map(|argument| argument.clone().hide(true))
        .collect();
    let names: Vec<String> = command.get_subcommands().map(|sub| sub.get_name().to_string()).collect();
    for name in names {
        command =
            command.mut_subcommand(name, |sub| with_note(hidden.iter().fold(sub, |sub, arg| sub.arg(arg.clone()))));
    }
    command
}

/// Adds the pointer to the connection options to a command and everything under it.
fn with_note(mut command: clap::Command) -> clap::Command {
    command = command.after_help(
        "Connection options (--region, --base-url, -u, -k, --sandbox, --timeout, --ca-cert, \
         --allow-plain-http) apply here too: see `sauce-accounts --help`.",
    );
    let names: Vec<String> = command.get_subcommands().map(|sub| sub.get_name().to_string()).collect();
    for name in names {
        command = command.mut_subcommand(name, with_note);
    }
    command
}

impl Global {
    pub(super) fn format(&self) -> Result<Format, CliError> {
        Ok(if self.json { Format::Json } else { self.format.unwrap_or(Format::Table) })
    }
}

/// What a command connected with, for messages about it.
pub(super) struct Used {
    base_url: String,
    target_source: &'static str,
    username: String,
    username_source: String,
    key_source: String,
}

/// The library's 401 hint, which names the variables whether or not they were used.
const LIBRARY_401_HINT: &str =
    "check SAUCE_USERNAME and SAUCE_ACCESS_KEY, and that the account lives in the configured region (SAUCE_REGION)";

/// A 401's hint names what was actually used, not the variables that may not have been.
pub(super) fn unauthorized_hint(message: &str, used: &Used) -> String {
    let Used { base_url, target_source, username, username_source, key_source } = used;
    let hint = format!(
        "check the username {username:?} (from {username_source}) and the access key (from {key_source}), \
         and that the account lives at {base_url} (from {target_source})"
    );
    if message.contains(LIBRARY_401_HINT) {
        message.replace(LIBRARY_401_HINT, &hint)
    } else {
        format!("{message}; {hint}")
    }
}

/// A value and where it came from.
type Sourced = (String, String);

/// The first of a flag, its variable and the credentials file that gives a value.
fn credential(
    flag: Option<&str>,
    flag_name: &str,
    variable: &str,
    from_file: &mut dyn FnMut() -> Result<Option<Sourced>, CliError>,
) -> Result<Option<Sourced>, CliError> {
    if let Some(value) = non_blank(flag) {
        return Ok(Some((value.to_string(), flag_name.to_string())));
    }
    if let Some(value) = non_blank(std::env::var(variable).ok().as_deref()) {
        return Ok(Some((value.to_string(), variable.to_string())));
    }
    from_file()
}

/// Username and key: each from its flag, else its variable, else the credentials file; the
/// file only when neither variable is set (as saucectl and `Credentials::from_env` read it),
/// so a half-set environment is named, not silently completed from the file.
fn credentials_of(global: &Global) -> Result<(Credentials, String, String), CliError> {
    let mut file: Option<Option<Credentials>> = None;
    let variable_set = |name: &str| non_blank(std::env::var(name).ok().as_deref()).is_some();
    let environment_used = variable_set(USERNAME_VAR) || variable_set(ACCESS_KEY_VAR);
    let path = credentials::credentials_file().filter(|_| !environment_used);
    let mut read_file = |pick: fn(&Credentials) -> String| -> Result<Option<Sourced>, CliError> {
        if file.is_none() {
            file = Some(match &path {
                Some(path) => credentials::read_credentials_file(path)?,
                None => None,
            });
        }
        let shown = path.as_ref().map_or_else(String::new, |path| path.display().to_string());
        Ok(file.as_ref().and_then(Option::as_ref).map(|found| (pick(found), shown)))
    };
    let username = credential(global.username.as_deref(), "-u", USERNAME_VAR, &mut || {
        read_file(|found| found.username().to_string())
    })?;
    let key = credential(global.access_key.as_deref(), "-k", ACCESS_KEY_VAR, &mut || {
        read_file(|found| found.access_key().expose().to_string())
    })?;
    match (username, key) {
        (Some((username, username_source)), Some((key, key_source))) => {
            Ok((Credentials::new(username, key), username_source, key_source))
        }
        (username, key) => {
            let missing: Vec<&str> = [(USERNAME_VAR, username.is_none()), (ACCESS_KEY_VAR, key.is_none())]
                .into_iter()
                .filter_map(|(name, missing)| missing.then_some(name))
                .collect();
            let file = match path {
                Some(path) => format!("{} does not exist", path.display()),
                None if environment_used => "the credentials file is read only when neither variable is set".into(),
                None => "there is no home folder for ~/.sauce/credentials.yml".into(),
            };
            Err(CliError::Usage(format!(
                "{} {} not set ({file}): export {}, pass -u/--sauce-username and \
                 -k/--sauce-access-key, or run `sauce-accounts configure`",
                missing.join(" and "),
                if missing.len() == 1 { "is" } else { "are" },
                missing.iter().map(|name| format!("{name}=…")).collect::<Vec<_>>().join(" "),
            )))
        }
    }
}

/// The host `--allow-plain-http` opts in for: the base URL's host, without an IPv6 address's
/// brackets (which the client compares without).
fn plain_http_host(url: &str) -> Option<String> {
    let uri = url.trim().parse::<ureq::http::Uri>().ok()?;
    Some(uri.host()?.trim_start_matches('[').trim_end_matches(']').to_string())
}

/// Where requests go: flags beat variables, and `SAUCE_BASE_URL` beats `SAUCE_REGION`
/// (as in `Client::from_env`). A bad region is named before anything else is checked.
enum Target {
    BaseUrl(String, &'static str),
    Region(Region, &'static str),
}

fn target(global: &Global) -> Result<Target, CliError> {
    let region = |text: &str, source: &'static str| {
        text.parse::<Region>()
            .map(|region| Target::Region(region, source))
            .map_err(|error| CliError::Usage(format!("{error} (from {source})")))
    };
    if let Some(url) = non_blank(global.base_url.as_deref()) {
        return Ok(Target::BaseUrl(url.to_string(), "--base-url"));
    }
    if let Some(text) = non_blank(global.region.as_deref()) {
        return region(text, "--region");
    }
    let variable = |name: &str| non_blank(std::env::var(name).ok().as_deref()).map(str::to_string);
    let region_variable = variable(REGION_VAR).map(|text| region(&text, REGION_VAR)).transpose()?;
    if let Some(url) = variable(BASE_URL_VAR) {
        return Ok(Target::BaseUrl(url, BASE_URL_VAR));
    }
    Ok(region_variable.unwrap_or(Target::Region(Region::default(), "the default region")))
}

/// The client for these options, the sandbox it talks to (kept alive while the command runs)
/// and what it used.
pub(super) fn connect(global: &Global) -> Result<(Client, Option<Sandbox>, Used), CliError> {
    let mut builder = Client::builder().timeout(Duration::from_secs(global.timeout)).user_agent_suffix("cli");
    let target = if global.sandbox { None } else { Some(target(global)?) };
    if let Some(path) = &global.ca_cert {
        let pem = std::fs::File::open(path)
            .and_then(|file| crate::bounded::read_bytes(file, crate::bounded::SMALL))
            .map_err(|error| CliError::Usage(format!("--ca-cert {}: {error}", path.display())))?;
        builder = builder.root_certificates_pem(pem);
    }
    let (sandbox, target_source, credentials, username_source, key_source) = match target {
        None => {
            let started = Sandbox::start()?;
            let admin = started.admin_credentials();
            let username = non_blank(global.username.as_deref());
            let key = non_blank(global.access_key.as_deref());
            let credentials = Credentials::new(
                username.unwrap_or(admin.username()),
                key.map_or_else(|| admin.access_key().clone(), Into::into),
            );
            let source = |flag: Option<&str>, name: &str| {
                if flag.is_some() { name.to_string() } else { "the sandbox's admin".to_string() }
            };
            builder = builder.base_url(started.url());
            (Some(started), "--sandbox", credentials, source(username, "-u"), source(key, "-k"))
        }
        Some(target) => {
            let source = match target {
                Target::BaseUrl(url, source) => {
                    if global.allow_plain_http
                        && let Some(host) = plain_http_host(&url)
                    {
                        builder = builder.allow_plain_http_for(host);
                    }
                    builder = builder.base_url(url);
                    source
                }
                Target::Region(region, source) => {
                    builder = builder.region(region);
                    source
                }
            };
            let (credentials, username_source, key_source) = credentials_of(global)?;
            (None, source, credentials, username_source, key_source)
        }
    };
    let username = credentials.username().to_string();
    let client = builder.credentials(credentials).build()?;
    let used = Used { base_url: client.base_url(), target_source, username, username_source, key_source };
    Ok((client, sandbox, used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_hosts_drop_ipv6_brackets() {
        assert_eq!(plain_http_host("http://[fd00::5]:9").as_deref(), Some("fd00::5"));
        assert_eq!(plain_http_host("http://proxy.internal:8080/x").as_deref(), Some("proxy.internal"));
        let client = Client::builder()
            .base_url("http://[fd00::5]:9")
            .allow_plain_http_for(plain_http_host("http://[fd00::5]:9").unwrap())
            .credentials(Credentials::new("u", "k"))
            .build();
        assert!(client.is_ok(), "{:?}", client.err());
    }

    #[test]
    fn a_401_names_what_was_used() {
        let used = Used {
            base_url: "http://127.0.0.1:9".into(),
            target_source: "SAUCE_BASE_URL",
            username: "jim".into(),
            username_source: "-u".into(),
            key_source: "SAUCE_ACCESS_KEY".into(),
        };
        let message = format!("401 Unauthorized ({LIBRARY_401_HINT})");
        let hint = unauthorized_hint(&message, &used);
        assert!(
            hint.contains("\"jim\" (from -u)") && hint.contains("http://127.0.0.1:9 (from SAUCE_BASE_URL)"),
            "{hint}"
        );
        assert!(!hint.contains("SAUCE_REGION"), "{hint}");
    }
}
