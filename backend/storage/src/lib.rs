#![doc = include_str!("../README.md")]

mod body;
mod config;
mod error;
mod fs;
mod keys;
mod model;
mod s3;

use std::sync::Arc;

pub use config::{S3Config, Secret, StorageConfig, TierClasses};
pub use error::StorageError;
pub use fs::FilesystemStore;
pub use keys::validate_key;
pub use meridian_domain::Tier;
pub use model::{
    BackendKind, ByteRange, ByteStream, CompletedPart, GetOutcome, ListedObject, ObjectInfo, ObjectStore,
    PendingUpload, PresignedRequest, PutOptions, PutOutcome, RestoreStatus, body_of,
};
pub use s3::{ABORT_RULE_ID, S3Store, create_bucket};

/// Days after which the bucket itself aborts a multipart upload nobody finished.
pub const ABORT_AFTER_DAYS: i32 = 8;

/// Opens the configured backend. The filesystem root is created when missing; for S3 the bucket must exist
/// (checked with HeadBucket, so a wrong name or credentials fail here rather than on the first upload).
pub async fn open(config: &StorageConfig) -> Result<Arc<dyn ObjectStore>, StorageError> {
    Ok(match config {
        StorageConfig::Filesystem { root } => Arc::new(FilesystemStore::open(root).await?),
        StorageConfig::S3(s3) => {
            let store = S3Store::open(s3).await?;
            // Uploads live a week at most (then the cleanup job aborts them); the bucket's own rule is the net.
            match store.ensure_abort_rule(ABORT_AFTER_DAYS).await {
                Ok(true) => {
                    tracing::info!(days = ABORT_AFTER_DAYS, "added the bucket rule aborting incomplete uploads")
                }
                Ok(false) => {}
                Err(e) => tracing::warn!(error = %e, "could not set the bucket rule aborting incomplete uploads"),
            }
            Arc::new(store)
        }
    })
}
