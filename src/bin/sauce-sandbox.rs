//! `sauce-sandbox`: serves the embedded Accounts API sandbox on loopback until interrupted,
//! for trying tools and clients in any language without a real organization.

use std::io::Write;
use std::process::ExitCode;

use sauce_accounts::RateLimit;
use sauce_accounts::sandbox::{Sandbox, Seed};

const USAGE: &str = "usage: sauce-sandbox [--port PORT] [--seed FILE] [--rate-limit]

Serves an in-memory Sauce Labs Accounts API on 127.0.0.1 (every operation of
openapi/accounts.yaml) and prints its URL and the demo admin's credentials.

  --port PORT   listen on this port (default: a free one)
  --seed FILE   start from this JSON seed instead of the built-in organization
                (same format as src/sandbox/seed.json)
  --rate-limit  enforce the API's documented limits (10 requests a second and
                3,500 an hour per account, 2 a minute unauthenticated): 429 with
                Retry-After past them, X-Ratelimit-* headers on every answer
";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("sauce-sandbox: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut port = 0u16;
    let mut seed = Seed::builtin();
    let mut rate_limit = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a number")?;
                port = value.parse().map_err(|_| format!("--port: {value:?} is not a port number"))?;
            }
            "--seed" => {
                let path = args.next().ok_or("--seed needs a file")?;
                let text = std::fs::read_to_string(&path).map_err(|error| format!("--seed {path}: {error}"))?;
                seed = serde_json::from_str(&text).map_err(|error| format!("--seed {path}: {error}"))?;
            }
            "--rate-limit" => rate_limit = Some(RateLimit::documented()),
            "--help" | "-h" => {
                print!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?}\n\n{USAGE}")),
        }
    }
    let mut builder = Sandbox::builder().seed(seed).port(port);
    if let Some(limit) = rate_limit {
        builder = builder.rate_limit(limit);
    }
    let sandbox = builder.start().map_err(|error| error.to_string())?;
    let admin = sandbox.admin_credentials();
    let mut banner = format!("Sauce Labs Accounts API sandbox listening on {}\n", sandbox.url());
    banner.push_str("Demo organization admin (sandbox only; never a real key). For Client::from_env and the CLI:\n");
    banner.push_str(&format!("  export SAUCE_USERNAME={}\n", admin.username()));
    banner.push_str(&format!("  export SAUCE_ACCESS_KEY={}\n", admin.access_key().expose()));
    banner.push_str(&format!("  export SAUCE_BASE_URL={}\n", sandbox.url()));
    if rate_limit.is_some() {
        banner.push_str("Rate limits enforced: 10 requests a second, 3,500 an hour per account.\n");
    }
    banner.push_str("Press Ctrl-C to stop.\n");
    // Whoever started the sandbox may stop reading once it has the exports (a parent process,
    // `| head -5`): a closed standard output must not stop the server, so write errors are ignored.
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(banner.as_bytes()).and_then(|()| stdout.flush());
    drop(stdout);
    loop {
        std::thread::park();
    }
}
