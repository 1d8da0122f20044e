//! Datasets, data files (with their FITS header summary and cards), uploads in flight, tier rules and storage
//! metering. Every query is scoped by workspace; rows are returned as the generated models and shaped by the
//! service.

use crate::entities::{data_files, datasets, file_header_cards, lifecycle_rules, uploads, usage_months, usage_state};
use crate::{StoreError, StoreResult, conflict_on, like_escaped, ts};
use chrono::{DateTime, Utc};
use meridian_domain::{DataFileId, DatasetId, LifecycleRuleId, Tier, UploadId, WorkspaceId};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub use crate::entities::data_files::Model as FileRow;
pub use crate::entities::datasets::Model as DatasetRow;
pub use crate::entities::lifecycle_rules::Model as RuleRow;
pub use crate::entities::uploads::Model as UploadRow;
pub use crate::entities::usage_months::Model as UsageMonthRow;

// ------------------------------------------------------------------------------------------------- datasets

#[derive(Debug, Clone)]
pub struct DatasetFields {
    pub name: String,
    pub description: String,
    pub telescope_id: Option<Uuid>,
    pub release_at: Option<DateTime<Utc>>,
}

pub async fn insert_dataset(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: DatasetFields,
    created_by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<DatasetRow> {
    datasets::ActiveModel {
        id: Set(DatasetId::new().as_uuid()),
        workspace_id: Set(workspace.as_uuid()),
        name: Set(f.name),
        description: Set(f.description),
        telescope_id: Set(f.telescope_id),
        release_at: Set(f.release_at.map(ts)),
        created_by: Set(created_by),
        created_at: Set(ts(now)),
        updated_at: Set(ts(now)),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("name"))
}

pub async fn find_dataset(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: DatasetId,
) -> StoreResult<Option<DatasetRow>> {
    Ok(datasets::Entity::find_by_id(id.as_uuid())
        .filter(datasets::Column::WorkspaceId.eq(workspace.as_uuid()))
        .one(conn)
        .await?)
}

/// A page of a workspace's datasets by name, after the name `after`; `released_by` keeps only those released by
/// then (for outsiders). Names are unique in a workspace, so the name is the cursor.
pub async fn list_datasets(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    released_by: Option<DateTime<Utc>>,
    after: Option<&str>,
    limit: u64,
) -> StoreResult<Vec<DatasetRow>> {
    let mut q = datasets::Entity::find().filter(datasets::Column::WorkspaceId.eq(workspace.as_uuid()));
    if let Some(t) = released_by {
        q = q.filter(datasets::Column::ReleaseAt.lte(ts(t)));
    }
    if let Some(name) = after {
        q = q.filter(datasets::Column::Name.gt(name));
    }
    Ok(q.order_by_asc(datasets::Column::Name).limit(limit).all(conn).await?)
}

/// The workspace's datasets among `ids` (any number, repeats allowed: each dataset comes once; asked for in
/// batches), in no particular order.
pub async fn datasets_by_ids(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    ids: impl IntoIterator<Item = Uuid>,
) -> StoreResult<Vec<DatasetRow>> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::new();
    for batch in ids.chunks(ID_BATCH) {
        out.extend(
            datasets::Entity::find()
                .filter(datasets::Column::WorkspaceId.eq(workspace.as_uuid()))
                .filter(datasets::Column::Id.is_in(batch.iter().copied()))
                .all(conn)
                .await?,
        );
    }
    Ok(out)
}

/// How many ids one `IN (…)` list holds: far below SQLite's and PostgreSQL's bound-parameter limits.
const ID_BATCH: usize = 500;

pub async fn update_dataset(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: DatasetId,
    f: DatasetFields,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    use datasets::Column as C;
    datasets::Entity::update_many()
        .col_expr(C::Name, Expr::value(f.name))
        .col_expr(C::Description, Expr::value(f.description))
        .col_expr(C::TelescopeId, Expr::value(f.telescope_id))
        .col_expr(C::ReleaseAt, Expr::value(f.release_at.map(ts)))
        .col_expr(C::UpdatedAt, Expr::value(ts(now)))
        .filter(C::Id.eq(id.as_uuid()))
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .exec(conn)
        .await
        .map_err(conflict_on("name"))?;
    Ok(())
}

/// Deletes an empty dataset; one with files (or uploads in flight) is `InUse`.
/// Deletes an empty dataset with the finished uploads it still lists. `InUse` while it holds files or uploads
/// are in flight into it (their bytes are on their way to becoming files). Run it in a transaction, so that a
/// file or upload arriving meanwhile makes it fail whole (`data_files.dataset_id` and `uploads.dataset_id` cascade).
pub async fn delete_dataset(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: DatasetId) -> StoreResult<bool> {
    let files = data_files::Entity::find()
        .filter(data_files::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(data_files::Column::DatasetId.eq(id.as_uuid()))
        .count(conn)
        .await?;
    if files > 0 {
        return Err(StoreError::InUse { what: "files" });
    }
    let in_flight = uploads::Entity::find()
        .filter(uploads::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(uploads::Column::DatasetId.eq(id.as_uuid()))
        .filter(uploads::Column::Status.is_in(["open", "verifying"]))
        .count(conn)
        .await?;
    if in_flight > 0 {
        return Err(StoreError::InUse { what: "uploads in progress" });
    }
    uploads::Entity::delete_many()
        .filter(uploads::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(uploads::Column::DatasetId.eq(id.as_uuid()))
        .exec(conn)
        .await?;
    let r = datasets::Entity::delete_many()
        .filter(datasets::Column::Id.eq(id.as_uuid()))
        .filter(datasets::Column::WorkspaceId.eq(workspace.as_uuid()))
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

/// `(dataset, file count, bytes)` of the workspace's datasets among `ids` that hold files; with `released_by`,
/// of the files released by then only (the datasets themselves must be released: an outsider sees no others).
pub async fn dataset_totals(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    ids: &[Uuid],
    released_by: Option<DateTime<Utc>>,
) -> StoreResult<Vec<(Uuid, i64, i64)>> {
    use data_files::Column as C;
    let mut out = Vec::new();
    for batch in ids.chunks(ID_BATCH) {
        let mut q = data_files::Entity::find()
            .select_only()
            .column(C::DatasetId)
            .column_as(Expr::from(Func::count(Expr::col(C::Id))).cast_as("BIGINT"), "n")
            .column_as(Func::sum(Expr::col(C::SizeBytes)).cast_as("BIGINT"), "bytes")
            .filter(C::WorkspaceId.eq(workspace.as_uuid()))
            .filter(C::DatasetId.is_in(batch.iter().copied()));
        if let Some(t) = released_by {
            // An outsider's count: files released by then (their own date, or their released dataset's).
            q = q.filter(Condition::any().add(C::ReleaseAt.is_null()).add(C::ReleaseAt.lte(ts(t))));
        }
        let rows: Vec<(Uuid, i64, Option<i64>)> = q.group_by(C::DatasetId).into_tuple().all(conn).await?;
        out.extend(rows.into_iter().map(|(d, n, b)| (d, n, b.unwrap_or(0))));
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------------- files

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
    pub uploaded_by: Uuid,
    pub uploaded_via_key: Option<Uuid>,
    pub release_at: Option<DateTime<Utc>>,
    /// `pending` for FITS files (a job reads them), `none` otherwise.
    pub ingest_status: &'static str,
    pub preview_status: &'static str,
}

pub async fn insert_file(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: NewFile,
    now: DateTime<Utc>,
) -> StoreResult<FileRow> {
    let row = data_files::ActiveModel {
        id: Set(f.id.as_uuid()),
        workspace_id: Set(workspace.as_uuid()),
        dataset_id: Set(f.dataset_id.as_uuid()),
        name: Set(f.name),
        content_type: Set(f.content_type),
        size_bytes: Set(f.size_bytes),
        sha256: Set(f.sha256),
        object_key: Set(f.object_key),
        tier: Set(f.tier.as_str().to_owned()),
        tier_changed_at: Set(ts(now)),
        restore_status: Set("none".to_owned()),
        restore_requested_at: Set(None),
        uploaded_by: Set(f.uploaded_by),
        uploaded_via_key: Set(f.uploaded_via_key),
        uploaded_at: Set(ts(now)),
        release_at: Set(f.release_at.map(ts)),
        ingest_status: Set(f.ingest_status.to_owned()),
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
        preview_status: Set(f.preview_status.to_owned()),
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
    add_stored(conn, workspace.as_uuid(), f.tier, row.size_bytes).await?;
    Ok(row)
}

/// The maintained count of a workspace's stored bytes in `tier` moves by `delta`. Called in the same transaction
/// as every change to a file's existence, size or tier.
async fn add_stored(conn: &impl ConnectionTrait, workspace: Uuid, tier: Tier, delta: i64) -> StoreResult<()> {
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
pub async fn files_by_ids(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    ids: &[Uuid],
) -> StoreResult<Vec<FileRow>> {
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    for batch in ids.chunks(ID_BATCH) {
        for row in data_files::Entity::find()
            .filter(data_files::Column::WorkspaceId.eq(workspace.as_uuid()))
            .filter(data_files::Column::Id.is_in(batch.iter().copied()))
            .all(conn)
            .await?
        {
            found.insert(row.id, row);
        }
    }
    Ok(ids.iter().filter_map(|id| found.remove(id)).collect())
}

pub async fn find_file(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: DataFileId,
) -> StoreResult<Option<FileRow>> {
    Ok(data_files::Entity::find_by_id(id.as_uuid())
        .filter(data_files::Column::WorkspaceId.eq(workspace.as_uuid()))
        .one(conn)
        .await?)
}

/// Any file by id, whatever its workspace (for jobs, which carry only the id).
pub async fn find_file_any(conn: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<FileRow>> {
    Ok(data_files::Entity::find_by_id(id).one(conn).await?)
}

pub async fn find_dataset_any(conn: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<DatasetRow>> {
    Ok(datasets::Entity::find_by_id(id).one(conn).await?)
}

/// The file of this dataset with these bytes (by SHA-256), or with this name.
pub async fn find_same(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    dataset: DatasetId,
    sha256: Option<&str>,
    name: Option<&str>,
) -> StoreResult<Option<FileRow>> {
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
    Ok(data_files::Entity::find()
        .filter(data_files::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(data_files::Column::DatasetId.eq(dataset.as_uuid()))
        .filter(any)
        .one(conn)
        .await?)
}

pub use meridian_domain::search::HeaderCondition;

/// What a file search asks for; every part is optional and all parts must hold.
#[derive(Debug, Clone, Default)]
pub struct FileFilter {
    pub dataset: Option<DatasetId>,
    /// Keep only files released by then (what an outsider sees).
    pub released_by: Option<DateTime<Utc>>,
    /// A case-insensitive part of the OBJECT name.
    pub object: Option<String>,
    pub date_from: Option<DateTime<Utc>>,
    pub date_to: Option<DateTime<Utc>>,
    pub filter: Option<String>,
    pub instrument: Option<String>,
    pub frame_type: Option<String>,
    pub tier: Option<Tier>,
    pub name: Option<String>,
    pub headers: Vec<HeaderCondition>,
    /// HEALPix index ranges `[lo, hi)` that cover a cone (the caller keeps only the rows truly inside).
    pub healpix_ranges: Option<Vec<(i64, i64)>>,
    /// Continue after this `(uploaded_at, id)`, newest first.
    pub after: Option<(DateTime<Utc>, Uuid)>,
}

pub async fn search_files(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: &FileFilter,
    limit: u64,
) -> StoreResult<Vec<FileRow>> {
    use data_files::Column as C;
    let mut q = data_files::Entity::find().filter(C::WorkspaceId.eq(workspace.as_uuid()));
    if let Some(d) = f.dataset {
        q = q.filter(C::DatasetId.eq(d.as_uuid()));
    }
    if let Some(t) = f.released_by {
        q = q.filter(released_condition(workspace, t));
    }
    if let Some(o) = &f.object {
        q = q
            .filter(C::ObjectSearch.like(LikeExpr::new(format!("%{}%", like_escaped(&o.to_lowercase()))).escape('\\')));
    }
    if let Some(t) = f.date_from {
        q = q.filter(C::DateObs.gte(ts(t)));
    }
    if let Some(t) = f.date_to {
        q = q.filter(C::DateObs.lt(ts(t)));
    }
    if let Some(v) = &f.filter {
        q = q.filter(Func::lower(Expr::col(C::Filter)).eq(v.to_lowercase()));
    }
    if let Some(v) = &f.instrument {
        q = q.filter(Func::lower(Expr::col(C::Instrument)).eq(v.to_lowercase()));
    }
    if let Some(v) = &f.frame_type {
        q = q.filter(C::FrameType.eq(v.as_str()));
    }
    if let Some(t) = f.tier {
        q = q.filter(C::Tier.eq(t.as_str()));
    }
    if let Some(n) = &f.name {
        q = q.filter(C::Name.like(LikeExpr::new(format!("%{}%", like_escaped(n))).escape('\\')));
    }
    for h in &f.headers {
        q = q.filter(C::Id.in_subquery(header_subquery(workspace, h)));
    }
    if let Some(ranges) = &f.healpix_ranges {
        let mut any = Condition::any();
        for &(lo, hi) in ranges {
            any = any.add(Condition::all().add(C::Healpix.gte(lo)).add(C::Healpix.lt(hi)));
        }
        q = q.filter(any);
    }
    if let Some((at, id)) = f.after {
        // A row comparison, which PostgreSQL turns into an index condition on `(…, uploaded_at, id)` (the OR of
        // the two cases it means scans and filters: 268 ms against 4.6 ms three days into 400,000 files).
        q = q.filter(
            Expr::tuple([Expr::col((data_files::Entity, C::UploadedAt)), Expr::col((data_files::Entity, C::Id))])
                .lt(Expr::tuple([Expr::value(ts(at)), Expr::value(id)])),
        );
    }
    Ok(q.order_by_desc(C::UploadedAt).order_by_desc(C::Id).limit(limit).all(conn).await?)
}

/// A file is released once its own release date, or (without one) its dataset's, has passed.
fn released_condition(workspace: WorkspaceId, by: DateTime<Utc>) -> Condition {
    use data_files::Column as C;
    let released_datasets = Query::select()
        .column(datasets::Column::Id)
        .from(datasets::Entity)
        .and_where(datasets::Column::WorkspaceId.eq(workspace.as_uuid()))
        .and_where(datasets::Column::ReleaseAt.lte(ts(by)))
        .to_owned();
    Condition::any()
        .add(C::ReleaseAt.lte(ts(by)))
        .add(Condition::all().add(C::ReleaseAt.is_null()).add(C::DatasetId.in_subquery(released_datasets)))
}

fn header_subquery(workspace: WorkspaceId, h: &HeaderCondition) -> sea_orm::sea_query::SelectStatement {
    use file_header_cards::Column as H;
    let mut s = Query::select();
    s.column(H::FileId).from(file_header_cards::Entity).and_where(H::WorkspaceId.eq(workspace.as_uuid()));
    match h {
        HeaderCondition::Equals { keyword, text, number } => {
            s.and_where(H::Keyword.eq(keyword.as_str()));
            let mut any = Condition::any().add(H::ValueLower.eq(text.to_lowercase()));
            if let Some(n) = number {
                any = any.add(H::ValueNum.eq(*n));
            }
            s.cond_where(any);
        }
        HeaderCondition::Range { keyword, min, max } => {
            s.and_where(H::Keyword.eq(keyword.as_str()));
            s.and_where(H::ValueNum.is_not_null());
            if let Some(m) = min {
                s.and_where(H::ValueNum.gte(*m));
            }
            if let Some(m) = max {
                s.and_where(H::ValueNum.lte(*m));
            }
        }
    }
    s.to_owned()
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
    pub night_log_id: Option<Uuid>,
    pub observation_id: Option<Uuid>,
    /// Warnings (unreadable keywords, where the file could not be placed), kept as the ingest message.
    pub message: Option<String>,
}

/// One header card, as searchable row.
#[derive(Debug, Clone)]
pub struct CardRow {
    pub hdu: i32,
    pub seq: i32,
    pub keyword: String,
    pub text: Option<String>,
    pub number: Option<f64>,
}

/// Records a finished ingest: summary columns, cards (replacing any earlier ones) and status `done`.
pub async fn record_ingest(
    conn: &impl ConnectionTrait,
    file: Uuid,
    workspace: Uuid,
    r: IngestResult,
    cards: Vec<CardRow>,
) -> StoreResult<()> {
    use data_files::Column as C;
    file_header_cards::Entity::delete_many().filter(file_header_cards::Column::FileId.eq(file)).exec(conn).await?;
    for chunk in cards.chunks(500) {
        let rows = chunk.iter().map(|c| file_header_cards::ActiveModel {
            file_id: Set(file),
            workspace_id: Set(workspace),
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
        .col_expr(C::IngestStatus, Expr::value("done"))
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
    file: Uuid,
    status: &str,
    error: Option<String>,
) -> StoreResult<()> {
    use data_files::Column as C;
    data_files::Entity::update_many()
        .col_expr(C::IngestStatus, Expr::value(status))
        .col_expr(C::IngestError, Expr::value(error))
        .filter(C::Id.eq(file))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_preview(
    conn: &impl ConnectionTrait,
    file: Uuid,
    status: &str,
    key: Option<String>,
) -> StoreResult<()> {
    use data_files::Column as C;
    data_files::Entity::update_many()
        .col_expr(C::PreviewStatus, Expr::value(status))
        .col_expr(C::PreviewKey, Expr::value(key))
        .filter(C::Id.eq(file))
        .exec(conn)
        .await?;
    Ok(())
}

/// Moves a file to `tier` (and keeps the workspace's per-tier totals). Run it in a transaction.
pub async fn set_tier(conn: &impl ConnectionTrait, file: Uuid, tier: Tier, now: DateTime<Utc>) -> StoreResult<()> {
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
        add_stored(conn, f.workspace_id, from, -f.size_bytes).await?;
        add_stored(conn, f.workspace_id, tier, f.size_bytes).await?;
    }
    Ok(())
}

pub async fn set_restore(
    conn: &impl ConnectionTrait,
    file: Uuid,
    status: &str,
    requested_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    use data_files::Column as C;
    data_files::Entity::update_many()
        .col_expr(C::RestoreStatus, Expr::value(status))
        .col_expr(C::RestoreRequestedAt, Expr::value(requested_at.map(ts)))
        .filter(C::Id.eq(file))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn update_file_release(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: DataFileId,
    release_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    use data_files::Column as C;
    data_files::Entity::update_many()
        .col_expr(C::ReleaseAt, Expr::value(release_at.map(ts)))
        .filter(C::Id.eq(id.as_uuid()))
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes a file's row (and keeps the workspace's per-tier totals). Run it in a transaction.
pub async fn delete_file(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: DataFileId) -> StoreResult<bool> {
    // Only from the tier just read (a tier move committing in between would otherwise leave its bytes counted in
    // the new tier): read again and retry when it moved.
    for _ in 0..5 {
        let Some(f) = find_file(conn, workspace, id).await? else { return Ok(false) };
        let r = data_files::Entity::delete_many()
            .filter(data_files::Column::Id.eq(id.as_uuid()))
            .filter(data_files::Column::WorkspaceId.eq(workspace.as_uuid()))
            .filter(data_files::Column::Tier.eq(f.tier.as_str()))
            .exec(conn)
            .await
            .map_err(crate::in_use("package_versions"))?;
        if r.rows_affected > 0 {
            add_stored(conn, workspace.as_uuid(), Tier::parse(&f.tier)?, -f.size_bytes).await?;
            return Ok(true);
        }
    }
    Err(StoreError::Conflict { field: "tier" })
}

/// A file's header cards in order.
pub async fn header_cards(conn: &impl ConnectionTrait, file: Uuid) -> StoreResult<Vec<file_header_cards::Model>> {
    Ok(file_header_cards::Entity::find()
        .filter(file_header_cards::Column::FileId.eq(file))
        .order_by_asc(file_header_cards::Column::Hdu)
        .order_by_asc(file_header_cards::Column::Seq)
        .all(conn)
        .await?)
}

/// Bytes stored per tier in a workspace (hot, cool, cold), as maintained with every file change.
pub async fn bytes_per_tier(conn: &impl ConnectionTrait, workspace: Uuid) -> StoreResult<[i64; 3]> {
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

/// Bytes stored per tier in a workspace, summed over its files: what [`bytes_per_tier`] must equal (checked by
/// `meridian verify`).
pub async fn summed_bytes_per_tier(conn: &impl ConnectionTrait, workspace: Uuid) -> StoreResult<[i64; 3]> {
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
pub async fn set_bytes_per_tier(conn: &impl ConnectionTrait, workspace: Uuid, bytes: [i64; 3]) -> StoreResult<()> {
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
pub async fn files_pending(
    conn: &impl ConnectionTrait,
    what: Pending,
    before: DateTime<Utc>,
    after: Option<Uuid>,
    limit: u64,
) -> StoreResult<Vec<Uuid>> {
    use data_files::Column as C;
    let q = data_files::Entity::find().select_only().column(C::Id);
    let q = match what {
        Pending::Ingest => q.filter(C::IngestStatus.eq("pending")).filter(C::UploadedAt.lt(ts(before))),
        Pending::Preview => q
            .filter(C::PreviewStatus.eq("pending"))
            .filter(C::IngestStatus.ne("pending"))
            .filter(C::UploadedAt.lt(ts(before))),
        Pending::Restore => q.filter(C::RestoreStatus.eq("in_progress")).filter(C::RestoreRequestedAt.lt(ts(before))),
    };
    let q = match after {
        Some(a) => q.filter(C::Id.gt(a)),
        None => q,
    };
    Ok(q.order_by_asc(C::Id).limit(limit).into_tuple().all(conn).await?)
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
        .filter(uploads::Column::Status.ne("failed"))
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

/// Files of a workspace that are hotter than `tier` and last changed tier before `changed_before`, optionally
/// only of one dataset or frame type: the candidates of a tier rule.
pub async fn tier_candidates(
    conn: &impl ConnectionTrait,
    workspace: Uuid,
    hotter_than: Tier,
    changed_before: DateTime<Utc>,
    dataset: Option<Uuid>,
    frame_type: Option<&str>,
    limit: u64,
) -> StoreResult<Vec<FileRow>> {
    use data_files::Column as C;
    let hotter: Vec<&str> = Tier::ALL.iter().filter(|t| **t < hotter_than).map(|t| t.as_str()).collect();
    let mut q = data_files::Entity::find()
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::Tier.is_in(hotter))
        .filter(C::TierChangedAt.lt(ts(changed_before)))
        .filter(C::RestoreStatus.ne("in_progress"));
    if let Some(d) = dataset {
        q = q.filter(C::DatasetId.eq(d));
    }
    if let Some(f) = frame_type {
        q = q.filter(C::FrameType.eq(f));
    }
    if hotter_than == Tier::Cold {
        // A published package version holds its files readable: they never go cold by rule.
        q = q.filter(C::Id.not_in_subquery(crate::packages::held_file_ids()));
    }
    Ok(q.order_by_asc(C::TierChangedAt).limit(limit).all(conn).await?)
}

// -------------------------------------------------------------------------------------------------- uploads

#[derive(Debug, Clone)]
pub struct NewUpload {
    pub id: UploadId,
    pub dataset_id: DatasetId,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: Option<String>,
    pub release_at: Option<DateTime<Utc>>,
    pub mode: &'static str,
    pub part_size: i64,
    pub object_key: String,
    pub multipart_id: Option<String>,
    pub created_by: Uuid,
    pub via_key: Option<Uuid>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_upload(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    u: NewUpload,
    now: DateTime<Utc>,
) -> StoreResult<UploadRow> {
    Ok(uploads::ActiveModel {
        id: Set(u.id.as_uuid()),
        workspace_id: Set(workspace.as_uuid()),
        dataset_id: Set(u.dataset_id.as_uuid()),
        name: Set(u.name),
        content_type: Set(u.content_type),
        size_bytes: Set(u.size_bytes),
        sha256: Set(u.sha256),
        release_at: Set(u.release_at.map(ts)),
        mode: Set(u.mode.to_owned()),
        part_size: Set(u.part_size),
        object_key: Set(u.object_key),
        multipart_id: Set(u.multipart_id),
        status: Set("open".to_owned()),
        error: Set(None),
        file_id: Set(None),
        created_by: Set(u.created_by),
        via_key: Set(u.via_key),
        created_at: Set(ts(now)),
        expires_at: Set(ts(u.expires_at)),
        status_changed_at: Set(Some(ts(now))),
    }
    .insert(conn)
    .await?)
}

pub async fn find_upload(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: UploadId,
) -> StoreResult<Option<UploadRow>> {
    Ok(uploads::Entity::find_by_id(id.as_uuid())
        .filter(uploads::Column::WorkspaceId.eq(workspace.as_uuid()))
        .one(conn)
        .await?)
}

pub async fn find_upload_any(conn: &impl ConnectionTrait, id: Uuid) -> StoreResult<Option<UploadRow>> {
    Ok(uploads::Entity::find_by_id(id).one(conn).await?)
}

/// A workspace's uploads in the given statuses, newest first.
pub async fn list_uploads(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    statuses: &[&str],
) -> StoreResult<Vec<UploadRow>> {
    use uploads::Column as C;
    Ok(uploads::Entity::find()
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .filter(C::Status.is_in(statuses.iter().copied()))
        .order_by_desc(C::CreatedAt)
        .limit(500)
        .all(conn)
        .await?)
}

/// How an upload changes state.
#[derive(Debug, Clone, Default)]
pub struct UploadChange {
    pub error: Option<String>,
    pub file: Option<Uuid>,
    /// A new expiry (the outcome of a completed upload is kept a while after it completes).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Moves an upload from `from` to `to` status; false when it was not in `from` (another request got there first).
pub async fn transition_upload(
    conn: &impl ConnectionTrait,
    id: Uuid,
    from: &str,
    to: &str,
    change: UploadChange,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    use uploads::Column as C;
    let mut q = uploads::Entity::update_many()
        .col_expr(C::Status, Expr::value(to))
        .col_expr(C::Error, Expr::value(change.error))
        .col_expr(C::FileId, Expr::value(change.file))
        .col_expr(C::StatusChangedAt, Expr::value(ts(now)));
    if let Some(t) = change.expires_at {
        q = q.col_expr(C::ExpiresAt, Expr::value(ts(t)));
    }
    let r = q.filter(C::Id.eq(id)).filter(C::Status.eq(from)).exec(conn).await?;
    Ok(r.rows_affected > 0)
}

/// Moves an upload from any of `from` to `to` with a new expiry; false when it is in none of them (or gone).
pub async fn reclaim_upload(
    conn: &impl ConnectionTrait,
    id: Uuid,
    from: &[&str],
    to: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    use uploads::Column as C;
    let r = uploads::Entity::update_many()
        .col_expr(C::Status, Expr::value(to))
        .col_expr(C::Error, Expr::value(Option::<String>::None))
        .col_expr(C::StatusChangedAt, Expr::value(ts(now)))
        .col_expr(C::ExpiresAt, Expr::value(ts(expires_at)))
        .filter(C::Id.eq(id))
        .filter(C::Status.is_in(from.iter().copied()))
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

pub async fn delete_upload(conn: &impl ConnectionTrait, id: Uuid) -> StoreResult<()> {
    uploads::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

/// Deletes an upload only while it is still in `status`; false when it no longer is (or is gone). Whoever deletes
/// the row owns its object: a streamed upload that finds its reservation gone must not commit its file.
pub async fn delete_upload_if(conn: &impl ConnectionTrait, id: Uuid, status: &str) -> StoreResult<bool> {
    let r = uploads::Entity::delete_many()
        .filter(uploads::Column::Id.eq(id))
        .filter(uploads::Column::Status.eq(status))
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

/// Uploads `verifying` since before `before`, by id after `after`: the sweep checks that each still has a job.
pub async fn uploads_verifying_since(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
    after: Option<Uuid>,
    limit: u64,
) -> StoreResult<Vec<UploadRow>> {
    use uploads::Column as C;
    let mut q = uploads::Entity::find();
    if let Some(a) = after {
        q = q.filter(C::Id.gt(a));
    }
    Ok(q.filter(C::Status.eq("verifying"))
        .filter(
            Condition::any()
                .add(C::StatusChangedAt.lt(ts(before)))
                .add(Condition::all().add(C::StatusChangedAt.is_null()).add(C::CreatedAt.lt(ts(before)))),
        )
        .order_by_asc(C::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Whether an upload still open or being completed holds this multipart upload: a resumable one by its id, or a
/// streamed one (whose S3 put makes a multipart upload of its own, unrecorded) by its object key.
pub async fn multipart_is_live(conn: &impl ConnectionTrait, key: &str, upload_id: &str) -> StoreResult<bool> {
    use uploads::Column as C;
    let n = uploads::Entity::find()
        .filter(C::Status.is_in(["open", "verifying"]))
        .filter(
            Condition::any()
                .add(C::MultipartId.eq(upload_id))
                .add(Condition::all().add(C::Mode.eq("stream")).add(C::ObjectKey.eq(key))),
        )
        .count(conn)
        .await?;
    Ok(n > 0)
}

/// Bytes reserved by uploads still in flight in a workspace (counted against its quota).
pub async fn reserved_bytes(conn: &impl ConnectionTrait, workspace: Uuid) -> StoreResult<i64> {
    use uploads::Column as C;
    let v: Option<Option<i64>> = uploads::Entity::find()
        .select_only()
        .column_as(Func::sum(Expr::col(C::SizeBytes)).cast_as("BIGINT"), "bytes")
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::Status.is_in(["open", "verifying"]))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(v.flatten().unwrap_or(0))
}

/// Uploads past their expiry, oldest first: open ones (abandoned) and finished ones (their outcome kept long
/// enough). Never one being verified: its joined object is an acknowledged file in the making, which only its
/// job may commit or refuse.
pub async fn expired_uploads(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> StoreResult<Vec<UploadRow>> {
    use uploads::Column as C;
    Ok(uploads::Entity::find()
        .filter(C::ExpiresAt.lt(ts(now)))
        .filter(C::Status.ne("verifying"))
        .order_by_asc(C::ExpiresAt)
        .limit(limit)
        .all(conn)
        .await?)
}

// -------------------------------------------------------------------------------------------- tier rules

#[derive(Debug, Clone)]
pub struct RuleFields {
    pub name: String,
    pub dataset_id: Option<Uuid>,
    pub frame_type: Option<String>,
    pub cool_after_days: Option<i32>,
    pub cold_after_days: Option<i32>,
}

pub async fn insert_rule(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: RuleFields,
    now: DateTime<Utc>,
) -> StoreResult<RuleRow> {
    lifecycle_rules::ActiveModel {
        id: Set(LifecycleRuleId::new().as_uuid()),
        workspace_id: Set(workspace.as_uuid()),
        name: Set(f.name),
        dataset_id: Set(f.dataset_id),
        frame_type: Set(f.frame_type),
        cool_after_days: Set(f.cool_after_days),
        cold_after_days: Set(f.cold_after_days),
        created_at: Set(ts(now)),
        updated_at: Set(ts(now)),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("name"))
}

pub async fn list_rules(conn: &impl ConnectionTrait, workspace: Uuid) -> StoreResult<Vec<RuleRow>> {
    Ok(lifecycle_rules::Entity::find()
        .filter(lifecycle_rules::Column::WorkspaceId.eq(workspace))
        .order_by_asc(lifecycle_rules::Column::Name)
        .all(conn)
        .await?)
}

pub async fn delete_rule(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: LifecycleRuleId,
) -> StoreResult<bool> {
    let r = lifecycle_rules::Entity::delete_many()
        .filter(lifecycle_rules::Column::Id.eq(id.as_uuid()))
        .filter(lifecycle_rules::Column::WorkspaceId.eq(workspace.as_uuid()))
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

/// Workspaces that have tier rules.
pub async fn workspaces_with_rules(conn: &impl ConnectionTrait) -> StoreResult<Vec<Uuid>> {
    Ok(lifecycle_rules::Entity::find()
        .select_only()
        .column(lifecycle_rules::Column::WorkspaceId)
        .distinct()
        .into_tuple()
        .all(conn)
        .await?)
}

// ---------------------------------------------------------------------------------------------- metering

/// Workspaces that store anything or were metered before.
pub async fn metered_workspaces(conn: &impl ConnectionTrait) -> StoreResult<Vec<Uuid>> {
    let mut a: Vec<Uuid> = data_files::Entity::find()
        .select_only()
        .column(data_files::Column::WorkspaceId)
        .distinct()
        .into_tuple()
        .all(conn)
        .await?;
    let b: Vec<Uuid> = usage_state::Entity::find()
        .select_only()
        .column(usage_state::Column::WorkspaceId)
        .into_tuple()
        .all(conn)
        .await?;
    a.extend(b);
    a.sort_unstable();
    a.dedup();
    Ok(a)
}

pub async fn usage_state(conn: &impl ConnectionTrait, workspace: Uuid) -> StoreResult<Option<usage_state::Model>> {
    Ok(usage_state::Entity::find_by_id(workspace).one(conn).await?)
}

pub async fn save_usage_state(
    conn: &impl ConnectionTrait,
    workspace: Uuid,
    until: DateTime<Utc>,
    bytes: [i64; 3],
) -> StoreResult<()> {
    let m = usage_state::ActiveModel {
        workspace_id: Set(workspace),
        metered_until: Set(ts(until)),
        hot_bytes: Set(bytes[0]),
        cool_bytes: Set(bytes[1]),
        cold_bytes: Set(bytes[2]),
    };
    usage_state::Entity::insert(m)
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(usage_state::Column::WorkspaceId)
                .update_columns([
                    usage_state::Column::MeteredUntil,
                    usage_state::Column::HotBytes,
                    usage_state::Column::CoolBytes,
                    usage_state::Column::ColdBytes,
                ])
                .to_owned(),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// Adds byte-seconds to a workspace's month and tier.
pub async fn add_usage(
    conn: &impl ConnectionTrait,
    workspace: Uuid,
    month: &str,
    tier: Tier,
    byte_seconds: f64,
) -> StoreResult<()> {
    use usage_months::Column as C;
    let m = usage_months::ActiveModel {
        workspace_id: Set(workspace),
        month: Set(month.to_owned()),
        tier: Set(tier.as_str().to_owned()),
        byte_seconds: Set(byte_seconds),
    };
    usage_months::Entity::insert(m)
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([C::WorkspaceId, C::Month, C::Tier])
                .value(C::ByteSeconds, Expr::col((usage_months::Entity, C::ByteSeconds)).add(byte_seconds))
                .to_owned(),
        )
        .exec(conn)
        .await?;
    Ok(())
}

/// A workspace's metered months, newest first.
pub async fn usage_months(conn: &impl ConnectionTrait, workspace: Uuid, limit: u64) -> StoreResult<Vec<UsageMonthRow>> {
    Ok(usage_months::Entity::find()
        .filter(usage_months::Column::WorkspaceId.eq(workspace))
        .order_by_desc(usage_months::Column::Month)
        .order_by_asc(usage_months::Column::Tier)
        .limit(limit)
        .all(conn)
        .await?)
}
