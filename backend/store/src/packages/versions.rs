//! Published versions: each with its metadata and manifest as published, its frozen file list in archive order,
//! its DOI and download count; and which versions hold a file (such files never go cold by rule).

use crate::entities::{package_version_files, package_versions, packages};
use crate::{StoreResult, conflict_on, ts};
use chrono::{DateTime, Utc};
use meridian_domain::packages::{Hold, PackageVersion, VersionFile, VersionMetadata};
use meridian_domain::{AccountId, DataFileId, PackageId, PackageVersionId, PageRequest, WorkspaceId};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::HashMap;

fn to_domain(m: package_versions::Model) -> StoreResult<PackageVersion> {
    Ok(PackageVersion {
        id: m.id.into(),
        package_id: m.package_id.into(),
        workspace_id: m.workspace_id.into(),
        number: m.number,
        metadata: crate::read_json("metadata", &m.metadata)?,
        manifest: m.manifest,
        manifest_sha256: m.manifest_sha256,
        total_bytes: m.total_bytes,
        file_count: m.file_count,
        published_at: m.published_at.to_utc(),
        published_by: m.published_by.into(),
        doi: m.doi,
        download_count: m.download_count,
    })
}

pub(crate) fn file_to_domain(m: package_version_files::Model) -> VersionFile {
    VersionFile {
        version_id: m.version_id.into(),
        seq: m.seq,
        file_id: m.file_id.into(),
        path: m.path,
        size_bytes: m.size_bytes,
        sha256: m.sha256,
        object_key: m.object_key,
    }
}

/// The highest version number of a package (0 when none).
pub async fn last_number(conn: &impl ConnectionTrait, workspace: WorkspaceId, package: PackageId) -> StoreResult<i32> {
    use package_versions::Column as C;
    let n: Option<i32> = package_versions::Entity::find()
        .select_only()
        .column(C::Number)
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::PackageId.eq(package))
        .order_by_desc(C::Number)
        .into_tuple()
        .one(conn)
        .await?;
    Ok(n.unwrap_or(0))
}

pub async fn latest(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
) -> StoreResult<Option<PackageVersion>> {
    use package_versions::Column as C;
    package_versions::Entity::find()
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::PackageId.eq(package))
        .order_by_desc(C::Number)
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

#[derive(Debug, Clone)]
pub struct NewVersion {
    pub number: i32,
    pub metadata: VersionMetadata,
    /// The manifest's exact bytes (its SHA-256 is `manifest_sha256`).
    pub manifest: String,
    pub manifest_sha256: String,
    pub total_bytes: i64,
    pub file_count: i64,
    pub published_by: AccountId,
}

/// One file of a version, in archive order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersionFile {
    pub file_id: DataFileId,
    pub path: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub object_key: String,
}

/// Inserts a version and its files; the caller runs it in a transaction. Number `n` taken already (a concurrent
/// publish) is a conflict on `version`.
pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    v: NewVersion,
    files: &[NewVersionFile],
    now: DateTime<Utc>,
) -> StoreResult<PackageVersion> {
    let id = PackageVersionId::new();
    let metadata = serde_json::to_string(&v.metadata)
        .map_err(|e| crate::StoreError::Invalid(meridian_domain::ValidationError::new("metadata", e.to_string())))?;
    let row = package_versions::ActiveModel {
        id: Set(id.into()),
        package_id: Set(package.into()),
        workspace_id: Set(workspace.into()),
        number: Set(v.number),
        metadata: Set(metadata),
        manifest: Set(v.manifest),
        manifest_sha256: Set(v.manifest_sha256),
        total_bytes: Set(v.total_bytes),
        file_count: Set(v.file_count),
        published_at: Set(ts(now)),
        published_by: Set(v.published_by.into()),
        doi: Set(None),
        download_count: Set(0),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("version"))?;
    let mut seq = 0_i32;
    for chunk in files.chunks(500) {
        let rows = chunk.iter().map(|f| {
            seq += 1;
            package_version_files::ActiveModel {
                version_id: Set(id.into()),
                seq: Set(seq),
                file_id: Set(f.file_id.into()),
                workspace_id: Set(workspace.into()),
                path: Set(f.path.clone()),
                size_bytes: Set(f.size_bytes),
                sha256: Set(f.sha256.clone()),
                object_key: Set(f.object_key.clone()),
            }
        });
        package_version_files::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await
            .map_err(conflict_on("path"))?;
    }
    to_domain(row)
}

/// A package's versions newest first, the page's cursor on (a version number), one more than the page's limit (so
/// the caller knows whether another page follows), without their manifests (a manifest can be a megabyte; lists
/// never need it: the field comes back empty).
pub async fn list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    page: &PageRequest,
) -> StoreResult<Vec<PackageVersion>> {
    use crate::page::{Direction, Keyset as _};
    use package_versions::Column as C;
    let q = package_versions::Entity::find()
        .select_only()
        .columns([
            C::Id,
            C::PackageId,
            C::WorkspaceId,
            C::Number,
            C::Metadata,
            C::ManifestSha256,
            C::TotalBytes,
            C::FileCount,
            C::Doi,
            C::DownloadCount,
            C::PublishedBy,
            C::PublishedAt,
        ])
        .column_as(Expr::val(""), "manifest")
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::PackageId.eq(package));
    let q = q.page_by_unique::<i32>(C::Number, Direction::Descending, page)?.limit(u64::from(page.limit.get()) + 1);
    let rows = q.into_model::<package_versions::Model>().all(conn).await?;
    Ok(crate::lenient(rows, "package_versions", to_domain))
}

/// The numbers and dates of a package's newest `limit` versions (for a landing page's list of the others).
pub async fn numbers(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    limit: u64,
) -> StoreResult<Vec<(i32, DateTime<Utc>)>> {
    use package_versions::Column as C;
    let rows: Vec<(i32, sea_orm::prelude::DateTimeWithTimeZone)> = package_versions::Entity::find()
        .select_only()
        .column(C::Number)
        .column(C::PublishedAt)
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::PackageId.eq(package))
        .order_by_desc(C::Number)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(n, t)| (n, t.to_utc())).collect())
}

/// The newest version number of each of `packages` that has one (one query, not one per package).
pub async fn last_numbers(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    packages: &[PackageId],
) -> StoreResult<HashMap<PackageId, i32>> {
    use package_versions::Column as C;
    if packages.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(uuid::Uuid, Option<i32>)> = package_versions::Entity::find()
        .select_only()
        .column(C::PackageId)
        .column_as(C::Number.max(), "number")
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::PackageId.is_in(packages.to_vec()))
        .group_by(C::PackageId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(p, n)| n.map(|n| (p.into(), n))).collect())
}

/// Every file held by any version of a package, with the first version that holds it.
pub async fn file_ids(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
) -> StoreResult<Vec<(DataFileId, i32)>> {
    use sea_orm::{JoinType, RelationTrait};
    let rows: Vec<(uuid::Uuid, Option<i32>)> = package_version_files::Entity::find()
        .select_only()
        .column(package_version_files::Column::FileId)
        .column_as(package_versions::Column::Number.min(), "number")
        .join(JoinType::InnerJoin, package_version_files::Relation::PackageVersions.def())
        .filter(package_versions::Column::WorkspaceId.eq(workspace))
        .filter(package_versions::Column::PackageId.eq(package))
        .group_by(package_version_files::Column::FileId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(f, n)| (f.into(), n.unwrap_or(0))).collect())
}

pub async fn find(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    number: i32,
) -> StoreResult<Option<PackageVersion>> {
    use package_versions::Column as C;
    package_versions::Entity::find()
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::PackageId.eq(package))
        .filter(C::Number.eq(number))
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// A version's files in archive order.
pub async fn files(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    version: PackageVersionId,
) -> StoreResult<Vec<VersionFile>> {
    use package_version_files::Column as C;
    Ok(package_version_files::Entity::find()
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::VersionId.eq(version))
        .order_by_asc(C::Seq)
        .all(conn)
        .await?
        .into_iter()
        .map(file_to_domain)
        .collect())
}

/// One file of a version by its path.
pub async fn file_at(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    version: PackageVersionId,
    path: &str,
) -> StoreResult<Option<VersionFile>> {
    use package_version_files::Column as C;
    Ok(package_version_files::Entity::find()
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::VersionId.eq(version))
        .filter(C::Path.eq(path))
        .one(conn)
        .await?
        .map(file_to_domain))
}

/// Counts one download of a version.
pub async fn count_download(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    version: PackageVersionId,
) -> StoreResult<()> {
    use package_versions::Column as C;
    package_versions::Entity::update_many()
        .col_expr(C::DownloadCount, Expr::col(C::DownloadCount).add(1))
        .filter(C::Id.eq(version))
        .filter(C::WorkspaceId.eq(workspace))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_doi(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    version: PackageVersionId,
    doi: Option<String>,
) -> StoreResult<()> {
    use package_versions::Column as C;
    package_versions::Entity::update_many()
        .col_expr(C::Doi, Expr::value(doi))
        .filter(C::Id.eq(version))
        .filter(C::WorkspaceId.eq(workspace))
        .exec(conn)
        .await?;
    Ok(())
}

/// The published versions holding any of `files` (at most `limit` answers, for an error message).
pub async fn holds_on(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    files: &[DataFileId],
    limit: u64,
) -> StoreResult<Vec<Hold>> {
    use package_version_files::Column as F;
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let rows = package_version_files::Entity::find()
        .filter(F::WorkspaceId.eq(workspace))
        .filter(F::FileId.is_in(files.iter().copied()))
        .find_also_related(package_versions::Entity)
        .order_by_asc(F::FileId)
        .limit(limit)
        .all(conn)
        .await?;
    let mut out = Vec::new();
    for (f, v) in rows {
        let Some(v) = v else { continue };
        let title = packages::Entity::find_by_id(v.package_id)
            .filter(packages::Column::WorkspaceId.eq(workspace))
            .one(conn)
            .await?
            .map(|p| p.title)
            .unwrap_or_default();
        out.push(Hold { file_id: f.file_id.into(), package_id: v.package_id.into(), title, number: v.number });
    }
    Ok(out)
}

/// A sub-query of every file id some published version holds (the lifecycle job must not make them cold).
pub fn held_file_ids() -> sea_orm::sea_query::SelectStatement {
    Query::select().column(package_version_files::Column::FileId).from(package_version_files::Entity).to_owned()
}
