//! Teams: lookup, profiles, settings, members and their keys.

use serde_json::json;

use super::{
    Handled, Reply, RoutedRequest, State, TeamRecord, answer, body, empty, invalid, page, require_admin,
    require_org_admin, split_list, starts_with_ignoring_case, team_or_404, window,
};
use crate::sandbox::state::now;
use crate::types;

pub(super) fn lookup(state: &mut State, call: &RoutedRequest) -> Handled {
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
    answer(200, types::TeamList { count, links: Some(links), results })
}

pub(super) fn create(state: &mut State, call: &RoutedRequest) -> Handled {
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
    let profile = state.team_profile(&team, &call.base_url);
    state.teams.push(team);
    answer(201, profile)
}

pub(super) fn get(state: &mut State, call: &RoutedRequest) -> Handled {
    let team = team_or_404(state, call)?;
    answer(200, state.team_profile(team, &call.base_url))
}

/// PUT replaces every value (a missing description is removed); PATCH changes what is sent.
pub(super) fn write(state: &mut State, call: &RoutedRequest, replace: bool) -> Handled {
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
    answer(200, state.team_profile(&team, &call.base_url))
}

pub(super) fn delete(state: &mut State, call: &RoutedRequest) -> Handled {
    require_org_admin(state, call)?;
    let team = team_or_404(state, call)?.clone();
    if team.is_default {
        return Err(Reply::detail(403, "The default team cannot be deleted."));
    }
    state.delete_team(&team.id);
    empty(204)
}

pub(super) fn list_members(state: &mut State, call: &RoutedRequest) -> Handled {
    let team = team_or_404(state, call)?;
    // The team's users; its service accounts are listed apart, and its `user_count` is this
    // listing's count.
    let people = state.index().people_in(&team.id);
    let path = format!("/team-management/v1/teams/{}/members/", team.id);
    let (links, shown) = window(call, &path, people.len() as u64);
    let count = people.len() as u64;
    let results = people[shown].iter().map(|&position| state.user_summary(state.at(position))).collect();
    answer(200, types::UserList { count, links: Some(links), results })
}

pub(super) fn reset_access_keys(state: &mut State, call: &RoutedRequest) -> Handled {
    require_admin(state, call)?;
    let team_id = team_or_404(state, call)?.id.clone();
    let member_ids: Vec<String> = state.members(&team_id).map(|user| user.id.clone()).collect();
    let keys = member_ids.iter().map(|id| State::access_key(&state.rotate_key(id))).collect();
    answer(200, types::AccessKeyList(keys))
}
