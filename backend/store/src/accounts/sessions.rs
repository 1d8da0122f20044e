//! Browser sessions. Only a hash of the cookie's token is stored, so a database leak yields no usable session.

use crate::StoreResult;
use crate::entities::{accounts, sessions};
use chrono::{DateTime, Utc};
use meridian_domain::accounts::{Account, SessionInfo};
use meridian_domain::{AccountId, SessionId};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

/// Where a session was started from, as the account page shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Device {
    pub user_agent: Option<String>,
    pub ip: Option<String>,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    account: AccountId,
    token_hash: String,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    device: &Device,
) -> StoreResult<SessionId> {
    let id = SessionId::new();
    sessions::ActiveModel {
        id: Set(id.into()),
        token_hash: Set(token_hash),
        account_id: Set(account.into()),
        created_at: Set(crate::ts(now)),
        expires_at: Set(crate::ts(expires_at)),
        last_seen_at: Set(crate::ts(now)),
        user_agent: Set(device.user_agent.clone()),
        ip: Set(device.ip.clone()),
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

/// The account's live sessions, most recently used first.
pub async fn list_live(
    conn: &impl ConnectionTrait,
    account: AccountId,
    now: DateTime<Utc>,
    born_after: DateTime<Utc>,
) -> StoreResult<Vec<SessionInfo>> {
    let rows = sessions::Entity::find()
        .filter(sessions::Column::AccountId.eq(account))
        .filter(sessions::Column::ExpiresAt.gt(crate::ts(now)))
        .filter(sessions::Column::CreatedAt.gt(crate::ts(born_after)))
        .order_by_desc(sessions::Column::LastSeenAt)
        .order_by_desc(sessions::Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|m| SessionInfo {
            id: m.id.into(),
            created_at: m.created_at.to_utc(),
            last_seen_at: m.last_seen_at.to_utc(),
            expires_at: m.expires_at.to_utc(),
            user_agent: m.user_agent,
            ip: m.ip,
        })
        .collect())
}

/// Ends one of the account's sessions; `false` when it has no such session.
pub async fn delete_one(conn: &impl ConnectionTrait, account: AccountId, id: SessionId) -> StoreResult<bool> {
    let res = sessions::Entity::delete_many()
        .filter(sessions::Column::AccountId.eq(account))
        .filter(sessions::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}
