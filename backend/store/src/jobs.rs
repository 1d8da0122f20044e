//! Writing and reading the job queue's rows from inside our own transactions.
//!
//! The queue is apalis's table (`Jobs` on SQLite, `apalis.jobs` on PostgreSQL, created by its migrations) and our
//! `job_subjects` beside it; `meridian_service::jobs::JobQueue` drives both through sqlx. What lives here is the
//! part that must share a sea-orm transaction with a state change: a file row and the job that will ingest it, an
//! upload turned `verifying` and the job that will verify it, commit together or not at all. The insert writes the
//! same row apalis's own `push_tasks` writes (`Pending`, no attempts, no lock).

use crate::StoreResult;
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use uuid::Uuid;

/// One job to queue.
#[derive(Debug, Clone)]
pub struct NewJob<'a> {
    /// apalis's task id (a ULID in text).
    pub id: &'a str,
    /// apalis's queue name.
    pub queue: &'a str,
    /// The job as JSON bytes.
    pub payload: Vec<u8>,
    pub max_attempts: i32,
    pub run_at: DateTime<Utc>,
    /// What the job is about and its kind, recorded in `job_subjects` for pages and sweeps.
    pub subject: Option<(Uuid, &'a str)>,
    pub created_at: DateTime<Utc>,
}

fn stmt(conn: &impl ConnectionTrait, sqlite: &str, postgres: &str, values: Vec<Value>) -> Statement {
    let backend = conn.get_database_backend();
    let sql = if backend == DbBackend::Postgres { postgres } else { sqlite };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Whole seconds, rounded up: apalis's SQLite rows keep seconds, and a job must not run before its time.
fn ceil_secs(t: DateTime<Utc>) -> i64 {
    t.timestamp() + i64::from(t.timestamp_subsec_nanos() > 0)
}

/// Queues a job on `conn` (a transaction, so that it commits with the change it follows).
pub async fn insert_job(conn: &impl ConnectionTrait, job: NewJob<'_>) -> StoreResult<()> {
    let postgres = conn.get_database_backend() == DbBackend::Postgres;
    let run_at: Value = if postgres { job.run_at.into() } else { ceil_secs(job.run_at).into() };
    conn.execute_raw(stmt(
        conn,
        "INSERT INTO Jobs (job, id, job_type, status, attempts, max_attempts, run_at, priority) \
         VALUES (?, ?, ?, 'Pending', 0, ?, ?, 0)",
        "INSERT INTO apalis.jobs (job, id, job_type, status, attempts, max_attempts, run_at, priority) \
         VALUES ($1, $2, $3, 'Pending', 0, $4, $5, 0)",
        vec![job.payload.into(), job.id.into(), job.queue.into(), job.max_attempts.into(), run_at],
    ))
    .await?;
    if let Some((subject, kind)) = job.subject {
        conn.execute_raw(stmt(
            conn,
            "INSERT INTO job_subjects (job_id, subject, kind, created_at) VALUES (?, ?, ?, ?)",
            "INSERT INTO job_subjects (job_id, subject, kind, created_at) VALUES ($1, $2, $3, $4)",
            vec![job.id.into(), subject.into(), kind.into(), job.created_at.into()],
        ))
        .await?;
    }
    Ok(())
}

/// Which of `subjects` have a job of `kind` that will still run: waiting, taken by a worker, or failed with
/// attempts left. A subject without one has lost its job (a crash between a state change and its push, attempts
/// used up in a long outage, a database restored from a backup) and needs a new one.
pub async fn live_subjects(conn: &impl ConnectionTrait, kind: &str, subjects: &[Uuid]) -> StoreResult<Vec<Uuid>> {
    let mut out = Vec::new();
    let postgres = conn.get_database_backend() == DbBackend::Postgres;
    for batch in subjects.chunks(500) {
        let marks: Vec<String> =
            (0..batch.len()).map(|i| if postgres { format!("${}", i + 2) } else { "?".to_owned() }).collect();
        let table = if postgres { "apalis.jobs" } else { "Jobs" };
        let kind_mark = if postgres { "$1" } else { "?" };
        let sql = format!(
            "SELECT DISTINCT s.subject AS subject FROM job_subjects s JOIN {table} j ON j.id = s.job_id \
             WHERE s.kind = {kind_mark} AND s.subject IN ({}) AND (j.status IN ('Pending', 'Queued', 'Running') \
             OR (j.status = 'Failed' AND j.attempts < j.max_attempts))",
            marks.join(", ")
        );
        let mut values: Vec<Value> = vec![kind.into()];
        values.extend(batch.iter().map(|u| Value::from(*u)));
        let rows = conn.query_all_raw(Statement::from_sql_and_values(conn.get_database_backend(), sql, values)).await?;
        for r in rows {
            out.push(r.try_get::<Uuid>("", "subject")?);
        }
    }
    Ok(out)
}
