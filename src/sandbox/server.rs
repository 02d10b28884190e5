//! The sandbox's listener: a thread per open connection, at most [`Settings::max_connections`]
//! of them, each ending when its client closes, goes quiet past the idle timeout, or takes
//! longer than the request timeout to send a request; all of them closed when the sandbox
//! stops, so a client holding a kept-alive connection learns it at once.

use std::collections::HashMap;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::Reply;
use super::http::{Connection, Limits, Refusal, Request};

/// How the server treats its clients.
#[derive(Clone, Copy, Debug)]
pub(super) struct Settings {
    pub(super) limits: Limits,
    /// Connections served at once; one more is answered 503 and closed.
    pub(super) max_connections: usize,
}

/// What to do with a request once handled.
pub(super) struct Answer {
    /// `None`: close the connection without answering (the fault mode's dropped connection).
    pub(super) reply: Option<Reply>,
    /// How long to wait before answering (the fault mode's latency).
    pub(super) delay: Duration,
}

/// Turns a request into an answer; runs on the connection's thread.
pub(super) type Handler = dyn Fn(Request) -> Answer + Send + Sync;

/// A running server; [`Server::stop`] (or dropping it) closes the listener and every
/// connection.
pub(super) struct Server {
    address: SocketAddr,
    open: Arc<Open>,
    listener: Option<socket2::Socket>,
    acceptor: Option<JoinHandle<()>>,
}

/// The open connections, so that stopping can close them.
struct Open {
    state: Mutex<OpenState>,
    changed: Condvar,
}

struct OpenState {
    stopping: bool,
    next_id: u64,
    streams: HashMap<u64, Arc<TcpStream>>,
}

impl Open {
    fn lock(&self) -> MutexGuard<'_, OpenState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Registers a new connection, or `None` when stopping or full.
    fn add(&self, stream: &Arc<TcpStream>, max: usize) -> Option<u64> {
        let mut state = self.lock();
        if state.stopping || state.streams.len() >= max {
            return None;
        }
        let id = state.next_id;
        state.next_id += 1;
        state.streams.insert(id, stream.clone());
        Some(id)
    }

    fn remove(&self, id: u64) {
        self.lock().streams.remove(&id);
        self.changed.notify_all();
    }

    fn stopping(&self) -> bool {
        self.lock().stopping
    }

    /// Waits `delay`, or less if the server stops meanwhile; false when it stopped.
    fn pause(&self, delay: Duration) -> bool {
        let state = self.lock();
        if delay.is_zero() {
            return !state.stopping;
        }
        let deadline = Instant::now().checked_add(delay);
        let (state, _) = self
            .changed
            .wait_timeout_while(state, delay, |state| {
                !state.stopping && deadline.is_none_or(|deadline| Instant::now() < deadline)
            })
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        !state.stopping
    }
}

impl Server {
    /// Serves `listener` until stopped, answering every request with `handler`.
    pub(super) fn start(
        listener: socket2::Socket,
        settings: Settings,
        handler: Arc<Handler>,
    ) -> std::io::Result<Server> {
        let address = listener
            .local_addr()?
            .as_socket()
            .ok_or_else(|| std::io::Error::other("the listener is not on an IP address"))?;
        let control = listener.try_clone()?;
        let listener: TcpListener = listener.into();
        let open = Arc::new(Open {
            state: Mutex::new(OpenState { stopping: false, next_id: 0, streams: HashMap::new() }),
            changed: Condvar::new(),
        });
        let accepting = open.clone();
        let acceptor = std::thread::Builder::new()
            .name("sauce-sandbox-accept".into())
            .spawn(move || accept(&listener, &accepting, settings, &handler))?;
        Ok(Server { address, open, listener: Some(control), acceptor: Some(acceptor) })
    }

    /// Stops accepting, closes every connection (a request being handled finishes, but its
    /// answer is not sent) and waits a moment for their threads to end.
    pub(super) fn stop(&mut self) {
        {
            let mut state = self.open.lock();
            state.stopping = true;
            for stream in state.streams.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        self.open.changed.notify_all();
        if let Some(listener) = self.listener.take() {
            // Shutting the listening socket down wakes a blocked accept on Linux; connecting
            // to it wakes it everywhere else.
            let _ = listener.shutdown(Shutdown::Both);
            let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
            drop(listener);
        }
        if let Some(acceptor) = self.acceptor.take() {
            // Bounded: if neither woke it, the thread is left to end with the process.
            let deadline = Instant::now() + Duration::from_secs(2);
            while !acceptor.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(2));
            }
            if acceptor.is_finished() {
                let _ = acceptor.join();
            }
        }
        let state = self.open.lock();
        let _ = self.open.changed.wait_timeout_while(state, Duration::from_secs(5), |state| !state.streams.is_empty());
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn accept(listener: &TcpListener, open: &Arc<Open>, settings: Settings, handler: &Arc<Handler>) {
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(_) if open.stopping() => return,
            Err(_) => {
                // Out of file descriptors, or a connection reset before it was accepted: go
                // on serving the open connections and try again shortly.
                std::thread::sleep(Duration::from_millis(20));
                continue;
            }
        };
        if open.stopping() {
            return;
        }
        // Nagle off: an answer is one write, and must not wait for the client's delayed ACK.
        let _ = stream.set_nodelay(true);
        let _ = stream.set_write_timeout(Some(settings.limits.request_timeout));
        let stream = Arc::new(stream);
        let Some(id) = open.add(&stream, settings.max_connections) else {
            refuse_busy(stream);
            continue;
        };
        let (open_here, handler) = (open.clone(), handler.clone());
        let spawned = std::thread::Builder::new().name("sauce-sandbox-connection".into()).spawn(move || {
            serve_connection(Connection::new(stream), &open_here, settings, handler.as_ref());
            open_here.remove(id);
        });
        if spawned.is_err() {
            open.remove(id);
        }
    }
}

fn refuse_busy(stream: Arc<TcpStream>) {
    let mut connection = Connection::new(stream);
    let reply = Reply::detail(503, "The sandbox is serving too many connections; try again shortly.");
    if connection.write_reply(&reply, false, false).is_ok() {
        connection.linger();
    }
}

/// Serves one connection's requests in turn until it closes, goes quiet, or misbehaves.
fn serve_connection(mut connection: Connection, open: &Open, settings: Settings, handler: &Handler) {
    loop {
        let request = match connection.read_request(&settings.limits) {
            Ok(request) => request,
            Err(Refusal::Quiet) => return,
            Err(Refusal::Answer(status, detail)) => {
                if !open.stopping() && connection.write_reply(&Reply::detail(status, detail), false, false).is_ok() {
                    connection.linger();
                }
                return;
            }
        };
        let head_only = request.method.eq_ignore_ascii_case("HEAD");
        let wants_keep_alive = request.keep_alive;
        let answer = handler(request);
        if !open.pause(answer.delay) {
            return;
        }
        let Some(reply) = answer.reply else {
            return;
        };
        let keep_alive = wants_keep_alive && !open.stopping();
        if connection.write_reply(&reply, head_only, keep_alive).is_err() || !keep_alive {
            return;
        }
    }
}
