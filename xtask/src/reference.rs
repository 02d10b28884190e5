//! `cargo xtask reference [--out DIR]`: the published reference for people who will never
//! read Rust. It writes `DIR/accounts.json`, a copy of the spec in which every operation has
//! three `x-codeSamples` (curl, this crate, the CLI) generated from the operation table, and
//! `DIR/index.html`, one self-contained page rendered from that copy: an anchor per
//! operationId, parameters, body and answers with their types, listed values and required
//! fields, the samples, and every component schema. The page loads nothing (no script, font,
//! image or style from anywhere): ARCHITECTURE.md says why the crate renders it itself.
//!
//! The samples read their ids and credentials from the environment (`$TEAM_ID`, `$USER_ID`,
//! `$USERNAME`, `$SERVICE_ACCOUNT_ID`, `SAUCE_USERNAME`, `SAUCE_ACCESS_KEY`,
//! `SAUCE_BASE_URL`), so the same text runs against the service and, in the tests, the sandbox.

use std::fmt::Write as _;
use std::path::Path;

use openapiv3::OpenAPI;
use serde_json::{Value, json};

use crate::codegen::model::{self, Api, Operation, Param};

/// The shell variable each path parameter's sample value comes from.
pub fn path_variable(param: &str) -> &'static str {
    match param {
        "team_id" => "TEAM_ID",
        "user_id" => "USER_ID",
        "uuid" => "SERVICE_ACCOUNT_ID",
        _ => "USERNAME",
    }
}

/// One operation's samples, generated from the operation table.
#[derive(Debug, Clone, PartialEq)]
pub struct Samples {
    pub curl: String,
    pub rust: String,
    pub cli: String,
}

/// The request body a sample sends: the spec's example for the body, if it has one.
fn body_example<'a>(spec: &'a Value, operation: &Operation) -> Option<&'a Value> {
    operation.body.as_ref()?;
    let method = operation.http_method.to_ascii_lowercase();
    let body = &spec["paths"][&operation.path][&method]["requestBody"]["content"]["application/json"];
    body.get("example")
}

/// The query parameters a sample shows: the first one the spec gives an example for (lists
/// aside), and `until` with `since`, since a period needs both ends.
fn sample_query(operation: &Operation) -> Vec<(&Param, &str)> {
    fn with_example(param: &Param) -> Option<&str> {
        let listed = matches!(param.kind, model::ParamKind::List(_) | model::ParamKind::Repeated(_));
        param.example.as_deref().filter(|_| !listed)
    }
    let mut shown: Vec<(&Param, &str)> = Vec::new();
    if let Some(first) =
        operation.query_params.iter().find_map(|param| with_example(param).map(|example| (param, example)))
    {
        shown.push(first);
        if first.0.name == "since"
            && let Some(until) = operation.query_params.iter().find(|param| param.name == "until")
            && let Some(example) = with_example(until)
        {
            shown.push((until, example));
        }
    }
    shown
}

/// Single-quoted for a POSIX shell.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

pub fn samples(spec: &Value, operation: &Operation) -> Samples {
    let mut path = operation.path.clone();
    for param in &operation.path_params {
        path = path.replace(&format!("{{{}}}", param.name), &format!("${}", path_variable(&param.name)));
    }
    let query = sample_query(operation);
    let body = body_example(spec, operation).map(Value::to_string);

    let mut curl = format!(
        "curl -u \"$SAUCE_USERNAME:$SAUCE_ACCESS_KEY\" -X {} \\\n  \"${{SAUCE_BASE_URL:-https://api.us-west-1.saucelabs.com}}{path}",
        operation.http_method
    );
    for (index, (param, example)) in query.iter().enumerate() {
        let _ = write!(curl, "{}{}={}", if index == 0 { '?' } else { '&' }, param.name, example);
    }
    curl.push('"');
    if let Some(body) = &body {
        let _ = write!(curl, " \\\n  -H 'Content-Type: application/json' \\\n  -d {}", shell_quote(body));
    }

    // An irreversible call asks first on a terminal and needs `--yes` anywhere else.
    let yes = if operation.confirm.is_some() { " --yes" } else { "" };
    let mut cli = format!("sauce-accounts call {}{yes}", operation.id);
    for param in &operation.path_params {
        let _ = write!(cli, " {}=\"${}\"", param.name, path_variable(&param.name));
    }
    for (param, example) in &query {
        let _ = write!(cli, " {}={}", param.name, shell_quote(example));
    }
    if let Some(body) = &body {
        let _ = write!(cli, " \\\n  --body {}", shell_quote(body));
    }

    let mut arguments: Vec<String> = operation
        .path_params
        .iter()
        .map(|param| format!("std::env::var(\"{}\")?.as_str()", path_variable(&param.name)))
        .collect();
    let mut rust = String::from("let client = sauce_accounts::Client::from_env()?;\n");
    if let Some(construction) = &operation.body_construction {
        let _ = writeln!(rust, "let body = {construction};");
        arguments.push("&body".into());
    }
    let group = operation.tag.as_str();
    let _ = write!(rust, "let answer = client.{group}().{}({})", operation.method_name, arguments.join(", "));
    for (param, example) in &query {
        let value = match param.kind {
            model::ParamKind::Integer { .. } | model::ParamKind::Boolean => example.to_string(),
            _ => format!("{example:?}"),
        };
        let value = match &param.kind {
            model::ParamKind::StringEnum(name) => {
                format!("sauce_accounts::types::{name}::{}", crate::codegen::naming::pascal_case(example))
            }
            _ => value,
        };
        let _ = write!(rust, ".{}({value})", param.name.replace('-', "_"));
    }
    rust.push_str(".send()?;\nprintln!(\"{answer:?}\");");
    Samples { curl, rust, cli }
}

/// The spec with `x-codeSamples` on every operation.
pub fn spec_with_samples(spec: &Value, api: &Api) -> Value {
    let mut copy = spec.clone();
    for operation in &api.operations {
        let samples = samples(spec, operation);
        let method = operation.http_method.to_ascii_lowercase();
        copy["paths"][&operation.path][&method]["x-codeSamples"] = json!([
            {"lang": "Shell", "label": "curl", "source": samples.curl},
            {"lang": "Rust", "label": "Rust", "source": samples.rust},
            {"lang": "Shell", "label": "CLI", "source": samples.cli},
        ]);
    }
    copy
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `code` spans for backticked words; everything else escaped.
fn prose(text: &str) -> String {
    let escaped = escape(text.trim());
    let mut out = String::new();
    for (index, part) in escaped.split('`').enumerate() {
        if index % 2 == 1 {
            let _ = write!(out, "<code>{part}</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn resolve<'a>(spec: &'a Value, value: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            spec.pointer(reference.trim_start_matches('#')).map_or(value, |target| resolve(spec, target))
        }
        None => value,
    }
}

/// A schema's type as a reader wants it: a link to a named schema, `array of …`, the type
/// with its format, `one of …`; listed values and nullability after it.
fn type_html(spec: &Value, schema: &Value) -> String {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        let target = resolve(spec, schema);
        return format!("<a href=\"#schema-{name}\">{name}</a>{}", listed_values(target));
    }
    let mut out = if let Some(only) = schema["allOf"].as_array().filter(|parts| parts.len() == 1) {
        type_html(spec, &only[0])
    } else if let Some(branches) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        format!("one of {}", branches.iter().map(|branch| type_html(spec, branch)).collect::<Vec<_>>().join(", "))
    } else if schema["type"] == "array" {
        format!("array of {}", type_html(spec, &schema["items"]))
    } else if schema["type"] == "object" && schema.get("properties").is_none() {
        match schema.get("additionalProperties") {
            Some(values) if values.as_object().is_some_and(|values| !values.is_empty()) => {
                format!("map of {}", type_html(spec, values))
            }
            _ => "object (any keys)".to_string(),
        }
    } else {
        let kind = schema["type"].as_str().unwrap_or("any JSON");
        match schema["format"].as_str() {
            Some(format) => format!("{kind} ({format})"),
            None => kind.to_string(),
        }
    };
    out.push_str(&listed_values(schema));
    out
}

/// `, one of …` for a closed set, `, such as … (open)` for an open one, `, or null`.
fn listed_values(schema: &Value) -> String {
    let mut out = String::new();
    let codes = |values: &Vec<Value>| -> String {
        values.iter().map(|value| format!("<code>{}</code>", escape(&value.to_string()))).collect::<Vec<_>>().join(" ")
    };
    if let Some(values) = schema["enum"].as_array() {
        let _ = write!(out, ", one of {}", codes(values));
    }
    if let Some(values) = schema["x-extensible-enum"].as_array() {
        let _ = write!(out, ", such as {} (open: others may come)", codes(values));
    }
    if schema["nullable"] == true {
        out.push_str(", or null");
    }
    out
}

fn constraints(schema: &Value) -> String {
    let mut notes = Vec::new();
    for (key, word) in [("minimum", "≥"), ("maximum", "≤"), ("minLength", "length ≥"), ("maxLength", "length ≤")]
    {
        if let Some(bound) = schema.get(key) {
            notes.push(format!("{word} {bound}"));
        }
    }
    if let Some(default) = schema.get("default") {
        notes.push(format!("default {default}"));
    }
    if schema["deprecated"] == true {
        notes.push("deprecated".into());
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!(" <span class=\"note\">({})</span>", escape(&notes.join(", ")))
    }
}

fn fields_table(spec: &Value, schema: &Value) -> String {
    let schema = resolve(spec, schema);
    let Some(properties) = schema["properties"].as_object() else { return String::new() };
    let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let mut out = String::from("<table><tr><th>field</th><th>type</th><th>required</th><th>description</th></tr>");
    for (name, property) in properties {
        let _ = write!(
            out,
            "<tr><td><code>{}</code></td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            escape(name),
            type_html(spec, property),
            constraints(property),
            if required.contains(&name.as_str()) { "required" } else { "optional" },
            prose(property["description"].as_str().unwrap_or_default())
        );
    }
    out.push_str("</table>");
    out
}

fn parameters_html(spec: &Value, raw: &Value) -> String {
    let mut rows = String::new();
    let path_item_params = raw.get("parameters").and_then(Value::as_array);
    for parameter in path_item_params.into_iter().flatten() {
        let parameter = resolve(spec, parameter);
        let schema = &parameter["schema"];
        let _ = write!(
            rows,
            "<tr><td><code>{}</code></td><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td></tr>",
            escape(parameter["name"].as_str().unwrap_or_default()),
            escape(parameter["in"].as_str().unwrap_or_default()),
            type_html(spec, schema),
            constraints(schema),
            if parameter["required"] == true { "required" } else { "optional" },
            prose(parameter["description"].as_str().unwrap_or_default())
        );
    }
    if rows.is_empty() {
        return String::new();
    }
    format!(
        "<h4>Parameters</h4><table><tr><th>name</th><th>in</th><th>type</th><th>required</th><th>description</th></tr>{rows}</table>"
    )
}

fn operation_html(spec: &Value, with_samples: &Value, operation: &Operation) -> String {
    let method = operation.http_method.to_ascii_lowercase();
    let raw = &with_samples["paths"][&operation.path][&method];
    let mut merged = raw.clone();
    // Path-level parameters belong to every operation of the path.
    let mut parameters: Vec<Value> =
        with_samples["paths"][&operation.path]["parameters"].as_array().cloned().unwrap_or_default();
    parameters.extend(raw["parameters"].as_array().cloned().unwrap_or_default());
    merged["parameters"] = Value::Array(parameters);
    let mut out = format!(
        "<section class=\"operation\" id=\"{id}\"><h3><a href=\"#{id}\">{summary}</a></h3>\
         <p class=\"endpoint\"><span class=\"method {method}\">{upper}</span> <code>{path}</code> \
         <span class=\"note\">operationId <code>{id}</code></span></p><p>{description}</p>",
        id = escape(&operation.id),
        summary = escape(&operation.summary),
        upper = operation.http_method,
        path = escape(&operation.path),
        description = prose(&operation.description),
    );
    out.push_str(&parameters_html(spec, &merged));
    if let Some(body) = &operation.body {
        let _ = write!(
            out,
            "<h4>Request body</h4><p>{}, required.</p>{}",
            type_html(spec, &json!({"$ref": format!("#/components/schemas/{body}")})),
            fields_table(spec, &json!({"$ref": format!("#/components/schemas/{body}")}))
        );
    }
    out.push_str("<h4>Answers</h4><table><tr><th>status</th><th>body</th><th>meaning</th></tr>");
    if let Some(responses) = raw["responses"].as_object() {
        for (status, response) in responses {
            let response = resolve(spec, response);
            let schema = &response["content"]["application/json"]["schema"];
            let body = if schema.is_null() { "—".to_string() } else { type_html(spec, schema) };
            let _ = write!(
                out,
                "<tr><td>{}</td><td>{body}</td><td>{}</td></tr>",
                escape(status),
                prose(response["description"].as_str().unwrap_or_default())
            );
        }
    }
    out.push_str("</table><h4>Samples</h4>");
    for sample in raw["x-codeSamples"].as_array().into_iter().flatten() {
        let _ = write!(
            out,
            "<p class=\"label\">{}</p><pre><code>{}</code></pre>",
            escape(sample["label"].as_str().unwrap_or_default()),
            escape(sample["source"].as_str().unwrap_or_default())
        );
    }
    out.push_str("</section>\n");
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;display:flex;color:#1d1d1f}\
nav{width:17rem;flex:none;height:100vh;overflow-y:auto;position:sticky;top:0;background:#f4f5f7;padding:1rem;box-sizing:border-box;font-size:.85rem}\
nav a{display:block;color:#123;text-decoration:none;padding:.1rem 0}nav h2{font-size:.8rem;text-transform:uppercase;margin:1rem 0 .2rem}\
main{padding:1rem 2rem;max-width:60rem}table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}\
td,th{border:1px solid #ccd;padding:.25rem .5rem;text-align:left;vertical-align:top}\
pre{background:#1d2330;color:#e8eaf0;padding:.75rem;overflow-x:auto;font-size:.85rem}\
.method{font-weight:700;padding:.1rem .4rem;border-radius:.2rem;color:#fff;background:#555}.get{background:#2f6f3e}.post{background:#245a9a}\
.put{background:#8a5a00}.patch{background:#6a3d9a}.delete{background:#9a2d2d}.note{color:#667;font-size:.85rem}\
.label{font-weight:600;margin:.5rem 0 0}section.operation{border-top:1px solid #dde;padding-top:.5rem}";

/// The whole page.
pub fn render(spec: &Value, with_samples: &Value, api: &Api) -> String {
    let title = escape(spec["info"]["title"].as_str().unwrap_or("API reference"));
    let mut nav = String::new();
    let mut body = String::new();
    for tag in spec["tags"].as_array().into_iter().flatten() {
        let name = tag["name"].as_str().unwrap_or_default();
        let operations: Vec<&Operation> = api.operations.iter().filter(|operation| operation.tag == name).collect();
        let _ = write!(nav, "<h2>{}</h2>", escape(name));
        let _ = write!(
            body,
            "<h2 id=\"tag-{name}\">{name}</h2><p>{}</p>",
            prose(tag["description"].as_str().unwrap_or_default()),
            name = escape(name)
        );
        for operation in operations {
            let _ = write!(nav, "<a href=\"#{}\">{}</a>", escape(&operation.id), escape(&operation.summary));
            body.push_str(&operation_html(spec, with_samples, operation));
        }
    }
    let _ = write!(nav, "<h2>Schemas</h2>");
    body.push_str("<h2 id=\"schemas\">Schemas</h2>");
    for (name, schema) in spec["components"]["schemas"].as_object().into_iter().flatten() {
        let _ = write!(nav, "<a href=\"#schema-{name}\">{name}</a>", name = escape(name));
        let _ = writeln!(
            body,
            "<section class=\"schema\" id=\"schema-{name}\"><h3>{name}</h3><p>{}</p><p>{}{}</p>{}</section>",
            prose(schema["description"].as_str().unwrap_or_default()),
            type_html(spec, schema),
            constraints(schema),
            fields_table(spec, schema),
            name = escape(name)
        );
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <style>{STYLE}</style></head><body><nav><strong>{title}</strong>{nav}</nav><main><h1>{title}</h1>\
         <p>{}</p><p class=\"note\">Generated from <code>openapi/accounts.yaml</code> by <code>cargo xtask reference</code>; \
         the samples read <code>SAUCE_USERNAME</code>, <code>SAUCE_ACCESS_KEY</code>, <code>SAUCE_BASE_URL</code> and the ids \
         (<code>$TEAM_ID</code>, <code>$USER_ID</code>, <code>$USERNAME</code>, <code>$SERVICE_ACCOUNT_ID</code>) from the environment.</p>\
         {body}</main></body></html>\n",
        prose(spec["info"]["description"].as_str().unwrap_or_default().lines().next().unwrap_or_default())
    )
}

/// The spec as JSON and as the generator reads it.
pub fn load(root: &Path) -> Result<(Value, OpenAPI, Api), String> {
    let text = std::fs::read_to_string(root.join("openapi/accounts.yaml")).map_err(|error| error.to_string())?;
    let json: Value = serde_norway::from_str(&text).map_err(|error| error.to_string())?;
    let spec = model::parse_spec(&text)?;
    let api = model::read_api(&spec)?;
    Ok((json, spec, api))
}

pub fn reference(root: &Path, out: &Path) -> Result<(), String> {
    let (json, _, api) = load(root)?;
    let with_samples = spec_with_samples(&json, &api);
    std::fs::create_dir_all(out).map_err(|error| format!("{}: {error}", out.display()))?;
    let write = |name: &str, text: &str| {
        std::fs::write(out.join(name), text).map_err(|error| format!("{}: {error}", out.join(name).display()))
    };
    write("accounts.json", &serde_json::to_string_pretty(&with_samples).map_err(|error| error.to_string())?)?;
    write("index.html", &render(&json, &with_samples, &api))?;
    println!("wrote {} and {}", out.join("index.html").display(), out.join("accounts.json").display());
    Ok(())
}
