use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::{App, test};
use meridian_http::cookies::CookiePolicy;
use meridian_server::State;
use meridian_service::limits::PublicRateLimit;
use meridian_service::{Migrator, MigratorTrait, ServiceConfig, Services};
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use std::collections::HashMap;

pub const PASSWORD: &str = "correct horse battery";

/// A fresh database for one test, removed again when dropped (SQLite file) or left to the next run's clean-up.
pub struct TestDb {
    pub url: String,
    sqlite_file: Option<std::path::PathBuf>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(f) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", f.display()));
            }
        }
    }
}

fn unique_name() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

/// Replaces the database name at the end of a PostgreSQL URL.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(b, _)| b);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

impl TestDb {
    pub async fn new() -> Self {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(url) if url.starts_with("postgres") => Self::postgres(&url).await,
            _ => {
                let file = std::env::temp_dir().join(format!("meridian-test-{}.db", unique_name()));
                Self { url: format!("sqlite://{}?mode=rwc", file.display()), sqlite_file: Some(file) }
            }
        }
    }

    /// Clones a template database migrated once per schema version. Tests run as separate processes, so the
    /// template is built under an advisory lock.
    async fn postgres(admin_url: &str) -> Self {
        let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
        // Keyed by the migrations (ours and apalis's job tables) and by this checkout's path: two checkouts of
        // different code (worktrees) that share one PostgreSQL must not share a template built from the other's
        // migrations.
        let key =
            format!("{}|{}|{}", names.join(","), meridian_service::jobs::schema_key(), env!("CARGO_MANIFEST_DIR"));
        let template = format!("meridian_tpl_{}_{}", names.len(), fnv(&key));
        let admin = Database::connect(admin_url).await.expect("connect to TEST_DATABASE_URL");
        admin.execute_unprepared("SELECT pg_advisory_lock(727272)").await.expect("lock");
        let exists = admin
            .query_one_raw(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                format!("SELECT 1 FROM pg_database WHERE datname = '{template}'"),
            ))
            .await
            .expect("query")
            .is_some();
        if !exists {
            let building = format!("{template}_building");
            admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {building}")).await.expect("drop");
            admin.execute_unprepared(&format!("CREATE DATABASE {building}")).await.expect("create template");
            let db = Database::connect(with_database(admin_url, &building)).await.expect("connect template");
            Migrator::up(&db, None).await.expect("migrate template");
            meridian_service::jobs::setup(&db).await.expect("job tables in the template");
            db.close().await.expect("close template");
            admin
                .execute_unprepared(&format!("ALTER DATABASE {building} RENAME TO {template}"))
                .await
                .expect("publish template");
        }
        let name = format!("meridian_test_{}", unique_name());
        admin.execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}")).await.expect("clone template");
        admin.execute_unprepared("SELECT pg_advisory_unlock(727272)").await.expect("unlock");
        admin.close().await.expect("close admin");
        Self { url: with_database(admin_url, &name), sqlite_file: None }
    }
}

fn fnv(s: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

pub type BoxFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<ServiceResponse, actix_web::Error>>>>;
pub type AppService =
    Box<dyn Service<actix_http::Request, Response = ServiceResponse, Error = actix_web::Error, Future = BoxFuture>>;

/// The application under test and its database.
pub struct TestApp {
    pub app: std::rc::Rc<AppService>,
    pub conn: sea_orm::DatabaseConnection,
    pub services: Services,
    pub storage: std::sync::Arc<dyn meridian_storage::ObjectStore>,
    _db: TestDb,
    _objects: Option<tempfile::TempDir>,
    /// The outbox the test's mail is written to when its jobs run.
    pub outbox: tempfile::TempDir,
}

/// Object storage for one test: on the S3 server named by `S3_ENDPOINT` (SeaweedFS in CI's PostgreSQL run) one
/// bucket shared by the suite — every test's objects sit under its own workspaces' `ws/{id}/` — otherwise a
/// temporary directory.
pub async fn test_storage() -> (std::sync::Arc<dyn meridian_storage::ObjectStore>, Option<tempfile::TempDir>) {
    match std::env::var("S3_ENDPOINT") {
        Ok(endpoint) if !endpoint.is_empty() => {
            let mut c = meridian_storage::S3Config::new("meridian-api-tests");
            c.endpoint = Some(endpoint);
            c.path_style = true;
            meridian_storage::create_bucket(&c).await.expect("create the test bucket");
            let store = meridian_storage::open(&meridian_storage::StorageConfig::S3(c)).await.expect("open S3");
            (store, None)
        }
        _ => {
            let dir = tempfile::tempdir().expect("tempdir");
            let root = dir.path().join("objects");
            let store = meridian_storage::open(&meridian_storage::StorageConfig::Filesystem { root })
                .await
                .expect("open the filesystem store");
            (store, Some(dir))
        }
    }
}

pub fn test_service_config() -> ServiceConfig {
    ServiceConfig {
        // Cheap hashing in tests; production uses the defaults.
        argon2_memory_kib: 1024,
        argon2_iterations: 1,
        login_burst: 10,
        login_replenish_secs: 60,
        // The matrix test signs up dozens of people from one address; the limit has its own test.
        signup_burst: 10_000,
        ..ServiceConfig::default()
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_config(test_service_config()).await
    }

    pub async fn with_config(config: ServiceConfig) -> Self {
        // Generous: the suites make many anonymous calls from one address; the limit has its own test.
        Self::with_limits(config, PublicRateLimit::new(100_000, 100_000)).await
    }

    pub async fn with_limits(config: ServiceConfig, public_limit: PublicRateLimit) -> Self {
        Self::with_state(config, public_limit, Vec::new()).await
    }

    pub async fn with_state(
        config: ServiceConfig,
        public_limit: PublicRateLimit,
        proxies: Vec<std::net::IpAddr>,
    ) -> Self {
        let outbox = tempfile::tempdir().expect("tempdir");
        let mail = meridian_mail::MailConfig::outbox(outbox.path().join("outbox"));
        Self::with_mail(config, public_limit, proxies, mail, outbox).await
    }

    /// The application sending its mail as `mail` says (SMTP to a test server, or an outbox).
    pub async fn with_mail(
        config: ServiceConfig,
        public_limit: PublicRateLimit,
        proxies: Vec<std::net::IpAddr>,
        mail: meridian_mail::MailConfig,
        outbox: tempfile::TempDir,
    ) -> Self {
        let db = TestDb::new().await;
        let conn = meridian_service::connect(&db.url, 5).await.expect("connect");
        let (storage, objects) = test_storage().await;
        let mailer = meridian_mail::Mailer::new(&mail).expect("mailer");
        let services =
            Services::new(conn.clone(), config).expect("services").with_storage(storage.clone()).with_mailer(mailer);
        services.migrate().await.expect("migrate");
        let state = State::new(services.clone(), CookiePolicy::default(), public_limit).with_trusted_proxies(proxies);
        let kept = services.clone();
        let site = meridian_server::pages::Site::for_tests();
        let app = test::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(meridian_http::csrf::ensure_csrf_cookie))
                .wrap(meridian_server::security_headers(false))
                .wrap(actix_web::middleware::from_fn(meridian_server::observe::observe_request))
                .configure(meridian_server::configure(&state, &site)),
        )
        .await;
        let app: AppService = Box::new(BoxedService(app));
        Self { app: std::rc::Rc::new(app), conn, services: kept, storage, _db: db, _objects: objects, outbox }
    }

    /// Runs the background jobs until none is pending, running or waiting to retry (retries come after a short
    /// back-off here). The time limit is a safety net, not a measurement.
    pub async fn run_jobs(&self) {
        use meridian_service::jobs::{WorkerOptions, run_worker};
        use std::time::Duration;
        let opts = WorkerOptions {
            concurrency: 2,
            poll_interval: Duration::from_millis(30),
            backoff_base: Duration::from_millis(200),
            backoff_max: Duration::from_secs(2),
            heartbeat: Duration::from_secs(1),
            missed_heartbeats: 2,
            shutdown_grace: Duration::from_secs(10),
            periodic: false,
            catalog_fetch_hours: None,
        };
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let worker =
            tokio::spawn(run_worker(self.services.jobs().clone(), self.services.job_handler(), opts, async move {
                let _ = stopped.await;
            }));
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        loop {
            let c = self.services.jobs().counts().await.expect("job counts");
            if c.pending + c.running + c.retrying == 0 {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "jobs did not finish: {c:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = stop.send(());
        worker.await.expect("worker task").expect("worker");
    }

    /// The stored password hash of an account, read straight from the database.
    pub async fn password_hash(&self, email: &str) -> String {
        let backend = self.conn.get_database_backend();
        let sql = match backend {
            sea_orm::DbBackend::Postgres => "SELECT password_hash FROM accounts WHERE email = $1",
            _ => "SELECT password_hash FROM accounts WHERE email = ?",
        };
        let row = self
            .conn
            .query_one_raw(sea_orm::Statement::from_sql_and_values(backend, sql, [email.into()]))
            .await
            .expect("query")
            .expect("row");
        row.try_get::<String>("", "password_hash").expect("hash")
    }

    /// A client with no cookies: an anonymous visitor.
    pub fn client(&self) -> Client {
        Client {
            app: self.app.clone(),
            cookies: HashMap::new(),
            bearer: None,
            send_csrf: true,
            csrf_override: None,
            forwarded_for: None,
            extra_headers: Vec::new(),
        }
    }

    /// Signs up a new person, confirms their address from the mailed link and signs them in: a signed-in client
    /// with their account id.
    pub async fn user(&self, name: &str) -> (Client, String) {
        let email = format!("{}@example.org", name.to_lowercase());
        self.sign_up(name, &email).await;
        let token = self.mailed_token(&email, "/verify-email").await;
        let r = self.client().post("/api/v1/email-verifications", json!({"token": token})).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        self.sign_in(&email).await
    }

    /// Signs up a new person who has not confirmed their address yet, signed in.
    pub async fn unverified_user(&self, name: &str) -> (Client, String) {
        let email = format!("{}@example.org", name.to_lowercase());
        self.sign_up(name, &email).await;
        self.sign_in(&email).await
    }

    /// `POST /accounts` for `email` with [`PASSWORD`].
    pub async fn sign_up(&self, name: &str, email: &str) {
        let r = self
            .client()
            .post("/api/v1/accounts", json!({"email": email, "password": PASSWORD, "display_name": name}))
            .await;
        assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    }

    /// A client signed in as `email` with [`PASSWORD`], and the account's id. Signed in through the service with no
    /// client address: setting people up must not spend the per-address sign-in allowance (the matrix signs in
    /// dozens of people from one address; the limits have their own tests).
    pub async fn sign_in(&self, email: &str) -> (Client, String) {
        self.sign_in_with(email, PASSWORD).await
    }

    /// [`Self::sign_in`] with another password (the demo account's).
    pub async fn sign_in_with(&self, email: &str, password: &str) -> (Client, String) {
        let creds = self
            .services
            .sign_in(email, password, &meridian_service::ClientInfo::default())
            .await
            .unwrap_or_else(|e| panic!("signing in {email}: {e}"));
        let mut c = self.client();
        c.cookies.insert(meridian_http::cookies::SESSION_COOKIE.into(), creds.session_token.expose().to_owned());
        c.cookies
            .insert(meridian_http::cookies::CSRF_COOKIE.into(), meridian_service::csrf_token_for(&creds.session_token));
        (c, creds.account.id.to_string())
    }

    /// Every message queued to `to`, oldest first, as rendered (read from the queue's table: a test's jobs have
    /// usually not run; a sent message's body is gone).
    pub async fn mail_to(&self, to: &str) -> Vec<meridian_mail::Message> {
        let backend = self.conn.get_database_backend();
        let sql = match backend {
            sea_orm::DbBackend::Postgres => {
                "SELECT body FROM outgoing_mail WHERE to_address = $1 AND body IS NOT NULL ORDER BY created_at, id"
            }
            _ => "SELECT body FROM outgoing_mail WHERE to_address = ? AND body IS NOT NULL ORDER BY created_at, id",
        };
        let rows = self
            .conn
            .query_all_raw(sea_orm::Statement::from_sql_and_values(backend, sql, [to.to_lowercase().into()]))
            .await
            .expect("query");
        rows.iter()
            .map(|r| serde_json::from_str(&r.try_get::<String>("", "body").expect("body")).expect("message"))
            .collect()
    }

    /// The token of the newest link to `path` (`/verify-email`, `/reset-password`, ...) mailed to `to`.
    pub async fn mailed_token(&self, to: &str, path: &str) -> String {
        let needle = format!("{path}?token=");
        for m in self.mail_to(to).await.iter().rev() {
            if let Some(at) = m.text.find(&needle) {
                let rest = &m.text[at + needle.len()..];
                return rest.chars().take_while(char::is_ascii_hexdigit).collect();
            }
        }
        panic!("no link to {path} was mailed to {to}");
    }

    /// A client using an API key.
    pub fn key_client(&self, secret: &str) -> Client {
        Client {
            app: self.app.clone(),
            cookies: HashMap::new(),
            bearer: Some(secret.to_owned()),
            send_csrf: false,
            csrf_override: None,
            forwarded_for: None,
            extra_headers: Vec::new(),
        }
    }
}

/// Boxes the concrete test service so helpers can name its type.
struct BoxedService<S>(S);

impl<S, B> Service<actix_http::Request> for BoxedService<S>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<actix_web::body::BoxBody>;
    type Error = actix_web::Error;
    type Future = BoxFuture;

    fn poll_ready(&self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), Self::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&self, req: actix_http::Request) -> Self::Future {
        let fut = self.0.call(req);
        Box::pin(async move { fut.await.map(ServiceResponse::map_into_boxed_body) })
    }
}

/// What a request answered.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
    pub raw: Vec<u8>,
}

impl Reply {
    /// Asserts a problem+json error with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert_eq!(self.content_type, "application/problem+json", "body: {}", self.body);
        assert_eq!(self.body["code"], code, "body: {}", self.body);
        assert_eq!(self.body["status"], status);
        assert!(self.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
}

/// A test HTTP client with a cookie jar; it echoes the CSRF cookie in `X-CSRF-Token` unless told not to.
pub struct Client {
    app: std::rc::Rc<AppService>,
    pub cookies: HashMap<String, String>,
    pub bearer: Option<String>,
    pub send_csrf: bool,
    /// Sent as `X-CSRF-Token` instead of the cookie's value.
    pub csrf_override: Option<String>,
    /// Sent as `X-Forwarded-For`.
    pub forwarded_for: Option<String>,
    /// Sent with every request (e.g. `Range`).
    pub extra_headers: Vec<(String, String)>,
}

impl Client {
    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Option<Vec<u8>>,
        content_type: Option<&str>,
    ) -> Reply {
        let mut req = test::TestRequest::default()
            .method(method.clone())
            .uri(path)
            .peer_addr("127.0.0.1:40000".parse().expect("addr"));
        if let Some(b) = &self.bearer {
            req = req.insert_header(("authorization", format!("Bearer {b}")));
        }
        if !self.cookies.is_empty() {
            let jar: Vec<String> = self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.insert_header(("cookie", jar.join("; ")));
        }
        if let Some(t) = &self.csrf_override {
            req = req.insert_header((meridian_http::csrf::CSRF_HEADER, t.clone()));
        } else if self.send_csrf
            && method != Method::GET
            && let Some(t) = self.cookies.get(meridian_http::cookies::CSRF_COOKIE)
        {
            req = req.insert_header((meridian_http::csrf::CSRF_HEADER, t.clone()));
        }
        if let Some(f) = &self.forwarded_for {
            req = req.insert_header(("x-forwarded-for", f.clone()));
        }
        if let Some(ct) = content_type {
            req = req.insert_header(("content-type", ct.to_owned()));
        }
        for (k, v) in &self.extra_headers {
            req = req.insert_header((k.clone(), v.clone()));
        }
        if let Some(b) = body {
            req = req.set_payload(b);
        }
        let res = test::call_service(&*self.app, req.to_request()).await;
        for c in res.response().cookies() {
            if c.max_age().is_some_and(|a| a.is_zero()) || c.value().is_empty() {
                self.cookies.remove(c.name());
            } else {
                self.cookies.insert(c.name().to_owned(), c.value().to_owned());
            }
        }
        let status = res.status();
        let headers = res.headers().clone();
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        let raw = test::read_body(res).await.to_vec();
        let body = serde_json::from_slice(&raw).unwrap_or(Value::Null);
        Reply { status, content_type, headers, body, raw }
    }

    /// The same person (cookies, key) in a second client.
    pub fn clone_plain(&self) -> Client {
        Client {
            app: self.app.clone(),
            cookies: self.cookies.clone(),
            bearer: self.bearer.clone(),
            send_csrf: self.send_csrf,
            csrf_override: self.csrf_override.clone(),
            forwarded_for: self.forwarded_for.clone(),
            extra_headers: self.extra_headers.clone(),
        }
    }

    /// The same person, asking for a byte range.
    pub fn clone_for_range(&self, range: &str) -> Client {
        let mut c = self.clone_plain();
        c.extra_headers.push(("range".to_owned(), range.to_owned()));
        c
    }

    /// A request with extra headers (set after the defaults, so they win).
    pub async fn request_with_headers(
        &mut self,
        method: Method,
        path: &str,
        headers: Vec<(&str, String)>,
        body: Option<Vec<u8>>,
    ) -> Reply {
        let saved = self.extra_headers.clone();
        self.extra_headers.extend(headers.into_iter().map(|(k, v)| (k.to_owned(), v)));
        let r = self.request(method, path, body, None).await;
        self.extra_headers = saved;
        r
    }

    pub async fn get(&mut self, path: &str) -> Reply {
        self.request(Method::GET, path, None, None).await
    }

    pub async fn post(&mut self, path: &str, body: Value) -> Reply {
        self.request(Method::POST, path, Some(body.to_string().into_bytes()), Some("application/json")).await
    }

    pub async fn patch(&mut self, path: &str, body: Value) -> Reply {
        self.request(Method::PATCH, path, Some(body.to_string().into_bytes()), Some("application/json")).await
    }

    pub async fn put(&mut self, path: &str, body: Value) -> Reply {
        self.request(Method::PUT, path, Some(body.to_string().into_bytes()), Some("application/json")).await
    }

    pub async fn delete(&mut self, path: &str) -> Reply {
        self.request(Method::DELETE, path, None, None).await
    }
}

/// Creates an organisation workspace owned by `owner`.
/// The `name` of each item of a list answer, in order.
/// How many rows `table` holds.
pub async fn count(app: &TestApp, table: &str) -> i64 {
    let row = app
        .conn
        .query_one_raw(sea_orm::Statement::from_string(
            app.conn.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

pub fn item_names(body: &Value) -> Vec<String> {
    body["items"].as_array().expect("items").iter().map(|t| t["name"].as_str().unwrap_or_default().to_owned()).collect()
}

pub async fn workspace(owner: &mut Client, slug: &str, visibility: &str) -> Value {
    let r = owner
        .post(
            "/api/v1/workspaces",
            json!({"slug": slug, "name": format!("Observatory {slug}"), "visibility": visibility}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

/// Adds `email` (an account with [`PASSWORD`] and a confirmed address) to `slug` with `role`, as `owner` would:
/// an invitation, accepted by the invitee from the mailed link.
pub async fn add_member(app: &TestApp, owner: &mut Client, slug: &str, email: &str, role: &str) {
    let r = owner.post(&format!("/api/v1/workspaces/{slug}/invitations"), json!({"email": email, "role": role})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = app.mailed_token(email, "/invitations/accept").await;
    let (mut invitee, _) = app.sign_in(email).await;
    let r = invitee.post("/api/v1/invitations/accept", json!({"token": token})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

/// Creates an API key and returns (id, secret).
pub async fn api_key(owner: &mut Client, slug: &str, scope: &str) -> (String, String) {
    let r = owner
        .post(&format!("/api/v1/workspaces/{slug}/api-keys"), json!({"name": format!("{scope} key"), "scope": scope}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (r.body["id"].as_str().expect("id").to_owned(), r.body["secret"].as_str().expect("secret").to_owned())
}

/// Creates a site at La Palma (28.7606, -17.8816, 2396 m, `Atlantic/Canary`) and returns its id.
pub async fn site(owner: &mut Client, slug: &str, name: &str) -> String {
    let r = owner
        .post(
            &format!("/api/v1/workspaces/{slug}/sites"),
            json!({"name": name, "latitude": 28.7606, "longitude": -17.8816, "elevation_m": 2396,
                   "time_zone": "Atlantic/Canary"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().expect("site id").to_owned()
}

/// Creates a telescope at `site_id` and returns its id.
pub async fn telescope(owner: &mut Client, slug: &str, site_id: &str, name: &str) -> String {
    let r = owner
        .post(
            &format!("/api/v1/workspaces/{slug}/telescopes"),
            json!({"name": name, "site_id": site_id, "aperture_mm": 4200, "mount": "altaz"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().expect("telescope id").to_owned()
}

/// Creates an instrument on `telescope_id` and returns its id.
pub async fn instrument(owner: &mut Client, slug: &str, telescope_id: &str, name: &str) -> String {
    let r = owner
        .post(
            &format!("/api/v1/workspaces/{slug}/instruments"),
            json!({"name": name, "telescope_id": telescope_id, "filters": ["g", "r"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().expect("instrument id").to_owned()
}

/// Creates a target at M42's position and returns its id.
pub async fn target(owner: &mut Client, slug: &str, name: &str) -> String {
    let r = owner
        .post(&format!("/api/v1/workspaces/{slug}/targets"), json!({"name": name, "ra": 83.8221, "dec": -5.3911}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().expect("target id").to_owned()
}

/// Creates a target list and returns its id.
pub async fn target_list(owner: &mut Client, slug: &str, name: &str) -> String {
    let r = owner.post(&format!("/api/v1/workspaces/{slug}/target-lists"), json!({"name": name})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().expect("list id").to_owned()
}
