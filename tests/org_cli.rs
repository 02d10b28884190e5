//! `sauce-accounts org …` run for real against a sandbox: exit codes, the README's worked
//! example, saved plans, the question before applying, and secrets that never leave the
//! secrets file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use sauce_accounts::sandbox::Sandbox;

fn run(sandbox: &Sandbox, args: &[&str]) -> Output {
    let credentials = sandbox.admin_credentials();
    Command::new(env!("CARGO_BIN_EXE_sauce-accounts"))
        .args(["--base-url", sandbox.url()])
        .args(args)
        .env_remove("SAUCE_REGION")
        .env_remove("SAUCE_BASE_URL")
        .env("SAUCE_USERNAME", credentials.username())
        .env("SAUCE_ACCESS_KEY", credentials.access_key().expose())
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("sauce-org-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/org/organization.yaml");

/// The README shows the plan of the worked example; it must be what the command prints.
fn readme_plan() -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start =
        readme.find("$ sauce-accounts org plan examples/org/organization.yaml\n").expect("the README shows the plan");
    let block = &readme[start..];
    let block = &block[block.find('\n').unwrap() + 1..block.find("```").unwrap()];
    block.to_string()
}

#[test]
fn the_readme_example_plans_as_the_readme_says_then_applies_and_plans_clean() {
    let sandbox = Sandbox::start().unwrap();
    let plan = run(&sandbox, &["org", "plan", EXAMPLE]);
    assert_eq!(plan.status.code(), Some(2), "changes pending: {}", text(&plan.stderr));
    assert_eq!(text(&plan.stdout), readme_plan());

    let directory = scratch("example");
    let (secrets, journal) = (directory.join("secrets.jsonl"), directory.join("journal.jsonl"));
    let refused = run(&sandbox, &["org", "apply", EXAMPLE]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("deactivates tony.qa"), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("grants roles to lin.platform (team-admin)"), "{}", text(&refused.stderr));
    assert!(text(&refused.stderr).contains("without --yes"), "{}", text(&refused.stderr));
    let unchanged = run(&sandbox, &["org", "plan", EXAMPLE]);
    assert_eq!(text(&unchanged.stdout), readme_plan(), "nothing was applied without --yes");

    let apply =
        run(&sandbox, &["org", "apply", EXAMPLE, "--yes", "--secrets", path(&secrets), "--journal", path(&journal)]);
    assert_eq!(apply.status.code(), Some(0), "{}", text(&apply.stderr));
    assert!(
        text(&apply.stdout).contains("Applied 5 changes with 10 requests; 2 secrets written"),
        "{}",
        text(&apply.stdout)
    );
    assert_eq!(text(&apply.stderr), "", "nothing extra when piped");
    let clean = run(&sandbox, &["org", "plan", EXAMPLE, "--json"]);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean.stdout));
    let json: serde_json::Value = serde_json::from_str(&text(&clean.stdout)).unwrap();
    assert_eq!(json["changes"], serde_json::json!([]));
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn plan_json_lists_kind_target_before_after_and_export_round_trips() {
    let sandbox = Sandbox::start().unwrap();
    let directory = scratch("json");
    let exported = directory.join("org.yaml");
    let export = run(&sandbox, &["org", "export", "-o", path(&exported)]);
    assert_eq!(export.status.code(), Some(0), "{}", text(&export.stderr));
    let clean = run(&sandbox, &["org", "plan", path(&exported)]);
    assert_eq!(
        (clean.status.code(), text(&clean.stdout).trim()),
        (Some(0), "No changes: the organization matches the file.")
    );
    let edited = std::fs::read_to_string(&exported).unwrap().replace("role: team-admin", "role: member");
    std::fs::write(&exported, edited).unwrap();
    let plan = run(&sandbox, &["org", "plan", path(&exported), "--json"]);
    assert_eq!(plan.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_str(&text(&plan.stdout)).unwrap();
    let first = &json["changes"][0];
    assert_eq!(
        (&first["kind"], &first["target"], &first["before"], &first["after"]),
        (&"set_role".into(), &"ada.web".into(), &"team-admin".into(), &"member".into())
    );
    assert_eq!(json["changes"].as_array().unwrap().len(), 2, "ada.web and ken.mobile");
    let broken = directory.join("broken.yaml");
    std::fs::write(&broken, "teams: [{name: Web, colour: blue}]").unwrap();
    let error = run(&sandbox, &["org", "plan", path(&broken)]);
    assert_eq!(error.status.code(), Some(1), "an error is 1, never 2");
    assert!(text(&error.stderr).contains("colour"), "{}", text(&error.stderr));
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn a_saved_plan_applies_once_and_is_refused_when_the_organization_moved() {
    let sandbox = Sandbox::start().unwrap();
    let directory = scratch("saved");
    let desired = directory.join("org.yaml");
    std::fs::write(&desired, "teams: [{name: Web, settings: {virtual_machines: 25}}]").unwrap();
    let saved = directory.join("plan.json");
    assert_eq!(run(&sandbox, &["org", "plan", path(&desired), "-o", path(&saved)]).status.code(), Some(2));
    let stale_copy = directory.join("stale.json");
    std::fs::copy(&saved, &stale_copy).unwrap();
    let applied = run(&sandbox, &["org", "apply", path(&saved), "--yes"]);
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied.stderr));
    let client = sandbox.client().unwrap();
    let mobile = client.teams().lookup().name("Mobile").send().unwrap().results[0].id.clone();
    let request = sauce_accounts::types::UpdateTeamRequest::new().with_description("changed by someone else");
    client.teams().update(&mobile, &request).send().unwrap();
    let stale = run(&sandbox, &["org", "apply", path(&stale_copy), "--yes"]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(text(&stale.stderr).contains("stale plan"), "{}", text(&stale.stderr));
    std::fs::remove_dir_all(&directory).unwrap();
}

/// Every byte the command writes to standard output and error, to the saved plan and to the
/// journal is searched for each password and key the secrets file received.
#[test]
fn secrets_appear_only_in_the_secrets_file() {
    let sandbox = Sandbox::start().unwrap();
    let directory = scratch("secrets");
    let desired = directory.join("org.yaml");
    std::fs::write(
        &desired,
        "teams: [{name: Platform}]\n\
         users:\n\
         - {username: kim.new, email: kim@acme.example, first_name: Kim, last_name: New, teams: [Platform]}\n\
         - {username: lee.new, email: lee@acme.example, first_name: Lee, last_name: New, role: org-admin}\n\
         service_accounts: [{name: ci-bot, team: Platform}, {name: release-bot, team: Web}]\n",
    )
    .unwrap();
    let (plan, journal, secrets) = (directory.join("plan.json"), directory.join("journal"), directory.join("secrets"));
    let planned = run(&sandbox, &["org", "plan", path(&desired), "-o", path(&plan)]);
    let without = run(&sandbox, &["org", "apply", path(&plan), "--yes"]);
    assert_eq!(without.status.code(), Some(1));
    assert!(text(&without.stderr).contains("--secrets"), "{}", text(&without.stderr));
    let applied = run(
        &sandbox,
        &["org", "apply", path(&plan), "--yes", "--journal", path(&journal), "--secrets", path(&secrets)],
    );
    assert_eq!(applied.status.code(), Some(0), "{}", text(&applied.stderr));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&secrets).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let mut found = Vec::new();
    for line in std::fs::read_to_string(&secrets).unwrap().lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        found.extend(["password", "access_key"].iter().filter_map(|field| record[*field].as_str().map(str::to_string)));
    }
    assert_eq!(found.len(), 4, "two passwords and two keys");
    let written: Vec<(&str, Vec<u8>)> = vec![
        ("plan stdout", planned.stdout),
        ("plan stderr", planned.stderr),
        ("refusal stderr", without.stderr),
        ("apply stdout", applied.stdout),
        ("apply stderr", applied.stderr),
        ("saved plan", std::fs::read(&plan).unwrap()),
        ("journal", std::fs::read(&journal).unwrap()),
    ];
    for secret in &found {
        assert!(secret.len() >= 20);
        for (place, bytes) in &written {
            let leaked = bytes.windows(secret.len()).any(|window| window == secret.as_bytes());
            assert!(!leaked, "a secret appears in the {place}");
        }
    }
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn the_published_schema_is_the_one_the_types_generate() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/org/organization.schema.json");
    let generated = sauce_accounts::org::json_schema();
    if std::env::var_os("UPDATE_ORG_SCHEMA").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let published = std::fs::read_to_string(path).unwrap_or_default();
    assert!(published == generated, "{path} is stale: run UPDATE_ORG_SCHEMA=1 cargo test --test org_cli");
    let cli = Command::new(env!("CARGO_BIN_EXE_sauce-accounts")).args(["org", "schema"]).output().unwrap();
    assert_eq!(text(&cli.stdout), generated);
    // Every key of the file is documented in the schema, and so for editors.
    let schema: serde_json::Value = serde_json::from_str(&generated).unwrap();
    for definition in ["TeamEntry", "UserEntry", "ServiceAccountEntry", "TeamSettingsEntry"] {
        for (key, property) in schema["definitions"][definition]["properties"].as_object().unwrap() {
            assert!(property["description"].is_string(), "{definition}.{key} has no description");
        }
    }
}
