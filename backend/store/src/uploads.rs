//! Uploads in flight: reservations of bytes in a dataset while parts arrive or a body streams in, moved through
//! their states with compare-and-set transitions (whoever moves one owns what comes next).

use crate::entities::uploads;
use crate::{StoreResult, ts};
use chrono::{DateTime, Utc};
use meridian_domain::uploads::{Upload, UploadMode, UploadStatus};
use meridian_domain::{AccountId, ApiKeyId, DataFileId, DatasetId, UploadId, WorkspaceId};
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

pub(crate) fn to_domain(m: uploads::Model) -> StoreResult<Upload> {
    Ok(Upload {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        dataset_id: m.dataset_id.into(),
        name: m.name,
        content_type: m.content_type,
        size_bytes: m.size_bytes,
        sha256: m.sha256,
        release_at: m.release_at.map(|t| t.to_utc()),
        mode: UploadMode::parse(&m.mode)?,
        part_size: m.part_size,
        object_key: m.object_key,
        multipart_id: m.multipart_id,
        status: UploadStatus::parse(&m.status)?,
        error: m.error,
        file_id: m.file_id.map(DataFileId::from),
        created_by: m.created_by.into(),
        via_key: m.via_key.map(ApiKeyId::from),
        created_at: m.created_at.to_utc(),
        expires_at: m.expires_at.to_utc(),
        status_changed_at: m.status_changed_at.map(|t| t.to_utc()),
    })
}

fn all_to_domain(rows: Vec<uploads::Model>) -> StoreResult<Vec<Upload>> {
    Ok(crate::lenient(rows, "uploads", to_domain))
}

fn names(statuses: &[UploadStatus]) -> impl Iterator<Item = &'static str> + '_ {
    statuses.iter().map(|s| s.as_str())
}

#[derive(Debug, Clone)]
pub struct NewUpload {
    pub id: UploadId,
    pub dataset_id: DatasetId,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: Option<String>,
    pub release_at: Option<DateTime<Utc>>,
    pub mode: UploadMode,
    pub part_size: i64,
    pub object_key: String,
    pub multipart_id: Option<String>,
    pub client_token: Option<String>,
    pub created_by: AccountId,
    pub via_key: Option<ApiKeyId>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    u: NewUpload,
    now: DateTime<Utc>,
) -> StoreResult<Upload> {
    let m = uploads::ActiveModel {
        id: Set(u.id.into()),
        workspace_id: Set(workspace.into()),
        dataset_id: Set(u.dataset_id.into()),
        name: Set(u.name),
        content_type: Set(u.content_type),
        size_bytes: Set(u.size_bytes),
        sha256: Set(u.sha256),
        release_at: Set(u.release_at.map(ts)),
        mode: Set(u.mode.as_str().to_owned()),
        part_size: Set(u.part_size),
        object_key: Set(u.object_key),
        multipart_id: Set(u.multipart_id),
        status: Set(UploadStatus::Open.as_str().to_owned()),
        error: Set(None),
        file_id: Set(None),
        created_by: Set(u.created_by.into()),
        via_key: Set(u.via_key.map(ApiKeyId::as_uuid)),
        created_at: Set(ts(now)),
        expires_at: Set(ts(u.expires_at)),
        status_changed_at: Set(Some(ts(now))),
        client_token: Set(u.client_token),
    }
    .insert(conn)
    .await?;
    to_domain(m)
}

pub async fn find(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: UploadId) -> StoreResult<Option<Upload>> {
    crate::scoped::find::<uploads::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
}

/// Any upload by id, whatever its workspace (for jobs, which carry only the id).
pub async fn find_any(conn: &impl ConnectionTrait, id: UploadId) -> StoreResult<Option<Upload>> {
    uploads::Entity::find_by_id(id).one(conn).await?.map(to_domain).transpose()
}

/// What makes two requests to start an upload the same: a client that sends its request again (its answer was
/// lost) asks for the same file in the same place.
#[derive(Debug, Clone, Copy)]
pub struct SameUpload<'a> {
    pub dataset: DatasetId,
    pub name: &'a str,
    pub size_bytes: i64,
    /// The declared checksum (lowercase hex), and the client's token; an upload matches on each that is given
    /// (the caller gives at least one: name and size alone do not say two uploads hold the same bytes).
    pub sha256: Option<&'a str>,
    pub client_token: Option<&'a str>,
    pub created_by: AccountId,
}

/// The newest upload in parts of this file, by this account, still open, and not expiring before `open_until`.
pub async fn find_open_same(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    same: SameUpload<'_>,
    open_until: DateTime<Utc>,
) -> StoreResult<Option<Upload>> {
    use uploads::Column as C;
    if same.sha256.is_none() && same.client_token.is_none() {
        return Ok(None);
    }
    let mut q = uploads::Entity::find();
    if let Some(sha) = same.sha256 {
        q = q.filter(C::Sha256.eq(sha));
    }
    if let Some(token) = same.client_token {
        q = q.filter(C::ClientToken.eq(token));
    }
    q.filter(C::WorkspaceId.eq(workspace))
        .filter(C::DatasetId.eq(same.dataset))
        .filter(C::Name.eq(same.name))
        .filter(C::SizeBytes.eq(same.size_bytes))
        .filter(C::CreatedBy.eq(same.created_by))
        .filter(C::Mode.eq(UploadMode::Parts.as_str()))
        .filter(C::Status.eq(UploadStatus::Open.as_str()))
        .filter(C::ExpiresAt.gt(ts(open_until)))
        .order_by_desc(C::CreatedAt)
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// A workspace's uploads in the given statuses, newest first.
pub async fn list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    statuses: &[UploadStatus],
) -> StoreResult<Vec<Upload>> {
    use uploads::Column as C;
    all_to_domain(
        uploads::Entity::find()
            .filter(C::WorkspaceId.eq(workspace))
            .filter(C::Status.is_in(names(statuses)))
            .order_by_desc(C::CreatedAt)
            .limit(500)
            .all(conn)
            .await?,
    )
}

/// How an upload changes state.
#[derive(Debug, Clone, Default)]
pub struct UploadChange {
    pub error: Option<String>,
    pub file: Option<DataFileId>,
    /// A new expiry (the outcome of a completed upload is kept a while after it completes).
    pub expires_at: Option<DateTime<Utc>>,
}

/// Moves an upload from `from` to `to` status; false when it was not in `from` (another request got there first).
pub async fn transition(
    conn: &impl ConnectionTrait,
    id: UploadId,
    from: UploadStatus,
    to: UploadStatus,
    change: UploadChange,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    use uploads::Column as C;
    let mut q = uploads::Entity::update_many()
        .col_expr(C::Status, Expr::value(to.as_str()))
        .col_expr(C::Error, Expr::value(change.error))
        .col_expr(C::FileId, Expr::value(change.file))
        .col_expr(C::StatusChangedAt, Expr::value(ts(now)));
    if let Some(t) = change.expires_at {
        q = q.col_expr(C::ExpiresAt, Expr::value(ts(t)));
    }
    let r = q.filter(C::Id.eq(id)).filter(C::Status.eq(from.as_str())).exec(conn).await?;
    Ok(r.rows_affected > 0)
}

/// Moves an upload from any of `from` to `to` with a new expiry; false when it is in none of them (or gone).
pub async fn reclaim(
    conn: &impl ConnectionTrait,
    id: UploadId,
    from: &[UploadStatus],
    to: UploadStatus,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    use uploads::Column as C;
    let r = uploads::Entity::update_many()
        .col_expr(C::Status, Expr::value(to.as_str()))
        .col_expr(C::Error, Expr::value(Option::<String>::None))
        .col_expr(C::StatusChangedAt, Expr::value(ts(now)))
        .col_expr(C::ExpiresAt, Expr::value(ts(expires_at)))
        .filter(C::Id.eq(id))
        .filter(C::Status.is_in(names(from)))
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

pub async fn delete(conn: &impl ConnectionTrait, id: UploadId) -> StoreResult<()> {
    uploads::Entity::delete_by_id(id).exec(conn).await?;
    Ok(())
}

/// Deletes an upload only while it is still in `status`; false when it no longer is (or is gone). Whoever deletes
/// the row owns its object: a streamed upload that finds its reservation gone must not commit its file.
pub async fn delete_if(conn: &impl ConnectionTrait, id: UploadId, status: UploadStatus) -> StoreResult<bool> {
    let r = uploads::Entity::delete_many()
        .filter(uploads::Column::Id.eq(id))
        .filter(uploads::Column::Status.eq(status.as_str()))
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

/// Uploads `verifying` since before `before`, by id after `after`: the sweep checks that each still has a job.
pub async fn verifying_since(
    conn: &impl ConnectionTrait,
    before: DateTime<Utc>,
    after: Option<UploadId>,
    limit: u64,
) -> StoreResult<Vec<Upload>> {
    use uploads::Column as C;
    let mut q = uploads::Entity::find();
    if let Some(a) = after {
        q = q.filter(C::Id.gt(a));
    }
    all_to_domain(
        q.filter(C::Status.eq(UploadStatus::Verifying.as_str()))
            .filter(
                Condition::any()
                    .add(C::StatusChangedAt.lt(ts(before)))
                    .add(Condition::all().add(C::StatusChangedAt.is_null()).add(C::CreatedAt.lt(ts(before)))),
            )
            .order_by_asc(C::Id)
            .limit(limit)
            .all(conn)
            .await?,
    )
}

/// Whether an upload still open or being completed holds this multipart upload: a resumable one by its id, or a
/// streamed one (whose S3 put makes a multipart upload of its own, unrecorded) by its object key.
pub async fn multipart_is_live(conn: &impl ConnectionTrait, key: &str, upload_id: &str) -> StoreResult<bool> {
    use uploads::Column as C;
    let n = uploads::Entity::find()
        .filter(C::Status.is_in(names(UploadStatus::IN_FLIGHT)))
        .filter(
            Condition::any()
                .add(C::MultipartId.eq(upload_id))
                .add(Condition::all().add(C::Mode.eq(UploadMode::Stream.as_str())).add(C::ObjectKey.eq(key))),
        )
        .count(conn)
        .await?;
    Ok(n > 0)
}

/// Bytes reserved by uploads still in flight in a workspace (counted against its quota).
pub async fn reserved_bytes(conn: &impl ConnectionTrait, workspace: WorkspaceId) -> StoreResult<i64> {
    use uploads::Column as C;
    let v: Option<Option<i64>> = uploads::Entity::find()
        .select_only()
        .column_as(Func::sum(Expr::col(C::SizeBytes)).cast_as("BIGINT"), "bytes")
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::Status.is_in(names(UploadStatus::IN_FLIGHT)))
        .into_tuple()
        .one(conn)
        .await?;
    Ok(v.flatten().unwrap_or(0))
}

/// Uploads past their expiry, oldest first: open ones (abandoned) and finished ones (their outcome kept long
/// enough). Never one being verified: its joined object is an acknowledged file in the making, which only its
/// job may commit or refuse.
pub async fn expired(conn: &impl ConnectionTrait, now: DateTime<Utc>, limit: u64) -> StoreResult<Vec<Upload>> {
    use uploads::Column as C;
    all_to_domain(
        uploads::Entity::find()
            .filter(C::ExpiresAt.lt(ts(now)))
            .filter(C::Status.ne(UploadStatus::Verifying.as_str()))
            .order_by_asc(C::ExpiresAt)
            .limit(limit)
            .all(conn)
            .await?,
    )
}

/// How many of the workspace's uploads are still in flight (open or verifying).
pub async fn count_in_flight(conn: &impl ConnectionTrait, workspace: WorkspaceId) -> StoreResult<u64> {
    use sea_orm::PaginatorTrait as _;
    let statuses = UploadStatus::IN_FLIGHT.iter().map(|s| s.as_str());
    Ok(uploads::Entity::find()
        .filter(uploads::Column::WorkspaceId.eq(workspace))
        .filter(uploads::Column::Status.is_in(statuses))
        .count(conn)
        .await?)
}
