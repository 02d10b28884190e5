//! The `sauce-accounts` command line: every operation of the spec from the shell.
//!
//! This module is the binary's implementation, compiled with the `cli` feature; it is public
//! so the tests can walk the command tree, and is not a stable library API.
//!
//! One file per group of commands (`teams.rs`, `users.rs`, …), each owning its clap enum, the
//! operation each command calls and its handlers; `inventory.rs` maps every operation of the
//! spec to its command and is where the compiler sends whoever adds an operation.

mod args;
mod call;
mod classic;
mod concurrency;
mod configure;
mod connect;
mod inventory;
mod membership;
mod org;
mod output;
mod render;
mod resolve;
mod service_accounts;
mod teams;
mod users;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};

use crate::operations::OperationId;
use crate::{Client, Error};

pub use inventory::command_for;
use output::{Output, escape_controls};

/// Manage a Sauce Labs organization (teams, users, roles, access keys, concurrency,
/// subaccounts) through the Accounts API.
///
/// Credentials come from -u/-k, else SAUCE_USERNAME and SAUCE_ACCESS_KEY, else
/// ~/.sauce/credentials.yml (as `saucectl configure` or `sauce-accounts configure` write it);
/// the target from --sandbox, --base-url or --region, else SAUCE_BASE_URL or SAUCE_REGION.
/// Try anything offline with --sandbox.
#[derive(Debug, Parser)]
#[command(name = "sauce-accounts", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    global: connect::Global,
    #[command(subcommand)]
    group: Group,
}

#[derive(Debug, Subcommand)]
enum Group {
    /// Teams and their concurrency allocations.
    #[command(subcommand)]
    Teams(teams::Teams),
    /// Users, roles, team assignments and access keys.
    #[command(subcommand)]
    Users(users::Users),
    /// The deprecated single-team membership call.
    #[command(subcommand)]
    Membership(membership::Membership),
    /// Organizations visible to the account.
    #[command(subcommand)]
    Organizations(membership::Organizations),
    /// The classic account API (subaccounts, activity, usage, concurrency).
    #[command(subcommand)]
    Classic(classic::Classic),
    /// Real-device concurrency.
    #[command(subcommand)]
    Concurrency(concurrency::Concurrency),
    /// Service accounts: non-human accounts for automation (enterprise plans).
    #[command(subcommand)]
    ServiceAccounts(service_accounts::ServiceAccounts),
    /// Any operation of the spec by its operationId, JSON in and out (every operation the
    /// library knows, also those without a command of their own).
    Call(call::Call),
    /// Save a username and access key to ~/.sauce/credentials.yml (as saucectl does).
    Configure(configure::Configure),
    /// Organization as code: export the organization as a YAML file, plan and apply changes.
    #[command(subcommand)]
    Org(org::OrgCommand),
}

/// Why the command failed, and so its exit code.
enum CliError {
    /// 2: the command line or configuration is wrong.
    Usage(String),
    /// 1: the API or the network failed.
    Call(Error),
    /// 1: a name given on the command line names nothing.
    NotFound(String),
    /// 0, quietly: whoever read the output stopped (`| head`).
    OutputClosed,
}

impl From<Error> for CliError {
    fn from(error: Error) -> Self {
        match error {
            Error::Config(message) => CliError::Usage(message),
            Error::InvalidArgument { .. } => CliError::Usage(error.to_string()),
            other => CliError::Call(other),
        }
    }
}

/// The library's advice names Rust API; a CLI user needs the flag or command instead.
const CLI_WORDS: [(&str, &str); 10] = [
    (
        "or pass Credentials explicitly (ClientBuilder::credentials)",
        "or pass -u/--sauce-username and -k/--sauce-access-key, or run `sauce-accounts configure`",
    ),
    ("use ClientBuilder::credentials", "use -u/--sauce-username and -k/--sauce-access-key"),
    ("raise the timeout with ClientBuilder::timeout", "raise --timeout"),
    ("raise ClientBuilder::timeout if the service is slow", "raise --timeout if the service is slow"),
    (
        "raise ClientBuilder::max_body_size if this is expected",
        "the answer is larger than the 10 MiB the client accepts",
    ),
    ("trust its certificate with ClientBuilder::root_certificates_pem", "trust its certificate with --ca-cert FILE"),
    ("the lookup operations list valid ones", "`users list` and `teams list` show valid ones"),
    ("or ClientBuilder::no_proxy to connect directly", "or unset ALL_PROXY / HTTPS_PROXY to connect directly"),
    ("set the base URL to the API's real address", "set --base-url to the API's real address"),
    ("(Paginator::max_pages)", ""),
];

/// An error message in the CLI's words.
fn for_cli(message: &str) -> String {
    let mut text = message.to_string();
    // `… or opt in with ClientBuilder::allow_plain_http_for("host")` names the host.
    if let Some(start) = text.find("opt in with ClientBuilder::allow_plain_http_for(") {
        let end = text[start..].find(')').map_or(text.len(), |end| start + end + 1);
        text.replace_range(start..end, "opt in with --allow-plain-http");
    }
    for (library, cli) in CLI_WORDS {
        text = text.replace(library, cli);
    }
    text
}

impl Cli {
    /// The spec operation this command line calls (`None` for `configure`, which calls none,
    /// and `org`, which calls several).
    pub fn operation(&self) -> Option<OperationId> {
        Some(match &self.group {
            Group::Teams(command) => command.operation(),
            Group::Users(command) => command.operation(),
            Group::Membership(command) => command.operation(),
            Group::Organizations(command) => command.operation(),
            Group::Classic(command) => command.operation(),
            Group::Concurrency(command) => command.operation(),
            Group::ServiceAccounts(command) => command.operation(),
            Group::Call(command) => command.operation(),
            Group::Configure(_) | Group::Org(_) => return None,
        })
    }

    /// The spec's operationId this command line calls (`""` for `configure` and `org`).
    pub fn operation_id(&self) -> &'static str {
        self.operation().map_or("", OperationId::as_str)
    }

    /// The clap command tree, for tests and completions.
    pub fn command_tree() -> clap::Command {
        connect::shorten_subcommand_help(Cli::command())
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::command_tree()
        .try_get_matches()
        .and_then(|matches| <Cli as clap::FromArgMatches>::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    if let Group::Org(command) = &cli.group {
        return org::main(&cli.global, command);
    }
    let mut used = None;
    let result = run(&cli, &mut used);
    let report = |message: &str| eprintln!("error: {}", escape_controls(&for_cli(message), false));
    match result {
        Ok(()) | Err(CliError::OutputClosed) => ExitCode::SUCCESS,
        Err(CliError::Usage(message)) => {
            report(&message);
            ExitCode::from(2)
        }
        Err(CliError::NotFound(message)) => {
            report(&message);
            ExitCode::from(1)
        }
        Err(CliError::Call(error)) => {
            let message = match &used {
                Some(used) if error.is_unauthorized() => connect::unauthorized_hint(&error.to_string(), used),
                _ => error.to_string(),
            };
            report(&message);
            ExitCode::from(1)
        }
    }
}

/// What a command's handler works with.
struct Ctx<'a> {
    client: &'a Client,
    out: Output,
    /// `--all`: follow pagination.
    all: bool,
    /// `--yes`: do it without asking.
    yes: bool,
    /// The operation the command calls; `None` for a command that calls several.
    operation: Option<OperationId>,
}

impl Ctx<'_> {
    /// Asks `question` before an operation the spec marks irreversible (`x-sauce-confirm`);
    /// refuses without `--yes` when nobody can answer. Other operations go ahead unasked.
    fn confirm(&self, question: &str) -> Result<(), CliError> {
        match self.operation.and_then(|operation| operation.info().confirm) {
            Some(what) => self.confirm_irreversible(what, question),
            None => Ok(()),
        }
    }

    /// Asks `question` before something that `what` (`deletes`, …) cannot be taken back, for
    /// commands that call several operations; refuses without `--yes` when nobody can answer.
    fn confirm_irreversible(&self, what: &str, question: &str) -> Result<(), CliError> {
        let question = escape_controls(question, false);
        let stdin = std::io::stdin();
        match confirmation(self.yes, stdin.is_terminal()) {
            Confirmation::Granted => Ok(()),
            Confirmation::Refused => Err(CliError::Usage(format!(
                "{question} Refusing without --yes: this {what}, and standard input is not a terminal."
            ))),
            Confirmation::Ask => {
                eprint!("{question} [y/N] ");
                let _ = std::io::stderr().flush();
                let mut answer = String::new();
                stdin.lock().read_line(&mut answer).map_err(|error| CliError::Usage(error.to_string()))?;
                if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
                    Ok(())
                } else {
                    Err(CliError::Usage("cancelled".into()))
                }
            }
        }
    }

    /// A listing: every page with `--all`, else the one page asked for.
    fn listing<'p, T: serde::Serialize + std::fmt::Debug>(
        &self,
        page: impl FnOnce() -> Result<(u64, Vec<T>), Error>,
        every: impl FnOnce() -> crate::Paginator<'p, T>,
    ) -> Result<(), CliError> {
        if self.all {
            // Progress only for a person watching; its total costs one more request, since
            // the paginator keeps the total it reads.
            let progress = if std::io::stderr().is_terminal() {
                Some(output::Progress { total: Some(page()?.0), rate: self.client.rate_limit() })
            } else {
                None
            };
            let items = output::collect_with_progress(every(), progress)?;
            self.out.listing(items.len() as u64, &items)
        } else {
            let (count, items) = page()?;
            self.out.listing(count, &items)
        }
    }
}

/// What to do about an irreversible operation.
#[derive(Debug, PartialEq, Eq)]
enum Confirmation {
    Granted,
    Refused,
    Ask,
}

/// `--yes` grants; else a terminal is asked, and anything else refuses.
fn confirmation(yes: bool, stdin_is_terminal: bool) -> Confirmation {
    match (yes, stdin_is_terminal) {
        (true, _) => Confirmation::Granted,
        (false, true) => Confirmation::Ask,
        (false, false) => Confirmation::Refused,
    }
}

fn run(cli: &Cli, used: &mut Option<connect::Used>) -> Result<(), CliError> {
    if let Group::Configure(command) = &cli.group {
        return command.run();
    }
    let operation = cli.operation();
    let out = Output::new(cli.global.format()?, operation.is_some_and(inventory::shows_keys));
    let (client, _sandbox, source) = connect::connect(&cli.global)?;
    *used = Some(source);
    let ctx = Ctx { client: &client, out, all: cli.global.all, yes: cli.global.yes, operation };
    match &cli.group {
        Group::Teams(command) => command.run(&ctx),
        Group::Users(command) => command.run(&ctx),
        Group::Membership(command) => command.run(&ctx),
        Group::Organizations(command) => command.run(&ctx),
        Group::Classic(command) => command.run(&ctx),
        Group::Concurrency(command) => command.run(&ctx),
        Group::ServiceAccounts(command) => command.run(&ctx),
        Group::Call(command) => command.run(&ctx),
        Group::Configure(_) => unreachable!("configure connects to nothing and returned above"),
        Group::Org(_) => unreachable!("org commands have exit codes of their own and run from main"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn irreversible_operations_ask_a_terminal_and_need_yes_elsewhere() {
        assert_eq!(confirmation(true, false), Confirmation::Granted);
        assert_eq!(confirmation(true, true), Confirmation::Granted);
        assert_eq!(confirmation(false, true), Confirmation::Ask);
        assert_eq!(confirmation(false, false), Confirmation::Refused);
    }
}
