//! Worker processes: apalis workers on the queue's backend, each job handed to a [`JobHandler`].
//!
//! apalis drives the worker: it registers it in its `Workers` table, fetches due jobs (marking them `Queued`, then
//! `Running`, locked by the worker), sends heartbeats and, on each heartbeat, hands back the jobs of workers whose
//! heartbeats stopped. Its middleware records each outcome (`Done`, `Failed`, `Killed`, the attempt count, the
//! result). Here we add what apalis 1.0's SQL backends leave out: a retry's back-off is written to the row's
//! `run_at` (its own retry layer retries in memory, and its `RetryAfterError` is not honoured by the SQL backends),
//! panics are caught, and a worker that fails is replaced.

use super::queue::{QUEUE, Store};
use super::{Job, JobFailure, JobHandler, JobQueue, WorkerOptions, periodic};
use crate::{ServiceError, ServiceResult};
use apalis::layers::WorkerBuilderExt as _;
use apalis::prelude::{AbortError, BackendExt as _, BoxDynError, Service, Task, WorkerBuilder, WorkerContext};
use apalis_postgres::PostgresStorage;
use apalis_sqlite::SqliteStorage;
use serde_json::Value;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tracing::Instrument as _;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Runs workers until `shutdown` resolves, then lets running jobs finish for `opts.shutdown_grace` and hands back
/// the ones that did not. A worker that fails (the database went away) is replaced after a pause; only a broken
/// configuration (a database apalis does not support) ends this early.
pub async fn run_worker(
    queue: JobQueue,
    handler: Arc<dyn JobHandler>,
    opts: WorkerOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> ServiceResult<()> {
    let scheduler = {
        let queue = queue.clone();
        let periodic = opts.periodic;
        let fetch_hours = opts.catalog_fetch_hours;
        async move {
            if periodic {
                periodic::schedule(queue, fetch_hours).await;
            }
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        done = supervise(&queue, handler, &opts, shutdown) => done,
        () = scheduler => Ok(()),
    }
}

async fn supervise(
    queue: &JobQueue,
    handler: Arc<dyn JobHandler>,
    opts: &WorkerOptions,
    shutdown: impl Future<Output = ()> + Send,
) -> ServiceResult<()> {
    let mut shutdown = std::pin::pin!(shutdown);
    let mut failures = 0;
    loop {
        // A fresh name for each worker: apalis refuses a name whose heartbeat is still fresh, and the rows of a
        // failed worker must not be mistaken for the new one's.
        let name = format!("meridian-{}-{}", std::process::id(), uuid::Uuid::now_v7().simple());
        let ctx = WorkerContext::new(&name);
        let service = JobService {
            handler: handler.clone(),
            queue: queue.clone(),
            worker: name.as_str().into(),
            backoff_base: opts.backoff_base,
            backoff_max: opts.backoff_max,
        };
        let mut run = start(queue, &ctx, service, opts)?;
        let started = Instant::now();
        tracing::info!(worker = %name, concurrency = opts.concurrency, "job worker started");
        tokio::select! {
            ended = &mut run => {
                drop(run);
                hand_back(queue, &name).await;
                // A worker only ends by itself when it fails; a long healthy run forgets earlier failures.
                failures = if started.elapsed() > Duration::from_secs(300) { 1 } else { failures + 1 };
                let pause = backoff(Duration::from_secs(1), Duration::from_secs(60), failures);
                let error = ended.err().map_or_else(|| "it stopped".to_owned(), |e| e.to_string());
                tracing::error!(worker = %name, %error, ?pause, "job worker failed; starting another");
                tokio::select! {
                    () = tokio::time::sleep(pause) => {}
                    () = &mut shutdown => return Ok(()),
                }
            }
            () = &mut shutdown => {
                tracing::info!(worker = %name, grace = ?opts.shutdown_grace, "job worker stopping");
                // `stop` lets running jobs finish and returns the fetched but unstarted ones; it fails only for a
                // worker that has not started yet.
                let finished = ctx.stop().is_ok() && tokio::time::timeout(opts.shutdown_grace, &mut run).await.is_ok();
                drop(run);
                if !finished {
                    tracing::warn!(worker = %name, "jobs still running at shutdown are handed back");
                }
                hand_back(queue, &name).await;
                return Ok(());
            }
        }
    }
}

/// Returns the jobs still locked by a worker of ours that is gone, so they run again now rather than after the
/// heartbeat timeout.
async fn hand_back(queue: &JobQueue, worker: &str) {
    match queue.release(worker).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(worker, jobs = n, "handed back jobs"),
        Err(e) => tracing::error!(worker, error = %e, "could not hand back jobs; the heartbeat timeout will"),
    }
}

/// Builds one apalis worker on the queue's backend and returns its run.
fn start(
    queue: &JobQueue,
    ctx: &WorkerContext,
    service: JobService,
    opts: &WorkerOptions,
) -> ServiceResult<BoxFuture<Result<(), apalis::prelude::WorkerError>>> {
    // apalis counts heartbeats in whole seconds.
    let heartbeat = opts.heartbeat.max(Duration::from_secs(1));
    let missed = usize::try_from(opts.missed_heartbeats.max(1)).unwrap_or(4);
    let poll = opts.poll_interval.max(Duration::from_millis(10));
    let concurrency = opts.concurrency.max(1);
    // One job per fetch: the worker never holds jobs it has no room to run, which another process could take.
    // (It asks for a job only when the concurrency limit has room.)
    match &queue.store {
        Store::Sqlite(pool) => {
            let config = apalis_sqlite::Config::default()
                .queue(QUEUE)
                .batch_size(1)
                .heartbeat_interval(heartbeat)
                .missed_heartbeats(missed);
            let backend = SqliteStorage::<Value>::new(pool).with_config(config).poll_with_interval(poll);
            Ok(Box::pin(WorkerBuilder::new(ctx).backend(backend).concurrency(concurrency).build(service).run()))
        }
        Store::Postgres(pool) => {
            let config = apalis_postgres::Config::default()
                .queue(QUEUE)
                .batch_size(1)
                .heartbeat_interval(heartbeat)
                .missed_heartbeats(missed);
            let backend = PostgresStorage::<Value>::new(pool).with_config(config).poll_with_interval(poll);
            Ok(Box::pin(WorkerBuilder::new(ctx).backend(backend).concurrency(concurrency).build(service).run()))
        }
        Store::Unsupported(b) => Err(ServiceError::internal(format!("jobs: no job backend for {b:?}"))),
    }
}

/// How long to wait before retry `attempt + 1`, after `attempt` failed: `base × 2^(attempt-1)`, plus up to a
/// quarter of that in jitter (so jobs that failed together do not come back together), at most `max`.
pub(super) fn backoff(base: Duration, max: Duration, attempt: u32) -> Duration {
    let doubled = base.saturating_mul(1u32 << attempt.saturating_sub(1).min(20)).min(max);
    let jitter = doubled.mul_f64(rand::random::<f64>() / 4.0);
    doubled.saturating_add(jitter).min(max)
}

/// A handler's failure as apalis records it (its `Display` is the job's last error).
#[derive(Debug)]
struct JobError(String);

impl std::fmt::Display for JobError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for JobError {}

/// Stops a spawned handler when the worker drops its job (a worker shut down past its grace, or one that failed).
struct AbortOnDrop(tokio::task::AbortHandle);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The tower service apalis calls with each job.
#[derive(Clone)]
struct JobService {
    handler: Arc<dyn JobHandler>,
    queue: JobQueue,
    worker: Arc<str>,
    backoff_base: Duration,
    backoff_max: Duration,
}

impl Service<Task<Value>> for JobService {
    type Response = ();
    type Error = BoxDynError;
    type Future = BoxFuture<Result<(), BoxDynError>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, task: Task<Value>) -> Self::Future {
        Box::pin(self.clone().execute(task))
    }
}

impl JobService {
    async fn execute(self, task: Task<Value>) -> Result<(), BoxDynError> {
        let (args, ctx) = task.take();
        let id = ctx.task_id().map(ToString::to_string).unwrap_or_default();
        // apalis counts this attempt before the job's future first runs, which is now.
        let attempt = u32::try_from(ctx.attempt()).unwrap_or(u32::MAX).max(1);
        let max_attempts = ctx.max_attempts().and_then(|m| u32::try_from(m).ok()).unwrap_or(1);
        let last = attempt >= max_attempts;
        let request_id = args
            .get(crate::observe::JOB_REQUEST_ID)
            .and_then(Value::as_str)
            .filter(|r| crate::observe::is_request_id(r))
            .map(str::to_owned);
        let job: Job = match serde_json::from_value(args) {
            Ok(job) => job,
            Err(e) => {
                tracing::error!(job = %id, error = %e, "a queued job does not read as a Job");
                return Err(Box::new(AbortError::new(JobError(format!("unreadable job: {e}")))));
            }
        };
        let kind = job.kind();
        let span = match &request_id {
            Some(request_id) => {
                tracing::info_span!("job", job = %id, kind, attempt, max_attempts, request_id = %request_id)
            }
            None => tracing::info_span!("job", job = %id, kind, attempt, max_attempts),
        };
        let started = Instant::now();
        // Jobs this one queues belong to the same request.
        let run = self.run_handler(job, attempt, last).instrument(span.clone());
        let outcome = match request_id {
            Some(request_id) => crate::observe::with_request_id(request_id, run).await,
            None => run.await,
        };
        metrics::histogram!("meridian_job_duration_seconds", "kind" => kind).record(started.elapsed().as_secs_f64());
        let counted = |outcome: &'static str| {
            metrics::counter!("meridian_job_runs_total", "kind" => kind, "outcome" => outcome).increment(1);
        };
        let _entered = span.enter();
        match outcome {
            Ok(()) => {
                counted("done");
                tracing::info!("job done");
                Ok(())
            }
            Err(JobFailure::Permanent(message)) => {
                counted("failed");
                tracing::warn!(error = %message, "job failed for good");
                Err(Box::new(AbortError::new(JobError(message))))
            }
            Err(JobFailure::Retry(message)) if last => {
                counted("failed");
                tracing::warn!(error = %message, "job failed; no attempts left");
                Err(Box::new(JobError(message)))
            }
            Err(JobFailure::Retry(message)) => {
                counted("retry");
                let wait = backoff(self.backoff_base, self.backoff_max, attempt);
                let at = chrono::Utc::now() + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                tracing::warn!(error = %message, retry_at = %at, "job failed; will retry");
                // Before apalis records the failure: once it does, the row is due again at its `run_at`.
                if let Err(e) = self.queue.retry_at(&id, &self.worker, at).await {
                    tracing::error!(error = %e, "could not delay the retry; it runs at once");
                }
                Err(Box::new(JobError(message)))
            }
        }
    }

    /// Runs the handler as its own task, so a panic is caught (and counted as a retry) and a handler's computing
    /// cannot stall the worker's heartbeats.
    async fn run_handler(&self, job: Job, attempt: u32, last: bool) -> Result<(), JobFailure> {
        let handler = self.handler.clone();
        let task = tokio::spawn(async move { handler.run(job, attempt, last).await }.in_current_span());
        let _abort = AbortOnDrop(task.abort_handle());
        match task.await {
            Ok(outcome) => outcome,
            Err(e) if e.is_panic() => {
                let panic = e.into_panic();
                let text = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                Err(JobFailure::Retry(format!("the handler panicked: {text}")))
            }
            Err(e) => Err(JobFailure::Retry(format!("the handler was cancelled: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_bounded_jitter_and_a_cap() {
        let base = Duration::from_secs(10);
        let max = Duration::from_secs(300);
        for _ in 0..100 {
            for (attempt, floor) in [(1, 10), (2, 20), (3, 40), (4, 80)] {
                let d = backoff(base, max, attempt);
                let floor = Duration::from_secs(floor);
                assert!(d >= floor && d <= floor + floor / 4, "attempt {attempt}: {d:?}");
            }
            assert_eq!(backoff(base, max, 9), max);
            assert_eq!(backoff(base, max, 500), max);
        }
    }
}
