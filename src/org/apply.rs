//! Making a plan's changes: guards first, then one request per change in the plan's order,
//! each recorded in the journal; a write that may have reached the server is settled by
//! reading, never sent again blindly.

use std::collections::HashMap;
use std::path::PathBuf;

use serde_json::{Value, json};

use super::file::{OrgFile, Role};
use super::journal::Journal;
use super::live::{LiveOrg, Requests};
use super::plan::{Change, ChangeKind, Plan, compare, described};
use super::secrets::{SecretsFile, generate_password};
use super::{OrgError, RemovalLimit};
use crate::types::{
    CreateServiceAccountRequest, CreateTeamRequest, CreateUserRequest, SetUserTeamsRequest, TeamSettings,
    UpdateTeamRequest, UpdateUserRequest,
};
use crate::{Client, Error, RoleId, Secret};

/// How `apply` may proceed.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ApplyOptions {
    /// The most users, teams and service accounts (each counted apart) one apply may remove.
    pub max_removals: RemovalLimit,
    /// Where each step is recorded as it completes (JSON lines, appended).
    pub journal: Option<PathBuf>,
    /// Where new passwords and access keys go (created with mode 0600). Required when the
    /// plan creates users without `password_env` or service accounts.
    pub secrets: Option<PathBuf>,
}

impl ApplyOptions {
    /// Sets the removal limit.
    pub fn max_removals(mut self, limit: RemovalLimit) -> Self {
        self.max_removals = limit;
        self
    }

    /// Sets the journal file.
    pub fn journal(mut self, path: impl Into<PathBuf>) -> Self {
        self.journal = Some(path.into());
        self
    }

    /// Sets the secrets file.
    pub fn secrets(mut self, path: impl Into<PathBuf>) -> Self {
        self.secrets = Some(path.into());
        self
    }
}

/// What an apply did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApplyReport {
    /// Changes made (or found already made).
    pub changes: usize,
    /// Requests sent, reads included.
    pub requests: u64,
    /// Requests that wrote.
    pub writes: u64,
    /// Changes whose write may have reached the server unseen and were settled by reading.
    pub reconciled: usize,
    /// Secrets written to the secrets file.
    pub secrets_written: usize,
}

/// Applies `plan`: re-reads the organization (unless the plan was just made from it), refuses
/// a plan the organization has moved away from, checks the guards, then makes the changes.
/// `progress` is called with (changes done, changes in all) after each one.
///
/// Running it again after an interruption converges: the organization is read again and only
/// what is still missing is done; with the same journal, a saved plan is accepted as long as
/// what remains is part of it.
///
/// # Errors
///
/// [`OrgError::StalePlan`], [`OrgError::Guard`], [`OrgError::Secrets`] before any write;
/// [`OrgError::Api`] when a change fails (the changes before it are made and journaled).
pub fn apply(
    client: &Client,
    plan: &Plan,
    options: &ApplyOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<ApplyReport, OrgError> {
    let requests = Requests::default();
    let mut journal = Journal::open(options.journal.as_deref())?;
    let (live, current) = match &plan.live {
        Some(live) => (live.clone(), plan.changes.clone()),
        None => {
            let live = LiveOrg::read(client, &described(&plan.file), &requests)?;
            let current = compare(&plan.file, &live)?.changes;
            check_fresh(plan, &live, &current, &journal)?;
            (live, current)
        }
    };
    check_guards(&current, &live, options.max_removals)?;
    if options.secrets.is_none() {
        let needing = Plan { changes: current.clone(), live: None, ..plan.clone() };
        if needing.needs_secrets() {
            return Err(OrgError::Secrets(
                "this plan creates users with generated passwords or service accounts with new access keys; \
                 name a --secrets file for them (it is created readable by you alone)"
                    .into(),
            ));
        }
    }
    let mut applier = Applier {
        client,
        file: &plan.file,
        requests: &requests,
        journal: &mut journal,
        secrets: options.secrets.as_deref().map(SecretsFile::new),
        teams: live.teams.iter().map(|team| (team.name.clone(), team.id.clone())).collect(),
        users: live.users.iter().map(|user| (user.username.clone(), user.id.clone())).collect(),
        report: ApplyReport::default(),
    };
    applier.recover_lost_keys(&live, &current)?;
    applier.journal.record(json!({"event": "start", "fingerprint": plan.fingerprint, "changes": current.len()}))?;
    for (index, change) in current.iter().enumerate() {
        applier.journal.record(json!({"event": "begin", "kind": change.kind, "target": change.target}))?;
        let outcome = applier.make(change);
        let event = match outcome {
            Ok(()) => "done",
            Err(OrgError::Api(error)) if error.may_have_succeeded() => applier.settle(change, error)?,
            Err(error) => return Err(error),
        };
        applier.journal.record(json!({"event": event, "kind": change.kind, "target": change.target}))?;
        applier.report.changes += 1;
        progress(index + 1, current.len());
    }
    applier.journal.record(json!({"event": "finish"}))?;
    let mut report = applier.report;
    report.requests = requests.count();
    Ok(report)
}

/// A saved plan applies only to the organization it was made from, or to what an
/// interrupted run of it (recorded in the same journal) left: then what remains must be
/// part of the plan.
fn check_fresh(plan: &Plan, live: &LiveOrg, current: &[Change], journal: &Journal) -> Result<(), OrgError> {
    let fingerprint = live.fingerprint();
    if fingerprint == plan.fingerprint {
        return if current == plan.changes.as_slice() {
            Ok(())
        } else {
            Err(OrgError::StalePlan("its changes are not what its file needs; was the plan edited? Plan again".into()))
        };
    }
    // What remains may start from another value (a user the run created now has teams), so
    // changes are matched by what they do and to which end.
    let planned = |change: &Change| {
        plan.changes
            .iter()
            .any(|saved| (saved.kind, &saved.target, &saved.after) == (change.kind, &change.target, &change.after))
    };
    let resumed = journal.started(&plan.fingerprint) && current.iter().all(planned);
    if resumed {
        return Ok(());
    }
    Err(OrgError::StalePlan(format!(
        "the organization changed since the plan was made (fingerprint {} then, {fingerprint} now); plan again",
        plan.fingerprint
    )))
}

/// The guards: the calling user is never deactivated or demoted, an active organization
/// admin always remains, and no more than the limit of each kind is removed.
pub(crate) fn check_guards(changes: &[Change], live: &LiveOrg, limit: RemovalLimit) -> Result<(), OrgError> {
    for change in changes.iter().filter(|change| change.target == live.caller) {
        let demoted = change.kind == ChangeKind::SetRole && change.after != json!(Role::OrgAdmin.name());
        if change.kind == ChangeKind::Deactivate || demoted {
            return Err(OrgError::Guard(format!(
                "the plan would {} {}, the calling user; list them in the file as they are",
                change.kind.label(),
                change.target
            )));
        }
    }
    let mut admins: Vec<&str> = live
        .users
        .iter()
        .filter(|user| user.active && user.role == Role::OrgAdmin)
        .map(|user| user.username.as_str())
        .collect();
    for change in changes {
        let target = change.target.as_str();
        let promoted = (change.kind == ChangeKind::SetRole && change.after == json!(Role::OrgAdmin.name()))
            || (change.kind == ChangeKind::CreateUser && change.after["role"] == json!(Role::OrgAdmin.name()));
        if promoted {
            admins.push(target);
        } else if matches!(change.kind, ChangeKind::Deactivate | ChangeKind::SetRole) {
            admins.retain(|admin| *admin != target);
        }
    }
    if admins.is_empty() {
        return Err(OrgError::Guard("the plan would leave no active organization admin".into()));
    }
    let totals = [
        (ChangeKind::Deactivate, "users", live.users.iter().filter(|user| user.active).count()),
        (ChangeKind::DeleteTeam, "teams", live.teams.len()),
        (ChangeKind::DeleteServiceAccount, "service accounts", live.service_accounts.len()),
    ];
    for (kind, what, total) in totals {
        let removed: Vec<&str> =
            changes.iter().filter(|change| change.kind == kind).map(|change| change.target.as_str()).collect();
        let allowed = limit.allowed(total);
        if removed.len() > allowed {
            return Err(OrgError::Guard(format!(
                "the plan would remove {} of {total} {what} ({}), more than the limit of {allowed} ({limit}); \
                 raise it with --max-removals if that is intended",
                removed.len(),
                removed.join(", ")
            )));
        }
    }
    Ok(())
}

struct Applier<'a> {
    client: &'a Client,
    file: &'a OrgFile,
    requests: &'a Requests,
    journal: &'a mut Journal,
    secrets: Option<SecretsFile>,
    /// Team ids by name, and user ids by username: those read, and those created here.
    teams: HashMap<String, String>,
    users: HashMap<String, String>,
    report: ApplyReport,
}

fn role_id(role: Role) -> RoleId {
    match role {
        Role::Member => RoleId::Member,
        Role::TeamAdmin => RoleId::TeamAdmin,
        Role::OrgAdmin => RoleId::OrganizationAdmin,
    }
}

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_string)
}

impl Applier<'_> {
    fn write<T>(&mut self, call: impl FnOnce(&Client) -> Result<T, Error>) -> Result<T, OrgError> {
        self.report.writes += 1;
        let client = self.client;
        Ok(self.requests.send(|| call(client))?)
    }

    fn team_id(&self, name: &str) -> Result<String, OrgError> {
        self.teams.get(name).cloned().ok_or_else(|| OrgError::File(format!("team {name:?} does not exist")))
    }

    fn user_id(&self, username: &str) -> Result<String, OrgError> {
        self.users.get(username).cloned().ok_or_else(|| OrgError::File(format!("user {username:?} does not exist")))
    }

    fn save_secret(&mut self, record: Value) -> Result<(), OrgError> {
        let secrets = self.secrets.as_mut().ok_or_else(|| OrgError::Secrets("no --secrets file".into()))?;
        secrets.write(&record)?;
        self.report.secrets_written += 1;
        Ok(())
    }

    /// One change, one request.
    fn make(&mut self, change: &Change) -> Result<(), OrgError> {
        let target = change.target.as_str();
        match change.kind {
            ChangeKind::CreateTeam => {
                let entry = self.file.team(target).ok_or_else(|| OrgError::File(format!("no team {target:?}")))?;
                let wanted = entry.settings.unwrap_or_default();
                let settings = TeamSettings {
                    virtual_machines: Some(wanted.virtual_machines.unwrap_or(0).into()),
                    real_devices: Some(wanted.real_devices.unwrap_or(0).into()),
                    live_only: Some(wanted.live_only.unwrap_or(false)),
                };
                let mut request = CreateTeamRequest::new(target, settings);
                request.description = entry.description.clone();
                let team = self.write(|client| client.teams().create(&request).send())?;
                self.teams.insert(team.name, team.id.to_string());
            }
            ChangeKind::UpdateTeam => {
                let id = self.team_id(target)?;
                let after = &change.after;
                let request = UpdateTeamRequest {
                    description: text(&after["description"]),
                    settings: after.get("settings").map(|settings| TeamSettings {
                        virtual_machines: settings["virtual_machines"].as_u64().map(Into::into),
                        real_devices: settings["real_devices"].as_u64().map(Into::into),
                        live_only: settings["live_only"].as_bool(),
                    }),
                    name: None,
                };
                self.write(|client| client.teams().update(&id, &request).send())?;
            }
            ChangeKind::CreateUser => self.create_user(target)?,
            ChangeKind::UpdateUser => {
                let id = self.user_id(target)?;
                let after = &change.after;
                let request = UpdateUserRequest {
                    first_name: text(&after["first_name"]),
                    last_name: text(&after["last_name"]),
                    email: text(&after["email"]),
                    ..UpdateUserRequest::default()
                };
                self.write(|client| client.users().update(&id, &request).send())?;
            }
            ChangeKind::SetTeams => {
                let id = self.user_id(target)?;
                let names: Vec<String> = serde_json::from_value(change.after.clone()).unwrap_or_default();
                let teams = names.iter().map(|name| self.team_id(name).map(Into::into)).collect::<Result<_, _>>()?;
                let request = SetUserTeamsRequest { teams };
                self.write(|client| client.users().set_teams(&id, &request).send())?;
            }
            ChangeKind::SetRole => {
                let id = self.user_id(target)?;
                match change.after.as_str() {
                    Some("org-admin") => self.write(|client| client.users().set_admin(&id).send())?,
                    Some("team-admin") => self.write(|client| client.users().set_team_admin(&id).send())?,
                    _ => self.write(|client| client.users().set_member(&id).send())?,
                };
            }
            ChangeKind::Reactivate => {
                let id = self.user_id(target)?;
                self.write(|client| client.users().activate(&id).send())?;
            }
            ChangeKind::Deactivate => {
                let id = self.user_id(target)?;
                self.write(|client| client.users().deactivate(&id).send())?;
            }
            ChangeKind::CreateServiceAccount => {
                let team = text(&change.after["team"]).unwrap_or_default();
                let request = CreateServiceAccountRequest::new(target, self.team_id(&team)?);
                let created = self.write(|client| client.service_accounts().create(&request).send())?;
                self.save_secret(json!({
                    "service_account": target, "username": created.username, "access_key": created.access_key.expose(),
                }))?;
            }
            ChangeKind::DeleteServiceAccount => {
                let id = text(&change.before["id"]).unwrap_or_default();
                self.write(|client| client.service_accounts().delete(id.as_str()).send())?;
            }
            ChangeKind::DeleteTeam => {
                let id = self.team_id(target)?;
                self.write(|client| client.teams().delete(&id).send())?;
            }
        }
        Ok(())
    }

    fn create_user(&mut self, username: &str) -> Result<(), OrgError> {
        let entry = self.file.user(username).ok_or_else(|| OrgError::File(format!("no user {username:?}")))?;
        let password = match &entry.password_env {
            Some(variable) => Secret::new(std::env::var(variable).map_err(|_| {
                OrgError::Secrets(format!("user {username}: the environment variable {variable} is not set"))
            })?),
            None => {
                let password = generate_password()?;
                // Saved before the request: if the run stops right after the service
                // created the user, the password is not lost with it.
                self.save_secret(json!({"user": username, "password": password.expose()}))?;
                password
            }
        };
        let field = |value: &Option<String>| value.clone().unwrap_or_default();
        let mut request = CreateUserRequest::new(
            field(&entry.email),
            field(&entry.first_name),
            field(&entry.last_name),
            password,
            username,
        )
        .with_role(role_id(entry.role.unwrap_or(Role::Member)));
        if let Some(team) = entry.teams.as_ref().and_then(|teams| teams.first()) {
            request = request.with_team(self.team_id(team)?);
        }
        let user = self.write(|client| client.users().create(&request).send())?;
        self.users.insert(user.username, user.id.to_string());
        Ok(())
    }

    /// A write that may have reached the server: read the organization again; if the change
    /// is no longer needed it was made, otherwise it is made now (the read shows it was not).
    fn settle(&mut self, change: &Change, error: Error) -> Result<&'static str, OrgError> {
        let live = LiveOrg::read(self.client, &described(self.file), self.requests)?;
        self.teams.extend(live.teams.iter().map(|team| (team.name.clone(), team.id.clone())));
        self.users.extend(live.users.iter().map(|user| (user.username.clone(), user.id.clone())));
        let still_needed = compare(self.file, &live)?
            .changes
            .into_iter()
            .find(|pending| pending.kind == change.kind && pending.target == change.target);
        match still_needed {
            Some(pending) => {
                self.make(&pending).map_err(|again| match again {
                    OrgError::Api(_) => OrgError::Api(error),
                    other => other,
                })?;
                Ok("done")
            }
            None => {
                self.report.reconciled += 1;
                if change.kind == ChangeKind::CreateServiceAccount {
                    self.reset_lost_key(&live, &change.target)?;
                }
                Ok("reconciled")
            }
        }
    }

    /// A service account created by a write whose answer was lost: its key was never seen,
    /// so it is reset and the new one saved.
    fn reset_lost_key(&mut self, live: &LiveOrg, name: &str) -> Result<(), OrgError> {
        let team = self.file.service_accounts.iter().find(|entry| entry.name == name).map(|entry| entry.team.clone());
        let Some(account) =
            live.service_accounts.iter().find(|account| account.name == name && Some(&account.team) == team.as_ref())
        else {
            return Ok(());
        };
        let id = account.id.clone();
        let key = self.write(|client| client.service_accounts().reset_access_key(id.as_str()).send())?;
        self.save_secret(json!({
            "service_account": name, "id": id, "access_key": key.access_key.expose(), "note": "key reset: an interrupted run created the account",
        }))
    }

    /// Service accounts an interrupted run (per the journal) began creating and that now
    /// exist: their keys were never saved.
    fn recover_lost_keys(&mut self, live: &LiveOrg, current: &[Change]) -> Result<(), OrgError> {
        for name in self.journal.unfinished(ChangeKind::CreateServiceAccount) {
            let pending =
                current.iter().any(|change| change.kind == ChangeKind::CreateServiceAccount && change.target == name);
            if !pending {
                if self.secrets.is_none() {
                    return Err(OrgError::Secrets(format!(
                        "an interrupted run created service account {name} but never saved its key; \
                         name a --secrets file so its key is reset and saved"
                    )));
                }
                self.reset_lost_key(live, &name)?;
                self.journal
                    .record(json!({"event": "reconciled", "kind": ChangeKind::CreateServiceAccount, "target": name}))?;
                self.report.reconciled += 1;
            }
        }
        Ok(())
    }
}
