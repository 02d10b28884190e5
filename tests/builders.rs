//! The request builders every operation returns (README, "Using the library").

use sauce_accounts::sandbox::Sandbox;
use sauce_accounts::types::{CreateUserRequest, TeamSettings, UpdateTeamRequest};
use sauce_accounts::{RoleId, Secret};

/// "can be cloned and sent again": a builder is a value; each `send` is one request.
#[test]
fn a_builder_can_be_cloned_and_sent_again() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let team = client.teams().lookup().send().unwrap().results.remove(0);
    let body = UpdateTeamRequest::new().with_settings(TeamSettings::new().with_virtual_machines(3));
    let update = client.teams().update(&team.id, &body);
    let first = update.clone().send().unwrap();
    let second = update.send().unwrap();
    assert_eq!((&first.id, &first.settings), (&second.id, &second.settings));
    assert_eq!(
        first.settings.and_then(|settings| settings.virtual_machines).map(|count| count.to_string()).as_deref(),
        Some("3")
    );
    let get = client.teams().get(&team.id);
    assert_eq!(get.send().unwrap().id, get.send().unwrap().id);
}

/// "`Debug` shows what it would send without any credential": not the client's access key,
/// not a password in the body.
#[test]
fn a_builders_debug_shows_no_credential() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let access_key = sandbox.admin_credentials().access_key().expose().to_string();
    let body = CreateUserRequest::new("x@acme.example", "X", "Y", Secret::new("Sekr1t-Passw0rd!"), "xavier")
        .with_role(RoleId::Member);
    let builder = client.users().create(&body);
    let shown = format!("{builder:?}");
    assert!(shown.contains("xavier"), "{shown}");
    assert!(!shown.contains("Sekr1t-Passw0rd!"), "{shown}");
    assert!(!shown.contains(&access_key), "{shown}");
}
