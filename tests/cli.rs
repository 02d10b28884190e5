//! The `sauce-accounts` binary, run for real against its embedded sandbox.

use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Output, Stdio};

use sauce_accounts::cli::Cli;
use sauce_accounts::operations::OperationId;

fn run(args: &[&str]) -> Output {
    run_with_stdin(args, "")
}

fn run_with_stdin(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sauce-accounts"))
        .args(args)
        .env_remove("SAUCE_USERNAME")
        .env_remove("SAUCE_ACCESS_KEY")
        .env_remove("SAUCE_REGION")
        .env_remove("SAUCE_BASE_URL")
        .env_remove("SAUCE_NEW_PASSWORD")
        // No ~/.sauce/credentials.yml of whoever runs the tests.
        .env("HOME", "/nonexistent/sauce-accounts-tests")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// A team id no sandbox has (an id, not a name: names are looked up first).
const UNKNOWN_TEAM: &str = "0123456789abcdef0123456789abcdef";

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).unwrap()
}

fn json(args: &[&str]) -> serde_json::Value {
    let mut all = vec!["--sandbox", "--json"];
    all.extend_from_slice(args);
    let output = run(&all);
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    serde_json::from_str(&stdout(&output)).unwrap_or_else(|error| panic!("{args:?}: {error}: {}", stdout(&output)))
}

#[test]
fn a_listing_prints_a_table() {
    let output = run(&["--sandbox", "teams", "list"]);
    assert_eq!(output.status.code(), Some(0));
    let text = stdout(&output);
    assert!(text.starts_with("NAME "), "{text}");
    assert!(text.contains("Web") && text.contains("Manual QA") && text.contains("4 of 4 shown"), "{text}");
}

#[test]
fn a_create_prints_json_that_parses() {
    let team = json(&["teams", "create", "--name", "CLI Team", "--vms", "3", "--live-only", "true"]);
    assert_eq!(team["name"], "CLI Team");
    assert_eq!(team["settings"]["virtual_machines"], 3);
    let user = run_with_stdin(
        &[
            "--sandbox",
            "--json",
            "users",
            "create",
            "--username",
            "cli.user",
            "--first-name",
            "C",
            "--last-name",
            "L",
            "--email",
            "c@l.example",
            "--role",
            "team-admin",
            "--password-stdin",
        ],
        "Cl1-Passw0rd!\n",
    );
    assert!(user.status.success(), "{}", stderr(&user));
    let user: serde_json::Value = serde_json::from_str(&stdout(&user)).unwrap();
    assert_eq!(user["is_team_admin"], true);
}

#[test]
fn all_follows_pagination() {
    let users = json(&["users", "list", "--limit", "5", "--all"]);
    assert_eq!(users["results"].as_array().unwrap().len(), 16);
    assert_eq!(users["count"], 16);
    let page = json(&["users", "list", "--limit", "5"]);
    assert_eq!(page["results"].as_array().unwrap().len(), 5);
    assert_eq!(page["count"], 16);
}

#[test]
fn destructive_commands_need_yes_without_a_terminal() {
    // Sandbox ids are deterministic, so one sandbox's id names the same team in the next.
    let teams = json(&["teams", "list", "--name", "Web"]);
    let web = teams["results"][0]["id"].as_str().unwrap().to_string();
    let refused = run(&["--sandbox", "teams", "delete", &web]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("--yes"), "{}", stderr(&refused));
    let done = run(&["--sandbox", "teams", "delete", &web, "--yes"]);
    assert_eq!(done.status.code(), Some(0), "{}", stderr(&done));
    assert!(stdout(&done).contains(&format!("Deleted team Web ({web}).")), "{}", stdout(&done));
    for command in [
        &["users", "deactivate", "ada.web"][..],
        &["users", "reset-key", "ada.web"],
        &["teams", "reset-keys", &web],
        &["classic", "change-key", "ada.web"],
    ] {
        let mut args = vec!["--sandbox"];
        args.extend_from_slice(command);
        let refused = run(&args);
        assert_eq!(refused.status.code(), Some(2), "{command:?} must ask first");
        assert!(stderr(&refused).contains("Refusing without --yes"), "{}", stderr(&refused));
    }
}

#[test]
fn exit_codes_tell_usage_from_api_errors() {
    let missing = run(&["--sandbox", "teams", "get", UNKNOWN_TEAM]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("HTTP 404"), "{}", stderr(&missing));
    let unknown = run(&["--sandbox", "teams", "explode"]);
    assert_eq!(unknown.status.code(), Some(2));
    let no_credentials = run(&["teams", "list"]);
    assert_eq!(no_credentials.status.code(), Some(2));
    assert!(stderr(&no_credentials).contains("SAUCE_USERNAME and SAUCE_ACCESS_KEY are not set"));
    let bad_region = run(&["--region", "mars", "--sauce-username", "u", "--sauce-access-key", "k", "teams", "list"]);
    assert_eq!(bad_region.status.code(), Some(2));
    assert!(stderr(&bad_region).contains("us-east-4"));
    let wrong_key =
        run(&["--sandbox", "--sauce-username", "sandbox-admin", "--sauce-access-key", "nope", "teams", "list"]);
    assert_eq!(wrong_key.status.code(), Some(1));
    // The hint names what was used, not variables that were not.
    let hint = stderr(&wrong_key);
    assert!(hint.contains("check the username \"sandbox-admin\" (from -u) and the access key (from -k)"), "{hint}");
    assert!(hint.contains("(from --sandbox)") && !hint.contains("SAUCE_REGION"), "{hint}");
    let no_password = run(&[
        "--sandbox",
        "users",
        "create",
        "--username",
        "x",
        "--first-name",
        "X",
        "--last-name",
        "Y",
        "--email",
        "x@y.example",
    ]);
    assert_eq!(no_password.status.code(), Some(2));
    assert!(stderr(&no_password).contains("--password-stdin or set SAUCE_NEW_PASSWORD"));
    assert_eq!(run(&["--help"]).status.code(), Some(0));
}

#[test]
fn keys_are_printed_only_by_key_commands() {
    let profile = json(&["classic", "get-user", "sandbox-admin"]);
    assert!(profile["access_key"].as_str().unwrap().starts_with("***"));
    let users = json(&["users", "list", "--username", "ada"]);
    let ada = users["results"][0]["id"].as_str().unwrap().to_string();
    let key = json(&["users", "access-key", &ada]);
    assert_eq!(key["access_key"].as_str().unwrap().len(), 36);
}

/// The words `command_for` gives each operation of the spec parse to that operation, and no
/// two commands call the same one; a failure names the operation and the files to edit.
#[test]
fn every_spec_operation_has_a_cli_path() {
    let mut problems = Vec::new();
    for operation in OperationId::ALL.iter().copied() {
        let words = sauce_accounts::cli::command_for(operation);
        let argv = std::iter::once("sauce-accounts").chain(words.split_whitespace());
        match <Cli as clap::Parser>::try_parse_from(argv) {
            Ok(cli) if cli.operation() == Some(operation) => {}
            Ok(cli) => problems.push(format!(
                "{}: `{words}` calls {} instead: fix its arm in src/cli/inventory.rs or in its group's file",
                operation.as_str(),
                cli.operation_id()
            )),
            Err(error) => problems.push(format!(
                "{}: `{words}` does not parse ({}): add the command to its group's file under src/cli/ \
                 and its words to src/cli/inventory.rs",
                operation.as_str(),
                error.kind()
            )),
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The other way: every leaf command calls an operation no other leaf calls.
    // `org` calls several operations per command (tests/org_cli.rs).
    fn leaves(command: &clap::Command, path: Vec<String>, out: &mut Vec<Vec<String>>) {
        let skipped = ["help", "call", "configure", "org"];
        let subcommands: Vec<&clap::Command> =
            command.get_subcommands().filter(|sub| !skipped.contains(&sub.get_name())).collect();
        if subcommands.is_empty() {
            out.push(path.clone());
        }
        for sub in subcommands {
            let mut next = path.clone();
            next.push(sub.get_name().to_string());
            leaves(sub, next, out);
        }
    }
    let mut found = Vec::new();
    leaves(&Cli::command_tree(), Vec::new(), &mut found);
    let words: BTreeSet<String> = OperationId::ALL
        .iter()
        .map(|operation| sauce_accounts::cli::command_for(*operation).split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    for path in found {
        assert!(words.contains(&path.join(" ")), "`{}` is in no line of src/cli/inventory.rs", path.join(" "));
    }
}

/// Every operation the spec marks irreversible (`x-sauce-confirm`) refuses without `--yes`
/// when standard input is not a terminal, and changes nothing: through its command and
/// through `call`. The list comes from the table, not from this test.
#[test]
fn every_irreversible_operation_asks_first() {
    let irreversible: Vec<OperationId> =
        OperationId::ALL.iter().copied().filter(|operation| operation.info().confirm.is_some()).collect();
    assert!(irreversible.contains(&OperationId::SetUserAdmin), "granting org admin asks first");
    let web = json(&["teams", "list", "--name", "Web"])["results"][0]["id"].as_str().unwrap().to_string();
    let ada = json(&["users", "get", "ada.web"])["id"].as_str().unwrap().to_string();
    let bot = "0123456789abcdef0123456789abcdef";
    for operation in irreversible {
        let words = sauce_accounts::cli::command_for(operation)
            .replace("TEAM", "Web")
            .replace("USERNAME", "ada.web")
            .replace("USER", "ada.web")
            .replace("SERVICE_ACCOUNT", bot);
        let mut args = vec!["--sandbox"];
        args.extend(words.split_whitespace());
        let refused = run(&args);
        let text = stderr(&refused);
        let what = operation.info().confirm.unwrap();
        let service_account = words.contains(bot);
        if !service_account {
            assert_eq!(refused.status.code(), Some(2), "`{words}` must ask first: {text}");
            assert!(text.contains("Refusing without --yes") && text.contains(what), "`{words}`: {text}");
        }
        let path = match operation.info().path_parameters {
            ["team_id"] => format!("team_id={web}"),
            ["user_id"] => format!("user_id={ada}"),
            ["username"] => "username=ada.web".into(),
            ["uuid"] => format!("uuid={bot}"),
            other => panic!("{other:?}"),
        };
        let called = run(&["--sandbox", "call", operation.as_str(), &path]);
        assert_eq!(called.status.code(), Some(2), "call {}: {}", operation.as_str(), stderr(&called));
        assert!(stderr(&called).contains("Refusing without --yes"), "{}", stderr(&called));
    }
    let granted = json(&["users", "make-admin", "ada.web", "--yes"]);
    assert_eq!(granted["is_organization_admin"], true, "{granted}");
}

#[test]
fn the_command_tree_is_consistent() {
    Cli::command_tree().debug_assert();
}

#[test]
fn every_help_page_renders() {
    fn walk(command: &mut clap::Command) {
        let help = command.render_long_help().to_string();
        assert!(help.contains("Usage:"), "{}", command.get_name());
        for sub in command.get_subcommands_mut() {
            walk(sub);
        }
    }
    walk(&mut Cli::command_tree());
}

// ----- the first hour of a new user -----

fn sandbox(args: &[&str]) -> Output {
    let mut all = vec!["--sandbox"];
    all.extend_from_slice(args);
    run(&all)
}

fn usernames(listing: &serde_json::Value) -> Vec<String> {
    listing["results"].as_array().unwrap().iter().map(|user| user["username"].as_str().unwrap().to_string()).collect()
}

#[test]
fn role_filters_take_the_same_names_as_create() {
    let by_name = json(&["users", "list", "--roles", "team-admin"]);
    assert_eq!(usernames(&by_name), ["ada.web", "ken.mobile"]);
    assert_eq!(usernames(&json(&["users", "list", "--roles", "4"])), usernames(&by_name));
    let both = json(&["users", "list", "--roles", "org-admin,team-admin"]);
    assert_eq!(both["count"], 3);
    let wrong = sandbox(&["users", "list", "--roles", "boss"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(stderr(&wrong).contains("org-admin, team-admin or member"), "{}", stderr(&wrong));
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly() {
    // A real pipe whose reading end is closed before the command writes (`| head` that
    // already exited).
    let child = Command::new(env!("CARGO_BIN_EXE_sauce-accounts"))
        .args(["--sandbox", "users", "list", "--all"])
        .env_remove("SAUCE_USERNAME")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = child;
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let errors = stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{errors}");
    assert!(!errors.contains("panicked") && !errors.contains("Broken pipe"), "{errors}");
}

#[test]
fn listings_have_one_json_shape_with_and_without_all() {
    for args in
        [&["users", "list", "--limit", "5"][..], &["users", "list", "--limit", "5", "--all"], &["teams", "list"]]
    {
        let listing = json(args);
        let keys: Vec<&String> = listing.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["count", "results"], "{args:?}");
    }
    let web = json(&["teams", "list", "--name", "Web"])["results"][0]["id"].as_str().unwrap().to_string();
    for args in
        [&["teams", "members", &web][..], &["teams", "members", &web, "--all"], &["classic", "siblings", "ada.web"]]
    {
        let listing = json(args);
        assert!(listing["count"].is_u64() && listing["results"].is_array(), "{args:?}: {listing}");
    }
}

#[test]
fn errors_speak_in_flags_and_commands() {
    let library_words = ["ClientBuilder", "Client::", "Credentials", "Paginator", "lookup operations"];
    let no_credentials = run(&["teams", "list"]);
    let plain_http = run(&["--base-url", "http://accounts.example.com", "-u", "x", "-k", "y", "teams", "list"]);
    let missing = sandbox(&["teams", "get", UNKNOWN_TEAM]);
    for (output, expected) in [
        (&no_credentials, "-u/--sauce-username"),
        (&plain_http, "--allow-plain-http"),
        (&missing, "`teams list` shows valid ones"),
    ] {
        let text = stderr(output);
        assert!(text.contains(expected), "{text}");
        assert!(library_words.iter().all(|word| !text.contains(word)), "{text}");
    }
    // The flag the hint names does what it says: the call goes out (to a host that does not
    // resolve, which is named, without advice to retry).
    let allowed =
        run(&["--base-url", "http://accounts.invalid", "--allow-plain-http", "-u", "x", "-k", "y", "teams", "list"]);
    assert_eq!(allowed.status.code(), Some(1), "{}", stderr(&allowed));
    assert!(
        stderr(&allowed).contains("accounts.invalid") && !stderr(&allowed).contains("retry"),
        "{}",
        stderr(&allowed)
    );
}

#[test]
fn a_bad_region_is_reported_before_missing_credentials() {
    for args in [&["--region", "mars", "teams", "list"][..], &["-r", "mars", "teams", "list"]] {
        let output = run(args);
        assert_eq!(output.status.code(), Some(2));
        let text = stderr(&output);
        assert!(text.contains("mars") && text.contains("us-west-1") && !text.contains("SAUCE_USERNAME"), "{text}");
    }
}

/// Blank `SAUCE_BASE_URL` / `SAUCE_REGION` (CI systems export unconfigured variables empty)
/// count as unset, as in `Client::from_env`: the command goes on to the default region, and
/// here stops before sending, at the empty id. A region that is set is still checked.
#[test]
fn blank_environment_variables_count_as_unset() {
    let with_region = |region: &str| {
        Command::new(env!("CARGO_BIN_EXE_sauce-accounts"))
            .args(["teams", "get", ""])
            .env("SAUCE_USERNAME", "someone")
            .env("SAUCE_ACCESS_KEY", "not-a-key")
            .env("SAUCE_BASE_URL", " ")
            .env("SAUCE_REGION", region)
            .output()
            .unwrap()
    };
    let blank = with_region("");
    assert_eq!(blank.status.code(), Some(2), "{}", stderr(&blank));
    assert!(stderr(&blank).contains("team_id must not be empty"), "{}", stderr(&blank));
    let mars = with_region("mars");
    assert_eq!(mars.status.code(), Some(2), "{}", stderr(&mars));
    assert!(stderr(&mars).contains("unknown region \"mars\""), "{}", stderr(&mars));
}

/// Wherever a command takes a TEAM, its name works as well as its id (in any case); a name
/// that matches no team exactly is an error listing the candidates.
#[test]
fn teams_are_known_by_name() {
    let teams = json(&["teams", "list"]);
    let web = teams["results"].as_array().unwrap().iter().find(|team| team["name"] == "Web").unwrap()["id"].clone();
    assert_eq!(json(&["teams", "get", "Web"])["id"], web);
    assert_eq!(json(&["teams", "get", "web"])["id"], web);
    let members = json(&["teams", "members", "Web"]);
    assert!(members["count"].as_u64().unwrap() > 0, "{members}");
    let moved = json(&["users", "set-teams", "alan.web", "--team", "Mobile", "--team", "Manual QA"]);
    assert_eq!(moved["ok"], true, "{moved}");
    let vague = sandbox(&["teams", "get", "M"]);
    assert_eq!(vague.status.code(), Some(1), "not found");
    assert!(stderr(&vague).contains("candidates: Mobile, Manual QA"), "{}", stderr(&vague));
    let nothing = sandbox(&["teams", "get", "Design"]);
    assert_eq!(nothing.status.code(), Some(1), "not found");
    let text = stderr(&nothing);
    assert!(text.contains("no team is named \"Design\"") && text.contains("candidates: Default, Web"), "{text}");
    let bot = json(&["service-accounts", "create", "--name", "Release bot", "--team", "Web"]);
    assert!(bot["access_key"].is_string(), "{bot}");
}

#[test]
fn users_are_known_by_username() {
    let ada = json(&["users", "get", "ada.web"]);
    assert_eq!(ada["username"], "ada.web");
    let by_id = json(&["users", "get", ada["id"].as_str().unwrap()]);
    assert_eq!(by_id["username"], "ada.web");
    let prompt = sandbox(&["users", "deactivate", "ada.web"]);
    assert!(stderr(&prompt).contains("Deactivate user ada.web (Ada Lovelace)?"), "{}", stderr(&prompt));
    let vague = sandbox(&["users", "get", "ad"]);
    assert_eq!(vague.status.code(), Some(1), "not found");
    assert!(stderr(&vague).contains("candidates: ada.web"), "{}", stderr(&vague));
    let nobody = sandbox(&["users", "make-admin", "nobody.here"]);
    assert!(stderr(&nobody).contains("no user is named \"nobody.here\""), "{}", stderr(&nobody));
    // Not found is exit 1 whether the user was named or given by id.
    assert_eq!(nobody.status.code(), Some(1));
    assert_eq!(sandbox(&["users", "get", "0123456789abcdef0123456789abcdef"]).status.code(), Some(1));
}

#[test]
fn tables_fit_100_columns_and_changes_print_one_line() {
    let listing = sandbox(&["users", "list"]);
    let text = stdout(&listing);
    let header = text.lines().next().unwrap();
    for column in ["USERNAME", "NAME", "ROLE", "TEAMS", "ACTIVE"] {
        assert!(header.contains(column), "{header}");
    }
    assert!(text.lines().all(|line| line.chars().count() <= 100), "{text}");
    let change = sandbox(&["users", "make-team-admin", "alan.web", "--yes"]);
    assert_eq!(stdout(&change).trim(), "alan.web (Alan Turing) is now a team admin.");
    let full = json(&["users", "make-team-admin", "alan.web", "--yes"]);
    assert_eq!(full["is_team_admin"], true);
}

#[test]
fn short_flags_work_and_negative_numbers_are_explained() {
    let short = run(&["--sandbox", "-u", "sandbox-admin", "-k", "sandbox-access-key", "teams", "list"]);
    assert_eq!(short.status.code(), Some(0), "{}", stderr(&short));
    let negative = sandbox(&["users", "list", "--limit", "-5"]);
    assert_eq!(negative.status.code(), Some(2));
    assert!(stderr(&negative).contains("-5 is negative"), "{}", stderr(&negative));
}

#[test]
fn a_weak_password_is_refused_before_anything_is_sent() {
    let output = run_with_stdin(
        &[
            "--sandbox",
            "users",
            "create",
            "--username",
            "weak.one",
            "--first-name",
            "W",
            "--last-name",
            "O",
            "--email",
            "w@o.example",
            "--password-stdin",
        ],
        "weakpass\n",
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("does not meet the password rules"), "{}", stderr(&output));
    assert!(!stderr(&output).contains("weakpass"), "{}", stderr(&output));
}

#[test]
fn users_me_shows_whose_credentials_these_are() {
    assert_eq!(json(&["users", "me"])["username"], "sandbox-admin");
    let refused = sandbox(&["-u", "ada.web", "-k", "wrong-key", "users", "me"]);
    assert_eq!(refused.status.code(), Some(1), "a wrong key is an error, not a profile");
}

#[test]
fn service_accounts_from_the_command_line() {
    let web = json(&["teams", "list", "--name", "Web"])["results"][0]["id"].as_str().unwrap().to_string();
    let created = json(&["service-accounts", "create", "--name", "CLI bot", "--team", &web]);
    assert_eq!(created["access_key"].as_str().unwrap().len(), 36, "create shows the new key");
    // Not on a terminal, stdout is just the key (`KEY=$(…)`), the sentence on stderr.
    let line = sandbox(&["service-accounts", "create", "--name", "CLI bot", "--team", "web"]);
    assert_eq!(stdout(&line).trim().len(), 36, "{}", stdout(&line));
    assert!(stderr(&line).starts_with("Created service account bot-cli-bot-service-account-"), "{}", stderr(&line));
    let listing = json(&["service-accounts", "list"]);
    assert_eq!(listing["count"], 0, "a fresh sandbox has none");
    let refused = sandbox(&["service-accounts", "delete", "no-such-account", "--yes"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(stderr(&refused).contains("`service-accounts list`"), "{}", stderr(&refused));
}

/// `--ca-cert` reaches the client: a file that is not there, or holds no certificate, is a
/// usage error naming it; the test CA is accepted (the call then fails elsewhere, not on it).
#[test]
fn ca_cert_is_read_and_checked() {
    let missing = run(&["--ca-cert", "/no/such/ca.pem", "-u", "x", "-k", "y", "teams", "list"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("--ca-cert /no/such/ca.pem"), "{}", stderr(&missing));
    let not_pem = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let refused = run(&["--ca-cert", not_pem, "-u", "x", "-k", "y", "teams", "list"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("root certificate"), "{}", stderr(&refused));
    let ca = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/tls/ca.pem");
    let accepted =
        run(&["--ca-cert", ca, "--base-url", "https://accounts.invalid", "-u", "x", "-k", "y", "teams", "list"]);
    assert_eq!(accepted.status.code(), Some(1), "{}", stderr(&accepted));
    assert!(stderr(&accepted).contains("accounts.invalid"), "{}", stderr(&accepted));
}

#[test]
fn activity_commands_take_a_period_as_days_or_seconds() {
    let by_day = json(&["classic", "users-activity", "--since", "2023-04-18", "--until", "2023-04-20"]);
    let by_seconds = json(&["classic", "users-activity", "--since", "1681776000", "--until", "1681948800"]);
    assert_eq!(by_day, by_seconds);
    let (_, first) = by_day.as_object().unwrap().iter().next().unwrap();
    assert_eq!(first["datestamp"], serde_json::json!(["2023-04-18", "2023-04-19", "2023-04-20"]));
    let teams = json(&["teams", "list"]);
    let team = teams["results"][0]["id"].as_str().unwrap();
    let one_team = json(&["classic", "teams-activity", "--id", team, "--since", "2023-04-18", "--until", "2023-04-18"]);
    assert_eq!(one_team.as_object().unwrap().keys().collect::<Vec<_>>(), [team]);
    let counts = json(&["classic", "org-activity"]);
    assert!(counts["totals"]["all"].is_u64(), "{counts}");
    let backwards = sandbox(&["classic", "org-activity", "--since", "2023-04-20", "--until", "2023-04-18"]);
    assert!(!backwards.status.success());
    assert!(stderr(&backwards).contains("until must not be before since"), "{}", stderr(&backwards));
    let nonsense = sandbox(&["classic", "users-activity", "--since", "yesterday"]);
    assert_eq!(nonsense.status.code(), Some(2));
    assert!(stderr(&nonsense).contains("neither a day (2023-04-18) nor seconds since 1970"), "{}", stderr(&nonsense));
}

/// For people, daily statistics print one row a day (with the team, user or organization id
/// of keyed answers), the same figures `--json` gives as the service's parallel lists.
#[test]
fn daily_activity_prints_a_row_a_day() {
    let period = ["--since", "2023-04-18", "--until", "2023-04-20"];
    let header = "DATE        JOBS  MINUTES  MEAN CONCURRENCY  PEAK CONCURRENCY";
    // The table read back into the service's parallel lists, per key.
    let read_rows = |text: &str, keyed: bool| {
        let fields = ["datestamp", "jobs", "minutes", "ccy_exec_mean", "ccy_exec_peak"];
        let mut by_key: std::collections::BTreeMap<String, serde_json::Map<String, serde_json::Value>> =
            Default::default();
        for line in text.lines().skip(1) {
            let mut cells: Vec<&str> = line.split_whitespace().collect();
            let key = if keyed { cells.remove(0).to_string() } else { String::new() };
            let daily = by_key.entry(key).or_default();
            for (field, cell) in fields.iter().zip(cells) {
                let value = match *field {
                    "datestamp" => serde_json::json!(cell),
                    _ => serde_json::from_str(cell).unwrap(),
                };
                let list = daily.entry(*field).or_insert_with(|| serde_json::json!([]));
                list.as_array_mut().unwrap().push(value);
            }
        }
        by_key
    };

    let mut args = vec!["classic", "activity", "sandbox-admin"];
    args.extend(period);
    let text = stdout(&sandbox(&args));
    assert_eq!(text.lines().next(), Some(header), "{text}");
    assert_eq!(text.lines().count(), 4, "a header and three days: {text}");
    let answer = json(&args);
    for (field, list) in &read_rows(&text, false)[""] {
        assert_eq!(&answer[field], list, "{field}");
    }

    let mut args = vec!["classic", "teams-activity"];
    args.extend(period);
    let text = stdout(&sandbox(&args));
    assert!(text.lines().next().unwrap().starts_with("TEAM "), "{text}");
    let answer = json(&args);
    let rows = read_rows(&text, true);
    assert_eq!(rows.keys().collect::<Vec<_>>(), answer.as_object().unwrap().keys().collect::<Vec<_>>());
    for (team, daily) in &rows {
        for (field, list) in daily {
            assert_eq!(&answer[team][field], list, "{team} {field}");
        }
    }
    // Without a period the service counts jobs instead: printed as it comes.
    assert!(stdout(&sandbox(&["classic", "org-activity"])).starts_with("totals:"));
}

/// `call` takes every operationId of the spec (its list comes from `operations::ALL`), sorts
/// NAME=VALUE into path and query parameters, checks the body against the request type and
/// prints the answer as JSON.
#[test]
fn call_reaches_every_operation_by_its_id() {
    for operation in sauce_accounts::operations::ALL {
        let cli = <Cli as clap::Parser>::try_parse_from(["sauce-accounts", "call", operation.id])
            .unwrap_or_else(|error| panic!("{}: {error}", operation.id));
        assert_eq!(cli.operation_id(), operation.id);
    }
    let unknown = sandbox(&["call", "lookup_gadgets"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(stderr(&unknown).contains("lookup_teams"), "the valid ids are listed: {}", stderr(&unknown));

    let page = json(&["call", "lookup_teams", "limit=2"]);
    assert_eq!(page["results"].as_array().unwrap().len(), 2);
    let team = page["results"][0]["id"].as_str().unwrap().to_string();
    let id = format!("team_id={team}");
    assert_eq!(json(&["call", "get_team", &id])["id"], team.as_str());
    let updated = json(&["call", "update_team", &id, "--body", r#"{"description": "via call"}"#]);
    assert_eq!(updated["description"], "via call");
    let members = json(&["call", "list_team_members", &id]);
    assert!(members["count"].is_u64(), "{members}");

    for (args, message) in [
        (vec!["call", "get_team"], "the path parameter team_id is missing"),
        (vec!["call", "lookup_teams", "colour=red"], "colour is not a query parameter of lookup_teams"),
        (vec!["call", "update_team", &id], "update_team needs a UpdateTeamRequest body"),
        (vec!["call", "get_team", &id, "--body", "{}"], "get_team takes no body"),
        (vec!["call", "update_team", &id, "--body", r#"{"name": 7}"#], "the body is not a valid UpdateTeamRequest"),
        (vec!["call", "update_team", &id, "--body", "{nope"], "--body is not JSON"),
    ] {
        let refused = sandbox(&args);
        assert!(!refused.status.success(), "{args:?}");
        assert!(stderr(&refused).contains(message), "{args:?}: {}", stderr(&refused));
    }
}
