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
    /// The request would leave the workspace without an owner.
    #[error("a workspace must keep at least one owner")]
    LastOwner,
    /// Too many attempts; try again after this many seconds.
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    /// The same bytes are already a file of this dataset.
    #[error("this file is already in the dataset as {name:?} (id {id})")]
    DuplicateFile { id: uuid::Uuid, name: String },
    /// Storing this would exceed the workspace's plan.
    #[error("{message}")]
    QuotaExceeded { message: String, tier: meridian_domain::Tier, used: u64, limit: u64, requested: u64 },
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
    HeldByPackage { file: String, package: String, package_id: uuid::Uuid, version: i32 },
    /// A package cannot be published (or made public) as it stands; `files` names the ones at fault.
    #[error("{reason}: {}", files.join(", "))]
    PublishBlocked { reason: String, files: Vec<String> },
    /// A service Meridian depends on (`what`: the database, the object store) is not answering now; retry later.
    /// The cause is logged, never shown.
    #[error("the {what} is not available right now; try again shortly")]
    Unavailable { what: &'static str, cause: String },
    /// Something broke inside; the cause is logged, never shown.
    #[error("internal error")]
    Internal(String),
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(e.to_string())
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { field } => {
                ServiceError::Conflict { field, message: format!("this {field} is already taken") }
            }
            StoreError::Invalid(v) => ServiceError::Validation(v),
            StoreError::Corrupt(v) => ServiceError::Internal(format!("corrupt stored value: {v}")),
            StoreError::Db(e) if meridian_store::is_connection_error(&e) => {
                ServiceError::Unavailable { what: "database", cause: e.to_string() }
            }
            StoreError::Db(e) => ServiceError::Internal(e.to_string()),
            StoreError::InUse { what } => ServiceError::Conflict {
                field: what,
                message: format!("still in use: it has {}; remove them first", what.replace('_', " ")),
            },
        }
    }
}
