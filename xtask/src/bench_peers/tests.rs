//! The harness's own parts: spreads and verdicts (benches/support/report.rs), the counting
//! proxy and the CPU pinning processes inherit. None of them times anything.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use super::affinity;
use super::counting_proxy::{CountingProxy, HeaderEnds};
use crate::report::{Spread, Verdict, median};

#[test]
fn quartiles_take_the_middle_half_and_range_takes_all() {
    let samples: Vec<f64> = (1..=101).rev().map(f64::from).collect();
    assert_eq!(Spread::quartiles(&samples), Spread { low: 26.0, median: 51.0, high: 76.0 });
    assert_eq!(Spread::range(&samples), Spread { low: 1.0, median: 51.0, high: 101.0 });
    assert_eq!(Spread::range(&[3.0]), Spread { low: 3.0, median: 3.0, high: 3.0 });
    assert_eq!(Spread::quartiles(&samples).median, median(samples));
}

#[test]
fn spread_text_names_its_kind() {
    let spread = Spread { low: 0.994, median: 1.021, high: 1.04 };
    assert_eq!(spread.show(2, "×", "IQR"), "1.02× (IQR 0.99–1.04×)");
    assert_eq!(Spread::range(&[680.4]).show(1, " µs", "range"), "680.4 µs (range 680.4–680.4 µs)");
}

#[test]
fn a_client_faster_than_its_own_transport_is_a_failed_measurement() {
    assert_eq!(Verdict::against_transport(0.906, 1.05), Verdict::FailedMeasurement);
    assert_eq!(Verdict::against_transport(0.969, 1.05), Verdict::FailedMeasurement);
    assert_eq!(Verdict::against_transport(0.97, 1.05), Verdict::Met);
    assert_eq!(Verdict::against_transport(1.05, 1.05), Verdict::Met);
    assert_eq!(Verdict::against_transport(1.06, 1.05), Verdict::NotMet);
    assert!(Verdict::FailedMeasurement.cell().contains("failed measurement"));
    assert_eq!(Verdict::from(false).cell(), "NO");
}

#[test]
fn per_round_ratios_pair_the_rounds() {
    let spread = super::ratios(&[100.0, 200.0, 150.0], &[400.0, 400.0, 300.0]);
    assert_eq!(spread, Spread { low: 0.25, median: 0.5, high: 0.5 });
}

#[test]
fn every_client_takes_every_place_in_the_rotation() {
    let orders: Vec<Vec<usize>> = (0..3).map(|round| super::rotated(round, 3).collect()).collect();
    assert_eq!(orders, [[0, 1, 2], [1, 2, 0], [2, 0, 1]]);
}

#[test]
fn request_heads_are_counted_however_the_stream_is_cut() {
    let stream = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\n\r\n\r\r\n\r\n";
    for cut in 0..stream.len() {
        let mut ends = HeaderEnds::default();
        let (first, second) = stream.split_at(cut);
        assert_eq!(ends.count(first) + ends.count(second), 3, "cut at {cut}");
    }
    let mut byte_by_byte = HeaderEnds::default();
    assert_eq!(stream.iter().map(|byte| byte_by_byte.count(&[*byte])).sum::<usize>(), 3);
}

/// An upstream that answers a slash-less path with a relative 301, as the sandbox does.
fn redirecting_upstream() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                let mut line = String::new();
                while reader.read_line(&mut line).unwrap_or(0) > 0 {
                    let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                    let mut header = String::new();
                    while reader.read_line(&mut header).unwrap_or(0) > 0 && header != "\r\n" {
                        header.clear();
                    }
                    let response = if path.ends_with('/') {
                        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_string()
                    } else {
                        format!("HTTP/1.1 301 Moved Permanently\r\nLocation: {path}/\r\nContent-Length: 0\r\n\r\n")
                    };
                    if writer.write_all(response.as_bytes()).is_err() {
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    address
}

#[test]
fn the_proxy_counts_a_redirected_call_as_two_requests() {
    let proxy = CountingProxy::start(&redirecting_upstream()).unwrap();
    let agent: ureq::Agent = ureq::Agent::config_builder().max_redirects(0).build().into();
    agent.get(&format!("{}/teams/", proxy.url())).call().unwrap();
    assert_eq!(proxy.requests(), 1);
    let following = ureq::agent();
    let answer = following.get(&format!("{}/teams", proxy.url())).call().unwrap();
    assert_eq!(answer.status(), 200);
    assert_eq!(proxy.requests(), 3);
}

#[cfg(target_os = "linux")]
#[test]
fn processes_started_by_a_pinned_thread_inherit_its_cpu() {
    let allowed = affinity::allowed_cpus().unwrap();
    let cpu = affinity::chosen_cpu(&allowed).unwrap();
    // A thread of its own, so that the test runner's other threads keep their CPUs.
    let (inherited, own) = std::thread::spawn(move || {
        affinity::pin_to(cpu).unwrap();
        let status = std::process::Command::new("cat").arg("/proc/self/status").output().unwrap();
        (String::from_utf8(status.stdout).unwrap(), affinity::allowed_cpus().unwrap())
    })
    .join()
    .unwrap();
    assert_eq!(own, [cpu]);
    let line = inherited.lines().find(|line| line.starts_with("Cpus_allowed_list:")).unwrap();
    assert_eq!(line.split_whitespace().nth(1), Some(cpu.to_string().as_str()), "{line}");
}

#[test]
fn the_bench_cpu_is_the_requested_one_if_allowed_else_the_last() {
    assert_eq!(affinity::choose_cpu(&[0, 3], None), Ok(3));
    assert_eq!(affinity::choose_cpu(&[0, 3], Some("0")), Ok(0));
    assert!(affinity::choose_cpu(&[0, 3], Some("1")).unwrap_err().contains("not among"));
    assert!(affinity::choose_cpu(&[0, 3], Some("first")).unwrap_err().contains("not a CPU number"));
    assert!(affinity::choose_cpu(&[], None).is_err());
}
