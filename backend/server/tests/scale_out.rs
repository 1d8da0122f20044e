//! Scale-out (issue 19): two `meridian serve` replicas and two `meridian worker` processes, the real binary, on one
//! PostgreSQL database and one SeaweedFS bucket, driven over HTTP by clients that alternate between the replicas
//! (as a load balancer in front would send them: the replicas trust `X-Forwarded-For` from 127.0.0.1). What holds:
//!
//! 1. the anonymous rate limit is one allowance across both replicas (kept in PostgreSQL);
//! 2. a session and its CSRF token, and an API key, made on one replica work on the other, and ending them on one
//!    ends them on both;
//! 3. a resumable upload created on one replica takes its parts on both and completes on the other, whole;
//! 4. the satellite catalog each replica keeps in memory follows an import made through the other;
//! 5. with two workers every job runs once: ingest and preview per frame, the upload's verification, the mail, and
//!    the periodic jobs (lifecycle, metering, cleanup, pruning, scrub) once per period although both workers queue
//!    them; a worker stopped with SIGTERM in the middle of ingesting finishes what it runs and exits, the other
//!    takes what comes after;
//! 6. a replica killed (SIGKILL) in the middle of a stream of writes, one of them half sent, loses none that the
//!    client was told had succeeded, leaves none half-written, and `meridian verify --full` passes;
//! 7. a replica stopped as a rolling update stops it (SIGTERM) in the middle of an upload refuses new connections,
//!    finishes and acknowledges the upload, and exits 0; the file is whole.
//!
//! Only where the suite's services are up (`TEST_DATABASE_URL` and `S3_ENDPOINT`, the PostgreSQL run of
//! `infra/test.sh`); on the embedded SQLite Meridian is one process by design, and the test returns at once. Every
//! wait has a deadline (a safety net, far above what a slow machine needs) and no assertion depends on the machine's
//! speed (the anonymous allowance refills at one a second: a slow run is allowed one more per second it took). The
//! processes are killed when the test ends, however it ends, and their logs are printed when it fails; the database
//! is dropped and the bucket emptied.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt as _;
use reqwest::header::{CONTENT_LENGTH, CONTENT_TYPE, COOKIE, RETRY_AFTER, SET_COOKIE};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait as _, DatabaseConnection, DbBackend, Statement};
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";
const MIB: usize = 1024 * 1024;
/// The anonymous allowance both replicas are given (refilled at one a second, the slowest the setting allows).
const BURST: usize = 5;
/// The safety net of every wait.
const DEADLINE: Duration = Duration::from_secs(120);
/// The periodic jobs every worker queues when it starts (`meridian_service::jobs` periodic.rs).
const PERIODIC: [&str; 5] = ["apply_lifecycle", "meter_usage", "cleanup_orphans", "prune_jobs", "scrub"];
const CATALOG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../satellites/tests/data/catalog_stellarium_0.22.2.tle");

// ------------------------------------------------------------------------------------------------ the processes

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

/// One child process of the binary, its output in a log file; killed (SIGKILL) when dropped.
struct Proc {
    name: &'static str,
    child: Child,
    log: PathBuf,
    /// `http://127.0.0.1:PORT` for a server.
    base: String,
}

impl Proc {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its exit status, once it has exited.
    fn exited(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().expect("try_wait")
    }

    /// SIGKILL: nothing in the process runs after it.
    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, as a service manager or Kubernetes stops a process.
    fn terminate(&self) {
        let ok = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status().is_ok_and(|s| s.success());
        assert!(ok, "SIGTERM {}", self.name);
    }

    fn log_text(&self) -> String {
        strip_ansi(&std::fs::read_to_string(&self.log).unwrap_or_default())
    }

    fn log_tail(&self, n: usize) -> String {
        let text = self.log_text();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(n)..].join("\n")
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Log lines without terminal colours (should a subscriber add them despite `NO_COLOR`).
fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The four processes, their database and bucket. Dropping it kills every process (printing their logs when the
/// test is failing) and drops the database.
struct Cluster {
    dir: tempfile::TempDir,
    /// What every process is given (the servers and workers add their own).
    env: Vec<(String, String)>,
    db_url: String,
    /// The bucket.
    s3: meridian_storage::S3Config,
    /// The PostgreSQL server's URL and this test's database, to drop at the end.
    admin: Option<(String, String)>,
    procs: Vec<Proc>,
}

/// `url` with its database name replaced by `name` (a query string kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

async fn exec(url: &str, sql: &str) {
    let c = sea_orm::Database::connect(url).await.expect("connect to PostgreSQL");
    c.execute_unprepared(sql).await.expect(sql);
    c.close().await.expect("close");
}

impl Cluster {
    /// A fresh database (`meridian_test_scale_*`: `infra/test.sh` drops what a killed run leaves) and bucket,
    /// migrated once with `meridian migrate`, as a deployment does before it starts its processes.
    async fn new(admin_url: &str, s3_endpoint: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let id = uuid::Uuid::now_v7().simple().to_string();
        let db = format!("meridian_test_scale_{id}");
        exec(admin_url, &format!("CREATE DATABASE {db}")).await;
        let db_url = with_database(admin_url, &db);
        let mut s3 = meridian_storage::S3Config::new(format!("meridian-scale-{id}"));
        s3.endpoint = Some(s3_endpoint.to_owned());
        s3.path_style = true;
        meridian_storage::create_bucket(&s3).await.expect("create the test bucket");
        let var = |k: &str| std::env::var(k).unwrap_or_default();
        let env: Vec<(String, String)> = [
            ("MERIDIAN_DATABASE_URL", db_url.as_str()),
            ("MERIDIAN_DATA_DIR", &dir.path().join("data").display().to_string()),
            ("MERIDIAN_AUTO_MIGRATE", "false"),
            ("MERIDIAN_STORAGE__BACKEND", "s3"),
            ("MERIDIAN_STORAGE__BUCKET", &s3.bucket),
            ("MERIDIAN_STORAGE__ENDPOINT", s3_endpoint),
            ("MERIDIAN_STORAGE__PATH_STYLE", "true"),
            ("MERIDIAN_STORAGE__ACCESS_KEY_ID", &var("AWS_ACCESS_KEY_ID")),
            ("MERIDIAN_STORAGE__SECRET_ACCESS_KEY", &var("AWS_SECRET_ACCESS_KEY")),
            // A worker's heartbeat every second, idle workers look for jobs every 50 ms.
            ("MERIDIAN_JOBS__HEARTBEAT_SECS", "1"),
            ("MERIDIAN_JOBS__POLL_INTERVAL_MS", "50"),
            ("MERIDIAN_JOBS__BACKOFF_BASE_MS", "300"),
            ("MERIDIAN_LOG", "warn"),
            ("NO_COLOR", "1"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let cluster = Self { dir, env, db_url, s3, admin: Some((admin_url.to_owned(), db)), procs: Vec::new() };
        let out = cluster.command(&[]).arg("migrate").output().expect("run meridian migrate");
        assert!(
            out.status.success(),
            "meridian migrate: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        cluster
    }

    /// The binary with this cluster's settings (and only them: the test's own `MERIDIAN_*` variables are removed).
    fn command(&self, extra: &[(&str, &str)]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_meridian"));
        for (k, _) in std::env::vars() {
            if k.starts_with("MERIDIAN_") {
                cmd.env_remove(k);
            }
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        cmd.envs(extra.iter().copied());
        cmd
    }

    fn spawn(&mut self, name: &'static str, args: &[&str], extra: &[(&str, &str)], base: String) -> usize {
        let log = self.dir.path().join(format!("{name}.log"));
        let out = std::fs::File::create(&log).expect("log file");
        let mut cmd = self.command(extra);
        cmd.args(args).stdin(Stdio::null()).stdout(out.try_clone().expect("log handle")).stderr(out);
        let child = cmd.spawn().unwrap_or_else(|e| panic!("start {name}: {e}"));
        self.procs.push(Proc { name, child, log, base });
        self.procs.len() - 1
    }

    /// `meridian serve` without a job worker inside, behind a "load balancer" on 127.0.0.1.
    fn start_server(&mut self, name: &'static str) -> usize {
        let port = free_port();
        let burst = BURST.to_string();
        let extra = [
            ("MERIDIAN_JOBS__IN_PROCESS", "false"),
            ("MERIDIAN_PUBLIC_BURST", burst.as_str()),
            ("MERIDIAN_PUBLIC_PER_SECOND", "1"),
            ("MERIDIAN_TRUSTED_PROXIES", "[\"127.0.0.1\"]"),
        ];
        let bind = format!("127.0.0.1:{port}");
        self.spawn(name, &["serve", "--bind", &bind], &extra, format!("http://{bind}"))
    }

    /// `meridian worker`, logging each job it finishes (`job done`, with the job's id).
    fn start_worker(&mut self, name: &'static str) -> usize {
        self.spawn(name, &["worker"], &[("MERIDIAN_LOG", "warn,meridian_service::jobs=info")], String::new())
    }

    fn proc(&mut self, i: usize) -> &mut Proc {
        &mut self.procs[i]
    }

    async fn db(&self) -> DatabaseConnection {
        sea_orm::Database::connect(&self.db_url).await.expect("connect to the test database")
    }

    /// Waits until the server answers `/readyz` with 200.
    async fn wait_ready(&mut self, i: usize) {
        let http = reqwest::Client::new();
        let url = format!("{}/readyz", self.procs[i].base);
        let wait = Wait::new(format!("{} ready", self.procs[i].name));
        loop {
            if let Ok(r) = http.get(&url).timeout(Duration::from_secs(2)).send().await
                && r.status() == StatusCode::OK
            {
                return;
            }
            if let Some(status) = self.procs[i].exited() {
                panic!("{} exited ({status}) before it was ready", self.procs[i].name);
            }
            wait.tick().await;
        }
    }

    /// Waits until the worker has registered with the queue (apalis's `workers` table names it by its pid).
    async fn wait_registered(&mut self, i: usize, db: &DatabaseConnection) {
        let pid = self.procs[i].pid();
        let sql = format!("SELECT COUNT(*) AS n FROM apalis.workers WHERE id LIKE 'meridian-{pid}-%'");
        let wait = Wait::new(format!("{} registered", self.procs[i].name));
        while count(db, &sql).await == 0 {
            if let Some(status) = self.procs[i].exited() {
                panic!("{} exited ({status}) before it registered", self.procs[i].name);
            }
            wait.tick().await;
        }
    }

    /// `meridian verify --full --json`: whether it passed, and its report.
    fn verify(&self) -> (bool, Value) {
        let out = self.command(&[]).args(["verify", "--full", "--json"]).output().expect("run meridian verify");
        let report = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
            panic!(
                "verify printed no JSON:\n{}\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (out.status.success(), report)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for p in &mut self.procs {
            p.kill();
        }
        if std::thread::panicking() {
            for p in &self.procs {
                eprintln!("\n----- {} (pid {}): the end of its log -----\n{}", p.name, p.pid(), p.log_tail(60));
            }
        }
        // Best effort, in a thread of its own (this may run inside the test's runtime): the database goes
        // (infra/test.sh drops every meridian_test_% database after the run anyway) and the bucket is emptied (some
        // 60 MB a run; the empty bucket stays, as the other tests' do).
        let admin = self.admin.take();
        let s3 = self.s3.clone();
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            rt.block_on(async {
                if let Some((admin, db)) = admin
                    && let Ok(c) = sea_orm::Database::connect(&admin).await
                {
                    let _ = c.execute_unprepared(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await;
                }
                if let Ok(store) = meridian_storage::open(&meridian_storage::StorageConfig::S3(s3)).await {
                    for u in store.list_multipart("ws/").await.unwrap_or_default() {
                        let _ = store.abort_multipart(&u.key, &u.upload_id).await;
                    }
                    for _ in 0..100 {
                        let batch = store.list("ws/", None, 1000).await.unwrap_or_default();
                        for o in &batch {
                            let _ = store.delete(&o.key).await;
                        }
                        if batch.len() < 1000 {
                            break;
                        }
                    }
                }
            });
        })
        .join();
    }
}

/// A wait with a deadline: `tick` sleeps a little and panics once the deadline has passed.
struct Wait {
    what: String,
    until: tokio::time::Instant,
}

impl Wait {
    fn new(what: impl Into<String>) -> Self {
        Self { what: what.into(), until: tokio::time::Instant::now() + DEADLINE }
    }

    async fn tick(&self) {
        assert!(tokio::time::Instant::now() < self.until, "gave up waiting: {}", self.what);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ------------------------------------------------------------------------------------------------ the client

/// One client: its address (sent as `X-Forwarded-For`, as the load balancer would), its cookies (the session and
/// the CSRF token, echoed in `X-CSRF-Token` on unsafe requests) or an API key. The server is chosen per request.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    address: String,
    cookies: BTreeMap<String, String>,
    key: Option<String>,
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Value,
    raw: bytes::Bytes,
}

impl Client {
    fn new(address: &str) -> Self {
        let http = reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).build().expect("client");
        Self { http, address: address.to_owned(), cookies: BTreeMap::new(), key: None }
    }

    fn with_key(address: &str, key: &str) -> Self {
        Self { key: Some(key.to_owned()), ..Self::new(address) }
    }

    fn request(&self, base: &str, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self
            .http
            .request(method.clone(), format!("{base}{path}"))
            .header("x-forwarded-for", &self.address)
            .timeout(DEADLINE);
        if let Some(key) = &self.key {
            r = r.bearer_auth(key);
        }
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            r = r.header(COOKIE, jar.join("; "));
        }
        if method != Method::GET
            && let Some(t) = self.cookies.get(meridian_http::cookies::CSRF_COOKIE)
        {
            r = r.header(meridian_http::csrf::CSRF_HEADER, t);
        }
        r
    }

    async fn send(&mut self, r: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
        let r = r.send().await?;
        for v in r.headers().get_all(SET_COOKIE) {
            let pair = v.to_str().ok().and_then(|s| s.split(';').next()).and_then(|s| s.split_once('='));
            if let Some((name, value)) = pair {
                if value.is_empty() {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies.insert(name.trim().to_owned(), value.to_owned());
                }
            }
        }
        let status = r.status();
        let headers = r.headers().clone();
        let raw = r.bytes().await?;
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Ok(Answer { status, headers, body, raw })
    }

    async fn call(&mut self, base: &str, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut r = self.request(base, method.clone(), path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        self.send(r).await.unwrap_or_else(|e| panic!("{method} {base}{path}: {e}"))
    }

    async fn get(&mut self, base: &str, path: &str) -> Answer {
        self.call(base, Method::GET, path, None).await
    }

    async fn post(&mut self, base: &str, path: &str, body: Value) -> Answer {
        self.call(base, Method::POST, path, Some(body)).await
    }

    async fn delete(&mut self, base: &str, path: &str) -> Answer {
        self.call(base, Method::DELETE, path, None).await
    }

    async fn put_bytes(&mut self, base: &str, path: &str, bytes: Vec<u8>) -> Result<Answer, reqwest::Error> {
        let r = self.request(base, Method::PUT, path).header(CONTENT_TYPE, "application/octet-stream").body(bytes);
        self.send(r).await
    }

    /// Polls a GET until `check` holds.
    async fn wait_for(&mut self, base: &str, path: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        let wait = Wait::new(what);
        loop {
            let r = self.get(base, path).await;
            if r.status.is_success() && check(&r.body) {
                return r.body;
            }
            wait.tick().await;
        }
    }
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap_or_else(|| panic!("no {key} in {v}")).to_owned()
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

fn sha(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[path = "common/bytes.rs"]
mod test_bytes;
use test_bytes::pattern;

/// A FITS frame of telescope `T1` (so ingest files it under an observation in a night log), `size` pixels square.
fn frame(i: usize, size: usize) -> Vec<u8> {
    let q = |s: &str| format!("'{s:<8}'");
    let date = format!("2026-11-20T{:02}:{:02}:00", 21 + i / 60, i % 60);
    let cards = [
        ("DATE-OBS", q(&date)),
        ("OBJECT", q("M42")),
        ("TELESCOP", q("T1")),
        ("EXPTIME", "30.0".to_owned()),
        ("RA", "83.822".to_owned()),
        ("DEC", "-5.391".to_owned()),
    ];
    let cards: Vec<(&str, &str)> = cards.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let pixels: Vec<i16> = (0..size * size).map(|p| i16::try_from((p * 7 + i * 13) % 3000).unwrap_or(0)).collect();
    meridian_fits::primary_i16(&cards, size, size, &pixels)
}

// ------------------------------------------------------------------------------------------------ the database

fn stmt(sql: &str) -> Statement {
    Statement::from_string(DbBackend::Postgres, sql.to_owned())
}

async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db.query_one_raw(stmt(sql)).await.expect(sql).expect("a row");
    row.try_get::<i64>("", "n").expect("n")
}

/// One text column (`s`) of a query's rows.
async fn strings(db: &DatabaseConnection, sql: &str) -> Vec<String> {
    let rows = db.query_all_raw(stmt(sql)).await.expect(sql);
    rows.iter().map(|r| r.try_get::<String>("", "s").expect("s")).collect()
}

/// One row of apalis's job table.
#[derive(Debug, Clone)]
struct JobRow {
    id: String,
    kind: String,
    status: String,
    attempts: i64,
    /// The worker that ran it last: `meridian-{pid}-{uuid}`.
    lock_by: String,
    key: String,
}

impl JobRow {
    fn pid(&self) -> Option<u32> {
        self.lock_by.split('-').nth(1).and_then(|p| p.parse().ok())
    }
}

async fn jobs(db: &DatabaseConnection) -> Vec<JobRow> {
    let sql = "SELECT id, convert_from(job, 'UTF8')::jsonb ->> 'kind' AS kind, status, attempts::bigint AS attempts, \
               COALESCE(lock_by, '') AS lock_by, COALESCE(idempotency_key, '') AS key \
               FROM apalis.jobs WHERE job_type = 'meridian' ORDER BY id";
    let rows = db.query_all_raw(stmt(sql)).await.expect("read the jobs");
    rows.iter()
        .map(|r| JobRow {
            id: r.try_get("", "id").expect("id"),
            kind: r.try_get("", "kind").expect("kind"),
            status: r.try_get("", "status").expect("status"),
            attempts: r.try_get("", "attempts").expect("attempts"),
            lock_by: r.try_get("", "lock_by").expect("lock_by"),
            key: r.try_get("", "key").expect("key"),
        })
        .collect()
}

/// The jobs about one subject (a file), by kind.
async fn jobs_of(db: &DatabaseConnection, subject: &str) -> Vec<JobRow> {
    let ids: Vec<String> = db
        .query_all_raw(stmt(&format!("SELECT job_id FROM job_subjects WHERE subject = '{subject}'")))
        .await
        .expect("job subjects")
        .iter()
        .map(|r| r.try_get("", "job_id").expect("job_id"))
        .collect();
    jobs(db).await.into_iter().filter(|j| ids.contains(&j.id)).collect()
}

/// Waits until no job waits or runs; returns them all.
async fn quiet(db: &DatabaseConnection) -> Vec<JobRow> {
    let wait = Wait::new("every job finished");
    loop {
        let all = jobs(db).await;
        if all.iter().all(|j| matches!(j.status.as_str(), "Done" | "Failed" | "Killed")) {
            return all;
        }
        wait.tick().await;
    }
}

/// Which jobs each worker's log says it finished (`job done`, inside the span that names the job).
/// How many jobs a worker's log says it handed back when it stopped (fetched, not finished: they run again
/// elsewhere, with the attempt counted).
fn handed_back_in_log(log: &str) -> i64 {
    log.lines()
        .filter(|l| l.contains("handed back jobs"))
        .filter_map(|l| l.split("jobs=").nth(1)?.split_whitespace().next()?.parse::<i64>().ok())
        .sum()
}

fn finished_in_log(log: &str) -> Vec<String> {
    log.lines()
        .filter(|l| l.contains("job done"))
        .filter_map(|l| {
            let rest = &l[l.find("job=")? + 4..];
            let id: String = rest.chars().take_while(char::is_ascii_alphanumeric).collect();
            (!id.is_empty()).then_some(id)
        })
        .collect()
}

// ------------------------------------------------------------------------------------------------ the test

/// What the phases share.
struct World {
    cluster: Cluster,
    db: DatabaseConnection,
    a: String,
    b: String,
    /// Indexes into `cluster.procs`.
    server_a: usize,
    workers: [usize; 2],
    owner: Client,
    email: String,
    key: String,
    dataset: String,
    telescope: String,
    frames: usize,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_and_two_workers_on_one_database_and_bucket() {
    let (Some(admin_url), Some(s3)) = (
        std::env::var("TEST_DATABASE_URL").ok().filter(|u| u.starts_with("postgres")),
        std::env::var("S3_ENDPOINT").ok().filter(|e| !e.is_empty()),
    ) else {
        eprintln!(
            "scale-out test skipped: it needs PostgreSQL and S3 (TEST_DATABASE_URL and S3_ENDPOINT, as in the \
             PostgreSQL run of infra/test.sh); on SQLite Meridian runs as one process"
        );
        return;
    };
    let t0 = Instant::now();
    let mut lap = {
        let mut last = Instant::now();
        move |phase: &str| {
            eprintln!("[scale-out] {phase}: {} ms", last.elapsed().as_millis());
            last = Instant::now();
        }
    };
    let mut cluster = Cluster::new(&admin_url, &s3).await;
    lap("database, bucket, migrations");
    let db = cluster.db().await;
    // All four at once: the workers race to queue the periodic jobs.
    let server_a = cluster.start_server("serve-a");
    let server_b = cluster.start_server("serve-b");
    let workers = [cluster.start_worker("worker-1"), cluster.start_worker("worker-2")];
    for s in [server_a, server_b] {
        cluster.wait_ready(s).await;
    }
    for w in workers {
        cluster.wait_registered(w, &db).await;
    }
    let (a, b) = (cluster.proc(server_a).base.clone(), cluster.proc(server_b).base.clone());
    lap("four processes up");

    anonymous_limit_is_shared(&a, &b, &db).await;
    lap("1. anonymous limit");
    let mut w = World {
        cluster,
        db,
        a,
        b,
        server_a,
        workers,
        owner: Client::new("198.51.100.10"),
        email: "owner@example.org".to_owned(),
        key: String::new(),
        dataset: String::new(),
        telescope: String::new(),
        frames: 0,
    };
    sessions_and_keys_work_on_either_replica(&mut w).await;
    lap("2. sessions, CSRF, API keys");
    resumable_upload_across_replicas(&mut w).await;
    lap("3. resumable upload");
    catalog_follows_imports_on_either_replica(&mut w).await;
    lap("4. satellite catalog");
    two_workers_and_one_stopped(&mut w).await;
    lap("5. ingest with two workers, one stopped");
    killed_replica_loses_nothing_acknowledged(&mut w).await;
    lap("6. a replica killed mid-stream");
    stopped_replica_finishes_what_it_accepted(&mut w).await;
    lap("7. a replica stopped by SIGTERM mid-upload");
    every_job_ran_once(&mut w).await;
    lap("jobs, verify");
    eprintln!("[scale-out] total: {} ms", t0.elapsed().as_millis());
}

/// (1) Anonymous calls alternating between the replicas share one allowance: the burst, then 429 with
/// `Retry-After` from both. The allowance comes back at one a second, so a slow run may see one more per second
/// it took; never the burst per replica.
async fn anonymous_limit_is_shared(a: &str, b: &str, db: &DatabaseConnection) {
    let mut anon = Client::new("203.0.113.50");
    let started = Instant::now();
    let mut answers = Vec::new();
    for i in 0..4 * BURST {
        let base = if i % 2 == 0 { a } else { b };
        let r = anon.get(base, "/api/v1/satellites/catalog/status").await;
        let retry_after = r.headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
        answers.push((base == a, r.status, retry_after));
    }
    let elapsed = started.elapsed();
    let allowed = answers.iter().filter(|(_, s, _)| *s == StatusCode::OK).count();
    eprintln!("[scale-out] anonymous: {allowed} of {} allowed in {} ms", answers.len(), elapsed.as_millis());
    for (i, (_, status, _)) in answers.iter().enumerate().take(BURST) {
        assert_eq!(*status, StatusCode::OK, "call {i} is within the burst: {answers:?}");
    }
    for (_, status, retry_after) in &answers {
        assert!(*status == StatusCode::OK || *status == StatusCode::TOO_MANY_REQUESTS, "{answers:?}");
        if *status == StatusCode::TOO_MANY_REQUESTS {
            assert!(retry_after.is_some_and(|s| s >= 1), "a 429 says when to come back: {answers:?}");
        }
    }
    let refilled = usize::try_from(elapsed.as_secs()).unwrap_or(usize::MAX);
    assert!(
        allowed <= BURST + refilled,
        "one allowance for both replicas: {allowed} allowed, at most {BURST} + {refilled} refilled: {answers:?}"
    );
    for on_a in [true, false] {
        assert!(
            answers.iter().any(|(x, s, _)| *x == on_a && *s == StatusCode::TOO_MANY_REQUESTS),
            "both replicas refuse once the allowance is spent: {answers:?}"
        );
    }
    // Another client has its own allowance, on either replica.
    let mut other = Client::new("203.0.113.51");
    for base in [a, b] {
        assert_eq!(other.get(base, "/api/v1/satellites/catalog/status").await.status, StatusCode::OK);
    }
    assert!(
        count(db, "SELECT COUNT(*) AS n FROM rate_limits WHERE key LIKE 'public:%'").await >= 1,
        "kept in PostgreSQL"
    );
}

/// The token of a link to `path` in a message of the outbox (quoted-printable undone), once a worker wrote it.
async fn mailed_token(outbox: &std::path::Path, path: &str) -> String {
    let needle = format!("{path}?token=");
    let wait = Wait::new(format!("a link to {path} in {}", outbox.display()));
    loop {
        for entry in std::fs::read_dir(outbox).into_iter().flatten().flatten() {
            let raw = std::fs::read_to_string(entry.path()).unwrap_or_default();
            let text = raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
            if let Some(at) = text.find(&needle) {
                return text[at + needle.len()..].chars().take_while(char::is_ascii_alphanumeric).collect();
            }
        }
        wait.tick().await;
    }
}

/// (2) Sign in on A, write on B with the session and its CSRF token; a wrong token is refused on B; an API key made
/// on A works on B; revoking a key or signing out on one replica takes effect on the other at once.
async fn sessions_and_keys_work_on_either_replica(w: &mut World) {
    let (a, b) = (w.a.clone(), w.b.clone());
    let owner = &mut w.owner;
    let r = owner
        .post(&a, "/api/v1/accounts", json!({"email": w.email, "password": PASSWORD, "display_name": "Owner"}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "sign-up: {}", r.body);
    let r = owner.post(&a, "/api/v1/sessions", json!({"email": w.email, "password": PASSWORD})).await;
    assert_eq!(r.status, StatusCode::CREATED, "sign-in on A: {}", r.body);
    assert!(owner.cookies.contains_key(meridian_http::cookies::CSRF_COOKIE), "{:?}", owner.cookies.keys());

    // A worker mailed the link that confirms the address (to the outbox); it is followed on B.
    let token = mailed_token(&w.cluster.dir.path().join("data").join("outbox"), "/verify-email").await;
    let r = owner.post(&b, "/api/v1/email-verifications", json!({"token": token})).await;
    assert!(r.status.is_success(), "confirming on B: {} {}", r.status, r.body);

    // The session and its CSRF token, on B.
    let r = owner.get(&b, "/api/v1/me").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["account"]["email"], w.email.as_str(), "{}", r.body);
    let mut forged = owner.clone();
    forged.cookies.insert(meridian_http::cookies::CSRF_COOKIE.to_owned(), "x".repeat(43));
    let r = forged.post(&b, "/api/v1/workspaces", json!({"slug": "forged", "name": "Forged"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a wrong CSRF token is refused on B: {}", r.body);
    assert_eq!(r.body["code"], "csrf_failed", "{}", r.body);
    let r = owner.post(&b, "/api/v1/workspaces", json!({"slug": "obs", "name": "Scale-out"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "a session from A writes on B: {}", r.body);

    // The observatory, built across both.
    let r = owner.post(&a, "/api/v1/workspaces/obs/datasets", json!({"name": "Raw"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    w.dataset = text(&r.body, "id");
    let r = owner
        .post(
            &b,
            "/api/v1/workspaces/obs/sites",
            json!({"name": "Roque", "latitude": 28.7606, "longitude": -17.8816, "elevation_m": 2396,
                   "time_zone": "Atlantic/Canary"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let site = text(&r.body, "id");
    let r = owner
        .post(&a, "/api/v1/workspaces/obs/telescopes", json!({"name": "T1", "site_id": site, "aperture_mm": 400}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    w.telescope = text(&r.body, "id");

    // An API key made on A writes on B.
    let r = owner.post(&a, "/api/v1/workspaces/obs/api-keys", json!({"name": "dome pc", "scope": "write"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    w.key = text(&r.body, "secret");
    let mut dome = Client::with_key("198.51.100.11", &w.key);
    let r = dome.get(&b, "/api/v1/me").await;
    assert_eq!(r.status, StatusCode::OK, "a key from A on B: {}", r.body);
    let path = format!("/api/v1/workspaces/obs/datasets/{}/files/first.raw", w.dataset);
    let r = dome.put_bytes(&b, &path, pattern(1000, 1)).await.expect("upload with the key");
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    // A key revoked on A stops working on B at once; a session ended on B stops working on A at once.
    let r = owner.post(&b, "/api/v1/workspaces/obs/api-keys", json!({"name": "spare", "scope": "read"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let (spare_id, spare) = (text(&r.body, "id"), text(&r.body, "secret"));
    let mut spare_client = Client::with_key("198.51.100.12", &spare);
    assert_eq!(spare_client.get(&a, "/api/v1/workspaces/obs").await.status, StatusCode::OK);
    let r = owner.delete(&a, &format!("/api/v1/workspaces/obs/api-keys/{spare_id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(spare_client.get(&b, "/api/v1/workspaces/obs").await.status, StatusCode::UNAUTHORIZED);

    let mut second = Client::new("198.51.100.13");
    let r = second.post(&b, "/api/v1/sessions", json!({"email": w.email, "password": PASSWORD})).await;
    assert_eq!(r.status, StatusCode::CREATED, "sign-in on B: {}", r.body);
    assert_eq!(second.get(&a, "/api/v1/me").await.status, StatusCode::OK);
    let mut stale = second.clone();
    assert_eq!(second.delete(&b, "/api/v1/sessions/current").await.status, StatusCode::NO_CONTENT);
    let r = stale.get(&a, "/api/v1/me").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "signed out on B, so on A: {}", r.body);
    assert_eq!(owner.get(&a, "/api/v1/me").await.status, StatusCode::OK, "the other session stays");
}

/// (3) A resumable upload: created on A, parts on A, B and A, completed on B, verified by a worker, read back whole
/// from A.
async fn resumable_upload_across_replicas(w: &mut World) {
    let (a, b) = (w.a.clone(), w.b.clone());
    let owner = &mut w.owner;
    let bytes = pattern(10 * MIB + 12_345, 42);
    let r = owner
        .post(
            &a,
            &format!("/api/v1/workspaces/obs/datasets/{}/uploads", w.dataset),
            json!({"name": "m31.raw", "size": bytes.len(), "sha256": sha(&bytes), "part_size": 5 * MIB}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["part_count"], 3, "{}", r.body);
    let id = text(&r.body, "id");
    let upload = format!("/api/v1/workspaces/obs/uploads/{id}");
    let part = |n: usize| bytes[(n - 1) * 5 * MIB..(n * 5 * MIB).min(bytes.len())].to_vec();
    let parts_on = |v: &Value| -> Vec<u64> {
        v["parts"].as_array().map(|p| p.iter().filter_map(|p| p["number"].as_u64()).collect()).unwrap_or_default()
    };
    let r = owner.put_bytes(&a, &format!("{upload}/parts/1"), part(1)).await.expect("part 1");
    assert_eq!(r.status, StatusCode::OK, "part 1 on A: {}", r.body);
    let r = owner.get(&b, &upload).await;
    assert_eq!(parts_on(&r.body), [1], "B sees the part A took: {}", r.body);
    let r = owner.put_bytes(&b, &format!("{upload}/parts/2"), part(2)).await.expect("part 2");
    assert_eq!(r.status, StatusCode::OK, "part 2 on B: {}", r.body);
    let r = owner.put_bytes(&a, &format!("{upload}/parts/3"), part(3)).await.expect("part 3");
    assert_eq!(r.status, StatusCode::OK, "part 3 on A: {}", r.body);
    let r = owner.get(&a, &upload).await;
    assert_eq!(parts_on(&r.body), [1, 2, 3], "{}", r.body);
    let r = owner.post(&b, &format!("{upload}/complete"), json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "complete on B: {}", r.body);
    let done = owner.wait_for(&a, &upload, "the upload verified", |v| v["status"] == "done").await;
    assert_eq!(done["file_id"], id.as_str(), "{done}");
    let r = owner.get(&b, &format!("/api/v1/workspaces/obs/files/{id}")).await;
    assert_eq!(r.body["sha256"], sha(&bytes), "{}", r.body);
    assert_eq!(r.body["size_bytes"], bytes.len(), "{}", r.body);
    let r = owner.get(&a, &format!("/api/v1/workspaces/obs/files/{id}/content")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.raw == bytes, "the file read back from A is the bytes sent ({} bytes)", r.raw.len());
    let verifications = jobs_of(&w.db, &id).await;
    assert_eq!(verifications.len(), 1, "one verification job: {verifications:?}");
}

/// The three lines of one object in the test catalog.
fn catalog_object(name: &str) -> String {
    let all = std::fs::read_to_string(CATALOG).expect("the test catalog");
    let lines: Vec<&str> = all.lines().collect();
    let i = lines.iter().position(|l| l.trim() == name).unwrap_or_else(|| panic!("{name} in the catalog"));
    format!("{}\n{}\n{}\n", lines[i], lines[i + 1], lines[i + 2])
}

/// Imports one object of the test catalog as an operator; returns the import's id (the catalog's revision).
async fn import(c: &mut Client, base: &str, name: &str) -> String {
    let r = c
        .request(base, Method::POST, "/api/v1/satellites/catalog?source=scale-out")
        .header(CONTENT_TYPE, "text/plain")
        .body(catalog_object(name));
    let r = c.send(r).await.expect("import");
    assert_eq!(r.status, StatusCode::CREATED, "import {name} on {base}: {}", r.body);
    text(&r.body, "id")
}

/// A field-of-view check: the catalog revision it used and how many objects it checked.
async fn check(c: &mut Client, base: &str) -> (String, u64) {
    let fov = json!({"site": {"latitude": -30.2407, "longitude": -70.7366, "elevation_m": 2715.0},
                     "fields": [{"ra": 242.1743, "dec": -28.2117, "shape": "circle", "radius_deg": 2.0}],
                     "start": "2022-06-17T03:00:00Z", "end": "2022-06-17T03:20:00Z"});
    let r = c.post(base, "/api/v1/satellites/fov", fov).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (text(&r.body["catalog"], "revision"), r.body["objects_checked"].as_u64().expect("objects_checked"))
}

/// (4) Each replica keeps the satellite catalog in memory; a check reads the newest import's id first, so an import
/// through one replica is what the next check on the other uses.
async fn catalog_follows_imports_on_either_replica(w: &mut World) {
    let (a, b) = (w.a.clone(), w.b.clone());
    let out = w.cluster.command(&[]).args(["operators", "grant", &w.email]).output().expect("meridian operators");
    assert!(out.status.success(), "operators grant: {}", String::from_utf8_lossy(&out.stderr));
    let op = &mut w.owner;
    let first = import(op, &a, "ISS (ZARYA)").await;
    assert_eq!(check(op, &b).await, (first.clone(), 1), "B checks with the catalog imported on A");
    assert_eq!(check(op, &a).await, (first, 1));
    let second = import(op, &b, "HST").await;
    assert_eq!(check(op, &a).await, (second.clone(), 2), "A's catalog in memory follows the import on B");
    assert_eq!(check(op, &b).await, (second, 2));
}

/// (5) Frames uploaded through both replicas are ingested by two workers; one worker is stopped (SIGTERM) while it
/// runs a job: it finishes that job and exits cleanly, and frames uploaded after are all done by the other.
async fn two_workers_and_one_stopped(w: &mut World) {
    let (a, b) = (w.a.clone(), w.b.clone());
    let mut dome = Client::with_key("198.51.100.11", &w.key);
    let files = format!("/api/v1/workspaces/obs/datasets/{}/files", w.dataset);
    let mut upload = async |base: &str, i: usize| -> String {
        let r = dome.put_bytes(base, &format!("{files}/f{i:02}.fits"), frame(i, 1024)).await.expect("frame");
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        text(&r.body, "id")
    };
    const FIRST: usize = 8;
    let mut first = Vec::new();
    for i in 0..FIRST {
        first.push(upload(if i % 2 == 0 { &a } else { &b }, i).await);
    }
    // Stop whichever worker is seen running a frame's job (the moment is a race by nature: every interleaving must
    // be safe); should every job finish before one is seen running, stop the first worker all the same.
    let pids: Vec<u32> = w.workers.iter().map(|&i| w.cluster.procs[i].pid()).collect();
    let mut caught = None;
    let wait = Wait::new("the first frames' jobs");
    loop {
        let all = jobs(&w.db).await;
        let frames: Vec<&JobRow> =
            all.iter().filter(|j| j.kind == "ingest_file" || j.kind == "render_preview").collect();
        if let Some(j) = frames.iter().find(|j| j.status == "Running" && j.pid().is_some_and(|p| pids.contains(&p))) {
            caught = Some((*j).clone());
            break;
        }
        if frames.len() == 2 * FIRST && frames.iter().all(|j| j.status == "Done") {
            break;
        }
        wait.tick().await;
    }
    let stopped = match &caught {
        Some(j) => usize::from(j.pid() == Some(pids[1])),
        None => 0,
    };
    let survivor = 1 - stopped;
    eprintln!(
        "[scale-out] SIGTERM to worker-{} while it runs {}",
        stopped + 1,
        caught.as_ref().map_or("nothing seen running".to_owned(), |j| format!("{} {}", j.kind, j.id))
    );
    let stopped_proc = w.workers[stopped];
    w.cluster.proc(stopped_proc).terminate();
    // More frames while it stops and after.
    let mut later = Vec::new();
    for i in FIRST..FIRST + 2 {
        later.push(upload(&b, i).await);
    }
    let wait = Wait::new("the stopped worker to exit");
    let status = loop {
        if let Some(s) = w.cluster.proc(stopped_proc).exited() {
            break s;
        }
        wait.tick().await;
    };
    assert!(status.success(), "a worker stopped with SIGTERM exits cleanly: {status}");
    for i in FIRST + 2..FIRST + 4 {
        later.push(upload(&a, i).await);
    }
    w.frames = FIRST + 4;
    let n = w.frames;
    let list = w
        .owner
        .wait_for(&b, &format!("{files}?limit=100"), "every frame ingested and previewed", |v| {
            let fits: Vec<Value> =
                items(v).into_iter().filter(|f| f["name"].as_str().is_some_and(|s| s.ends_with(".fits"))).collect();
            fits.len() == n && fits.iter().all(|f| f["ingest_status"] == "done" && f["preview_status"] == "done")
        })
        .await;
    assert_eq!(items(&list).iter().filter(|f| f["ingest_status"] == "done").count(), n);
    if let Some(j) = caught {
        let now = jobs(&w.db).await.into_iter().find(|r| r.id == j.id).expect("the caught job");
        assert_eq!(now.status, "Done", "{now:?}");
        assert_eq!(now.attempts, 1, "finished within the stopping worker's grace, not run again: {now:?}");
        assert_eq!(now.lock_by, j.lock_by, "by the worker that was running it: {now:?}");
    }
    let survivor_pid = pids[survivor];
    for id in &later[2..] {
        for j in jobs_of(&w.db, id).await {
            assert_eq!(j.pid(), Some(survivor_pid), "only the other worker is left: {j:?}");
        }
    }
    for id in first.iter().chain(&later) {
        let kinds: Vec<String> = jobs_of(&w.db, id).await.into_iter().map(|j| j.kind).collect();
        assert_eq!(kinds.iter().filter(|k| *k == "ingest_file").count(), 1, "{id}: {kinds:?}");
        assert_eq!(kinds.iter().filter(|k| *k == "render_preview").count(), 1, "{id}: {kinds:?}");
    }
    assert_eq!(
        count(&w.db, "SELECT COUNT(*) AS n FROM observations").await,
        i64::try_from(n).expect("n"),
        "one observation per frame"
    );
}

/// One write of the stream: a small file or a night-log entry.
#[derive(Debug)]
enum Write {
    File { name: String, sha: String, size: usize },
    Entry { body: String },
}

/// What became of one write.
#[derive(Debug)]
struct Outcome {
    on_a: bool,
    write: Write,
    /// The status and the created thing's id; `Err` for a connection that broke.
    answer: Result<(StatusCode, String), String>,
}

async fn write_one(
    c: &mut Client,
    base: &str,
    files: &str,
    log: &str,
    n: usize,
    tag: &str,
) -> (Write, Result<Answer, reqwest::Error>) {
    if n.is_multiple_of(2) {
        let name = format!("{tag}-{n:03}.raw");
        let bytes = pattern(300 * 1024 + n, n as u64 + if tag == "a" { 1000 } else { 2000 });
        let write = Write::File { name: name.clone(), sha: sha(&bytes), size: bytes.len() };
        (write, c.put_bytes(base, &format!("{files}/{name}"), bytes).await)
    } else {
        let body = format!("{tag} entry {n}");
        let r = c.request(base, Method::POST, log).json(&json!({"body": body, "occurred_at": "22:00"}));
        (Write::Entry { body }, c.send(r).await)
    }
}

fn outcome(on_a: bool, write: Write, answer: Result<Answer, reqwest::Error>) -> Outcome {
    let answer =
        answer.map(|r| (r.status, r.body["id"].as_str().unwrap_or_default().to_owned())).map_err(|e| e.to_string());
    Outcome { on_a, write, answer }
}

/// (7) A replica stopped as a rolling update stops it (SIGTERM) while it reads an upload's body: it stops taking
/// connections at once (a load balancer sends the next ones elsewhere: refused or reset unanswered), goes on
/// reading the upload it had accepted, answers it 201, and exits 0; the file is whole, read through the other
/// replica.
async fn stopped_replica_finishes_what_it_accepted(w: &mut World) {
    let c = w.cluster.start_server("serve-c");
    w.cluster.wait_ready(c).await;
    let (base, b) = (w.cluster.proc(c).base.clone(), w.b.clone());
    let r = w.owner.post(&base, "/api/v1/workspaces/obs/datasets", json!({"name": "Rolling update"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let files = format!("/api/v1/workspaces/obs/datasets/{}/files", text(&r.body, "id"));
    const NAME: &str = "rolling-update.raw";
    let bytes = bytes::Bytes::from(pattern(2 * MIB, 77));
    let want = sha(&bytes);
    let (half_tx, half_rx) = tokio::sync::oneshot::channel::<()>();
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let upload = {
        let mut client = Client::with_key("198.51.100.30", &w.key);
        let (first, rest, len) = (bytes.slice(..MIB), bytes.slice(MIB..), bytes.len());
        let (base, files) = (base.clone(), files.clone());
        tokio::spawn(async move {
            let body =
                futures::stream::iter([Ok::<_, std::io::Error>(first)]).chain(futures::stream::once(async move {
                    let _ = half_tx.send(());
                    let _ = go_rx.await;
                    Ok(rest)
                }));
            let r = client
                .request(&base, Method::PUT, &format!("{files}/{NAME}"))
                .header(CONTENT_TYPE, "application/octet-stream")
                .header(CONTENT_LENGTH, len)
                .body(reqwest::Body::wrap_stream(body));
            client.send(r).await
        })
    };
    tokio::time::timeout(DEADLINE, half_rx).await.expect("the upload started").expect("sender");
    let reserved = format!("SELECT COUNT(*) AS n FROM uploads WHERE name = '{NAME}'");
    let wait = Wait::new("the upload's reservation on C");
    while count(&w.db, &reserved).await == 0 {
        wait.tick().await;
    }
    w.cluster.proc(c).terminate();
    let stopped_at = Instant::now();
    // New connections are refused from now on (each probe is a fresh connection; one the kernel had queued as the
    // listener closed is reset unanswered, which a load balancer also retries elsewhere).
    let wait = Wait::new("C to stop taking connections");
    loop {
        let probe = reqwest::Client::new().get(format!("{base}/healthz")).timeout(Duration::from_secs(2)).send().await;
        match probe {
            Err(_) => break,
            Ok(r) => assert_eq!(r.status(), StatusCode::OK, "C answers what it takes while it stops"),
        }
        wait.tick().await;
    }
    assert!(w.cluster.proc(c).exited().is_none(), "C still reads the upload it accepted");
    let _ = go_tx.send(());
    let answer = upload.await.expect("uploader").expect("the upload in flight is answered, not cut off");
    if answer.status != StatusCode::CREATED {
        let log = std::fs::read_to_string(&w.cluster.proc(c).log).unwrap_or_default();
        panic!("the upload in flight was answered {}: {}\nC's log:\n{log}", answer.status, answer.body);
    }
    assert_eq!(answer.body["sha256"], want.as_str(), "{}", answer.body);
    let wait = Wait::new("C to exit after SIGTERM");
    let status = loop {
        if let Some(status) = w.cluster.proc(c).exited() {
            break status;
        }
        wait.tick().await;
    };
    assert!(status.success(), "a server stopped with SIGTERM exits 0: {status}");
    // Well within the grace period: a request count that never came down would hold the stop for all of it.
    assert!(stopped_at.elapsed() < meridian_server::drain::GRACE, "C stopped when its last request was done");
    eprintln!("[scale-out] SIGTERM to serve-c mid-upload: answered 201, exited 0 after {:?}", stopped_at.elapsed());
    let r = w.owner.get(&b, &format!("/api/v1/workspaces/obs/files/{}/content", text(&answer.body, "id"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(sha(&r.raw), want, "the upload C finished while stopping reads back whole from B");
}

/// (6) Writes stream to both replicas; A is killed while it reads the body of an upload (its reservation made, the
/// bytes half sent). Every write either replica acknowledged is there, whole, read from B; a write whose connection
/// broke is whole or absent; the half-sent upload is no file.
async fn killed_replica_loses_nothing_acknowledged(w: &mut World) {
    let (a, b) = (w.a.clone(), w.b.clone());
    let r = w.owner.post(&a, "/api/v1/workspaces/obs/datasets", json!({"name": "Stream"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let dataset = text(&r.body, "id");
    let r = w
        .owner
        .post(&b, "/api/v1/workspaces/obs/night-logs", json!({"telescope_id": w.telescope, "night": "2026-03-14"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let night = text(&r.body, "id");
    let files = format!("/api/v1/workspaces/obs/datasets/{dataset}/files");
    let entries = format!("/api/v1/workspaces/obs/night-logs/{night}/entries");

    // On A: a few writes, then an upload whose body stops half-way (it tells the test when its first half is out).
    const BEFORE_KILL: usize = 6;
    const HALF_SENT: &str = "half-sent.raw";
    let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
    let to_a = {
        let (mut c, a, files, entries) =
            (Client::with_key("198.51.100.20", &w.key), a.clone(), files.clone(), entries.clone());
        tokio::spawn(async move {
            let mut out = Vec::new();
            for n in 0..BEFORE_KILL {
                let (write, answer) = write_one(&mut c, &a, &files, &entries, n, "a").await;
                out.push(outcome(true, write, answer));
            }
            let bytes = bytes::Bytes::from(pattern(300 * 1024, 7));
            let write = Write::File { name: HALF_SENT.to_owned(), sha: sha(&bytes), size: bytes.len() };
            let first = bytes.slice(..100 * 1024);
            let body =
                futures::stream::iter([Ok::<_, std::io::Error>(first)]).chain(futures::stream::once(async move {
                    let _ = started_tx.send(());
                    std::future::pending::<Result<bytes::Bytes, std::io::Error>>().await
                }));
            let r = c
                .request(&a, Method::PUT, &format!("{files}/{HALF_SENT}"))
                .header(CONTENT_TYPE, "application/octet-stream")
                .header(CONTENT_LENGTH, bytes.len())
                .body(reqwest::Body::wrap_stream(body));
            let answer = c.send(r).await;
            out.push(outcome(true, write, answer));
            // Then on, until A is seen gone.
            for n in BEFORE_KILL + 1..BEFORE_KILL + 50 {
                let (write, answer) = write_one(&mut c, &a, &files, &entries, n, "a").await;
                let broke = answer.is_err();
                out.push(outcome(true, write, answer));
                if broke {
                    break;
                }
            }
            out
        })
    };
    // On B: writes all along, until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let b_done = Arc::new(AtomicUsize::new(0));
    let to_b = {
        let (mut c, b, files, entries) =
            (Client::with_key("198.51.100.21", &w.key), b.clone(), files.clone(), entries.clone());
        let (stop, b_done) = (stop.clone(), b_done.clone());
        tokio::spawn(async move {
            let mut out = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) && n < 500 {
                let (write, answer) = write_one(&mut c, &b, &files, &entries, n, "b").await;
                out.push(outcome(false, write, answer));
                b_done.fetch_add(1, Ordering::SeqCst);
                n += 1;
            }
            out
        })
    };
    // The half-sent upload has its reservation on A: the server is inside the request. Kill it there.
    tokio::time::timeout(DEADLINE, started_rx).await.expect("the half-sent upload started").expect("sender");
    let reserved = format!("SELECT COUNT(*) AS n FROM uploads WHERE name = '{HALF_SENT}'");
    let wait = Wait::new("the half-sent upload's reservation");
    while count(&w.db, &reserved).await == 0 {
        wait.tick().await;
    }
    let b_at_kill = b_done.load(Ordering::SeqCst);
    w.cluster.proc(w.server_a).kill();
    let wait = Wait::new("writes to B after the kill");
    while b_done.load(Ordering::SeqCst) < b_at_kill + 4 {
        wait.tick().await;
    }
    stop.store(true, Ordering::SeqCst);
    let mut outcomes = to_a.await.expect("writer to A");
    outcomes.extend(to_b.await.expect("writer to B"));

    // What B (the one left) shows.
    let mut reader = w.owner.clone();
    let r = reader.get(&b, &format!("{files}?limit=100")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["next_cursor"].is_null(), "one page holds them: {}", r.body);
    let listed: HashMap<String, Value> = items(&r.body).into_iter().map(|f| (text(&f, "name"), f)).collect();
    let r = reader.get(&b, &entries).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let logged = items(&r.body);
    let (mut acknowledged, mut broken) = (0, 0);
    for o in &outcomes {
        match (&o.answer, &o.write) {
            (Ok((status, id)), write) if status.is_success() => {
                acknowledged += 1;
                match write {
                    Write::File { name, sha: want, size } => {
                        let r = reader.get(&b, &format!("/api/v1/workspaces/obs/files/{id}")).await;
                        assert_eq!(r.status, StatusCode::OK, "acknowledged {name} is there: {}", r.body);
                        assert_eq!(r.body["sha256"], want.as_str(), "{}", r.body);
                        assert_eq!(r.body["size_bytes"], *size, "{}", r.body);
                        let r = reader.get(&b, &format!("/api/v1/workspaces/obs/files/{id}/content")).await;
                        assert_eq!(r.status, StatusCode::OK, "{name}'s bytes");
                        assert_eq!(sha(&r.raw), *want, "{name} reads back whole");
                    }
                    Write::Entry { body } => {
                        let r = reader.get(&b, &format!("/api/v1/workspaces/obs/entries/{id}")).await;
                        assert_eq!(r.status, StatusCode::OK, "acknowledged entry {body:?} is there: {}", r.body);
                        assert_eq!(r.body["body"], body.as_str(), "{}", r.body);
                    }
                }
            }
            (Ok((status, _)), write) => panic!("{write:?} answered {status} (on A: {})", o.on_a),
            (Err(e), write) => {
                broken += 1;
                assert!(o.on_a, "only writes to the killed replica may break: {write:?}: {e}");
                match write {
                    Write::File { name, sha: want, size } => {
                        if let Some(f) = listed.get(name) {
                            assert_eq!(f["sha256"], want.as_str(), "{name}, unacknowledged, is whole or absent: {f}");
                            assert_eq!(f["size_bytes"], *size, "{f}");
                            let r = reader
                                .get(&b, &format!("/api/v1/workspaces/obs/files/{}/content", text(f, "id")))
                                .await;
                            assert_eq!(sha(&r.raw), *want, "{name} reads back whole");
                        }
                    }
                    Write::Entry { body } => {
                        let found = logged.iter().filter(|e| e["body"] == body.as_str()).count();
                        assert!(found <= 1, "{body:?} at most once");
                    }
                }
            }
        }
    }
    eprintln!(
        "[scale-out] stream: {} writes, {acknowledged} acknowledged, {broken} broken by the kill, {} listed files",
        outcomes.len(),
        listed.len()
    );
    assert!(broken >= 1, "the half-sent upload broke: {outcomes:?}");
    assert!(outcomes.iter().any(|o| o.on_a && o.answer.as_ref().is_ok_and(|(s, _)| s.is_success())));
    assert!(!listed.contains_key(HALF_SENT), "half the bytes make no file");
    // Nor an object; and every object in the bucket is a file's bytes or its preview: no row lost its object
    // (`meridian verify --full` below reads them all), no object outlived a write that failed.
    let store = meridian_storage::open(&meridian_storage::StorageConfig::S3(w.cluster.s3.clone()))
        .await
        .expect("open the bucket");
    let key = strings(&w.db, &format!("SELECT object_key AS s FROM uploads WHERE name = '{HALF_SENT}'")).await;
    assert_eq!(key.len(), 1, "the half-sent upload's reservation stays until it expires: {key:?}");
    assert!(
        matches!(store.head(&key[0]).await, Err(meridian_storage::StorageError::NotFound)),
        "no object for the half-sent upload"
    );
    let mut known: BTreeSet<String> =
        strings(&w.db, "SELECT object_key AS s FROM data_files").await.into_iter().collect();
    let previews = "SELECT object_key AS s FROM data_files WHERE preview_status = 'done'";
    known.extend(
        strings(&w.db, previews).await.into_iter().map(|k| format!("{}.png", k.replace("/files/", "/previews/"))),
    );
    let objects: BTreeSet<String> =
        store.list("ws/", None, 1000).await.expect("list the bucket").into_iter().map(|o| o.key).collect();
    assert_eq!(objects, known, "the bucket holds exactly the files and their previews");
    let pending = store.list_multipart("ws/").await.expect("list multipart uploads").len();
    eprintln!("[scale-out] the bucket: {} objects, {pending} unfinished multipart upload(s)", objects.len());
    let acknowledged_files = outcomes
        .iter()
        .filter(|o| matches!(o.write, Write::File { .. }) && o.answer.as_ref().is_ok_and(|(s, _)| s.is_success()))
        .count();
    assert!(listed.len() >= acknowledged_files, "{} listed, {acknowledged_files} acknowledged", listed.len());
}

/// Across the whole run, every job ran once: each finished (none failed), at its first attempt, and exactly one
/// worker's log says it finished it, the worker that holds it; no subject has a job of one kind twice; each
/// periodic job once per period although both workers queued it, and the scrub's record once. Then
/// `meridian verify --full` passes: every file's bytes are whole.
async fn every_job_ran_once(w: &mut World) {
    let all = quiet(&w.db).await;
    let logs: Vec<(u32, Vec<String>)> = w
        .workers
        .iter()
        .map(|&i| (w.cluster.procs[i].pid(), finished_in_log(&w.cluster.procs[i].log_text())))
        .collect();
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_worker: BTreeMap<u32, usize> = BTreeMap::new();
    // The worker stopped in phase 5 may have fetched a job it never ran: it hands it back (the attempt counted)
    // and the other worker runs it. Only those may have needed a second attempt.
    let handed_back: i64 = w.workers.iter().map(|&i| handed_back_in_log(&w.cluster.procs[i].log_text())).sum();
    let second_attempts = all.iter().filter(|j| j.attempts > 1).count() as i64;
    assert!(second_attempts <= handed_back, "{second_attempts} jobs ran more than once, {handed_back} handed back");
    for j in &all {
        assert_eq!(j.status, "Done", "every job finished: {j:?}");
        assert!(j.attempts == 1 || (j.attempts == 2 && handed_back > 0), "every job ran at its first attempt: {j:?}");
        let said: Vec<u32> =
            logs.iter().flat_map(|(pid, ids)| ids.iter().filter(|id| **id == j.id).map(move |_| *pid)).collect();
        assert_eq!(said, [j.pid().expect("a worker ran it")], "one worker finished {j:?}, the one holding it");
        *by_kind.entry(&j.kind).or_default() += 1;
        *by_worker.entry(j.pid().unwrap_or_default()).or_default() += 1;
    }
    eprintln!("[scale-out] jobs by kind {by_kind:?}, by worker pid {by_worker:?}");
    let dup = count(
        &w.db,
        "SELECT COUNT(*) AS n FROM (SELECT subject, kind FROM job_subjects GROUP BY 1, 2 HAVING COUNT(*) > 1) d",
    )
    .await;
    assert_eq!(dup, 0, "no subject has two jobs of one kind");
    assert_eq!(by_kind.get("ingest_file").copied(), Some(w.frames), "{by_kind:?}");
    assert_eq!(by_kind.get("render_preview").copied(), Some(w.frames), "{by_kind:?}");
    assert_eq!(by_kind.get("verify_upload").copied(), Some(1), "{by_kind:?}");
    assert!(by_kind.get("send_mail").is_some_and(|n| *n >= 1), "the sign-up's mail: {by_kind:?}");
    let mut keys: BTreeSet<&str> = BTreeSet::new();
    for kind in PERIODIC {
        let runs: Vec<&JobRow> = all.iter().filter(|j| j.kind == kind).collect();
        assert!(!runs.is_empty(), "{kind} was queued");
        for j in &runs {
            assert!(j.key.starts_with(&format!("{kind}@")), "a periodic job is keyed by its period: {j:?}");
            assert!(keys.insert(&j.key), "one {kind} per period: {runs:?}");
        }
    }
    let scrubs = all.iter().filter(|j| j.kind == "scrub").count();
    assert_eq!(
        count(&w.db, "SELECT COUNT(*) AS n FROM scrub_runs").await,
        i64::try_from(scrubs).expect("n"),
        "one scrub record per day's scrub"
    );
    for &i in &w.workers {
        let log = w.cluster.procs[i].log_text();
        assert!(!log.contains("could not queue a periodic job"), "{}: {log}", w.cluster.procs[i].name);
    }
    let (ok, report) = w.cluster.verify();
    assert!(ok, "meridian verify --full: {report}");
    eprintln!("[scale-out] verify: {} files read, {} orphans", report["files_read"], report["orphans"]["count"]);
}

#[test]
fn log_lines_name_the_job_finished() {
    let log = "2026-12-09T10:00:00.1Z  INFO job{job=01KC3Q2V7Z4Y1X0W9V8U7T6S5R kind=scrub attempt=1 max_attempts=8}: \
               job done\n2026-12-09T10:00:00.2Z  INFO job worker started\n\
               \u{1b}[2m2026\u{1b}[0m \u{1b}[32m INFO\u{1b}[0m \u{1b}[1mjob\u{1b}[0m{\u{1b}[3mjob\u{1b}[0m\u{1b}[2m=\u{1b}[0m01KC3Q2V7Z4Y1X0W9V8U7T6S5Q}: job done";
    assert_eq!(finished_in_log(&strip_ansi(log)), ["01KC3Q2V7Z4Y1X0W9V8U7T6S5R", "01KC3Q2V7Z4Y1X0W9V8U7T6S5Q"]);
    assert_eq!(with_database("postgres://u@h:1/meridian?sslmode=off", "x"), "postgres://u@h:1/x?sslmode=off");
    let stopped = "2026-12-07T06:33:24.9Z  INFO handed back jobs worker=\"meridian-1-ab\" jobs=1\n\
                   2026-12-07T06:33:25.0Z  INFO job worker stopping worker=meridian-1-ab grace=30s";
    assert_eq!(handed_back_in_log(stopped), 1);
    assert_eq!(handed_back_in_log(log), 0);
}
