//! Reading the live organization with as few requests as the listings allow: the largest
//! pages (`limit=100`) and what a page already carries (a user summary lists the user's teams
//! and roles), so a 1,000-user, 50-team organization takes 13 requests plus one per team
//! whose description is needed (the team listing omits descriptions).

use std::cell::Cell;
use std::collections::BTreeSet;

use serde::Serialize;

use super::OrgError;
use super::file::{OrgFile, Role, ServiceAccountEntry, TeamEntry, TeamSettingsEntry, UserEntry};
use crate::types::{TeamSummary, UserSummary};
use crate::{Client, Error, RoleId};

/// The largest page the API serves.
const PAGE: u64 = 100;

/// Counts the requests a job sends through one client (retries inside the transport are not
/// counted: they are the same request).
#[derive(Debug, Default)]
pub(crate) struct Requests(Cell<u64>);

impl Requests {
    pub(crate) fn add(&self, count: u64) {
        self.0.set(self.0.get() + count);
    }

    /// Sends one request, counting it.
    pub(crate) fn send<T>(&self, call: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
        self.add(1);
        call()
    }

    pub(crate) fn count(&self) -> u64 {
        self.0.get()
    }
}

/// Which teams' descriptions to fetch (one request each).
#[derive(Clone, Debug)]
pub(crate) enum Describe {
    /// Every team's (for `export`).
    All,
    /// Only these teams' (those whose description the file states).
    Only(BTreeSet<String>),
}

/// A team as the service has it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct LiveTeam {
    pub(crate) id: String,
    pub(crate) name: String,
    /// `None` when it was not fetched (nothing asked for it) or the team has none.
    pub(crate) description: Option<String>,
    pub(crate) settings: TeamSettingsEntry,
    pub(crate) is_default: bool,
}

/// A user as the service has it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct LiveUser {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) email: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) role: Role,
    /// Team names, sorted.
    pub(crate) teams: Vec<String>,
    pub(crate) active: bool,
}

/// A service account as the service has it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct LiveServiceAccount {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) team: String,
}

/// The organization as read, with the calling user.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct LiveOrg {
    pub(crate) caller: String,
    pub(crate) teams: Vec<LiveTeam>,
    pub(crate) users: Vec<LiveUser>,
    pub(crate) service_accounts: Vec<LiveServiceAccount>,
}

/// The role a listing reports. Organization admins are team admins everywhere, so the
/// organization flag wins over any team role.
fn role_of(user: &UserSummary) -> Role {
    let has = |wanted: RoleId| user.roles.iter().any(|role| role.role == wanted);
    if user.is_organization_admin == Some(true) || has(RoleId::OrganizationAdmin) {
        Role::OrgAdmin
    } else if user.is_team_admin == Some(true) || has(RoleId::TeamAdmin) {
        Role::TeamAdmin
    } else {
        Role::Member
    }
}

fn settings_of(team: &TeamSummary) -> TeamSettingsEntry {
    let settings = team.settings.clone().unwrap_or_default();
    TeamSettingsEntry {
        virtual_machines: Some(settings.virtual_machines.map_or(0, u64::from)),
        real_devices: Some(settings.real_devices.map_or(0, u64::from)),
        live_only: Some(settings.live_only.unwrap_or(false)),
    }
}

impl LiveOrg {
    /// Reads the organization. A listing that fails (rate limited, cut off) is an error,
    /// never a shorter organization.
    pub(crate) fn read(client: &Client, describe: &Describe, requests: &Requests) -> Result<LiveOrg, Error> {
        let caller = requests.send(|| client.users().get_current().send())?.username;
        let mut pages = client.teams().lookup().limit(PAGE).iter();
        let summaries: Vec<TeamSummary> = pages.by_ref().collect::<Result<_, _>>()?;
        requests.add(pages.pages_fetched());
        let mut teams = Vec::with_capacity(summaries.len());
        for summary in &summaries {
            let wanted = match describe {
                Describe::All => true,
                Describe::Only(names) => names.contains(&summary.name),
            };
            let description = if wanted {
                requests.send(|| client.teams().get(&summary.id).send())?.description.filter(|text| !text.is_empty())
            } else {
                None
            };
            teams.push(LiveTeam {
                id: summary.id.to_string(),
                name: summary.name.clone(),
                description,
                settings: settings_of(summary),
                is_default: summary.is_default == Some(true),
            });
        }
        let mut pages = client.users().lookup().limit(PAGE).iter();
        let mut users = Vec::new();
        for user in pages.by_ref() {
            let user = user?;
            let mut team_names: Vec<String> = user.teams.iter().map(|team| team.name.clone()).collect();
            team_names.sort();
            users.push(LiveUser {
                id: user.id.to_string(),
                role: role_of(&user),
                email: user.email.unwrap_or_default(),
                first_name: user.first_name.unwrap_or_default(),
                last_name: user.last_name.unwrap_or_default(),
                teams: team_names,
                active: user.is_active != Some(false),
                username: user.username,
            });
        }
        requests.add(pages.pages_fetched());
        let mut pages = client.service_accounts().lookup().limit(PAGE).iter();
        let mut service_accounts = Vec::new();
        for account in pages.by_ref() {
            let account = account?;
            let team = account.team.as_ref().map(|team| {
                team.name.clone().unwrap_or_else(|| {
                    teams.iter().find(|known| known.id == team.id.as_str()).map_or_else(String::new, |t| t.name.clone())
                })
            });
            service_accounts.push(LiveServiceAccount {
                id: account.id.to_string(),
                name: account.name.unwrap_or_else(|| account.username.clone()),
                team: team.unwrap_or_default(),
            });
        }
        requests.add(pages.pages_fetched());
        teams.sort_by(|a, b| a.name.cmp(&b.name));
        users.sort_by(|a, b| a.username.cmp(&b.username));
        service_accounts.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        Ok(LiveOrg { caller, teams, users, service_accounts })
    }

    pub(crate) fn team(&self, name: &str) -> Option<&LiveTeam> {
        self.teams.iter().find(|team| team.name == name)
    }

    pub(crate) fn user(&self, username: &str) -> Option<&LiveUser> {
        self.users.iter().find(|user| user.username == username)
    }

    /// A short digest of everything read, to tell whether the organization changed since a
    /// plan was made (FNV-1a over the canonical JSON: change detection, not security).
    pub(crate) fn fingerprint(&self) -> String {
        let text = serde_json::to_vec(self).expect("plain data");
        let hash = text.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, &byte| {
            (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        format!("{hash:016x}")
    }

    /// The organization as a file that plans to no change: every team, user and service
    /// account, sorted by name, each with every value.
    pub(crate) fn to_file(&self) -> OrgFile {
        OrgFile {
            prune: false,
            teams: self
                .teams
                .iter()
                .map(|team| TeamEntry {
                    name: team.name.clone(),
                    description: team.description.clone(),
                    settings: Some(team.settings),
                })
                .collect(),
            users: self
                .users
                .iter()
                .map(|user| UserEntry {
                    username: user.username.clone(),
                    email: Some(user.email.clone()),
                    first_name: Some(user.first_name.clone()),
                    last_name: Some(user.last_name.clone()),
                    role: Some(user.role),
                    teams: Some(user.teams.clone()),
                    active: Some(user.active),
                    password_env: None,
                })
                .collect(),
            service_accounts: self
                .service_accounts
                .iter()
                .map(|account| ServiceAccountEntry { name: account.name.clone(), team: account.team.clone() })
                .collect(),
        }
    }
}

/// What `export` made, and what it cost.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Export {
    /// The live organization as a file.
    pub file: OrgFile,
    /// The requests sent.
    pub requests: u64,
}

/// Reads the live organization as a file that plans to no change (every team's description
/// included, hence one request per team on top of the listings).
///
/// # Errors
///
/// [`OrgError::Api`] when a request fails; nothing partial is returned.
pub fn export(client: &Client) -> Result<Export, OrgError> {
    let requests = Requests::default();
    let live = LiveOrg::read(client, &Describe::All, &requests)?;
    Ok(Export { file: live.to_file(), requests: requests.count() })
}
