//! Client-side rate limiting at the API's documented budget, shared by every clone of a
//! [`Client`](crate::Client), and the rate-limit state the service reports in its headers.

use std::sync::Mutex;

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use ureq::http;

use crate::error::RateLimitReason;

/// The farthest ahead a time read from a header, or a wait, is taken to be: no value,
/// however large, can overflow a clock, and an error can still print the date.
pub(crate) const FARTHEST: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// `now + by`, saturating at [`FARTHEST`] from now.
pub(crate) fn instant_after(now: Instant, by: Duration) -> Instant {
    now.checked_add(by.min(FARTHEST)).unwrap_or(now)
}

/// `now + by`, saturating at [`FARTHEST`] from now.
pub(crate) fn time_after(now: SystemTime, by: Duration) -> SystemTime {
    now.checked_add(by.min(FARTHEST)).unwrap_or(now)
}

/// A request budget the client keeps to, so that the service never has to answer 429.
///
/// The Accounts API allows 10 requests per second and 3,500 per hour per account
/// ([`RateLimit::documented`]). Every clone of a [`Client`](crate::Client) draws from one
/// budget; calls wait (block) until they fit in it. The limiter also slows down when the
/// service's `X-Ratelimit-Remaining` says the budget is nearly spent, spreading the rest
/// until `X-Ratelimit-Reset`, and holds every call after a 429 until its `Retry-After`.
///
/// A call waits at most [`RetryPolicy::max_retry_after`](crate::RetryPolicy::max_retry_after)
/// for its turn, and never past its [`RetryPolicy::deadline`](crate::RetryPolicy::deadline):
/// when its turn is later, it fails at once with [`Error::RateLimited`](crate::Error::RateLimited),
/// which says until when. Any rate and burst is accepted: a rate too small to express means a
/// call every hundred years, a burst larger than the hour's budget is the hour's budget.
///
/// Bursts are kept to half the per-second budget by default, so that network jitter, which
/// can bunch requests together on their way, cannot push a burst over the server's limit.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RateLimit {
    per_second: f64,
    per_hour: u32,
    burst: u32,
}

impl RateLimit {
    /// The API's documented limits: 10 requests per second and 3,500 per hour.
    pub fn documented() -> RateLimit {
        RateLimit::new(10.0, 3_500)
    }

    /// A budget of `per_second` requests per second and `per_hour` per hour (each at least 1).
    pub fn new(per_second: f64, per_hour: u32) -> RateLimit {
        let per_second = if per_second.is_finite() && per_second > 0.0 { per_second } else { 1.0 };
        RateLimit { per_second, per_hour: per_hour.max(1), burst: ((per_second / 2.0).floor() as u32).max(1) }
    }

    /// How many requests may start back to back before the per-second pace applies (at
    /// least 1; half the per-second budget by default).
    pub fn burst(mut self, requests: u32) -> RateLimit {
        self.burst = requests.max(1);
        self
    }

    /// Requests per second.
    pub fn per_second(&self) -> f64 {
        self.per_second
    }

    /// Requests per hour.
    pub fn per_hour(&self) -> u32 {
        self.per_hour
    }

    /// The burst size.
    pub fn burst_size(&self) -> u32 {
        self.burst
    }
}

/// What the service last said about the caller's budget, from the `X-Ratelimit-Limit`,
/// `X-Ratelimit-Remaining` and `X-Ratelimit-Reset` headers (see
/// [`Client::rate_limit_status`](crate::Client::rate_limit_status)).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RateLimitStatus {
    /// The budget of the current window.
    pub limit: Option<u64>,
    /// What is left of it.
    pub remaining: Option<u64>,
    /// When the window resets. The header is read as epoch seconds, or as seconds from now
    /// when it is too small to be a date; at most a hundred years from now.
    pub resets_at: Option<SystemTime>,
    /// When the answer carrying these headers arrived.
    pub observed_at: SystemTime,
    /// Until when this client (and its clones) holds every call, after a 429's `Retry-After`
    /// or because the service said the budget is spent; `None` when no call is held. A call
    /// that may not wait that long fails with [`Error::RateLimited`](crate::Error::RateLimited).
    pub held_until: Option<SystemTime>,
}

impl RateLimitStatus {
    /// Reads the headers of an answer; `None` when it carries none of them.
    pub(crate) fn from_headers(headers: &http::HeaderMap, now: SystemTime) -> Option<RateLimitStatus> {
        let number = |name: &str| -> Option<u64> { headers.get(name)?.to_str().ok()?.trim().parse().ok() };
        let limit = number("x-ratelimit-limit");
        let remaining = number("x-ratelimit-remaining");
        let reset = number("x-ratelimit-reset");
        if limit.is_none() && remaining.is_none() && reset.is_none() {
            return None;
        }
        // Epoch seconds are past 10^9 since 2001; anything smaller is a delay.
        let farthest = time_after(now, FARTHEST);
        let resets_at = reset.map(|value| {
            if value >= 1_000_000_000 {
                UNIX_EPOCH.checked_add(Duration::from_secs(value)).map_or(farthest, |at| at.min(farthest))
            } else {
                time_after(now, Duration::from_secs(value))
            }
        });
        Some(RateLimitStatus { limit, remaining, resets_at, observed_at: now, held_until: None })
    }
}

/// The generic cell rate algorithm: a token bucket kept as one "theoretical arrival time",
/// so that a request can reserve its start time without a background refill.
#[derive(Clone, Debug)]
pub(crate) struct Gcra {
    interval: Duration,
    tolerance: Duration,
    tat: Option<Instant>,
}

impl Gcra {
    /// `count` requests per `period`, `burst` of them back to back.
    /// Saturating: a rate too small for a `Duration` is one request per [`FARTHEST`].
    pub(crate) fn new(count: f64, period: Duration, burst: u32) -> Gcra {
        let interval = Duration::try_from_secs_f64(period.as_secs_f64() / count.max(f64::MIN_POSITIVE))
            .map_or(FARTHEST, |interval| interval.min(FARTHEST));
        let tolerance =
            interval.checked_mul(burst.saturating_sub(1)).map_or(FARTHEST, |tolerance| tolerance.min(FARTHEST));
        Gcra { interval, tolerance, tat: None }
    }

    /// The earliest time a request may start.
    pub(crate) fn earliest(&self, now: Instant) -> Instant {
        match self.tat {
            Some(tat) if tat > now => tat.checked_sub(self.tolerance).map_or(now, |earliest| earliest.max(now)),
            _ => now,
        }
    }

    /// Records a request that starts at `start` (not before [`Gcra::earliest`]).
    pub(crate) fn take(&mut self, start: Instant) {
        let tat = self.tat.map_or(start, |tat| tat.max(start));
        self.tat = Some(tat.checked_add(self.interval).unwrap_or(tat));
    }

    /// How many requests could start at `now` without waiting.
    #[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
    pub(crate) fn remaining(&self, now: Instant, burst: u32) -> u64 {
        let used = match self.tat {
            Some(tat) if tat > now => (tat - now).as_secs_f64() / self.interval.as_secs_f64(),
            _ => 0.0,
        };
        (f64::from(burst) - used.ceil()).max(0.0) as u64
    }

    /// When the bucket is full again.
    #[cfg_attr(not(feature = "sandbox"), allow(dead_code))]
    pub(crate) fn full_at(&self, now: Instant) -> Instant {
        self.tat.map_or(now, |tat| tat.max(now))
    }
}

/// The budget of one [`Client`](crate::Client) and its clones.
#[derive(Debug)]
pub(crate) struct Limiter {
    limit: Option<RateLimit>,
    state: Mutex<LimiterState>,
}

#[derive(Debug)]
struct LimiterState {
    per_second: Option<Gcra>,
    per_hour: Option<Gcra>,
    /// No request starts before this (after a 429, or once the service's budget is spent).
    hold: Option<Hold>,
    /// While the service says its budget is nearly spent: the spacing, and until when.
    pace: Option<(Duration, Instant)>,
    last_start: Option<Instant>,
    status: Option<RateLimitStatus>,
}

#[derive(Clone, Copy, Debug)]
struct Hold {
    until: Instant,
    /// The same moment on the wall clock, for [`RateLimitStatus::held_until`].
    until_time: SystemTime,
    reason: RateLimitReason,
}

/// A turn later than the call may wait for: nothing was taken from the budget.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Refusal {
    pub(crate) wait: Duration,
    pub(crate) until: SystemTime,
    pub(crate) reason: RateLimitReason,
}

/// Below this many remaining requests (or a twentieth of the limit) the limiter spreads the
/// rest of the window evenly instead of spending it at full speed.
const LOW_WATER: u64 = 10;

impl Limiter {
    pub(crate) fn new(limit: Option<RateLimit>) -> Limiter {
        let per_second = limit.map(|limit| Gcra::new(limit.per_second, Duration::from_secs(1), limit.burst));
        // The hour's whole budget may be spent at the per-second pace.
        let per_hour =
            limit.map(|limit| Gcra::new(f64::from(limit.per_hour), Duration::from_secs(3600), limit.per_hour));
        Limiter {
            limit,
            state: Mutex::new(LimiterState {
                per_second,
                per_hour,
                hold: None,
                pace: None,
                last_start: None,
                status: None,
            }),
        }
    }

    pub(crate) fn limit(&self) -> Option<RateLimit> {
        self.limit
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LimiterState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until one more request fits in the budget, and takes it; returns how long it
    /// waited. Free when no limit is set. When the turn is more than `max_wait` away, takes
    /// nothing and says when it would be.
    pub(crate) fn acquire(&self, max_wait: Duration) -> Result<Duration, Refusal> {
        if self.limit.is_none() {
            return Ok(Duration::ZERO);
        }
        let start = {
            let mut state = self.lock();
            let now = Instant::now();
            let (start, reason, until) = state.earliest(now);
            let wait = start.saturating_duration_since(now);
            if wait > max_wait {
                let until = until.unwrap_or_else(|| time_after(SystemTime::now(), wait));
                return Err(Refusal { wait, until, reason });
            }
            let state = &mut *state;
            for bucket in [&mut state.per_second, &mut state.per_hour].into_iter().flatten() {
                bucket.take(start);
            }
            state.last_start = Some(start);
            start
        };
        let now = Instant::now();
        if start > now {
            std::thread::sleep(start - now);
        }
        Ok(start.saturating_duration_since(now))
    }

    /// Learns from an answer's rate-limit headers and, on a 429, its `Retry-After`.
    pub(crate) fn observe(&self, headers: &http::HeaderMap, retry_after: Option<Duration>) {
        // Most answers carry neither: no clock is read for them.
        if retry_after.is_none()
            && !headers.contains_key("x-ratelimit-remaining")
            && !headers.contains_key("x-ratelimit-limit")
        {
            return;
        }
        let now = Instant::now();
        let wall = SystemTime::now();
        let status = RateLimitStatus::from_headers(headers, wall);
        let mut state = self.lock();
        if self.limit.is_some() {
            if let Some(wait) = retry_after {
                state.hold_for(now, wall, wait, RateLimitReason::RetryAfter);
            }
            if let Some(RateLimitStatus { remaining: Some(remaining), resets_at: Some(resets_at), limit, .. }) = &status
            {
                let reset_in = resets_at.duration_since(wall).unwrap_or(Duration::ZERO);
                let low_water = limit.map_or(LOW_WATER, |limit| (limit / 20).max(LOW_WATER));
                if *remaining == 0 {
                    state.hold_for(now, wall, reset_in, RateLimitReason::BudgetSpent);
                } else if *remaining <= low_water {
                    let spacing = reset_in.div_f64(*remaining as f64 + 1.0);
                    state.pace = Some((spacing, instant_after(now, reset_in)));
                } else {
                    state.pace = None;
                }
            }
        }
        if status.is_some() {
            state.status = status;
        }
    }

    /// What the service last said, and until when calls are held.
    pub(crate) fn status(&self) -> Option<RateLimitStatus> {
        let state = self.lock();
        let held = state.hold.filter(|hold| hold.until > Instant::now());
        match (state.status.clone(), held) {
            (Some(status), held) => Some(RateLimitStatus { held_until: held.map(|hold| hold.until_time), ..status }),
            (None, Some(hold)) => Some(RateLimitStatus {
                limit: None,
                remaining: None,
                resets_at: None,
                observed_at: SystemTime::now(),
                held_until: Some(hold.until_time),
            }),
            (None, None) => None,
        }
    }
}

impl LimiterState {
    /// The earliest start of the next request, what decides it, and (for a hold) the same
    /// moment as [`RateLimitStatus::held_until`] shows it.
    fn earliest(&self, now: Instant) -> (Instant, RateLimitReason, Option<SystemTime>) {
        let mut start = (now, RateLimitReason::ClientBudget, None);
        for bucket in [&self.per_second, &self.per_hour].into_iter().flatten() {
            start.0 = start.0.max(bucket.earliest(now));
        }
        if let Some(hold) = self.hold
            && hold.until > start.0
        {
            start = (hold.until, hold.reason, Some(hold.until_time));
        }
        if let (Some((spacing, until)), Some(last)) = (self.pace, self.last_start)
            && now < until
        {
            let paced = instant_after(last, spacing);
            if paced > start.0 {
                start = (paced, RateLimitReason::BudgetLow, None);
            }
        }
        start
    }

    /// Holds every call for `wait` from now, unless a longer hold is already in place.
    fn hold_for(&mut self, now: Instant, wall: SystemTime, wait: Duration, reason: RateLimitReason) {
        let until = instant_after(now, wait);
        if self.hold.is_none_or(|hold| hold.until < until) {
            self.hold = Some(Hold { until, until_time: time_after(wall, wait), reason });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gcra_allows_a_burst_then_paces() {
        let start = Instant::now();
        let mut bucket = Gcra::new(10.0, Duration::from_secs(1), 3);
        for _ in 0..3 {
            assert_eq!(bucket.earliest(start), start);
            bucket.take(start);
        }
        assert_eq!(bucket.remaining(start, 3), 0);
        let next = bucket.earliest(start);
        assert_eq!(next - start, Duration::from_millis(100));
        bucket.take(next);
        assert_eq!(bucket.earliest(start) - start, Duration::from_millis(200));
        assert_eq!(bucket.full_at(start) - start, Duration::from_millis(400));
    }

    #[test]
    fn reset_headers_are_dates_or_delays() {
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let mut headers = http::HeaderMap::new();
        headers.insert("x-ratelimit-limit", "3500".parse().unwrap());
        headers.insert("x-ratelimit-remaining", "12".parse().unwrap());
        headers.insert("x-ratelimit-reset", "1800000600".parse().unwrap());
        let status = RateLimitStatus::from_headers(&headers, now).unwrap();
        assert_eq!((status.limit, status.remaining), (Some(3500), Some(12)));
        assert_eq!(status.resets_at, Some(now + Duration::from_secs(600)));
        headers.insert("x-ratelimit-reset", "30".parse().unwrap());
        let status = RateLimitStatus::from_headers(&headers, now).unwrap();
        assert_eq!(status.resets_at, Some(now + Duration::from_secs(30)));
        assert!(RateLimitStatus::from_headers(&http::HeaderMap::new(), now).is_none());
    }

    #[test]
    fn any_rate_and_burst_saturate_instead_of_overflowing() {
        let now = Instant::now();
        let mut glacial = Gcra::new(1e-300, Duration::from_secs(1), 1);
        glacial.take(now);
        assert!(glacial.earliest(now) >= now + FARTHEST / 2, "one call a century");
        let mut bursty = Gcra::new(10.0, Duration::from_secs(1), u32::MAX);
        for _ in 0..1_000 {
            assert_eq!(bursty.earliest(now), now);
            bursty.take(now);
        }
        let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let mut headers = http::HeaderMap::new();
        headers.insert("x-ratelimit-reset", "18446744073709551615".parse().unwrap());
        let status = RateLimitStatus::from_headers(&headers, now).unwrap();
        assert_eq!(status.resets_at, Some(now + FARTHEST));
    }

    #[test]
    fn a_refused_turn_takes_nothing_from_the_budget() {
        let limiter = Limiter::new(Some(RateLimit::new(1.0, 3_600)));
        assert_eq!(limiter.acquire(Duration::ZERO).unwrap(), Duration::ZERO);
        for _ in 0..3 {
            let refusal = limiter.acquire(Duration::ZERO).unwrap_err();
            assert_eq!(refusal.reason, RateLimitReason::ClientBudget);
            assert!(refusal.wait <= Duration::from_secs(1), "the turn does not move: {refusal:?}");
        }
    }

    #[test]
    fn the_documented_limit_keeps_bursts_to_half_a_second() {
        let limit = RateLimit::documented();
        assert_eq!((limit.per_second(), limit.per_hour(), limit.burst_size()), (10.0, 3_500, 5));
        assert_eq!(RateLimit::new(0.0, 0), RateLimit::new(1.0, 1));
    }
}
