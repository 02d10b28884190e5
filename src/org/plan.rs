//! Comparing the file with the live organization: a list of typed changes in the order they
//! are safe to make.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::OrgError;
use super::file::{OrgFile, Role, TeamSettingsEntry, UserEntry};
use super::live::{Describe, LiveOrg, LiveUser, Requests};
use crate::Client;

/// What a change does. The order of the variants is the order `apply` makes changes in:
/// teams, then users, then users' teams and roles, service accounts, removals last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// Create a team.
    CreateTeam,
    /// Change a team's description or settings.
    UpdateTeam,
    /// Create a user (with their role and first team).
    CreateUser,
    /// Change a user's names or e-mail.
    UpdateUser,
    /// Set the teams a user belongs to.
    SetTeams,
    /// Change a user's role.
    SetRole,
    /// Reactivate a user.
    Reactivate,
    /// Create a service account (the service shows its access key once).
    CreateServiceAccount,
    /// Delete a service account (its access key stops working).
    DeleteServiceAccount,
    /// Deactivate a user (the API cannot delete users).
    Deactivate,
    /// Delete a team.
    DeleteTeam,
}

impl ChangeKind {
    /// How the plan names it for people.
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::CreateTeam => "create team",
            ChangeKind::UpdateTeam => "change team",
            ChangeKind::CreateUser => "create user",
            ChangeKind::UpdateUser => "change user",
            ChangeKind::SetTeams => "set teams",
            ChangeKind::SetRole => "change role",
            ChangeKind::Reactivate => "reactivate",
            ChangeKind::CreateServiceAccount => "create service account",
            ChangeKind::DeleteServiceAccount => "delete service account",
            ChangeKind::Deactivate => "deactivate",
            ChangeKind::DeleteTeam => "delete team",
        }
    }

    /// Whether a change of this kind removes something (the removal guard counts these).
    pub fn is_removal(self) -> bool {
        matches!(self, ChangeKind::DeleteServiceAccount | ChangeKind::Deactivate | ChangeKind::DeleteTeam)
    }
}

/// One change: what, to which team, user or service account (by name), and the values
/// before and after (`null` for a creation's before and a removal's after). Never a secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Change {
    /// What it does.
    pub kind: ChangeKind,
    /// The team name, username or service account name.
    pub target: String,
    /// The value now.
    pub before: Value,
    /// The value after.
    pub after: Value,
}

impl Change {
    fn new(kind: ChangeKind, target: &str, before: Value, after: Value) -> Change {
        Change { kind, target: target.to_string(), before, after }
    }

    /// Whether this change grants a role above member (asked about before applying).
    pub fn grants_role(&self) -> bool {
        let granted = |value: &Value| matches!(value.as_str(), Some("org-admin" | "team-admin"));
        match self.kind {
            ChangeKind::SetRole => granted(&self.after),
            ChangeKind::CreateUser => granted(&self.after["role"]),
            _ => false,
        }
    }
}

/// A plan: the changes that make the organization match a file, and the fingerprint of
/// the live state it was made from. Saved (`-o PLAN`) it holds the file too, so `apply` can
/// check it is still what the organization needs.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Plan {
    /// The changes, in the order `apply` makes them.
    pub changes: Vec<Change>,
    /// Users, teams and service accounts in the organization but not in the file, left
    /// alone (`prune: false`).
    pub unmanaged: Vec<String>,
    /// A digest of the live state the plan was made from.
    pub fingerprint: String,
    /// The file the plan was made from.
    pub file: OrgFile,
    /// The requests sent to make the plan.
    #[serde(skip)]
    pub requests: u64,
    #[serde(skip)]
    pub(crate) live: Option<LiveOrg>,
}

impl Plan {
    /// Whether applying it would change nothing.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// `{"changes": [...], "unmanaged": [...], "fingerprint": "…"}`, for machines.
    pub fn to_json(&self) -> Value {
        json!({"changes": self.changes, "unmanaged": self.unmanaged, "fingerprint": self.fingerprint})
    }

    /// Whether applying it needs a secret written somewhere (a generated password or a new
    /// service account's access key).
    pub fn needs_secrets(&self) -> bool {
        self.changes.iter().any(|change| match change.kind {
            ChangeKind::CreateUser => self.file.user(&change.target).is_none_or(|user| user.password_env.is_none()),
            ChangeKind::CreateServiceAccount => true,
            _ => false,
        })
    }
}

/// The teams whose description the file states: the only ones worth a request each.
pub(crate) fn described(file: &OrgFile) -> Describe {
    Describe::Only(file.teams.iter().filter(|team| team.description.is_some()).map(|team| team.name.clone()).collect())
}

/// Reads the live organization and compares it with `file`.
///
/// # Errors
///
/// [`OrgError::Api`] when reading fails; [`OrgError::File`] when the file names a team that
/// neither it nor the organization has, or a new user lacks what creating them needs.
pub fn plan(client: &Client, file: &OrgFile) -> Result<Plan, OrgError> {
    file.validate()?;
    let requests = Requests::default();
    let live = LiveOrg::read(client, &described(file), &requests)?;
    let mut plan = compare(file, &live)?;
    plan.requests = requests.count();
    Ok(plan)
}

/// The changes that take `live` to `file`.
pub(crate) fn compare(file: &OrgFile, live: &LiveOrg) -> Result<Plan, OrgError> {
    check_references(file, live)?;
    let mut changes = Vec::new();
    let mut unmanaged = Vec::new();
    compare_teams(file, live, &mut changes, &mut unmanaged);
    for entry in &file.users {
        match live.user(&entry.username) {
            Some(user) => compare_user(entry, user, &mut changes),
            None => create_user(entry, &mut changes)?,
        }
    }
    let listed: BTreeSet<&str> = file.users.iter().map(|user| user.username.as_str()).collect();
    for user in live.users.iter().filter(|user| !listed.contains(user.username.as_str())) {
        if file.prune && user.active {
            changes.push(Change::new(ChangeKind::Deactivate, &user.username, json!(true), json!(false)));
        } else if !file.prune {
            unmanaged.push(format!("user {}", user.username));
        }
    }
    compare_service_accounts(file, live, &mut changes, &mut unmanaged);
    changes.sort_by(|a, b| (a.kind, &a.target).cmp(&(b.kind, &b.target)));
    Ok(Plan {
        changes,
        unmanaged,
        fingerprint: live.fingerprint(),
        file: file.clone(),
        requests: 0,
        live: Some(live.clone()),
    })
}

fn check_references(file: &OrgFile, live: &LiveOrg) -> Result<(), OrgError> {
    for name in file.referenced_teams() {
        let in_file = file.team(name).is_some();
        if !in_file && (file.prune || live.team(name).is_none()) {
            let why = if file.prune { "with prune: true, every team used must be listed" } else { "no such team" };
            return Err(OrgError::File(format!("team {name:?} is used but not listed under teams ({why})")));
        }
    }
    Ok(())
}

fn settings_json(settings: Option<TeamSettingsEntry>) -> Value {
    serde_json::to_value(settings.unwrap_or_default()).expect("plain data")
}

fn compare_teams(file: &OrgFile, live: &LiveOrg, changes: &mut Vec<Change>, unmanaged: &mut Vec<String>) {
    for entry in &file.teams {
        let Some(team) = live.team(&entry.name) else {
            let after = json!({"description": entry.description, "settings": settings_json(entry.settings)});
            changes.push(Change::new(ChangeKind::CreateTeam, &entry.name, Value::Null, after));
            continue;
        };
        let (mut before, mut after) = (json!({}), json!({}));
        if let Some(description) = &entry.description
            && team.description.as_deref().unwrap_or("") != description.as_str()
        {
            before["description"] = json!(team.description);
            after["description"] = json!(description);
        }
        let wanted = entry.settings.unwrap_or_default();
        let have = team.settings;
        let differs = |want: Option<u64>, have: Option<u64>| want.is_some() && want != have;
        if differs(wanted.virtual_machines, have.virtual_machines)
            || differs(wanted.real_devices, have.real_devices)
            || (wanted.live_only.is_some() && wanted.live_only != have.live_only)
        {
            before["settings"] = settings_json(Some(have));
            let merged = TeamSettingsEntry {
                virtual_machines: wanted.virtual_machines.or(have.virtual_machines),
                real_devices: wanted.real_devices.or(have.real_devices),
                live_only: wanted.live_only.or(have.live_only),
            };
            after["settings"] = settings_json(Some(merged));
        }
        if after != json!({}) {
            changes.push(Change::new(ChangeKind::UpdateTeam, &entry.name, before, after));
        }
    }
    for team in live.teams.iter().filter(|team| file.team(&team.name).is_none()) {
        // The default team is where new users land: it is never deleted.
        if file.prune && !team.is_default {
            changes.push(Change::new(ChangeKind::DeleteTeam, &team.name, json!(team.name), Value::Null));
        } else if !file.prune {
            unmanaged.push(format!("team {}", team.name));
        }
    }
}

fn sorted(teams: &[String]) -> Vec<String> {
    let mut teams = teams.to_vec();
    teams.sort();
    teams
}

fn compare_user(entry: &UserEntry, user: &LiveUser, changes: &mut Vec<Change>) {
    let name = &entry.username;
    let (mut before, mut after) = (json!({}), json!({}));
    let mut differ = |field: &str, want: &Option<String>, have: &str, same: fn(&str, &str) -> bool| {
        if let Some(want) = want
            && !same(want, have)
        {
            before[field] = json!(have);
            after[field] = json!(want);
        }
    };
    differ("first_name", &entry.first_name, &user.first_name, |a, b| a == b);
    differ("last_name", &entry.last_name, &user.last_name, |a, b| a == b);
    // The service keeps the case it was given; addresses are compared as people read them.
    differ("email", &entry.email, &user.email, |a, b| a.eq_ignore_ascii_case(b));
    if after != json!({}) {
        changes.push(Change::new(ChangeKind::UpdateUser, name, before, after));
    }
    if let Some(teams) = &entry.teams
        && sorted(teams) != user.teams
    {
        changes.push(Change::new(ChangeKind::SetTeams, name, json!(user.teams), json!(sorted(teams))));
    }
    if let Some(role) = entry.role
        && role != user.role
    {
        changes.push(Change::new(ChangeKind::SetRole, name, json!(user.role.name()), json!(role.name())));
    }
    match entry.active {
        Some(true) if !user.active => {
            changes.push(Change::new(ChangeKind::Reactivate, name, json!(false), json!(true)))
        }
        Some(false) if user.active => {
            changes.push(Change::new(ChangeKind::Deactivate, name, json!(true), json!(false)))
        }
        _ => {}
    }
}

fn create_user(entry: &UserEntry, changes: &mut Vec<Change>) -> Result<(), OrgError> {
    let name = &entry.username;
    let missing: Vec<&str> =
        [("email", &entry.email), ("first_name", &entry.first_name), ("last_name", &entry.last_name)]
            .iter()
            .filter(|(_, value)| value.is_none())
            .map(|(field, _)| *field)
            .collect();
    if !missing.is_empty() {
        return Err(OrgError::File(format!(
            "user {name} does not exist yet; creating them needs {}",
            missing.join(", ")
        )));
    }
    let first_team = entry.teams.as_ref().and_then(|teams| teams.first());
    let after = json!({
        "email": entry.email, "first_name": entry.first_name, "last_name": entry.last_name,
        "role": entry.role.unwrap_or(Role::Member).name(), "team": first_team,
        "password": if entry.password_env.is_some() { "from the environment" } else { "generated" },
    });
    changes.push(Change::new(ChangeKind::CreateUser, name, Value::Null, after));
    // The creation puts the user in one team (or the default team); more or none is a change.
    if let Some(teams) = &entry.teams
        && teams.len() != 1
    {
        changes.push(Change::new(ChangeKind::SetTeams, name, Value::Null, json!(sorted(teams))));
    }
    if entry.active == Some(false) {
        changes.push(Change::new(ChangeKind::Deactivate, name, json!(true), json!(false)));
    }
    Ok(())
}

fn compare_service_accounts(file: &OrgFile, live: &LiveOrg, changes: &mut Vec<Change>, unmanaged: &mut Vec<String>) {
    let mut matched = BTreeSet::new();
    for entry in &file.service_accounts {
        // A service account cannot move between teams: one in another team is replaced by a
        // new one here (and deleted below), so a half-done replacement resumes cleanly.
        let found =
            live.service_accounts.iter().find(|account| account.name == entry.name && account.team == entry.team);
        match found {
            Some(account) => {
                matched.insert(account.id.as_str());
            }
            None => changes.push(Change::new(
                ChangeKind::CreateServiceAccount,
                &entry.name,
                Value::Null,
                json!({"team": entry.team}),
            )),
        }
    }
    let named: BTreeSet<&str> = file.service_accounts.iter().map(|account| account.name.as_str()).collect();
    for account in live.service_accounts.iter().filter(|account| !matched.contains(account.id.as_str())) {
        if file.prune || named.contains(account.name.as_str()) {
            let before = json!({"id": account.id, "team": account.team});
            changes.push(Change::new(ChangeKind::DeleteServiceAccount, &account.name, before, Value::Null));
        } else {
            unmanaged.push(format!("service account {}", account.name));
        }
    }
}
