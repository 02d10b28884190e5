//! An embedded, stateful Accounts API on loopback, for trying the client (and the CLI, and
//! clients in other languages) without touching a real organization.
//!
//! Routing follows the spec's paths (the generated [`crate::operations::ALL`] table), request
//! bodies are parsed with the generated request types and responses are built from the
//! generated response types, so the sandbox cannot drift from the spec.

mod handlers;
mod state;

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use base64::Engine as _;
use percent_encoding::percent_decode_str;

use state::State;
pub use state::{Seed, SeedOrganization, SeedTeam, SeedUser};

use crate::{Client, Credentials, Error, RetryPolicy};

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
        let state = Arc::new(Mutex::new(state));
        let stopping = Arc::new(AtomicBool::new(false));
        let workers = (0..WORKERS)
            .map(|_| {
                let (server, state, stopping, url) = (server.clone(), state.clone(), stopping.clone(), url.clone());
                std::thread::spawn(move || {
                    while !stopping.load(Ordering::SeqCst) {
                        match server.recv() {
                            Ok(request) => serve(request, &state, &url),
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
}

impl Reply {
    pub(crate) fn json<T: serde::Serialize>(status: u16, value: &T) -> Reply {
        let body =
            serde_json::to_string(value).unwrap_or_else(|error| format!(r#"{{"detail": "encoding failed: {error}"}}"#));
        Reply { status, body: Some(body), location: None }
    }

    pub(crate) fn empty(status: u16) -> Reply {
        Reply { status, body: None, location: None }
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
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A handler never panics while holding the lock (and panics are caught), but a poisoned
    // lock must not take the whole sandbox down.
    state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn serve(mut request: tiny_http::Request, state: &Mutex<State>, base_url: &str) {
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
            respond(state, &method, &url, authorization.as_deref(), body, base_url)
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
    let _ = request.respond(response);
}

/// Routes, authenticates and handles one request.
fn respond(
    state: &Mutex<State>,
    method: &str,
    url: &str,
    authorization: Option<&str>,
    body: Vec<u8>,
    base_url: &str,
) -> Reply {
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
            };
        }
        Route::WrongMethod => return Reply::detail(405, &format!("Method \"{method}\" not allowed.")),
        Route::NotFound => return Reply::detail(404, "Not found."),
    };
    let mut state = lock(state);
    let caller = match authenticate(&state, authorization) {
        Ok(caller) => caller,
        Err(reply) => return reply,
    };
    let call = Call { operation_id: operation.id, params, query, body, caller, base_url: base_url.to_string() };
    handlers::handle(&mut state, &call).unwrap_or_else(|reply| reply)
}

fn decode_query(text: &str) -> String {
    percent_decode_str(&text.replace('+', " ")).decode_utf8_lossy().into_owned()
}

/// Path parameters by name, decoded.
type Params = Vec<(&'static str, String)>;

enum Route {
    Found(&'static crate::Operation, Params),
    AddSlash,
    WrongMethod,
    NotFound,
}

/// Matches a raw path against the spec's path templates; the template with the most literal
/// segments wins (`users/me/active-team/` over `users/{user_id}/…`).
fn route(method: &str, path: &str) -> Route {
    let matching = |path: &str| -> Vec<(&'static crate::Operation, Params, usize)> {
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
