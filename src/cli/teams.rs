//! `sauce-accounts teams …`.

use clap::{Args, Subcommand};

use super::args::{Page, TEAM_HELP, count, with_optional};
use super::resolve::{not_found, team_id};
use super::{CliError, Ctx};
use crate::operations::OperationId;
use crate::types;

#[derive(Debug, Subcommand)]
pub(super) enum Teams {
    /// List teams, optionally filtered. USERS counts the team's users (people), the same set
    /// `teams members` lists; its service accounts are listed apart (`service-accounts list
    /// --teams NAME`).
    List {
        /// Comma-separated team names or ids.
        #[arg(long)]
        id: Option<String>,
        /// Teams whose name starts with this (any case).
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        page: Page,
    },
    /// Show one team.
    Get {
        #[arg(value_name = "TEAM", help = TEAM_HELP)]
        team: String,
    },
    /// Create a team.
    Create {
        /// The team's name.
        #[arg(long)]
        name: String,
        /// What the team is for.
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
        team: String,
        /// The team's new name.
        #[arg(long)]
        name: String,
        /// What the team is for.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        settings: TeamSettingsArgs,
    },
    /// Change some values of a team.
    Update {
        #[arg(value_name = "TEAM", help = TEAM_HELP)]
        team: String,
        /// A new name.
        #[arg(long)]
        name: Option<String>,
        /// A new description.
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        settings: TeamSettingsArgs,
    },
    /// Delete a team; its members lose the membership.
    Delete {
        #[arg(value_name = "TEAM", help = TEAM_HELP)]
        team: String,
    },
    /// List a team's members.
    Members {
        #[arg(value_name = "TEAM", help = TEAM_HELP)]
        team: String,
    },
    /// Give every member of a team a new access key (the old ones stop working).
    ResetKeys {
        #[arg(value_name = "TEAM", help = TEAM_HELP)]
        team: String,
    },
}

#[derive(Debug, Args)]
pub(super) struct TeamSettingsArgs {
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

impl Teams {
    pub(super) fn operation(&self) -> OperationId {
        match self {
            Teams::List { .. } => OperationId::LookupTeams,
            Teams::Get { .. } => OperationId::GetTeam,
            Teams::Create { .. } => OperationId::CreateTeam,
            Teams::Replace { .. } => OperationId::ReplaceTeam,
            Teams::Update { .. } => OperationId::UpdateTeam,
            Teams::Delete { .. } => OperationId::DeleteTeam,
            Teams::Members { .. } => OperationId::ListTeamMembers,
            Teams::ResetKeys { .. } => OperationId::ResetTeamAccessKeys,
        }
    }

    pub(super) fn run(&self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let (client, out) = (ctx.client, &ctx.out);
        let get = |team: &str| -> Result<types::Team, CliError> {
            client.teams().get(team_id(client, team)?).send().map_err(not_found("team", team, "teams list"))
        };
        match self {
            Teams::List { id, name, page } => {
                let ids =
                    id.as_deref().map(|ids| super::resolve::each(ids, |team| team_id(client, team))).transpose()?;
                let request = with_optional!(
                    client.teams().lookup(),
                    id = ids,
                    name = name,
                    limit = page.limit,
                    offset = page.offset
                );
                ctx.listing(|| request.send().map(|page| (page.count, page.results)), || request.clone().iter())
            }
            Teams::Get { team } => out.print(&get(team)?),
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
            Teams::Replace { team, name, description, settings } => {
                let body = types::ReplaceTeamRequest {
                    name: name.clone(),
                    description: description.clone(),
                    settings: settings.settings(),
                };
                let team = client.teams().replace(team_id(client, team)?, &body).send()?;
                out.changed(&team, &format!("Replaced team {} ({}).", team.name, team.id))
            }
            Teams::Update { team, name, description, settings } => {
                let settings = settings.settings();
                let changed = settings != types::TeamSettings::default();
                let body = types::UpdateTeamRequest {
                    name: name.clone(),
                    description: description.clone(),
                    settings: changed.then_some(settings),
                };
                let team = client.teams().update(team_id(client, team)?, &body).send()?;
                out.changed(&team, &format!("Updated team {} ({}).", team.name, team.id))
            }
            Teams::Delete { team } => {
                let team = get(team)?;
                ctx.confirm(&format!("Delete team {} ({})? Its members lose the membership.", team.name, team.id))?;
                client.teams().delete(&team.id).send()?;
                out.done(&format!("Deleted team {} ({}).", team.name, team.id))
            }
            Teams::Members { team } => {
                let id = team_id(client, team)?;
                let request = client.teams().list_members(&id);
                ctx.listing(|| request.send().map(|page| (page.count, page.results)), || request.clone().iter())
            }
            Teams::ResetKeys { team } => {
                let team = get(team)?;
                ctx.confirm(&format!(
                    "Reset the access key of every member of team {} ({})? Their current keys stop working.",
                    team.name, team.id
                ))?;
                out.print(&client.teams().reset_access_keys(&team.id).send()?)
            }
        }
    }
}
