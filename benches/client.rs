//! Runtime benchmarks, side by side in one run:
//!
//! 1. one `get_team` call on a kept-alive connection to a minimal loopback server: the
//!    client vs the fastest raw ureq 3 loop a careful user would write (an agent without a
//!    global timeout, so no resolver thread per call) + serde_json;
//! 2. the threads the client starts per kept-alive call, counted through its resolver;
//! 3. listing 10,000 users (100 pages of 100) from the sandbox itself: the pagination
//!    iterator vs a hand-written raw ureq loop, with the peak heap of each;
//! 4. the sandbox at scale (`support/sandbox_scale.rs`): pages, exact filters and searches
//!    at 10,000, 100,000 and 1,000,000 users, in a table of its own;
//! 5. decoding a 100-user page into the generated types vs into `serde_json::Value`;
//! 6. 8 threads × 200 calls through a client limited to the documented budget (10 a
//!    second) against the sandbox enforcing it: the time taken and the 429s received.
//!
//! `cargo bench --bench client` prints the tables and writes them into BENCHMARKS.md;
//! `cargo bench --bench client -- sandbox-scale` measures only the sandbox at scale.
//! The whole process — the timed loops and the loopback servers' threads — is pinned to one
//! CPU before anything starts (benches/support/affinity.rs; `SAUCE_BENCH_CPU=N` or `taskset`
//! chooses which), so no side's connection can land across cores from its server while the
//! other's does not. Both sides of a comparison alternate round by round (at least 101
//! rounds), and the reported ratio is the median of the per-round ratios with their
//! interquartile range, so drift on a shared machine hits both equally. A client figure under
//! 0.97× of the raw loop of its own transport is reported as a failed measurement, not as a
//! result.

#[path = "support/affinity.rs"]
mod affinity;
#[path = "support/report.rs"]
mod report;
#[path = "support/sandbox_scale.rs"]
mod sandbox_scale;
#[path = "support/seed.rs"]
mod seed;

use report::{Spread, Verdict, median};
use seed::big_seed;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use sauce_accounts::sandbox::Sandbox;
use sauce_accounts::types;
use sauce_accounts::{Client, Credentials, RateLimit, RetryPolicy};

/// Counts the live heap bytes of the measured thread and their high-water mark, to measure
/// the peak memory of a listing. Only the thread inside `peak_heap_of` counts: the sandbox
/// serves from threads of the same process, and its allocations (interleaved differently in
/// every run) are not the client's. (Unsafe is confined to this bench: the library forbids it.)
struct CountingAllocator;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static PEAK: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    static MEASURED: Cell<bool> = const { Cell::new(false) };
}

fn measured() -> bool {
    MEASURED.try_with(Cell::get).unwrap_or(false)
}

// SAFETY: every call is forwarded unchanged to the system allocator; only counters are added.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let pointer = unsafe { System.alloc(layout) };
        if !pointer.is_null() && measured() {
            let size = layout.size() as isize;
            let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(pointer, layout) };
        if measured() {
            LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `work` on this thread and returns the most heap this thread held during it, above
/// what it held before.
fn peak_heap_of(work: impl FnOnce()) -> usize {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    MEASURED.with(|measured| measured.set(true));
    work();
    MEASURED.with(|measured| measured.set(false));
    (PEAK.load(Ordering::Relaxed) - before).max(0) as usize
}

/// The median of `rounds` peak-heap measurements of each side, taken alternately.
fn median_peaks(rounds: usize, ours: impl Fn(), baseline: impl Fn()) -> (usize, usize) {
    let (mut ours_peaks, mut baseline_peaks) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        ours_peaks.push(peak_heap_of(&ours));
        baseline_peaks.push(peak_heap_of(&baseline));
    }
    ours_peaks.sort_unstable();
    baseline_peaks.sort_unstable();
    (ours_peaks[rounds / 2], baseline_peaks[rounds / 2])
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

/// The fastest raw ureq agent a careful user would write: timeouts per phase (a global one
/// would resolve on a new thread per call), no proxy, statuses mapped by hand.
fn raw_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .timeout_connect(Some(Duration::from_secs(10)))
        .timeout_send_request(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(30)))
        .timeout_recv_body(Some(Duration::from_secs(30)))
        .build()
        .into()
}

/// Raw ureq with no timeout at all: the floor, which no client that can time out reaches
/// (ureq then skips the socket-timeout system calls on every read and write).
fn untimed_agent() -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).max_redirects(0).proxy(None).build().into()
}

fn authorization(username: &str, key: &str) -> String {
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{username}:{key}")))
}

/// Median time per iteration of each side and the median of the per-round ratios, from
/// `rounds` rounds of `batch` iterations, the order of the sides alternating every round.
struct Comparison {
    ours: Duration,
    baseline: Duration,
    ratio: Spread,
}

fn side_by_side(rounds: usize, batch: usize, mut ours: impl FnMut(), mut baseline: impl FnMut()) -> Comparison {
    for _ in 0..batch.max(2) {
        ours();
        baseline();
    }
    let time = |work: &mut dyn FnMut()| {
        let started = Instant::now();
        for _ in 0..batch {
            work();
        }
        started.elapsed() / batch as u32
    };
    let (mut ours_samples, mut baseline_samples, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let (a, b) = if round % 2 == 0 {
            let a = time(&mut ours);
            (a, time(&mut baseline))
        } else {
            let b = time(&mut baseline);
            (time(&mut ours), b)
        };
        ours_samples.push(a);
        baseline_samples.push(b);
        ratios.push(a.as_secs_f64() / b.as_secs_f64());
    }
    Comparison { ours: median(ours_samples), baseline: median(baseline_samples), ratio: Spread::quartiles(&ratios) }
}

struct Row {
    what: String,
    ours: String,
    baseline: String,
    /// The compared figure: a ratio, or an absolute value for rows without a baseline.
    figure: String,
    target: String,
    met: Verdict,
}

impl Row {
    /// A single ratio (no rounds to spread over).
    fn ratio(what: impl Into<String>, ours: String, baseline: String, ratio: f64, target: f64) -> Row {
        Row {
            what: what.into(),
            ours,
            baseline,
            figure: format!("{ratio:.3}×"),
            target: format!("≤ {target:.2}×"),
            met: Verdict::from(ratio <= target),
        }
    }

    /// An interleaved comparison: the median of its per-round ratios and their interquartile
    /// range, to two decimals (the rounds of one run do not resolve a third).
    fn comparison(what: impl Into<String>, ours: String, baseline: String, ratio: Spread, target: f64) -> Row {
        Row {
            what: what.into(),
            ours,
            baseline,
            figure: ratio.show(2, "×", "IQR"),
            target: format!("≤ {target:.2}×"),
            met: Verdict::from(ratio.median <= target),
        }
    }

    /// A comparison of the client with the raw loop of its own transport: under
    /// [`report::TRANSPORT_FLOOR`] it is a failed measurement.
    fn against_transport(what: impl Into<String>, ours: String, baseline: String, ratio: Spread, target: f64) -> Row {
        Row {
            met: Verdict::against_transport(ratio.median, target),
            target: format!("{:.2}× ≤ figure ≤ {target:.2}×", report::TRANSPORT_FLOOR),
            ..Row::comparison(what, ours, baseline, ratio, target)
        }
    }
}

fn micros(duration: Duration) -> String {
    format!("{:.1} µs", duration.as_secs_f64() * 1e6)
}

fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1e3)
}

fn sandbox_client(sandbox: &Sandbox) -> Client {
    Client::builder()
        .base_url(sandbox.url())
        .credentials(sandbox.admin_credentials())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// Pins this thread, and so every thread the bench starts after it, to one CPU; answers the
/// sentence the table's header says about it.
fn pin_the_whole_bench() -> String {
    let pinned = affinity::allowed_cpus().and_then(|allowed| {
        let cpu = affinity::chosen_cpu(&allowed)?;
        affinity::pin_to(cpu).map(|()| cpu)
    });
    match pinned {
        Ok(cpu) => format!(
            "the whole process pinned to CPU {cpu} before it starts a thread (the timed loops and the loopback servers share that CPU, for every side alike)"
        ),
        Err(error) => {
            eprintln!("not pinned: {error}");
            format!(
                "NOT pinned to a CPU ({error}): the per-call figures depend on where the scheduler puts each thread"
            )
        }
    }
}

fn main() {
    // The machine as a whole, before pinning narrows what this thread sees of it.
    let (machine, load_at_start) = (report::machine(), report::load_average());
    // Before any thread exists, so that all of them inherit the one CPU.
    let pinning = pin_the_whole_bench();
    // `cargo test --benches` passes --bench too; a quick mode keeps that cheap.
    let quick = std::env::args().any(|arg| arg == "--quick") || std::env::var_os("SAUCE_BENCH_QUICK").is_some();
    let rounds = if quick { 11 } else { 101 };
    let benchmarks = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/BENCHMARKS.md"));
    let sizes: &[usize] = if quick { &[1_000, 10_000] } else { &[10_000, 100_000, 1_000_000] };
    let scale = || {
        let section = sandbox_scale::table(sizes, rounds);
        println!("{section}");
        if !quick {
            report::write_section(benchmarks, "sandbox-scale", &section).expect("BENCHMARKS.md is writable");
        }
    };
    if std::env::args().any(|arg| arg == "sandbox-scale") {
        scale();
        return;
    }
    let url = start_server();
    let client = Client::builder()
        .base_url(&url)
        .credentials(Credentials::new(USERNAME, ACCESS_KEY))
        .retry_policy(RetryPolicy::none())
        .no_proxy()
        .build()
        .unwrap();
    let agent = raw_agent();
    let untimed = untimed_agent();
    let auth = authorization(USERNAME, ACCESS_KEY);
    let mut rows = Vec::new();

    // 1. One call on a kept-alive connection.
    let team_url = format!("{url}/team-management/v1/teams/80d69d16ebdb4c018cc9d81ea911761a/");
    let raw_get = |agent: &ureq::Agent| {
        let mut response =
            agent.get(&team_url).header("Authorization", &auth).header("Accept", "application/json").call().unwrap();
        let bytes = response.body_mut().with_config().limit(10 * 1024 * 1024).read_to_vec().unwrap();
        let team: types::Team = serde_json::from_slice(&bytes).unwrap();
        std::hint::black_box(team);
    };
    let ours_get = || {
        let team = client.teams().get("80d69d16ebdb4c018cc9d81ea911761a").send().unwrap();
        std::hint::black_box(team);
    };
    let batch = if quick { 10 } else { 100 };
    let baselines = [
        ("get_team, one kept-alive call", &agent, "raw ureq with per-phase timeouts + serde_json", 1.05),
        ("get_team, against raw ureq without any timeout", &untimed, "raw ureq, no timeout", 1.10),
    ];
    for (what, raw, label, target) in baselines {
        let call = side_by_side(rounds, batch, ours_get, || raw_get(raw));
        rows.push(Row::against_transport(
            what,
            micros(call.ours),
            format!("{} ({label})", micros(call.baseline)),
            call.ratio,
            target,
        ));
    }

    // 2. Threads per kept-alive call, by host name (a lookup would need one).
    let port = url.rsplit_once(':').unwrap().1;
    let by_name = Client::builder()
        .base_url(format!("http://localhost:{port}"))
        .credentials(Credentials::new(USERNAME, ACCESS_KEY))
        .build()
        .unwrap();
    by_name.teams().get("t").send().unwrap();
    let before = by_name.name_resolution_stats();
    let calls = 1_000;
    for _ in 0..calls {
        std::hint::black_box(by_name.teams().get("t").send().unwrap());
    }
    let after = by_name.name_resolution_stats();
    let threads = (after.threads - before.threads) as f64 / calls as f64;
    let lookups = (after.lookups - before.lookups) as f64 / calls as f64;
    rows.push(Row {
        what: format!("threads / name lookups per kept-alive call ({calls} calls by host name, 30 s timeout)"),
        ours: format!("{threads:.3} / {lookups:.3}"),
        baseline: "1 / 1 (ureq's own resolver with a timeout)".into(),
        figure: format!("{threads:.3}"),
        target: "0".into(),
        met: Verdict::from(threads == 0.0 && lookups == 0.0),
    });

    // 3. 10,000 users in 100 pages, from the sandbox.
    let listing = Sandbox::builder().seed(big_seed(USERS)).start().unwrap();
    let listing_client = sandbox_client(&listing);
    let listing_auth = {
        let admin = listing.admin_credentials();
        authorization(admin.username(), admin.access_key().expose())
    };
    let listed = USERS + 1; // the seeded admin
    let list_ours = || {
        let mut count = 0;
        for user in listing_client.users().lookup().limit(PAGE as u64).iter() {
            std::hint::black_box(user.unwrap());
            count += 1;
        }
        assert_eq!(count, listed);
    };
    let list_raw = || {
        let mut offset = 0;
        let mut count = 0;
        loop {
            let page_url = format!("{}/team-management/v1/users/?limit={PAGE}&offset={offset}", listing.url());
            let mut response = agent
                .get(&page_url)
                .header("Authorization", &listing_auth)
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
            if received == 0 || offset as u64 >= page.count {
                break;
            }
        }
        assert_eq!(count, listed);
    };
    let list = side_by_side(rounds, 1, list_ours, list_raw);
    rows.push(Row::against_transport(
        "10,000 users, 100 pages, from the sandbox",
        millis(list.ours),
        format!("{} (raw ureq loop)", millis(list.baseline)),
        list.ratio,
        1.05,
    ));
    let (ours_peak, raw_peak) = median_peaks(5, list_ours, list_raw);
    rows.push(Row::ratio(
        "peak heap while listing (the listing thread's own allocations, median of 5 rounds)",
        format!("{} KiB", ours_peak / 1024),
        format!("{} KiB (raw ureq loop)", raw_peak / 1024),
        ours_peak as f64 / raw_peak as f64,
        1.10,
    ));
    drop(listing);

    // 5. Decoding one page.
    let page = page_body(0);
    let decode = side_by_side(
        rounds,
        if quick { 5 } else { 50 },
        || {
            std::hint::black_box(serde_json::from_slice::<types::UserList>(&page).unwrap());
        },
        || {
            std::hint::black_box(serde_json::from_slice::<serde_json::Value>(&page).unwrap());
        },
    );
    rows.push(Row::comparison(
        "decode a 100-user page",
        format!("{} (generated types)", micros(decode.ours)),
        format!("{} (serde_json::Value)", micros(decode.baseline)),
        decode.ratio,
        1.5,
    ));

    // 6. The documented rate limit, kept by 8 threads sharing one client.
    let (threads, per_thread) = (8, if quick { 5 } else { 200 });
    let limit = RateLimit::documented();
    let limited = Sandbox::builder().rate_limit(limit).start().unwrap();
    let limited_client = Client::builder()
        .base_url(limited.url())
        .credentials(limited.admin_credentials())
        .rate_limit(limit)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let throttled = std::sync::atomic::AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            let (client, throttled) = (limited_client.clone(), &throttled);
            scope.spawn(move || {
                for _ in 0..per_thread {
                    if let Err(error) = client.organizations().lookup().send() {
                        assert_eq!(error.status(), Some(429), "{error}");
                        throttled.fetch_add(1, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    let took = started.elapsed();
    let calls = threads * per_thread;
    let implied = Duration::from_secs_f64((calls as f64 - f64::from(limit.burst_size())) / limit.per_second());
    let throttled = throttled.load(Ordering::Relaxed);
    rows.push(Row {
        what: format!("{threads} threads × {per_thread} calls, documented limit (10/s) on both sides"),
        ours: format!("{:.1} s, {throttled} × 429", took.as_secs_f64()),
        baseline: format!("{:.1} s (what the limit implies)", implied.as_secs_f64()),
        figure: format!("{:.3}×", took.as_secs_f64() / implied.as_secs_f64()),
        target: "0 × 429, ≤ 1.05×".into(),
        met: Verdict::from(throttled == 0 && took.as_secs_f64() <= implied.as_secs_f64() * 1.05),
    });

    let mut table =
        String::from("| what | ours | baseline | figure | target | met |\n| --- | --- | --- | --- | --- | --- |\n");
    for row in &rows {
        table.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            row.what,
            row.ours,
            row.baseline,
            row.figure,
            row.target,
            row.met.cell()
        ));
    }
    println!("{table}");
    scale();
    if quick {
        println!("(quick mode: BENCHMARKS.md left unchanged)");
        return;
    }
    let section = format!(
        "Measured by `cargo bench --bench client` on {}, {}, load average {} at the start; release build; {pinning}; {rounds} interleaved rounds per comparison, each figure the median of the per-round ratios with their interquartile range (IQR). A client under {}× of the raw loop of its own transport (ureq) would be faster than the code it runs on: the harness reports such a figure as a failed measurement, not a result.\n\n{table}",
        machine,
        httpdate::fmt_http_date(std::time::SystemTime::now()),
        load_at_start,
        report::TRANSPORT_FLOOR,
    );
    report::write_section(benchmarks, "runtime", &section).expect("BENCHMARKS.md is writable");
}
