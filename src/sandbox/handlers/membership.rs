//! Membership: moving a user into a team (the deprecated call).

use serde_json::json;

use super::{Handled, RoutedRequest, State, answer, body, invalid, require_admin};
use crate::RoleId;
use crate::sandbox::state::now;
use crate::types;

pub(super) fn create(state: &mut State, call: &RoutedRequest) -> Handled {
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
    answer(201, membership)
}
