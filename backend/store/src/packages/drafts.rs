//! A package's draft: the files chosen for its next version, each at a path.

use crate::entities::{data_files, package_draft_files};
use crate::{StoreResult, conflict_on, ts};
use chrono::{DateTime, Utc};
use meridian_domain::data::DataFile;
use meridian_domain::packages::DraftEntry;
use meridian_domain::{DataFileId, PackageId, PackageVersionId, WorkspaceId};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

fn to_domain(m: package_draft_files::Model) -> DraftEntry {
    DraftEntry {
        package_id: m.package_id.into(),
        file_id: m.file_id.into(),
        path: m.path,
        added_at: m.added_at.to_utc(),
    }
}

/// The draft's files with their data-file rows, by path.
pub async fn files(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
) -> StoreResult<Vec<(DraftEntry, DataFile)>> {
    use package_draft_files::Column as C;
    let rows = package_draft_files::Entity::find()
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::PackageId.eq(package))
        .order_by_asc(C::Path)
        .find_also_related(data_files::Entity)
        .all(conn)
        .await?;
    rows.into_iter().filter_map(|(d, f)| f.map(|f| Ok((to_domain(d), crate::data::files::to_domain(f)?)))).collect()
}

/// Adds `(file, path)` pairs to a draft; a path already used is a conflict on `path`.
pub async fn add(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    files: &[(DataFileId, String)],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    for chunk in files.chunks(500) {
        let rows = chunk.iter().map(|(file, path)| package_draft_files::ActiveModel {
            package_id: Set(package.into()),
            file_id: Set((*file).into()),
            workspace_id: Set(workspace.into()),
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
pub async fn remove(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    files: &[DataFileId],
) -> StoreResult<u64> {
    use package_draft_files::Column as C;
    let mut n = 0;
    for chunk in files.chunks(500) {
        let r = package_draft_files::Entity::delete_many()
            .filter(C::WorkspaceId.eq(workspace))
            .filter(C::PackageId.eq(package))
            .filter(C::FileId.is_in(chunk.iter().copied()))
            .exec(conn)
            .await?;
        n += r.rows_affected;
    }
    Ok(n)
}

/// Makes the draft exactly this version's selection (a new draft starts from the last version).
pub async fn reset_to_version(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    version: PackageVersionId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    use package_draft_files::Column as C;
    package_draft_files::Entity::delete_many()
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::PackageId.eq(package))
        .exec(conn)
        .await?;
    let files: Vec<(DataFileId, String)> =
        super::versions::files(conn, workspace, version).await?.into_iter().map(|f| (f.file_id, f.path)).collect();
    add(conn, workspace, package, &files, now).await
}
