//! What an integrity check reads across every workspace (it is the operator's tool, not a tenant's: nothing here
//! is reachable from a request), and the record of each check's findings.

use crate::entities::{data_files, package_version_files, package_versions, scrub_runs, workspaces};
use crate::{StoreResult, ts};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub use crate::entities::scrub_runs::Model as ScrubRunRow;

/// What a check needs of one file.
#[derive(Debug, Clone, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct FileRef {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    pub object_key: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub tier: String,
    pub preview_status: String,
    pub preview_key: Option<String>,
}

/// Files by id after `after`, `limit` at a time.
pub async fn files_after(conn: &impl ConnectionTrait, after: Option<Uuid>, limit: u64) -> StoreResult<Vec<FileRef>> {
    use data_files::Column as C;
    let mut q = data_files::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::WorkspaceId,
            C::Name,
            C::ObjectKey,
            C::SizeBytes,
            C::Sha256,
            C::Tier,
            C::PreviewStatus,
            C::PreviewKey,
        ])
        .order_by_asc(C::Id)
        .limit(limit);
    if let Some(a) = after {
        q = q.filter(C::Id.gt(a));
    }
    Ok(q.into_model::<FileRef>().all(conn).await?)
}

/// How many files there are.
pub async fn file_count(conn: &impl ConnectionTrait) -> StoreResult<u64> {
    Ok(data_files::Entity::find().count(conn).await?)
}

/// Every workspace's id, in id order.
pub async fn workspace_ids(conn: &impl ConnectionTrait) -> StoreResult<Vec<Uuid>> {
    Ok(workspaces::Entity::find()
        .select_only()
        .column(workspaces::Column::Id)
        .order_by_asc(workspaces::Column::Id)
        .into_tuple()
        .all(conn)
        .await?)
}

/// What a check needs of one package version: its manifest as stored (read raw, so that a version whose stored
/// JSON is damaged is reported, not a reason to stop checking).
#[derive(Debug, Clone, PartialEq, Eq, sea_orm::FromQueryResult)]
pub struct VersionRef {
    pub id: Uuid,
    pub package_id: Uuid,
    pub workspace_id: Uuid,
    pub number: i32,
    pub manifest: String,
    pub manifest_sha256: String,
}

/// Package versions (with their manifests) by id after `after`, `limit` at a time.
pub async fn versions_after(
    conn: &impl ConnectionTrait,
    after: Option<Uuid>,
    limit: u64,
) -> StoreResult<Vec<VersionRef>> {
    use package_versions::Column as C;
    let mut q = package_versions::Entity::find()
        .select_only()
        .columns([C::Id, C::PackageId, C::WorkspaceId, C::Number, C::Manifest, C::ManifestSha256])
        .order_by_asc(C::Id)
        .limit(limit);
    if let Some(a) = after {
        q = q.filter(C::Id.gt(a));
    }
    Ok(q.into_model::<VersionRef>().all(conn).await?)
}

/// A version's files in archive order.
pub async fn files_of_version(
    conn: &impl ConnectionTrait,
    version: Uuid,
) -> StoreResult<Vec<meridian_domain::packages::VersionFile>> {
    use package_version_files::Column as C;
    let rows =
        package_version_files::Entity::find().filter(C::VersionId.eq(version)).order_by_asc(C::Seq).all(conn).await?;
    Ok(rows.into_iter().map(crate::packages::versions::file_to_domain).collect())
}

/// The files among `ids` that exist, with their size and checksum.
pub async fn file_sums(conn: &impl ConnectionTrait, ids: &[Uuid]) -> StoreResult<Vec<(Uuid, i64, String)>> {
    use data_files::Column as C;
    let mut out = Vec::new();
    for batch in ids.chunks(500) {
        let rows: Vec<(Uuid, i64, String)> = data_files::Entity::find()
            .select_only()
            .columns([C::Id, C::SizeBytes, C::Sha256])
            .filter(C::Id.is_in(batch.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        out.extend(rows);
    }
    Ok(out)
}

/// One check's outcome, as recorded.
#[derive(Debug, Clone)]
pub struct NewScrubRun {
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub full: bool,
    pub files_checked: i64,
    pub files_read: i64,
    pub bytes_read: i64,
    pub problems: i64,
    /// The whole report as JSON.
    pub report: String,
}

pub async fn insert_scrub_run(conn: &impl ConnectionTrait, run: NewScrubRun) -> StoreResult<ScrubRunRow> {
    Ok(scrub_runs::ActiveModel {
        id: Set(Uuid::now_v7()),
        started_at: Set(ts(run.started_at)),
        finished_at: Set(ts(run.finished_at)),
        full: Set(run.full),
        files_checked: Set(run.files_checked),
        files_read: Set(run.files_read),
        bytes_read: Set(run.bytes_read),
        problems: Set(run.problems),
        report: Set(run.report),
    }
    .insert(conn)
    .await?)
}

/// The latest recorded checks, newest first.
pub async fn last_scrub_runs(conn: &impl ConnectionTrait, limit: u64) -> StoreResult<Vec<ScrubRunRow>> {
    Ok(scrub_runs::Entity::find().order_by_desc(scrub_runs::Column::StartedAt).limit(limit).all(conn).await?)
}
