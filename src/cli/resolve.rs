//! USER, TEAM and service-account arguments by name or id, resolved the same way everywhere:
//! the API's own filter, one request in the common case, every page when the name is not on
//! the first; a name that matches nothing is an error listing candidates.

use super::CliError;
use crate::{Client, Error, types};

/// Whether an argument goes to the API as it is: an id (32 hexadecimal digits, or a UUID
/// with dashes), or blank, which the library refuses by name before sending.
fn passes_as_is(text: &str) -> bool {
    let hex = |text: &str, len: usize| text.len() == len && text.bytes().all(|byte| byte.is_ascii_hexdigit());
    text.trim().is_empty() || hex(text, 32) || (text.len() == 36 && hex(&text.replace('-', ""), 32))
}

/// A candidate: its name and its id.
type Named = (String, String);

/// A first page: the listing's total and the candidates on it.
type FirstPage<'a> = Box<dyn FnOnce() -> Result<(u64, Vec<Named>), Error> + 'a>;

/// What to look a name up with.
struct Lookup<'a> {
    /// `user`, `team`, `service account`.
    kind: &'a str,
    /// The command that lists them.
    list_command: &'a str,
    /// The first page the API's filter gives, with the listing's total.
    first_page: FirstPage<'a>,
    /// Every match of the filter, when the first page does not hold the name.
    every: Box<dyn FnOnce() -> Result<Vec<Named>, Error> + 'a>,
    /// A few names to suggest when the filter matches nothing.
    some: Box<dyn FnOnce() -> Result<Vec<String>, Error> + 'a>,
    /// Whether a name can match where the filter does not (a service account's display
    /// name), so that no exact match on the first page means walking them all.
    filter_misses_some: bool,
}

/// The id `wanted` names: itself when it is an id, else the one candidate whose name is
/// `wanted` (in any case; the exact case wins when several differ only in case).
fn resolve(wanted: &str, lookup: Lookup<'_>) -> Result<String, CliError> {
    if passes_as_is(wanted) {
        return Ok(wanted.to_string());
    }
    let Lookup { kind, list_command, first_page, every, some, filter_misses_some } = lookup;
    let (total, mut found) = first_page()?;
    let exactly = |found: &[Named]| found.iter().any(|(name, _)| name == wanted);
    if !exactly(&found) && (filter_misses_some || total > found.len() as u64) {
        found = every()?;
    }
    let matching: Vec<&Named> = found.iter().filter(|(name, _)| name.eq_ignore_ascii_case(wanted)).collect();
    let same_case: Vec<&&Named> = matching.iter().filter(|(name, _)| name == wanted).collect();
    match (matching.as_slice(), same_case.as_slice()) {
        ([(_, id)], _) | (_, [(_, id)]) => Ok(id.clone()),
        ([], _) => {
            let candidates =
                if found.is_empty() { some()? } else { found.iter().take(10).map(|(name, _)| name.clone()).collect() };
            let candidates = if candidates.is_empty() {
                format!("`{list_command}` shows them")
            } else {
                format!("candidates: {} (`{list_command}` shows all)", candidates.join(", "))
            };
            Err(CliError::NotFound(format!("no {kind} is named {wanted:?}; {candidates}")))
        }
        (several, _) => Err(CliError::Usage(format!(
            "{wanted:?} names {} {kind}s: {} — give the id",
            several.len(),
            several.iter().map(|(name, id)| format!("{name} ({id})")).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// The user id for a USER argument: an id as it is, a username by lookup.
pub(super) fn user_id(client: &Client, user: &str) -> Result<String, CliError> {
    let named = |found: types::UserSummary| (found.username, found.id.to_string());
    resolve(
        user,
        Lookup {
            kind: "user",
            list_command: "users list",
            first_page: Box::new(|| {
                let page = client.users().lookup().username(user).limit(100).send()?;
                Ok((page.count, page.results.into_iter().map(named).collect()))
            }),
            every: Box::new(|| {
                client.users().lookup().username(user).limit(100).iter().map(|found| found.map(named)).collect()
            }),
            some: Box::new(|| {
                Ok(client.users().lookup().limit(10).send()?.results.into_iter().map(|found| found.username).collect())
            }),
            filter_misses_some: false,
        },
    )
}

/// The team id for a TEAM argument: an id as it is, a team name by lookup.
pub(super) fn team_id(client: &Client, team: &str) -> Result<String, CliError> {
    let named = |found: types::TeamSummary| (found.name, found.id.to_string());
    resolve(
        team,
        Lookup {
            kind: "team",
            list_command: "teams list",
            first_page: Box::new(|| {
                let page = client.teams().lookup().name(team).limit(100).send()?;
                Ok((page.count, page.results.into_iter().map(named).collect()))
            }),
            every: Box::new(|| {
                client.teams().lookup().name(team).limit(100).iter().map(|found| found.map(named)).collect()
            }),
            some: Box::new(|| {
                Ok(client.teams().lookup().limit(10).send()?.results.into_iter().map(|found| found.name).collect())
            }),
            filter_misses_some: false,
        },
    )
}

/// The team's name as the API spells it, for filters that take names.
pub(super) fn team_name(client: &Client, team: &str) -> Result<String, CliError> {
    let id = team_id(client, team)?;
    Ok(client.teams().get(&id).send().map_err(not_found("team", team, "teams list"))?.name)
}

/// The service account id for a name, username or id.
pub(super) fn service_account_id(client: &Client, account: &str) -> Result<String, CliError> {
    // Either of its names identifies it.
    let named = |found: types::ServiceAccount| {
        let name = if found.username.eq_ignore_ascii_case(account) {
            found.username
        } else {
            found.name.unwrap_or(found.username)
        };
        (name, found.id.to_string())
    };
    resolve(
        account,
        Lookup {
            kind: "service account",
            list_command: "service-accounts list",
            first_page: Box::new(|| {
                let page = client.service_accounts().lookup().username(account).limit(100).send()?;
                Ok((page.count, page.results.into_iter().map(named).collect()))
            }),
            every: Box::new(|| {
                // Its display name is not a filter of the API: walk them all.
                client.service_accounts().lookup().limit(100).iter().map(|found| found.map(named)).collect()
            }),
            some: Box::new(|| {
                let page = client.service_accounts().lookup().limit(10).send()?;
                Ok(page.results.into_iter().map(|found| found.username).collect())
            }),
            filter_misses_some: true,
        },
    )
}

/// Each comma-separated item of a filter resolved by `one`, joined again with commas.
pub(super) fn each(list: &str, mut one: impl FnMut(&str) -> Result<String, CliError>) -> Result<String, CliError> {
    let resolved: Vec<String> =
        list.split(',').map(str::trim).filter(|item| !item.is_empty()).map(&mut one).collect::<Result<_, _>>()?;
    Ok(resolved.join(","))
}

/// Turns a 404 for something named on the command line into a not-found error that points to
/// the command listing them.
pub(super) fn not_found<'a>(kind: &'a str, wanted: &'a str, list_command: &'a str) -> impl Fn(Error) -> CliError + 'a {
    move |error| {
        if error.is_not_found() {
            CliError::NotFound(format!(
                "no {kind} {wanted:?}: the service answered HTTP 404 (`{list_command}` shows valid ones)"
            ))
        } else {
            CliError::from(error)
        }
    }
}

/// `jim.smith (Jim Smith)`: how a user is named to a person.
pub(super) fn user_label(username: &str, first: Option<&str>, last: Option<&str>) -> String {
    let name = [first, last].into_iter().flatten().filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ");
    if name.is_empty() { username.to_string() } else { format!("{username} ({name})") }
}

pub(super) fn label_of(user: &types::User) -> String {
    user_label(&user.username, user.first_name.as_deref(), user.last_name.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    fn lookup<'a>(first: Vec<&'a str>, total: u64, all: Vec<&'a str>, walked: &'a Cell<bool>) -> Lookup<'a> {
        let named = |names: Vec<&str>| names.into_iter().map(|name| (name.to_string(), format!("id-{name}"))).collect();
        Lookup {
            kind: "user",
            list_command: "users list",
            first_page: Box::new(move || Ok((total, named(first)))),
            every: Box::new(move || {
                walked.set(true);
                Ok(named(all))
            }),
            some: Box::new(|| Ok(vec!["someone".into()])),
            filter_misses_some: false,
        }
    }

    /// One request when the name is on the first page; every page when it is not, so a user
    /// created after a hundred others sharing the prefix is still found.
    #[test]
    fn names_past_the_first_page_are_found() {
        let walked = Cell::new(false);
        assert_eq!(
            resolve("user0", lookup(vec!["user0", "user00"], 500, vec![], &walked)).ok(),
            Some("id-user0".into())
        );
        assert!(!walked.get(), "the common case is one request");
        let later = vec!["user000", "user0001", "user0"];
        assert_eq!(resolve("user0", lookup(vec!["user000"], 3, later, &walked)).ok(), Some("id-user0".into()));
        assert!(walked.get());
        let Err(CliError::NotFound(message)) = resolve("Ghost", lookup(vec![], 0, vec![], &Cell::new(false))) else {
            panic!("a missing name is not found")
        };
        assert!(message.contains("candidates: someone"), "{message}");
        let Err(CliError::Usage(message)) = resolve("ada", lookup(vec!["ADA", "Ada"], 2, vec![], &Cell::new(false)))
        else {
            panic!("two case variants without the exact one are ambiguous")
        };
        assert!(message.contains("give the id"), "{message}");
        assert_eq!(
            resolve("0123456789abcdef0123456789abcdef", lookup(vec![], 0, vec![], &walked)).ok().as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
    }
}
