//! `sauce-accounts membership …` and `sauce-accounts organizations …`: one command each.

use clap::Subcommand;

use super::args::{TEAM_HELP, USER_HELP};
use super::resolve::{team_id, user_id};
use super::{CliError, Ctx};
use crate::operations::OperationId;
use crate::types;

#[derive(Debug, Subcommand)]
pub(super) enum Membership {
    /// Move a user into one team (deprecated: use `users set-teams`).
    Create {
        /// The user to move.
        #[arg(long, value_name = "USER", help = USER_HELP)]
        user: String,
        /// Their only team from now on.
        #[arg(long, value_name = "TEAM", help = TEAM_HELP)]
        team: String,
        /// The organization id (the caller's when absent).
        #[arg(long)]
        organization: Option<String>,
    },
}

impl Membership {
    pub(super) fn operation(&self) -> OperationId {
        match self {
            Membership::Create { .. } => OperationId::CreateMembership,
        }
    }

    pub(super) fn run(&self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let Membership::Create { user, team, organization } = self;
        eprintln!("note: the membership call is deprecated; `users set-teams` replaces it");
        let body = types::MembershipRequest {
            user: user_id(ctx.client, user)?.into(),
            team: team_id(ctx.client, team)?.into(),
            organization: organization.clone().map(Into::into),
        };
        #[allow(deprecated)]
        let membership = ctx.client.membership().create(&body).send()?;
        ctx.out.changed(&membership, &format!("{user} is now a member of team {team} only."))
    }
}

#[derive(Debug, Subcommand)]
pub(super) enum Organizations {
    /// List the organizations visible to the account.
    List,
}

impl Organizations {
    pub(super) fn operation(&self) -> OperationId {
        match self {
            Organizations::List => OperationId::LookupOrganizations,
        }
    }

    pub(super) fn run(&self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let page = ctx.client.organizations().lookup().send()?;
        ctx.out.listing(page.count, &page.results)
    }
}
