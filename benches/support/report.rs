//! Writing measured tables into BENCHMARKS.md; shared by the runtime bench and
//! `cargo xtask bench-build` / `bench-peers` (each includes this file by path).
#![allow(dead_code, reason = "each harness that includes this file uses a different part of it")]

use std::path::Path;

/// The CPU model and core count of this machine (all its cores, also when the process is
/// pinned to fewer).
pub fn machine() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find(|line| line.starts_with("model name"))
        .map(|line| line.split(':').nth(1).unwrap_or("").trim().to_string())
        .unwrap_or_else(|| std::env::consts::ARCH.to_string());
    let cores = match info.lines().filter(|line| line.starts_with("processor")).count() {
        0 => std::thread::available_parallelism().map(usize::from).unwrap_or(1),
        listed => listed,
    };
    format!("{model}, {cores} cores")
}

/// The 1-, 5- and 15-minute load averages, as /proc/loadavg says them (`?` elsewhere): the
/// tables state the conditions they were measured in.
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| text.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

/// The middle value (the upper one of an even count).
pub fn median<T: PartialOrd + Copy>(mut samples: Vec<T>) -> T {
    samples.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    samples[samples.len() / 2]
}

/// A set of samples summarised: its median and the spread around it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Spread {
    pub low: f64,
    pub median: f64,
    pub high: f64,
}

impl Spread {
    /// The median and the interquartile range (the middle half of the samples): for many
    /// samples, such as the per-round ratios of an interleaved comparison.
    pub fn quartiles(samples: &[f64]) -> Spread {
        Spread::between(samples, 0.25, 0.75)
    }

    /// The median and the whole range: for a handful of samples, such as one per process.
    pub fn range(samples: &[f64]) -> Spread {
        Spread::between(samples, 0.0, 1.0)
    }

    /// Nearest-rank quantiles; the median is the same middle value as [`median`]'s.
    fn between(samples: &[f64], low: f64, high: f64) -> Spread {
        assert!(!samples.is_empty(), "a spread needs samples");
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at = |quantile: f64| sorted[(quantile * (sorted.len() - 1) as f64).round() as usize];
        Spread { low: at(low), median: sorted[sorted.len() / 2], high: at(high) }
    }

    /// `1.02× (IQR 1.00–1.04×)`-style text, with `decimals` digits, `unit` after each figure
    /// and `what` naming the spread.
    pub fn show(&self, decimals: usize, unit: &str, what: &str) -> String {
        format!("{:.decimals$}{unit} ({what} {:.decimals$}–{:.decimals$}{unit})", self.median, self.low, self.high)
    }
}

/// Below this ratio a client measured against the raw loop of the transport it is built on
/// would be faster than its own transport, doing more work: such a figure says the
/// measurement failed (thread placement, drift), not that the client is fast (issue 24).
pub const TRANSPORT_FLOOR: f64 = 0.97;

/// What the last column of a table row says about its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Met,
    NotMet,
    /// The figure is impossible for what it compares, so it is not a result.
    FailedMeasurement,
}

impl Verdict {
    /// The verdict on `ratio`, a client over the raw loop of its own transport, for the
    /// upper `target`: a ratio under [`TRANSPORT_FLOOR`] is a failed measurement.
    pub fn against_transport(ratio: f64, target: f64) -> Verdict {
        if ratio < TRANSPORT_FLOOR { Verdict::FailedMeasurement } else { Verdict::from(ratio <= target) }
    }

    /// The text of the table cell.
    pub fn cell(self) -> String {
        match self {
            Verdict::Met => "yes".into(),
            Verdict::NotMet => "NO".into(),
            Verdict::FailedMeasurement => {
                format!("failed measurement: under {TRANSPORT_FLOOR}× of its own transport, not a result")
            }
        }
    }
}

impl From<bool> for Verdict {
    fn from(met: bool) -> Verdict {
        if met { Verdict::Met } else { Verdict::NotMet }
    }
}

/// Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` in `path`
/// (appending the section when it is missing).
pub fn write_section(path: &Path, name: &str, body: &str) -> std::io::Result<()> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let (start, end) = (format!("<!-- {name}:start -->"), format!("<!-- {name}:end -->"));
    let replacement = format!("{start}\n{body}{end}");
    let updated = match (text.find(&start), text.find(&end)) {
        (Some(from), Some(to)) if from < to => format!("{}{replacement}{}", &text[..from], &text[to + end.len()..]),
        _ => format!("{text}\n{replacement}\n"),
    };
    std::fs::write(path, updated)?;
    println!("wrote the {name} section of {}", path.display());
    Ok(())
}
