//! Data packages: the package rows, their draft selections, published versions with their frozen file lists, and
//! secret links. Every query is scoped by workspace, except the lookup of a link by its token's hash (the token
//! is what names the workspace there).

use crate::entities::{
    data_files, package_draft_files, package_links, package_version_files, package_versions, packages,
};
use crate::{StoreResult, conflict_on, ts};
use chrono::{DateTime, Utc};
use meridian_domain::{PackageId, PackageLinkId, PackageVersionId, WorkspaceId};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

pub use crate::entities::package_draft_files::Model as DraftFileRow;
pub use crate::entities::package_links::Model as LinkRow;
pub use crate::entities::package_version_files::Model as VersionFileRow;
pub use crate::entities::package_versions::Model as VersionRow;
pub use crate::entities::packages::Model as PackageRow;

// ------------------------------------------------------------------------------------------------- packages

/// A package's editable fields, already validated; list fields are JSON text.
#[derive(Debug, Clone)]
pub struct PackageFields {
    pub title: String,
    pub description: String,
    pub authors_json: String,
    pub keywords_json: String,
    pub licence: String,
    pub night_log_ids_json: String,
    pub target_ids_json: String,
    pub access: String,
}

pub async fn insert_package(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: PackageFields,
    created_by: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<PackageRow> {
    Ok(packages::ActiveModel {
        id: Set(PackageId::new().as_uuid()),
        workspace_id: Set(workspace.as_uuid()),
        title: Set(f.title),
        description: Set(f.description),
        authors: Set(f.authors_json),
        keywords: Set(f.keywords_json),
        licence: Set(f.licence),
        night_log_ids: Set(f.night_log_ids_json),
        target_ids: Set(f.target_ids_json),
        access: Set(f.access),
        created_by: Set(created_by),
        created_at: Set(ts(now)),
        updated_at: Set(ts(now)),
    }
    .insert(conn)
    .await?)
}

pub async fn find_package(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: PackageId,
) -> StoreResult<Option<PackageRow>> {
    Ok(packages::Entity::find_by_id(id.as_uuid())
        .filter(packages::Column::WorkspaceId.eq(workspace.as_uuid()))
        .one(conn)
        .await?)
}

/// A workspace's packages, oldest first, after `after`; `access` keeps only those with one of these settings.
pub async fn list_packages(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    access: Option<&[&str]>,
    after: Option<Uuid>,
    limit: u64,
) -> StoreResult<Vec<PackageRow>> {
    use packages::Column as C;
    let mut q = packages::Entity::find().filter(C::WorkspaceId.eq(workspace.as_uuid()));
    if let Some(a) = access {
        q = q.filter(C::Access.is_in(a.iter().copied()));
    }
    if let Some(a) = after {
        q = q.filter(C::Id.gt(a));
    }
    Ok(q.order_by_asc(C::Id).limit(limit).all(conn).await?)
}

pub async fn update_package(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: PackageId,
    f: PackageFields,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    use packages::Column as C;
    packages::Entity::update_many()
        .col_expr(C::Title, Expr::value(f.title))
        .col_expr(C::Description, Expr::value(f.description))
        .col_expr(C::Authors, Expr::value(f.authors_json))
        .col_expr(C::Keywords, Expr::value(f.keywords_json))
        .col_expr(C::Licence, Expr::value(f.licence))
        .col_expr(C::NightLogIds, Expr::value(f.night_log_ids_json))
        .col_expr(C::TargetIds, Expr::value(f.target_ids_json))
        .col_expr(C::Access, Expr::value(f.access))
        .col_expr(C::UpdatedAt, Expr::value(ts(now)))
        .filter(C::Id.eq(id.as_uuid()))
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .exec(conn)
        .await?;
    Ok(())
}

/// Deletes a package with its draft, versions and links (the files themselves stay).
pub async fn delete_package(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: PackageId) -> StoreResult<bool> {
    let r = packages::Entity::delete_many()
        .filter(packages::Column::Id.eq(id.as_uuid()))
        .filter(packages::Column::WorkspaceId.eq(workspace.as_uuid()))
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

// ------------------------------------------------------------------------------------------------ the draft

/// The draft's files with their data-file rows, by path.
pub async fn draft_files(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
) -> StoreResult<Vec<(DraftFileRow, meridian_domain::data::DataFile)>> {
    use package_draft_files::Column as C;
    let rows = package_draft_files::Entity::find()
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .filter(C::PackageId.eq(package.as_uuid()))
        .order_by_asc(C::Path)
        .find_also_related(data_files::Entity)
        .all(conn)
        .await?;
    rows.into_iter().filter_map(|(d, f)| f.map(|f| Ok((d, crate::data::files::to_domain(f)?)))).collect()
}

/// Adds `(file, path)` pairs to a draft; a path already used is a conflict on `path`.
pub async fn add_draft_files(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    files: &[(Uuid, String)],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for chunk in files.chunks(500) {
        let rows = chunk.iter().map(|(file, path)| package_draft_files::ActiveModel {
            package_id: Set(package.as_uuid()),
            file_id: Set(*file),
            workspace_id: Set(workspace.as_uuid()),
            path: Set(path.clone()),
            added_at: Set(ts(now)),
        });
        package_draft_files::Entity::insert_many(rows)
            .exec_without_returning(conn)
            .await
            .map_err(conflict_on("path"))?;
    }
    Ok(())
}

/// Removes files from a draft; answers how many were there.
pub async fn remove_draft_files(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    files: &[Uuid],
) -> StoreResult<u64> {
    use package_draft_files::Column as C;
    let mut n = 0;
    for chunk in files.chunks(500) {
        let r = package_draft_files::Entity::delete_many()
            .filter(C::WorkspaceId.eq(workspace.as_uuid()))
            .filter(C::PackageId.eq(package.as_uuid()))
            .filter(C::FileId.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
        n += r.rows_affected;
    }
    Ok(n)
}

/// Makes the draft exactly this version's selection (a new draft starts from the last version).
pub async fn reset_draft_to_version(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    version: PackageVersionId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    use package_draft_files::Column as C;
    package_draft_files::Entity::delete_many()
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .filter(C::PackageId.eq(package.as_uuid()))
        .exec(conn)
        .await?;
    let files: Vec<(Uuid, String)> =
        version_files(conn, workspace, version).await?.into_iter().map(|f| (f.file_id, f.path)).collect();
    add_draft_files(conn, workspace, package, &files, now).await
}

// ------------------------------------------------------------------------------------------------- versions

/// The highest version number of a package (0 when none).
pub async fn last_version_number(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
) -> StoreResult<i32> {
    Ok(latest_version(conn, workspace, package).await?.map_or(0, |v| v.number))
}

pub async fn latest_version(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
) -> StoreResult<Option<VersionRow>> {
    use package_versions::Column as C;
    Ok(package_versions::Entity::find()
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .filter(C::PackageId.eq(package.as_uuid()))
        .order_by_desc(C::Number)
        .one(conn)
        .await?)
}

#[derive(Debug, Clone)]
pub struct NewVersion {
    pub number: i32,
    pub metadata: String,
    pub manifest: String,
    pub manifest_sha256: String,
    pub total_bytes: i64,
    pub file_count: i64,
    pub published_by: Uuid,
}

/// One file of a version, in archive order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersionFile {
    pub file_id: Uuid,
    pub path: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub object_key: String,
}

/// Inserts a version and its files; the caller runs it in a transaction. Number `n` taken already (a concurrent
/// publish) is a conflict on `version`.
pub async fn insert_version(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    v: NewVersion,
    files: &[NewVersionFile],
    now: DateTime<Utc>,
) -> StoreResult<VersionRow> {
    let id = PackageVersionId::new().as_uuid();
    let row = package_versions::ActiveModel {
        id: Set(id),
        package_id: Set(package.as_uuid()),
        workspace_id: Set(workspace.as_uuid()),
        number: Set(v.number),
        metadata: Set(v.metadata),
        manifest: Set(v.manifest),
        manifest_sha256: Set(v.manifest_sha256),
        total_bytes: Set(v.total_bytes),
        file_count: Set(v.file_count),
        published_at: Set(ts(now)),
        published_by: Set(v.published_by),
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
                version_id: Set(id),
                seq: Set(seq),
                file_id: Set(f.file_id),
                workspace_id: Set(workspace.as_uuid()),
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
    Ok(row)
}

/// A package's versions, newest first.
/// A package's versions newest first, `limit` of them after (below) version `before`, without their manifests
/// (a manifest can be a megabyte; lists never need it: the field comes back empty).
pub async fn list_versions(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    before: Option<i32>,
    limit: u64,
) -> StoreResult<Vec<VersionRow>> {
    use package_versions::Column as C;
    let mut q = package_versions::Entity::find()
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
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .filter(C::PackageId.eq(package.as_uuid()));
    if let Some(b) = before {
        q = q.filter(C::Number.lt(b));
    }
    Ok(q.order_by_desc(C::Number).limit(limit).into_model::<VersionRow>().all(conn).await?)
}

/// The numbers and dates of a package's newest `limit` versions (for a landing page's list of the others).
pub async fn version_numbers(
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
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .filter(C::PackageId.eq(package.as_uuid()))
        .order_by_desc(C::Number)
        .limit(limit)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(n, t)| (n, t.to_utc())).collect())
}

/// The newest version number of each of `packages` that has one (one query, not one per package).
pub async fn last_version_numbers(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    packages: &[Uuid],
) -> StoreResult<std::collections::HashMap<Uuid, i32>> {
    use package_versions::Column as C;
    if packages.is_empty() {
        return Ok(std::collections::HashMap::new());
    }
    let rows: Vec<(Uuid, Option<i32>)> = package_versions::Entity::find()
        .select_only()
        .column(C::PackageId)
        .column_as(C::Number.max(), "number")
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .filter(C::PackageId.is_in(packages.to_vec()))
        .group_by(C::PackageId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().filter_map(|(p, n)| n.map(|n| (p, n))).collect())
}

/// Every file held by any version of a package, with the first version that holds it.
pub async fn package_file_ids(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
) -> StoreResult<Vec<(Uuid, i32)>> {
    use sea_orm::{JoinType, RelationTrait};
    let rows: Vec<(Uuid, Option<i32>)> = package_version_files::Entity::find()
        .select_only()
        .column(package_version_files::Column::FileId)
        .column_as(package_versions::Column::Number.min(), "number")
        .join(JoinType::InnerJoin, package_version_files::Relation::PackageVersions.def())
        .filter(package_versions::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(package_versions::Column::PackageId.eq(package.as_uuid()))
        .group_by(package_version_files::Column::FileId)
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(f, n)| (f, n.unwrap_or(0))).collect())
}

pub async fn find_version(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    number: i32,
) -> StoreResult<Option<VersionRow>> {
    use package_versions::Column as C;
    Ok(package_versions::Entity::find()
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .filter(C::PackageId.eq(package.as_uuid()))
        .filter(C::Number.eq(number))
        .one(conn)
        .await?)
}

/// A version's files in archive order.
pub async fn version_files(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    version: PackageVersionId,
) -> StoreResult<Vec<VersionFileRow>> {
    use package_version_files::Column as C;
    Ok(package_version_files::Entity::find()
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .filter(C::VersionId.eq(version.as_uuid()))
        .order_by_asc(C::Seq)
        .all(conn)
        .await?)
}

/// One file of a version by its path.
pub async fn version_file_at(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    version: PackageVersionId,
    path: &str,
) -> StoreResult<Option<VersionFileRow>> {
    use package_version_files::Column as C;
    Ok(package_version_files::Entity::find()
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .filter(C::VersionId.eq(version.as_uuid()))
        .filter(C::Path.eq(path))
        .one(conn)
        .await?)
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
        .filter(C::Id.eq(version.as_uuid()))
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn set_version_doi(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    version: PackageVersionId,
    doi: Option<String>,
) -> StoreResult<()> {
    use package_versions::Column as C;
    package_versions::Entity::update_many()
        .col_expr(C::Doi, Expr::value(doi))
        .filter(C::Id.eq(version.as_uuid()))
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .exec(conn)
        .await?;
    Ok(())
}

/// A published version that holds a file: which package (title) and which version number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hold {
    pub file_id: Uuid,
    pub package_id: Uuid,
    pub title: String,
    pub number: i32,
}

/// The published versions holding any of `files` (at most `limit` answers, for an error message).
pub async fn holds_on(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    files: &[Uuid],
    limit: u64,
) -> StoreResult<Vec<Hold>> {
    use package_version_files::Column as F;
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let rows = package_version_files::Entity::find()
        .filter(F::WorkspaceId.eq(workspace.as_uuid()))
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
            .filter(packages::Column::WorkspaceId.eq(workspace.as_uuid()))
            .one(conn)
            .await?
            .map(|p| p.title)
            .unwrap_or_default();
        out.push(Hold { file_id: f.file_id, package_id: v.package_id, title, number: v.number });
    }
    Ok(out)
}

/// A sub-query of every file id some published version holds (the lifecycle job must not make them cold).
pub fn held_file_ids() -> sea_orm::sea_query::SelectStatement {
    Query::select().column(package_version_files::Column::FileId).from(package_version_files::Entity).to_owned()
}

// ---------------------------------------------------------------------------------------------------- links

/// A secret link about to be made; only the token's hash is kept.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub label: String,
    pub token_hash: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: Uuid,
}

pub async fn insert_link(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    l: NewLink,
    now: DateTime<Utc>,
) -> StoreResult<LinkRow> {
    Ok(package_links::ActiveModel {
        id: Set(PackageLinkId::new().as_uuid()),
        package_id: Set(package.as_uuid()),
        workspace_id: Set(workspace.as_uuid()),
        label: Set(l.label),
        token_hash: Set(l.token_hash),
        created_by: Set(l.created_by),
        created_at: Set(ts(now)),
        expires_at: Set(l.expires_at.map(ts)),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?)
}

pub async fn list_links(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
) -> StoreResult<Vec<LinkRow>> {
    use package_links::Column as C;
    Ok(package_links::Entity::find()
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .filter(C::PackageId.eq(package.as_uuid()))
        .order_by_asc(C::Id)
        .limit(1000)
        .all(conn)
        .await?)
}

/// Revokes a link now; answers whether it was live.
pub async fn revoke_link(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    link: PackageLinkId,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    use package_links::Column as C;
    let r = package_links::Entity::update_many()
        .col_expr(C::RevokedAt, Expr::value(ts(now)))
        .filter(C::Id.eq(link.as_uuid()))
        .filter(C::WorkspaceId.eq(workspace.as_uuid()))
        .filter(C::PackageId.eq(package.as_uuid()))
        .filter(C::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

/// The live link (not revoked, not expired at `now`) whose token hashes to `hash`, with its package.
/// The workspace a package belongs to: the one lookup by a package's id alone (for its cited address); whether the
/// caller may see it is decided in that workspace afterwards.
pub async fn workspace_of_package(conn: &impl ConnectionTrait, id: PackageId) -> StoreResult<Option<WorkspaceId>> {
    Ok(packages::Entity::find_by_id(id.as_uuid()).one(conn).await?.map(|p| WorkspaceId::from_uuid(p.workspace_id)))
}

pub async fn live_link_by_hash(
    conn: &impl ConnectionTrait,
    hash: &str,
    now: DateTime<Utc>,
    made_after: DateTime<Utc>,
) -> StoreResult<Option<(LinkRow, PackageRow)>> {
    use package_links::Column as C;
    // A link without a date (made before links had to have one) lives as long as links may.
    let Some(link) = package_links::Entity::find()
        .filter(C::TokenHash.eq(hash))
        .filter(C::RevokedAt.is_null())
        .filter(C::ExpiresAt.gt(ts(now)).or(C::ExpiresAt.is_null().and(C::CreatedAt.gt(ts(made_after)))))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let package = packages::Entity::find_by_id(link.package_id)
        .filter(packages::Column::WorkspaceId.eq(link.workspace_id))
        .one(conn)
        .await?;
    Ok(package.map(|p| (link, p)))
}
