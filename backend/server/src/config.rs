//! Configuration: defaults, then an optional TOML file, then `MERIDIAN_`-prefixed environment variables, then
//! command-line flags. Unknown keys are rejected, so a typo is an error rather than a silently ignored setting.
//! Secrets are wrapped in `Secret`, whose `Debug` prints nothing.

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
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

/// Everything `meridian` can be told.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Where the embedded default keeps its SQLite file, objects and outbox.
    pub data_dir: PathBuf,
    /// `postgres://...` or `sqlite://...`; empty means the SQLite file `meridian.db` in the data directory.
    /// It may hold a password, so it is a secret.
    pub database_url: Secret,
    /// Database connections per process.
    pub database_max_connections: u32,
    /// Run pending migrations at start-up.
    pub auto_migrate: bool,
    /// The site's public URL (`https://meridian.example.org`): citations and share links are built from it, and
    /// when it is https cookies are `Secure` with the `__Host-` prefix and pages send HSTS. Empty: `http://` and
    /// the bind address, for a server reached on this machine only.
    pub public_url: String,
    /// Days a browser session lives without use, and at most however much it is used.
    pub session_idle_days: u32,
    pub session_max_days: u32,
    /// Days a package's secret link lives at most (and when made without a date).
    pub share_link_max_days: u32,
    /// The log filter (`info`, `meridian=debug,actix_web=info`, ...).
    pub log: String,
    /// Seconds an idle HTTP connection is kept open (keep it above the idle timeout of a load balancer in front).
    pub http_keep_alive_secs: u64,
    /// Mail: `outbox` (files in `<data_dir>/outbox`, the default) or an `smtp://` URL.
    pub mail: MailConfig,
    /// Billing is off unless a Stripe key is given.
    pub billing: BillingConfig,
    /// Where data files are kept: `filesystem` (under `<data_dir>/objects`, the default) or `s3`.
    pub storage: StorageSettings,
    /// Background jobs: who runs them and how.
    pub jobs: JobsConfig,
    /// Satellite checks: the catalog's scheduled fetch and the Earth orientation table.
    pub satellites: SatelliteSettings,
    /// No longer used: operators are accounts, granted with `meridian operators grant EMAIL` (an address in a
    /// file granted rights to whoever registered it first). A non-empty list is reported at start-up.
    pub operators: Vec<String>,
    /// Sign-in attempts allowed per e-mail address before 429.
    pub login_burst: u32,
    /// Seconds for one spent sign-in attempt to come back.
    pub login_replenish_secs: u64,
    /// Sign-ups allowed per client address before 429.
    pub signup_burst: u32,
    /// Seconds for one spent sign-up to come back.
    pub signup_replenish_secs: u64,
    /// Messages one address can be sent on request (per kind: confirmation, reset, invitation, address change)
    /// before 429, and seconds for one to come back.
    pub mail_burst: u32,
    pub mail_replenish_secs: u64,
    /// Anonymous API requests allowed per client address at once, and refilled per second.
    pub public_burst: u32,
    pub public_per_second: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (for rate limits); empty trusts none.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Where the compiled browser assets (`pkg/`) are; empty means `target/site` beside the binary's workspace.
    pub site_root: PathBuf,
    /// OAuth2 / OpenID Connect providers people may sign in with (`[[providers]]` tables); none by default.
    pub providers: Vec<ProviderSettings>,
    /// Storage plans (`[[plans]]` tables); none: the built-in Free, Observatory and Institution plans.
    pub plans: Vec<meridian_billing::PlanSettings>,
}

/// One sign-in provider (`[[providers]]`). Register `{public_url}/auth/{name}/callback` as its redirect URI.
#[derive(Clone, Serialize, Deserialize)]
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
    /// GitHub: its endpoints; empty means GitHub's own (other values are for tests and GitHub Enterprise).
    #[serde(default)]
    pub auth_url: String,
    #[serde(default)]
    pub token_url: String,
    #[serde(default)]
    pub api_url: String,
    pub client_id: String,
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
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// `outbox` or `smtp`.
    pub transport: String,
    /// The sender, `Meridian <noreply@example.org>`.
    pub from: String,
    /// Outbox: the folder (empty: `<data_dir>/outbox`).
    pub outbox_dir: PathBuf,
    /// SMTP: server, port, `starttls` (required STARTTLS), `tls` (implicit TLS) or `none` (loopback test servers
    /// only), credentials (both empty: none) and a timeout in seconds.
    pub smtp_host: String,
    pub smtp_port: u16,
    pub smtp_security: String,
    pub smtp_username: String,
    pub smtp_password: String,
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
            .field("smtp_password", &if self.smtp_password.is_empty() { "" } else { "<redacted>" })
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
            smtp_password: String::new(),
            smtp_timeout_secs: 30,
        }
    }
}

/// Object storage for data files.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    /// `filesystem` or `s3`.
    pub backend: String,
    /// Filesystem: the directory (empty: `<data_dir>/objects`).
    pub root: PathBuf,
    /// S3: bucket, endpoint (empty: AWS), region, path-style addressing, credentials (empty: the environment's).
    pub bucket: String,
    pub endpoint: String,
    pub region: String,
    pub path_style: bool,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    /// S3 storage classes of the hot, cool and cold tiers.
    pub hot_class: String,
    pub cool_class: String,
    pub cold_class: String,
    /// S3 streamed uploads: bytes per part (5 MiB to 5 GiB), parts sent at once (memory per upload is about
    /// (concurrency + 1) x part_size), and whether uploads carry checksums (parts: CRC32C) for the server to verify.
    pub part_size: u64,
    pub concurrency: usize,
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// The plan personal spaces start on, and the one new observatory workspaces start on (keys of `[[plans]]`;
    /// empty: the first plan).
    pub personal_plan: String,
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
#[derive(Debug, Clone, Serialize, Deserialize)]
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
            ..meridian_service::jobs::WorkerOptions::default()
        }
    }
}

/// Satellite checks (`[satellites]`, or `MERIDIAN_SATELLITES__*`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SatelliteSettings {
    /// Where the scheduled fetch reads the catalog (TLE or OMM, for example CelesTrak's GP data); empty: no fetch.
    pub catalog_url: String,
    /// Hours between fetches (CelesTrak asks for no more than one download of a group per two hours).
    pub fetch_every_hours: u32,
    /// An IERS `finals2000A.all` file for UT1 and polar motion; empty: UT1 = UTC (at most 0.9 s of rotation off).
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

impl Default for Config {
    fn default() -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data_dir: PathBuf::from("data"),
            database_url: Secret::default(),
            database_max_connections: 10,
            auto_migrate: true,
            public_url: String::new(),
            session_idle_days: 30,
            session_max_days: 90,
            share_link_max_days: 365,
            log: "info".into(),
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
                    password: nonempty(&m.smtp_password),
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn the_example_file_is_valid() {
        let file = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../infra/meridian.example.toml"));
        let c = Config::load(Some(file), &Overrides::default()).expect("example parses");
        assert_eq!(c.data_dir, PathBuf::from("/var/lib/meridian"));
        assert!(c.public_url.starts_with("https://"));
        assert_eq!(c.jobs.worker_options().backoff_base, std::time::Duration::from_secs(10));
    }
}
