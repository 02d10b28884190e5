//! Runtime benchmarks, side by side in one run against a loopback server this bench starts:
//!
//! 1. one `get_team` call on a kept-alive connection: the client vs raw ureq + serde_json
//!    with the same agent settings (the practical limit);
//! 2. listing 10,000 users (100 pages of 100): the pagination iterator vs a hand-written raw
//!    ureq loop, with the peak heap of each;
//! 3. decoding a 100-user page into the generated types vs into `serde_json::Value`.
//!
//! `cargo bench --bench client` prints the table and writes it into BENCHMARKS.md.
//! Samples of both sides are interleaved so drift on a shared machine hits both equally;
//! the reported time is the median.

#[path = "support/report.rs"]
mod report;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use sauce_accounts::types;
use sauce_accounts::{Client, Credentials, RetryPolicy};

/// Counts live heap bytes and their high-water mark, to measure peak memory of a listing.
/// (Unsafe is confined to this bench: the library itself forbids it.)
struct CountingAllocator;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(pointer, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `work` and returns the most heap it held above what was live before.
fn peak_heap_of(work: impl FnOnce()) -> usize {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    work();
    PEAK.load(Ordering::Relaxed).saturating_sub(before)
}

const USERNAME: &str = "bench-admin";
const ACCESS_KEY: &str = "bench-access-key";
const USERS: usize = 10_000;
const PAGE: usize = 100;

fn user_json(index: usize) -> serde_json::Value {
    serde_json::json!({
        "id": format!("{index:032x}"),
        "username": format!("user{index:05}"),
        "email": format!("user{index:05}@acme.example"),
        "first_name": "Bench",
        "last_name": format!("User {index}"),
        "is_active": true,
        "teams": [{"id": "80d69d16ebdb4c018cc9d81ea911761a", "name": "Web", "settings": {"virtual_machines": 20, "real_devices": 0, "live_only": false}, "is_default": false, "org_uuid": "7fb25570b4064716b9b6daae1a846790"}],
        "roles": [{"name": "member", "role": 3}],
        "user_type": "subaccount",
        "is_organization_admin": false,
        "is_team_admin": false
    })
}

fn page_body(offset: usize) -> Vec<u8> {
    let results: Vec<_> = (offset..(offset + PAGE).min(USERS)).map(user_json).collect();
    serde_json::to_vec(
        &serde_json::json!({"links": {"next": null, "previous": null}, "count": USERS, "results": results}),
    )
    .unwrap()
}

const TEAM: &str = r#"{"id": "80d69d16ebdb4c018cc9d81ea911761a", "name": "Sauce-Docs", "org_uuid": "7fb25570b4064716b9b6daae1a846790", "group": {"id": "4c2b7a1f0e3d4b5a9c8d7e6f5a4b3c2d", "name": "Sauce-Docs"}, "created_at": "2020-12-30T17:09:12.473388Z", "updated_at": "2020-12-30T17:09:12.473415Z", "settings": {"virtual_machines": 25, "real_devices": 0, "live_only": false}, "description": "Tech Content API Testing", "is_default": false}"#;

/// A loopback keep-alive server answering the team and the user pages from memory. It is
/// deliberately minimal (one `write_all` per response, `TCP_NODELAY`) so that the measured
/// time is the client's, not the server's or Nagle's.
fn start_server() -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let pages: Arc<Vec<Vec<u8>>> = Arc::new((0..USERS / PAGE).map(|page| page_body(page * PAGE)).collect());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let pages = pages.clone();
            std::thread::spawn(move || {
                stream.set_nodelay(true).unwrap();
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                loop {
                    line.clear();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                    loop {
                        let mut header = String::new();
                        if reader.read_line(&mut header).unwrap_or(0) == 0 || header == "\r\n" {
                            break;
                        }
                    }
                    let body = if path.starts_with("/team-management/v1/users/") {
                        let offset = path
                            .split("offset=")
                            .nth(1)
                            .and_then(|rest| rest.split('&').next())
                            .and_then(|offset| offset.parse::<usize>().ok())
                            .unwrap_or(0);
                        pages
                            .get(offset / PAGE)
                            .cloned()
                            .unwrap_or_else(|| br#"{"count": 10000, "results": []}"#.to_vec())
                    } else {
                        TEAM.as_bytes().to_vec()
                    };
                    let mut response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    response.extend_from_slice(&body);
                    if writer.write_all(&response).is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// The agent settings the client uses, for the raw side.
fn raw_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(30)))
        .timeout_connect(Some(Duration::from_secs(10)))
        .proxy(None)
        .build()
        .into()
}

fn authorization() -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{USERNAME}:{ACCESS_KEY}")))
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Times `ours` and `baseline` in alternating batches; returns the medians per iteration.
fn side_by_side(
    rounds: usize,
    batch: usize,
    mut ours: impl FnMut(),
    mut baseline: impl FnMut(),
) -> (Duration, Duration) {
    for _ in 0..batch {
        ours();
        baseline();
    }
    let (mut ours_samples, mut baseline_samples) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        let time = |work: &mut dyn FnMut()| {
            let started = Instant::now();
            for _ in 0..batch {
                work();
            }
            started.elapsed() / batch as u32
        };
        if round % 2 == 0 {
            ours_samples.push(time(&mut ours));
            baseline_samples.push(time(&mut baseline));
        } else {
            baseline_samples.push(time(&mut baseline));
            ours_samples.push(time(&mut ours));
        }
    }
    (median(ours_samples), median(baseline_samples))
}

struct Row {
    what: String,
    ours: String,
    baseline: String,
    ratio: f64,
    target: f64,
}

fn micros(duration: Duration) -> String {
    format!("{:.1} µs", duration.as_secs_f64() * 1e6)
}

fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1e3)
}

fn main() {
    // `cargo test --benches` passes --bench too; a quick mode keeps that cheap.
    let quick = std::env::args().any(|arg| arg == "--quick") || std::env::var_os("SAUCE_BENCH_QUICK").is_some();
    let scale = if quick { 10 } else { 1 };
    let url = start_server();
    let client = Client::builder()
        .base_url(&url)
        .credentials(Credentials::new(USERNAME, ACCESS_KEY))
        .retry_policy(RetryPolicy::none())
        .no_proxy()
        .build()
        .unwrap();
    let agent = raw_agent();
    let auth = authorization();
    let mut rows = Vec::new();

    // 1. One call on a kept-alive connection.
    let team_url = format!("{url}/team-management/v1/teams/80d69d16ebdb4c018cc9d81ea911761a/");
    let (ours, baseline) = side_by_side(
        101 / scale.min(4),
        100 / scale,
        || {
            let team = client.teams().get("80d69d16ebdb4c018cc9d81ea911761a").unwrap();
            std::hint::black_box(team);
        },
        || {
            let mut response = agent
                .get(&team_url)
                .header("Authorization", &auth)
                .header("Accept", "application/json")
                .call()
                .unwrap();
            let bytes = response.body_mut().with_config().limit(10 * 1024 * 1024).read_to_vec().unwrap();
            let team: types::Team = serde_json::from_slice(&bytes).unwrap();
            std::hint::black_box(team);
        },
    );
    rows.push(Row {
        what: "get_team, one kept-alive call".into(),
        ours: micros(ours),
        baseline: format!("{} (raw ureq + serde_json)", micros(baseline)),
        ratio: ours.as_secs_f64() / baseline.as_secs_f64(),
        target: 1.10,
    });

    // 2. 10,000 users in 100 pages.
    let list_ours = || {
        let mut count = 0;
        for user in client.users().lookup().limit(PAGE as u64).iter() {
            std::hint::black_box(user.unwrap());
            count += 1;
        }
        assert_eq!(count, USERS);
    };
    let list_raw = || {
        let mut offset = 0;
        let mut count = 0;
        loop {
            let page_url = format!("{url}/team-management/v1/users/?limit={PAGE}&offset={offset}");
            let mut response = agent
                .get(&page_url)
                .header("Authorization", &auth)
                .header("Accept", "application/json")
                .call()
                .unwrap();
            let bytes = response.body_mut().with_config().limit(10 * 1024 * 1024).read_to_vec().unwrap();
            let page: types::UserList = serde_json::from_slice(&bytes).unwrap();
            let received = page.results.len();
            for user in page.results {
                std::hint::black_box(user);
                count += 1;
            }
            offset += received;
            if received < PAGE || offset as u64 >= page.count {
                break;
            }
        }
        assert_eq!(count, USERS);
    };
    let (ours, baseline) = side_by_side(21 / scale.min(3), 1, list_ours, list_raw);
    rows.push(Row {
        what: "10,000 users, 100 pages".into(),
        ours: millis(ours),
        baseline: format!("{} (raw ureq loop)", millis(baseline)),
        ratio: ours.as_secs_f64() / baseline.as_secs_f64(),
        target: 1.10,
    });
    let ours_peak = peak_heap_of(list_ours);
    let raw_peak = peak_heap_of(list_raw);
    let one_page = page_body(0).len();
    rows.push(Row {
        what: format!("peak heap while listing (one page is {} KiB of JSON)", one_page / 1024),
        ours: format!("{} KiB", ours_peak / 1024),
        baseline: format!("{} KiB (raw ureq loop)", raw_peak / 1024),
        ratio: ours_peak as f64 / raw_peak as f64,
        target: 1.10,
    });

    // 3. Decoding one page.
    let page = page_body(0);
    let (ours, baseline) = side_by_side(
        101 / scale.min(4),
        50 / scale,
        || {
            std::hint::black_box(serde_json::from_slice::<types::UserList>(&page).unwrap());
        },
        || {
            std::hint::black_box(serde_json::from_slice::<serde_json::Value>(&page).unwrap());
        },
    );
    rows.push(Row {
        what: "decode a 100-user page".into(),
        ours: format!("{} (generated types)", micros(ours)),
        baseline: format!("{} (serde_json::Value)", micros(baseline)),
        ratio: ours.as_secs_f64() / baseline.as_secs_f64(),
        target: 1.5,
    });

    let mut table =
        String::from("| what | ours | baseline | ratio | target | met |\n| --- | --- | --- | --- | --- | --- |\n");
    for row in &rows {
        table.push_str(&format!(
            "| {} | {} | {} | {:.2}× | ≤ {:.2}× | {} |\n",
            row.what,
            row.ours,
            row.baseline,
            row.ratio,
            row.target,
            if row.ratio <= row.target { "yes" } else { "NO" }
        ));
    }
    println!("{table}");
    if quick {
        println!("(quick mode: BENCHMARKS.md left unchanged)");
        return;
    }
    let section = format!(
        "Measured by `cargo bench --bench client` on {}, {}; release build, keep-alive loopback server in the same process; medians of interleaved samples.\n\n{table}",
        report::machine(),
        httpdate::fmt_http_date(std::time::SystemTime::now())
    );
    report::write_section(
        std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/BENCHMARKS.md")),
        "runtime",
        &section,
    )
    .expect("BENCHMARKS.md is writable");
}
