//! Browser sessions. Only a hash of the cookie's token is stored, so a database leak yields no usable session.

use crate::StoreResult;
use crate::entities::{accounts, sessions};
use chrono::{DateTime, Utc};
use meridian_domain::model::Account;
use meridian_domain::{AccountId, SessionId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub async fn insert(
    conn: &impl ConnectionTrait,
    account: AccountId,
    token_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<SessionId> {
    let id = SessionId::new();
    sessions::ActiveModel {
        id: Set(id.into()),
        token_hash: Set(token_hash),
        account_id: Set(account.into()),
        created_at: Set(crate::ts(now)),
        expires_at: Set(crate::ts(expires_at)),
        last_seen_at: Set(crate::ts(now)),
    }
    .insert(conn)
    .await?;
    Ok(id)
}

/// A live session with its account, or nothing when unknown, expired at `now`, or begun before `born_after` (its
/// maximum lifetime is over however much it was used).
pub async fn find_live(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    now: DateTime<Utc>,
    born_after: DateTime<Utc>,
) -> StoreResult<Option<(SessionId, DateTime<Utc>, Account)>> {
    let found = sessions::Entity::find()
        .filter(sessions::Column::TokenHash.eq(token_hash))
        .filter(sessions::Column::ExpiresAt.gt(crate::ts(now)))
        .filter(sessions::Column::CreatedAt.gt(crate::ts(born_after)))
        .find_also_related(accounts::Entity)
        .one(conn)
        .await?;
    match found {
        Some((s, Some(a))) => Ok(Some((s.id.into(), s.last_seen_at.to_utc(), crate::accounts::to_domain(a)?))),
        _ => Ok(None),
    }
}

/// Slides the session's expiry forward.
pub async fn touch(
    conn: &impl ConnectionTrait,
    id: SessionId,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    sessions::Entity::update_many()
        .col_expr(sessions::Column::LastSeenAt, Expr::value(crate::ts(now)))
        .col_expr(sessions::Column::ExpiresAt, Expr::value(crate::ts(expires_at)))
        .filter(sessions::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn delete_by_token_hash(conn: &impl ConnectionTrait, token_hash: &str) -> StoreResult<()> {
    sessions::Entity::delete_many().filter(sessions::Column::TokenHash.eq(token_hash)).exec(conn).await?;
    Ok(())
}

/// Ends every session of an account but `keep` (after a password change).
pub async fn delete_others(
    conn: &impl ConnectionTrait,
    account: AccountId,
    keep: Option<SessionId>,
) -> StoreResult<u64> {
    let mut q = sessions::Entity::delete_many().filter(sessions::Column::AccountId.eq(account));
    if let Some(keep) = keep {
        q = q.filter(sessions::Column::Id.ne(keep));
    }
    Ok(q.exec(conn).await?.rows_affected)
}

pub async fn delete_expired(conn: &impl ConnectionTrait, now: DateTime<Utc>) -> StoreResult<u64> {
    Ok(sessions::Entity::delete_many()
        .filter(sessions::Column::ExpiresAt.lte(crate::ts(now)))
        .exec(conn)
        .await?
        .rows_affected)
}
