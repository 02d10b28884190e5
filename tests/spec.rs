//! The spec itself: the operation inventory, and every example and documentation sample
//! decoding into the generated type the spec names for it.

mod common;

use std::path::Path;

use common::{operations, resolve, spec};
use sauce_accounts::types;
use serde_json::{Value, json};

#[test]
fn the_spec_is_openapi_3_0_with_regions_and_basic_auth() {
    assert_eq!(spec()["openapi"], "3.0.3");
    let regions: Vec<&str> = spec()["servers"][0]["variables"]["region"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(regions, ["us-west-1", "us-east-4", "eu-central-1", "apac-southeast-1"]);
    assert_eq!(spec()["components"]["securitySchemes"]["basicAuth"]["scheme"], "basic");
    for (id, _, _, operation) in operations() {
        let responses = operation["responses"].as_object().unwrap();
        for status in ["401", "429"] {
            assert!(responses.contains_key(status), "{id} does not describe {status}");
        }
        assert!(operation["tags"].as_array().is_some_and(|tags| tags.len() == 1), "{id}");
    }
}

/// Decodes `json` as the generated type of component schema `schema` (through the generated
/// `types::reencode`, which covers every schema of the spec).
fn decode(schema: &str, json: &str) -> Result<(), String> {
    types::reencode(schema, json.as_bytes())
        .unwrap_or_else(|| panic!("the spec has no schema {schema}"))
        .map(drop)
        .map_err(|error| error.to_string())
}

fn schema_name(media: &Value) -> String {
    let reference = media["schema"]["$ref"].as_str().expect("named schema");
    reference.rsplit('/').next().unwrap().to_string()
}

#[test]
fn every_example_in_the_spec_decodes_into_its_type() {
    let mut checked = 0;
    for (id, _, _, operation) in operations() {
        for (status, response) in operation["responses"].as_object().unwrap() {
            let media = &resolve(response)["content"]["application/json"];
            if media.is_null() {
                continue;
            }
            let schema = schema_name(media);
            let mut examples: Vec<Value> = media.get("example").cloned().into_iter().collect();
            if let Some(named) = media.get("examples").and_then(Value::as_object) {
                examples.extend(named.values().map(|example| example["value"].clone()));
            }
            for example in examples {
                decode(&schema, &example.to_string())
                    .unwrap_or_else(|error| panic!("{id} {status} example as {schema}: {error}"));
                checked += 1;
            }
        }
    }
    assert!(checked > 60, "only {checked} examples checked");
}

/// The deviation entries of kind `sample`: fixture file name → entry id.
fn known_wrong_samples() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/deviations.yaml")).unwrap();
    let deviations: Value = serde_norway::from_str(&text).unwrap();
    deviations["deviations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["kind"] == "sample")
        .flat_map(|entry| {
            entry["fixtures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|fixture| (fixture.as_str().unwrap().to_string(), entry["id"].as_str().unwrap().to_string()))
        })
        .collect()
}

/// `tests/fixtures/docs/<operation>.<source>[.<status>].json` holds one sample response of
/// the docs (placeholders such as `{...}` filled in); each decodes into the spec's type for
/// that operation and status, except the samples the deviations file lists as wrong, which
/// must not.
#[test]
fn every_documentation_sample_decodes_into_its_type() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/docs");
    let wrong = known_wrong_samples();
    let mut decoded = 0;
    let mut refused = Vec::new();
    for entry in std::fs::read_dir(&directory).unwrap() {
        let file_name = entry.unwrap().file_name().into_string().unwrap();
        let parts: Vec<&str> = file_name.trim_end_matches(".json").split('.').collect();
        let (id, status) = (parts[0], parts.get(2).copied());
        let operation = common::operation(id);
        let status = status.map(str::to_string).unwrap_or_else(|| {
            operation["responses"].as_object().unwrap().keys().find(|status| status.starts_with('2')).unwrap().clone()
        });
        let media = &resolve(&operation["responses"][status.as_str()])["content"]["application/json"];
        let schema = schema_name(media);
        let json = std::fs::read_to_string(directory.join(&file_name)).unwrap();
        let result = decode(&schema, &json);
        match wrong.iter().find(|(fixture, _)| *fixture == file_name) {
            Some((_, deviation)) => {
                assert!(
                    result.is_err(),
                    "{file_name} is listed as wrong ({deviation}) but decodes as {schema}: drop the entry"
                );
                println!(
                    "{file_name}: known-wrong documentation sample, see deviation `{deviation}` ({schema} refuses it as it should)"
                );
                refused.push(file_name);
            }
            None => {
                result.unwrap_or_else(|error| panic!("{file_name} as {schema}: {error}"));
                decoded += 1;
            }
        }
    }
    assert!(decoded >= 30, "only {decoded} samples decoded");
    assert_eq!(refused.len(), wrong.len(), "every sample deviation names an existing fixture");
}

#[test]
fn concurrency_values_arrive_as_numbers_or_strings() {
    let settings: types::TeamSettings =
        serde_json::from_str(r#"{"virtual_machines": "10", "real_devices": 2}"#).unwrap();
    assert_eq!(settings.virtual_machines.map(u64::from), Some(10));
    assert_eq!(settings.real_devices.map(u64::from), Some(2));
    assert!(serde_json::from_str::<types::TeamSettings>(r#"{"virtual_machines": "ten"}"#).is_err());
    assert!(serde_json::from_str::<types::TeamSettings>(r#"{"virtual_machines": -1}"#).is_err());
    assert_eq!(serde_json::to_string(&settings).unwrap(), r#"{"real_devices":2,"virtual_machines":10}"#);
}

#[test]
fn org_uuid_arrives_as_an_id_or_an_object() {
    let as_id: types::TeamSummary = serde_json::from_str(r#"{"id": "t", "name": "n", "org_uuid": "abc"}"#).unwrap();
    let as_object: types::TeamSummary =
        serde_json::from_str(r#"{"id": "t", "name": "n", "org_uuid": {"id": "abc", "name": "Org"}}"#).unwrap();
    assert_eq!(as_id.org_uuid.unwrap().id(), "abc");
    assert!(
        matches!(as_object.org_uuid, Some(sauce_accounts::OrgRef::Organization(ref organization)) if organization.id == "abc")
    );
}

#[test]
fn unknown_response_fields_are_ignored() {
    let team: types::Team =
        serde_json::from_str(r#"{"id": "t", "name": "n", "brand_new_field": {"nested": [1, 2]}}"#).unwrap();
    assert_eq!(team.name, "n");
}

/// Every schema object inside `schema` (itself included), with where it is: properties,
/// items, map values and the branches of combinations, at any depth.
fn nested_schemas<'a>(schema: &'a Value, at: String, found: &mut Vec<(String, &'a Value)>) {
    found.push((at.clone(), schema));
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            nested_schemas(property, format!("{at}.{name}"), found);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(inner) = schema.get(key).filter(|inner| inner.is_object()) {
            nested_schemas(inner, format!("{at}.{key}"), found);
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for (index, branch) in schema.get(key).and_then(Value::as_array).into_iter().flatten().enumerate() {
            nested_schemas(branch, format!("{at}.{key}[{index}]"), found);
        }
    }
}

/// What other languages generate from is exact: every object with fields or a map of values
/// is a named component (no anonymous object inside another schema), every value has a type
/// (a `type`, a `$ref` or a combination; an open map of any JSON says so with
/// `additionalProperties: {}` on a named component), and `nullable` never stands beside a
/// combination, where OpenAPI 3.0 validators ignore it (`cargo xtask python-client` checks
/// with one that each nullable schema takes null).
#[test]
fn every_schema_is_named_typed_and_nullable_only_where_validators_agree() {
    let mut problems = Vec::new();
    for (name, component) in spec()["components"]["schemas"].as_object().unwrap() {
        let mut found = Vec::new();
        nested_schemas(component, name.clone(), &mut found);
        for (at, schema) in found {
            let nested = at.contains('.');
            let typed = ["type", "$ref", "allOf", "oneOf", "anyOf"].iter().any(|key| schema.get(key).is_some());
            let open_map = !nested && schema.get("additionalProperties").is_some();
            let open_map_values =
                at.ends_with(".additionalProperties") && schema.as_object().is_some_and(|o| o.is_empty());
            if !typed && !open_map && !open_map_values {
                problems.push(format!("{at} has no type"));
            }
            let object_like = schema["type"] == "object" || schema.get("properties").is_some();
            if nested && object_like {
                problems.push(format!("{at} is an anonymous object: name it as a component"));
            }
            let combined = ["allOf", "oneOf", "anyOf"].iter().find(|key| schema.get(**key).is_some());
            if let (Some(combination), Some(true)) = (combined, schema["nullable"].as_bool()) {
                problems.push(format!("{at}: `nullable` beside {combination} is ignored by OpenAPI 3.0 validators"));
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

/// The request filters whose values the service checks are closed sets (`enum` on a component
/// of their own, so generated clients get an enum type), while the same values in answers
/// stay open (`UserStatus`, `RoleId`): a new state or role never breaks a listing.
#[test]
fn checked_request_filters_are_closed_and_answers_open() {
    let component = |name: &str| &spec()["components"]["schemas"][name];
    let filter = |id: &str, name: &str| {
        let parameter = common::operation(id)["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(resolve)
            .find(|parameter| parameter["name"] == name)
            .unwrap_or_else(|| panic!("{id} has no parameter {name}"));
        let schema = &parameter["schema"];
        let reference = schema["$ref"].as_str().or(schema["items"]["$ref"].as_str()).expect("a component");
        reference.rsplit('/').next().unwrap().to_string()
    };
    for (id, name, values) in [
        ("lookup_users", "status", json!(["active", "pending", "inactive"])),
        ("lookup_users", "roles", json!([1, 3, 4])),
        ("classic_get_activity", "level", json!(["user", "organization"])),
    ] {
        let closed = filter(id, name);
        assert_eq!(component(&closed)["enum"], values, "{id} {name} ({closed})");
    }
    assert_eq!(
        component("CreateUserRequest")["properties"]["role"]["allOf"][0]["$ref"],
        "#/components/schemas/RoleChoice"
    );
    for open in ["UserStatus", "UserType"] {
        assert!(component(open).get("enum").is_none() && component(open).get("x-extensible-enum").is_some(), "{open}");
    }
    assert!(component("RoleId").get("enum").is_none());
    assert!(serde_json::from_str::<sauce_accounts::UserStatus>(r#""suspended""#).is_ok());
    assert!(serde_json::from_str::<sauce_accounts::UserStatusFilter>(r#""suspended""#).is_err());
}
