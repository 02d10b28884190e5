//! Reads the OpenAPI document into the small operation model the emitters work from.
//!
//! Everything the generator does not support is rejected here, with a message that names the
//! operation or schema, so that `build.rs` fails clearly instead of emitting wrong code.

use std::collections::BTreeMap;

use openapiv3::{
    OpenAPI, Parameter, ParameterSchemaOrContent, ReferenceOr, Response, Schema, SchemaKind, StatusCode, Type,
};

/// The tags the client groups operations by, in the order of the spec's `tags` list.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The tag name, e.g. `teams`.
    pub tag: String,
    pub description: String,
}

/// One HTTP operation, with everything needed to emit its method.
#[derive(Debug, Clone, PartialEq)]
pub struct Operation {
    pub id: String,
    pub tag: String,
    /// The method name inside its group: the operation id without the tag's words.
    pub method_name: String,
    /// Upper-case HTTP method.
    pub http_method: String,
    pub path: String,
    pub summary: String,
    pub description: String,
    pub deprecated: bool,
    /// Path parameters in the order they appear in the path.
    pub path_params: Vec<Param>,
    pub query_params: Vec<Param>,
    /// The component schema name of the (required) JSON request body.
    pub body: Option<String>,
    /// What the client checks in the body before sending, from the schema's keywords.
    pub body_rules: Vec<BodyRule>,
    /// The spec's example request body written with the generated constructors, for the
    /// generated doc example.
    pub body_construction: Option<String>,
    /// Every 2xx status the spec lists.
    pub success_statuses: Vec<u16>,
    pub success: Payload,
    /// Documented non-2xx statuses with their descriptions.
    pub error_statuses: Vec<(u16, String)>,
    pub pagination: Option<Pagination>,
    /// `x-sauce-confirm`: what the operation does that cannot simply be taken back
    /// (`deletes`, `grants a role` …); tools ask before sending it.
    pub confirm: Option<String>,
}

/// One check of a request body field: where (a JSON pointer) and what.
#[derive(Debug, Clone, PartialEq)]
pub struct BodyRule {
    pub pointer: String,
    pub check: BodyCheck,
}

#[derive(Debug, Clone, PartialEq)]
pub enum BodyCheck {
    /// `format: password`: the service's password rules.
    Password,
    /// `pattern: '\S'`: not empty and not only white space.
    NotBlank,
    /// `maxLength`.
    MaxChars(u64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    pub name: String,
    pub description: String,
    /// The spec's `example`, used in generated doc examples.
    pub example: Option<String>,
    pub required: bool,
    pub kind: ParamKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ParamKind {
    String,
    Integer {
        minimum: Option<i64>,
        maximum: Option<i64>,
    },
    Boolean,
    /// A string enum declared as a component schema.
    StringEnum(String),
    /// An identifier: a plain string component schema (`UserId`, `TeamId`) with a Rust type
    /// of its own.
    Id(String),
    /// A comma-separated list (`type: array`, `style: form`, `explode: false`) of a component
    /// schema's values (`roles=1,4` of `RoleId`).
    List(String),
    /// A repeated parameter (`type: array`, `style: form`, `explode: true`): one `name=value`
    /// pair per value (`id=a&id=b`), as FastAPI reads lists.
    Repeated(String),
}

impl ParamKind {
    /// The word the docs-sync check compares with the docs' type column.
    // Used by xtask's docs-sync; build.rs compiles this file too and does not call it.
    #[allow(dead_code)]
    pub fn doc_type(&self) -> &'static str {
        match self {
            ParamKind::String | ParamKind::StringEnum(_) | ParamKind::Id(_) => "string",
            ParamKind::List(_) | ParamKind::Repeated(_) => "array",
            ParamKind::Integer { .. } => "integer",
            ParamKind::Boolean => "boolean",
        }
    }
}

/// What a successful response carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Payload {
    Empty,
    Schema(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum PaginationStyle {
    /// `offset` counts records; the envelope has `count`.
    Offset,
    /// `from` counts records.
    From,
    /// `page` counts pages from 1.
    Page,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Pagination {
    pub style: PaginationStyle,
    /// The query parameter that moves through the list.
    pub cursor_param: String,
    /// The query parameter that sets the page size.
    pub size_param: String,
    /// The default (and largest) page size: the size parameter's `maximum`.
    pub max_size: i64,
    /// The envelope field holding the items; `None` when the body is the array itself.
    pub items_field: Option<String>,
    /// Whether the envelope has a required `count` of all matching records.
    pub has_count: bool,
    /// The schema name of the envelope (the operation's success schema).
    pub envelope_schema: String,
    /// The schema name of one item.
    pub item_schema: String,
}

/// The whole API as the emitters see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Api {
    pub groups: Vec<Group>,
    pub operations: Vec<Operation>,
    /// Component schema names.
    pub schemas: Vec<String>,
}

pub fn parse_spec(text: &str) -> Result<OpenAPI, String> {
    serde_norway::from_str(text)
        .map_err(|error| format!("openapi/accounts.yaml is not a valid OpenAPI 3.0 document: {error}"))
}

const METHODS: [&str; 5] = ["get", "put", "post", "patch", "delete"];

pub fn read_api(spec: &OpenAPI) -> Result<Api, String> {
    if !spec.openapi.starts_with("3.0.") {
        return Err(format!("openapi version {} is not 3.0.x", spec.openapi));
    }
    let groups: Vec<Group> = spec
        .tags
        .iter()
        .map(|tag| Group { tag: tag.name.clone(), description: tag.description.clone().unwrap_or_default() })
        .collect();
    let components = spec.components.as_ref().ok_or("the spec has no components")?;
    let schemas: Vec<String> = components.schemas.keys().cloned().collect();
    let mut operations = Vec::new();
    for (path, item) in spec.paths.iter() {
        let item = item.as_item().ok_or_else(|| format!("path {path}: a $ref path item is not supported"))?;
        if item.options.is_some() || item.head.is_some() || item.trace.is_some() {
            return Err(format!("path {path}: only GET, PUT, POST, PATCH and DELETE are supported"));
        }
        for (method, operation) in item.iter() {
            if !METHODS.contains(&method) {
                return Err(format!("path {path}: method {method} is not supported"));
            }
            let mut params = item.parameters.clone();
            params.extend(operation.parameters.iter().cloned());
            operations.push(read_operation(spec, path, method, operation, &params, &groups)?);
        }
    }
    let mut seen = BTreeMap::new();
    for operation in &operations {
        if let Some(other) = seen.insert((operation.tag.clone(), operation.method_name.clone()), operation.id.clone()) {
            return Err(format!(
                "operations {other} and {} both become method `{}` of group `{}`: rename one operationId",
                operation.id, operation.method_name, operation.tag
            ));
        }
    }
    Ok(Api { groups, operations, schemas })
}

fn read_operation(
    spec: &OpenAPI,
    path: &str,
    method: &str,
    operation: &openapiv3::Operation,
    params: &[ReferenceOr<Parameter>],
    groups: &[Group],
) -> Result<Operation, String> {
    let id = operation
        .operation_id
        .clone()
        .ok_or_else(|| format!("{} {path}: operationId is missing", method.to_uppercase()))?;
    let here = |message: String| format!("operation {id} ({} {path}): {message}", method.to_uppercase());
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(here("operationId must be snake_case".into()));
    }
    let [tag] = operation.tags.as_slice() else {
        return Err(here("needs exactly one tag".into()));
    };
    if !groups.iter().any(|group| &group.tag == tag) {
        return Err(here(format!("tag `{tag}` is not declared in the top-level tags")));
    }
    let summary = operation.summary.clone().ok_or_else(|| here("summary is missing".into()))?;
    let description = operation.description.clone().ok_or_else(|| here("description is missing".into()))?;

    let mut path_params = Vec::new();
    let mut query_params = Vec::new();
    for param in params {
        let param = resolve_parameter(spec, param).map_err(&here)?;
        let (data, is_path) = match param {
            Parameter::Path { parameter_data, .. } => (parameter_data, true),
            Parameter::Query { parameter_data, .. } => (parameter_data, false),
            _ => return Err(here("only path and query parameters are supported".into())),
        };
        if is_path && !data.required {
            return Err(here(format!("path parameter {} must be required", data.name)));
        }
        let ParameterSchemaOrContent::Schema(schema) = &data.format else {
            return Err(here(format!("parameter {} must use `schema`, not `content`", data.name)));
        };
        let kind = param_kind(spec, schema).map_err(|message| here(format!("parameter {}: {message}", data.name)))?;
        let kind = match kind {
            ParamKind::List(item) => {
                let form = matches!(param, Parameter::Query { style: openapiv3::QueryStyle::Form, .. });
                match data.explode {
                    Some(false) if form => ParamKind::List(item),
                    Some(true) if form => ParamKind::Repeated(item),
                    _ => {
                        return Err(here(format!(
                            "array parameter {} must be `style: form` with `explode` given (false: a comma list, true: repeated)",
                            data.name
                        )));
                    }
                }
            }
            other => other,
        };
        let param = Param {
            name: data.name.clone(),
            description: data.description.clone().unwrap_or_default(),
            example: data
                .example
                .as_ref()
                .map(|value| value.as_str().map_or_else(|| value.to_string(), str::to_string)),
            required: data.required,
            kind,
        };
        if is_path {
            path_params.push(param);
        } else {
            if param.required {
                return Err(here(format!("required query parameter {} is not supported", param.name)));
            }
            query_params.push(param);
        }
    }
    let placeholders = path_placeholders(path);
    let mut ordered = Vec::new();
    for name in &placeholders {
        let param = path_params
            .iter()
            .find(|param| &param.name == name)
            .ok_or_else(|| here(format!("path placeholder {{{name}}} has no parameter")))?;
        if !matches!(param.kind, ParamKind::String | ParamKind::Id(_)) {
            return Err(here(format!("path parameter {name} must be a string")));
        }
        ordered.push(param.clone());
    }
    if ordered.len() != path_params.len() {
        return Err(here("a path parameter does not appear in the path".into()));
    }

    let mut body_construction = None;
    let body = match &operation.request_body {
        None => None,
        Some(body) => {
            let body = body.as_item().ok_or_else(|| here("a $ref request body is not supported".into()))?;
            if !body.required {
                return Err(here("request bodies must be required".into()));
            }
            let media = body
                .content
                .get("application/json")
                .filter(|_| body.content.len() == 1)
                .ok_or_else(|| here("the request body must be application/json only".into()))?;
            let name =
                named_schema(media.schema.as_ref()).map_err(|message| here(format!("request body: {message}")))?;
            body_construction = match &media.example {
                Some(example) => Some(
                    construction(spec, &name, example)
                        .map_err(|message| here(format!("request body example: {message}")))?,
                ),
                None => None,
            };
            Some(name)
        }
    };

    let body_rules = match &body {
        Some(name) => {
            let mut rules = Vec::new();
            body_rules(spec, name, "", 0, &mut rules).map_err(|message| here(format!("request body: {message}")))?;
            rules
        }
        None => Vec::new(),
    };

    if body.is_some() && !query_params.is_empty() {
        return Err(here("a request body together with query parameters is not supported".into()));
    }

    let mut success_statuses = Vec::new();
    let mut success: Option<Payload> = None;
    let mut error_statuses = Vec::new();
    if operation.responses.default.is_some() {
        return Err(here("a `default` response is not supported: list the statuses".into()));
    }
    for (status, response) in &operation.responses.responses {
        let StatusCode::Code(code) = status else {
            return Err(here(format!("status range {status} is not supported")));
        };
        let response = resolve_response(spec, response).map_err(&here)?;
        if (200..300).contains(code) {
            let payload = match response.content.len() {
                0 => Payload::Empty,
                1 => {
                    let media = response
                        .content
                        .get("application/json")
                        .ok_or_else(|| here(format!("response {code} must be application/json")))?;
                    Payload::Schema(
                        named_schema(media.schema.as_ref())
                            .map_err(|message| here(format!("response {code}: {message}")))?,
                    )
                }
                _ => return Err(here(format!("response {code} has more than one media type"))),
            };
            if success.as_ref().is_some_and(|previous| previous != &payload) {
                return Err(here("all success responses must carry the same schema".into()));
            }
            success = Some(payload);
            success_statuses.push(*code);
        } else {
            error_statuses.push((*code, response.description.clone()));
        }
    }
    let success = success.ok_or_else(|| here("no 2xx response".into()))?;

    let pagination = match operation.extensions.get("x-sauce-pagination") {
        None => None,
        Some(value) => Some(
            read_pagination(spec, value, &query_params, &success)
                .map_err(|message| here(format!("x-sauce-pagination: {message}")))?,
        ),
    };

    let confirm = match operation.extensions.get("x-sauce-confirm") {
        None => None,
        Some(serde_json::Value::String(effect)) if !effect.trim().is_empty() => Some(effect.clone()),
        Some(other) => {
            return Err(here(format!(
                "x-sauce-confirm must be a non-empty string saying what the call does, not {other}"
            )));
        }
    };

    Ok(Operation {
        confirm,
        method_name: method_name(&id, tag),
        id: id.clone(),
        tag: tag.clone(),
        http_method: method.to_uppercase(),
        path: path.to_string(),
        summary,
        description,
        deprecated: operation.deprecated,
        path_params: ordered,
        query_params,
        body,
        body_rules,
        body_construction,
        success_statuses,
        success,
        error_statuses,
        pagination,
    })
}

/// The pattern `format: password` strings carry; any other pattern has no client-side check
/// and is refused, so the spec cannot promise a check the client does not make.
pub const PASSWORD_PATTERN: &str = "^(?=.*[a-z])(?=.*[A-Z])(?=.*[0-9])(?=.*[^A-Za-z0-9])[^\\s]+$";

/// Collects the checks of an object schema's fields (and of nested object schemas), each at
/// its JSON pointer under `prefix`.
fn body_rules(
    spec: &OpenAPI,
    schema: &str,
    prefix: &str,
    depth: usize,
    rules: &mut Vec<BodyRule>,
) -> Result<(), String> {
    if depth > 4 {
        return Err(format!("{schema} nests too deeply"));
    }
    let SchemaKind::Type(Type::Object(object)) = &component_schema(spec, schema)?.schema_kind else {
        return Ok(());
    };
    for (field, property) in &object.properties {
        let pointer = format!("{prefix}/{field}");
        let target = property_target(property)?;
        let resolved = match (&target, property) {
            (Some(name), _) => component_schema(spec, name)?,
            (None, ReferenceOr::Item(item)) => item.as_ref(),
            (None, ReferenceOr::Reference { .. }) => unreachable!("references resolve above"),
        };
        match &resolved.schema_kind {
            SchemaKind::Type(Type::String(string)) => {
                let password = matches!(
                    &string.format,
                    openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::Password)
                );
                match string.pattern.as_deref() {
                    None => {}
                    Some(PASSWORD_PATTERN) if password => {
                        rules.push(BodyRule { pointer: pointer.clone(), check: BodyCheck::Password });
                        continue;
                    }
                    Some("\\S") => rules.push(BodyRule { pointer: pointer.clone(), check: BodyCheck::NotBlank }),
                    Some(other) => {
                        return Err(format!("{schema}.{field}: the client has no check for pattern {other:?}"));
                    }
                }
                if let Some(minimum) = string.min_length.filter(|minimum| *minimum > 1) {
                    return Err(format!("{schema}.{field}: the client has no check for minLength {minimum}"));
                }
                if let Some(maximum) = string.max_length {
                    rules.push(BodyRule { pointer, check: BodyCheck::MaxChars(maximum as u64) });
                }
            }
            SchemaKind::Type(Type::Object(_)) => {
                if let Some(name) = &target {
                    body_rules(spec, name, &pointer, depth + 1, rules)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The names between braces in a path template, in order.
pub fn path_placeholders(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|segment| segment.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')))
        .map(str::to_string)
        .collect()
}

/// `lookup_teams` in `teams` → `lookup`; `set_user_team_admin` in `users` → `set_team_admin`;
/// `reset_service_account_access_key` in `service_accounts` → `reset_access_key`. The words
/// removed are the tag's words in sequence, or its singular's.
pub fn method_name(operation_id: &str, tag: &str) -> String {
    let tag_words: Vec<&str> = tag.split(['_', '-']).collect();
    let mut singular_words = tag_words.clone();
    if let Some(last) = singular_words.last_mut() {
        *last = last.strip_suffix('s').unwrap_or(last);
    }
    let mut words: Vec<&str> = operation_id.split('_').collect();
    for pattern in [&tag_words, &singular_words] {
        while let Some(start) = words.windows(pattern.len()).position(|window| window == pattern.as_slice()) {
            words.drain(start..start + pattern.len());
        }
    }
    if words.is_empty() { operation_id.to_string() } else { words.join("_") }
}

fn resolve_parameter<'a>(spec: &'a OpenAPI, param: &'a ReferenceOr<Parameter>) -> Result<&'a Parameter, String> {
    match param {
        ReferenceOr::Item(param) => Ok(param),
        ReferenceOr::Reference { reference } => {
            let name = reference
                .strip_prefix("#/components/parameters/")
                .ok_or_else(|| format!("unsupported parameter reference {reference}"))?;
            spec.components
                .as_ref()
                .and_then(|components| components.parameters.get(name))
                .and_then(ReferenceOr::as_item)
                .ok_or_else(|| format!("parameter reference {reference} does not resolve"))
        }
    }
}

fn resolve_response<'a>(spec: &'a OpenAPI, response: &'a ReferenceOr<Response>) -> Result<&'a Response, String> {
    match response {
        ReferenceOr::Item(response) => Ok(response),
        ReferenceOr::Reference { reference } => {
            let name = reference
                .strip_prefix("#/components/responses/")
                .ok_or_else(|| format!("unsupported response reference {reference}"))?;
            spec.components
                .as_ref()
                .and_then(|components| components.responses.get(name))
                .and_then(ReferenceOr::as_item)
                .ok_or_else(|| format!("response reference {reference} does not resolve"))
        }
    }
}

/// The component a property refers to: a `$ref`, or `allOf: [$ref]` with a description
/// beside it; `None` for an inline schema.
fn property_target(property: &ReferenceOr<Box<Schema>>) -> Result<Option<String>, String> {
    Ok(match property {
        ReferenceOr::Reference { reference } => Some(schema_ref_name(reference)?),
        ReferenceOr::Item(item) => match &item.schema_kind {
            SchemaKind::AllOf { all_of } => match all_of.as_slice() {
                [ReferenceOr::Reference { reference }] => Some(schema_ref_name(reference)?),
                _ => None,
            },
            _ => None,
        },
    })
}

/// The Rust expression that builds `value` (an example body) as the component schema
/// `schema` with the generated constructors: `new` with the required fields in the fields'
/// (alphabetical) order, then one `with_…` per optional field the example sets.
pub fn construction(spec: &OpenAPI, schema: &str, value: &serde_json::Value) -> Result<String, String> {
    let SchemaKind::Type(Type::Object(object)) = &component_schema(spec, schema)?.schema_kind else {
        return Err(format!("{schema} is not an object schema"));
    };
    let fields = value.as_object().ok_or_else(|| format!("the example of {schema} is not an object"))?;
    let mut required: Vec<&String> = object.required.iter().collect();
    required.sort();
    let mut arguments = Vec::new();
    for name in required {
        let field = fields.get(name).ok_or_else(|| format!("the example of {schema} lacks required `{name}`"))?;
        arguments.push(field_expression(spec, schema, &object.properties[name], field)?);
    }
    let mut expression = format!("sauce_accounts::types::{schema}::new({})", arguments.join(", "));
    let mut optional: Vec<(&String, &serde_json::Value)> =
        fields.iter().filter(|(name, _)| !object.required.contains(name)).collect();
    optional.sort_by_key(|(name, _)| *name);
    for (name, field) in optional {
        let property = object.properties.get(name).ok_or_else(|| format!("{schema} has no field `{name}`"))?;
        expression.push_str(&format!(".with_{name}({})", field_expression(spec, schema, property, field)?));
    }
    Ok(expression)
}

fn field_expression(
    spec: &OpenAPI,
    schema: &str,
    property: &ReferenceOr<Box<Schema>>,
    value: &serde_json::Value,
) -> Result<String, String> {
    let target = property_target(property)?;
    let is_object_schema = |name: &str| {
        component_schema(spec, name).is_ok_and(|schema| matches!(schema.schema_kind, SchemaKind::Type(Type::Object(_))))
    };
    Ok(match value {
        serde_json::Value::Object(_) => match &target {
            Some(name) if is_object_schema(name) => construction(spec, name, value)?,
            _ => return Err(format!("{schema}: an object example needs a named object schema")),
        },
        serde_json::Value::Array(items) => {
            let item_schema = match property {
                ReferenceOr::Item(item) => match &item.schema_kind {
                    SchemaKind::Type(Type::Array(array)) => array.items.as_ref(),
                    _ => None,
                },
                ReferenceOr::Reference { .. } => None,
            };
            let item_type = match item_schema {
                Some(ReferenceOr::Reference { reference }) => super::types::rust_path(&schema_ref_name(reference)?)
                    .to_string()
                    .replace(' ', "")
                    .replace("crate::", "sauce_accounts::"),
                _ => return Err(format!("{schema}: an array example needs items that are a named schema")),
            };
            let items: Vec<String> = items.iter().map(|item| format!("{item_type}::from({item})")).collect();
            format!("vec![{}]", items.join(", "))
        }
        other => other.to_string(),
    })
}

fn schema_ref_name(reference: &str) -> Result<String, String> {
    reference
        .strip_prefix("#/components/schemas/")
        .map(str::to_string)
        .ok_or_else(|| format!("unsupported schema reference {reference}"))
}

fn named_schema(schema: Option<&ReferenceOr<Schema>>) -> Result<String, String> {
    match schema {
        Some(ReferenceOr::Reference { reference }) => schema_ref_name(reference),
        Some(ReferenceOr::Item(_)) => {
            Err("must be a $ref to a named component schema, so its Rust type name is stable".into())
        }
        None => Err("has no schema".into()),
    }
}

fn component_schema<'a>(spec: &'a OpenAPI, name: &str) -> Result<&'a Schema, String> {
    spec.components
        .as_ref()
        .and_then(|components| components.schemas.get(name))
        .and_then(ReferenceOr::as_item)
        .ok_or_else(|| format!("schema {name} is not a component schema"))
}

fn param_kind(spec: &OpenAPI, schema: &ReferenceOr<Schema>) -> Result<ParamKind, String> {
    match schema {
        ReferenceOr::Reference { reference } => {
            let name = schema_ref_name(reference)?;
            match &component_schema(spec, &name)?.schema_kind {
                SchemaKind::Type(Type::String(string)) if !string.enumeration.is_empty() => {
                    Ok(ParamKind::StringEnum(name))
                }
                SchemaKind::Type(Type::String(_)) => Ok(ParamKind::Id(name)),
                _ => Err(format!("referenced schema {name} must be a string or a string enum")),
            }
        }
        ReferenceOr::Item(schema) => match &schema.schema_kind {
            SchemaKind::Type(Type::String(string)) if string.enumeration.is_empty() => Ok(ParamKind::String),
            SchemaKind::Type(Type::Integer(integer)) => {
                if integer.exclusive_minimum || integer.exclusive_maximum {
                    return Err("exclusive bounds are not supported".into());
                }
                Ok(ParamKind::Integer { minimum: integer.minimum, maximum: integer.maximum })
            }
            SchemaKind::Type(Type::Boolean(_)) => Ok(ParamKind::Boolean),
            SchemaKind::Type(Type::Array(array)) => match &array.items {
                Some(ReferenceOr::Reference { reference }) => Ok(ParamKind::List(schema_ref_name(reference)?)),
                _ => Err("array items must be a $ref to a component schema".into()),
            },
            _ => {
                Err("only string, integer, boolean, an array of a component or a $ref to a string are supported".into())
            }
        },
    }
}

fn read_pagination(
    spec: &OpenAPI,
    value: &serde_json::Value,
    query: &[Param],
    success: &Payload,
) -> Result<Pagination, String> {
    let style_name = value.get("style").and_then(|style| style.as_str()).ok_or("`style` is missing")?;
    let (style, cursor_param, size_param) = match style_name {
        "offset" => (PaginationStyle::Offset, "offset", "limit"),
        "from" => (PaginationStyle::From, "from", "limit"),
        "page" => (PaginationStyle::Page, "page", "per_page"),
        other => return Err(format!("unknown style `{other}`")),
    };
    let find = |name: &str| {
        query
            .iter()
            .find(|param| param.name == name)
            .ok_or_else(|| format!("style {style_name} needs query parameter `{name}`"))
    };
    find(cursor_param)?;
    // The page size `.iter()` asks for: the parameter's maximum, or, where the docs state
    // none (and the spec invents none), the pagination's own `page_size`.
    let max_size = match (&find(size_param)?.kind, value.get("page_size").and_then(serde_json::Value::as_i64)) {
        (ParamKind::Integer { maximum: Some(maximum), .. }, _) => *maximum,
        (ParamKind::Integer { maximum: None, .. }, Some(page_size)) if page_size > 0 => page_size,
        _ => return Err(format!("`{size_param}` must be an integer with a maximum, or the pagination a `page_size`")),
    };
    let items_field = value
        .get("items")
        .map(|items| items.as_str().map(str::to_string).ok_or("`items` must be a string"))
        .transpose()?;
    let Payload::Schema(envelope) = success else {
        return Err("the operation returns no body".into());
    };
    let envelope_schema = component_schema(spec, envelope)?;
    let array_items = |schema: &Schema| match &schema.schema_kind {
        SchemaKind::Type(Type::Array(array)) => match &array.items {
            Some(ReferenceOr::Reference { reference }) => schema_ref_name(reference),
            _ => Err("the list items must be a $ref".to_string()),
        },
        _ => Err("the listed value must be an array".to_string()),
    };
    let (item_schema, has_count) = match &items_field {
        None => (array_items(envelope_schema)?, false),
        Some(field) => {
            let SchemaKind::Type(Type::Object(object)) = &envelope_schema.schema_kind else {
                return Err(format!("{envelope} must be an object with `{field}`"));
            };
            let item = match object.properties.get(field) {
                Some(ReferenceOr::Item(property)) => array_items(property)?,
                _ => return Err(format!("{envelope}.{field} must be an inline array of $ref items")),
            };
            let has_count = object.required.iter().any(|name| name == "count")
                && matches!(object.properties.get("count"), Some(ReferenceOr::Item(count)) if matches!(count.schema_kind, SchemaKind::Type(Type::Integer(_))));
            (item, has_count)
        }
    };
    if style == PaginationStyle::Offset && !has_count {
        return Err(format!("offset pagination needs a required integer `count` in {envelope}"));
    }
    Ok(Pagination {
        style,
        cursor_param: cursor_param.to_string(),
        size_param: size_param.to_string(),
        max_size,
        items_field,
        has_count,
        envelope_schema: envelope.clone(),
        item_schema,
    })
}
