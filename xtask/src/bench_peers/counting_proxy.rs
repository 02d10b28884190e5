//! A loopback forwarder in front of the sandbox that counts the requests passing through it:
//! how `bench-peers` finds how many requests one call of each client costs (the official Node
//! client's slash-less paths cost a 301 and a second request) without trusting what a client
//! says about itself. It is used for one probing call per client, never while timing.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The forwarder; it serves until the process ends.
pub struct CountingProxy {
    url: String,
    requests: Arc<AtomicUsize>,
}

impl CountingProxy {
    /// Listens on a loopback port and forwards every connection to `upstream` (`host:port`).
    pub fn start(upstream: &str) -> std::io::Result<CountingProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}", listener.local_addr()?);
        let requests = Arc::new(AtomicUsize::new(0));
        let (counter, upstream) = (requests.clone(), upstream.to_string());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let Ok(server) = TcpStream::connect(&upstream) else { continue };
                let counter = counter.clone();
                std::thread::spawn(move || forward(client, server, &counter));
            }
        });
        Ok(CountingProxy { url, requests })
    }

    /// The base URL to give a client instead of the sandbox's.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Requests forwarded so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// Copies both ways until either side closes, counting requests from the client.
fn forward(client: TcpStream, server: TcpStream, requests: &AtomicUsize) {
    let (Ok(mut from_client), Ok(mut to_server)) = (client.try_clone(), server.try_clone()) else { return };
    let (mut from_server, mut to_client) = (server, client);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut from_server, &mut to_client);
        let _ = to_client.shutdown(Shutdown::Write);
    });
    let mut ends = HeaderEnds::default();
    let mut buffer = [0; 16 * 1024];
    while let Ok(read) = from_client.read(&mut buffer) {
        if read == 0 {
            break;
        }
        // Counted before forwarding, so the count is complete once the client has its answer.
        requests.fetch_add(ends.count(&buffer[..read]), Ordering::SeqCst);
        if to_server.write_all(&buffer[..read]).is_err() {
            break;
        }
    }
    let _ = to_server.shutdown(Shutdown::Write);
}

/// Finds the blank lines that end HTTP request heads in a byte stream cut anywhere: one per
/// request as long as requests carry no body, as every request of the benchmark's calls.
#[derive(Default)]
pub struct HeaderEnds {
    /// How many bytes of `\r\n\r\n` the stream has matched so far.
    matched: usize,
}

impl HeaderEnds {
    /// Heads ended within `bytes`.
    pub fn count(&mut self, bytes: &[u8]) -> usize {
        const END: &[u8] = b"\r\n\r\n";
        let mut ended = 0;
        for &byte in bytes {
            self.matched = if byte == END[self.matched] {
                self.matched + 1
            } else if byte == b'\r' {
                1
            } else {
                0
            };
            if self.matched == END.len() {
                ended += 1;
                self.matched = 0;
            }
        }
        ended
    }
}
