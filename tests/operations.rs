//! Every operation of the spec against a mock server: the exact method, encoded path, query
//! string, JSON body and `Authorization` header, the decoded result, and the typed error for
//! a documented failure status.

mod common;

use common::{authorization, client, operation, request_example, resolve, response_example};
use mockito::{Matcher, Server};
use sauce_accounts::types;
use sauce_accounts::{ActivityLevel, UserStatus, UserStatusFilter};
use sauce_accounts::{Client, ConcurrencyCount, Error, OrgRef, RoleId};
use serde_json::{Value, json};

/// Every operation of the spec has a test here named after its operationId (which mocks the
/// exact request and decodes the answer): the list comes from the generated table, so an
/// operation added to the spec fails this test until its mock test exists.
#[test]
fn every_operation_is_tested() {
    let source = include_str!("operations.rs");
    let untested: Vec<&str> = sauce_accounts::operations::ALL
        .iter()
        .map(|operation| operation.id)
        .filter(|id| {
            let found = source.find(&format!("\nfn {id}() {{"));
            !found.is_some_and(|at| source[at.saturating_sub(60)..at].contains("#[test]"))
        })
        .collect();
    assert!(untested.is_empty(), "operations without a mock test in tests/operations.rs: {untested:?}");
}

/// Runs `call` twice against a mock of `method path_and_query`: once answering `status`
/// with the spec's example (the request must match exactly), once answering the first
/// documented 4xx status (the call must fail with a typed `Error::Api`).
fn exercise<T>(
    id: &str,
    method: &str,
    path_and_query: &str,
    body: Option<Value>,
    status: usize,
    call: impl Fn(&Client) -> Result<T, Error>,
) -> T {
    let spec_operation = common::operations().into_iter().find(|(found, ..)| found == id).expect("operation in spec");
    assert_eq!(spec_operation.1, method, "{id}: method differs from the spec");
    let mut server = Server::new();
    let response = if status == 204 { String::new() } else { response_example(id, &status.to_string()) };
    let mut success = server
        .mock(method, path_and_query)
        .match_header("authorization", authorization().as_str())
        .match_header("accept", "application/json");
    success = match &body {
        Some(body) => success.match_header("content-type", "application/json").match_body(Matcher::Json(body.clone())),
        None => success.match_body(""),
    };
    let success = success
        .with_status(status)
        .with_header("content-type", "application/json")
        .with_body(response)
        .expect(1)
        .create();
    let client = client(&server.url());
    let result = call(&client).unwrap_or_else(|error| panic!("{id}: {error}"));
    success.assert();
    success.remove();

    let failure_status = operation(id)["responses"]
        .as_object()
        .expect("responses")
        .keys()
        .find(|status| status.starts_with('4') && status.as_str() != "401")
        .cloned()
        .unwrap_or_else(|| "401".to_string());
    let failure_body =
        resolve(&operation(id)["responses"][failure_status.as_str()])["content"]["application/json"]["example"]
            .to_string();
    let failure = server
        .mock(method, path_and_query)
        .with_status(failure_status.parse().expect("numeric status"))
        .with_header("content-type", "application/json")
        .with_header("x-request-id", "req-1234")
        .with_body(failure_body)
        .expect(1)
        .create();
    match call(&client) {
        Err(Error::Api(error)) => {
            assert_eq!(error.status.to_string(), failure_status, "{id}");
            assert_eq!(error.operation.id, id);
            assert_eq!(error.operation.method, method);
            assert_eq!(error.operation.path_template, spec_operation.2);
            assert_eq!(error.request_id.as_deref(), Some("req-1234"));
            assert!(
                error.detail.is_some() || !error.field_errors.is_empty() || !error.non_field_errors.is_empty(),
                "{id}: {error:?}"
            );
        }
        Err(other) => panic!("{id}: expected an API error, got {other}"),
        Ok(_) => panic!("{id}: expected an API error, got success"),
    }
    failure.assert();
    result
}

fn body_of<T: serde::de::DeserializeOwned>(id: &str) -> T {
    serde_json::from_value(request_example(id)).unwrap_or_else(|error| panic!("{id} request example: {error}"))
}

const TEAM: &str = "80d69d16ebdb4c018cc9d81ea911761a";
const USER: &str = "e5be7513ba224f6f9463c209cb4c5d83";

// ----- teams -----

#[test]
fn lookup_teams() {
    let page = exercise(
        "lookup_teams",
        "GET",
        "/team-management/v1/teams/?id=a%2Cb&name=Sauce%20Docs&limit=100&offset=40",
        None,
        200,
        |client| client.teams().lookup().id("a,b").name("Sauce Docs").limit(100).offset(40).send(),
    );
    assert_eq!(page.count, 1);
    assert_eq!(page.results[0].name, "Sauce-Docs");
    assert_eq!(page.results[0].settings.as_ref().unwrap().virtual_machines, Some(ConcurrencyCount(25)));
}

#[test]
fn create_team() {
    let body = types::CreateTeamRequest::new("A-Team", types::TeamSettings::new().with_virtual_machines(10))
        .with_description("Docs QA Team");
    let team = exercise(
        "create_team",
        "POST",
        "/team-management/v1/teams/",
        Some(request_example("create_team")),
        201,
        |client| client.teams().create(&body).send(),
    );
    assert_eq!(team.id, "9d3460738c28491a81d7ea16704a9edd");
    // The first example is the published page's, where the organization is an id.
    assert_eq!(team.org_uuid.as_ref().map(OrgRef::id), Some("5f436681bbfc4d9ca4aef1eba49ea3b7"));
}

#[test]
fn get_team() {
    let team = exercise("get_team", "GET", &format!("/team-management/v1/teams/{TEAM}/"), None, 200, |client| {
        client.teams().get(TEAM).send()
    });
    assert_eq!(team.description.as_deref(), Some("Tech Content API Testing"));
    assert_eq!(team.created_at.unwrap().to_rfc3339(), "2020-12-30T17:09:12.473388+00:00");
}

#[test]
fn replace_team() {
    let body: types::ReplaceTeamRequest = body_of("replace_team");
    let team = exercise(
        "replace_team",
        "PUT",
        &format!("/team-management/v1/teams/{TEAM}/"),
        Some(request_example("replace_team")),
        201,
        |client| client.teams().replace(TEAM, &body).send(),
    );
    assert_eq!(team.org_uuid, Some(OrgRef::Id("5f436681bbfc4d9ca4aef1eba49ea3b7".into())));
}

#[test]
fn update_team() {
    let body = types::UpdateTeamRequest::new().with_settings(types::TeamSettings::new().with_virtual_machines(25));
    let team = exercise(
        "update_team",
        "PATCH",
        &format!("/team-management/v1/teams/{TEAM}/"),
        Some(request_example("update_team")),
        200,
        |client| client.teams().update(TEAM, &body).send(),
    );
    assert_eq!(team.settings.unwrap().live_only, Some(true));
}

#[test]
fn delete_team() {
    exercise("delete_team", "DELETE", &format!("/team-management/v1/teams/{TEAM}/"), None, 204, |client| {
        client.teams().delete(TEAM).send()
    });
}

#[test]
fn list_team_members() {
    let members = exercise(
        "list_team_members",
        "GET",
        &format!("/team-management/v1/teams/{TEAM}/members/"),
        None,
        200,
        |client| client.teams().list_members(TEAM).send(),
    );
    assert_eq!(members.count, 0);
    assert!(members.results.is_empty());
}

#[test]
fn reset_team_access_keys() {
    let keys = exercise(
        "reset_team_access_keys",
        "POST",
        &format!("/team-management/v1/teams/{TEAM}/reset-access-key/"),
        None,
        200,
        |client| client.teams().reset_access_keys(TEAM).send(),
    );
    assert!(keys.0.is_empty());
}

// ----- users -----

#[test]
fn lookup_users() {
    let page = exercise(
        "lookup_users",
        "GET",
        "/team-management/v1/users/?id=u1%2Cu2&username=an&teams=t1%2Ct2&team-name=Sauce%20Docs&roles=1%2C4&phrase=jim%40&status=active&limit=30&offset=60",
        None,
        200,
        |client| {
            client
                .users()
                .lookup()
                .id("u1,u2")
                .username("an")
                .teams("t1,t2")
                .team_name("Sauce Docs")
                .roles([RoleId::OrganizationAdmin, RoleId::TeamAdmin])
                .phrase("jim@")
                .status(UserStatusFilter::Active)
                .limit(30)
                .offset(60)
                .send()
        },
    );
    assert_eq!(page.count, 2);
    assert_eq!(page.results[0].username, "jim.smith");
    assert_eq!(page.results[0].roles[0].role, RoleId::Member);
}

/// The role filter takes typed roles, raw numbers, and numbers the docs never listed.
#[test]
fn the_role_filter_takes_typed_and_raw_roles() {
    let mut server = Server::new();
    let mocks: Vec<_> = ["roles=4", "roles=1%2C4", "roles=2%2C3"]
        .into_iter()
        .map(|query| {
            server
                .mock("GET", format!("/team-management/v1/users/?{query}").as_str())
                .with_body(r#"{"count": 0, "links": {"next": null, "previous": null}, "results": []}"#)
                .expect(1)
                .create()
        })
        .collect();
    let client = client(&server.url());
    client.users().lookup().roles([RoleId::TeamAdmin]).send().unwrap();
    client.users().lookup().roles([1u64, 4]).send().unwrap();
    client.users().lookup().roles(vec![RoleId::Other(2), RoleId::Member]).send().unwrap();
    mocks.iter().for_each(|mock| mock.assert());
    let empty = client.users().lookup().roles(Vec::<RoleId>::new()).send().unwrap_err();
    assert!(empty.to_string().contains("roles needs at least one value"), "{empty}");
}

#[test]
fn create_user() {
    let body: types::CreateUserRequest = body_of("create_user");
    assert_eq!(body.role, Some(RoleId::TeamAdmin));
    let user = exercise(
        "create_user",
        "POST",
        "/team-management/v1/users/",
        Some(request_example("create_user")),
        201,
        |client| client.users().create(&body).send(),
    );
    assert!(user.is_team_admin == Some(true));
    assert_eq!(user.teams[0].org_uuid.as_ref().map(OrgRef::id), Some("bed0a8a559404117b3d10d3bfff4c8ab"));
}

#[test]
fn get_active_team() {
    let team = exercise("get_active_team", "GET", "/team-management/v1/users/me/active-team/", None, 200, |client| {
        client.users().get_active_team().send()
    });
    assert_eq!(team.name, "Team A");
}

#[test]
fn get_current_user() {
    let me = exercise("get_current_user", "GET", "/team-management/v1/users/me/", None, 200, |client| {
        client.users().get_current().send()
    });
    assert_eq!((me.username.as_str(), me.roles[0].role), ("jim.smith", RoleId::Member));
}

#[test]
fn get_user() {
    let user = exercise("get_user", "GET", &format!("/team-management/v1/users/{USER}/"), None, 200, |client| {
        client.users().get(USER).send()
    });
    assert_eq!(user.user_type, Some(types::UserType::Admin));
    assert_eq!(user.roles[0].role, RoleId::OrganizationAdmin);
}

#[test]
fn replace_user() {
    let body: types::ReplaceUserRequest = body_of("replace_user");
    // The spec documents no 200 example for this call; answer with a full profile.
    let mut server = Server::new();
    let mock = server
        .mock("PUT", format!("/team-management/v1/users/{USER}/").as_str())
        .match_header("authorization", authorization().as_str())
        .match_body(Matcher::Json(request_example("replace_user")))
        .with_status(200)
        .with_body(response_example("get_user", "200"))
        .create();
    let user = client(&server.url()).users().replace(USER, &body).send().unwrap();
    mock.assert();
    assert_eq!(user.id, USER);
    // The documented failure: passwords that differ.
    let failure = server
        .mock("PUT", format!("/team-management/v1/users/{USER}/").as_str())
        .with_status(400)
        .with_body(common::response_example("replace_user", "400"))
        .create();
    match client(&server.url()).users().replace(USER, &body).send() {
        Err(Error::Api(error)) => {
            assert_eq!(error.status, 400);
            assert_eq!(error.non_field_errors, vec!["Passwords need to match".to_string()]);
            assert!(error.to_string().contains("Passwords need to match"), "{error}");
        }
        other => panic!("expected a 400, got {other:?}"),
    }
    failure.assert();
}

#[test]
fn update_user() {
    let body = types::UpdateUserRequest::new().with_first_name("Jimmy");
    let user = exercise(
        "update_user",
        "PATCH",
        &format!("/team-management/v1/users/{USER}/"),
        Some(request_example("update_user")),
        200,
        |client| client.users().update(USER, &body).send(),
    );
    assert_eq!(user.first_name.as_deref(), Some("Jimmy"));
}

#[test]
fn team_members_and_a_users_teams_are_paged_with_limit_and_offset() {
    let members = exercise(
        "list_team_members",
        "GET",
        &format!("/team-management/v1/teams/{TEAM}/members/?limit=50&offset=100"),
        None,
        200,
        |client| client.teams().list_members(TEAM).limit(50).offset(100).send(),
    );
    assert_eq!(members.count, 0);
    let teams = exercise(
        "get_user_teams",
        "GET",
        &format!("/team-management/v1/users/{USER}/teams/?limit=2&offset=0"),
        None,
        200,
        |client| client.users().get_teams(USER).limit(2).offset(0).send(),
    );
    assert!(!teams.results.is_empty());
}

#[test]
fn get_user_teams() {
    let teams =
        exercise("get_user_teams", "GET", &format!("/team-management/v1/users/{USER}/teams/"), None, 200, |client| {
            client.users().get_teams(USER).send()
        });
    assert_eq!(teams.results[0].id, TEAM);
}

#[test]
fn set_user_teams() {
    let body = types::SetUserTeamsRequest::new(vec![TEAM.into(), "b3de7078b79841b59d2e54127269afe3".into()]);
    exercise(
        "set_user_teams",
        "PUT",
        &format!("/team-management/v1/users/{USER}/teams/"),
        Some(request_example("set_user_teams")),
        204,
        |client| client.users().set_teams(USER, &body).send(),
    );
}

#[test]
fn set_user_admin() {
    let user = exercise(
        "set_user_admin",
        "POST",
        &format!("/team-management/v1/users/{USER}/set-admin/"),
        None,
        200,
        |client| client.users().set_admin(USER).send(),
    );
    assert_eq!(user.username, "jsmith");
}

#[test]
fn set_user_team_admin() {
    let user = exercise(
        "set_user_team_admin",
        "POST",
        &format!("/team-management/v1/users/{USER}/set-team-admin/"),
        None,
        200,
        |client| client.users().set_team_admin(USER).send(),
    );
    assert_eq!(user.roles[0].role, RoleId::TeamAdmin);
}

#[test]
fn set_user_member() {
    let user = exercise(
        "set_user_member",
        "POST",
        &format!("/team-management/v1/users/{USER}/set-member/"),
        None,
        200,
        |client| client.users().set_member(USER).send(),
    );
    assert_eq!(user.id, "631dfdc7c20f499e9f9de19680543c35");
}

#[test]
fn activate_user() {
    let user = exercise(
        "activate_user",
        "POST",
        &format!("/team-management/v1/users/{USER}/activate/"),
        None,
        200,
        |client| client.users().activate(USER).send(),
    );
    assert_eq!(user.is_active, Some(true));
}

#[test]
fn deactivate_user() {
    let user = exercise(
        "deactivate_user",
        "POST",
        &format!("/team-management/v1/users/{USER}/deactivate/"),
        None,
        200,
        |client| client.users().deactivate(USER).send(),
    );
    assert_eq!(user.username, "jsmith");
}

#[test]
fn get_user_access_key() {
    let key = exercise(
        "get_user_access_key",
        "GET",
        &format!("/team-management/v1/users/{USER}/access-key/"),
        None,
        200,
        |client| client.users().get_access_key(USER).send(),
    );
    assert_eq!(key.access_key.expose(), "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b");
    assert!(!format!("{key:?}").contains("3f1c2b4a"), "Debug must not show the key");
}

#[test]
fn reset_user_access_key() {
    let key = exercise(
        "reset_user_access_key",
        "POST",
        &format!("/team-management/v1/users/{USER}/reset-access-key/"),
        None,
        200,
        |client| client.users().reset_access_key(USER).send(),
    );
    assert_eq!(key.username.as_deref(), Some("jsmith"));
}

#[test]
fn get_user_permissions() {
    let permissions = exercise(
        "get_user_permissions",
        "GET",
        &format!("/team-management/v1/users/{USER}/permissions/"),
        None,
        200,
        |client| client.users().get_permissions(USER).send(),
    );
    assert_eq!(permissions.0.get("can_view_jobs"), Some(&json!(true)));
}

// ----- membership and organizations -----

#[test]
#[allow(deprecated)]
fn create_membership() {
    let body = types::MembershipRequest::new("725d4b8d4aa046e7b9b81305cfd2e03f", "58225e095748438b95dfc5daa8f5d762");
    let membership = exercise(
        "create_membership",
        "POST",
        "/team-management/v1/membership/",
        Some(request_example("create_membership")),
        201,
        |client| client.membership().create(&body).send(),
    );
    assert_eq!(membership.id, Some(31321));
    assert_eq!(membership.user.unwrap().teams[0].org_uuid, Some(OrgRef::Id(Default::default())));
}

#[test]
fn lookup_organizations() {
    let organizations =
        exercise("lookup_organizations", "GET", "/team-management/v1/organizations/", None, 200, |client| {
            client.organizations().lookup().send()
        });
    assert_eq!(organizations.results[0].total_vm_concurrency, Some(ConcurrencyCount(46)));
}

// ----- classic -----

#[test]
fn classic_get_user() {
    let user = exercise("classic_get_user", "GET", "/rest/v1/users/jsmith", None, 200, |client| {
        client.classic().get_user("jsmith").send()
    });
    let limits = user.concurrency_limit.unwrap();
    assert_eq!(limits.real_device, Some(ConcurrencyCount(2)), "a number sent as a string");
    assert_eq!(user.minutes, Some(sauce_accounts::Minutes::Count(1000)));
}

/// What the live service sends for a classic user, as other clients recorded it: minutes as
/// the word "infinite", no `username` (the login is in `id`), fields the docs never show.
#[test]
fn a_live_classic_user_decodes_with_every_field() {
    let live = json!({
        "id": "jsmith", "creation_time": 1604612327, "minutes": "infinite", "manual_minutes": "infinite",
        "can_run_manual": true, "is_admin": false, "is_sso": true, "entity_type": "user", "domain": "acme.example",
        "verified": true, "prevent_emails": ["marketing"], "access_key": "00000000-0000-0000-0000-000000000000",
        "concurrency_limit": {"overall": 10, "mac": "10", "real_device": 2, "scout": 5},
        "ancestor_concurrency_limit": {"overall": 100, "mac": 100, "real_device": 20, "scout": 100},
        "a_field_added_later": {"kept": "out of the way"}
    });
    let mut server = Server::new();
    server.mock("GET", "/rest/v1/users/jsmith").with_body(live.to_string()).create();
    let user = client(&server.url()).classic().get_user("jsmith").send().unwrap();
    assert_eq!((user.username.as_deref(), user.login()), (None, Some("jsmith")));
    assert_eq!(user.minutes, Some(sauce_accounts::Minutes::Infinite));
    assert_eq!(user.manual_minutes.and_then(sauce_accounts::Minutes::count), None);
    assert_eq!((user.can_run_manual, user.is_sso, user.verified), (Some(true), Some(true), Some(true)));
    assert_eq!(user.domain.as_deref(), Some("acme.example"));
    assert_eq!(user.prevent_emails, ["marketing"]);
    assert_eq!(user.concurrency_limit.unwrap().scout, Some(ConcurrencyCount(5)));
    assert_eq!(user.ancestor_concurrency_limit.unwrap().overall, Some(ConcurrencyCount(100)));
    assert_eq!(user.creation_time, Some(1604612327));
}

#[test]
fn classic_create_subaccount() {
    let body: types::CreateSubaccountRequest = body_of("classic_create_subaccount");
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/rest/v1/users/parent.admin")
        .match_header("authorization", authorization().as_str())
        .match_body(Matcher::Json(request_example("classic_create_subaccount")))
        .with_status(201)
        .with_body(response_example("classic_create_subaccount", "201"))
        .create();
    let user = client(&server.url()).classic().create_subaccount("parent.admin", &body).send().unwrap();
    mock.assert();
    assert_eq!((user.username.as_deref(), user.login()), (None, Some("jsmith")), "201 without username");
    assert_eq!(user.minutes, Some(sauce_accounts::Minutes::Infinite));
    let failure = server
        .mock("POST", "/rest/v1/users/parent.admin")
        .with_status(400)
        .with_body(r#"{"username": ["taken"]}"#)
        .create();
    let error = client(&server.url()).classic().create_subaccount("parent.admin", &body).send().unwrap_err();
    failure.assert();
    match error {
        Error::Api(error) => assert_eq!(error.field_errors["username"], vec!["taken".to_string()]),
        other => panic!("{other}"),
    }
}

#[test]
fn classic_list_subaccounts() {
    let page = exercise(
        "classic_list_subaccounts",
        "GET",
        "/rest/v1/users/jsmith/list-subaccounts?from=100&limit=50",
        None,
        200,
        |client| client.classic().list_subaccounts("jsmith").from(100).limit(50).send(),
    );
    assert_eq!(page.users[0].concurrency_limit.as_ref().unwrap().overall, Some(ConcurrencyCount(5)));
}

#[test]
fn classic_get_subaccounts() {
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/rest/v1/users/jsmith/subaccounts")
        .match_header("authorization", authorization().as_str())
        .with_status(200)
        .with_body(response_example("classic_list_subaccounts", "200"))
        .create();
    let info = client(&server.url()).classic().get_subaccounts("jsmith").send().unwrap();
    mock.assert();
    assert_eq!(info.users.len(), 1);
    let failure = server
        .mock("GET", "/rest/v1/users/jsmith/subaccounts")
        .with_status(404)
        .with_body(r#"{"detail":"Not found."}"#)
        .create();
    assert!(client(&server.url()).classic().get_subaccounts("jsmith").send().unwrap_err().is_not_found());
    failure.assert();
}

#[test]
fn classic_list_siblings() {
    let siblings = exercise(
        "classic_list_siblings",
        "GET",
        "/rest/v1.1/users/jsmith/siblings?page=2&per_page=50",
        None,
        200,
        |client| client.classic().list_siblings("jsmith").page(2).per_page(50).send(),
    );
    assert_eq!(siblings.0.len(), 2);
}

#[test]
fn classic_change_access_key() {
    let mut server = Server::new();
    let mock = server
        .mock("POST", "/rest/v1/users/jsmith/accesskey/change")
        .match_header("authorization", authorization().as_str())
        .match_body("")
        .with_status(200)
        .with_body(response_example("classic_get_user", "200"))
        .create();
    let user = client(&server.url()).classic().change_access_key("jsmith").send().unwrap();
    mock.assert();
    assert!(user.access_key.is_some());
    let failure = server
        .mock("POST", "/rest/v1/users/jsmith/accesskey/change")
        .with_status(403)
        .with_body(r#"{"detail":"nope"}"#)
        .create();
    assert_eq!(client(&server.url()).classic().change_access_key("jsmith").send().unwrap_err().status(), Some(403));
    failure.assert();
}

#[test]
fn classic_get_concurrency() {
    let concurrency =
        exercise("classic_get_concurrency", "GET", "/rest/v1.2/users/jsmith/concurrency", None, 200, |client| {
            client.classic().get_concurrency("jsmith").send()
        });
    let team = concurrency.concurrency.team.unwrap();
    assert_eq!(team.allowed.unwrap().vms, Some(ConcurrencyCount(100)));
    assert_eq!(concurrency.timestamp, Some(1631125800.61984));
}

#[test]
fn classic_get_activity() {
    let path = "/rest/v1/users/jsmith/activity?level=user&since=1681776000&until=1682380800";
    let activity = exercise("classic_get_activity", "GET", path, None, 200, |client| {
        client
            .classic()
            .get_activity("jsmith")
            .level(ActivityLevel::User)
            .since(1_681_776_000)
            .until(1_682_380_800)
            .send()
    });
    assert_eq!(activity.counts().unwrap().totals.in_progress, Some(2));
}

#[test]
fn classic_get_users_activity() {
    let path = "/rest/v1/users_activity?users=631dfdc7c20f499e9f9de19680543c35&users=b3de7078b79841b59d2e54127269afe3&since=1681776000";
    let activity = exercise("classic_get_users_activity", "GET", path, None, 200, |client| {
        client
            .classic()
            .get_users_activity()
            .users(["631dfdc7c20f499e9f9de19680543c35", "b3de7078b79841b59d2e54127269afe3"])
            .since(1_681_776_000)
            .send()
    });
    let days = activity["631dfdc7c20f499e9f9de19680543c35"].days().unwrap();
    assert_eq!((days[0].date.to_string().as_str(), days[0].jobs, days[0].minutes), ("2023-04-18", 4, 12.5));
    let server = Server::new();
    let empty = client(&server.url()).classic().get_users_activity().users(Vec::<String>::new()).send().unwrap_err();
    assert!(empty.to_string().contains("users needs at least one value"), "{empty}");
}

/// Each activity operation's answer decodes in both documented shapes — the Insights page's
/// daily statistics and the older docs' counts — and neither is read as the other.
#[test]
fn activity_answers_decode_in_both_shapes() {
    for (id, path) in [
        ("classic_get_activity", "/rest/v1/users/jsmith/activity"),
        ("classic_get_organization_activity", "/rest/v1/activity/organization"),
        ("classic_get_teams_activity", "/rest/v1/activity/teams"),
    ] {
        let examples = common::response_examples(id, "200");
        assert_eq!(examples.iter().map(|(name, _)| name.as_str()).collect::<Vec<_>>(), ["counts", "daily"], "{id}");
        for (name, body) in examples {
            let mut server = Server::new();
            let mock =
                server.mock("GET", path).with_header("content-type", "application/json").with_body(&body).create();
            let client = client(&server.url());
            let (daily, has_counts) = if id == "classic_get_activity" {
                let answer = client.classic().get_activity("jsmith").send().unwrap();
                (answer.daily().map(|daily| daily.jobs.len()), answer.counts().is_some())
            } else {
                let answer = if id == "classic_get_teams_activity" {
                    client.classic().get_teams_activity().send().unwrap()
                } else {
                    client.classic().get_organization_activity().send().unwrap()
                };
                (answer.daily().map(|daily| daily.len()), answer.counts().is_some())
            };
            mock.assert();
            match name.as_str() {
                "daily" => assert!(daily.is_some_and(|entries| entries > 0) && !has_counts, "{id} {name}"),
                _ => assert!(daily.is_none() && has_counts, "{id} {name}"),
            }
        }
    }
}

/// FastAPI's 422 names each refused parameter; the error reports them per parameter.
#[test]
fn activity_validation_errors_name_the_parameter() {
    let mut server = Server::new();
    let body = common::response_example("classic_get_users_activity", "422");
    server.mock("GET", "/rest/v1/users_activity").with_status(422).with_body(&body).create();
    let error = client(&server.url()).classic().get_users_activity().send().unwrap_err();
    let Error::Api(api) = &error else { panic!("{error:?}") };
    assert_eq!(api.status, 422);
    assert_eq!(api.field_errors["since"], ["value is not a valid integer"]);
    assert!(error.to_string().contains("since: value is not a valid integer"), "{error}");
}

#[test]
fn classic_get_usage() {
    let usage = exercise("classic_get_usage", "GET", "/rest/v1/users/jsmith/usage", None, 200, |client| {
        client.classic().get_usage("jsmith").send()
    });
    assert_eq!(usage.usage.len(), 2);
}

#[test]
fn classic_get_organization_activity() {
    let activity = exercise(
        "classic_get_organization_activity",
        "GET",
        "/rest/v1/activity/organization?since=1681776000",
        None,
        200,
        |client| client.classic().get_organization_activity().since(1_681_776_000).send(),
    );
    assert_eq!(activity.counts().unwrap().totals.queued, Some(3));
}

#[test]
fn classic_get_teams_activity() {
    let path = format!("/rest/v1/activity/teams?id={TEAM}&id=b3de7078b79841b59d2e54127269afe3&until=1682380800");
    let activity = exercise("classic_get_teams_activity", "GET", &path, None, 200, |client| {
        client.classic().get_teams_activity().id([TEAM, "b3de7078b79841b59d2e54127269afe3"]).until(1_682_380_800).send()
    });
    assert_eq!(activity.counts().unwrap().teams.as_ref().unwrap().0[TEAM].all, Some(2));
}

// ----- concurrency -----

#[test]
fn get_real_device_concurrency() {
    let concurrency = exercise("get_real_device_concurrency", "GET", "/v1/rdc/concurrency", None, 200, |client| {
        client.concurrency().get_real_device().send()
    });
    let organization = concurrency.organization.unwrap();
    assert_eq!(organization.maximum.unwrap().count(), Some(20));
    assert_eq!(organization.current.unwrap().count(), Some(1));
}

/// Other clients read the real-device figures as plain integers; the docs show objects. Both
/// decode, and each encodes back as it came.
#[test]
fn real_device_figures_decode_as_numbers_or_objects() {
    let mut server = Server::new();
    server
        .mock("GET", "/v1/rdc/concurrency")
        .with_body(r#"{"organization": {"current": 3, "maximum": "12"}}"#)
        .expect(1)
        .create();
    let plain = client(&server.url()).concurrency().get_real_device().send().unwrap().organization.unwrap();
    assert_eq!((plain.current.as_ref().unwrap().count(), plain.maximum.as_ref().unwrap().count()), (Some(3), Some(12)));
    assert_eq!(serde_json::to_value(&plain).unwrap(), json!({"current": 3, "maximum": 12}));
    let object: sauce_accounts::DeviceCount =
        serde_json::from_value(json!({"inUseDevices": 4, "extra": true})).unwrap();
    assert_eq!(object.count(), Some(4));
    assert_eq!(serde_json::to_value(&object).unwrap(), json!({"inUseDevices": 4, "extra": true}));
}

// ----- service accounts -----

const SERVICE_ACCOUNT: &str = "7ddb81628f5f4e77b5f74d9dec4980db";

#[test]
fn lookup_service_accounts() {
    let page = exercise(
        "lookup_service_accounts",
        "GET",
        "/team-management/v1/service-accounts/?id=a%2Cb&username=bot&teams=t1&limit=10&offset=0",
        None,
        200,
        |client| client.service_accounts().lookup().id("a,b").username("bot").teams("t1").limit(10).offset(0).send(),
    );
    assert_eq!(page.count, 1);
    let account = &page.results[0];
    assert_eq!(account.id, SERVICE_ACCOUNT);
    assert_eq!(account.team.as_ref().unwrap().name.as_deref(), Some("QA Automation Team"));
    assert_eq!(account.creator.as_ref().unwrap().username.as_deref(), Some("john.doe"));
}

#[test]
fn create_service_account() {
    let body: types::CreateServiceAccountRequest = body_of("create_service_account");
    let created = exercise(
        "create_service_account",
        "POST",
        "/team-management/v1/service-accounts/",
        Some(json!({"name": "Team A bot", "team_uuid": "bd8466c7c94f4f2a8641a1fd4ac1a89d"})),
        201,
        |client| client.service_accounts().create(&body).send(),
    );
    assert_eq!(created.username, "bot-automation-service-account-d2164");
    assert_eq!(created.access_key.expose(), "8e27aba8-be73-4ef3-9c2b-20f796b5ebff");
    assert!(!format!("{created:?}").contains("8e27aba8"), "the key never prints");
}

#[test]
fn get_service_account() {
    let account = exercise(
        "get_service_account",
        "GET",
        &format!("/team-management/v1/service-accounts/{SERVICE_ACCOUNT}/"),
        None,
        200,
        |client| client.service_accounts().get(SERVICE_ACCOUNT).send(),
    );
    assert!(account.last_activity_time.is_some());
}

#[test]
fn update_service_account() {
    let account = exercise(
        "update_service_account",
        "PATCH",
        &format!("/team-management/v1/service-accounts/{SERVICE_ACCOUNT}/"),
        Some(json!({"name": "Bot Foo Bar"})),
        200,
        |client| {
            client
                .service_accounts()
                .update(SERVICE_ACCOUNT, &types::UpdateServiceAccountRequest::new("Bot Foo Bar"))
                .send()
        },
    );
    assert_eq!(account.name.as_deref(), Some("Bot Foo Bar"));
}

#[test]
fn delete_service_account() {
    exercise(
        "delete_service_account",
        "DELETE",
        &format!("/team-management/v1/service-accounts/{SERVICE_ACCOUNT}/"),
        None,
        204,
        |client| client.service_accounts().delete(SERVICE_ACCOUNT).send(),
    );
}

#[test]
fn reset_service_account_access_key() {
    let key = exercise(
        "reset_service_account_access_key",
        "POST",
        &format!("/team-management/v1/service-accounts/{SERVICE_ACCOUNT}/reset-access-key/"),
        None,
        200,
        |client| client.service_accounts().reset_access_key(SERVICE_ACCOUNT).send(),
    );
    assert_eq!(key.access_key.expose(), "3f78c473-3396-432d-b6d1-48e2dd7c57b1");
}

#[test]
fn a_service_account_name_is_checked_before_sending() {
    let server = Server::new();
    let client = client(&server.url());
    let blank = types::UpdateServiceAccountRequest::new(" ");
    assert!(
        client.service_accounts().update(SERVICE_ACCOUNT, &blank).send().unwrap_err().to_string().contains("blank")
    );
    let long = types::UpdateServiceAccountRequest::new("x".repeat(129));
    let error = client.service_accounts().update(SERVICE_ACCOUNT, &long).send().unwrap_err();
    assert!(error.to_string().contains("at most 128 characters"), "{error}");
}

/// `Client::call` sends exactly what the typed method sends, percent-encodes path
/// parameters, and holds the answer to the operation's response type.
#[test]
fn a_raw_call_is_checked_like_a_typed_one() {
    let get_team = sauce_accounts::operations::ALL.iter().find(|operation| operation.id == "get_team").unwrap();
    let mut server = Server::new();
    let mock = server
        .mock("GET", "/team-management/v1/teams/a%2Fb/")
        .match_header("authorization", authorization().as_str())
        .with_body(response_example("get_team", "200"))
        .create();
    let client = client(&server.url());
    let team = client.call(get_team, sauce_accounts::RawRequest::new().path("team_id", "a/b")).unwrap();
    mock.assert();
    assert_eq!(team["id"], "80d69d16ebdb4c018cc9d81ea911761a");
    server.mock("GET", "/team-management/v1/teams/odd/").with_body(r#"{"name": "no id"}"#).create();
    let error = client.call(get_team, sauce_accounts::RawRequest::new().path("team_id", "odd")).unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error:?}");
    let error = client.call(get_team, sauce_accounts::RawRequest::new().path("team_id", "")).unwrap_err();
    assert!(matches!(error, Error::InvalidArgument { .. }), "{error:?}");
}

/// The status filter is a closed set (the service refuses other values): each listed value is
/// sent as the API writes it and any other text is refused before sending, while the status
/// in answers stays open, reading an unknown state as `Other` and the listed ones whatever
/// their case.
#[test]
fn the_status_filter_is_closed_while_answers_stay_open() {
    let mut server = Server::new();
    let mocks: Vec<_> = ["status=pending", "status=inactive"]
        .into_iter()
        .map(|query| {
            server
                .mock("GET", format!("/team-management/v1/users/?{query}").as_str())
                .with_body(response_example("lookup_users", "200"))
                .create()
        })
        .collect();
    let client = client(&server.url());
    client.users().lookup().status(UserStatusFilter::Pending).send().unwrap();
    client.users().lookup().status("inactive".parse::<UserStatusFilter>().unwrap()).send().unwrap();
    mocks.iter().for_each(|mock| mock.assert());
    assert!("suspended".parse::<UserStatusFilter>().is_err());
    assert!(serde_json::from_value::<UserStatusFilter>(json!("suspended")).is_err());
    assert_eq!(UserStatus::from("suspended"), UserStatus::Other("suspended".into()));
    assert!(!UserStatus::from("suspended").is_documented());
    assert_eq!(serde_json::to_value(UserStatus::Other("suspended".into())).unwrap(), json!("suspended"));
    assert_eq!(serde_json::from_value::<UserStatus>(json!("PENDING")).unwrap(), UserStatus::Pending);
}
