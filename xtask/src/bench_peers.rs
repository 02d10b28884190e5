//! `cargo xtask bench-peers`: this client next to its peers, doing the same work against the
//! same sandbox process on loopback — the official Node client (`saucelabs` from npm, pointed
//! at the sandbox with its `host` option) as shipped and with the trailing slash its listings
//! lack, a raw keep-alive loop on Node's `http` module, Python `requests` (one kept-alive
//! session) and the Python client `openapi-python-client` generates from `openapi/accounts.yaml`.
//!
//! It installs the peers itself, pinned, under `target/peers/` (npm and PyPI are the only
//! network it needs), builds this crate's side (`benches/peers.rs`) in release mode, starts
//! one sandbox with 10,000 users pinned to one CPU and runs every client pinned to another
//! (benches/support/affinity.rs), so that every call crosses the same distance. It counts the
//! requests one call of each client costs through a counting proxy (`counting_proxy.rs`), then
//! measures, interleaving the clients round by round in a rotating order: the latency of a
//! kept-alive team listing (several processes, each warmed up before it times its calls), the
//! wall time of a whole process that makes one call (cold start), and the peak resident memory
//! of a process that lists all 10,000 users 100 at a time. Every peer must list exactly the users
//! this crate lists, and every fair baseline must cost one request per call, or the run stops.
//! The tables go to the `peers` section of BENCHMARKS.md.

#[path = "../../benches/support/affinity.rs"]
mod affinity;
mod counting_proxy;
#[cfg(test)]
mod tests;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use crate::report::Spread;
use counting_proxy::CountingProxy;

const SAUCELABS_NPM: &str = "8.0.0";
const REQUESTS: &str = "2.34.2";
const OPENAPI_PYTHON_CLIENT: &str = "0.29.1";
const USERS: usize = 10_000;

/// How much the harness measures.
struct Plan {
    /// Untimed calls first in each latency process: Node's JIT is still compiling after a few
    /// hundred (issue 24 saw 850–895 µs a call at 300 calls, 680–703 µs at 2,000).
    warmup: usize,
    calls: usize,
    latency_rounds: usize,
    cold_rounds: usize,
    rss_rounds: usize,
    /// A quick run checks the harness end to end and leaves BENCHMARKS.md alone.
    quick: bool,
}

impl Plan {
    /// The published run, or with `SAUCE_BENCH_QUICK` set a quick one.
    fn from_env() -> Plan {
        if std::env::var_os("SAUCE_BENCH_QUICK").is_some() {
            Plan { warmup: 20, calls: 100, latency_rounds: 2, cold_rounds: 2, rss_rounds: 1, quick: true }
        } else {
            Plan { warmup: 1_000, calls: 2_000, latency_rounds: 5, cold_rounds: 11, rss_rounds: 3, quick: false }
        }
    }
}

struct Peer {
    name: String,
    /// What this baseline is and why comparing with it is fair, for the table.
    why: &'static str,
    /// A fair baseline makes one request per call, like ours; the run stops if it does not.
    one_request: bool,
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(&'static str, String)>,
}

impl Peer {
    fn command(&self, mode: &[&str], credentials: &(String, String)) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args).args(mode);
        command.env("SAUCE_USERNAME", &credentials.0).env("SAUCE_ACCESS_KEY", &credentials.1);
        for (name, value) in &self.env {
            command.env(name, value);
        }
        command
    }

    fn output(&self, mode: &[&str], credentials: &(String, String)) -> Result<String, String> {
        let output = self
            .command(mode, credentials)
            .stderr(Stdio::inherit())
            .output()
            .map_err(|error| format!("{}: cannot start {}: {error}", self.name, self.program.display()))?;
        if !output.status.success() {
            return Err(format!("{} {mode:?} failed ({})", self.name, output.status));
        }
        Ok(String::from_utf8_lossy(&output.stdout).trim().to_string())
    }
}

fn run(command: &mut Command, what: &str) -> Result<(), String> {
    let status = command.status().map_err(|error| format!("{what}: {error}"))?;
    if status.success() { Ok(()) } else { Err(format!("{what} failed ({status})")) }
}

/// Installs the peers under `work`, pinned; a second run reuses what is there.
fn install(root: &Path, work: &Path) -> Result<(), String> {
    let node = work.join("node");
    if !node.join("node_modules/saucelabs").is_dir() {
        run(
            Command::new("npm")
                .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
                .arg(&node)
                .arg(format!("saucelabs@{SAUCELABS_NPM}")),
            "npm install saucelabs",
        )?;
    }
    generated_python_client(root, work)
}

/// Installs Python `requests` and `openapi-python-client` (pinned) in `work/venv` and generates
/// the Python client from the current spec into `work/generated`.
pub fn generated_python_client(root: &Path, work: &Path) -> Result<(), String> {
    let venv = work.join("venv");
    if !venv.join("bin/python").is_file() {
        run(Command::new("python3").args(["-m", "venv"]).arg(&venv), "python3 -m venv")?;
        run(
            Command::new(venv.join("bin/pip"))
                .args(["install", "--quiet", "--disable-pip-version-check"])
                .args([format!("requests=={REQUESTS}"), format!("openapi-python-client=={OPENAPI_PYTHON_CLIENT}")]),
            "pip install requests openapi-python-client",
        )?;
    }
    // The generated client always follows the current spec.
    let generated = work.join("generated");
    let _ = std::fs::remove_dir_all(&generated);
    let output = Command::new(venv.join("bin/openapi-python-client"))
        .args(["generate", "--path"])
        .arg(root.join("openapi/accounts.yaml"))
        .arg("--output-path")
        .arg(&generated)
        .output()
        .map_err(|error| format!("openapi-python-client: {error}"))?;
    if !generated.join("sauce_labs_accounts_api_client").is_dir() {
        return Err(format!(
            "openapi-python-client generated no client: {}",
            String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(())
}

/// Runs `cargo build` with `args` in `root` and answers the path of the executable cargo
/// reports for the target named `target`.
pub fn built_executable(root: &Path, args: &[&str], target: &str) -> Result<PathBuf, String> {
    let output = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root)
        .arg("build")
        .args(args)
        .arg("--message-format=json")
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| format!("cargo build: {error}"))?;
    if !output.status.success() {
        return Err(format!("cargo build {} failed", args.join(" ")));
    }
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == target)
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("cargo reported no executable for {target}"))
}

/// The sandbox process: its URL and admin credentials; it stops when dropped.
struct Server {
    child: Child,
    url: String,
    credentials: (String, String),
}

impl Server {
    fn start(ours: &Path) -> Result<Server, String> {
        let mut child = Command::new(ours)
            .args(["serve", &USERS.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start the sandbox: {error}"))?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped")).read_line(&mut line).map_err(|error| error.to_string())?;
        let parts: Vec<&str> = line.split_whitespace().collect();
        let [url, username, key] = parts[..] else { return Err(format!("the sandbox said {line:?}")) };
        Ok(Server { url: url.to_string(), credentials: (username.to_string(), key.to_string()), child })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// Peak resident memory of one run, in KiB, from GNU time.
fn peak_rss(peer: &Peer, mode: &[&str], credentials: &(String, String)) -> Result<(f64, String), String> {
    let inner = peer.command(mode, credentials);
    let mut command = Command::new("/usr/bin/time");
    command.arg("-f").arg("%M").arg(inner.get_program()).args(inner.get_args());
    for (name, value) in inner.get_envs() {
        if let Some(value) = value {
            command.env(name, value);
        }
    }
    let output = command.output().map_err(|error| format!("/usr/bin/time: {error}"))?;
    if !output.status.success() {
        return Err(format!(
            "{} {mode:?} under /usr/bin/time failed: {}",
            peer.name,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let kib =
        stderr.lines().last().and_then(|line| line.trim().parse::<f64>().ok()).ok_or("no %M from /usr/bin/time")?;
    Ok((kib, String::from_utf8_lossy(&output.stdout).trim().to_string()))
}

/// Where the harness runs things: the sandbox on one CPU, every client (and the harness) on
/// another, so that each call crosses between the same two CPUs whichever client makes it.
struct Placement {
    server: usize,
    clients: usize,
}

impl Placement {
    fn choose() -> Result<Placement, String> {
        let allowed = affinity::allowed_cpus()?;
        let clients = affinity::chosen_cpu(&allowed)?;
        let server = allowed.iter().copied().find(|&cpu| cpu != clients).unwrap_or(clients);
        Ok(Placement { server, clients })
    }

    fn describe(&self) -> String {
        if self.server == self.clients {
            format!("the sandbox and each client pinned to CPU {} (the only one allowed)", self.server)
        } else {
            format!("the sandbox pinned to CPU {}, each client process to CPU {}", self.server, self.clients)
        }
    }
}

fn peers(root: &Path, work: &Path, ours: &Path) -> Vec<Peer> {
    let scripts = root.join("xtask/peers");
    let python = work.join("venv/bin/python");
    let node = version("node", &["--version"]);
    let node_peer = |variant: &str, name: String, why: &'static str, one_request: bool| Peer {
        name,
        why,
        one_request,
        program: "node".into(),
        args: vec![scripts.join("peer.js").display().to_string(), variant.to_string()],
        env: vec![("NODE_PATH", work.join("node/node_modules").display().to_string())],
    };
    vec![
        Peer {
            name: "sauce-accounts (Rust, this crate)".into(),
            why: "the reference: the figures below are ours divided by theirs",
            one_request: true,
            program: ours.to_path_buf(),
            args: vec![],
            env: vec![],
        },
        node_peer(
            "shipped",
            format!("saucelabs {SAUCELABS_NPM} as shipped (Node {node})"),
            "what a user of the official client gets: its listings ask for the path without the trailing slash, \
             so each is a 301 and a second request (the real service redirects the same way); not a like-for-like \
             comparison of the two clients",
            false,
        ),
        node_peer(
            "slash",
            format!("saucelabs {SAUCELABS_NPM} with the trailing slash (Node {node})"),
            "fair: the same official client code, only its two listing paths given their slash in its own \
             operations table, so it makes the one request per call ours makes",
            true,
        ),
        node_peer(
            "http",
            format!("Node `http`, a raw kept-alive loop (Node {node})"),
            "fair, and the floor under any Node client: one kept-alive connection, Basic authentication, a 30 s \
             timeout and JSON.parse, no client code at all (ours is measured with its decoding into the generated \
             types)",
            true,
        ),
        Peer {
            name: format!("requests {REQUESTS} (Python)"),
            why: "fair: one kept-alive Session as a careful user writes it, the right paths, a 30 s timeout, `.json()`",
            one_request: true,
            program: python.clone(),
            args: vec![scripts.join("peer_requests.py").display().to_string()],
            env: vec![],
        },
        Peer {
            name: format!("generated by openapi-python-client {OPENAPI_PYTHON_CLIENT} (Python)"),
            why: "fair: a client generated from the same spec (httpx, attrs models), the same paths and operations",
            one_request: true,
            program: python,
            args: vec![scripts.join("peer_generated.py").display().to_string()],
            env: vec![("PYTHONPATH", work.join("generated").display().to_string())],
        },
    ]
}

/// What every client measured: one sample per round (or per process).
struct Measured {
    /// Requests one team listing costs, counted by the proxy.
    requests: Vec<usize>,
    /// Median microseconds per kept-alive call, one figure per process.
    latency: Vec<Vec<f64>>,
    /// Milliseconds of a whole process making one call.
    cold: Vec<Vec<f64>>,
    /// Peak RSS in KiB of a process listing every user.
    rss: Vec<Vec<f64>>,
}

/// The order of the clients in `round`: rotated, so that none always runs first or last.
fn rotated(round: usize, clients: usize) -> impl Iterator<Item = usize> {
    (0..clients).map(move |index| (index + round) % clients)
}

fn measure(peers: &[Peer], server: &Server, plan: &Plan) -> Result<Measured, String> {
    let (url, credentials) = (server.url.as_str(), &server.credentials);
    let proxy = CountingProxy::start(url.trim_start_matches("http://")).map_err(|error| error.to_string())?;
    let mut requests = Vec::new();
    for peer in peers {
        let before = proxy.requests();
        peer.output(&["once", proxy.url()], credentials)?;
        let made = proxy.requests() - before;
        if peer.one_request && made != 1 {
            return Err(format!("{} made {made} requests for one listing: not the fair baseline it claims", peer.name));
        }
        requests.push(made);
    }
    // Every client must list the same users (the seeded ones and the sandbox's admin).
    let empty = || vec![Vec::new(); peers.len()];
    let (mut latency, mut cold, mut rss) = (empty(), empty(), empty());
    let mut expected: Option<String> = None;
    for round in 0..plan.rss_rounds {
        for index in rotated(round, peers.len()) {
            let (kib, listed) = peak_rss(&peers[index], &["list", url], credentials)?;
            let expected = expected.get_or_insert_with(|| listed.clone());
            if listed != *expected || listed.parse::<usize>().map_or(true, |users| users < USERS) {
                return Err(format!("{} listed {listed} users, another client listed {expected}", peers[index].name));
            }
            rss[index].push(kib);
        }
    }
    let (warmup, calls) = (plan.warmup.to_string(), plan.calls.to_string());
    for round in 0..plan.latency_rounds {
        for index in rotated(round, peers.len()) {
            let micros = peers[index].output(&["latency", url, &warmup, &calls], credentials)?;
            latency[index].push(micros.parse().map_err(|_| format!("{}: latency {micros:?}", peers[index].name))?);
        }
    }
    for round in 0..plan.cold_rounds {
        for index in rotated(round, peers.len()) {
            let started = Instant::now();
            peers[index].output(&["once", url], credentials)?;
            cold[index].push(started.elapsed().as_secs_f64() * 1e3);
        }
    }
    Ok(Measured { requests, latency, cold, rss })
}

pub fn bench_peers(root: &Path) -> Result<(), String> {
    let work = root.join("target/peers");
    std::fs::create_dir_all(&work).map_err(|error| error.to_string())?;
    install(root, &work)?;
    let ours = built_executable(root, &["--release", "--bench", "peers"], "peers")?;
    let peers = peers(root, &work, &ours);
    let plan = Plan::from_env();
    // The machine as a whole, before pinning narrows what this thread sees of it.
    let conditions = (crate::report::machine(), crate::report::load_average());
    // Processes inherit the mask of the thread that starts them.
    let placement = Placement::choose()?;
    affinity::pin_to(placement.server)?;
    let server = Server::start(&ours)?;
    affinity::pin_to(placement.clients)?;
    let measured = measure(&peers, &server, &plan)?;
    drop(server);
    let section = render(&peers, &measured, &placement, &conditions, &plan);
    print!("{section}");
    if plan.quick {
        println!("(quick mode: BENCHMARKS.md left unchanged)");
        return Ok(());
    }
    crate::report::write_section(&root.join("BENCHMARKS.md"), "peers", &section).map_err(|error| error.to_string())
}

/// One figure per round of ours over theirs (rounds pair the two sides' processes).
fn ratios(ours: &[f64], theirs: &[f64]) -> Spread {
    let per_round: Vec<f64> = ours.iter().zip(theirs).map(|(ours, theirs)| ours / theirs).collect();
    Spread::range(&per_round)
}

/// The three tables: latency with each baseline's explanation beside its number, cold start
/// and peak memory.
fn render(
    peers: &[Peer],
    measured: &Measured,
    placement: &Placement,
    (machine, load): &(String, String),
    plan: &Plan,
) -> String {
    let mut section = format!(
        "Measured by `cargo xtask bench-peers` on {}, {}, load average {load} at the start: one sandbox \
         process with {USERS} users on loopback, {}. Each client runs in processes of its own, the clients \
         interleaved round by round in a rotating order. Every figure is a median with its range (lowest–highest) \
         over the processes; a ratio is ours divided by theirs, round by round (below 1 is better). Requests per \
         call are counted by a proxy in front of the sandbox on one call of each client.\n\n",
        machine,
        version("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        placement.describe(),
    );
    section.push_str(&format!(
        "**One kept-alive team listing**: {} processes per client, each making {} untimed \
         calls and then {} timed ones; a process's figure is the median of its calls.\n\n\
         | client | requests per call | per call | ours ÷ theirs | what this baseline is, and why |\n\
         | --- | --- | --- | --- | --- |\n",
        plan.latency_rounds, plan.warmup, plan.calls
    ));
    for (index, peer) in peers.iter().enumerate() {
        let ratio = if index == 0 {
            "—".into()
        } else {
            ratios(&measured.latency[0], &measured.latency[index]).show(3, "×", "range")
        };
        section.push_str(&format!(
            "| {} | {} | {} | {ratio} | {} |\n",
            peer.name,
            measured.requests[index],
            Spread::range(&measured.latency[index]).show(1, " µs", "range"),
            peer.why
        ));
    }
    let tables = [
        (
            format!(
                "**Cold start**: {} whole processes per client that make one call, timed from outside.",
                plan.cold_rounds
            ),
            &measured.cold,
            " ms",
            1,
        ),
        (
            format!(
                "**Peak memory**: {} processes per client that list all {USERS} users 100 at a time (the shipped Node client asks twice for each page); peak RSS from GNU time.",
                plan.rss_rounds
            ),
            &measured.rss,
            " KiB",
            0,
        ),
    ];
    for (title, figures, unit, decimals) in tables {
        section.push_str(&format!("\n{title}\n\n| client | figure | ours ÷ theirs |\n| --- | --- | --- |\n"));
        for (index, peer) in peers.iter().enumerate() {
            let ratio =
                if index == 0 { "—".into() } else { ratios(&figures[0], &figures[index]).show(3, "×", "range") };
            section.push_str(&format!(
                "| {} | {} | {ratio} |\n",
                peer.name,
                Spread::range(&figures[index]).show(decimals, unit, "range")
            ));
        }
    }
    section
}

fn version(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .unwrap_or_else(|_| "?".into())
}
