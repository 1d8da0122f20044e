//! An account's sign-ins at OpenID Connect / OAuth2 providers, found by the provider's stable subject id.

pub mod sign_in_flows;

use crate::entities::identities;
use crate::{StoreResult, conflict_on};
use chrono::{DateTime, Utc};
use meridian_domain::identities::Identity;
use meridian_domain::{AccountId, IdentityId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

fn to_domain(m: identities::Model) -> Identity {
    Identity {
        id: m.id.into(),
        account_id: m.account_id.into(),
        provider: m.provider,
        subject: m.subject,
        email: m.email,
        email_verified: m.email_verified,
        created_at: m.created_at.to_utc(),
        last_used_at: m.last_used_at.to_utc(),
    }
}

/// What a provider said about the person.
#[derive(Debug, Clone)]
pub struct NewIdentity<'a> {
    pub account: AccountId,
    pub provider: &'a str,
    pub subject: &'a str,
    pub email: Option<&'a str>,
    pub email_verified: bool,
}

pub async fn insert(conn: &impl ConnectionTrait, new: NewIdentity<'_>, now: DateTime<Utc>) -> StoreResult<Identity> {
    let m = identities::ActiveModel {
        id: Set(IdentityId::new().into()),
        account_id: Set(new.account.into()),
        provider: Set(new.provider.to_owned()),
        subject: Set(new.subject.to_owned()),
        email: Set(new.email.map(str::to_owned)),
        email_verified: Set(new.email_verified),
        created_at: Set(crate::ts(now)),
        last_used_at: Set(crate::ts(now)),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("identity"))?;
    Ok(to_domain(m))
}

pub async fn find_by_subject(
    conn: &impl ConnectionTrait,
    provider: &str,
    subject: &str,
) -> StoreResult<Option<Identity>> {
    Ok(identities::Entity::find()
        .filter(identities::Column::Provider.eq(provider))
        .filter(identities::Column::Subject.eq(subject))
        .one(conn)
        .await?
        .map(to_domain))
}

pub async fn touch(conn: &impl ConnectionTrait, id: IdentityId, now: DateTime<Utc>) -> StoreResult<()> {
    identities::Entity::update_many()
        .col_expr(identities::Column::LastUsedAt, Expr::value(crate::ts(now)))
        .filter(identities::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn list_for(conn: &impl ConnectionTrait, account: AccountId) -> StoreResult<Vec<Identity>> {
    Ok(identities::Entity::find()
        .filter(identities::Column::AccountId.eq(account))
        .order_by_asc(identities::Column::CreatedAt)
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect())
}

pub async fn count_for(conn: &impl ConnectionTrait, account: AccountId) -> StoreResult<u64> {
    Ok(identities::Entity::find().filter(identities::Column::AccountId.eq(account)).count(conn).await?)
}

/// Unlinks one of the account's identities; `false` when it has no such identity.
pub async fn delete_one(conn: &impl ConnectionTrait, account: AccountId, id: IdentityId) -> StoreResult<bool> {
    let res = identities::Entity::delete_many()
        .filter(identities::Column::AccountId.eq(account))
        .filter(identities::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn delete_for(conn: &impl ConnectionTrait, account: AccountId) -> StoreResult<()> {
    identities::Entity::delete_many().filter(identities::Column::AccountId.eq(account)).exec(conn).await?;
    Ok(())
}
