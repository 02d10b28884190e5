//! This crate's side of `cargo xtask bench-peers`, which runs the same work with the official
//! Node client, Python `requests` and a Python client generated from the spec. One process per
//! measurement, driven by the harness:
//!
//! - `serve USERS`: an Accounts sandbox with USERS users on loopback; prints
//!   `URL USERNAME ACCESS_KEY` and serves until its standard input closes;
//! - `latency URL WARMUP CALLS`: WARMUP untimed kept-alive team listings, then CALLS timed
//!   ones; prints the median microseconds;
//! - `once URL`: one team listing (the whole-process cold start is timed from outside);
//! - `list URL`: every user, 100 per page; prints how many.
//!
//! Credentials come from SAUCE_USERNAME / SAUCE_ACCESS_KEY. Run with no arguments (as
//! `cargo bench` does), it only checks that the sandbox answers.

#[path = "support/seed.rs"]
mod seed;

use std::io::Read as _;
use std::time::Instant;

use sauce_accounts::sandbox::Sandbox;
use sauce_accounts::{Client, Credentials, RetryPolicy};

fn client(url: &str) -> Client {
    let username = std::env::var("SAUCE_USERNAME").expect("SAUCE_USERNAME");
    let key = std::env::var("SAUCE_ACCESS_KEY").expect("SAUCE_ACCESS_KEY");
    Client::builder()
        .base_url(url)
        .credentials(Credentials::new(username, key))
        .retry_policy(RetryPolicy::none())
        .build()
        .expect("a client")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|arg| !arg.starts_with("--")).collect();
    let arg = |index: usize| args.get(index).map(String::as_str).unwrap_or_else(|| panic!("argument {index} missing"));
    match args.first().map(String::as_str) {
        Some("serve") => {
            let users: usize = arg(1).parse().expect("a number of users");
            let sandbox = Sandbox::builder().seed(seed::big_seed(users)).start().expect("the sandbox starts");
            let credentials = sandbox.admin_credentials();
            println!("{} {} {}", sandbox.url(), credentials.username(), credentials.access_key().expose());
            // Serve until the harness closes our standard input.
            let _ = std::io::stdin().read_to_end(&mut Vec::new());
        }
        Some("latency") => {
            let client = client(arg(1));
            let warmup: usize = arg(2).parse().expect("a number of warm-up calls");
            let calls: usize = arg(3).parse().expect("a number of calls");
            for _ in 0..warmup {
                client.teams().lookup().send().expect("a listing");
            }
            let mut micros: Vec<f64> = (0..calls)
                .map(|_| {
                    let started = Instant::now();
                    client.teams().lookup().send().expect("a listing");
                    started.elapsed().as_secs_f64() * 1e6
                })
                .collect();
            micros.sort_by(f64::total_cmp);
            println!("{:.1}", micros[micros.len() / 2]);
        }
        Some("once") => {
            let teams = client(arg(1)).teams().lookup().send().expect("a listing");
            println!("{}", teams.count);
        }
        Some("list") => {
            let mut users = 0;
            for user in client(arg(1)).users().lookup().limit(100).iter() {
                user.expect("a user");
                users += 1;
            }
            println!("{users}");
        }
        Some(other) => panic!("unknown mode {other}"),
        None => {
            let sandbox = Sandbox::start().expect("the sandbox starts");
            let client = sandbox.client().expect("a client");
            assert!(client.teams().lookup().send().expect("a listing").count > 0);
        }
    }
}
