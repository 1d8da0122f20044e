#![doc = include_str!("../README.md")]

pub mod accounts;
pub mod billing;
pub mod data;
pub mod entities;
pub mod equipment;
pub mod identities;
pub mod integrity;
pub mod invitations;
pub mod jobs;
pub mod limits;
pub mod mail;
pub mod nights;
pub mod packages;
pub mod page;
pub mod planning;
pub mod satellites;
pub(crate) mod scoped;
pub mod targets;
pub mod uploads;
pub mod workspaces;

pub use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, TransactionTrait};

use meridian_domain::ValidationError;
use sea_orm::{ConnectOptions, Database, SqlErr};

/// What went wrong in the database layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key already holds this value; `field` names it for the client.
    #[error("{field} is already taken")]
    Conflict { field: &'static str },
    /// The caller's input is not acceptable (a cursor this server did not issue).
    #[error(transparent)]
    Invalid(ValidationError),
    /// A stored value no longer parses as its domain type (a bug or a hand edit): never the client's fault.
    #[error("corrupt stored value: {0}")]
    Corrupt(#[from] ValidationError),
    #[error(transparent)]
    Db(#[from] DbErr),
    /// A row cannot be deleted while others refer to it; `what` names them (`telescopes`, `night_logs`).
    #[error("still has {what}")]
    InUse { what: &'static str },
    /// The connection was lost while a transaction committed: the database may have committed it before its answer
    /// was lost, so nobody can say whether the writes happened (see [`commit`]).
    #[error("the connection was lost while committing; the transaction may or may not have been committed")]
    CommitOutcomeUnknown(#[source] DbErr),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Maps a unique-key violation to a conflict on `field`; everything else stays a database error.
pub(crate) fn conflict_on(field: &'static str) -> impl FnOnce(DbErr) -> StoreError {
    move |e| match e.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => StoreError::Conflict { field },
        _ => StoreError::Db(e),
    }
}

/// Maps a foreign-key violation (a row still referred to) to `InUse { what }`; everything else stays a database
/// error.
pub(crate) fn in_use(what: &'static str) -> impl FnOnce(DbErr) -> StoreError {
    move |e| match e.sql_err() {
        Some(SqlErr::ForeignKeyConstraintViolation(_)) => StoreError::InUse { what },
        _ => StoreError::Db(e),
    }
}

/// `%`, `_` and the escape character itself match literally in a LIKE pattern built from user text.
pub(crate) fn like_escaped(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The rows of a list or of a background sweep as domain types. A row whose stored values no longer parse (a hand
/// edit, a bug) is logged and left out: one damaged row must not fail a page for its workspace or stop a job for
/// every workspace. A single read of that row stays an error.
pub(crate) fn lenient<M, T>(rows: Vec<M>, table: &'static str, to_domain: impl Fn(M) -> StoreResult<T>) -> Vec<T> {
    rows.into_iter()
        .filter_map(|m| match to_domain(m) {
            Ok(t) => Some(t),
            Err(e) => {
                tracing::warn!(table, error = %e, "left out a row whose stored values do not parse");
                None
            }
        })
        .collect()
}

/// A list of short strings kept as a JSON array in a text column (tags, filters).
pub(crate) fn json_list(items: impl IntoIterator<Item = impl Into<String>>) -> String {
    let items: Vec<String> = items.into_iter().map(Into::into).collect();
    serde_json::to_string(&items).unwrap_or_else(|_| "[]".to_owned())
}

/// Reads a JSON array column back; a value that is not one is corrupt.
pub(crate) fn read_json_list(field: &str, s: &str) -> StoreResult<Vec<String>> {
    read_json(field, s)
}

/// A JSON column read back as `T`; one that does not parse is corrupt.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(field: &str, s: &str) -> StoreResult<T> {
    serde_json::from_str(s).map_err(|_| StoreError::Corrupt(ValidationError::new(field, "is not the JSON stored here")))
}

/// How a timestamp is written: the generated entities hold `DateTime<FixedOffset>`; Meridian always stores UTC.
pub(crate) fn ts(t: chrono::DateTime<chrono::Utc>) -> sea_orm::prelude::DateTimeWithTimeZone {
    t.fixed_offset()
}

/// A transaction that will write: every writing transaction begins here. On SQLite it takes the write lock at
/// BEGIN (IMMEDIATE), so two such transactions queue (busy timeout) rather than fail half-way: a deferred one that
/// reads and then writes while another writer commits gets "database is locked" at once, whatever the busy
/// timeout (seen: concurrent ingest jobs failing and retrying for a minute). On PostgreSQL a plain transaction;
/// callers that need a stable picture of one workspace's memberships then lock its row (`workspaces::lock`).
pub async fn begin_write(db: &DatabaseConnection) -> StoreResult<DatabaseTransaction> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions};
    let opts = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    Ok(db.begin_with_options(opts).await?)
}

/// Commits `txn`. A lost connection is `StoreError::CommitOutcomeUnknown`, not the "database unavailable" of any
/// other statement: before COMMIT nothing was written and the request may be sent again, but a COMMIT whose
/// answer was lost may have been applied, and a client that retried a non-idempotent request (a publish, a
/// creation) on a "try again" would do it twice.
pub async fn commit(txn: DatabaseTransaction) -> StoreResult<()> {
    txn.commit().await.map_err(commit_error)
}

fn commit_error(e: DbErr) -> StoreError {
    if is_connection_error(&e) { StoreError::CommitOutcomeUnknown(e) } else { StoreError::Db(e) }
}

/// Connects to `url` (`sqlite://path?mode=rwc` or `postgres://...`).
pub async fn connect(url: &str, max_connections: u32) -> StoreResult<DatabaseConnection> {
    use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(1)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .sqlx_logging(false)
        // Set on every SQLite connection: WAL lets readers run beside the one writer; foreign keys are off in
        // SQLite unless asked for.
        .map_sqlx_sqlite_opts(|o| {
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(std::time::Duration::from_secs(10))
                .foreign_keys(true)
        })
        // PostgreSQL plans a prepared statement for its parameters for five runs, then may settle on one generic
        // plan. For the entry filters the best plan depends on the values (a month of nights or all of them, a
        // rare or a common tag): a generic plan measured 450 ms where the custom one takes 4 ms.
        .map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_custom_plan")]))
        .map_sqlx_postgres_pool_opts(|p| p.after_release(|conn, _| Box::pin(outside_transaction(conn))));
    Ok(Database::connect(opts).await?)
}

/// Whether a PostgreSQL connection handed back to the pool is outside any transaction; one that is not is closed
/// rather than reused.
///
/// sqlx (0.9.0) counts a transaction only once `BEGIN` has been answered: a future dropped while it waits for that
/// answer (a request whose client went away, a job worker stopped mid-poll) hands back a connection the server
/// holds in an open transaction that nothing will ever commit. The next statements run on it look committed to
/// their caller and are lost when the connection closes; seen as rows missing from a list right after 100 created
/// ones were each answered 201. `now()` is the transaction's start and `statement_timestamp()` this statement's: in
/// autocommit they are equal, inside a transaction begun earlier they are not. A rollback that sqlx queued for a
/// dropped transaction is sent before this query, so such a connection is reused.
async fn outside_transaction(conn: &mut sea_orm::sqlx::PgConnection) -> Result<bool, sea_orm::sqlx::Error> {
    use sea_orm::sqlx::Row as _;
    // The simple query protocol on purpose: one message, so outside a transaction the implicit one starts with the
    // statement and the two clocks are equal to the microsecond. (A prepared statement's Bind and Execute messages
    // are timed apart, and the check would close healthy connections.)
    let row = sea_orm::sqlx::raw_sql("SELECT now() <> statement_timestamp() AS open").fetch_one(&mut *conn).await?;
    let in_transaction: bool = row.try_get("open")?;
    if in_transaction {
        tracing::warn!("a database connection came back inside a transaction (a cancelled BEGIN); closed it");
    }
    Ok(!in_transaction)
}

/// Connects to a read replica without waiting for it: no connection is opened until a query needs one, so a
/// replica that is down (a failover) does not stop start-up; its queries fail, and the caller falls back.
pub async fn connect_lazy(url: &str, max_connections: u32) -> StoreResult<DatabaseConnection> {
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(0)
        .connect_lazy(true)
        .acquire_timeout(std::time::Duration::from_secs(3))
        .sqlx_logging(false)
        .map_sqlx_postgres_opts(|o| o.options([("plan_cache_mode", "force_custom_plan")]));
    Ok(Database::connect(opts).await?)
}

/// Whether a database error means the database was not reachable or went away (a restart, a failover, the pool
/// empty for too long) rather than that the statement was wrong: worth retrying later, a 503 not a 500.
#[must_use]
pub fn is_connection_error(e: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let sqlx_error = match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => return true,
        DbErr::Exec(RuntimeErr::SqlxError(s)) | DbErr::Query(RuntimeErr::SqlxError(s)) => s,
        _ => return false,
    };
    is_sqlx_connection_error(sqlx_error)
}

/// [`is_connection_error`] for an sqlx error met outside sea-orm (the job queue's own statements).
#[must_use]
pub fn is_sqlx_connection_error(e: &sea_orm::sqlx::Error) -> bool {
    match e {
        sea_orm::sqlx::Error::Io(_)
        | sea_orm::sqlx::Error::PoolTimedOut
        | sea_orm::sqlx::Error::PoolClosed
        | sea_orm::sqlx::Error::WorkerCrashed
        | sea_orm::sqlx::Error::Tls(_)
        | sea_orm::sqlx::Error::Protocol(_) => true,
        // PostgreSQL's class 08 (connection exception) and 57P01-57P03 (shut down, cannot connect now).
        sea_orm::sqlx::Error::Database(d) => {
            d.code().is_some_and(|c| c.starts_with("08") || matches!(c.as_ref(), "57P01" | "57P02" | "57P03"))
        }
        _ => false,
    }
}

/// Answers whether the database takes a trivial query (for `/readyz`).
pub async fn ping(db: &DatabaseConnection) -> StoreResult<()> {
    db.ping().await.map_err(StoreError::from)
}

#[cfg(test)]
mod tests {
    use super::{StoreError, commit_error};
    use sea_orm::{DbErr, RuntimeErr};

    #[test]
    fn a_commit_that_lost_its_connection_has_an_unknown_outcome() {
        let lost = commit_error(DbErr::Conn(RuntimeErr::Internal("connection reset".into())));
        assert!(matches!(lost, StoreError::CommitOutcomeUnknown(_)), "{lost:?}");
        // The shape sea-orm gives a COMMIT whose connection broke: a query error around sqlx's I/O error.
        let reset = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        let io = commit_error(DbErr::Query(RuntimeErr::SqlxError(sea_orm::sqlx::Error::Io(reset).into())));
        assert!(matches!(io, StoreError::CommitOutcomeUnknown(_)), "{io:?}");
        let refused = commit_error(DbErr::Custom("serialization failure".into()));
        assert!(matches!(refused, StoreError::Db(_)), "{refused:?}");
    }
}
