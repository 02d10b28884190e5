//! The paginated listings fetch pages lazily and stop exactly at the end.

mod common;

use common::{authorization, client};
use mockito::Server;
use serde_json::json;

fn users(from: usize, count: usize) -> Vec<serde_json::Value> {
    (from..from + count).map(|index| json!({"id": format!("u{index}"), "username": format!("user{index}")})).collect()
}

#[test]
fn users_are_listed_across_pages_ending_with_a_short_one() {
    let mut server = Server::new();
    let total = 7;
    let pages: Vec<_> = [(0, 3), (3, 3), (6, 1)]
        .into_iter()
        .map(|(offset, size)| {
            server
                .mock("GET", format!("/team-management/v1/users/?status=active&limit=3&offset={offset}").as_str())
                .match_header("authorization", authorization().as_str())
                .with_body(
                    json!({"links": {"next": null, "previous": null}, "count": total, "results": users(offset, size)})
                        .to_string(),
                )
                .expect(1)
                .create()
        })
        .collect();
    let client = client(&server.url());
    let names: Vec<String> = client
        .users()
        .lookup()
        .status(sauce_accounts::UserStatusFilter::Active)
        .limit(3)
        .iter()
        .map(|user| user.unwrap().username)
        .collect();
    assert_eq!(names, (0..7).map(|index| format!("user{index}")).collect::<Vec<_>>());
    pages.iter().for_each(|page| page.assert());
}

#[test]
fn pages_are_fetched_only_when_needed() {
    let mut server = Server::new();
    let first = server
        .mock("GET", "/team-management/v1/teams/?limit=2&offset=0")
        .with_body(json!({"count": 6, "results": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]}).to_string())
        .expect(1)
        .create();
    let second = server.mock("GET", "/team-management/v1/teams/?limit=2&offset=2").expect(0).create();
    let client = client(&server.url());
    let mut teams = client.teams().lookup().limit(2).iter();
    assert_eq!(teams.next().unwrap().unwrap().id, "a");
    assert_eq!(teams.next().unwrap().unwrap().id, "b");
    assert_eq!(teams.pages_fetched(), 1);
    drop(teams);
    first.assert();
    second.assert();
}

#[test]
fn siblings_stop_at_an_empty_last_page() {
    let mut server = Server::new();
    let sibling = |index: usize| json!({"id": format!("s{index}"), "username": format!("sib{index}")});
    let pages: Vec<_> = [
        (1, vec![sibling(1), sibling(2)]),
        (2, vec![sibling(3), sibling(4)]),
        (3, vec![sibling(5), sibling(6)]),
        (4, vec![]),
    ]
    .into_iter()
    .map(|(page, body)| {
        server
            .mock("GET", format!("/rest/v1.1/users/jsmith/siblings?page={page}&per_page=2").as_str())
            .with_body(serde_json::Value::Array(body).to_string())
            .expect(1)
            .create()
    })
    .collect();
    let client = client(&server.url());
    let names: Vec<String> =
        client.classic().list_siblings("jsmith").per_page(2).iter().map(|sibling| sibling.unwrap().username).collect();
    assert_eq!(names, ["sib1", "sib2", "sib3", "sib4", "sib5", "sib6"]);
    pages.iter().for_each(|page| page.assert());
}

#[test]
fn subaccounts_page_by_from_and_default_to_the_largest_page() {
    let mut server = Server::new();
    let account = |index: usize| json!({"username": format!("sub{index}")});
    let full: Vec<_> = (0..100).map(account).collect();
    let first = server
        .mock("GET", "/rest/v1/users/parent/list-subaccounts?from=0&limit=100")
        .with_body(json!({"users": full}).to_string())
        .expect(1)
        .create();
    let second = server
        .mock("GET", "/rest/v1/users/parent/list-subaccounts?from=100&limit=100")
        .with_body(json!({"users": [account(100), account(101)]}).to_string())
        .expect(1)
        .create();
    let client = client(&server.url());
    let count = client.classic().list_subaccounts("parent").iter().map(Result::unwrap).count();
    assert_eq!(count, 102);
    first.assert();
    second.assert();
}

#[test]
fn an_error_mid_listing_is_yielded_once_and_ends_it() {
    let mut server = Server::new();
    server
        .mock("GET", "/team-management/v1/users/?limit=2&offset=0")
        .with_body(json!({"count": 10, "results": users(0, 2)}).to_string())
        .create();
    server
        .mock("GET", "/team-management/v1/users/?limit=2&offset=2")
        .with_status(500)
        .with_body(r#"{"detail": "boom"}"#)
        .create();
    let client = client(&server.url());
    let results: Vec<_> = client.users().lookup().limit(2).iter().collect();
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    assert_eq!(results[2].as_ref().unwrap_err().status(), Some(500));
}

/// A role number the docs never listed must not break the listing it appears in; the number
/// survives decoding and encoding again.
#[test]
fn an_unlisted_role_number_decodes_and_keeps_its_value() {
    let mut server = Server::new();
    let body = json!({
        "count": 3,
        "links": {"next": null, "previous": null, "first": null, "last": null},
        "results": [
            {"id": "u1", "username": "admin", "roles": [{"name": "admin", "role": 1}]},
            {"id": "u2", "username": "billing", "roles": [{"name": "billing admin", "role": 2}]},
            {"id": "u3", "username": "viewer", "roles": [{"name": "viewer", "role": 7}]}
        ]
    });
    server.mock("GET", "/team-management/v1/users/").with_body(body.to_string()).create();
    let client = client(&server.url());
    let page = client.users().lookup().send().expect("one unknown role must not fail the listing");
    let roles: Vec<sauce_accounts::RoleId> = page.results.iter().map(|user| user.roles[0].role).collect();
    use sauce_accounts::RoleId;
    assert_eq!(roles, [RoleId::OrganizationAdmin, RoleId::Other(2), RoleId::Other(7)]);
    assert_eq!(roles[2].to_string(), "role 7");
    assert!(!roles[1].is_documented() && roles[0].is_documented());
    let encoded = serde_json::to_value(&page).unwrap();
    assert_eq!(encoded["results"][1]["roles"][0]["role"], 2);
    assert_eq!(encoded["results"][2]["roles"][0]["role"], 7);
}
