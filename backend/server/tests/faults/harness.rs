//! What the fault tests share: the real `meridian` binary started and killed, a client speaking its API, the
//! database and object store it runs on (PostgreSQL and S3 when the suite's services are up, else SQLite and the
//! filesystem), a TCP relay that can cut a service off, a PostgreSQL cluster of a test's own, and `meridian
//! verify`. Timeouts are safety nets; nothing measures time.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use meridian_storage::{ObjectStore, S3Config, StorageConfig};
use sea_orm::{ConnectionTrait as _, DatabaseConnection};
use serde_json::{Value, json};

pub const READY_TIMEOUT: Duration = Duration::from_secs(120);
pub const PASSWORD: &str = "correct horse battery";

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    l.local_addr().expect("local addr").port()
}

// ------------------------------------------------------------------------------------------------ the instance

/// Where one test's Meridian keeps its data: a database of its own and a bucket (or directory) of its own.
pub struct Instance {
    pub dir: tempfile::TempDir,
    pub env: Vec<(String, String)>,
    pub store_config: StorageConfig,
    pub database_url: String,
    /// PostgreSQL: the server URL and the database to drop at the end.
    admin: Option<(String, String)>,
}

impl Instance {
    /// On PostgreSQL (`TEST_DATABASE_URL`) and S3 (`S3_ENDPOINT`) when set, else SQLite and the filesystem.
    pub async fn new(name: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let data_dir = dir.path().join("data");
        let mut env = vec![
            ("MERIDIAN_DATA_DIR".to_owned(), data_dir.display().to_string()),
            // A killed worker's jobs come back after two missed heartbeats of a second, not two minutes.
            ("MERIDIAN_JOBS__HEARTBEAT_SECS".to_owned(), "1".to_owned()),
            ("MERIDIAN_JOBS__POLL_INTERVAL_MS".to_owned(), "50".to_owned()),
            ("MERIDIAN_JOBS__BACKOFF_BASE_MS".to_owned(), "300".to_owned()),
            ("MERIDIAN_LOG".to_owned(), "info".to_owned()),
        ];
        let (database_url, admin) = match std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()) {
            Some(admin_url) => {
                let db = format!("meridian_test_fault_{name}_{}", uuid::Uuid::now_v7().simple());
                exec_admin(&admin_url, &format!("CREATE DATABASE {db}")).await;
                let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(b, _)| b).to_owned();
                (format!("{base}/{db}"), Some((admin_url, db)))
            }
            None => (format!("sqlite://{}?mode=rwc", data_dir.join("meridian.db").display()), None),
        };
        env.push(("MERIDIAN_DATABASE_URL".to_owned(), database_url.clone()));
        let store_config = match std::env::var("S3_ENDPOINT").ok().filter(|e| !e.is_empty()) {
            Some(endpoint) => {
                let mut c = S3Config::new(format!("meridian-fault-{}", uuid::Uuid::now_v7().simple()));
                c.endpoint = Some(endpoint);
                c.path_style = true;
                meridian_storage::create_bucket(&c).await.expect("create the test bucket");
                env.extend(s3_env(&c));
                StorageConfig::S3(c)
            }
            None => StorageConfig::Filesystem { root: data_dir.join("objects") },
        };
        Self { dir, env, store_config, database_url, admin }
    }

    pub async fn start(&self) -> Server {
        Server::start(&self.env, self.dir.path().join("server.log")).await
    }

    /// Starts it on a given port (a restart where clients expect it).
    pub async fn start_on(&self, port: u16) -> Server {
        Server::start_on(&self.env, self.dir.path().join("server.log"), port).await
    }

    pub async fn store(&self) -> Arc<dyn ObjectStore> {
        meridian_storage::open(&self.store_config).await.expect("open the store")
    }

    pub async fn db(&self) -> DatabaseConnection {
        let url = self.database_url.replace("mode=rwc", "mode=rw");
        sea_orm::Database::connect(url).await.expect("open the server's database")
    }

    /// The service layer on the server's database and store, for what a test drives by hand (a sweep with its
    /// clock ahead).
    pub async fn services(&self) -> meridian_service::Services {
        meridian_service::Services::new(self.db().await, meridian_service::ServiceConfig::default())
            .expect("services")
            .with_storage(self.store().await)
    }

    /// Confirms an account's address as the server's host may (the test reads no mail).
    pub async fn confirm(&self, email: &str) {
        self.services().await.confirm_address_on_host(email).await.expect("confirm the address");
    }

    /// `meridian verify --full --json` on this instance: its exit status and report.
    pub fn verify(&self) -> (bool, Value) {
        verify_with(&self.env)
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some((admin, db)) = self.admin.take() {
            // Best effort; infra/test.sh drops every meridian_test_% database after the run anyway.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async {
                    if let Ok(c) = sea_orm::Database::connect(&admin).await {
                        let _ = c.execute_unprepared(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await;
                    }
                });
            })
            .join();
        }
    }
}

pub fn s3_env(c: &S3Config) -> Vec<(String, String)> {
    let mut env = vec![
        ("MERIDIAN_STORAGE__BACKEND".to_owned(), "s3".to_owned()),
        ("MERIDIAN_STORAGE__BUCKET".to_owned(), c.bucket.clone()),
        ("MERIDIAN_STORAGE__ENDPOINT".to_owned(), c.endpoint.clone().unwrap_or_default()),
        ("MERIDIAN_STORAGE__PATH_STYLE".to_owned(), "true".to_owned()),
    ];
    if let (Some(id), Some(secret)) = (&c.access_key_id, &c.secret_access_key) {
        env.push(("MERIDIAN_STORAGE__ACCESS_KEY_ID".to_owned(), id.clone()));
        env.push(("MERIDIAN_STORAGE__SECRET_ACCESS_KEY".to_owned(), secret.expose().to_owned()));
    }
    env
}

async fn exec_admin(admin_url: &str, sql: &str) {
    let c = sea_orm::Database::connect(admin_url).await.expect("connect to PostgreSQL");
    c.execute_unprepared(sql).await.expect(sql);
    c.close().await.expect("close");
}

/// `meridian verify --full --json` with these settings.
pub fn verify_with(env: &[(String, String)]) -> (bool, Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_meridian"));
    cmd.args(["verify", "--full", "--json"]);
    clean_env(&mut cmd);
    cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let out = cmd.output().expect("run meridian verify");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|_| {
        panic!(
            "verify printed no JSON:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out.status.success(), report)
}

/// The server reads every MERIDIAN_* variable: start from a clean slate.
fn clean_env(cmd: &mut Command) {
    for (k, _) in std::env::vars() {
        if k.starts_with("MERIDIAN_") {
            cmd.env_remove(k);
        }
    }
}

// ------------------------------------------------------------------------------------------------ the server

/// One `meridian serve` process; killed (SIGKILL) when dropped.
pub struct Server {
    child: Child,
    pub base: String,
    log: PathBuf,
}

impl Server {
    pub async fn start(env: &[(String, String)], log: PathBuf) -> Self {
        Self::start_on(env, log, free_port()).await
    }

    pub async fn start_on(env: &[(String, String)], log: PathBuf, port: u16) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_meridian"));
        cmd.arg("serve").arg("--bind").arg(format!("127.0.0.1:{port}"));
        clean_env(&mut cmd);
        cmd.envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let out = std::fs::OpenOptions::new().create(true).append(true).open(&log).expect("server log");
        cmd.stdin(Stdio::null()).stdout(out.try_clone().expect("log handle")).stderr(out);
        let child = cmd.spawn().expect("start meridian serve");
        let mut server = Self { child, base: format!("http://127.0.0.1:{port}"), log };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&mut self) {
        let http = reqwest::Client::new();
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        loop {
            if let Ok(r) = http.get(format!("{}/readyz", self.base)).timeout(Duration::from_secs(2)).send().await
                && r.status() == reqwest::StatusCode::OK
            {
                return;
            }
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                panic!("the server exited ({status}) before it was ready:\n{}", self.log_tail());
            }
            assert!(tokio::time::Instant::now() < deadline, "not ready in time:\n{}", self.log_tail());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// SIGTERM, as a process manager stops it, and waits for it to exit (its shutdown hooks run).
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("kill -TERM");
        assert!(sent.success(), "SIGTERM not sent");
        self.child.wait().expect("reap the server")
    }

    /// SIGKILL: no shutdown hook, no drop, no flush runs in the server.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the server");
    }

    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ------------------------------------------------------------------------------------------------ the client

/// A signed-in person: session and CSRF cookies, echoed in `X-CSRF-Token` on unsafe requests.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub base: String,
    pub cookies: HashMap<String, String>,
}

/// An answer: status, headers and body (JSON when it is).
#[derive(Debug)]
pub struct Answer {
    pub status: reqwest::StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub raw: bytes::Bytes,
}

impl Answer {
    /// A 5xx is acceptable only as a 503 problem with a `Retry-After`.
    pub fn assert_clean(&self, what: &str) {
        if self.status.is_server_error() {
            let ct = self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
            assert_eq!(self.status, reqwest::StatusCode::SERVICE_UNAVAILABLE, "{what}: {} {}", self.status, self.body);
            assert!(ct.starts_with("application/problem+json"), "{what}: a problem body, not {ct:?}");
            assert!(self.headers.contains_key("retry-after"), "{what}: 503 with Retry-After");
        }
    }
}

impl Api {
    pub fn new(base: &str) -> Self {
        let http = reqwest::Client::builder().connect_timeout(Duration::from_secs(10)).build().expect("client");
        Self { http, base: base.to_owned(), cookies: HashMap::new() }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let mut r = self.http.request(method.clone(), format!("{}{path}", self.base));
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            r = r.header(reqwest::header::COOKIE, jar.join("; "));
        }
        if method != reqwest::Method::GET
            && let Some(t) = self.cookies.get(meridian_http::cookies::CSRF_COOKIE)
        {
            r = r.header(meridian_http::csrf::CSRF_HEADER, t);
        }
        r.timeout(Duration::from_secs(300))
    }

    pub fn keep_cookies(&mut self, r: &reqwest::Response) {
        for v in r.headers().get_all(reqwest::header::SET_COOKIE) {
            let Some((name, value)) = v.to_str().ok().and_then(|s| s.split(';').next()).and_then(|s| s.split_once('='))
            else {
                continue;
            };
            if value.is_empty() {
                self.cookies.remove(name.trim());
            } else {
                self.cookies.insert(name.trim().to_owned(), value.to_owned());
            }
        }
    }

    pub async fn send(&mut self, r: reqwest::RequestBuilder) -> Result<Answer, reqwest::Error> {
        let r = r.send().await?;
        self.keep_cookies(&r);
        let status = r.status();
        let headers = r.headers().clone();
        let raw = r.bytes().await?;
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Ok(Answer { status, headers, body, raw })
    }

    pub async fn call(&mut self, method: reqwest::Method, path: &str, body: Option<Value>) -> Answer {
        let mut r = self.request(method, path);
        if let Some(b) = body {
            r = r.json(&b);
        }
        self.send(r).await.unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    pub async fn get(&mut self, path: &str) -> Answer {
        self.call(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&mut self, path: &str, body: Value) -> Answer {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn put_bytes(&mut self, path: &str, bytes: Vec<u8>) -> Result<Answer, reqwest::Error> {
        let r =
            self.request(reqwest::Method::PUT, path).header(reqwest::header::CONTENT_TYPE, "application/octet-stream");
        self.send(r.body(bytes)).await
    }

    /// Signs up, opens workspace `slug` and its dataset `Raw`; returns the dataset's id.
    pub async fn owner_with_dataset(&mut self, slug: &str) -> String {
        let email = format!("owner-of-{slug}@example.org");
        let r =
            self.post("/api/v1/accounts", json!({"email": email, "password": PASSWORD, "display_name": "Fault"})).await;
        assert_eq!(r.status, reqwest::StatusCode::ACCEPTED, "sign-up: {}", r.body);
        let r = self.post("/api/v1/sessions", json!({"email": email, "password": PASSWORD})).await;
        assert_eq!(r.status, reqwest::StatusCode::CREATED, "sign-in: {}", r.body);
        let r = self.post("/api/v1/workspaces", json!({"slug": slug, "name": "Fault test"})).await;
        assert_eq!(r.status, reqwest::StatusCode::CREATED, "workspace: {}", r.body);
        let r = self.post(&format!("/api/v1/workspaces/{slug}/datasets"), json!({"name": "Raw"})).await;
        assert_eq!(r.status, reqwest::StatusCode::CREATED, "dataset: {}", r.body);
        r.body["id"].as_str().expect("dataset id").to_owned()
    }

    /// Polls `check` (a GET of `path`) until it holds or the safety net runs out.
    pub async fn wait_for(&mut self, path: &str, what: &str, check: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        loop {
            let r = self.get(path).await;
            if r.status.is_success() && check(&r.body) {
                return r.body;
            }
            assert!(tokio::time::Instant::now() < deadline, "{what}: still {} {}", r.status, r.body);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

// ------------------------------------------------------------------------------------------------ the database

pub async fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql.to_owned()))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

// ------------------------------------------------------------------------------------------------ a relay

/// A TCP relay on loopback in front of a service: while it is cut, new connections are refused (the listener is
/// closed) and open ones are reset, as when the service's process stops; mending it reopens the same port. What
/// Meridian sees is what it would see of a stopped server, without stopping the one the other tests share.
pub struct Relay {
    pub port: u16,
    target: String,
    up: Arc<AtomicBool>,
    generation: Arc<std::sync::atomic::AtomicU64>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Relay {
    pub async fn start(target: &str) -> Self {
        let port = free_port();
        let mut relay = Self {
            port,
            target: target.to_owned(),
            up: Arc::new(AtomicBool::new(true)),
            generation: Arc::new(std::sync::atomic::AtomicU64::new(0)),
            task: None,
        };
        relay.listen().await;
        relay
    }

    async fn listen(&mut self) {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await.expect("bind the relay");
        let (target, up, generation) = (self.target.clone(), self.up.clone(), self.generation.clone());
        let born = generation.load(Ordering::SeqCst);
        self.task = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let (target, up, generation) = (target.clone(), up.clone(), generation.clone());
                tokio::spawn(async move {
                    let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else { return };
                    let cut = async {
                        while up.load(Ordering::SeqCst) && generation.load(Ordering::SeqCst) == born {
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        () = cut => {
                            // Reset, not close: a stopped server's peer sees the connection torn down.
                            let _ = inbound.set_zero_linger();
                        }
                    }
                });
            }
        }));
    }

    /// The service "stops".
    pub fn cut(&mut self) {
        self.up.store(false, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }

    /// The service "starts" again.
    pub async fn mend(&mut self) {
        self.up.store(true, Ordering::SeqCst);
        // The aborted listener's socket closes as its task is dropped; wait until the port is free again.
        for _ in 0..100 {
            if std::net::TcpListener::bind(("127.0.0.1", self.port)).is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.listen().await;
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

// ------------------------------------------------------------------------------------------------ PostgreSQL

/// A PostgreSQL cluster of one test's own (Debian's server binaries), so that it can be restarted under load
/// without disturbing the other tests.
pub struct PgCluster {
    dir: tempfile::TempDir,
    pub port: u16,
    bin: PathBuf,
}

impl PgCluster {
    /// `None` where PostgreSQL's server binaries are not installed.
    pub fn start() -> Option<Self> {
        let bin = PathBuf::from(std::env::var("PG_BIN").unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".into()));
        if !bin.join("initdb").exists() {
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let port = free_port();
        let data = dir.path().join("pg");
        std::fs::create_dir_all(&data).expect("data dir");
        as_postgres_owner(dir.path());
        run_pg(&bin, "initdb", &["-D", path(&data), "-A", "trust", "-U", "postgres", "--no-sync"]);
        let mut c = Self { dir, port, bin };
        c.pg_ctl(&["start", "-w", "-t", "60"]);
        Some(c)
    }

    fn pg_ctl(&mut self, args: &[&str]) {
        let data = self.dir.path().join("pg");
        let log = self.dir.path().join("pg.log");
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            self.port,
            self.dir.path().display()
        );
        let mut all = vec!["-D", path(&data), "-l", path(&log), "-o", &opts];
        all.extend_from_slice(args);
        run_pg(&self.bin, "pg_ctl", &all);
    }

    /// `pg_ctl restart -m fast`: every connection is terminated, the server comes back.
    pub fn restart(&mut self) {
        self.pg_ctl(&["restart", "-m", "fast", "-w", "-t", "60"]);
    }

    pub fn url(&self, db: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{db}", self.port)
    }
}

impl Drop for PgCluster {
    fn drop(&mut self) {
        let data = self.dir.path().join("pg");
        run_pg_quiet(&self.bin, "pg_ctl", &["-D", path(&data), "stop", "-m", "immediate"]);
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Root may not run PostgreSQL: as root the cluster belongs to the `postgres` user.
fn as_postgres_owner(dir: &Path) {
    if is_root() {
        let ok = Command::new("chown").args(["-R", "postgres:postgres", path(dir)]).status().is_ok_and(|s| s.success());
        assert!(ok, "chown the cluster's directory to postgres");
    }
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"))
}

fn pg_command(bin: &Path, tool: &str, args: &[&str]) -> Command {
    let exe = bin.join(tool);
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--", path(&exe)]).args(args);
        c
    } else {
        let mut c = Command::new(exe);
        c.args(args);
        c
    }
}

fn run_pg(bin: &Path, tool: &str, args: &[&str]) {
    let out = pg_command(bin, tool, args).output().expect("run a PostgreSQL tool");
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn run_pg_quiet(bin: &Path, tool: &str, args: &[&str]) {
    let _ = pg_command(bin, tool, args).stdout(Stdio::null()).stderr(Stdio::null()).status();
}

// ------------------------------------------------------------------------------------------------ bytes

#[path = "../common/bytes.rs"]
mod test_bytes;
pub use test_bytes::pattern;

pub fn sha(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    hex::encode(sha2::Sha256::digest(bytes))
}
