//! Keyed rate limits (governor's GCRA) whose tables do not grow with every key that ever came: past
//! [`PRUNE_ABOVE`] keys, those whose allowance has fully come back are forgotten, at most once every
//! [`PRUNE_EVERY`] (a scan of the table on every request would itself be the attack).

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Past this many tracked keys, a limiter forgets the ones whose allowance has fully come back.
pub const PRUNE_ABOVE: usize = 10_000;
/// And it does so at most this often.
pub const PRUNE_EVERY: Duration = Duration::from_secs(10);

/// A rate limit per key.
#[derive(Debug)]
pub struct KeyedLimiter<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    /// Milliseconds since `started` when the table may next be pruned.
    next_prune_ms: AtomicU64,
    started: std::time::Instant,
}

impl<K: Hash + Eq + Clone> KeyedLimiter<K> {
    #[must_use]
    pub fn new(quota: Quota) -> Self {
        Self {
            limiter: RateLimiter::keyed(quota),
            next_prune_ms: AtomicU64::new(0),
            started: std::time::Instant::now(),
        }
    }

    /// Counts one use by `key`; `Err(wait)` when its allowance is used up.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        if self.limiter.len() > PRUNE_ABOVE {
            let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
            let due = self.next_prune_ms.load(Ordering::Relaxed);
            let next = now.saturating_add(u64::try_from(PRUNE_EVERY.as_millis()).unwrap_or(u64::MAX));
            // One caller prunes; the others carry on.
            if now >= due
                && self.next_prune_ms.compare_exchange(due, next, Ordering::Relaxed, Ordering::Relaxed).is_ok()
            {
                self.limiter.retain_recent();
                self.limiter.shrink_to_fit();
            }
        }
        self.limiter.check_key(key).map_err(|nu| nu.wait_time_from(DefaultClock::default().now()))
    }

    /// Keys tracked now.
    #[must_use]
    pub fn len(&self) -> usize {
        self.limiter.len()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.limiter.is_empty()
    }
}
