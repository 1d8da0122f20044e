//! The storage layer's one error type. Messages never carry credentials or presigned URLs.

/// What went wrong in the object store.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("no object at this key")]
    NotFound,
    /// A cold object that must be restored before it is read (S3 `InvalidObjectState`).
    #[error("the object is archived: restore it before reading")]
    RestoreRequired,
    /// The body was not as long as announced (`actual` is what arrived, or at least that much when the body
    /// was cut off for being too long).
    #[error("size mismatch: expected {expected} bytes, got {actual}")]
    SizeMismatch { expected: u64, actual: u64 },
    #[error("SHA-256 checksum mismatch")]
    ChecksumMismatch,
    #[error("invalid object key: {0}")]
    InvalidKey(String),
    /// The range starts at or past the end of an object of `size` bytes (HTTP 416).
    #[error("range not satisfiable for an object of {size} bytes")]
    InvalidRange { size: u64 },
    #[error("no such multipart upload")]
    NoSuchUpload,
    #[error("invalid part: {0}")]
    InvalidPart(String),
    /// The configuration cannot work (bad values, missing bucket or credentials).
    #[error("storage configuration: {0}")]
    Config(String),
    /// The caller's body stream failed (the client went away mid-upload): the caller's fault, not the store's.
    #[error("the body broke off: {0}")]
    Body(std::io::Error),
    /// Local I/O (the disk of the filesystem store).
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// The store did not answer, or answered that it cannot now (connection refused or reset, a timeout,
    /// HTTP 500/502/503/504): worth retrying later.
    #[error("object store unavailable: {0}")]
    Unavailable(String),
    /// Anything else the backend answered.
    #[error("object store: {0}")]
    Backend(String),
}
