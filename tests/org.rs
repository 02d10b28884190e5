//! Organization as code (`sauce_accounts::org`) against the sandbox: round trips, the read
//! budget, guards, stale plans, resuming after a lost answer or a dead process, and the
//! property that apply then plan finds nothing left to do.

mod org_proxy;

use std::collections::BTreeMap;
use std::path::PathBuf;

use org_proxy::{Fault, Proxy};
use proptest::prelude::*;
use sauce_accounts::org::{self, ApplyOptions, ApplyReport, ChangeKind, OrgError, OrgFile, Plan, RemovalLimit};
use sauce_accounts::sandbox::{Faults, Sandbox, Seed, SeedTeam, SeedUser};
use sauce_accounts::{Client, Credentials, RetryPolicy};

fn file(yaml: &str) -> OrgFile {
    OrgFile::from_yaml(yaml).unwrap_or_else(|error| panic!("{error}\n{yaml}"))
}

/// A directory of its own for each test's journal and secrets files.
fn scratch(name: &str) -> PathBuf {
    let directory = std::env::temp_dir().join(format!("sauce-org-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&directory);
    std::fs::create_dir_all(&directory).unwrap();
    directory
}

fn apply(client: &Client, plan: &Plan, options: &ApplyOptions) -> Result<ApplyReport, OrgError> {
    org::apply(client, plan, options, &mut |_, _| {})
}

fn client_through(proxy: &Proxy, sandbox: &Sandbox) -> Client {
    Client::builder()
        .base_url(proxy.url.clone())
        .credentials(sandbox.admin_credentials())
        .retry_policy(RetryPolicy::default().base_delay(std::time::Duration::from_millis(5)))
        .build()
        .unwrap()
}

/// An organization of `users` users in `teams` teams (the default team included), every
/// other team described.
fn big_seed(users: usize, teams: usize) -> Seed {
    let mut seed = Seed::builtin();
    seed.teams = (1..teams)
        .map(|index| SeedTeam {
            name: format!("Team {index:02}"),
            description: (index % 2 == 0).then(|| format!("Team number {index}")),
            virtual_machines: index as u64 % 7,
            real_devices: index as u64 % 3,
            live_only: index % 5 == 0,
        })
        .collect();
    seed.users = (0..users - 1)
        .map(|index| SeedUser {
            username: format!("user{index:04}"),
            first_name: "Load".into(),
            last_name: format!("User {index}"),
            email: Some(format!("User{index}@Big.Example")),
            team: Some(format!("Team {:02}", 1 + index % (teams - 1))),
            role: Some([3, 3, 3, 4][index % 4]),
            access_key: None,
            active: Some(index % 13 != 0),
        })
        .collect();
    seed
}

#[test]
fn export_then_plan_is_empty_on_the_builtin_seed() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let export = org::export(&client).unwrap();
    let yaml = export.file.to_yaml();
    assert!(yaml.contains("name: Manual QA") && yaml.contains("role: org-admin"), "{yaml}");
    let plan = org::plan(&client, &file(&yaml)).unwrap();
    assert!(plan.is_empty(), "{:#?}", plan.changes);
    assert!(plan.unmanaged.is_empty(), "{:?}", plan.unmanaged);
    // Read again through what a person edits: the YAML text, not the value.
    assert_eq!(OrgFile::from_yaml(&yaml).unwrap(), export.file);
}

#[test]
fn a_1000_user_organization_reads_within_the_request_budget_and_round_trips() {
    let sandbox = Sandbox::start_with(big_seed(1000, 50), 0).unwrap();
    let proxy = Proxy::start(sandbox.url(), Fault::None);
    let client = client_through(&proxy, &sandbox);
    let export = org::export(&client).unwrap();
    assert_eq!(export.file.users.len(), 1000);
    assert_eq!(export.file.teams.len(), 50);
    // 1 caller + 1 team page + 10 user pages + 1 service account page, and one per team.
    assert_eq!(proxy.requests(), 13 + 50);
    assert_eq!(export.requests, proxy.requests() as u64);

    let before = proxy.requests();
    let plan = org::plan(&client, &export.file).unwrap();
    assert!(plan.is_empty(), "{:#?}", &plan.changes[..plan.changes.len().min(5)]);
    let described = export.file.teams.iter().filter(|team| team.description.is_some()).count();
    assert!(described < 50, "half the teams have no description, so none is fetched for them");
    assert_eq!(proxy.requests() - before, 13 + described);
    assert_eq!(plan.requests, (13 + described) as u64);

    // Without descriptions in the file, no team is fetched at all.
    let mut lean = export.file.clone();
    lean.teams.iter_mut().for_each(|team| team.description = None);
    let before = proxy.requests();
    assert!(org::plan(&client, &lean).unwrap().is_empty());
    assert!(proxy.requests() - before <= 15, "{} requests", proxy.requests() - before);
}

#[test]
fn a_listing_that_fails_is_an_error_never_an_empty_organization() {
    let sandbox = Sandbox::start_with(big_seed(300, 4), 0).unwrap();
    let client = sandbox.client().unwrap();
    let mut everything = org::export(&client).unwrap().file;
    everything.prune = true;
    // The second page of users fails every time: the plan must not think they are gone.
    let proxy = Proxy::start(sandbox.url(), Fault::FailPath("offset=100".into()));
    let failing = client_through(&proxy, &sandbox);
    let error = org::plan(&failing, &everything).unwrap_err();
    assert!(matches!(error, OrgError::Api(_)), "{error}");
    assert!(org::plan(&client, &everything).unwrap().is_empty());
}

const TWENTY_CHANGES: &str = r#"
teams:
  - {name: Platform, description: Shared build tooling, settings: {virtual_machines: 4}}
  - {name: Data, settings: {virtual_machines: 2, real_devices: 1}}
  - {name: Web, description: The shop in every browser}
  - {name: Mobile, settings: {virtual_machines: 12}}
users:
  - {username: nia.platform, email: nia@acme.example, first_name: Nia, last_name: Ode, teams: [Platform]}
  - {username: omar.platform, email: omar@acme.example, first_name: Omar, last_name: Pak, teams: [Platform, Data]}
  - {username: pia.data, email: pia@acme.example, first_name: Pia, last_name: Quell, role: team-admin, teams: [Data]}
  - {username: quinn.data, email: quinn@acme.example, first_name: Quinn, last_name: Ros, teams: [Data]}
  - {username: rae.web, email: rae@acme.example, first_name: Rae, last_name: Sol, teams: [Web]}
  - {username: sol.mobile, email: sol@acme.example, first_name: Sol, last_name: Tam}
  - {username: tess.web, email: tess@acme.example, first_name: Tess, last_name: Uhl, teams: [Web]}
  - {username: alan.web, role: team-admin}
  - {username: grace.web, role: org-admin}
  - {username: donald.web, teams: [Web, Mobile]}
  - {username: edsger.web, last_name: Dijkstra-Wybe}
  - {username: radia.qa, active: false}
  - {username: niklaus.qa, active: true}
service_accounts:
  - {name: ci-bot, team: Platform}
  - {name: deploy-bot, team: Data}
"#;

/// Every created service account exists once and its last saved key works.
fn assert_keys_work(sandbox: &Sandbox, secrets: &std::path::Path) {
    let text = std::fs::read_to_string(secrets).unwrap();
    let mut keys: BTreeMap<String, String> = BTreeMap::new();
    for line in text.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(name) = record["service_account"].as_str() {
            keys.insert(name.to_string(), record["access_key"].as_str().unwrap().to_string());
        }
    }
    let client = sandbox.client().unwrap();
    let accounts: Vec<_> = client.service_accounts().lookup().iter().collect::<Result<_, _>>().unwrap();
    for name in ["ci-bot", "deploy-bot"] {
        let matching: Vec<_> = accounts.iter().filter(|account| account.name.as_deref() == Some(name)).collect();
        assert_eq!(matching.len(), 1, "{name} exists once: {matching:?}");
        let key = keys.get(name).unwrap_or_else(|| panic!("no key saved for {name}"));
        let as_account = sandbox.client_for(Credentials::new(matching[0].username.clone(), key.clone())).unwrap();
        as_account.users().get_current().send().unwrap_or_else(|error| panic!("{name}'s saved key: {error}"));
    }
}

/// How a run of the 20-change plan is interrupted.
#[derive(Clone, Copy, Debug)]
enum Interruption {
    /// The sandbox's fault mode: the k-th write is committed, its answer never sent.
    LostAnswer,
    /// The sandbox's fault mode: the k-th write is answered 503 and not made.
    Refused,
    /// The proxy: after the k-th write is committed, nothing answers any more (as if the
    /// process applying had been killed with `kill -9`).
    DeadRun,
}

#[test]
fn a_twenty_change_plan_resumes_after_a_lost_answer_a_503_or_a_dead_run_at_every_step() {
    let desired = file(TWENTY_CHANGES);
    {
        let sandbox = Sandbox::start().unwrap();
        let plan = org::plan(&sandbox.client().unwrap(), &desired).unwrap();
        assert_eq!(plan.changes.len(), 20, "{:#?}", plan.changes);
    }
    let mut settled = 0;
    for step in 1..=20u64 {
        for interruption in [Interruption::LostAnswer, Interruption::Refused, Interruption::DeadRun] {
            let sandbox = Sandbox::start().unwrap();
            let direct = sandbox.client().unwrap();
            let proxy = Proxy::start(
                sandbox.url(),
                match interruption {
                    Interruption::DeadRun => Fault::DieAfterWrite(step as usize),
                    _ => Fault::None,
                },
            );
            let through = client_through(&proxy, &sandbox);
            let directory = scratch(&format!("resume-{step}-{interruption:?}"));
            let options = ApplyOptions::default().journal(directory.join("journal")).secrets(directory.join("secrets"));
            let first = org::plan(&through, &desired).unwrap();
            match interruption {
                Interruption::LostAnswer => sandbox.set_faults(Faults::new().drop_after_commit(step)),
                Interruption::Refused => sandbox.set_faults(Faults::new().fail_write(step)),
                Interruption::DeadRun => {}
            }
            let interrupted = apply(&through, &first, &options);
            sandbox.set_faults(Faults::new());
            match interruption {
                // The lost answer is settled by reading, in the same run.
                Interruption::LostAnswer => {
                    let report = interrupted.unwrap_or_else(|error| panic!("step {step}: {error}"));
                    assert_eq!(report.changes, 20, "step {step}");
                    settled += report.reconciled;
                }
                Interruption::DeadRun => {
                    assert!(interrupted.is_err(), "step {step}: the run was cut off");
                    assert_eq!(proxy.writes(), step as usize, "the proxy died after the write it was told");
                }
                // A refused POST or PATCH stops the run; a refused PUT is retried by the client.
                Interruption::Refused => {}
            }
            // The same command again: the organization is read anew and what is left is done.
            let again = org::plan(&direct, &desired).unwrap();
            let resumed = apply(&direct, &again, &options).unwrap_or_else(|error| panic!("step {step}: {error}"));
            // What the first run did is not done again (one key reset at most on top).
            assert!(resumed.writes <= 20 - step + 1, "step {step} {interruption:?}: {resumed:?}");
            assert!(org::plan(&direct, &desired).unwrap().is_empty(), "step {step} {interruption:?}");
            assert_keys_work(&sandbox, &directory.join("secrets"));
            let journal = std::fs::read_to_string(directory.join("journal")).unwrap();
            assert!(journal.lines().last().unwrap().contains("finish"), "{journal}");
            std::fs::remove_dir_all(&directory).unwrap();
        }
    }
    // Every lost answer but those to the two PUTs (set_teams, which the client itself
    // retries, being idempotent) was settled by reading.
    assert_eq!(settled, 18);
}

/// A saved plan whose run was cut off is applied again from the same file and journal:
/// the organization changed, but only by that run.
#[test]
fn a_saved_plan_resumes_with_its_journal_and_is_stale_without_it() {
    let sandbox = Sandbox::start().unwrap();
    let direct = sandbox.client().unwrap();
    let proxy = Proxy::start(sandbox.url(), Fault::DieAfterWrite(7));
    let through = client_through(&proxy, &sandbox);
    let directory = scratch("saved-resume");
    let saved = serde_json::to_string(&org::plan(&direct, &file(TWENTY_CHANGES)).unwrap()).unwrap();
    let reload = || serde_json::from_str::<Plan>(&saved).unwrap();
    let options = ApplyOptions::default().journal(directory.join("journal")).secrets(directory.join("secrets"));
    assert!(apply(&through, &reload(), &options).is_err(), "the run was cut off");
    let without_journal = ApplyOptions::default().secrets(directory.join("secrets"));
    let stale = apply(&direct, &reload(), &without_journal).unwrap_err();
    assert!(matches!(stale, OrgError::StalePlan(_)), "{stale}");
    let resumed = apply(&direct, &reload(), &options).unwrap();
    assert_eq!(resumed.writes, 13, "the 7 writes of the first run are not made again");
    assert!(org::plan(&direct, &file(TWENTY_CHANGES)).unwrap().is_empty());
    std::fs::remove_dir_all(&directory).unwrap();
}

#[test]
fn a_saved_plan_is_refused_once_the_organization_changed() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let desired = file("teams: [{name: Web, description: Renamed in review}]");
    let saved = serde_json::to_string(&org::plan(&client, &desired).unwrap()).unwrap();
    let reloaded: Plan = serde_json::from_str(&saved).unwrap();
    let settings = sauce_accounts::types::TeamSettings::new().with_virtual_machines(9);
    let mobile = team_id(&client, "Mobile");
    client
        .teams()
        .update(mobile.as_str(), &sauce_accounts::types::UpdateTeamRequest::new().with_settings(settings))
        .send()
        .unwrap();
    let stale = apply(&client, &reloaded, &ApplyOptions::default()).unwrap_err();
    assert!(matches!(stale, OrgError::StalePlan(_)), "{stale}");
    assert!(stale.to_string().contains("plan again"), "{stale}");
    // A fresh plan applies; its saved form too, while nothing else changes.
    let fresh: Plan =
        serde_json::from_str(&serde_json::to_string(&org::plan(&client, &desired).unwrap()).unwrap()).unwrap();
    let report = apply(&client, &fresh, &ApplyOptions::default()).unwrap();
    assert_eq!((report.changes, report.writes), (1, 1));
    // An edited saved plan is refused too, even on an unchanged organization.
    let mut edited: Plan = serde_json::from_str(&saved).unwrap();
    edited.fingerprint = org::plan(&client, &desired).unwrap().fingerprint;
    let refused = apply(&client, &edited, &ApplyOptions::default()).unwrap_err();
    assert!(matches!(refused, OrgError::StalePlan(_)), "{refused}");
}

fn team_id(client: &Client, name: &str) -> String {
    client.teams().lookup().name(name).send().unwrap().results[0].id.to_string()
}

fn guard(error: OrgError) -> String {
    match error {
        OrgError::Guard(message) => message,
        other => panic!("not a guard: {other}"),
    }
}

#[test]
fn the_calling_user_is_never_deactivated_or_demoted() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    for yaml in
        ["users: [{username: sandbox-admin, active: false}]", "users: [{username: sandbox-admin, role: member}]"]
    {
        let plan = org::plan(&client, &file(yaml)).unwrap();
        let message = guard(apply(&client, &plan, &ApplyOptions::default()).unwrap_err());
        assert!(message.contains("sandbox-admin, the calling user"), "{message}");
    }
    // Pruning a file that forgets the caller would deactivate them: refused the same way.
    let mut everyone = org::export(&client).unwrap().file;
    everyone.users.retain(|user| user.username != "sandbox-admin");
    everyone.prune = true;
    let plan = org::plan(&client, &everyone).unwrap();
    let message = guard(apply(&client, &plan, &ApplyOptions::default()).unwrap_err());
    assert!(message.contains("calling user"), "{message}");
    let me = client.users().get_current().send().unwrap();
    assert_eq!((me.is_active, me.is_organization_admin), (Some(true), Some(true)));
}

#[test]
fn the_last_organization_admin_remains() {
    let mut seed = Seed::builtin();
    seed.users[0].access_key = Some("team-admin-key".into());
    let ada = seed.users[0].username.clone();
    let sandbox = Sandbox::start_with(seed, 0).unwrap();
    let team_admin = sandbox.client_for(Credentials::new(ada, "team-admin-key")).unwrap();
    let plan = org::plan(&team_admin, &file("users: [{username: sandbox-admin, role: team-admin}]")).unwrap();
    let message = guard(apply(&team_admin, &plan, &ApplyOptions::default()).unwrap_err());
    assert!(message.contains("no active organization admin"), "{message}");
    let admin = sandbox.client().unwrap().users().get_current().send().unwrap();
    assert_eq!(admin.is_organization_admin, Some(true));
}

#[test]
fn removals_beyond_the_limit_are_refused_and_named() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let mut kept = org::export(&client).unwrap().file;
    kept.prune = true;
    let leaving = ["alan.web", "grace.web", "edsger.web", "barbara.web", "donald.web"];
    kept.users.retain(|user| !leaving.contains(&user.username.as_str()));
    // The default team is never deleted, even when the file leaves it out.
    kept.teams.retain(|team| team.name != "Default");
    kept.users.iter_mut().for_each(|user| user.teams = None);
    let plan = org::plan(&client, &kept).unwrap();
    assert!(!plan.changes.iter().any(|change| change.kind == ChangeKind::DeleteTeam), "{:#?}", plan.changes);
    assert_eq!(plan.changes.iter().filter(|change| change.kind == ChangeKind::Deactivate).count(), 5);
    // 15 active users: a quarter, rounded up, is 4.
    let message = guard(apply(&client, &plan, &ApplyOptions::default()).unwrap_err());
    assert!(message.contains("remove 5 of 15 users") && message.contains("limit of 4 (25%)"), "{message}");
    assert!(leaving.iter().all(|name| message.contains(name)), "{message}");
    let still: Vec<_> = client
        .users()
        .lookup()
        .status(sauce_accounts::UserStatusFilter::Active)
        .iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(still.len(), 15, "nothing was deactivated");
    let limit = ApplyOptions::default().max_removals(RemovalLimit::Count(5));
    assert_eq!(apply(&client, &plan, &limit).unwrap().changes, 5);
    assert!(org::plan(&client, &kept).unwrap().is_empty());
}

#[test]
fn new_secrets_need_a_secrets_file_and_never_reach_the_plan() {
    let sandbox = Sandbox::start().unwrap();
    let client = sandbox.client().unwrap();
    let desired = file(
        "users: [{username: zoe.new, email: zoe@acme.example, first_name: Zoe, last_name: New}]\nservice_accounts: [{name: nightly, team: Web}]",
    );
    let plan = org::plan(&client, &desired).unwrap();
    let refused = apply(&client, &plan, &ApplyOptions::default()).unwrap_err();
    assert!(matches!(refused, OrgError::Secrets(_)), "{refused}");
    assert!(client.users().lookup().username("zoe.new").send().unwrap().results.is_empty());
    let directory = scratch("secrets");
    let secrets = directory.join("secrets.jsonl");
    let report = apply(&client, &plan, &ApplyOptions::default().secrets(&secrets)).unwrap();
    assert_eq!(report.secrets_written, 2);
    let text = std::fs::read_to_string(&secrets).unwrap();
    let password = text.lines().find_map(|line| {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        record["password"].as_str().map(str::to_string)
    });
    let password = password.expect("the password is in the secrets file");
    let plan_text = serde_json::to_string(&plan).unwrap();
    assert!(!plan_text.contains(&password));
    // A password from the environment is used as it is and written nowhere.
    let desired = file(
        "users: [{username: yan.env, email: yan@acme.example, first_name: Yan, last_name: Env, password_env: ORG_TEST_YAN_PASSWORD}]",
    );
    let plan = org::plan(&client, &desired).unwrap();
    assert!(!plan.needs_secrets());
    let unset = apply(&client, &plan, &ApplyOptions::default()).unwrap_err();
    assert!(unset.to_string().contains("ORG_TEST_YAN_PASSWORD is not set"), "{unset}");
    std::fs::remove_dir_all(&directory).unwrap();
}

/// A desired state drawn from the built-in seed's vocabulary: new and existing teams with
/// settings, existing users' roles, teams and activity, new users and service accounts.
fn desired_states() -> impl Strategy<Value = String> {
    let team_names = ["Web", "Mobile", "Manual QA", "Platform", "Data"];
    let teams = proptest::collection::vec((0..5usize, 0..30u64, 0..5u64, any::<bool>(), any::<bool>()), 0..5);
    let users = ["ada.web", "alan.web", "grace.web", "ken.mobile", "radia.qa", "niklaus.qa", "new.one", "new.two"];
    let people = proptest::collection::vec(
        (0..8usize, 0..3usize, proptest::collection::vec(0..5usize, 0..3), any::<bool>()),
        0..8,
    );
    let accounts = proptest::collection::vec((0..3usize, 0..5usize), 0..3);
    (teams, people, accounts).prop_map(move |(teams, people, accounts)| {
        let mut listed = BTreeMap::new();
        for (name, vms, devices, live_only, described) in teams {
            let description = if described { format!(", description: \"About {}\"", team_names[name]) } else { String::new() };
            listed.insert(
                team_names[name],
                format!("  - {{name: {}, settings: {{virtual_machines: {vms}, real_devices: {devices}, live_only: {live_only}}}{description}}}\n", team_names[name]),
            );
        }
        let mut yaml = String::from("teams:\n");
        let mut used: Vec<&str> = Vec::new();
        let mut user_lines = BTreeMap::new();
        for (user, role, member_of, active) in people {
            let mut member_of: Vec<&str> = member_of.into_iter().map(|index| team_names[index]).collect();
            member_of.dedup();
            member_of.sort();
            member_of.dedup();
            used.extend(&member_of);
            let role = ["member", "team-admin", "org-admin"][role];
            let name = users[user];
            let fresh = if name.starts_with("new.") {
                format!(", email: {name}@acme.example, first_name: New, last_name: One")
            } else {
                String::new()
            };
            user_lines.insert(name, format!("  - {{username: {name}, role: {role}, teams: [{}], active: {active}{fresh}}}\n", member_of.join(", ")));
        }
        let mut account_lines = BTreeMap::new();
        for (account, team) in accounts {
            used.push(team_names[team]);
            let name = ["ci", "deploy", "nightly"][account];
            account_lines.insert(name, format!("  - {{name: {name}, team: {}}}\n", team_names[team]));
        }
        for name in used {
            listed.entry(name).or_insert_with(|| format!("  - {{name: {name}}}\n"));
        }
        yaml.extend(listed.into_values());
        yaml.push_str("users:\n");
        yaml.extend(user_lines.into_values());
        yaml.push_str("service_accounts:\n");
        yaml.extend(account_lines.into_values());
        yaml
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn apply_then_plan_is_empty_and_a_second_apply_writes_nothing(yaml in desired_states()) {
        let sandbox = Sandbox::start().unwrap();
        let client = sandbox.client().unwrap();
        let desired = file(&yaml);
        let directory = scratch(&format!("property-{:x}", fastrand_like(&yaml)));
        let options = ApplyOptions::default().max_removals(RemovalLimit::Percent(100)).secrets(directory.join("secrets"));
        let plan = org::plan(&client, &desired).unwrap();
        let report = apply(&client, &plan, &options).unwrap_or_else(|error| panic!("{error}\n{yaml}"));
        prop_assert_eq!(report.writes as usize, plan.changes.len(), "one write per change");
        let after = org::plan(&client, &desired).unwrap();
        prop_assert!(after.is_empty(), "{:#?}\n{}", after.changes, yaml);
        let second = apply(&client, &after, &options).unwrap();
        prop_assert_eq!(second.writes, 0);
        std::fs::remove_dir_all(&directory).unwrap();
    }
}

/// A name for a case's scratch directory.
fn fastrand_like(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3))
}
