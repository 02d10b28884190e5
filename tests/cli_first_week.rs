//! The `sauce-accounts` binary as an admin meets it in the first week: hostile server strings,
//! flags against the environment, names in filters, scriptable output, the credentials file.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::{Reply, Scripted, http_response, request_header};

/// The binary with a clean environment (no credentials, no home with a credentials file),
/// `env` added, and `stdin` written to it.
fn run_in(env: &[(&str, &str)], args: &[&str], stdin: &str) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sauce-accounts"));
    for name in ["SAUCE_USERNAME", "SAUCE_ACCESS_KEY", "SAUCE_REGION", "SAUCE_BASE_URL", "SAUCE_NEW_PASSWORD"] {
        command.env_remove(name);
    }
    command.env("HOME", "/nonexistent/sauce-accounts-tests");
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child =
        command.args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn run(args: &[&str]) -> Output {
    run_in(&[], args, "")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn sandbox_json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--sandbox", "--json"];
    all.extend_from_slice(args);
    let output = run(&all);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap()
}

/// Whether text holds a control character other than a line break (C0, DEL or C1).
fn has_controls(text: &str) -> bool {
    text.contains(|c: char| c.is_control() && c != '\n')
}

const HOSTILE: &str = "evil\u{1b}[2J\u{1b}]52;c;SGVsbG8=\u{7}\r\u{9b}31mname\nFAKE line";

fn json_reply(value: &serde_json::Value) -> Reply {
    http_response("200 OK", &[], value.to_string().as_bytes())
}

/// ESC sequences, an OSC 52 clipboard write, BEL, CR and C1 from the server reach neither the
/// terminal (tables, records, errors, the confirmation question) nor `--json` raw.
#[test]
fn server_strings_cannot_drive_the_terminal() {
    let mut me = sandbox_json(&["users", "me"]);
    me["username"] = HOSTILE.into();
    me["first_name"] = HOSTILE.into();
    let mut team = sandbox_json(&["teams", "get", "Web"]);
    team["name"] = HOSTILE.into();
    let mut teams = sandbox_json(&["teams", "list"]);
    teams["results"][0]["name"] = HOSTILE.into();
    let detail = serde_json::json!({ "detail": HOSTILE });
    let server = Scripted::start(vec![
        json_reply(&me),
        json_reply(&me),
        json_reply(&teams),
        json_reply(&teams),
        http_response("403 Forbidden", &[], detail.to_string().as_bytes()),
        json_reply(&team),
    ]);
    let with = |args: &[&str]| {
        let mut all = vec!["--base-url", &server.url, "-u", "admin", "-k", "key"];
        all.extend_from_slice(args);
        run(&all)
    };
    let team_id = team["id"].as_str().unwrap().to_string();
    for (args, stream_of) in [
        (&["users", "me"][..], stdout as fn(&Output) -> String),
        (&["--json", "users", "me"], stdout),
        (&["teams", "list"], stdout),
        (&["--format", "csv", "teams", "list"], stdout),
        (&["users", "permissions", &team_id], stderr),
        (&["teams", "delete", &team_id], stderr),
    ] {
        let output = with(args);
        let text = stream_of(&output);
        let shown = if args.contains(&"csv") { text.replace("\r\n", "\n") } else { text.clone() };
        assert!(!has_controls(&shown), "{args:?} printed a control character: {text:?}");
        assert!(text.contains("evil"), "{args:?}: {text:?}");
        assert!(!text.lines().any(|line| line.starts_with("FAKE")), "{args:?}: a server newline made a line: {text:?}");
    }
    assert_eq!(server.finish().len(), 6);
}

/// A flag given on the command line wins over the environment; two flags naming different
/// targets are an error naming both.
#[test]
fn flags_beat_the_environment() {
    let unused = Scripted::start(vec![]);
    let env_target = [("SAUCE_BASE_URL", unused.url.as_str()), ("SAUCE_USERNAME", "u"), ("SAUCE_ACCESS_KEY", "k")];
    let mars = run_in(&env_target, &["-r", "mars", "users", "me"], "");
    assert_eq!(mars.status.code(), Some(2), "{}", stderr(&mars));
    assert!(stderr(&mars).contains("mars") && stderr(&mars).contains("--region"), "{}", stderr(&mars));
    let sandboxed = run_in(&env_target, &["--sandbox", "users", "me"], "");
    assert_eq!(sandboxed.status.code(), Some(0), "{}", stderr(&sandboxed));
    let me = sandbox_json(&["users", "me"]);
    let flagged = Scripted::start(vec![json_reply(&me)]);
    let by_flag = run_in(&env_target, &["--base-url", &flagged.url, "--json", "users", "me"], "");
    assert_eq!(by_flag.status.code(), Some(0), "{}", stderr(&by_flag));
    assert_eq!(flagged.finish().len(), 1);
    assert!(unused.requests().is_empty(), "SAUCE_BASE_URL lost to the flag");
    let both = run(&["-r", "eu", "--base-url", "http://127.0.0.1:9", "users", "me"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(stderr(&both).contains("--region") && stderr(&both).contains("--base-url"), "{}", stderr(&both));
}

/// `-k` alone overrides SAUCE_ACCESS_KEY and keeps SAUCE_USERNAME; a 401 names what was used.
#[test]
fn each_credential_flag_overrides_its_own_variable() {
    let server = Scripted::start(vec![http_response("401 Unauthorized", &[], b"{\"detail\": \"no\"}")]);
    let env = [("SAUCE_USERNAME", "jim"), ("SAUCE_ACCESS_KEY", "from-env"), ("SAUCE_BASE_URL", server.url.as_str())];
    let output = run_in(&env, &["-k", "from-flag", "users", "me"], "");
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let requests = server.finish();
    use base64::Engine as _;
    let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("jim:from-flag"));
    assert_eq!(request_header(&requests[0], "authorization"), Some(expected.as_str()));
    let hint = stderr(&output);
    assert!(hint.contains("\"jim\" (from SAUCE_USERNAME)") && hint.contains("access key (from -k)"), "{hint}");
    assert!(hint.contains("(from SAUCE_BASE_URL)") && !hint.contains("SAUCE_REGION"), "{hint}");
}

/// Team filters take names or ids in any case; a name that is no team is an error (exit 1)
/// listing candidates, never an empty listing.
#[test]
fn team_filters_take_names_in_any_case() {
    let web = sandbox_json(&["teams", "get", "Web"])["id"].as_str().unwrap().to_string();
    let by_id = sandbox_json(&["users", "list", "--teams", &web]);
    assert!(by_id["count"].as_u64().unwrap() > 0);
    let names = |listing: &serde_json::Value| {
        listing["results"].as_array().unwrap().iter().map(|user| user["username"].clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(&sandbox_json(&["users", "list", "--teams", "web"])), names(&by_id));
    assert_eq!(names(&sandbox_json(&["users", "list", "--team-name", "WEB"])), names(&by_id));
    for filter in ["--teams", "--team-name"] {
        let missing = run(&["--sandbox", "users", "list", filter, "QA"]);
        assert_eq!(missing.status.code(), Some(1), "{filter}: {}", stdout(&missing));
        assert!(stderr(&missing).contains("candidates: Default, Web, Mobile, Manual QA"), "{}", stderr(&missing));
    }
}

/// A command whose purpose is a value prints just the value when stdout is not a terminal;
/// `--json` prints the object.
#[test]
fn value_commands_print_just_the_value_to_scripts() {
    let key = run(&["--sandbox", "users", "access-key", "ada.web"]);
    assert_eq!(key.status.code(), Some(0), "{}", stderr(&key));
    let text = stdout(&key);
    assert_eq!(text.lines().count(), 1, "{text}");
    assert_eq!(text.trim().len(), 36, "{text}");
    let reset = run(&["--sandbox", "users", "reset-key", "ada.web", "--yes"]);
    assert_eq!(stdout(&reset).trim().len(), 36, "{}", stdout(&reset));
    assert!(stderr(&reset).contains("New access key for ada.web"), "{}", stderr(&reset));
    assert!(sandbox_json(&["users", "access-key", "ada.web"])["access_key"].is_string());
}

/// `--format csv`: one header row, every column of the table, RFC 4180 quoting.
#[test]
fn listings_print_as_csv() {
    let output = run(&["--sandbox", "--format", "csv", "users", "list", "--all"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    let rows: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(rows[0], "USERNAME,NAME,ROLE,TEAMS,ACTIVE,ID");
    assert_eq!(rows.len(), 17, "a header and 16 users: {text}");
    assert!(rows.iter().any(|row| row.contains("\"Web,")) || rows.iter().all(|row| row.split(',').count() == 6));
    let json_and_csv = run(&["--sandbox", "--json", "--format", "csv", "users", "list"]);
    assert_eq!(json_and_csv.status.code(), Some(2), "--json is short for --format json");
}

/// Arguments that would overflow are argument errors, and IPv6 hosts opt in to plain http.
#[test]
fn hostile_arguments_are_clear_errors() {
    let timeout = run(&["--sandbox", "--timeout", "18446744073709551615", "teams", "list"]);
    assert_eq!(timeout.status.code(), Some(2));
    assert!(stderr(&timeout).contains("at most 86400") && !stderr(&timeout).contains("panicked"));
    let ipv6 = run(&[
        "--base-url",
        "http://[fd00::5]:9",
        "--allow-plain-http",
        "--timeout",
        "2",
        "-u",
        "x",
        "-k",
        "y",
        "teams",
        "list",
    ]);
    assert_eq!(ipv6.status.code(), Some(1), "the request is attempted: {}", stderr(&ipv6));
    assert!(!stderr(&ipv6).contains("--allow-plain-http"), "{}", stderr(&ipv6));
}

/// A file argument that points at something endless is refused at a ceiling, not read until
/// memory runs out.
#[test]
fn an_endless_file_argument_is_refused_at_a_ceiling() {
    let body = run(&["--sandbox", "call", "create_team", "--body", "@/dev/zero"]);
    assert_eq!(body.status.code(), Some(2), "{}", stderr(&body));
    assert!(stderr(&body).contains("/dev/zero") && stderr(&body).contains("more than 16 MiB"), "{}", stderr(&body));
    let certificate = run(&["--sandbox", "--ca-cert", "/dev/zero", "teams", "list"]);
    assert_eq!(certificate.status.code(), Some(2), "{}", stderr(&certificate));
    assert!(stderr(&certificate).contains("more than 16 MiB"), "{}", stderr(&certificate));
}

/// Every argument and flag explains itself; subcommand pages point to the connection options
/// instead of repeating them.
#[test]
fn every_argument_has_help_and_subcommands_stay_short() {
    fn walk(command: &clap::Command, path: &str, empty: &mut Vec<String>) {
        for argument in command.get_arguments() {
            let help = argument.get_help().or(argument.get_long_help()).map(ToString::to_string).unwrap_or_default();
            let is_builtin = ["help", "version"].contains(&argument.get_id().as_str());
            if help.trim().is_empty() && !is_builtin {
                empty.push(format!("{path} {}", argument.get_id()));
            }
        }
        for sub in command.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), empty);
        }
    }
    let mut empty = Vec::new();
    walk(&sauce_accounts::cli::Cli::command_tree(), "sauce-accounts", &mut empty);
    assert!(empty.is_empty(), "arguments without help: {empty:?}");
    let help = stdout(&run(&["users", "list", "--help"]));
    assert!(!help.contains("--base-url <URL>") && help.contains("sauce-accounts --help"), "{help}");
    let top = stdout(&run(&["--help"]));
    assert!(top.contains("--base-url <URL>"), "{top}");
}

/// `~/.sauce/credentials.yml` as saucectl keeps it: used after the environment, refused when
/// others can read it (with the fix), written by `configure` privately without echoing the key.
#[cfg(unix)]
#[test]
fn the_saucectl_credentials_file_is_read_and_written() {
    use std::os::unix::fs::PermissionsExt as _;
    let home = std::env::temp_dir().join(format!("sauce-cli-home-{}", std::process::id()));
    let home_text = home.to_str().unwrap().to_string();
    let configured =
        run_in(&[("HOME", &home_text)], &["configure", "--username", "jim", "--access-key-stdin"], "file-key-123\n");
    assert_eq!(configured.status.code(), Some(0), "{}", stderr(&configured));
    let all_output = format!("{}{}", stdout(&configured), stderr(&configured));
    assert!(!all_output.contains("file-key-123"), "the key is never echoed: {all_output}");
    let file = home.join(".sauce/credentials.yml");
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    assert_eq!(std::fs::metadata(home.join(".sauce")).unwrap().permissions().mode() & 0o777, 0o700);

    let me = sandbox_json(&["users", "me"]);
    let server = Scripted::start(vec![json_reply(&me)]);
    let used = run_in(&[("HOME", &home_text), ("SAUCE_BASE_URL", &server.url)], &["users", "me"], "");
    assert_eq!(used.status.code(), Some(0), "{}", stderr(&used));
    use base64::Engine as _;
    let expected = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("jim:file-key-123"));
    assert_eq!(request_header(&server.finish()[0], "authorization"), Some(expected.as_str()));

    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let refused = run_in(&[("HOME", &home_text), ("SAUCE_BASE_URL", "http://127.0.0.1:9")], &["users", "me"], "");
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains(&format!("chmod 600 {}", file.display())), "{}", stderr(&refused));
    std::fs::remove_dir_all(home).unwrap();
}

/// The binary against a sandbox this test keeps (state carries over between commands).
fn against(sandbox: &sauce_accounts::sandbox::Sandbox, args: &[&str]) -> Output {
    let admin = sandbox.admin_credentials();
    let key = admin.access_key().expose().to_string();
    let mut all = vec!["--base-url", sandbox.url(), "-u", admin.username(), "-k", &key];
    all.extend_from_slice(args);
    run(&all)
}

/// A user created after more than a page of users sharing its name as a prefix is found by
/// its exact name; a service account is deleted by its name, and a name that is none is exit 1
/// pointing to `service-accounts list`.
#[test]
fn names_resolve_past_the_first_page_and_for_service_accounts() {
    use sauce_accounts::types::{CreateServiceAccountRequest, CreateUserRequest};
    let sandbox = sauce_accounts::sandbox::Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let create = |username: &str| {
        let email = format!("{username}@example.com");
        let request = CreateUserRequest::new(email, "Page", "Filler", "Sauce-Pa55word!", username);
        client.users().create(&request).send().unwrap();
    };
    for index in 0..101 {
        create(&format!("user{index:06}"));
    }
    create("user0");
    let found = against(&sandbox, &["--json", "users", "get", "user0"]);
    assert_eq!(found.status.code(), Some(0), "{}", stderr(&found));
    let user: serde_json::Value = serde_json::from_str(&stdout(&found)).unwrap();
    assert_eq!(user["username"], "user0");

    let web = client.teams().lookup().name("Web").send().unwrap().results[0].id.clone();
    let bot = client.service_accounts().create(&CreateServiceAccountRequest::new("Release bot", web)).send().unwrap();
    let deleted = against(&sandbox, &["service-accounts", "delete", "release bot", "--yes"]);
    assert_eq!(deleted.status.code(), Some(0), "{}", stderr(&deleted));
    assert!(stdout(&deleted).contains(&bot.username), "{}", stdout(&deleted));
    assert_eq!(client.service_accounts().lookup().send().unwrap().count, 0);
    let missing = against(&sandbox, &["service-accounts", "delete", "release bot", "--yes"]);
    assert_eq!(missing.status.code(), Some(1), "{}", stderr(&missing));
    assert!(stderr(&missing).contains("`service-accounts list`"), "{}", stderr(&missing));
}

/// Activity per user is shown by username (from one listing call), not by id.
#[test]
fn users_activity_shows_usernames() {
    let output = run(&["--sandbox", "classic", "users-activity", "--since", "2023-04-18", "--until", "2023-04-18"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("USER ") && text.contains("sandbox-admin"), "{text}");
    let ids = sandbox_json(&["classic", "users-activity", "--since", "2023-04-18", "--until", "2023-04-18"]);
    let first_id = ids.as_object().unwrap().keys().next().unwrap().clone();
    assert!(!text.contains(&first_id), "{text}");
}
