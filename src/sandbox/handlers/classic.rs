//! The classic REST API: subaccounts, keys, concurrency, activity and usage.

use std::collections::BTreeMap;

use serde_json::json;

use super::{
    Handled, Reply, RoutedRequest, State, UserRecord, answer, body, check_email, check_password, classic_user_or_404,
    invalid, query_number, require_admin, require_self_or_admin,
};
use crate::RoleId;
use crate::sandbox::state::now;
use crate::types;

pub(super) fn get_user(state: &mut State, call: &RoutedRequest) -> Handled {
    let user = classic_user_or_404(state, call)?;
    let own = user.id == call.caller;
    if !own {
        require_admin(state, call)?;
    }
    answer(200, state.classic_user(user, own))
}

pub(super) fn create_subaccount(state: &mut State, call: &RoutedRequest) -> Handled {
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
    state.push_user(user);
    answer(201, created)
}

pub(super) fn list_subaccounts(state: &mut State, call: &RoutedRequest) -> Handled {
    let parent = classic_user_or_404(state, call)?;
    let from = query_number(call, "from", 0) as usize;
    let limit = query_number(call, "limit", 100).clamp(1, 100) as usize;
    let users = state
        .subaccounts_of(&parent.username)
        .skip(from)
        .take(limit)
        .map(|user| state.classic_user(user, false))
        .collect();
    answer(200, types::SubaccountList { users })
}

pub(super) fn get_subaccounts(state: &mut State, call: &RoutedRequest) -> Handled {
    let user = classic_user_or_404(state, call)?;
    let mut users = vec![state.classic_user(user, false)];
    if let Some(parent) = &user.parent {
        users.extend(
            state
                .subaccounts_of(parent)
                .filter(|sibling| sibling.id != user.id)
                .map(|sibling| state.classic_user(sibling, false)),
        );
    }
    answer(200, types::SubaccountList { users })
}

pub(super) fn list_siblings(state: &mut State, call: &RoutedRequest) -> Handled {
    let user = classic_user_or_404(state, call)?;
    let page = query_number(call, "page", 1).max(1) as usize;
    let per_page = query_number(call, "per_page", 50).clamp(1, 50) as usize;
    let siblings: Vec<types::Sibling> = match &user.parent {
        Some(parent) => state
            .subaccounts_of(parent)
            .filter(|sibling| sibling.id != user.id)
            .skip((page - 1) * per_page)
            .take(per_page)
            .map(|sibling| types::Sibling { id: Some(sibling.id.clone()), username: sibling.username.clone() })
            .collect(),
        None => Vec::new(),
    };
    answer(200, types::SiblingList(siblings))
}

pub(super) fn change_access_key(state: &mut State, call: &RoutedRequest) -> Handled {
    let id = classic_user_or_404(state, call)?.id.clone();
    require_self_or_admin(state, call, &id)?;
    let user = state.rotate_key(&id);
    answer(200, state.classic_user(&user, true))
}

fn device_counts(virtual_machines: u64, real_devices: u64) -> types::DeviceCounts {
    types::DeviceCounts {
        mac_vms: Some(virtual_machines.into()),
        rds: Some(real_devices.into()),
        vms: Some(virtual_machines.into()),
    }
}

pub(super) fn get_concurrency(state: &mut State, call: &RoutedRequest) -> Handled {
    let user = classic_user_or_404(state, call)?;
    let running_all = state.index().running;
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
    answer(200, concurrency)
}

/// The days an Insights-style activity request covers (`since`/`until`, Unix seconds), or
/// `None` when it names neither and the older counts are wanted. Bad values get FastAPI's 422.
fn activity_days(call: &RoutedRequest, default_to_last_week: bool) -> Result<Option<Vec<chrono::NaiveDate>>, Reply> {
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

pub(super) fn get_activity(state: &mut State, call: &RoutedRequest) -> Handled {
    let user = classic_user_or_404(state, call)?;
    let mut accounts = vec![user];
    if call.query("level") != Some("user") {
        accounts.extend(state.subaccounts_of(&user.username));
    }
    if let Some(days) = activity_days(call, false)? {
        return answer(200, daily_activity(accounts.into_iter(), &days));
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
    answer(200, activity)
}

pub(super) fn get_usage(state: &mut State, call: &RoutedRequest) -> Handled {
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
    answer(200, types::Usage { username: Some(user.username.clone()), usage })
}

pub(super) fn get_organization_activity(state: &mut State, call: &RoutedRequest) -> Handled {
    require_admin(state, call)?;
    if let Some(days) = activity_days(call, false)? {
        let by_organization = BTreeMap::from([(state.org.id.clone(), daily_activity(state.all_users().iter(), &days))]);
        return answer(200, by_organization);
    }
    let report = types::ActivityReport {
        teams: Default::default(),
        totals: State::activity_counts(state.all_users().iter()),
        extra: Default::default(),
    };
    answer(200, report)
}

pub(super) fn get_teams_activity(state: &mut State, call: &RoutedRequest) -> Handled {
    require_admin(state, call)?;
    let wanted: Vec<&str> = call.query_all("id").collect();
    let teams = state.teams.iter().filter(|team| wanted.is_empty() || wanted.contains(&team.id.as_str()));
    match activity_days(call, !wanted.is_empty())? {
        Some(days) => {
            let by_team: BTreeMap<String, types::DailyActivity> =
                teams.map(|team| (team.id.clone(), daily_activity(state.members(&team.id), &days))).collect();
            answer(200, by_team)
        }
        None => {
            let teams = Some(types::ActivityCountsByKey(
                teams.map(|team| (team.id.clone(), State::activity_counts(state.members(&team.id)))).collect(),
            ));
            let totals = State::activity_counts(state.all_users().iter());
            answer(200, types::ActivityReport { teams, totals, extra: Default::default() })
        }
    }
}

pub(super) fn get_users_activity(state: &mut State, call: &RoutedRequest) -> Handled {
    require_admin(state, call)?;
    let days = activity_days(call, true)?.unwrap_or_default();
    let wanted: Vec<&str> = call.query_all("users").collect();
    let by_user: BTreeMap<String, types::DailyActivity> = state
        .index()
        .people()
        .iter()
        .map(|&position| state.at(position))
        .filter(|user| wanted.is_empty() || wanted.contains(&user.id.as_str()))
        .map(|user| (user.id.clone(), daily_activity(std::iter::once(user), &days)))
        .collect();
    answer(200, by_user)
}
