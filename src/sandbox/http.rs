//! One HTTP/1.1 connection of the sandbox: reading a request within strict limits and
//! deadlines, and writing an answer. The head is parsed by `httparse` (already in every
//! build through ureq); everything that could let one client hold memory or a thread without
//! bound is decided here, before a byte of the body is read (ARCHITECTURE.md says why the
//! sandbox does not use a server crate).

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::Reply;

/// How much a client may send and how long it may take.
#[derive(Clone, Copy, Debug)]
pub(super) struct Limits {
    /// Request line and headers together.
    pub(super) max_head: usize,
    pub(super) max_headers: usize,
    pub(super) max_body: usize,
    /// From the first byte of a request to the last byte of its body.
    pub(super) request_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request.
    pub(super) idle_timeout: Duration,
}

/// A request read whole from a connection.
pub(super) struct Request {
    pub(super) method: String,
    /// The request target as sent: path and query.
    pub(super) target: String,
    pub(super) authorization: Option<String>,
    pub(super) body: Vec<u8>,
    pub(super) keep_alive: bool,
}

/// Why no request came.
#[derive(Clone, Copy, Debug)]
pub(super) enum Refusal {
    /// The client closed, went quiet between requests, or broke the connection: close
    /// without a word.
    Quiet,
    /// Answer with this status and detail, then close: what follows on the connection
    /// cannot be trusted to start a request.
    Answer(u16, &'static str),
}

/// How the request's body is framed.
enum Framing {
    Length(usize),
    Chunked,
}

pub(super) struct Connection {
    /// Shared with the server's list of open connections, which shuts it down on stop.
    stream: Arc<TcpStream>,
    /// Bytes read and not yet consumed (the start of a pipelined request may be here).
    buffered: Vec<u8>,
}

const READ_SIZE: usize = 16 * 1024;

impl Connection {
    pub(super) fn new(stream: Arc<TcpStream>) -> Connection {
        Connection { stream, buffered: Vec::new() }
    }

    /// Reads the next request. Before its first byte the idle timeout applies (and running
    /// out of it is [`Refusal::Quiet`]); from then on the whole request, body included, must
    /// arrive within the request timeout.
    pub(super) fn read_request(&mut self, limits: &Limits) -> Result<Request, Refusal> {
        if self.buffered.is_empty() {
            self.fill(Instant::now() + limits.idle_timeout).map_err(|_| Refusal::Quiet)?;
        }
        let deadline = Instant::now() + limits.request_timeout;
        let head_length = self.read_head(limits, deadline)?;
        let (mut request, framing, expects_continue) = parse_head(&self.buffered[..head_length], limits)?;
        self.buffered.drain(..head_length);
        let body_missing = match framing {
            Framing::Length(length) => self.buffered.len() < length,
            Framing::Chunked => true,
        };
        if expects_continue && body_missing {
            self.write_all(b"HTTP/1.1 100 Continue\r\n\r\n").map_err(|_| Refusal::Quiet)?;
        }
        request.body = match framing {
            Framing::Length(length) => {
                while self.buffered.len() < length {
                    self.fill(deadline)?;
                }
                self.buffered.drain(..length).collect()
            }
            Framing::Chunked => self.read_chunked(limits, deadline)?,
        };
        Ok(request)
    }

    /// Waits until the buffer holds a whole head (ended by an empty line) and returns its
    /// length; a head longer than the limit is refused without reading further.
    fn read_head(&mut self, limits: &Limits, deadline: Instant) -> Result<usize, Refusal> {
        let mut scanned = 0;
        loop {
            if let Some(end) = head_end(&self.buffered, scanned) {
                if end > limits.max_head {
                    return Err(too_long(&self.buffered));
                }
                return Ok(end);
            }
            if self.buffered.len() >= limits.max_head {
                return Err(too_long(&self.buffered));
            }
            scanned = self.buffered.len().saturating_sub(3);
            self.fill(deadline)?;
        }
    }

    /// Decodes a chunked body, refusing it as soon as its size passes the limit.
    fn read_chunked(&mut self, limits: &Limits, deadline: Instant) -> Result<Vec<u8>, Refusal> {
        let malformed = Refusal::Answer(400, "The chunked request body is malformed.");
        let too_large = Refusal::Answer(413, "The request body is too large.");
        let mut body = Vec::new();
        loop {
            let line = self.take_line(deadline, 1024)?;
            let size = line.split(|&byte| byte == b';').next().unwrap_or_default();
            let size = std::str::from_utf8(size).map_err(|_| Refusal::Answer(400, "Bad chunk size."))?.trim();
            if size.is_empty() || !size.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                return Err(malformed);
            }
            let size = usize::from_str_radix(size, 16).map_err(|_| too_large)?;
            if size == 0 {
                // Trailers are read and ignored, within the head's limit.
                let mut trailers = 0;
                while !self.take_line(deadline, limits.max_head)?.is_empty() {
                    trailers += 1;
                    if trailers > limits.max_headers {
                        return Err(Refusal::Answer(431, "Too many trailer fields."));
                    }
                }
                return Ok(body);
            }
            if body.len().saturating_add(size) > limits.max_body {
                return Err(too_large);
            }
            while self.buffered.len() < size + 2 {
                self.fill(deadline)?;
            }
            if &self.buffered[size..size + 2] != b"\r\n" {
                return Err(malformed);
            }
            body.extend(self.buffered.drain(..size + 2).take(size));
        }
    }

    /// One line without its line ending; longer than `max` is a malformed request.
    fn take_line(&mut self, deadline: Instant, max: usize) -> Result<Vec<u8>, Refusal> {
        let mut scanned = 0;
        loop {
            if let Some(end) = self.buffered[scanned..].iter().position(|&byte| byte == b'\n') {
                let mut line: Vec<u8> = self.buffered.drain(..=scanned + end).collect();
                line.pop();
                if line.last() == Some(&b'\r') {
                    line.pop();
                }
                return Ok(line);
            }
            if self.buffered.len() > max {
                return Err(Refusal::Answer(400, "A line of the chunked request body is too long."));
            }
            scanned = self.buffered.len();
            self.fill(deadline)?;
        }
    }

    /// Reads what the client has sent so far, waiting until `deadline` at most.
    fn fill(&mut self, deadline: Instant) -> Result<(), Refusal> {
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                return Err(Refusal::Answer(408, "The request took too long to arrive."));
            }
            self.stream.set_read_timeout(Some(remaining)).map_err(|_| Refusal::Quiet)?;
            let start = self.buffered.len();
            self.buffered.resize(start + READ_SIZE, 0);
            let read = (&*self.stream).read(&mut self.buffered[start..]);
            self.buffered.truncate(start + *read.as_ref().unwrap_or(&0));
            match read {
                Ok(0) => return Err(Refusal::Quiet),
                Ok(_) => return Ok(()),
                Err(error) if error.kind() == ErrorKind::Interrupted => {}
                Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return Err(Refusal::Quiet),
            }
        }
    }

    /// Writes an answer whole (one write: the head and the body leave together).
    pub(super) fn write_reply(&mut self, reply: &Reply, head_only: bool, keep_alive: bool) -> std::io::Result<()> {
        self.write_all(&encode(reply, head_only, keep_alive))
    }

    fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        (&*self.stream).write_all(bytes)?;
        (&*self.stream).flush()
    }

    /// After a refusal, the client may still be sending a body it was told not to send:
    /// closing with unread data would reset the connection and could destroy the answer
    /// before the client reads it, so stop sending, then discard what arrives for a moment.
    pub(super) fn linger(self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        let deadline = Instant::now() + Duration::from_secs(1);
        let mut discard = [0; READ_SIZE];
        let mut total = 0usize;
        while total < 16 * READ_SIZE {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() || self.stream.set_read_timeout(Some(remaining)).is_err() {
                return;
            }
            match (&*self.stream).read(&mut discard) {
                Ok(0) | Err(_) => return,
                Ok(read) => total += read,
            }
        }
    }
}

/// Where the head ends (just past its empty line), searching from `from`.
fn head_end(buffer: &[u8], from: usize) -> Option<usize> {
    (from..buffer.len()).find_map(|index| {
        let rest = &buffer[index..];
        if rest.starts_with(b"\r\n\r\n") {
            Some(index + 4)
        } else if rest.starts_with(b"\n\n") {
            Some(index + 2)
        } else {
            None
        }
    })
}

/// 414 while the request line itself has not ended, else 431.
fn too_long(buffer: &[u8]) -> Refusal {
    if buffer.contains(&b'\n') {
        Refusal::Answer(431, "The request's header fields are too large.")
    } else {
        Refusal::Answer(414, "The request line is too long.")
    }
}

/// The request line and headers: the request without its body, how its body is framed, and
/// whether the client waits for `100 Continue`.
fn parse_head(head: &[u8], limits: &Limits) -> Result<(Request, Framing, bool), Refusal> {
    let mut headers = vec![httparse::EMPTY_HEADER; limits.max_headers];
    let mut parsed = httparse::Request::new(&mut headers);
    match parsed.parse(head) {
        Ok(httparse::Status::Complete(_)) => {}
        Ok(httparse::Status::Partial) => return Err(Refusal::Answer(400, "The request head is incomplete.")),
        Err(httparse::Error::TooManyHeaders) => return Err(Refusal::Answer(431, "Too many header fields.")),
        Err(httparse::Error::Version) => return Err(Refusal::Answer(505, "Only HTTP/1.0 and HTTP/1.1 are served.")),
        Err(_) => return Err(Refusal::Answer(400, "The request head is malformed.")),
    }
    let (Some(method), Some(target), Some(minor)) = (parsed.method, parsed.path, parsed.version) else {
        return Err(Refusal::Answer(400, "The request line is malformed."));
    };
    let headers = &*parsed.headers;
    let tokens = |name: &str| -> Vec<String> {
        field(headers, name)
            .flat_map(|value| {
                String::from_utf8_lossy(value)
                    .split(',')
                    .map(|token| token.trim().to_ascii_lowercase())
                    .collect::<Vec<_>>()
            })
            .filter(|token| !token.is_empty())
            .collect()
    };
    let lengths: Vec<&[u8]> = field(headers, "Content-Length").collect();
    let encodings = tokens("Transfer-Encoding");
    let framing = match (lengths.as_slice(), encodings.as_slice()) {
        ([], []) => Framing::Length(0),
        ([], [chunked]) if chunked == "chunked" => Framing::Chunked,
        ([], _) => return Err(Refusal::Answer(501, "Only the chunked transfer coding is understood.")),
        (_, []) => Framing::Length(content_length(&lengths, limits.max_body)?),
        _ => return Err(Refusal::Answer(400, "Content-Length and Transfer-Encoding together are ambiguous.")),
    };
    let connection = tokens("Connection");
    let keep_alive = if minor == 0 {
        connection.iter().any(|token| token == "keep-alive")
    } else {
        !connection.iter().any(|token| token == "close")
    };
    let expectations = tokens("Expect");
    if expectations.iter().any(|token| token != "100-continue") {
        return Err(Refusal::Answer(417, "Only the 100-continue expectation is understood."));
    }
    let request = Request {
        method: method.to_string(),
        target: target.to_string(),
        authorization: field(headers, "Authorization").next().map(|value| String::from_utf8_lossy(value).into_owned()),
        body: Vec::new(),
        keep_alive,
    };
    Ok((request, framing, !expectations.is_empty()))
}

/// The values of every header named `name`, in order.
fn field<'a>(headers: &'a [httparse::Header<'a>], name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
    headers.iter().filter(move |header| header.name.eq_ignore_ascii_case(name)).map(|header| header.value)
}

/// The declared body length: digits only, the same in every copy of the header, at most the
/// limit (a larger one is refused before any of it is read).
fn content_length(values: &[&[u8]], max_body: usize) -> Result<usize, Refusal> {
    let invalid = Refusal::Answer(400, "The Content-Length header is invalid.");
    let first = values[0];
    if first.is_empty() || !first.iter().all(u8::is_ascii_digit) || values.iter().any(|value| *value != first) {
        return Err(invalid);
    }
    let digits = first.iter().skip_while(|&&digit| digit == b'0').count();
    let length = std::str::from_utf8(first).ok().and_then(|text| text.parse::<usize>().ok());
    match length {
        Some(length) if length <= max_body => Ok(length),
        _ if digits > 0 => Err(Refusal::Answer(413, "The request body is too large.")),
        _ => Err(invalid),
    }
}

/// The bytes of an answer: status line, headers, body.
fn encode(reply: &Reply, head_only: bool, keep_alive: bool) -> Vec<u8> {
    let body = reply.body.as_deref().unwrap_or_default().as_bytes();
    let mut head = format!("HTTP/1.1 {} {}\r\n", reply.status, reason(reply.status));
    head.push_str(&format!("Date: {}\r\n", httpdate::fmt_http_date(std::time::SystemTime::now())));
    head.push_str("Server: sauce-sandbox\r\n");
    if reply.body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    // A 204 has no body, and says nothing about its length (RFC 9110, 8.6).
    if reply.status != 204 {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    let extra = reply.location.iter().map(|location| ("Location", location.as_str()));
    for (name, value) in extra.chain(reply.headers.iter().map(|(name, value)| (*name, value.as_str()))) {
        // A value with a line break would forge headers; the sandbox's own values never have
        // one, and a request's path cannot bring one (the parser refuses control bytes).
        if !value.bytes().any(|byte| byte.is_ascii_control()) {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    head.push_str(if keep_alive { "Connection: keep-alive\r\n\r\n" } else { "Connection: close\r\n\r\n" });
    let mut bytes = head.into_bytes();
    if !head_only {
        bytes.extend_from_slice(body);
    }
    bytes
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        301 => "Moved Permanently",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        413 => "Content Too Large",
        414 => "URI Too Long",
        417 => "Expectation Failed",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}
