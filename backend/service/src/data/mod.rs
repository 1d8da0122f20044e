//! Datasets and data files: uploads (streamed, checksummed, within quota), header search with cone search,
//! downloads with byte ranges, release dates, storage tiers with restore, tier rules and metered usage.
//!
//! Order of writes: the object first (verified), the row after; a crash in between leaves an object no row
//! points to, which the cleanup job removes. Access: members see everything; outsiders see released files of a
//! public workspace; `upload` keys may upload and nothing else.

mod datasets;
mod files;
pub mod jobs;
pub mod search;
mod tiers;
mod usage;

use crate::auth::Access;
use crate::jobs::{Job, PushOptions};
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use meridian_domain::data::DataFile;
use meridian_domain::{ApiKeyId, NightLogId, ObservationId};
use meridian_domain::{
    DataFileId, DatasetId, FrameType, IngestStatus, LifecycleRuleId, PreviewStatus, TelescopeId, Tier, ValidationError,
    Visibility, WorkspaceId,
};
use meridian_storage::{ByteRange, GetOutcome, StorageError};
use meridian_store::data as store;
use serde::Serialize;

/// Depth of the nested HEALPix index kept per file (cells of about 3.2 arcseconds): deep enough that a cone's
/// covering cells add few false candidates, shallow enough to fit an i64 with room.
pub const HEALPIX_DEPTH: u8 = 16;

/// How long a streamed upload's reservation may stay open before the cleanup job treats it as abandoned.
pub(crate) const UPLOAD_TTL_HOURS: i64 = 24;

/// Attempts of a restore job: it polls the archive by retrying, with back-off, for a day or two.
pub(crate) const RESTORE_ATTEMPTS: u32 = 60;

// ------------------------------------------------------------------------------------------------ views

#[derive(Debug, Clone, Serialize)]
pub struct DatasetView {
    pub id: DatasetId,
    pub name: String,
    pub description: String,
    pub telescope_id: Option<TelescopeId>,
    pub release_at: Option<DateTime<Utc>>,
    pub public: bool,
    pub file_count: i64,
    pub total_bytes: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    pub id: DataFileId,
    pub dataset_id: DatasetId,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub tier: Tier,
    pub tier_changed_at: DateTime<Utc>,
    pub restore_status: meridian_domain::RestoreStatus,
    pub uploaded_at: DateTime<Utc>,
    pub release_at: Option<DateTime<Utc>>,
    /// Whether anyone may read it now (released, in a public workspace).
    pub public: bool,
    pub ingest_status: IngestStatus,
    pub ingest_message: Option<String>,
    pub date_obs: Option<DateTime<Utc>>,
    pub object: Option<String>,
    pub ra_deg: Option<f64>,
    pub dec_deg: Option<f64>,
    pub exposure_s: Option<f64>,
    pub filter: Option<String>,
    pub instrument: Option<String>,
    pub telescope: Option<String>,
    pub frame_type: Option<FrameType>,
    pub night_log_id: Option<NightLogId>,
    pub observation_id: Option<ObservationId>,
    pub preview_status: PreviewStatus,
}

/// One header card as stored for search.
#[derive(Debug, Clone, Serialize)]
pub struct CardView {
    pub hdu: i32,
    pub keyword: String,
    pub value: Option<String>,
    pub number: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileDetail {
    pub file: FileView,
    /// Every HDU's cards as read (JSON from the FITS reader), when the file was ingested.
    pub header: Option<serde_json::Value>,
    pub jobs: Vec<crate::jobs::JobStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TierUsage {
    pub tier: Tier,
    pub bytes: i64,
    pub limit_bytes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthUsage {
    pub month: String,
    pub tier: Tier,
    pub gib_months: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct UsageView {
    pub plan: meridian_domain::PlanKey,
    pub plan_name: String,
    /// A payment failed: the plan's limits hold until then.
    pub plan_lapses_at: Option<chrono::DateTime<chrono::Utc>>,
    pub tiers: Vec<TierUsage>,
    /// Bytes of uploads in flight, counted against the hot tier.
    pub reserved_bytes: i64,
    pub max_file_bytes: u64,
    pub history: Vec<MonthUsage>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleView {
    pub id: LifecycleRuleId,
    pub name: String,
    pub dataset_id: Option<DatasetId>,
    pub frame_type: Option<FrameType>,
    pub cool_after_days: Option<i32>,
    pub cold_after_days: Option<i32>,
}

// ------------------------------------------------------------------------------------------------ inputs

#[derive(Debug, Clone, Default)]
pub struct DatasetInput {
    pub name: Option<String>,
    pub description: Option<String>,
    /// `Some(None)` clears.
    pub telescope_id: Option<Option<String>>,
    pub release_at: Option<Option<DateTime<Utc>>>,
}

/// What a streamed upload declares before its first byte.
#[derive(Debug, Clone)]
pub struct UploadMeta {
    pub name: String,
    pub content_type: Option<String>,
    /// From Content-Length: required, so quota is checked before any byte is stored.
    pub size: u64,
    /// Lower-case hex SHA-256 the client computed, if it did: checked against the bytes, and used to refuse a
    /// duplicate before the upload.
    pub sha256: Option<String>,
    pub release_at: Option<DateTime<Utc>>,
}

/// A file search (all parts optional).
#[derive(Debug, Clone, Default)]
pub struct FileQuery {
    pub dataset: Option<DatasetId>,
    pub object: Option<String>,
    pub date_from: Option<DateTime<Utc>>,
    pub date_to: Option<DateTime<Utc>>,
    pub filter: Option<String>,
    pub instrument: Option<String>,
    pub frame_type: Option<String>,
    pub tier: Option<String>,
    pub name: Option<String>,
    /// `KEYWORD=value` (equals), `KEYWORD=lo..hi` (range; either end may be empty), also `>=`, `<=`.
    pub headers: Vec<String>,
    pub ra: Option<f64>,
    pub dec: Option<f64>,
    pub radius: Option<f64>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FilePage {
    pub items: Vec<FileView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct RuleInput {
    pub name: String,
    pub dataset_id: Option<String>,
    pub frame_type: Option<String>,
    pub cool_after_days: Option<i32>,
    pub cold_after_days: Option<i32>,
}

/// A file's bytes, ready to stream.
#[derive(Debug)]
pub struct Download {
    pub file: FileView,
    pub object: GetOutcome,
}

// ------------------------------------------------------------------------------------------------ helpers

pub(crate) fn object_key(workspace: WorkspaceId, file: DataFileId) -> String {
    format!("ws/{workspace}/files/{file}")
}

pub(crate) fn preview_key(workspace: WorkspaceId, file: DataFileId) -> String {
    format!("ws/{workspace}/previews/{file}.png")
}

/// Whether a file name says FITS (plain, gzip- or tile-compressed).
#[must_use]
pub fn is_fits_name(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    let n = n.strip_suffix(".gz").unwrap_or(&n);
    [".fits", ".fit", ".fts", ".fz"].iter().any(|e| n.ends_with(e))
}

pub(crate) fn file_name(s: &str) -> ServiceResult<String> {
    let n = s.trim();
    if n.is_empty() || n.len() > 255 {
        return Err(ValidationError::new("name", "must be 1 to 255 characters").into());
    }
    if n.contains('/') || n.contains('\\') || n.chars().any(char::is_control) || n == "." || n == ".." {
        return Err(ValidationError::new("name", "must be a plain file name (no slashes or control characters)").into());
    }
    Ok(n.to_owned())
}

/// Who an upload is recorded as: the person (a key's owner) and the key it came through, if any.
pub(crate) fn uploader(actor: &Actor) -> ServiceResult<(meridian_domain::AccountId, Option<ApiKeyId>)> {
    let via_key = match actor {
        Actor::ApiKey { key } => Some(key.id),
        _ => None,
    };
    Ok((crate::nights::writer(actor)?, via_key))
}

/// The declared content type when it is sensible, else one from the name.
pub(crate) fn upload_content_type(declared: Option<String>, name: &str) -> String {
    declared.filter(|c| !c.is_empty() && c.len() <= 200).unwrap_or_else(|| {
        if is_fits_name(name) { "application/fits".to_owned() } else { "application/octet-stream".to_owned() }
    })
}

pub(crate) fn sha_hex(s: &str) -> ServiceResult<[u8; 32]> {
    let mut out = [0_u8; 32];
    hex::decode_to_slice(s, &mut out).map_err(|_| ValidationError::new("sha256", "must be 64 hexadecimal digits"))?;
    Ok(out)
}

pub(crate) fn storage_error(e: StorageError) -> ServiceError {
    match e {
        StorageError::NotFound => ServiceError::internal("a file's object is missing from storage".to_owned()),
        StorageError::RestoreRequired => ServiceError::RestoreRequired,
        StorageError::SizeMismatch { expected, actual } => {
            ValidationError::new("content-length", format!("the body had {actual} bytes but {expected} were declared"))
                .into()
        }
        StorageError::ChecksumMismatch => {
            ValidationError::new("sha256", "the bytes received do not have the declared SHA-256").into()
        }
        // The client's body failed: its upload broke off. A failed disk is ours (below): logged, a 500.
        StorageError::Body(e) => ValidationError::new("body", format!("the upload broke off: {e}")).into(),
        StorageError::Unavailable(cause) => ServiceError::Unavailable { what: "object store", cause },
        other => ServiceError::internal(other),
    }
}

fn view(
    ws_public: bool,
    now: DateTime<Utc>,
    datasets_released: &dyn Fn(DatasetId) -> Option<DateTime<Utc>>,
    m: DataFile,
) -> FileView {
    let release = m.release_at.or_else(|| datasets_released(m.dataset_id));
    FileView {
        id: m.id,
        dataset_id: m.dataset_id,
        name: m.name,
        content_type: m.content_type,
        size_bytes: m.size_bytes,
        sha256: m.sha256,
        tier: m.tier,
        tier_changed_at: m.tier_changed_at,
        restore_status: m.restore_status,
        uploaded_at: m.uploaded_at,
        release_at: m.release_at,
        public: ws_public && release.is_some_and(|r| r <= now),
        ingest_status: m.ingest_status,
        ingest_message: m.ingest_error,
        date_obs: m.date_obs,
        object: m.object,
        ra_deg: m.ra_deg,
        dec_deg: m.dec_deg,
        exposure_s: m.exposure_s,
        filter: m.filter,
        instrument: m.instrument,
        telescope: m.telescope,
        frame_type: m.frame_type.as_deref().and_then(|f| FrameType::parse(f).ok()),
        night_log_id: m.night_log_id,
        observation_id: m.observation_id,
        preview_status: m.preview_status,
    }
}

/// One byte range of a `Range` header against a file of `size` bytes; `None` serves the whole file.
pub(crate) fn parse_range(header: Option<&str>, size: u64) -> ServiceResult<Option<ByteRange>> {
    match meridian_domain::search::parse_byte_range(header, size) {
        Ok(r) => Ok(r.map(|r| ByteRange { start: r.start, end: r.end })),
        Err(meridian_domain::search::Unsatisfiable) => Err(ServiceError::RangeNotSatisfiable { size }),
    }
}

// ------------------------------------------------------------------------------------------------ use cases

impl Services {
    pub(crate) fn storage(&self) -> ServiceResult<std::sync::Arc<dyn meridian_storage::ObjectStore>> {
        self.inner.storage.clone().ok_or_else(|| ServiceError::internal("no object storage configured".to_owned()))
    }

    /// Records a file's new tier (and the workspace's per-tier totals) once its object has moved.
    pub(crate) async fn record_tier(&self, file: DataFileId, tier: Tier, now: DateTime<Utc>) -> ServiceResult<()> {
        let txn = meridian_store::begin_write(self.db()).await?;
        store::files::set_tier(&txn, file, tier, now).await?;
        meridian_store::commit(txn).await.map_err(ServiceError::from)
    }

    /// Release dates of the datasets `rows` belong to, for deciding which files are public.
    pub(crate) async fn dataset_releases(
        &self,
        ws: WorkspaceId,
        rows: &[DataFile],
    ) -> ServiceResult<std::collections::HashMap<DatasetId, Option<DateTime<Utc>>>> {
        Ok(store::datasets::by_ids(self.db(), ws, rows.iter().map(|r| r.dataset_id))
            .await?
            .into_iter()
            .map(|d| (d.id, d.release_at))
            .collect())
    }

    pub(crate) async fn file_views(&self, access: &Access, rows: Vec<DataFile>) -> ServiceResult<Vec<FileView>> {
        let releases = self.dataset_releases(access.workspace.id, &rows).await?;
        let now = crate::now();
        let public = access.workspace.visibility == Visibility::Public;
        let lookup = |d: DatasetId| releases.get(&d).copied().flatten();
        Ok(rows.into_iter().map(|r| view(public, now, &lookup, r)).collect())
    }

    async fn visible_file(&self, access: &Access, id: DataFileId) -> ServiceResult<FileView> {
        let row =
            store::files::find(self.db(), access.workspace.id, id).await?.ok_or(ServiceError::NotFound("file"))?;
        let v = self.file_views(access, vec![row]).await?.pop().ok_or(ServiceError::NotFound("file"))?;
        access.require_visible(v.public, "file")?;
        Ok(v)
    }

    /// Queues a job in the caller's transaction: it exists exactly when the change it follows commits.
    pub(crate) async fn queue_in(
        txn: &meridian_store::DatabaseTransaction,
        job: Job,
        opts: PushOptions,
    ) -> ServiceResult<()> {
        crate::jobs::JobQueue::push_in(txn, &job, &opts).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_names() {
        for n in ["a.fits", "B.FIT", "c.fts", "d.fits.gz", "e.fits.fz", "f.fz"] {
            assert!(is_fits_name(n), "{n}");
        }
        for n in ["a.png", "fits", "a.fits.txt"] {
            assert!(!is_fits_name(n), "{n}");
        }
    }
}
