//! The JSON shapes of resumable uploads: the upload and its parts, part URLs, completion.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Start a resumable upload.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUploadBody {
    #[schema(schema_with = crate::schemas::file_name)]
    pub name: String,
    /// The file's exact size in bytes (checked against the quota now).
    #[schema(maximum = 53687091200000.0)]
    pub size: u64,
    /// Hex SHA-256 of the whole file: a duplicate is refused now, and the joined bytes must match it.
    #[serde(default)]
    #[schema(schema_with = crate::schemas::sha256_opt)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub content_type: Option<String>,
    /// The file's release date (default: the dataset's).
    #[serde(default)]
    pub release_at: Option<DateTime<Utc>>,
    /// Bytes per part, 5 MiB to 5 GiB (default 16 MiB; raised so that 10,000 parts hold the file).
    #[serde(default)]
    #[schema(minimum = 5242880, maximum = 5368709120.0)]
    pub part_size: Option<u64>,
    /// The client's own name for this upload (1 to 100 visible ASCII characters, e.g. a random UUID kept with the
    /// file): the same request sent again with it (its answer was lost) is answered the upload it began (200), as
    /// one with the same `sha256` is. For clients that cannot hash the file first. Use a new token for every file
    /// (every version of it): nothing else tells two files of the same name and size apart.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 100, pattern = "^[!-~]{1,100}$")]
    pub client_token: Option<String>,
}

impl From<CreateUploadBody> for meridian_service::uploads::ResumableInput {
    fn from(b: CreateUploadBody) -> Self {
        Self {
            name: Some(b.name),
            size: Some(b.size),
            sha256: b.sha256,
            content_type: b.content_type,
            release_at: b.release_at,
            part_size: b.part_size,
            client_token: b.client_token,
        }
    }
}

/// A part the store holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadPartBody {
    pub number: u32,
    pub size: u64,
    /// Send it back in `complete` (quotes included).
    pub etag: String,
}

impl From<meridian_service::uploads::ReceivedPart> for UploadPartBody {
    fn from(p: meridian_service::uploads::ReceivedPart) -> Self {
        Self { number: p.number, size: p.size, etag: p.etag }
    }
}

/// A resumable upload: its parts, and where it is (`open` → `verifying` → `done` with `file_id`, or `failed`
/// with `error`).
#[derive(Debug, Serialize, ToSchema)]
pub struct UploadBody {
    pub id: Uuid,
    pub dataset_id: Uuid,
    pub name: String,
    pub content_type: String,
    pub size_bytes: u64,
    pub sha256: Option<String>,
    /// Every part but the last has exactly this many bytes.
    pub part_size: u64,
    pub part_count: u32,
    /// `open`, `verifying`, `done` or `failed`.
    pub status: String,
    pub error: Option<String>,
    pub file_id: Option<Uuid>,
    /// The parts received so far (while open): a resuming client sends only the others.
    pub parts: Vec<UploadPartBody>,
    /// Whether part URLs go straight to the object store (S3); otherwise parts go through the API.
    pub direct: bool,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<meridian_service::uploads::UploadView> for UploadBody {
    fn from(u: meridian_service::uploads::UploadView) -> Self {
        Self {
            id: u.id.as_uuid(),
            dataset_id: u.dataset_id.as_uuid(),
            name: u.name,
            content_type: u.content_type,
            size_bytes: u.size_bytes,
            sha256: u.sha256,
            part_size: u.part_size,
            part_count: u.part_count,
            status: u.status.as_str().to_owned(),
            error: u.error,
            file_id: u.file_id.map(|f| f.as_uuid()),
            parts: u.parts.into_iter().map(Into::into).collect(),
            direct: u.direct,
            created_at: u.created_at,
            expires_at: u.expires_at,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UploadList {
    pub items: Vec<UploadBody>,
}

/// Which parts to get URLs for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PartUrlsBody {
    /// Part numbers, 1 to `part_count` (at most 1000 per request).
    #[schema(max_items = 1000)]
    pub parts: Vec<u32>,
}

/// Where to PUT one part: exactly `size` bytes, with `headers` as given.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartUrlBody {
    pub number: u32,
    pub size: u64,
    pub method: String,
    /// A presigned object-store URL, or this API's part route (then authenticate as for any API call).
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// When a presigned URL stops working (ask again after); absent for the API route.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PartUrlList {
    pub items: Vec<PartUrlBody>,
}

/// One part as `complete` wants it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompletePartBody {
    pub number: u32,
    pub etag: String,
}

/// Finish an upload. `parts` (the etags each part's PUT answered) are needed when parts went straight to S3;
/// without them the parts the store lists are joined.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompleteUploadBody {
    #[serde(default)]
    pub parts: Option<Vec<CompletePartBody>>,
}
