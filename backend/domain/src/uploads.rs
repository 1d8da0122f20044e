//! Uploads in flight: what one is ([`Upload`], its [`UploadStatus`] and [`UploadMode`]) and the arithmetic of
//! uploads sent in parts (S3's multipart rules, which every backend follows): how big each part is and how many
//! there are. The arithmetic is pure, shared by the service and fuzzed on its own.

use crate::{AccountId, ApiKeyId, DataFileId, DatasetId, UploadId, ValidationError, WorkspaceId};
use chrono::{DateTime, Utc};

vocabulary!(
    /// Where an upload is in its life: `open` while parts arrive, `verifying` while its job joins and checks the
    /// bytes, then `done` (it became a file) or `failed`.
    UploadStatus, field = "status", {
        Open = "open",
        Verifying = "verifying",
        Done = "done",
        Failed = "failed",
    }
);

impl UploadStatus {
    /// Still in flight: its bytes are reserved against the quota and its object is kept.
    pub const IN_FLIGHT: &'static [UploadStatus] = &[UploadStatus::Open, UploadStatus::Verifying];
}

vocabulary!(
    /// How an upload's bytes arrive: in numbered parts (resumable) or as one streamed request body.
    UploadMode, field = "mode", {
        Parts = "parts",
        Stream = "stream",
    }
);

impl UploadId {
    /// The file an upload in parts becomes takes the upload's id (and so its object's name): a retried job finds
    /// both.
    #[must_use]
    pub const fn file_id(self) -> DataFileId {
        DataFileId::from_uuid(self.as_uuid())
    }
}

/// An upload in flight (or its outcome, kept a while): a reservation of bytes in a dataset.
#[derive(Debug, Clone, PartialEq)]
pub struct Upload {
    pub id: UploadId,
    pub workspace_id: WorkspaceId,
    pub dataset_id: DatasetId,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: Option<String>,
    pub release_at: Option<DateTime<Utc>>,
    pub mode: UploadMode,
    pub part_size: i64,
    pub object_key: String,
    /// The object store's multipart upload, for uploads in parts.
    pub multipart_id: Option<String>,
    pub status: UploadStatus,
    pub error: Option<String>,
    /// The file this upload became, once `done`.
    pub file_id: Option<DataFileId>,
    pub created_by: AccountId,
    pub via_key: Option<ApiKeyId>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status_changed_at: Option<DateTime<Utc>>,
}

pub const MIB: u64 = 1024 * 1024;
/// S3's rules for multipart uploads: parts of 5 MiB to 5 GiB (the last may be smaller), at most 10,000 of them.
pub const MIN_PART_SIZE: u64 = 5 * MIB;
pub const MAX_PART_SIZE: u64 = 5 * 1024 * MIB;
pub const MAX_PARTS: u64 = 10_000;
/// Parts of 16 MiB unless the client asks otherwise: a lost part costs seconds to resend on a slow link.
pub const DEFAULT_PART_SIZE: u64 = 16 * MIB;

/// The part size for a file of `size` bytes: the requested one (or the default) within S3's bounds, raised in
/// whole MiB until the file fits in 10,000 parts.
pub fn part_size_for(size: u64, requested: Option<u64>) -> Result<u64, ValidationError> {
    let wanted = requested.unwrap_or(DEFAULT_PART_SIZE);
    if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&wanted) {
        return Err(ValidationError::new(
            "part_size",
            format!("must be between {MIN_PART_SIZE} and {MAX_PART_SIZE} bytes (5 MiB to 5 GiB)"),
        ));
    }
    let needed = size.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB;
    let part = wanted.max(needed);
    if part > MAX_PART_SIZE {
        return Err(ValidationError::new("size", "is more than 10,000 parts of 5 GiB can hold"));
    }
    Ok(part)
}

/// Number of parts of a file (at least one, even when empty). A part size of 0 counts as 1 byte.
#[must_use]
pub fn part_count(size: u64, part_size: u64) -> u32 {
    u32::try_from(size.div_ceil(part_size.max(1)).max(1)).unwrap_or(u32::MAX)
}

/// The exact length of part `number` (1-based; part 0 and parts past the end have none). A part size of 0 counts
/// as 1 byte, as in [`part_count`], so the parts always cover the file.
#[must_use]
pub fn part_length(size: u64, part_size: u64, number: u32) -> u64 {
    let part_size = part_size.max(1);
    let Some(index) = number.checked_sub(1) else { return 0 };
    let start = u64::from(index).saturating_mul(part_size);
    size.saturating_sub(start).min(part_size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_sizes_keep_to_s3_rules() {
        assert_eq!(part_size_for(100, None).unwrap(), DEFAULT_PART_SIZE);
        assert_eq!(part_size_for(100, Some(MIN_PART_SIZE)).unwrap(), MIN_PART_SIZE);
        assert!(part_size_for(100, Some(MIN_PART_SIZE - 1)).is_err());
        assert!(part_size_for(100, Some(MAX_PART_SIZE + 1)).is_err());
        // 1 TiB in 16 MiB parts would be 65,536 parts: raised to whole MiB so that 10,000 suffice.
        let tib = 1024 * 1024 * MIB;
        let p = part_size_for(tib, None).unwrap();
        assert_eq!(p % MIB, 0);
        assert!(tib.div_ceil(p) <= MAX_PARTS);
        assert!(tib.div_ceil(p - MIB) > MAX_PARTS, "the smallest whole-MiB size that fits");
        assert!(part_size_for(MAX_PART_SIZE * MAX_PARTS + 1, None).is_err());
    }

    #[test]
    fn parts_cover_the_file_exactly() {
        for (size, part) in
            [(0, MIN_PART_SIZE), (1, MIN_PART_SIZE), (MIN_PART_SIZE, MIN_PART_SIZE), (11 * MIB, 5 * MIB)]
        {
            let n = part_count(size, part);
            let total: u64 = (1..=n).map(|i| part_length(size, part, i)).sum();
            assert_eq!(total, size, "size {size}");
            assert!((1..n).all(|i| part_length(size, part, i) == part), "all but the last are whole");
        }
        assert_eq!(part_count(11 * MIB, 5 * MIB), 3);
        assert_eq!(part_length(11 * MIB, 5 * MIB, 3), MIB);
        assert_eq!(part_length(11 * MIB, 5 * MIB, 0), 0, "parts count from 1");
        assert_eq!(part_length(11 * MIB, 5 * MIB, 4), 0);
        assert_eq!(part_count(10, 0), 10);
    }

    /// Found by fuzzing (`fuzz/`, target `upload_parts`): `part_count` read a part size of 0 as 1 byte but
    /// `part_length` gave every part 0 bytes, so the parts of a non-empty file added up to nothing.
    #[test]
    fn a_zero_part_size_is_one_byte_for_lengths_too() {
        let size = 5_242_938;
        let n = part_count(size, 0);
        assert_eq!(u64::from(n), size);
        assert_eq!(part_length(size, 0, 1), 1);
        assert_eq!(part_length(size, 0, n), 1);
        assert_eq!(part_length(size, 0, n + 1), 0);
        assert_eq!(part_length(size, 0, 0), 0);
        assert_eq!(part_length(0, 0, 1), 0, "an empty file's one part is empty");
    }
}
