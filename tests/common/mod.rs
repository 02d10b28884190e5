//! Helpers shared by the integration tests: a client for a loopback server, the spec's own
//! examples, and the expected `Authorization` header.
#![allow(dead_code)]

use std::sync::OnceLock;

use base64::Engine as _;
use sauce_accounts::{Client, Credentials, RetryPolicy};
use serde_json::Value;

pub const USERNAME: &str = "org-admin";
/// Distinctive, so tests can search output for it.
pub const ACCESS_KEY: &str = "c0ffee00-5ec2-e7ac-cce5-5ca1ab1e0001";

/// The header every authenticated request must carry.
pub fn authorization() -> String {
    let pair = format!("{USERNAME}:{ACCESS_KEY}");
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
}

/// A client for a loopback base URL, without retries.
pub fn client(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .credentials(Credentials::new(USERNAME, ACCESS_KEY))
        .retry_policy(RetryPolicy::none())
        .no_proxy()
        .build()
        .expect("a loopback client builds")
}

/// The spec as JSON.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/accounts.yaml")).expect("spec readable");
        serde_yaml::from_str(&text).expect("spec is YAML")
    })
}

/// Follows a `$ref` inside the spec.
pub fn resolve(value: &Value) -> &Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(spec().pointer(pointer).unwrap_or_else(|| panic!("unresolved {reference}")))
        }
        None => value,
    }
}

/// Every operation in the spec: (operationId, METHOD, path, operation object).
pub fn operations() -> Vec<(String, String, String, &'static Value)> {
    let mut found = Vec::new();
    for (path, item) in spec()["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                found.push((id.to_string(), method.to_uppercase(), path.clone(), operation));
            }
        }
    }
    found
}

pub fn operation(id: &str) -> &'static Value {
    operations().into_iter().find(|(found, ..)| found == id).map(|(.., operation)| operation).unwrap_or_else(|| panic!("no operation {id}"))
}

/// The JSON examples of one response of an operation: `(name, body)`.
pub fn response_examples(id: &str, status: &str) -> Vec<(String, String)> {
    let response = resolve(&operation(id)["responses"][status]);
    let media = &response["content"]["application/json"];
    let mut examples = Vec::new();
    if let Some(example) = media.get("example") {
        examples.push(("example".to_string(), example.to_string()));
    }
    if let Some(named) = media.get("examples").and_then(Value::as_object) {
        for (name, example) in named {
            examples.push((name.clone(), example["value"].to_string()));
        }
    }
    examples
}

/// The first example of a response, as the body a mock server sends.
pub fn response_example(id: &str, status: &str) -> String {
    response_examples(id, status).into_iter().next().unwrap_or_else(|| panic!("{id} {status} has no example")).1
}

/// The request body example of an operation.
pub fn request_example(id: &str) -> Value {
    operation(id)["requestBody"]["content"]["application/json"]["example"].clone()
}
