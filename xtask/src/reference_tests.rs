//! The published reference (`cargo xtask reference`): one self-contained page with an anchor
//! and summary per operation, samples generated from the operation table that run against the
//! sandbox, and a real browser that renders it with the network refused.

use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::python_client::Sandbox;
use crate::reference;

fn load() -> (Value, crate::codegen::model::Api) {
    let (json, _, api) = reference::load(&crate::root()).unwrap();
    (json, api)
}

/// Every operation has its anchor (named by its operationId), its summary, its samples; the
/// page names no resource outside itself (no script, stylesheet, font, image or frame).
#[test]
fn the_page_has_every_operation_and_loads_nothing() {
    let (json, api) = load();
    let with_samples = reference::spec_with_samples(&json, &api);
    let page = reference::render(&json, &with_samples, &api);
    for operation in &api.operations {
        assert!(page.contains(&format!("id=\"{}\"", operation.id)), "{} has no anchor", operation.id);
        assert!(page.contains(&operation.summary), "{}'s summary is missing", operation.id);
        let method = operation.http_method.to_ascii_lowercase();
        let samples = with_samples["paths"][&operation.path][&method]["x-codeSamples"].as_array().unwrap();
        let labels: Vec<&str> = samples.iter().map(|sample| sample["label"].as_str().unwrap()).collect();
        assert_eq!(labels, ["curl", "Rust", "CLI"], "{}", operation.id);
    }
    for loader in ["<script", "<link", "<img", "<iframe", "url(", "@import", "src=", "srcset"] {
        assert!(!page.contains(loader), "the page loads something: {loader}");
    }
    let hrefs: Vec<&str> = page.split("href=\"").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]).collect();
    assert!(hrefs.iter().all(|href| href.starts_with('#')), "links leave the page: {hrefs:?}");
    // Listed values and required fields are shown.
    assert!(page.contains(
        "one of <code>&quot;active&quot;</code> <code>&quot;pending&quot;</code> <code>&quot;inactive&quot;</code>"
    ));
    assert!(page.contains("<td><code>settings</code></td>") && page.contains(">required<"));
}

/// The samples are the operation table's: path parameters as the ids' variables, the query
/// parameter the spec gives an example for, the body the spec gives, and the method call of
/// the generated group.
#[test]
fn samples_follow_the_operation_table() {
    let (json, api) = load();
    let get_team = api.operations.iter().find(|operation| operation.id == "get_team").unwrap();
    let samples = reference::samples(&json, get_team);
    assert!(samples.curl.contains("-X GET") && samples.curl.contains("/team-management/v1/teams/$TEAM_ID/\""));
    assert_eq!(samples.cli, "sauce-accounts call get_team team_id=\"$TEAM_ID\"");
    assert!(samples.rust.contains("client.teams().get(std::env::var(\"TEAM_ID\")?.as_str()).send()?"));
    let create = api.operations.iter().find(|operation| operation.id == "create_team").unwrap();
    let samples = reference::samples(&json, create);
    assert!(samples.curl.contains("-d '{\"description\":\"Docs QA Team\""), "{}", samples.curl);
    assert!(samples.rust.contains("CreateTeamRequest::new(") && samples.rust.contains("client.teams().create(&body)"));
    let lookup = api.operations.iter().find(|operation| operation.id == "lookup_users").unwrap();
    assert!(reference::samples(&json, lookup).cli.starts_with("sauce-accounts call lookup_users "));
}

fn built(args: &[&str], target: &str) -> PathBuf {
    crate::bench_peers::built_executable(&crate::root(), args, target).unwrap()
}

/// The sandbox's ids for the samples' variables, from its organization: team "Web", its
/// member alan.web, and a service account made for the run.
fn sandbox_ids(sandbox: &Sandbox) -> Vec<(String, String)> {
    let exported = |name: &str| sandbox.exports.iter().find(|(key, _)| key == name).unwrap().1.clone();
    let agent = ureq::Agent::new_with_defaults();
    let auth =
        format!("Basic {}", base64_encode(&format!("{}:{}", exported("SAUCE_USERNAME"), exported("SAUCE_ACCESS_KEY"))));
    let base = exported("SAUCE_BASE_URL");
    let read = |mut response: ureq::http::Response<ureq::Body>| -> Value {
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
    };
    let get = |path: &str| read(agent.get(format!("{base}{path}")).header("Authorization", &auth).call().unwrap());
    let team = get("/team-management/v1/teams/?name=Web")["results"][0]["id"].as_str().unwrap().to_string();
    let user = get("/team-management/v1/users/?username=alan.web")["results"][0]["id"].as_str().unwrap().to_string();
    let made = read(
        agent
            .post(format!("{base}/team-management/v1/service-accounts/"))
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(serde_json::json!({"name": "Sample bot", "team_uuid": team}).to_string())
            .unwrap(),
    );
    vec![
        ("TEAM_ID".into(), team),
        ("USER_ID".into(), user),
        ("USERNAME".into(), "alan.web".into()),
        ("SERVICE_ACCOUNT_ID".into(), made["id"].as_str().unwrap().to_string()),
    ]
}

fn base64_encode(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let value =
            chunk.iter().enumerate().fold(0u32, |acc, (index, byte)| acc | u32::from(*byte) << (16 - 8 * index));
        for index in 0..4 {
            if index <= chunk.len() {
                out.push(ALPHABET[(value >> (18 - 6 * index) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The docs' ids in a sample's body, replaced by the sandbox's (a write names a team or user
/// that must exist).
fn with_sandbox_ids(sample: &str, body: Option<&Value>, ids: &[(String, String)]) -> String {
    let id = |name: &str| ids.iter().find(|(key, _)| key == name).unwrap().1.as_str();
    let mut sample = sample.to_string();
    for (field, variable) in [("team", "TEAM_ID"), ("team_uuid", "TEAM_ID"), ("user", "USER_ID"), ("teams", "TEAM_ID")]
    {
        let values = match body.and_then(|body| body.get(field)) {
            Some(Value::String(value)) => vec![value.clone()],
            Some(Value::Array(values)) => values.iter().filter_map(Value::as_str).map(str::to_string).collect(),
            _ => continue,
        };
        for value in values {
            sample = sample.replace(&value, id(variable));
        }
    }
    sample
}

/// The operations in the order the samples run: writes before deletes, and the team (which
/// takes its service accounts with it) last.
fn run_order(api: &crate::codegen::model::Api) -> Vec<&crate::codegen::model::Operation> {
    let mut operations: Vec<_> = api.operations.iter().collect();
    operations.sort_by_key(|operation| (operation.http_method == "DELETE", operation.id == "delete_team"));
    operations
}

/// Every curl sample and every CLI sample of the reference runs against the sandbox (a fresh
/// one each), with the ids of the sandbox's organization: curl gets the documented success
/// status, the CLI exits 0.
#[test]
fn every_curl_and_cli_sample_runs_against_the_sandbox() {
    if Command::new("curl").arg("--version").output().is_err() {
        assert!(std::env::var_os("CI").is_none(), "CI must run the curl samples: curl is missing");
        println!("curl is not installed: the curl samples are not run");
        return;
    }
    let sandbox_program = built(&["--features", "sandbox", "--bin", "sauce-sandbox"], "sauce-sandbox");
    let cli_program = built(&["--features", "cli", "--bin", "sauce-accounts"], "sauce-accounts");
    let cli_dir = cli_program.parent().unwrap().to_path_buf();
    let (json, api) = load();
    let mut failures = Vec::new();
    for kind in ["curl", "CLI"] {
        let sandbox = Sandbox::start(&sandbox_program).unwrap();
        let ids = sandbox_ids(&sandbox);
        for operation in run_order(&api) {
            let samples = reference::samples(&json, operation);
            let method = operation.http_method.to_ascii_lowercase();
            let body =
                json["paths"][&operation.path][&method]["requestBody"]["content"]["application/json"].get("example");
            // Documented answers that depend on who calls: the sandbox's admin belongs to
            // no team, so it has no active team.
            let expected: Vec<String> = match operation.id.as_str() {
                "get_active_team" => vec!["404".into()],
                _ => operation.success_statuses.iter().map(u16::to_string).collect(),
            };
            let script = match kind {
                "curl" => {
                    format!("{} -s -o /dev/null -w '%{{http_code}}'", with_sandbox_ids(&samples.curl, body, &ids))
                }
                _ => with_sandbox_ids(&samples.cli, body, &ids),
            };
            let path = format!("{}:{}", cli_dir.display(), std::env::var("PATH").unwrap_or_default());
            let output = Command::new("sh")
                .args(["-c", &script])
                .envs(sandbox.exports.iter().map(|(key, value)| (key, value)))
                .envs(ids.iter().map(|(key, value)| (key, value)))
                .env("PATH", path)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            let passed = match kind {
                "curl" => expected.iter().any(|status| stdout.trim() == status),
                _ => output.status.success() == (expected.iter().all(|status| status.starts_with('2'))),
            };
            if !passed {
                failures.push(format!(
                    "{kind} {}: {} {}",
                    operation.id,
                    stdout.chars().take(200).collect::<String>(),
                    String::from_utf8_lossy(&output.stderr).chars().take(300).collect::<String>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find(|name| Command::new(name).arg("--version").output().is_ok_and(|output| output.status.success()))
        .map(PathBuf::from)
}

/// Headless chromium with every network request refused (no name resolves, every proxied
/// request goes to a closed port) renders the page: each operation's anchor and summary are in
/// the rendered document. The screenshot stays in target/reference/ for the maintainers.
#[test]
fn a_real_browser_renders_the_page_offline() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must render the reference: chromium is missing (.ci/run installs it)"
        );
        println!("chromium is not installed: the reference is not rendered");
        return;
    };
    let out = crate::root().join("target/reference");
    reference::reference(&crate::root(), &out).unwrap();
    let page = format!("file://{}", out.join("index.html").display());
    let offline = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--proxy-server=127.0.0.1:9",
    ];
    let profile = tempdir("reference-profile");
    let run = |extra: &[&str]| {
        Command::new(&browser)
            .args(offline)
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(&page)
            .output()
            .unwrap()
    };
    let dom = run(&["--dump-dom"]);
    let rendered = String::from_utf8_lossy(&dom.stdout);
    let (json, api) = load();
    drop(json);
    assert!(rendered.contains("</main>"), "chromium rendered nothing: {}", String::from_utf8_lossy(&dom.stderr));
    for operation in &api.operations {
        assert!(
            rendered.contains(&format!("id=\"{}\"", operation.id)),
            "{}: no anchor in the rendered page",
            operation.id
        );
        assert!(
            rendered.contains(&reference_escape(&operation.summary)),
            "{}: no summary in the rendered page",
            operation.id
        );
    }
    let screenshot = out.join("screenshot.png");
    let _ = std::fs::remove_file(&screenshot);
    run(&[&format!("--screenshot={}", screenshot.display()), "--window-size=1280,1600"]);
    assert!(std::fs::metadata(&screenshot).is_ok_and(|meta| meta.len() > 10_000), "no screenshot");
    let _ = std::fs::remove_dir_all(&profile);
}

fn reference_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every Rust sample compiles, as the body of a function in a scratch program that depends on
/// this crate (built into the workspace's target directory, with the workspace's lock file),
/// and runs against the sandbox with its ids: each succeeds but the documented exception.
#[test]
fn every_rust_sample_compiles_and_runs_against_the_sandbox() {
    let root = crate::root();
    let scratch = root.join("target/reference-samples");
    std::fs::create_dir_all(scratch.join("src")).unwrap();
    let sandbox_program = built(&["--features", "sandbox", "--bin", "sauce-sandbox"], "sauce-sandbox");
    let sandbox = Sandbox::start(&sandbox_program).unwrap();
    let ids = sandbox_ids(&sandbox);
    let (json, api) = load();
    let mut program = String::from(
        "//! Generated by xtask's reference tests: every Rust sample of the reference.\n\
         type Outcome = Result<(), Box<dyn std::error::Error>>;\n",
    );
    let mut calls = String::new();
    for operation in run_order(&api) {
        let method = operation.http_method.to_ascii_lowercase();
        let body = json["paths"][&operation.path][&method]["requestBody"]["content"]["application/json"].get("example");
        let sample = with_sandbox_ids(&reference::samples(&json, operation).rust, body, &ids);
        program.push_str(&format!("fn {}() -> Outcome {{\n{sample}\nOk(())\n}}\n", operation.id));
        calls.push_str(&format!("    report(\"{id}\", {id}());\n", id = operation.id));
    }
    program.push_str(&format!(
        "fn report(id: &str, outcome: Outcome) {{\n    match outcome {{\n        Ok(()) => println!(\"ok {{id}}\"),\n        Err(error) => println!(\"error {{id}}: {{error}}\"),\n    }}\n}}\nfn main() {{\n{calls}}}\n"
    ));
    std::fs::write(scratch.join("src/main.rs"), program).unwrap();
    std::fs::write(
        scratch.join("Cargo.toml"),
        format!(
            "[package]\nname = \"reference-samples\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
             [dependencies]\nsauce-accounts = {{ path = {:?} }}\n\n[workspace]\n",
            root.display().to_string()
        ),
    )
    .unwrap();
    std::fs::copy(root.join("Cargo.lock"), scratch.join("Cargo.lock")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(&scratch)
        .args(["run", "--quiet", "--offline"])
        .env("CARGO_TARGET_DIR", root.join("target"))
        .envs(sandbox.exports.iter().map(|(key, value)| (key, value)))
        .envs(ids.iter().map(|(key, value)| (key, value)))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the Rust samples do not build: {}", String::from_utf8_lossy(&output.stderr));
    let mut failures = Vec::new();
    for operation in &api.operations {
        let expected = match operation.id.as_str() {
            // The sandbox's admin belongs to no team, so it has no active team (a documented 404).
            "get_active_team" => format!("error {}: ", operation.id),
            _ => format!("ok {}\n", operation.id),
        };
        if !stdout.contains(&expected) {
            failures.push(operation.id.clone());
        }
    }
    assert!(failures.is_empty(), "{failures:?} did not answer as documented:\n{stdout}");
}
