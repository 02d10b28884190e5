//! Pinning the calling thread to one CPU, so that a timed loop's placement is fixed instead
//! of left to the scheduler: on two cores a loopback call costs about three times as much
//! across cores as on one, and a placement sticks to a connection for a whole run (issue 24).
//! Threads and processes started afterwards by the pinned thread inherit its mask, which is
//! how the runtime bench pins its in-process server and `cargo xtask bench-peers` pins the
//! processes it starts. Shared by `benches/client.rs` and `xtask/src/bench_peers.rs`.

/// The CPUs the calling thread may run on, in ascending order.
#[cfg(target_os = "linux")]
pub fn allowed_cpus() -> Result<Vec<usize>, String> {
    use nix::sched::{CpuSet, sched_getaffinity};
    use nix::unistd::Pid;
    let set = sched_getaffinity(Pid::from_raw(0)).map_err(|error| format!("sched_getaffinity: {error}"))?;
    Ok((0..CpuSet::count()).filter(|&cpu| set.is_set(cpu).unwrap_or(false)).collect())
}

/// Pins the calling thread to `cpu`; threads and processes it starts afterwards inherit it.
#[cfg(target_os = "linux")]
pub fn pin_to(cpu: usize) -> Result<(), String> {
    use nix::sched::{CpuSet, sched_setaffinity};
    use nix::unistd::Pid;
    let mut set = CpuSet::new();
    set.set(cpu).map_err(|error| format!("CPU {cpu}: {error}"))?;
    sched_setaffinity(Pid::from_raw(0), &set).map_err(|error| format!("pinning to CPU {cpu}: {error}"))
}

/// Without Linux's `sched_setaffinity` nothing is pinned, and the harnesses say so.
#[cfg(not(target_os = "linux"))]
pub fn allowed_cpus() -> Result<Vec<usize>, String> {
    Err("CPU pinning is implemented for Linux only".into())
}

/// Without Linux's `sched_setaffinity` nothing is pinned, and the harnesses say so.
#[cfg(not(target_os = "linux"))]
pub fn pin_to(_cpu: usize) -> Result<(), String> {
    Err("CPU pinning is implemented for Linux only".into())
}

/// The CPU a harness pins its timed side to: `SAUCE_BENCH_CPU` when set (to steer clear of
/// a CPU that something else keeps busy), else the last one this thread may use.
pub fn chosen_cpu(allowed: &[usize]) -> Result<usize, String> {
    choose_cpu(allowed, std::env::var("SAUCE_BENCH_CPU").ok().as_deref())
}

/// [`chosen_cpu`] for the value `requested` of `SAUCE_BENCH_CPU`.
pub fn choose_cpu(allowed: &[usize], requested: Option<&str>) -> Result<usize, String> {
    match requested {
        Some(value) => {
            let cpu: usize =
                value.trim().parse().map_err(|_| format!("SAUCE_BENCH_CPU={value:?} is not a CPU number"))?;
            if allowed.contains(&cpu) {
                Ok(cpu)
            } else {
                Err(format!("SAUCE_BENCH_CPU={cpu} is not among {allowed:?}"))
            }
        }
        None => allowed.last().copied().ok_or_else(|| "no CPU is allowed".to_string()),
    }
}
