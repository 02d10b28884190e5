//! The one error type every operation returns.

use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Everything that can go wrong with a call. Match on the variant, or use the helpers
/// ([`Error::status`], [`Error::is_not_found`], [`Error::is_retryable`] …).
///
/// No variant ever holds credentials: access keys, passwords and the `Authorization` value
/// are replaced with `***` wherever a server's answer quotes them, before anything is kept.
///
/// `Debug` starts with the same message and hint as `Display`, so a `main` that returns
/// `Result<(), Error>` prints what to do; the structured fields follow it.
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
    /// A paginated listing stopped because the server's pages made no progress (the cursor was
    /// ignored, a page came back empty before the announced count, or the page bound was hit).
    /// The items yielded before it are real; the listing is incomplete.
    Pagination(Box<PaginationError>),
}

/// Why a paginated listing was stopped before its end.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct PaginationError {
    /// The listing operation.
    pub operation_id: &'static str,
    /// How many pages were fetched, the failing one included.
    pub pages_fetched: u64,
    /// How many items were yielded before the listing stopped.
    pub items_yielded: u64,
    /// What the server did wrong.
    pub message: String,
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
    /// Whether an earlier attempt of this call may have reached the server and been carried
    /// out although its answer was lost (a timeout or a reset after sending, a 502 or 504).
    /// A retried DELETE that ends in 404 then most likely already succeeded: see
    /// [`Error::may_have_succeeded`].
    pub earlier_attempt_may_have_succeeded: bool,
}

/// A request that did not complete.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct TransportError {
    /// The call that failed.
    pub operation: Operation,
    /// What kind of failure.
    pub kind: TransportErrorKind,
    /// The underlying error's message (redacted).
    pub message: String,
    /// The same message, as the end of the [`std::error::Error::source`] chain.
    pub(crate) cause: Cause,
    /// How many attempts were made.
    pub attempts: u32,
    /// Whether some of the request may have reached the server, so that a write may have been
    /// carried out although no answer arrived. `false` only when the connection could not be
    /// made at all (or nothing was sent).
    pub request_may_have_been_sent: bool,
}

/// The kinds of [`TransportError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportErrorKind {
    /// The connection could not be made (refused, unreachable).
    Connect,
    /// The host name did not resolve to any address.
    HostNotFound {
        /// The host that was looked up.
        host: String,
    },
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
    /// The server's answer is not valid HTTP, or the request could not be formed.
    Protocol,
}

/// The statuses after which an idempotent request is retried, and [`Error::is_retryable`]
/// says yes: rate limiting and gateway or availability errors.
pub(crate) const RETRYABLE_STATUSES: [u16; 4] = [429, 502, 503, 504];

/// A success response whose body does not match the spec.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct DecodeError {
    /// The call whose response could not be decoded.
    pub operation: Operation,
    /// The HTTP status of the response.
    pub status: u16,
    /// serde's message, with line and column (credentials in it redacted).
    pub message: String,
    /// The same message, as the end of the [`std::error::Error::source`] chain.
    pub(crate) cause: Cause,
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
            Error::Pagination(error) => Some(error.operation_id),
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

    /// Whether sending the same request again is safe and may succeed: rate limiting, gateway
    /// errors, connection failures and timeouts, but never a write (POST, PATCH) that may
    /// already have reached the server: sending it again could do it twice. (The client
    /// already retries what is safe to retry.)
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api(error) => RETRYABLE_STATUSES.contains(&error.status),
            Error::Transport(error) => {
                matches!(error.kind, TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Io)
                    && (!error.request_may_have_been_sent || is_idempotent(error.operation.method))
            }
            _ => false,
        }
    }

    /// Whether the call may have been carried out although it reports an error: a write that
    /// timed out or lost its connection after sending, or a retried call whose earlier attempt
    /// may have succeeded unseen (a retried DELETE answered 404 is the usual case). Check the
    /// state before doing it again.
    pub fn may_have_succeeded(&self) -> bool {
        match self {
            Error::Api(error) => error.earlier_attempt_may_have_succeeded,
            Error::Transport(error) => error.request_may_have_been_sent,
            _ => false,
        }
    }
}

fn is_idempotent(method: &str) -> bool {
    matches!(method, "GET" | "PUT" | "DELETE")
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
            Error::Pagination(error) => error.fmt(f),
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `fn main() -> Result<(), Error>` prints this: the message and hint come first.
        writeln!(f, "{self}")?;
        f.write_str("\nDetails: ")?;
        match self {
            Error::Api(error) => f.debug_tuple("Api").field(error).finish(),
            Error::Transport(error) => f.debug_tuple("Transport").field(error).finish(),
            Error::Decode(error) => f.debug_tuple("Decode").field(error).finish(),
            Error::InvalidArgument { operation_id, message } => {
                f.debug_struct("InvalidArgument").field("operation_id", operation_id).field("message", message).finish()
            }
            Error::Config(message) => f.debug_tuple("Config").field(message).finish(),
            Error::Pagination(error) => f.debug_tuple("Pagination").field(error).finish(),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // The chain names what caused the failure; the message itself is in `Display`.
        match self {
            Error::Transport(error) => Some(&error.cause),
            Error::Decode(error) => Some(&error.cause),
            _ => None,
        }
    }
}

impl std::error::Error for ApiError {}
impl std::error::Error for PaginationError {}

impl std::error::Error for TransportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.cause)
    }
}

/// What caused a [`TransportError`] or [`DecodeError`] (ureq's, the system's or serde's
/// message, already redacted): the end of the [`std::error::Error::source`] chain.
#[derive(Clone, Debug)]
pub struct Cause(pub(crate) String);

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Cause {}

impl fmt::Display for PaginationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: listing stopped after {} pages and {} items: {} — the listing is incomplete; \
             retry later, or narrow it with filters",
            self.operation_id, self.pages_fetched, self.items_yielded, self.message
        )
    }
}

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
        if self.earlier_attempt_may_have_succeeded {
            let note = if self.status == 404 && self.operation.method == "DELETE" {
                "an earlier attempt whose answer was lost most likely deleted it already"
            } else {
                "an earlier attempt whose answer was lost may already have been carried out"
            };
            write!(f, " ({note})")?;
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
        let write_sent = self.request_may_have_been_sent && !is_idempotent(self.operation.method);
        let (what, hint) = match &self.kind {
            TransportErrorKind::Connect => {
                ("could not connect", "check the network, the region or base URL, and any proxy settings")
            }
            TransportErrorKind::HostNotFound { .. } => (
                "could not resolve the host",
                "check the region or base URL for a typo, and this machine's DNS and proxy settings",
            ),
            TransportErrorKind::Timeout if write_sent => (
                "timed out after sending",
                "the change may have been made: check before sending it again; raise ClientBuilder::timeout if the service is slow",
            ),
            TransportErrorKind::Timeout => ("timed out", "retry, or raise the timeout with ClientBuilder::timeout"),
            TransportErrorKind::Tls => (
                "TLS failed",
                "check the base URL; behind a TLS-inspecting proxy, trust its certificate with ClientBuilder::root_certificates_pem",
            ),
            TransportErrorKind::Io if write_sent => {
                ("lost the connection after sending", "the change may have been made: check before sending it again")
            }
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
        match &self.kind {
            TransportErrorKind::Redirect { location } => write!(f, " ({location})")?,
            TransportErrorKind::HostNotFound { host } => write!(f, " {host}")?,
            TransportErrorKind::BodyTooLarge { limit } => write!(f, " ({limit} bytes)")?,
            _ => {}
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

/// Whether a field's value is a credential, whatever the spelling: `access_key`,
/// `accessKey`, `password`, `verify_password`, `new_password`, `secret`, `api_token` …
pub(crate) fn is_secret_field(name: &str) -> bool {
    let folded: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    ["accesskey", "password", "secret", "token", "apikey", "authorization"].iter().any(|word| folded.contains(word))
}

/// Everything that must never appear in what a call reports: the credentials it sent (the
/// access key, the `Authorization` value and its base64 part, any password in the request
/// body) and every credential-named value in the answer it got. Each is matched as written
/// and as it looks inside a JSON string, so an escaped `"` or `\` cannot hide it.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    secrets: Vec<String>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    /// The secrets of a call: the access key, the `Authorization` header value and any
    /// credential-named string in the JSON request body.
    pub(crate) fn for_call(access_key: &str, authorization: &str, request_body: Option<&[u8]>) -> Redactor {
        let mut redactor = Redactor::default();
        redactor.add(access_key);
        redactor.add(authorization);
        if let Some(encoded) = authorization.strip_prefix("Basic ") {
            redactor.add(encoded.trim());
        }
        if let Some(body) = request_body {
            redactor.add_body_secrets(body);
        }
        redactor
    }

    /// Adds one secret (and its JSON-escaped form).
    pub(crate) fn add(&mut self, secret: &str) {
        // Very short values would redact ordinary text; no real credential is this short.
        if secret.chars().count() < 4 {
            return;
        }
        let escaped = serde_json::to_string(secret).expect("strings encode");
        let escaped = &escaped[1..escaped.len() - 1];
        for form in [secret, escaped] {
            if !self.secrets.iter().any(|known| known == form) {
                self.secrets.push(form.to_string());
            }
        }
        // Longest first, so a secret that contains another is replaced whole.
        self.secrets.sort_by_key(|secret| std::cmp::Reverse(secret.len()));
    }

    /// Adds the value of every credential-named field in a body: as JSON at any depth, or,
    /// for a body that is not JSON (cut off, HTML), wherever `"field": "value"` can be read.
    pub(crate) fn add_body_secrets(&mut self, body: &[u8]) {
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(value) => self.add_value_secrets(&value, false),
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                for value in quoted_secret_values(&text) {
                    self.add(&value);
                }
            }
        }
    }

    fn add_value_secrets(&mut self, value: &serde_json::Value, secret: bool) {
        match value {
            serde_json::Value::String(text) if secret => self.add(text),
            serde_json::Value::Object(fields) => {
                for (name, field) in fields {
                    // Only strings directly under a credential name: a list under `password`
                    // holds validation messages, which are kept.
                    let field_is_secret = is_secret_field(name) && field.is_string();
                    self.add_value_secrets(field, field_is_secret);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| self.add_value_secrets(item, false)),
            _ => {}
        }
    }

    /// `text` with every secret replaced by `***`.
    pub(crate) fn redact(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_string(), |text, secret| text.replace(secret.as_str(), "***"))
    }

    /// The start of a body for an error message: lossy UTF-8, the string value of every
    /// credential-named field and every known secret replaced with `***`, at most
    /// [`SNIPPET_LIMIT`] bytes. Validation messages about credential fields (lists of text)
    /// are kept.
    pub(crate) fn snippet(&self, body: &[u8]) -> String {
        let mut text = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(mut value) => {
                self.redact_value(&mut value);
                value.to_string()
            }
            // Not JSON (an HTML page, a truncated body): redact what can be recognised in text.
            Err(_) => redact_quoted_secret_values(&String::from_utf8_lossy(body)),
        };
        text = self.redact(&text);
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

    /// Redacts inside every string of a JSON value, before it is encoded again: the encoded
    /// form would escape characters the plain secret does not.
    fn redact_value(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(fields) => {
                for (name, field) in fields.iter_mut() {
                    if is_secret_field(name) && field.is_string() {
                        *field = serde_json::Value::String("***".into());
                    } else {
                        self.redact_value(field);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|item| self.redact_value(item)),
            serde_json::Value::String(text) => *text = self.redact(text),
            _ => {}
        }
    }
}

/// The raw values of every `"field": "value"` with a credential name in `text`, also when
/// the value is cut off by the end of the text.
fn quoted_secret_values(text: &str) -> Vec<String> {
    quoted_values(text).into_iter().map(|(_, value)| text[value].to_string()).collect()
}

/// `text` with the value of every `"field": "value"` with a credential name replaced by `***`.
fn redact_quoted_secret_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (_, value) in quoted_values(text) {
        out.push_str(&text[last..value.start]);
        out.push_str("***");
        last = value.end;
    }
    out.push_str(&text[last..]);
    out
}

/// The byte ranges of `"name"` and of its string value, for each credential-named field.
fn quoted_values(text: &str) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let mut found = Vec::new();
    let mut position = 0;
    while let Some(open) = text[position..].find('"').map(|index| position + index) {
        let Some(close) = text[open + 1..].find('"').map(|index| open + 1 + index) else { break };
        let name = open + 1..close;
        position = close + 1;
        if !is_secret_field(&text[name.clone()]) {
            continue;
        }
        let rest = &text[position..];
        let Some(after_colon) = rest.trim_start().strip_prefix(':') else { continue };
        let Some(inner) = after_colon.trim_start().strip_prefix('"') else { continue };
        let start = text.len() - inner.len();
        let mut end = text.len();
        let mut escaped = false;
        for (index, c) in inner.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = start + index;
                    break;
                }
                _ => escaped = false,
            }
        }
        found.push((name, start..end));
        position = (end + 1).min(text.len());
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snippet(body: &[u8]) -> String {
        Redactor::default().snippet(body)
    }

    #[test]
    fn snippets_redact_credentials_even_when_cut_off() {
        let body = br#"{"id": "1", "access_key": "abc-123", "password":"p\"w", "tail": "x", "access_key": "trunc"#;
        let text = snippet(body);
        assert!(!text.contains("abc-123") && !text.contains("p\\\"w") && !text.contains("trunc"), "{text}");
        assert!(text.contains(r#""tail": "x""#), "{text}");
    }

    #[test]
    fn json_bodies_are_redacted_at_any_depth() {
        let text = snippet(br#"{"users": [{"username": "a", "access_key": "k1"}], "password": ["Too short."]}"#);
        assert_eq!(text, r#"{"password":["Too short."],"users":[{"access_key":"***","username":"a"}]}"#);
    }

    #[test]
    fn snippets_are_capped_on_a_char_boundary() {
        let body = "é".repeat(SNIPPET_LIMIT);
        let text = snippet(body.as_bytes());
        assert!(text.len() <= SNIPPET_LIMIT + '…'.len_utf8());
        assert!(text.ends_with('…'));
    }

    #[test]
    fn sent_secrets_are_redacted_anywhere() {
        let redactor = Redactor::for_call(
            "s3cr3t",
            "Basic dTpzM2NyM3Q=",
            Some(br#"{"username": "u", "password": "Pa55-word", "verify_password": "Pa55-word"}"#),
        );
        assert_eq!(redactor.snippet(b"key is s3cr3t! pw Pa55-word"), "key is ***! pw ***");
        assert_eq!(redactor.redact("header Basic dTpzM2NyM3Q= and dTpzM2NyM3Q="), "header *** and ***");
    }

    #[test]
    fn json_escaped_secrets_are_redacted_inside_json_and_as_text() {
        let redactor = Redactor::for_call("key-1", "Basic x", Some(br#"{"password": "Pa\"ss\\w0rd!"}"#));
        // As the server echoes it inside JSON (escaped), and as plain text.
        let json = redactor.snippet(br#"{"detail": "Pa\"ss\\w0rd! is weak"}"#);
        assert_eq!(json, r#"{"detail":"*** is weak"}"#);
        assert_eq!(redactor.snippet(br#"not json: Pa\"ss\\w0rd! <html"#), "not json: *** <html");
        assert_eq!(redactor.redact(r#"Pa"ss\w0rd!"#), "***");
    }

    #[test]
    fn credential_names_are_recognised_in_any_spelling() {
        for name in ["access_key", "accessKey", "password", "verify_password", "new_password", "api_token", "secret"] {
            assert!(is_secret_field(name), "{name}");
        }
        for name in ["username", "email", "detail", "id"] {
            assert!(!is_secret_field(name), "{name}");
        }
    }

    #[test]
    fn another_accounts_credentials_in_a_body_become_secrets() {
        let mut redactor = Redactor::default();
        redactor.add_body_secrets(br#"{"users": [{"access_key": "other-account-key"}], "detail": "x"}"#);
        assert_eq!(redactor.redact("invalid type: string \"other-account-key\""), "invalid type: string \"***\"");
        let mut cut = Redactor::default();
        cut.add_body_secrets(br#"{"user": {"password": "Cut-Off-Pass"#);
        assert_eq!(cut.redact("Cut-Off-Pass"), "***");
    }
}
