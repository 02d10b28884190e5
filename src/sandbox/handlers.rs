//! What the sandbox does for each operation of the spec.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::state::{ServiceAccountInfo, State, TeamRecord, UserRecord, now};
use super::{Call, Reply};
use crate::{RoleId, Secret, types};

type Handled = Result<Reply, Reply>;

/// Dispatches on the operation id; every id in the spec has an arm (the sandbox tests walk
/// them all, and an id without one answers 501).
pub(crate) fn handle(state: &mut State, call: &Call) -> Handled {
    match call.operation_id {
        "lookup_teams" => lookup_teams(state, call),
        "create_team" => create_team(state, call),
        "get_team" => get_team(state, call),
        "replace_team" => write_team(state, call, true),
        "update_team" => write_team(state, call, false),
        "delete_team" => delete_team(state, call),
        "list_team_members" => list_team_members(state, call),
        "reset_team_access_keys" => reset_team_access_keys(state, call),
        "lookup_users" => lookup_users(state, call),
        "create_user" => create_user(state, call),
        "get_active_team" => get_active_team(state, call),
        "get_current_user" => Ok(Reply::json(200, &state.user_profile(&caller(state, call)))),
        "get_user" => get_user(state, call),
        "replace_user" => write_user(state, call, true),
        "update_user" => write_user(state, call, false),
        "get_user_teams" => get_user_teams(state, call),
        "set_user_teams" => set_user_teams(state, call),
        "set_user_admin" => set_role(state, call, RoleId::OrganizationAdmin),
        "set_user_team_admin" => set_role(state, call, RoleId::TeamAdmin),
        "set_user_member" => set_role(state, call, RoleId::Member),
        "activate_user" => set_active(state, call, true),
        "deactivate_user" => set_active(state, call, false),
        "get_user_access_key" => get_user_access_key(state, call),
        "reset_user_access_key" => reset_user_access_key(state, call),
        "get_user_permissions" => get_user_permissions(state, call),
        "create_membership" => create_membership(state, call),
        "lookup_organizations" => lookup_organizations(state, call),
        "classic_get_user" => classic_get_user(state, call),
        "classic_create_subaccount" => classic_create_subaccount(state, call),
        "classic_list_subaccounts" => classic_list_subaccounts(state, call),
        "classic_get_subaccounts" => classic_get_subaccounts(state, call),
        "classic_list_siblings" => classic_list_siblings(state, call),
        "classic_change_access_key" => classic_change_access_key(state, call),
        "classic_get_concurrency" => classic_get_concurrency(state, call),
        "classic_get_activity" => classic_get_activity(state, call),
        "classic_get_usage" => classic_get_usage(state, call),
        "classic_get_organization_activity" => classic_get_organization_activity(state, call),
        "classic_get_teams_activity" => classic_get_teams_activity(state, call),
        "classic_get_users_activity" => classic_get_users_activity(state, call),
        "get_real_device_concurrency" => get_real_device_concurrency(state, call),
        "lookup_service_accounts" => lookup_service_accounts(state, call),
        "create_service_account" => create_service_account(state, call),
        "get_service_account" => get_service_account(state, call),
        "update_service_account" => update_service_account(state, call),
        "delete_service_account" => delete_service_account(state, call),
        "reset_service_account_access_key" => reset_service_account_access_key(state, call),
        other => Err(Reply::detail(501, &format!("The sandbox does not implement {other}."))),
    }
}

// ----- shared rules -----

fn not_found() -> Reply {
    Reply::detail(404, "Not found.")
}

fn forbidden() -> Reply {
    Reply::detail(403, "You do not have permission to perform this action.")
}

fn invalid(fields: Value) -> Reply {
    Reply::json(400, &fields)
}

fn caller(state: &State, call: &Call) -> UserRecord {
    state.user(&call.caller).cloned().expect("authenticated callers exist")
}

/// Organization and team admins may manage; members may only read about themselves.
fn require_admin(state: &State, call: &Call) -> Result<UserRecord, Reply> {
    let caller = caller(state, call);
    match caller.role {
        RoleId::OrganizationAdmin | RoleId::TeamAdmin => Ok(caller),
        RoleId::Member | RoleId::Other(_) => Err(forbidden()),
    }
}

fn require_org_admin(state: &State, call: &Call) -> Result<UserRecord, Reply> {
    let caller = caller(state, call);
    if caller.role == RoleId::OrganizationAdmin { Ok(caller) } else { Err(forbidden()) }
}

/// Parses a body with the generated request type; serde's complaints become DRF-style
/// field errors.
fn body<T: DeserializeOwned>(call: &Call) -> Result<T, Reply> {
    if call.body.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid(json!({"non_field_errors": ["A JSON request body is required."]})));
    }
    serde_json::from_slice(&call.body).map_err(|error| {
        let message = error.to_string();
        match message.strip_prefix("missing field `").and_then(|rest| rest.split('`').next()) {
            Some(field) => invalid(json!({ field: ["This field is required."] })),
            None => invalid(json!({"non_field_errors": [format!("Invalid data: {message}")]})),
        }
    })
}

fn check_password(password: &Secret) -> Result<(), Reply> {
    // The same rules the client checks before sending (a client that skips them meets them here).
    let problems: Vec<String> = crate::rules::password_problems(password.expose())
        .iter()
        .map(|problem| format!("The password needs {problem}."))
        .collect();
    if problems.is_empty() { Ok(()) } else { Err(invalid(json!({ "password": problems }))) }
}

fn check_email(email: &str) -> Result<(), Reply> {
    let valid = email.split_once('@').is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'));
    if valid { Ok(()) } else { Err(invalid(json!({"email": ["Enter a valid email address."]}))) }
}

/// A query integer; absent or malformed values take the default, as the API does.
fn query_number(call: &Call, name: &str, default: u64) -> u64 {
    call.query(name).and_then(|value| value.parse().ok()).unwrap_or(default)
}

/// Prefix match as the API does it, without allocating a lowercase copy of every record.
fn starts_with_ignoring_case(text: &str, prefix: &str) -> bool {
    if prefix.is_ascii() {
        return text.len() >= prefix.len() && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes());
    }
    text.to_lowercase().starts_with(&prefix.to_lowercase())
}

fn split_list(value: &str) -> Vec<String> {
    value.split(',').map(str::trim).filter(|item| !item.is_empty()).map(str::to_string).collect()
}

/// One `limit`/`offset` page (limit 20 by default, capped at 100) with its links.
fn page<T>(items: Vec<T>, call: &Call, path: &str) -> (Vec<T>, types::Links, u64) {
    let count = items.len() as u64;
    let limit = query_number(call, "limit", 20).clamp(1, 100);
    let offset = query_number(call, "offset", 0);
    let link = |offset: u64| {
        let mut query: Vec<String> = call
            .query
            .iter()
            .filter(|(key, _)| key != "limit" && key != "offset")
            .map(|(key, value)| {
                format!("{key}={}", percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC))
            })
            .collect();
        query.push(format!("limit={limit}"));
        query.push(format!("offset={offset}"));
        format!("{}{path}?{}", call.base_url, query.join("&"))
    };
    let last_offset = if count == 0 { 0 } else { (count - 1) / limit * limit };
    let links = types::Links {
        first: Some(link(0)),
        last: Some(link(last_offset)),
        next: (offset + limit < count).then(|| link(offset + limit)),
        previous: (offset > 0).then(|| link(offset.saturating_sub(limit))),
    };
    let page = items.into_iter().skip(offset as usize).take(limit as usize).collect();
    (page, links, count)
}

fn team_or_404<'a>(state: &'a State, call: &Call) -> Result<&'a TeamRecord, Reply> {
    state.team(call.param("team_id")).ok_or_else(not_found)
}

fn user_or_404<'a>(state: &'a State, call: &Call) -> Result<&'a UserRecord, Reply> {
    state.user(call.param("user_id")).ok_or_else(not_found)
}

fn classic_user_or_404<'a>(state: &'a State, call: &Call) -> Result<&'a UserRecord, Reply> {
    state.user_by_username(call.param("username")).ok_or_else(|| Reply::detail(404, "User not found."))
}

/// Members may read their own record; admins any.
fn require_self_or_admin(state: &State, call: &Call, user_id: &str) -> Result<(), Reply> {
    if call.caller == user_id { Ok(()) } else { require_admin(state, call).map(drop) }
}

// ----- teams -----

fn lookup_teams(state: &mut State, call: &Call) -> Handled {
    let ids = call.query("id").map(split_list);
    let name = call.query("name").unwrap_or("");
    let teams: Vec<&TeamRecord> = state
        .teams
        .iter()
        .filter(|team| ids.as_ref().is_none_or(|ids| ids.contains(&team.id)))
        .filter(|team| starts_with_ignoring_case(&team.name, name))
        .collect();
    let (teams, links, count) = page(teams, call, "/team-management/v1/teams/");
    let results = teams.into_iter().map(|team| state.team_summary(team)).collect();
    Ok(Reply::json(200, &types::TeamList { count, links: Some(links), results }))
}

fn create_team(state: &mut State, call: &Call) -> Handled {
    require_org_admin(state, call)?;
    let request: types::CreateTeamRequest = body(call)?;
    if request.name.trim().is_empty() {
        return Err(invalid(json!({"name": ["This field may not be blank."]})));
    }
    if request.organization.as_ref().is_some_and(|organization| *organization != state.org.id) {
        return Err(invalid(json!({"organization": ["Organization not found."]})));
    }
    if state.team_by_name(&request.name).is_some() {
        return Err(invalid(json!({"name": ["team with this name already exists."]})));
    }
    let settings = request.settings;
    let team = state.new_team(
        &request.name,
        request.description,
        settings.virtual_machines.map_or(0, u64::from),
        settings.real_devices.map_or(0, u64::from),
        settings.live_only.unwrap_or(false),
    );
    let reply = Reply::json(201, &state.team_profile(&team, &call.base_url));
    state.teams.push(team);
    Ok(reply)
}

fn get_team(state: &mut State, call: &Call) -> Handled {
    let team = team_or_404(state, call)?;
    Ok(Reply::json(200, &state.team_profile(team, &call.base_url)))
}

/// PUT replaces every value (a missing description is removed); PATCH changes what is sent.
fn write_team(state: &mut State, call: &Call, replace: bool) -> Handled {
    require_org_admin(state, call)?;
    let id = team_or_404(state, call)?.id.clone();
    let (name, settings, description) = if replace {
        let request: types::ReplaceTeamRequest = body(call)?;
        (Some(request.name), Some(request.settings), Some(request.description))
    } else {
        let request: types::UpdateTeamRequest = body(call)?;
        (request.name, request.settings, request.description.map(Some))
    };
    if let Some(name) = &name {
        if name.trim().is_empty() {
            return Err(invalid(json!({"name": ["This field may not be blank."]})));
        }
        if state.teams.iter().any(|team| team.name == *name && team.id != id) {
            return Err(invalid(json!({"name": ["team with this name already exists."]})));
        }
    }
    let team = state.teams.iter_mut().find(|team| team.id == id).expect("found above");
    if let Some(name) = name {
        team.name = name;
    }
    if let Some(settings) = settings {
        if replace {
            team.virtual_machines = settings.virtual_machines.map_or(0, u64::from);
            team.real_devices = settings.real_devices.map_or(0, u64::from);
            team.live_only = settings.live_only.unwrap_or(false);
        } else {
            team.virtual_machines = settings.virtual_machines.map_or(team.virtual_machines, u64::from);
            team.real_devices = settings.real_devices.map_or(team.real_devices, u64::from);
            team.live_only = settings.live_only.unwrap_or(team.live_only);
        }
    }
    if let Some(description) = description {
        team.description = description;
    }
    team.updated_at = now();
    let team = team.clone();
    Ok(Reply::json(200, &state.team_profile(&team, &call.base_url)))
}

fn delete_team(state: &mut State, call: &Call) -> Handled {
    require_org_admin(state, call)?;
    let team = team_or_404(state, call)?.clone();
    if team.is_default {
        return Err(Reply::detail(403, "The default team cannot be deleted."));
    }
    state.delete_team(&team.id);
    Ok(Reply::empty(204))
}

fn list_team_members(state: &mut State, call: &Call) -> Handled {
    let team = team_or_404(state, call)?;
    let members: Vec<&UserRecord> = state.members(&team.id).filter(|user| user.service_account.is_none()).collect();
    let path = format!("/team-management/v1/teams/{}/members/", team.id);
    let (members, links, count) = page(members, call, &path);
    let results = members.into_iter().map(|user| state.user_summary(user)).collect();
    Ok(Reply::json(200, &types::UserList { count, links: Some(links), results }))
}

fn reset_team_access_keys(state: &mut State, call: &Call) -> Handled {
    require_admin(state, call)?;
    let team_id = team_or_404(state, call)?.id.clone();
    let member_ids: Vec<String> = state.members(&team_id).map(|user| user.id.clone()).collect();
    let keys = member_ids.iter().map(|id| State::access_key(&state.rotate_key(id))).collect();
    Ok(Reply::json(200, &types::AccessKeyList(keys)))
}

// ----- users -----

fn lookup_users(state: &mut State, call: &Call) -> Handled {
    require_admin(state, call)?;
    let ids = call.query("id").map(split_list);
    let username = call.query("username").unwrap_or("");
    let team_ids = call.query("teams").map(split_list);
    let team_names = call.query("team-name").map(split_list);
    let roles: Option<Vec<u64>> =
        call.query("roles").map(|roles| split_list(roles).iter().filter_map(|role| role.parse().ok()).collect());
    let phrase = call.query("phrase").unwrap_or("");
    let status = match call.query("status") {
        None => None,
        Some(status) => match crate::UserStatus::from(status) {
            crate::UserStatus::Other(other) => {
                return Err(invalid(json!({"status": [format!("{other:?} is not one of active, pending, inactive")]})));
            }
            known => Some(known),
        },
    };
    // Filter the records, page them, and build summaries for the page alone: a page of 100
    // from 100,000 users costs one pass over the records, not 100,000 summaries.
    let users: Vec<&UserRecord> = state
        .users
        .iter()
        .filter(|user| user.service_account.is_none())
        .filter(|user| ids.as_ref().is_none_or(|ids| ids.contains(&user.id)))
        .filter(|user| starts_with_ignoring_case(&user.username, username))
        .filter(|user| team_ids.as_ref().is_none_or(|ids| user.teams.iter().any(|team| ids.contains(team))))
        .filter(|user| {
            team_names.as_ref().is_none_or(|names| {
                user.teams.iter().filter_map(|id| state.team(id)).any(|team| names.contains(&team.name))
            })
        })
        .filter(|user| roles.as_ref().is_none_or(|roles| roles.contains(&user.role.number())))
        .filter(|user| {
            phrase.is_empty()
                || [&user.first_name, &user.last_name, &user.email]
                    .iter()
                    .any(|field| starts_with_ignoring_case(field, phrase))
        })
        .filter(|user| match status {
            None => true,
            Some(crate::UserStatus::Active) => user.active,
            Some(crate::UserStatus::Inactive) => !user.active,
            Some(_) => false,
        })
        .collect();
    let (users, links, count) = page(users, call, "/team-management/v1/users/");
    let results = users.into_iter().map(|user| state.user_summary(user)).collect();
    Ok(Reply::json(200, &types::UserList { count, links: Some(links), results }))
}

fn create_user(state: &mut State, call: &Call) -> Handled {
    require_org_admin(state, call)?;
    let request: types::CreateUserRequest = body(call)?;
    check_password(&request.password)?;
    check_email(&request.email)?;
    if request.username.trim().is_empty() {
        return Err(invalid(json!({"username": ["This field may not be blank."]})));
    }
    if state.user_by_username(&request.username).is_some() {
        return Err(invalid(json!({"username": ["A user with that username already exists."]})));
    }
    if request.organization.as_ref().is_some_and(|organization| **organization != state.org.id) {
        return Err(invalid(json!({"organization": ["Organization not found."]})));
    }
    let teams = match &request.team {
        Some(team) if state.team(team).is_none() => return Err(invalid(json!({"team": ["Team not found."]}))),
        Some(team) => vec![team.to_string()],
        None => vec![state.teams.iter().find(|team| team.is_default).map(|team| team.id.clone()).unwrap_or_default()],
    };
    let mut user = state.new_user(
        &request.username,
        &request.email,
        &request.first_name,
        &request.last_name,
        request.role.unwrap_or(RoleId::Member),
        teams,
    );
    user.password = request.password;
    let reply = Reply::json(201, &state.user_profile(&user));
    state.push_user(user);
    Ok(reply)
}

fn get_active_team(state: &mut State, call: &Call) -> Handled {
    let caller = caller(state, call);
    let team = caller.teams.first().and_then(|id| state.team(id)).ok_or_else(not_found)?;
    Ok(Reply::json(200, &types::ActiveTeam { id: team.id.clone().into(), name: team.name.clone() }))
}

fn get_user(state: &mut State, call: &Call) -> Handled {
    let user = user_or_404(state, call)?;
    require_self_or_admin(state, call, &user.id)?;
    Ok(Reply::json(200, &state.user_profile(user)))
}

fn write_user(state: &mut State, call: &Call, replace: bool) -> Handled {
    let id = user_or_404(state, call)?.id.clone();
    require_self_or_admin(state, call, &id)?;
    let (first_name, last_name, email, password, verify) = if replace {
        let request: types::ReplaceUserRequest = body(call)?;
        (
            Some(request.first_name),
            Some(request.last_name),
            request.email,
            Some(request.password),
            Some(request.verify_password),
        )
    } else {
        let request: types::UpdateUserRequest = body(call)?;
        (request.first_name, request.last_name, request.email, request.password, request.verify_password)
    };
    if let Some(password) = &password {
        if verify.as_ref() != Some(password) {
            return Err(invalid(json!({"status_code": 400, "non_field_errors": ["Passwords need to match"]})));
        }
        check_password(password)?;
    }
    if let Some(email) = &email {
        check_email(email)?;
    }
    let user = state.change_user(&id, |user| {
        if let Some(first_name) = first_name {
            user.first_name = first_name;
        }
        if let Some(last_name) = last_name {
            user.last_name = last_name;
        }
        if let Some(email) = email {
            user.email = email;
        }
        if let Some(password) = password {
            user.password = password;
        }
    });
    Ok(Reply::json(200, &state.user_profile(&user)))
}

fn get_user_teams(state: &mut State, call: &Call) -> Handled {
    let user = user_or_404(state, call)?;
    require_self_or_admin(state, call, &user.id)?;
    let teams: Vec<&TeamRecord> = user.teams.iter().filter_map(|id| state.team(id)).collect();
    let path = format!("/team-management/v1/users/{}/teams/", user.id);
    let (teams, links, count) = page(teams, call, &path);
    let results = teams.into_iter().map(|team| state.team_summary(team)).collect();
    Ok(Reply::json(200, &types::TeamList { count, links: Some(links), results }))
}

fn set_user_teams(state: &mut State, call: &Call) -> Handled {
    require_admin(state, call)?;
    let id = user_or_404(state, call)?.id.clone();
    let request: types::SetUserTeamsRequest = body(call)?;
    if let Some(unknown) = request.teams.iter().find(|team| state.team(team).is_none()) {
        return Err(invalid(json!({"teams": [format!("Team {unknown} not found.")]})));
    }
    let mut teams: Vec<String> = Vec::new();
    for team in request.teams.into_iter().map(String::from) {
        if !teams.contains(&team) {
            teams.push(team);
        }
    }
    state.change_user(&id, |user| user.teams = teams);
    Ok(Reply::empty(204))
}

fn set_role(state: &mut State, call: &Call, role: RoleId) -> Handled {
    let caller = require_admin(state, call)?;
    if role == RoleId::OrganizationAdmin && caller.role != RoleId::OrganizationAdmin {
        return Err(forbidden());
    }
    let id = user_or_404(state, call)?.id.clone();
    let user = state.change_user(&id, |user| user.role = role);
    Ok(Reply::json(200, &state.user_profile(&user)))
}

fn set_active(state: &mut State, call: &Call, active: bool) -> Handled {
    let caller = require_admin(state, call)?;
    let id = user_or_404(state, call)?.id.clone();
    if !active && id == caller.id {
        return Err(Reply::detail(403, "You cannot deactivate yourself."));
    }
    let user = state.change_user(&id, |user| user.active = active);
    Ok(Reply::json(200, &state.user_profile(&user)))
}

fn get_user_access_key(state: &mut State, call: &Call) -> Handled {
    let user = user_or_404(state, call)?;
    require_self_or_admin(state, call, &user.id)?;
    Ok(Reply::json(200, &State::access_key(user)))
}

fn reset_user_access_key(state: &mut State, call: &Call) -> Handled {
    let id = user_or_404(state, call)?.id.clone();
    require_self_or_admin(state, call, &id)?;
    Ok(Reply::json(200, &State::access_key(&state.rotate_key(&id))))
}

fn get_user_permissions(state: &mut State, call: &Call) -> Handled {
    let user = user_or_404(state, call)?;
    require_self_or_admin(state, call, &user.id)?;
    let admin = user.role == RoleId::OrganizationAdmin;
    let team_admin = admin || user.role == RoleId::TeamAdmin;
    let permissions = json!({
        "can_manage_organization": admin,
        "can_manage_team": team_admin,
        "can_view_jobs": user.active,
        "can_run_tests": user.active,
    });
    Ok(Reply::json(200, &serde_json::from_value::<types::UserPermissions>(permissions).expect("an object")))
}

// ----- membership and organizations -----

fn create_membership(state: &mut State, call: &Call) -> Handled {
    require_admin(state, call)?;
    let request: types::MembershipRequest = body(call)?;
    if request.organization.as_ref().is_some_and(|organization| *organization != state.org.id) {
        return Err(invalid(json!({"organization": ["Organization not found."]})));
    }
    let team = state.team(&request.team).cloned().ok_or_else(|| invalid(json!({"team": ["Team not found."]})))?;
    if state.user(&request.user).is_none() {
        return Err(invalid(json!({"user": ["User not found."]})));
    }
    let user = state.change_user(&request.user, |user| {
        user.teams = vec![team.id.clone()];
        if user.role == RoleId::TeamAdmin {
            user.role = RoleId::Member;
        }
    });
    state.next_membership += 1;
    let at = now();
    let membership = types::Membership {
        id: Some(state.next_membership),
        user: Some(state.user_profile(&user)),
        team: Some(state.team_profile(&team, &call.base_url)),
        created_at: Some(at),
        updated_at: Some(at),
    };
    Ok(Reply::json(201, &membership))
}

fn lookup_organizations(state: &mut State, call: &Call) -> Handled {
    let (results, links, count) = page(vec![state.organization()], call, "/team-management/v1/organizations/");
    Ok(Reply::json(200, &types::OrganizationList { count, links: Some(links), results }))
}

// ----- classic -----

fn classic_get_user(state: &mut State, call: &Call) -> Handled {
    let user = classic_user_or_404(state, call)?;
    let own = user.id == call.caller;
    if !own {
        require_admin(state, call)?;
    }
    Ok(Reply::json(200, &state.classic_user(user, own)))
}

fn classic_create_subaccount(state: &mut State, call: &Call) -> Handled {
    require_admin(state, call)?;
    let parent = classic_user_or_404(state, call)?.clone();
    let request: types::CreateSubaccountRequest = body(call)?;
    check_password(&request.password)?;
    check_email(&request.email)?;
    if state.user_by_username(&request.username).is_some() {
        return Err(invalid(json!({"username": ["A user with that username already exists."]})));
    }
    let (first, last) = request.name.split_once('-').unwrap_or((request.name.as_str(), ""));
    let mut user = state.new_user(&request.username, &request.email, first, last, RoleId::Member, parent.teams.clone());
    user.password = request.password;
    user.parent = Some(parent.username.clone());
    // As the live service: 201, and the login in `id` with no `username`.
    let mut created = state.classic_user(&user, true);
    created.username = None;
    let reply = Reply::json(201, &created);
    state.push_user(user);
    Ok(reply)
}

fn subaccounts_of<'a>(state: &'a State, username: &'a str) -> impl Iterator<Item = &'a UserRecord> {
    state.users.iter().filter(move |user| user.parent.as_deref() == Some(username))
}

fn classic_list_subaccounts(state: &mut State, call: &Call) -> Handled {
    let parent = classic_user_or_404(state, call)?;
    let from = query_number(call, "from", 0) as usize;
    let limit = query_number(call, "limit", 100).clamp(1, 100) as usize;
    let users = subaccounts_of(state, &parent.username)
        .skip(from)
        .take(limit)
        .map(|user| state.classic_user(user, false))
        .collect();
    Ok(Reply::json(200, &types::SubaccountList { users }))
}

fn classic_get_subaccounts(state: &mut State, call: &Call) -> Handled {
    let user = classic_user_or_404(state, call)?;
    let mut users = vec![state.classic_user(user, false)];
    if let Some(parent) = &user.parent {
        users.extend(
            subaccounts_of(state, parent)
                .filter(|sibling| sibling.id != user.id)
                .map(|sibling| state.classic_user(sibling, false)),
        );
    }
    Ok(Reply::json(200, &types::SubaccountList { users }))
}

fn classic_list_siblings(state: &mut State, call: &Call) -> Handled {
    let user = classic_user_or_404(state, call)?;
    let page = query_number(call, "page", 1).max(1) as usize;
    let per_page = query_number(call, "per_page", 50).clamp(1, 50) as usize;
    let siblings: Vec<types::Sibling> = match &user.parent {
        Some(parent) => subaccounts_of(state, parent)
            .filter(|sibling| sibling.id != user.id)
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|sibling| types::Sibling { id: Some(sibling.id.clone()), username: sibling.username.clone() })
            .collect(),
        None => Vec::new(),
    };
    Ok(Reply::json(200, &types::SiblingList(siblings)))
}

fn classic_change_access_key(state: &mut State, call: &Call) -> Handled {
    let id = classic_user_or_404(state, call)?.id.clone();
    require_self_or_admin(state, call, &id)?;
    let user = state.rotate_key(&id);
    Ok(Reply::json(200, &state.classic_user(&user, true)))
}

fn device_counts(virtual_machines: u64, real_devices: u64) -> types::DeviceCounts {
    types::DeviceCounts {
        mac_vms: Some(virtual_machines.into()),
        rds: Some(real_devices.into()),
        vms: Some(virtual_machines.into()),
    }
}

fn classic_get_concurrency(state: &mut State, call: &Call) -> Handled {
    let user = classic_user_or_404(state, call)?;
    let running_all: u64 = state.users.iter().map(|user| user.running).sum();
    let team = user.teams.first().and_then(|id| state.team(id));
    let team_scope = team.map(|team| types::ConcurrencyScope {
        id: Some(team.id.clone()),
        allowed: Some(device_counts(team.virtual_machines, team.real_devices)),
        current: Some(device_counts(state.members(&team.id).map(|user| user.running).sum(), 0)),
    });
    let concurrency = types::UserConcurrency {
        concurrency: types::ConcurrencyByScope {
            organization: Some(types::ConcurrencyScope {
                id: Some(state.org.id.clone()),
                allowed: Some(device_counts(state.org.virtual_machines, state.org.real_devices)),
                current: Some(device_counts(running_all, 0)),
            }),
            team: team_scope,
        },
        timestamp: Some(now().timestamp_millis() as f64 / 1000.0),
    };
    Ok(Reply::json(200, &concurrency))
}

/// The days an Insights-style activity request covers (`since`/`until`, Unix seconds), or
/// `None` when it names neither and the older counts are wanted. Bad values get FastAPI's 422.
fn activity_days(call: &Call, default_to_last_week: bool) -> Result<Option<Vec<chrono::NaiveDate>>, Reply> {
    let moment = |name: &'static str| -> Result<Option<chrono::NaiveDate>, Reply> {
        let Some(text) = call.query(name) else { return Ok(None) };
        text.parse::<i64>()
            .ok()
            .filter(|seconds| *seconds >= 0)
            .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
            .map(|moment| Some(moment.date_naive()))
            .ok_or_else(|| unprocessable(name, "value is not a valid integer", "type_error.integer"))
    };
    let (since, until) = (moment("since")?, moment("until")?);
    if since.is_none() && until.is_none() && !default_to_last_week {
        return Ok(None);
    }
    let until = until.unwrap_or_else(|| now().date_naive());
    let since = since.unwrap_or(until - chrono::Days::new(6));
    if since > until {
        return Err(unprocessable("until", "until must not be before since", "value_error"));
    }
    if (until - since).num_days() >= 366 {
        return Err(unprocessable("since", "the period is longer than 366 days", "value_error"));
    }
    Ok(Some(since.iter_days().take_while(|day| *day <= until).collect()))
}

fn unprocessable(parameter: &str, message: &str, kind: &str) -> Reply {
    Reply::json(422, &json!({"detail": [{"loc": ["query", parameter], "msg": message, "type": kind}]}))
}

/// Daily statistics of some accounts: made up, but the same for the same accounts and days,
/// and summed over the accounts, so a team's figures change with its members.
fn daily_activity<'a>(users: impl Iterator<Item = &'a UserRecord>, days: &[chrono::NaiveDate]) -> types::DailyActivity {
    use chrono::Datelike;
    let seeds: Vec<u64> = users.map(|user| user.username.bytes().map(u64::from).sum()).collect();
    let jobs: Vec<u64> =
        days.iter().map(|day| seeds.iter().map(|seed| (seed + day.num_days_from_ce() as u64 * 7) % 23).sum()).collect();
    let peaks: Vec<f64> = jobs.iter().map(|jobs| (*jobs as f64 / 4.0).ceil()).collect();
    types::DailyActivity {
        datestamp: days.to_vec(),
        minutes: jobs.iter().map(|jobs| *jobs as f64 * 2.5).collect(),
        ccy_exec_mean: peaks.iter().map(|peak| peak / 2.0).collect(),
        ccy_exec_peak: peaks,
        jobs,
        extra: Default::default(),
    }
}

fn classic_get_activity(state: &mut State, call: &Call) -> Handled {
    let user = classic_user_or_404(state, call)?;
    let mut accounts = vec![user];
    if call.query("level") != Some("user") {
        accounts.extend(subaccounts_of(state, &user.username));
    }
    if let Some(days) = activity_days(call, false)? {
        return Ok(Reply::json(200, &daily_activity(accounts.into_iter(), &days)));
    }
    let activity = types::Activity {
        subaccounts: Some(types::ActivityCountsByKey(
            accounts
                .iter()
                .map(|account| (account.username.clone(), State::activity_counts(std::iter::once(*account))))
                .collect(),
        )),
        totals: State::activity_counts(accounts.iter().copied()),
    };
    Ok(Reply::json(200, &activity))
}

fn classic_get_usage(state: &mut State, call: &Call) -> Handled {
    let user = classic_user_or_404(state, call)?;
    let today = now().date_naive();
    let seed = user.username.bytes().map(u64::from).sum::<u64>();
    let usage = (0..7u64)
        .rev()
        .map(|days_ago| {
            let day = today - chrono::Days::new(days_ago);
            let jobs = (seed + days_ago * 7) % 23;
            types::UsageDay(vec![
                types::UsageDayPart::String(day.format("%Y-%-m-%-d").to_string()),
                types::UsageDayPart::UsageFigures(types::UsageFigures(vec![jobs, jobs * 95])),
            ])
        })
        .collect();
    Ok(Reply::json(200, &types::Usage { username: Some(user.username.clone()), usage }))
}

fn classic_get_organization_activity(state: &mut State, call: &Call) -> Handled {
    require_admin(state, call)?;
    if let Some(days) = activity_days(call, false)? {
        let by_organization = BTreeMap::from([(state.org.id.clone(), daily_activity(state.users.iter(), &days))]);
        return Ok(Reply::json(200, &by_organization));
    }
    let report = types::ActivityReport {
        teams: Default::default(),
        totals: State::activity_counts(state.users.iter()),
        extra: Default::default(),
    };
    Ok(Reply::json(200, &report))
}

fn classic_get_teams_activity(state: &mut State, call: &Call) -> Handled {
    require_admin(state, call)?;
    let wanted: Vec<&str> = call.query_all("id").collect();
    let teams = state.teams.iter().filter(|team| wanted.is_empty() || wanted.contains(&team.id.as_str()));
    match activity_days(call, !wanted.is_empty())? {
        Some(days) => {
            let by_team: BTreeMap<&str, types::DailyActivity> =
                teams.map(|team| (team.id.as_str(), daily_activity(state.members(&team.id), &days))).collect();
            Ok(Reply::json(200, &by_team))
        }
        None => {
            let teams = Some(types::ActivityCountsByKey(
                teams.map(|team| (team.id.clone(), State::activity_counts(state.members(&team.id)))).collect(),
            ));
            let totals = State::activity_counts(state.users.iter());
            Ok(Reply::json(200, &types::ActivityReport { teams, totals, extra: Default::default() }))
        }
    }
}

fn classic_get_users_activity(state: &mut State, call: &Call) -> Handled {
    require_admin(state, call)?;
    let days = activity_days(call, true)?.unwrap_or_default();
    let wanted: Vec<&str> = call.query_all("users").collect();
    let by_user: BTreeMap<&str, types::DailyActivity> = state
        .users
        .iter()
        .filter(|user| user.service_account.is_none())
        .filter(|user| wanted.is_empty() || wanted.contains(&user.id.as_str()))
        .map(|user| (user.id.as_str(), daily_activity(std::iter::once(user), &days)))
        .collect();
    Ok(Reply::json(200, &by_user))
}

fn get_real_device_concurrency(state: &mut State, _call: &Call) -> Handled {
    let concurrency = json!({
        "organization": {
            "current": {"inUseDevices": 0},
            "maximum": {"allowedDevices": state.org.real_devices},
        }
    });
    Ok(Reply::json(200, &serde_json::from_value::<types::RealDeviceConcurrency>(concurrency).expect("an object")))
}

// ----- service accounts -----

fn service_account_or_404<'a>(state: &'a State, call: &Call) -> Result<&'a UserRecord, Reply> {
    state.service_account(call.param("uuid")).ok_or_else(not_found)
}

fn check_service_account_name(name: &str) -> Result<(), Reply> {
    if name.trim().is_empty() {
        return Err(invalid(json!({"name": ["This field may not be blank."]})));
    }
    if name.chars().count() > 128 {
        return Err(invalid(json!({"name": ["Ensure this field has no more than 128 characters."]})));
    }
    Ok(())
}

fn lookup_service_accounts(state: &mut State, call: &Call) -> Handled {
    require_admin(state, call)?;
    let ids = call.query("id").map(split_list);
    let username = call.query("username").unwrap_or("").to_lowercase();
    let team_ids = call.query("teams").map(split_list);
    let accounts: Vec<&UserRecord> = state
        .users
        .iter()
        .filter(|user| user.service_account.is_some() && user.active)
        .filter(|user| ids.as_ref().is_none_or(|ids| ids.contains(&user.id)))
        .filter(|user| username.is_empty() || user.username.to_lowercase().contains(&username))
        .filter(|user| team_ids.as_ref().is_none_or(|ids| user.teams.iter().any(|team| ids.contains(team))))
        .collect();
    let (accounts, links, count) = page(accounts, call, "/team-management/v1/service-accounts/");
    let results = accounts.into_iter().map(|account| state.service_account_profile(account)).collect();
    Ok(Reply::json(200, &types::ServiceAccountList { count, links: Some(links), results }))
}

fn create_service_account(state: &mut State, call: &Call) -> Handled {
    let caller = require_admin(state, call)?;
    let request: types::CreateServiceAccountRequest = body(call)?;
    check_service_account_name(&request.name)?;
    let team =
        state.team(&request.team_uuid).cloned().ok_or_else(|| invalid(json!({"team_uuid": ["Team not found."]})))?;
    // A team admin may only create service accounts in their active team.
    if caller.role == RoleId::TeamAdmin && caller.teams.first() != Some(&team.id) {
        return Err(forbidden());
    }
    let slug: String = request
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let suffix = &state.new_id()[..5];
    let username = format!("bot-{}-service-account-{suffix}", if slug.is_empty() { "account" } else { &slug });
    let mut account = state.new_user(&username, "", "", "", RoleId::Member, vec![team.id.clone()]);
    account.service_account =
        Some(ServiceAccountInfo { name: request.name, creator: caller.id.clone(), last_activity: None });
    let created = types::CreatedServiceAccount {
        id: account.id.clone().into(),
        username: account.username.clone(),
        access_key: account.access_key.clone(),
    };
    state.push_user(account);
    Ok(Reply::json(201, &created))
}

fn get_service_account(state: &mut State, call: &Call) -> Handled {
    require_admin(state, call)?;
    let account = service_account_or_404(state, call)?;
    Ok(Reply::json(200, &state.service_account_profile(account)))
}

fn update_service_account(state: &mut State, call: &Call) -> Handled {
    require_admin(state, call)?;
    let id = service_account_or_404(state, call)?.id.clone();
    let request: types::UpdateServiceAccountRequest = body(call)?;
    check_service_account_name(&request.name)?;
    let account = state.change_user(&id, |account| {
        if let Some(info) = &mut account.service_account {
            info.name = request.name;
        }
    });
    Ok(Reply::json(200, &state.service_account_profile(&account)))
}

fn delete_service_account(state: &mut State, call: &Call) -> Handled {
    require_admin(state, call)?;
    let id = service_account_or_404(state, call)?.id.clone();
    // Deleted: it no longer authenticates or appears anywhere.
    state.change_user(&id, |account| account.active = false);
    Ok(Reply::empty(204))
}

fn reset_service_account_access_key(state: &mut State, call: &Call) -> Handled {
    require_admin(state, call)?;
    let id = service_account_or_404(state, call)?.id.clone();
    let account = state.rotate_key(&id);
    Ok(Reply::json(200, &types::ServiceAccountKey { access_key: account.access_key }))
}
