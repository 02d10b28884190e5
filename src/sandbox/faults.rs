//! The fault mode: failed writes, connections dropped after a write took effect, slow
//! answers — to test a tool's retry and resume logic against the sandbox.

use std::sync::Mutex;
use std::time::Duration;

/// Faults the sandbox injects, for testing how a tool copes with a failing service: set them
/// with [`SandboxBuilder::faults`](super::SandboxBuilder::faults) or, on a running sandbox,
/// [`Sandbox::set_faults`](super::Sandbox::set_faults). They compose:
///
/// ```
/// use std::time::Duration;
/// use sauce_accounts::sandbox::{Faults, Sandbox};
///
/// # fn main() -> Result<(), sauce_accounts::Error> {
/// let sandbox = Sandbox::builder()
///     .faults(Faults::new().fail_write(2).drop_after_commit(4).latency(Duration::from_millis(5)))
///     .start()?;
/// # Ok(())
/// # }
/// ```
///
/// A *write* is a POST, PUT, PATCH or DELETE request for an operation of the API that is
/// authenticated (and, with a rate limit, admitted). Writes are numbered from 1 in the
/// order the sandbox takes them, counting from the moment the faults are set, so
/// `set_faults(Faults::new().drop_after_commit(3))` targets the third write from now; every
/// write counts, including those a fault failed. [`Sandbox::writes`](super::Sandbox::writes)
/// counts them since the start. A count of 0 never fires.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[must_use = "faults do nothing until given to a sandbox"]
pub struct Faults {
    fail: Trigger,
    drop: Trigger,
    latency: Duration,
}

/// Which writes a fault hits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Trigger {
    #[default]
    Never,
    /// The nth write only.
    Once(u64),
    /// The nth, 2nth, 3nth… write.
    Every(u64),
}

impl Trigger {
    fn hits(self, write: u64) -> bool {
        match self {
            Trigger::Never | Trigger::Once(0) | Trigger::Every(0) => false,
            Trigger::Once(nth) => write == nth,
            Trigger::Every(nth) => write.is_multiple_of(nth),
        }
    }
}

impl Faults {
    /// No faults (what a sandbox starts with).
    pub fn new() -> Faults {
        Faults::default()
    }

    /// The `nth` write is answered `503 Service Unavailable` without being handled: nothing
    /// changes. Clients retry an idempotent write (PUT, DELETE) after a 503; a POST or PATCH
    /// fails. Replaces an earlier `fail_…` setting.
    pub fn fail_write(mut self, nth: u64) -> Faults {
        self.fail = Trigger::Once(nth);
        self
    }

    /// Every `nth` write (the nth, the 2nth, …) is answered 503 without being handled.
    /// Replaces an earlier `fail_…` setting.
    pub fn fail_every_write(mut self, nth: u64) -> Faults {
        self.fail = Trigger::Every(nth);
        self
    }

    /// The `nth` write is handled — whatever it changes stays changed — and then its
    /// connection is closed without an answer, as when a network cut or a crash hits after
    /// the service committed. The client cannot tell whether the write happened; a write
    /// also chosen by `fail_…` fails instead. Replaces an earlier `drop_…` setting.
    pub fn drop_after_commit(mut self, nth: u64) -> Faults {
        self.drop = Trigger::Once(nth);
        self
    }

    /// Every `nth` write is handled and its connection closed without an answer. Replaces
    /// an earlier `drop_…` setting.
    pub fn drop_after_every_commit(mut self, nth: u64) -> Faults {
        self.drop = Trigger::Every(nth);
        self
    }

    /// Every answer (reads, writes, errors) is sent `latency` late. A sandbox being dropped
    /// stops waiting at once.
    pub fn latency(mut self, latency: Duration) -> Faults {
        self.latency = latency;
        self
    }
}

/// For people: `fail write 3, drop after every 5th commit, latency 20ms`.
impl std::fmt::Display for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        match self.fail {
            Trigger::Once(nth) if nth > 0 => parts.push(format!("fail write {nth}")),
            Trigger::Every(nth) if nth > 0 => parts.push(format!("fail every {} write", ordinal(nth))),
            _ => {}
        }
        match self.drop {
            Trigger::Once(nth) if nth > 0 => parts.push(format!("drop after commit {nth}")),
            Trigger::Every(nth) if nth > 0 => parts.push(format!("drop after every {} commit", ordinal(nth))),
            _ => {}
        }
        if !self.latency.is_zero() {
            parts.push(format!("latency {:?}", self.latency));
        }
        if parts.is_empty() {
            parts.push("none".to_string());
        }
        f.write_str(&parts.join(", "))
    }
}

/// `1st`, `2nd`, `3rd`, `4th`, … `11th`, … `21st`.
fn ordinal(n: u64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// What happens to one write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum WriteFault {
    None,
    /// Answer 503 without handling it.
    Fail,
    /// Handle it, then close the connection without an answer.
    DropAfterCommit,
}

/// The faults in force and the write count, shared by the connections.
#[derive(Debug, Default)]
pub(super) struct FaultState {
    inner: Mutex<Armed>,
}

#[derive(Debug, Default)]
struct Armed {
    faults: Faults,
    /// Writes since the sandbox started.
    writes: u64,
    /// `writes` when the faults were set.
    armed_at: u64,
}

impl FaultState {
    pub(super) fn new(faults: Faults) -> FaultState {
        FaultState { inner: Mutex::new(Armed { faults, writes: 0, armed_at: 0 }) }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Armed> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Replaces the faults; writes are numbered from 1 again.
    pub(super) fn set(&self, faults: Faults) {
        let mut armed = self.lock();
        armed.faults = faults;
        armed.armed_at = armed.writes;
    }

    pub(super) fn faults(&self) -> Faults {
        self.lock().faults
    }

    pub(super) fn writes(&self) -> u64 {
        self.lock().writes
    }

    pub(super) fn latency(&self) -> Duration {
        self.lock().faults.latency
    }

    /// Counts one write and says what the faults do to it.
    pub(super) fn on_write(&self) -> WriteFault {
        let mut armed = self.lock();
        armed.writes += 1;
        let position = armed.writes - armed.armed_at;
        if armed.faults.fail.hits(position) {
            WriteFault::Fail
        } else if armed.faults.drop.hits(position) {
            WriteFault::DropAfterCommit
        } else {
            WriteFault::None
        }
    }
}
