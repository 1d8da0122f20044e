//! Configuration: defaults, then an optional TOML file, then `MERIDIAN_`-prefixed environment variables, then
//! command-line flags. Unknown keys are rejected, so a typo is an error rather than a silently ignored setting.
//! Secrets are wrapped in `Secret`, whose `Debug` prints nothing.
//!
//! Every key is documented by its doc comment: `meridian config reference` writes them, with each key's type,
//! default and environment variable, as docs/config-reference.md (`reference_markdown`).

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// A value that must never reach a log.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() { "Secret(<empty>)" } else { "Secret(<redacted>)" })
    }
}

/// A string, marked `writeOnly` (the reference calls it a secret).
impl JsonSchema for Secret {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Secret".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({ "type": "string", "writeOnly": true })
    }
}

/// Everything `meridian` can be told.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address and port to listen on.
    pub bind: SocketAddr,
    /// Where the embedded default keeps its SQLite file, objects and outbox.
    pub data_dir: PathBuf,
    /// `postgres://...` or `sqlite://...?mode=rwc`; empty means the SQLite file `meridian.db` in the data
    /// directory. It may hold a password, so it is a secret.
    pub database_url: Secret,
    /// Database connections per process.
    pub database_max_connections: u32,
    /// A PostgreSQL read replica (`postgres://...`); empty: none. Visitors' file searches (by header, date, object
    /// and the cone search) of public workspaces read it, connected lazily and skipped while it fails; every
    /// result is checked against the primary, and everything else (members, lists, every read after a write)
    /// stays on the primary. A secret, like `database_url`.
    pub database_read_url: Secret,
    /// Run pending migrations at start-up (otherwise run `meridian migrate`).
    pub auto_migrate: bool,
    /// The site's public URL (`https://meridian.example.org`): citations, share links and links in mail are built
    /// from it (never from a request's `Host` or `X-Forwarded-Host`), and when it is https cookies are `Secure`
    /// with the `__Host-` prefix and pages send HSTS. Empty: `http://` and the bind address, for a server reached
    /// on this machine only.
    pub public_url: String,
    /// Days a browser session lives without use.
    pub session_idle_days: u32,
    /// Days a browser session lives at most after sign-in, however much it is used.
    pub session_max_days: u32,
    /// Days a package's secret link lives at most (and when made without a date).
    pub share_link_max_days: u32,
    /// The log filter (`info`, `meridian=debug,actix_web=info`, ...).
    pub log: String,
    /// `text` (for people) or `json` (one object per line, for a log collector); every request's lines carry its
    /// `request_id` (also sent back in `X-Request-Id`), and the jobs it queued carry it too.
    #[schemars(with = "String")]
    pub log_format: LogFormat,
    /// Prometheus metrics on their own listener.
    pub metrics: MetricsConfig,
    /// Export traces (every request's and job's spans) over OTLP/HTTP to this collector URL
    /// (`http://otel-collector:4318/v1/traces`); empty: none.
    pub otlp_endpoint: String,
    /// Seconds an idle HTTP connection is kept open. Keep it above the idle timeout of a load balancer in front
    /// (60 s on the common ones), or the balancer may reuse a connection the server is closing (a 502).
    pub http_keep_alive_secs: u64,
    /// Outgoing mail: to `.eml` files in an outbox folder (the default) or to an SMTP server.
    pub mail: MailConfig,
    /// Storage plans sold through Stripe; off unless a Stripe key is given.
    pub billing: BillingConfig,
    /// Where data files are kept: the filesystem (under `<data_dir>/objects`, the default) or S3.
    pub storage: StorageSettings,
    /// Background jobs: who runs them and how.
    pub jobs: JobsConfig,
    /// Satellite checks: the catalog's scheduled fetch and the Earth orientation table.
    pub satellites: SatelliteSettings,
    /// No longer used: operators are accounts, granted with `meridian operators grant EMAIL` (an address in a
    /// file granted rights to whoever registered it first). A non-empty list is reported at start-up.
    pub operators: Vec<String>,
    /// Sign-in attempts allowed per e-mail address (five times as many per client address) before 429.
    pub login_burst: u32,
    /// Seconds for one spent sign-in attempt to come back.
    pub login_replenish_secs: u64,
    /// Sign-ups allowed per client address before 429.
    pub signup_burst: u32,
    /// Seconds for one spent sign-up to come back.
    pub signup_replenish_secs: u64,
    /// Messages one address can be sent on request (per kind: confirmation, reset, invitation, address change)
    /// before 429.
    pub mail_burst: u32,
    /// Seconds for one such message to come back.
    pub mail_replenish_secs: u64,
    /// Anonymous requests (the API, and pages for visitors not signed in) allowed per client address (an IPv4
    /// address or an IPv6 /64) at once, before 429.
    pub public_burst: u32,
    /// Anonymous requests a client address gets back per second.
    pub public_per_second: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for rate limits): addresses (`10.1.2.3`) or CIDR
    /// ranges (`10.0.0.0/8`: an ingress controller's pods, whose addresses change); empty trusts none.
    pub trusted_proxies: Vec<String>,
    /// Where the compiled browser assets (`pkg/`, built by `infra/build-site.sh`) are; empty means `target/site`
    /// beside the binary's workspace.
    pub site_root: PathBuf,
    /// OAuth2 / OpenID Connect providers people may sign in with (`[[providers]]` tables); none by default.
    pub providers: Vec<ProviderSettings>,
    /// Storage plans (`[[plans]]` tables); none: the built-in Free, Observatory and Institution plans.
    #[schemars(with = "Vec<PlanKeys>")]
    pub plans: Vec<meridian_billing::PlanSettings>,
}

/// One sign-in provider (`[[providers]]`). Register `{public_url}/auth/{name}/callback` as its redirect URI.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderSettings {
    /// In URLs and stored identities: lowercase letters, digits, `-` and `_` (`orcid`, `institute`, `github`).
    /// Keep it once people use it: their identities are stored under it.
    pub name: String,
    /// The sign-in button's text (`Sign in with ...`).
    pub display_name: String,
    /// `oidc` (discovery from `issuer`) or `github` (plain OAuth2 and GitHub's API).
    pub kind: String,
    /// OpenID Connect: the issuer (`https://login.example.org/realms/obs`), exactly as its discovery document
    /// names it.
    #[serde(default)]
    pub issuer: String,
    /// GitHub: its authorization endpoint; empty means GitHub's own (other values are for tests and GitHub
    /// Enterprise).
    #[serde(default)]
    pub auth_url: String,
    /// GitHub: its token endpoint; empty means GitHub's own.
    #[serde(default)]
    pub token_url: String,
    /// GitHub: its API; empty means GitHub's own (`https://api.github.com`).
    #[serde(default)]
    pub api_url: String,
    /// The client id registered at the provider.
    pub client_id: String,
    /// The client secret registered at the provider.
    pub client_secret: Secret,
    /// Scopes to ask for; empty: `openid email profile` (oidc), `read:user user:email` (github).
    #[serde(default)]
    pub scopes: Vec<String>,
    /// The provider's subjects are ORCID iDs (kept as the account's ORCID); implied for the name `orcid`.
    #[serde(default)]
    pub orcid: bool,
}

impl std::fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("name", &self.name)
            .field("display_name", &self.display_name)
            .field("kind", &self.kind)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("scopes", &self.scopes)
            .field("orcid", &self.orcid)
            .finish_non_exhaustive()
    }
}

impl ProviderSettings {
    /// The provider as the services take it; a name, kind or URL that cannot work is an error at start-up.
    pub fn to_service(&self) -> anyhow::Result<meridian_service::identities::ProviderConfig> {
        use meridian_service::identities::{ProviderConfig, ProviderKind};
        let name = self.name.trim();
        let url_safe = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if name.is_empty() || name.len() > 40 || !name.chars().all(url_safe) || name == "providers" {
            anyhow::bail!(
                "providers: name {name:?} must be 1 to 40 lowercase letters, digits, `-` or `_` (and not `providers`)"
            );
        }
        // HTTPS only: over plain HTTP anyone on the path could serve their own keys and sign in as anybody. Plain
        // HTTP is accepted for a provider on this machine (a test provider on loopback).
        let http_url = |what: &str, v: &str| -> anyhow::Result<String> {
            let v = v.trim().trim_end_matches('/');
            if v.starts_with("https://") || loopback_http(v) {
                Ok(v.to_owned())
            } else {
                anyhow::bail!("providers.{name}: {what} must be an https:// URL (http:// only on loopback), not {v:?}")
            }
        };
        let kind = match self.kind.as_str() {
            "oidc" => {
                // The issuer is compared with the discovery document's as written: keep it as given.
                let issuer = self.issuer.trim();
                http_url("issuer", issuer)?;
                ProviderKind::Oidc { issuer: issuer.to_owned() }
            }
            "github" => {
                let ProviderKind::Github { auth_url, token_url, api_url } = ProviderKind::github() else {
                    anyhow::bail!("providers.{name}: no GitHub defaults");
                };
                let or =
                    |given: &str, default: String| if given.trim().is_empty() { default } else { given.to_owned() };
                ProviderKind::Github {
                    auth_url: http_url("auth_url", &or(&self.auth_url, auth_url))?,
                    token_url: http_url("token_url", &or(&self.token_url, token_url))?,
                    api_url: http_url("api_url", &or(&self.api_url, api_url))?,
                }
            }
            other => anyhow::bail!("providers.{name}: kind must be oidc or github, not {other:?}"),
        };
        if self.client_id.trim().is_empty() || self.client_secret.expose().is_empty() {
            anyhow::bail!("providers.{name}: client_id and client_secret are required");
        }
        let scopes = if self.scopes.is_empty() { kind.default_scopes() } else { self.scopes.clone() };
        Ok(ProviderConfig {
            name: name.to_owned(),
            display_name: if self.display_name.trim().is_empty() { name.to_owned() } else { self.display_name.clone() },
            kind,
            client_id: self.client_id.trim().to_owned(),
            client_secret: self.client_secret.expose().to_owned(),
            scopes,
            orcid: self.orcid,
        })
    }
}

/// Where mail goes: `outbox` (the default: `.eml` files under `<data_dir>/outbox`, for a server without SMTP) or
/// `smtp`.
#[derive(Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// `outbox` (every message written as a `.eml` file, the log naming it) or `smtp`.
    pub transport: String,
    /// The sender of every message, `Meridian <noreply@example.org>`.
    pub from: String,
    /// Outbox: the folder (empty: `<data_dir>/outbox`).
    pub outbox_dir: PathBuf,
    /// SMTP: the submission server.
    pub smtp_host: String,
    /// SMTP: its port.
    pub smtp_port: u16,
    /// SMTP: `starttls` (STARTTLS required: nothing is sent if the server does not offer it), `tls` (implicit
    /// TLS, usually port 465) or `none` (no TLS: loopback test servers only).
    pub smtp_security: String,
    /// SMTP: the user name (with the password empty too: no authentication).
    pub smtp_username: String,
    /// SMTP: the password.
    pub smtp_password: Secret,
    /// SMTP: seconds for connecting, and for the whole conversation of one message.
    pub smtp_timeout_secs: u64,
}

impl std::fmt::Debug for MailConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailConfig")
            .field("transport", &self.transport)
            .field("from", &self.from)
            .field("outbox_dir", &self.outbox_dir)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_security", &self.smtp_security)
            .field("smtp_username", &self.smtp_username)
            .field("smtp_password", &self.smtp_password)
            .finish_non_exhaustive()
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            transport: "outbox".into(),
            from: "Meridian <meridian@localhost>".into(),
            outbox_dir: PathBuf::new(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_security: "starttls".into(),
            smtp_username: String::new(),
            smtp_password: Secret::default(),
            smtp_timeout_secs: 30,
        }
    }
}

/// Object storage for data files.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    /// `filesystem` or `s3` (any S3-compatible server).
    pub backend: String,
    /// Filesystem: the directory (empty: `<data_dir>/objects`).
    pub root: PathBuf,
    /// S3: the bucket (required with `backend = "s3"`).
    pub bucket: String,
    /// S3: the endpoint URL (empty: AWS).
    pub endpoint: String,
    /// S3: the region.
    pub region: String,
    /// S3: path-style addressing (`{endpoint}/{bucket}/...`, as most self-hosted servers want) instead of
    /// virtual-hosted buckets.
    pub path_style: bool,
    /// S3: the access key id, given with `secret_access_key`; both empty: `AWS_ACCESS_KEY_ID` and
    /// `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`) from the environment.
    pub access_key_id: String,
    /// S3: the secret access key, given with `access_key_id`.
    pub secret_access_key: Secret,
    /// S3: the storage class of the hot tier.
    pub hot_class: String,
    /// S3: the storage class of the cool tier.
    pub cool_class: String,
    /// S3: the storage class of the cold tier.
    pub cold_class: String,
    /// S3 streamed uploads: bytes per part (5 MiB to 5 GiB); memory per upload is about
    /// (concurrency + 1) x part_size.
    pub part_size: u64,
    /// S3 streamed uploads: parts sent at once.
    pub concurrency: usize,
    /// S3: send checksums with whole objects (SHA-256) and with the parts of streamed uploads (CRC32C), so the
    /// server verifies what it received; turn off only for a server that refuses them.
    pub checksums: bool,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            backend: "filesystem".into(),
            root: PathBuf::new(),
            bucket: String::new(),
            endpoint: String::new(),
            region: "us-east-1".into(),
            path_style: false,
            access_key_id: String::new(),
            secret_access_key: Secret::default(),
            hot_class: "STANDARD".into(),
            cool_class: "STANDARD_IA".into(),
            cold_class: "GLACIER".into(),
            part_size: meridian_storage::S3Config::new("").part_size,
            concurrency: meridian_storage::S3Config::new("").concurrency,
            checksums: true,
        }
    }
}

/// Whether `url` is plain HTTP to this machine (a test server): its host, parsed, is a loopback name or address
/// and it carries no user part (`http://localhost:@elsewhere/` is elsewhere).
fn loopback_http(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("http://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return false;
    }
    let host = match authority.rsplit_once(':') {
        Some((h, port)) if !h.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => authority,
    };
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

/// Billing (`[billing]`): storage plans sold through Stripe. Off unless `stripe_secret_key` is set; the plans
/// themselves (`[[plans]]`) apply either way.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct BillingConfig {
    /// Stripe's secret API key (`sk_test_…` in test mode, `sk_live_…`).
    pub stripe_secret_key: Secret,
    /// The webhook endpoint's signing secret (`whsec_…`, from the endpoint registered at
    /// `{public_url}/api/v1/billing/stripe-webhook`).
    pub stripe_webhook_secret: Secret,
    /// While the signing secret is being rolled: the previous one, accepted too until Stripe stops using it.
    pub stripe_webhook_secret_previous: Secret,
    /// Where Stripe's API is (empty: `https://api.stripe.com/`); a Stripe-compatible server in tests.
    pub stripe_api_url: String,
    /// Days a workspace keeps its paid plan after a payment fails; then its starting plan's limits apply (it
    /// keeps every byte).
    pub grace_days: u32,
    /// The plan personal spaces start on (a key of `[[plans]]`; empty: the first plan).
    pub personal_plan: String,
    /// The plan new observatory workspaces start on, and return to when a subscription ends (a key of
    /// `[[plans]]`; empty: the first plan).
    pub default_plan: String,
}

impl Default for BillingConfig {
    fn default() -> Self {
        Self {
            stripe_secret_key: Secret::default(),
            stripe_webhook_secret: Secret::default(),
            stripe_webhook_secret_previous: Secret::default(),
            stripe_api_url: String::new(),
            grace_days: 14,
            personal_plan: String::new(),
            default_plan: String::new(),
        }
    }
}

/// Background jobs (`[jobs]`, or `MERIDIAN_JOBS__*`). They wait in the database; any process running a worker
/// takes them: `meridian serve` itself (the embedded default) and any number of `meridian worker` processes.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// `meridian serve` also runs a worker. Turn it off where `meridian worker` processes do the jobs.
    pub in_process: bool,
    /// Jobs one process runs at once.
    pub concurrency: usize,
    /// How often an idle worker looks for due jobs, in milliseconds.
    pub poll_interval_ms: u64,
    /// A failed job's first retry waits this long, in milliseconds; each further retry doubles it (plus up to a
    /// quarter of jitter), up to an hour.
    pub backoff_base_ms: u64,
    /// Seconds between a worker's heartbeats. When a worker has missed four, the others run its jobs again (a
    /// worker process that was killed: its jobs restart about two minutes later with the default).
    pub heartbeat_secs: u64,
    /// Seconds a stopping worker (SIGTERM) lets its running jobs finish; those still running then are handed back
    /// to the queue for another worker. Keep it below the time the process manager waits before SIGKILL
    /// (Kubernetes' `terminationGracePeriodSeconds`).
    pub shutdown_grace_secs: u64,
}

/// The format of the log lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// Where Prometheus reads the metrics.
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Address and port of the metrics listener (`GET /metrics`, Prometheus text format), for `serve` and
    /// `worker` alike (`0.0.0.0:9464` in a container; give each process on one host its own port); empty: no
    /// metrics. Not on the public port: the figures are for operators.
    pub bind: String,
}

impl MetricsConfig {
    /// The listener's address, if metrics are on.
    pub fn address(&self) -> anyhow::Result<Option<SocketAddr>> {
        let bind = self.bind.trim();
        if bind.is_empty() {
            return Ok(None);
        }
        bind.parse().map(Some).map_err(|_| anyhow::anyhow!("metrics.bind: `{bind}` is not an address and port"))
    }
}

impl Default for JobsConfig {
    fn default() -> Self {
        let d = meridian_service::jobs::WorkerOptions::default();
        Self {
            in_process: true,
            concurrency: d.concurrency,
            poll_interval_ms: u64::try_from(d.poll_interval.as_millis()).unwrap_or(1000),
            backoff_base_ms: u64::try_from(d.backoff_base.as_millis()).unwrap_or(10_000),
            heartbeat_secs: d.heartbeat.as_secs(),
            shutdown_grace_secs: d.shutdown_grace.as_secs(),
        }
    }
}

impl JobsConfig {
    /// The worker's settings; what this file does not name keeps its default.
    pub fn worker_options(&self) -> meridian_service::jobs::WorkerOptions {
        use std::time::Duration;
        meridian_service::jobs::WorkerOptions {
            concurrency: self.concurrency.max(1),
            poll_interval: Duration::from_millis(self.poll_interval_ms.max(10)),
            backoff_base: Duration::from_millis(self.backoff_base_ms),
            heartbeat: Duration::from_secs(self.heartbeat_secs.max(1)),
            shutdown_grace: Duration::from_secs(self.shutdown_grace_secs),
            ..meridian_service::jobs::WorkerOptions::default()
        }
    }
}

/// Satellite checks (`[satellites]`, or `MERIDIAN_SATELLITES__*`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct SatelliteSettings {
    /// Where the scheduled fetch reads the satellite catalog (TLE, or OMM as JSON, CSV or XML: for example a
    /// CelesTrak GP URL); empty: no fetch.
    pub catalog_url: String,
    /// Hours between fetches, at least 2 (CelesTrak asks for no more than one download of a group per two hours).
    pub fetch_every_hours: u32,
    /// An IERS `finals2000A.all` file for UT1 and polar motion; empty: UT1 = UTC (at most 0.9 s of rotation off:
    /// crossing times can be off by up to ~0.004° of a low satellite's track).
    pub earth_orientation_file: PathBuf,
}

impl Default for SatelliteSettings {
    fn default() -> Self {
        Self { catalog_url: String::new(), fetch_every_hours: 6, earth_orientation_file: PathBuf::new() }
    }
}

impl SatelliteSettings {
    /// The fetch period when a URL is set.
    pub fn fetch_hours(&self) -> Option<u32> {
        (!self.catalog_url.trim().is_empty()).then_some(self.fetch_every_hours.max(2))
    }
}

impl Config {
    /// The job worker's settings, with the catalog fetch when one is configured.
    pub fn worker_options(&self) -> meridian_service::jobs::WorkerOptions {
        meridian_service::jobs::WorkerOptions {
            catalog_fetch_hours: self.satellites.fetch_hours(),
            ..self.jobs.worker_options()
        }
    }
}

impl Config {
    /// `trusted_proxies` read (a bad entry stops start-up, naming it).
    pub fn trusted_proxy_ranges(&self) -> anyhow::Result<Vec<meridian_http::client::ProxyRange>> {
        self.trusted_proxies
            .iter()
            .map(|s| s.parse().map_err(|e: String| anyhow::anyhow!("trusted_proxies: {e}")))
            .collect()
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            database_url: Secret::default(),
            database_max_connections: 10,
            database_read_url: Secret::default(),
            auto_migrate: true,
            public_url: String::new(),
            session_idle_days: 30,
            session_max_days: 90,
            share_link_max_days: 365,
            log: "info".into(),
            log_format: LogFormat::Text,
            metrics: MetricsConfig::default(),
            otlp_endpoint: String::new(),
            http_keep_alive_secs: 75,
            mail: MailConfig::default(),
            billing: BillingConfig::default(),
            storage: StorageSettings::default(),
            jobs: JobsConfig::default(),
            satellites: SatelliteSettings::default(),
            operators: Vec::new(),
            login_burst: 10,
            login_replenish_secs: 30,
            signup_burst: 20,
            signup_replenish_secs: 180,
            mail_burst: 5,
            mail_replenish_secs: 600,
            public_burst: 120,
            public_per_second: 20,
            trusted_proxies: Vec::new(),
            site_root: PathBuf::new(),
            providers: Vec::new(),
            plans: Vec::new(),
        }
    }
}

/// What the command line may override.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bind: Option<SocketAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
}

impl Config {
    /// Loads the layers; `file` is read only when given (it must then exist).
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Self, Box<figment::Error>> {
        Self::figment(file, overrides).extract().map_err(Box::new)
    }

    fn figment(file: Option<&Path>, overrides: &Overrides) -> Figment {
        let mut f = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            f = f.merge(Toml::file_exact(file));
        }
        // MERIDIAN_CONFIG names the file itself (read by the command line), not a setting.
        f.merge(Env::prefixed("MERIDIAN_").ignore(&["config"]).split("__")).merge(Serialized::defaults(overrides))
    }

    /// The database to use: the configured URL, or the embedded SQLite file.
    pub fn database_url(&self) -> String {
        if self.database_url.expose().is_empty() {
            format!("sqlite://{}?mode=rwc", self.data_dir.join("meridian.db").display())
        } else {
            self.database_url.expose().to_owned()
        }
    }

    /// Where mail goes: the outbox under the data directory by default.
    pub fn mail_config(&self) -> anyhow::Result<meridian_mail::MailConfig> {
        use meridian_mail::{SmtpConfig, SmtpSecurity, TransportConfig};
        let m = &self.mail;
        let transport = match m.transport.as_str() {
            "outbox" => {
                let dir = if m.outbox_dir.as_os_str().is_empty() {
                    self.data_dir.join("outbox")
                } else {
                    m.outbox_dir.clone()
                };
                TransportConfig::Outbox { dir }
            }
            "smtp" => {
                if m.smtp_host.is_empty() {
                    anyhow::bail!("mail.smtp_host is required with mail.transport = \"smtp\"");
                }
                let security = match m.smtp_security.as_str() {
                    "starttls" => SmtpSecurity::StartTls,
                    "tls" => SmtpSecurity::Tls,
                    "none" => SmtpSecurity::None,
                    other => anyhow::bail!("mail.smtp_security must be starttls, tls or none, not {other:?}"),
                };
                let nonempty = |s: &str| (!s.is_empty()).then(|| s.to_owned());
                TransportConfig::Smtp(SmtpConfig {
                    host: m.smtp_host.clone(),
                    port: m.smtp_port,
                    security,
                    username: nonempty(&m.smtp_username),
                    password: nonempty(m.smtp_password.expose()),
                    timeout_secs: m.smtp_timeout_secs.max(1),
                })
            }
            other => anyhow::bail!("mail.transport must be outbox or smtp, not {other:?}"),
        };
        Ok(meridian_mail::MailConfig { from: m.from.clone(), transport })
    }

    /// The object storage to open: the filesystem under the data directory by default.
    pub fn storage_config(&self) -> anyhow::Result<meridian_storage::StorageConfig> {
        let st = &self.storage;
        match st.backend.as_str() {
            "filesystem" => {
                let root = if st.root.as_os_str().is_empty() { self.data_dir.join("objects") } else { st.root.clone() };
                Ok(meridian_storage::StorageConfig::Filesystem { root })
            }
            "s3" => {
                if st.bucket.is_empty() {
                    anyhow::bail!("storage.bucket is required with storage.backend = \"s3\"");
                }
                let mut s3 = meridian_storage::S3Config::new(st.bucket.clone());
                s3.endpoint = (!st.endpoint.is_empty()).then(|| st.endpoint.clone());
                s3.region.clone_from(&st.region);
                s3.path_style = st.path_style;
                s3.access_key_id = (!st.access_key_id.is_empty()).then(|| st.access_key_id.clone());
                s3.secret_access_key = (!st.secret_access_key.expose().is_empty())
                    .then(|| meridian_storage::Secret::new(st.secret_access_key.expose()));
                s3.part_size = st.part_size;
                s3.concurrency = st.concurrency;
                s3.checksums = st.checksums;
                s3.classes = meridian_storage::TierClasses {
                    hot: st.hot_class.clone(),
                    cool: st.cool_class.clone(),
                    cold: st.cold_class.clone(),
                };
                Ok(meridian_storage::StorageConfig::S3(s3))
            }
            other => anyhow::bail!("storage.backend must be filesystem or s3, not {other:?}"),
        }
    }

    /// The storage plans, checked.
    pub fn plans(&self) -> anyhow::Result<meridian_billing::PlanCatalog> {
        meridian_billing::PlanCatalog::from_settings(
            &self.plans,
            &self.billing.personal_plan,
            &self.billing.default_plan,
        )
        .map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// Billing as the services take it: on only with a Stripe key, and then a webhook signing secret is required.
    pub fn billing(&self) -> anyhow::Result<meridian_service::billing::BillingConfig> {
        let b = &self.billing;
        if b.grace_days > 366 {
            anyhow::bail!("billing.grace_days is {}: at most 366", b.grace_days);
        }
        let secrets: Vec<String> = [&b.stripe_webhook_secret, &b.stripe_webhook_secret_previous]
            .into_iter()
            .map(|s| s.expose().trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        if b.stripe_secret_key.expose().trim().is_empty() {
            if !secrets.is_empty() {
                tracing::warn!(
                    "billing.stripe_webhook_secret is set but billing is off (no billing.stripe_secret_key)"
                );
            }
            return Ok(meridian_service::billing::BillingConfig {
                webhook_secrets: Vec::new(),
                grace_days: b.grace_days,
                stripe: None,
            });
        }
        if b.stripe_webhook_secret.expose().trim().is_empty() {
            anyhow::bail!(
                "billing: stripe_webhook_secret is required with stripe_secret_key (Stripe's webhooks carry every payment)"
            );
        }
        let url = b.stripe_api_url.trim();
        // The secret key goes with every request: in clear text only to this machine (a test server).
        if !(url.is_empty() || url.starts_with("https://") || loopback_http(url)) {
            anyhow::bail!("billing.stripe_api_url {url:?} must be https:// (or http:// on this machine, for tests)");
        }
        let stripe = meridian_billing::stripe::StripeApi::new(b.stripe_secret_key.expose().trim(), Some(url))
            .map_err(|e| anyhow::anyhow!("billing: {e}"))?;
        Ok(meridian_service::billing::BillingConfig {
            webhook_secrets: secrets,
            grace_days: b.grace_days,
            stripe: Some(stripe),
        })
    }

    /// The sign-in providers as the services take them; two with one name are an error.
    pub fn providers(&self) -> anyhow::Result<Vec<meridian_service::identities::ProviderConfig>> {
        let providers = self.providers.iter().map(ProviderSettings::to_service).collect::<anyhow::Result<Vec<_>>>()?;
        for (i, p) in providers.iter().enumerate() {
            if providers[..i].iter().any(|q| q.name == p.name) {
                anyhow::bail!("providers: the name {:?} is used twice", p.name);
            }
        }
        Ok(providers)
    }

    /// The public URL, or `http://` and the bind address when none is configured (no trailing slash).
    pub fn public_url(&self) -> String {
        let url = self.public_url.trim().trim_end_matches('/');
        if url.is_empty() { format!("http://{}", self.bind) } else { url.to_owned() }
    }

    /// Whether the site is served over HTTPS (by its public URL).
    pub fn is_https(&self) -> bool {
        self.public_url().starts_with("https://")
    }

    pub fn is_embedded_database(&self) -> bool {
        self.database_url().starts_with("sqlite:")
    }
}

/// `[[plans]]` as the reference describes it: the billing crate's `PlanSettings` has no schema of its own, so its
/// keys are described here. The tests hold them to `PlanSettings` (the same keys, the same required ones) and the
/// defaults shown are read from `PlanSettings` itself. `Option`: the key may be left out.
#[derive(JsonSchema)]
#[expect(dead_code, reason = "only its schema is used: plans are read as `PlanSettings`")]
struct PlanKeys {
    /// Stored on each workspace: keep it once workspaces use it.
    key: String,
    /// The plan's name on the pages.
    name: String,
    /// A line about the plan on the pages.
    description: Option<String>,
    /// The flat monthly price (`"19.00"`), shown on the pages; `"0"` for a free plan.
    monthly_price: Option<String>,
    /// ISO 4217, lowercase as Stripe writes it (`eur`, `usd`).
    currency: Option<String>,
    /// The hot tier (`hot = { included = "100 GiB" }`).
    hot: TierKeys,
    /// The cool tier.
    cool: TierKeys,
    /// The cold tier.
    cold: TierKeys,
    /// The largest file a workspace on this plan may store.
    max_file: SizeKey,
    /// How many members a workspace on this plan may have; none: no limit.
    members: Option<u32>,
    /// The Stripe Price of the flat monthly fee (`price_...`); plans without one cannot be bought.
    stripe_price: Option<String>,
}

/// One tier of a `[[plans]]` table (the billing crate's `TierSettings`).
#[derive(JsonSchema)]
#[expect(dead_code, reason = "only its schema is used")]
struct TierKeys {
    /// Paid for by the monthly price.
    included: SizeKey,
    /// The most the tier may hold; beyond `included` it is billed per GiB-month. None: `included`.
    limit: Option<SizeKey>,
    /// The price of a GiB-month beyond `included` (`"0.02"`), in the plan's currency.
    overage_per_gib_month: Option<String>,
    /// The Stripe Billing Meter's event name that counts this tier's overage, in whole GiB-months.
    stripe_meter: Option<String>,
    /// The metered Stripe Price (`price_...`, usage type metered, on that meter) added to the plan's subscription.
    stripe_price: Option<String>,
}

/// A size: bytes, or text with a binary unit (`"5 GiB"`, `"500 MiB"`, `"2TiB"`).
#[derive(JsonSchema)]
#[serde(untagged)]
#[expect(dead_code, reason = "only its schema is used")]
enum SizeKey {
    Bytes(u64),
    Text(String),
}

/// One key of the configuration reference.
#[derive(Debug, Clone)]
struct KeyDoc {
    /// From the top, `.` between tables and `[]` for each table of an array of tables: `storage.bucket`,
    /// `providers[].name`, `plans[].hot.limit`.
    path: String,
    shape: Shape,
    /// As a file writes it: `string`, `integer`, `boolean`, `array of strings`, `table`, `array of tables`, ...
    kind: String,
    /// What an unset key is (a table's is None): from `Config::default()`, or from serde for a key in a table of
    /// an array of tables.
    default: Option<serde_json::Value>,
    /// In a table of an array of tables: a key every such table must have.
    required: bool,
    /// None inside an array of tables, and for a table (its keys have theirs).
    env: Option<String>,
    flag: Option<String>,
    /// The doc comment, on one line.
    description: String,
    /// For an array of tables: the smallest table it takes (only its required keys, each with a placeholder).
    minimal: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    Value,
    Table,
    Tables,
}

/// The configuration's JSON Schema and what the walk over it needs.
struct SchemaWalk {
    defs: serde_json::Map<String, serde_json::Value>,
    flags: Vec<(String, String)>,
}

impl SchemaWalk {
    /// The schema a `$ref` names, or the schema itself.
    fn resolve<'a>(&'a self, schema: &'a serde_json::Value) -> anyhow::Result<&'a serde_json::Value> {
        match schema.get("$ref").and_then(serde_json::Value::as_str) {
            Some(r) => r
                .strip_prefix("#/$defs/")
                .and_then(|name| self.defs.get(name))
                .ok_or_else(|| anyhow::anyhow!("unresolved schema reference {r}")),
            None => Ok(schema),
        }
    }

    /// A table (struct), an array of tables, or a value.
    fn shape<'a>(&'a self, schema: &'a serde_json::Value) -> anyhow::Result<(Shape, &'a serde_json::Value)> {
        let s = self.resolve(schema)?;
        if s.get("properties").is_some() {
            return Ok((Shape::Table, s));
        }
        if let Some(items) = s.get("items") {
            let item = self.resolve(items)?;
            if item.get("properties").is_some() {
                return Ok((Shape::Tables, item));
            }
        }
        Ok((Shape::Value, s))
    }

    /// The alternatives of an `anyOf` (nested ones too), resolved, without `null` (an `Option` is a key that may
    /// be left out).
    fn alternatives<'a>(&'a self, schema: &'a serde_json::Value) -> anyhow::Result<Vec<&'a serde_json::Value>> {
        let s = self.resolve(schema)?;
        let Some(any) = s.get("anyOf").and_then(serde_json::Value::as_array) else {
            return Ok(vec![s]);
        };
        let mut alternatives = Vec::new();
        for a in any {
            if a.get("type").and_then(serde_json::Value::as_str) != Some("null") {
                alternatives.extend(self.alternatives(a)?);
            }
        }
        Ok(alternatives)
    }

    fn primitive(schema: &serde_json::Value) -> anyhow::Result<&str> {
        let t = schema.get("type");
        let single = match t {
            Some(serde_json::Value::String(t)) => Some(t.as_str()),
            Some(serde_json::Value::Array(ts)) => {
                let mut ts = ts.iter().filter_map(serde_json::Value::as_str).filter(|t| *t != "null");
                ts.next().filter(|_| ts.next().is_none())
            }
            _ => None,
        };
        single.ok_or_else(|| anyhow::anyhow!("no single type in the schema {schema}"))
    }

    /// How a file writes a value of this schema.
    fn kind(&self, schema: &serde_json::Value) -> anyhow::Result<String> {
        let mut names = Vec::new();
        for s in self.alternatives(schema)? {
            names.push(match Self::primitive(s)? {
                "string" if s.get("writeOnly") == Some(&serde_json::Value::Bool(true)) => "string (secret)".to_owned(),
                "string" if s.get("format").and_then(serde_json::Value::as_str) == Some("ip") => {
                    "IP address".to_owned()
                }
                "array" => {
                    let item = self.kind(s.get("items").unwrap_or(&serde_json::Value::Null))?;
                    format!("array of {item}{}", if item.ends_with('s') { "es" } else { "s" })
                }
                t @ ("string" | "integer" | "boolean" | "number") => t.to_owned(),
                other => anyhow::bail!("no name for the type {other}"),
            });
        }
        Ok(names.join(" or "))
    }

    /// The smallest value of this schema: a table with only its required keys, placeholders for the rest.
    fn minimal(&self, schema: &serde_json::Value) -> anyhow::Result<serde_json::Value> {
        use serde_json::Value;
        let s = self.resolve(schema)?;
        if let Some(props) = s.get("properties").and_then(Value::as_object) {
            let mut table = serde_json::Map::new();
            for key in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                let prop = props.get(key).ok_or_else(|| anyhow::anyhow!("required key {key} has no schema"))?;
                table.insert(key.to_owned(), self.minimal(prop)?);
            }
            return Ok(Value::Object(table));
        }
        let first = *self.alternatives(s)?.first().ok_or_else(|| anyhow::anyhow!("no type in {s}"))?;
        Ok(match Self::primitive(first)? {
            "string" => Value::from(""),
            "integer" | "number" => Value::from(0),
            "boolean" => Value::Bool(false),
            "array" => Value::Array(Vec::new()),
            other => anyhow::bail!("no placeholder for the type {other}"),
        })
    }

    /// Lists the keys of `table` (an object schema) under `prefix`; `defaults` is the table as serde fills it in.
    fn walk(
        &self,
        table: &serde_json::Value,
        prefix: &str,
        defaults: &serde_json::Value,
        in_array: bool,
        out: &mut Vec<KeyDoc>,
    ) -> anyhow::Result<()> {
        use serde_json::Value;
        let props = table.get("properties").and_then(Value::as_object).ok_or_else(|| anyhow::anyhow!("no keys"))?;
        let required: Vec<&str> =
            table.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        // In alphabetical order, whatever order the JSON maps keep.
        let mut props: Vec<(&String, &Value)> = props.iter().collect();
        props.sort_by_key(|(key, _)| *key);
        for (key, prop) in props {
            let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
            let description = prop
                .get("description")
                .and_then(Value::as_str)
                .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
                .filter(|d| !d.is_empty())
                .ok_or_else(|| anyhow::anyhow!("the configuration key {path} has no doc comment"))?;
            let default = defaults.get(key);
            let required = required.contains(&key.as_str());
            if default.is_none() && !required {
                anyhow::bail!("the configuration key {path} has no default");
            }
            let env = (!in_array).then(|| format!("MERIDIAN_{}", path.to_uppercase().replace('.', "__")));
            let flag = self.flags.iter().find(|(k, _)| *k == path).map(|(_, f)| f.clone());
            let (shape, schema) = self.shape(prop)?;
            let mut doc = KeyDoc {
                path: path.clone(),
                shape,
                kind: String::new(),
                default: default.cloned(),
                required,
                env,
                flag,
                description,
                minimal: None,
            };
            match shape {
                Shape::Value => {
                    doc.kind = self.kind(prop)?;
                    out.push(doc);
                }
                Shape::Table => {
                    doc.kind = "table".into();
                    (doc.default, doc.env) = (None, None);
                    out.push(doc);
                    let defaults = default.ok_or_else(|| anyhow::anyhow!("{path}: no default table"))?;
                    self.walk(schema, &path, defaults, in_array, out)?;
                }
                Shape::Tables => {
                    let minimal = self.minimal(schema)?;
                    let sample = element_defaults(&path, minimal.clone())?;
                    doc.kind = "array of tables".into();
                    doc.minimal = Some(minimal);
                    out.push(doc);
                    self.walk(schema, &format!("{path}[]"), &sample, true, out)?;
                }
            }
        }
        Ok(())
    }
}

/// One table of the array of tables at `path` with only `minimal`'s keys, as the configuration reads it: what
/// serde filled in are the defaults of the others. Each array of tables in `Config` needs its element type here.
fn element_defaults(path: &str, minimal: serde_json::Value) -> anyhow::Result<serde_json::Value> {
    fn read_back<T: Serialize + serde::de::DeserializeOwned>(
        v: serde_json::Value,
    ) -> anyhow::Result<serde_json::Value> {
        Ok(serde_json::to_value(serde_json::from_value::<T>(v)?)?)
    }
    match path {
        "providers" => read_back::<ProviderSettings>(minimal),
        "plans" => read_back::<meridian_billing::PlanSettings>(minimal),
        other => anyhow::bail!("{other}: an array of tables without its element type in `element_defaults`"),
    }
    .map_err(|e| anyhow::anyhow!("{path}: {e}"))
}

/// The command-line flags that override keys: (key, flag).
fn override_flags() -> anyhow::Result<Vec<(String, String)>> {
    let d = Config::default();
    let every = serde_json::to_value(Overrides { bind: Some(d.bind), data_dir: Some(d.data_dir) })?;
    let keys = every.as_object().map(|m| m.keys().cloned().collect::<Vec<_>>()).unwrap_or_default();
    Ok(keys.into_iter().map(|k| (k.clone(), format!("--{}", k.replace('_', "-")))).collect())
}

/// Every key of the configuration, from its types: names, types and doc comments from their JSON Schema,
/// defaults from `Config::default()` (and serde, inside arrays of tables).
fn reference_keys() -> anyhow::Result<Vec<KeyDoc>> {
    let schema = serde_json::to_value(schemars::schema_for!(Config))?;
    let defs = schema.get("$defs").and_then(serde_json::Value::as_object).cloned().unwrap_or_default();
    let walk = SchemaWalk { defs, flags: override_flags()? };
    let mut keys = Vec::new();
    walk.walk(&schema, "", &serde_json::to_value(Config::default())?, false, &mut keys)?;
    Ok(keys)
}

/// A value as a TOML file writes it.
fn toml_literal(v: &serde_json::Value) -> String {
    use serde_json::Value;
    match v {
        Value::Null => String::new(),
        Value::Array(items) => format!("[{}]", items.iter().map(toml_literal).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => {
            let pairs: Vec<String> = m.iter().map(|(k, v)| format!("{k} = {}", toml_literal(v))).collect();
            format!("{{ {} }}", pairs.join(", "))
        }
        // JSON's strings, numbers and booleans are TOML's.
        other => other.to_string(),
    }
}

const REFERENCE_HEAD: &str = r#"# Configuration reference

<!-- Generated from the configuration types (backend/server/src/config.rs) by `meridian config reference`; do not
edit. Regenerate with `cargo run -p meridian-server -- config reference > docs/config-reference.md`; a test fails
while this file differs from what the code generates. -->

Every setting has a default: `meridian serve` with no configuration at all runs the embedded default (SQLite and
files under `./data`, mail to an outbox folder, billing off). Settings come in layers, each overriding the one
before:

1. the defaults below;
2. a TOML file, `--config FILE` or `MERIDIAN_CONFIG=FILE` (see `infra/meridian.example.toml`);
3. environment variables: `MERIDIAN_` and the key in capitals, a key in a table joined to it by `__`
   (`storage.bucket` is `MERIDIAN_STORAGE__BUCKET`);
4. command-line flags (`--bind`, `--data-dir`).

An unknown key, in the file or as a `MERIDIAN_*` variable, stops the program at start-up.

Environment values are read as TOML-like values: `true`, `42`, `[10.0.0.1, 10.0.0.2]`. A string that looks like a
number or a boolean must be quoted, or it is refused: `MERIDIAN_MAIL__SMTP_PASSWORD='"123456"'`. Arrays of tables
can be given inline (`MERIDIAN_PROVIDERS='[{name = "orcid", ...}]'`), but a file reads better.

Keys of type *string (secret)* are never logged. Give them as environment variables (a protected environment
file, a Kubernetes Secret) rather than in the file, or keep the file readable by the service only.

Defaults are shown as a file would write them; *none*: not set. In a table of an array of tables (`[[providers]]`,
`[[plans]]`), *required* keys must be given.
"#;

/// The configuration reference as Markdown (docs/config-reference.md): every key with its type, default,
/// environment variable or flag, and description, table by table.
pub fn reference_markdown() -> anyhow::Result<String> {
    let keys = reference_keys()?;
    // The rows of each table, tables in the order they are met (the top level first).
    let mut tables: Vec<(String, Vec<[String; 5]>)> = Vec::new();
    for k in &keys {
        let (parent, key) = k.path.rsplit_once('.').unwrap_or(("", &k.path));
        let default = match (&k.default, k.shape) {
            _ if k.required => "required".to_owned(),
            (_, Shape::Table) => "—".to_owned(),
            (Some(serde_json::Value::Null), _) => "none".to_owned(),
            (Some(v), _) => format!("`{}`", toml_literal(v)),
            (None, _) => anyhow::bail!("{}: no default", k.path),
        };
        let set_by: Vec<String> = k.env.iter().chain(&k.flag).map(|s| format!("`{s}`")).collect();
        let kind = match k.shape {
            Shape::Table if k.path.contains("[]") => "table".to_owned(),
            Shape::Table => format!("table (`[{}]`)", k.path),
            Shape::Tables => format!("array of tables (`[[{}]]`)", k.path),
            Shape::Value => k.kind.clone(),
        };
        let row = [
            format!("`{key}`"),
            kind,
            default,
            if set_by.is_empty() { "—".to_owned() } else { set_by.join(", ") },
            k.description.replace('|', "\\|"),
        ];
        match tables.iter_mut().find(|(p, _)| p == parent) {
            Some((_, rows)) => rows.push(row),
            None => tables.push((parent.to_owned(), vec![row])),
        }
    }
    // Tables of one type side by side (the tiers of a plan) are listed once.
    let mut sections: Vec<(Vec<String>, Vec<[String; 5]>)> = Vec::new();
    for (parent, rows) in tables {
        let grandparent = |p: &str| p.rsplit_once('.').map(|(g, _)| g.to_owned());
        match sections.iter_mut().find(|(ps, r)| *r == rows && grandparent(&ps[0]) == grandparent(&parent)) {
            Some((parents, _)) => parents.push(parent),
            None => sections.push((vec![parent], rows)),
        }
    }
    let mut out = String::from(REFERENCE_HEAD);
    for (parents, rows) in sections {
        let heading = match parents[0].rsplit_once('.') {
            _ if parents[0].is_empty() => "The top level".to_owned(),
            _ if parents[0].ends_with("[]") => format!("`[[{}]]`: each table", parents[0].trim_end_matches("[]")),
            Some((array, _)) if array.ends_with("[]") => {
                let names: Vec<String> = parents
                    .iter()
                    .map(|p| format!("`{}`", p.rsplit_once('.').map_or(p.as_str(), |(_, n)| n)))
                    .collect();
                format!("{} in each `[[{}]]` table", names.join(", "), array.trim_end_matches("[]"))
            }
            _ => parents.iter().map(|p| format!("`[{p}]`")).collect::<Vec<_>>().join(", "),
        };
        out.push_str(&format!("\n## {heading}\n\n| key | type | default | environment / flag | description |\n"));
        out.push_str("|---|---|---|---|---|\n");
        for row in rows {
            out.push_str(&format!("| {} |\n", row.join(" | ")));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn plain_http_only_to_this_machine() {
        for ok in ["http://127.0.0.1:4011", "http://localhost/", "http://[::1]:8420/v1"] {
            assert!(loopback_http(ok), "{ok}");
        }
        for bad in [
            "http://localhost:@evil.example/",
            "http://127.0.0.1.evil.example/",
            "https://127.0.0.1/",
            "http://u@localhost/",
            "ftp://localhost/",
        ] {
            assert!(!loopback_http(bad), "{bad}");
        }
    }

    #[test]
    #[expect(clippy::result_large_err, reason = "figment's Jail closure returns figment::Error by design")]
    fn layers_and_rejections() {
        figment::Jail::expect_with(|jail| {
            jail.create_file("m.toml", "bind = \"127.0.0.1:9000\"\nlog = \"debug\"\n[mail]\nfrom = \"obs@x.org\"\n")?;
            jail.set_env("MERIDIAN_LOG", "warn");
            jail.set_env("MERIDIAN_BILLING__STRIPE_SECRET_KEY", "sk_test_123");
            jail.set_env("MERIDIAN_JOBS__IN_PROCESS", "false");
            jail.set_env("MERIDIAN_JOBS__CONCURRENCY", "2");
            let c = Config::load(Some(Path::new("m.toml")), &Overrides::default()).map_err(|e| *e)?;
            assert!(!c.jobs.in_process);
            assert_eq!(c.jobs.worker_options().concurrency, 2);
            assert_eq!(c.jobs.heartbeat_secs, 30, "unnamed job settings keep their defaults");
            assert_eq!(c.bind.port(), 9000);
            assert_eq!(c.log, "warn", "environment beats file");
            assert_eq!(c.mail.from, "obs@x.org");
            assert!(!format!("{c:?}").contains("sk_test_123"), "secrets are redacted");
            let o = Overrides { bind: Some(SocketAddr::from(([127, 0, 0, 1], 7000))), data_dir: None };
            assert_eq!(Config::load(Some(Path::new("m.toml")), &o).map_err(|e| *e)?.bind.port(), 7000);

            jail.set_env("MERIDIAN_CONFIG", "m.toml");
            assert!(Config::load(None, &Overrides::default()).is_ok(), "MERIDIAN_CONFIG is not a setting");
            jail.set_env("MERIDIAN_DATABSE_URL", "typo");
            assert!(Config::load(None, &Overrides::default()).is_err(), "unknown env key rejected");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("MERIDIAN_STORAGE__BACKEND", "s3");
            jail.set_env("MERIDIAN_STORAGE__BUCKET", "data");
            jail.set_env("MERIDIAN_STORAGE__CONCURRENCY", "8");
            jail.set_env("MERIDIAN_STORAGE__CHECKSUMS", "false");
            let c = Config::load(None, &Overrides::default()).map_err(|e| *e)?;
            let Ok(meridian_storage::StorageConfig::S3(s3)) = c.storage_config() else {
                panic!("an S3 configuration");
            };
            assert_eq!((s3.bucket.as_str(), s3.concurrency, s3.checksums), ("data", 8, false));
            assert_eq!(s3.part_size, 8 * 1024 * 1024, "unnamed: the storage crate's default");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.set_env("MERIDIAN_JOBS__CONCURENCY", "2");
            assert!(Config::load(None, &Overrides::default()).is_err(), "unknown job setting rejected");
            Ok(())
        });
        figment::Jail::expect_with(|jail| {
            jail.create_file("bad.toml", "colour = \"blue\"\n")?;
            assert!(Config::load(Some(Path::new("bad.toml")), &Overrides::default()).is_err());
            let c = Config::load(None, &Overrides::default()).map_err(|e| *e)?;
            assert_eq!(c.bind, SocketAddr::from(([127, 0, 0, 1], 8080)));
            assert!(c.database_url().starts_with("sqlite://data/meridian.db"));
            assert!(c.jobs.in_process, "the embedded default runs jobs in the server");
            jail.set_env("MERIDIAN_DATABASE_URL", "postgres://u:pw@h/db");
            let c = Config::load(None, &Overrides::default()).map_err(|e| *e)?;
            assert!(!c.is_embedded_database());
            assert!(!format!("{c:?}").contains("pw@"));
            Ok(())
        });
    }

    #[test]
    #[expect(clippy::result_large_err, reason = "figment's Jail closure returns figment::Error by design")]
    fn providers_are_checked_and_their_secrets_redacted() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "p.toml",
                r#"
[[providers]]
name = "institute"
display_name = "Institute login"
kind = "oidc"
issuer = "https://login.example.org/realms/obs"
client_id = "meridian"
client_secret = "oidc-secret-value"

[[providers]]
name = "github"
display_name = "GitHub"
kind = "github"
client_id = "gh"
client_secret = "gh-secret-value"
"#,
            )?;
            let c = Config::load(Some(Path::new("p.toml")), &Overrides::default()).map_err(|e| *e)?;
            let debug = format!("{c:?}");
            assert!(!debug.contains("secret-value"), "{debug}");
            let p = c.providers().map_err(|e| figment::Error::from(e.to_string()))?;
            assert_eq!(p[0].scopes, ["openid", "email", "profile"]);
            assert_eq!(p[1].scopes, ["read:user", "user:email"]);
            assert!(
                matches!(&p[1].kind, meridian_service::identities::ProviderKind::Github { api_url, .. } if api_url == "https://api.github.com")
            );
            assert!(!format!("{p:?}").contains("secret-value"));

            jail.create_file("bad.toml", "[[providers]]\nname = \"x\"\nkind = \"oidc\"\nissuer = \"https://i\"\nclient_id = \"a\"\nclient_secret = \"b\"\ncolour = \"red\"\n")?;
            assert!(Config::load(Some(Path::new("bad.toml")), &Overrides::default()).is_err(), "unknown key");
            for (name, kind, issuer) in
                [("Bad Name", "oidc", "https://i"), ("x", "saml", "https://i"), ("x", "oidc", "ftp://i")]
            {
                jail.create_file(
                    "one.toml",
                    &format!("[[providers]]\nname = {name:?}\ndisplay_name = \"X\"\nkind = {kind:?}\nissuer = {issuer:?}\nclient_id = \"a\"\nclient_secret = \"b\"\n"),
                )?;
                let c = Config::load(Some(Path::new("one.toml")), &Overrides::default()).map_err(|e| *e)?;
                assert!(c.providers().is_err(), "{name} {kind} {issuer}");
            }
            Ok(())
        });
    }

    #[test]
    #[expect(clippy::result_large_err, reason = "figment's Jail closure returns figment::Error by design")]
    fn the_example_file_is_valid() {
        // In a jail: other tests set MERIDIAN_* variables in theirs, and the environment is the process's.
        figment::Jail::expect_with(|_| {
            let file = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/meridian.example.toml"));
            let c = Config::load(Some(file), &Overrides::default()).expect("example parses");
            assert_eq!(c.data_dir, PathBuf::from("/var/lib/meridian"));
            assert!(c.public_url.starts_with("https://"));
            assert_eq!(c.jobs.worker_options().backoff_base, std::time::Duration::from_secs(10));
            Ok(())
        });
    }

    /// docs/config-reference.md is what `meridian config reference` prints.
    #[test]
    fn committed_reference_matches_the_code() {
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/config-reference.md");
        let committed = std::fs::read_to_string(file).expect("docs/config-reference.md exists");
        let generated = reference_markdown().expect("the reference");
        assert!(
            committed == generated,
            "docs/config-reference.md is stale: run `cargo run -p meridian-server -- config reference > docs/config-reference.md`"
        );
    }

    /// Every key of `Config::default()` serialized, nested tables and the tables of arrays of tables too (read
    /// back through their own types), is in the reference, and no other; defaults are the types' own.
    #[test]
    fn the_reference_lists_every_key_with_its_default() {
        fn paths(v: &serde_json::Value, prefix: &str, keys: &[KeyDoc], out: &mut BTreeSet<String>) {
            for (k, v) in v.as_object().into_iter().flatten() {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                out.insert(path.clone());
                if v.is_object() {
                    paths(v, &path, keys, out);
                }
                if let Some(minimal) = keys.iter().find(|d| d.path == path).and_then(|d| d.minimal.clone()) {
                    let element = element_defaults(&path, minimal).expect("a table of the array");
                    paths(&element, &format!("{path}[]"), keys, out);
                }
            }
        }
        let keys = reference_keys().expect("the reference");
        let mut typed = BTreeSet::new();
        paths(&serde_json::to_value(Config::default()).expect("json"), "", &keys, &mut typed);
        let listed: BTreeSet<String> = keys.iter().map(|k| k.path.clone()).collect();
        assert_eq!(listed, typed);
        assert_eq!(listed.len(), keys.len(), "each key once");
        for path in ["storage.bucket", "storage.part_size", "mail.smtp_password", "providers[].client_secret"] {
            assert!(listed.contains(path), "{path}");
        }
        let key = |path: &str| keys.iter().find(|k| k.path == path).expect(path);
        use serde_json::json;
        assert_eq!(key("storage.part_size").default, Some(json!(meridian_storage::S3Config::new("").part_size)));
        assert_eq!(key("mail.smtp_port").default, Some(json!(587)));
        assert_eq!(key("plans[].currency").default, Some(json!("eur")), "the billing crate's serde default");
        assert_eq!(key("plans[].members").default, Some(serde_json::Value::Null));
        assert!(
            key("plans[].key").required && key("plans[].hot.included").required && !key("plans[].members").required
        );
        assert_eq!(key("storage.secret_access_key").kind, "string (secret)");
        assert_eq!(key("trusted_proxies").kind, "array of strings");
        assert_eq!(key("plans[].hot.limit").kind, "integer or string");
        assert_eq!(key("storage.bucket").env.as_deref(), Some("MERIDIAN_STORAGE__BUCKET"));
        assert_eq!(key("providers[].name").env, None);
        assert_eq!(key("bind").flag.as_deref(), Some("--bind"));
        assert_eq!(key("data_dir").flag.as_deref(), Some("--data-dir"));
    }

    /// In a table of an array of tables, the keys the reference calls required are: a table without any one of
    /// them is refused, and one with only them is taken.
    #[test]
    fn required_keys_are_required() {
        fn tables(v: &serde_json::Value, prefix: &str, out: &mut Vec<String>) {
            for (k, v) in v.as_object().into_iter().flatten() {
                let path = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                out.push(path.clone());
                tables(v, &path, out);
            }
        }
        fn without(v: &serde_json::Value, path: &str) -> serde_json::Value {
            let mut v = v.clone();
            let (parent, key) = path.rsplit_once('.').unwrap_or(("", path));
            let table = parent.split('.').filter(|p| !p.is_empty()).try_fold(&mut v, |v, k| v.get_mut(k));
            table.and_then(serde_json::Value::as_object_mut).expect("the key's table").remove(key);
            v
        }
        let keys = reference_keys().expect("the reference");
        let mut arrays = 0;
        for array in keys.iter().filter(|k| k.shape == Shape::Tables) {
            let minimal = array.minimal.clone().expect("the smallest table");
            element_defaults(&array.path, minimal.clone()).expect("the smallest table is taken");
            let mut required = Vec::new();
            tables(&minimal, "", &mut required);
            for key in &required {
                assert!(
                    element_defaults(&array.path, without(&minimal, key)).is_err(),
                    "{}[].{key} is not required",
                    array.path
                );
            }
            let marked: Vec<String> = keys
                .iter()
                .filter_map(|k| k.path.strip_prefix(&format!("{}[].", array.path)).filter(|_| k.required))
                .map(str::to_owned)
                .collect();
            assert_eq!(
                marked.iter().collect::<BTreeSet<_>>(),
                required.iter().collect::<BTreeSet<_>>(),
                "{}",
                array.path
            );
            arrays += 1;
        }
        assert_eq!(arrays, 2, "providers and plans");
    }

    /// Every environment variable the reference names sets its key, given as the reference says.
    #[test]
    #[expect(clippy::result_large_err, reason = "figment's Jail closure returns figment::Error by design")]
    fn every_environment_variable_sets_its_key() {
        use serde_json::{Value, json};
        /// A value as the environment writes it (figment's syntax for values).
        fn inline(v: &Value) -> String {
            match v {
                Value::Object(m) => {
                    format!(
                        "{{{}}}",
                        m.iter().map(|(k, v)| format!("{k} = {}", inline(v))).collect::<Vec<_>>().join(", ")
                    )
                }
                Value::Array(a) => format!("[{}]", a.iter().map(inline).collect::<Vec<_>>().join(", ")),
                other => other.to_string(),
            }
        }
        let keys = reference_keys().expect("the reference");
        let mut checked = 0;
        for k in &keys {
            let Some(env) = k.env.as_deref() else { continue };
            let default = k.default.clone().expect("a default");
            let candidates: Vec<(String, Value)> = match (k.shape, &default) {
                (Shape::Tables, _) => {
                    let minimal = k.minimal.clone().expect("the smallest table");
                    let element = element_defaults(&k.path, minimal.clone()).expect("taken");
                    vec![(format!("[{}]", inline(&minimal)), json!([element]))]
                }
                (_, Value::Bool(b)) => vec![((!b).to_string(), json!(!b))],
                (_, Value::Number(n)) => {
                    let n = n.as_u64().expect("a count") + 1;
                    vec![(n.to_string(), json!(n))]
                }
                // Any string, a socket address, or a value of a choice (`log_format`).
                (_, Value::String(_)) => {
                    ["probe-value", "10.9.8.7:6543", "json"].iter().map(|s| ((*s).to_owned(), json!(s))).collect()
                }
                (_, Value::Array(_)) => vec![("[10.9.8.7]".to_owned(), json!(["10.9.8.7"]))],
                other => panic!("{}: no value to try for {other:?}", k.path),
            };
            let set = candidates.iter().any(|(value, expected)| {
                let mut loaded = None;
                figment::Jail::expect_with(|jail| {
                    jail.set_env(env, value);
                    loaded = Config::load(None, &Overrides::default()).ok();
                    Ok(())
                });
                let loaded = loaded.map(|c| serde_json::to_value(c).expect("json"));
                loaded.as_ref().and_then(|c| k.path.split('.').try_fold(c, |v, key| v.get(key))) == Some(expected)
            });
            assert!(set, "{env} does not set {}", k.path);
            checked += 1;
        }
        assert!(checked > 60, "{checked} variables");
        figment::Jail::expect_with(|jail| {
            jail.set_env("MERIDIAN_MAIL__SMTP_PASSWORD", "123456");
            assert!(Config::load(None, &Overrides::default()).is_err(), "a number is not a string");
            jail.set_env("MERIDIAN_MAIL__SMTP_PASSWORD", "\"123456\"");
            let c = Config::load(None, &Overrides::default()).map_err(|e| *e)?;
            assert_eq!(c.mail.smtp_password.expose(), "123456", "quoted, it is");
            Ok(())
        });
    }
}
