//! Keyed rate limits (GCRA): in memory (governor) for one process, or, on PostgreSQL, in the database so that every
//! replica counts against one allowance (N replicas behind a load balancer must not give a client N times the room;
//! see `meridian_store::limits`). In-memory tables do not grow with every key that ever came: past
//! [`PRUNE_ABOVE`] keys, those whose allowance has fully come back are forgotten, at most once every
//! [`PRUNE_EVERY`] (a scan of the table on every request would itself be the attack); the shared table is pruned
//! the same way, at most once a minute per process. Should the database not answer, a request is counted in this
//! process instead (the limit still holds, per replica) and the failure logged.

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use meridian_store::{DatabaseConnection, DbBackend};
use sha2::{Digest as _, Sha256};
use std::fmt::Debug;
use std::hash::Hash;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Past this many tracked keys, a limiter forgets the ones whose allowance has fully come back.
pub const PRUNE_ABOVE: usize = 10_000;
/// And it does so at most this often.
pub const PRUNE_EVERY: Duration = Duration::from_secs(10);

/// How often a process prunes the shared table of keys whose allowance is whole again.
const SHARED_PRUNE_EVERY: Duration = Duration::from_secs(60);

/// The allowance kept in the database: one limiter's name and its quota as GCRA's period and tolerance.
#[derive(Debug)]
struct Shared {
    db: DatabaseConnection,
    name: &'static str,
    period_s: f64,
    tolerance_s: f64,
    /// Keys the database refused, until when: refused again here without asking it (a client that keeps
    /// knocking costs no database work until its allowance can have come back).
    refused: std::sync::Mutex<std::collections::HashMap<String, std::time::Instant>>,
    /// Milliseconds since `started` when the next "did not answer" warning may be logged.
    next_warning_ms: AtomicU64,
}

impl Shared {
    /// The row's key: the limiter's name and a hash of the key (an address or e-mail is never stored as such).
    fn row_key(&self, key: &impl Debug) -> String {
        let digest = Sha256::digest(format!("{}\0{key:?}", self.name).as_bytes());
        format!("{}:{}", self.name, &hex::encode(digest)[..40])
    }
}

/// A rate limit per key.
#[derive(Debug)]
pub struct KeyedLimiter<K: Hash + Eq + Clone> {
    limiter: DefaultKeyedRateLimiter<K>,
    quota: Quota,
    /// Milliseconds since `started` when the table may next be pruned.
    next_prune_ms: AtomicU64,
    started: std::time::Instant,
    shared: Option<Shared>,
}

impl<K: Hash + Eq + Clone + Debug> KeyedLimiter<K> {
    #[must_use]
    pub fn new(quota: Quota) -> Self {
        Self {
            limiter: RateLimiter::keyed(quota),
            quota,
            next_prune_ms: AtomicU64::new(0),
            started: std::time::Instant::now(),
            shared: None,
        }
    }

    /// Keeps the allowance in `db` under `name` (unique per limiter) when it is PostgreSQL, so every process on it
    /// counts against one allowance; on SQLite (one process) it stays in memory.
    #[must_use]
    pub fn shared_in(mut self, name: &'static str, db: &DatabaseConnection) -> Self {
        if db.get_database_backend() == DbBackend::Postgres {
            let period_s = self.quota.replenish_interval().as_secs_f64();
            let burst = f64::from(self.quota.burst_size().get());
            self.shared = Some(Shared {
                db: db.clone(),
                name,
                period_s,
                tolerance_s: period_s * (burst - 1.0),
                refused: std::sync::Mutex::default(),
                next_warning_ms: AtomicU64::new(0),
            });
        }
        self
    }

    /// Whether the allowance is kept in the database.
    #[must_use]
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    /// Counts one use by `key`; `Err(wait)` when its allowance is used up.
    pub async fn check(&self, key: &K) -> Result<(), Duration> {
        if let Some(shared) = &self.shared {
            let row = shared.row_key(key);
            let now = std::time::Instant::now();
            if let Some(until) = shared.refused.lock().ok().and_then(|r| r.get(&row).copied())
                && until > now
            {
                return Err(until - now);
            }
            match meridian_store::limits::take(&shared.db, &row, shared.period_s, shared.tolerance_s).await {
                Ok(None) => {
                    self.prune_shared(shared);
                    return Ok(());
                }
                Ok(Some(wait)) => {
                    let wait = Duration::from_secs_f64(wait);
                    if let Ok(mut refused) = shared.refused.lock() {
                        if refused.len() >= PRUNE_ABOVE {
                            refused.retain(|_, until| *until > now);
                        }
                        if refused.len() < PRUNE_ABOVE {
                            refused.insert(row, now + wait);
                        }
                    }
                    return Err(wait);
                }
                Err(e) => {
                    // Once a minute at most: a database that is down would otherwise log once per request.
                    let now_ms = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
                    let due = shared.next_warning_ms.load(Ordering::Relaxed);
                    if now_ms >= due
                        && shared
                            .next_warning_ms
                            .compare_exchange(due, now_ms + 60_000, Ordering::Relaxed, Ordering::Relaxed)
                            .is_ok()
                    {
                        tracing::warn!(
                            limiter = shared.name,
                            error = %e,
                            "the shared rate limit did not answer; counting in this process"
                        );
                    }
                }
            }
        }
        self.check_here(key)
    }

    /// At most once a minute per process, forgets the shared keys whose allowance is whole (in the background).
    fn prune_shared(&self, shared: &Shared) {
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let due = self.next_prune_ms.load(Ordering::Relaxed);
        let next = now.saturating_add(u64::try_from(SHARED_PRUNE_EVERY.as_millis()).unwrap_or(u64::MAX));
        if now >= due && self.next_prune_ms.compare_exchange(due, next, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
            let db = shared.db.clone();
            tokio::spawn(async move {
                if let Err(e) = meridian_store::limits::prune(&db).await {
                    tracing::warn!(error = %e, "pruning the shared rate limits failed");
                }
            });
        }
    }

    /// Counts one use by `key` in this process's table.
    fn check_here(&self, key: &K) -> Result<(), Duration> {
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

/// A wait in whole seconds, rounded up.
fn whole_seconds(wait: Duration) -> u64 {
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
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

    /// Keeps the allowance in the services' database when it is PostgreSQL: every replica on it counts against one
    /// allowance.
    #[must_use]
    pub fn shared_with(self, services: &crate::Services) -> Self {
        Self { limiter: self.limiter.shared_in("public", services.db()) }
    }

    /// Whether the allowance is kept in the database.
    #[must_use]
    pub fn is_shared(&self) -> bool {
        self.limiter.is_shared()
    }

    /// `Err(seconds to wait)` when this address (an IPv4 address, or an IPv6 /64: one subscriber holds a whole
    /// /64) has used up its allowance. Past [`PRUNE_ABOVE`] tracked clients, those whose allowance has fully come
    /// back are forgotten (at most every ten seconds), so the table does not grow with every address that ever
    /// called.
    pub async fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.limiter.check(&crate::auth::client_block(ip)).await.map_err(|wait| {
            metrics::counter!("meridian_rate_limited_total", "limiter" => "public").increment(1);
            whole_seconds(wait).max(1)
        })
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

    #[tokio::test]
    async fn one_ipv6_64_is_one_client() {
        let limit = PublicRateLimit::every(2, std::time::Duration::from_secs(3600));
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:fffe".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limit.check(a).await.is_ok());
        assert!(limit.check(b).await.is_ok());
        assert!(limit.check(a).await.is_err() && limit.check(b).await.is_err(), "the /64 has used its allowance");
        assert!(limit.check(c).await.is_ok(), "the next /64 is another client");
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert!(limit.check(v4).await.is_ok());
    }

    #[tokio::test]
    async fn clients_whose_allowance_came_back_are_forgotten() {
        // A fast refill: every client's allowance is whole again a moment after its one request.
        let limit = PublicRateLimit::every(1, std::time::Duration::from_nanos(1));
        for i in 0..(PRUNE_ABOVE as u32 + 5_000) {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            assert!(limit.check(ip).await.is_ok());
        }
        assert!(limit.tracked() <= PRUNE_ABOVE + 1, "the table stays bounded: {}", limit.tracked());
    }
}
