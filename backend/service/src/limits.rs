//! Keyed rate limits (governor's GCRA) whose tables do not grow with every key that ever came: past
//! [`PRUNE_ABOVE`] keys, those whose allowance has fully come back are forgotten, at most once every
//! [`PRUNE_EVERY`] (a scan of the table on every request would itself be the attack).

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
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

/// Anonymous requests per client address: `burst` at once, refilled at `per_second`.
#[derive(Debug)]
pub struct PublicRateLimit {
    limiter: KeyedLimiter<IpAddr>,
}

impl PublicRateLimit {
    pub fn new(burst: u32, per_second: u32) -> Self {
        let one = NonZeroU32::MIN;
        let quota = Quota::per_second(NonZeroU32::new(per_second).unwrap_or(one));
        Self::with_quota(quota.allow_burst(NonZeroU32::new(burst).unwrap_or(one)))
    }

    /// `burst` at once, then one more every `period` (tests use a slow refill to stay deterministic).
    pub fn every(burst: u32, period: std::time::Duration) -> Self {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period).unwrap_or(Quota::per_second(burst));
        Self::with_quota(quota.allow_burst(burst))
    }

    fn with_quota(quota: Quota) -> Self {
        Self { limiter: KeyedLimiter::new(quota) }
    }

    /// `Err(seconds to wait)` when this address (an IPv4 address, or an IPv6 /64: one subscriber holds a whole
    /// /64) has used up its allowance. Past [`PRUNE_ABOVE`] tracked clients, those whose allowance has fully come
    /// back are forgotten (at most every ten seconds), so the table does not grow with every address that ever
    /// called.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.limiter.check(&crate::auth::client_block(ip)).map_err(|wait| wait.as_secs().max(1))
    }

    /// Clients tracked now.
    #[must_use]
    pub fn tracked(&self) -> usize {
        self.limiter.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_ipv6_64_is_one_client() {
        let limit = PublicRateLimit::every(2, std::time::Duration::from_secs(3600));
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:fffe".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limit.check(a).is_ok());
        assert!(limit.check(b).is_ok());
        assert!(limit.check(a).is_err() && limit.check(b).is_err(), "the /64 has used its allowance");
        assert!(limit.check(c).is_ok(), "the next /64 is another client");
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert!(limit.check(v4).is_ok());
    }

    #[test]
    fn clients_whose_allowance_came_back_are_forgotten() {
        // A fast refill: every client's allowance is whole again a moment after its one request.
        let limit = PublicRateLimit::every(1, std::time::Duration::from_nanos(1));
        for i in 0..(PRUNE_ABOVE as u32 + 5_000) {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            assert!(limit.check(ip).is_ok());
        }
        assert!(limit.tracked() <= PRUNE_ABOVE + 1, "the table stays bounded: {}", limit.tracked());
    }
}
