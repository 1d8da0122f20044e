//! Single-use links mailed to people (e-mail verification and change, password reset). Only the SHA-256 of a
//! token is stored; a token is spent by one conditional update, so two clicks racing spend it once.

use crate::StoreResult;
use crate::entities::account_tokens;
use chrono::{DateTime, Utc};
use meridian_domain::AccountId;
use meridian_domain::accounts::TokenPurpose;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// A live token: whose it is and the address it vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenGrant {
    pub id: Uuid,
    pub account: AccountId,
    pub purpose: TokenPurpose,
    pub email: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    account: AccountId,
    purpose: TokenPurpose,
    token_hash: String,
    email: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    account_tokens::ActiveModel {
        id: Set(Uuid::now_v7()),
        account_id: Set(account.into()),
        purpose: Set(purpose.as_str().to_owned()),
        token_hash: Set(token_hash),
        email: Set(email.to_owned()),
        created_at: Set(crate::ts(now)),
        expires_at: Set(crate::ts(now + purpose.lifetime())),
        used_at: Set(None),
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// Spends the token with this hash for `purpose`: `None` when unknown, of another purpose, expired or already
/// spent (one answer for all, so a link's history is not told).
pub async fn spend(
    conn: &impl ConnectionTrait,
    token_hash: &str,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> StoreResult<Option<TokenGrant>> {
    let Some(m) = account_tokens::Entity::find()
        .filter(account_tokens::Column::TokenHash.eq(token_hash))
        .filter(account_tokens::Column::Purpose.eq(purpose.as_str()))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let res = account_tokens::Entity::update_many()
        .col_expr(account_tokens::Column::UsedAt, Expr::value(crate::ts(now)))
        .filter(account_tokens::Column::Id.eq(m.id))
        .filter(account_tokens::Column::UsedAt.is_null())
        .filter(account_tokens::Column::ExpiresAt.gt(crate::ts(now)))
        .exec(conn)
        .await?;
    if res.rows_affected != 1 {
        return Ok(None);
    }
    Ok(Some(TokenGrant {
        id: m.id,
        account: m.account_id.into(),
        purpose,
        email: m.email,
        expires_at: m.expires_at.to_utc(),
    }))
}

/// Spends every unspent token of the account for `purpose` (a new link replaces the old ones; a reset ends all
/// other reset links).
pub async fn spend_all(
    conn: &impl ConnectionTrait,
    account: AccountId,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    Ok(account_tokens::Entity::update_many()
        .col_expr(account_tokens::Column::UsedAt, Expr::value(crate::ts(now)))
        .filter(account_tokens::Column::AccountId.eq(account))
        .filter(account_tokens::Column::Purpose.eq(purpose.as_str()))
        .filter(account_tokens::Column::UsedAt.is_null())
        .exec(conn)
        .await?
        .rows_affected)
}

/// Forgets every token of the account (it is being deleted).
pub async fn delete_for(conn: &impl ConnectionTrait, account: AccountId) -> StoreResult<()> {
    account_tokens::Entity::delete_many().filter(account_tokens::Column::AccountId.eq(account)).exec(conn).await?;
    Ok(())
}

/// Deletes tokens that expired before `before` (housekeeping).
pub async fn delete_expired(conn: &impl ConnectionTrait, before: DateTime<Utc>) -> StoreResult<u64> {
    Ok(account_tokens::Entity::delete_many()
        .filter(account_tokens::Column::ExpiresAt.lt(crate::ts(before)))
        .exec(conn)
        .await?
        .rows_affected)
}
