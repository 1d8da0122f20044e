#![doc = include_str!("../README.md")]

pub mod config;
pub mod demo;
pub mod drain;
pub mod json_log;
pub mod observe;
pub mod pages;
pub mod satellites_cli;
pub mod upload_cli;

use actix_web::{App, HttpServer, web};
use anyhow::Context as _;
use config::Config;
use meridian_http::client::TrustedProxies;
use meridian_http::cookies::CookiePolicy;
use meridian_service::limits::PublicRateLimit;
use meridian_service::{ServiceConfig, Services};

/// What the running application holds: the use cases and how to set cookies.
#[derive(Debug, Clone)]
pub struct State {
    pub services: Services,
    pub cookies: CookiePolicy,
    /// Shared by every worker, so the allowance is per process, not per thread.
    pub public_limit: web::Data<PublicRateLimit>,
    pub trusted_proxies: web::Data<TrustedProxies>,
}

impl State {
    /// A state around services built elsewhere (tests tune them).
    pub fn new(services: Services, cookies: CookiePolicy, public_limit: PublicRateLimit) -> Self {
        Self {
            services,
            cookies,
            public_limit: web::Data::new(public_limit),
            trusted_proxies: web::Data::new(TrustedProxies::default()),
        }
    }

    /// Believe `X-Forwarded-For` from these reverse proxies.
    #[must_use]
    pub fn with_trusted_proxies(mut self, proxies: Vec<std::net::IpAddr>) -> Self {
        self.trusted_proxies = web::Data::new(TrustedProxies(proxies.into_iter().map(Into::into).collect()));
        self
    }

    /// Believe `X-Forwarded-For` from these addresses and CIDR ranges.
    #[must_use]
    pub fn with_trusted_ranges(mut self, ranges: Vec<meridian_http::client::ProxyRange>) -> Self {
        self.trusted_proxies = web::Data::new(TrustedProxies(ranges));
        self
    }

    /// Connects to the database (creating the data directory for the embedded default) and migrates when
    /// `migrate` is true.
    pub async fn open(config: &Config, migrate: bool) -> anyhow::Result<Self> {
        if config.is_embedded_database() {
            std::fs::create_dir_all(&config.data_dir)
                .with_context(|| format!("creating the data directory {}", config.data_dir.display()))?;
        }
        let db = meridian_service::connect(&config.database_url(), config.database_max_connections)
            .await
            .map_err(|e| anyhow::anyhow!("connecting to the database: {e}"))?;
        let services = Services::new(
            db,
            ServiceConfig {
                login_burst: config.login_burst,
                login_replenish_secs: config.login_replenish_secs,
                signup_burst: config.signup_burst,
                signup_replenish_secs: config.signup_replenish_secs,
                mail_burst: config.mail_burst,
                mail_replenish_secs: config.mail_replenish_secs,
                satellites: satellite_config(config)?,
                public_url: config.public_url(),
                session_ttl: chrono::Duration::days(i64::from(config.session_idle_days.max(1))),
                session_max_age: chrono::Duration::days(i64::from(config.session_max_days.max(1))),
                share_link_max_age: chrono::Duration::days(i64::from(config.share_link_max_days.max(1))),
                providers: config.providers()?,
                plans: config.plans()?,
                billing: config.billing()?,
                ..ServiceConfig::default()
            },
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        let storage = meridian_storage::open(&config.storage_config()?)
            .await
            .map_err(|e| anyhow::anyhow!("opening the object storage: {e}"))?;
        let mailer = meridian_mail::Mailer::new(&config.mail_config()?).map_err(|e| anyhow::anyhow!("mail: {e}"))?;
        let mut services = services.with_storage(storage).with_mailer(mailer);
        let replica_url = config.database_read_url.expose().trim();
        if !replica_url.is_empty() {
            if !replica_url.starts_with("postgres") || config.is_embedded_database() {
                anyhow::bail!("database_read_url: a read replica is a PostgreSQL server beside a PostgreSQL primary");
            }
            let replica = meridian_service::connect_replica(replica_url, config.database_max_connections)
                .await
                .map_err(|e| anyhow::anyhow!("database_read_url: {e}"))?;
            services = services.with_read_replica(replica);
            tracing::info!("visitors' file searches read from the replica (database_read_url)");
        }
        if !config.operators.is_empty() {
            tracing::warn!(
                "the `operators` setting is ignored: operators are accounts now; grant one with \
                 `meridian operators grant EMAIL` (the account must have confirmed its address)"
            );
        }
        if migrate {
            services.migrate().await.map_err(|e| anyhow::anyhow!("migrating: {e}"))?;
        }
        let public_limit = PublicRateLimit::new(config.public_burst, config.public_per_second).shared_with(&services);
        Ok(Self::new(services, CookiePolicy { always_secure: config.is_https() }, public_limit)
            .with_trusted_ranges(config.trusted_proxy_ranges()?))
    }
}

/// The satellite settings the services need; installs the IERS table when one is configured (process-wide).
fn satellite_config(config: &Config) -> anyhow::Result<meridian_service::satellites::SatelliteConfig> {
    use meridian_service::satellites::compute::{EarthOrientation, load_finals2000a};
    let file = &config.satellites.earth_orientation_file;
    let earth_orientation = if file.as_os_str().is_empty() {
        EarthOrientation::UtcIsUt1
    } else {
        load_finals2000a(file).map_err(|e| anyhow::anyhow!("satellites.earth_orientation_file: {}", e.message))?;
        EarthOrientation::Iers
    };
    let url = config.satellites.catalog_url.trim();
    Ok(meridian_service::satellites::SatelliteConfig {
        earth_orientation,
        catalog_url: (!url.is_empty()).then(|| url.to_owned()),
    })
}

pub use observe::init_tracing;

/// Everything the HTTP app serves: health probes, `/api/v1`, the pages and their assets. Tests build the same
/// app in process.
pub fn configure(state: &State, site: &pages::Site) -> impl FnOnce(&mut web::ServiceConfig) + use<> {
    let services = web::Data::new(state.services.clone());
    let cookies = web::Data::new(state.cookies.clone());
    let public_limit = state.public_limit.clone();
    let trusted_proxies = state.trusted_proxies.clone();
    let site = site.clone();
    move |cfg: &mut web::ServiceConfig| {
        cfg.app_data(services)
            .app_data(cookies)
            .app_data(public_limit)
            .app_data(trusted_proxies)
            .configure(meridian_api::routes::health::configure)
            .route("/api/v1/openapi.json", web::get().to(openapi_json))
            .configure(meridian_api::configure)
            .configure(meridian_api::routes::vo::configure)
            .configure(|cfg| pages::configure(cfg, &site));
    }
}

/// The request line as the access log shows it: a package's secret link token (`/shared/{token}/...` on the
/// pages and `/api/v1/shared/{token}/...` on the API) is a credential and never reaches the log; neither does the
/// value of a `token`, `key` or `secret` query parameter.
pub(crate) fn request_line_for_log(req: &actix_web::dev::ServiceRequest) -> String {
    let uri = req.uri();
    let path = uri.path_and_query().map_or_else(|| uri.path().to_owned(), |p| p.as_str().to_owned());
    format!("{} {} {:?}", req.method(), redact_credentials(&path), req.version())
}

/// Paths whose next segment is a credential.
const SECRET_SEGMENTS: [&str; 2] = ["/api/v1/shared/", "/shared/"];
/// Query parameters whose value is a credential (a provider's authorization `code` and the sign-in's `state`
/// among them).
const SECRET_PARAMS: [&str; 5] = ["token", "key", "secret", "code", "state"];

fn redact_credentials(path_and_query: &str) -> String {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    let mut out = match SECRET_SEGMENTS.iter().find_map(|prefix| path.strip_prefix(prefix).map(|rest| (prefix, rest))) {
        Some((prefix, rest)) => {
            let after = rest.find('/').map_or("", |i| &rest[i..]);
            format!("{prefix}[token]{after}")
        }
        None => path.to_owned(),
    };
    if let Some(q) = query {
        let pairs: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if SECRET_PARAMS.iter().any(|s| name.eq_ignore_ascii_case(s)) => {
                    format!("{name}=[redacted]")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

async fn openapi_json() -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().content_type("application/json").body(meridian_api::openapi::to_json())
}

/// Headers every response carries: no framing (clickjacking on one-click forms), no plugins, no `<base>`
/// rewriting, no MIME sniffing, no full referrer to other sites; and over HTTPS, HSTS (a year, subdomains too).
/// Pages add their `script-src` policy with a per-response nonce (a `<meta>` in the page's head).
pub fn security_headers(https: bool) -> actix_web::middleware::DefaultHeaders {
    let headers = actix_web::middleware::DefaultHeaders::new()
        .add(("X-Frame-Options", "DENY"))
        .add(("Content-Security-Policy", "frame-ancestors 'none'; object-src 'none'; base-uri 'self'"))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"));
    if https { headers.add(("Strict-Transport-Security", "max-age=31536000; includeSubDomains")) } else { headers }
}

/// Runs `meridian migrate`.
pub async fn migrate(config: Config) -> anyhow::Result<()> {
    State::open(&config, true).await?;
    tracing::info!("migrations applied");
    Ok(())
}

/// Runs the server until SIGTERM or SIGINT, with a job worker inside when `jobs.in_process`. Stopping loses no
/// request and no job (see [`drain`]): connections stop being taken at once, requests in flight get
/// [`drain::GRACE`] and running jobs `jobs.shutdown_grace_secs` to finish, and only then do actix's workers stop; a
/// second signal stops at once. `state` is reused when the caller already opened it (`demo`).
pub async fn serve(config: Config, state: Option<State>) -> anyhow::Result<()> {
    let state = match state {
        Some(s) => s,
        None => State::open(&config, config.auto_migrate).await?,
    };
    let site = pages::Site::new(&config)?;
    let https = config.is_https();
    if config.public_url.trim().is_empty() && !config.bind.ip().is_loopback() {
        tracing::warn!(
            bind = %config.bind,
            "public_url is not set: citations and share links will name {}; set public_url to the address people use",
            config.public_url()
        );
    }
    tracing::info!(bind = %config.bind, database = if config.is_embedded_database() { "sqlite" } else { "postgres" }, "serving");
    let jobs = config.jobs.in_process.then(|| (state.services.jobs().clone(), state.services.job_handler()));
    let services = state.services.clone();
    let drain = drain::Drain::default();
    let (listener, closer) = drain::listen(config.bind).with_context(|| format!("binding {}", config.bind))?;
    let server = HttpServer::new({
        let drain = drain.clone();
        move || {
            App::new()
                .app_data(web::Data::new(drain.clone()))
                .wrap(actix_web::middleware::from_fn(meridian_http::csrf::ensure_csrf_cookie))
                .wrap(security_headers(https))
                .wrap(actix_web::middleware::Compress::default())
                .wrap(actix_web::middleware::from_fn(observe::observe_request))
                .wrap(actix_web::middleware::from_fn(drain::count_requests))
                .configure(configure(&state, &site))
        }
    })
    // Longer than the idle timeout of the load balancers in front (60 s on the common ones): a server that closes an
    // idle connection first races the balancer reusing it, which the client sees as a 502 or a reset (the soak
    // test saw the reset with actix's default of 5 s).
    .keep_alive(std::time::Duration::from_secs(config.http_keep_alive_secs.max(1)))
    // No Nagle: a streamed answer's last small write (the end of a chunked body) otherwise waits for the client's
    // delayed ACK, 40 ms on Linux: measured on every short SIA answer.
    .on_connect(|conn, _| {
        if let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
            let _ = tcp.set_nodelay(true);
        }
    })
    // The signals are ours (below): actix's own stop would end an idle worker's runtime while others still serve.
    .disable_signals()
    .shutdown_timeout(drain::LINGER_SECS)
    .listen(listener)
    .with_context(|| format!("listening on {}", config.bind))?
    .run();
    let worker = jobs.map(|(queue, handler)| {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let run = meridian_service::jobs::run_worker(queue, handler, config.worker_options(), async move {
            let _ = stopped.await;
        });
        let run = async move {
            if let Err(e) = run.await {
                tracing::error!(error = %e, "the in-process job worker stopped; jobs wait for another worker");
            }
        };
        InProcessWorker { stop, run: actix_web::rt::spawn(run) }
    });
    let worker = std::sync::Arc::new(tokio::sync::Mutex::new(worker));
    let metrics = match config.metrics.address()? {
        Some(bind) => {
            let listener = observe::bind_metrics(bind).await?;
            Some(actix_web::rt::spawn(observe::serve_metrics(listener, services)))
        }
        None => None,
    };
    let scraping = metrics.as_ref().map(actix_web::rt::task::JoinHandle::abort_handle);
    let stopping = actix_web::rt::spawn(stop_gracefully(server.handle(), drain, closer, worker.clone(), scraping));
    let served = server.await.context("serving");
    stopping.abort();
    if let Some(m) = metrics {
        m.abort();
    }
    // Stopped already when a signal stopped the server; when it ended on its own, now.
    if let Some(w) = worker.lock().await.take() {
        w.finish().await;
    }
    served
}

/// The job worker inside `serve`.
struct InProcessWorker {
    stop: tokio::sync::oneshot::Sender<()>,
    run: actix_web::rt::task::JoinHandle<()>,
}

impl InProcessWorker {
    /// Lets running jobs finish (or hands them back after their grace) and waits for that.
    async fn finish(self) {
        let _ = self.stop.send(());
        if let Err(e) = self.run.await {
            tracing::error!(error = %e, "the in-process job worker panicked");
        }
    }
}

/// Waits for SIGTERM or SIGINT, then stops the server without failing what it took: see [`drain`].
async fn stop_gracefully(
    server: actix_web::dev::ServerHandle,
    drain: drain::Drain,
    listener: drain::Closer,
    worker: std::sync::Arc<tokio::sync::Mutex<Option<InProcessWorker>>>,
    metrics: Option<tokio::task::AbortHandle>,
) {
    stop_signal().await;
    drain.begin();
    server.pause().await;
    // The handle's answer comes before actix's accept thread has acted on it; a socket shut while that thread still
    // watches it wakes it with an error it logs (seen in about half the stops). It acts within microseconds.
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    listener.close();
    tracing::info!(in_flight = drain.in_flight(), "taking no new connections; finishing the requests in flight");
    let deadline = tokio::time::Instant::now() + drain::GRACE;
    let finish = async {
        let requests = async {
            let idle = tokio::time::timeout_at(deadline, drain.idle()).await.is_ok();
            if !idle {
                tracing::warn!(
                    in_flight = drain.in_flight(),
                    grace_secs = drain::GRACE.as_secs(),
                    "requests still in flight after the grace period are cut"
                );
            }
            idle
        };
        let jobs = async {
            let w = worker.lock().await.take();
            if let Some(w) = w {
                w.finish().await;
            }
        };
        let (idle, ()) = tokio::join!(requests, jobs);
        // From here a request arriving on a connection already open is refused (503, nothing done); those that
        // counted themselves before are waited for, within what is left of the grace period (a second at least,
        // when the in-process worker's jobs took longer), unless the grace period already cut the requests: the
        // stop stays within GRACE + 1 s + actix's linger, which the chart's 45 s allow for after its pre-stop 5 s.
        drain.close();
        if idle {
            let until = deadline.max(tokio::time::Instant::now() + std::time::Duration::from_secs(1));
            let _ = tokio::time::timeout_at(until, drain.idle()).await;
        }
        // Its figures are read from the database on a scrape: not after the workers' runtimes end.
        if let Some(m) = &metrics {
            m.abort();
        }
    };
    let graceful = tokio::select! {
        () = finish => true,
        // Running jobs are then not handed back: the heartbeat timeout gives them to another worker (~2 min).
        () = stop_signal() => {
            tracing::warn!(in_flight = drain.in_flight(), "a second signal: stopping now");
            false
        }
    };
    server.stop(graceful).await;
}

/// Runs `meridian verify`: checks now (or shows the last recorded check) and prints the report; `Ok(false)` when
/// it found problems.
pub async fn verify(
    config: Config,
    opts: meridian_service::integrity::VerifyOptions,
    json: bool,
    last: bool,
) -> anyhow::Result<bool> {
    use std::io::Write as _;
    let state = State::open(&config, false).await?;
    let report = if last {
        state
            .services
            .last_verifications(1)
            .await
            .map_err(|e| anyhow::anyhow!("reading the last check: {e}"))?
            .pop()
            .context("no check has been recorded yet; run `meridian verify`")?
    } else {
        state.services.verify(opts).await.map_err(|e| anyhow::anyhow!("checking: {e}"))?
    };
    let mut out = std::io::stdout();
    if json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    } else {
        write!(out, "{}", report.to_text())?;
    }
    Ok(report.problems() == 0)
}

/// Runs `meridian worker`: only the job worker, until SIGINT or SIGTERM; running jobs get
/// `WorkerOptions::shutdown_grace` to finish and are handed back to the queue otherwise.
pub async fn work(config: Config) -> anyhow::Result<()> {
    let state = State::open(&config, config.auto_migrate).await?;
    let opts = config.worker_options();
    tracing::info!(concurrency = opts.concurrency, "running jobs");
    if let Some(bind) = config.metrics.address()? {
        tokio::spawn(observe::serve_metrics(observe::bind_metrics(bind).await?, state.services.clone()));
    }
    meridian_service::jobs::run_worker(state.services.jobs().clone(), state.services.job_handler(), opts, stop_signal())
        .await
        .map_err(|e| anyhow::anyhow!("job worker: {e}"))
}

/// Resolves on SIGINT (Ctrl-C) or, on Unix, SIGTERM (what service managers and Kubernetes send).
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch SIGTERM; stopping on Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("stopping");
}

#[cfg(test)]
mod tests {
    #[test]
    fn shared_link_tokens_never_reach_the_access_log() {
        use super::redact_credentials as r;
        assert_eq!(r("/api/v1/shared/mpk_secret"), "/api/v1/shared/[token]");
        assert_eq!(
            r("/api/v1/shared/mpk_secret/versions/1/archive.tar"),
            "/api/v1/shared/[token]/versions/1/archive.tar"
        );
        assert_eq!(r("/api/v1/shared/mpk_secret?x=1"), "/api/v1/shared/[token]?x=1");
        // The page route too (the share link people open in a browser).
        assert_eq!(r("/shared/mpk_secret"), "/shared/[token]");
        assert_eq!(r("/shared/mpk_secret/versions/2"), "/shared/[token]/versions/2");
        assert_eq!(r("/w/obs/files?token=abc&q=m31"), "/w/obs/files?token=[redacted]&q=m31");
        assert_eq!(r("/x?KEY=mk_1&secret=s"), "/x?KEY=[redacted]&secret=[redacted]");
        assert_eq!(r("/api/v1/workspaces/obs"), "/api/v1/workspaces/obs");
        assert_eq!(r("/sharedthings/x"), "/sharedthings/x");
        // A provider's authorization code and the sign-in's state, on the way back from the provider.
        assert_eq!(
            r("/auth/orcid/callback?code=c0de&state=st4te"),
            "/auth/orcid/callback?code=[redacted]&state=[redacted]"
        );
    }
}
