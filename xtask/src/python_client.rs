//! `cargo xtask python-client`: the spec is a product of its own, so a client another tool
//! generates from it must understand what the service and the sandbox send. It generates the
//! Python client with `openapi-python-client` (pinned, under `target/peers/`, as
//! `bench-peers` does) and hands it, through the response parser of each generated operation,
//! every recorded live answer (`tests/fixtures/live/`) and the sandbox's answer to every
//! operation (`xtask/peers/parse_answers.py` says how each is obtained and what is checked).
//! and the answers other clients recorded (`tests/fixtures/recorded/`). Before that,
//! `xtask/peers/check_schemas.py` checks the spec with an independent OpenAPI 3.0 validator
//! (`openapi-schema-validator`, pinned): nullability, every live and recorded answer against
//! its schema, and that closed request filters reach the generated client as Enum types.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A running `sauce-sandbox` and the variables it exported; killed when dropped.
pub(crate) struct Sandbox {
    child: Child,
    pub(crate) exports: Vec<(String, String)>,
}

impl Sandbox {
    pub(crate) fn start(program: &Path) -> Result<Sandbox, String> {
        let mut child = Command::new(program)
            .args(["--port", "0"])
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", program.display()))?;
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let mut exports = Vec::new();
        while exports.len() < 3 {
            let Some(Ok(line)) = lines.next() else {
                let _ = child.kill();
                return Err(format!("sauce-sandbox ended after exporting {exports:?}"));
            };
            if let Some((name, value)) = line.trim().strip_prefix("export ").and_then(|rest| rest.split_once('=')) {
                exports.push((name.to_string(), value.to_string()));
            }
        }
        Ok(Sandbox { child, exports })
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The independent OpenAPI 3.0 schema validator `check_schemas.py` uses (pinned).
const OPENAPI_SCHEMA_VALIDATOR: &str = "0.6.3";

/// Installs `openapi-schema-validator` in the peers' venv unless that version is there.
fn install_schema_validator(work: &Path) -> Result<(), String> {
    let python = work.join("venv/bin/python");
    let installed = Command::new(&python)
        .args(["-c", "import importlib.metadata as m; print(m.version('openapi-schema-validator'))"])
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == OPENAPI_SCHEMA_VALIDATOR);
    if installed {
        return Ok(());
    }
    let status = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
        .arg(format!("openapi-schema-validator=={OPENAPI_SCHEMA_VALIDATOR}"))
        .status()
        .map_err(|error| format!("pip install openapi-schema-validator: {error}"))?;
    if status.success() { Ok(()) } else { Err(format!("pip install openapi-schema-validator failed ({status})")) }
}

pub fn python_client(root: &Path) -> Result<(), String> {
    let work = root.join("target/peers");
    std::fs::create_dir_all(&work).map_err(|error| error.to_string())?;
    crate::bench_peers::generated_python_client(root, &work)?;
    install_schema_validator(&work)?;
    // The script reads the spec as JSON: the venv need not have a YAML parser.
    let spec_text = std::fs::read_to_string(root.join("openapi/accounts.yaml")).map_err(|error| error.to_string())?;
    let spec: serde_json::Value = serde_norway::from_str(&spec_text).map_err(|error| error.to_string())?;
    let spec_json = work.join("accounts.json");
    std::fs::write(&spec_json, serde_json::to_vec(&spec).map_err(|error| error.to_string())?)
        .map_err(|error| error.to_string())?;

    let program = crate::bench_peers::built_executable(
        root,
        &["--features", "sandbox", "--bin", "sauce-sandbox"],
        "sauce-sandbox",
    )?;
    // Nullability, the recorded answers and the closed filters, by tools that are not ours.
    let checked = Command::new(work.join("venv/bin/python"))
        .arg(root.join("xtask/peers/check_schemas.py"))
        .arg(&spec_json)
        .arg(root.join("tests/fixtures/live"))
        .arg(root.join("tests/fixtures/recorded"))
        .env("PYTHONPATH", work.join("generated"))
        .status()
        .map_err(|error| format!("python: {error}"))?;
    let sandbox = Sandbox::start(&program)?;
    let status = Command::new(work.join("venv/bin/python"))
        .arg(root.join("xtask/peers/parse_answers.py"))
        .arg(&spec_json)
        .arg(root.join("tests/fixtures/live"))
        .arg(root.join("tests/fixtures/recorded"))
        .env("PYTHONPATH", work.join("generated"))
        .envs(sandbox.exports.iter().map(|(name, value)| (name, value)))
        .status()
        .map_err(|error| format!("python: {error}"))?;
    drop(sandbox);
    match (checked.success(), status.success()) {
        (true, true) => Ok(()),
        (false, _) => Err("the spec failed the independent schema checks (listed above)".into()),
        (true, false) => Err("the generated Python client could not parse every answer (listed above)".into()),
    }
}
