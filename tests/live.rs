//! The live corpus (`tests/fixtures/live/`): one answer per operation, written to what the
//! live service sends as other clients recorded it — where that differs from the docs — and
//! to the docs elsewhere. Every answer must decode, survive a round trip unchanged, never
//! come out empty, and keep decoding when the service adds fields.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{client, resolve, spec};
use mockito::Server;
use sauce_accounts::operations::{ALL, OperationInfo};
use sauce_accounts::{ConcurrencyCount, DeviceCount, Minutes, RoleId, UserType, types};
use serde_json::{Value, json};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/live")
}

/// Every operation whose success answer has a body, with its live answer.
fn answers() -> Vec<(&'static OperationInfo, &'static str, Vec<u8>)> {
    ALL.iter()
        .filter_map(|operation| operation.response.map(|schema| (operation, schema)))
        .map(|(operation, schema)| {
            let path = corpus().join(format!("{}.json", operation.id));
            let bytes = std::fs::read(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
            (operation, schema, bytes)
        })
        .collect()
}

fn reencode(schema: &str, json: &[u8]) -> Result<Value, serde_json::Error> {
    types::reencode(schema, json).unwrap_or_else(|| panic!("the spec has no schema {schema}"))
}

/// Whether a JSON value carries anything at all.
fn has_data(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Object(fields) => !fields.is_empty(),
        Value::Array(items) => !items.is_empty(),
        _ => true,
    }
}

#[test]
fn every_operation_with_an_answer_has_exactly_one_live_fixture() {
    let expected: BTreeSet<String> = ALL
        .iter()
        .filter(|operation| operation.response.is_some())
        .map(|operation| format!("{}.json", operation.id))
        .collect();
    let present: BTreeSet<String> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    let missing: Vec<_> = expected.difference(&present).collect();
    let orphans: Vec<_> = present.difference(&expected).collect();
    assert!(missing.is_empty() && orphans.is_empty(), "missing: {missing:?}; for no operation: {orphans:?}");
}

/// Decoded into its generated type, encoded and decoded again, every answer comes back the
/// same (unknown enum values keep their raw value through it), and nothing that had data
/// decodes to an empty value.
#[test]
fn every_live_answer_decodes_and_round_trips() {
    for (operation, schema, bytes) in answers() {
        let original: Value = serde_json::from_slice(&bytes).unwrap();
        let once = reencode(schema, &bytes).unwrap_or_else(|error| panic!("{}: {error}", operation.id));
        let twice = reencode(schema, &serde_json::to_vec(&once).unwrap()).unwrap();
        assert_eq!(once, twice, "{}: the round trip changed the value", operation.id);
        assert!(has_data(&once) || !has_data(&original), "{}: decoded to an empty value", operation.id);
    }
}

/// The object schema behind a component (through `allOf` and `$ref`), if it names fields.
fn is_object_with_fields(schema: &str) -> bool {
    let definition = resolve(&spec()["components"]["schemas"][schema]);
    definition.get("properties").is_some_and(|properties| properties.as_object().is_some_and(|p| !p.is_empty()))
}

fn is_open(schema: &str) -> bool {
    spec()["components"]["schemas"][schema].get("additionalProperties").is_some_and(|open| open.is_object())
}

/// A field the service adds later is ignored by every response type — at the top of the
/// answer and in each item of its listing — and kept where the schema is open.
#[test]
fn unknown_fields_are_tolerated_on_every_response_type() {
    let mut checked = 0;
    for (operation, schema, bytes) in answers() {
        if !is_object_with_fields(schema) {
            continue;
        }
        let mut answer: Value = serde_json::from_slice(&bytes).unwrap();
        let added = json!({"nested": [1, "two", null], "flag": true});
        answer["a_field_added_later"] = added.clone();
        for listing in ["results", "users"] {
            if let Some(items) = answer.get_mut(listing).and_then(Value::as_array_mut) {
                for item in items.iter_mut().filter(|item| item.is_object()) {
                    item["a_field_added_later"] = added.clone();
                }
            }
        }
        let decoded = reencode(schema, &serde_json::to_vec(&answer).unwrap())
            .unwrap_or_else(|error| panic!("{}: an added field broke decoding: {error}", operation.id));
        if is_open(schema) {
            assert_eq!(decoded["a_field_added_later"], added, "{}: an open object drops unknown keys", operation.id);
        }
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} response types checked");
}

/// The facts other clients recorded, through the public client against a mock server.
#[test]
fn the_recorded_facts_decode_through_the_client() {
    let mut server = Server::new();
    let fixture = |id: &str| std::fs::read_to_string(corpus().join(format!("{id}.json"))).unwrap();
    for (path, id) in [
        ("/team-management/v1/users/", "lookup_users"),
        ("/rest/v1/users/jsmith", "classic_get_user"),
        ("/v1/rdc/concurrency", "get_real_device_concurrency"),
        ("/rest/v1/users/jsmith/activity", "classic_get_activity"),
        ("/rest/v1/activity/teams", "classic_get_teams_activity"),
    ] {
        let any_query = mockito::Matcher::Any;
        let answer = fixture(id);
        server
            .mock("GET", path)
            .match_query(any_query)
            .with_header("content-type", "application/json")
            .with_body(answer)
            .create();
    }
    server
        .mock("POST", "/rest/v1/users/acme-admin")
        .with_status(201)
        .with_body(fixture("classic_create_subaccount"))
        .create();
    let client = client(&server.url());

    // A role number and an account type the docs never list do not break the listing; the
    // raw values survive.
    let users: Vec<types::UserSummary> = client.users().lookup().iter().collect::<Result<_, _>>().unwrap();
    assert!(users[0].roles.iter().any(|role| role.role == RoleId::Other(7)));
    assert_eq!(users.last().unwrap().user_type, Some(UserType::Other("service_account".into())));
    let listed = serde_json::to_value(&users).unwrap();
    assert_eq!(listed.to_string().matches(r#""role":7"#).count(), 1);
    assert_eq!(listed.to_string().matches(r#""user_type":"service_account""#).count(), 1);

    // The classic user: minutes as words, no username, fields the docs never show.
    let user = client.classic().get_user("jsmith").send().unwrap();
    assert_eq!((user.username.as_deref(), user.login()), (None, Some("jsmith")));
    assert_eq!((user.minutes, user.manual_minutes), (Some(Minutes::Infinite), Some(Minutes::Infinite)));
    assert_eq!(user.creation_time, Some(1601915166));
    assert_eq!(user.concurrency_limit.as_ref().unwrap().scout, Some(ConcurrencyCount(10)));
    assert_eq!((user.is_admin, user.is_sso, user.verified), (Some(false), Some(false), Some(true)));

    // Creating a subaccount answers 201 with a classic user without `username`.
    let request = types::CreateSubaccountRequest::new("new.sub@example.com", "New Sub", "N3w-Sub-Pass!", "new.sub");
    let created = client.classic().create_subaccount("acme-admin", &request).send().unwrap();
    assert_eq!(created.login(), Some("new.sub"));

    // Real-device figures as plain integers.
    let devices = client.concurrency().get_real_device().send().unwrap().organization.unwrap();
    assert_eq!(devices.current, Some(DeviceCount::Number(ConcurrencyCount(1))));
    assert_eq!(devices.maximum.unwrap().count(), Some(20));

    // Activity in the Insights page's daily shape, for one account and per team.
    let activity = client.classic().get_activity("jsmith").send().unwrap();
    let days = activity.daily().unwrap().days().unwrap();
    assert_eq!((days.len(), days[1].jobs, days[1].peak_concurrency), (3, 9, 3.0));
    let teams = client.classic().get_teams_activity().send().unwrap();
    assert_eq!(teams.daily().unwrap()["80d69d16ebdb4c018cc9d81ea911761a"].jobs, [2]);
}

/// A daily report whose lists do not line up is not silently cut to the shortest.
#[test]
fn daily_lists_of_different_lengths_are_not_lined_up_by_guessing() {
    let uneven: types::DailyActivity = serde_json::from_value(json!({
        "ccy_exec_mean": [0.5], "ccy_exec_peak": [2], "datestamp": ["2023-04-18", "2023-04-19"],
        "jobs": [4], "minutes": [12.5]
    }))
    .unwrap();
    assert_eq!(uneven.days(), None);
    assert_eq!(uneven.datestamp.len(), 2, "the raw lists stay readable");
}

/// The examples the spec gives for an operation's success answer.
fn success_examples(id: &str) -> Vec<Value> {
    let operation = common::operation(id);
    let mut examples = Vec::new();
    for (status, response) in operation["responses"].as_object().unwrap() {
        if !status.starts_with('2') {
            continue;
        }
        let media = &resolve(response)["content"]["application/json"];
        examples.extend(media.get("example").cloned());
        if let Some(named) = media.get("examples").and_then(Value::as_object) {
            examples.extend(named.values().map(|example| example["value"].clone()));
        }
    }
    examples
}

/// The corpus README's table: file → source.
fn listed_sources(readme: &str) -> Vec<(String, String)> {
    readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let file = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            Some((file.to_string(), cells.get(2)?.to_string()))
        })
        .collect()
}

/// Every file of the live corpus says where it comes from, and a copy of the spec's own
/// example is labelled as one: it never counts as evidence about the service.
#[test]
fn every_live_answer_says_where_it_comes_from_and_spec_examples_do_not_count() {
    let readme = std::fs::read_to_string(corpus().join("README.md")).unwrap();
    let listed = listed_sources(&readme);
    let files: BTreeSet<String> = std::fs::read_dir(corpus())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".json"))
        .collect();
    let named: Vec<&String> = listed.iter().map(|(file, _)| file).collect();
    assert_eq!(named.iter().copied().cloned().collect::<BTreeSet<_>>(), files, "the README lists each file");
    assert_eq!(named.len(), files.len(), "the README lists a file twice");
    let sources = ["recorded facts", "docs sample", "documented fact", "open-set probe", "spec example"];
    let mut copies = 0;
    for (file, source) in &listed {
        assert!(sources.contains(&source.as_str()), "{file}: unknown source {source:?}");
        let id = file.trim_end_matches(".json");
        let answer: Value = serde_json::from_slice(&std::fs::read(corpus().join(file)).unwrap()).unwrap();
        let is_copy = success_examples(id).contains(&answer);
        assert_eq!(
            is_copy,
            source == "spec example",
            "{file}: listed as {source:?}, a copy of the spec's example: {is_copy}"
        );
        copies += usize::from(is_copy);
    }
    println!("{} of {} live answers are the spec's own example", copies, listed.len());
}

fn recorded() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/recorded")
}

/// The fields of `value` that `schema` (a schema of the spec) does not declare, by path:
/// `$ref`s and single `allOf`s are followed, a `oneOf` takes the branch that declares most,
/// and an open map (`additionalProperties`) declares any key.
fn undeclared(schema: &Value, value: &Value, at: &str, found: &mut Vec<String>) {
    let schema = resolve(schema);
    if let Some(only) = schema["allOf"].as_array().filter(|parts| parts.len() == 1) {
        return undeclared(&only[0], value, at, found);
    }
    if let Some(branches) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        let best = branches
            .iter()
            .map(|branch| {
                let mut missing = Vec::new();
                undeclared(branch, value, at, &mut missing);
                missing
            })
            .min_by_key(Vec::len);
        return found.extend(best.unwrap_or_default());
    }
    match value {
        Value::Object(fields) => {
            for (name, field) in fields {
                let path = format!("{at}.{name}");
                match (schema["properties"].get(name), schema.get("additionalProperties")) {
                    (Some(property), _) => undeclared(property, field, &path, found),
                    (None, Some(values)) if values.is_object() => undeclared(values, field, &path, found),
                    _ => found.push(path),
                }
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                undeclared(&schema["items"], item, &format!("{at}[{index}]"), found);
            }
        }
        _ => {}
    }
}

/// Every answer other clients recorded (`tests/fixtures/recorded/`, `<operationId>.<client>.json`)
/// decodes through the client and round-trips, and none of its fields is one the spec lacks, so
/// the typed value loses nothing the service sent.
#[test]
fn every_recorded_answer_decodes_losing_no_field() {
    let readme = std::fs::read_to_string(recorded().join("README.md")).unwrap();
    let mut checked = 0;
    for entry in std::fs::read_dir(recorded()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if !name.ends_with(".json") {
            continue;
        }
        assert!(readme.contains(&format!("`{name}`")), "{name}: the README does not say where it comes from");
        let id = name.split('.').next().unwrap();
        let operation =
            ALL.iter().find(|operation| operation.id == id).unwrap_or_else(|| panic!("{name}: no operation {id}"));
        let schema = operation.response.unwrap_or_else(|| panic!("{id} answers no body"));
        let bytes = std::fs::read(recorded().join(&name)).unwrap();
        let once = reencode(schema, &bytes).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(once, reencode(schema, &serde_json::to_vec(&once).unwrap()).unwrap(), "{name}: round trip");
        let original: Value = serde_json::from_slice(&bytes).unwrap();
        let mut missing = Vec::new();
        undeclared(&json!({"$ref": format!("#/components/schemas/{schema}")}), &original, "", &mut missing);
        assert!(missing.is_empty(), "{name}: fields the spec lacks: {missing:?}");
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} recordings");
}

/// The recordings' facts, through the public client: nulls where the service sent them, the
/// fields the docs never show, minutes as numbers or words, and the older counts shape.
#[test]
fn the_recordings_read_through_the_client() {
    let mut server = Server::new();
    let recording = |name: &str| std::fs::read_to_string(recorded().join(name)).unwrap();
    server.mock("GET", "/rest/v1/users/test").with_body(recording("classic_get_user.saucerest-java.json")).create();
    server.mock("GET", "/rest/v1/users/old").with_body(recording("classic_get_user.sauce_whisk.json")).create();
    server
        .mock("GET", "/rest/v1/users/test/activity")
        .with_body(recording("classic_get_activity.saucerest-java.json"))
        .create();
    server
        .mock("GET", "/rest/v1.2/users/test/concurrency")
        .with_body(recording("classic_get_concurrency.saucerest-java.json"))
        .create();
    let client = client(&server.url());

    let user = client.classic().get_user("test").send().unwrap();
    assert_eq!((user.is_admin, user.title.as_deref(), user.domain.as_deref()), (None, None, None));
    assert_eq!(user.ancestor_allows_subaccounts, Some(true));
    assert_eq!(user.user_type, Some(UserType::Other("free".into())));
    assert_eq!((user.minutes, user.manual_minutes), (Some(Minutes::Count(160)), Some(Minutes::Count(45))));
    assert_eq!(user.prevent_emails, ["marketing"]);
    let old = client.classic().get_user("old").send().unwrap();
    assert_eq!((old.minutes, old.login()), (Some(Minutes::Infinite), Some("<SAUCE_USERNAME>")));

    let activity = client.classic().get_activity("test").send().unwrap();
    let counts = activity.counts().unwrap();
    assert_eq!(counts.subaccounts.as_ref().unwrap().0.len(), 2);
    assert_eq!(counts.totals.in_progress, Some(0));

    let concurrency = client.classic().get_concurrency("test").send().unwrap();
    let team = concurrency.concurrency.team.unwrap();
    assert_eq!(team.allowed.unwrap().rds, Some(ConcurrencyCount(2)));
    assert!(concurrency.timestamp.is_some_and(|seconds| seconds > 1.4e9));
}
