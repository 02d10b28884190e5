//! The one error type every operation returns.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Everything that can go wrong with a call. Match on the variant, or use the helpers
/// ([`Error::status`], [`Error::is_not_found`], [`Error::is_retryable`] …).
///
/// No variant ever holds credentials: access keys and passwords in response bodies are
/// replaced with `***` before a snippet is kept.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The API answered with a non-success status.
    Api(Box<ApiError>),
    /// The request did not complete: connection, timeout, TLS, I/O, redirect or size limit.
    Transport(Box<TransportError>),
    /// The API answered with success, but the body is not what the spec describes.
    Decode(Box<DecodeError>),
    /// An argument was refused before anything was sent (empty id, out-of-range limit …).
    InvalidArgument {
        /// The operation the argument was for.
        operation_id: &'static str,
        /// What is wrong and what is allowed.
        message: String,
    },
    /// The client could not be configured (credentials, region, base URL …).
    Config(String),
}

/// Which call an error belongs to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The spec's `operationId`, e.g. `get_team`.
    pub id: &'static str,
    /// The HTTP method, e.g. `GET`.
    pub method: &'static str,
    /// The spec's path template, e.g. `/team-management/v1/teams/{team_id}/`.
    pub path_template: &'static str,
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} {})", self.id, self.method, self.path_template)
    }
}

/// A non-success answer from the API.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiError {
    /// The call that failed.
    pub operation: Operation,
    /// The HTTP status.
    pub status: u16,
    /// `detail` from the error body.
    pub detail: Option<String>,
    /// `non_field_errors` from the error body.
    pub non_field_errors: Vec<String>,
    /// Messages per request field (`{"email": ["Enter a valid email address."]}`).
    pub field_errors: BTreeMap<String, Vec<String>>,
    /// The start of the raw body (at most [`SNIPPET_LIMIT`] bytes, credentials redacted).
    pub body_snippet: String,
    /// The request id header of the response, for Sauce Labs support.
    pub request_id: Option<String>,
    /// What `Retry-After` asked for, on 429 and 503.
    pub retry_after: Option<Duration>,
    /// How many attempts were made (more than one when retries happened).
    pub attempts: u32,
}

/// A request that did not complete.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TransportError {
    /// The call that failed.
    pub operation: Operation,
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// The underlying error's message.
    pub message: String,
    /// How many attempts were made.
    pub attempts: u32,
}

/// The kinds of [`TransportError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made (refused, DNS, unreachable).
    Connect,
    /// A connect or overall timeout fired.
    Timeout,
    /// TLS failed.
    Tls,
    /// Reading or writing failed mid-request (for example a reset during the body).
    Io,
    /// The server redirected somewhere the client will not follow with credentials.
    Redirect {
        /// The `Location` the server named.
        location: String,
    },
    /// The response body is larger than the configured limit.
    BodyTooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The server's answer is not valid HTTP.
    Protocol,
}

/// A success response whose body does not match the spec.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DecodeError {
    /// The call whose response could not be decoded.
    pub operation: Operation,
    /// The HTTP status of the response.
    pub status: u16,
    /// serde's message, with line and column.
    pub message: String,
    /// The response's `Content-Type`, if any.
    pub content_type: Option<String>,
    /// The start of the raw body (at most [`SNIPPET_LIMIT`] bytes, credentials redacted).
    pub body_snippet: String,
}

/// The most bytes of a response body kept in an error.
pub const SNIPPET_LIMIT: usize = 1024;

impl Error {
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config(message.into())
    }

    /// The HTTP status, for [`Error::Api`] and [`Error::Decode`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api(error) => Some(error.status),
            Error::Decode(error) => Some(error.status),
            _ => None,
        }
    }

    /// The operation id of the failed call, when a call was made.
    pub fn operation_id(&self) -> Option<&'static str> {
        match self {
            Error::Api(error) => Some(error.operation.id),
            Error::Transport(error) => Some(error.operation.id),
            Error::Decode(error) => Some(error.operation.id),
            Error::InvalidArgument { operation_id, .. } => Some(operation_id),
            Error::Config(_) => None,
        }
    }

    /// Whether the API answered 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Whether the API answered 401 (wrong credentials or region).
    pub fn is_unauthorized(&self) -> bool {
        self.status() == Some(401)
    }

    /// Whether trying the same request later may succeed: rate limiting, gateway errors,
    /// connection failures and timeouts. (The client already retries idempotent calls.)
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(error) => matches!(error.status, 429 | 502 | 503 | 504),
            Error::Transport(error) => {
                matches!(error.kind, TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Io)
            }
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(error) => error.fmt(f),
            Error::Transport(error) => error.fmt(f),
            Error::Decode(error) => error.fmt(f),
            Error::InvalidArgument { operation_id, message } => {
                write!(f, "{operation_id}: invalid argument: {message}")
            }
            Error::Config(message) => write!(f, "configuration error: {message}"),
        }
    }
}

impl std::error::Error for Error {}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed with HTTP {}", self.operation, self.status)?;
        let mut messages: Vec<String> = self.detail.iter().cloned().collect();
        messages.extend(self.non_field_errors.iter().cloned());
        messages.extend(self.field_errors.iter().map(|(field, errors)| format!("{field}: {}", errors.join(" "))));
        if !messages.is_empty() {
            write!(f, ": {}", messages.join("; "))?;
        } else if !self.body_snippet.is_empty() {
            write!(f, ": {}", self.body_snippet.trim())?;
        }
        if let Some(request_id) = &self.request_id {
            write!(f, " (request id {request_id})")?;
        }
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        let hint = match self.status {
            401 => "check SAUCE_USERNAME and SAUCE_ACCESS_KEY, and that the account lives in the configured region (SAUCE_REGION)".to_string(),
            403 => "the account is valid but lacks the role this call needs (organization or team admin)".to_string(),
            404 => "check the id or username; the lookup operations list valid ones".to_string(),
            429 => match self.retry_after {
                Some(wait) => format!("rate limited: wait {} s before retrying", wait.as_secs().max(1)),
                None => "rate limited: slow down and retry later".to_string(),
            },
            502..=504 => "the service or a proxy in between is unavailable; retry later".to_string(),
            _ => String::new(),
        };
        if !hint.is_empty() {
            write!(f, " — {hint}")?;
        }
        Ok(())
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (what, hint) = match &self.kind {
            TransportErrorKind::Connect => {
                ("could not connect", "check the network, the region or base URL, and any proxy settings")
            }
            TransportErrorKind::Timeout => ("timed out", "retry, or raise the timeout with ClientBuilder::timeout"),
            TransportErrorKind::Tls => ("TLS failed", "check the base URL and any TLS-intercepting proxy"),
            TransportErrorKind::Io => ("the connection failed mid-request", "retry the call"),
            TransportErrorKind::Redirect { .. } => (
                "was redirected to a location the client does not follow",
                "credentials are only sent to the configured origin; set the base URL to the API's real address",
            ),
            TransportErrorKind::BodyTooLarge { .. } => {
                ("received a body over the size limit", "raise ClientBuilder::max_body_size if this is expected")
            }
            TransportErrorKind::Protocol => {
                ("received an invalid HTTP answer", "check the base URL points at the Sauce Labs API")
            }
        };
        write!(f, "{} {what}", self.operation)?;
        if let TransportErrorKind::Redirect { location } = &self.kind {
            write!(f, " ({location})")?;
        }
        if let TransportErrorKind::BodyTooLarge { limit } = &self.kind {
            write!(f, " ({limit} bytes)")?;
        }
        write!(f, ": {}", self.message)?;
        if self.attempts > 1 {
            write!(f, " after {} attempts", self.attempts)?;
        }
        write!(f, " — {hint}")
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} answered {} with a body that does not match the API description: {}",
            self.operation, self.status, self.message
        )?;
        if let Some(content_type) = &self.content_type {
            write!(f, " (content type {content_type})")?;
        }
        if !self.body_snippet.is_empty() {
            write!(f, "; body starts: {}", self.body_snippet.trim())?;
        }
        if self.content_type.as_deref().is_some_and(|content_type| !content_type.contains("json")) {
            write!(f, " — a proxy or gateway may have answered instead of the API")?;
        }
        Ok(())
    }
}

/// The field names whose values are credentials.
const SECRET_FIELDS: [&str; 4] = ["access_key", "password", "verify_password", "accessKey"];

/// The credentials a call has sent (the access key, and any password in its body): none of
/// them may appear in an error, even when a server echoes one back.
pub(crate) fn sent_secrets(access_key: &str, request_body: Option<&[u8]>) -> Vec<String> {
    let mut secrets = vec![access_key.to_string()];
    if let Some(serde_json::Value::Object(fields)) = request_body.and_then(|body| serde_json::from_slice(body).ok()) {
        for (name, value) in fields {
            if let (true, serde_json::Value::String(secret)) = (SECRET_FIELDS.contains(&name.as_str()), value) {
                secrets.push(secret);
            }
        }
    }
    secrets.retain(|secret| !secret.is_empty());
    secrets
}

/// `text` with every occurrence of a sent secret replaced by `***`.
pub(crate) fn redact_secrets(text: &str, secrets: &[String]) -> String {
    secrets.iter().fold(text.to_string(), |text, secret| text.replace(secret.as_str(), "***"))
}

/// The start of a body for an error message: lossy UTF-8, credentials replaced with `***`,
/// at most [`SNIPPET_LIMIT`] bytes. String values of credential fields are redacted whatever
/// they hold; validation messages about those fields (lists of text) are kept.
pub(crate) fn snippet(body: &[u8], secrets: &[String]) -> String {
    let mut text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut value) => {
            redact_value(&mut value);
            value.to_string()
        }
        // Not JSON (an HTML page, a truncated body): redact what can be recognised in text.
        Err(_) => {
            let mut text = String::from_utf8_lossy(body).into_owned();
            for field in SECRET_FIELDS {
                text = redact_field(&text, field);
            }
            text
        }
    };
    text = redact_secrets(&text, secrets);
    if text.len() > SNIPPET_LIMIT {
        let mut end = SNIPPET_LIMIT;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
        text.push('…');
    }
    text
}

fn redact_value(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(fields) => {
            for (name, field) in fields.iter_mut() {
                if SECRET_FIELDS.contains(&name.as_str()) && field.is_string() {
                    *field = serde_json::Value::String("***".into());
                } else {
                    redact_value(field);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_value),
        _ => {}
    }
}

/// Replaces the string value of every `"field": "…"` in `text` with `***`, also when the
/// value is cut off by the end of the text.
fn redact_field(text: &str, field: &str) -> String {
    let needle = format!("\"{field}\"");
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(found) = rest.find(&needle) {
        let after_name = found + needle.len();
        out.push_str(&rest[..after_name]);
        rest = &rest[after_name..];
        let Some(after_colon) = rest.trim_start().strip_prefix(':') else { continue };
        let Some(inner) = after_colon.trim_start().strip_prefix('"') else { continue };
        let mut end = inner.len();
        let mut escaped = false;
        for (index, c) in inner.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = index;
                    break;
                }
                _ => escaped = false,
            }
        }
        out.push_str(": \"***");
        rest = &inner[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_redact_credentials_even_when_cut_off() {
        let body = br#"{"id": "1", "access_key": "abc-123", "password":"p\"w", "tail": "x", "access_key": "trunc"#;
        let text = snippet(body, &[]);
        assert!(
            !text.contains("abc-123") && !text.contains("p\\\"w") && !text.contains("trunc") && !text.contains("v1"),
            "{text}"
        );
        assert!(text.contains(r#""tail": "x""#), "{text}");
    }

    #[test]
    fn json_bodies_are_redacted_at_any_depth() {
        let text = snippet(br#"{"users": [{"username": "a", "access_key": "k1"}], "password": ["Too short."]}"#, &[]);
        assert_eq!(text, r#"{"password":["Too short."],"users":[{"access_key":"***","username":"a"}]}"#);
    }

    #[test]
    fn snippets_are_capped_on_a_char_boundary() {
        let body = "é".repeat(SNIPPET_LIMIT);
        let text = snippet(body.as_bytes(), &[]);
        assert!(text.len() <= SNIPPET_LIMIT + '…'.len_utf8());
        assert!(text.ends_with('…'));
    }

    #[test]
    fn sent_secrets_are_redacted_anywhere() {
        let secrets = sent_secrets(
            "s3cr3t",
            Some(br#"{"username": "u", "password": "Pa55-word", "verify_password": "Pa55-word"}"#),
        );
        assert_eq!(secrets, ["s3cr3t", "Pa55-word", "Pa55-word"]);
        assert_eq!(snippet(b"key is s3cr3t! pw Pa55-word", &secrets), "key is ***! pw ***");
    }
}
