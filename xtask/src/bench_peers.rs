//! `cargo xtask bench-peers`: this client next to its peers, doing the same work against the
//! same sandbox process on loopback — the official Node client (`saucelabs` from npm, pointed
//! at the sandbox with its `host` option), Python `requests` (one kept-alive session) and the
//! Python client `openapi-python-client` generates from `openapi/accounts.yaml`.
//!
//! It installs the peers itself, pinned, under `target/peers/` (npm and PyPI are the only
//! network it needs), builds this crate's side (`benches/peers.rs`) in release mode, starts
//! one sandbox with 10,000 users, and measures, interleaving the clients round by round:
//! the median latency of a kept-alive team listing, the wall time of a whole process that
//! makes one call (cold start), and the peak resident memory of a process that lists all
//! 10,000 users 100 at a time. Every peer must list exactly the users this crate lists, or the
//! run stops.
//! The ratios go to the `peers` section of BENCHMARKS.md.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

const SAUCELABS_NPM: &str = "8.0.0";
const REQUESTS: &str = "2.34.2";
const OPENAPI_PYTHON_CLIENT: &str = "0.29.1";
const USERS: usize = 10_000;
const CALLS: usize = 300;
const LATENCY_ROUNDS: usize = 5;
const COLD_ROUNDS: usize = 11;
const RSS_ROUNDS: usize = 3;

struct Peer {
    name: &'static str,
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

pub fn bench_peers(root: &Path) -> Result<(), String> {
    let work = root.join("target/peers");
    std::fs::create_dir_all(&work).map_err(|error| error.to_string())?;
    install(root, &work)?;
    let ours = built_executable(root, &["--release", "--bench", "peers"], "peers")?;
    let scripts = root.join("xtask/peers");
    let python = work.join("venv/bin/python");
    let peers = [
        Peer { name: "sauce-accounts (Rust)", program: ours.clone(), args: vec![], env: vec![] },
        Peer {
            name: format!("saucelabs {SAUCELABS_NPM} (Node {})", version("node", &["--version"])).leak(),
            program: "node".into(),
            args: vec![scripts.join("peer.js").display().to_string()],
            env: vec![("NODE_PATH", work.join("node/node_modules").display().to_string())],
        },
        Peer {
            name: format!("requests {REQUESTS} (Python)").leak(),
            program: python.clone(),
            args: vec![scripts.join("peer_requests.py").display().to_string()],
            env: vec![],
        },
        Peer {
            name: format!("generated by openapi-python-client {OPENAPI_PYTHON_CLIENT} (Python)").leak(),
            program: python,
            args: vec![scripts.join("peer_generated.py").display().to_string()],
            env: vec![("PYTHONPATH", work.join("generated").display().to_string())],
        },
    ];
    let server = Server::start(&ours)?;
    let (url, credentials) = (server.url.as_str(), &server.credentials);

    // Every client must list the same users (the seeded ones and the sandbox's admin).
    let mut rss: Vec<Vec<f64>> = vec![Vec::new(); peers.len()];
    let mut expected: Option<String> = None;
    for _ in 0..RSS_ROUNDS {
        for (index, peer) in peers.iter().enumerate() {
            let (kib, listed) = peak_rss(peer, &["list", url], credentials)?;
            let expected = expected.get_or_insert_with(|| listed.clone());
            if listed != *expected || listed.parse::<usize>().map_or(true, |users| users < USERS) {
                return Err(format!("{} listed {listed} users, {} listed {expected}", peer.name, peers[0].name));
            }
            rss[index].push(kib);
        }
    }
    let calls = CALLS.to_string();
    let mut latency: Vec<Vec<f64>> = vec![Vec::new(); peers.len()];
    for _ in 0..LATENCY_ROUNDS {
        for (index, peer) in peers.iter().enumerate() {
            let micros = peer.output(&["latency", url, &calls], credentials)?;
            latency[index].push(micros.parse().map_err(|_| format!("{}: latency {micros:?}", peer.name))?);
        }
    }
    let mut cold: Vec<Vec<f64>> = vec![Vec::new(); peers.len()];
    for _ in 0..COLD_ROUNDS {
        for (index, peer) in peers.iter().enumerate() {
            let started = Instant::now();
            peer.output(&["once", url], credentials)?;
            cold[index].push(started.elapsed().as_secs_f64() * 1e3);
        }
    }
    drop(server);

    let row = |what: &str, unit: &str, figures: &[Vec<f64>], index: usize| {
        let ours = crate::report::median(figures[0].clone());
        let theirs = crate::report::median(figures[index].clone());
        format!("| {what} | {ours:.1} {unit} | {theirs:.1} {unit} | {:.3}× |\n", ours / theirs)
    };
    let mut section = format!(
        "Measured by `cargo xtask bench-peers` on {}, {}: one sandbox process with {USERS} users on loopback; \
         each figure is the median over the rounds (latency: {LATENCY_ROUNDS} rounds of {CALLS} kept-alive \
         team listings, median per call; cold start: {COLD_ROUNDS} whole processes that make one call; memory: \
         {RSS_ROUNDS} processes that list all users 100 at a time, peak RSS from GNU time). The figure is ours \
         divided by theirs: below 1 is better. The Node client asks for `/team-management/v1/teams` \
         without the trailing slash, so each of its listings is redirected once, as the real service \
         redirects it.\n\n",
        crate::report::machine(),
        version("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
    );
    for (index, peer) in peers.iter().enumerate().skip(1) {
        section.push_str(&format!(
            "\n**{}**\n\n| what | ours | theirs | figure |\n| --- | --- | --- | --- |\n",
            peer.name
        ));
        section.push_str(&row("team listing, one kept-alive call", "µs", &latency, index));
        section.push_str(&row("cold start, a whole process with one call", "ms", &cold, index));
        section.push_str(&row("peak RSS, listing 10,000 users", "KiB", &rss, index));
    }
    print!("{section}");
    crate::report::write_section(&root.join("BENCHMARKS.md"), "peers", &section).map_err(|error| error.to_string())
}

fn version(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .unwrap_or_else(|_| "?".into())
}
