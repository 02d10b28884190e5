//! The `sauce-accounts` command line: every operation of the spec from the shell.
//!
//! This module is the binary's implementation, compiled with the `cli` feature; it is public
//! so the tests can walk the command tree, and is not a stable library API.

mod render;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use serde::Serialize;

use crate::credentials::non_blank;
use crate::sandbox::Sandbox;
use crate::types;
use crate::{Client, Credentials, Error, Region, RoleId, Secret, UserStatus};

/// Manage a Sauce Labs organization (teams, users, roles, access keys, concurrency,
/// subaccounts) through the Accounts API.
///
/// Credentials come from SAUCE_USERNAME and SAUCE_ACCESS_KEY (or --sauce-username and
/// --sauce-access-key),
/// the region from SAUCE_REGION (or --region). Try anything offline with --sandbox.
#[derive(Debug, Parser)]
#[command(name = "sauce-accounts", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    group: Group,
}

#[derive(Debug, Args)]
struct Global {
    /// Data center: us-west-1, us-east-4, eu-central-1, apac-southeast-1 (or us, eu, apac …).
    #[arg(short = 'r', long, global = true, env = "SAUCE_REGION", hide_env_values = true)]
    region: Option<String>,
    /// A custom API base URL instead of a region (a proxy, a staging stack, a sauce-sandbox).
    #[arg(long, global = true, value_name = "URL", env = "SAUCE_BASE_URL")]
    base_url: Option<String>,
    /// Allow a plain http:// --base-url that is not loopback (the access key then crosses the
    /// network unencrypted: only for hosts you control).
    #[arg(long, global = true)]
    allow_plain_http: bool,
    /// Trust the certificate authorities in this PEM file instead of the bundled ones (for a
    /// company proxy that inspects TLS).
    #[arg(long, global = true, value_name = "FILE")]
    ca_cert: Option<std::path::PathBuf>,
    /// The username to authenticate as; overrides SAUCE_USERNAME.
    #[arg(short = 'u', id = "sauce_username", long = "sauce-username", global = true, value_name = "USERNAME")]
    username: Option<String>,
    /// The access key; overrides SAUCE_ACCESS_KEY (prefer the variable: flags end up in shell history).
    #[arg(short = 'k', id = "sauce_access_key", long = "sauce-access-key", global = true, value_name = "KEY")]
    access_key: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// Follow pagination and print every item of a listing.
    #[arg(long, global = true)]
    all: bool,
    /// Seconds one request may take.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30, value_parser = count, allow_negative_numbers = true)]
    timeout: u64,
    /// Run against a fresh embedded sandbox instead of Sauce Labs (nothing leaves this machine).
    #[arg(long, global = true)]
    sandbox: bool,
}

#[derive(Debug, Subcommand)]
enum Group {
    /// Teams and their concurrency allocations.
    #[command(subcommand)]
    Teams(Teams),
    /// Users, roles, team assignments and access keys.
    #[command(subcommand)]
    Users(Users),
    /// The deprecated single-team membership call.
    #[command(subcommand)]
    Membership(Membership),
    /// Organizations visible to the account.
    #[command(subcommand)]
    Organizations(Organizations),
    /// The classic account API (subaccounts, activity, usage, concurrency).
    #[command(subcommand)]
    Classic(Classic),
    /// Real-device concurrency.
    #[command(subcommand)]
    Concurrency(Concurrency),
    /// Service accounts: non-human accounts for automation (enterprise plans).
    #[command(subcommand)]
    ServiceAccounts(ServiceAccounts),
    /// Any operation of the spec by its operationId, JSON in and out (every operation the
    /// library knows, also those without a command of their own).
    Call {
        /// The operationId, as the spec and the library name it.
        #[arg(value_parser = clap::builder::PossibleValuesParser::new(crate::operations::ALL.iter().map(|operation| operation.id)))]
        operation: String,
        /// NAME=VALUE for each path and query parameter (repeat a query name for a list).
        #[arg(value_name = "NAME=VALUE", value_parser = name_value)]
        params: Vec<(String, String)>,
        /// The JSON body: the text itself, @FILE, or - for standard input.
        #[arg(long)]
        body: Option<String>,
    },
}

fn name_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .ok_or_else(|| format!("{text:?} is not NAME=VALUE"))
}

/// The operation `call` names (clap has already checked it is one of the spec's).
fn spec_operation(id: &str) -> &'static crate::operations::OperationInfo {
    crate::operations::ALL.iter().find(|operation| operation.id == id).expect("clap checks the operationId")
}

fn json_body(source: &str) -> Result<serde_json::Value, CliError> {
    let text = match source {
        "-" => std::io::read_to_string(std::io::stdin()).map_err(|error| CliError::Usage(format!("stdin: {error}")))?,
        _ => match source.strip_prefix('@') {
            Some(file) => std::fs::read_to_string(file).map_err(|error| CliError::Usage(format!("{file}: {error}")))?,
            None => source.to_string(),
        },
    };
    serde_json::from_str(&text).map_err(|error| CliError::Usage(format!("--body is not JSON: {error}")))
}

#[derive(Debug, Args)]
struct Page {
    /// Records per page (at most 100).
    #[arg(long, value_parser = count, allow_negative_numbers = true)]
    limit: Option<u64>,
    /// Index of the first record.
    #[arg(long, value_parser = count, allow_negative_numbers = true)]
    offset: Option<u64>,
}

/// A count: a whole number of 0 or more, with a message that says so for anything else.
fn count(text: &str) -> Result<u64, String> {
    match text.trim().parse::<i128>() {
        Ok(number) if number < 0 => Err(format!("{number} is negative: give a whole number of 0 or more")),
        Ok(number) => u64::try_from(number).map_err(|_| format!("{number} is too large")),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// The role names the CLI takes, with the API's numbers.
const ROLE_NAMES: [(&str, RoleId); 3] =
    [("org-admin", RoleId::OrganizationAdmin), ("team-admin", RoleId::TeamAdmin), ("member", RoleId::Member)];

/// The roles a `--roles` filter names.
#[derive(Clone, Debug)]
struct RoleFilter(Vec<RoleId>);

/// A comma-separated list of roles by name (or number).
fn role_list(text: &str) -> Result<RoleFilter, String> {
    let mut roles = Vec::new();
    for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let role = ROLE_NAMES
            .iter()
            .find(|(name, role)| item.eq_ignore_ascii_case(name) || item == role.number().to_string())
            .map(|(_, role)| *role)
            .ok_or_else(|| format!("unknown role {item:?}: use org-admin, team-admin or member (or 1, 4, 3)"))?;
        roles.push(role);
    }
    if roles.is_empty() {
        return Err("name at least one role: org-admin, team-admin or member".into());
    }
    Ok(RoleFilter(roles))
}

#[derive(Debug, Args)]
struct TeamSettingsArgs {
    /// Virtual machine allocation.
    #[arg(long = "vms", value_name = "N", value_parser = count, allow_negative_numbers = true)]
    virtual_machines: Option<u64>,
    /// Real-device allocation.
    #[arg(long = "devices", value_name = "N", value_parser = count, allow_negative_numbers = true)]
    real_devices: Option<u64>,
    /// Whether the team may only run live tests.
    #[arg(long, value_name = "BOOL")]
    live_only: Option<bool>,
}

impl TeamSettingsArgs {
    fn settings(&self) -> types::TeamSettings {
        types::TeamSettings {
            virtual_machines: self.virtual_machines.map(Into::into),
            real_devices: self.real_devices.map(Into::into),
            live_only: self.live_only,
        }
    }
}

#[derive(Debug, Args)]
struct Confirm {
    /// Do it without asking (required when not on a terminal).
    #[arg(long, short = 'y')]
    yes: bool,
}

#[derive(Debug, Args)]
struct PasswordSource {
    /// Read the password from the first line of standard input; otherwise it is taken from
    /// SAUCE_NEW_PASSWORD (never from a flag, which would end up in shell history).
    #[arg(long)]
    password_stdin: bool,
}

impl PasswordSource {
    /// The password from standard input or SAUCE_NEW_PASSWORD, if either gives one.
    fn optional(&self) -> Result<Option<Secret>, CliError> {
        if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|error| CliError::Usage(format!("reading the password: {error}")))?;
            return Ok(Some(Secret::new(line.trim_end_matches(['\r', '\n']))));
        }
        Ok(std::env::var("SAUCE_NEW_PASSWORD").ok().filter(|password| !password.is_empty()).map(Secret::new))
    }

    fn required(&self) -> Result<Secret, CliError> {
        self.optional()?.ok_or_else(|| {
            CliError::Usage("a password is needed: pass --password-stdin or set SAUCE_NEW_PASSWORD".into())
        })
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum RoleArg {
    OrgAdmin,
    TeamAdmin,
    Member,
}

impl From<RoleArg> for RoleId {
    fn from(role: RoleArg) -> RoleId {
        match role {
            RoleArg::OrgAdmin => RoleId::OrganizationAdmin,
            RoleArg::TeamAdmin => RoleId::TeamAdmin,
            RoleArg::Member => RoleId::Member,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum StatusArg {
    Active,
    Pending,
    Inactive,
}

#[derive(Debug, Subcommand)]
enum Teams {
    /// List teams, optionally filtered.
    List {
        /// Comma-separated team ids.
        #[arg(long)]
        id: Option<String>,
        /// Teams whose name starts with this.
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        page: Page,
    },
    /// Show one team.
    Get {
        #[arg(value_name = "TEAM", help = TEAM_HELP)]
        team_id: String,
    },
    /// Create a team.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long)]
        description: Option<String>,
        /// The organization id (the caller's when absent).
        #[arg(long)]
        organization: Option<String>,
        #[command(flatten)]
        settings: TeamSettingsArgs,
    },
    /// Replace every value of a team (a description left out is removed).
    Replace {
        #[arg(value_name = "TEAM", help = TEAM_HELP)]
        team_id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        settings: TeamSettingsArgs,
    },
    /// Change some values of a team.
    Update {
        #[arg(value_name = "TEAM", help = TEAM_HELP)]
        team_id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        settings: TeamSettingsArgs,
    },
    /// Delete a team; its members lose the membership.
    Delete {
        #[arg(value_name = "TEAM", help = TEAM_HELP)]
        team_id: String,
        #[command(flatten)]
        confirm: Confirm,
    },
    /// List a team's members.
    Members {
        #[arg(value_name = "TEAM", help = TEAM_HELP)]
        team_id: String,
    },
    /// Give every member of a team a new access key (the old ones stop working).
    ResetKeys {
        #[arg(value_name = "TEAM", help = TEAM_HELP)]
        team_id: String,
        #[command(flatten)]
        confirm: Confirm,
    },
}

/// What a USER argument takes.
const USER_HELP: &str = "A username or a user id";
/// What a TEAM argument takes.
const TEAM_HELP: &str = "A team name or a team id";

#[derive(Debug, Subcommand)]
enum Users {
    /// List users, optionally filtered.
    List {
        /// Comma-separated user ids.
        #[arg(long)]
        id: Option<String>,
        /// Users whose username starts with this.
        #[arg(long)]
        username: Option<String>,
        /// Comma-separated team ids.
        #[arg(long)]
        teams: Option<String>,
        /// Comma-separated team names.
        #[arg(long)]
        team_name: Option<String>,
        /// Comma-separated roles: org-admin, team-admin, member (or their numbers 1, 4, 3).
        #[arg(long, value_parser = role_list)]
        roles: Option<RoleFilter>,
        /// Users whose first name, last name or email starts with this.
        #[arg(long)]
        phrase: Option<String>,
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        #[command(flatten)]
        page: Page,
    },
    /// Show one user.
    Get {
        #[arg(value_name = "USER", help = USER_HELP)]
        user_id: String,
    },
    /// Create a user (password from --password-stdin or SAUCE_NEW_PASSWORD).
    Create {
        #[arg(long)]
        username: String,
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum, default_value = "member")]
        role: RoleArg,
        /// The team to put the user in: its name or its id.
        #[arg(long, value_name = "TEAM")]
        team: Option<String>,
        /// The organization id (deprecated by the API: the caller's organization is used).
        #[arg(long)]
        organization: Option<String>,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Replace a user's names and password.
    Replace {
        #[arg(value_name = "USER", help = USER_HELP)]
        user_id: String,
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
        /// A new email (deprecated by the API: the current docs no longer list it here).
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Change some of a user's names, email or password.
    Update {
        #[arg(value_name = "USER", help = USER_HELP)]
        user_id: String,
        #[arg(long)]
        first_name: Option<String>,
        #[arg(long)]
        last_name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// List a user's teams.
    Teams {
        #[arg(value_name = "USER", help = USER_HELP)]
        user_id: String,
    },
    /// Set the complete list of a user's teams.
    SetTeams {
        #[arg(value_name = "USER", help = USER_HELP)]
        user_id: String,
        /// A team name or id; repeat for several.
        #[arg(long = "team", value_name = "TEAM", required = true)]
        teams: Vec<String>,
    },
    /// Show the caller's active team.
    ActiveTeam,
    /// Show the user these credentials belong to.
    Me,
    /// Make a user an organization admin.
    MakeAdmin {
        #[arg(value_name = "USER", help = USER_HELP)]
        user_id: String,
    },
    /// Make a user a team admin.
    MakeTeamAdmin {
        #[arg(value_name = "USER", help = USER_HELP)]
        user_id: String,
    },
    /// Make a user a plain member.
    MakeMember {
        #[arg(value_name = "USER", help = USER_HELP)]
        user_id: String,
    },
    /// Reactivate a user.
    Activate {
        #[arg(value_name = "USER", help = USER_HELP)]
        user_id: String,
    },
    /// Deactivate a user.
    Deactivate {
        #[arg(value_name = "USER", help = USER_HELP)]
        user_id: String,
        #[command(flatten)]
        confirm: Confirm,
    },
    /// Print a user's access key.
    AccessKey {
        #[arg(value_name = "USER", help = USER_HELP)]
        user_id: String,
    },
    /// Give a user a new access key and print it (the old one stops working).
    ResetKey {
        #[arg(value_name = "USER", help = USER_HELP)]
        user_id: String,
        #[command(flatten)]
        confirm: Confirm,
    },
    /// Show what a user may do.
    Permissions {
        #[arg(value_name = "USER", help = USER_HELP)]
        user_id: String,
    },
}

#[derive(Debug, Subcommand)]
enum Membership {
    /// Move a user into one team (deprecated: use `users set-teams`).
    Create {
        /// A username or a user id.
        #[arg(long, value_name = "USER")]
        user: String,
        /// A team name or a team id.
        #[arg(long, value_name = "TEAM")]
        team: String,
        #[arg(long)]
        organization: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum Organizations {
    /// List the organizations visible to the account.
    List,
}

#[derive(Debug, Subcommand)]
enum Classic {
    /// Show an account's classic profile.
    GetUser { username: String },
    /// Create a subaccount under PARENT (password from --password-stdin or SAUCE_NEW_PASSWORD).
    CreateSubaccount {
        parent: String,
        #[arg(long)]
        username: String,
        /// The owner's name as first-last.
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = count, allow_negative_numbers = true)]
        concurrency: Option<u64>,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// List an account's subaccounts.
    ListSubaccounts {
        username: String,
        /// Index of the first record.
        #[arg(long, value_parser = count, allow_negative_numbers = true)]
        from: Option<u64>,
        /// Records per page (at most 100).
        #[arg(long, value_parser = count, allow_negative_numbers = true)]
        limit: Option<u64>,
    },
    /// Show a subaccount with its siblings.
    SubaccountInfo { username: String },
    /// List the accounts that share a parent with USERNAME.
    Siblings {
        username: String,
        /// Page number, from 1.
        #[arg(long, value_parser = count, allow_negative_numbers = true)]
        page: Option<u64>,
        /// Records per page (at most 50).
        #[arg(long, value_parser = count, allow_negative_numbers = true)]
        per_page: Option<u64>,
    },
    /// Give an account a new access key and print it (the old one stops working).
    ChangeKey {
        username: String,
        #[command(flatten)]
        confirm: Confirm,
    },
    /// Show allowed and current concurrency.
    Concurrency { username: String },
    /// Show an account's job activity (daily statistics with --since/--until).
    Activity {
        username: String,
        /// `user` for the account alone, `organization` for more.
        #[arg(long)]
        level: Option<String>,
        #[command(flatten)]
        period: Period,
    },
    /// Show usage per day.
    Usage { username: String },
    /// Show the organization's job activity (daily statistics with --since/--until).
    OrgActivity {
        #[command(flatten)]
        period: Period,
    },
    /// Show job activity per team (daily statistics with --since/--until or --id).
    TeamsActivity {
        /// Only this team (repeat for several).
        #[arg(long)]
        id: Vec<String>,
        #[command(flatten)]
        period: Period,
    },
    /// Show daily statistics per user.
    UsersActivity {
        /// Only this user id (repeat for several).
        #[arg(long)]
        users: Vec<String>,
        #[command(flatten)]
        period: Period,
    },
}

/// The time span of an activity report.
#[derive(Debug, Args)]
struct Period {
    /// From this moment: seconds since the Unix epoch, or a day (2023-04-18, from midnight UTC).
    #[arg(long, value_parser = moment)]
    since: Option<u64>,
    /// Until this moment: seconds since the Unix epoch, or a day (2023-04-18, from midnight UTC).
    #[arg(long, value_parser = moment)]
    until: Option<u64>,
}

/// A moment as the activity endpoints take it: Unix seconds, or a day at midnight UTC.
fn moment(text: &str) -> Result<u64, String> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let seconds = day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp();
        return u64::try_from(seconds).map_err(|_| format!("{text} is before 1970"));
    }
    count(text).map_err(|_| format!("{text:?} is neither a day (2023-04-18) nor seconds since 1970"))
}

#[derive(Debug, Subcommand)]
enum ServiceAccounts {
    /// List service accounts, optionally filtered.
    List {
        /// Comma-separated service account ids.
        #[arg(long)]
        id: Option<String>,
        /// Service accounts whose username contains this.
        #[arg(long)]
        username: Option<String>,
        /// Comma-separated team ids.
        #[arg(long)]
        teams: Option<String>,
        #[command(flatten)]
        page: Page,
    },
    /// Show one service account.
    Get { uuid: String },
    /// Create a service account in a team and print its access key.
    Create {
        /// Its display name.
        #[arg(long)]
        name: String,
        /// Its team: a name or an id.
        #[arg(long, value_name = "TEAM")]
        team: String,
    },
    /// Rename a service account.
    Update {
        uuid: String,
        /// The new display name.
        #[arg(long)]
        name: String,
    },
    /// Delete a service account (its key stops working).
    Delete {
        uuid: String,
        #[command(flatten)]
        confirm: Confirm,
    },
    /// Give a service account a new access key and print it (the old one stops working).
    ResetKey {
        uuid: String,
        #[command(flatten)]
        confirm: Confirm,
    },
}

#[derive(Debug, Subcommand)]
enum Concurrency {
    /// Show real-device concurrency.
    RealDevices,
}

/// Why the command failed, and so its exit code.
enum CliError {
    /// 2: the command line or configuration is wrong.
    Usage(String),
    /// 1: the API or the network failed.
    Call(Error),
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
const CLI_WORDS: [(&str, &str); 11] = [
    (
        "or pass Credentials explicitly (ClientBuilder::credentials)",
        "or pass -u/--sauce-username and -k/--sauce-access-key",
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
    ("check SAUCE_USERNAME and SAUCE_ACCESS_KEY", "check SAUCE_USERNAME and SAUCE_ACCESS_KEY (or -u and -k)"),
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
    /// The spec operation this command line calls.
    pub fn operation_id(&self) -> &'static str {
        match &self.group {
            Group::Teams(command) => match command {
                Teams::List { .. } => "lookup_teams",
                Teams::Get { .. } => "get_team",
                Teams::Create { .. } => "create_team",
                Teams::Replace { .. } => "replace_team",
                Teams::Update { .. } => "update_team",
                Teams::Delete { .. } => "delete_team",
                Teams::Members { .. } => "list_team_members",
                Teams::ResetKeys { .. } => "reset_team_access_keys",
            },
            Group::Users(command) => match command {
                Users::List { .. } => "lookup_users",
                Users::Get { .. } => "get_user",
                Users::Create { .. } => "create_user",
                Users::Replace { .. } => "replace_user",
                Users::Update { .. } => "update_user",
                Users::Teams { .. } => "get_user_teams",
                Users::SetTeams { .. } => "set_user_teams",
                Users::ActiveTeam => "get_active_team",
                Users::Me => "get_current_user",
                Users::MakeAdmin { .. } => "set_user_admin",
                Users::MakeTeamAdmin { .. } => "set_user_team_admin",
                Users::MakeMember { .. } => "set_user_member",
                Users::Activate { .. } => "activate_user",
                Users::Deactivate { .. } => "deactivate_user",
                Users::AccessKey { .. } => "get_user_access_key",
                Users::ResetKey { .. } => "reset_user_access_key",
                Users::Permissions { .. } => "get_user_permissions",
            },
            Group::Membership(Membership::Create { .. }) => "create_membership",
            Group::Organizations(Organizations::List) => "lookup_organizations",
            Group::Classic(command) => match command {
                Classic::GetUser { .. } => "classic_get_user",
                Classic::CreateSubaccount { .. } => "classic_create_subaccount",
                Classic::ListSubaccounts { .. } => "classic_list_subaccounts",
                Classic::SubaccountInfo { .. } => "classic_get_subaccounts",
                Classic::Siblings { .. } => "classic_list_siblings",
                Classic::ChangeKey { .. } => "classic_change_access_key",
                Classic::Concurrency { .. } => "classic_get_concurrency",
                Classic::Activity { .. } => "classic_get_activity",
                Classic::UsersActivity { .. } => "classic_get_users_activity",
                Classic::Usage { .. } => "classic_get_usage",
                Classic::OrgActivity { .. } => "classic_get_organization_activity",
                Classic::TeamsActivity { .. } => "classic_get_teams_activity",
            },
            Group::Concurrency(Concurrency::RealDevices) => "get_real_device_concurrency",
            Group::ServiceAccounts(command) => match command {
                ServiceAccounts::List { .. } => "lookup_service_accounts",
                ServiceAccounts::Get { .. } => "get_service_account",
                ServiceAccounts::Create { .. } => "create_service_account",
                ServiceAccounts::Update { .. } => "update_service_account",
                ServiceAccounts::Delete { .. } => "delete_service_account",
                ServiceAccounts::ResetKey { .. } => "reset_service_account_access_key",
            },
            Group::Call { operation, .. } => spec_operation(operation).id,
        }
    }

    /// The clap command tree, for tests and completions.
    pub fn command_tree() -> clap::Command {
        Cli::command()
    }
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    match run(&cli) {
        Ok(()) | Err(CliError::OutputClosed) => ExitCode::SUCCESS,
        Err(CliError::Usage(message)) => {
            eprintln!("error: {}", for_cli(&message));
            ExitCode::from(2)
        }
        Err(CliError::Call(error)) => {
            eprintln!("error: {}", for_cli(&error.to_string()));
            ExitCode::from(1)
        }
    }
}

fn connect(global: &Global) -> Result<(Client, Option<Sandbox>), CliError> {
    let mut builder = Client::builder().timeout(Duration::from_secs(global.timeout.max(1))).user_agent_suffix("cli");
    // A blank value counts as unset, as in `Client::from_env`.
    let base_url = non_blank(global.base_url.as_deref());
    // The command line is checked before the environment: a bad --region is named as such
    // even when the credentials are missing too.
    let region = match non_blank(global.region.as_deref()) {
        Some(region) if base_url.is_none() && !global.sandbox => {
            Some(region.parse::<Region>().map_err(|error| CliError::Usage(error.to_string()))?)
        }
        _ => None,
    };
    if let Some(path) = &global.ca_cert {
        let pem =
            std::fs::read(path).map_err(|error| CliError::Usage(format!("--ca-cert {}: {error}", path.display())))?;
        builder = builder.root_certificates_pem(pem);
    }
    let mut sandbox = None;
    let explicit = match (&global.username, &global.access_key) {
        (Some(username), Some(key)) => Some(Credentials::new(username.clone(), key.clone())),
        (None, None) => None,
        _ => return Err(CliError::Usage("-u/--sauce-username and -k/--sauce-access-key go together".into())),
    };
    if global.sandbox {
        let started = Sandbox::start()?;
        builder = builder.base_url(started.url()).credentials(explicit.unwrap_or_else(|| started.admin_credentials()));
        sandbox = Some(started);
    } else {
        if let Some(url) = base_url {
            builder = builder.base_url(url);
            if global.allow_plain_http
                && let Some(host) = url.parse::<ureq::http::Uri>().ok().and_then(|uri| uri.host().map(str::to_string))
            {
                builder = builder.allow_plain_http_for(host);
            }
        } else if let Some(region) = region {
            builder = builder.region(region);
        }
        let credentials = match explicit {
            Some(credentials) => credentials,
            None => Credentials::from_env()?,
        };
        builder = builder.credentials(credentials);
    }
    Ok((builder.build()?, sandbox))
}

/// Asks before a destructive call; refuses without `--yes` when nobody can answer.
fn confirm(confirm: &Confirm, question: &str) -> Result<(), CliError> {
    if confirm.yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::Usage(format!(
            "{question} Refusing without --yes, since standard input is not a terminal."
        )));
    }
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(|error| CliError::Usage(error.to_string()))?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(CliError::Usage("cancelled".into()))
    }
}

/// Writes a line to standard output; a reader that went away (`| head`) ends the command
/// quietly instead of a panic.
fn emit(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError::OutputClosed),
        Err(error) => Err(CliError::Usage(format!("cannot write the output: {error}"))),
    }
}

/// How the result is printed.
struct Output {
    json: bool,
    /// Whether this command exists to show an access key.
    shows_keys: bool,
}

impl Output {
    fn print<T: Serialize>(&self, value: &T) -> Result<(), CliError> {
        let mut value = serde_json::to_value(value).map_err(|error| CliError::Usage(error.to_string()))?;
        if !self.shows_keys {
            render::mask_access_keys(&mut value);
        }
        let text = if self.json {
            serde_json::to_string_pretty(&value).expect("JSON values print")
        } else {
            render::human(&value)
        };
        emit(&text)
    }

    /// Every listing prints as `{"count": …, "results": […]}` (a table for people), with
    /// and without `--all`: `count` is the total the API reports for the listing.
    fn listing<T: Serialize>(&self, count: u64, results: &[T]) -> Result<(), CliError> {
        self.print(&serde_json::json!({ "count": count, "results": results }))
    }

    /// A change: the full object as JSON, else one line that says what happened.
    fn changed<T: Serialize>(&self, value: &T, line: &str) -> Result<(), CliError> {
        if self.json { self.print(value) } else { emit(line) }
    }

    /// Activity per team, user or organization: with daily statistics, a table of days
    /// under a `key_name` column (the raw lists if they do not line up); otherwise as it came.
    fn by_key<T: Serialize>(
        &self,
        answer: &T,
        by_key: Option<&std::collections::BTreeMap<String, types::DailyActivity>>,
        key_name: &str,
    ) -> Result<(), CliError> {
        let days: Option<Vec<(&str, crate::DayActivity)>> = by_key.and_then(|by_key| {
            let mut rows = Vec::new();
            for (key, daily) in by_key {
                rows.extend(daily.days()?.into_iter().map(|day| (key.as_str(), day)));
            }
            Some(rows)
        });
        match days {
            Some(days) if !self.json => {
                emit(&render::days_table(Some(key_name), days.iter().map(|(key, day)| (*key, day))))
            }
            _ => self.print(answer),
        }
    }

    fn done(&self, message: &str) -> Result<(), CliError> {
        if self.json { emit(&serde_json::json!({ "ok": true, "message": message }).to_string()) } else { emit(message) }
    }
}

/// Calls each builder setter whose value was given: `with_optional!(request, id = id, …)`.
macro_rules! with_optional {
    ($request:expr, $($setter:ident = $value:expr),* $(,)?) => {{
        let mut request = $request;
        $(if let Some(value) = $value {
            request = request.$setter(value.to_owned());
        })*
        request
    }};
}

fn collect<T: Clone + PartialEq>(items: crate::Paginator<'_, T>) -> Result<Vec<T>, CliError> {
    items.collect::<Result<Vec<T>, Error>>().map_err(CliError::from)
}

/// Whether an argument goes to the API as it is: an id (32 hexadecimal digits), or blank,
/// which the library refuses by name before sending.
fn passes_as_is(text: &str) -> bool {
    text.trim().is_empty() || (text.len() == 32 && text.bytes().all(|byte| byte.is_ascii_hexdigit()))
}

/// The user id for a USER argument: an id as it is, a username by lookup.
fn user_id(client: &Client, user: &str) -> Result<String, CliError> {
    id_by_name("user", "username", user, || {
        let found = client.users().lookup().username(user).limit(100).send()?;
        Ok(found.results.into_iter().map(|candidate| (candidate.username, candidate.id.to_string())).collect())
    })
}

/// The team id for a TEAM argument: an id as it is, a team name by lookup.
fn team_id(client: &Client, team: &str) -> Result<String, CliError> {
    id_by_name("team", "name", team, || {
        let found = client.teams().lookup().name(team).limit(100).send()?;
        Ok(found.results.into_iter().map(|candidate| (candidate.name, candidate.id.to_string())).collect())
    })
}

/// `wanted` as it is when it is an id; else the id of the one `(name, id)` that `lookup`
/// finds whose name is `wanted` (in any case). No exact match, or more than one, is an error
/// that lists the candidates.
fn id_by_name(
    kind: &str,
    name: &str,
    wanted: &str,
    lookup: impl FnOnce() -> Result<Vec<(String, String)>, Error>,
) -> Result<String, CliError> {
    if passes_as_is(wanted) {
        return Ok(wanted.to_string());
    }
    let found = lookup()?;
    let exact: Vec<&(String, String)> =
        found.iter().filter(|(candidate, _)| candidate.eq_ignore_ascii_case(wanted)).collect();
    match exact.as_slice() {
        [(_, id)] => Ok(id.clone()),
        [] if found.is_empty() => {
            Err(CliError::Usage(format!("no {kind} is named {wanted:?} (`{kind}s list` shows them)")))
        }
        candidates => {
            let names: Vec<String> = if candidates.is_empty() {
                found.iter().take(10).map(|(candidate, _)| candidate.clone()).collect()
            } else {
                candidates.iter().map(|(candidate, id)| format!("{candidate} ({id})")).collect()
            };
            Err(CliError::Usage(format!(
                "{wanted:?} does not name one {kind}; candidates: {} — give the exact {name} or the id",
                names.join(", ")
            )))
        }
    }
}

/// `jim.smith (Jim Smith)`: how a user is named to a person.
fn user_label(username: &str, first: Option<&str>, last: Option<&str>) -> String {
    let name = [first, last].into_iter().flatten().filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ");
    if name.is_empty() { username.to_string() } else { format!("{username} ({name})") }
}

fn label_of(user: &types::User) -> String {
    user_label(&user.username, user.first_name.as_deref(), user.last_name.as_deref())
}

fn role_name(role: RoleId) -> &'static str {
    ROLE_NAMES.iter().find(|(_, known)| *known == role).map_or("another role", |(name, _)| name)
}

fn run(cli: &Cli) -> Result<(), CliError> {
    let shows_keys = matches!(
        cli.operation_id(),
        "get_user_access_key"
            | "reset_user_access_key"
            | "reset_team_access_keys"
            | "classic_change_access_key"
            | "create_service_account"
            | "reset_service_account_access_key"
    );
    let out = Output { json: cli.global.json, shows_keys };
    let all = cli.global.all;
    let (client, _sandbox) = connect(&cli.global)?;
    match &cli.group {
        Group::Teams(command) => match command {
            Teams::List { id, name, page } => {
                let request = with_optional!(
                    client.teams().lookup(),
                    id = id,
                    name = name,
                    limit = page.limit,
                    offset = page.offset
                );
                if all {
                    let teams = collect(request.iter())?;
                    out.listing(teams.len() as u64, &teams)
                } else {
                    let page = request.send()?;
                    out.listing(page.count, &page.results)
                }
            }
            Teams::Get { team_id: team } => out.print(&client.teams().get(team_id(&client, team)?).send()?),
            Teams::Create { name, description, organization, settings } => {
                let team = client
                    .teams()
                    .create(&types::CreateTeamRequest {
                        name: name.clone(),
                        description: description.clone(),
                        organization: organization.clone().map(Into::into),
                        settings: settings.settings(),
                    })
                    .send()?;
                out.changed(&team, &format!("Created team {} ({}).", team.name, team.id))
            }
            Teams::Replace { team_id: team, name, description, settings } => {
                let team = client
                    .teams()
                    .replace(
                        team_id(&client, team)?,
                        &types::ReplaceTeamRequest {
                            name: name.clone(),
                            description: description.clone(),
                            settings: settings.settings(),
                        },
                    )
                    .send()?;
                out.changed(&team, &format!("Replaced team {} ({}).", team.name, team.id))
            }
            Teams::Update { team_id: team, name, description, settings } => {
                let settings = settings.settings();
                let changed = settings != types::TeamSettings::default();
                let team = client
                    .teams()
                    .update(
                        team_id(&client, team)?,
                        &types::UpdateTeamRequest {
                            name: name.clone(),
                            description: description.clone(),
                            settings: changed.then_some(settings),
                        },
                    )
                    .send()?;
                out.changed(&team, &format!("Updated team {} ({}).", team.name, team.id))
            }
            Teams::Delete { team_id: team, confirm: yes } => {
                let team = client.teams().get(team_id(&client, team)?).send()?;
                confirm(yes, &format!("Delete team {} ({})? Its members lose the membership.", team.name, team.id))?;
                client.teams().delete(&team.id).send()?;
                out.done(&format!("Deleted team {} ({}).", team.name, team.id))
            }
            Teams::Members { team_id: team } => {
                let id = team_id(&client, team)?;
                if all {
                    let members = collect(client.teams().list_members(&id).iter())?;
                    out.listing(members.len() as u64, &members)
                } else {
                    let page = client.teams().list_members(&id).send()?;
                    out.listing(page.count, &page.results)
                }
            }
            Teams::ResetKeys { team_id: team, confirm: yes } => {
                let team = client.teams().get(team_id(&client, team)?).send()?;
                confirm(
                    yes,
                    &format!(
                        "Reset the access key of every member of team {} ({})? Their current keys stop working.",
                        team.name, team.id
                    ),
                )?;
                out.print(&client.teams().reset_access_keys(&team.id).send()?)
            }
        },
        Group::Users(command) => match command {
            Users::List { id, username, teams, team_name, roles, phrase, status, page } => {
                let status = status.map(|status| match status {
                    StatusArg::Active => UserStatus::Active,
                    StatusArg::Pending => UserStatus::Pending,
                    StatusArg::Inactive => UserStatus::Inactive,
                });
                let request = with_optional!(
                    client.users().lookup(),
                    id = id,
                    username = username,
                    teams = teams,
                    team_name = team_name,
                    phrase = phrase,
                    status = status,
                    limit = page.limit,
                    offset = page.offset,
                );
                let request = match roles {
                    Some(RoleFilter(roles)) => request.roles(roles.iter().copied()),
                    None => request,
                };
                if all {
                    let users = collect(request.iter())?;
                    out.listing(users.len() as u64, &users)
                } else {
                    let page = request.send()?;
                    out.listing(page.count, &page.results)
                }
            }
            Users::Get { user_id: user } => out.print(&client.users().get(&user_id(&client, user)?).send()?),
            Users::Create { username, first_name, last_name, email, role, team, organization, password } => {
                let password = password.required()?;
                let team = team.as_deref().map(|team| team_id(&client, team)).transpose()?;
                let user = client
                    .users()
                    .create(&types::CreateUserRequest {
                        username: username.clone(),
                        first_name: first_name.clone(),
                        last_name: last_name.clone(),
                        email: email.clone(),
                        password,
                        organization: organization.clone().map(Into::into),
                        role: Some((*role).into()),
                        team: team.map(Into::into),
                    })
                    .send()?;
                let line = format!("Created user {}, {}, id {}.", label_of(&user), role_name((*role).into()), user.id);
                out.changed(&user, &line)
            }
            Users::Replace { user_id: user, first_name, last_name, email, password } => {
                let password = password.required()?;
                let user = client
                    .users()
                    .replace(
                        &user_id(&client, user)?,
                        &types::ReplaceUserRequest {
                            first_name: first_name.clone(),
                            last_name: last_name.clone(),
                            email: email.clone(),
                            verify_password: password.clone(),
                            password,
                        },
                    )
                    .send()?;
                out.changed(&user, &format!("Replaced the details of {}.", label_of(&user)))
            }
            Users::Update { user_id: user, first_name, last_name, email, password } => {
                let password = password.optional()?;
                let user = client
                    .users()
                    .update(
                        &user_id(&client, user)?,
                        &types::UpdateUserRequest {
                            first_name: first_name.clone(),
                            last_name: last_name.clone(),
                            email: email.clone(),
                            verify_password: password.clone(),
                            password,
                        },
                    )
                    .send()?;
                out.changed(&user, &format!("Updated {}.", label_of(&user)))
            }
            Users::Teams { user_id: user } => {
                let id = user_id(&client, user)?;
                if all {
                    let teams = collect(client.users().get_teams(&id).iter())?;
                    out.listing(teams.len() as u64, &teams)
                } else {
                    let page = client.users().get_teams(&id).send()?;
                    out.listing(page.count, &page.results)
                }
            }
            Users::SetTeams { user_id: user, teams } => {
                let id = user_id(&client, user)?;
                let ids = teams.iter().map(|team| team_id(&client, team).map(Into::into)).collect::<Result<_, _>>()?;
                client.users().set_teams(&id, &types::SetUserTeamsRequest { teams: ids }).send()?;
                out.done(&format!("{user} now belongs to {}.", teams.join(", ")))
            }
            Users::ActiveTeam => out.print(&client.users().get_active_team().send()?),
            Users::Me => out.print(&client.users().get_current().send()?),
            Users::MakeAdmin { user_id: user } => {
                let user = client.users().set_admin(&user_id(&client, user)?).send()?;
                out.changed(&user, &format!("{} is now an organization admin.", label_of(&user)))
            }
            Users::MakeTeamAdmin { user_id: user } => {
                let user = client.users().set_team_admin(&user_id(&client, user)?).send()?;
                out.changed(&user, &format!("{} is now a team admin.", label_of(&user)))
            }
            Users::MakeMember { user_id: user } => {
                let user = client.users().set_member(&user_id(&client, user)?).send()?;
                out.changed(&user, &format!("{} is now a member.", label_of(&user)))
            }
            Users::Activate { user_id: user } => {
                let user = client.users().activate(&user_id(&client, user)?).send()?;
                out.changed(&user, &format!("Activated {}.", label_of(&user)))
            }
            Users::Deactivate { user_id: user, confirm: yes } => {
                let id = user_id(&client, user)?;
                let label = label_of(&client.users().get(&id).send()?);
                confirm(yes, &format!("Deactivate user {label}? They lose all access until reactivated."))?;
                let user = client.users().deactivate(&id).send()?;
                out.changed(&user, &format!("Deactivated {}.", label_of(&user)))
            }
            Users::AccessKey { user_id: user } => {
                out.print(&client.users().get_access_key(&user_id(&client, user)?).send()?)
            }
            Users::ResetKey { user_id: user, confirm: yes } => {
                let id = user_id(&client, user)?;
                let label = label_of(&client.users().get(&id).send()?);
                confirm(yes, &format!("Reset the access key of user {label}? The current key stops working."))?;
                let key = client.users().reset_access_key(&id).send()?;
                out.changed(&key, &format!("New access key for {label}: {}", key.access_key.expose()))
            }
            Users::Permissions { user_id: user } => {
                out.print(&client.users().get_permissions(&user_id(&client, user)?).send()?)
            }
        },
        Group::Membership(Membership::Create { user, team, organization }) => {
            eprintln!("note: the membership call is deprecated; `users set-teams` replaces it");
            let id = user_id(&client, user)?;
            let team_uuid = team_id(&client, team)?;
            #[allow(deprecated)]
            let membership = client
                .membership()
                .create(&types::MembershipRequest {
                    user: id.into(),
                    team: team_uuid.into(),
                    organization: organization.clone().map(Into::into),
                })
                .send()?;
            out.changed(&membership, &format!("{user} is now a member of team {team} only."))
        }
        Group::Organizations(Organizations::List) => {
            let page = client.organizations().lookup().send()?;
            out.listing(page.count, &page.results)
        }
        Group::Classic(command) => match command {
            Classic::GetUser { username } => out.print(&client.classic().get_user(username).send()?),
            Classic::CreateSubaccount { parent, username, name, email, concurrency, password } => {
                let password = password.required()?;
                let created = client
                    .classic()
                    .create_subaccount(
                        parent,
                        &types::CreateSubaccountRequest {
                            username: username.clone(),
                            name: name.clone(),
                            email: email.clone(),
                            concurrency: concurrency.map(Into::into),
                            password,
                        },
                    )
                    .send()?;
                out.changed(&created, &format!("Created subaccount {username} under {parent}."))
            }
            Classic::ListSubaccounts { username, from, limit } => {
                let request = with_optional!(client.classic().list_subaccounts(username), from = from, limit = limit);
                let users = if all { collect(request.iter())? } else { request.send()?.users };
                out.listing(users.len() as u64, &users)
            }
            Classic::SubaccountInfo { username } => out.print(&client.classic().get_subaccounts(username).send()?),
            Classic::Siblings { username, page, per_page } => {
                let request =
                    with_optional!(client.classic().list_siblings(username), page = page, per_page = per_page);
                let siblings = if all { collect(request.iter())? } else { request.send()?.0 };
                out.listing(siblings.len() as u64, &siblings)
            }
            Classic::ChangeKey { username, confirm: yes } => {
                confirm(yes, &format!("Give {username} a new access key? The current key stops working."))?;
                let user = client.classic().change_access_key(username).send()?;
                let key = user.access_key.as_ref().map_or("(not shown by the service)", |key| key.expose());
                out.changed(&user, &format!("New access key for {username}: {key}"))
            }
            Classic::Concurrency { username } => out.print(&client.classic().get_concurrency(username).send()?),
            Classic::Activity { username, level, period } => {
                let request = with_optional!(
                    client.classic().get_activity(username),
                    level = level,
                    since = period.since,
                    until = period.until,
                );
                let answer = request.send()?;
                match answer.daily().and_then(types::DailyActivity::days) {
                    Some(days) if !out.json => emit(&render::days_table(None, days.iter().map(|day| ("", day)))),
                    _ => out.print(&answer),
                }
            }
            Classic::Usage { username } => out.print(&client.classic().get_usage(username).send()?),
            Classic::OrgActivity { period } => {
                let request = with_optional!(
                    client.classic().get_organization_activity(),
                    since = period.since,
                    until = period.until,
                );
                let answer = request.send()?;
                out.by_key(&answer, answer.daily(), "ORGANIZATION")
            }
            Classic::TeamsActivity { id, period } => {
                let request = with_optional!(
                    client.classic().get_teams_activity(),
                    id = (!id.is_empty()).then_some(id),
                    since = period.since,
                    until = period.until,
                );
                let answer = request.send()?;
                out.by_key(&answer, answer.daily(), "TEAM")
            }
            Classic::UsersActivity { users, period } => {
                let request = with_optional!(
                    client.classic().get_users_activity(),
                    users = (!users.is_empty()).then_some(users),
                    since = period.since,
                    until = period.until,
                );
                let answer = request.send()?;
                out.by_key(&answer, Some(&answer.0), "USER")
            }
        },
        Group::Concurrency(Concurrency::RealDevices) => out.print(&client.concurrency().get_real_device().send()?),
        Group::ServiceAccounts(command) => match command {
            ServiceAccounts::List { id, username, teams, page } => {
                let request = with_optional!(
                    client.service_accounts().lookup(),
                    id = id,
                    username = username,
                    teams = teams,
                    limit = page.limit,
                    offset = page.offset,
                );
                if all {
                    let accounts = collect(request.iter())?;
                    out.listing(accounts.len() as u64, &accounts)
                } else {
                    let page = request.send()?;
                    out.listing(page.count, &page.results)
                }
            }
            ServiceAccounts::Get { uuid } => out.print(&client.service_accounts().get(uuid).send()?),
            ServiceAccounts::Create { name, team } => {
                let created = client
                    .service_accounts()
                    .create(&types::CreateServiceAccountRequest {
                        name: name.clone(),
                        team_uuid: team_id(&client, team)?.into(),
                    })
                    .send()?;
                let line = format!(
                    "Created service account {} ({}); its access key: {}",
                    created.username,
                    created.id,
                    created.access_key.expose()
                );
                out.changed(&created, &line)
            }
            ServiceAccounts::Update { uuid, name } => {
                let account = client
                    .service_accounts()
                    .update(uuid, &types::UpdateServiceAccountRequest { name: name.clone() })
                    .send()?;
                out.changed(&account, &format!("Renamed service account {} to {name:?}.", account.username))
            }
            ServiceAccounts::Delete { uuid, confirm: yes } => {
                let account = client.service_accounts().get(uuid).send()?;
                confirm(
                    yes,
                    &format!("Delete service account {} ({})? Its key stops working.", account.username, account.id),
                )?;
                client.service_accounts().delete(uuid).send()?;
                out.done(&format!("Deleted service account {} ({}).", account.username, account.id))
            }
            ServiceAccounts::ResetKey { uuid, confirm: yes } => {
                let account = client.service_accounts().get(uuid).send()?;
                confirm(
                    yes,
                    &format!(
                        "Reset the access key of service account {}? The current key stops working.",
                        account.username
                    ),
                )?;
                let key = client.service_accounts().reset_access_key(uuid).send()?;
                out.changed(&key, &format!("New access key for {}: {}", account.username, key.access_key.expose()))
            }
        },
        Group::Call { operation, params, body } => {
            let operation = spec_operation(operation);
            let mut request = crate::RawRequest::new();
            for (name, value) in params {
                request = if operation.path_parameters.contains(&name.as_str()) {
                    request.path(name, value)
                } else {
                    request.query(name, value)
                };
            }
            if let Some(body) = body {
                request = request.body(json_body(body)?);
            }
            let answer = client.call(operation, request)?;
            Output { json: true, ..out }.print(&answer)
        }
    }
}
