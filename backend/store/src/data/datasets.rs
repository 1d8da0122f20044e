//! Datasets: named sets of files in a workspace, with their release dates and totals.

use super::ID_BATCH;
use crate::entities::{data_files, datasets, uploads};
use crate::{StoreError, StoreResult, conflict_on, ts};
use chrono::{DateTime, Utc};
use meridian_domain::data::Dataset;
use meridian_domain::uploads::UploadStatus;
use meridian_domain::{AccountId, DatasetId, TelescopeId, WorkspaceId};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

pub(crate) fn to_domain(m: datasets::Model) -> Dataset {
    Dataset {
        id: DatasetId::from_uuid(m.id),
        workspace_id: WorkspaceId::from_uuid(m.workspace_id),
        name: m.name,
        description: m.description,
        telescope_id: m.telescope_id.map(TelescopeId::from_uuid),
        release_at: m.release_at.map(|t| t.to_utc()),
        created_by: AccountId::from_uuid(m.created_by),
        created_at: m.created_at.to_utc(),
        updated_at: m.updated_at.to_utc(),
    }
}

#[derive(Debug, Clone)]
pub struct DatasetFields {
    pub name: String,
    pub description: String,
    pub telescope_id: Option<TelescopeId>,
    pub release_at: Option<DateTime<Utc>>,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: DatasetFields,
    created_by: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<Dataset> {
    let m = datasets::ActiveModel {
        id: Set(DatasetId::new().as_uuid()),
        workspace_id: Set(workspace.as_uuid()),
        name: Set(f.name),
        description: Set(f.description),
        telescope_id: Set(f.telescope_id.map(TelescopeId::as_uuid)),
        release_at: Set(f.release_at.map(ts)),
        created_by: Set(created_by.as_uuid()),
        created_at: Set(ts(now)),
        updated_at: Set(ts(now)),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("name"))?;
    Ok(to_domain(m))
}

pub async fn find(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: DatasetId) -> StoreResult<Option<Dataset>> {
    Ok(crate::scoped::find::<datasets::Entity>(conn, workspace, id).await?.map(to_domain))
}

/// Any dataset by id, whatever its workspace (for jobs, which carry only the id).
pub async fn find_any(conn: &impl ConnectionTrait, id: DatasetId) -> StoreResult<Option<Dataset>> {
    Ok(datasets::Entity::find_by_id(id).one(conn).await?.map(to_domain))
}

/// A page of a workspace's datasets by name, after the name `after`; `released_by` keeps only those released by
/// then (for outsiders). Names are unique in a workspace, so the name is the cursor.
pub async fn list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    released_by: Option<DateTime<Utc>>,
    after: Option<&str>,
    limit: u64,
) -> StoreResult<Vec<Dataset>> {
    let mut q = datasets::Entity::find().filter(datasets::Column::WorkspaceId.eq(workspace));
    if let Some(t) = released_by {
        q = q.filter(datasets::Column::ReleaseAt.lte(ts(t)));
    }
    if let Some(name) = after {
        q = q.filter(datasets::Column::Name.gt(name));
    }
    Ok(q.order_by_asc(datasets::Column::Name).limit(limit).all(conn).await?.into_iter().map(to_domain).collect())
}

/// The workspace's datasets among `ids` (any number, repeats allowed: each dataset comes once; asked for in
/// batches), in no particular order.
pub async fn by_ids(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    ids: impl IntoIterator<Item = DatasetId>,
) -> StoreResult<Vec<Dataset>> {
    let mut ids: Vec<DatasetId> = ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::new();
    for batch in ids.chunks(ID_BATCH) {
        out.extend(
            datasets::Entity::find()
                .filter(datasets::Column::WorkspaceId.eq(workspace))
                .filter(datasets::Column::Id.is_in(batch.iter().map(|d| d.as_uuid())))
                .all(conn)
                .await?
                .into_iter()
                .map(to_domain),
        );
    }
    Ok(out)
}

pub async fn update(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: DatasetId,
    f: DatasetFields,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    use datasets::Column as C;
    crate::scoped::update::<datasets::Entity>(workspace, id)
        .col_expr(C::Name, Expr::value(f.name))
        .col_expr(C::Description, Expr::value(f.description))
        .col_expr(C::TelescopeId, Expr::value(f.telescope_id.map(TelescopeId::as_uuid)))
        .col_expr(C::ReleaseAt, Expr::value(f.release_at.map(ts)))
        .col_expr(C::UpdatedAt, Expr::value(ts(now)))
        .exec(conn)
        .await
        .map_err(conflict_on("name"))?;
    Ok(())
}

/// Deletes an empty dataset with the finished uploads it still lists. `InUse` while it holds files or uploads
/// are in flight into it (their bytes are on their way to becoming files). Run it in a transaction, so that a
/// file or upload arriving meanwhile makes it fail whole (`data_files.dataset_id` and `uploads.dataset_id` cascade).
pub async fn delete(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: DatasetId) -> StoreResult<bool> {
    let files = data_files::Entity::find()
        .filter(data_files::Column::WorkspaceId.eq(workspace))
        .filter(data_files::Column::DatasetId.eq(id))
        .count(conn)
        .await?;
    if files > 0 {
        return Err(StoreError::InUse { what: "files" });
    }
    let in_flight = uploads::Entity::find()
        .filter(uploads::Column::WorkspaceId.eq(workspace))
        .filter(uploads::Column::DatasetId.eq(id))
        .filter(uploads::Column::Status.is_in(UploadStatus::IN_FLIGHT.iter().map(|s| s.as_str())))
        .count(conn)
        .await?;
    if in_flight > 0 {
        return Err(StoreError::InUse { what: "uploads in progress" });
    }
    uploads::Entity::delete_many()
        .filter(uploads::Column::WorkspaceId.eq(workspace))
        .filter(uploads::Column::DatasetId.eq(id))
        .exec(conn)
        .await?;
    Ok(crate::scoped::delete::<datasets::Entity>(conn, workspace, id).await?)
}

/// `(dataset, file count, bytes)` of the workspace's datasets among `ids` that hold files; with `released_by`,
/// of the files released by then only (the datasets themselves must be released: an outsider sees no others).
pub async fn totals(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    ids: &[DatasetId],
    released_by: Option<DateTime<Utc>>,
) -> StoreResult<Vec<(DatasetId, i64, i64)>> {
    use data_files::Column as C;
    let mut out = Vec::new();
    for batch in ids.chunks(ID_BATCH) {
        let mut q = data_files::Entity::find()
            .select_only()
            .column(C::DatasetId)
            .column_as(Expr::from(Func::count(Expr::col(C::Id))).cast_as("BIGINT"), "n")
            .column_as(Func::sum(Expr::col(C::SizeBytes)).cast_as("BIGINT"), "bytes")
            .filter(C::WorkspaceId.eq(workspace))
            .filter(C::DatasetId.is_in(batch.iter().map(|d| d.as_uuid())));
        if let Some(t) = released_by {
            // An outsider's count: files released by then (their own date, or their released dataset's).
            q = q.filter(Condition::any().add(C::ReleaseAt.is_null()).add(C::ReleaseAt.lte(ts(t))));
        }
        let rows: Vec<(uuid::Uuid, i64, Option<i64>)> = q.group_by(C::DatasetId).into_tuple().all(conn).await?;
        out.extend(rows.into_iter().map(|(d, n, b)| (DatasetId::from_uuid(d), n, b.unwrap_or(0))));
    }
    Ok(out)
}
