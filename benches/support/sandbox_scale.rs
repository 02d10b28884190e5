//! The sandbox at scale (issue 24): a page of users, exact filters and searches at 10,000,
//! 100,000 and 1,000,000 users, each call made by the client over loopback and timed from
//! the call to the decoded answer, and how each grows with the organization.

use std::time::{Duration, Instant};

use sauce_accounts::sandbox::Sandbox;
use sauce_accounts::types::UserStatus;
use sauce_accounts::{Client, RetryPolicy};

use crate::report::median;
use crate::seed::big_seed;

/// One kind of request, measured at every size.
struct Case {
    what: &'static str,
    /// The most a call may take at 100,000 users and more (`None`: reported, no target).
    target: Option<Duration>,
    /// Whether its time may grow at most as log n does from one size to the next.
    logarithmic: bool,
    /// Per size: the median and the slowest call.
    times: Vec<(Duration, Duration)>,
}

/// What one size of organization answers to `rounds` calls of each case.
fn measure(users: usize, rounds: usize) -> (Duration, Vec<(Duration, Duration)>) {
    let started = Instant::now();
    let sandbox = Sandbox::builder().seed(big_seed(users)).start().unwrap();
    let seeding = started.elapsed();
    let client = Client::builder()
        .base_url(sandbox.url())
        .credentials(sandbox.admin_credentials())
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let web = client.teams().lookup().name("Web").send().unwrap().results.remove(0).id;
    let team_size = users / 3;
    // Spread over the whole listing, first and last page included.
    let spread = |round: usize, length: usize| round * (length - 100) / (rounds - 1);
    let username = |round: usize| format!("user{:06}", round * 7919 % users);
    let ids: Vec<_> = (0..rounds)
        .map(|round| client.users().lookup().username(username(round)).send().unwrap().results.remove(0).id)
        .collect();
    let mut calls: Vec<Box<dyn FnMut(usize) -> usize + '_>> = vec![
        Box::new(|round| {
            client.users().lookup().limit(100).offset(spread(round, users) as u64).send().unwrap().results.len()
        }),
        Box::new(|round| client.users().lookup().username(username(round)).send().unwrap().results.len()),
        Box::new(|round| client.users().lookup().id(ids[round].to_string()).send().unwrap().results.len()),
        Box::new(|round| {
            let offset = spread(round, team_size) as u64;
            client.users().lookup().teams(web.to_string()).limit(100).offset(offset).send().unwrap().results.len()
        }),
        Box::new(|_| client.users().lookup().phrase("User 1").limit(100).send().unwrap().results.len()),
        Box::new(|_| client.users().lookup().status(UserStatus::Active).limit(100).send().unwrap().results.len()),
    ];
    let expected = [100, 1, 1, 100, 100, 100];
    let mut results = Vec::new();
    for (call, expected) in calls.iter_mut().zip(expected) {
        for round in 0..rounds.min(10) {
            call(round);
        }
        let mut samples = Vec::with_capacity(rounds);
        for round in 0..rounds {
            let started = Instant::now();
            let found = call(round);
            samples.push(started.elapsed());
            assert_eq!(found, expected);
        }
        let worst = samples.iter().copied().max().unwrap_or_default();
        results.push((median(samples), worst));
    }
    (seeding, results)
}

/// The CPUs this process may run on, as the kernel lists them (`0` when pinned to the first).
fn allowed_cpus() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status.lines().find_map(|line| line.strip_prefix("Cpus_allowed_list:").map(|cpus| cpus.trim().to_string()))
        })
        .unwrap_or_else(|| "unknown".into())
}

fn micros(duration: Duration) -> String {
    format!("{:.0} µs", duration.as_secs_f64() * 1e6)
}

/// How a time grows from one size to a size ten times larger, as the exponent of n: 0 is
/// constant, 1 linear; log n from 100,000 to 1,000,000 is 0.08 (6/5 = 1.2×).
fn slope(small: Duration, large: Duration, small_users: usize, large_users: usize) -> f64 {
    (large.as_secs_f64() / small.as_secs_f64()).log10() / (large_users as f64 / small_users as f64).log10()
}

/// Measures every case at every size and returns the table, with what it was measured on.
pub fn table(sizes: &[usize], rounds: usize) -> String {
    let mut cases = vec![
        Case {
            what: "a page of 100 users, offsets spread over the whole listing",
            target: Some(Duration::from_millis(1)),
            logarithmic: true,
            times: Vec::new(),
        },
        Case {
            what: "`username=` naming one user",
            target: Some(Duration::from_micros(200)),
            logarithmic: true,
            times: Vec::new(),
        },
        Case {
            what: "`id=` naming one user",
            target: Some(Duration::from_micros(200)),
            logarithmic: true,
            times: Vec::new(),
        },
        Case {
            what: "`teams=` one of 3 teams, a page of 100 at offsets spread over the team (walks the team's members to the offset)",
            target: None,
            logarithmic: false,
            times: Vec::new(),
        },
        Case {
            what: "`phrase=User 1`, first page of 100 (checks every user, to count them)",
            target: None,
            logarithmic: false,
            times: Vec::new(),
        },
        Case {
            what: "`status=active`, first page of 100 (checks every user, to count them)",
            target: None,
            logarithmic: false,
            times: Vec::new(),
        },
    ];
    let mut seeding = Vec::new();
    for &users in sizes {
        let (seeded, times) = measure(users, rounds);
        seeding.push(seeded);
        for (case, time) in cases.iter_mut().zip(times) {
            case.times.push(time);
        }
    }
    let sizes_header: Vec<String> = sizes.iter().map(|users| format!("{users} users")).collect();
    let slopes_header: Vec<String> = sizes.windows(2).map(|pair| format!("slope {}→{}", pair[0], pair[1])).collect();
    let mut table = format!(
        "| what (median / slowest call) | {} | {} | target | met |\n|{}\n",
        sizes_header.join(" | "),
        slopes_header.join(" | "),
        " --- |".repeat(sizes.len() + slopes_header.len() + 3)
    );
    for case in &cases {
        let times: Vec<String> =
            case.times.iter().map(|(median, worst)| format!("{} / {}", micros(*median), micros(*worst))).collect();
        let slopes: Vec<f64> = (1..sizes.len())
            .map(|index| slope(case.times[index - 1].0, case.times[index].0, sizes[index - 1], sizes[index]))
            .collect();
        let large = sizes.iter().zip(&case.times).filter(|(users, _)| **users >= 100_000);
        let fast = large.clone().all(|(_, (median, _))| case.target.is_none_or(|target| *median < target));
        // log n grows by at most 0.08 per decade here; allow the shared machine's noise on top.
        let flat = !case.logarithmic || slopes.last().is_none_or(|slope| *slope <= 0.1);
        let target = match (case.target, case.logarithmic) {
            (Some(target), true) => format!("< {} at ≥ 100,000 users; slope ≤ 0.1", micros(target)),
            (Some(target), false) => format!("< {} at ≥ 100,000 users", micros(target)),
            (None, true) => "slope ≤ 0.1".into(),
            (None, false) => "—".into(),
        };
        let met = if case.target.is_none() && !case.logarithmic {
            "—"
        } else if fast && flat {
            "yes"
        } else {
            "NO"
        };
        table.push_str(&format!(
            "| {} | {} | {} | {target} | {met} |\n",
            case.what,
            times.join(" | "),
            slopes.iter().map(|slope| format!("{slope:.2}")).collect::<Vec<_>>().join(" | "),
        ));
    }
    let seeded: Vec<String> =
        sizes.iter().zip(&seeding).map(|(users, took)| format!("{users}: {:.1} s", took.as_secs_f64())).collect();
    format!(
        "Measured by `taskset -c 0 cargo bench --bench client -- sandbox-scale` on {}, {}; release build; process allowed on CPUs `{}` (client and sandbox threads share it, so no call crosses cores); per size and row, {rounds} calls after 10 unmeasured ones, each timed from the client's call to its decoded answer (HTTP over loopback, the sandbox's work, JSON both ways). Slope: how the median grows from one size to the next, as the exponent of the number of users (0 constant, 1 linear; log n is 0.08 from 100,000 to 1,000,000). Seeding the sandbox took {}.\n\n{table}",
        crate::report::machine(),
        httpdate::fmt_http_date(std::time::SystemTime::now()),
        allowed_cpus(),
        seeded.join(", "),
    )
}
