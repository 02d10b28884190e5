//! A loopback HTTP/1.1 proxy in front of a sandbox that counts requests and misbehaves on
//! cue where the sandbox's own fault mode cannot: it can go silent for good after the k-th
//! write (as if the process applying had been killed), or fail every request whose path
//! contains some text (a listing cut off half-way).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[derive(Clone, Debug)]
pub enum Fault {
    None,
    /// The k-th write reaches the sandbox; from then on nothing answers.
    DieAfterWrite(usize),
    /// Every request whose path contains this answers 503.
    FailPath(String),
}

pub struct Proxy {
    pub url: String,
    requests: Arc<AtomicUsize>,
    writes: Arc<AtomicUsize>,
}

impl Proxy {
    pub fn start(upstream: &str, fault: Fault) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        let requests = Arc::new(AtomicUsize::new(0));
        let writes = Arc::new(AtomicUsize::new(0));
        let dead = Arc::new(AtomicBool::new(false));
        let (counted, written) = (requests.clone(), writes.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(client) = client else { return };
                let shared = (upstream.clone(), fault.clone(), counted.clone(), written.clone(), dead.clone());
                std::thread::spawn(move || {
                    let (upstream, fault, counted, written, dead) = shared;
                    let _ = serve(client, &upstream, &fault, &counted, &written, &dead);
                });
            }
        });
        Proxy { url, requests, writes }
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    pub fn writes(&self) -> usize {
        self.writes.load(Ordering::SeqCst)
    }
}

/// A request: its head (start line and headers, as sent) and its body.
fn read_request(reader: &mut impl BufRead) -> std::io::Result<Option<(String, Vec<u8>)>> {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let end = line == "\r\n";
        head.push_str(&line);
        if end {
            break;
        }
    }
    let header = |wanted: &str| {
        head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim().eq_ignore_ascii_case(wanted).then(|| value.trim().to_ascii_lowercase())
        })
    };
    let mut body = Vec::new();
    if header("transfer-encoding").is_some_and(|value| value.contains("chunked")) {
        // Forwarded as it came, chunk framing included.
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            body.extend_from_slice(size_line.as_bytes());
            let size = usize::from_str_radix(size_line.trim().split(';').next().unwrap_or("0"), 16).unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk)?;
            body.extend_from_slice(&chunk);
            if size == 0 {
                break;
            }
        }
    } else {
        let length = header("content-length").and_then(|value| value.parse().ok()).unwrap_or(0);
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    }
    Ok(Some((head, body)))
}

/// The head with `Connection: close`, so the sandbox's answer (chunked or not) ends at EOF.
fn closing(head: &str) -> String {
    let kept: Vec<&str> = head
        .split("\r\n")
        .filter(|line| !line.is_empty() && !line.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    format!("{}\r\nConnection: close\r\n\r\n", kept.join("\r\n"))
}

fn serve(
    client: TcpStream,
    upstream: &str,
    fault: &Fault,
    counted: &AtomicUsize,
    written: &AtomicUsize,
    dead: &AtomicBool,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut client = client;
    while let Some((head, body)) = read_request(&mut reader)? {
        if dead.load(Ordering::SeqCst) {
            return Ok(());
        }
        counted.fetch_add(1, Ordering::SeqCst);
        let start = head.lines().next().unwrap_or_default().to_string();
        if let Fault::FailPath(text) = fault
            && start.contains(text.as_str())
        {
            client.write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\n\r\n")?;
            continue;
        }
        let mut server = TcpStream::connect(upstream)?;
        server.write_all(closing(&head).as_bytes())?;
        server.write_all(&body)?;
        let mut answer = Vec::new();
        server.read_to_end(&mut answer)?;
        if answer.is_empty() {
            // The sandbox hung up without answering (its own fault mode): so does the proxy.
            return Ok(());
        }
        if !start.starts_with("GET ") {
            let number = written.fetch_add(1, Ordering::SeqCst) + 1;
            match fault {
                Fault::DieAfterWrite(k) if *k == number => {
                    dead.store(true, Ordering::SeqCst);
                    return Ok(());
                }
                _ => {}
            }
        }
        client.write_all(&answer)?;
    }
    Ok(())
}
