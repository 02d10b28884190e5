//! The spec itself: the operation inventory, and every example and documentation sample
//! decoding into the generated type the spec names for it.

mod common;

use std::path::Path;

use common::{operations, resolve, spec};
use sauce_accounts::types;
use serde_json::Value;

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
