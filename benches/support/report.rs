//! Writing measured tables into BENCHMARKS.md; shared by the runtime bench and
//! `cargo xtask bench-build` / `bench-peers` (each includes this file by path).

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

/// The middle value (the upper one of an even count).
pub fn median<T: PartialOrd + Copy>(mut samples: Vec<T>) -> T {
    samples.sort_by(|a, b| a.partial_cmp(b).expect("no NaN"));
    samples[samples.len() / 2]
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
