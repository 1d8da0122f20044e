use meridian_domain::ValidationError;
use meridian_store::StoreError;

/// Why a use case did not happen. The API maps each variant to one HTTP status and a stable code.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The input is not acceptable; names the field.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// No credentials were given where they are needed.
    #[error("sign in or present an API key")]
    Unauthenticated,
    /// E-mail and password do not match an account, or a key is unknown or revoked.
    #[error("{0}")]
    InvalidCredentials(&'static str),
    /// The thing does not exist, or the caller may not know that it does.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller can see the thing but may not do this to it.
    #[error("{0}")]
    Forbidden(&'static str),
    /// A unique value is already taken.
    #[error("{field}: {message}")]
    Conflict { field: &'static str, message: String },
    /// A sign-in at an OAuth2 / OpenID Connect provider did not succeed: the provider refused the code, its ID token
    /// did not verify, or the sign-in link was unknown, used or expired. Says why, in words for the person.
    #[error("{message}")]
    ProviderSignIn { reason: SignInFailure, message: String },
    /// A Stripe webhook whose signature does not verify (or that is not an event): refused, nothing applied.
    #[error("{0}")]
    WebhookRefused(String),
    /// The account's e-mail address is not confirmed yet, and this needs it (accepting an invitation, publishing,
    /// API keys).
    #[error("confirm your e-mail address first: follow the link we sent (your account page sends another)")]
    EmailUnverified,
    /// The request would leave the workspace without an owner.
    #[error("a workspace must keep at least one owner")]
    LastOwner,
    /// Too many attempts; try again after this many seconds.
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The same bytes are already a file of this dataset.
    #[error("this file is already in the dataset as {name:?} (id {id})")]
    DuplicateFile { id: meridian_domain::DataFileId, name: String },
    /// Storing this would exceed the workspace's plan.
    #[error("{message}")]
    QuotaExceeded {
        message: String,
        /// The plan's key.
        plan: String,
        tier: meridian_domain::Tier,
        used: u64,
        limit: u64,
        requested: u64,
    },
    /// The file is in the cold tier: restore it first.
    #[error("the file is in the cold tier; restore it first")]
    RestoreRequired,
    /// A byte range outside the file.
    #[error("the range is outside the file's {size} bytes")]
    RangeNotSatisfiable { size: u64 },
    /// A published package version holds this file: it cannot be deleted or made cold.
    #[error(
        "{file:?} is held by version {version} of the data package {package:?}; a published version keeps its files"
    )]
    HeldByPackage { file: String, package: String, package_id: meridian_domain::PackageId, version: i32 },
    /// A package cannot be published (or made public) as it stands; `files` names the ones at fault.
    #[error("{reason}: {}", files.join(", "))]
    PublishBlocked { reason: String, files: Vec<String> },
    /// A service Meridian depends on (`what`: the database, the object store) is not answering now; retry later.
    /// The cause is logged, never shown.
    #[error("the {what} is not available right now; try again shortly")]
    Unavailable { what: &'static str, cause: String },
    /// Something broke inside: what was being done, and the error that stopped it with its own causes. Logged
    /// once, chain and all, where it becomes a response; never shown.
    #[error("internal error")]
    Internal {
        context: String,
        #[source]
        source: Option<Box<dyn std::error::Error + Send + Sync>>,
    },
}

pub type ServiceResult<T> = Result<T, ServiceError>;

/// Why a provider sign-in failed, in a word a page can turn into advice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInFailure {
    /// The sign-in is unknown, used, expired or from another browser, or the provider's answer did not verify:
    /// start again.
    Failed,
    /// The provider vouches for no e-mail address a new account could take: sign up with a password, then link.
    NoConfirmedAddress,
}

impl SignInFailure {
    /// The word in a page's `?error=`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Failed => "failed",
            Self::NoConfirmedAddress => "no_confirmed_address",
        }
    }
}

impl ServiceError {
    /// An internal error caused by `e` (an error, or a sentence saying what is wrong).
    pub fn internal(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal { context: String::new(), source: Some(e.into()) }
    }

    /// An internal error while doing `context`, caused by `e`.
    pub fn internal_while(context: impl Into<String>, e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal { context: context.into(), source: Some(e.into()) }
    }

    /// For a failure met after the change was committed (reading it back for the answer): the database or object
    /// store gone then is no 503, which tells clients that nothing was done and to send the request again; the
    /// change is saved, so it is an internal error. Other errors are kept.
    #[must_use]
    pub fn after_commit(self) -> Self {
        match self {
            Self::Unavailable { what, cause } => {
                Self::internal_while(format!("answering after the change was committed ({what} unavailable)"), cause)
            }
            e => e,
        }
    }

    /// The error and its causes, outermost first, as one line for the log.
    #[must_use]
    pub fn chain(&self) -> String {
        use std::error::Error as _;
        let mut out = match self {
            // What was being done is for the log only (the message a client or a job row sees stays "internal error").
            Self::Internal { context, .. } if !context.is_empty() => format!("internal error while {context}"),
            other => other.to_string(),
        };
        let mut next = self.source();
        while let Some(e) = next {
            out.push_str(": ");
            out.push_str(&e.to_string());
            next = e.source();
        }
        out
    }

    /// The stable machine-readable code of each kind of failure (the `code` of a problem+json response).
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation(_) => "validation_failed",
            Self::Unauthenticated => "unauthenticated",
            Self::InvalidCredentials(_) => "invalid_credentials",
            Self::NotFound(_) => "not_found",
            Self::Forbidden(_) => "forbidden",
            Self::Conflict { .. } => "conflict",
            Self::ProviderSignIn { .. } => "sign_in_failed",
            Self::WebhookRefused(_) => "webhook_refused",
            Self::LastOwner => "last_owner",
            Self::EmailUnverified => "email_unverified",
            Self::RateLimited { .. } => "rate_limited",
            Self::DuplicateFile { .. } => "duplicate_file",
            Self::QuotaExceeded { .. } => "quota_exceeded",
            Self::RestoreRequired => "restore_required",
            Self::RangeNotSatisfiable { .. } => "range_not_satisfiable",
            Self::HeldByPackage { .. } => "held_by_package",
            Self::PublishBlocked { .. } => "publish_blocked",
            Self::Unavailable { .. } => "unavailable",
            Self::Internal { .. } => "internal",
        }
    }
}

/// A statement sea-orm ran for us outside the store's functions (a transaction's rollback): the database gone is
/// `Unavailable`, like any store error. (Commits go through `meridian_store::commit`, whose lost connection is not.)
impl From<meridian_store::DbErr> for ServiceError {
    fn from(e: meridian_store::DbErr) -> Self {
        StoreError::from(e).into()
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { field } => {
                ServiceError::Conflict { field, message: format!("this {field} is already taken") }
            }
            StoreError::Invalid(v) => ServiceError::Validation(v),
            StoreError::Corrupt(v) => ServiceError::internal_while("reading a stored value", v),
            StoreError::Db(e) if meridian_store::is_connection_error(&e) => {
                ServiceError::Unavailable { what: "database", cause: e.to_string() }
            }
            StoreError::Db(e) => ServiceError::internal_while("running a database statement", e),
            // Not `Unavailable` (503, "try again"): the writes may have happened. A 500 is retried by clients only
            // for idempotent requests.
            StoreError::CommitOutcomeUnknown(e) => {
                ServiceError::internal_while("committing a transaction (the outcome is unknown)", e)
            }
            StoreError::InUse { what } => ServiceError::Conflict {
                field: what,
                message: format!("still in use: it has {}; remove them first", what.replace('_', " ")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ServiceError;
    use meridian_store::{DbErr, StoreError};

    #[test]
    fn a_commit_with_an_unknown_outcome_is_no_retryable_503() {
        // (Which database errors are a lost connection, and that a commit's is this variant: the store's tests.)
        let at_commit = ServiceError::from(StoreError::CommitOutcomeUnknown(DbErr::Custom("connection reset".into())));
        assert_eq!(at_commit.code(), "internal", "it may have been written: a client must not simply send it again");
        assert!(at_commit.chain().contains("outcome is unknown"), "{}", at_commit.chain());
    }

    #[test]
    fn after_a_commit_a_missing_database_is_no_retryable_503() {
        let gone = ServiceError::Unavailable { what: "database", cause: "connection reset".into() };
        let after = gone.after_commit();
        assert_eq!(after.code(), "internal");
        assert!(after.chain().contains("connection reset"), "{}", after.chain());
        assert_eq!(ServiceError::NotFound("entry").after_commit().code(), "not_found", "other errors are kept");
    }
}
