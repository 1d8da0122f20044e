//! Accounts.

use crate::entities::accounts;
use crate::{StoreError, StoreResult, conflict_on};
use chrono::{DateTime, Utc};
use meridian_domain::model::Account;
use meridian_domain::{AccountId, DisplayName, Email};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

pub(crate) fn to_domain(m: accounts::Model) -> StoreResult<Account> {
    Ok(Account {
        id: m.id.into(),
        email: Email::parse(&m.email)?,
        display_name: DisplayName::parse(&m.display_name)?,
        created_at: m.created_at.to_utc(),
    })
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    email: &Email,
    display_name: &DisplayName,
    password_hash: Option<String>,
    now: DateTime<Utc>,
) -> StoreResult<Account> {
    let m = accounts::ActiveModel {
        id: Set(AccountId::new().into()),
        email: Set(email.as_str().to_owned()),
        display_name: Set(display_name.as_str().to_owned()),
        password_hash: Set(password_hash),
        email_verified_at: Set(None),
        created_at: Set(crate::ts(now)),
        updated_at: Set(crate::ts(now)),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("email"))?;
    to_domain(m)
}

/// The account with this e-mail and its password hash (absent for accounts that sign in elsewhere).
pub async fn find_by_email(
    conn: &impl ConnectionTrait,
    email: &Email,
) -> StoreResult<Option<(Account, Option<String>)>> {
    let Some(m) = accounts::Entity::find().filter(accounts::Column::Email.eq(email.as_str())).one(conn).await? else {
        return Ok(None);
    };
    let hash = m.password_hash.clone();
    Ok(Some((to_domain(m)?, hash)))
}

pub async fn find(conn: &impl ConnectionTrait, id: AccountId) -> StoreResult<Option<Account>> {
    accounts::Entity::find_by_id(id).one(conn).await?.map(to_domain).transpose()
}

pub async fn password_hash(conn: &impl ConnectionTrait, id: AccountId) -> StoreResult<Option<String>> {
    Ok(accounts::Entity::find_by_id(id).one(conn).await?.and_then(|m| m.password_hash))
}

pub async fn set_password_hash(
    conn: &impl ConnectionTrait,
    id: AccountId,
    hash: String,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let res = accounts::Entity::update_many()
        .col_expr(accounts::Column::PasswordHash, sea_orm::sea_query::Expr::value(hash))
        .col_expr(accounts::Column::UpdatedAt, sea_orm::sea_query::Expr::value(crate::ts(now)))
        .filter(accounts::Column::Id.eq(id))
        .exec(conn)
        .await?;
    if res.rows_affected == 1 { Ok(()) } else { Err(StoreError::Db(sea_orm::DbErr::RecordNotUpdated)) }
}
