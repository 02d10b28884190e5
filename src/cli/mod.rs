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
    #[arg(long, global = true, env = "SAUCE_REGION", hide_env_values = true)]
    region: Option<String>,
    /// A custom API base URL instead of a region (a proxy, a staging stack, a sandbox).
    #[arg(long, global = true, value_name = "URL")]
    base_url: Option<String>,
    /// The username to authenticate as; overrides SAUCE_USERNAME.
    #[arg(id = "sauce_username", long = "sauce-username", global = true, value_name = "USERNAME")]
    username: Option<String>,
    /// The access key; overrides SAUCE_ACCESS_KEY (prefer the variable: flags end up in shell history).
    #[arg(id = "sauce_access_key", long = "sauce-access-key", global = true, value_name = "KEY")]
    access_key: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// Follow pagination and print every item of a listing.
    #[arg(long, global = true)]
    all: bool,
    /// Seconds one request may take.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30)]
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
}

#[derive(Debug, Args)]
struct Page {
    /// Records per page (at most 100).
    #[arg(long)]
    limit: Option<u64>,
    /// Index of the first record.
    #[arg(long)]
    offset: Option<u64>,
}

#[derive(Debug, Args)]
struct TeamSettingsArgs {
    /// Virtual machine allocation.
    #[arg(long = "vms", value_name = "N")]
    virtual_machines: Option<u64>,
    /// Real-device allocation.
    #[arg(long = "devices", value_name = "N")]
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
    Get { team_id: String },
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
        team_id: String,
        #[command(flatten)]
        confirm: Confirm,
    },
    /// List a team's members.
    Members { team_id: String },
    /// Give every member of a team a new access key (the old ones stop working).
    ResetKeys {
        team_id: String,
        #[command(flatten)]
        confirm: Confirm,
    },
}

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
        /// Comma-separated role numbers (1 org admin, 3 member, 4 team admin).
        #[arg(long)]
        roles: Option<String>,
        /// Users whose first name, last name or email starts with this.
        #[arg(long)]
        phrase: Option<String>,
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        #[command(flatten)]
        page: Page,
    },
    /// Show one user.
    Get { user_id: String },
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
        /// The team id to put the user in.
        #[arg(long)]
        team: Option<String>,
        /// The organization id (the first one visible when absent).
        #[arg(long)]
        organization: Option<String>,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Replace a user's names, email and password.
    Replace {
        user_id: String,
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
        #[arg(long)]
        email: String,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// Change some of a user's names, email or password.
    Update {
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
    Teams { user_id: String },
    /// Set the complete list of a user's teams.
    SetTeams {
        user_id: String,
        /// A team id; repeat for several.
        #[arg(long = "team", required = true)]
        teams: Vec<String>,
    },
    /// Show the caller's active team.
    ActiveTeam,
    /// Make a user an organization admin.
    MakeAdmin { user_id: String },
    /// Make a user a team admin.
    MakeTeamAdmin { user_id: String },
    /// Make a user a plain member.
    MakeMember { user_id: String },
    /// Reactivate a user.
    Activate { user_id: String },
    /// Deactivate a user.
    Deactivate {
        user_id: String,
        #[command(flatten)]
        confirm: Confirm,
    },
    /// Print a user's access key.
    AccessKey { user_id: String },
    /// Give a user a new access key and print it (the old one stops working).
    ResetKey {
        user_id: String,
        #[command(flatten)]
        confirm: Confirm,
    },
    /// Show what a user may do.
    Permissions { user_id: String },
}

#[derive(Debug, Subcommand)]
enum Membership {
    /// Move a user into one team (deprecated: use `users set-teams`).
    Create {
        #[arg(long)]
        user: String,
        #[arg(long)]
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
        #[arg(long)]
        concurrency: Option<u64>,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// List an account's subaccounts.
    ListSubaccounts {
        username: String,
        /// Index of the first record.
        #[arg(long)]
        from: Option<u64>,
        /// Records per page (at most 100).
        #[arg(long)]
        limit: Option<u64>,
    },
    /// Show a subaccount with its siblings.
    SubaccountInfo { username: String },
    /// List the accounts that share a parent with USERNAME.
    Siblings {
        username: String,
        /// Page number, from 1.
        #[arg(long)]
        page: Option<u64>,
        /// Records per page (at most 50).
        #[arg(long)]
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
    /// Show job activity.
    Activity {
        username: String,
        /// `user` for the account alone.
        #[arg(long)]
        level: Option<String>,
    },
    /// Show usage per day.
    Usage { username: String },
    /// Show the organization's job activity.
    OrgActivity,
    /// Show job activity per team.
    TeamsActivity,
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
                Classic::Usage { .. } => "classic_get_usage",
                Classic::OrgActivity => "classic_get_organization_activity",
                Classic::TeamsActivity => "classic_get_teams_activity",
            },
            Group::Concurrency(Concurrency::RealDevices) => "get_real_device_concurrency",
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
        Ok(()) => ExitCode::SUCCESS,
        Err(CliError::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
        Err(CliError::Call(error)) => {
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    }
}

fn connect(global: &Global) -> Result<(Client, Option<Sandbox>), CliError> {
    let mut builder = Client::builder().timeout(Duration::from_secs(global.timeout.max(1))).user_agent_suffix("cli");
    let mut sandbox = None;
    let explicit = match (&global.username, &global.access_key) {
        (Some(username), Some(key)) => Some(Credentials::new(username.clone(), key.clone())),
        (None, None) => None,
        _ => return Err(CliError::Usage("--sauce-username and --sauce-access-key go together".into())),
    };
    if global.sandbox {
        let started = Sandbox::start()?;
        builder = builder.base_url(started.url()).credentials(explicit.unwrap_or_else(|| started.admin_credentials()));
        sandbox = Some(started);
    } else {
        let credentials = match explicit {
            Some(credentials) => credentials,
            None => Credentials::from_env()?,
        };
        builder = builder.credentials(credentials);
        if let Some(url) = &global.base_url {
            builder = builder.base_url(url.clone());
        } else if let Some(region) = &global.region {
            builder = builder.region(region.parse::<Region>().map_err(|error| CliError::Usage(error.to_string()))?);
        }
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
        println!("{text}");
        Ok(())
    }

    fn done(&self, message: &str) -> Result<(), CliError> {
        if self.json {
            println!("{}", serde_json::json!({ "ok": true, "message": message }));
        } else {
            println!("{message}");
        }
        Ok(())
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

fn run(cli: &Cli) -> Result<(), CliError> {
    let shows_keys = matches!(
        cli.operation_id(),
        "get_user_access_key" | "reset_user_access_key" | "reset_team_access_keys" | "classic_change_access_key"
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
                if all { out.print(&collect(request.iter())?) } else { out.print(&request.send()?) }
            }
            Teams::Get { team_id } => out.print(&client.teams().get(team_id)?),
            Teams::Create { name, description, organization, settings } => {
                out.print(&client.teams().create(&types::CreateTeamRequest {
                    name: name.clone(),
                    description: description.clone(),
                    organization: organization.clone(),
                    settings: settings.settings(),
                })?)
            }
            Teams::Replace { team_id, name, description, settings } => out.print(&client.teams().replace(
                team_id,
                &types::ReplaceTeamRequest {
                    name: name.clone(),
                    description: description.clone(),
                    settings: settings.settings(),
                },
            )?),
            Teams::Update { team_id, name, description, settings } => {
                let settings = settings.settings();
                let changed = settings != types::TeamSettings::default();
                out.print(&client.teams().update(
                    team_id,
                    &types::UpdateTeamRequest {
                        name: name.clone(),
                        description: description.clone(),
                        settings: changed.then_some(settings),
                    },
                )?)
            }
            Teams::Delete { team_id, confirm: yes } => {
                confirm(yes, &format!("Delete team {team_id}?"))?;
                client.teams().delete(team_id)?;
                out.done(&format!("Deleted team {team_id}."))
            }
            Teams::Members { team_id } => out.print(&client.teams().list_members(team_id)?),
            Teams::ResetKeys { team_id, confirm: yes } => {
                confirm(
                    yes,
                    &format!(
                        "Reset the access key of every member of team {team_id}? Their current keys stop working."
                    ),
                )?;
                out.print(&client.teams().reset_access_keys(team_id)?)
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
                    roles = roles,
                    phrase = phrase,
                    status = status,
                    limit = page.limit,
                    offset = page.offset,
                );
                if all { out.print(&collect(request.iter())?) } else { out.print(&request.send()?) }
            }
            Users::Get { user_id } => out.print(&client.users().get(user_id)?),
            Users::Create { username, first_name, last_name, email, role, team, organization, password } => {
                let password = password.required()?;
                let organization = match organization {
                    Some(organization) => organization.clone(),
                    None => client
                        .organizations()
                        .lookup()?
                        .results
                        .into_iter()
                        .next()
                        .map(|organization| organization.id)
                        .ok_or_else(|| CliError::Usage("no organization is visible; pass --organization".into()))?,
                };
                out.print(&client.users().create(&types::CreateUserRequest {
                    username: username.clone(),
                    first_name: first_name.clone(),
                    last_name: last_name.clone(),
                    email: email.clone(),
                    password,
                    organization,
                    role: (*role).into(),
                    team: team.clone(),
                })?)
            }
            Users::Replace { user_id, first_name, last_name, email, password } => {
                let password = password.required()?;
                out.print(&client.users().replace(
                    user_id,
                    &types::ReplaceUserRequest {
                        first_name: first_name.clone(),
                        last_name: last_name.clone(),
                        email: email.clone(),
                        verify_password: password.clone(),
                        password,
                    },
                )?)
            }
            Users::Update { user_id, first_name, last_name, email, password } => {
                let password = password.optional()?;
                out.print(&client.users().update(
                    user_id,
                    &types::UpdateUserRequest {
                        first_name: first_name.clone(),
                        last_name: last_name.clone(),
                        email: email.clone(),
                        verify_password: password.clone(),
                        password,
                    },
                )?)
            }
            Users::Teams { user_id } => out.print(&client.users().get_teams(user_id)?),
            Users::SetTeams { user_id, teams } => {
                client.users().set_teams(user_id, &types::SetUserTeamsRequest { teams: teams.clone() })?;
                out.done(&format!("User {user_id} now belongs to {}.", teams.join(", ")))
            }
            Users::ActiveTeam => out.print(&client.users().get_active_team()?),
            Users::MakeAdmin { user_id } => out.print(&client.users().set_admin(user_id)?),
            Users::MakeTeamAdmin { user_id } => out.print(&client.users().set_team_admin(user_id)?),
            Users::MakeMember { user_id } => out.print(&client.users().set_member(user_id)?),
            Users::Activate { user_id } => out.print(&client.users().activate(user_id)?),
            Users::Deactivate { user_id, confirm: yes } => {
                confirm(yes, &format!("Deactivate user {user_id}? They lose all access until reactivated."))?;
                out.print(&client.users().deactivate(user_id)?)
            }
            Users::AccessKey { user_id } => out.print(&client.users().get_access_key(user_id)?),
            Users::ResetKey { user_id, confirm: yes } => {
                confirm(yes, &format!("Reset the access key of user {user_id}? The current key stops working."))?;
                out.print(&client.users().reset_access_key(user_id)?)
            }
            Users::Permissions { user_id } => out.print(&client.users().get_permissions(user_id)?),
        },
        Group::Membership(Membership::Create { user, team, organization }) => {
            eprintln!("note: the membership call is deprecated; `users set-teams` replaces it");
            #[allow(deprecated)]
            let membership = client.membership().create(&types::MembershipRequest {
                user: user.clone(),
                team: team.clone(),
                organization: organization.clone(),
            })?;
            out.print(&membership)
        }
        Group::Organizations(Organizations::List) => out.print(&client.organizations().lookup()?),
        Group::Classic(command) => match command {
            Classic::GetUser { username } => out.print(&client.classic().get_user(username)?),
            Classic::CreateSubaccount { parent, username, name, email, concurrency, password } => {
                let password = password.required()?;
                out.print(&client.classic().create_subaccount(
                    parent,
                    &types::CreateSubaccountRequest {
                        username: username.clone(),
                        name: name.clone(),
                        email: email.clone(),
                        concurrency: concurrency.map(Into::into),
                        password,
                    },
                )?)
            }
            Classic::ListSubaccounts { username, from, limit } => {
                let request = with_optional!(client.classic().list_subaccounts(username), from = from, limit = limit);
                if all { out.print(&collect(request.iter())?) } else { out.print(&request.send()?) }
            }
            Classic::SubaccountInfo { username } => out.print(&client.classic().get_subaccounts(username)?),
            Classic::Siblings { username, page, per_page } => {
                let request =
                    with_optional!(client.classic().list_siblings(username), page = page, per_page = per_page);
                if all { out.print(&collect(request.iter())?) } else { out.print(&request.send()?) }
            }
            Classic::ChangeKey { username, confirm: yes } => {
                confirm(yes, &format!("Give {username} a new access key? The current key stops working."))?;
                out.print(&client.classic().change_access_key(username)?)
            }
            Classic::Concurrency { username } => out.print(&client.classic().get_concurrency(username)?),
            Classic::Activity { username, level } => {
                let request = with_optional!(client.classic().get_activity(username), level = level);
                out.print(&request.send()?)
            }
            Classic::Usage { username } => out.print(&client.classic().get_usage(username)?),
            Classic::OrgActivity => out.print(&client.classic().get_organization_activity()?),
            Classic::TeamsActivity => out.print(&client.classic().get_teams_activity()?),
        },
        Group::Concurrency(Concurrency::RealDevices) => out.print(&client.concurrency().get_real_device()?),
    }
}
