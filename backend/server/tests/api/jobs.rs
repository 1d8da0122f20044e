//! Durable jobs on the test database (a SQLite file, or a PostgreSQL clone): what a handler's outcome does to the
//! job, retries that come back through the database after their back-off, the last attempt, permanent failures,
//! panics, a killed worker's job, a worker stopped mid-job, periodic jobs and the listing for the UI.
//!
//! Nothing here passes or fails on how long something took: the waits end as soon as their condition holds, and
//! their limit is only a safety net. Back-off is checked against the times the handler recorded and the `run_at`
//! each attempt found on its row.

use crate::helpers::{TestDb, test_service_config};
use chrono::{DateTime, SubsecRound as _, Utc};
use meridian_service::Services;
use meridian_service::jobs::{
    Job, JobFailure, JobHandler, JobQueue, JobState, JobStatus, PushOptions, WorkerOptions, run_worker,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// The safety net for every wait: far above what any of these takes.
const PATIENCE: Duration = Duration::from_secs(90);
/// The back-off of these tests' workers (a retry after attempt `n` waits at least `BASE × 2^(n-1)`).
const BASE: Duration = Duration::from_secs(1);

async fn queue() -> (TestDb, JobQueue) {
    let db = TestDb::new().await;
    let conn = meridian_service::connect(&db.url, 5).await.expect("connect");
    let services = Services::new(conn, test_service_config()).expect("services");
    services.migrate().await.expect("migrate");
    (db, services.jobs().clone())
}

/// Short polls and heartbeats, so the tests move quickly; production values are in `WorkerOptions::default`.
fn fast() -> WorkerOptions {
    WorkerOptions {
        concurrency: 2,
        poll_interval: Duration::from_millis(50),
        backoff_base: BASE,
        backoff_max: Duration::from_secs(30),
        heartbeat: Duration::from_secs(1),
        missed_heartbeats: 2,
        shutdown_grace: Duration::from_secs(10),
        periodic: false,
        catalog_fetch_hours: None,
    }
}

/// A worker running in the background.
struct Worker {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<meridian_service::ServiceResult<()>>,
}

fn start(queue: &JobQueue, handler: Arc<Scripted>, opts: WorkerOptions) -> Worker {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(run_worker(queue.clone(), handler, opts, async move {
        let _ = stopped.await;
    }));
    Worker { stop, task }
}

impl Worker {
    /// Asks it to stop and waits until it has.
    async fn stop(self) {
        let _ = self.stop.send(());
        tokio::time::timeout(PATIENCE, self.task).await.expect("the worker stops").expect("joins").expect("ran");
    }

    /// Ends it the way a killed process ends: nothing more runs, nothing is handed back.
    async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// What the handler does at each attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Succeed,
    Retry,
    Refuse,
    Panic,
    /// Never finishes (until its worker is gone).
    Hang,
    /// Succeeds once the test opens the gate.
    Wait,
}

/// One attempt as the handler saw it.
#[derive(Debug, Clone)]
struct Seen {
    job: Job,
    attempt: u32,
    last: bool,
    /// The job's `run_at` when the attempt began: the time its last failure asked for.
    run_at: Option<DateTime<Utc>>,
    started: DateTime<Utc>,
    ended: DateTime<Utc>,
}

/// What to do with a job at an attempt.
type Script = dyn Fn(&Job, u32) -> Step + Send + Sync;

/// A handler that follows a script and records every attempt.
struct Scripted {
    queue: JobQueue,
    script: Box<Script>,
    seen: Mutex<Vec<Seen>>,
    hanging: tokio::sync::Notify,
    /// What `Step::Wait` waits for.
    gate: tokio::sync::Semaphore,
}

impl Scripted {
    fn new(queue: &JobQueue, script: impl Fn(&Job, u32) -> Step + Send + Sync + 'static) -> Arc<Self> {
        Arc::new(Self {
            queue: queue.clone(),
            script: Box::new(script),
            seen: Mutex::new(Vec::new()),
            hanging: tokio::sync::Notify::new(),
            gate: tokio::sync::Semaphore::new(0),
        })
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    fn attempts_of(&self, subject: Uuid) -> Vec<u32> {
        self.seen().iter().filter(|s| s.job.subject() == Some(subject)).map(|s| s.attempt).collect()
    }

    /// Waits until an attempt hangs (or waits at the gate).
    async fn hung(&self) {
        tokio::time::timeout(PATIENCE, self.hanging.notified()).await.expect("an attempt starts and hangs");
    }
}

#[async_trait::async_trait]
impl JobHandler for Scripted {
    async fn run(&self, job: Job, attempt: u32, last: bool) -> Result<(), JobFailure> {
        let started = Utc::now();
        let run_at = match job.subject() {
            Some(subject) => self.queue.for_subject(subject).await.expect("list").first().map(|s| s.run_at),
            None => None,
        };
        let step = (self.script)(&job, attempt);
        // Millisecond floor: stored times may drop sub-microsecond digits, and `ended` must not seem later than
        // it was.
        let ended = Utc::now().trunc_subsecs(3);
        self.seen.lock().expect("lock").push(Seen { job, attempt, last, run_at, started, ended });
        match step {
            Step::Succeed => Ok(()),
            Step::Retry => Err(JobFailure::Retry(format!("try {attempt} failed"))),
            Step::Refuse => Err(JobFailure::Permanent("not wanted".to_owned())),
            Step::Panic => panic!("boom on try {attempt}"),
            Step::Hang => {
                self.hanging.notify_one();
                std::future::pending().await
            }
            Step::Wait => {
                self.hanging.notify_one();
                self.gate.acquire().await.expect("gate").forget();
                Ok(())
            }
        }
    }
}

/// Waits until the newest job about `subject` satisfies `done`.
async fn wait_for(queue: &JobQueue, subject: Uuid, done: impl Fn(&JobStatus) -> bool) -> JobStatus {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let newest = queue.for_subject(subject).await.expect("list").into_iter().next();
        if let Some(status) = newest.filter(|s| done(s)) {
            return status;
        }
        assert!(Instant::now() < deadline, "gave up waiting for the job about {subject}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn finished(queue: &JobQueue, subject: Uuid) -> JobStatus {
    wait_for(queue, subject, |s| s.state.is_finished()).await
}

fn ingest() -> (Uuid, Job) {
    let file_id = Uuid::now_v7();
    (file_id, Job::IngestFile { file_id: file_id.into() })
}

/// Every attempt after the first began at or after the `run_at` its row carried, and that `run_at` was at least
/// the back-off after the previous attempt failed.
fn assert_backed_off(seen: &[Seen]) {
    for pair in seen.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        let run_at = after.run_at.expect("the attempt read its row");
        let backoff = BASE * 2u32.pow(before.attempt - 1);
        assert!(
            run_at >= before.ended + chrono::Duration::from_std(backoff).expect("duration"),
            "attempt {} was due at {run_at}, less than {backoff:?} after attempt {} failed at {}",
            after.attempt,
            before.attempt,
            before.ended
        );
        assert!(
            after.started >= run_at,
            "attempt {} began at {} before its run_at {run_at}",
            after.attempt,
            after.started
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_that_succeeds_is_done() {
    let (_db, queue) = queue().await;
    let handler = Scripted::new(&queue, |_, _| Step::Succeed);
    let worker = start(&queue, handler.clone(), fast());
    let (file, job) = ingest();
    let id = queue.push(job.clone(), PushOptions::default()).await.expect("push");

    let status = finished(&queue, file).await;
    assert_eq!(status.id, id);
    assert_eq!((status.state, status.kind.as_str()), (JobState::Done, "ingest_file"));
    assert_eq!((status.attempts, status.max_attempts), (1, 8));
    assert_eq!(status.last_error, None);
    assert!(status.done_at.is_some());
    let seen = handler.seen();
    assert_eq!(seen.len(), 1);
    assert_eq!((&seen[0].job, seen[0].attempt, seen[0].last), (&job, 1, false));
    assert_eq!(queue.get(&id).await.expect("get").expect("found"), status);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_come_back_through_the_database_after_their_back_off() {
    let (_db, queue) = queue().await;
    let handler = Scripted::new(&queue, |_, attempt| if attempt < 3 { Step::Retry } else { Step::Succeed });
    let worker = start(&queue, handler.clone(), fast());
    let (file, job) = ingest();
    queue.push(job, PushOptions::default()).await.expect("push");

    let status = finished(&queue, file).await;
    assert_eq!((status.state, status.attempts), (JobState::Done, 3));
    assert_eq!(status.last_error, None);
    let seen = handler.seen();
    assert_eq!(seen.iter().map(|s| (s.attempt, s.last)).collect::<Vec<_>>(), [(1, false), (2, false), (3, false)]);
    assert_backed_off(&seen);
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_out_of_attempts_stays_failed_with_its_last_error() {
    let (_db, queue) = queue().await;
    let handler = Scripted::new(&queue, |_, _| Step::Retry);
    let worker = start(&queue, handler.clone(), fast());
    let (file, job) = ingest();
    queue.push(job, PushOptions { max_attempts: 3, ..PushOptions::default() }).await.expect("push");

    let retrying = wait_for(&queue, file, |s| s.state == JobState::Retrying).await;
    assert_eq!(retrying.last_error.as_deref(), Some("try 1 failed"));
    assert_eq!(retrying.done_at, None, "not finished while retrying");

    let status = finished(&queue, file).await;
    assert_eq!((status.state, status.attempts, status.max_attempts), (JobState::Failed, 3, 3));
    assert_eq!(status.last_error.as_deref(), Some("try 3 failed"));
    assert!(status.done_at.is_some());
    let seen = handler.seen();
    assert_eq!(seen.iter().map(|s| (s.attempt, s.last)).collect::<Vec<_>>(), [(1, false), (2, false), (3, true)]);
    assert_backed_off(&seen);
    let counts = queue.counts().await.expect("counts");
    assert_eq!((counts.failed, counts.total()), (1, 1));
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_failure_is_not_retried() {
    let (_db, queue) = queue().await;
    // Ingests are refused; previews succeed.
    let handler =
        Scripted::new(
            &queue,
            |job, _| if matches!(job, Job::IngestFile { .. }) { Step::Refuse } else { Step::Succeed },
        );
    let worker = start(&queue, handler.clone(), fast());
    let (refused, job) = ingest();
    queue.push(job, PushOptions::default()).await.expect("push");

    let status = finished(&queue, refused).await;
    assert_eq!((status.state, status.attempts), (JobState::Failed, 1));
    assert_eq!(status.last_error.as_deref(), Some("not wanted"));
    assert!(status.done_at.is_some());

    // The worker goes on with other jobs; the refused one is never taken again.
    let preview = Uuid::now_v7();
    queue.push(Job::RenderPreview { file_id: preview.into() }, PushOptions::default()).await.expect("push");
    assert_eq!(finished(&queue, preview).await.state, JobState::Done);
    worker.stop().await;
    assert_eq!(handler.attempts_of(refused), [1]);
    let counts = queue.counts().await.expect("counts");
    assert_eq!((counts.failed, counts.done), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_is_retried() {
    let (_db, queue) = queue().await;
    let handler = Scripted::new(&queue, |_, attempt| if attempt == 1 { Step::Panic } else { Step::Succeed });
    let worker = start(&queue, handler.clone(), fast());
    let (file, job) = ingest();
    queue.push(job, PushOptions::default()).await.expect("push");

    let status = finished(&queue, file).await;
    assert_eq!((status.state, status.attempts), (JobState::Done, 2));
    assert_eq!(handler.attempts_of(file), [1, 2]);
    assert_backed_off(&handler.seen());
    worker.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_workers_job_is_taken_up_by_another_worker() {
    let (_db, queue) = queue().await;
    let handler = Scripted::new(&queue, |_, attempt| if attempt == 1 { Step::Hang } else { Step::Succeed });
    let first = start(&queue, handler.clone(), fast());
    let (file, job) = ingest();
    queue.push(job, PushOptions::default()).await.expect("push");
    handler.hung().await;
    first.kill().await;
    let orphan = queue.for_subject(file).await.expect("list").remove(0);
    assert_eq!(orphan.state, JobState::Running, "still locked by the dead worker");

    // The new worker's heartbeats find the dead one's silence and hand its job back.
    let second = start(&queue, handler.clone(), fast());
    let status = finished(&queue, file).await;
    assert_eq!(status.state, JobState::Done);
    assert_eq!(status.attempts, 2, "the lost attempt counts");
    assert_eq!(handler.attempts_of(file), [1, 2]);
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_still_running_at_shutdown_is_handed_back() {
    let (_db, queue) = queue().await;
    let handler = Scripted::new(&queue, |_, attempt| if attempt == 1 { Step::Hang } else { Step::Succeed });
    let first = start(&queue, handler.clone(), WorkerOptions { shutdown_grace: Duration::from_millis(200), ..fast() });
    let (file, job) = ingest();
    queue.push(job, PushOptions::default()).await.expect("push");
    handler.hung().await;
    first.stop().await;

    let released = queue.for_subject(file).await.expect("list").remove(0);
    assert_eq!((released.state, released.attempts), (JobState::Retrying, 1));
    assert!(released.last_error.as_deref().is_some_and(|e| e.contains("worker stopped")), "{released:?}");

    let second = start(&queue, handler.clone(), fast());
    let status = finished(&queue, file).await;
    assert_eq!((status.state, status.attempts), (JobState::Done, 2));
    assert_eq!(handler.attempts_of(file), [1, 2]);
    second.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopping_worker_lets_its_running_job_finish() {
    let (_db, queue) = queue().await;
    let handler = Scripted::new(&queue, |_, _| Step::Wait);
    let Worker { stop, mut task } = start(&queue, handler.clone(), fast());
    let (file, job) = ingest();
    queue.push(job, PushOptions::default()).await.expect("push");
    handler.hung().await;

    let _ = stop.send(());
    // It cannot have stopped: its job is still running, and the grace period is long.
    assert!(tokio::time::timeout(Duration::from_millis(300), &mut task).await.is_err(), "stopped mid-job");
    handler.gate.add_permits(1);
    tokio::time::timeout(PATIENCE, task).await.expect("the worker stops").expect("joins").expect("ran");

    let status = queue.for_subject(file).await.expect("list").remove(0);
    assert_eq!((status.state, status.attempts), (JobState::Done, 1));
    let counts = queue.counts().await.expect("counts");
    assert_eq!((counts.done, counts.total()), (1, 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_are_listed_by_subject_newest_first() {
    let (_db, queue) = queue().await;
    let file = Uuid::now_v7();
    let other = Uuid::now_v7();
    let mut ids = Vec::new();
    for job in [
        Job::IngestFile { file_id: file.into() },
        Job::RenderPreview { file_id: file.into() },
        Job::RestoreFile { file_id: file.into() },
    ] {
        ids.push(queue.push(job, PushOptions::default()).await.expect("push"));
    }
    queue.push(Job::IngestFile { file_id: other.into() }, PushOptions::default()).await.expect("push");
    let later = queue
        .push(
            Job::VerifyUpload { upload_id: other.into() },
            PushOptions { run_after: Some(Duration::from_secs(3600)), max_attempts: 2, unique_key: None },
        )
        .await
        .expect("push");

    let listed = queue.for_subject(file).await.expect("list");
    assert_eq!(
        listed.iter().map(|s| s.kind.as_str()).collect::<Vec<_>>(),
        ["restore_file", "render_preview", "ingest_file"]
    );
    assert_eq!(listed.iter().map(|s| s.id.clone()).collect::<Vec<_>>(), ids.into_iter().rev().collect::<Vec<_>>());
    assert!(listed.iter().all(|s| s.state == JobState::Pending && s.attempts == 0 && s.max_attempts == 8));
    assert!(listed.windows(2).all(|w| w[0].created_at >= w[1].created_at));

    let for_other = queue.for_subject(other).await.expect("list");
    assert_eq!(for_other.len(), 2);
    assert_eq!((&for_other[0].id, for_other[0].max_attempts), (&later, 2));
    assert!(for_other[0].run_at >= Utc::now() + chrono::Duration::minutes(59), "{:?}", for_other[0].run_at);
    assert!(queue.for_subject(Uuid::now_v7()).await.expect("list").is_empty());

    // A unique key queues one job, however often it is pushed.
    let key = || PushOptions { unique_key: Some("meter_usage@2026-11-22T05".to_owned()), ..PushOptions::default() };
    let first = queue.push(Job::MeterUsage, key()).await.expect("push");
    assert_eq!(queue.push(Job::MeterUsage, key()).await.expect("push again"), first);
    let got = queue.get(&first).await.expect("get").expect("found");
    assert_eq!((got.kind.as_str(), got.state), ("meter_usage", JobState::Pending));
    assert_eq!(queue.counts().await.expect("counts").pending, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_periodic_worker_queues_each_periodic_job_once() {
    let (_db, queue) = queue().await;
    let handler = Scripted::new(&queue, |_, _| Step::Succeed);
    let worker = start(&queue, handler.clone(), WorkerOptions { periodic: true, ..fast() });
    let deadline = Instant::now() + PATIENCE;
    while queue.counts().await.expect("counts").done < 5 {
        assert!(Instant::now() < deadline, "gave up waiting for the periodic jobs");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.stop().await;
    let mut kinds: Vec<&str> = handler.seen().iter().map(|s| s.job.kind()).collect();
    kinds.sort_unstable();
    assert_eq!(kinds, ["apply_lifecycle", "cleanup_orphans", "meter_usage", "prune_jobs", "scrub"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finished_jobs_are_pruned_after_their_time_and_failed_ones_are_kept() {
    use sea_orm::ConnectionTrait as _;
    let (db, queue) = queue().await;
    let handler = Scripted::new(&queue, |job, _| match job {
        Job::RenderPreview { .. } => Step::Refuse,
        _ => Step::Succeed,
    });
    let worker = start(&queue, handler, fast());
    let (old, job) = ingest();
    let old_id = queue.push(job, PushOptions::default()).await.expect("push");
    let (recent, job) = ingest();
    queue.push(job, PushOptions::default()).await.expect("push");
    let failed = Uuid::now_v7();
    let failed_id =
        queue.push(Job::RenderPreview { file_id: failed.into() }, PushOptions::default()).await.expect("push");
    finished(&queue, old).await;
    finished(&queue, recent).await;
    assert_eq!(finished(&queue, failed).await.state, JobState::Failed);
    worker.stop().await;

    // `old` and the failed job finished 40 days ago, as far as their rows say.
    let conn = meridian_service::connect(&db.url, 1).await.expect("connect");
    for id in [&old_id, &failed_id] {
        let sql = match conn.get_database_backend() {
            sea_orm::DbBackend::Postgres => {
                format!("UPDATE apalis.jobs SET done_at = done_at - interval '40 days' WHERE id = '{id}'")
            }
            _ => format!("UPDATE Jobs SET done_at = done_at - 40 * 86400 WHERE id = '{id}'"),
        };
        conn.execute_unprepared(&sql).await.expect("age the job");
    }
    let cutoff = Utc::now() - chrono::Duration::days(meridian_service::jobs::KEEP_DONE_DAYS);
    assert_eq!(queue.prune_done(cutoff).await.expect("prune"), 1, "only the old successful job");
    assert_eq!(queue.for_subject(old).await.expect("list"), vec![], "it and its subject row are gone");
    assert!(queue.get(&old_id).await.expect("get").is_none());
    assert_eq!(queue.for_subject(recent).await.expect("list").len(), 1, "a recent one stays");
    let kept = queue.for_subject(failed).await.expect("list");
    assert_eq!((kept.len(), kept[0].state), (1, JobState::Failed), "a failed one stays, however old");
    assert_eq!(queue.prune_done(cutoff).await.expect("prune"), 0, "idempotent");
}

/// The Helm chart scales workers with KEDA's PostgreSQL scaler on a query of its own over apalis's table
/// (`infra/helm/meridian/templates/keda-scaledobject.yaml`): run against a real queue, it counts the jobs due now,
/// not those scheduled for later, and none once they ran. (PostgreSQL only: KEDA reads PostgreSQL.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_helm_charts_keda_query_counts_the_jobs_due() {
    use sea_orm::ConnectionTrait as _;
    let (db, queue) = queue().await;
    if !db.url.starts_with("postgres") {
        return;
    }
    let template = include_str!("../../../../infra/helm/meridian/templates/keda-scaledobject.yaml");
    let query = template
        .lines()
        .find_map(|l| l.trim().strip_prefix("query: \"").and_then(|q| q.strip_suffix('"')))
        .expect("the ScaledObject's query");
    let conn = sea_orm::Database::connect(&db.url).await.expect("connect");
    let due = || async {
        let row = conn
            .query_one_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Postgres, query))
            .await
            .expect("KEDA's query runs")
            .expect("one row");
        row.try_get_by_index::<i64>(0).expect("a count")
    };
    assert_eq!(due().await, 0);
    let mut subjects = Vec::new();
    for _ in 0..3 {
        let (file, job) = ingest();
        queue.push(job, PushOptions::default()).await.expect("push");
        subjects.push(file);
    }
    let later = PushOptions { run_after: Some(Duration::from_secs(3600)), ..PushOptions::default() };
    queue.push(ingest().1, later).await.expect("push for later");
    assert_eq!(due().await, 3, "three due now, one in an hour");
    let worker = start(&queue, Scripted::new(&queue, |_, _| Step::Succeed), fast());
    for file in subjects {
        finished(&queue, file).await;
    }
    assert_eq!(due().await, 0, "none due once they ran; the later one is not due yet");
    worker.stop().await;
}
