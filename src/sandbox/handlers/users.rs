//! Users: lookup, profiles, roles, activation, teams and access keys.

use std::borrow::Cow;

use serde_json::json;

use super::{
    Handled, Reply, RoutedRequest, State, TeamRecord, UserRecord, answer, body, caller, check_email, check_password,
    empty, forbidden, invalid, not_found, page, require_admin, require_org_admin, require_self_or_admin, split_list,
    starts_with_ignoring_case, user_or_404, window,
};
use crate::{RoleId, UserStatus, types};

pub(super) fn lookup(state: &mut State, call: &RoutedRequest) -> Handled {
    require_admin(state, call)?;
    let filter = UserFilter::parse(state, call)?;
    let index = state.index();
    let window = |count: usize| window(call, "/team-management/v1/users/", count as u64);
    let (count, links, shown) = match filter.listing(state) {
        Listing::Exact(matching) => {
            let (links, shown) = window(matching.len());
            (matching.len(), links, matching[shown].to_vec())
        }
        Listing::ActivePeople => {
            let (links, shown) = window(index.active_people_count());
            (index.active_people_count(), links, index.active_people(shown))
        }
        Listing::Candidates(candidates) => {
            let matching: Vec<usize> =
                candidates.iter().copied().filter(|&position| filter.accepts(state.at(position))).collect();
            let (links, shown) = window(matching.len());
            (matching.len(), links, matching[shown].to_vec())
        }
    };
    let results = shown.iter().map(|&position| state.user_summary(state.at(position))).collect();
    answer(200, types::UserList { count: count as u64, links: Some(links), results })
}

/// Where the matches of a lookup come from, in creation order.
enum Listing<'a> {
    /// Exactly the matches: an index answers the only filter given.
    Exact(&'a [usize]),
    /// Every active person (`status=active` alone).
    ActivePeople,
    /// Users who may match, each to be checked against every filter.
    Candidates(Cow<'a, [usize]>),
}

/// The filters of Lookup Users, parsed once; a user matches when every filter given accepts
/// them, and the listing is in creation order.
struct UserFilter<'a> {
    ids: Option<Vec<String>>,
    /// A case-insensitive prefix of the username.
    username: &'a str,
    team_ids: Option<Vec<String>>,
    /// The ids of the teams `team-name` names (exactly, as team names are unique).
    named_team_ids: Option<Vec<String>>,
    roles: Option<Vec<u64>>,
    /// A case-insensitive prefix of the first name, last name or email.
    phrase: &'a str,
    status: Option<UserStatus>,
}

impl<'a> UserFilter<'a> {
    fn parse(state: &State, call: &'a RoutedRequest) -> Result<UserFilter<'a>, Reply> {
        let status = match call.query("status").map(UserStatus::from) {
            Some(UserStatus::Other(other)) => {
                return Err(invalid(json!({"status": [format!("{other:?} is not one of active, pending, inactive")]})));
            }
            known => known,
        };
        let named_team_ids = call.query("team-name").map(split_list).map(|names| {
            state.teams.iter().filter(|team| names.contains(&team.name)).map(|team| team.id.clone()).collect()
        });
        Ok(UserFilter {
            ids: call.query("id").map(split_list),
            username: call.query("username").unwrap_or(""),
            team_ids: call.query("teams").map(split_list),
            named_team_ids,
            roles: call
                .query("roles")
                .map(|roles| split_list(roles).iter().filter_map(|role| role.parse().ok()).collect()),
            phrase: call.query("phrase").unwrap_or(""),
            status,
        })
    }

    /// How many filters were given.
    fn given(&self) -> usize {
        [
            self.ids.is_some(),
            !self.username.is_empty(),
            self.team_ids.is_some(),
            self.named_team_ids.is_some(),
            self.roles.is_some(),
            !self.phrase.is_empty(),
            self.status.is_some(),
        ]
        .into_iter()
        .filter(|given| *given)
        .count()
    }

    /// The narrowest index the filters allow: exactly the matches when one index answers the
    /// only filter given (none, one team, one role, a status), else the candidates from the
    /// ids, the teams' members, a range of usernames, names or emails, or the roles' people,
    /// each to be checked against every filter.
    fn listing(&self, state: &'a State) -> Listing<'a> {
        let index = state.index();
        let one_team = |teams: &Option<Vec<String>>| match teams.as_deref() {
            Some([]) => Some(&[][..]),
            Some([team]) => Some(index.people_in(team)),
            _ => None,
        };
        let one_role = match self.roles.as_deref() {
            Some([]) => Some(&[][..]),
            Some([role]) => Some(index.people_with_role(*role)),
            _ => None,
        };
        if self.given() == 0 {
            return Listing::Exact(index.people());
        }
        if self.given() == 1 {
            let one_group = one_team(&self.team_ids).or_else(|| one_team(&self.named_team_ids)).or(one_role);
            match (&self.status, one_group) {
                (Some(UserStatus::Active), _) => return Listing::ActivePeople,
                (Some(UserStatus::Inactive), _) => return Listing::Exact(index.inactive_people()),
                (Some(_), _) => return Listing::Exact(&[]),
                (None, Some(members)) => return Listing::Exact(members),
                (None, None) => {}
            }
        }
        let mut positions: Vec<usize> = if let Some(ids) = &self.ids {
            ids.iter().filter_map(|id| index.by_id(id)).collect()
        } else if let Some(teams) = self.team_ids.as_ref().or(self.named_team_ids.as_ref()) {
            teams.iter().flat_map(|team| index.people_in(team)).copied().collect()
        } else if !self.username.is_empty() {
            index.by_username_prefix(&self.username.to_lowercase()).collect()
        } else if !self.phrase.is_empty() {
            index.by_phrase_prefix(&self.phrase.to_lowercase()).collect()
        } else if let Some(roles) = &self.roles {
            roles.iter().flat_map(|role| index.people_with_role(*role)).copied().collect()
        } else {
            return Listing::Candidates(Cow::Borrowed(index.people()));
        };
        positions.sort_unstable();
        positions.dedup();
        Listing::Candidates(Cow::Owned(positions))
    }

    fn accepts(&self, user: &UserRecord) -> bool {
        let in_any = |teams: &Option<Vec<String>>| {
            teams.as_ref().is_none_or(|teams| user.teams.iter().any(|team| teams.contains(team)))
        };
        user.service_account.is_none()
            && self.ids.as_ref().is_none_or(|ids| ids.contains(&user.id))
            && starts_with_ignoring_case(&user.username, self.username)
            && in_any(&self.team_ids)
            && in_any(&self.named_team_ids)
            && self.roles.as_ref().is_none_or(|roles| roles.contains(&user.role.number()))
            && (self.phrase.is_empty()
                || [&user.first_name, &user.last_name, &user.email]
                    .iter()
                    .any(|field| starts_with_ignoring_case(field, self.phrase)))
            && match self.status {
                None => true,
                Some(UserStatus::Active) => user.active,
                Some(UserStatus::Inactive) => !user.active,
                Some(_) => false,
            }
    }
}

pub(super) fn create(state: &mut State, call: &RoutedRequest) -> Handled {
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
    let profile = state.user_profile(&user);
    state.push_user(user);
    answer(201, profile)
}

pub(super) fn get_current(state: &mut State, call: &RoutedRequest) -> Handled {
    answer(200, state.user_profile(&caller(state, call)))
}

pub(super) fn get_active_team(state: &mut State, call: &RoutedRequest) -> Handled {
    let caller = caller(state, call);
    let team = caller.teams.first().and_then(|id| state.team(id)).ok_or_else(not_found)?;
    answer(200, types::ActiveTeam { id: team.id.clone().into(), name: team.name.clone() })
}

pub(super) fn get(state: &mut State, call: &RoutedRequest) -> Handled {
    let user = user_or_404(state, call)?;
    require_self_or_admin(state, call, &user.id)?;
    answer(200, state.user_profile(user))
}

pub(super) fn write(state: &mut State, call: &RoutedRequest, replace: bool) -> Handled {
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
    answer(200, state.user_profile(&user))
}

pub(super) fn get_teams(state: &mut State, call: &RoutedRequest) -> Handled {
    let user = user_or_404(state, call)?;
    require_self_or_admin(state, call, &user.id)?;
    let teams: Vec<&TeamRecord> = user.teams.iter().filter_map(|id| state.team(id)).collect();
    let path = format!("/team-management/v1/users/{}/teams/", user.id);
    let (teams, links, count) = page(teams, call, &path);
    let results = teams.into_iter().map(|team| state.team_summary(team)).collect();
    answer(200, types::TeamList { count, links: Some(links), results })
}

pub(super) fn set_teams(state: &mut State, call: &RoutedRequest) -> Handled {
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
    empty(204)
}

pub(super) fn set_role(state: &mut State, call: &RoutedRequest, role: RoleId) -> Handled {
    let caller = require_admin(state, call)?;
    if role == RoleId::OrganizationAdmin && caller.role != RoleId::OrganizationAdmin {
        return Err(forbidden());
    }
    let id = user_or_404(state, call)?.id.clone();
    let user = state.change_user(&id, |user| user.role = role);
    answer(200, state.user_profile(&user))
}

pub(super) fn set_active(state: &mut State, call: &RoutedRequest, active: bool) -> Handled {
    let caller = require_admin(state, call)?;
    let id = user_or_404(state, call)?.id.clone();
    if !active && id == caller.id {
        return Err(Reply::detail(403, "You cannot deactivate yourself."));
    }
    let user = state.change_user(&id, |user| user.active = active);
    answer(200, state.user_profile(&user))
}

pub(super) fn get_access_key(state: &mut State, call: &RoutedRequest) -> Handled {
    let user = user_or_404(state, call)?;
    require_self_or_admin(state, call, &user.id)?;
    answer(200, State::access_key(user))
}

pub(super) fn reset_access_key(state: &mut State, call: &RoutedRequest) -> Handled {
    let id = user_or_404(state, call)?.id.clone();
    require_self_or_admin(state, call, &id)?;
    answer(200, State::access_key(&state.rotate_key(&id)))
}

pub(super) fn get_permissions(state: &mut State, call: &RoutedRequest) -> Handled {
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
    answer(200, serde_json::from_value::<types::UserPermissions>(permissions).expect("an object"))
}
