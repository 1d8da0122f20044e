//! API keys. The secret is stored only as a hash; keys are found by their public prefix.

use crate::entities::api_keys;
use crate::page::Keyset as _;
use crate::{StoreResult, conflict_on, scoped};
use chrono::{DateTime, Utc};
use meridian_domain::workspaces::ApiKey;
use meridian_domain::{AccountId, ApiKeyId, ApiKeyScope, KeyName, PageRequest, WorkspaceId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

fn to_domain(m: api_keys::Model) -> StoreResult<ApiKey> {
    Ok(ApiKey {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        name: KeyName::parse(&m.name)?,
        prefix: m.prefix,
        scope: ApiKeyScope::parse(&m.scope)?,
        created_by: m.created_by.into(),
        created_at: m.created_at.to_utc(),
        last_used_at: m.last_used_at.map(|t| t.to_utc()),
        revoked_at: m.revoked_at.map(|t| t.to_utc()),
    })
}

/// What a new key is made of; `secret_hash` is the hash of the secret part, never the secret.
#[derive(Debug)]
pub struct NewApiKey<'a> {
    pub workspace: WorkspaceId,
    pub name: &'a KeyName,
    pub prefix: &'a str,
    pub secret_hash: String,
    pub scope: ApiKeyScope,
    pub created_by: AccountId,
}

pub async fn insert(conn: &impl ConnectionTrait, new: NewApiKey<'_>, now: DateTime<Utc>) -> StoreResult<ApiKey> {
    let m = api_keys::ActiveModel {
        id: Set(ApiKeyId::new().into()),
        workspace_id: Set(new.workspace.into()),
        name: Set(new.name.as_str().to_owned()),
        prefix: Set(new.prefix.to_owned()),
        secret_hash: Set(new.secret_hash),
        scope: Set(new.scope.as_str().to_owned()),
        created_by: Set(new.created_by.into()),
        created_at: Set(crate::ts(now)),
        last_used_at: Set(None),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("prefix"))?;
    to_domain(m)
}

/// A key that is not revoked, with its secret hash.
pub async fn find_active_by_prefix(conn: &impl ConnectionTrait, prefix: &str) -> StoreResult<Option<(ApiKey, String)>> {
    let Some(m) = api_keys::Entity::find()
        .filter(api_keys::Column::Prefix.eq(prefix))
        .filter(api_keys::Column::RevokedAt.is_null())
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let hash = m.secret_hash.clone();
    Ok(Some((to_domain(m)?, hash)))
}

/// A workspace's keys, newest last, revoked ones included (they show when they were revoked).
pub async fn list(conn: &impl ConnectionTrait, workspace: WorkspaceId, page: &PageRequest) -> StoreResult<Vec<ApiKey>> {
    scoped::all::<api_keys::Entity>(workspace)
        .page_by_id(api_keys::Column::Id, page)?
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

pub async fn find(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: ApiKeyId) -> StoreResult<Option<ApiKey>> {
    scoped::find::<api_keys::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
}

/// Revokes a key of this workspace; false when there is no such unrevoked key here.
pub async fn revoke(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: ApiKeyId,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    Ok(revoke_where(conn, workspace, api_keys::Column::Id.eq(id), now).await? == 1)
}

/// Revokes this workspace's unrevoked keys that match `which`; returns how many.
async fn revoke_where(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    which: sea_orm::sea_query::SimpleExpr,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    let res = api_keys::Entity::update_many()
        .col_expr(api_keys::Column::RevokedAt, Expr::value(crate::ts(now)))
        .filter(api_keys::Column::WorkspaceId.eq(workspace))
        .filter(api_keys::Column::RevokedAt.is_null())
        .filter(which)
        .exec(conn)
        .await?;
    Ok(res.rows_affected)
}

pub async fn touch(conn: &impl ConnectionTrait, id: ApiKeyId, now: DateTime<Utc>) -> StoreResult<()> {
    api_keys::Entity::update_many()
        .col_expr(api_keys::Column::LastUsedAt, Expr::value(crate::ts(now)))
        .filter(api_keys::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Revokes the keys one person made in a workspace (when they leave it or lose the right to manage keys), so no
/// key outlives its maker's access. Returns how many were revoked.
pub async fn revoke_created_by(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    account: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    revoke_where(conn, workspace, api_keys::Column::CreatedBy.eq(account), now).await
}

/// Revokes every key the account made, in every workspace (it is being deleted).
pub async fn revoke_all_created_by(
    conn: &impl ConnectionTrait,
    account: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    Ok(api_keys::Entity::update_many()
        .col_expr(api_keys::Column::RevokedAt, Expr::value(crate::ts(now)))
        .filter(api_keys::Column::CreatedBy.eq(account))
        .filter(api_keys::Column::RevokedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected)
}
