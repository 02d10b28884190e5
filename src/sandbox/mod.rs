//! An embedded, stateful Accounts API on loopback, for trying the client (and the CLI, and
//! clients in other languages) without touching a real organization.
//!
//! Routing follows the spec's paths (the generated [`crate::operations::ALL`] table), request
//! bodies are parsed with the generated request types and responses are built from the
//! generated response types, so the sandbox cannot drift from the spec.

mod faults;
mod handlers;
mod http;
mod routing;
mod server;
mod state;

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use faults::FaultState;
pub use faults::Faults;
use routing::RateLimits;
use server::{Answer, Server};
use state::State;
pub use state::{Seed, SeedOrganization, SeedTeam, SeedUser};

use crate::{Client, Credentials, Error, RateLimit, RetryPolicy};

/// The most bytes of a request body the sandbox reads; a longer one is refused (413) before
/// any of it is read.
const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// The most bytes of a request line and headers together (else 414 or 431).
const MAX_REQUEST_HEAD: usize = 32 * 1024;
const MAX_HEADER_FIELDS: usize = 100;
/// The range a timeout setting is kept in: an instant plus the longest must not overflow.
const TIMEOUT_RANGE: (Duration, Duration) = (Duration::from_millis(1), Duration::from_secs(24 * 3600));

/// A running sandbox. It stops when dropped, and closes its connections: a client holding a
/// kept-alive connection to it fails at once instead of waiting out its timeout.
///
/// ```
/// # fn main() -> Result<(), sauce_accounts::Error> {
/// let sandbox = sauce_accounts::sandbox::Sandbox::start()?;
/// let client = sandbox.client()?;
/// let teams = client.teams().lookup().send()?;
/// assert!(teams.count >= 4);
/// # Ok(())
/// # }
/// ```
pub struct Sandbox {
    url: String,
    admin: Credentials,
    shared: Arc<Shared>,
    server: Server,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox").field("url", &self.url).field("admin", &self.admin).finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Starts a sandbox with the built-in seed on a free loopback port.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when no loopback port can be bound.
    pub fn start() -> Result<Sandbox, Error> {
        Sandbox::start_with(Seed::builtin(), 0)
    }

    /// Starts a sandbox with `seed` on `127.0.0.1:port` (0 picks a free port).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the seed is inconsistent or the port cannot be bound.
    pub fn start_with(seed: Seed, port: u16) -> Result<Sandbox, Error> {
        Sandbox::builder().seed(seed).port(port).start()
    }

    /// A builder for a sandbox with other options: seed, port, rate limits, faults,
    /// timeouts.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder {
            seed: None,
            port: 0,
            rate_limit: None,
            faults: Faults::new(),
            request_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(60),
            max_connections: 512,
        }
    }

    fn launch(builder: SandboxBuilder) -> Result<Sandbox, Error> {
        let seed = builder.seed.unwrap_or_else(Seed::builtin);
        let state = State::new(&seed).map_err(|error| Error::config(format!("invalid sandbox seed: {error}")))?;
        let admin = Credentials::new(
            seed.admin.username.clone(),
            state.user_by_username(&seed.admin.username).expect("the admin is seeded").access_key.clone(),
        );
        let port = builder.port;
        let listener = listen(port)?;
        let address = listener
            .local_addr()
            .ok()
            .and_then(|address| address.as_socket())
            .ok_or_else(|| Error::config("the sandbox is not on an IP address"))?;
        let url = format!("http://{address}");
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            limits: builder.rate_limit.map(|limit| RateLimits { limit, accounts: Mutex::new(Default::default()) }),
            faults: FaultState::new(builder.faults),
            base_url: url.clone(),
        });
        let settings = server::Settings {
            limits: http::Limits {
                max_head: MAX_REQUEST_HEAD,
                max_headers: MAX_HEADER_FIELDS,
                max_body: MAX_REQUEST_BODY,
                request_timeout: builder.request_timeout,
                idle_timeout: builder.idle_timeout,
            },
            max_connections: builder.max_connections,
        };
        let handling = shared.clone();
        let server = Server::start(listener, settings, Arc::new(move |request| answer(&handling, request)))
            .map_err(|error| Error::config(format!("the sandbox cannot serve on 127.0.0.1:{port}: {error}")))?;
        Ok(Sandbox { url, admin, shared, server })
    }

    /// The base URL, e.g. `http://127.0.0.1:40123`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The seeded organization admin's credentials (valid until their key is reset).
    pub fn admin_credentials(&self) -> Credentials {
        self.admin.clone()
    }

    /// A client for this sandbox, authenticated as the admin, with fast retries.
    ///
    /// # Errors
    ///
    /// Never in practice; the signature matches [`crate::ClientBuilder::build`].
    pub fn client(&self) -> Result<Client, Error> {
        self.client_for(self.admin.clone())
    }

    /// A client for this sandbox with other credentials.
    ///
    /// # Errors
    ///
    /// Never in practice; the signature matches [`crate::ClientBuilder::build`].
    pub fn client_for(&self, credentials: Credentials) -> Result<Client, Error> {
        Client::builder()
            .base_url(self.url.clone())
            .credentials(credentials)
            .retry_policy(RetryPolicy::default().base_delay(Duration::from_millis(20)))
            .build()
    }

    /// Replaces the faults in force (see [`Faults`]); the next write is write 1 for them.
    /// `set_faults(Faults::new())` turns them off. To interrupt a tool at its kth write:
    ///
    /// ```
    /// use sauce_accounts::sandbox::{Faults, Sandbox};
    /// use sauce_accounts::types::{CreateTeamRequest, TeamSettings};
    ///
    /// # fn main() -> Result<(), sauce_accounts::Error> {
    /// let sandbox = Sandbox::start()?;
    /// let client = sandbox.client()?;
    /// sandbox.set_faults(Faults::new().drop_after_commit(1));
    /// let request = CreateTeamRequest::new("Night shift", TeamSettings::new().with_virtual_machines(1));
    /// let error = client.teams().create(&request).send().unwrap_err();
    /// assert!(error.may_have_succeeded()); // it did: the team exists
    /// assert_eq!(client.teams().lookup().name("Night shift").send()?.count, 1);
    /// # Ok(())
    /// # }
    /// ```
    pub fn set_faults(&self, faults: Faults) {
        self.shared.faults.set(faults);
    }

    /// The faults in force.
    pub fn faults(&self) -> Faults {
        self.shared.faults.faults()
    }

    /// How many writes the sandbox has taken since it started, including those the fault
    /// mode failed or dropped (what counts as a write: [`Faults`]).
    pub fn writes(&self) -> u64 {
        self.shared.faults.writes()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.server.stop();
    }
}

/// Configures a [`Sandbox`] beyond [`Sandbox::start`]: `Sandbox::builder().rate_limit(…).start()`.
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `.start()` is called"]
pub struct SandboxBuilder {
    seed: Option<Seed>,
    port: u16,
    rate_limit: Option<RateLimit>,
    faults: Faults,
    request_timeout: Duration,
    idle_timeout: Duration,
    max_connections: usize,
}

impl SandboxBuilder {
    /// The organization to start with ([`Seed::builtin`] by default).
    pub fn seed(mut self, seed: Seed) -> Self {
        self.seed = Some(seed);
        self
    }

    /// The loopback port (0, the default, picks a free one).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Enforces a request budget per account as the real service does: bursts of up to one
    /// second's budget, then `limit.per_second()` a second and `limit.per_hour()` an hour,
    /// and 2 a minute for requests whose credentials are missing or wrong. Past it the
    /// answer is 429 with `Retry-After`; every answer carries `X-Ratelimit-Limit` (the hourly
    /// budget), `X-Ratelimit-Remaining` and `X-Ratelimit-Reset` (epoch seconds when the
    /// hourly budget is whole again). Off by default.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// Starts with these faults in force (none by default); see [`Faults`], and
    /// [`Sandbox::set_faults`] to change them while running.
    pub fn faults(mut self, faults: Faults) -> Self {
        self.faults = faults;
        self
    }

    /// How long a client may take to send one request, from its first byte to the last
    /// byte of its body (30 s by default; kept between 1 ms and a day). Past it the answer
    /// is 408 and the connection is closed, so a stalled upload does not hold the
    /// connection's thread.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout.clamp(TIMEOUT_RANGE.0, TIMEOUT_RANGE.1);
        self
    }

    /// How long a kept-alive connection may wait for its next request before the sandbox
    /// closes it (60 s by default, longer than clients keep idle connections; kept between
    /// 1 ms and a day).
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout.clamp(TIMEOUT_RANGE.0, TIMEOUT_RANGE.1);
        self
    }

    /// How many connections the sandbox serves at once (512 by default, at least 1), each
    /// on a thread of its own; one more is answered 503 and closed, so a client opening
    /// connections without end cannot exhaust the process.
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// Starts the sandbox.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the seed is inconsistent or the port cannot be bound.
    pub fn start(self) -> Result<Sandbox, Error> {
        Sandbox::launch(self)
    }
}

/// Answers one request: routing, authentication, limits and faults, with a panic in a
/// handler turned into a 500 rather than a dead connection thread.
fn answer(shared: &Shared, request: http::Request) -> Answer {
    let http::Request { method, target, authorization, body, .. } = request;
    let method = method.to_ascii_uppercase();
    let reply = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        routing::respond(shared, &method, &target, authorization.as_deref(), body)
    }))
    .unwrap_or_else(|_| Some(Reply::detail(500, "The sandbox failed on this request.")));
    Answer { reply, delay: shared.faults.latency() }
}

/// A loopback listener. Nagle's algorithm is turned off on each accepted connection.
fn listen(port: u16) -> Result<socket2::Socket, Error> {
    let cannot =
        |error: std::io::Error| Error::config(format!("the sandbox cannot listen on 127.0.0.1:{port}: {error}"));
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).map_err(cannot)?;
    socket.set_reuse_address(true).map_err(cannot)?;
    socket.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into()).map_err(cannot)?;
    socket.listen(128).map_err(cannot)?;
    Ok(socket)
}

/// What the connection threads share.
struct Shared {
    state: Mutex<State>,
    limits: Option<RateLimits>,
    faults: FaultState,
    base_url: String,
}

/// Path parameters by name, decoded.
type Params = Vec<(&'static str, String)>;

/// One answer of the sandbox.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) body: Option<String>,
    pub(crate) location: Option<String>,
    pub(crate) headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub(crate) fn json<T: serde::Serialize>(status: u16, value: &T) -> Reply {
        let body =
            serde_json::to_string(value).unwrap_or_else(|error| format!(r#"{{"detail": "encoding failed: {error}"}}"#));
        Reply { status, body: Some(body), location: None, headers: Vec::new() }
    }

    pub(crate) fn empty(status: u16) -> Reply {
        Reply { status, body: None, location: None, headers: Vec::new() }
    }

    pub(crate) fn detail(status: u16, detail: &str) -> Reply {
        Reply::json(status, &serde_json::json!({ "detail": detail }))
    }
}

/// A routed, authenticated request.
pub(crate) struct RoutedRequest {
    pub(crate) operation_id: &'static str,
    pub(crate) params: Params,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// The id of the authenticated user.
    pub(crate) caller: String,
    pub(crate) base_url: String,
}

impl RoutedRequest {
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params.iter().find(|(key, _)| *key == name).map_or("", |(_, value)| value)
    }

    pub(crate) fn query(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }

    /// Every value of a repeated parameter (`id=a&id=b`), in order.
    pub(crate) fn query_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.query.iter().filter(move |(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A handler never panics while holding the lock (and panics are caught), but a poisoned
    // lock must not take the whole sandbox down.
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
