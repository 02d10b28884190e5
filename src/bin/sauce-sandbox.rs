//! `sauce-sandbox`: serves the embedded Accounts API sandbox on loopback until interrupted,
//! for trying tools and clients in any language without a real organization.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, ExitCode, Stdio};
use std::time::Duration;

use sauce_accounts::RateLimit;
use sauce_accounts::sandbox::{Faults, Sandbox, Seed};

const USAGE: &str = "usage: sauce-sandbox [--background] [--port PORT] [--seed FILE] [--rate-limit]
                     [--fail-write N | --fail-every-write N]
                     [--drop-after-commit N | --drop-after-every-commit N] [--latency MS]

Serves an in-memory Sauce Labs Accounts API on 127.0.0.1 (every operation of
openapi/accounts.yaml). Standard output gets `export` lines for SAUCE_USERNAME,
SAUCE_ACCESS_KEY and SAUCE_BASE_URL (the demo admin and the URL); the banner goes
to standard error.

  --background  start the server detached, print the export lines (and
                SAUCE_SANDBOX_PID, to stop it with `kill`) once it accepts
                connections, and return:  eval \"$(sauce-sandbox --background)\"
  --port PORT   listen on this port (default: a free one)
  --seed FILE   start from this JSON seed instead of the built-in organization
                (same format as src/sandbox/seed.json)
  --rate-limit  enforce the API's documented limits (10 requests a second and
                3,500 an hour per account, 2 a minute unauthenticated): 429 with
                Retry-After past them, X-Ratelimit-* headers on every answer

Faults, to test retry and resume logic (a write is a POST, PUT, PATCH or DELETE;
writes are numbered from 1):
  --fail-write N               answer the Nth write 503, changing nothing
  --fail-every-write N         answer every Nth write 503
  --drop-after-commit N        carry out the Nth write, then close the
                               connection without an answer
  --drop-after-every-commit N  the same for every Nth write
  --latency MS                 answer every request MS milliseconds late
";

/// The hidden argument of the detached server `--background` starts.
const DETACHED: &str = "--detached-child";
/// The longest `--latency`: beyond it a client would only ever time out.
const MAX_LATENCY_MS: u64 = 600_000;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "sauce-sandbox: {message}");
            ExitCode::from(2)
        }
    }
}

enum Mode {
    Foreground,
    Background,
    Detached,
}

struct Options {
    mode: Mode,
    port: u16,
    seed: Seed,
    rate_limit: bool,
    faults: Faults,
}

fn run() -> Result<(), String> {
    let Some(options) = parse(std::env::args().skip(1))? else {
        print!("{USAGE}");
        return Ok(());
    };
    match options.mode {
        Mode::Background => start_detached(),
        Mode::Foreground | Mode::Detached => serve(options),
    }
}

/// The options, or `None` for `--help`.
fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options =
        Options { mode: Mode::Foreground, port: 0, seed: Seed::builtin(), rate_limit: false, faults: Faults::new() };
    while let Some(arg) = args.next() {
        let mut value = |what: &str| args.next().ok_or(format!("{arg} needs {what}"));
        match arg.as_str() {
            "--background" => options.mode = Mode::Background,
            DETACHED => options.mode = Mode::Detached,
            "--port" => {
                let port = value("a number")?;
                options.port = port.parse().map_err(|_| format!("--port: {port:?} is not a port number"))?;
            }
            "--seed" => {
                let path = value("a file")?;
                let text = std::fs::read_to_string(&path).map_err(|error| format!("--seed {path}: {error}"))?;
                options.seed = serde_json::from_str(&text).map_err(|error| format!("--seed {path}: {error}"))?;
            }
            "--rate-limit" => options.rate_limit = true,
            "--fail-write" => options.faults = options.faults.fail_write(count(&arg, &value("a number")?)?),
            "--fail-every-write" => options.faults = options.faults.fail_every_write(count(&arg, &value("a number")?)?),
            "--drop-after-commit" => {
                options.faults = options.faults.drop_after_commit(count(&arg, &value("a number")?)?)
            }
            "--drop-after-every-commit" => {
                options.faults = options.faults.drop_after_every_commit(count(&arg, &value("a number")?)?);
            }
            "--latency" => {
                let text = value("milliseconds")?;
                let millis = text
                    .parse::<u64>()
                    .ok()
                    .filter(|millis| *millis <= MAX_LATENCY_MS)
                    .ok_or(format!("--latency: {text:?} is not a number of milliseconds up to {MAX_LATENCY_MS}"))?;
                options.faults = options.faults.latency(Duration::from_millis(millis));
            }
            "--help" | "-h" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
    }
    Ok(Some(options))
}

/// A write's number: 1 or more.
fn count(flag: &str, text: &str) -> Result<u64, String> {
    text.parse::<u64>().ok().filter(|count| *count > 0).ok_or(format!("{flag}: {text:?} is not a count (1 or more)"))
}

fn serve(options: Options) -> Result<(), String> {
    let mut builder = Sandbox::builder().seed(options.seed).port(options.port).faults(options.faults);
    if options.rate_limit {
        builder = builder.rate_limit(RateLimit::documented());
    }
    let sandbox = builder.start().map_err(|error| error.to_string())?;
    let admin = sandbox.admin_credentials();
    let mut exports = vec![
        ("SAUCE_USERNAME", admin.username().to_string()),
        ("SAUCE_ACCESS_KEY", admin.access_key().expose().to_string()),
        ("SAUCE_BASE_URL", sandbox.url().to_string()),
    ];
    if let Mode::Detached = options.mode {
        exports.push(("SAUCE_SANDBOX_PID", std::process::id().to_string()));
    }
    let exports: String =
        exports.iter().map(|(name, value)| format!("export {name}={}\n", shell_quoted(value))).collect();
    // Whoever started the sandbox may stop reading once it has the exports (a parent process,
    // `| head -3`, the `--background` parent that has exited): a closed output must not stop
    // the server, so write errors are ignored.
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(exports.as_bytes()).and_then(|()| stdout.flush());
    drop(stdout);
    if let Mode::Foreground = options.mode {
        let _ = std::io::stderr().write_all(banner(&sandbox, options.rate_limit, options.faults).as_bytes());
    }
    loop {
        std::thread::park();
    }
}

fn banner(sandbox: &Sandbox, rate_limit: bool, faults: Faults) -> String {
    let mut banner = format!("Sauce Labs Accounts API sandbox listening on {}\n", sandbox.url());
    banner.push_str("The export lines on standard output name a demo organization admin (sandbox only; never a\n");
    banner.push_str("real key) and the URL, for Client::from_env and the CLI.\n");
    if rate_limit {
        banner.push_str("Rate limits enforced: 10 requests a second, 3,500 an hour per account.\n");
    }
    if faults != Faults::new() {
        banner.push_str(&format!("Faults injected: {faults}.\n"));
    }
    banner.push_str("Press Ctrl-C to stop.\n");
    banner
}

/// `--background`: starts this program again, detached (its own process group, no
/// terminal, standard error to /dev/null), relays its export lines once it serves, and
/// returns while it runs on.
fn start_detached() -> Result<(), String> {
    let program = std::env::current_exe().map_err(|error| format!("cannot find this program: {error}"))?;
    let mut args: Vec<String> = std::env::args().skip(1).filter(|arg| arg != "--background").collect();
    args.push(DETACHED.to_string());
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let mut child = command.spawn().map_err(|error| format!("cannot start the server: {error}"))?;
    let mut exports = String::new();
    let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
    let ready = loop {
        match lines.next() {
            Some(Ok(line)) => {
                exports.push_str(&line);
                exports.push('\n');
                if line.starts_with("export SAUCE_SANDBOX_PID=") {
                    break true;
                }
            }
            _ => break false,
        }
    };
    if !ready {
        let mut reason = String::new();
        if let Some(stderr) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut std::io::Read::take(stderr, 64 * 1024), &mut reason);
        }
        let _ = child.wait();
        let reason = reason.trim().trim_start_matches("sauce-sandbox: ");
        return Err(if reason.is_empty() {
            "the server stopped before it was ready".to_string()
        } else {
            reason.to_string()
        });
    }
    // Without its export lines nobody could stop the server: if they cannot be written, stop it.
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout.write_all(exports.as_bytes()).and_then(|()| stdout.flush()) {
        let _ = child.kill();
        let _ = child.wait();
        return Err(format!("cannot write the export lines ({error}); the server was stopped"));
    }
    let _ = writeln!(
        std::io::stderr(),
        "Sauce Labs Accounts API sandbox running in the background (pid {}); stop it with: kill \"$SAUCE_SANDBOX_PID\"",
        child.id()
    );
    Ok(())
}

/// `value` as one shell word: bare when it is made of safe characters, else single-quoted
/// (a seed's username could otherwise run code through `eval`).
fn shell_quoted(value: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_.,:/@%+=".contains(c);
    if !value.is_empty() && value.chars().all(safe) {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}
