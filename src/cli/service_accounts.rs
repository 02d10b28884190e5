//! `sauce-accounts service-accounts …`.

use clap::Subcommand;

use super::args::{Page, TEAM_HELP, with_optional};
use super::resolve::{each, not_found, service_account_id, team_id};
use super::{CliError, Ctx};
use crate::operations::OperationId;
use crate::types;

/// What a SERVICE_ACCOUNT argument takes.
const ACCOUNT_HELP: &str = "A service account's username, display name or id";

#[derive(Debug, Subcommand)]
pub(super) enum ServiceAccounts {
    /// List service accounts, optionally filtered.
    List {
        /// Comma-separated service account ids.
        #[arg(long)]
        id: Option<String>,
        /// Service accounts whose username contains this.
        #[arg(long)]
        username: Option<String>,
        /// Comma-separated team names or ids.
        #[arg(long)]
        teams: Option<String>,
        #[command(flatten)]
        page: Page,
    },
    /// Show one service account.
    Get {
        #[arg(value_name = "SERVICE_ACCOUNT", help = ACCOUNT_HELP)]
        account: String,
    },
    /// Create a service account in a team and print its access key.
    Create {
        /// Its display name.
        #[arg(long)]
        name: String,
        /// Its team.
        #[arg(long, value_name = "TEAM", help = TEAM_HELP)]
        team: String,
    },
    /// Rename a service account.
    Update {
        #[arg(value_name = "SERVICE_ACCOUNT", help = ACCOUNT_HELP)]
        account: String,
        /// The new display name.
        #[arg(long)]
        name: String,
    },
    /// Delete a service account (its key stops working).
    Delete {
        #[arg(value_name = "SERVICE_ACCOUNT", help = ACCOUNT_HELP)]
        account: String,
    },
    /// Give a service account a new access key and print it (the old one stops working).
    ResetKey {
        #[arg(value_name = "SERVICE_ACCOUNT", help = ACCOUNT_HELP)]
        account: String,
    },
}

impl ServiceAccounts {
    pub(super) fn operation(&self) -> OperationId {
        match self {
            ServiceAccounts::List { .. } => OperationId::LookupServiceAccounts,
            ServiceAccounts::Get { .. } => OperationId::GetServiceAccount,
            ServiceAccounts::Create { .. } => OperationId::CreateServiceAccount,
            ServiceAccounts::Update { .. } => OperationId::UpdateServiceAccount,
            ServiceAccounts::Delete { .. } => OperationId::DeleteServiceAccount,
            ServiceAccounts::ResetKey { .. } => OperationId::ResetServiceAccountAccessKey,
        }
    }

    pub(super) fn run(&self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let (client, out) = (ctx.client, &ctx.out);
        let accounts = client.service_accounts();
        let get = |account: &str| -> Result<types::ServiceAccount, CliError> {
            let id = service_account_id(client, account)?;
            accounts.get(&id).send().map_err(not_found("service account", account, "service-accounts list"))
        };
        match self {
            ServiceAccounts::List { id, username, teams, page } => {
                let teams = teams.as_deref().map(|teams| each(teams, |team| team_id(client, team))).transpose()?;
                let request = with_optional!(
                    accounts.lookup(),
                    id = id,
                    username = username,
                    teams = teams,
                    limit = page.limit,
                    offset = page.offset,
                );
                ctx.listing(|| request.send().map(|page| (page.count, page.results)), || request.clone().iter())
            }
            ServiceAccounts::Get { account } => out.print(&get(account)?),
            ServiceAccounts::Create { name, team } => {
                let body =
                    types::CreateServiceAccountRequest { name: name.clone(), team_uuid: team_id(client, team)?.into() };
                let created = accounts.create(&body).send()?;
                let sentence = format!("Created service account {} ({}); its access key", created.username, created.id);
                out.value(&created, created.access_key.expose(), &sentence)
            }
            ServiceAccounts::Update { account, name } => {
                let id = get(account)?.id;
                let body = types::UpdateServiceAccountRequest { name: name.clone() };
                let account = accounts.update(&id, &body).send()?;
                out.changed(&account, &format!("Renamed service account {} to {name:?}.", account.username))
            }
            ServiceAccounts::Delete { account } => {
                let account = get(account)?;
                ctx.confirm(&format!(
                    "Delete service account {} ({})? Its key stops working.",
                    account.username, account.id
                ))?;
                accounts.delete(&account.id).send()?;
                out.done(&format!("Deleted service account {} ({}).", account.username, account.id))
            }
            ServiceAccounts::ResetKey { account } => {
                let account = get(account)?;
                ctx.confirm(&format!(
                    "Reset the access key of service account {}? The current key stops working.",
                    account.username
                ))?;
                let key = accounts.reset_access_key(&account.id).send()?;
                out.value(&key, key.access_key.expose(), &format!("New access key for {}", account.username))
            }
        }
    }
}
