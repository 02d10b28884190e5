//! Organization as code, measured: the requests `org export` and `org plan` take on a
//! 1,000-user, 50-team organization, and the requests and wall time of applying 100 changes
//! at the documented 10 requests a second (the sandbox's rate-limit mode on one side, the
//! client's limiter on the other). Writes the "org" section of BENCHMARKS.md.
//!
//!     cargo bench --bench org

#[path = "support/report.rs"]
mod report;

use std::time::Instant;

use sauce_accounts::org::{self, ApplyOptions, Role};
use sauce_accounts::sandbox::{Sandbox, Seed, SeedTeam, SeedUser};
use sauce_accounts::{Client, RateLimit};

/// 1,000 users in 50 teams (the default team included), every other team described.
fn seed() -> Seed {
    let mut seed = Seed::builtin();
    seed.teams = (1..50)
        .map(|index| SeedTeam {
            name: format!("Team {index:02}"),
            description: (index % 2 == 0).then(|| format!("Team number {index}")),
            virtual_machines: 2,
            real_devices: 0,
            live_only: false,
        })
        .collect();
    seed.users = (0..999)
        .map(|index| SeedUser {
            username: format!("user{index:04}"),
            first_name: "Bench".into(),
            last_name: format!("User {index}"),
            email: None,
            team: Some(format!("Team {:02}", 1 + index % 49)),
            role: None,
            access_key: None,
            active: None,
        })
        .collect();
    seed
}

fn main() {
    let mut rows = Vec::new();
    let sandbox = Sandbox::builder().seed(seed()).rate_limit(RateLimit::documented()).start().expect("sandbox");
    let client = Client::builder()
        .base_url(sandbox.url())
        .credentials(sandbox.admin_credentials())
        .rate_limit(RateLimit::documented())
        .build()
        .expect("client");

    let started = Instant::now();
    let export = org::export(&client).expect("export");
    let export_time = started.elapsed();
    let described = export.file.teams.iter().filter(|team| team.description.is_some()).count();
    rows.push(format!(
        "| export, 1,000 users in 50 teams | {} requests, {:.1} s | 13 + one per team ({}) | {} |",
        export.requests,
        export_time.as_secs_f64(),
        13 + export.file.teams.len(),
        yes(export.requests <= 15 + export.file.teams.len() as u64)
    ));
    let plan = org::plan(&client, &export.file).expect("plan");
    assert!(plan.is_empty(), "an export plans to no change");
    rows.push(format!(
        "| plan of that export (no change) | {} requests | ≤ 15 + {described} described teams | {} |",
        plan.requests,
        yes(plan.requests <= 15 + described as u64)
    ));
    let mut lean = export.file.clone();
    lean.teams.iter_mut().for_each(|team| team.description = None);
    let lean_plan = org::plan(&client, &lean).expect("plan");
    rows.push(format!(
        "| plan of a file that states no description | {} requests | ≤ 15 | {} |",
        lean_plan.requests,
        yes(lean_plan.requests <= 15)
    ));

    // 100 changes: 100 members become team admins.
    let mut desired = export.file.clone();
    desired.teams.iter_mut().for_each(|team| team.description = None);
    for user in desired.users.iter_mut().filter(|user| user.role == Some(Role::Member)).take(100) {
        user.role = Some(Role::TeamAdmin);
    }
    let started = Instant::now();
    let plan = org::plan(&client, &desired).expect("plan");
    assert_eq!(plan.changes.len(), 100);
    let report = org::apply(&client, &plan, &ApplyOptions::default(), &mut |_, _| {}).expect("apply");
    let elapsed = started.elapsed().as_secs_f64();
    let requests = plan.requests + report.requests;
    // What the documented limit implies for that many requests (the first few go at once).
    let implied = requests as f64 / 10.0;
    rows.push(format!(
        "| plan + apply of 100 changes at 10 requests/s | {requests} requests ({} writes), {elapsed:.1} s | ≤ 100 + the read; {implied:.1} s implied by the limit | {} |",
        report.writes,
        yes(report.writes == 100 && requests <= 115 && elapsed <= implied * 1.10 + 1.0)
    ));
    let after = org::plan(&client, &desired).expect("plan");
    assert!(after.is_empty());

    let table = format!("| what | measured | budget | met |\n| --- | --- | --- | --- |\n{}\n", rows.join("\n"));
    println!("{table}");
    let section = format!(
        "Measured by `cargo bench --bench org` on {}, {}; release build; requests counted by the `org` jobs themselves (a loopback proxy counts the same in `tests/org.rs`).\n\n{table}",
        report::machine(),
        httpdate::fmt_http_date(std::time::SystemTime::now())
    );
    report::write_section(std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/BENCHMARKS.md")), "org", &section)
        .expect("BENCHMARKS.md is writable");
}

fn yes(met: bool) -> &'static str {
    if met { "yes" } else { "NO" }
}
