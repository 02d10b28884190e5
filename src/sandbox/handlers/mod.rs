//! What the sandbox does for each operation of the spec, one module per group of the spec
//! (its tag); this module dispatches and holds the rules they share.

mod classic;
mod concurrency;
mod membership;
mod organizations;
mod service_accounts;
mod teams;
mod users;

use std::ops::Range;
use std::sync::MutexGuard;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::state::{State, TeamRecord, UserRecord};
use super::{Reply, RoutedRequest};
use crate::operations::OperationId;
use crate::{RoleId, Secret, types};

/// What a handler answers: an error reply at once, or an answer still to be encoded.
type Handled = Result<Answer, Reply>;

/// A successful answer whose JSON is written only after the state's lock is released: a
/// handler copies what it needs out of the state, and serialising a page of 100 users does
/// not hold up every other request.
pub(crate) struct Answer(Box<dyn FnOnce() -> Reply>);

impl Answer {
    fn into_reply(self) -> Reply {
        (self.0)()
    }
}

/// A JSON answer, encoded after the lock is released.
fn answer<T: Serialize + 'static>(status: u16, value: T) -> Handled {
    Ok(Answer(Box::new(move || Reply::json(status, &value))))
}

/// An answer without a body.
fn empty(status: u16) -> Handled {
    Ok(Answer(Box::new(move || Reply::empty(status))))
}

/// Handles one call holding `state`, and encodes the answer after releasing it.
pub(crate) fn handle(mut state: MutexGuard<'_, State>, call: &RoutedRequest) -> Reply {
    let handled = dispatch(&mut state, call);
    drop(state);
    match handled {
        Ok(answer) => answer.into_reply(),
        Err(reply) => reply,
    }
}

/// Dispatches on the operation: the match is exhaustive, so an operation added to the spec
/// does not compile until it has a handler here (`cargo xtask add-operation-check`).
fn dispatch(state: &mut State, call: &RoutedRequest) -> Handled {
    let Some(operation) = OperationId::from_id(call.operation_id) else {
        return Err(Reply::detail(501, &format!("The sandbox does not implement {}.", call.operation_id)));
    };
    match operation {
        OperationId::LookupTeams => teams::lookup(state, call),
        OperationId::CreateTeam => teams::create(state, call),
        OperationId::GetTeam => teams::get(state, call),
        OperationId::ReplaceTeam => teams::write(state, call, true),
        OperationId::UpdateTeam => teams::write(state, call, false),
        OperationId::DeleteTeam => teams::delete(state, call),
        OperationId::ListTeamMembers => teams::list_members(state, call),
        OperationId::ResetTeamAccessKeys => teams::reset_access_keys(state, call),
        OperationId::LookupUsers => users::lookup(state, call),
        OperationId::CreateUser => users::create(state, call),
        OperationId::GetActiveTeam => users::get_active_team(state, call),
        OperationId::GetCurrentUser => users::get_current(state, call),
        OperationId::GetUser => users::get(state, call),
        OperationId::ReplaceUser => users::write(state, call, true),
        OperationId::UpdateUser => users::write(state, call, false),
        OperationId::GetUserTeams => users::get_teams(state, call),
        OperationId::SetUserTeams => users::set_teams(state, call),
        OperationId::SetUserAdmin => users::set_role(state, call, RoleId::OrganizationAdmin),
        OperationId::SetUserTeamAdmin => users::set_role(state, call, RoleId::TeamAdmin),
        OperationId::SetUserMember => users::set_role(state, call, RoleId::Member),
        OperationId::ActivateUser => users::set_active(state, call, true),
        OperationId::DeactivateUser => users::set_active(state, call, false),
        OperationId::GetUserAccessKey => users::get_access_key(state, call),
        OperationId::ResetUserAccessKey => users::reset_access_key(state, call),
        OperationId::GetUserPermissions => users::get_permissions(state, call),
        OperationId::CreateMembership => membership::create(state, call),
        OperationId::LookupOrganizations => organizations::lookup(state, call),
        OperationId::ClassicGetUser => classic::get_user(state, call),
        OperationId::ClassicCreateSubaccount => classic::create_subaccount(state, call),
        OperationId::ClassicListSubaccounts => classic::list_subaccounts(state, call),
        OperationId::ClassicGetSubaccounts => classic::get_subaccounts(state, call),
        OperationId::ClassicListSiblings => classic::list_siblings(state, call),
        OperationId::ClassicChangeAccessKey => classic::change_access_key(state, call),
        OperationId::ClassicGetConcurrency => classic::get_concurrency(state, call),
        OperationId::ClassicGetActivity => classic::get_activity(state, call),
        OperationId::ClassicGetUsage => classic::get_usage(state, call),
        OperationId::ClassicGetOrganizationActivity => classic::get_organization_activity(state, call),
        OperationId::ClassicGetTeamsActivity => classic::get_teams_activity(state, call),
        OperationId::ClassicGetUsersActivity => classic::get_users_activity(state, call),
        OperationId::GetRealDeviceConcurrency => concurrency::get_real_device(state, call),
        OperationId::LookupServiceAccounts => service_accounts::lookup(state, call),
        OperationId::CreateServiceAccount => service_accounts::create(state, call),
        OperationId::GetServiceAccount => service_accounts::get(state, call),
        OperationId::UpdateServiceAccount => service_accounts::update(state, call),
        OperationId::DeleteServiceAccount => service_accounts::delete(state, call),
        OperationId::ResetServiceAccountAccessKey => service_accounts::reset_access_key(state, call),
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

fn caller(state: &State, call: &RoutedRequest) -> UserRecord {
    state.user(&call.caller).cloned().expect("authenticated callers exist")
}

/// Organization and team admins may manage; members may only read about themselves.
fn require_admin(state: &State, call: &RoutedRequest) -> Result<UserRecord, Reply> {
    let caller = caller(state, call);
    match caller.role {
        RoleId::OrganizationAdmin | RoleId::TeamAdmin => Ok(caller),
        RoleId::Member | RoleId::Other(_) => Err(forbidden()),
    }
}

fn require_org_admin(state: &State, call: &RoutedRequest) -> Result<UserRecord, Reply> {
    let caller = caller(state, call);
    if caller.role == RoleId::OrganizationAdmin { Ok(caller) } else { Err(forbidden()) }
}

/// Parses a body with the generated request type; serde's complaints become DRF-style
/// field errors.
fn body<T: DeserializeOwned>(call: &RoutedRequest) -> Result<T, Reply> {
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
fn query_number(call: &RoutedRequest, name: &str, default: u64) -> u64 {
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

/// One `limit`/`offset` page (limit 20 by default, capped at 100) of `items`, with its links.
fn page<T>(items: Vec<T>, call: &RoutedRequest, path: &str) -> (Vec<T>, types::Links, u64) {
    let count = items.len() as u64;
    let (links, range) = window(call, path, count);
    let page = items.into_iter().skip(range.start).take(range.len()).collect();
    (page, links, count)
}

/// The links of one `limit`/`offset` page of a listing of `count` items, and the positions
/// in the listing that the page shows.
fn window(call: &RoutedRequest, path: &str, count: u64) -> (types::Links, Range<usize>) {
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
        next: (offset.saturating_add(limit) < count).then(|| link(offset + limit)),
        previous: (offset > 0).then(|| link(offset.saturating_sub(limit))),
    };
    let start = offset.min(count);
    (links, start as usize..start.saturating_add(limit).min(count) as usize)
}

fn team_or_404<'a>(state: &'a State, call: &RoutedRequest) -> Result<&'a TeamRecord, Reply> {
    state.team(call.param("team_id")).ok_or_else(not_found)
}

fn user_or_404<'a>(state: &'a State, call: &RoutedRequest) -> Result<&'a UserRecord, Reply> {
    state.user(call.param("user_id")).ok_or_else(not_found)
}

fn classic_user_or_404<'a>(state: &'a State, call: &RoutedRequest) -> Result<&'a UserRecord, Reply> {
    state.user_by_username(call.param("username")).ok_or_else(|| Reply::detail(404, "User not found."))
}

/// Members may read their own record; admins any.
fn require_self_or_admin(state: &State, call: &RoutedRequest, user_id: &str) -> Result<(), Reply> {
    if call.caller == user_id { Ok(()) } else { require_admin(state, call).map(drop) }
}
