#![doc = include_str!("../README.md")]

pub mod accounts;
pub mod auth;
pub mod billing;
pub mod data;
pub mod equipment;
mod error;
mod fetch;
pub mod identities;
pub mod integrity;
pub mod invitations;
pub mod jobs;
pub mod limits;
pub mod mail;
pub mod nights;
pub mod observe;
pub mod packages;
pub mod planning;
pub mod reports;
pub mod satellites;
mod secrets;
pub mod targets;
pub mod uploads;
pub mod vo;
pub mod workspaces;

pub use auth::{Actor, ClientInfo, Credentials};
pub use error::{ServiceError, ServiceResult, SignInFailure};
pub use meridian_migrations::{Migrator, MigratorTrait};
pub use meridian_store::DatabaseConnection;

use std::sync::Arc;

/// Settings the use cases need; the server builds it from its configuration.
#[derive(Debug, Clone)]
pub struct ServiceConfig {
    /// How long a browser session lives without use.
    pub session_ttl: chrono::Duration,
    /// How long a browser session lives at most, however much it is used (then its person signs in again).
    pub session_max_age: chrono::Duration,
    /// A package's secret link expires at most this long after it is made (and then, when no date is given).
    pub share_link_max_age: chrono::Duration,
    /// The site's address as people reach it (`https://meridian.example.org`, no trailing slash): citations and
    /// share links are built from it, never from a request's `Host` or `X-Forwarded-Host`.
    pub public_url: String,
    /// Sign-in attempts allowed per e-mail address and per client address before answering 429.
    pub login_burst: u32,
    /// Seconds for one spent attempt to come back.
    pub login_replenish_secs: u64,
    /// Sign-ups allowed per client address before answering 429, and seconds for one to come back.
    pub signup_burst: u32,
    pub signup_replenish_secs: u64,
    /// Messages one address can be sent on request (confirmation and reset links) before 429, and seconds for one
    /// to come back.
    pub mail_burst: u32,
    pub mail_replenish_secs: u64,
    /// Argon2id cost; the defaults follow OWASP's 2023 minimum (19 MiB, 2 passes).
    pub argon2_memory_kib: u32,
    pub argon2_iterations: u32,
    /// The satellite catalog's fetch URL, Earth orientation and operators.
    pub satellites: satellites::SatelliteConfig,
    /// The OAuth2 / OpenID Connect providers people may sign in with (none: e-mail and password only).
    pub providers: Vec<identities::ProviderConfig>,
    /// The storage plans (the built-in ones unless the configuration names others).
    pub plans: meridian_billing::PlanCatalog,
    /// Stripe, when billing is on.
    pub billing: billing::BillingConfig,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        Self {
            session_ttl: chrono::Duration::days(30),
            session_max_age: chrono::Duration::days(90),
            share_link_max_age: chrono::Duration::days(365),
            public_url: "http://127.0.0.1:8080".to_owned(),
            login_burst: 10,
            login_replenish_secs: 30,
            signup_burst: 20,
            signup_replenish_secs: 180,
            mail_burst: 5,
            mail_replenish_secs: 600,
            argon2_memory_kib: 19_456,
            argon2_iterations: 2,
            satellites: satellites::SatelliteConfig::default(),
            providers: Vec::new(),
            plans: meridian_billing::PlanCatalog::builtin(),
            billing: billing::BillingConfig::default(),
        }
    }
}

/// The handle every use case hangs off: a database pool, settings and in-process limiters.
/// Cheap to clone.
#[derive(Clone, Debug)]
pub struct Services {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    db: DatabaseConnection,
    /// A read replica for public readers' lists and searches (see [`Services::public_reads`]).
    read_replica: Option<DatabaseConnection>,
    config: ServiceConfig,
    limiter: auth::LoginLimiter,
    hasher: Arc<secrets::PasswordHasher>,
    /// Where data files live; set with [`Services::with_storage`] (the server always does).
    storage: Option<Arc<dyn meridian_storage::ObjectStore>>,
    jobs: jobs::JobQueue,
    satellites: satellites::SatelliteState,
    /// Where mail goes; set with [`Services::with_mailer`] (the server always does: SMTP or the outbox folder).
    mailer: Option<meridian_mail::Mailer>,
    /// Sign-in providers' HTTP client and discovery documents.
    providers: identities::ProviderState,
}

impl Services {
    pub fn new(db: DatabaseConnection, config: ServiceConfig) -> ServiceResult<Self> {
        let limiter = auth::LoginLimiter::new(&config, &db);
        let hasher = Arc::new(secrets::PasswordHasher::new(config.argon2_memory_kib, config.argon2_iterations)?);
        let jobs = jobs::JobQueue::new(&db);
        let providers = identities::ProviderState::new()?;
        Ok(Self {
            inner: Arc::new(Inner {
                db,
                read_replica: None,
                config,
                limiter,
                hasher,
                storage: None,
                jobs,
                satellites: Default::default(),
                mailer: None,
                providers,
            }),
        })
    }

    /// The same services with data files kept in `storage`. Call it right after [`Services::new`], before the
    /// handle is cloned.
    #[must_use]
    pub fn with_storage(mut self, storage: Arc<dyn meridian_storage::ObjectStore>) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.storage = Some(storage),
            None => tracing::error!("with_storage called on a shared Services handle; storage not set"),
        }
        self
    }

    /// The same services sending mail through `mailer`. Call it right after [`Services::new`], before the handle is
    /// cloned.
    #[must_use]
    pub fn with_mailer(mut self, mailer: meridian_mail::Mailer) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.mailer = Some(mailer),
            None => tracing::error!("with_mailer called on a shared Services handle; mail not set"),
        }
        self
    }

    /// The same services sending public readers' list and search queries to a read replica. Call it right after
    /// [`Services::new`], before the handle is cloned.
    #[must_use]
    pub fn with_read_replica(mut self, replica: DatabaseConnection) -> Self {
        match Arc::get_mut(&mut self.inner) {
            Some(inner) => inner.read_replica = Some(replica),
            None => tracing::error!("with_read_replica called on a shared Services handle; no replica used"),
        }
        self
    }

    pub(crate) fn db(&self) -> &DatabaseConnection {
        &self.inner.db
    }

    /// The read replica, for a public reader's search (an outsider reading a public workspace's released data:
    /// `public` true); `None` for everyone else, and when no replica is configured. A member reads their own
    /// writes at once on the primary; a visitor may see a new release a replica's lag later (and never sees what
    /// the primary no longer shows: the search's results are checked there).
    pub(crate) fn replica_for(&self, public: bool) -> Option<&DatabaseConnection> {
        self.inner.read_replica.as_ref().filter(|_| public)
    }

    /// Whether a read replica is configured.
    #[must_use]
    pub fn has_read_replica(&self) -> bool {
        self.inner.read_replica.is_some()
    }

    /// The site's public address, without a trailing slash.
    #[must_use]
    pub fn public_url(&self) -> &str {
        self.inner.config.public_url.trim_end_matches('/')
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.inner.config
    }

    /// The durable job queue on this database.
    pub fn jobs(&self) -> &jobs::JobQueue {
        &self.inner.jobs
    }

    /// What `meridian serve` and `meridian worker` run each job with.
    pub fn job_handler(&self) -> Arc<dyn jobs::JobHandler> {
        Arc::new(data::jobs::DataJobs::new(self.clone()))
    }

    /// Brings the schema up to date: ours, then apalis's job tables.
    pub async fn migrate(&self) -> ServiceResult<()> {
        Migrator::up(self.db(), None).await.map_err(ServiceError::internal)?;
        jobs::setup(self.db()).await
    }

    /// Whether the database answers (for `/readyz`).
    pub async fn ready(&self) -> bool {
        meridian_store::ping(self.db()).await.is_ok()
    }
}

/// Connects to the database at `url`.
pub async fn connect(url: &str, max_connections: u32) -> ServiceResult<DatabaseConnection> {
    meridian_store::connect(url, max_connections).await.map_err(ServiceError::internal)
}

/// Connects to a read replica lazily (see [`meridian_store::connect_lazy`]).
pub async fn connect_replica(url: &str, max_connections: u32) -> ServiceResult<DatabaseConnection> {
    meridian_store::connect_lazy(url, max_connections).await.map_err(ServiceError::internal)
}

/// A fresh random token for the CSRF cookie (rotated at sign-in, so a token planted before cannot be reused).
pub fn new_csrf_token() -> String {
    secrets::random_token(32)
}

/// The CSRF token of a signed-in browser: derived from its session token, so it is bound to that session (a token
/// planted in the browser by someone else, or one from another session, never matches) and needs no storage.
/// Nobody can compute it without the http-only session cookie.
#[must_use]
pub fn csrf_token_for(session: &auth::SessionToken) -> String {
    secrets::token_hash(&format!("meridian csrf v1\0{}", session.expose()))
}

/// Constant-time comparison of two tokens.
#[must_use]
pub fn same_token(a: &str, b: &str) -> bool {
    secrets::same(a, b)
}

/// The current time at the precision both databases keep (PostgreSQL stores microseconds), so a value reads back
/// equal to what was written on either.
pub(crate) fn now() -> chrono::DateTime<chrono::Utc> {
    use chrono::SubsecRound as _;
    chrono::Utc::now().trunc_subsecs(6)
}
