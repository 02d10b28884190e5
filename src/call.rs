//! Any operation by its entry in [`operations::ALL`](crate::operations::ALL), with JSON in and
//! out: what the command line's `call` verb, scripts and tools that follow the spec use. The
//! typed methods stay the way to write programs; this path checks the same things at run
//! time instead of compile time.

use serde_json::Value;

use crate::operations::OperationInfo;
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
    /// Refused before sending, with [`Error::InvalidArgument`]: a path parameter missing,
    /// empty or unknown, a query parameter the operation does not have, a body where none is
    /// taken, or a body missing or not of the operation's request type. Retries, redirects,
    /// timeouts and redaction are those of every other call.
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
        let invalid = |message: String| Error::InvalidArgument { operation_id: operation.id, message };
        let method = Method::from_spec(operation.method)
            .ok_or_else(|| invalid(format!("the spec's method {} is not supported", operation.method)))?;
        if let Some((name, _)) =
            request.path.iter().find(|(name, _)| !operation.path_parameters.contains(&name.as_str()))
        {
            return Err(invalid(format!(
                "{name} is not a path parameter of {} (it has: {})",
                operation.id,
                list(operation.path_parameters)
            )));
        }
        let mut path = operation.path_template.to_string();
        for name in operation.path_parameters {
            let value = request
                .path
                .iter()
                .find(|(given, _)| given == name)
                .map(|(_, value)| value.as_str())
                .ok_or_else(|| invalid(format!("the path parameter {name} is missing")))?;
            path = path.replace(&format!("{{{name}}}"), &crate::path::segment(operation.id, name, value)?);
        }
        let mut query = Vec::with_capacity(request.query.len());
        for (name, value) in request.query {
            let known = operation.query_parameters.iter().find(|known| **known == name).ok_or_else(|| {
                invalid(format!(
                    "{name} is not a query parameter of {} (it has: {})",
                    operation.id,
                    list(operation.query_parameters)
                ))
            })?;
            query.push((*known, value));
        }
        let body = match (operation.request_body, request.body) {
            (None, None) => None,
            (None, Some(_)) => return Err(invalid(format!("{} takes no body", operation.id))),
            (Some(schema), None) => return Err(invalid(format!("{} needs a {schema} body", operation.id))),
            (Some(schema), Some(body)) => {
                let bytes = serde_json::to_vec(&body).map_err(|error| invalid(error.to_string()))?;
                match crate::types::reencode(schema, &bytes) {
                    Some(Ok(_)) => Some(bytes),
                    Some(Err(error)) => return Err(invalid(format!("the body is not a valid {schema}: {error}"))),
                    None => return Err(invalid(format!("the spec has no schema {schema}"))),
                }
            }
        };
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

fn list(names: &[&str]) -> String {
    if names.is_empty() { "none".to_string() } else { names.join(", ") }
}
