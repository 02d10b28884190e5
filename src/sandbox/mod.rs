//! An embedded, stateful Accounts API on loopback, for trying the client (and the CLI, and
//! clients in other languages) without touching a real organization.
//!
//! Routing follows the spec's paths (the generated [`crate::operations::ALL`] table), request
//! bodies are parsed with the generated request types and responses are built from the
//! generated response types, so the sandbox cannot drift from the spec.

mod handlers;
mod state;

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use base64::Engine as _;
use percent_encoding::percent_decode_str;

use state::State;
pub use state::{Seed, SeedOrganization, SeedTeam, SeedUser};

use crate::rate_limit::Gcra;
use crate::{Client, Credentials, Error, RateLimit, RetryPolicy};

/// The most bytes of a request body the sandbox reads.
const MAX_REQUEST_BODY: u64 = 1024 * 1024;
const WORKERS: usize = 4;

/// A running sandbox. It stops when dropped.
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
    server: Arc<tiny_http::Server>,
    stopping: Arc<AtomicBool>,
    workers: Vec<JoinHandle<()>>,
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

    /// A builder for a sandbox with other options: seed, port, rate limits.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder { seed: None, port: 0, rate_limit: None }
    }

    fn launch(seed: Seed, port: u16, rate_limit: Option<RateLimit>) -> Result<Sandbox, Error> {
        let state = State::new(&seed).map_err(|error| Error::config(format!("invalid sandbox seed: {error}")))?;
        let admin = Credentials::new(
            seed.admin.username.clone(),
            state.user_by_username(&seed.admin.username).expect("the admin is seeded").access_key.clone(),
        );
        let server = tiny_http::Server::from_listener(listen(port)?, None)
            .map_err(|error| Error::config(format!("the sandbox cannot serve on 127.0.0.1:{port}: {error}")))?;
        let address =
            server.server_addr().to_ip().ok_or_else(|| Error::config("the sandbox is not on an IP address"))?;
        let url = format!("http://{address}");
        let server = Arc::new(server);
        let shared = Arc::new(Shared {
            state: Mutex::new(state),
            limits: rate_limit.map(|limit| Limits { limit, accounts: Mutex::new(HashMap::new()) }),
            base_url: url.clone(),
        });
        let stopping = Arc::new(AtomicBool::new(false));
        let workers = (0..WORKERS)
            .map(|_| {
                let (server, shared, stopping) = (server.clone(), shared.clone(), stopping.clone());
                std::thread::spawn(move || {
                    while !stopping.load(Ordering::SeqCst) {
                        match server.recv() {
                            Ok(request) => serve(request, &shared),
                            Err(_) => break,
                        }
                    }
                })
            })
            .collect();
        Ok(Sandbox { url, admin, server, stopping, workers })
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
            .retry_policy(RetryPolicy::default().base_delay(std::time::Duration::from_millis(20)))
            .build()
    }
}

/// Configures a [`Sandbox`] beyond [`Sandbox::start`]: `Sandbox::builder().rate_limit(…).start()`.
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until `.start()` is called"]
pub struct SandboxBuilder {
    seed: Option<Seed>,
    port: u16,
    rate_limit: Option<RateLimit>,
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

    /// Starts the sandbox.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the seed is inconsistent or the port cannot be bound.
    pub fn start(self) -> Result<Sandbox, Error> {
        Sandbox::launch(self.seed.unwrap_or_else(Seed::builtin), self.port, self.rate_limit)
    }
}

/// What the worker threads share.
struct Shared {
    state: Mutex<State>,
    limits: Option<Limits>,
    base_url: String,
}

/// The rate-limit mode: one pair of buckets per account (and one for unauthenticated calls).
struct Limits {
    limit: RateLimit,
    accounts: Mutex<HashMap<String, (Gcra, Gcra)>>,
}

impl Limits {
    /// Takes one request from `account`'s budget, or says how long to wait; with the headers
    /// every answer carries.
    fn admit(&self, account: Option<&str>) -> (Result<(), Duration>, Vec<(&'static str, String)>) {
        let (per_second, per_hour, burst) = match account {
            Some(_) => {
                (self.limit.per_second(), f64::from(self.limit.per_hour()), self.limit.per_second().ceil() as u32)
            }
            None => (2.0 / 60.0, 120.0, 2),
        };
        let hourly_budget = per_hour as u32;
        let mut accounts = self.accounts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let (second, hour) = accounts.entry(account.unwrap_or("").to_string()).or_insert_with(|| {
            (
                Gcra::new(per_second, Duration::from_secs(1), burst),
                Gcra::new(per_hour, Duration::from_secs(3600), hourly_budget),
            )
        });
        let now = Instant::now();
        let earliest = second.earliest(now).max(hour.earliest(now));
        let admitted = if earliest <= now {
            second.take(now);
            hour.take(now);
            Ok(())
        } else {
            Err(earliest - now)
        };
        let resets_in = hour.full_at(now) - now;
        let resets_at = SystemTime::now() + resets_in;
        let epoch = resets_at.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().as_secs_f64().ceil() as u64;
        let headers = vec![
            ("X-Ratelimit-Limit", hourly_budget.to_string()),
            ("X-Ratelimit-Remaining", hour.remaining(now, hourly_budget).to_string()),
            ("X-Ratelimit-Reset", epoch.to_string()),
        ];
        (admitted, headers)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        for _ in &self.workers {
            self.server.unblock();
        }
        for worker in self.workers.drain(..) {
            let _ = worker.join();
        }
    }
}

/// A loopback listener whose connections have Nagle's algorithm off (Linux hands the option
/// down to accepted sockets). tiny_http writes a response's head and a large body in two
/// writes; with Nagle on, the body would wait for the client's delayed ACK, about 40 ms.
fn listen(port: u16) -> Result<std::net::TcpListener, Error> {
    let cannot =
        |error: std::io::Error| Error::config(format!("the sandbox cannot listen on 127.0.0.1:{port}: {error}"));
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).map_err(cannot)?;
    socket.set_tcp_nodelay(true).map_err(cannot)?;
    socket.set_reuse_address(true).map_err(cannot)?;
    socket.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into()).map_err(cannot)?;
    socket.listen(128).map_err(cannot)?;
    Ok(socket.into())
}

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
pub(crate) struct Call {
    pub(crate) operation_id: &'static str,
    pub(crate) params: Params,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    /// The id of the authenticated user.
    pub(crate) caller: String,
    pub(crate) base_url: String,
}

impl Call {
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

fn serve(mut request: tiny_http::Request, shared: &Shared) {
    let mut body = Vec::new();
    let read = request.as_reader().take(MAX_REQUEST_BODY + 1).read_to_end(&mut body);
    let reply = if read.is_err() {
        Reply::detail(400, "The request body could not be read.")
    } else if body.len() as u64 > MAX_REQUEST_BODY {
        Reply::detail(413, "The request body is too large.")
    } else {
        let method = request.method().as_str().to_ascii_uppercase();
        let url = request.url().to_string();
        let authorization = request
            .headers()
            .iter()
            .find(|header| header.field.equiv("Authorization"))
            .map(|header| header.value.to_string());
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            respond(shared, &method, &url, authorization.as_deref(), body)
        }))
        .unwrap_or_else(|_| Reply::detail(500, "The sandbox failed on this request."))
    };
    let mut response = tiny_http::Response::from_data(reply.body.clone().unwrap_or_default().into_bytes())
        .with_status_code(reply.status);
    if reply.body.is_some() {
        response.add_header(tiny_http::Header::from_bytes("Content-Type", "application/json").expect("valid header"));
    }
    if let Some(location) = &reply.location
        && let Ok(header) = tiny_http::Header::from_bytes("Location", location.as_bytes())
    {
        response.add_header(header);
    }
    for (name, value) in &reply.headers {
        if let Ok(header) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
            response.add_header(header);
        }
    }
    let _ = request.respond(response);
}

/// Routes, authenticates and handles one request.
fn respond(shared: &Shared, method: &str, url: &str, authorization: Option<&str>, body: Vec<u8>) -> Reply {
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let query: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            (decode_query(key), decode_query(value))
        })
        .collect();
    let (operation, params) = match route(method, path) {
        Route::Found(operation, params) => (operation, params),
        Route::AddSlash => {
            return Reply {
                status: 301,
                body: None,
                location: Some(format!("{path}/{}", if url.contains('?') { &url[path.len()..] } else { "" })),
                headers: Vec::new(),
            };
        }
        Route::WrongMethod => return Reply::detail(405, &format!("Method \"{method}\" not allowed.")),
        Route::NotFound => return Reply::detail(404, "Not found."),
    };
    let mut state = lock(&shared.state);
    let authenticated = authenticate(&state, authorization);
    let mut limit_headers = Vec::new();
    if let Some(limits) = &shared.limits {
        let account = authenticated.as_ref().ok().and_then(|id| state.user(id)).map(|user| user.username.clone());
        let (admitted, headers) = limits.admit(account.as_deref());
        if let Err(wait) = admitted {
            let mut reply = Reply::detail(429, "Request was throttled.");
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            reply.headers = headers;
            reply.headers.push(("Retry-After", seconds.max(1).to_string()));
            return reply;
        }
        limit_headers = headers;
    }
    let mut reply = match authenticated {
        Ok(caller) => {
            state.note_activity(&caller);
            let call =
                Call { operation_id: operation.id, params, query, body, caller, base_url: shared.base_url.clone() };
            handlers::handle(state, &call)
        }
        Err(reply) => reply,
    };
    reply.headers.extend(limit_headers);
    reply
}

fn decode_query(text: &str) -> String {
    percent_decode_str(&text.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// Path parameters by name, decoded.
type Params = Vec<(&'static str, String)>;

enum Route {
    Found(&'static crate::operations::OperationInfo, Params),
    AddSlash,
    WrongMethod,
    NotFound,
}

/// Matches a raw path against the spec's path templates; the template with the most literal
/// segments wins (`users/me/active-team/` over `users/{user_id}/…`).
fn route(method: &str, path: &str) -> Route {
    let matching = |path: &str| -> Vec<(&'static crate::operations::OperationInfo, Params, usize)> {
        crate::operations::ALL
            .iter()
            .filter_map(|operation| {
                let template: Vec<&'static str> = operation.path_template.split('/').collect();
                let actual: Vec<&str> = path.split('/').collect();
                if template.len() != actual.len() {
                    return None;
                }
                let mut params = Vec::new();
                let mut literals = 0;
                for (expected, got) in template.iter().zip(&actual) {
                    if let Some(name) = expected.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')) {
                        let value = percent_decode_str(got).decode_utf8().ok()?.into_owned();
                        if value.is_empty() {
                            return None;
                        }
                        params.push((name, value));
                    } else if expected == got {
                        literals += 1;
                    } else {
                        return None;
                    }
                }
                Some((operation, params, literals))
            })
            .collect()
    };
    let found = matching(path);
    if found.is_empty() {
        return if !path.ends_with('/') && !matching(&format!("{path}/")).is_empty() {
            Route::AddSlash
        } else {
            Route::NotFound
        };
    }
    let best = found.iter().map(|(_, _, literals)| *literals).max().unwrap_or(0);
    match found.into_iter().find(|(operation, _, literals)| *literals == best && operation.method == method) {
        Some((operation, params, _)) => Route::Found(operation, params),
        None => Route::WrongMethod,
    }
}

fn authenticate(state: &State, authorization: Option<&str>) -> Result<String, Reply> {
    let Some(header) = authorization else {
        return Err(Reply::detail(401, "Authentication credentials were not provided."));
    };
    let invalid = || Reply::detail(401, "Invalid username/password.");
    let encoded = header.strip_prefix("Basic ").ok_or_else(invalid)?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).map_err(|_| invalid())?;
    let decoded = String::from_utf8(decoded).map_err(|_| invalid())?;
    let (username, key) = decoded.split_once(':').ok_or_else(invalid)?;
    match state.user_by_username(username) {
        Some(user) if user.active && user.access_key.expose() == key => Ok(user.id.clone()),
        Some(user) if !user.active && user.access_key.expose() == key => {
            Err(Reply::detail(401, "User inactive or deleted."))
        }
        _ => Err(invalid()),
    }
}
