//! The sandbox as a server other programs depend on: one hostile or broken client cannot
//! take it down or freeze it, it closes its connections when it stops, its fault mode
//! injects what it promises, and `sauce-sandbox --background` works from a script.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sauce_accounts::sandbox::{Faults, Sandbox};
use sauce_accounts::types::{CreateTeamRequest, ReplaceTeamRequest, TeamSettings};
use sauce_accounts::{Client, Credentials, Error, RetryPolicy};

/// Far beyond anything that should happen, so a loaded machine cannot make a test flaky;
/// a hang still fails instead of blocking the suite.
const GENEROUS: Duration = Duration::from_secs(20);

fn connect(sandbox: &Sandbox) -> TcpStream {
    let stream = TcpStream::connect(sandbox.url().trim_start_matches("http://")).unwrap();
    stream.set_read_timeout(Some(GENEROUS)).unwrap();
    stream
}

/// One answer read from a raw connection: status, head (lower-cased) and body.
fn read_answer(stream: &mut TcpStream) -> (u16, String, Vec<u8>) {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    while !bytes.ends_with(b"\r\n\r\n") {
        assert_eq!(stream.read(&mut byte).expect("an answer before the timeout"), 1, "closed mid-head: {bytes:?}");
        bytes.push(byte[0]);
    }
    let head = String::from_utf8(bytes).unwrap().to_ascii_lowercase();
    let status = head[9..12].parse().unwrap();
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length: "))
        .map_or(0, |value| value.trim().parse::<usize>().unwrap());
    let mut body = vec![0; length];
    stream.read_exact(&mut body).unwrap();
    (status, head, body)
}

/// Whether the server has closed the connection (end of stream or reset) within the
/// generous bound, as opposed to leaving it open.
fn closed_by_server(stream: &mut TcpStream) -> bool {
    let mut rest = Vec::new();
    match stream.read_to_end(&mut rest) {
        Ok(_) => true,
        Err(error) => error.kind() == std::io::ErrorKind::ConnectionReset,
    }
}

fn basic(sandbox: &Sandbox) -> String {
    use base64::Engine as _;
    let admin = sandbox.admin_credentials();
    let pair = format!("{}:{}", admin.username(), admin.access_key().expose());
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
}

fn still_serves(sandbox: &Sandbox) {
    assert_eq!(sandbox.client().unwrap().teams().lookup().send().unwrap().count, 4, "the sandbox still serves");
}

/// The admin's client with a timeout of its own (the sandbox's client retries fast).
fn patient_client(sandbox: &Sandbox, timeout: Duration, retry: RetryPolicy) -> Client {
    let builder = Client::builder().base_url(sandbox.url()).credentials(sandbox.admin_credentials());
    builder.timeout(timeout).retry_policy(retry).build().unwrap()
}

fn team(name: &str) -> CreateTeamRequest {
    CreateTeamRequest::new(name, TeamSettings::new().with_virtual_machines(1))
}

fn team_count(client: &Client) -> u64 {
    client.teams().lookup().send().unwrap().count
}

#[test]
fn a_terabyte_content_length_is_refused_before_reading_and_the_sandbox_lives_on() {
    let sandbox = Sandbox::start().unwrap();
    let mut stream = connect(&sandbox);
    stream
        .write_all(b"POST /team-management/v1/teams/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1099511627776\r\n\r\n")
        .unwrap();
    let (status, head, _) = read_answer(&mut stream);
    assert_eq!(status, 413);
    assert!(head.contains("connection: close"), "{head}");
    assert!(closed_by_server(&mut stream));
    // Numbers past 64 bits are as large, not invalid.
    let mut stream = connect(&sandbox);
    stream.write_all(b"PUT /x HTTP/1.1\r\nContent-Length: 99999999999999999999999999\r\n\r\n").unwrap();
    assert_eq!(read_answer(&mut stream).0, 413);
    still_serves(&sandbox);
}

/// The answer comes while most of the body is still unsent: it was decided from the
/// declared length, and the body was never read into memory.
#[test]
fn a_32_mib_upload_is_refused_with_413_before_its_body_is_read() {
    let sandbox = Sandbox::start().unwrap();
    let mut stream = connect(&sandbox);
    let head = format!(
        "POST /team-management/v1/teams/ HTTP/1.1\r\nAuthorization: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        basic(&sandbox),
        32 << 20
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&[b' '; 64 * 1024]).unwrap();
    let (status, _, body) = read_answer(&mut stream);
    assert_eq!(status, 413);
    assert!(String::from_utf8_lossy(&body).contains("too large"));
    // A chunked body is refused as soon as its chunks pass the limit.
    let mut stream = connect(&sandbox);
    let head = format!(
        "POST /team-management/v1/teams/ HTTP/1.1\r\nAuthorization: {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        basic(&sandbox)
    );
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(format!("{:x}\r\n", 2 << 20).as_bytes()).unwrap();
    assert_eq!(read_answer(&mut stream).0, 413);
    still_serves(&sandbox);
}

#[test]
fn a_header_line_that_never_ends_gets_431_and_a_request_line_414() {
    let sandbox = Sandbox::start().unwrap();
    for (start, expected) in [("GET /team-management/v1/teams/ HTTP/1.1\r\nX-Endless: ", 431), ("GET /", 414)] {
        let mut stream = connect(&sandbox);
        let mut writer = stream.try_clone().unwrap();
        // The writer goes on for 16 MiB; the server answers long before and stops reading.
        let sender = std::thread::spawn(move || {
            let _ = writer.write_all(start.as_bytes());
            let chunk = [b'a'; 64 * 1024];
            for _ in 0..256 {
                if writer.write_all(&chunk).is_err() {
                    break;
                }
            }
        });
        assert_eq!(read_answer(&mut stream).0, expected, "{start:?}");
        drop(stream);
        sender.join().unwrap();
    }
    // Too many header fields, each short.
    let mut stream = connect(&sandbox);
    let fields: String = (0..200).map(|index| format!("X-Field-{index}: {index}\r\n")).collect();
    stream.write_all(format!("GET / HTTP/1.1\r\n{fields}\r\n").as_bytes()).unwrap();
    assert_eq!(read_answer(&mut stream).0, 431);
    still_serves(&sandbox);
}

#[test]
fn eight_stalled_uploads_do_not_stop_a_ninth_client() {
    let sandbox = Sandbox::start().unwrap();
    let stalled: Vec<TcpStream> = (0..8)
        .map(|_| {
            let mut stream = connect(&sandbox);
            let head = format!(
                "POST /team-management/v1/teams/ HTTP/1.1\r\nAuthorization: {}\r\nContent-Length: 100000\r\n\r\n{{\"na",
                basic(&sandbox)
            );
            stream.write_all(head.as_bytes()).unwrap();
            stream
        })
        .collect();
    // Time for the server to take up the stalled uploads, as it would in real use.
    std::thread::sleep(Duration::from_millis(200));
    let client = patient_client(&sandbox, GENEROUS, RetryPolicy::none());
    let start = Instant::now();
    for _ in 0..5 {
        assert_eq!(team_count(&client), 4);
    }
    assert!(start.elapsed() < GENEROUS);
    drop(stalled);
}

/// A stalled upload and a header that never ends are cut off at the request timeout (408,
/// then closed), however slowly they drip, so none holds its connection's thread.
#[test]
fn stalled_requests_are_closed_at_the_request_timeout() {
    let sandbox = Sandbox::builder().request_timeout(Duration::from_millis(300)).start().unwrap();
    let mut upload = connect(&sandbox);
    upload.write_all(b"POST /team-management/v1/teams/ HTTP/1.1\r\nContent-Length: 10\r\n\r\n{").unwrap();
    let mut slow_head = connect(&sandbox);
    slow_head.write_all(b"GET /team-management/v1/teams/ HTTP/1.1\r\nX-Slow: abc").unwrap();
    for stream in [&mut upload, &mut slow_head] {
        let (status, head, _) = read_answer(stream);
        assert_eq!(status, 408);
        assert!(head.contains("connection: close"));
        assert!(closed_by_server(stream));
    }
    // Dripping a byte every 50 ms does not extend the deadline.
    let mut drip = connect(&sandbox);
    drip.write_all(b"GET /team-management/v1/teams/ HTTP/1.1\r\nX-Drip: ").unwrap();
    let start = Instant::now();
    while start.elapsed() < GENEROUS {
        std::thread::sleep(Duration::from_millis(50));
        let mut peek = [0u8; 12];
        drip.set_nonblocking(true).unwrap();
        let answered = matches!(drip.peek(&mut peek), Ok(12));
        drip.set_nonblocking(false).unwrap();
        if answered || drip.write_all(b"a").is_err() {
            break;
        }
    }
    assert_eq!(read_answer(&mut drip).0, 408);
}

/// A kept-alive connection that stays idle past the idle timeout is closed.
#[test]
fn an_idle_connection_is_closed_at_the_idle_timeout() {
    let sandbox = Sandbox::builder().idle_timeout(Duration::from_millis(300)).start().unwrap();
    let mut idle = connect(&sandbox);
    idle.write_all(
        format!("GET /team-management/v1/teams/ HTTP/1.1\r\nAuthorization: {}\r\n\r\n", basic(&sandbox)).as_bytes(),
    )
    .unwrap();
    let (status, head, _) = read_answer(&mut idle);
    assert_eq!(status, 200);
    assert!(head.contains("connection: keep-alive"));
    assert!(closed_by_server(&mut idle));
}

#[test]
fn a_kept_alive_connection_fails_fast_once_the_sandbox_is_dropped() {
    let sandbox = Sandbox::start().unwrap();
    let client = patient_client(&sandbox, Duration::from_secs(60), RetryPolicy::none());
    assert_eq!(team_count(&client), 4);
    let mut raw = connect(&sandbox);
    raw.write_all(
        format!("GET /team-management/v1/teams/ HTTP/1.1\r\nAuthorization: {}\r\n\r\n", basic(&sandbox)).as_bytes(),
    )
    .unwrap();
    assert_eq!(read_answer(&mut raw).0, 200);
    drop(sandbox);
    let start = Instant::now();
    assert!(closed_by_server(&mut raw));
    let error = client.teams().lookup().send().unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(start.elapsed() < Duration::from_secs(5), "took {:?}", start.elapsed());
}

/// A call waiting out the fault mode's latency ends when the sandbox is dropped.
#[test]
fn dropping_the_sandbox_cuts_an_answer_delayed_by_latency_short() {
    let sandbox = Sandbox::builder().faults(Faults::new().latency(Duration::from_secs(600))).start().unwrap();
    let client = patient_client(&sandbox, Duration::from_secs(60), RetryPolicy::none());
    let waiting = std::thread::spawn(move || client.teams().lookup().send().map(|page| page.count));
    std::thread::sleep(Duration::from_millis(200));
    let start = Instant::now();
    drop(sandbox);
    assert!(waiting.join().unwrap().is_err());
    assert!(start.elapsed() < Duration::from_secs(5), "took {:?}", start.elapsed());
}

#[test]
fn kept_alive_pipelined_continued_and_chunked_requests_are_served() {
    let sandbox = Sandbox::start().unwrap();
    let authorization = basic(&sandbox);
    let get = format!("GET /team-management/v1/teams/ HTTP/1.1\r\nAuthorization: {authorization}\r\n\r\n");
    let mut stream = connect(&sandbox);
    // Two requests in one write, then a third on the same connection.
    stream.write_all(format!("{get}{get}").as_bytes()).unwrap();
    for _ in 0..2 {
        let (status, head, body) = read_answer(&mut stream);
        assert_eq!(status, 200);
        assert!(head.contains("connection: keep-alive"), "{head}");
        assert!(String::from_utf8_lossy(&body).contains("\"count\":4"));
    }
    // `Expect: 100-continue` gets its interim answer before the body is sent.
    let body = r#"{"name": "Continued", "settings": {"virtual_machines": 1}}"#;
    stream
        .write_all(
            format!(
                "POST /team-management/v1/teams/ HTTP/1.1\r\nAuthorization: {authorization}\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
                body.len()
            )
            .as_bytes(),
        )
        .unwrap();
    let mut interim = [0u8; 25];
    stream.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    stream.write_all(body.as_bytes()).unwrap();
    assert_eq!(read_answer(&mut stream).0, 201);
    // A chunked body, split in two chunks, with a trailer.
    let body = r#"{"name": "Chunked", "settings": {"virtual_machines": 1}}"#;
    let (first, second) = body.split_at(10);
    stream
        .write_all(
            format!(
                "POST /team-management/v1/teams/ HTTP/1.1\r\nAuthorization: {authorization}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{first}\r\n{:x};ext=1\r\n{second}\r\n0\r\nX-Trailer: t\r\n\r\n",
                first.len(),
                second.len()
            )
            .as_bytes(),
        )
        .unwrap();
    assert_eq!(read_answer(&mut stream).0, 201);
    // HEAD has no body; `Connection: close` is honoured.
    stream
        .write_all(
            format!("HEAD /team-management/v1/teams/ HTTP/1.1\r\nAuthorization: {authorization}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).unwrap();
    let rest = String::from_utf8(rest).unwrap();
    assert!(rest.starts_with("HTTP/1.1 405") && rest.ends_with("\r\n\r\n"), "{rest}");
    // HTTP/1.0 closes unless asked to keep alive.
    let mut old = connect(&sandbox);
    old.write_all(
        format!("GET /team-management/v1/teams/ HTTP/1.0\r\nAuthorization: {authorization}\r\n\r\n").as_bytes(),
    )
    .unwrap();
    assert_eq!(read_answer(&mut old).0, 200);
    assert!(closed_by_server(&mut old));
    assert_eq!(team_count(&sandbox.client().unwrap()), 6);
}

#[test]
fn ambiguous_or_malformed_framing_is_refused_and_the_connection_closed() {
    let sandbox = Sandbox::start().unwrap();
    let cases: [(&str, u16); 6] = [
        ("POST /x HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("POST /x HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
        ("POST /x HTTP/1.1\r\nContent-Length: +5\r\n\r\n", 400),
        ("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501),
        ("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("GET /x HTTP/1.1\r\nExpect: 200-ok\r\n\r\n", 417),
    ];
    for (request, expected) in cases {
        let mut stream = connect(&sandbox);
        stream.write_all(request.as_bytes()).unwrap();
        assert_eq!(read_answer(&mut stream).0, expected, "{request:?}");
        assert!(closed_by_server(&mut stream), "{request:?}");
    }
    still_serves(&sandbox);
}

#[test]
fn the_nth_write_fails_with_503_and_changes_nothing() {
    let sandbox = Sandbox::builder().faults(Faults::new().fail_write(2)).start().unwrap();
    let client = sandbox.client().unwrap();
    client.teams().create(&team("First")).send().unwrap();
    assert_eq!(team_count(&client), 5, "reads are not writes");
    let error = client.teams().create(&team("Second")).send().unwrap_err();
    assert!(matches!(&error, Error::Api(api) if api.status == 503), "{error:?}");
    client.teams().create(&team("Third")).send().unwrap();
    assert_eq!(team_count(&client), 6);
    assert_eq!(client.teams().lookup().name("Second").send().unwrap().count, 0);
    assert_eq!(sandbox.writes(), 3);
    // An idempotent write is retried by the client after a 503, and goes through.
    sandbox.set_faults(Faults::new().fail_write(1));
    let first = client.teams().lookup().name("First").send().unwrap().results.remove(0);
    client.teams().replace(&first.id, &ReplaceTeamRequest::new("Renamed", TeamSettings::new())).send().unwrap();
    assert_eq!(client.teams().get(&first.id).send().unwrap().name, "Renamed");
    assert_eq!(sandbox.writes(), 5, "the failed attempt and the retry");
}

#[test]
fn every_nth_write_fails_when_asked() {
    let sandbox = Sandbox::builder().faults(Faults::new().fail_every_write(2)).start().unwrap();
    let client = sandbox.client().unwrap();
    let outcomes: Vec<bool> =
        (0..6).map(|index| client.teams().create(&team(&format!("T{index}"))).send().is_ok()).collect();
    assert_eq!(outcomes, [true, false, true, false, true, false]);
    assert_eq!(team_count(&client), 4 + 3);
    assert_eq!(sandbox.faults(), Faults::new().fail_every_write(2));
}

/// The scenario a resumable tool is tested with: the kth write takes effect, its answer
/// never comes, and the client cannot tell which happened.
#[test]
fn a_write_dropped_after_commit_took_effect_and_faults_rearm_on_a_running_sandbox() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    client.teams().create(&team("Before")).send().unwrap();
    assert_eq!(sandbox.writes(), 1);
    sandbox.set_faults(Faults::new().drop_after_commit(2));
    client.teams().create(&team("One")).send().unwrap();
    let error = client.teams().create(&team("Two")).send().unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error:?}");
    assert!(error.may_have_succeeded(), "{error:?}");
    assert_eq!(client.teams().lookup().name("Two").send().unwrap().count, 1, "the write was committed");
    client.teams().create(&team("Three")).send().unwrap();
    assert_eq!(sandbox.writes(), 4);
    sandbox.set_faults(Faults::new().drop_after_every_commit(2));
    let outcomes: Vec<bool> =
        (0..4).map(|index| client.teams().create(&team(&format!("E{index}"))).send().is_ok()).collect();
    assert_eq!(outcomes, [true, false, true, false]);
    assert_eq!(team_count(&client), 4 + 4 + 4, "every dropped write took effect");
    sandbox.set_faults(Faults::new());
    client.teams().create(&team("After")).send().unwrap();
}

#[test]
fn latency_delays_every_answer() {
    let sandbox = Sandbox::builder().faults(Faults::new().latency(Duration::from_millis(300))).start().unwrap();
    let client = sandbox.client().unwrap();
    let start = Instant::now();
    assert_eq!(team_count(&client), 4);
    assert!(start.elapsed() >= Duration::from_millis(300), "{:?}", start.elapsed());
    let start = Instant::now();
    let unauthenticated = sandbox.client_for(Credentials::new("nobody", "wrong")).unwrap();
    assert!(unauthenticated.teams().lookup().send().is_err());
    assert!(start.elapsed() >= Duration::from_millis(300), "errors too: {:?}", start.elapsed());
    assert_eq!(
        Faults::new().fail_write(3).drop_after_every_commit(2).latency(Duration::from_millis(20)).to_string(),
        "fail write 3, drop after every 2nd commit, latency 20ms"
    );
}

/// `sauce-sandbox --background` prints only export lines once it serves, returns, and the
/// server runs on until its PID is killed; fault flags reach it.
#[test]
fn the_binary_runs_in_the_background_until_killed() {
    let output = Command::new(env!("CARGO_BIN_EXE_sauce-sandbox"))
        .args(["--background", "--fail-write", "1"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let exports: Vec<(&str, &str)> = stdout
        .lines()
        .map(|line| line.strip_prefix("export ").and_then(|rest| rest.split_once('=')).expect("only export lines"))
        .collect();
    let names: Vec<&str> = exports.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["SAUCE_USERNAME", "SAUCE_ACCESS_KEY", "SAUCE_BASE_URL", "SAUCE_SANDBOX_PID"]);
    let value = |name: &str| exports.iter().find(|(key, _)| *key == name).unwrap().1.to_string();
    let pid = value("SAUCE_SANDBOX_PID");
    let stop = || Command::new("kill").arg(&pid).status().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains(&pid), "the banner on stderr names the PID");
    let client = Client::builder()
        .base_url(value("SAUCE_BASE_URL"))
        .credentials(Credentials::new(value("SAUCE_USERNAME"), value("SAUCE_ACCESS_KEY")))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let served = client.teams().lookup().send().map(|page| page.count);
    let failed = client.teams().create(&team("Refused")).send();
    assert!(stop().success());
    assert_eq!(served.unwrap(), 4);
    assert!(matches!(failed, Err(Error::Api(api)) if api.status == 503));
    let deadline = Instant::now() + GENEROUS;
    while client.teams().lookup().send().is_ok() {
        assert!(Instant::now() < deadline, "still serving after kill");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The README's `eval "$(sauce-sandbox --background)"`, in a real shell, with a seed whose
/// admin username would run code if the export lines were not quoted.
#[test]
fn eval_of_the_background_output_sets_the_variables_in_a_shell() {
    let directory = std::env::temp_dir().join(format!("sauce-sandbox-eval-{}", std::process::id()));
    std::fs::create_dir_all(&directory).unwrap();
    let seed = directory.join("seed.json");
    let username = "o'neil $(touch pwned) `touch pwned`";
    let seed_json = serde_json::json!({
        "organization": {"name": "Quoted", "virtual_machines": 2, "real_devices": 0},
        "admin": {"username": username, "first_name": "O", "last_name": "Neil", "access_key": "key"},
    });
    std::fs::write(&seed, seed_json.to_string()).unwrap();
    let script = format!(
        r#"eval "$('{}' --background --seed '{}')" || exit 9; printf '%s\n' "$SAUCE_USERNAME" "$SAUCE_BASE_URL"; kill "$SAUCE_SANDBOX_PID""#,
        env!("CARGO_BIN_EXE_sauce-sandbox"),
        seed.display()
    );
    let output = Command::new("sh").arg("-c").arg(script).current_dir(&directory).output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let pwned = directory.join("pwned").exists();
    std::fs::remove_dir_all(&directory).unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], username);
    assert!(lines[1].starts_with("http://127.0.0.1:"), "{stdout}");
    assert!(!pwned, "the username ran a command");
}

#[test]
fn a_background_start_that_fails_says_why_and_prints_nothing() {
    let output = Command::new(env!("CARGO_BIN_EXE_sauce-sandbox"))
        .args(["--background", "--port", "1", "--seed", "/nonexistent/seed.json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/seed.json"));
    // The server's own failure (a port in use) comes back from the detached process.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output =
        Command::new(env!("CARGO_BIN_EXE_sauce-sandbox")).args(["--background", "--port", &port]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains(&format!("127.0.0.1:{port}")), "{output:?}");
    for bad in [["--fail-write", "0"], ["--latency", "x"], ["--drop-after-commit", "-1"]] {
        let output = Command::new(env!("CARGO_BIN_EXE_sauce-sandbox")).args(bad).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&output.stderr).contains(bad[0]), "{bad:?}");
    }
}

/// Past the connection limit a new connection is answered 503 and closed, and served again
/// once another closes.
#[test]
fn connections_past_the_limit_are_refused_with_503_until_one_closes() {
    let sandbox = Sandbox::builder().max_connections(3).start().unwrap();
    let mut open: Vec<TcpStream> = (0..3).map(|_| connect(&sandbox)).collect();
    // Each is served, so each has surely been taken up by the server.
    let get = format!("GET /team-management/v1/teams/ HTTP/1.1\r\nAuthorization: {}\r\n\r\n", basic(&sandbox));
    for stream in &mut open {
        stream.write_all(get.as_bytes()).unwrap();
        assert_eq!(read_answer(stream).0, 200);
    }
    let mut refused = connect(&sandbox);
    let (status, head, _) = read_answer(&mut refused);
    assert_eq!(status, 503);
    assert!(head.contains("connection: close"));
    assert!(closed_by_server(&mut refused));
    drop(open.pop());
    let deadline = Instant::now() + GENEROUS;
    loop {
        let mut stream = connect(&sandbox);
        // A refused connection may be closed before the request is written.
        let _ = stream.write_all(get.as_bytes());
        match read_answer(&mut stream).0 {
            200 => break,
            status => assert_eq!(status, 503),
        }
        assert!(Instant::now() < deadline, "a freed connection is never reused");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The documented limits are where they are said to be: a body of 1 MiB is read, one byte
/// more is not; a head of 30 KiB is read, one of 33 KiB is not.
#[test]
fn the_size_limits_sit_exactly_where_documented() {
    let sandbox = Sandbox::start().unwrap();
    let authorization = basic(&sandbox);
    for (length, refused) in [(1 << 20, false), ((1 << 20) + 1, true)] {
        let mut stream = connect(&sandbox);
        let head = format!(
            "POST /team-management/v1/teams/ HTTP/1.1\r\nAuthorization: {authorization}\r\nContent-Length: {length}\r\n\r\n"
        );
        let mut body = vec![b' '; length - 2];
        body.extend_from_slice(b"{}");
        stream.write_all(head.as_bytes()).unwrap();
        let _ = stream.write_all(&body);
        let status = read_answer(&mut stream).0;
        assert_eq!(status == 413, refused, "{length} bytes: {status}");
    }
    for (padding, refused) in [(30 * 1024, false), (33 * 1024, true)] {
        let mut stream = connect(&sandbox);
        let head = format!(
            "GET /team-management/v1/teams/ HTTP/1.1\r\nAuthorization: {authorization}\r\nX-Padding: {}\r\n\r\n",
            "p".repeat(padding)
        );
        let _ = stream.write_all(head.as_bytes());
        let status = read_answer(&mut stream).0;
        assert_eq!(if refused { 431 } else { 200 }, status, "{padding} bytes of padding");
    }
}

/// Faults compose: a write chosen both to fail and to be dropped fails (nothing changes).
#[test]
fn a_write_chosen_to_fail_and_to_drop_fails() {
    let sandbox = Sandbox::builder().faults(Faults::new().fail_write(1).drop_after_commit(1)).start().unwrap();
    let client = sandbox.client().unwrap();
    let error = client.teams().create(&team("Both")).send().unwrap_err();
    assert!(matches!(&error, Error::Api(api) if api.status == 503), "{error:?}");
    assert_eq!(team_count(&client), 4);
}

/// In the foreground, standard output has the export lines and standard error the banner,
/// which names the faults in force.
#[test]
fn the_foreground_banner_goes_to_stderr_and_names_the_faults() {
    use std::io::BufRead;
    let mut child = Command::new(env!("CARGO_BIN_EXE_sauce-sandbox"))
        .args(["--latency", "1", "--drop-after-every-commit", "3"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let banner: Vec<String> =
        stderr.lines().map(Result::unwrap).take_while(|line| !line.starts_with("Press Ctrl-C")).collect();
    child.kill().unwrap();
    child.wait().unwrap();
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    assert!(
        banner.iter().any(|line| line == "Faults injected: drop after every 3rd commit, latency 1ms."),
        "{banner:?}"
    );
    assert!(stdout.lines().all(|line| line.starts_with("export ")) && stdout.lines().count() == 3, "{stdout}");
}
