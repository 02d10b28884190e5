//! `cargo xtask docs-sync`: compares the documented operations with the spec, explains each
//! difference with an entry of `openapi/deviations.yaml`, and reports the rest.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};
use serde::{Deserialize, Serialize};

use crate::codegen::model::{self, Api};
use crate::docs::{self, DocOperation, DocSet, Form, Location};

/// The kinds of difference docs-sync finds (the deviations file also holds `choice` and
/// `sample` entries, which other checks read).
pub const KINDS: [&str; 9] = [
    "missing-operation",
    "undocumented-operation",
    "method",
    "param-missing",
    "param-extra",
    "param-location",
    "param-required",
    "param-type",
    "status-missing",
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
    #[serde(default)]
    pub params: Vec<String>,
    #[serde(default)]
    pub docs: Vec<String>,
    #[serde(default)]
    pub fixtures: Vec<String>,
    pub reason: String,
}

#[derive(Debug, Deserialize)]
pub struct Deviations {
    pub deviations: Vec<Deviation>,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub documents: Vec<String>,
    pub documented_operations: usize,
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
            "docs-sync: {} documents, {} documented operations, {} spec operations; {} differences ({} explained, {} unexplained), {} stale deviations, {} markup problems: {}",
            self.documents.len(),
            self.documented_operations,
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
}

struct SpecOperation {
    id: String,
    method: String,
    path: String,
    params: Vec<SpecParam>,
    statuses: BTreeSet<u16>,
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
        SchemaKind::Type(Type::String(_)) => name("string"),
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
                .map(|(param, location)| SpecParam {
                    name: param.name.clone(),
                    location,
                    required: param.required,
                    kinds: BTreeSet::from([param.kind.doc_type().to_string()]),
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
                        let property = match property {
                            ReferenceOr::Item(schema) => ReferenceOr::Item((**schema).clone()),
                            ReferenceOr::Reference { reference } => {
                                ReferenceOr::Reference { reference: reference.clone() }
                            }
                        };
                        params.push(SpecParam {
                            name: name.clone(),
                            location: Location::Body,
                            required: object.required.contains(name),
                            kinds: schema_kinds(spec, &property),
                        });
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
            }
        })
        .collect()
}

/// Compares `docs` with the spec and matches each difference with a deviation.
pub fn compare(
    spec_text: &str,
    deviations_text: &str,
    documents: Vec<String>,
    docs: &DocSet,
) -> Result<Report, String> {
    let spec = model::parse_spec(spec_text)?;
    let api = model::read_api(&spec)?;
    let deviations: Deviations =
        serde_yaml::from_str(deviations_text).map_err(|error| format!("openapi/deviations.yaml: {error}"))?;
    for deviation in &deviations.deviations {
        if !KINDS.contains(&deviation.kind.as_str()) && !["choice", "sample"].contains(&deviation.kind.as_str()) {
            return Err(format!("deviation `{}` has unknown kind `{}`", deviation.id, deviation.kind));
        }
    }
    let operations = spec_operations(&spec, &api);
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

    for doc in &docs.operations {
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
            if !spec_param.kinds.is_empty() && !spec_param.kinds.contains(&param.kind) {
                let kinds: Vec<&str> = spec_param.kinds.iter().map(String::as_str).collect();
                push(
                    "param-type",
                    &operation.id,
                    Some(&param.name),
                    Some(doc),
                    format!("{} says {}, the spec says {}", doc.origin, param.kind, kinds.join(" or ")),
                );
            }
        }
        for spec_param in &operation.params {
            if !doc.params.iter().any(|param| param.name == spec_param.name) {
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
    for operation in &operations {
        if !docs.operations.iter().any(|doc| doc.method == operation.method && doc.path == operation.path) {
            push(
                "undocumented-operation",
                &operation.id,
                None,
                None,
                format!("{} {} is in no document", operation.method, operation.path),
            );
        }
    }

    let mut used = BTreeSet::new();
    for difference in &mut differences {
        let entry = deviations.deviations.iter().find(|deviation| {
            deviation.kind == difference.kind
                && deviation.operation.as_deref() == Some(difference.operation.as_str())
                && (deviation.params.is_empty()
                    || difference.param.as_ref().is_some_and(|param| deviation.params.contains(param)))
                && (deviation.docs.is_empty()
                    || difference.form.as_ref().is_some_and(|form| deviation.docs.contains(form)))
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
        .map(|deviation| deviation.id.clone())
        .collect();
    Ok(Report {
        documents,
        documented_operations: docs
            .operations
            .iter()
            .map(|doc| (doc.method.clone(), doc.path.clone()))
            .collect::<BTreeSet<_>>()
            .len(),
        spec_operations: operations.len(),
        differences,
        stale_deviations,
        markup_problems: docs
            .problems
            .iter()
            .map(|problem| format!("{}: {}", problem.origin, problem.message))
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
