//! What the service knows for observability: the request a piece of work belongs to (a task-local request id the
//! HTTP layer sets, carried into the jobs a request queues so their log lines name it too), and the instance-wide
//! figures `/metrics` reports (queue depth and age by kind, storage by tier, the database pool).

use crate::{ServiceResult, Services};
use std::future::Future;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Runs `fut` as part of request `id`: jobs it queues carry the id, and [`request_id`] answers it.
pub async fn with_request_id<F: Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// The id of the request this code runs for, if any.
#[must_use]
pub fn request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// The JSON field of a queued job that carries the id of the request that queued it (beside the job's own fields;
/// a job reads without it).
pub(crate) const JOB_REQUEST_ID: &str = "request_id";

/// Whether `s` may serve as a request id: 1 to 64 characters of letters, digits, `-`, `_`, `.` or `:` (an
/// incoming `X-Request-Id` that is not is replaced by one of ours, so a log line cannot be forged through it).
#[must_use]
pub fn is_request_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Jobs of one kind that will run: waiting (due or not yet due, first tries and retries) and running now, and how
/// long the oldest due one has waited.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueDepth {
    pub kind: String,
    pub waiting: u64,
    pub running: u64,
    /// Seconds since the oldest waiting job became due (0 when none is due).
    pub oldest_due_secs: f64,
}

/// The database pool of this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    pub open: u32,
    pub idle: u32,
    pub max: u32,
}

/// Instance-wide figures, read from the database (the same on every replica).
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceFigures {
    pub queue: Vec<QueueDepth>,
    /// Bytes stored in the hot, cool and cold tiers, over every workspace.
    pub storage_bytes: [i64; 3],
}

impl Services {
    /// Queue depth by kind and storage by tier (for `/metrics`).
    pub async fn instance_figures(&self) -> ServiceResult<InstanceFigures> {
        let queue = self.jobs().depth_by_kind().await?;
        let storage_bytes = meridian_store::data::files::instance_bytes_per_tier(self.db()).await?;
        Ok(InstanceFigures { queue, storage_bytes })
    }

    /// This process's database pool (PostgreSQL or SQLite).
    #[must_use]
    pub fn pool_use(&self) -> Option<PoolUse> {
        use meridian_store::DbBackend;
        let db = self.db();
        let (open, idle, max) = match db.get_database_backend() {
            DbBackend::Postgres => {
                let p = db.get_postgres_connection_pool();
                (p.size(), p.num_idle(), p.options().get_max_connections())
            }
            DbBackend::Sqlite => {
                let p = db.get_sqlite_connection_pool();
                (p.size(), p.num_idle(), p.options().get_max_connections())
            }
            _ => return None,
        };
        Some(PoolUse { open, idle: u32::try_from(idle).unwrap_or(u32::MAX), max })
    }
}
