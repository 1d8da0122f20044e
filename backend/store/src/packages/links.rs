//! Secret links to a package: made with a token shown once (only its hash is kept), listed, revoked, and looked
//! up by the token's hash.

use crate::entities::{package_links, packages};
use crate::{StoreResult, ts};
use chrono::{DateTime, Utc};
use meridian_domain::packages::{Package, PackageLink};
use meridian_domain::{AccountId, PackageId, PackageLinkId, WorkspaceId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

fn to_domain(m: package_links::Model) -> PackageLink {
    PackageLink {
        id: m.id.into(),
        package_id: m.package_id.into(),
        workspace_id: m.workspace_id.into(),
        label: m.label,
        token_hash: m.token_hash,
        created_by: m.created_by.into(),
        created_at: m.created_at.to_utc(),
        expires_at: m.expires_at.map(|t| t.to_utc()),
        revoked_at: m.revoked_at.map(|t| t.to_utc()),
    }
}

/// A secret link about to be made; only the token's hash is kept.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub label: String,
    pub token_hash: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub created_by: AccountId,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    l: NewLink,
    now: DateTime<Utc>,
) -> StoreResult<PackageLink> {
    let m = package_links::ActiveModel {
        id: Set(PackageLinkId::new().into()),
        package_id: Set(package.into()),
        workspace_id: Set(workspace.into()),
        label: Set(l.label),
        token_hash: Set(l.token_hash),
        created_by: Set(l.created_by.into()),
        created_at: Set(ts(now)),
        expires_at: Set(l.expires_at.map(ts)),
        revoked_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(to_domain(m))
}

pub async fn list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
) -> StoreResult<Vec<PackageLink>> {
    use package_links::Column as C;
    Ok(package_links::Entity::find()
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::PackageId.eq(package))
        .order_by_asc(C::Id)
        .limit(1000)
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect())
}

/// Revokes a link now; answers whether it was live.
pub async fn revoke(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    package: PackageId,
    link: PackageLinkId,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    use package_links::Column as C;
    let r = package_links::Entity::update_many()
        .col_expr(C::RevokedAt, Expr::value(ts(now)))
        .filter(C::Id.eq(link))
        .filter(C::WorkspaceId.eq(workspace))
        .filter(C::PackageId.eq(package))
        .filter(C::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(r.rows_affected > 0)
}

/// The live link (not revoked, not expired at `now`) whose token hashes to `hash`, with its package.
pub async fn live_by_hash(
    conn: &impl ConnectionTrait,
    hash: &str,
    now: DateTime<Utc>,
    made_after: DateTime<Utc>,
) -> StoreResult<Option<(PackageLink, Package)>> {
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
    package.map(|p| Ok((to_domain(link), super::to_domain(p)?))).transpose()
}
