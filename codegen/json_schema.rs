//! OpenAPI 3.0 schema objects as the JSON Schema (draft 7) that progenitor's type generator,
//! typify, reads.
//!
//! The two dialects share almost every keyword. Where they differ:
//! - OpenAPI says `nullable: true`; JSON Schema adds `null` to the `type` list, or, for a
//!   combination (`allOf`, `oneOf`, …), offers `{type: null}` as one more alternative, with the
//!   description and extensions kept on the outside;
//! - OpenAPI has one `example`, JSON Schema a list of `examples`;
//! - OpenAPI's `exclusiveMinimum` / `exclusiveMaximum` are flags beside the bound, JSON
//!   Schema's are the bound itself;
//! - `discriminator` and `externalDocs` mean nothing to JSON Schema.
//!
//! This is the translation progenitor makes before it calls typify. Doing it here keeps
//! progenitor's client generator (and the regex engine and HTTP types it compiles) out of
//! every build of the crate; `xtask`'s `typify_sees_the_schemas_progenitor_gives_it` holds the
//! types from both routes equal.

use openapiv3::{ReferenceOr, Schema};
use serde_json::{Map, Value, json};

/// The component schemas, by name, as typify's input.
pub fn components(spec: &openapiv3::OpenAPI) -> Result<Vec<(String, schemars::schema::Schema)>, String> {
    let Some(components) = &spec.components else { return Ok(Vec::new()) };
    components.schemas.iter().map(|(name, schema)| Ok((name.clone(), translate_schema(name, schema)?))).collect()
}

fn translate_schema(name: &str, schema: &ReferenceOr<Schema>) -> Result<schemars::schema::Schema, String> {
    let openapi = serde_json::to_value(schema).map_err(|error| format!("schema {name}: {error}"))?;
    let json_schema = translate(openapi).map_err(|error| format!("schema {name}: {error}"))?;
    serde_json::from_value(json_schema).map_err(|error| format!("schema {name} as JSON Schema: {error}"))
}

/// Keywords that describe a schema rather than constrain it: they stay on the outside when a
/// nullable combination is wrapped.
const METADATA: [&str; 8] =
    ["$id", "title", "description", "default", "deprecated", "readOnly", "writeOnly", "examples"];

const COMBINATIONS: [&str; 4] = ["allOf", "oneOf", "anyOf", "not"];

/// Keywords that imply a type when `type` is absent (JSON Schema's object, array, number and
/// string keywords).
const TYPED: [&str; 16] = [
    "properties",
    "required",
    "additionalProperties",
    "minProperties",
    "maxProperties",
    "items",
    "minItems",
    "maxItems",
    "uniqueItems",
    "multipleOf",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minLength",
    "maxLength",
];

fn translate(value: Value) -> Result<Value, String> {
    let Value::Object(mut object) = value else { return Ok(value) };
    // openapiv3 keeps nothing beside a reference.
    if object.contains_key("$ref") {
        return Ok(Value::Object(object));
    }
    object.remove("discriminator");
    object.remove("externalDocs");
    if let Some(example) = object.remove("example") {
        object.insert("examples".into(), json!([example]));
    }
    for (bound, flag) in [("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")] {
        if object.remove(flag) == Some(Value::Bool(true))
            && let Some(limit) = object.remove(bound)
        {
            object.insert(flag.into(), limit);
        }
    }
    if object.get("uniqueItems") == Some(&Value::Bool(false)) {
        object.remove("uniqueItems");
    }
    if let Some(Value::Object(properties)) = object.get_mut("properties") {
        properties.values_mut().try_for_each(translate_in_place)?;
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(inner) = object.get_mut(key) {
            translate_in_place(inner)?;
        }
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        if let Some(Value::Array(alternatives)) = object.get_mut(key) {
            alternatives.iter_mut().try_for_each(translate_in_place)?;
        }
    }
    if object.remove("nullable") != Some(Value::Bool(true)) {
        return Ok(Value::Object(object));
    }
    if let Some(kind) = object.get_mut("type") {
        *kind = json!([kind.take(), "null"]);
        return Ok(Value::Object(object));
    }
    let combined = COMBINATIONS.iter().any(|key| object.contains_key(*key));
    if !combined || TYPED.iter().any(|key| object.contains_key(*key)) {
        return Err("`nullable: true` needs a `type`, or a combination (`allOf`, `oneOf`, …) alone".into());
    }
    let mut outer = Map::new();
    let described: Vec<String> =
        object.keys().filter(|key| METADATA.contains(&key.as_str()) || key.starts_with("x-")).cloned().collect();
    for key in described {
        let value = object.remove(&key).expect("a key just listed");
        outer.insert(key, value);
    }
    outer.insert("oneOf".into(), json!([{ "type": "null" }, Value::Object(object)]));
    Ok(Value::Object(outer))
}

fn translate_in_place(value: &mut Value) -> Result<(), String> {
    *value = translate(value.take())?;
    Ok(())
}
