//! The organization file: what an administrator writes by hand, reviews in a pull request,
//! and `export` writes. Things are named by name, never by id.

use std::collections::BTreeSet;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::OrgError;

/// A whole organization as it should be.
///
/// Every key but a name is optional: what the file leaves out is left as it is (a team
/// without `description` keeps its description, a user without `teams` keeps their teams).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OrgFile {
    /// `true`: users, teams and service accounts absent from this file are removed (users are
    /// deactivated, never deleted; the default team is never deleted). `false` (the default):
    /// they are listed as unmanaged and left alone.
    #[serde(default)]
    pub prune: bool,
    /// The teams.
    #[serde(default)]
    pub teams: Vec<TeamEntry>,
    /// The users (people; service accounts are listed apart).
    #[serde(default)]
    pub users: Vec<UserEntry>,
    /// The service accounts, each in one team.
    #[serde(default)]
    pub service_accounts: Vec<ServiceAccountEntry>,
}

/// A team.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TeamEntry {
    /// Its name, unique in the organization.
    pub name: String,
    /// Its description; left as it is when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its concurrency allocation; each value absent is left as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<TeamSettingsEntry>,
}

/// A team's concurrency allocation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct TeamSettingsEntry {
    /// Concurrent virtual machines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_machines: Option<u64>,
    /// Concurrent real devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub real_devices: Option<u64>,
    /// Whether the team may only run live tests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live_only: Option<bool>,
}

/// A user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct UserEntry {
    /// The login name, unique across Sauce Labs; it identifies the user.
    pub username: String,
    /// The e-mail address (compared without regard to case); required to create the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The first name; required to create the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    /// The last name; required to create the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// The role; a new user without one is a member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Every team the user belongs to, by name (the first is the one a new user starts in);
    /// a new user without `teams` starts in the default team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub teams: Option<Vec<String>>,
    /// `false` deactivates the user, `true` reactivates them; a new user is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// The environment variable holding a new user's initial password. Without it, `apply`
    /// generates one and writes it to the `--secrets` file only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password_env: Option<String>,
}

/// A user's role in the organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Role {
    /// A member of their teams.
    Member,
    /// Administers their teams.
    TeamAdmin,
    /// Administers the whole organization (and so every team).
    OrgAdmin,
}

impl Role {
    /// The role's name in the file.
    pub fn name(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::TeamAdmin => "team-admin",
            Role::OrgAdmin => "org-admin",
        }
    }
}

/// A service account, identified by its display name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ServiceAccountEntry {
    /// Its display name, unique in this file.
    pub name: String,
    /// Its team, by name. A service account cannot move: a different team replaces it (a new
    /// account with a new access key).
    pub team: String,
}

impl OrgFile {
    /// Reads a file from its YAML text and checks it (names unique, none blank).
    ///
    /// # Errors
    ///
    /// [`OrgError::File`] naming the line or the entry at fault.
    pub fn from_yaml(text: &str) -> Result<OrgFile, OrgError> {
        let file: OrgFile = serde_norway::from_str(text).map_err(|error| OrgError::File(error.to_string()))?;
        file.validate()?;
        Ok(file)
    }

    /// The file as YAML, in the order `export` writes it.
    pub fn to_yaml(&self) -> String {
        serde_norway::to_string(self).expect("the organization file is plain data")
    }

    /// Checks what the types cannot say: names present and unique, a user's teams unique.
    ///
    /// # Errors
    ///
    /// [`OrgError::File`] naming the entry at fault.
    pub fn validate(&self) -> Result<(), OrgError> {
        unique("team", self.teams.iter().map(|team| team.name.as_str()))?;
        unique("user", self.users.iter().map(|user| user.username.as_str()))?;
        unique("service account", self.service_accounts.iter().map(|account| account.name.as_str()))?;
        for user in &self.users {
            if let Some(teams) = &user.teams {
                unique(&format!("team of user {}", user.username), teams.iter().map(String::as_str))?;
            }
            if user.password_env.as_deref().is_some_and(|name| name.trim().is_empty()) {
                return Err(OrgError::File(format!("user {}: password_env is blank", user.username)));
            }
        }
        Ok(())
    }

    /// The team named `name`, if the file has it.
    pub fn team(&self, name: &str) -> Option<&TeamEntry> {
        self.teams.iter().find(|team| team.name == name)
    }

    /// The user named `username`, if the file has them.
    pub fn user(&self, username: &str) -> Option<&UserEntry> {
        self.users.iter().find(|user| user.username == username)
    }

    /// Every team name the file refers to (its teams, users' teams, service accounts' teams).
    pub(crate) fn referenced_teams(&self) -> BTreeSet<&str> {
        let users = self.users.iter().flat_map(|user| user.teams.iter().flatten()).map(String::as_str);
        let accounts = self.service_accounts.iter().map(|account| account.team.as_str());
        self.teams.iter().map(|team| team.name.as_str()).chain(users).chain(accounts).collect()
    }
}

fn unique<'a>(what: &str, names: impl Iterator<Item = &'a str>) -> Result<(), OrgError> {
    let mut seen = BTreeSet::new();
    for name in names {
        if name.trim().is_empty() {
            return Err(OrgError::File(format!("a {what} has a blank name")));
        }
        if !seen.insert(name) {
            return Err(OrgError::File(format!("{what} {name:?} is listed twice")));
        }
    }
    Ok(())
}

/// The JSON Schema of the organization file, generated from [`OrgFile`]; the repository
/// keeps a copy at `examples/org/organization.schema.json` for editors.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(OrgFile);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema is JSON");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_issue_example_reads() {
        let file = OrgFile::from_yaml(
            "prune: false\nteams:\n  - name: Web\n    description: Browser tests\n    settings: {virtual_machines: 20, real_devices: 0, live_only: false}\nusers:\n  - username: ada.web\n    email: ada@acme.example\n    first_name: Ada\n    last_name: Lovelace\n    role: team-admin\n    teams: [Web]\n    active: true\nservice_accounts:\n  - name: ci-bot\n    team: Web\n",
        )
        .unwrap();
        assert_eq!(file.users[0].role, Some(Role::TeamAdmin));
        assert_eq!(file.teams[0].settings.unwrap().virtual_machines, Some(20));
        assert_eq!(OrgFile::from_yaml(&file.to_yaml()).unwrap(), file);
    }

    #[test]
    fn mistakes_are_named() {
        let twice = OrgFile::from_yaml("users: [{username: a}, {username: a}]").unwrap_err();
        assert!(twice.to_string().contains("user \"a\" is listed twice"), "{twice}");
        let typo = OrgFile::from_yaml("teams: [{name: Web, descripton: x}]").unwrap_err();
        assert!(typo.to_string().contains("descripton"), "{typo}");
        let role = OrgFile::from_yaml("users: [{username: a, role: admin}]").unwrap_err();
        assert!(role.to_string().contains("org-admin"), "{role}");
        let blank = OrgFile::from_yaml("teams: [{name: ' '}]").unwrap_err();
        assert!(blank.to_string().contains("blank"), "{blank}");
    }
}
