//! `cargo xtask docs-sync`: compares the documented operations with the spec, explains each
//! difference with an entry of `openapi/deviations.yaml`, and reports the rest.
//!
//! Compared: operations and methods, parameters (place, requiredness, type), the fields of
//! body objects the docs list, the fields of sample request bodies, and sample responses
//! (every field must exist in the spec's response schema with a compatible type). A document
//! may describe other APIs too: only paths under the deviations file's `client_paths` are
//! compared, the others are counted. A deviation explains a difference by its kind, operation
//! and parameter or field, whatever document and form showed it. It is stale when it matched
//! nothing and the spec no longer has what it is about (or, for an undocumented operation, a
//! document passed now documents it) — never merely because the document that shows its
//! difference was not passed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use serde::{Deserialize, Serialize};

use crate::codegen::model::{self, Api};
use crate::docs::{self, DocOperation, DocSet, Form, Location};

/// The kinds of difference docs-sync finds (the deviations file also holds `choice` and
/// `sample` entries, which other checks read).
pub const KINDS: [&str; 18] = [
    "missing-operation",
    "undocumented-operation",
    "absent-from-newest",
    "method",
    "param-missing",
    "param-extra",
    "param-location",
    "param-required",
    "param-type",
    "param-enum",
    "param-default",
    "status-missing",
    "body-field-missing",
    "body-field-type",
    "response-field-missing",
    "response-field-type",
    "body-field-null",
    "response-field-null",
];

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Difference {
    pub kind: String,
    /// The spec's operationId, or `METHOD path` for an operation the spec lacks.
    pub operation: String,
    pub param: Option<String>,
    pub form: Option<String>,
    pub origin: Option<String>,
    pub detail: String,
    /// The deviation entry that explains it.
    pub explained_by: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub struct Deviation {
    pub id: String,
    pub kind: String,
    #[serde(default)]
    pub operation: Option<String>,
    /// Several operations with the same difference, instead of `operation`.
    #[serde(default)]
    pub operations: Vec<String>,
    /// Parameters or fields (`settings.real_devices`, `results[].role`) it explains; all of
    /// the operation's when empty.
    #[serde(default)]
    pub params: Vec<String>,
    /// Where the difference was seen, for the reader; matching ignores it.
    #[serde(default)]
    pub docs: Vec<String>,
    #[serde(default)]
    pub fixtures: Vec<String>,
    pub reason: String,
}

impl Deviation {
    /// The operations the entry is about: `operation` and `operations` together.
    pub fn operation_keys(&self) -> impl Iterator<Item = &str> {
        self.operation.iter().chain(&self.operations).map(String::as_str)
    }
}

#[derive(Debug, Deserialize)]
pub struct Deviations {
    /// Path prefixes that belong to this client; documented operations elsewhere (other APIs
    /// on the same page) are counted, not compared. Empty: every path belongs.
    #[serde(default)]
    pub client_paths: Vec<String>,
    pub deviations: Vec<Deviation>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub documents: Vec<String>,
    pub documented_operations: usize,
    /// Documented operations outside `client_paths`, not compared.
    pub foreign_operations: usize,
    pub spec_operations: usize,
    pub differences: Vec<Difference>,
    pub stale_deviations: Vec<String>,
    pub markup_problems: Vec<String>,
}

impl Report {
    pub fn unexplained(&self) -> usize {
        self.differences.iter().filter(|difference| difference.explained_by.is_none()).count()
    }

    pub fn in_sync(&self) -> bool {
        self.unexplained() == 0 && self.stale_deviations.is_empty() && self.markup_problems.is_empty()
    }

    pub fn summary(&self) -> String {
        format!(
            "docs-sync: {} documents, {} documented operations (and {} of other APIs, not compared), {} spec operations; {} differences ({} explained, {} unexplained), {} stale deviations, {} markup problems: {}",
            self.documents.len(),
            self.documented_operations,
            self.foreign_operations,
            self.spec_operations,
            self.differences.len(),
            self.differences.len() - self.unexplained(),
            self.unexplained(),
            self.stale_deviations.len(),
            self.markup_problems.len(),
            if self.in_sync() { "in sync" } else { "OUT OF SYNC" }
        )
    }

    /// The readable report: differences grouped by operation, then problems, then the summary.
    pub fn render(&self, verbose: bool) -> String {
        let mut out = String::new();
        let mut by_operation: BTreeMap<&str, Vec<&Difference>> = BTreeMap::new();
        for difference in &self.differences {
            by_operation.entry(&difference.operation).or_default().push(difference);
        }
        for (operation, differences) in by_operation {
            let unexplained = differences.iter().any(|difference| difference.explained_by.is_none());
            if !unexplained && !verbose {
                continue;
            }
            let _ = writeln!(out, "{operation}");
            for difference in differences {
                let status = match &difference.explained_by {
                    Some(id) => format!("explained by `{id}`"),
                    None => "NOT EXPLAINED".to_string(),
                };
                let param = difference.param.as_deref().map(|param| format!(" `{param}`")).unwrap_or_default();
                let form = difference.form.as_deref().map(|form| format!(" [{form}]")).unwrap_or_default();
                let _ = writeln!(out, "  {}{param}{form}: {} — {status}", difference.kind, difference.detail);
            }
        }
        for stale in &self.stale_deviations {
            let _ = writeln!(out, "stale deviation `{stale}`: it matches no difference any more; remove it or fix it");
        }
        for problem in &self.markup_problems {
            let _ = writeln!(out, "markup problem: {problem}");
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }
}

/// One parameter as the spec describes it.
#[derive(Debug, Clone)]
struct SpecParam {
    name: String,
    location: Location,
    required: bool,
    /// The doc types that describe it correctly.
    kinds: BTreeSet<String>,
    /// The values it takes, when the spec lists them (`enum`, or an open set's
    /// `x-extensible-enum`), as the docs write them.
    values: Option<BTreeSet<String>>,
    /// Its `default`, as the docs write it.
    default: Option<String>,
}

struct SpecOperation {
    id: String,
    method: String,
    path: String,
    params: Vec<SpecParam>,
    statuses: BTreeSet<u16>,
    body: Option<String>,
    response: Option<String>,
}

fn schema_kinds(spec: &OpenAPI, schema: &ReferenceOr<Schema>) -> BTreeSet<String> {
    let schema = match schema {
        ReferenceOr::Item(schema) => schema,
        ReferenceOr::Reference { reference } => {
            let name = reference.rsplit('/').next().unwrap_or_default();
            match spec.components.as_ref().and_then(|components| components.schemas.get(name)) {
                Some(schema) => return schema_kinds(spec, schema),
                None => return BTreeSet::new(),
            }
        }
    };
    let name = |kind: &str| BTreeSet::from([kind.to_string()]);
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => match &string.format {
            openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Date) => {
                BTreeSet::from(["string".to_string(), "date".to_string()])
            }
            openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::DateTime) => {
                BTreeSet::from(["string".to_string(), "date-time".to_string()])
            }
            _ => name("string"),
        },
        SchemaKind::AllOf { all_of } if all_of.len() == 1 => schema_kinds(spec, &all_of[0]),
        SchemaKind::Type(Type::Integer(_)) => name("integer"),
        SchemaKind::Type(Type::Number(_)) => name("number"),
        SchemaKind::Type(Type::Boolean(_)) => name("boolean"),
        SchemaKind::Type(Type::Object(_)) => name("object"),
        SchemaKind::Type(Type::Array(_)) => name("array"),
        SchemaKind::OneOf { one_of: variants } | SchemaKind::AnyOf { any_of: variants } => {
            variants.iter().flat_map(|variant| schema_kinds(spec, variant)).collect()
        }
        _ => BTreeSet::new(),
    }
}

fn spec_operations(spec: &OpenAPI, api: &Api) -> Vec<SpecOperation> {
    api.operations
        .iter()
        .map(|operation| {
            let mut params: Vec<SpecParam> = operation
                .path_params
                .iter()
                .map(|param| (param, Location::Path))
                .chain(operation.query_params.iter().map(|param| (param, Location::Query)))
                .map(|(param, location)| {
                    let schema = raw_parameter_schema(spec, &operation.id, &param.name);
                    SpecParam {
                        name: param.name.clone(),
                        location,
                        required: param.required,
                        kinds: BTreeSet::from([param.kind.doc_type().to_string()]),
                        values: schema.and_then(|schema| schema_values(spec, schema)),
                        default: schema.and_then(|schema| schema_default(spec, schema)),
                    }
                })
                .collect();
            if let Some(body) = &operation.body {
                let schema = spec
                    .components
                    .as_ref()
                    .and_then(|components| components.schemas.get(body))
                    .and_then(ReferenceOr::as_item);
                if let Some(SchemaKind::Type(Type::Object(object))) = schema.map(|schema| &schema.schema_kind) {
                    for (name, property) in &object.properties {
                        let property = unbox(property);
                        params.push(SpecParam {
                            name: name.clone(),
                            location: Location::Body,
                            required: object.required.contains(name),
                            kinds: schema_kinds(spec, &property),
                            values: schema_values(spec, &property),
                            default: schema_default(spec, &property),
                        });
                        // The fields of a body object, which the docs list under it.
                        if let Some(Type::Object(nested)) = object_type(spec, &property) {
                            for (field, schema) in &nested.properties {
                                params.push(SpecParam {
                                    name: format!("{name}.{field}"),
                                    location: Location::Body,
                                    required: false,
                                    kinds: schema_kinds(spec, &unbox(schema)),
                                    values: schema_values(spec, &unbox(schema)),
                                    default: schema_default(spec, &unbox(schema)),
                                });
                            }
                        }
                    }
                }
            }
            let mut statuses: BTreeSet<u16> = operation.success_statuses.iter().copied().collect();
            statuses.extend(operation.error_statuses.iter().map(|(status, _)| *status));
            SpecOperation {
                id: operation.id.clone(),
                method: operation.http_method.clone(),
                path: docs::normalize_path(&operation.path).0,
                params,
                statuses,
                body: operation.body.clone(),
                response: match &operation.success {
                    model::Payload::Schema(name) => Some(name.clone()),
                    model::Payload::Empty => None,
                },
            }
        })
        .collect()
}

/// The schema of an operation's parameter as the spec writes it (path-level parameters
/// included, `$ref`s to `components/parameters` resolved).
fn raw_parameter_schema<'a>(spec: &'a OpenAPI, operation_id: &str, name: &str) -> Option<&'a ReferenceOr<Schema>> {
    let (_, _, operation) =
        spec.operations().find(|(_, _, operation)| operation.operation_id.as_deref() == Some(operation_id))?;
    let path_level = spec
        .paths
        .paths
        .values()
        .filter_map(ReferenceOr::as_item)
        .find(|item| item.iter().any(|(_, candidate)| candidate.operation_id.as_deref() == Some(operation_id)));
    let parameters = operation.parameters.iter().chain(path_level.into_iter().flat_map(|item| &item.parameters));
    parameters
        .filter_map(|parameter| match parameter {
            ReferenceOr::Item(parameter) => Some(parameter),
            ReferenceOr::Reference { reference } => {
                spec.components.as_ref()?.parameters.get(reference.rsplit('/').next()?)?.as_item()
            }
        })
        .map(openapiv3::Parameter::parameter_data_ref)
        .find(|data| data.name == name)
        .and_then(|data| match &data.format {
            openapiv3::ParameterSchemaOrContent::Schema(schema) => Some(schema),
            openapiv3::ParameterSchemaOrContent::Content(_) => None,
        })
}

/// The values a schema lists (a closed `enum` or an open set's `x-extensible-enum`; for a
/// list, its items'), written as the docs write them; `None` when it lists none.
fn schema_values(spec: &OpenAPI, schema: &ReferenceOr<Schema>) -> Option<BTreeSet<String>> {
    let schema = resolved(spec, schema)?;
    let text = |value: &serde_json::Value| value.as_str().map_or_else(|| value.to_string(), str::to_string);
    if let Some(serde_json::Value::Array(open)) = schema.schema_data.extensions.get("x-extensible-enum") {
        return Some(open.iter().map(text).collect());
    }
    let listed: BTreeSet<String> = match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => string.enumeration.iter().flatten().cloned().collect(),
        SchemaKind::Type(Type::Integer(integer)) => integer.enumeration.iter().flatten().map(i64::to_string).collect(),
        SchemaKind::Type(Type::Array(array)) => return schema_values(spec, &unbox(array.items.as_ref()?)),
        _ => BTreeSet::new(),
    };
    (!listed.is_empty()).then_some(listed)
}

/// A schema's `default` (the property's own, else its target's), as the docs write it.
fn schema_default(spec: &OpenAPI, schema: &ReferenceOr<Schema>) -> Option<String> {
    let own = schema.as_item().and_then(|schema| schema.schema_data.default.as_ref());
    let value = own.or_else(|| resolved(spec, schema)?.schema_data.default.as_ref())?;
    Some(value.as_str().map_or_else(|| value.to_string(), str::to_string))
}

fn unbox(schema: &ReferenceOr<Box<Schema>>) -> ReferenceOr<Schema> {
    match schema {
        ReferenceOr::Item(schema) => ReferenceOr::Item((**schema).clone()),
        ReferenceOr::Reference { reference } => ReferenceOr::Reference { reference: reference.clone() },
    }
}

/// A schema with `$ref` and single-entry `allOf` resolved.
fn resolved<'a>(spec: &'a OpenAPI, schema: &'a ReferenceOr<Schema>) -> Option<&'a Schema> {
    let schema = match schema {
        ReferenceOr::Item(schema) => schema,
        ReferenceOr::Reference { reference } => {
            let name = reference.rsplit('/').next()?;
            spec.components.as_ref()?.schemas.get(name)?.as_item()?
        }
    };
    match &schema.schema_kind {
        SchemaKind::AllOf { all_of } if all_of.len() == 1 => resolved(spec, &all_of[0]),
        _ => Some(schema),
    }
}

fn object_type<'a>(spec: &'a OpenAPI, schema: &'a ReferenceOr<Schema>) -> Option<&'a Type> {
    match &resolved(spec, schema)?.schema_kind {
        SchemaKind::Type(kind @ Type::Object(_)) => Some(kind),
        _ => None,
    }
}

/// One disagreement between a sample's JSON and a schema: the field path and, for a type
/// disagreement, what the sample holds and what the schema takes.
struct SampleProblem {
    path: String,
    type_mismatch: Option<(String, String)>,
}

fn json_kind(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(number) if number.is_f64() => "number",
        serde_json::Value::Number(_) => "integer",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Walks a sample's JSON along a schema: every field must be one the schema names (or an
/// open object allows), with a value of a type it takes. `oneOf`/`anyOf` accept a value any
/// branch accepts.
fn check_sample(
    spec: &OpenAPI,
    schema: &ReferenceOr<Schema>,
    value: &serde_json::Value,
    path: &str,
    problems: &mut Vec<SampleProblem>,
) {
    let Some(schema) = resolved(spec, schema) else { return };
    let mismatch = |problems: &mut Vec<SampleProblem>, takes: &str| {
        problems.push(SampleProblem {
            path: path.to_string(),
            type_mismatch: Some((json_kind(value).to_string(), takes.to_string())),
        });
    };
    if value.is_null() {
        if !schema.schema_data.nullable && !matches!(schema.schema_kind, SchemaKind::Any(_)) {
            let kinds: Vec<String> = schema_kinds(spec, &ReferenceOr::Item(schema.clone())).into_iter().collect();
            mismatch(problems, &kinds.join(" or "));
        }
        return;
    }
    match &schema.schema_kind {
        SchemaKind::OneOf { one_of: branches } | SchemaKind::AnyOf { any_of: branches } => {
            let mut best: Option<Vec<SampleProblem>> = None;
            for branch in branches {
                let mut found = Vec::new();
                check_sample(spec, branch, value, path, &mut found);
                if best.as_ref().is_none_or(|best| found.len() < best.len()) {
                    best = Some(found);
                }
            }
            problems.extend(best.unwrap_or_default());
        }
        SchemaKind::AllOf { all_of } => {
            for part in all_of {
                check_sample(spec, part, value, path, problems);
            }
        }
        SchemaKind::Type(Type::Object(object)) => {
            let Some(fields) = value.as_object() else { return mismatch(problems, "object") };
            for (name, field) in fields {
                let field_path = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                match (object.properties.get(name), &object.additional_properties) {
                    (Some(property), _) => check_sample(spec, &unbox(property), field, &field_path, problems),
                    (None, Some(openapiv3::AdditionalProperties::Schema(schema))) => {
                        check_sample(spec, schema, field, &field_path, problems)
                    }
                    (None, Some(openapiv3::AdditionalProperties::Any(true))) => {}
                    (None, _) => problems.push(SampleProblem { path: field_path, type_mismatch: None }),
                }
            }
        }
        SchemaKind::Type(Type::Array(array)) => {
            let Some(items) = value.as_array() else { return mismatch(problems, "array") };
            if let Some(item_schema) = &array.items {
                for item in items {
                    check_sample(spec, &unbox(item_schema), item, &format!("{path}[]"), problems);
                }
            }
        }
        SchemaKind::Type(Type::String(_)) if !value.is_string() => mismatch(problems, "string"),
        SchemaKind::Type(Type::Integer(_)) if !(value.is_i64() || value.is_u64()) => mismatch(problems, "integer"),
        SchemaKind::Type(Type::Number(_)) if !value.is_number() => mismatch(problems, "number"),
        SchemaKind::Type(Type::Boolean(_)) if !value.is_boolean() => mismatch(problems, "boolean"),
        _ => {}
    }
}

/// Whether the spec still has what a deviation is about, so that some version of the docs
/// could show its difference: the operation (or, for one the spec lacks, still lacks it), and
/// the parameter, status or body it names. A deviation that matched nothing is stale when
/// this fails — the spec moved on — or, for an undocumented operation, as soon as a document
/// passed documents it. A difference only an unpassed document shows is not stale.
fn still_applies(deviation: &Deviation, operations: &[SpecOperation]) -> bool {
    deviation.operation_keys().any(|key| {
        let Some(operation) = operations.iter().find(|operation| operation.id == key) else {
            // `METHOD /path` of an operation the spec lacks: it applies while the spec lacks it.
            let (method, path) = key.split_once(' ').unwrap_or(("", key));
            return !operations.iter().any(|operation| operation.method == method && operation.path == path);
        };
        let has_param = |name: &str| operation.params.iter().any(|param| param.name == name);
        let named = |check: &dyn Fn(&str) -> bool| {
            deviation.params.is_empty() || deviation.params.iter().any(|name| check(name))
        };
        match deviation.kind.as_str() {
            "undocumented-operation" => false,
            "param-missing" => named(&|name| !has_param(name)),
            "param-extra" | "param-location" | "param-required" | "param-type" => named(&|name| has_param(name)),
            "status-missing" => {
                named(&|status| status.parse().is_ok_and(|status| !operation.statuses.contains(&status)))
            }
            "body-field-missing" | "body-field-type" => operation.body.is_some(),
            "response-field-missing" | "response-field-type" => operation.response.is_some(),
            _ => true,
        }
    })
}

/// Compares `docs` with the spec and matches each difference with a deviation.
///
/// `newest` names the documents (by file name, as `load_documents` reads them) of the newest
/// version of the docs: an operation of the spec that only older documents list is reported
/// (`absent-from-newest`) unless a deviation explains why it is kept. Empty: not checked.
pub fn compare(
    spec_text: &str,
    deviations_text: &str,
    documents: Vec<String>,
    docs: &DocSet,
    newest: &[String],
) -> Result<Report, String> {
    let spec = model::parse_spec(spec_text)?;
    let api = model::read_api(&spec)?;
    let deviations: Deviations =
        serde_norway::from_str(deviations_text).map_err(|error| format!("openapi/deviations.yaml: {error}"))?;
    for deviation in &deviations.deviations {
        if !KINDS.contains(&deviation.kind.as_str()) && !["choice", "sample"].contains(&deviation.kind.as_str()) {
            return Err(format!("deviation `{}` has unknown kind `{}`", deviation.id, deviation.kind));
        }
    }
    let operations = spec_operations(&spec, &api);
    let in_scope = |path: &str| {
        deviations.client_paths.is_empty()
            || deviations.client_paths.iter().any(|prefix| path.starts_with(prefix.as_str()))
    };
    let (ours, foreign): (Vec<&DocOperation>, Vec<&DocOperation>) =
        docs.operations.iter().partition(|doc| in_scope(&doc.path));
    let mut differences = Vec::new();
    let mut push = |kind: &str, operation: &str, param: Option<&str>, doc: Option<&DocOperation>, detail: String| {
        differences.push(Difference {
            kind: kind.to_string(),
            operation: operation.to_string(),
            param: param.map(str::to_string),
            form: doc.map(|doc| doc.form.name().to_string()),
            origin: doc.map(|doc| doc.origin.clone()),
            detail,
            explained_by: None,
        });
    };

    for &doc in &ours {
        let Some(operation) =
            operations.iter().find(|operation| operation.method == doc.method && operation.path == doc.path)
        else {
            let same_path: Vec<&SpecOperation> =
                operations.iter().filter(|operation| operation.path == doc.path).collect();
            let key = format!("{} {}", doc.method, doc.path);
            if same_path.is_empty() {
                push(
                    "missing-operation",
                    &key,
                    None,
                    Some(doc),
                    format!("\"{}\" at {} is not in the spec", doc.heading, doc.origin),
                );
            } else {
                let methods: Vec<&str> = same_path.iter().map(|operation| operation.method.as_str()).collect();
                push(
                    "method",
                    &key,
                    None,
                    Some(doc),
                    format!(
                        "\"{}\" at {} uses {}, the spec has {}",
                        doc.heading,
                        doc.origin,
                        doc.method,
                        methods.join(", ")
                    ),
                );
            }
            continue;
        };
        for status in &doc.statuses {
            if !operation.statuses.contains(status) {
                push(
                    "status-missing",
                    &operation.id,
                    Some(&status.to_string()),
                    Some(doc),
                    format!("{} documents status {status}", doc.origin),
                );
            }
        }
        for (samples, schema, kind) in
            [(&doc.sample_bodies, &operation.body, "body"), (&doc.sample_responses, &operation.response, "response")]
        {
            let Some(schema) = schema else { continue };
            let schema = ReferenceOr::Reference { reference: format!("#/components/schemas/{schema}") };
            for sample in samples {
                let mut problems = Vec::new();
                check_sample(&spec, &schema, &sample.json, "", &mut problems);
                for problem in problems {
                    let (difference, detail) = match &problem.type_mismatch {
                        None => (
                            format!("{kind}-field-missing"),
                            format!("the sample at {} has a field the spec's schema lacks", sample.origin),
                        ),
                        Some((found, takes)) if found == "null" => (
                            format!("{kind}-field-null"),
                            format!("the sample at {} holds null, the spec's {takes} is not nullable", sample.origin),
                        ),
                        Some((found, takes)) => (
                            format!("{kind}-field-type"),
                            format!("the sample at {} holds {found}, the spec takes {takes}", sample.origin),
                        ),
                    };
                    push(&difference, &operation.id, Some(&problem.path), Some(doc), detail);
                }
            }
        }
        if !doc.has_params {
            continue;
        }
        for param in &doc.params {
            // A name can stand in two places (the classic create call has `username` in the
            // path and in the body), so a parameter in the same place is preferred.
            let named = |spec_param: &&SpecParam| spec_param.name == param.name;
            let found = operation
                .params
                .iter()
                .filter(named)
                .find(|spec_param| spec_param.location == param.location)
                .or_else(|| {
                    operation.params.iter().filter(named).find(|spec_param| spec_param.location != Location::Path)
                })
                .or_else(|| operation.params.iter().find(named));
            let Some(spec_param) = found else {
                push(
                    "param-missing",
                    &operation.id,
                    Some(&param.name),
                    Some(doc),
                    format!("{} documents a {} parameter the spec lacks", doc.origin, param.location.name()),
                );
                continue;
            };
            if spec_param.location != param.location {
                push(
                    "param-location",
                    &operation.id,
                    Some(&param.name),
                    Some(doc),
                    format!(
                        "{} says {}, the spec says {}",
                        doc.origin,
                        param.location.name(),
                        spec_param.location.name()
                    ),
                );
            }
            if spec_param.required != param.required {
                let word = |required: bool| if required { "required" } else { "optional" };
                push(
                    "param-required",
                    &operation.id,
                    Some(&param.name),
                    Some(doc),
                    format!(
                        "{} says {}, the spec says {}",
                        doc.origin,
                        word(param.required),
                        word(spec_param.required)
                    ),
                );
            }
            let comparable = !matches!(param.kind.as_str(), "unknown" | "duration");
            if comparable && !spec_param.kinds.is_empty() && !spec_param.kinds.contains(&param.kind) {
                let kinds: Vec<&str> = spec_param.kinds.iter().map(String::as_str).collect();
                push(
                    "param-type",
                    &operation.id,
                    Some(&param.name),
                    Some(doc),
                    format!("{} says {}, the spec says {}", doc.origin, param.kind, kinds.join(" or ")),
                );
            }
            let listed: BTreeSet<String> = param.values.iter().cloned().collect();
            let spec_values = spec_param.values.clone().unwrap_or_default();
            if !listed.is_empty() && listed != spec_values {
                let words = |values: &BTreeSet<String>| match values.is_empty() {
                    true => "any value".to_string(),
                    false => values.iter().cloned().collect::<Vec<_>>().join(", "),
                };
                push(
                    "param-enum",
                    &operation.id,
                    Some(&param.name),
                    Some(doc),
                    format!("{} lists {}, the spec takes {}", doc.origin, words(&listed), words(&spec_values)),
                );
            }
            if let Some(default) = &param.default
                && spec_param.default.as_ref() != Some(default)
            {
                push(
                    "param-default",
                    &operation.id,
                    Some(&param.name),
                    Some(doc),
                    format!(
                        "{} says the default is {default}, the spec's is {}",
                        doc.origin,
                        spec_param.default.as_deref().unwrap_or("not stated")
                    ),
                );
            }
        }
        for spec_param in &operation.params {
            // A field of a body object counts as undocumented only where the docs list that
            // object's fields at all.
            let listed_here = match spec_param.name.split_once('.') {
                Some((parent, _)) => doc.params.iter().any(|param| param.name.starts_with(&format!("{parent}."))),
                None => true,
            };
            if listed_here && !doc.params.iter().any(|param| param.name == spec_param.name) {
                push(
                    "param-extra",
                    &operation.id,
                    Some(&spec_param.name),
                    Some(doc),
                    format!("the spec has a {} parameter {} does not document", spec_param.location.name(), doc.origin),
                );
            }
        }
    }
    let in_newest = |doc: &DocOperation| newest.iter().any(|name| doc.origin.starts_with(&format!("{name}:")));
    for operation in &operations {
        let documenting: Vec<&DocOperation> =
            ours.iter().copied().filter(|doc| doc.method == operation.method && doc.path == operation.path).collect();
        if documenting.is_empty() {
            push(
                "undocumented-operation",
                &operation.id,
                None,
                None,
                format!("{} {} is in no document", operation.method, operation.path),
            );
        } else if !newest.is_empty() && !documenting.iter().any(|doc| in_newest(doc)) {
            let origins: BTreeSet<&str> = documenting.iter().map(|doc| doc.origin.as_str()).collect();
            push(
                "absent-from-newest",
                &operation.id,
                None,
                None,
                format!(
                    "{} {} is documented only by older versions ({}), not by the newest ({})",
                    operation.method,
                    operation.path,
                    origins.into_iter().collect::<Vec<_>>().join(", "),
                    newest.join(", ")
                ),
            );
        }
    }

    let mut used = BTreeSet::new();
    for difference in &mut differences {
        let entry = deviations.deviations.iter().find(|deviation| {
            deviation.kind == difference.kind
                && deviation.operation_keys().any(|key| key == difference.operation)
                && (deviation.params.is_empty()
                    || difference.param.as_ref().is_some_and(|param| deviation.params.contains(param)))
        });
        if let Some(entry) = entry {
            difference.explained_by = Some(entry.id.clone());
            used.insert(entry.id.clone());
        }
    }
    let stale_deviations = deviations
        .deviations
        .iter()
        .filter(|deviation| KINDS.contains(&deviation.kind.as_str()) && !used.contains(&deviation.id))
        .filter(|deviation| match deviation.kind.as_str() {
            // Without the newest version passed nothing can show it; with it, an entry that
            // matched nothing means the newest docs list the operation again (or it is gone).
            "absent-from-newest" => !newest.is_empty() || !still_applies(deviation, &operations),
            _ => !still_applies(deviation, &operations),
        })
        .map(|deviation| deviation.id.clone())
        .collect();
    Ok(Report {
        documents,
        documented_operations: ours.iter().map(|doc| (&doc.method, &doc.path)).collect::<BTreeSet<_>>().len(),
        foreign_operations: foreign.iter().map(|doc| (&doc.method, &doc.path)).collect::<BTreeSet<_>>().len(),
        spec_operations: operations.len(),
        differences,
        stale_deviations,
        markup_problems: docs
            .all_problems()
            .iter()
            .map(|problem| format!("{}: {}", problem.origin, problem.message))
            .chain(
                ours.iter()
                    .flat_map(|doc| &doc.unreadable_samples)
                    .map(|origin| format!("{origin}: a sample response that is not JSON, even read leniently")),
            )
            .collect(),
    })
}

/// Reads each document (a path, or an http(s) URL fetched with ureq) into one set.
pub fn load_documents(sources: &[String]) -> Result<(Vec<String>, DocSet), String> {
    let mut set = DocSet::default();
    let mut names = Vec::new();
    for source in sources {
        let text = if source.starts_with("http://") || source.starts_with("https://") {
            ureq::get(source)
                .call()
                .and_then(|mut response| response.body_mut().read_to_string())
                .map_err(|error| format!("cannot fetch {source}: {error}"))?
        } else {
            std::fs::read_to_string(source).map_err(|error| format!("cannot read {source}: {error}"))?
        };
        let name = source.rsplit('/').next().unwrap_or(source).to_string();
        let form: Form = docs::read(&name, &text, &mut set)?;
        names.push(format!("{source} ({form})"));
    }
    Ok((names, set))
}
