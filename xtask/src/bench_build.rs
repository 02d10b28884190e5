//! `cargo xtask bench-build`: what the crate costs at build time, next to progenitor's
//! standard async client (reqwest + tokio) generated from the same spec.
//!
//! In a temporary directory it builds, each from clean and in release mode, a tiny program
//! that fetches one team (a) with a copy of this crate and (b) with progenitor's generated
//! client. It reports wall time, crates compiled and binary size, the time build.rs spends
//! generating code, and whether editing `src/` alone re-runs the generator. Dependencies are
//! fetched before timing, so downloads are not counted.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const OURS_MAIN: &str = r#"fn main() -> Result<(), sauce_accounts::Error> {
    let client = sauce_accounts::Client::from_env()?;
    let team = client.teams().get("80d69d16ebdb4c018cc9d81ea911761a")?;
    println!("{}", team.name);
    Ok(())
}
"#;

const BASELINE_MAIN: &str = r#"include!(concat!(env!("OUT_DIR"), "/codegen.rs"));

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let username = std::env::var("SAUCE_USERNAME")?;
    let key = std::env::var("SAUCE_ACCESS_KEY")?;
    let mut headers = reqwest::header::HeaderMap::new();
    let pair = format!("{username}:{key}");
    headers.insert(reqwest::header::AUTHORIZATION, format!("Basic {}", encode(pair.as_bytes())).parse()?);
    let http = reqwest::Client::builder().default_headers(headers).build()?;
    let client = Client::new_with_client("https://api.us-west-1.saucelabs.com", http);
    let team_id: types::TeamId = "80d69d16ebdb4c018cc9d81ea911761a".parse()?;
    let team = client.get_team(&team_id).await?;
    println!("{}", team.name);
    Ok(())
}

/// Base64 without another dependency, to keep the baseline's graph to what progenitor needs.
fn encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}
"#;

/// progenitor panics on operations with several response schemas, so its build script keeps
/// the first success response of each operation (the notes in shared/ describe why).
const BASELINE_BUILD: &str = r#"fn main() {
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/accounts.yaml");
    println!("cargo:rerun-if-changed={src}");
    let text = std::fs::read_to_string(src).unwrap();
    let mut spec: openapiv3::OpenAPI = serde_yaml::from_str(&text).unwrap();
    for (_, item) in spec.paths.paths.iter_mut() {
        let openapiv3::ReferenceOr::Item(item) = item else { continue };
        for operation in [&mut item.get, &mut item.put, &mut item.post, &mut item.patch, &mut item.delete].into_iter().flatten() {
            let first = operation.responses.responses.keys().find(|status| status.to_string().starts_with('2')).cloned().unwrap();
            operation.responses.responses.retain(|status, _| *status == first);
        }
    }
    let mut generator = progenitor::Generator::default();
    let tokens = generator.generate_tokens(&spec).unwrap();
    let ast = syn::parse2(tokens).unwrap();
    let out = std::path::Path::new(&std::env::var("OUT_DIR").unwrap()).join("codegen.rs");
    std::fs::write(out, prettyplease::unparse(&ast)).unwrap();
}
"#;

const BASELINE_MANIFEST: &str = r#"[package]
name = "baseline"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
chrono = { version = "0.4", features = ["serde"] }
futures = "0.3"
progenitor-client = "0.15"
regress = "0.12"
reqwest = { version = "0.13", features = ["json", "query", "stream"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
tokio = { version = "1", features = ["rt-multi-thread", "macros"] }

[build-dependencies]
openapiv3 = "2.2"
prettyplease = "0.3"
progenitor = { version = "0.15", default-features = false }
serde_yaml = "0.9"
syn = "3"

[workspace]
"#;

struct Measured {
    seconds: f64,
    crates: usize,
    binary_bytes: u64,
}

fn run(command: &mut Command, what: &str) -> Result<String, String> {
    let output = command.output().map_err(|error| format!("{what}: {error}"))?;
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    if !output.status.success() {
        return Err(format!("{what} failed:\n{text}"));
    }
    Ok(text)
}

fn cargo(project: &Path, target: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.args(args).current_dir(project).env("CARGO_TARGET_DIR", target).env_remove("RUSTFLAGS");
    command
}

fn build(project: &Path, target: &Path, binary: &str) -> Result<Measured, String> {
    run(&mut cargo(project, target, &["fetch"]), "cargo fetch")?;
    let started = Instant::now();
    // `--timings` only records what the build does (target/cargo-timings), for `breakdown`.
    let log = run(
        &mut cargo(project, target, &["build", "--release", "--timings"]),
        &format!("building {}", project.display()),
    )?;
    let seconds = started.elapsed().as_secs_f64();
    let crates = log.lines().filter(|line| line.trim_start().starts_with("Compiling ")).count();
    let binary_bytes = std::fs::metadata(target.join("release").join(binary)).map_err(|error| error.to_string())?.len();
    Ok(Measured { seconds, crates, binary_bytes })
}

/// The crate's manifest without what only its own repository needs.
fn library_manifest(root: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(root.join("Cargo.toml")).map_err(|error| error.to_string())?;
    let mut out = String::new();
    let mut keep = true;
    for line in text.lines() {
        if line.starts_with('[') {
            keep = !["[dev-dependencies]", "[[bench]]", "[[example]]", "[[bin]]", "[workspace]"].contains(&line.trim());
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str("\n[workspace]\n");
    Ok(out)
}

fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    std::fs::create_dir_all(to).map_err(|error| error.to_string())?;
    for entry in std::fs::read_dir(from).map_err(|error| error.to_string())? {
        let entry = entry.map_err(|error| error.to_string())?;
        let target = to.join(entry.file_name());
        if entry.file_type().map_err(|error| error.to_string())?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target).map_err(|error| error.to_string())?;
        }
    }
    Ok(())
}

fn codegen_micros(target: &Path) -> Result<(u64, u64), String> {
    let build = target.join("release/build");
    for entry in std::fs::read_dir(&build).map_err(|error| error.to_string())? {
        let report = entry.map_err(|error| error.to_string())?.path().join("out/codegen.txt");
        if let Ok(text) = std::fs::read_to_string(&report) {
            let value = |key: &str| {
                text.lines()
                    .find_map(|line| line.strip_prefix(key))
                    .and_then(|value| value.parse::<u64>().ok())
                    .unwrap_or(0)
            };
            return Ok((value("micros="), value("lines=")));
        }
    }
    Err("build.rs left no codegen.txt".into())
}

/// What each part of the one-call program's graph costs to compile, from the unit durations in
/// cargo's `--timings` report of its last clean build. cargo runs at most one unit per core at a
/// time (`--jobs` defaults to the cores), so the units' total duration divided by the cores bounds
/// the build's wall time from below, whatever order they run in.
const GROUPS: &[(&str, &[&str])] = &[
    (
        "TLS (rustls with ring, as ureq's `rustls` feature fixes it)",
        &[
            "ring",
            "rustls",
            "rustls-webpki",
            "rustls-pki-types",
            "webpki-roots",
            "untrusted",
            "zeroize",
            "subtle",
            "getrandom",
            "libc",
            "cfg-if",
            "once_cell",
        ],
    ),
    (
        "HTTP (ureq and its protocol crates)",
        &[
            "ureq",
            "ureq-proto",
            "http",
            "httparse",
            "bytes",
            "base64",
            "utf8-zero",
            "log",
            "percent-encoding",
            "httpdate",
            "fastrand",
        ],
    ),
    (
        "JSON and dates (serde, serde_json, chrono)",
        &["serde", "serde_core", "serde_json", "memchr", "itoa", "ryu", "zmij", "chrono", "num-traits"],
    ),
    ("this crate (library, build script)", &["sauce-accounts"]),
    ("the one-call program", &["ours"]),
];
const COMPILE_TIME_ONLY: &str = "compile time only: build.rs's generator (typify, schemars, regress, openapiv3, syn, prettyplease…), derive macros, cc";

/// Seconds per group, in `GROUPS` order then the compile-time-only group, and the total.
/// `runtime` names the crates linked into the program (`cargo tree -e normal,no-proc-macro`); a
/// crate that is also a build dependency is compiled twice, and its longer unit (optimised, not
/// the build profile's unoptimised one) counts for the program.
pub(crate) fn breakdown(report: &str, runtime: &[String]) -> Result<(Vec<(String, f64)>, f64), String> {
    let start = report.find("const UNIT_DATA = ").ok_or("the --timings report has no UNIT_DATA")?;
    let json = &report[start + "const UNIT_DATA = ".len()..];
    let end = json.find("];").ok_or("UNIT_DATA does not end")? + 1;
    let units: serde_json::Value = serde_json::from_str(&json[..end]).map_err(|error| error.to_string())?;
    let units = units.as_array().ok_or("UNIT_DATA is not a list")?;
    let field = |unit: &serde_json::Value, key: &str| unit[key].as_str().unwrap_or_default().trim().to_string();
    // Per runtime library: its group and the durations of its units (host and target copies).
    let mut libraries: std::collections::BTreeMap<String, (usize, Vec<f64>)> = Default::default();
    let mut seconds = vec![0.0; GROUPS.len() + 1];
    for unit in units {
        let name = field(unit, "name");
        let duration = unit["duration"].as_f64().unwrap_or(0.0);
        let group = GROUPS.iter().position(|(_, names)| names.contains(&name.as_str()));
        let build_script = field(unit, "target").starts_with("build-script");
        match group {
            Some(index) if runtime.contains(&name) && build_script => seconds[index] += duration,
            Some(index) if runtime.contains(&name) => {
                libraries.entry(name).or_insert((index, Vec::new())).1.push(duration)
            }
            _ => seconds[GROUPS.len()] += duration,
        }
    }
    for (index, mut durations) in libraries.into_values() {
        durations.sort_by(f64::total_cmp);
        seconds[index] += durations.pop().unwrap_or(0.0);
        seconds[GROUPS.len()] += durations.iter().sum::<f64>();
    }
    let total = seconds.iter().sum();
    let names = GROUPS.iter().map(|(name, _)| name.to_string()).chain([COMPILE_TIME_ONLY.to_string()]);
    Ok((names.zip(seconds).collect(), total))
}

fn runtime_crates(project: &Path, target: &Path) -> Result<Vec<String>, String> {
    let tree = run(
        &mut cargo(
            project,
            target,
            &["tree", "--edges", "normal,no-proc-macro", "--prefix", "none", "--format", "{p}"],
        ),
        "cargo tree",
    )?;
    Ok(tree.lines().filter_map(|line| line.split_whitespace().next()).map(str::to_string).collect())
}

/// The first run of the README's two commands in a fresh checkout: each builds from a clean
/// target directory of its own (dependencies already fetched), in the dev profile they use.
fn first_runs(root: &Path, work: &Path) -> Result<[(f64, usize, String); 2], String> {
    let measure = |args: &[&str], target: &str| -> Result<(f64, usize, String), String> {
        let started = Instant::now();
        let log = run(&mut cargo(root, &work.join(target), args), &format!("cargo {}", args.join(" ")))?;
        let crates = log.lines().filter(|line| line.trim_start().starts_with("Compiling ")).count();
        Ok((started.elapsed().as_secs_f64(), crates, log))
    };
    run(&mut cargo(root, &work.join("target-first-tour"), &["fetch"]), "cargo fetch")?;
    Ok([
        measure(&["build", "--package", "sauce-accounts-tour"], "target-first-tour")?,
        measure(&["test", "--workspace", "--no-run"], "target-first-tests")?,
    ])
}

/// Clean builds of each side, alternating, for `runs` rounds; the ratio reported is the median
/// of the per-round ratios, so a slow phase of a shared machine hits both sides alike.
const DEFAULT_RUNS: usize = 3;

pub fn bench_build(keep: bool, runs: Option<usize>) -> Result<(), String> {
    let runs = runs.unwrap_or(DEFAULT_RUNS).max(1);
    let root = crate::root();
    let work = std::env::temp_dir().join(format!("sauce-accounts-bench-build-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    let library = work.join("sauce-accounts");
    for folder in ["src", "codegen", "openapi"] {
        copy_tree(&root.join(folder), &library.join(folder))?;
    }
    for file in ["build.rs", "README.md", "ARCHITECTURE.md"] {
        std::fs::copy(root.join(file), library.join(file)).map_err(|error| error.to_string())?;
    }
    std::fs::write(library.join("Cargo.toml"), library_manifest(&root)?).map_err(|error| error.to_string())?;

    let ours = work.join("ours");
    std::fs::create_dir_all(ours.join("src")).map_err(|error| error.to_string())?;
    std::fs::write(
        ours.join("Cargo.toml"),
        "[package]\nname = \"ours\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n[dependencies]\nsauce-accounts = { path = \"../sauce-accounts\" }\n\n[workspace]\n",
    )
    .map_err(|error| error.to_string())?;
    std::fs::write(ours.join("src/main.rs"), OURS_MAIN).map_err(|error| error.to_string())?;

    let baseline = work.join("baseline");
    std::fs::create_dir_all(baseline.join("src")).map_err(|error| error.to_string())?;
    std::fs::write(baseline.join("Cargo.toml"), BASELINE_MANIFEST).map_err(|error| error.to_string())?;
    std::fs::write(baseline.join("build.rs"), BASELINE_BUILD).map_err(|error| error.to_string())?;
    std::fs::write(baseline.join("src/main.rs"), BASELINE_MAIN).map_err(|error| error.to_string())?;
    std::fs::copy(root.join("openapi/accounts.yaml"), baseline.join("accounts.yaml"))
        .map_err(|error| error.to_string())?;

    println!("building both programs from clean {runs} times in {} (a few minutes each on 2 cores)…", work.display());
    let ours_target = work.join("target-ours");
    let baseline_target = work.join("target-baseline");
    // An unmeasured round first, so that no measured build is the first to read a side's
    // sources and toolchain from disk (in two runs without it the baseline's first build was
    // its slowest, which favoured us). The machine's own swings remain; the median handles them.
    println!("warm-up round (not measured)…");
    build(&ours, &ours_target, "ours")?;
    build(&baseline, &baseline_target, "baseline")?;
    let mut rounds = Vec::new();
    for round in 1..=runs {
        let _ = std::fs::remove_dir_all(&ours_target);
        let _ = std::fs::remove_dir_all(&baseline_target);
        // ours goes first in odd rounds, the baseline in even ones.
        let (ours_round, baseline_round) = if round % 2 == 1 {
            let ours_round = build(&ours, &ours_target, "ours")?;
            (ours_round, build(&baseline, &baseline_target, "baseline")?)
        } else {
            let baseline_round = build(&baseline, &baseline_target, "baseline")?;
            (build(&ours, &ours_target, "ours")?, baseline_round)
        };
        println!(
            "round {round}: ours {:.1} s, baseline {:.1} s, {:.3}×",
            ours_round.seconds,
            baseline_round.seconds,
            ours_round.seconds / baseline_round.seconds
        );
        rounds.push((ours_round, baseline_round));
    }
    let (codegen, lines) = codegen_micros(&ours_target)?;
    let timings = std::fs::read_to_string(ours_target.join("cargo-timings/cargo-timing.html"))
        .map_err(|error| format!("the --timings report: {error}"))?;
    let (groups, unit_seconds) = breakdown(&timings, &runtime_crates(&ours, &ours_target)?)?;
    let median = crate::report::median::<f64>;
    let round_ratios: Vec<f64> = rounds.iter().map(|(ours, baseline)| ours.seconds / baseline.seconds).collect();
    let (ours_result, baseline_result) = rounds.pop().expect("at least one round");
    let ours_seconds = median(rounds.iter().map(|(ours, _)| ours.seconds).chain([ours_result.seconds]).collect());
    let baseline_seconds =
        median(rounds.iter().map(|(_, baseline)| baseline.seconds).chain([baseline_result.seconds]).collect());

    println!("building the README's two commands from clean in this checkout…");
    let [tour, tests] = first_runs(&root, &work)?;

    // Touch the library's src/ only: the generator must not run again.
    let lib = library.join("src/lib.rs");
    let file = std::fs::OpenOptions::new().append(true).open(&lib).map_err(|error| error.to_string())?;
    file.set_modified(std::time::SystemTime::now() + Duration::from_secs(2)).map_err(|error| error.to_string())?;
    drop(file);
    let rebuild = run(&mut cargo(&ours, &ours_target, &["build", "--release", "-v"]), "rebuilding after a src/ edit")?;
    let reran = rebuild
        .lines()
        .any(|line| line.contains("sauce-accounts") && line.contains("build-script-build") && line.contains("Running"));

    let ratio = |ours: f64, baseline: f64| ours / baseline;
    let yes_no = |met: bool| if met { "yes" } else { "NO" };
    let build_ratio = median(round_ratios.clone());
    let each: Vec<String> = round_ratios.iter().map(|ratio| format!("{ratio:.2}")).collect();
    let size_ratio = ratio(ours_result.binary_bytes as f64, baseline_result.binary_bytes as f64);
    let codegen_seconds = codegen as f64 / 1e6;
    let mut table = String::from(
        "| what | ours | baseline (progenitor + reqwest + tokio) | ratio | target | met |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    table.push_str(&format!(
        "| clean release build, median of {runs} alternating rounds after an unmeasured one (each: {}) | {:.1} s | {:.1} s | {:.2}× | ≤ 0.45× | {} |\n",
        each.join(", "),
        ours_seconds,
        baseline_seconds,
        build_ratio,
        yes_no(build_ratio <= 0.45)
    ));
    table.push_str(&format!(
        "| crates compiled | {} | {} | {:.2}× | — | — |\n",
        ours_result.crates,
        baseline_result.crates,
        ratio(ours_result.crates as f64, baseline_result.crates as f64)
    ));
    table.push_str(&format!(
        "| release binary | {:.2} MiB | {:.2} MiB | {:.2}× | ≤ 0.50× | {} |\n",
        ours_result.binary_bytes as f64 / 1048576.0,
        baseline_result.binary_bytes as f64 / 1048576.0,
        size_ratio,
        yes_no(size_ratio <= 0.5)
    ));
    table.push_str(&format!(
        "| build.rs code generation ({lines} lines) | {codegen_seconds:.3} s | — | — | ≤ 1 s | {} |\n",
        yes_no(codegen_seconds <= 1.0)
    ));
    table.push_str(&format!(
        "| generator re-runs when only src/ changes | {} | — | — | no | {} |\n",
        if reran { "yes" } else { "no" },
        yes_no(!reran)
    ));
    // The test-only stacks: the mock server's async runtime and HTTP server, and the CLI's parser.
    let test_only = ["mockito", "tokio", "hyper", "clap"];
    let light = !tour.2.lines().any(|line| {
        line.trim_start()
            .strip_prefix("Compiling ")
            .is_some_and(|rest| test_only.iter().any(|name| rest.starts_with(&format!("{name} "))))
    });
    table.push_str(&format!(
        "| first run of the main job (`cargo tour`, from clean) | {:.1} s, {} crates | — | — | none of mockito, tokio, hyper, clap | {} |\n",
        tour.0,
        tour.1,
        yes_no(light)
    ));
    table.push_str(&format!(
        "| first run of the test command (`cargo test --workspace`, build only) | {:.1} s, {} crates | — | — | — | — |\n",
        tests.0, tests.1
    ));
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut costs = format!(
        "Where the last clean build of the one-call program spent its time (unit durations from \
         `cargo build --release --timings`; {unit_seconds:.0} s over {cores} cores bounds its wall time below by \
         {:.1} s, which is {:.2}× of the baseline's median):\n\n| part of the graph | seconds | share |\n| --- | --- | --- |\n",
        unit_seconds / cores as f64,
        unit_seconds / cores as f64 / baseline_seconds
    );
    for (name, seconds) in &groups {
        costs.push_str(&format!("| {name} | {seconds:.1} | {:.0} % |\n", 100.0 * seconds / unit_seconds));
    }
    table.push('\n');
    table.push_str(&costs);
    print!("{table}");
    let machine = crate::report::machine();
    let date = run(Command::new("date").arg("-u").arg("+%Y-%m-%d %H:%M UTC"), "date").unwrap_or_default();
    let section = format!(
        "Measured by `cargo xtask bench-build` on {machine}, {}: a one-call program built from clean with `cargo build --release`, dependencies fetched beforehand.\n\n{table}",
        date.trim()
    );
    crate::report::write_section(&root.join("BENCHMARKS.md"), "build", &section).map_err(|error| error.to_string())?;
    if keep {
        println!("kept {}", work.display());
    } else {
        let _ = std::fs::remove_dir_all(&work);
    }
    Ok(())
}
