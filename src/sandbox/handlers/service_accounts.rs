//! Service accounts: non-human accounts in one team, listed apart from users.

use serde_json::json;

use super::{
    Handled, Reply, RoutedRequest, State, UserRecord, answer, body, empty, forbidden, invalid, not_found, page,
    require_admin, split_list,
};
use crate::sandbox::state::ServiceAccountInfo;
use crate::{RoleId, types};

fn service_account_or_404<'a>(state: &'a State, call: &RoutedRequest) -> Result<&'a UserRecord, Reply> {
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

pub(super) fn lookup(state: &mut State, call: &RoutedRequest) -> Handled {
    require_admin(state, call)?;
    let ids = call.query("id").map(split_list);
    let username = call.query("username").unwrap_or("").to_lowercase();
    let team_ids = call.query("teams").map(split_list);
    let accounts: Vec<&UserRecord> = state
        .index()
        .service_accounts()
        .iter()
        .map(|&position| state.at(position))
        .filter(|user| user.active)
        .filter(|user| ids.as_ref().is_none_or(|ids| ids.contains(&user.id)))
        .filter(|user| username.is_empty() || user.username.to_lowercase().contains(&username))
        .filter(|user| team_ids.as_ref().is_none_or(|ids| user.teams.iter().any(|team| ids.contains(team))))
        .collect();
    let (accounts, links, count) = page(accounts, call, "/team-management/v1/service-accounts/");
    let results = accounts.into_iter().map(|account| state.service_account_profile(account)).collect();
    answer(200, types::ServiceAccountList { count, links: Some(links), results })
}

pub(super) fn create(state: &mut State, call: &RoutedRequest) -> Handled {
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
    answer(201, created)
}

pub(super) fn get(state: &mut State, call: &RoutedRequest) -> Handled {
    require_admin(state, call)?;
    let account = service_account_or_404(state, call)?;
    answer(200, state.service_account_profile(account))
}

pub(super) fn update(state: &mut State, call: &RoutedRequest) -> Handled {
    require_admin(state, call)?;
    let id = service_account_or_404(state, call)?.id.clone();
    let request: types::UpdateServiceAccountRequest = body(call)?;
    check_service_account_name(&request.name)?;
    let account = state.change_user(&id, |account| {
        if let Some(info) = &mut account.service_account {
            info.name = request.name;
        }
    });
    answer(200, state.service_account_profile(&account))
}

pub(super) fn delete(state: &mut State, call: &RoutedRequest) -> Handled {
    require_admin(state, call)?;
    let id = service_account_or_404(state, call)?.id.clone();
    // Deleted: it no longer authenticates or appears anywhere.
    state.change_user(&id, |account| account.active = false);
    empty(204)
}

pub(super) fn reset_access_key(state: &mut State, call: &RoutedRequest) -> Handled {
    require_admin(state, call)?;
    let id = service_account_or_404(state, call)?.id.clone();
    let account = state.rotate_key(&id);
    answer(200, types::ServiceAccountKey { access_key: account.access_key })
}
