//! Data files: their rows (written once their bytes are stored), what ingest read from their FITS headers, their
//! tiers and restores, the workspace's maintained per-tier totals, and the states background jobs move on.

use super::ID_BATCH;
use crate::entities::{data_files, file_header_cards, uploads};
use crate::{StoreError, StoreResult, conflict_on, ts};
use chrono::{DateTime, Utc};
use meridian_domain::data::{DataFile, HeaderCard};
use meridian_domain::uploads::UploadStatus;
use meridian_domain::{AccountId, ApiKeyId, DataFileId, DatasetId, IngestStatus, NightLogId, ObservationId};
use meridian_domain::{PreviewStatus, RestoreStatus, Tier, WorkspaceId};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

pub(crate) fn to_domain(m: data_files::Model) -> StoreResult<DataFile> {
    Ok(DataFile {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        dataset_id: m.dataset_id.into(),
        name: m.name,
        content_type: m.content_type,
        size_bytes: m.size_bytes,
        sha256: m.sha256,
        object_key: m.object_key,
        tier: Tier::parse(&m.tier)?,
        tier_changed_at: m.tier_changed_at.to_utc(),
        restore_status: RestoreStatus::parse(&m.restore_status)?,
        restore_requested_at: m.restore_requested_at.map(|t| t.to_utc()),
        uploaded_by: m.uploaded_by.into(),
        uploaded_via_key: m.uploaded_via_key.map(ApiKeyId::from),
        uploaded_at: m.uploaded_at.to_utc(),
        release_at: m.release_at.map(|t| t.to_utc()),
        ingest_status: IngestStatus::parse(&m.ingest_status)?,
        ingest_error: m.ingest_error,
        header_json: m.header_json,
        date_obs: m.date_obs.map(|t| t.to_utc()),
        object: m.object,
        ra_deg: m.ra_deg,
        dec_deg: m.dec_deg,
        healpix: m.healpix,
        exposure_s: m.exposure_s,
        filter: m.filter,
        instrument: m.instrument,
        telescope: m.telescope,
        frame_type: m.frame_type,
        night_log_id: m.night_log_id.map(NightLogId::from),
        observation_id: m.observation_id.map(ObservationId::from),
        preview_key: m.preview_key,
        preview_status: PreviewStatus::parse(&m.preview_status)?,
    })
}

pub(crate) fn all_to_domain(rows: Vec<data_files::Model>) -> StoreResult<Vec<DataFile>> {
    Ok(crate::lenient(rows, "data_files", to_domain))
}

/// A file as first written: its bytes are already stored and verified.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub id: DataFileId,
    pub dataset_id: DatasetId,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub object_key: String,
    pub tier: Tier,
    pub uploaded_by: AccountId,
    pub uploaded_via_key: Option<ApiKeyId>,
    pub release_at: Option<DateTime<Utc>>,
    /// `pending` for FITS files (a job reads them), `none` otherwise.
    pub ingest_status: IngestStatus,
    pub preview_status: PreviewStatus,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: NewFile,
    now: DateTime<Utc>,
) -> StoreResult<DataFile> {
    let row = data_files::ActiveModel {
        id: Set(f.id.into()),
        workspace_id: Set(workspace.into()),
        dataset_id: Set(f.dataset_id.into()),
        name: Set(f.name),
        content_type: Set(f.content_type),
        size_bytes: Set(f.size_bytes),
        sha256: Set(f.sha256),
        object_key: Set(f.object_key),
        tier: Set(f.tier.as_str().to_owned()),
        tier_changed_at: Set(ts(now)),
        restore_status: Set(RestoreStatus::None.as_str().to_owned()),
        restore_requested_at: Set(None),
        uploaded_by: Set(f.uploaded_by.into()),
        uploaded_via_key: Set(f.uploaded_via_key.map(ApiKeyId::as_uuid)),
        uploaded_at: Set(ts(now)),
        release_at: Set(f.release_at.map(ts)),
        ingest_status: Set(f.ingest_status.as_str().to_owned()),
        ingest_error: Set(None),
        header_json: Set(None),
        date_obs: Set(None),
        object: Set(None),
        object_search: Set(None),
        ra_deg: Set(None),
        dec_deg: Set(None),
        healpix: Set(None),
        exposure_s: Set(None),
        filter: Set(None),
        instrument: Set(None),
        telescope: Set(None),
        frame_type: Set(None),
        night_log_id: Set(None),
        observation_id: Set(None),
        preview_key: Set(None),
        preview_status: Set(f.preview_status.as_str().to_owned()),
    }
    .insert(conn)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(m)) if m.contains("sha256") => {
            StoreError::Conflict { field: "sha256" }
        }
        Some(sea_orm::SqlErr::UniqueConstraintViolation(m)) if m.contains("name") => {
            StoreError::Conflict { field: "name" }
        }
        _ => conflict_on("id")(e),
    })?;
    add_stored(conn, workspace, f.tier, row.size_bytes).await?;
    to_domain(row)
}

/// The maintained count of a workspace's stored bytes in `tier` moves by `delta`. Called in the same transaction
/// as every change to a file's existence, size or tier.
async fn add_stored(conn: &impl ConnectionTrait, workspace: WorkspaceId, tier: Tier, delta: i64) -> StoreResult<()> {
    use crate::entities::workspaces::{Column as W, Entity};
    let col = match tier {
        Tier::Hot => W::StoredHotBytes,
        Tier::Cool => W::StoredCoolBytes,
        Tier::Cold => W::StoredColdBytes,
    };
    Entity::update_many().col_expr(col, Expr::col(col).add(delta)).filter(W::Id.eq(workspace)).exec(conn).await?;
    Ok(())
}

/// The workspace's files among `ids` (any number; asked for in batches), in the order of `ids`; ids of no file of
/// the workspace are left out.
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    ids: &[DataFileId],
) -> StoreResult<Vec<DataFile>> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for batch in ids.chunks(ID_BATCH) {
        for row in data_files::Entity::find()
            .filter(data_files::Column::WorkspaceId.eq(workspace))
            .filter(data_files::Column::Id.is_in(batch.iter().copied()))
            .all(conn)
            .await?
        {
            found.insert(row.id, row);
        }
    }
    ids.iter().filter_map(|id| found.remove(&id.as_uuid())).map(to_domain).collect()
}

pub async fn find(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: DataFileId,
) -> StoreResult<Option<DataFile>> {
    crate::scoped::find::<data_files::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
}

/// Any file by id, whatever its workspace (for jobs, which carry only the id).
pub async fn find_any(conn: &impl ConnectionTrait, id: DataFileId) -> StoreResult<Option<DataFile>> {
    data_files::Entity::find_by_id(id).one(conn).await?.map(to_domain).transpose()
}

/// The file of this dataset with these bytes (by SHA-256), or with this name.
pub async fn find_same(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    dataset: DatasetId,
    sha256: Option<&str>,
    name: Option<&str>,
) -> StoreResult<Option<DataFile>> {
    let mut any = Condition::any();
    if let Some(s) = sha256 {
        any = any.add(data_files::Column::Sha256.eq(s));
    }
    if let Some(n) = name {
        any = any.add(data_files::Column::Name.eq(n));
    }
    if sha256.is_none() && name.is_none() {
        return Ok(None);
    }
    data_files::Entity::find()
        .filter(data_files::Column::WorkspaceId.eq(workspace))
        .filter(data_files::Column::DatasetId.eq(dataset))
        .filter(any)
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// What reading a FITS header found, written onto the file.
#[derive(Debug, Clone, Default)]
pub struct IngestResult {
    pub header_json: String,
    pub date_obs: Option<DateTime<Utc>>,
    pub object: Option<String>,
    pub ra_deg: Option<f64>,
    pub dec_deg: Option<f64>,
    pub healpix: Option<i64>,
    pub exposure_s: Option<f64>,
    pub filter: Option<String>,
    pub instrument: Option<String>,
    pub telescope: Option<String>,
    pub frame_type: Option<String>,
    pub night_log_id: Option<NightLogId>,
    pub observation_id: Option<ObservationId>,
    /// Warnings (unreadable keywords, where the file could not be placed), kept as the ingest message.
    pub message: Option<String>,
}

/// Records a finished ingest: summary columns, cards (replacing any earlier ones) and status `done`.
pub async fn record_ingest(
    conn: &impl ConnectionTrait,
    file: DataFileId,
    workspace: WorkspaceId,
    r: IngestResult,
    cards: Vec<HeaderCard>,
) -> StoreResult<()> {
    use data_files::Column as C;
    file_header_cards::Entity::delete_many().filter(file_header_cards::Column::FileId.eq(file)).exec(conn).await?;
    for chunk in cards.chunks(500) {
        let rows = chunk.iter().map(|c| file_header_cards::ActiveModel {
            file_id: Set(file.into()),
            workspace_id: Set(workspace.into()),
            hdu: Set(c.hdu),
            seq: Set(c.seq),
            keyword: Set(c.keyword.clone()),
            value_text: Set(c.text.clone()),
            value_lower: Set(c.text.as_ref().map(|t| t.to_lowercase())),
            value_num: Set(c.number),
        });
        file_header_cards::Entity::insert_many(rows).exec(conn).await?;
    }
    data_files::Entity::update_many()
        .col_expr(C::IngestStatus, Expr::value(IngestStatus::Done.as_str()))
        .col_expr(C::IngestError, Expr::value(r.message))
        .col_expr(C::HeaderJson, Expr::value(r.header_json))
        .col_expr(C::DateObs, Expr::value(r.date_obs.map(ts)))
        .col_expr(C::ObjectSearch, Expr::value(r.object.as_ref().map(|o| o.to_lowercase())))
        .col_expr(C::Object, Expr::value(r.object))
        .col_expr(C::RaDeg, Expr::value(r.ra_deg))
        .col_expr(C::DecDeg, Expr::value(r.dec_deg))
        .col_expr(C::Healpix, Expr::value(r.healpix))
        .col_expr(C::ExposureS, Expr::value(r.exposure_s))
        .col_expr(C::Filter, Expr::value(r.filter))
        .col_expr(C::Instrument, Expr::value(r.instrument))
        .col_expr(C::Telescope, Expr::value(r.telescope))
        .col_expr(C::FrameType, Expr::value(r.frame_type))
        .col_expr(C::NightLogId, Expr::value(r.night_log_id))
        .col_expr(C::ObservationId, Expr::value(r.observation_id))
        .filter(C::Id.eq(file))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_ingest_status(
    conn: &impl ConnectionTrait,
    file: DataFileId,
    status: IngestStatus,
    error: Option<String>,
) -> StoreResult<()> {
    use data_files::Column as C;
    data_files::Entity::update_many()
        .col_expr(C::IngestStatus, Expr::value(status.as_str()))
        .col_expr(C::IngestError, Expr::value(error))
        .filter(C::Id.eq(file))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_preview(
    conn: &impl ConnectionTrait,
    file: DataFileId,
    status: PreviewStatus,
    key: Option<String>,
) -> StoreResult<()> {
    use data_files::Column as C;
    data_files::Entity::update_many()
        .col_expr(C::PreviewStatus, Expr::value(status.as_str()))
        .col_expr(C::PreviewKey, Expr::value(key))
        .filter(C::Id.eq(file))
        .exec(conn)
        .await?;
    Ok(())
}

/// Moves a file to `tier` (and keeps the workspace's per-tier totals). Run it in a transaction.
pub async fn set_tier(
    conn: &impl ConnectionTrait,
    file: DataFileId,
    tier: Tier,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    use data_files::Column as C;
    let Some(f) = data_files::Entity::find_by_id(file).one(conn).await? else { return Ok(()) };
    let from = Tier::parse(&f.tier)?;
    // Only from the tier just read: of two concurrent moves, one changes the totals.
    let r = data_files::Entity::update_many()
        .col_expr(C::Tier, Expr::value(tier.as_str()))
        .col_expr(C::TierChangedAt, Expr::value(ts(now)))
        .filter(C::Id.eq(file))
        .filter(C::Tier.eq(from.as_str()))
        .exec(conn)
        .await?;
    if r.rows_affected > 0 && from != tier {
        add_stored(conn, f.workspace_id.into(), from, -f.size_bytes).await?;
        add_stored(conn, f.workspace_id.into(), tier, f.size_bytes).await?;
    }
    Ok(())
}

pub async fn set_restore(
    conn: &impl ConnectionTrait,
    file: DataFileId,
    status: RestoreStatus,
    requested_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    use data_files::Column as C;
    data_files::Entity::update_many()
        .col_expr(C::RestoreStatus, Expr::value(status.as_str()))
        .col_expr(C::RestoreRequestedAt, Expr::value(requested_at.map(ts)))
        .filter(C::Id.eq(file))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn update_release(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: DataFileId,
    release_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    use data_files::Column as C;
    crate::scoped::update::<data_files::Entity>(workspace, id)
        .col_expr(C::ReleaseAt, Expr::value(release_at.map(ts)))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes a file's row (and keeps the workspace's per-tier totals). Run it in a transaction.
pub async fn delete(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: DataFileId) -> StoreResult<bool> {
    // Only from the tier just read (a tier move committing in between would otherwise leave its bytes counted in
    // the new tier): read again and retry when it moved.
    for _ in 0..5 {
        let Some(f) = find(conn, workspace, id).await? else { return Ok(false) };
        let r = data_files::Entity::delete_many()
            .filter(data_files::Column::Id.eq(id))
            .filter(data_files::Column::WorkspaceId.eq(workspace))
            .filter(data_files::Column::Tier.eq(f.tier.as_str()))
            .exec(conn)
            .await
            .map_err(crate::in_use("package_versions"))?;
        if r.rows_affected > 0 {
            add_stored(conn, workspace, f.tier, -f.size_bytes).await?;
            return Ok(true);
        }
    }
    Err(StoreError::Conflict { field: "tier" })
}

/// A file's header cards in order.
pub async fn header_cards(conn: &impl ConnectionTrait, file: DataFileId) -> StoreResult<Vec<HeaderCard>> {
    let rows = file_header_cards::Entity::find()
        .filter(file_header_cards::Column::FileId.eq(file))
        .order_by_asc(file_header_cards::Column::Hdu)
        .order_by_asc(file_header_cards::Column::Seq)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|c| HeaderCard { hdu: c.hdu, seq: c.seq, keyword: c.keyword, text: c.value_text, number: c.value_num })
        .collect())
}

/// Bytes stored per tier in a workspace (hot, cool, cold), as maintained with every file change.
pub async fn bytes_per_tier(conn: &impl ConnectionTrait, workspace: WorkspaceId) -> StoreResult<[i64; 3]> {
    use crate::entities::workspaces::{Column as W, Entity};
    let row: Option<(i64, i64, i64)> = Entity::find_by_id(workspace)
        .select_only()
        .column(W::StoredHotBytes)
        .column(W::StoredCoolBytes)
        .column(W::StoredColdBytes)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(row.map_or([0; 3], |(h, c, d)| [h, c, d]))
}

/// Bytes stored per tier over every workspace (the maintained totals; for `/metrics`).
pub async fn instance_bytes_per_tier(conn: &impl ConnectionTrait) -> StoreResult<[i64; 3]> {
    use crate::entities::workspaces::{Column as W, Entity};
    let sum = |c: W| Func::sum(Expr::col(c)).cast_as("BIGINT");
    let row: Option<(Option<i64>, Option<i64>, Option<i64>)> = Entity::find()
        .select_only()
        .column_as(sum(W::StoredHotBytes), "hot")
        .column_as(sum(W::StoredCoolBytes), "cool")
        .column_as(sum(W::StoredColdBytes), "cold")
        .into_tuple()
        .one(conn)
        .await?;
    Ok(row.map_or([0; 3], |(h, c, d)| [h.unwrap_or(0), c.unwrap_or(0), d.unwrap_or(0)]))
}

/// Bytes stored per tier in a workspace, summed over its files: what [`bytes_per_tier`] must equal (checked by
/// `meridian verify`).
pub async fn summed_bytes_per_tier(conn: &impl ConnectionTrait, workspace: WorkspaceId) -> StoreResult<[i64; 3]> {
    use data_files::Column as C;
    let rows: Vec<(String, Option<i64>)> = data_files::Entity::find()
        .select_only()
        .column(C::Tier)
        .column_as(Func::sum(Expr::col(C::SizeBytes)).cast_as("BIGINT"), "bytes")
        .filter(C::WorkspaceId.eq(workspace))
        .group_by(C::Tier)
        .into_tuple()
        .all(conn)
        .await?;
    let mut out = [0_i64; 3];
    for (tier, bytes) in rows {
        let i = match Tier::parse(&tier) {
            Ok(Tier::Hot) => 0,
            Ok(Tier::Cool) => 1,
            Ok(Tier::Cold) => 2,
            Err(e) => return Err(StoreError::Corrupt(e)),
        };
        out[i] = bytes.unwrap_or(0);
    }
    Ok(out)
}

/// Sets a workspace's maintained per-tier totals (the repair of a drift found by `meridian verify`).
pub async fn set_bytes_per_tier(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    bytes: [i64; 3],
) -> StoreResult<()> {
    use crate::entities::workspaces::{Column as W, Entity};
    Entity::update_many()
        .col_expr(W::StoredHotBytes, Expr::value(bytes[0]))
        .col_expr(W::StoredCoolBytes, Expr::value(bytes[1]))
        .col_expr(W::StoredColdBytes, Expr::value(bytes[2]))
        .filter(W::Id.eq(workspace))
        .exec(conn)
        .await?;
    Ok(())
}

/// A file state that a background job moves on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// The FITS header is to be read (`ingest_status = pending`).
    Ingest,
    /// The preview is to be drawn (`preview_status = pending`) and the ingest that queues it is over.
    Preview,
    /// A restore from the cold tier was asked for (`restore_status = in_progress`).
    Restore,
}

/// Ids of files waiting for `what` since before `before` (by upload, or for a restore by its request), by id after
/// `after`: the sweep pages through them and checks that each still has a job.
pub async fn pending(
    conn: &impl ConnectionTrait,
    what: Pending,
    before: DateTime<Utc>,
    after: Option<DataFileId>,
    limit: u64,
) -> StoreResult<Vec<DataFileId>> {
    use data_files::Column as C;
    let q = data_files::Entity::find().select_only().column(C::Id);
    let q = match what {
        Pending::Ingest => {
            q.filter(C::IngestStatus.eq(IngestStatus::Pending.as_str())).filter(C::UploadedAt.lt(ts(before)))
        }
        Pending::Preview => q
            .filter(C::PreviewStatus.eq(PreviewStatus::Pending.as_str()))
            .filter(C::IngestStatus.ne(IngestStatus::Pending.as_str()))
            .filter(C::UploadedAt.lt(ts(before))),
        Pending::Restore => q
            .filter(C::RestoreStatus.eq(RestoreStatus::InProgress.as_str()))
            .filter(C::RestoreRequestedAt.lt(ts(before))),
    };
    let q = match after {
        Some(a) => q.filter(C::Id.gt(a)),
        None => q,
    };
    let ids: Vec<uuid::Uuid> = q.order_by_asc(C::Id).limit(limit).into_tuple().all(conn).await?;
    Ok(ids.into_iter().map(DataFileId::from).collect())
}

/// Object keys of a workspace's files (and previews) among `keys`: what the cleanup job must keep.
pub async fn known_keys(conn: &impl ConnectionTrait, keys: &[String]) -> StoreResult<Vec<String>> {
    use data_files::Column as C;
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    // Reservations before files: an upload commits its file row and drops its reservation in one transaction, so
    // a key whose reservation is gone by the first read has its file row visible to the second. (Read the other
    // way round, an upload committing in between would look unknown to both, and its object would be deleted.)
    let mut out: Vec<String> = uploads::Entity::find()
        .select_only()
        .column(uploads::Column::ObjectKey)
        .filter(uploads::Column::ObjectKey.is_in(keys.to_vec()))
        .filter(uploads::Column::Status.ne(UploadStatus::Failed.as_str()))
        .into_tuple()
        .all(conn)
        .await?;
    let rows: Vec<(String, Option<String>)> = data_files::Entity::find()
        .select_only()
        .column(C::ObjectKey)
        .column(C::PreviewKey)
        .filter(Condition::any().add(C::ObjectKey.is_in(keys.to_vec())).add(C::PreviewKey.is_in(keys.to_vec())))
        .into_tuple()
        .all(conn)
        .await?;
    out.extend(rows.into_iter().flat_map(|(a, b)| std::iter::once(a).chain(b)));
    Ok(out)
}

/// How many files the workspace holds.
pub async fn count_in(conn: &impl ConnectionTrait, workspace: WorkspaceId) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait as _;
    Ok(data_files::Entity::find().filter(data_files::Column::WorkspaceId.eq(workspace)).count(conn).await?)
}
