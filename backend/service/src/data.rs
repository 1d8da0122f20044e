//! Datasets and data files: uploads (streamed, checksummed, within quota), header search with cone search,
//! downloads with byte ranges, release dates, storage tiers with restore, tier rules and metered usage.
//!
//! Order of writes: the object first (verified), the row after; a crash in between leaves an object no row
//! points to, which the cleanup job removes. Access: members see everything; outsiders see released files of a
//! public workspace; `upload` keys may upload and nothing else.

use crate::auth::Access;
use crate::jobs::{Job, PushOptions};
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use meridian_domain::data::{DataFile, Dataset, LifecycleRule};
use meridian_domain::uploads::{UploadMode, UploadStatus};
use meridian_domain::{
    Action, DataFileId, DatasetId, FrameType, IngestStatus, LifecycleRuleId, Page, PageRequest, Plan, PreviewStatus,
    TelescopeId, Tier, UploadId, ValidationError, Visibility, WorkspaceId,
};
use meridian_domain::{ApiKeyId, NightLogId, ObservationId, RestoreStatus};
use meridian_storage::{ByteRange, ByteStream, GetOutcome, PutOptions, StorageError};
use meridian_store::data::datasets::{self, DatasetFields};
use meridian_store::data::files::{self, NewFile};
use meridian_store::data::search::{self, FileFilter};
use meridian_store::data::tiers::{self, RuleFields};
use meridian_store::data::usage;
use meridian_store::uploads::{self, NewUpload};
use meridian_store::workspaces;
use serde::Serialize;

/// Depth of the nested HEALPix index kept per file (cells of about 3.2 arcseconds): deep enough that a cone's
/// covering cells add few false candidates, shallow enough to fit an i64 with room.
pub const HEALPIX_DEPTH: u8 = 16;

/// How long a streamed upload's reservation may stay open before the cleanup job treats it as abandoned.
const UPLOAD_TTL_HOURS: i64 = 24;

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
    pub plan: Plan,
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

fn dataset_name(s: &str) -> ServiceResult<String> {
    let n = s.trim();
    if n.is_empty() || n.chars().count() > 120 || n.chars().any(char::is_control) {
        return Err(ValidationError::new("name", "must be 1 to 120 characters").into());
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

/// The smallest cone radius handed to cdshealpix, radians (about 0.2 microarcseconds).
const MIN_CONE_RADIUS_RAD: f64 = 1e-12;

/// The HEALPix ranges at [`HEALPIX_DEPTH`] covering a cone (conservatively: every cell that may hold a point
/// inside it).
#[must_use]
pub fn cone_ranges(ra_deg: f64, dec_deg: f64, radius_deg: f64) -> Vec<(i64, i64)> {
    // cdshealpix asserts a radius above 0 (a panic otherwise): a radius the search accepts (more than 0 degrees)
    // can still be 0 in radians (5e-324 degrees, found by Schemathesis). A cone that small covers one cell; rows
    // are then kept by their exact distance, as always.
    let radius = radius_deg.to_radians().max(MIN_CONE_RADIUS_RAD);
    let depth = cdshealpix::best_starting_depth(radius).min(HEALPIX_DEPTH);
    let bmoc =
        cdshealpix::nested::cone_coverage_approx_custom(depth, 2, ra_deg.to_radians(), dec_deg.to_radians(), radius);
    let shift = 2 * u32::from(HEALPIX_DEPTH - bmoc.get_depth_max());
    let mut out: Vec<(i64, i64)> = Vec::new();
    for cell in bmoc.into_iter() {
        let shift_cell = 2 * u32::from(bmoc.get_depth_max() - cell.depth) + shift;
        let lo = (cell.hash << shift_cell) as i64;
        let hi = ((cell.hash + 1) << shift_cell) as i64;
        match out.last_mut() {
            Some(last) if last.1 == lo => last.1 = hi,
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// The file's cell at [`HEALPIX_DEPTH`].
#[must_use]
pub fn healpix_of(ra_deg: f64, dec_deg: f64) -> i64 {
    #[expect(clippy::cast_possible_wrap, reason = "depth-16 indices are below 2^36")]
    let h = cdshealpix::nested::hash(HEALPIX_DEPTH, ra_deg.to_radians(), dec_deg.to_radians()) as i64;
    h
}

fn encode_cursor(at: DateTime<Utc>, id: DataFileId) -> String {
    meridian_domain::Cursor::encode(&format!("{}|{id}", at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)))
        .as_str()
        .to_owned()
}

fn decode_cursor(c: &str) -> ServiceResult<(DateTime<Utc>, DataFileId)> {
    let bad = || ServiceError::from(ValidationError::new("cursor", "is not a cursor from this server"));
    let raw = meridian_domain::Cursor::parse(c).decode().map_err(|_| bad())?;
    let (t, id) = raw.split_once('|').ok_or_else(bad)?;
    let t = DateTime::parse_from_rfc3339(t).map_err(|_| bad())?.to_utc();
    let id = id.parse().map_err(|_| bad())?;
    Ok((t, id))
}

// ------------------------------------------------------------------------------------------------ use cases

impl Services {
    pub(crate) fn storage(&self) -> ServiceResult<std::sync::Arc<dyn meridian_storage::ObjectStore>> {
        self.inner.storage.clone().ok_or_else(|| ServiceError::internal("no object storage configured".to_owned()))
    }

    /// Records a file's new tier (and the workspace's per-tier totals) once its object has moved.
    pub(crate) async fn record_tier(&self, file: DataFileId, tier: Tier, now: DateTime<Utc>) -> ServiceResult<()> {
        let txn = meridian_store::begin_write(self.db()).await?;
        files::set_tier(&txn, file, tier, now).await?;
        txn.commit().await.map_err(ServiceError::internal)
    }

    /// Release dates of the datasets `rows` belong to, for deciding which files are public.
    pub(crate) async fn dataset_releases(
        &self,
        ws: WorkspaceId,
        rows: &[DataFile],
    ) -> ServiceResult<std::collections::HashMap<DatasetId, Option<DateTime<Utc>>>> {
        Ok(datasets::by_ids(self.db(), ws, rows.iter().map(|r| r.dataset_id))
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

    fn dataset_view(&self, access: &Access, d: Dataset, totals: Option<(i64, i64)>) -> DatasetView {
        let (file_count, total_bytes) = totals.unwrap_or((0, 0));
        let release_at = d.release_at;
        DatasetView {
            id: d.id,
            name: d.name,
            description: d.description,
            telescope_id: d.telescope_id,
            release_at,
            public: access.workspace.visibility == Visibility::Public && release_at.is_some_and(|r| r <= crate::now()),
            file_count,
            total_bytes,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }

    /// The dataset `id` as the caller may see it (404 otherwise). Outsiders see released datasets only.
    async fn visible_dataset(&self, access: &Access, id: DatasetId) -> ServiceResult<Dataset> {
        let d = datasets::find(self.db(), access.workspace.id, id).await?.ok_or(ServiceError::NotFound("dataset"))?;
        let released = d.release_at.is_some_and(|r| r.to_utc() <= crate::now());
        access.require_visible(released, "dataset")?;
        Ok(d)
    }

    async fn visible_file(&self, access: &Access, id: DataFileId) -> ServiceResult<FileView> {
        let row = files::find(self.db(), access.workspace.id, id).await?.ok_or(ServiceError::NotFound("file"))?;
        let v = self.file_views(access, vec![row]).await?.pop().ok_or(ServiceError::NotFound("file"))?;
        access.require_visible(v.public, "file")?;
        Ok(v)
    }

    async fn telescope_ref(&self, access: &Access, id: Option<&str>) -> ServiceResult<Option<TelescopeId>> {
        let Some(id) = id else { return Ok(None) };
        let bad = || ServiceError::from(ValidationError::new("telescope_id", "is not a telescope of this workspace"));
        let t = id.parse::<TelescopeId>().map_err(|_| bad())?;
        meridian_store::night_logs::telescope_at_site(self.db(), access.workspace.id, t).await?.ok_or_else(bad)?;
        Ok(Some(t))
    }

    pub async fn create_dataset(&self, actor: &Actor, slug: &str, input: DatasetInput) -> ServiceResult<DatasetView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::CreateData)?;
        let name = dataset_name(input.name.as_deref().ok_or_else(|| ValidationError::new("name", "is required"))?)?;
        let description = input.description.unwrap_or_default();
        if description.len() > 20_000 {
            return Err(ValidationError::new("description", "must be at most 20000 characters").into());
        }
        let telescope_id = self.telescope_ref(&access, input.telescope_id.flatten().as_deref()).await?;
        let fields = DatasetFields { name, description, telescope_id, release_at: input.release_at.flatten() };
        let d = datasets::insert(self.db(), access.workspace.id, fields, crate::nights::writer(actor)?, crate::now())
            .await?;
        Ok(self.dataset_view(&access, d, None))
    }

    /// A page of the workspace's datasets by name (outsiders of a public workspace see the released ones).
    pub async fn list_datasets(
        &self,
        actor: &Actor,
        slug: &str,
        page: &PageRequest,
    ) -> ServiceResult<Page<DatasetView>> {
        let access = self.access(actor, slug).await?;
        let released_by = if access.can(Action::ViewWorkspace) {
            None
        } else if access.workspace.visibility == Visibility::Public {
            Some(crate::now())
        } else {
            // 404 to outsiders, 403 to an upload key of this workspace.
            access.require(Action::ViewWorkspace)?;
            None
        };
        let limit = page.limit;
        let rows =
            datasets::list(self.db(), access.workspace.id, released_by, page.after.as_deref(), limit.get().into())
                .await?;
        let ids: Vec<DatasetId> = rows.iter().map(|d| d.id).collect();
        let totals: std::collections::HashMap<DatasetId, (i64, i64)> =
            datasets::totals(self.db(), access.workspace.id, &ids, released_by)
                .await?
                .into_iter()
                .map(|(d, n, b)| (d, (n, b)))
                .collect();
        Ok(Page::from_rows(rows, limit, |d| d.name.clone()).map(|d| {
            let t = totals.get(&d.id).copied();
            self.dataset_view(&access, d, t)
        }))
    }

    pub async fn get_dataset(&self, actor: &Actor, slug: &str, id: DatasetId) -> ServiceResult<DatasetView> {
        let access = self.access(actor, slug).await?;
        let d = self.visible_dataset(&access, id).await?;
        let released_by = (!access.can(Action::ViewWorkspace)).then(crate::now);
        let totals =
            datasets::totals(self.db(), access.workspace.id, &[d.id], released_by).await?.pop().map(|(_, n, b)| (n, b));
        Ok(self.dataset_view(&access, d, totals))
    }

    pub async fn update_dataset(
        &self,
        actor: &Actor,
        slug: &str,
        id: DatasetId,
        input: DatasetInput,
    ) -> ServiceResult<DatasetView> {
        let access = self.access(actor, slug).await?;
        let d = self.visible_dataset(&access, id).await?;
        let released = d.release_at.is_some_and(|r| r.to_utc() <= crate::now());
        access.require_on(released, Action::EditData, "dataset")?;
        let name = match input.name.as_deref() {
            Some(n) => dataset_name(n)?,
            None => d.name.clone(),
        };
        let description = input.description.unwrap_or_else(|| d.description.clone());
        if description.len() > 20_000 {
            return Err(ValidationError::new("description", "must be at most 20000 characters").into());
        }
        let telescope_id = match input.telescope_id {
            Some(t) => self.telescope_ref(&access, t.as_deref()).await?,
            None => d.telescope_id,
        };
        let release_at = match input.release_at {
            Some(r) => r,
            None => d.release_at,
        };
        let did = d.id;
        datasets::update(
            self.db(),
            access.workspace.id,
            did,
            DatasetFields { name, description, telescope_id, release_at },
            crate::now(),
        )
        .await?;
        self.get_dataset(actor, slug, did).await
    }

    pub async fn delete_dataset(&self, actor: &Actor, slug: &str, id: DatasetId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        let d = self.visible_dataset(&access, id).await?;
        access.require(Action::DeleteData)?;
        let txn = meridian_store::begin_write(self.db()).await?;
        datasets::delete(&txn, access.workspace.id, d.id).await?;
        txn.commit().await.map_err(ServiceError::internal)?;
        Ok(())
    }

    /// Streams one file into a dataset. Refused before any byte is stored when the name or declared checksum is
    /// already there (409) or the plan's quota would be exceeded (413).
    pub async fn upload_file(
        &self,
        actor: &Actor,
        slug: &str,
        dataset: DatasetId,
        meta: UploadMeta,
        body: ByteStream,
    ) -> ServiceResult<FileView> {
        let (access, dataset_id) = self.upload_target(actor, slug, dataset).await?;
        Self::may_set_release(&access, meta.release_at)?;
        let name = file_name(&meta.name)?;
        let fits = is_fits_name(&name);
        let declared = meta.sha256.as_deref().map(|s| s.to_ascii_lowercase());
        let expected_sha256 = declared.as_deref().map(sha_hex).transpose()?;
        let (uploader, via_key) = uploader(actor)?;
        let content_type = upload_content_type(meta.content_type, &name);
        self.refuse_duplicate(access.workspace.id, dataset_id, declared.as_deref(), &name).await?;

        // Reserve the bytes (quota checked under the workspace's write lock, so two uploads cannot both fit the
        // last gigabyte).
        let upload_id = UploadId::new();
        let file_id = DataFileId::new();
        let key = object_key(access.workspace.id, file_id);
        let now = crate::now();
        {
            let txn = meridian_store::begin_write(self.db()).await?;
            workspaces::lock(&txn, access.workspace.id).await?;
            self.check_quota(&txn, access.workspace.id, meta.size).await?;
            uploads::insert(
                &txn,
                access.workspace.id,
                NewUpload {
                    id: upload_id,
                    dataset_id,
                    name: name.clone(),
                    content_type: content_type.clone(),
                    size_bytes: i64::try_from(meta.size).unwrap_or(i64::MAX),
                    sha256: declared.clone(),
                    release_at: meta.release_at,
                    mode: UploadMode::Stream,
                    part_size: 0,
                    object_key: key.clone(),
                    multipart_id: None,
                    created_by: uploader,
                    via_key,
                    expires_at: now + chrono::Duration::hours(UPLOAD_TTL_HOURS),
                },
                now,
            )
            .await?;
            txn.commit().await.map_err(ServiceError::internal)?;
        }
        let storage = self.storage()?;
        let put = storage
            .put(
                &key,
                body,
                PutOptions {
                    content_type: Some(content_type.clone()),
                    tier: Tier::Hot,
                    expected_size: Some(meta.size),
                    expected_sha256,
                },
            )
            .await;
        let outcome = match put {
            Ok(o) => o,
            Err(e) => {
                uploads::delete_if(self.db(), upload_id, UploadStatus::Open).await?;
                return Err(storage_error(e));
            }
        };
        let sha = hex::encode(outcome.sha256);
        let row = NewFile {
            id: file_id,
            dataset_id,
            name,
            content_type,
            size_bytes: i64::try_from(outcome.size).unwrap_or(i64::MAX),
            sha256: sha.clone(),
            object_key: key.clone(),
            tier: Tier::Hot,
            uploaded_by: uploader,
            uploaded_via_key: via_key,
            release_at: meta.release_at,
            ingest_status: if fits { IngestStatus::Pending } else { IngestStatus::None },
            preview_status: if fits { PreviewStatus::Pending } else { PreviewStatus::None },
        };
        let inserted = self.commit_file(access.workspace.id, upload_id, row, None).await;
        let file = match inserted {
            Ok(f) => f,
            Err(e) => {
                // Refused for certain (a duplicate, a name taken, the reservation gone): the row did not land and
                // the object must not outlive it (a failed delete leaves an object no row points to, which the
                // cleanup job removes). Any other failure may have happened after the commit landed (a connection
                // lost during COMMIT): the object stays, and the cleanup removes it only if no row points to it.
                let refused = matches!(
                    e,
                    ServiceError::Conflict { .. } | ServiceError::DuplicateFile { .. } | ServiceError::Validation(_)
                );
                if refused && let Err(d) = storage.delete(&key).await {
                    tracing::warn!(error = %d, "could not delete the object of a refused upload");
                }
                if let Err(d) = uploads::delete_if(self.db(), upload_id, UploadStatus::Open).await {
                    tracing::warn!(error = %d, "could not drop the reservation of a refused upload; it expires");
                }
                return Err(e);
            }
        };
        Ok(self.file_views(&access, vec![file]).await?.remove(0))
    }

    /// A release date given with an upload publishes the file when it comes (perhaps at once, in a public
    /// workspace): only a caller who may edit data may set one. An `upload` key may add files but not release
    /// them, so a key kept on a telescope computer cannot make embargoed data public.
    pub(crate) fn may_set_release(access: &Access, release_at: Option<DateTime<Utc>>) -> ServiceResult<()> {
        if release_at.is_some() {
            access.require(Action::EditData).map_err(|e| match e {
                ServiceError::Forbidden(_) => ServiceError::Forbidden(
                    "this key may upload files but not set their release date; a member who may edit data sets it",
                ),
                other => other,
            })?;
        }
        Ok(())
    }

    /// The workspace and dataset an upload goes to, for someone allowed to upload (404 for an unknown dataset).
    pub(crate) async fn upload_target(
        &self,
        actor: &Actor,
        slug: &str,
        dataset: DatasetId,
    ) -> ServiceResult<(Access, DatasetId)> {
        let access = self.access(actor, slug).await?;
        access.require(Action::Upload)?;
        let dataset_id = dataset;
        datasets::find(self.db(), access.workspace.id, dataset_id).await?.ok_or(ServiceError::NotFound("dataset"))?;
        Ok((access, dataset_id))
    }

    pub(crate) async fn refuse_duplicate(
        &self,
        ws: WorkspaceId,
        dataset: DatasetId,
        sha: Option<&str>,
        name: &str,
    ) -> ServiceResult<()> {
        if let Some(existing) = files::find_same(self.db(), ws, dataset, sha, Some(name)).await? {
            if sha.is_some_and(|s| s == existing.sha256) {
                return Err(ServiceError::DuplicateFile { id: existing.id, name: existing.name });
            }
            return Err(ServiceError::Conflict {
                field: "name",
                message: format!("this dataset already has a file named {:?} (id {})", existing.name, existing.id),
            });
        }
        Ok(())
    }

    /// Inserts the file row, ends the upload's reservation and queues the file's ingest (FITS) in one
    /// transaction. The reservation goes (a streamed upload), or turns `done` pointing at the file and is kept
    /// until `keep_until` (a resumable one, whose client polls it). Nothing commits unless the reservation is still
    /// there in the state this caller left it (`open` while streaming, `verifying` for a resumable one): a
    /// reservation that expired or was finished by someone else refuses the file (409), and the caller then owns
    /// the object. A file with the same bytes (found now that the checksum is known) is a 409 naming it.
    pub(crate) async fn commit_file(
        &self,
        ws: WorkspaceId,
        upload: UploadId,
        row: NewFile,
        keep_until: Option<DateTime<Utc>>,
    ) -> ServiceResult<DataFile> {
        if let Some(existing) = files::find_same(self.db(), ws, row.dataset_id, Some(&row.sha256), None).await? {
            return Err(ServiceError::DuplicateFile { id: existing.id, name: existing.name });
        }
        let txn = meridian_store::begin_write(self.db()).await?;
        let dataset = row.dataset_id;
        let sha = row.sha256.clone();
        let ingest = row.ingest_status == IngestStatus::Pending;
        let now = crate::now();
        let file = match files::insert(&txn, ws, row, now).await {
            Ok(f) => f,
            Err(meridian_store::StoreError::Conflict { field: "sha256" }) => {
                drop(txn);
                let existing = files::find_same(self.db(), ws, dataset, Some(&sha), None).await?;
                return Err(match existing {
                    Some(e) => ServiceError::DuplicateFile { id: e.id, name: e.name },
                    None => {
                        ServiceError::Conflict { field: "sha256", message: "the same file was just uploaded".into() }
                    }
                });
            }
            Err(e) => return Err(e.into()),
        };
        let kept = match keep_until {
            Some(until) => {
                let done = uploads::UploadChange { file: Some(file.id), expires_at: Some(until), ..Default::default() };
                uploads::transition(&txn, upload, UploadStatus::Verifying, UploadStatus::Done, done, now).await?
            }
            None => uploads::delete_if(&txn, upload, UploadStatus::Open).await?,
        };
        if !kept {
            // Dropping the transaction rolls the file row back.
            return Err(ServiceError::Conflict {
                field: "upload",
                message: "this upload's reservation expired or was finished elsewhere; send the file again".into(),
            });
        }
        if ingest {
            Self::queue_in(&txn, Job::IngestFile { file_id: file.id }, PushOptions::default()).await?;
        }
        txn.commit().await.map_err(ServiceError::internal)?;
        Ok(file)
    }

    /// Queues a job in the caller's transaction: it exists exactly when the change it follows commits.
    pub(crate) async fn queue_in(
        txn: &meridian_store::DatabaseTransaction,
        job: Job,
        opts: PushOptions,
    ) -> ServiceResult<()> {
        crate::jobs::JobQueue::push_in(txn, &job, &opts).await.map(drop)
    }

    pub(crate) async fn check_quota(
        &self,
        conn: &impl meridian_store::ConnectionTrait,
        ws: WorkspaceId,
        size: u64,
    ) -> ServiceResult<()> {
        let plan = workspaces::plan_of(conn, ws).await?;
        let limits = plan.limits();
        if size > limits.max_file_bytes {
            return Err(ServiceError::QuotaExceeded {
                message: format!(
                    "the {plan} plan takes files up to {} bytes; this one has {size}",
                    limits.max_file_bytes
                ),
                tier: Tier::Hot,
                used: 0,
                limit: limits.max_file_bytes,
                requested: size,
            });
        }
        let used = files::bytes_per_tier(conn, ws).await?[0] + uploads::reserved_bytes(conn, ws).await?;
        let used = u64::try_from(used).unwrap_or(0);
        if used.saturating_add(size) > limits.hot_bytes {
            return Err(ServiceError::QuotaExceeded {
                message: format!(
                    "the hot tier of the {plan} plan holds {} bytes; {used} are used and this upload needs {size}",
                    limits.hot_bytes
                ),
                tier: Tier::Hot,
                used,
                limit: limits.hot_bytes,
                requested: size,
            });
        }
        Ok(())
    }

    pub async fn list_files(
        &self,
        actor: &Actor,
        slug: &str,
        dataset: DatasetId,
        limit: Option<u32>,
        cursor: Option<String>,
    ) -> ServiceResult<FilePage> {
        self.search_files(actor, slug, FileQuery { dataset: Some(dataset), limit, cursor, ..FileQuery::default() })
            .await
    }

    /// The file search: by object, date, filter, instrument, frame type, any header keyword and sky position.
    pub async fn search_files(&self, actor: &Actor, slug: &str, q: FileQuery) -> ServiceResult<FilePage> {
        let access = self.access(actor, slug).await?;
        // A dataset the caller may not see is a 404 before anything else.
        let dataset = match q.dataset {
            Some(d) => Some(self.visible_dataset(&access, d).await?.id),
            None => None,
        };
        let released_by = if access.can(Action::ViewWorkspace) {
            None
        } else if access.workspace.visibility == Visibility::Public {
            Some(crate::now())
        } else {
            // 404 to outsiders, 403 to an upload key of this workspace.
            access.require(Action::ViewWorkspace)?;
            None
        };
        let frame_type = q.frame_type.as_deref().map(FrameType::parse).transpose()?.map(|f| f.as_str().to_owned());
        let tier = q.tier.as_deref().map(Tier::parse).transpose()?;
        let headers = q
            .headers
            .iter()
            .map(|h| meridian_domain::search::parse_header_condition(h))
            .collect::<Result<Vec<_>, _>>()?;
        if headers.len() > 10 {
            return Err(ValidationError::new("header", "at most 10 header conditions").into());
        }
        if let (Some(f), Some(t)) = (q.date_from, q.date_to)
            && t < f
        {
            return Err(ValidationError::new("date_to", "must not be before date_from").into());
        }
        let cone = match (q.ra, q.dec, q.radius) {
            (None, None, None) => None,
            (Some(ra), Some(dec), Some(r)) => {
                let ra = meridian_domain::RightAscension::new(ra).map_err(|e| e.for_field("ra"))?.degrees();
                let dec = meridian_domain::Declination::new(dec).map_err(|e| e.for_field("dec"))?.degrees();
                if !(r > 0.0 && r <= 10.0) {
                    return Err(ValidationError::new("radius", "must be more than 0 and at most 10 degrees").into());
                }
                Some((ra, dec, r))
            }
            _ => return Err(ValidationError::new("radius", "a cone search needs ra, dec and radius together").into()),
        };
        let limit = u64::from(q.limit.unwrap_or(50).clamp(1, 200));
        let mut filter = FileFilter {
            dataset,
            released_by,
            object: q.object.filter(|o| !o.trim().is_empty()),
            date_from: q.date_from,
            date_to: q.date_to,
            filter: q.filter.filter(|f| !f.is_empty()),
            instrument: q.instrument.filter(|f| !f.is_empty()),
            frame_type,
            tier,
            name: q.name.filter(|n| !n.is_empty()),
            headers,
            healpix_ranges: cone.map(|(ra, dec, r)| cone_ranges(ra, dec, r)),
            after: q.cursor.as_deref().filter(|c| !c.is_empty()).map(decode_cursor).transpose()?,
        };
        // The HEALPix ranges over-cover the cone: fetch in batches and keep the rows truly inside.
        let mut items = Vec::new();
        let mut more = false;
        loop {
            let batch = search::files(self.db(), access.workspace.id, &filter, limit + 1).await?;
            let full = batch.len() as u64 > limit;
            let last = batch.iter().take(limit as usize).next_back().map(|r| (r.uploaded_at, r.id));
            for row in batch.into_iter().take(limit as usize) {
                let inside = match cone {
                    None => true,
                    Some((ra, dec, r)) => match (row.ra_deg, row.dec_deg) {
                        (Some(fra), Some(fdec)) => angular_distance(ra, dec, fra, fdec) <= r,
                        _ => false,
                    },
                };
                if inside {
                    items.push(row);
                }
                if items.len() as u64 == limit {
                    break;
                }
            }
            if items.len() as u64 >= limit {
                more = full || cone.is_some();
                break;
            }
            if !full {
                break;
            }
            filter.after = last;
        }
        let next_cursor = if more { items.last().map(|r| encode_cursor(r.uploaded_at, r.id)) } else { None };
        Ok(FilePage { items: self.file_views(&access, items).await?, next_cursor })
    }

    pub async fn get_file(&self, actor: &Actor, slug: &str, id: DataFileId) -> ServiceResult<FileDetail> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        let row = files::find(self.db(), access.workspace.id, file.id).await?.ok_or(ServiceError::NotFound("file"))?;
        let header = row.header_json.as_deref().and_then(|h| serde_json::from_str(h).ok());
        let jobs = if access.can(Action::ViewWorkspace) {
            self.jobs().for_subject(file.id.as_uuid()).await?
        } else {
            Vec::new()
        };
        Ok(FileDetail { file, header, jobs })
    }

    pub async fn file_header_cards(&self, actor: &Actor, slug: &str, id: DataFileId) -> ServiceResult<Vec<CardView>> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        Ok(files::header_cards(self.db(), file.id)
            .await?
            .into_iter()
            .map(|c| CardView { hdu: c.hdu, keyword: c.keyword, value: c.text, number: c.number })
            .collect())
    }

    /// Opens a file's bytes, or the one range an HTTP `Range` header asks for (`bytes=a-b`, `bytes=a-`,
    /// `bytes=-n`; anything else is served whole). A cold file answers `RestoreRequired` (409).
    pub async fn download_file(
        &self,
        actor: &Actor,
        slug: &str,
        id: DataFileId,
        range_header: Option<&str>,
    ) -> ServiceResult<Download> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        if file.tier == Tier::Cold {
            return Err(ServiceError::RestoreRequired);
        }
        let range = parse_range(range_header, u64::try_from(file.size_bytes).unwrap_or(0))?;
        let key = object_key(access.workspace.id, file.id);
        let object = self.storage()?.get(&key, range).await.map_err(storage_error)?;
        Ok(Download { file, object })
    }

    /// The preview PNG of a file, when made.
    pub async fn file_preview(&self, actor: &Actor, slug: &str, id: DataFileId) -> ServiceResult<GetOutcome> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        if file.preview_status != PreviewStatus::Done {
            return Err(ServiceError::NotFound("preview"));
        }
        let key = preview_key(access.workspace.id, file.id);
        self.storage()?.get(&key, None).await.map_err(|e| match e {
            StorageError::NotFound => ServiceError::NotFound("preview"),
            other => storage_error(other),
        })
    }

    /// Changes a file: its release date (`Some(None)`: follow the dataset's) and/or its tier. Who may edit is
    /// checked first, whatever the request asks (an empty change by someone who may not edit is refused too).
    pub async fn update_file(
        &self,
        actor: &Actor,
        slug: &str,
        id: DataFileId,
        release_at: Option<Option<DateTime<Utc>>>,
        tier: Option<&str>,
    ) -> ServiceResult<FileView> {
        let access = self.access(actor, slug).await?;
        let mut file = self.visible_file(&access, id).await?;
        access.require_on(file.public, Action::EditData, "file")?;
        if let Some(release_at) = release_at {
            file = self.set_file_release(actor, slug, id, release_at).await?;
        }
        if let Some(tier) = tier {
            file = self.set_file_tier(actor, slug, id, tier).await?;
        }
        Ok(file)
    }

    /// Changes a file's release date (`None`: follow the dataset's).
    pub async fn set_file_release(
        &self,
        actor: &Actor,
        slug: &str,
        id: DataFileId,
        release_at: Option<DateTime<Utc>>,
    ) -> ServiceResult<FileView> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        access.require_on(file.public, Action::EditData, "file")?;
        files::update_release(self.db(), access.workspace.id, file.id, release_at).await?;
        self.visible_file(&access, file.id).await
    }

    /// Moves a file to a colder tier now (warming a cold file is a restore).
    pub async fn set_file_tier(
        &self,
        actor: &Actor,
        slug: &str,
        id: DataFileId,
        tier: &str,
    ) -> ServiceResult<FileView> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        access.require_on(file.public, Action::EditData, "file")?;
        let tier = Tier::parse(tier)?;
        if tier == file.tier {
            return Ok(file);
        }
        if file.tier == Tier::Cold {
            return Err(ServiceError::RestoreRequired);
        }
        if tier == Tier::Cold {
            self.refuse_if_held(access.workspace.id, &[(file.id.as_uuid(), file.name.clone())]).await?;
        }
        let key = object_key(access.workspace.id, file.id);
        self.storage()?.set_tier(&key, tier).await.map_err(storage_error)?;
        self.record_tier(file.id, tier, crate::now()).await?;
        self.visible_file(&access, file.id).await
    }

    /// Asks for a cold file to come back to hot; a job follows it through.
    pub async fn restore_file(&self, actor: &Actor, slug: &str, id: DataFileId) -> ServiceResult<FileView> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        access.require_on(file.public, Action::EditData, "file")?;
        if file.tier != Tier::Cold || file.restore_status == meridian_domain::RestoreStatus::InProgress {
            return Ok(file);
        }
        // The request and the job that follows it commit together: never "in progress" with nobody working on it.
        let txn = meridian_store::begin_write(self.db()).await?;
        files::set_restore(&txn, file.id, RestoreStatus::InProgress, Some(crate::now())).await?;
        Self::queue_in(
            &txn,
            Job::RestoreFile { file_id: file.id },
            PushOptions { max_attempts: RESTORE_ATTEMPTS, ..PushOptions::default() },
        )
        .await?;
        txn.commit().await.map_err(ServiceError::internal)?;
        self.visible_file(&access, file.id).await
    }

    pub async fn delete_file(&self, actor: &Actor, slug: &str, id: DataFileId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        let file = self.visible_file(&access, id).await?;
        access.require_on(file.public, Action::DeleteData, "file")?;
        self.refuse_if_held(access.workspace.id, &[(file.id.as_uuid(), file.name.clone())]).await?;
        // A version taking the file in the meantime trips the foreign key instead: still a 409, never a dangling
        // version.
        let txn = meridian_store::begin_write(self.db()).await?;
        files::delete(&txn, access.workspace.id, file.id).await?;
        txn.commit().await.map_err(ServiceError::internal)?;
        // Row first, then the objects: a failure here leaves an orphan the cleanup job removes, never a row
        // pointing at nothing.
        let storage = self.storage()?;
        let ws = access.workspace.id;
        for key in [object_key(ws, file.id), preview_key(ws, file.id)] {
            if let Err(e) = storage.delete(&key).await {
                tracing::warn!(error = %e, "deleting an object failed; the cleanup job will retry");
            }
        }
        Ok(())
    }

    pub async fn storage_usage(&self, actor: &Actor, slug: &str) -> ServiceResult<UsageView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ViewWorkspace)?;
        let ws = access.workspace.id;
        let plan = workspaces::plan_of(self.db(), ws).await?;
        let limits = plan.limits();
        let bytes = files::bytes_per_tier(self.db(), ws).await?;
        let tiers = [Tier::Hot, Tier::Cool, Tier::Cold]
            .into_iter()
            .zip(bytes)
            .map(|(tier, bytes)| TierUsage { tier, bytes, limit_bytes: limits.for_tier(tier) })
            .collect();
        let history = usage::months(self.db(), ws, 36)
            .await?
            .into_iter()
            .map(|m| MonthUsage {
                month: m.month,
                tier: m.tier,
                gib_months: meridian_domain::data::gib_months(m.byte_seconds),
            })
            .collect();
        Ok(UsageView {
            plan,
            tiers,
            reserved_bytes: uploads::reserved_bytes(self.db(), ws).await?,
            max_file_bytes: limits.max_file_bytes,
            history,
        })
    }

    pub async fn list_tier_rules(&self, actor: &Actor, slug: &str) -> ServiceResult<Vec<RuleView>> {
        let access = self.access(actor, slug).await?;
        access.require(Action::ViewWorkspace)?;
        Ok(tiers::list_rules(self.db(), access.workspace.id).await?.into_iter().map(rule_view).collect())
    }

    pub async fn create_tier_rule(&self, actor: &Actor, slug: &str, input: RuleInput) -> ServiceResult<RuleView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::UpdateWorkspace)?;
        let name = dataset_name(&input.name)?;
        let not_ours = || ValidationError::new("dataset_id", "is not a dataset of this workspace");
        let dataset_id = match input.dataset_id.as_deref() {
            Some(d) => {
                let id = d.parse::<DatasetId>().map_err(|_| not_ours())?;
                Some(self.visible_dataset(&access, id).await.map_err(|_| not_ours())?.id)
            }
            None => None,
        };
        let frame_type = input.frame_type.as_deref().map(FrameType::parse).transpose()?;
        for (field, v) in [("cool_after_days", input.cool_after_days), ("cold_after_days", input.cold_after_days)] {
            if v.is_some_and(|d| !(0..=36_500).contains(&d)) {
                return Err(ValidationError::new(field, "must be 0 to 36500 days").into());
            }
        }
        match (input.cool_after_days, input.cold_after_days) {
            (None, None) => {
                return Err(
                    ValidationError::new("cool_after_days", "a rule needs cool_after_days or cold_after_days").into()
                );
            }
            (Some(c), Some(d)) if d < c => {
                return Err(ValidationError::new("cold_after_days", "must not be before cool_after_days").into());
            }
            _ => {}
        }
        let r = tiers::insert_rule(
            self.db(),
            access.workspace.id,
            RuleFields {
                name,
                dataset_id,
                frame_type,
                cool_after_days: input.cool_after_days,
                cold_after_days: input.cold_after_days,
            },
            crate::now(),
        )
        .await?;
        Ok(rule_view(r))
    }

    pub async fn delete_tier_rule(&self, actor: &Actor, slug: &str, id: LifecycleRuleId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        access.require(Action::UpdateWorkspace)?;
        if !tiers::delete_rule(self.db(), access.workspace.id, id).await? {
            return Err(ServiceError::NotFound("rule"));
        }
        Ok(())
    }

    /// Puts a workspace on a plan (operators and, later, billing).
    pub async fn set_plan(&self, workspace: WorkspaceId, plan: Plan) -> ServiceResult<()> {
        workspaces::set_plan(self.db(), workspace, plan).await?;
        Ok(())
    }
}

fn rule_view(r: LifecycleRule) -> RuleView {
    RuleView {
        id: r.id,
        name: r.name,
        dataset_id: r.dataset_id,
        frame_type: r.frame_type,
        cool_after_days: r.cool_after_days,
        cold_after_days: r.cold_after_days,
    }
}

/// Great-circle distance in degrees (Vincenty), for the exact cut after the HEALPix pre-selection.
#[must_use]
pub fn angular_distance(ra1: f64, dec1: f64, ra2: f64, dec2: f64) -> f64 {
    let (ra1, dec1, ra2, dec2) = (ra1.to_radians(), dec1.to_radians(), ra2.to_radians(), dec2.to_radians());
    let d = ra2 - ra1;
    let (sd, cd) = d.sin_cos();
    let (s1, c1) = dec1.sin_cos();
    let (s2, c2) = dec2.sin_cos();
    let a = c2 * sd;
    let b = c1 * s2 - s1 * c2 * cd;
    (a.hypot(b)).atan2(s1 * s2 + c1 * c2 * cd).to_degrees()
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

    /// Every position within the radius falls in one of the cone's ranges, whichever side of RA 0 or how close
    /// to a pole.
    #[test]
    fn cone_ranges_cover_the_cone() {
        for (ra, dec, r) in
            [(10.0, 20.0, 0.5), (359.9, 0.0, 0.3), (0.05, -30.0, 1.0), (123.0, 89.8, 0.5), (200.0, -89.5, 2.0)]
        {
            let ranges = cone_ranges(ra, dec, r);
            assert!(!ranges.is_empty());
            let mut inside = 0;
            for i in 0..400 {
                let f = f64::from(i);
                let (dra, ddec) =
                    ((f * 0.618_033_988_7).fract() * 2.0 - 1.0, (f * 0.414_213_562_3).fract() * 2.0 - 1.0);
                let pdec = (dec + ddec * r).clamp(-90.0, 90.0);
                let pra = (ra + dra * r / pdec.to_radians().cos().max(0.01)).rem_euclid(360.0);
                if angular_distance(ra, dec, pra, pdec) > r {
                    continue;
                }
                inside += 1;
                let h = healpix_of(pra, pdec);
                assert!(ranges.iter().any(|&(lo, hi)| lo <= h && h < hi), "({pra}, {pdec}) near ({ra}, {dec})");
            }
            assert!(inside > 100, "only {inside} sample points fell inside the cone at ({ra}, {dec})");
        }
    }

    /// Found by Schemathesis: a radius above 0 degrees that is 0 in radians made cdshealpix panic.
    #[test]
    fn a_vanishing_radius_still_covers_its_centre() {
        for r in [5e-324, f64::MIN_POSITIVE, 1e-300] {
            let ranges = cone_ranges(0.0, -90.0, r);
            let h = healpix_of(0.0, -90.0);
            assert!(ranges.iter().any(|&(lo, hi)| lo <= h && h < hi), "radius {r}");
        }
    }

    #[test]
    fn separation_across_ra_zero() {
        assert!((angular_distance(359.5, 0.0, 0.5, 0.0) - 1.0).abs() < 1e-9);
        assert!((angular_distance(10.0, 89.0, 190.0, 89.0) - 2.0).abs() < 1e-9);
    }
}
