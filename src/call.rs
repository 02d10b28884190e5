//! Any operation by its entry in [`operations::ALL`](crate::operations::ALL), with JSON in and
//! out: what the command line's `call` verb, scripts and tools that follow the spec use. The
//! typed methods stay the way to write programs; this path checks the same things at run
//! time instead of compile time.

use serde_json::Value;

use crate::operations::{OperationInfo, ParameterInfo, ParameterKind, ParameterLocation};
use crate::transport::{Call, Method};
use crate::{Client, Error};

/// The parts of a request to [`Client::call`]: path parameters by name, query parameters as
/// they go on the wire (a name may repeat), and the JSON body.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct RawRequest {
    /// `(name, value)` for each path parameter of the operation.
    pub path: Vec<(String, String)>,
    /// `(name, value)` pairs of the query, in order.
    pub query: Vec<(String, String)>,
    /// The JSON body, for operations that take one.
    pub body: Option<Value>,
}

impl RawRequest {
    /// An empty request.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a path parameter.
    pub fn path(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.path.push((name.into(), value.into()));
        self
    }

    /// Adds a query pair (repeat a name for a repeated parameter).
    pub fn query(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((name.into(), value.into()));
        self
    }

    /// Sets the JSON body.
    pub fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }
}

impl Client {
    /// Calls the operation `operation` (an entry of [`operations::ALL`](crate::operations::ALL))
    /// with `request`, and answers the response body as JSON — after decoding it into the
    /// operation's response type, so an answer the spec does not describe is an
    /// [`Error::Decode`] here too. An operation without a response body answers `null`.
    ///
    /// Refused before sending, with [`Error::InvalidArgument`], exactly what the typed methods
    /// refuse, from the same spec-derived table ([`OperationInfo::parameters`]): a path
    /// parameter missing, empty, unknown or given twice; a query parameter the operation does
    /// not have, given twice (unless it repeats), missing when required, or not of its kind
    /// (an integer outside its bounds such as `limit=1000`, `limit=abc`, a boolean other than
    /// `true`/`false`, a value its enum or id schema refuses); a body where none is taken, a
    /// body missing or not of the operation's request type, or breaking the spec's rules for
    /// it (a blank team name, a password that breaks the service's rules). A path template
    /// that is not a plain absolute path is refused too: the request only ever goes to the
    /// configured origin. Retries, redirects, timeouts and redaction are those of every
    /// other call.
    ///
    /// ```
    /// use sauce_accounts::{RawRequest, operations};
    /// # fn main() -> Result<(), sauce_accounts::Error> {
    /// let sandbox = sauce_accounts::sandbox::Sandbox::start()?;
    /// let client = sandbox.client()?;
    /// let lookup = operations::ALL.iter().find(|operation| operation.id == "lookup_teams").unwrap();
    /// let page = client.call(lookup, RawRequest::new().query("limit", "2"))?;
    /// assert_eq!(page["results"].as_array().unwrap().len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    // Compiled only in a crate that calls it (through `types::reencode` it instantiates serde
    // for every schema), so programs that use the typed methods alone do not pay for it.
    #[inline]
    pub fn call(&self, operation: &OperationInfo, request: RawRequest) -> Result<Value, Error> {
        let method = Method::from_spec(operation.method)
            .ok_or_else(|| invalid(operation, format!("the spec's method {} is not supported", operation.method)))?;
        let path = raw_path(operation, &request.path)?;
        let query = raw_query(operation, request.query)?;
        let body = raw_body(operation, request.body)?;
        let call =
            Call { operation_id: operation.id, method, path_template: operation.path_template, path, query, body };
        match operation.response {
            None => self.execute_empty(call).map(|()| Value::Null),
            Some(schema) => self.execute_with(call, |bytes| {
                crate::types::reencode(schema, bytes).unwrap_or_else(|| serde_json::from_slice(bytes))
            }),
        }
    }
}

fn invalid(operation: &OperationInfo, message: String) -> Error {
    Error::InvalidArgument { operation_id: operation.id, message }
}

/// The path with every parameter encoded as one segment. The template must be a plain
/// absolute path whose placeholders are exactly the path parameters, so that no template (an
/// `OperationInfo` can be made by hand) can send the request anywhere but the configured
/// origin.
fn raw_path(operation: &OperationInfo, given: &[(String, String)]) -> Result<String, Error> {
    let template = operation.path_template;
    if !template.starts_with('/')
        || template.starts_with("//")
        || template.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '\\' | '%'))
    {
        return Err(invalid(
            operation,
            format!("the path template {template:?} is not an absolute path on the configured origin"),
        ));
    }
    for (index, (name, _)) in given.iter().enumerate() {
        if !operation.path_parameters.contains(&name.as_str()) {
            return Err(invalid(
                operation,
                format!(
                    "{name} is not a path parameter of {} (it has: {})",
                    operation.id,
                    list(operation.path_parameters)
                ),
            ));
        }
        if given[..index].iter().any(|(earlier, _)| earlier == name) {
            return Err(invalid(operation, format!("the path parameter {name} is given more than once")));
        }
    }
    let mut path = template.to_string();
    for name in operation.path_parameters {
        let value = given
            .iter()
            .find(|(given, _)| given == name)
            .map(|(_, value)| value.as_str())
            .ok_or_else(|| invalid(operation, format!("the path parameter {name} is missing")))?;
        if let Some(parameter) = parameter(operation, name, ParameterLocation::Path) {
            checked_value(operation, parameter, value)?;
        }
        let placeholder = format!("{{{name}}}");
        if !path.contains(&placeholder) {
            return Err(invalid(operation, format!("the path template {template:?} has no {placeholder}")));
        }
        path = path.replace(&placeholder, &crate::path::segment(operation.id, name, value)?);
    }
    if path.contains(['{', '}']) {
        return Err(invalid(operation, format!("the path template {template:?} has a placeholder no parameter fills")));
    }
    Ok(path)
}

/// The query pairs, each checked as the typed builder checks it.
fn raw_query(operation: &OperationInfo, given: Vec<(String, String)>) -> Result<Vec<(&'static str, String)>, Error> {
    let mut query: Vec<(&'static str, String)> = Vec::with_capacity(given.len());
    for (name, value) in given {
        let known = operation.query_parameters.iter().find(|known| **known == name).ok_or_else(|| {
            invalid(
                operation,
                format!(
                    "{name} is not a query parameter of {} (it has: {})",
                    operation.id,
                    list(operation.query_parameters)
                ),
            )
        })?;
        let value = match parameter(operation, known, ParameterLocation::Query) {
            Some(parameter) => {
                let repeatable = matches!(parameter.kind, ParameterKind::Repeated(_));
                if !repeatable && query.iter().any(|(earlier, _)| earlier == known) {
                    return Err(invalid(operation, format!("the query parameter {name} is given more than once")));
                }
                checked_value(operation, parameter, &value)?
            }
            None => value,
        };
        query.push((*known, value));
    }
    let required = operation
        .parameters
        .iter()
        .filter(|parameter| parameter.location == ParameterLocation::Query && parameter.required);
    for parameter in required {
        if !query.iter().any(|(name, _)| *name == parameter.name) {
            return Err(invalid(operation, format!("the query parameter {} is missing", parameter.name)));
        }
    }
    Ok(query)
}

/// The body, checked against the operation's request type and the spec's rules for it.
fn raw_body(operation: &OperationInfo, body: Option<Value>) -> Result<Option<Vec<u8>>, Error> {
    match (operation.request_body, body) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(invalid(operation, format!("{} takes no body", operation.id))),
        (Some(schema), None) => Err(invalid(operation, format!("{} needs a {schema} body", operation.id))),
        (Some(schema), Some(body)) => {
            let bytes = serde_json::to_vec(&body).map_err(|error| invalid(operation, error.to_string()))?;
            match crate::types::reencode(schema, &bytes) {
                Some(Ok(_)) => {}
                Some(Err(error)) => {
                    return Err(invalid(operation, format!("the body is not a valid {schema}: {error}")));
                }
                None => return Err(invalid(operation, format!("the spec has no schema {schema}"))),
            }
            crate::rules::check(operation.id, &body, operation.body_rules)?;
            Ok(Some(bytes))
        }
    }
}

fn parameter(operation: &OperationInfo, name: &str, location: ParameterLocation) -> Option<&'static ParameterInfo> {
    operation.parameters.iter().find(|parameter| parameter.name == name && parameter.location == location)
}

/// `value` as the typed method would send it, or the same refusal.
fn checked_value(operation: &OperationInfo, parameter: &ParameterInfo, value: &str) -> Result<String, Error> {
    let name = parameter.name;
    match parameter.kind {
        ParameterKind::String => Ok(value.to_string()),
        ParameterKind::Boolean => match value {
            "true" | "false" => Ok(value.to_string()),
            _ => Err(invalid(operation, format!("{name} is {value:?}, but must be true or false"))),
        },
        ParameterKind::Integer { minimum, maximum } => {
            // The typed methods take a u64 when the minimum is not negative, else an i64.
            let (least, greatest) = if minimum.is_some_and(|minimum| minimum >= 0) {
                (0, i128::from(u64::MAX))
            } else {
                (i128::from(i64::MIN), i128::from(i64::MAX))
            };
            let number = value
                .parse::<i128>()
                .ok()
                .filter(|number| (least..=greatest).contains(number))
                .ok_or_else(|| invalid(operation, format!("{name} is {value:?}, but must be an integer")))?;
            crate::transport::check_range(
                operation.id,
                name,
                number,
                minimum.map(i128::from),
                maximum.map(i128::from),
            )?;
            Ok(number.to_string())
        }
        ParameterKind::Schema(schema) => {
            schema_value(operation, name, schema, &Value::String(value.to_string()))?;
            Ok(value.to_string())
        }
        ParameterKind::List(schema) | ParameterKind::Repeated(schema) => {
            if value.is_empty() {
                return Err(invalid(
                    operation,
                    format!("{name} needs at least one value (leave it out for no filter)"),
                ));
            }
            let items: Vec<&str> =
                if matches!(parameter.kind, ParameterKind::List(_)) { value.split(',').collect() } else { vec![value] };
            for item in items {
                // On the wire a number is its digits and a string itself: read it back the same way.
                let item = serde_json::from_str::<serde_json::Number>(item)
                    .map_or_else(|_| Value::String(item.to_string()), Value::Number);
                schema_value(operation, name, schema, &item)?;
            }
            Ok(value.to_string())
        }
    }
}

/// Refuses a value the component schema `schema` does not accept.
fn schema_value(operation: &OperationInfo, name: &str, schema: &str, value: &Value) -> Result<(), Error> {
    match crate::types::reencode(schema, value.to_string().as_bytes()) {
        Some(Ok(_)) => Ok(()),
        Some(Err(_)) => Err(invalid(
            operation,
            format!("{name} is {}, which is not a valid {schema}", crate::redact::capped(value.to_string(), 200)),
        )),
        None => Err(invalid(operation, format!("the spec has no schema {schema}"))),
    }
}

fn list(names: &[&str]) -> String {
    if names.is_empty() { "none".to_string() } else { names.join(", ") }
}
