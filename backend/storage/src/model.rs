//! The backend-neutral interface: the `ObjectStore` trait and the values it takes and returns.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use meridian_domain::Tier;

use crate::StorageError;

/// A body flowing in or out of the store, chunk by chunk; never the whole object in memory.
pub type ByteStream = futures::stream::BoxStream<'static, std::io::Result<bytes::Bytes>>;

/// A body already in memory, as one chunk (small things: sample data, generated files).
pub fn body_of(data: Vec<u8>) -> ByteStream {
    Box::pin(futures::stream::once(std::future::ready(Ok(bytes::Bytes::from(data)))))
}

/// How an object is to be stored, and what the caller already knows of its body.
#[derive(Debug, Clone, Default)]
pub struct PutOptions {
    pub content_type: Option<String>,
    pub tier: Tier,
    /// If Some, the body must be exactly this long, else error and nothing stored.
    pub expected_size: Option<u64>,
    /// If Some, the body's SHA-256 must match, else error and nothing stored.
    pub expected_sha256: Option<[u8; 32]>,
}

/// What a successful `put` stored: computed while streaming, never by buffering the whole body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutOutcome {
    pub size: u64,
    pub sha256: [u8; 32],
}

/// Whether an object must be brought back from an archive class before it can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreStatus {
    /// Readable as it is.
    NotArchived,
    /// In an archive class (S3 GLACIER or DEEP_ARCHIVE) and no restore asked for. Servers that keep such classes
    /// online (SeaweedFS, Ceph) still serve reads; AWS answers `RestoreRequired`.
    Archived,
    /// A restore was asked for and is still running.
    InProgress,
    /// A temporary copy is readable until `expires_at`.
    Restored { expires_at: Option<DateTime<Utc>> },
}

/// What `head` (and `get`) tell about an object.
#[derive(Debug, Clone)]
pub struct ObjectInfo {
    /// The whole object's size, also when only a range is read.
    pub size: u64,
    pub content_type: Option<String>,
    pub tier: Tier,
    /// The backend's own name for the class: the S3 storage class (STANDARD when the server names none); on the
    /// filesystem the tier's name.
    pub storage_class: String,
    pub restore: RestoreStatus,
    pub last_modified: Option<DateTime<Utc>>,
    /// An HTTP entity tag, quotes included.
    pub etag: Option<String>,
}

/// A byte range of an object, as in an HTTP `Range: bytes=start-end` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub start: u64,
    /// Inclusive; None = to the end.
    pub end: Option<u64>,
}

impl ByteRange {
    /// Bytes `start..=end`.
    #[must_use]
    pub const fn new(start: u64, end: u64) -> Self {
        Self { start, end: Some(end) }
    }

    /// Bytes from `start` to the end of the object.
    #[must_use]
    pub const fn starting_at(start: u64) -> Self {
        Self { start, end: None }
    }

    /// The bytes this range selects of an object of `size` bytes (start, end inclusive): an end past the object
    /// is cut to its last byte, as HTTP does; a start at or past the end (or after `end`) cannot be served.
    pub fn resolve(self, size: u64) -> Result<(u64, u64), StorageError> {
        let last = size.checked_sub(1).ok_or(StorageError::InvalidRange { size })?;
        let end = self.end.map_or(last, |end| end.min(last));
        if self.start > end {
            return Err(StorageError::InvalidRange { size });
        }
        Ok((self.start, end))
    }

    /// The HTTP `Range` header value.
    #[must_use]
    pub fn to_header(self) -> String {
        match self.end {
            Some(end) => format!("bytes={}-{end}", self.start),
            None => format!("bytes={}-", self.start),
        }
    }
}

/// An object being read.
pub struct GetOutcome {
    pub info: ObjectInfo,
    /// The bytes actually returned (start, end inclusive), None when whole.
    pub range: Option<(u64, u64)>,
    pub body: ByteStream,
}

impl fmt::Debug for GetOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GetOutcome").field("info", &self.info).field("range", &self.range).finish_non_exhaustive()
    }
}

/// One entry of `list`.
#[derive(Debug, Clone)]
pub struct ListedObject {
    pub key: String,
    pub size: u64,
    pub last_modified: Option<DateTime<Utc>>,
}

/// A multipart upload started and neither completed nor aborted.
#[derive(Debug, Clone)]
pub struct PendingUpload {
    pub key: String,
    pub upload_id: String,
    pub initiated: Option<DateTime<Utc>>,
}

/// A part as `complete_multipart` wants it: its number and the etag `upload_part` returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    pub part_number: u32,
    pub etag: String,
}

/// A request a client may send straight to the object store until `expires_at`: the URL plus the headers it must
/// send as they are (they are part of the signature).
#[derive(Debug, Clone)]
pub struct PresignedRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    Filesystem,
    S3,
}

/// One object store, whatever the backend. Keys are `/`-separated relative paths (see [`crate::validate_key`]).
#[async_trait::async_trait]
pub trait ObjectStore: Send + Sync + fmt::Debug {
    fn kind(&self) -> BackendKind;

    /// Streams `body` to `key`. The object becomes visible only when complete and verified; an error or a
    /// dropped future (client gone, process killed) leaves no visible object at `key` (an object already there
    /// stays as it was).
    async fn put(&self, key: &str, body: ByteStream, opts: PutOptions) -> Result<PutOutcome, StorageError>;

    async fn get(&self, key: &str, range: Option<ByteRange>) -> Result<GetOutcome, StorageError>;

    async fn head(&self, key: &str) -> Result<ObjectInfo, StorageError>;

    /// Idempotent: deleting a missing key is Ok.
    async fn delete(&self, key: &str) -> Result<(), StorageError>;

    /// Copies `from` to `to` (content type kept) in the class of `tier`.
    async fn copy(&self, from: &str, to: &str, tier: Tier) -> Result<(), StorageError>;

    /// Changes the storage class in place (S3: CopyObject onto itself with StorageClass and
    /// MetadataDirective=REPLACE keeping content type and metadata; UploadPartCopy above 5 GiB).
    async fn set_tier(&self, key: &str, tier: Tier) -> Result<(), StorageError>;

    /// Starts bringing a cold object back. S3: RestoreObject (Days=`days`) when the server implements it (then
    /// `head` shows InProgress, later Restored); when the server does not, an in-place copy to the hot class, and
    /// NotArchived is returned. Filesystem: the tier becomes hot at once.
    async fn restore(&self, key: &str, days: u32) -> Result<RestoreStatus, StorageError>;

    /// Keys under `prefix` in lexicographic (byte) order after `start_after`, at most `limit`.
    async fn list(
        &self,
        prefix: &str,
        start_after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<ListedObject>, StorageError>;

    /// Starts a multipart upload; returns its id. `opts.expected_*` are checked by `complete_multipart` on the
    /// filesystem; S3 cannot check them there (the caller checks the parts it was given).
    async fn create_multipart(&self, key: &str, opts: PutOptions) -> Result<String, StorageError>;

    /// Parts may be retried (same number overwrites). `size` is the part's exact length. Returns the part's etag.
    async fn upload_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        body: ByteStream,
        size: u64,
    ) -> Result<String, StorageError>;

    /// The parts uploaded so far, by number, with their sizes.
    async fn list_parts(&self, key: &str, upload_id: &str) -> Result<Vec<(CompletedPart, u64)>, StorageError>;

    /// Joins the parts (in ascending order of number; every part but the last at least 5 MiB) into the object.
    async fn complete_multipart(&self, key: &str, upload_id: &str, parts: &[CompletedPart])
    -> Result<(), StorageError>;

    /// Throws the upload and its parts away. Idempotent: aborting an unknown upload is Ok.
    async fn abort_multipart(&self, key: &str, upload_id: &str) -> Result<(), StorageError>;

    /// Pending uploads whose key starts with `prefix`, by key.
    async fn list_multipart(&self, prefix: &str) -> Result<Vec<PendingUpload>, StorageError>;

    /// None when the backend cannot presign (filesystem): the caller then streams through the API.
    /// `download_name` makes the response an attachment under that file name.
    async fn presign_get(
        &self,
        key: &str,
        expires: Duration,
        download_name: Option<&str>,
    ) -> Result<Option<PresignedRequest>, StorageError>;

    /// A PUT of the whole object. Content type, class, size and SHA-256 from `opts` become signed headers, so
    /// the server refuses a body that does not match.
    async fn presign_put(
        &self,
        key: &str,
        expires: Duration,
        opts: &PutOptions,
    ) -> Result<Option<PresignedRequest>, StorageError>;

    /// A PUT of one part of a multipart upload, of exactly `size` bytes: the length is a signed header, so the
    /// server refuses a part of any other length (a client cannot store more than it reserved).
    async fn presign_part(
        &self,
        key: &str,
        upload_id: &str,
        part_number: u32,
        size: u64,
        expires: Duration,
    ) -> Result<Option<PresignedRequest>, StorageError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_cut_to_the_object_and_refused_past_its_end() {
        assert_eq!(ByteRange::new(2, 5).resolve(10).ok(), Some((2, 5)));
        assert_eq!(ByteRange::new(2, 50).resolve(10).ok(), Some((2, 9)));
        assert_eq!(ByteRange::starting_at(7).resolve(10).ok(), Some((7, 9)));
        assert!(matches!(ByteRange::starting_at(10).resolve(10), Err(StorageError::InvalidRange { size: 10 })));
        assert!(matches!(ByteRange::new(5, 4).resolve(10), Err(StorageError::InvalidRange { .. })));
        assert!(matches!(ByteRange::starting_at(0).resolve(0), Err(StorageError::InvalidRange { size: 0 })));
        assert_eq!(ByteRange::new(0, 99).to_header(), "bytes=0-99");
        assert_eq!(ByteRange::starting_at(5).to_header(), "bytes=5-");
    }
}
