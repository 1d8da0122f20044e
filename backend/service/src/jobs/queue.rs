//! The queue: apalis's job table (`Jobs` on SQLite, `apalis.jobs` on PostgreSQL) and our `job_subjects` beside it,
//! reached through the sqlx pool under sea-orm's connection, so jobs share the application's database and pool.
//!
//! apalis owns its tables; we write them only where its 1.0 backends leave a gap: a retry's `run_at` (its SQL
//! backends implement no `Reschedule`), and handing back the jobs of a worker we stopped ourselves.

use super::{Job, JobCounts, JobId, JobState, JobStatus, PushOptions};
use crate::{ServiceError, ServiceResult};
use apalis::prelude::{TaskBuilder, TaskId};
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use chrono::{DateTime, Utc};
use meridian_store::{DatabaseConnection, DbBackend};
use sqlx::{PgPool, Row as _, SqlitePool};
use uuid::Uuid;

/// apalis's queue name (its `job_type` column) for all of Meridian's jobs: one queue, the job's `kind` inside.
pub(super) const QUEUE: &str = "meridian";

/// `for_subject` lists at most this many jobs, newest first.
const LIST_LIMIT: i64 = 50;

/// Queues jobs and reads their state. Cheap to clone.
#[derive(Debug, Clone)]
pub struct JobQueue {
    pub(super) store: Store,
}

#[derive(Debug, Clone)]
pub(super) enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
    /// A connection apalis has no backend for (MySQL); every call fails.
    Unsupported(DbBackend),
}

/// A failure of the queue's own statements, its cause kept: the database gone is `Unavailable` (a 503 with
/// Retry-After at the edge, a job tried again), anything else internal.
fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> ServiceError {
    let e = e.into();
    match e.downcast_ref::<sqlx::Error>() {
        Some(s) if meridian_store::is_sqlx_connection_error(s) => {
            ServiceError::Unavailable { what: "database", cause: s.to_string() }
        }
        _ => ServiceError::internal_while("using the job queue", e),
    }
}

/// Whole seconds since the epoch, rounded up: apalis's SQLite rows keep seconds, and a job must not be taken before
/// the time it was given.
fn ceil_secs(t: DateTime<Utc>) -> i64 {
    let s = t.timestamp();
    if t.timestamp_subsec_nanos() > 0 { s + 1 } else { s }
}

/// A job as its row keeps it: its JSON, with the id of the request that queued it when there is one (its log
/// lines then name that request).
fn payload(job: &Job) -> ServiceResult<Vec<u8>> {
    let mut value = serde_json::to_value(job).map_err(internal)?;
    if let (Some(id), Some(fields)) = (crate::observe::request_id(), value.as_object_mut()) {
        fields.insert(crate::observe::JOB_REQUEST_ID.to_owned(), serde_json::Value::String(id));
    }
    serde_json::to_vec(&value).map_err(internal)
}

fn from_secs(s: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(s, 0).unwrap_or_default()
}

/// apalis keeps a result as `{"Ok": value}` or `{"Err": "message"}` (the error's `Display`).
fn error_text(last_result: Option<&str>) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(last_result?).ok()?;
    let text = value.get("Err")?.as_str()?;
    // A permanent failure travels as apalis's `AbortError`, whose `Display` adds this prefix.
    Some(text.strip_prefix("AbortError: ").unwrap_or(text).to_owned())
}

/// A new task id: a UUIDv7 read as a ULID (both are a 48-bit millisecond time then random bits), so ids sort by
/// creation time, and within one process in creation order.
fn new_ulid() -> ulid::Ulid {
    ulid::Ulid(Uuid::now_v7().as_u128())
}

/// The creation time a ULID carries (ours are UUIDv7s: milliseconds).
fn created_at_of(id: &str) -> DateTime<Utc> {
    ulid::Ulid::from_string(id)
        .ok()
        .and_then(|u| DateTime::from_timestamp_millis(i64::try_from(u.timestamp_ms()).unwrap_or(0)))
        .unwrap_or_default()
}

/// One row of apalis's table, however the backend spells its types.
struct Row {
    id: String,
    kind: String,
    status: String,
    attempts: i64,
    max_attempts: i64,
    last_result: Option<String>,
    run_at: DateTime<Utc>,
    done_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl Row {
    fn into_status(self) -> JobStatus {
        let attempts = u32::try_from(self.attempts).unwrap_or(0);
        let max_attempts = u32::try_from(self.max_attempts).unwrap_or(0);
        let state = JobState::from_row(&self.status, attempts, max_attempts);
        JobStatus {
            last_error: if state == JobState::Done { None } else { error_text(self.last_result.as_deref()) },
            done_at: if state.is_finished() { self.done_at } else { None },
            id: JobId(self.id),
            kind: self.kind,
            state,
            attempts,
            max_attempts,
            run_at: self.run_at,
            created_at: self.created_at,
        }
    }
}

impl JobQueue {
    /// The queue on `db`'s own pool.
    pub fn new(db: &DatabaseConnection) -> Self {
        let store = match db.get_database_backend() {
            DbBackend::Sqlite => Store::Sqlite(db.get_sqlite_connection_pool().clone()),
            DbBackend::Postgres => Store::Postgres(db.get_postgres_connection_pool().clone()),
            other => Store::Unsupported(other),
        };
        Self { store }
    }

    fn unsupported(backend: DbBackend) -> ServiceError {
        internal(format!("no job backend for {backend:?}"))
    }

    /// Queues `job`; returns its id (with `unique_key`, the id of the job that already has that key, if one does).
    #[tracing::instrument(skip_all, fields(queued = job.kind()))]
    pub async fn push(&self, job: Job, opts: PushOptions) -> ServiceResult<JobId> {
        if let Some(key) = &opts.unique_key
            && let Some(id) = self.find_by_key(key).await?
        {
            return Ok(id);
        }
        let ulid = new_ulid();
        let id = JobId(ulid.to_string());
        let now = crate::now();
        let mut task = TaskBuilder::new(payload(&job)?)
            .task_id(TaskId::from_ulid(ulid))
            .max_attempts(usize::try_from(opts.max_attempts.max(1)).unwrap_or(1));
        if let Some(delay) = opts.run_after {
            let at = now + chrono::Duration::from_std(delay).map_err(internal)?;
            task = task.run_at_timestamp(u64::try_from(ceil_secs(at)).unwrap_or(0));
        }
        if let Some(key) = &opts.unique_key {
            task = task.idempotency_key(key);
        }
        let task = task.build();
        let subject = job.subject();
        match &self.store {
            Store::Sqlite(pool) => {
                let mut tx = pool.begin().await.map_err(internal)?;
                apalis_sqlite::queries::push_tasks(&mut *tx, QUEUE, &[task]).await.map_err(internal)?;
                // apalis's SQLite insert skips a duplicate key silently: ask which job holds it.
                let stored = match &opts.unique_key {
                    Some(key) => JobId(
                        sqlx::query_scalar("SELECT id FROM Jobs WHERE job_type = ?1 AND idempotency_key = ?2")
                            .bind(QUEUE)
                            .bind(key)
                            .fetch_one(&mut *tx)
                            .await
                            .map_err(internal)?,
                    ),
                    None => id.clone(),
                };
                if let (Some(subject), true) = (subject, stored == id) {
                    sqlx::query("INSERT INTO job_subjects (job_id, subject, kind, created_at) VALUES (?1, ?2, ?3, ?4)")
                        .bind(id.as_str())
                        .bind(subject)
                        .bind(job.kind())
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(internal)?;
                }
                tx.commit().await.map_err(internal)?;
                Ok(stored)
            }
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(internal)?;
                match apalis_postgres::queries::push_tasks(&mut *tx, QUEUE, vec![task]).await {
                    Ok(()) => {}
                    // Another process pushed the same key since we looked: theirs stands.
                    Err(apalis_postgres::Error::Database(sqlx::Error::Database(e)))
                        if e.is_unique_violation() && opts.unique_key.is_some() =>
                    {
                        drop(tx);
                        let key = opts.unique_key.as_deref().unwrap_or_default();
                        return self.find_by_key(key).await?.ok_or_else(|| internal("a unique job vanished"));
                    }
                    Err(e) => return Err(internal(e)),
                }
                if let Some(subject) = subject {
                    sqlx::query("INSERT INTO job_subjects (job_id, subject, kind, created_at) VALUES ($1, $2, $3, $4)")
                        .bind(id.as_str())
                        .bind(subject)
                        .bind(job.kind())
                        .bind(now)
                        .execute(&mut *tx)
                        .await
                        .map_err(internal)?;
                }
                tx.commit().await.map_err(internal)?;
                Ok(id)
            }
            Store::Unsupported(b) => Err(Self::unsupported(*b)),
        }
    }

    /// Queues `job` inside the caller's transaction, so that it exists exactly when the change it follows was
    /// committed (a file row and its ingest, an upload turned `verifying` and its check). No `unique_key` here:
    /// those are for periodic jobs, which follow no change.
    #[tracing::instrument(skip_all, fields(queued = job.kind()))]
    pub async fn push_in(
        conn: &impl meridian_store::ConnectionTrait,
        job: &Job,
        opts: &PushOptions,
    ) -> ServiceResult<JobId> {
        if opts.unique_key.is_some() {
            return Err(internal("a job pushed inside a transaction takes no unique key"));
        }
        let id = JobId(new_ulid().to_string());
        let now = crate::now();
        let run_at = match opts.run_after {
            Some(delay) => now + chrono::Duration::from_std(delay).map_err(internal)?,
            None => now,
        };
        meridian_store::jobs::insert_job(
            conn,
            meridian_store::jobs::NewJob {
                id: id.as_str(),
                queue: QUEUE,
                payload: payload(job)?,
                max_attempts: i32::try_from(opts.max_attempts.max(1)).unwrap_or(i32::MAX),
                run_at,
                subject: job.subject().map(|s| (s, job.kind())),
                created_at: now,
            },
        )
        .await?;
        Ok(id)
    }

    async fn find_by_key(&self, key: &str) -> ServiceResult<Option<JobId>> {
        let id: Option<String> = match &self.store {
            Store::Sqlite(pool) => {
                sqlx::query_scalar("SELECT id FROM Jobs WHERE job_type = ?1 AND idempotency_key = ?2")
                    .bind(QUEUE)
                    .bind(key)
                    .fetch_optional(pool)
                    .await
                    .map_err(internal)?
            }
            Store::Postgres(pool) => {
                sqlx::query_scalar("SELECT id FROM apalis.jobs WHERE job_type = $1 AND idempotency_key = $2")
                    .bind(QUEUE)
                    .bind(key)
                    .fetch_optional(pool)
                    .await
                    .map_err(internal)?
            }
            Store::Unsupported(b) => return Err(Self::unsupported(*b)),
        };
        Ok(id.map(JobId))
    }

    /// Deletes the jobs that finished successfully before `before` (and what records their subjects); failed jobs
    /// stay, so their errors remain visible. Returns how many went.
    #[tracing::instrument(skip(self))]
    pub async fn prune_done(&self, before: DateTime<Utc>) -> ServiceResult<u64> {
        match &self.store {
            Store::Sqlite(pool) => {
                let mut tx = pool.begin().await.map_err(internal)?;
                let at = before.timestamp();
                sqlx::query(
                    "DELETE FROM job_subjects WHERE job_id IN \
                     (SELECT id FROM Jobs WHERE status = 'Done' AND done_at < ?1)",
                )
                .bind(at)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
                let gone = sqlx::query("DELETE FROM Jobs WHERE status = 'Done' AND done_at < ?1")
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(internal)?
                    .rows_affected();
                tx.commit().await.map_err(internal)?;
                Ok(gone)
            }
            Store::Postgres(pool) => {
                let mut tx = pool.begin().await.map_err(internal)?;
                sqlx::query(
                    "DELETE FROM job_subjects WHERE job_id IN \
                     (SELECT id FROM apalis.jobs WHERE status = 'Done' AND done_at < $1)",
                )
                .bind(before)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
                let gone = sqlx::query("DELETE FROM apalis.jobs WHERE status = 'Done' AND done_at < $1")
                    .bind(before)
                    .execute(&mut *tx)
                    .await
                    .map_err(internal)?
                    .rows_affected();
                tx.commit().await.map_err(internal)?;
                Ok(gone)
            }
            Store::Unsupported(b) => Err(Self::unsupported(*b)),
        }
    }

    /// The jobs about one thing (a file, an upload), newest first, at most 50.
    #[tracing::instrument(skip(self))]
    pub async fn for_subject(&self, subject: Uuid) -> ServiceResult<Vec<JobStatus>> {
        let rows = match &self.store {
            Store::Sqlite(pool) => sqlx::query(
                "SELECT s.job_id, s.kind, s.created_at, j.status, j.attempts, j.max_attempts, j.last_result, \
                 j.run_at, j.done_at FROM job_subjects s JOIN Jobs j ON j.id = s.job_id \
                 WHERE s.subject = ?1 ORDER BY s.created_at DESC, s.job_id DESC LIMIT ?2",
            )
            .bind(subject)
            .bind(LIST_LIMIT)
            .fetch_all(pool)
            .await
            .map_err(internal)?
            .iter()
            .map(|r| {
                Ok(Row {
                    id: r.try_get("job_id")?,
                    kind: r.try_get("kind")?,
                    status: r.try_get("status")?,
                    attempts: r.try_get("attempts")?,
                    max_attempts: r.try_get("max_attempts")?,
                    last_result: r.try_get("last_result")?,
                    run_at: from_secs(r.try_get("run_at")?),
                    done_at: r.try_get::<Option<i64>, _>("done_at")?.map(from_secs),
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>(),
            Store::Postgres(pool) => sqlx::query(
                "SELECT s.job_id, s.kind, s.created_at, j.status, j.attempts, j.max_attempts, \
                 j.last_result::text AS last_result, j.run_at, j.done_at \
                 FROM job_subjects s JOIN apalis.jobs j ON j.id = s.job_id \
                 WHERE s.subject = $1 ORDER BY s.created_at DESC, s.job_id DESC LIMIT $2",
            )
            .bind(subject)
            .bind(LIST_LIMIT)
            .fetch_all(pool)
            .await
            .map_err(internal)?
            .iter()
            .map(|r| {
                Ok(Row {
                    id: r.try_get("job_id")?,
                    kind: r.try_get("kind")?,
                    status: r.try_get("status")?,
                    attempts: i64::from(r.try_get::<i32, _>("attempts")?),
                    max_attempts: i64::from(r.try_get::<i32, _>("max_attempts")?),
                    last_result: r.try_get("last_result")?,
                    run_at: r.try_get("run_at")?,
                    done_at: r.try_get("done_at")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<Vec<_>, sqlx::Error>>(),
            Store::Unsupported(b) => return Err(Self::unsupported(*b)),
        };
        Ok(rows.map_err(internal)?.into_iter().map(Row::into_status).collect())
    }

    /// One job by id (the kind is read from its payload; a job without a subject has its id's creation time).
    #[tracing::instrument(skip(self))]
    pub async fn get(&self, id: &JobId) -> ServiceResult<Option<JobStatus>> {
        let row = match &self.store {
            Store::Sqlite(pool) => sqlx::query(
                "SELECT j.id, j.job, j.status, j.attempts, j.max_attempts, j.last_result, j.run_at, j.done_at, \
                 s.created_at FROM Jobs j LEFT JOIN job_subjects s ON s.job_id = j.id \
                 WHERE j.id = ?1 AND j.job_type = ?2",
            )
            .bind(id.as_str())
            .bind(QUEUE)
            .fetch_optional(pool)
            .await
            .map_err(internal)?
            .map(|r| {
                Ok::<_, sqlx::Error>((
                    r.try_get::<Vec<u8>, _>("job")?,
                    Row {
                        id: r.try_get("id")?,
                        kind: String::new(),
                        status: r.try_get("status")?,
                        attempts: r.try_get("attempts")?,
                        max_attempts: r.try_get("max_attempts")?,
                        last_result: r.try_get("last_result")?,
                        run_at: from_secs(r.try_get("run_at")?),
                        done_at: r.try_get::<Option<i64>, _>("done_at")?.map(from_secs),
                        created_at: r
                            .try_get::<Option<DateTime<Utc>>, _>("created_at")?
                            .unwrap_or_else(|| created_at_of(id.as_str())),
                    },
                ))
            }),
            Store::Postgres(pool) => sqlx::query(
                "SELECT j.id, j.job, j.status, j.attempts, j.max_attempts, j.last_result::text AS last_result, \
                 j.run_at, j.done_at, s.created_at FROM apalis.jobs j LEFT JOIN job_subjects s ON s.job_id = j.id \
                 WHERE j.id = $1 AND j.job_type = $2",
            )
            .bind(id.as_str())
            .bind(QUEUE)
            .fetch_optional(pool)
            .await
            .map_err(internal)?
            .map(|r| {
                Ok::<_, sqlx::Error>((
                    r.try_get::<Vec<u8>, _>("job")?,
                    Row {
                        id: r.try_get("id")?,
                        kind: String::new(),
                        status: r.try_get("status")?,
                        attempts: i64::from(r.try_get::<i32, _>("attempts")?),
                        max_attempts: i64::from(r.try_get::<i32, _>("max_attempts")?),
                        last_result: r.try_get("last_result")?,
                        run_at: r.try_get("run_at")?,
                        done_at: r.try_get("done_at")?,
                        created_at: r
                            .try_get::<Option<DateTime<Utc>>, _>("created_at")?
                            .unwrap_or_else(|| created_at_of(id.as_str())),
                    },
                ))
            }),
            Store::Unsupported(b) => return Err(Self::unsupported(*b)),
        };
        let Some((payload, mut row)) = row.transpose().map_err(internal)? else { return Ok(None) };
        row.kind = serde_json::from_slice::<serde_json::Value>(&payload)
            .ok()
            .and_then(|v| v.get("kind").and_then(|k| k.as_str()).map(str::to_owned))
            .unwrap_or_else(|| "unknown".to_owned());
        Ok(Some(row.into_status()))
    }

    /// Jobs that will still run, by kind: waiting (first tries and retries with attempts left) and running, with
    /// the age of the oldest due one.
    pub async fn depth_by_kind(&self) -> ServiceResult<Vec<crate::observe::QueueDepth>> {
        let rows: Vec<(Option<String>, i64, i64, Option<f64>)> = match &self.store {
            Store::Sqlite(pool) => sqlx::query_as(
                "SELECT json_extract(CAST(job AS TEXT), '$.kind'), \
                 SUM(CASE WHEN status = 'Running' THEN 0 ELSE 1 END), \
                 SUM(CASE WHEN status = 'Running' THEN 1 ELSE 0 END), \
                 CAST(strftime('%s', 'now') - MIN(CASE WHEN status <> 'Running' AND run_at <= strftime('%s', 'now') \
                   THEN run_at END) AS REAL) \
                 FROM Jobs WHERE job_type = ?1 AND (status IN ('Pending', 'Queued', 'Running') \
                   OR (status = 'Failed' AND attempts < max_attempts)) GROUP BY 1",
            )
            .bind(QUEUE)
            .fetch_all(pool)
            .await
            .map_err(internal)?,
            Store::Postgres(pool) => sqlx::query_as(
                "SELECT convert_from(job, 'UTF8')::jsonb->>'kind', \
                 COUNT(*) FILTER (WHERE status <> 'Running'), COUNT(*) FILTER (WHERE status = 'Running'), \
                 EXTRACT(EPOCH FROM now() - MIN(run_at) FILTER (WHERE status <> 'Running' AND run_at <= now()))::float8 \
                 FROM apalis.jobs WHERE job_type = $1 AND (status IN ('Pending', 'Queued', 'Running') \
                   OR (status = 'Failed' AND attempts < max_attempts)) GROUP BY 1",
            )
            .bind(QUEUE)
            .fetch_all(pool)
            .await
            .map_err(internal)?,
            Store::Unsupported(b) => return Err(internal(format!("no job backend for {b:?}"))),
        };
        Ok(rows
            .into_iter()
            .map(|(kind, waiting, running, oldest)| crate::observe::QueueDepth {
                kind: kind.unwrap_or_else(|| "unreadable".to_owned()),
                waiting: u64::try_from(waiting).unwrap_or(0),
                running: u64::try_from(running).unwrap_or(0),
                oldest_due_secs: oldest.unwrap_or(0.0).max(0.0),
            })
            .collect())
    }

    /// How many jobs are in each state.
    #[tracing::instrument(skip(self))]
    pub async fn counts(&self) -> ServiceResult<JobCounts> {
        let groups: Vec<(String, bool, bool, i64)> = match &self.store {
            Store::Sqlite(pool) => sqlx::query_as(
                "SELECT status, attempts > 0, attempts < max_attempts, COUNT(*) FROM Jobs WHERE job_type = ?1 \
                 GROUP BY 1, 2, 3",
            )
            .bind(QUEUE)
            .fetch_all(pool)
            .await
            .map_err(internal)?,
            Store::Postgres(pool) => sqlx::query_as(
                "SELECT status, attempts > 0, attempts < max_attempts, COUNT(*) FROM apalis.jobs WHERE job_type = $1 \
                 GROUP BY 1, 2, 3",
            )
            .bind(QUEUE)
            .fetch_all(pool)
            .await
            .map_err(internal)?,
            Store::Unsupported(b) => return Err(Self::unsupported(*b)),
        };
        let mut counts = JobCounts::default();
        for (status, tried, more, n) in groups {
            let (attempts, max) = (u32::from(tried), u32::from(tried) + u32::from(more));
            counts.add(JobState::from_row(&status, attempts, max), u64::try_from(n).unwrap_or(0));
        }
        Ok(counts)
    }

    /// Moves a failed attempt's next run to `at`, while `worker` still holds the job (before apalis records the
    /// failure, which leaves `run_at` alone).
    pub(super) async fn retry_at(&self, id: &str, worker: &str, at: DateTime<Utc>) -> ServiceResult<()> {
        match &self.store {
            Store::Sqlite(pool) => sqlx::query("UPDATE Jobs SET run_at = ?1 WHERE id = ?2 AND lock_by = ?3")
                .bind(ceil_secs(at))
                .bind(id)
                .bind(worker)
                .execute(pool)
                .await
                .map(drop)
                .map_err(internal),
            Store::Postgres(pool) => sqlx::query("UPDATE apalis.jobs SET run_at = $1 WHERE id = $2 AND lock_by = $3")
                .bind(at)
                .bind(id)
                .bind(worker)
                .execute(pool)
                .await
                .map(drop)
                .map_err(internal),
            Store::Unsupported(b) => Err(Self::unsupported(*b)),
        }
    }

    /// Hands back the jobs of a worker of ours that is gone (it failed, or did not stop within its grace): they
    /// become `Pending` at once, with the interrupted attempt counted, as apalis does for a dead worker's jobs.
    pub(super) async fn release(&self, worker: &str) -> ServiceResult<u64> {
        const WHY: &str = r#"{"Err": "Handed back: its worker stopped before the job finished."}"#;
        let done = match &self.store {
            Store::Sqlite(pool) => sqlx::query(
                "UPDATE Jobs SET status = 'Pending', lock_by = NULL, lock_at = NULL, done_at = NULL, \
                 attempts = attempts + 1, last_result = ?2 WHERE lock_by = ?1 AND status IN ('Queued', 'Running')",
            )
            .bind(worker)
            .bind(WHY)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
            Store::Postgres(pool) => sqlx::query(
                "UPDATE apalis.jobs SET status = 'Pending', lock_by = NULL, lock_at = NULL, done_at = NULL, \
                 attempts = attempts + 1, last_result = $2::jsonb \
                 WHERE lock_by = $1 AND status IN ('Queued', 'Running')",
            )
            .bind(worker)
            .bind(WHY)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
            Store::Unsupported(b) => return Err(Self::unsupported(*b)),
        };
        done.map_err(internal)
    }
}

/// Creates or updates apalis's own tables with its migrations (sqlx's, kept in `_sqlx_migrations` on SQLite and
/// `apalis._sqlx_migrations` on PostgreSQL). Runs after our sea-orm migrations.
pub async fn setup(db: &DatabaseConnection) -> ServiceResult<()> {
    match JobQueue::new(db).store {
        // Not `SqliteStorage::setup`: besides migrating, it sets `PRAGMA synchronous = OFF` (and cache sizes) on
        // one of our pooled connections, where `meridian_store::connect` chose `NORMAL`.
        Store::Sqlite(pool) => SqliteStorage::migrations().run(&pool).await.map_err(internal),
        Store::Postgres(pool) => PostgresStorage::setup(&pool).await.map_err(internal),
        Store::Unsupported(b) => Err(JobQueue::unsupported(b)),
    }
}

/// Names the version of apalis's PostgreSQL schema, for caches of migrated databases (the test template).
pub fn schema_key() -> String {
    let migrator = PostgresStorage::migrations();
    let versions: Vec<String> = migrator.iter().map(|m| m.version.to_string()).collect();
    format!("apalis-postgres:{}", versions.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_read_as_error_text() {
        assert_eq!(error_text(Some(r#"{"Err":"AbortError: gone"}"#)).as_deref(), Some("gone"));
        assert_eq!(error_text(Some(r#"{"Err":"timeout"}"#)).as_deref(), Some("timeout"));
        assert_eq!(error_text(Some(r#"{"Ok":null}"#)), None);
        assert_eq!(error_text(None), None);
    }

    #[test]
    fn seconds_round_up() {
        let t = from_secs(100);
        assert_eq!(ceil_secs(t), 100);
        assert_eq!(ceil_secs(t + chrono::Duration::microseconds(1)), 101);
    }

    #[test]
    fn states_follow_apalis_rows() {
        assert_eq!(JobState::from_row("Pending", 0, 8), JobState::Pending);
        assert_eq!(JobState::from_row("Pending", 1, 8), JobState::Retrying);
        assert_eq!(JobState::from_row("Queued", 0, 8), JobState::Running);
        assert_eq!(JobState::from_row("Failed", 2, 8), JobState::Retrying);
        assert_eq!(JobState::from_row("Failed", 8, 8), JobState::Failed);
        assert_eq!(JobState::from_row("Killed", 1, 8), JobState::Failed);
        assert_eq!(JobState::from_row("Done", 1, 8), JobState::Done);
    }

    #[test]
    fn job_ids_carry_their_creation_time() {
        let before = Utc::now() - chrono::Duration::milliseconds(1);
        let id = new_ulid().to_string();
        let at = created_at_of(&id);
        assert!(at >= before && at <= Utc::now(), "{at}");
        assert_eq!(id.len(), 26);
    }
}
