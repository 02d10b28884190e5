//! When and how long to wait before trying an idempotent request again.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

type Sleeper = Arc<dyn Fn(Duration) + Send + Sync>;

/// Retries of idempotent requests (GET, PUT, DELETE) after connection failures, timeouts,
/// 429, 502, 503 and 504.
///
/// POST and PATCH are never sent twice: they are retried only when the connection could not
/// be opened at all, so no byte of the request can have reached the server. Failures that
/// cannot change (an unknown host, an invalid URL, a refused redirect) are not retried.
///
/// Waits grow exponentially from [`RetryPolicy::base_delay`] with random jitter, capped at
/// [`RetryPolicy::max_delay`]. A `Retry-After` header (seconds or an HTTP date) is obeyed
/// instead; when it asks for more than [`RetryPolicy::max_retry_after`], the error is
/// returned at once rather than retried early, and the client's own rate limiter holds no
/// later call longer than that ceiling either. No retry starts after the total
/// [`RetryPolicy::deadline`], and the last attempt is cut short to end by it.
#[derive(Clone)]
pub struct RetryPolicy {
    pub(crate) max_attempts: u32,
    pub(crate) base_delay: Duration,
    pub(crate) max_delay: Duration,
    pub(crate) max_retry_after: Duration,
    pub(crate) deadline: Duration,
    sleeper: Sleeper,
}

impl Default for RetryPolicy {
    /// 3 attempts, 500 ms base delay, 8 s maximum delay, `Retry-After` honoured up to 60 s,
    /// 2 minutes in all.
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(60),
            deadline: Duration::from_secs(120),
            sleeper: Arc::new(std::thread::sleep),
        }
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("max_attempts", &self.max_attempts)
            .field("base_delay", &self.base_delay)
            .field("max_delay", &self.max_delay)
            .field("max_retry_after", &self.max_retry_after)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

impl RetryPolicy {
    /// No retries: every request is sent once.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..RetryPolicy::default() }
    }

    /// The most attempts per call, the first included (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The wait before the first retry, before jitter; it doubles with each retry.
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// The longest computed wait between attempts.
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The longest `Retry-After` that is waited for; a longer one ends the retries. The same
    /// ceiling bounds every wait the client's own rate limiter imposes: a call that would be
    /// held longer fails at once with [`Error::RateLimited`](crate::Error::RateLimited).
    /// At most a hundred years.
    pub fn max_retry_after(mut self, delay: Duration) -> Self {
        self.max_retry_after = delay.min(crate::rate_limit::FARTHEST);
        self
    }

    /// The total time a call may take, retries and waits for the client's own rate limit
    /// ([`ClientBuilder::rate_limit`](crate::ClientBuilder::rate_limit)) included: no new
    /// attempt starts after it, an attempt running into it times out then, and a call whose
    /// turn in the rate limit comes after it fails at once with
    /// [`Error::RateLimited`](crate::Error::RateLimited). At most a hundred years
    /// (`Duration::MAX` counts as that).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline.min(crate::rate_limit::FARTHEST);
        self
    }

    /// Replaces `std::thread::sleep` for the waits: tests record the waits instead of
    /// sleeping, and programs can hook their own progress reporting in.
    pub fn sleeper(mut self, sleeper: impl Fn(Duration) + Send + Sync + 'static) -> Self {
        self.sleeper = Arc::new(sleeper);
        self
    }

    /// The wait before retry number `retry` (1 for the first), or `None` when the server's
    /// `Retry-After` is longer than allowed.
    pub(crate) fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Option<Duration> {
        if let Some(wait) = retry_after {
            return (wait <= self.max_retry_after).then_some(wait);
        }
        let exponent = retry.saturating_sub(1).min(16);
        let ceiling = self.base_delay.saturating_mul(1 << exponent).min(self.max_delay);
        let half = ceiling / 2;
        let jitter = Duration::from_nanos(fastrand::u64(0..=half.as_nanos().min(u64::MAX as u128) as u64));
        Some(half + jitter)
    }

    pub(crate) fn sleep(&self, wait: Duration) {
        (self.sleeper)(wait);
    }
}

/// Reads a `Retry-After` value: delay seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_takes_seconds_and_dates() {
        let now = httpdate::parse_http_date("Mon, 23 Nov 2026 08:00:00 GMT").unwrap();
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(parse_retry_after("Mon, 23 Nov 2026 08:00:30 GMT", now), Some(Duration::from_secs(30)));
        assert_eq!(parse_retry_after("Mon, 23 Nov 2026 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn backoff_grows_with_jitter_and_stays_capped() {
        let policy =
            RetryPolicy::default().base_delay(Duration::from_millis(100)).max_delay(Duration::from_millis(350));
        for _ in 0..100 {
            let first = policy.delay(1, None).unwrap();
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100), "{first:?}");
            let third = policy.delay(3, None).unwrap();
            assert!(third >= Duration::from_millis(175) && third <= Duration::from_millis(350), "{third:?}");
        }
    }

    #[test]
    fn long_retry_after_ends_the_retries() {
        let policy = RetryPolicy::default().max_retry_after(Duration::from_secs(5));
        assert_eq!(policy.delay(1, Some(Duration::from_secs(3))), Some(Duration::from_secs(3)));
        assert_eq!(policy.delay(1, Some(Duration::from_secs(6))), None);
    }
}
