//! Repository chores for sauce-accounts, run as `cargo xtask <verb>`.
//!
//! - `expand`: writes the code `build.rs` generates to `generated/` (git-ignored) to read it;
//! - `docs-sync [--docs PATH_OR_URL]... [--newest PATH_OR_URL]... [--json] [--verbose]`: checks
//!   `openapi/accounts.yaml` against the Accounts and Insights API docs (by default every file
//!   of ../shared/docs and ../shared/docs-current, the latter the newest version), with
//!   `openapi/deviations.yaml` explaining the differences;
//! - `bench-build [--keep]`: measures the build cost against progenitor's async client;
//! - `bench-peers`: measures this client against the official Node client and two Python ones;
//! - `add-operation-check`: adds a throwaway operation to a copy of the checkout and checks that
//!   the compiler names every place that must handle it;
//! - `public-api [--check]`: writes the public API's picture to `public-api.txt`;
//! - `python-client`: checks that the Python client generated from the spec parses every live
//!   and sandbox answer;
//! - `reference [--out DIR]`: writes the published reference (`index.html`, one self-contained
//!   page) and the spec with generated `x-codeSamples` (`accounts.json`) to DIR.

mod add_operation;
mod bench_build;
mod bench_peers;
#[path = "../../codegen/mod.rs"]
mod codegen;
mod docs;
#[cfg(test)]
mod generated_checks;
mod public_api;
mod python_client;
mod reference;
#[cfg(test)]
mod reference_tests;
#[path = "../../benches/support/report.rs"]
mod report;
mod sync;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <verb>

verbs:
  expand                          write the generated code to generated/ for reading
  docs-sync [--docs PATH_OR_URL]... [--newest PATH_OR_URL]... [--json] [--verbose]
                                  compare openapi/accounts.yaml with the Accounts API docs
                                  (default docs: ../shared/docs/* and ../shared/docs-current/*,
                                  the newest version; URLs are fetched); an operation only
                                  older documents list is reported unless a deviation says why
  bench-build [--keep] [--runs N] build a one-call program with this crate and with progenitor's
                                  async client from clean, N times each (3), alternating; write the
                                  build table of BENCHMARKS.md
  bench-peers                     install the official Node client, Python requests and a Python
                                  client generated from the spec (pinned, under target/peers) and
                                  measure them against this crate; write the peers table
  add-operation-check             add a throwaway operation to a copy of the checkout's spec and
                                  check that the build names every place to edit
  public-api [--check]            write the public API (every public signature, generated code
                                  included) to public-api.txt; --check compares instead
  python-client                   generate the Python client from the spec (openapi-python-client,
                                  pinned, under target/peers) and check that it parses every live
                                  answer and the sandbox's answer to every operation
  reference [--out DIR]           write the published reference: DIR/index.html (one
                                  self-contained page) and DIR/accounts.json (the spec with
                                  curl, Rust and CLI samples); DIR is target/reference
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("expand") => expand(),
        Some("docs-sync") => docs_sync(&args[1..]),
        Some("bench-build") => {
            let runs = args.iter().position(|arg| arg == "--runs").and_then(|at| args.get(at + 1)?.parse().ok());
            bench_build::bench_build(args[1..].iter().any(|arg| arg == "--keep"), runs).map(|()| ExitCode::SUCCESS)
        }
        Some("bench-peers") => bench_peers::bench_peers(&root()).map(|()| ExitCode::SUCCESS),
        Some("add-operation-check") => add_operation::add_operation_check(&root()).map(|()| ExitCode::SUCCESS),
        Some("public-api") => {
            public_api::public_api(&root(), args[1..].iter().any(|arg| arg == "--check")).map(|()| ExitCode::SUCCESS)
        }
        Some("python-client") => python_client::python_client(&root()).map(|()| ExitCode::SUCCESS),
        Some("reference") => {
            let out = match args.iter().position(|arg| arg == "--out") {
                Some(at) => args.get(at + 1).map(PathBuf::from).ok_or_else(|| "--out needs a folder".to_string()),
                None => Ok(root().join("target/reference")),
            };
            out.and_then(|out| reference::reference(&root(), &out)).map(|()| ExitCode::SUCCESS)
        }
        Some("help" | "--help" | "-h") | None => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Some(other) => Err(format!("unknown verb {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

/// The workspace root of the checkout this runs in: found at run time (`cargo run` sets
/// `CARGO_MANIFEST_DIR` for the program it starts; else the current directory and its
/// parents), not the path compiled into the binary, which may belong to another checkout.
pub fn root() -> PathBuf {
    let start = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    root_from(&start).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
}

/// The nearest of `start` and its parents that holds `openapi/accounts.yaml`.
pub fn root_from(start: &Path) -> Option<PathBuf> {
    start.ancestors().find(|dir| dir.join("openapi/accounts.yaml").is_file()).map(Path::to_path_buf)
}

fn expand() -> Result<ExitCode, String> {
    let started = std::time::Instant::now();
    let generated = codegen::generate_from_path(&root().join("openapi/accounts.yaml"))?;
    let elapsed = started.elapsed();
    let directory = root().join("generated");
    std::fs::create_dir_all(&directory).map_err(|error| error.to_string())?;
    for (name, text) in generated.files() {
        std::fs::write(directory.join(name), text).map_err(|error| error.to_string())?;
        println!("wrote generated/{name} ({} lines)", text.lines().count());
    }
    println!("{} generated lines in {:.0?}", generated.line_count(), elapsed);
    Ok(ExitCode::SUCCESS)
}

/// The folders docs-sync reads when no `--docs` is given: the current pages and the older
/// copies kept as history.
pub const DEFAULT_DOC_FOLDERS: [&str; 2] = ["../shared/docs", "../shared/docs-current"];

/// The default folder that holds the newest version of the docs.
pub const NEWEST_DOC_FOLDER: &str = "../shared/docs-current";

/// Every file of `folders`, sorted.
pub fn default_documents_in(folders: &[&str]) -> Result<Vec<String>, String> {
    let mut found = Vec::new();
    for folder in folders {
        let folder = root().join(folder);
        let entries = std::fs::read_dir(&folder)
            .map_err(|error| format!("no --docs given and {} cannot be read: {error}", folder.display()))?;
        found.extend(entries.filter_map(|entry| entry.ok().map(|entry| entry.path().display().to_string())));
    }
    found.sort();
    Ok(found)
}

/// Every file of the default folders, sorted.
pub fn default_documents() -> Result<Vec<String>, String> {
    default_documents_in(&DEFAULT_DOC_FOLDERS)
}

fn docs_sync(args: &[String]) -> Result<ExitCode, String> {
    let mut sources = Vec::new();
    let mut newest = Vec::new();
    let mut json = false;
    let mut verbose = false;
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--docs" => sources.push(args.next().ok_or("--docs needs a path or URL")?.clone()),
            "--newest" => newest.push(args.next().ok_or("--newest needs a path or URL")?.clone()),
            "--json" => json = true,
            "--verbose" | "-v" => verbose = true,
            other => return Err(format!("docs-sync: unknown argument {other:?}\n\n{USAGE}")),
        }
    }
    if sources.is_empty() && newest.is_empty() {
        sources = default_documents()?;
        newest = default_documents_in(&[NEWEST_DOC_FOLDER])?;
        sources.retain(|source| !newest.contains(source));
    }
    sources.extend(newest.iter().cloned());
    let (names, docs) = sync::load_documents(&sources)?;
    // Operations carry the file name they were read from (`name:line`).
    let newest: Vec<String> =
        newest.iter().map(|source| source.rsplit('/').next().unwrap_or(source).to_string()).collect();
    let read = |name: &str| std::fs::read_to_string(root().join(name)).map_err(|error| format!("{name}: {error}"));
    let report =
        sync::compare(&read("openapi/accounts.yaml")?, &read("openapi/deviations.yaml")?, names, &docs, &newest)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report).map_err(|error| error.to_string())?);
    } else {
        print!("{}", report.render(verbose));
    }
    Ok(if report.in_sync() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
