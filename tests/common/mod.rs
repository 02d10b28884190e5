//! Helpers shared by the integration tests: a client for a loopback server, the spec's own
//! examples, and the expected `Authorization` header.
#![allow(dead_code)]

use std::sync::OnceLock;

use base64::Engine as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sauce_accounts::{Client, ClientBuilder, Credentials, RetryPolicy};
use serde_json::Value;

pub const USERNAME: &str = "org-admin";
/// Distinctive, so tests can search output for it.
pub const ACCESS_KEY: &str = "c0ffee00-5ec2-e7ac-cce5-5ca1ab1e0001";

/// The header every authenticated request must carry.
pub fn authorization() -> String {
    let pair = format!("{USERNAME}:{ACCESS_KEY}");
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
}

/// A client for a loopback base URL, without retries.
pub fn client(base_url: &str) -> Client {
    Client::builder()
        .base_url(base_url)
        .credentials(Credentials::new(USERNAME, ACCESS_KEY))
        .retry_policy(RetryPolicy::none())
        .no_proxy()
        .build()
        .expect("a loopback client builds")
}

/// A builder for a loopback base URL with the test credentials and no proxy.
pub fn builder(base_url: &str) -> ClientBuilder {
    Client::builder().base_url(base_url).credentials(Credentials::new(USERNAME, ACCESS_KEY)).no_proxy()
}

/// A client that keeps to the documented budget on a loopback server (which is not limited
/// by default).
pub fn limited(base_url: &str, retry: RetryPolicy) -> Client {
    builder(base_url).rate_limit(sauce_accounts::RateLimit::documented()).retry_policy(retry).build().unwrap()
}

/// A team as the API answers one.
pub const TEAM: &[u8] = br#"{"id": "t1", "name": "One"}"#;

/// A retry policy (up to 4 attempts) that records its waits instead of sleeping.
pub fn recording_policy() -> (RetryPolicy, Arc<Mutex<Vec<Duration>>>) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let recorder = waits.clone();
    let policy = RetryPolicy::default().max_attempts(4).sleeper(move |wait| recorder.lock().unwrap().push(wait));
    (policy, waits)
}

/// The spec as JSON.
pub fn spec() -> &'static Value {
    static SPEC: OnceLock<Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/openapi/accounts.yaml"))
            .expect("spec readable");
        serde_norway::from_str(&text).expect("spec is YAML")
    })
}

/// Follows a `$ref` inside the spec.
pub fn resolve(value: &Value) -> &Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let pointer = reference.trim_start_matches('#');
            resolve(spec().pointer(pointer).unwrap_or_else(|| panic!("unresolved {reference}")))
        }
        None => value,
    }
}

/// Every operation in the spec: (operationId, METHOD, path, operation object).
pub fn operations() -> Vec<(String, String, String, &'static Value)> {
    let mut found = Vec::new();
    for (path, item) in spec()["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                found.push((id.to_string(), method.to_uppercase(), path.clone(), operation));
            }
        }
    }
    found
}

pub fn operation(id: &str) -> &'static Value {
    operations()
        .into_iter()
        .find(|(found, ..)| found == id)
        .map(|(.., operation)| operation)
        .unwrap_or_else(|| panic!("no operation {id}"))
}

/// The JSON examples of one response of an operation: `(name, body)`.
pub fn response_examples(id: &str, status: &str) -> Vec<(String, String)> {
    let response = resolve(&operation(id)["responses"][status]);
    let media = &response["content"]["application/json"];
    let mut examples = Vec::new();
    if let Some(example) = media.get("example") {
        examples.push(("example".to_string(), example.to_string()));
    }
    if let Some(named) = media.get("examples").and_then(Value::as_object) {
        for (name, example) in named {
            examples.push((name.clone(), example["value"].to_string()));
        }
    }
    examples
}

/// The first example of a response, as the body a mock server sends.
pub fn response_example(id: &str, status: &str) -> String {
    response_examples(id, status).into_iter().next().unwrap_or_else(|| panic!("{id} {status} has no example")).1
}

/// The request body example of an operation.
pub fn request_example(id: &str) -> Value {
    operation(id)["requestBody"]["content"]["application/json"]["example"].clone()
}

/// What the scripted server does with one connection.
pub enum Reply {
    /// Writes these bytes, then closes.
    Raw(Vec<u8>),
    /// Accepts and reads the request, then says nothing for this long.
    Silence(std::time::Duration),
    /// Waits this long, then writes these bytes and closes.
    Delayed(std::time::Duration, Vec<u8>),
    /// Answers with this status and a JSON body whose `detail` quotes the whole raw request,
    /// headers included: a server that echoes what it was sent.
    Echo(&'static str),
}

/// The bytes of a JSON response with the given status line and extra headers.
pub fn http_bytes(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    match http_response(status, headers, body) {
        Reply::Raw(bytes) => bytes,
        _ => unreachable!("http_response makes raw replies"),
    }
}

/// A JSON response with the given status line and extra headers.
pub fn http_response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Reply {
    let mut head = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("content-type")) {
        head.push_str("Content-Type: application/json\r\n");
    }
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    Reply::Raw(bytes)
}

/// A loopback server that answers connections with a fixed script, one reply per
/// connection, and records each raw request; for the faults mockito cannot make.
pub struct Scripted {
    pub url: String,
    requests: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Scripted {
    pub fn start(replies: Vec<Reply>) -> Scripted {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let recorded = requests.clone();
        let handle = std::thread::spawn(move || {
            for reply in replies {
                let Ok((mut stream, _)) = listener.accept() else { return };
                stream.set_read_timeout(Some(std::time::Duration::from_secs(5))).unwrap();
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                let header_end = loop {
                    match stream.read(&mut buffer) {
                        Ok(0) | Err(_) => break None,
                        Ok(read) => request.extend_from_slice(&buffer[..read]),
                    }
                    if let Some(end) = request.windows(4).position(|window| window == b"\r\n\r\n") {
                        break Some(end + 4);
                    }
                };
                if let Some(header_end) = header_end {
                    let head = String::from_utf8_lossy(&request[..header_end]).to_ascii_lowercase();
                    let length = head
                        .lines()
                        .find_map(|line| {
                            line.strip_prefix("content-length:").map(|value| value.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    while request.len() < header_end + length {
                        match stream.read(&mut buffer) {
                            Ok(0) | Err(_) => break,
                            Ok(read) => request.extend_from_slice(&buffer[..read]),
                        }
                    }
                }
                let raw = String::from_utf8_lossy(&request).into_owned();
                recorded.lock().unwrap().push(raw.clone());
                let bytes = match reply {
                    Reply::Raw(bytes) => bytes,
                    Reply::Silence(duration) => {
                        std::thread::sleep(duration);
                        continue;
                    }
                    Reply::Delayed(duration, bytes) => {
                        std::thread::sleep(duration);
                        bytes
                    }
                    Reply::Echo(status) => {
                        let body = serde_json::json!({ "detail": format!("you sent: {raw}") }).to_string();
                        http_bytes(status, &[], body.as_bytes())
                    }
                };
                let _ = stream.write_all(&bytes);
                let _ = stream.flush();
            }
        });
        Scripted { url, requests, handle: Some(handle) }
    }

    /// The raw requests received so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// Waits until every scripted reply was used.
    pub fn finish(mut self) -> Vec<String> {
        if let Some(handle) = self.handle.take() {
            handle.join().unwrap();
        }
        self.requests()
    }
}

/// The request line of a raw request: `GET /path?query HTTP/1.1`.
pub fn request_line(request: &str) -> &str {
    request.lines().next().unwrap_or_default()
}

/// The value of a header in a raw request.
pub fn request_header<'a>(request: &'a str, name: &str) -> Option<&'a str> {
    request.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim().eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// The operation `id` of the spec's table.
pub fn operation_info(id: &str) -> &'static sauce_accounts::operations::OperationInfo {
    sauce_accounts::operations::ALL
        .iter()
        .find(|operation| operation.id == id)
        .unwrap_or_else(|| panic!("no operation {id} in operations::ALL"))
}

/// A loopback server that answers every connection with the same bytes, for as many
/// connections as come, counting them; for property tests that make many calls.
pub struct Constant {
    pub url: String,
    connections: Arc<std::sync::atomic::AtomicUsize>,
}

impl Constant {
    pub fn start(reply: Vec<u8>) -> Constant {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let connections = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = connections.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let reply = reply.clone();
                std::thread::spawn(move || {
                    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                    let mut request = Vec::new();
                    let mut buffer = [0u8; 4096];
                    while !request.windows(4).any(|window| window == b"\r\n\r\n") {
                        match stream.read(&mut buffer) {
                            Ok(0) | Err(_) => return,
                            Ok(read) => request.extend_from_slice(&buffer[..read]),
                        }
                    }
                    let _ = stream.write_all(&reply);
                    let _ = stream.flush();
                });
            }
        });
        Constant { url, connections }
    }

    /// How many connections were accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(std::sync::atomic::Ordering::SeqCst)
    }
}
