//! Routing by the spec's path templates, Basic authentication, the rate-limit mode, and
//! the fault mode's decision for each write.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use percent_encoding::percent_decode_str;

use super::faults::WriteFault;
use super::state::State;
use super::{Params, Reply, RoutedRequest, Shared, handlers, lock};
use crate::RateLimit;
use crate::rate_limit::Gcra;

/// The rate-limit mode: one pair of buckets per account (and one for unauthenticated calls).
pub(super) struct RateLimits {
    pub(super) limit: RateLimit,
    pub(super) accounts: Mutex<HashMap<String, (Gcra, Gcra)>>,
}

impl RateLimits {
    /// Takes one request from `account`'s budget, or says how long to wait; with the headers
    /// every answer carries.
    fn admit(&self, account: Option<&str>) -> (Result<(), Duration>, Vec<(&'static str, String)>) {
        let (per_second, per_hour, burst) = match account {
            Some(_) => {
                (self.limit.per_second(), f64::from(self.limit.per_hour()), self.limit.per_second().ceil() as u32)
            }
            None => (2.0 / 60.0, 120.0, 2),
        };
        let hourly_budget = per_hour as u32;
        let mut accounts = self.accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (second, hour) = accounts.entry(account.unwrap_or("").to_string()).or_insert_with(|| {
            (
                Gcra::new(per_second, Duration::from_secs(1), burst),
                Gcra::new(per_hour, Duration::from_secs(3600), hourly_budget),
            )
        });
        let now = Instant::now();
        let earliest = second.earliest(now).max(hour.earliest(now));
        let admitted = if earliest <= now {
            second.take(now);
            hour.take(now);
            Ok(())
        } else {
            Err(earliest - now)
        };
        let resets_in = hour.full_at(now) - now;
        let resets_at = SystemTime::now() + resets_in;
        let epoch = resets_at.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs_f64().ceil() as u64;
        let headers = vec![
            ("X-Ratelimit-Limit", hourly_budget.to_string()),
            ("X-Ratelimit-Remaining", hour.remaining(now, hourly_budget).to_string()),
            ("X-Ratelimit-Reset", epoch.to_string()),
        ];
        (admitted, headers)
    }
}

/// Routes, authenticates and handles one request; `None` when the fault mode drops the
/// connection instead of answering.
pub(super) fn respond(
    shared: &Shared,
    method: &str,
    url: &str,
    authorization: Option<&str>,
    body: Vec<u8>,
) -> Option<Reply> {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let query: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_query(key), decode_query(value))
        })
        .collect();
    let (operation, params) = match route(method, path) {
        Route::Found(operation, params) => (operation, params),
        Route::AddSlash => {
            return Some(Reply {
                status: 301,
                body: None,
                location: Some(format!("{path}/{}", if url.contains('?') { &url[path.len()..] } else { "" })),
                headers: Vec::new(),
            });
        }
        Route::WrongMethod => return Some(Reply::detail(405, &format!("Method \"{method}\" not allowed."))),
        Route::NotFound => return Some(Reply::detail(404, "Not found.")),
    };
    let mut state = lock(&shared.state);
    let authenticated = authenticate(&state, authorization);
    let mut limit_headers = Vec::new();
    if let Some(limits) = &shared.limits {
        let account = authenticated.as_ref().ok().and_then(|id| state.user(id)).map(|user| user.username.clone());
        let (admitted, headers) = limits.admit(account.as_deref());
        if let Err(wait) = admitted {
            let mut reply = Reply::detail(429, "Request was throttled.");
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            reply.headers = headers;
            reply.headers.push(("Retry-After", seconds.max(1).to_string()));
            return Some(reply);
        }
        limit_headers = headers;
    }
    let caller = match authenticated {
        Ok(caller) => caller,
        Err(mut reply) => {
            reply.headers.extend(limit_headers);
            return Some(reply);
        }
    };
    let fault =
        if matches!(method, "POST" | "PUT" | "PATCH" | "DELETE") { shared.faults.on_write() } else { WriteFault::None };
    if fault == WriteFault::Fail {
        let mut reply = Reply::detail(503, "Service unavailable: a write failed on purpose (sandbox fault mode).");
        reply.headers.extend(limit_headers);
        return Some(reply);
    }
    state.note_activity(&caller);
    let call =
        RoutedRequest { operation_id: operation.id, params, query, body, caller, base_url: shared.base_url.clone() };
    let mut reply = handlers::handle(state, &call);
    reply.headers.extend(limit_headers);
    (fault != WriteFault::DropAfterCommit).then_some(reply)
}

fn decode_query(text: &str) -> String {
    percent_decode_str(&text.replace('+', " ")).decode_utf8_lossy().into_owned()
}

enum Route {
    Found(&'static crate::operations::OperationInfo, Params),
    AddSlash,
    WrongMethod,
    NotFound,
}

/// Matches a raw path against the spec's path templates; the template with the most literal
/// segments wins (`users/me/active-team/` over `users/{user_id}/…`).
fn route(method: &str, path: &str) -> Route {
    let matching = |path: &str| -> Vec<(&'static crate::operations::OperationInfo, Params, usize)> {
        crate::operations::ALL
            .iter()
            .filter_map(|operation| {
                let template: Vec<&'static str> = operation.path_template.split('/').collect();
                let actual: Vec<&str> = path.split('/').collect();
                if template.len() != actual.len() {
                    return None;
                }
                let mut params = Vec::new();
                let mut literals = 0;
                for (expected, got) in template.iter().zip(&actual) {
                    if let Some(name) = expected.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')) {
                        let value = percent_decode_str(got).decode_utf8().ok()?.into_owned();
                        if value.is_empty() {
                            return None;
                        }
                        params.push((name, value));
                    } else if expected == got {
                        literals += 1;
                    } else {
                        return None;
                    }
                }
                Some((operation, params, literals))
            })
            .collect()
    };
    let found = matching(path);
    if found.is_empty() {
        return if !path.ends_with('/') && !matching(&format!("{path}/")).is_empty() {
            Route::AddSlash
        } else {
            Route::NotFound
        };
    }
    let best = found.iter().map(|(_, _, literals)| *literals).max().unwrap_or(0);
    match found.into_iter().find(|(operation, _, literals)| *literals == best && operation.method == method) {
        Some((operation, params, _)) => Route::Found(operation, params),
        None => Route::WrongMethod,
    }
}

fn authenticate(state: &State, authorization: Option<&str>) -> Result<String, Reply> {
    let Some(header) = authorization else {
        return Err(Reply::detail(401, "Authentication credentials were not provided."));
    };
    let invalid = || Reply::detail(401, "Invalid username/password.");
    let encoded = header.strip_prefix("Basic ").ok_or_else(invalid)?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|_| invalid())?;
    let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
    let (username, key) = decoded.split_once(':').ok_or_else(invalid)?;
    match state.user_by_username(username) {
        Some(user) if user.active && user.access_key.expose() == key => Ok(user.id.clone()),
        Some(user) if !user.active && user.access_key.expose() == key => {
            Err(Reply::detail(401, "User inactive or deleted."))
        }
        _ => Err(invalid()),
    }
}
