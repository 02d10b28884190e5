//! Sends one operation's request: URL, authentication, retries, redirects, size limit, and
//! the mapping of every outcome to a typed result or [`Error`].
//!
//! This is the only module that sends requests (the agent itself is built in `client`, its
//! resolver in `resolver`). The generated operations reach it through
//! [`Call`] and `Client::execute` / `Client::execute_empty`.

use std::time::{Duration, Instant, SystemTime};

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;
use ureq::http;

use crate::Client;
use crate::error::{
    ApiError, Cause, DecodeError, Error, OperationName, RETRYABLE_STATUSES, RateLimitedError, TransportError,
    TransportErrorKind,
};
use crate::rate_limit::{Refusal, instant_after};
use crate::redact::{MESSAGE_LIMIT, Redactor};
use crate::retry::parse_retry_after;

/// The HTTP methods the API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Method {
    /// GET
    Get,
    /// PUT
    Put,
    /// POST
    Post,
    /// PATCH
    Patch,
    /// DELETE
    Delete,
}

impl Method {
    /// The method's name, e.g. `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Put => "PUT",
            Method::Post => "POST",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    /// The method of an upper-case name, as the spec (and `as_str`) write it.
    pub(crate) fn from_spec(method: &str) -> Option<Method> {
        Some(match method {
            "GET" => Method::Get,
            "PUT" => Method::Put,
            "POST" => Method::Post,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }

    /// Whether sending the request twice has the same effect as once (RFC 9110), which is
    /// what makes an automatic retry safe.
    pub fn is_idempotent(self) -> bool {
        matches!(self, Method::Get | Method::Put | Method::Delete)
    }

    fn http(self) -> http::Method {
        match self {
            Method::Get => http::Method::GET,
            Method::Put => http::Method::PUT,
            Method::Post => http::Method::POST,
            Method::Patch => http::Method::PATCH,
            Method::Delete => http::Method::DELETE,
        }
    }
}

/// One request as the generated code describes it.
#[derive(Debug)]
pub(crate) struct Call {
    pub(crate) operation_id: &'static str,
    pub(crate) method: Method,
    pub(crate) path_template: &'static str,
    /// The path with its parameters already encoded (see [`crate::path::segment`]).
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Vec<u8>>,
}

impl Call {
    fn operation(&self) -> OperationName {
        OperationName { id: self.operation_id, method: self.method.as_str(), path_template: self.path_template }
    }
}

/// Serializes a request body.
pub(crate) fn json_body<T: serde::Serialize>(operation_id: &'static str, body: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(body).map_err(|error| Error::InvalidArgument {
        operation_id,
        message: format!("the request body cannot be encoded as JSON: {error}"),
    })
}

/// Serializes a request body after checking the spec's rules for it (passwords, names).
pub(crate) fn checked_json_body<T: serde::Serialize>(
    operation_id: &'static str,
    body: &T,
    rules: &[crate::rules::Rule],
) -> Result<Vec<u8>, Error> {
    let encode_error = |error: serde_json::Error| Error::InvalidArgument {
        operation_id,
        message: format!("the request body cannot be encoded as JSON: {error}"),
    };
    let value = serde_json::to_value(body).map_err(encode_error)?;
    crate::rules::check(operation_id, &value, rules)?;
    serde_json::to_vec(&value).map_err(encode_error)
}

/// A list query parameter as the API takes it (`roles=1,4`): each value as it goes on the
/// wire (a number as its digits, a string as itself), comma-separated.
pub(crate) fn comma_list<T: serde::Serialize>(values: &[T]) -> String {
    values
        .iter()
        .map(|value| match serde_json::to_value(value) {
            Ok(serde_json::Value::String(text)) => text,
            Ok(other) => other.to_string(),
            Err(_) => String::new(),
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Refuses an integer query parameter outside the spec's bounds before anything is sent.
pub(crate) fn check_range(
    operation_id: &'static str,
    name: &str,
    value: i128,
    minimum: Option<i128>,
    maximum: Option<i128>,
) -> Result<(), Error> {
    if minimum.is_some_and(|minimum| value < minimum) || maximum.is_some_and(|maximum| value > maximum) {
        let bounds = match (minimum, maximum) {
            (Some(minimum), Some(maximum)) => format!("from {minimum} to {maximum}"),
            (Some(minimum), None) => format!("at least {minimum}"),
            (None, Some(maximum)) => format!("at most {maximum}"),
            (None, None) => unreachable!("a value is only out of range when a bound exists"),
        };
        return Err(Error::InvalidArgument {
            operation_id,
            message: format!("{name} is {value}, but must be {bounds}"),
        });
    }
    Ok(())
}

/// Query strings encode everything but RFC 3986's unreserved characters.
const QUERY: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The most redirects followed for one attempt.
const MAX_REDIRECTS: u32 = 5;

/// The longest request URL sent (path parameters and query values encoded): what common
/// servers and proxies accept; a longer one is refused before anything is sent.
pub(crate) const MAX_URL_BYTES: usize = 8 * 1024;

/// A complete HTTP answer. Headers are read only when needed (errors, redirects), so a
/// successful call pays for none of the lookups.
struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).and_then(|value| value.to_str().ok()).map(str::to_string)
    }

    fn content_type(&self) -> Option<String> {
        self.header("content-type")
    }

    fn request_id(&self) -> Option<String> {
        ["x-request-id", "x-sauce-request-id", "x-amzn-requestid"].into_iter().find_map(|name| self.header(name))
    }

    fn retry_after(&self) -> Option<std::time::Duration> {
        self.header("retry-after").and_then(|value| parse_retry_after(&value, SystemTime::now()))
    }

    fn location(&self) -> Option<String> {
        self.header("location")
    }
}

/// Why an attempt produced no answer.
struct Failure {
    kind: TransportErrorKind,
    message: String,
    /// Whether some of the request may have reached the server: false only when no
    /// connection was made, or nothing of this attempt was sent yet.
    reached_server: bool,
    /// Whether trying again cannot change the outcome (an invalid URL, a refused redirect).
    permanent: bool,
}

impl Failure {
    fn before_sending(kind: TransportErrorKind, message: String) -> Failure {
        Failure { kind, message, reached_server: false, permanent: false }
    }

    fn after_sending(kind: TransportErrorKind, message: String) -> Failure {
        Failure { kind, message, reached_server: true, permanent: false }
    }

    fn permanent(mut self) -> Failure {
        self.permanent = true;
        self
    }
}

impl Client {
    /// Runs a call whose success response has a JSON body.
    pub(crate) fn execute<T: DeserializeOwned>(&self, call: Call) -> Result<T, Error> {
        self.execute_with(call, |bytes| serde_json::from_slice(bytes))
    }

    /// Like [`execute`](Self::execute), with the answer decoded by `decode`.
    pub(crate) fn execute_with<T>(
        &self,
        call: Call,
        decode: impl FnOnce(&[u8]) -> Result<T, serde_json::Error>,
    ) -> Result<T, Error> {
        let answer = self.send(&call)?;
        decode(&answer.body).map_err(|error| {
            let mut redactor = self.redactor(&call);
            // serde quotes the offending value, which may be a credential of any account.
            redactor.add_body_secrets(&answer.body);
            let message = redactor.redact_capped(&error.to_string(), MESSAGE_LIMIT);
            Error::Decode(Box::new(DecodeError {
                operation: call.operation(),
                status: answer.status,
                cause: Cause(message.clone()),
                message,
                content_type: answer.content_type(),
                body_snippet: redactor.snippet(&answer.body),
            }))
        })
    }

    /// Runs a call whose success response has no body (204).
    pub(crate) fn execute_empty(&self, call: Call) -> Result<(), Error> {
        self.send(&call).map(drop)
    }

    /// Sends the call, retrying and following redirects as allowed, until a 2xx answer or an
    /// error.
    fn send(&self, call: &Call) -> Result<Answer, Error> {
        let url = self.url(call)?;
        let policy = &self.inner.retry;
        let started = Instant::now();
        let deadline = instant_after(started, policy.deadline);
        let mut attempts = 0;
        // Whether an earlier attempt may have been carried out although its answer was lost.
        let mut lost_answer = false;
        loop {
            attempts += 1;
            // The client's own budget may hold the call, but no longer than a server's
            // `Retry-After` would, and not past the deadline.
            let allowed = policy.max_retry_after.min(deadline.saturating_duration_since(Instant::now()));
            self.inner.limiter.acquire(allowed).map_err(|refusal| rate_limited(call, refusal, allowed))?;
            // The last attempt may not outlast the total deadline.
            let attempt_deadline = instant_after(Instant::now(), self.inner.timeout).min(deadline);
            let outcome = match self.attempt(call, &url, attempt_deadline) {
                Ok(answer) if (200..300).contains(&answer.status) => return Ok(answer),
                other => other,
            };
            let (retryable, retry_after) = match &outcome {
                Ok(answer) => {
                    (call.method.is_idempotent() && RETRYABLE_STATUSES.contains(&answer.status), answer.retry_after())
                }
                Err(failure) if failure.permanent => (false, None),
                Err(failure) if !failure.reached_server => (true, None),
                Err(failure) => (
                    call.method.is_idempotent()
                        && matches!(
                            failure.kind,
                            TransportErrorKind::Connect | TransportErrorKind::Timeout | TransportErrorKind::Io
                        ),
                    None,
                ),
            };
            let wait =
                if retryable && attempts < policy.max_attempts { policy.delay(attempts, retry_after) } else { None };
            match wait {
                Some(wait) if started.elapsed().saturating_add(wait) < policy.deadline => {
                    lost_answer |= match &outcome {
                        // A gateway that timed out or failed may have passed the request on.
                        Ok(answer) => matches!(answer.status, 502 | 504),
                        Err(failure) => failure.reached_server,
                    };
                    policy.sleep(wait);
                }
                _ => return Err(self.failure(call, outcome, attempts, lost_answer)),
            }
        }
    }

    /// The request URL: the base URL, the encoded path and query. Refused before sending when
    /// it would leave the configured origin or be longer than servers accept.
    fn url(&self, call: &Call) -> Result<String, Error> {
        let invalid = |message: String| Error::InvalidArgument { operation_id: call.operation_id, message };
        // After the base URL, anything but `/` would continue its host (`@other-host/…`).
        if !call.path.starts_with('/') {
            return Err(invalid(format!(
                "the path {:?} does not start with \"/\": requests only go to the configured origin",
                crate::redact::capped(call.path.clone(), MESSAGE_LIMIT)
            )));
        }
        let mut url = String::with_capacity(self.inner.base_url.len() + call.path.len() + 16 * call.query.len());
        url.push_str(&self.inner.base_url);
        url.push_str(&call.path);
        for (index, (name, value)) in call.query.iter().enumerate() {
            url.push(if index == 0 { '?' } else { '&' });
            url.extend(utf8_percent_encode(name, QUERY));
            url.push('=');
            url.extend(utf8_percent_encode(value, QUERY));
        }
        if url.len() > MAX_URL_BYTES {
            return Err(invalid(format!(
                "the request URL would be {} bytes long with its path parameters and query values encoded, \
                 over the {MAX_URL_BYTES} bytes servers accept: a parameter value is too long",
                url.len()
            )));
        }
        Ok(url)
    }

    fn failure(&self, call: &Call, outcome: Result<Answer, Failure>, attempts: u32, lost_answer: bool) -> Error {
        let redactor = self.redactor(call);
        match outcome {
            Ok(answer) => Error::Api(Box::new(api_error(call.operation(), answer, attempts, lost_answer, redactor))),
            Err(failure) => {
                let message = redactor.redact_capped(&failure.message, MESSAGE_LIMIT);
                let kind = match failure.kind {
                    TransportErrorKind::Redirect { location } => {
                        TransportErrorKind::Redirect { location: redactor.redact_capped(&location, MESSAGE_LIMIT) }
                    }
                    other => other,
                };
                Error::Transport(Box::new(TransportError {
                    operation: call.operation(),
                    kind,
                    cause: Cause(message.clone()),
                    message,
                    attempts,
                    request_may_have_been_sent: failure.reached_server || lost_answer,
                }))
            }
        }
    }

    /// Everything this call sent that must never appear in an error.
    fn redactor(&self, call: &Call) -> Redactor {
        Redactor::for_call(
            self.inner.credentials.access_key().expose(),
            self.inner.authorization.expose(),
            call.body.as_deref(),
        )
    }

    /// One attempt, following same-origin redirects that are safe to follow, all within
    /// `deadline`.
    fn attempt(&self, call: &Call, first_url: &str, deadline: Instant) -> Result<Answer, Failure> {
        let origin = &self.inner.origin;
        let mut url = std::borrow::Cow::Borrowed(first_url);
        let mut location = String::new();
        for hop in 0..=MAX_REDIRECTS {
            let answer = self.exchange(call, &url, deadline).map_err(|failure| {
                if hop == 0 {
                    failure
                } else {
                    // An earlier hop was answered, so the server has seen this request.
                    Failure { reached_server: true, ..failure }
                }
            })?;
            if !matches!(answer.status, 301 | 302 | 303 | 307 | 308) {
                return Ok(answer);
            }
            location = answer.location().unwrap_or_default();
            // A 301/302/303 turns the request into a GET without body in every client, so
            // only reads may follow one; 307/308 keep method and body.
            let keeps_request = matches!(answer.status, 307 | 308) || call.method == Method::Get;
            match self.same_origin_path(&location) {
                Some(next) if keeps_request => {
                    url = std::borrow::Cow::Owned(format!("{}://{}{next}", origin.scheme, origin.authority));
                }
                _ => {
                    return Err(Failure::after_sending(
                        TransportErrorKind::Redirect { location: location.clone() },
                        format!(
                            "HTTP {} to {:?} not followed: only same-origin redirects that keep the request are",
                            answer.status, location
                        ),
                    )
                    .permanent());
                }
            }
        }
        Err(Failure::after_sending(
            TransportErrorKind::Redirect { location: location.clone() },
            format!("more than {MAX_REDIRECTS} redirects, the last to {location:?}"),
        )
        .permanent())
    }

    /// The path and query of `location` if it points at the configured origin (an explicit
    /// default port counts as the same origin as none).
    fn same_origin_path(&self, location: &str) -> Option<String> {
        if location.starts_with('/') && !location.starts_with("//") {
            return Some(location.to_string());
        }
        let uri: http::Uri = location.parse().ok()?;
        let origin = &self.inner.origin;
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let authority = uri.authority()?;
        let default_port = |scheme: &str| if scheme == "https" { 443 } else { 80 };
        let origin_authority: http::uri::Authority = origin.authority.parse().ok()?;
        let same = scheme == origin.scheme
            && authority.host().eq_ignore_ascii_case(origin_authority.host())
            && authority.port_u16().unwrap_or(default_port(&scheme))
                == origin_authority.port_u16().unwrap_or(default_port(&origin.scheme));
        same.then(|| uri.path_and_query().map_or_else(|| "/".to_string(), |path| path.as_str().to_string()))
    }

    /// One HTTP exchange within `deadline`, reading the whole body within the size limit.
    fn exchange(&self, call: &Call, url: &str, deadline: Instant) -> Result<Answer, Failure> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            // Nothing of this hop was sent; `attempt` marks a later hop as seen by the server.
            return Err(Failure::before_sending(
                TransportErrorKind::Timeout,
                format!(
                    "no time was left for this request (the {:?} timeout of the attempt, redirects included, or the retry deadline)",
                    self.inner.timeout
                ),
            ));
        }
        let builder = http::Request::builder()
            .method(call.method.http())
            .uri(url)
            .header(http::header::AUTHORIZATION, self.inner.authorization_header.clone())
            .header(http::header::ACCEPT, http::HeaderValue::from_static("application/json"));
        // The agent's own timeout covers a whole first hop; a later hop, or an attempt cut
        // short by the total deadline, gets only what is left.
        let shortened = remaining + Duration::from_millis(1) < self.inner.timeout;
        let sent = match &call.body {
            Some(body) => builder
                .header(http::header::CONTENT_TYPE, "application/json")
                .body(body.as_slice())
                .map(|request| self.run(request, remaining, shortened)),
            None => builder.body(()).map(|request| self.run(request, remaining, shortened)),
        };
        let response = match sent {
            Ok(Ok(response)) => response,
            Ok(Err(error)) => return Err(self.classify(error, url)),
            Err(error) => {
                return Err(Failure::before_sending(
                    TransportErrorKind::Protocol,
                    format!("the request cannot be formed for {url:?}: {error}"),
                )
                .permanent());
            }
        };
        let (parts, mut body) = response.into_parts();
        let limit = self.inner.max_body_size;
        let body = body.with_config().limit(limit).read_to_vec().map_err(|error| match error {
            ureq::Error::BodyExceedsLimit(_) => Failure::after_sending(
                TransportErrorKind::BodyTooLarge { limit },
                format!("the response body exceeds {limit} bytes"),
            ),
            other => Failure { reached_server: true, ..self.classify(other, url) },
        })?;
        let answer = Answer { status: parts.status.as_u16(), headers: parts.headers, body };
        let retry_after = if answer.status == 429 { answer.retry_after() } else { None };
        self.inner.limiter.observe(&answer.headers, retry_after);
        Ok(answer)
    }

    /// Runs one request on the agent, with only `remaining` time when the attempt's time was
    /// `shortened`.
    fn run(
        &self,
        request: http::Request<impl ureq::AsSendBody>,
        remaining: Duration,
        shortened: bool,
    ) -> Result<http::Response<ureq::Body>, ureq::Error> {
        let agent = &self.inner.agent;
        if shortened {
            agent.run(agent.configure_request(request).timeout_global(Some(remaining)).build())
        } else {
            agent.run(request)
        }
    }

    /// Sorts a ureq error by what failed and whether the request may have left.
    fn classify(&self, error: ureq::Error, url: &str) -> Failure {
        let message = error.to_string();
        match error {
            ureq::Error::HostNotFound => {
                let host = url.parse::<http::Uri>().ok().and_then(|uri| uri.host().map(str::to_string));
                let host = host.unwrap_or_else(|| self.inner.origin.authority.clone());
                Failure::before_sending(
                    TransportErrorKind::HostNotFound { host: host.clone() },
                    format!("no address found for {host}"),
                )
                .permanent()
            }
            ureq::Error::ConnectionFailed => Failure::before_sending(TransportErrorKind::Connect, message),
            ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
                Failure::before_sending(TransportErrorKind::Timeout, message)
            }
            ureq::Error::Timeout(_) => Failure::after_sending(TransportErrorKind::Timeout, message),
            // ureq passes rustls's verdicts on as I/O errors; a refused certificate cannot
            // change by trying again.
            ureq::Error::Io(io) if io.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) => {
                Failure::before_sending(TransportErrorKind::Tls, message).permanent()
            }
            ureq::Error::Io(io) => match io.kind() {
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::AddrNotAvailable => {
                    Failure::before_sending(TransportErrorKind::Connect, message)
                }
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    Failure::after_sending(TransportErrorKind::Timeout, message)
                }
                _ => Failure::after_sending(TransportErrorKind::Io, message),
            },
            ureq::Error::Tls(_) => Failure::before_sending(TransportErrorKind::Tls, message).permanent(),
            ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::InvalidProxyUrl => {
                Failure::before_sending(TransportErrorKind::Protocol, message).permanent()
            }
            _ => Failure::after_sending(TransportErrorKind::Protocol, message),
        }
    }
}

/// The error of a call the client's own rate limiter would have held longer than `allowed`.
fn rate_limited(call: &Call, refusal: Refusal, allowed: Duration) -> Error {
    Error::RateLimited(Box::new(RateLimitedError {
        operation: call.operation(),
        until: refusal.until,
        wait: refusal.wait,
        allowed,
        reason: refusal.reason,
    }))
}

fn api_error(
    operation: OperationName,
    answer: Answer,
    attempts: u32,
    earlier_attempt_may_have_succeeded: bool,
    mut redactor: Redactor,
) -> ApiError {
    // Credentials of any account in the body (and anything the server echoes from the
    // request) are redacted from every message kept.
    redactor.add_body_secrets(&answer.body);
    let mut error = ApiError {
        operation,
        status: answer.status,
        detail: None,
        non_field_errors: Vec::new(),
        field_errors: Default::default(),
        body_snippet: String::new(),
        request_id: answer.request_id().map(|id| redactor.redact_capped(&id, 256)),
        retry_after: answer.retry_after(),
        attempts,
        earlier_attempt_may_have_succeeded,
    };
    redactor.read_error_body(&answer.body, &mut error);
    error
}

#[cfg(test)]
mod tests {
    use crate::{Client, Credentials, RetryPolicy};

    fn client(base_url: &str) -> Client {
        Client::builder()
            .base_url(base_url)
            .credentials(Credentials::new("u", "key-1"))
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
    }

    #[test]
    fn an_explicit_default_port_is_the_same_origin() {
        let https = client("https://api.us-west-1.saucelabs.com");
        let same = ["https://api.us-west-1.saucelabs.com:443/a/", "HTTPS://API.us-west-1.saucelabs.com/a/", "/a/"];
        for location in same {
            assert_eq!(https.same_origin_path(location).as_deref(), Some("/a/"), "{location}");
        }
        let other = [
            "https://api.us-west-1.saucelabs.com:8443/a/",
            "http://api.us-west-1.saucelabs.com/a/",
            "https://api.eu-central-1.saucelabs.com/a/",
            "//api.us-west-1.saucelabs.com/a/",
        ];
        for location in other {
            assert_eq!(https.same_origin_path(location), None, "{location}");
        }
        let http = client("http://localhost:80");
        assert_eq!(http.same_origin_path("http://localhost/b/").as_deref(), Some("/b/"));
    }

    /// A kept-alive call starts no thread and makes no name lookup: the host is looked up
    /// once (on a helper thread, to keep the timeout) and its addresses reused.
    #[test]
    fn kept_alive_calls_start_no_thread_and_no_lookup() {
        let mut server = mockito::Server::new();
        let mock = server
            .mock("GET", "/team-management/v1/teams/t1/")
            .with_body(r#"{"id": "t1", "name": "T"}"#)
            .expect(20)
            .create();
        let port = server.host_with_port().rsplit_once(':').unwrap().1.to_string();
        let by_name = client(&format!("http://localhost:{port}"));
        for _ in 0..10 {
            by_name.teams().get("t1").send().unwrap();
        }
        let stats = by_name.name_resolution_stats();
        assert_eq!((stats.lookups, stats.threads), (1, 1), "ten calls by host name");
        let by_address = client(&server.url());
        for _ in 0..10 {
            by_address.teams().get("t1").send().unwrap();
        }
        let stats = by_address.name_resolution_stats();
        assert_eq!((stats.lookups, stats.threads), (0, 0), "an IP literal needs no lookup");
        mock.assert();
    }
}
