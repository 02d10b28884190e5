//! End to end: the client drives every operation against the sandbox, including the error
//! paths, and everything the sandbox sends matches the spec.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use sauce_accounts::sandbox::Sandbox;
use sauce_accounts::types::{
    self, CreateTeamRequest, CreateUserRequest, ReplaceUserRequest, TeamSettings, UpdateUserRequest,
};
use sauce_accounts::{ActivityLevel, Client, ConcurrencyCount, Credentials, Error, RoleId, Secret, UserStatusFilter};
use serde_json::json;

fn organization_id(client: &Client) -> sauce_accounts::OrganizationId {
    client.organizations().lookup().send().unwrap().results[0].id.clone()
}

fn team_id(client: &Client, name: &str) -> sauce_accounts::TeamId {
    client.teams().lookup().name(name).send().unwrap().results[0].id.clone()
}

fn user_id(client: &Client, username: &str) -> sauce_accounts::UserId {
    client.users().lookup().username(username).send().unwrap().results[0].id.clone()
}

fn new_user(client: &Client, username: &str, team: Option<sauce_accounts::TeamId>) -> types::User {
    let request = CreateUserRequest::new(
        format!("{username}@acme.example"),
        "Test",
        "User",
        Secret::new("Str0ng-Passw0rd"),
        username,
    )
    .with_organization(organization_id(client))
    .with_role(RoleId::Member);
    let request = match team {
        Some(team) => request.with_team(team),
        None => request,
    };
    client.users().create(&request).send().unwrap()
}

fn api_status<T: std::fmt::Debug>(result: Result<T, Error>) -> u16 {
    match result {
        Err(Error::Api(error)) => error.status,
        other => panic!("expected an API error, got {other:?}"),
    }
}

/// Every operation, in the order of `operations::ALL`, driven through the client.
#[test]
#[allow(deprecated)]
fn the_client_drives_every_operation() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let mut driven = BTreeSet::new();
    let mut mark = |id: &str| assert!(driven.insert(id.to_string()), "{id} twice");

    let organizations = client.organizations().lookup().send().unwrap();
    mark("lookup_organizations");
    assert_eq!(organizations.count, 1);
    let teams = client.teams().lookup().send().unwrap();
    mark("lookup_teams");
    assert_eq!(teams.count, 4);
    let team = client
        .teams()
        .create(
            &CreateTeamRequest::new("E2E", TeamSettings::new().with_live_only(true).with_virtual_machines(3))
                .with_description("end to end")
                .with_organization(organizations.results[0].id.clone()),
        )
        .send()
        .unwrap();
    mark("create_team");
    assert_eq!(client.teams().get(&team.id).send().unwrap().description.as_deref(), Some("end to end"));
    mark("get_team");
    let replaced = client
        .teams()
        .replace(&team.id, &types::ReplaceTeamRequest::new("E2E-2", TeamSettings::default()))
        .send()
        .unwrap();
    mark("replace_team");
    assert_eq!(
        (replaced.name.as_str(), replaced.description.as_deref()),
        ("E2E-2", None),
        "PUT removes the description"
    );
    let updated = client
        .teams()
        .update(&team.id, &types::UpdateTeamRequest::new().with_settings(TeamSettings::new().with_virtual_machines(7)))
        .send()
        .unwrap();
    mark("update_team");
    assert_eq!(updated.settings.unwrap().virtual_machines, Some(ConcurrencyCount(7)));

    let user = new_user(&client, "e2e.user", Some(team.id.clone()));
    mark("create_user");
    assert_eq!(client.teams().list_members(&team.id).send().unwrap().count, 1);
    mark("list_team_members");
    let keys = client.teams().reset_access_keys(&team.id).send().unwrap();
    mark("reset_team_access_keys");
    assert_eq!(keys.0.len(), 1);
    let found = client
        .users()
        .lookup()
        .username("e2e")
        .status(UserStatusFilter::Active)
        .roles([RoleId::Member])
        .send()
        .unwrap();
    mark("lookup_users");
    assert_eq!(found.results[0].id, user.id);
    assert_eq!(client.users().get_active_team().send().unwrap_err().status(), Some(404), "the admin has no team");
    mark("get_active_team");
    let me = client.users().get_current().send().unwrap();
    assert_eq!((me.username.as_str(), me.is_organization_admin), ("sandbox-admin", Some(true)));
    let ada = sandbox.client_for(Credentials::new("ada.web", "wrong")).unwrap();
    assert_eq!(ada.users().get_current().send().unwrap_err().status(), Some(401));
    mark("get_current_user");
    assert_eq!(client.users().get(&user.id).send().unwrap().username, "e2e.user");
    mark("get_user");
    let replaced = client
        .users()
        .replace(
            &user.id,
            &ReplaceUserRequest::new("Replaced", "User", Secret::new("N3w-Passw0rd"), Secret::new("N3w-Passw0rd"))
                .with_email("replaced@acme.example"),
        )
        .send()
        .unwrap();
    mark("replace_user");
    assert_eq!(replaced.email.as_deref(), Some("replaced@acme.example"));
    let patched = client.users().update(&user.id, &UpdateUserRequest::new().with_last_name("Patched")).send().unwrap();
    mark("update_user");
    assert_eq!(patched.last_name.as_deref(), Some("Patched"));
    let web = team_id(&client, "Web");
    client
        .users()
        .set_teams(&user.id, &types::SetUserTeamsRequest::new(vec![team.id.clone(), web.clone()]))
        .send()
        .unwrap();
    mark("set_user_teams");
    assert_eq!(client.users().get_teams(&user.id).send().unwrap().count, 2);
    mark("get_user_teams");
    assert_eq!(client.users().set_admin(&user.id).send().unwrap().is_organization_admin, Some(true));
    mark("set_user_admin");
    let team_admin = client.users().set_team_admin(&user.id).send().unwrap();
    mark("set_user_team_admin");
    assert_eq!((team_admin.is_organization_admin, team_admin.is_team_admin), (Some(false), Some(true)));
    assert_eq!(client.users().set_member(&user.id).send().unwrap().roles[0].role, RoleId::Member);
    mark("set_user_member");
    assert_eq!(client.users().deactivate(&user.id).send().unwrap().is_active, Some(false));
    mark("deactivate_user");
    assert_eq!(client.users().activate(&user.id).send().unwrap().is_active, Some(true));
    mark("activate_user");
    let key = client.users().get_access_key(&user.id).send().unwrap().access_key;
    mark("get_user_access_key");
    assert_ne!(client.users().reset_access_key(&user.id).send().unwrap().access_key, key);
    mark("reset_user_access_key");
    assert_eq!(client.users().get_permissions(&user.id).send().unwrap().0["can_manage_team"], json!(false));
    mark("get_user_permissions");
    let membership =
        client.membership().create(&types::MembershipRequest::new(web.clone(), user.id.clone())).send().unwrap();
    mark("create_membership");
    assert_eq!(membership.user.unwrap().teams.len(), 1);

    let admin = sandbox.admin_credentials();
    let parent = admin.username();
    let classic_admin = client.classic().get_user(parent).send().unwrap();
    mark("classic_get_user");
    assert!(classic_admin.access_key.is_some(), "an account sees its own key");
    let sub = client
        .classic()
        .create_subaccount(
            parent,
            &types::CreateSubaccountRequest::new(
                "classic.sub@acme.example",
                "Classic-Sub",
                Secret::new("Cl4ssic-Pass"),
                "classic.sub",
            )
            .with_concurrency(2),
        )
        .send()
        .unwrap();
    mark("classic_create_subaccount");
    assert_eq!(sub.parent.as_deref(), Some(parent));
    client
        .classic()
        .create_subaccount(
            parent,
            &types::CreateSubaccountRequest::new(
                "classic.sib@acme.example",
                "Classic-Sib",
                Secret::new("Cl4ssic-Pass"),
                "classic.sib",
            ),
        )
        .send()
        .unwrap();
    assert_eq!(client.classic().list_subaccounts(parent).send().unwrap().users.len(), 2);
    mark("classic_list_subaccounts");
    assert_eq!(client.classic().get_subaccounts("classic.sub").send().unwrap().users.len(), 2);
    mark("classic_get_subaccounts");
    assert_eq!(client.classic().list_siblings("classic.sub").send().unwrap().0[0].username, "classic.sib");
    mark("classic_list_siblings");
    let changed = client.classic().change_access_key("classic.sub").send().unwrap();
    mark("classic_change_access_key");
    assert!(changed.access_key.is_some());
    let concurrency = client.classic().get_concurrency("ada.web").send().unwrap();
    mark("classic_get_concurrency");
    assert_eq!(concurrency.concurrency.team.unwrap().allowed.unwrap().vms, Some(ConcurrencyCount(20)));
    let activity = client.classic().get_activity(parent).level(ActivityLevel::User).send().unwrap();
    mark("classic_get_activity");
    assert_eq!(activity.counts().unwrap().subaccounts.as_ref().unwrap().0.len(), 1);
    assert_eq!(client.classic().get_usage("ada.web").send().unwrap().usage.len(), 7);
    mark("classic_get_usage");
    assert!(client.classic().get_organization_activity().send().unwrap().counts().unwrap().totals.all.is_some());
    mark("classic_get_organization_activity");
    assert_eq!(
        client.classic().get_teams_activity().send().unwrap().counts().unwrap().teams.as_ref().unwrap().0.len(),
        5
    );
    mark("classic_get_teams_activity");
    let by_user = client.classic().get_users_activity().send().unwrap();
    assert!(by_user.len() > 10, "{} users", by_user.len());
    mark("classic_get_users_activity");
    let devices = client.concurrency().get_real_device().send().unwrap().organization.unwrap();
    assert_eq!(devices.maximum.unwrap().count(), Some(10));
    mark("get_real_device_concurrency");

    let bot = client
        .service_accounts()
        .create(&types::CreateServiceAccountRequest::new("Nightly bot", team.id.clone()))
        .send()
        .unwrap();
    mark("create_service_account");
    let found = client.service_accounts().lookup().username("nightly").send().unwrap();
    assert_eq!(found.results.iter().map(|account| &account.id).collect::<Vec<_>>(), [&bot.id]);
    mark("lookup_service_accounts");
    let account = client.service_accounts().get(&bot.id).send().unwrap();
    assert_eq!((account.name.as_deref(), account.team.unwrap().id), (Some("Nightly bot"), team.id.clone()));
    mark("get_service_account");
    let renamed = client
        .service_accounts()
        .update(&bot.id, &types::UpdateServiceAccountRequest::new("Nightly bot v2"))
        .send()
        .unwrap();
    assert_eq!((renamed.name.as_deref(), renamed.username), (Some("Nightly bot v2"), bot.username.clone()));
    mark("update_service_account");
    assert_ne!(client.service_accounts().reset_access_key(&bot.id).send().unwrap().access_key, bot.access_key);
    mark("reset_service_account_access_key");
    client.service_accounts().delete(&bot.id).send().unwrap();
    assert!(client.service_accounts().get(&bot.id).send().unwrap_err().is_not_found());
    mark("delete_service_account");

    client.teams().delete(&team.id).send().unwrap();
    mark("delete_team");

    let not_driven: Vec<&str> = sauce_accounts::operations::ALL
        .iter()
        .map(|operation| operation.id)
        .filter(|id| !driven.contains(*id))
        .collect();
    assert!(
        not_driven.is_empty(),
        "operations this end-to-end test does not drive: {not_driven:?}; add a step and `mark(\"…\")` for each in \
         tests/sandbox.rs (and a handler in src/sandbox/)"
    );
}

#[test]
fn wrong_credentials_are_refused_everywhere() {
    let sandbox = Sandbox::start().unwrap();
    let stranger = sandbox.client_for(Credentials::new("sandbox-admin", "not-the-key")).unwrap();
    assert!(stranger.teams().lookup().send().unwrap_err().is_unauthorized());
    assert!(stranger.classic().get_user("sandbox-admin").send().unwrap_err().is_unauthorized());
}

#[test]
fn unknown_ids_are_404() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    assert!(client.teams().get("0000").send().unwrap_err().is_not_found());
    assert!(client.users().deactivate("../teams").send().unwrap_err().is_not_found());
    assert!(client.classic().get_usage("nobody").send().unwrap_err().is_not_found());
}

#[test]
fn validation_errors_are_django_style() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let weak = client
        .users()
        .create(
            &CreateUserRequest::new("weak@acme.example", "W", "P", Secret::new("short"), "weak")
                .with_organization(organization_id(&client))
                .with_role(RoleId::Member),
        )
        .send();
    // The client refuses it before sending; a client that does not check meets the same rule
    // in the sandbox.
    assert!(matches!(weak, Err(Error::InvalidArgument { operation_id: "create_user", .. })), "{weak:?}");
    let raw = ureq::post(format!("{}/team-management/v1/users/", sandbox.url()))
        .header("Authorization", &basic(&sandbox.admin_credentials()))
        .config()
        .http_status_as_error(false)
        .build()
        .content_type("application/json")
        .send(
            json!({"username": "weak", "first_name": "W", "last_name": "P", "email": "weak@acme.example",
                   "password": "short", "organization": organization_id(&client), "role": 3})
            .to_string(),
        )
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: serde_json::Value = serde_json::from_str(&raw.into_body().read_to_string().unwrap()).unwrap();
    let messages: Vec<&str> =
        body["password"].as_array().unwrap().iter().filter_map(|message| message.as_str()).collect();
    assert!(messages.iter().any(|message| message.contains("uppercase")), "{messages:?}");
    assert!(messages.iter().any(|message| message.contains("8 characters")), "{messages:?}");
    let ada = user_id(&client, "ada.web");
    let mismatch = client
        .users()
        .update(
            &ada,
            &UpdateUserRequest::new()
                .with_password(Secret::new("Good-Passw0rd"))
                .with_verify_password(Secret::new("Other-Passw0rd")),
        )
        .send();
    match mismatch {
        Err(Error::Api(error)) => assert_eq!(error.non_field_errors, vec!["Passwords need to match".to_string()]),
        other => panic!("{other:?}"),
    }
    // A body without a required field, sent raw, gets a per-field message.
    let response = ureq::post(format!("{}/team-management/v1/teams/", sandbox.url()))
        .header("Authorization", &basic(&sandbox.admin_credentials()))
        .config()
        .http_status_as_error(false)
        .build()
        .content_type("application/json")
        .send(json!({"settings": {}}).to_string())
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let body: serde_json::Value = serde_json::from_str(&response.into_body().read_to_string().unwrap()).unwrap();
    assert_eq!(body, json!({"name": ["This field is required."]}));
}

fn basic(credentials: &Credentials) -> String {
    use base64::Engine as _;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            credentials.username(),
            credentials.access_key().expose()
        ))
    )
}

#[test]
fn listings_cap_limit_at_100_and_link_pages() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    for index in 0..110 {
        new_user(&client, &format!("bulk{index:03}"), None);
    }
    let page = client.users().lookup().username("bulk").limit(100).offset(0).send().unwrap();
    assert_eq!((page.count, page.results.len()), (110, 100));
    let links = page.links.unwrap();
    assert!(links.next.unwrap().ends_with("username=bulk&limit=100&offset=100"));
    assert!(links.previous.is_none());
    let raw = ureq::get(format!("{}/team-management/v1/users/?username=bulk&limit=500", sandbox.url()))
        .header("Authorization", &basic(&sandbox.admin_credentials()))
        .call()
        .unwrap()
        .into_body()
        .read_to_string()
        .unwrap();
    let value: serde_json::Value = serde_json::from_str(&raw).unwrap();
    assert!(value["links"]["previous"].is_null(), "the key is sent, with null: {}", value["links"]);
    assert!(value["links"].as_object().unwrap().contains_key("previous"));
    let raw: types::UserList = serde_json::from_str(&raw).unwrap();
    assert_eq!(raw.results.len(), 100, "limit is capped at 100");
    let all: Vec<_> = client.users().lookup().username("bulk").limit(30).iter().map(Result::unwrap).collect();
    assert_eq!(all.len(), 110);
}

#[test]
fn a_reset_key_locks_out_the_old_one_and_deactivation_locks_out_the_user() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let user = new_user(&client, "rotating", None);
    let old_key = client.users().get_access_key(&user.id).send().unwrap().access_key;
    let as_user = sandbox.client_for(Credentials::new("rotating", old_key.clone())).unwrap();
    assert_eq!(as_user.users().get(&user.id).send().unwrap().username, "rotating");
    let new_key = client.users().reset_access_key(&user.id).send().unwrap().access_key;
    assert!(as_user.users().get(&user.id).send().unwrap_err().is_unauthorized());
    let as_user = sandbox.client_for(Credentials::new("rotating", new_key)).unwrap();
    assert!(as_user.users().get(&user.id).send().is_ok());
    client.users().deactivate(&user.id).send().unwrap();
    assert!(as_user.users().get(&user.id).send().unwrap_err().is_unauthorized());
    let inactive = client.users().lookup().status(UserStatusFilter::Inactive).send().unwrap();
    assert!(inactive.results.iter().any(|found| found.id == user.id && found.is_active == Some(false)));
    // A member may not manage the organization.
    let member_key = client.users().get_access_key(user_id(&client, "alan.web")).send().unwrap().access_key;
    let member = sandbox.client_for(Credentials::new("alan.web", member_key)).unwrap();
    assert_eq!(api_status(member.users().set_admin(&user.id).send()), 403);
}

#[test]
fn deleting_a_team_removes_its_memberships() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let qa = team_id(&client, "Manual QA");
    let members: Vec<sauce_accounts::UserId> =
        client.teams().list_members(&qa).send().unwrap().results.into_iter().map(|user| user.id).collect();
    assert_eq!(members.len(), 4);
    client.teams().delete(&qa).send().unwrap();
    for member in members {
        assert_eq!(client.users().get_teams(&member).send().unwrap().count, 0);
    }
    assert!(client.teams().lookup().name("Manual").send().unwrap().results.is_empty());
}

/// A service account's key authenticates like a user's, rotates for real, and stops working
/// when the account or its team is deleted.
#[test]
fn a_service_account_lives_and_dies_with_its_key_and_team() {
    let sandbox = Sandbox::start().unwrap();
    let admin = sandbox.client().unwrap();
    let web = team_id(&admin, "Web");
    let create = |name: &str| {
        admin.service_accounts().create(&types::CreateServiceAccountRequest::new(name, web.clone())).send().unwrap()
    };
    let as_bot = |username: &str, key: &Secret| {
        Client::builder()
            .base_url(sandbox.url())
            .credentials(Credentials::new(username, key.expose()))
            .retry_policy(sauce_accounts::RetryPolicy::none())
            .build()
            .unwrap()
    };
    let bot = create("Release bot");
    let first_key = as_bot(&bot.username, &bot.access_key);
    let me = first_key.users().get_current().send().unwrap();
    assert_eq!((me.username.as_str(), me.teams[0].id.clone()), (bot.username.as_str(), web.clone()));
    assert!(admin.service_accounts().get(&bot.id).send().unwrap().last_activity_time.is_some(), "its use is recorded");
    assert_eq!(first_key.users().lookup().send().unwrap_err().status(), Some(403), "a bot is no admin");
    let new_key = admin.service_accounts().reset_access_key(&bot.id).send().unwrap().access_key;
    assert_eq!(first_key.users().get_current().send().unwrap_err().status(), Some(401), "the old key is refused");
    let second_key = as_bot(&bot.username, &new_key);
    second_key.users().get_current().send().unwrap();
    admin.service_accounts().delete(&bot.id).send().unwrap();
    assert_eq!(second_key.users().get_current().send().unwrap_err().status(), Some(401), "deleted, refused");
    // Deleting its team stops a service account too; users never list service accounts.
    let other = create("Team bot");
    let other_client = as_bot(&other.username, &other.access_key);
    other_client.users().get_current().send().unwrap();
    assert!(admin.users().lookup().iter().all(|user| user.unwrap().username != other.username));
    admin.teams().delete(&web).send().unwrap();
    assert_eq!(other_client.users().get_current().send().unwrap_err().status(), Some(401));
    assert!(admin.service_accounts().lookup().send().unwrap().results.is_empty());
}

/// Team summaries count members as memberships change (the sandbox keeps the counts as it
/// goes rather than scanning every user for every summary).
#[test]
fn team_member_counts_follow_every_change() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let count = |name: &str| client.teams().lookup().name(name).send().unwrap().results[0].user_count;
    let (web, mobile) = (team_id(&client, "Web"), team_id(&client, "Mobile"));
    assert_eq!((count("Web"), count("Mobile")), (Some(6), Some(5)));
    let user = new_user(&client, "counted.user", Some(web.clone()));
    assert_eq!(count("Web"), Some(7));
    client
        .users()
        .set_teams(&user.id, &types::SetUserTeamsRequest::new(vec![mobile.clone(), web.clone()]))
        .send()
        .unwrap();
    assert_eq!((count("Web"), count("Mobile")), (Some(7), Some(6)));
    client.users().set_teams(&user.id, &types::SetUserTeamsRequest::new(vec![mobile.clone()])).send().unwrap();
    assert_eq!((count("Web"), count("Mobile")), (Some(6), Some(6)));
    client.teams().delete(&mobile).send().unwrap();
    let summaries = client.users().get(&user.id).send().unwrap().teams;
    assert!(summaries.is_empty(), "{summaries:?}");
    assert_eq!(client.teams().list_members(&web).send().unwrap().count, 6);
}

/// A team's members and a user's teams are read past the first page.
#[test]
fn team_members_and_user_teams_iterate_across_pages() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let web = team_id(&client, "Web");
    let members = client.teams().list_members(&web).limit(4).iter();
    let usernames: Vec<String> = members.map(|member| member.unwrap().username).collect();
    assert_eq!(usernames.len(), 6);
    assert!(usernames.contains(&"donald.web".to_string()), "{usernames:?}");
    let ada = user_id(&client, "ada.web");
    let teams: Vec<sauce_accounts::TeamId> = client.teams().lookup().iter().map(|team| team.unwrap().id).collect();
    client.users().set_teams(&ada, &types::SetUserTeamsRequest::new(teams.clone())).send().unwrap();
    let read: Vec<sauce_accounts::TeamId> =
        client.users().get_teams(&ada).limit(1).iter().map(|team| team.unwrap().id).collect();
    assert_eq!(read, teams);
}

/// The sandbox answers every operation with a status the spec documents for it, and every
/// error body decodes as the spec's ApiErrorBody: each operation is called by a stranger, a
/// plain member and the admin, for ids that do not exist and for ids that do, with an empty
/// JSON body.
#[test]
fn every_answer_is_documented_by_the_spec() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let alan = user_id(&client, "alan.web");
    let member = Credentials::new("alan.web", client.users().get_access_key(&alan).send().unwrap().access_key);
    let web = team_id(&client, "Web");
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
    let callers = [Credentials::new("sandbox-admin", "wrong"), member, sandbox.admin_credentials()];
    let ids = [("no-such-team", "no-such-user", "no-such-user"), (web.as_str(), alan.as_str(), "alan.web")];
    let mut seen = BTreeSet::new();
    for operation in sauce_accounts::operations::ALL {
        let spec_operation = common::operation(operation.id);
        let documented: BTreeSet<u16> =
            spec_operation["responses"].as_object().unwrap().keys().map(|status| status.parse().unwrap()).collect();
        for (team, user, username) in ids {
            let path = operation
                .path_template
                .replace("{team_id}", team)
                .replace("{user_id}", user)
                .replace("{username}", username);
            for caller in &callers {
                let request = ureq::http::Request::builder()
                    .method(operation.method)
                    .uri(format!("{}{path}", sandbox.url()))
                    .header("Authorization", &basic(caller))
                    .header("Content-Type", "application/json")
                    .body("{}".to_string())
                    .unwrap();
                let mut response = agent.run(request).unwrap();
                let status = response.status().as_u16();
                assert!(
                    documented.contains(&status),
                    "{} answered {status} to {}, documented {documented:?}",
                    operation.id,
                    caller.username()
                );
                seen.insert(status);
                let body = response.body_mut().read_to_string().unwrap();
                if status >= 400 {
                    serde_json::from_str::<types::ApiErrorBody>(&body)
                        .unwrap_or_else(|error| panic!("{} {status}: {error}: {body}", operation.id));
                }
            }
        }
    }
    assert!([200, 204, 400, 401, 403, 404].iter().all(|status| seen.contains(status)), "{seen:?}");
}

#[test]
fn bad_input_never_breaks_the_sandbox() {
    let sandbox = Sandbox::start().unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).build().into();
    let admin = basic(&sandbox.admin_credentials());
    let attempts: Vec<(&str, String, Option<&str>, String)> = vec![
        ("POST", "/team-management/v1/teams/".into(), Some(admin.as_str()), "{not json".into()),
        ("POST", "/team-management/v1/users/".into(), Some(admin.as_str()), r#"{"role": 99}"#.into()),
        ("PUT", "/team-management/v1/users/x/teams/".into(), Some(admin.as_str()), r#"{"teams": "nope"}"#.into()),
        ("GET", "/team-management/v1/users/?limit=-5&offset=abc".into(), Some(admin.as_str()), String::new()),
        ("GET", "/team-management/v1/teams/%ff%fe/".into(), Some(admin.as_str()), String::new()),
        ("GET", "/team-management/v1/teams/".into(), Some("Basic !!!"), String::new()),
        ("GET", "/team-management/v1/teams/".into(), Some("Bearer token"), String::new()),
        ("DELETE", "/nowhere".into(), None, String::new()),
        ("PATCH", "/team-management/v1/teams/".into(), Some(admin.as_str()), "{}".into()),
        (
            "POST",
            "/team-management/v1/teams/".into(),
            Some(admin.as_str()),
            format!(r#"{{"name": "x", "settings": {{"virtual_machines": "{}"}}}}"#, "9".repeat(40)),
        ),
    ];
    for (method, path, authorization, body) in attempts {
        let mut request = ureq::http::Request::builder().method(method).uri(format!("{}{path}", sandbox.url()));
        if let Some(authorization) = authorization {
            request = request.header("Authorization", authorization);
        }
        let response = agent.run(request.body(body).unwrap()).unwrap();
        let status = response.status().as_u16();
        assert!((400..500).contains(&status) || status == 200, "{method} {path} answered {status}");
    }
    assert_eq!(sandbox.client().unwrap().teams().lookup().send().unwrap().count, 4, "still serving");
    // The slash-less form of a path is redirected, as the real API does.
    let redirect = agent
        .run(ureq::http::Request::get(format!("{}/team-management/v1/teams", sandbox.url())).body(()).unwrap())
        .unwrap();
    assert_eq!(redirect.status().as_u16(), 301);
    assert_eq!(redirect.headers()["location"], "/team-management/v1/teams/");
}

#[test]
fn eight_threads_of_mixed_calls_keep_the_state_consistent() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let before = client.teams().lookup().send().unwrap().count;
    std::thread::scope(|scope| {
        for thread in 0..8 {
            let client = client.clone();
            scope.spawn(move || {
                for round in 0..40 {
                    let team = client
                        .teams()
                        .create(&CreateTeamRequest::new(
                            format!("t{thread}-{round}"),
                            TeamSettings::new().with_virtual_machines(1),
                        ))
                        .send()
                        .unwrap();
                    let fetched = client.teams().get(&team.id).send().unwrap();
                    assert_eq!(fetched.name, team.name);
                    assert!(client.users().lookup().limit(5).send().unwrap().count >= 16);
                    client
                        .teams()
                        .update(&team.id, &types::UpdateTeamRequest::new().with_description(format!("round {round}")))
                        .send()
                        .unwrap();
                    if round % 2 == 0 {
                        client.teams().delete(&team.id).send().unwrap();
                    }
                }
            });
        }
    });
    let after = client.teams().lookup().limit(100).send().unwrap();
    assert_eq!(after.count, before + 8 * 20);
    for team in client.teams().lookup().iter().map(Result::unwrap) {
        if team.name.starts_with('t') && team.name.contains('-') {
            let round: u32 = team.name.rsplit('-').next().unwrap().parse().unwrap();
            assert_eq!(round % 2, 1, "{} should have been deleted", team.name);
            assert_eq!(client.teams().get(&team.id).send().unwrap().description, Some(format!("round {round}")));
        }
    }
}

/// `sauce-sandbox` prints `export` lines for the three variables, and `Client::from_env`
/// reaches the standalone sandbox through them (checked in a child process of this test
/// binary, since changing the environment of a multi-threaded test process is not safe).
#[test]
fn from_env_reaches_a_standalone_sandbox_through_its_export_lines() {
    if std::env::var_os("SAUCE_ACCOUNTS_FROM_ENV_CHILD").is_some() {
        let client = Client::from_env().unwrap();
        assert!(client.base_url().starts_with("http://127.0.0.1:"), "{}", client.base_url());
        assert_eq!(client.teams().lookup().send().unwrap().count, 4);
        return;
    }
    let mut sandbox =
        Command::new(env!("CARGO_BIN_EXE_sauce-sandbox")).args(["--port", "0"]).stdout(Stdio::piped()).spawn().unwrap();
    let mut lines = BufReader::new(sandbox.stdout.take().unwrap()).lines();
    // Standard output carries only the export lines (the banner goes to standard error).
    let exports: Vec<(String, String)> = (0..3)
        .map(|_| {
            let line = lines.next().unwrap().unwrap();
            let (name, value) = line.strip_prefix("export ").and_then(|rest| rest.split_once('=')).expect(&line);
            (name.to_string(), value.to_string())
        })
        .collect();
    let names: Vec<&str> = exports.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["SAUCE_USERNAME", "SAUCE_ACCESS_KEY", "SAUCE_BASE_URL"]);
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "from_env_reaches_a_standalone_sandbox_through_its_export_lines", "--nocapture"])
        .env("SAUCE_ACCOUNTS_FROM_ENV_CHILD", "1")
        .env("SAUCE_REGION", "eu")
        .envs(exports)
        .output()
        .unwrap();
    sandbox.kill().unwrap();
    sandbox.wait().unwrap();
    assert!(
        child.status.success(),
        "{}{}",
        String::from_utf8_lossy(&child.stdout),
        String::from_utf8_lossy(&child.stderr)
    );
}

/// `sauce-sandbox --rate-limit` enforces the documented limits: every answer carries the
/// budget headers (3,500 an hour); the banner, on standard error, says so.
#[test]
fn the_sandbox_binary_can_enforce_the_rate_limits() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sauce-sandbox"))
        .args(["--port", "0", "--rate-limit"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let (mut url, mut username, mut key) = (String::new(), String::new(), String::new());
    for _ in 0..3 {
        let line = lines.next().unwrap().unwrap();
        if let Some(rest) = line.strip_prefix("export SAUCE_BASE_URL=") {
            url = rest.to_string();
        } else if let Some(rest) = line.strip_prefix("export SAUCE_USERNAME=") {
            username = rest.to_string();
        } else if let Some(rest) = line.strip_prefix("export SAUCE_ACCESS_KEY=") {
            key = rest.to_string();
        }
    }
    let banner: Vec<String> =
        BufReader::new(child.stderr.take().unwrap()).lines().take(4).map(Result::unwrap).collect();
    let announced = banner.iter().any(|line| line.starts_with("Rate limits enforced"));
    let client = Client::builder().base_url(&url).credentials(Credentials::new(username, key)).build().unwrap();
    client.teams().lookup().send().unwrap();
    let status = client.rate_limit_status();
    child.kill().unwrap();
    child.wait().unwrap();
    let after_exports: Vec<String> = lines.map(Result::unwrap).collect();
    assert_eq!(after_exports, Vec::<String>::new(), "standard output carries the export lines only");
    assert!(announced);
    assert_eq!(status.expect("X-Ratelimit-* headers").limit, Some(3500));
}

/// A parent that stops reading the banner once it has the exports (or `sauce-sandbox | head
/// -5`) must not stop the server: here standard output is closed before the sandbox writes.
#[test]
fn the_sandbox_binary_keeps_serving_when_its_output_is_closed() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_sauce-sandbox"))
        .args(["--port", &port.to_string()])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let client = Client::builder()
        .base_url(format!("http://127.0.0.1:{port}"))
        .credentials(Credentials::new("sandbox-admin", "sandbox-access-key"))
        .build()
        .unwrap();
    // The server listens before the banner is written, so a sandbox that dies on the closed
    // output may still answer its first calls: it must keep answering for a while (ten calls,
    // 100 ms apart). Generous deadline for a slow start on a loaded machine; an exit ends it.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut answers = Vec::new();
    while answers.len() < 10 && std::time::Instant::now() < deadline && child.try_wait().unwrap().is_none() {
        if let Ok(page) = client.teams().lookup().send() {
            answers.push(page.count);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let exited = child.try_wait().unwrap();
    let _ = child.kill();
    child.wait().unwrap();
    assert_eq!(exited, None, "the sandbox stopped when its output was closed");
    assert_eq!(answers, [4; 10]);
}

#[test]
fn a_seed_file_shapes_the_organization() {
    let seed: sauce_accounts::sandbox::Seed = serde_json::from_value(json!({
        "organization": {"name": "Tiny", "virtual_machines": 2, "real_devices": 0},
        "admin": {"username": "boss", "first_name": "B", "last_name": "Oss", "access_key": "boss-key"},
        "teams": [{"name": "Solo", "virtual_machines": 2}],
        "users": [{"username": "worker", "first_name": "W", "last_name": "Orker", "team": "Solo"}]
    }))
    .unwrap();
    let sandbox = Sandbox::start_with(seed, 0).unwrap();
    assert_eq!(sandbox.admin_credentials().access_key().expose(), "boss-key");
    let client = sandbox.client().unwrap();
    assert_eq!(client.users().lookup().send().unwrap().count, 2);
    assert_eq!(client.organizations().lookup().send().unwrap().results[0].name.as_deref(), Some("Tiny"));
    let broken: sauce_accounts::sandbox::Seed = serde_json::from_value(json!({
        "organization": {"name": "X", "virtual_machines": 1, "real_devices": 0},
        "admin": {"username": "a", "first_name": "A", "last_name": "B"},
        "users": [{"username": "u", "first_name": "U", "last_name": "V", "team": "Missing"}]
    }))
    .unwrap();
    assert!(Sandbox::start_with(broken, 0).unwrap_err().to_string().contains("no team named \"Missing\""));
}

/// The Insights page's activity: a `since`/`until` period answers daily statistics, one
/// entry per day, summed over the accounts asked for; filters narrow by id; a period that
/// runs backwards is refused with FastAPI's 422, which the error reports per parameter.
#[test]
fn activity_comes_as_daily_statistics_for_a_period() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let (since, until) = (1_681_776_000, 1_682_294_400); // 2023-04-18 .. 2023-04-24, midnight UTC
    let parent = client.users().get_current().send().unwrap().username;
    let subaccount = types::CreateSubaccountRequest::new(
        "busy.sub@acme.example",
        "Busy-Sub",
        Secret::new("Cl4ssic-Pass"),
        "busy.sub",
    );
    client.classic().create_subaccount(&parent, &subaccount).send().unwrap();
    let daily = client.classic().get_activity(&parent).since(since).until(until).send().unwrap();
    let days = daily.daily().expect("the Insights shape for a period").days().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(
        days[0].date,
        sauce_accounts::chrono::NaiveDate::from_ymd_opt(2023, 4, 18).unwrap(),
        "chrono is re-exported"
    );
    assert_eq!(days[6].date.to_string(), "2023-04-24");
    assert!(days.iter().map(|day| day.jobs).sum::<u64>() > 0);
    let alone =
        client.classic().get_activity(&parent).level(ActivityLevel::User).since(since).until(until).send().unwrap();
    let alone_jobs: u64 = alone.daily().unwrap().jobs.iter().sum();
    assert!(alone_jobs < days.iter().map(|day| day.jobs).sum::<u64>(), "level=user leaves the subaccounts out");

    let teams = client.teams().lookup().send().unwrap().results;
    let wanted = [teams[0].id.clone(), teams[1].id.clone()];
    let by_team = client.classic().get_teams_activity().id(wanted.clone()).since(since).until(until).send().unwrap();
    let by_team = by_team.daily().expect("daily statistics per team");
    assert_eq!(by_team.keys().cloned().collect::<Vec<_>>(), {
        let mut ids: Vec<String> = wanted.iter().map(ToString::to_string).collect();
        ids.sort();
        ids
    });
    let organization = client.classic().get_organization_activity().since(since).until(until).send().unwrap();
    assert_eq!(organization.daily().unwrap().len(), 1);

    let someone = client.users().lookup().limit(1).send().unwrap().results.remove(0);
    let by_user =
        client.classic().get_users_activity().users([someone.id.clone()]).since(since).until(until).send().unwrap();
    assert_eq!(by_user.keys().collect::<Vec<_>>(), [&someone.id.to_string()]);

    let backwards = client.classic().get_users_activity().since(until).until(since).send().unwrap_err();
    assert_eq!(backwards.status(), Some(422));
    let Error::Api(api) = &backwards else { panic!("{backwards:?}") };
    assert_eq!(api.field_errors["until"], ["until must not be before since"]);
    assert!(backwards.to_string().contains("until must not be before since"), "{backwards}");
    let too_long = client.classic().get_users_activity().since(since).send().unwrap_err();
    assert!(too_long.to_string().contains("since: the period is longer than 366 days"), "{too_long}");
}

/// Issue 26: a team's `user_count` is what its member listing counts — its users. Service
/// accounts are listed apart (Lookup Service Accounts, by team) and counted there.
#[test]
fn a_team_counts_its_users_not_its_service_accounts() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let bots = client.teams().create(&CreateTeamRequest::new("Bots", TeamSettings::new())).send().unwrap().id;
    let counts = || {
        let summary = client.teams().lookup().name("Bots").send().unwrap().results.remove(0).user_count;
        let members = client.teams().list_members(&bots).send().unwrap();
        (summary, members.count, members.results.len())
    };
    let bot =
        client.service_accounts().create(&types::CreateServiceAccountRequest::new("CI", bots.clone())).send().unwrap();
    assert_eq!(counts(), (Some(0), 0, 0));
    let accounts = client.service_accounts().lookup().teams(bots.to_string()).send().unwrap();
    assert_eq!(accounts.results.iter().map(|account| &account.id).collect::<Vec<_>>(), [&bot.id]);
    let keeper = new_user(&client, "bot.keeper", Some(bots.clone()));
    assert_eq!(counts(), (Some(1), 1, 1));
    client.users().deactivate(&keeper.id).send().unwrap();
    assert_eq!(counts(), (Some(1), 1, 1), "an inactive user is still a member");
    client.users().set_teams(&keeper.id, &types::SetUserTeamsRequest::new(vec![])).send().unwrap();
    assert_eq!(counts(), (Some(0), 0, 0));
}

fn usernames(users: impl Iterator<Item = Result<types::UserSummary, Error>>) -> Vec<String> {
    users.map(|user| user.unwrap().username).collect()
}

/// The sandbox finds users through indexes (by id, by username, by team) instead of checking
/// every user; each filter must still answer exactly what checking every user in creation
/// order answers, in that order, after memberships move, and in any case of a username.
#[test]
fn user_filters_answer_what_checking_every_user_would() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let (web, mobile) = (team_id(&client, "Web"), team_id(&client, "Mobile"));
    let names = ["Zed.Upper", "zed.lower", "zed", "ßtraße", "Émile.zed", "zedd"];
    let created: Vec<types::User> = names
        .iter()
        .enumerate()
        .map(|(index, name)| new_user(&client, name, (index % 2 == 0).then(|| web.clone())))
        .collect();
    client
        .users()
        .set_teams(&created[1].id, &types::SetUserTeamsRequest::new(vec![mobile.clone(), web.clone()]))
        .send()
        .unwrap();
    client.users().set_teams(&created[2].id, &types::SetUserTeamsRequest::new(vec![mobile.clone()])).send().unwrap();
    for user in [&created[3], &created[0], &created[5]] {
        client.users().deactivate(&user.id).send().unwrap();
    }
    client.users().activate(&created[0].id).send().unwrap();
    let bot =
        client.service_accounts().create(&types::CreateServiceAccountRequest::new("zed", web.clone())).send().unwrap();
    client.users().set_team_admin(&created[2].id).send().unwrap();
    // Names and emails change after creation: a phrase finds the new ones only.
    let renamed = UpdateUserRequest::new().with_first_name("Renamed").with_email("renamed@acme.example");
    client.users().update(&created[4].id, &renamed).send().unwrap();
    client.users().update(&created[1].id, &UpdateUserRequest::new().with_last_name("Test")).send().unwrap();

    let everyone: Vec<types::UserSummary> = client.users().lookup().limit(7).iter().map(Result::unwrap).collect();
    let listed: Vec<&str> = everyone.iter().map(|user| user.username.as_str()).collect();
    assert_eq!(listed[listed.len() - names.len()..], names, "creation order, service accounts apart");
    let expect = |keep: &dyn Fn(&types::UserSummary) -> bool| -> Vec<String> {
        everyone.iter().filter(|user| keep(user)).map(|user| user.username.clone()).collect()
    };
    let prefix = |text: &str, prefix: &str| text.to_lowercase().starts_with(&prefix.to_lowercase());
    let in_team = |user: &types::UserSummary, team: &sauce_accounts::TeamId| user.teams.iter().any(|t| t.id == *team);

    for wanted in ["ZED", "zed.", "zed.lower", "ß", "É", "émile", "nobody"] {
        let found = usernames(client.users().lookup().username(wanted).limit(1).iter());
        assert_eq!(found, expect(&|user| prefix(&user.username, wanted)), "username={wanted}");
    }
    let ids = format!("{},{},{},{},unknown", created[4].id, created[0].id, bot.id, created[0].id);
    assert_eq!(usernames(client.users().lookup().id(ids).iter()), ["Zed.Upper", "Émile.zed"]);
    let found = usernames(client.users().lookup().teams(web.to_string()).limit(3).iter());
    assert_eq!(found, expect(&|user| in_team(user, &web)));
    let both = format!("{mobile},{web}");
    let found = usernames(client.users().lookup().teams(both).iter());
    assert_eq!(found, expect(&|user| in_team(user, &web) || in_team(user, &mobile)));
    let found = usernames(client.users().lookup().team_name("Mobile").iter());
    assert_eq!(found, expect(&|user| in_team(user, &mobile)));
    let found = usernames(client.users().lookup().teams(web.to_string()).username("zed").iter());
    assert_eq!(found, ["Zed.Upper", "zed.lower"].map(String::from));
    let found =
        usernames(client.users().lookup().team_name("Mobile").username("zed").status(UserStatusFilter::Active).iter());
    assert_eq!(found, ["zed.lower", "zed"].map(String::from));
    let found = usernames(client.users().lookup().status(UserStatusFilter::Inactive).iter());
    assert_eq!(found, expect(&|user| user.is_active == Some(false)));
    assert_eq!(found[found.len() - 2..], ["ßtraße", "zedd"]);
    for limit in [1, 3, 100] {
        let found = usernames(client.users().lookup().status(UserStatusFilter::Active).limit(limit).iter());
        assert_eq!(found, expect(&|user| user.is_active == Some(true)), "status=active, limit={limit}");
    }
    let page = client.users().lookup().status(UserStatusFilter::Active).limit(2).offset(1).send().unwrap();
    let active = expect(&|user| user.is_active == Some(true));
    assert_eq!(
        (page.count as usize, usernames(page.results.into_iter().map(Ok))),
        (active.len(), active[1..3].to_vec())
    );
    assert_eq!(client.users().lookup().status(UserStatusFilter::Pending).send().unwrap().count, 0);
    let phrase = |user: &types::UserSummary, wanted: &str| {
        [&user.first_name, &user.last_name, &user.email]
            .iter()
            .any(|field| prefix(field.as_deref().unwrap_or(""), wanted))
    };
    for wanted in ["TEST", "user", "zed", "Émile", "renamed", "nothing"] {
        let found = usernames(client.users().lookup().phrase(wanted).limit(4).iter());
        assert_eq!(found, expect(&|user| phrase(user, wanted)), "phrase={wanted}");
    }
    let found = usernames(client.users().lookup().phrase("zed").status(UserStatusFilter::Active).iter());
    assert_eq!(found, expect(&|user| phrase(user, "zed") && user.is_active == Some(true)));
    let has_role = |user: &types::UserSummary, role: RoleId| user.roles.iter().any(|found| found.role == role);
    let found = usernames(client.users().lookup().roles([RoleId::TeamAdmin]).limit(1).iter());
    assert_eq!(found, expect(&|user| has_role(user, RoleId::TeamAdmin)));
    assert!(found.contains(&"zed".to_string()), "{found:?}");
    let found = usernames(client.users().lookup().roles([RoleId::Member, RoleId::TeamAdmin]).username("z").iter());
    assert_eq!(found, ["Zed.Upper", "zed.lower", "zed", "zedd"].map(String::from));
    let beyond = client.users().lookup().username("zed").offset(50).send().unwrap();
    assert_eq!((beyond.count, beyond.results.len()), (4, 0));
    assert_eq!(client.users().lookup().teams("no-such-team").send().unwrap().count, 0);
    assert_eq!(client.users().lookup().id("").send().unwrap().count, 0, "an empty id list matches no one");
}
