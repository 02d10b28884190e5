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

/// README: "an id filter takes one id or several … or strings".
#[test]
fn id_filters_take_one_id_several_or_strings() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let mut teams = client.teams().lookup().send().unwrap().results;
    teams.sort_by_key(|team| std::cmp::Reverse(team.user_count.unwrap_or(0)));
    let (first, second) = (&teams[0], &teams[1]);
    let members_of = |ids: Vec<sauce_accounts::TeamId>| {
        let mut names: Vec<String> =
            client.users().lookup().teams(ids).iter().map(|user| user.unwrap().username).collect();
        names.sort();
        names
    };
    let one = client.users().lookup().teams(&first.id).send().unwrap();
    assert!(one.count > 0, "the seed's teams have members");
    let mut one_names: Vec<String> = one.results.iter().map(|user| user.username.clone()).collect();
    one_names.sort();
    assert_eq!(one_names, members_of(vec![first.id.clone()]));
    let by_string = client.users().lookup().teams(first.id.as_str()).send().unwrap();
    assert_eq!(by_string.count, one.count);
    let both = client.users().lookup().teams([&first.id, &second.id]).send().unwrap();
    assert!(both.count >= one.count);
    let user = &one.results[0];
    let by_id = client.users().lookup().id(&user.id).send().unwrap();
    assert_eq!(by_id.count, 1);
    assert_eq!(client.teams().lookup().id([&first.id]).send().unwrap().count, 1);
}
