//! The periodic jobs: every worker process with `periodic` on checks once a minute that this day's
//! `ApplyLifecycle` and `PruneJobs` and this hour's `MeterUsage` and `CleanupOrphans` are queued, keyed by their period (apalis's
//! idempotency key, unique in its table), so any number of processes queue each run once, and a process that
//! starts late in a period still queues that period's run.
//!
//! Not apalis-cron: its scheduler fires in each process that runs it, and piped into a storage it gives every
//! tick a fresh id and no key, so two worker processes would queue every run twice; and a tick missed while no
//! process was up is lost.

use super::{Job, JobQueue, PushOptions};
use chrono::{DateTime, Utc};
use std::time::Duration;

/// How often the due periods are checked.
const CHECK_EVERY: Duration = Duration::from_secs(60);

/// The periodic jobs due at `now`, each with the key of its period (UTC days and hours).
pub(super) fn due(now: DateTime<Utc>) -> [(Job, String); 5] {
    let day = now.format("%Y-%m-%d");
    let hour = now.format("%Y-%m-%dT%H");
    [
        (Job::ApplyLifecycle, format!("apply_lifecycle@{day}")),
        (Job::MeterUsage, format!("meter_usage@{hour}")),
        (Job::CleanupOrphans, format!("cleanup_orphans@{hour}")),
        (Job::PruneJobs, format!("prune_jobs@{day}")),
        (Job::Scrub, format!("scrub@{day}")),
    ]
}

/// The catalog fetch due at `now` when it runs every `hours` hours: periods counted in whole hours since the Unix
/// epoch, so every process agrees on them.
pub(super) fn fetch_due(now: DateTime<Utc>, hours: u32) -> (Job, String) {
    let period = now.timestamp().div_euclid(3600 * i64::from(hours.max(1)));
    (Job::FetchCatalog, format!("fetch_catalog@{hours}h#{period}"))
}

/// Queues the due periodic jobs now and every minute after, forever.
pub(super) async fn schedule(queue: JobQueue, fetch_hours: Option<u32>) {
    let mut tick = tokio::time::interval(CHECK_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = Utc::now();
        for (job, key) in due(now).into_iter().chain(fetch_hours.map(|h| fetch_due(now, h))) {
            let kind = job.kind();
            let opts = PushOptions { unique_key: Some(key), ..PushOptions::default() };
            if let Err(e) = queue.push(job, opts).await {
                tracing::warn!(kind, error = %e, "could not queue a periodic job");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn catalog_fetch_keys_change_once_a_period() {
        let t = Utc.with_ymd_and_hms(2026, 11, 22, 5, 0, 0).single().expect("time");
        let key = |t, h| fetch_due(t, h).1;
        assert_eq!(key(t, 6), key(t + chrono::Duration::minutes(59), 6), "same period");
        let next = (0..=6).map(|h| key(t + chrono::Duration::hours(h), 6)).filter(|k| *k != key(t, 6)).count();
        assert!(next >= 1, "a new key within six hours");
        assert_ne!(key(t, 1), key(t + chrono::Duration::hours(1), 1));
        assert_eq!(fetch_due(t, 6).0, Job::FetchCatalog);
    }

    #[test]
    fn keys_name_the_period() {
        let keys = |t| due(t).map(|(_, k)| k);
        let t = Utc.with_ymd_and_hms(2026, 11, 22, 5, 59, 59).single().expect("time");
        assert_eq!(
            keys(t),
            [
                "apply_lifecycle@2026-11-22",
                "meter_usage@2026-11-22T05",
                "cleanup_orphans@2026-11-22T05",
                "prune_jobs@2026-11-22",
                "scrub@2026-11-22"
            ]
        );
        let next_hour = keys(t + chrono::Duration::seconds(1));
        assert_eq!(next_hour[0], "apply_lifecycle@2026-11-22", "same day");
        assert_eq!(next_hour[1], "meter_usage@2026-11-22T06");
        assert_eq!(keys(t + chrono::Duration::hours(19))[0], "apply_lifecycle@2026-11-23");
    }
}
