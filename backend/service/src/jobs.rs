//! Durable background jobs kept in the database, run by [apalis](https://docs.rs/apalis) workers.
//!
//! A [`Job`] is pushed with [`JobQueue::push`] into apalis's own table (`Jobs` on SQLite, `apalis.jobs` on
//! PostgreSQL) on the same database as everything else, so a job survives restarts and any worker process can
//! take it. [`run_worker`] runs workers that hand each job to a [`JobHandler`]:
//!
//! - `Ok` marks it done. [`JobFailure::Permanent`] marks it failed at once (apalis's `Killed`).
//! - [`JobFailure::Retry`] (and a panic) leave it `Failed` with its attempt counted and its `run_at` moved
//!   `backoff_base × 2^(attempt-1)` (capped, plus up to a quarter of jitter) into the future; apalis's fetch takes
//!   `Failed` rows with `attempts < max_attempts` again once `run_at` has passed. Nothing sleeps in memory, so a
//!   retry waits out a restart. After `max_attempts` the row stays `Failed` with the last error.
//! - A worker that dies leaves its rows locked by a worker that stops sending heartbeats; the other workers'
//!   heartbeats hand them back (`Pending`, the lost attempt counted) once `heartbeat × missed_heartbeats` passed.
//!
//! Handlers must be idempotent: a job whose worker died after the work but before recording it runs again.
//! `docs/architecture.md` ("Background jobs") has the whole picture.

mod periodic;
mod queue;
mod worker;

pub use queue::{JobQueue, schema_key, setup};
pub use worker::run_worker;

use meridian_domain::{DataFileId, MailId, UploadId};
use serde::{Deserialize, Serialize};
use std::time::Duration;
use uuid::Uuid;

/// Everything the workers do. Stored as JSON (`{"kind": "ingest_file", "file_id": "…"}`), so renaming a variant or
/// a field needs care for jobs already queued; a job that no longer reads fails at once instead of blocking the
/// queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Job {
    /// Read a new file's FITS header and file it under its observation and night.
    IngestFile { file_id: DataFileId },
    /// Render a file's preview image.
    RenderPreview { file_id: DataFileId },
    /// Finish a direct multipart upload: check it and make its file.
    VerifyUpload { upload_id: UploadId },
    /// Bring a file back from cold storage; polls (by retrying) until the object is readable.
    RestoreFile { file_id: DataFileId },
    /// Apply every workspace's storage tier rules.
    ApplyLifecycle,
    /// Record storage use per workspace and tier (for GiB-month billing).
    MeterUsage,
    /// Remove objects without rows and stale multipart uploads.
    CleanupOrphans,
    /// Run the satellite checks of every plan not yet over again (after the catalog changed).
    RecheckPlans,
    /// Fetch the satellite catalog from the configured URL and import it.
    FetchCatalog,
    /// Delete jobs that finished successfully more than [`KEEP_DONE_DAYS`] ago (the queue's table would grow
    /// forever: every file queues jobs, and the periodic ones run every hour).
    PruneJobs,
    /// Send one queued e-mail message (retried with back-off while the mail server is unreachable).
    SendMail { mail_id: MailId },
    /// Check a sample of the stored files against their checksums, and everything else `meridian verify` checks
    /// (daily; findings are logged and kept for `meridian verify --last`).
    Scrub,
}

/// How long finished jobs stay visible (on a file's page, in `GET /jobs`) before `PruneJobs` deletes them.
pub const KEEP_DONE_DAYS: i64 = 30;

impl Job {
    /// The thing the job is about, for [`JobQueue::for_subject`]; `None` for jobs about everything.
    pub fn subject(&self) -> Option<Uuid> {
        match self {
            Job::IngestFile { file_id } | Job::RenderPreview { file_id } | Job::RestoreFile { file_id } => {
                Some(file_id.as_uuid())
            }
            Job::VerifyUpload { upload_id } => Some(upload_id.as_uuid()),
            Job::SendMail { mail_id } => Some(mail_id.as_uuid()),
            Job::ApplyLifecycle
            | Job::MeterUsage
            | Job::CleanupOrphans
            | Job::RecheckPlans
            | Job::FetchCatalog
            | Job::PruneJobs
            | Job::Scrub => None,
        }
    }

    /// The variant's name as stored in the `kind` field.
    pub fn kind(&self) -> &'static str {
        match self {
            Job::IngestFile { .. } => "ingest_file",
            Job::RenderPreview { .. } => "render_preview",
            Job::VerifyUpload { .. } => "verify_upload",
            Job::RestoreFile { .. } => "restore_file",
            Job::ApplyLifecycle => "apply_lifecycle",
            Job::MeterUsage => "meter_usage",
            Job::CleanupOrphans => "cleanup_orphans",
            Job::RecheckPlans => "recheck_plans",
            Job::FetchCatalog => "fetch_catalog",
            Job::PruneJobs => "prune_jobs",
            Job::Scrub => "scrub",
            Job::SendMail { .. } => "send_mail",
        }
    }
}

/// Every job kind (as [`Job::kind`] names them), for figures that list each kind even when none is queued.
pub const KINDS: &[&str] = &[
    "ingest_file",
    "render_preview",
    "verify_upload",
    "restore_file",
    "apply_lifecycle",
    "meter_usage",
    "cleanup_orphans",
    "recheck_plans",
    "fetch_catalog",
    "prune_jobs",
    "scrub",
    "send_mail",
];

/// Why a handler did not finish a job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobFailure {
    /// Try again later, with back-off (a network error, a cold object not restored yet).
    Retry(String),
    /// Do not try again (the file is gone, the input can never be read); the job is failed with this message.
    Permanent(String),
}

impl std::fmt::Display for JobFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JobFailure::Retry(m) | JobFailure::Permanent(m) => f.write_str(m),
        }
    }
}

impl JobFailure {
    /// A passing failure of `step`. The job's row (and, for a file's jobs, the file's page, which members read)
    /// keeps the error's own text, so an internal error stays "internal error"; its causes go to the log, where
    /// operators look.
    pub fn retry_in(step: &str, e: &(dyn std::error::Error + 'static)) -> Self {
        let (shown, causes) = described(step, e);
        if let Some(causes) = causes {
            tracing::warn!(error = %causes, step, "a job's step failed");
        }
        Self::Retry(shown)
    }

    /// [`JobFailure::retry_in`] a job's only step.
    pub fn retry(e: impl std::error::Error + 'static) -> Self {
        Self::retry_in("", &e)
    }
}

/// What a job's row records of an error (its own text, after the step's name), and its causes when they say more
/// (for the log).
fn described(step: &str, e: &(dyn std::error::Error + 'static)) -> (String, Option<String>) {
    let own = e.to_string();
    let shown = if step.is_empty() { own.clone() } else { format!("{step}: {own}") };
    let causes = match e.downcast_ref::<crate::ServiceError>() {
        Some(s) => s.chain(),
        None => {
            let mut out = own.clone();
            let mut next = e.source();
            while let Some(cause) = next {
                out.push_str(": ");
                out.push_str(&cause.to_string());
                next = cause.source();
            }
            out
        }
    };
    (shown, (causes != own).then_some(causes))
}

/// Does the work of each job. One instance serves all of a worker's jobs, concurrently.
#[async_trait::async_trait]
pub trait JobHandler: Send + Sync + 'static {
    /// Runs `job`. `attempt` starts at 1; `last` tells whether a [`JobFailure::Retry`] now would be the final
    /// failure, so the handler can record it on its own rows (a file's "ingest failed"). Must not block the thread
    /// (use `spawn_blocking` for heavy computing); a panic counts as a `Retry`.
    async fn run(&self, job: Job, attempt: u32, last: bool) -> Result<(), JobFailure>;
}

/// How to queue one job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushOptions {
    /// Do not start before this much time has passed (rounded up to whole seconds: apalis stores seconds).
    pub run_after: Option<Duration>,
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// At most one job ever exists with this key: a second push returns the first job's id. Periodic jobs use one
    /// key per period, so several worker processes never queue the same run twice.
    pub unique_key: Option<String>,
}

impl Default for PushOptions {
    fn default() -> Self {
        Self { run_after: None, max_attempts: 8, unique_key: None }
    }
}

/// A job's id: apalis's task id, a ULID (made from a UUIDv7, so ids sort by creation time).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct JobId(String);

impl JobId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for JobId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Where a job stands, as the UI shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting for its first run.
    Pending,
    /// Taken by a worker.
    Running,
    /// Finished.
    Done,
    /// Failed for good: a permanent failure, or its attempts are used up.
    Failed,
    /// An attempt failed (or its worker died); it runs again at `run_at`.
    Retrying,
}

impl JobState {
    /// Maps apalis's row to the UI's words. apalis leaves a retryable failure as `Failed` with
    /// `attempts < max_attempts`, and a permanent one as `Killed`.
    fn from_row(status: &str, attempts: u32, max_attempts: u32) -> Self {
        match status {
            "Pending" if attempts == 0 => JobState::Pending,
            "Pending" => JobState::Retrying,
            "Queued" | "Running" => JobState::Running,
            "Done" => JobState::Done,
            "Failed" if attempts < max_attempts => JobState::Retrying,
            _ => JobState::Failed,
        }
    }

    pub fn is_finished(self) -> bool {
        matches!(self, JobState::Done | JobState::Failed)
    }
}

/// One job, for the UI.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobStatus {
    pub id: JobId,
    /// [`Job::kind`].
    pub kind: String,
    pub state: JobState,
    /// Attempts made so far (one being made now is not counted yet).
    pub attempts: u32,
    pub max_attempts: u32,
    /// The last failure's message, if the last attempt failed.
    pub last_error: Option<String>,
    /// When it runs (or ran) next; apalis keeps whole seconds on SQLite.
    pub run_at: chrono::DateTime<chrono::Utc>,
    /// When it finished, for `done` and `failed`.
    pub done_at: Option<chrono::DateTime<chrono::Utc>>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// How many jobs are in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    pub pending: u64,
    pub running: u64,
    pub retrying: u64,
    pub done: u64,
    pub failed: u64,
}

impl JobCounts {
    pub fn total(&self) -> u64 {
        self.pending + self.running + self.retrying + self.done + self.failed
    }

    fn add(&mut self, state: JobState, n: u64) {
        let slot = match state {
            JobState::Pending => &mut self.pending,
            JobState::Running => &mut self.running,
            JobState::Retrying => &mut self.retrying,
            JobState::Done => &mut self.done,
            JobState::Failed => &mut self.failed,
        };
        *slot += n;
    }
}

/// How a worker process runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerOptions {
    /// Jobs run at once by this process.
    pub concurrency: usize,
    /// How often an idle worker looks for due jobs.
    pub poll_interval: Duration,
    /// Retry `n` waits `backoff_base × 2^(n-1)` plus up to a quarter more of jitter, at most `backoff_max`.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
    /// How often the worker tells the database it is alive (whole seconds). Production: 30 s.
    pub heartbeat: Duration,
    /// Heartbeats missed before the other workers take this worker's jobs back. Production: 4, so a killed worker's
    /// jobs run again after about two minutes; a job must not run longer than that without its worker alive,
    /// which it never does while the process lives.
    pub missed_heartbeats: u32,
    /// On shutdown, how long running jobs may take to finish before they are handed back to the queue.
    pub shutdown_grace: Duration,
    /// Queue `ApplyLifecycle` daily and `MeterUsage` and `CleanupOrphans` hourly.
    pub periodic: bool,
    /// With `periodic`: queue `FetchCatalog` every this many hours (off when `None`; set when a catalog URL is
    /// configured).
    pub catalog_fetch_hours: Option<u32>,
}

impl Default for WorkerOptions {
    fn default() -> Self {
        Self {
            concurrency: 4,
            poll_interval: Duration::from_secs(1),
            backoff_base: Duration::from_secs(10),
            backoff_max: Duration::from_secs(3600),
            heartbeat: Duration::from_secs(30),
            missed_heartbeats: 4,
            shutdown_grace: Duration::from_secs(30),
            periodic: true,
            catalog_fetch_hours: None,
        }
    }
}

#[cfg(test)]
mod request_id_tests {
    use super::Job;

    /// A queued job carries the id of the request that queued it beside its own fields; every kind still reads.
    #[test]
    fn jobs_read_with_a_request_id_beside_their_fields() {
        let unit: Job = serde_json::from_value(serde_json::json!({"kind": "apply_lifecycle", "request_id": "r1"}))
            .expect("a unit job");
        assert_eq!(unit, Job::ApplyLifecycle);
        let id = uuid::Uuid::now_v7();
        let with_fields: Job =
            serde_json::from_value(serde_json::json!({"kind": "send_mail", "mail_id": id, "request_id": "r1"}))
                .expect("a job with fields");
        assert_eq!(with_fields.kind(), "send_mail");
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_failed_step_keeps_internals_out_of_the_row_and_puts_them_in_the_log() {
        let e = crate::ServiceError::internal_while("reading the header", std::io::Error::other("disk on fire"));
        let (shown, causes) = super::described("cleanup", &e);
        assert_eq!(shown, "cleanup: internal error", "what members may read");
        let causes = causes.expect("the causes say more");
        assert!(causes.contains("reading the header") && causes.contains("disk on fire"), "{causes}");
        let plain = std::io::Error::other("refused");
        assert_eq!(super::described("", &plain), ("refused".to_owned(), None), "nothing more to log");
    }
}
