//! `sauce-accounts users …`.

use clap::{Subcommand, ValueEnum};

use super::args::{
    Page, PasswordSource, RoleArg, RoleFilter, TEAM_HELP, USER_HELP, role_list, role_name, with_optional,
};
use super::resolve::{each, label_of, not_found, team_id, team_name, user_id};
use super::{CliError, Ctx};
use crate::operations::OperationId;
use crate::{UserStatusFilter, types};

#[derive(Debug, Subcommand)]
pub(super) enum Users {
    /// List users, optionally filtered.
    List {
        /// Comma-separated usernames or user ids.
        #[arg(long)]
        id: Option<String>,
        /// Users whose username starts with this (any case).
        #[arg(long)]
        username: Option<String>,
        /// Comma-separated team names or ids: only their members.
        #[arg(long)]
        teams: Option<String>,
        /// Comma-separated team names (any case): only their members.
        #[arg(long)]
        team_name: Option<String>,
        /// Comma-separated roles: org-admin, team-admin, member (or their numbers 1, 4, 3).
        #[arg(long, value_parser = role_list)]
        roles: Option<RoleFilter>,
        /// Users whose first name, last name or email starts with this.
        #[arg(long)]
        phrase: Option<String>,
        /// Only users in this state.
        #[arg(long, value_enum)]
        status: Option<StatusArg>,
        #[command(flatten)]
        page: Page,
    },
    /// Show one user.
    Get {
        #[arg(value_name = "USER", help = USER_HELP)]
        user: String,
    },
    /// Create a user (password from --password-stdin or SAUCE_NEW_PASSWORD).
    Create {
        /// The new user's username.
        #[arg(long)]
        username: String,
        /// Their first name.
        #[arg(long)]
        first_name: String,
        /// Their last name.
        #[arg(long)]
        last_name: String,
        /// Their email address.
        #[arg(long)]
        email: String,
        /// Their role.
        #[arg(long, value_enum, default_value = "member")]
        role: RoleArg,
        /// The team to put the user in.
        #[arg(long, value_name = "TEAM", help = TEAM_HELP)]
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
        user: String,
        /// Their first name.
        #[arg(long)]
        first_name: String,
        /// Their last name.
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
        user: String,
        /// A new first name.
        #[arg(long)]
        first_name: Option<String>,
        /// A new last name.
        #[arg(long)]
        last_name: Option<String>,
        /// A new email address.
        #[arg(long)]
        email: Option<String>,
        #[command(flatten)]
        password: PasswordSource,
    },
    /// List a user's teams.
    Teams {
        #[arg(value_name = "USER", help = USER_HELP)]
        user: String,
    },
    /// Set the complete list of a user's teams.
    SetTeams {
        #[arg(value_name = "USER", help = USER_HELP)]
        user: String,
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
        user: String,
    },
    /// Make a user a team admin.
    MakeTeamAdmin {
        #[arg(value_name = "USER", help = USER_HELP)]
        user: String,
    },
    /// Make a user a plain member.
    MakeMember {
        #[arg(value_name = "USER", help = USER_HELP)]
        user: String,
    },
    /// Reactivate a user.
    Activate {
        #[arg(value_name = "USER", help = USER_HELP)]
        user: String,
    },
    /// Deactivate a user.
    Deactivate {
        #[arg(value_name = "USER", help = USER_HELP)]
        user: String,
    },
    /// Print a user's access key (just the key when the output is not a terminal).
    AccessKey {
        #[arg(value_name = "USER", help = USER_HELP)]
        user: String,
    },
    /// Give a user a new access key and print it (the old one stops working).
    ResetKey {
        #[arg(value_name = "USER", help = USER_HELP)]
        user: String,
    },
    /// Show what a user may do.
    Permissions {
        #[arg(value_name = "USER", help = USER_HELP)]
        user: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum StatusArg {
    /// Users who can sign in.
    Active,
    /// Invited users who have not signed in yet.
    Pending,
    /// Deactivated users.
    Inactive,
}

impl Users {
    pub(super) fn operation(&self) -> OperationId {
        match self {
            Users::List { .. } => OperationId::LookupUsers,
            Users::Get { .. } => OperationId::GetUser,
            Users::Create { .. } => OperationId::CreateUser,
            Users::Replace { .. } => OperationId::ReplaceUser,
            Users::Update { .. } => OperationId::UpdateUser,
            Users::Teams { .. } => OperationId::GetUserTeams,
            Users::SetTeams { .. } => OperationId::SetUserTeams,
            Users::ActiveTeam => OperationId::GetActiveTeam,
            Users::Me => OperationId::GetCurrentUser,
            Users::MakeAdmin { .. } => OperationId::SetUserAdmin,
            Users::MakeTeamAdmin { .. } => OperationId::SetUserTeamAdmin,
            Users::MakeMember { .. } => OperationId::SetUserMember,
            Users::Activate { .. } => OperationId::ActivateUser,
            Users::Deactivate { .. } => OperationId::DeactivateUser,
            Users::AccessKey { .. } => OperationId::GetUserAccessKey,
            Users::ResetKey { .. } => OperationId::ResetUserAccessKey,
            Users::Permissions { .. } => OperationId::GetUserPermissions,
        }
    }

    pub(super) fn run(&self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let (client, out) = (ctx.client, &ctx.out);
        // The user a USER argument names, for confirmations that name them.
        let get = |user: &str| -> Result<(String, types::User), CliError> {
            let id = user_id(client, user)?;
            let found = client.users().get(&id).send().map_err(not_found("user", user, "users list"))?;
            Ok((id, found))
        };
        match self {
            Users::List { .. } => self.list(ctx),
            Users::Get { user } => out.print(&get(user)?.1),
            Users::Create { .. } => self.create(ctx),
            Users::Replace { user, first_name, last_name, email, password } => {
                let password = password.required()?;
                let body = types::ReplaceUserRequest {
                    first_name: first_name.clone(),
                    last_name: last_name.clone(),
                    email: email.clone(),
                    verify_password: password.clone(),
                    password,
                };
                let user = client.users().replace(&user_id(client, user)?, &body).send()?;
                out.changed(&user, &format!("Replaced the details of {}.", label_of(&user)))
            }
            Users::Update { user, first_name, last_name, email, password } => {
                let password = password.optional()?;
                let body = types::UpdateUserRequest {
                    first_name: first_name.clone(),
                    last_name: last_name.clone(),
                    email: email.clone(),
                    verify_password: password.clone(),
                    password,
                };
                let user = client.users().update(&user_id(client, user)?, &body).send()?;
                out.changed(&user, &format!("Updated {}.", label_of(&user)))
            }
            Users::Teams { user } => {
                let id = user_id(client, user)?;
                let request = client.users().get_teams(&id);
                ctx.listing(|| request.send().map(|page| (page.count, page.results)), || request.clone().iter())
            }
            Users::SetTeams { user, teams } => {
                let id = user_id(client, user)?;
                let ids = teams.iter().map(|team| team_id(client, team).map(Into::into)).collect::<Result<_, _>>()?;
                client.users().set_teams(&id, &types::SetUserTeamsRequest { teams: ids }).send()?;
                out.done(&format!("{user} now belongs to {}.", teams.join(", ")))
            }
            Users::ActiveTeam => out.print(&client.users().get_active_team().send()?),
            Users::Me => out.print(&client.users().get_current().send()?),
            Users::MakeAdmin { user } => {
                let (id, found) = get(user)?;
                ctx.confirm(&format!(
                    "Make {} an organization admin? They can then manage every team and user.",
                    label_of(&found)
                ))?;
                let user = client.users().set_admin(&id).send()?;
                out.changed(&user, &format!("{} is now an organization admin.", label_of(&user)))
            }
            Users::MakeTeamAdmin { user } => {
                let (id, found) = get(user)?;
                ctx.confirm(&format!("Make {} a team admin of their teams?", label_of(&found)))?;
                let user = client.users().set_team_admin(&id).send()?;
                out.changed(&user, &format!("{} is now a team admin.", label_of(&user)))
            }
            Users::MakeMember { user } => {
                let user = client.users().set_member(&user_id(client, user)?).send()?;
                out.changed(&user, &format!("{} is now a member.", label_of(&user)))
            }
            Users::Activate { user } => {
                let user = client.users().activate(&user_id(client, user)?).send()?;
                out.changed(&user, &format!("Activated {}.", label_of(&user)))
            }
            Users::Deactivate { user } => {
                let (id, found) = get(user)?;
                ctx.confirm(&format!("Deactivate user {}? They lose all access until reactivated.", label_of(&found)))?;
                let user = client.users().deactivate(&id).send()?;
                out.changed(&user, &format!("Deactivated {}.", label_of(&user)))
            }
            Users::AccessKey { user } => {
                let (id, found) = get(user)?;
                let key = client.users().get_access_key(&id).send()?;
                out.value(&key, key.access_key.expose(), &format!("The access key of {}", label_of(&found)))
            }
            Users::ResetKey { user } => {
                let (id, found) = get(user)?;
                let label = label_of(&found);
                ctx.confirm(&format!("Reset the access key of user {label}? The current key stops working."))?;
                let key = client.users().reset_access_key(&id).send()?;
                out.value(&key, key.access_key.expose(), &format!("New access key for {label}"))
            }
            Users::Permissions { user } => out.print(&client.users().get_permissions(&user_id(client, user)?).send()?),
        }
    }

    fn list(&self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let Users::List { id, username, teams, team_name: names, roles, phrase, status, page } = self else {
            unreachable!("called for `users list`")
        };
        let client = ctx.client;
        let status = status.map(|status| match status {
            StatusArg::Active => UserStatusFilter::Active,
            StatusArg::Pending => UserStatusFilter::Pending,
            StatusArg::Inactive => UserStatusFilter::Inactive,
        });
        let ids = id.as_deref().map(|ids| each(ids, |user| user_id(client, user))).transpose()?;
        let teams = teams.as_deref().map(|teams| each(teams, |team| team_id(client, team))).transpose()?;
        let names = names.as_deref().map(|names| each(names, |team| team_name(client, team))).transpose()?;
        let request = with_optional!(
            client.users().lookup(),
            id = ids,
            username = username,
            teams = teams,
            team_name = names,
            phrase = phrase,
            status = status,
            limit = page.limit,
            offset = page.offset,
        );
        let request = match roles {
            Some(RoleFilter(roles)) => request.roles(roles.iter().copied()),
            None => request,
        };
        ctx.listing(|| request.send().map(|page| (page.count, page.results)), || request.clone().iter())
    }

    fn create(&self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let Users::Create { username, first_name, last_name, email, role, team, organization, password } = self else {
            unreachable!("called for `users create`")
        };
        let client = ctx.client;
        let password = password.required()?;
        let team = team.as_deref().map(|team| team_id(client, team)).transpose()?;
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
        ctx.out.changed(&user, &line)
    }
}
