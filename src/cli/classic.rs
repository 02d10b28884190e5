//! `sauce-accounts classic …`: the classic account API, by username.

use clap::{Subcommand, ValueEnum};

use super::args::{PasswordSource, Period, USER_HELP, count, with_optional};
use super::output::emit;
use super::resolve::{team_id, user_id};
use super::{CliError, Ctx, render};
use crate::operations::OperationId;
use crate::types;

/// What a classic USERNAME argument takes.
const USERNAME_HELP: &str = "The account's username";

#[derive(Debug, Subcommand)]
pub(super) enum Classic {
    /// Show an account's classic profile.
    GetUser {
        #[arg(help = USERNAME_HELP)]
        username: String,
    },
    /// Create a subaccount under PARENT (password from --password-stdin or SAUCE_NEW_PASSWORD).
    CreateSubaccount {
        /// The username of the account the subaccount belongs to.
        parent: String,
        /// The subaccount's username.
        #[arg(long)]
        username: String,
        /// The owner's name as first-last.
        #[arg(long)]
        name: String,
        /// The owner's email address.
        #[arg(long)]
        email: String,
        /// Its concurrency allowance.
        #[arg(long, value_parser = count, allow_negative_numbers = true)]
        concurrency: Option<u64>,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// List an account's subaccounts.
    ListSubaccounts {
        #[arg(help = USERNAME_HELP)]
        username: String,
        /// Index of the first record.
        #[arg(long, value_parser = count, allow_negative_numbers = true)]
        from: Option<u64>,
        /// Records per page (at most 100).
        #[arg(long, value_parser = count, allow_negative_numbers = true)]
        limit: Option<u64>,
    },
    /// Show a subaccount with its siblings.
    SubaccountInfo {
        #[arg(help = USERNAME_HELP)]
        username: String,
    },
    /// List the accounts that share a parent with USERNAME.
    Siblings {
        #[arg(help = USERNAME_HELP)]
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
        #[arg(help = USERNAME_HELP)]
        username: String,
    },
    /// Show allowed and current concurrency (of the caller when no USERNAME is given).
    Concurrency {
        /// The account's username; the caller's when absent.
        username: Option<String>,
    },
    /// Show an account's job activity (daily statistics with --since/--until).
    Activity {
        #[arg(help = USERNAME_HELP)]
        username: String,
        /// `user` for the account alone, `organization` for more.
        #[arg(long, value_enum)]
        level: Option<LevelArg>,
        #[command(flatten)]
        period: Period,
    },
    /// Show usage per day.
    Usage {
        #[arg(help = USERNAME_HELP)]
        username: String,
    },
    /// Show the organization's job activity (daily statistics with --since/--until).
    OrgActivity {
        #[command(flatten)]
        period: Period,
    },
    /// Show job activity per team (daily statistics with --since/--until or --id).
    TeamsActivity {
        /// Only this team, by name or id (repeat for several).
        #[arg(long, value_name = "TEAM")]
        id: Vec<String>,
        #[command(flatten)]
        period: Period,
    },
    /// Show daily statistics per user, by username.
    UsersActivity {
        /// Only this user (repeat for several).
        #[arg(long, value_name = "USER", help = USER_HELP)]
        users: Vec<String>,
        #[command(flatten)]
        period: Period,
    },
}

impl Classic {
    pub(super) fn operation(&self) -> OperationId {
        match self {
            Classic::GetUser { .. } => OperationId::ClassicGetUser,
            Classic::CreateSubaccount { .. } => OperationId::ClassicCreateSubaccount,
            Classic::ListSubaccounts { .. } => OperationId::ClassicListSubaccounts,
            Classic::SubaccountInfo { .. } => OperationId::ClassicGetSubaccounts,
            Classic::Siblings { .. } => OperationId::ClassicListSiblings,
            Classic::ChangeKey { .. } => OperationId::ClassicChangeAccessKey,
            Classic::Concurrency { .. } => OperationId::ClassicGetConcurrency,
            Classic::Activity { .. } => OperationId::ClassicGetActivity,
            Classic::UsersActivity { .. } => OperationId::ClassicGetUsersActivity,
            Classic::Usage { .. } => OperationId::ClassicGetUsage,
            Classic::OrgActivity { .. } => OperationId::ClassicGetOrganizationActivity,
            Classic::TeamsActivity { .. } => OperationId::ClassicGetTeamsActivity,
        }
    }

    pub(super) fn run(&self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let (client, out) = (ctx.client, &ctx.out);
        let classic = client.classic();
        match self {
            Classic::GetUser { username } => out.print(&classic.get_user(username).send()?),
            Classic::CreateSubaccount { parent, username, name, email, concurrency, password } => {
                let body = types::CreateSubaccountRequest {
                    username: username.clone(),
                    name: name.clone(),
                    email: email.clone(),
                    concurrency: concurrency.map(Into::into),
                    password: password.required()?,
                };
                let created = classic.create_subaccount(parent, &body).send()?;
                out.changed(&created, &format!("Created subaccount {username} under {parent}."))
            }
            Classic::ListSubaccounts { username, from, limit } => {
                let request = with_optional!(classic.list_subaccounts(username), from = from, limit = limit);
                ctx.listing(
                    || request.send().map(|page| (page.users.len() as u64, page.users)),
                    || request.clone().iter(),
                )
            }
            Classic::SubaccountInfo { username } => out.print(&classic.get_subaccounts(username).send()?),
            Classic::Siblings { username, page, per_page } => {
                let request = with_optional!(classic.list_siblings(username), page = page, per_page = per_page);
                ctx.listing(|| request.send().map(|page| (page.0.len() as u64, page.0)), || request.clone().iter())
            }
            Classic::ChangeKey { username } => {
                ctx.confirm(&format!("Give {username} a new access key? The current key stops working."))?;
                let user = classic.change_access_key(username).send()?;
                let key = user.access_key.as_ref().map_or("(not shown by the service)", |key| key.expose());
                out.value(&user, key, &format!("New access key for {username}"))
            }
            Classic::Concurrency { username } => {
                let username = username.clone().unwrap_or_else(|| client.username().to_string());
                out.print(&classic.get_concurrency(&username).send()?)
            }
            Classic::Activity { username, level, period } => {
                let level = level.map(|level| match level {
                    LevelArg::User => types::ActivityLevel::User,
                    LevelArg::Organization => types::ActivityLevel::Organization,
                });
                let request = with_optional!(
                    classic.get_activity(username),
                    level = level,
                    since = period.since,
                    until = period.until,
                );
                let answer = request.send()?;
                match answer.daily().and_then(types::DailyActivity::days) {
                    Some(days) if !out.json() => emit(&render::days_table(None, days.iter().map(|day| ("", day)))),
                    _ => out.print(&answer),
                }
            }
            Classic::Usage { username } => out.print(&classic.get_usage(username).send()?),
            Classic::OrgActivity { period } => {
                let request = classic.get_organization_activity();
                let answer = with_optional!(request, since = period.since, until = period.until).send()?;
                out.by_key(&answer, answer.daily(), "ORGANIZATION", str::to_string)
            }
            Classic::TeamsActivity { id, period } => {
                let ids = id.iter().map(|team| team_id(client, team)).collect::<Result<Vec<_>, _>>()?;
                let request = with_optional!(
                    classic.get_teams_activity(),
                    id = (!ids.is_empty()).then_some(ids),
                    since = period.since,
                    until = period.until,
                );
                let answer = request.send()?;
                out.by_key(&answer, answer.daily(), "TEAM", str::to_string)
            }
            Classic::UsersActivity { users, period } => {
                let ids = users.iter().map(|user| user_id(client, user)).collect::<Result<Vec<_>, _>>()?;
                let request = with_optional!(
                    classic.get_users_activity(),
                    users = (!ids.is_empty()).then_some(ids),
                    since = period.since,
                    until = period.until,
                );
                let answer = request.send()?;
                let names = if out.json() { Default::default() } else { usernames(ctx, answer.0.keys())? };
                let label = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_string());
                out.by_key(&answer, Some(&answer.0), "USER", label)
            }
        }
    }
}

/// The usernames of these user ids, from one listing call (ids it does not return stay ids).
fn usernames<'a>(
    ctx: &Ctx<'_>,
    ids: impl Iterator<Item = &'a String>,
) -> Result<std::collections::HashMap<String, String>, CliError> {
    let ids: Vec<&str> = ids.map(String::as_str).take(100).collect();
    if ids.is_empty() {
        return Ok(Default::default());
    }
    let page = ctx.client.users().lookup().id(ids.join(",")).limit(100).send()?;
    Ok(page.results.into_iter().map(|user| (user.id.to_string(), user.username)).collect())
}

/// The ownership levels of an activity report (the service refuses others).
#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum LevelArg {
    /// The account alone.
    User,
    /// The account's whole organization.
    Organization,
}
