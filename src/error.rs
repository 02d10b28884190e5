//! The one error type every operation returns.

use std::collections::BTreeMap;
use std::fmt;
use std::time::{Duration, SystemTime};

use crate::redact::{MESSAGE_LIMIT, capped};

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
    /// The call was not sent: the client's rate limiter holds calls (after a 429, or because
    /// the service said the budget is spent) longer than this call may wait — longer than
    /// [`RetryPolicy::max_retry_after`](crate::RetryPolicy::max_retry_after) or than what is
    /// left of its [`RetryPolicy::deadline`](crate::RetryPolicy::deadline). It says until when.
    RateLimited(Box<RateLimitedError>),
}

/// A call the client's own rate limiter refused to start, because waiting for its turn would
/// take longer than the call may wait. Nothing was sent.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RateLimitedError {
    /// The call that was not sent.
    pub operation: OperationName,
    /// The earliest time a call may start (also in
    /// [`Client::rate_limit_status`](crate::Client::rate_limit_status) when the service
    /// imposed it).
    pub until: SystemTime,
    /// How long this call would have had to wait.
    pub wait: Duration,
    /// The longest this call could wait: `max_retry_after`, or less when the deadline was nearer.
    pub allowed: Duration,
    /// Why calls are held.
    pub reason: RateLimitReason,
}

/// Why the client's rate limiter holds calls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RateLimitReason {
    /// The service answered 429 with a `Retry-After`.
    RetryAfter,
    /// The service's `X-Ratelimit-Remaining` said the budget is spent until
    /// `X-Ratelimit-Reset`.
    BudgetSpent,
    /// The service's `X-Ratelimit-Remaining` said the budget is nearly spent, so what is left
    /// is spread until `X-Ratelimit-Reset`.
    BudgetLow,
    /// The client's own [`RateLimit`](crate::RateLimit) is used up for now.
    ClientBudget,
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

/// The operation an error belongs to, as errors name it: its `operationId`, method and path
/// template. (The whole table entry, with parameters and schemas, is
/// [`OperationInfo`](crate::operations::OperationInfo); [`OperationId`](crate::operations::OperationId)
/// turns one into the other.)
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperationName {
    /// The spec's `operationId`, e.g. `get_team`.
    pub id: &'static str,
    /// The HTTP method, e.g. `GET`.
    pub method: &'static str,
    /// The spec's path template, e.g. `/team-management/v1/teams/{team_id}/`.
    pub path_template: &'static str,
}

impl fmt::Display for OperationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({} {})", self.id, self.method, self.path_template)
    }
}

/// A non-success answer from the API.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ApiError {
    /// The call that failed.
    pub operation: OperationName,
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
    pub operation: OperationName,
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
    pub operation: OperationName,
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
            Error::RateLimited(error) => Some(error.operation.id),
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
    /// already retries what is safe to retry.) A call the client's own rate limiter refused
    /// ([`Error::RateLimited`]) was not sent, and may be made again after its `until`.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited(_) => true,
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
            Error::RateLimited(error) => error.fmt(f),
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
            Error::RateLimited(error) => f.debug_tuple("RateLimited").field(error).finish(),
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
impl std::error::Error for RateLimitedError {}

impl fmt::Display for RateLimitedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let why = match self.reason {
            RateLimitReason::RetryAfter => "the service answered 429 and asked to wait",
            RateLimitReason::BudgetSpent => "the service said the request budget is spent until its reset",
            RateLimitReason::BudgetLow => {
                "the service said the request budget is nearly spent, so calls are spaced out"
            }
            RateLimitReason::ClientBudget => "the client's own rate limit is used up for now",
        };
        write!(
            f,
            "{} not sent: {why}; the next call may start at {} ({} s from now), later than this call may wait ({} ms) \
             — retry after then, or allow longer waits with RetryPolicy::max_retry_after and RetryPolicy::deadline",
            self.operation,
            httpdate::fmt_http_date(self.until),
            self.wait.as_secs_f64().ceil(),
            self.allowed.as_millis()
        )
    }
}

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
            // However many fields a server lists, the message stays readable.
            write!(f, ": {}", capped(messages.join("; "), 4 * MESSAGE_LIMIT))?;
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
            TransportErrorKind::Protocol if !self.request_may_have_been_sent => {
                ("could not form a valid HTTP request", "check the base URL and the values passed")
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
