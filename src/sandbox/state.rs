//! The sandbox's in-memory organization and its conversion to the generated API types.

mod index;

use std::time::SystemTime;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::types;
use crate::{ConcurrencyCount, Minutes, OrgRef, RoleId, Secret};
use index::UserIndex;

/// What a sandbox starts with. The default is `src/sandbox/seed.json`; `sauce-sandbox --seed`
/// and [`Sandbox::start_with`](super::Sandbox::start_with) take another in the same format.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seed {
    /// The organization.
    pub organization: SeedOrganization,
    /// The organization admin whose credentials the sandbox prints.
    pub admin: SeedUser,
    /// The teams, in order; the first team created is not the default team (see below).
    #[serde(default)]
    pub teams: Vec<SeedTeam>,
    /// The other users.
    #[serde(default)]
    pub users: Vec<SeedUser>,
}

/// The seeded organization.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedOrganization {
    /// Its name.
    pub name: String,
    /// Virtual machine concurrency of the whole organization.
    pub virtual_machines: u64,
    /// Real-device concurrency of the whole organization.
    pub real_devices: u64,
}

/// A seeded team.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedTeam {
    /// Its name.
    pub name: String,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// Its virtual machine allocation.
    #[serde(default)]
    pub virtual_machines: u64,
    /// Its real-device allocation.
    #[serde(default)]
    pub real_devices: u64,
    /// Whether it may only run live tests.
    #[serde(default)]
    pub live_only: bool,
}

/// A seeded user.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedUser {
    /// Login name.
    pub username: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email; `<username>@<org>.example` when absent.
    #[serde(default)]
    pub email: Option<String>,
    /// The name of the user's team, if any.
    #[serde(default)]
    pub team: Option<String>,
    /// 1 organization admin, 3 member (the default), 4 team admin.
    #[serde(default)]
    pub role: Option<u64>,
    /// The access key; generated when absent.
    #[serde(default)]
    pub access_key: Option<String>,
    /// Whether the account is active (the default).
    #[serde(default)]
    pub active: Option<bool>,
}

impl Seed {
    /// The built-in seed: a small organization with three teams and sixteen users.
    pub fn builtin() -> Seed {
        serde_json::from_str(include_str!("seed.json")).expect("the built-in seed is valid")
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Org {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) virtual_machines: u64,
    pub(crate) real_devices: u64,
    pub(crate) created_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub(crate) struct TeamRecord {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) virtual_machines: u64,
    pub(crate) real_devices: u64,
    pub(crate) live_only: bool,
    pub(crate) is_default: bool,
    pub(crate) group_id: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug)]
pub(crate) struct UserRecord {
    pub(crate) id: String,
    pub(crate) username: String,
    pub(crate) email: String,
    pub(crate) first_name: String,
    pub(crate) last_name: String,
    pub(crate) password: Secret,
    pub(crate) access_key: Secret,
    pub(crate) role: RoleId,
    pub(crate) teams: Vec<String>,
    pub(crate) active: bool,
    /// The classic parent account, for subaccounts.
    pub(crate) parent: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    /// Jobs running and queued now, for the activity and concurrency reports.
    pub(crate) running: u64,
    pub(crate) queued: u64,
    /// Set for a service account: a non-human account in one team, listed apart from users.
    pub(crate) service_account: Option<ServiceAccountInfo>,
}

#[derive(Clone, Debug)]
pub(crate) struct ServiceAccountInfo {
    pub(crate) name: String,
    /// The id of the user who created it.
    pub(crate) creator: String,
    pub(crate) last_activity: Option<DateTime<Utc>>,
}

pub(crate) struct State {
    rng: fastrand::Rng,
    pub(crate) org: Org,
    pub(crate) teams: Vec<TeamRecord>,
    /// Users are never removed (only deactivated), so positions in it stay valid and are the
    /// creation order; add them with [`State::push_user`] and change them with
    /// [`State::change_user`], which keep the indexes.
    users: Vec<UserRecord>,
    index: UserIndex,
    pub(crate) next_membership: i64,
}

pub(crate) fn now() -> DateTime<Utc> {
    DateTime::<Utc>::from(SystemTime::now())
}

impl State {
    pub(crate) fn new(seed: &Seed) -> Result<State, String> {
        let mut state = State {
            rng: fastrand::Rng::with_seed(0x5a_0c_e5),
            org: Org {
                id: String::new(),
                name: seed.organization.name.clone(),
                virtual_machines: seed.organization.virtual_machines,
                real_devices: seed.organization.real_devices,
                created_at: now(),
            },
            teams: Vec::new(),
            users: Vec::new(),
            index: UserIndex::default(),
            next_membership: 1000,
        };
        state.org.id = state.new_id();
        let default_team = state.new_team("Default", Some("Every new user starts here".into()), 0, 0, false);
        state.teams.push(TeamRecord { is_default: true, ..default_team });
        for team in &seed.teams {
            if state.team_by_name(&team.name).is_some() {
                return Err(format!("the seed has two teams named {:?}", team.name));
            }
            let record = state.new_team(
                &team.name,
                team.description.clone(),
                team.virtual_machines,
                team.real_devices,
                team.live_only,
            );
            state.teams.push(record);
        }
        let admin = SeedUser { role: Some(1), ..seed.admin.clone() };
        for user in std::iter::once(&admin).chain(&seed.users) {
            if state.user_by_username(&user.username).is_some() {
                return Err(format!("the seed has two users named {:?}", user.username));
            }
            let team = match &user.team {
                Some(name) => {
                    vec![
                        state
                            .team_by_name(name)
                            .ok_or_else(|| format!("user {}: no team named {name:?}", user.username))?
                            .id
                            .clone(),
                    ]
                }
                None => Vec::new(),
            };
            let role = Some(RoleId::from_number(user.role.unwrap_or(3)))
                .filter(|role| role.is_documented())
                .ok_or_else(|| format!("user {}: role must be 1, 3 or 4", user.username))?;
            let email = user.email.clone().unwrap_or_else(|| {
                format!("{}@{}.example", user.username, seed.organization.name.to_ascii_lowercase().replace(' ', "-"))
            });
            let mut record = state.new_user(&user.username, &email, &user.first_name, &user.last_name, role, team);
            if let Some(key) = &user.access_key {
                record.access_key = Secret::new(key.clone());
            }
            record.active = user.active.unwrap_or(true);
            record.running = state.rng.u64(0..3);
            record.queued = state.rng.u64(0..2);
            state.push_user(record);
        }
        Ok(state)
    }

    /// A 32-hex-digit id, like the API's.
    pub(crate) fn new_id(&mut self) -> String {
        format!("{:032x}", self.rng.u128(..))
    }

    /// A UUID-shaped access key.
    pub(crate) fn new_key(&mut self) -> Secret {
        let hex = format!("{:032x}", self.rng.u128(..));
        Secret::new(format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]))
    }

    pub(crate) fn new_team(
        &mut self,
        name: &str,
        description: Option<String>,
        virtual_machines: u64,
        real_devices: u64,
        live_only: bool,
    ) -> TeamRecord {
        let at = now();
        TeamRecord {
            id: self.new_id(),
            name: name.to_string(),
            description,
            virtual_machines,
            real_devices,
            live_only,
            is_default: false,
            group_id: self.new_id(),
            created_at: at,
            updated_at: at,
        }
    }

    pub(crate) fn new_user(
        &mut self,
        username: &str,
        email: &str,
        first_name: &str,
        last_name: &str,
        role: RoleId,
        teams: Vec<String>,
    ) -> UserRecord {
        let at = now();
        UserRecord {
            id: self.new_id(),
            username: username.to_string(),
            email: email.to_string(),
            first_name: first_name.to_string(),
            last_name: last_name.to_string(),
            password: Secret::new(format!("Sandbox-{}!1", self.rng.u32(..))),
            access_key: self.new_key(),
            role,
            teams,
            active: true,
            parent: None,
            created_at: at,
            updated_at: at,
            running: 0,
            queued: 0,
            service_account: None,
        }
    }

    pub(crate) fn team(&self, id: &str) -> Option<&TeamRecord> {
        self.teams.iter().find(|team| team.id == id)
    }

    pub(crate) fn team_by_name(&self, name: &str) -> Option<&TeamRecord> {
        self.teams.iter().find(|team| team.name == name)
    }

    pub(crate) fn user(&self, id: &str) -> Option<&UserRecord> {
        self.index.by_id(id).map(|position| &self.users[position])
    }

    /// The user at a position one of the index's listings gave.
    pub(crate) fn at(&self, position: usize) -> &UserRecord {
        &self.users[position]
    }

    /// Every user and service account, in creation order (for reports over all of them).
    pub(crate) fn all_users(&self) -> &[UserRecord] {
        &self.users
    }

    pub(crate) fn index(&self) -> &UserIndex {
        &self.index
    }

    /// Adds a user (whose id and username are new).
    pub(crate) fn push_user(&mut self, user: UserRecord) {
        self.index.insert(self.users.len(), &user);
        self.users.push(user);
    }

    /// Applies `change` to the user with `id` (which the caller has looked up), stamps
    /// `updated_at`, and returns the changed record.
    pub(crate) fn change_user(&mut self, id: &str, change: impl FnOnce(&mut UserRecord)) -> UserRecord {
        let position = self.index.by_id(id).expect("the caller looked the user up");
        let before = self.users[position].clone();
        let user = &mut self.users[position];
        change(user);
        user.updated_at = now();
        let user = user.clone();
        self.index.change(position, &before, &user);
        user
    }

    /// Removes a team and every membership in it; its service accounts stop working.
    pub(crate) fn delete_team(&mut self, team_id: &str) {
        self.teams.retain(|team| team.id != team_id);
        for position in self.index.remove_team(team_id) {
            let user = &mut self.users[position];
            if user.service_account.is_some() {
                user.active = false;
            }
            user.teams.retain(|id| id != team_id);
        }
    }

    /// Records that a service account was just used (its `last_activity_time`).
    pub(crate) fn note_activity(&mut self, id: &str) {
        if let Some(position) = self.index.by_id(id)
            && let Some(info) = &mut self.users[position].service_account
        {
            info.last_activity = Some(now());
        }
    }

    /// A service account that exists (not deleted).
    pub(crate) fn service_account(&self, id: &str) -> Option<&UserRecord> {
        self.user(id).filter(|user| user.service_account.is_some() && user.active)
    }

    pub(crate) fn service_account_profile(&self, account: &UserRecord) -> types::ServiceAccount {
        let info = account.service_account.as_ref();
        let team = account.teams.first().and_then(|id| self.team(id));
        let creator = info.and_then(|info| self.user(&info.creator));
        types::ServiceAccount {
            id: account.id.clone().into(),
            username: account.username.clone(),
            name: info.map(|info| info.name.clone()),
            team: team
                .map(|team| types::ServiceAccountTeam { id: team.id.clone().into(), name: Some(team.name.clone()) }),
            creator: creator.map(|creator| types::ServiceAccountCreator {
                id: creator.id.clone().into(),
                username: Some(creator.username.clone()),
                email: Some(creator.email.clone()),
            }),
            created_at: Some(account.created_at),
            updated_at: Some(account.updated_at),
            last_activity_time: info.and_then(|info| info.last_activity),
        }
    }

    /// Gives the user with `id` a new access key; the old one stops authenticating at once.
    pub(crate) fn rotate_key(&mut self, id: &str) -> UserRecord {
        let key = self.new_key();
        self.change_user(id, |user| user.access_key = key)
    }

    pub(crate) fn user_by_username(&self, username: &str) -> Option<&UserRecord> {
        self.index.by_username(username).map(|position| &self.users[position])
    }

    /// A team's members, service accounts included, in creation order.
    pub(crate) fn members(&self, team_id: &str) -> impl Iterator<Item = &UserRecord> {
        self.index.members(team_id).into_iter().map(|position| &self.users[position])
    }

    /// A classic account's subaccounts, in creation order.
    pub(crate) fn subaccounts_of(&self, username: &str) -> impl Iterator<Item = &UserRecord> {
        self.index.subaccounts_of(username).iter().map(|&position| &self.users[position])
    }

    // ----- conversions to the generated types -----

    pub(crate) fn organization(&self) -> types::Organization {
        types::Organization {
            id: self.org.id.clone().into(),
            name: Some(self.org.name.clone()),
            created_at: Some(self.org.created_at),
            updated_at: Some(self.org.created_at),
            total_vm_concurrency: Some(ConcurrencyCount(self.org.virtual_machines)),
            settings: Some(types::OrganizationSettings(
                [("real_devices".to_string(), serde_json::json!(self.org.real_devices))].into_iter().collect(),
            )),
        }
    }

    fn settings(team: &TeamRecord) -> types::TeamSettings {
        types::TeamSettings {
            virtual_machines: Some(ConcurrencyCount(team.virtual_machines)),
            real_devices: Some(ConcurrencyCount(team.real_devices)),
            live_only: Some(team.live_only),
        }
    }

    fn group(team: &TeamRecord) -> types::Group {
        types::Group { id: Some(team.group_id.clone()), name: Some(team.name.clone()) }
    }

    pub(crate) fn team_summary(&self, team: &TeamRecord) -> types::TeamSummary {
        types::TeamSummary {
            id: team.id.clone().into(),
            name: team.name.clone(),
            settings: Some(Self::settings(team)),
            group: Some(Self::group(team)),
            is_default: Some(team.is_default),
            org_uuid: Some(OrgRef::Id(self.org.id.clone().into())),
            // The team's users, as its member listing shows them: service accounts are listed
            // apart (see `tests/sandbox.rs`, `a_team_counts_its_users_not_its_service_accounts`).
            user_count: Some(self.index.people_in(&team.id).len() as u64),
        }
    }

    pub(crate) fn team_profile(&self, team: &TeamRecord, base_url: &str) -> types::Team {
        types::Team {
            id: team.id.clone().into(),
            name: team.name.clone(),
            organization: Some(self.organization()),
            org_uuid: Some(OrgRef::Id(self.org.id.clone().into())),
            group: Some(Self::group(team)),
            created_at: Some(team.created_at),
            updated_at: Some(team.updated_at),
            settings: Some(Self::settings(team)),
            description: team.description.clone(),
            is_default: Some(team.is_default),
            links: Some(types::TeamLinks(
                [("self".to_string(), format!("{base_url}/team-management/v1/teams/{}/", team.id))]
                    .into_iter()
                    .collect(),
            )),
        }
    }

    fn roles(user: &UserRecord) -> Vec<types::Role> {
        vec![types::Role { name: Some(user.role.to_string()), role: user.role }]
    }

    fn user_teams(&self, user: &UserRecord) -> Vec<types::TeamSummary> {
        user.teams.iter().filter_map(|id| self.team(id)).map(|team| self.team_summary(team)).collect()
    }

    fn user_type(user: &UserRecord) -> types::UserType {
        if user.role == RoleId::OrganizationAdmin { types::UserType::Admin } else { types::UserType::Subaccount }
    }

    pub(crate) fn user_summary(&self, user: &UserRecord) -> types::UserSummary {
        types::UserSummary {
            id: user.id.clone().into(),
            username: user.username.clone(),
            email: Some(user.email.clone()),
            first_name: Some(user.first_name.clone()),
            last_name: Some(user.last_name.clone()),
            is_active: Some(user.active),
            teams: self.user_teams(user),
            roles: Self::roles(user),
            organization: Some(self.organization()),
            user_type: Some(Self::user_type(user)),
            is_organization_admin: Some(user.role == RoleId::OrganizationAdmin),
            is_team_admin: Some(user.role == RoleId::TeamAdmin),
        }
    }

    pub(crate) fn user_profile(&self, user: &UserRecord) -> types::User {
        types::User {
            id: user.id.clone().into(),
            username: user.username.clone(),
            email: Some(user.email.clone()),
            first_name: Some(user.first_name.clone()),
            last_name: Some(user.last_name.clone()),
            is_active: Some(user.active),
            created_at: Some(user.created_at),
            updated_at: Some(user.updated_at),
            teams: self.user_teams(user),
            roles: Self::roles(user),
            is_staff: Some(false),
            is_superuser: Some(false),
            user_type: Some(Self::user_type(user)),
            groups: user.teams.iter().filter_map(|id| self.team(id)).map(Self::group).collect(),
            organization: Some(self.organization()),
            is_organization_admin: Some(user.role == RoleId::OrganizationAdmin),
            is_team_admin: Some(user.role == RoleId::TeamAdmin),
        }
    }

    pub(crate) fn access_key(user: &UserRecord) -> types::AccessKey {
        types::AccessKey {
            id: Some(user.id.clone().into()),
            username: Some(user.username.clone()),
            access_key: user.access_key.clone(),
        }
    }

    pub(crate) fn classic_user(&self, user: &UserRecord, with_key: bool) -> types::ClassicUser {
        let team = user.teams.first().and_then(|id| self.team(id));
        let virtual_machines = team.map_or(self.org.virtual_machines, |team| team.virtual_machines);
        let real_devices = team.map_or(self.org.real_devices, |team| team.real_devices);
        let limits = |virtual_machines: u64, real_devices: u64| types::ClassicConcurrencyLimit {
            overall: Some(ConcurrencyCount(virtual_machines)),
            mac: Some(ConcurrencyCount(virtual_machines)),
            real_device: Some(ConcurrencyCount(real_devices)),
            scout: Some(ConcurrencyCount(virtual_machines)),
        };
        types::ClassicUser {
            id: Some(user.username.clone()),
            username: Some(user.username.clone()),
            email: Some(user.email.clone()),
            first_name: Some(user.first_name.clone()),
            last_name: Some(user.last_name.clone()),
            name: Some(format!("{} {}", user.first_name, user.last_name)),
            user_type: Some(Self::user_type(user)),
            parent: user.parent.clone(),
            access_key: with_key.then(|| user.access_key.clone()),
            creation_time: Some(user.created_at.timestamp()),
            // As the live service reports enterprise accounts.
            minutes: Some(Minutes::Infinite),
            manual_minutes: Some(Minutes::Infinite),
            can_run_manual: Some(true),
            is_admin: Some(user.role == RoleId::OrganizationAdmin),
            is_sso: Some(false),
            entity_type: Some("user".into()),
            domain: None,
            verified: Some(true),
            prevent_emails: Vec::new(),
            concurrency_limit: Some(limits(virtual_machines, real_devices)),
            ancestor_concurrency_limit: Some(limits(self.org.virtual_machines, self.org.real_devices)),
            subscribed: Some(true),
            vm_lockdown: Some(false),
            title: None,
            ancestor_allows_subaccounts: Some(true),
        }
    }

    pub(crate) fn activity_counts<'a>(users: impl Iterator<Item = &'a UserRecord>) -> types::ActivityCounts {
        let (running, queued) =
            users.fold((0, 0), |(running, queued), user| (running + user.running, queued + user.queued));
        types::ActivityCounts { all: Some(running + queued), in_progress: Some(running), queued: Some(queued) }
    }
}
