//! Argument types several groups share: pages, counts, roles, passwords, periods.

use std::io::BufRead;

use clap::{Args, ValueEnum};

use super::CliError;
use crate::{RoleId, Secret};

/// What a USER argument takes.
pub(super) const USER_HELP: &str = "A username or a user id (any case)";
/// What a TEAM argument takes.
pub(super) const TEAM_HELP: &str = "A team name or a team id (any case)";

#[derive(Debug, Args)]
pub(super) struct Page {
    /// Records per page (at most 100).
    #[arg(long, value_parser = count, allow_negative_numbers = true)]
    pub(super) limit: Option<u64>,
    /// Index of the first record.
    #[arg(long, value_parser = count, allow_negative_numbers = true)]
    pub(super) offset: Option<u64>,
}

/// A count: a whole number of 0 or more, with a message that says so for anything else.
pub(super) fn count(text: &str) -> Result<u64, String> {
    match text.trim().parse::<i128>() {
        Ok(number) if number < 0 => Err(format!("{number} is negative: give a whole number of 0 or more")),
        Ok(number) => u64::try_from(number).map_err(|_| format!("{number} is too large")),
        Err(_) => Err(format!("{text:?} is not a whole number")),
    }
}

/// The most seconds `--timeout` takes: a day is longer than any request should wait, and far
/// from the overflow of adding it to the clock.
pub(super) const MAX_TIMEOUT_SECONDS: u64 = 86_400;

/// `--timeout`: whole seconds from 1 to a day.
pub(super) fn timeout_seconds(text: &str) -> Result<u64, String> {
    match count(text)? {
        0 => Err("0 seconds would fail every request: give 1 or more".into()),
        seconds if seconds > MAX_TIMEOUT_SECONDS => {
            Err(format!("{seconds} seconds is too long: give at most {MAX_TIMEOUT_SECONDS} (a day)"))
        }
        seconds => Ok(seconds),
    }
}

/// The role names the CLI takes, with the API's numbers.
pub(super) const ROLE_NAMES: [(&str, RoleId); 3] =
    [("org-admin", RoleId::OrganizationAdmin), ("team-admin", RoleId::TeamAdmin), ("member", RoleId::Member)];

/// The roles a `--roles` filter names.
#[derive(Clone, Debug)]
pub(super) struct RoleFilter(pub(super) Vec<RoleId>);

/// A comma-separated list of roles by name (or number).
pub(super) fn role_list(text: &str) -> Result<RoleFilter, String> {
    let mut roles = Vec::new();
    for item in text.split(',').map(str::trim).filter(|item| !item.is_empty()) {
        let role = ROLE_NAMES
            .iter()
            .find(|(name, role)| item.eq_ignore_ascii_case(name) || item == role.number().to_string())
            .map(|(_, role)| *role)
            .ok_or_else(|| format!("unknown role {item:?}: use org-admin, team-admin or member (or 1, 4, 3)"))?;
        roles.push(role);
    }
    if roles.is_empty() {
        return Err("name at least one role: org-admin, team-admin or member".into());
    }
    Ok(RoleFilter(roles))
}

pub(super) fn role_name(role: RoleId) -> &'static str {
    ROLE_NAMES.iter().find(|(_, known)| *known == role).map_or("another role", |(name, _)| name)
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(super) enum RoleArg {
    /// An organization admin: manages every team and user.
    OrgAdmin,
    /// A team admin: manages the members of their teams.
    TeamAdmin,
    /// A member: runs tests.
    Member,
}

impl From<RoleArg> for RoleId {
    fn from(role: RoleArg) -> RoleId {
        match role {
            RoleArg::OrgAdmin => RoleId::OrganizationAdmin,
            RoleArg::TeamAdmin => RoleId::TeamAdmin,
            RoleArg::Member => RoleId::Member,
        }
    }
}

#[derive(Debug, Args)]
pub(super) struct PasswordSource {
    /// Read the password from the first line of standard input; otherwise it is taken from
    /// SAUCE_NEW_PASSWORD (never from a flag, which would end up in shell history).
    #[arg(long)]
    password_stdin: bool,
}

impl PasswordSource {
    /// The password from standard input or SAUCE_NEW_PASSWORD, if either gives one.
    pub(super) fn optional(&self) -> Result<Option<Secret>, CliError> {
        if self.password_stdin {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .map_err(|error| CliError::Usage(format!("reading the password: {error}")))?;
            return Ok(Some(Secret::new(line.trim_end_matches(['\r', '\n']))));
        }
        Ok(std::env::var("SAUCE_NEW_PASSWORD").ok().filter(|password| !password.is_empty()).map(Secret::new))
    }

    pub(super) fn required(&self) -> Result<Secret, CliError> {
        self.optional()?.ok_or_else(|| {
            CliError::Usage("a password is needed: pass --password-stdin or set SAUCE_NEW_PASSWORD".into())
        })
    }
}

/// The time span of an activity report.
#[derive(Debug, Args)]
pub(super) struct Period {
    /// From this moment: seconds since the Unix epoch, or a day (2023-04-18, from midnight UTC).
    #[arg(long, value_parser = moment)]
    pub(super) since: Option<u64>,
    /// Until this moment: seconds since the Unix epoch, or a day (2023-04-18, from midnight UTC).
    #[arg(long, value_parser = moment)]
    pub(super) until: Option<u64>,
}

/// A moment as the activity endpoints take it: Unix seconds, or a day at midnight UTC.
fn moment(text: &str) -> Result<u64, String> {
    if let Ok(day) = chrono::NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d") {
        let seconds = day.and_time(chrono::NaiveTime::MIN).and_utc().timestamp();
        return u64::try_from(seconds).map_err(|_| format!("{text} is before 1970"));
    }
    count(text).map_err(|_| format!("{text:?} is neither a day (2023-04-18) nor seconds since 1970"))
}

/// Sets each optional value that was given: `with_optional!(request, id = id, …)`.
macro_rules! with_optional {
    ($request:expr, $($setter:ident = $value:expr),* $(,)?) => {{
        let mut request = $request;
        $(if let Some(value) = $value {
            request = request.$setter(value.to_owned());
        })*
        request
    }};
}
pub(super) use with_optional;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_are_bounded_with_a_reason() {
        assert_eq!(timeout_seconds("30"), Ok(30));
        assert!(timeout_seconds("18446744073709551615").unwrap_err().contains("at most 86400"));
        assert!(timeout_seconds("0").unwrap_err().contains("1 or more"));
        assert!(timeout_seconds("-1").unwrap_err().contains("negative"));
    }
}
