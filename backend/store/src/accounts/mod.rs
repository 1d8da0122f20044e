//! Accounts.

pub mod sessions;
pub mod tokens;

use crate::entities::accounts;
use crate::{StoreError, StoreResult, conflict_on};
use chrono::{DateTime, Utc};
use meridian_domain::accounts::Account;
use meridian_domain::{AccountId, DisplayName, Email};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

pub(crate) fn to_domain(m: accounts::Model) -> StoreResult<Account> {
    Ok(Account {
        id: m.id.into(),
        email: Email::parse(&m.email)?,
        display_name: DisplayName::parse(&m.display_name)?,
        email_verified: m.email_verified_at.is_some(),
        operator: m.operator,
        orcid: m.orcid,
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
        operator: Set(false),
        deleted_at: Set(None),
        orcid: Set(None),
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
    one_updated(res.rows_affected)
}

fn one_updated(rows: u64) -> StoreResult<()> {
    if rows == 1 { Ok(()) } else { Err(StoreError::Db(sea_orm::DbErr::RecordNotUpdated)) }
}

/// Marks the account's address as proven (once: a later proof keeps the first time).
pub async fn set_email_verified(conn: &impl ConnectionTrait, id: AccountId, now: DateTime<Utc>) -> StoreResult<()> {
    accounts::Entity::update_many()
        .col_expr(accounts::Column::EmailVerifiedAt, Expr::value(crate::ts(now)))
        .col_expr(accounts::Column::UpdatedAt, Expr::value(crate::ts(now)))
        .filter(accounts::Column::Id.eq(id))
        .filter(accounts::Column::EmailVerifiedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Gives the account a new address, already proven (an e-mail change is applied only from its confirmation).
pub async fn set_email(
    conn: &impl ConnectionTrait,
    id: AccountId,
    email: &Email,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let res = accounts::Entity::update_many()
        .col_expr(accounts::Column::Email, Expr::value(email.as_str()))
        .col_expr(accounts::Column::EmailVerifiedAt, Expr::value(crate::ts(now)))
        .col_expr(accounts::Column::UpdatedAt, Expr::value(crate::ts(now)))
        .filter(accounts::Column::Id.eq(id))
        .exec(conn)
        .await
        .map_err(conflict_on("email"))?;
    one_updated(res.rows_affected)
}

pub async fn set_display_name(
    conn: &impl ConnectionTrait,
    id: AccountId,
    name: &DisplayName,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let res = accounts::Entity::update_many()
        .col_expr(accounts::Column::DisplayName, Expr::value(name.as_str()))
        .col_expr(accounts::Column::UpdatedAt, Expr::value(crate::ts(now)))
        .filter(accounts::Column::Id.eq(id))
        .exec(conn)
        .await?;
    one_updated(res.rows_affected)
}

pub async fn set_orcid(
    conn: &impl ConnectionTrait,
    id: AccountId,
    orcid: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let res = accounts::Entity::update_many()
        .col_expr(accounts::Column::Orcid, Expr::value(orcid.map(str::to_owned)))
        .col_expr(accounts::Column::UpdatedAt, Expr::value(crate::ts(now)))
        .filter(accounts::Column::Id.eq(id))
        .exec(conn)
        .await?;
    one_updated(res.rows_affected)
}

/// Grants or withdraws the operator's rights.
pub async fn set_operator(
    conn: &impl ConnectionTrait,
    id: AccountId,
    operator: bool,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let res = accounts::Entity::update_many()
        .col_expr(accounts::Column::Operator, Expr::value(operator))
        .col_expr(accounts::Column::UpdatedAt, Expr::value(crate::ts(now)))
        .filter(accounts::Column::Id.eq(id))
        .exec(conn)
        .await?;
    one_updated(res.rows_affected)
}

/// The server's operators.
pub async fn operators(conn: &impl ConnectionTrait) -> StoreResult<Vec<Account>> {
    let rows = accounts::Entity::find()
        .filter(accounts::Column::Operator.eq(true))
        .order_by_asc(accounts::Column::Email)
        .all(conn)
        .await?;
    rows.into_iter().map(to_domain).collect()
}

/// Whether the account is deleted (its row stays for what it authored).
pub async fn is_deleted(conn: &impl ConnectionTrait, id: AccountId) -> StoreResult<bool> {
    Ok(accounts::Entity::find_by_id(id).one(conn).await?.is_none_or(|m| m.deleted_at.is_some()))
}

/// Removes the person from the row: address, name, password, ORCID and rights go; the row stays, so night-log
/// entries and package versions it wrote keep pointing at "a deleted account".
pub async fn anonymize(conn: &impl ConnectionTrait, id: AccountId, now: DateTime<Utc>) -> StoreResult<()> {
    let res = accounts::Entity::update_many()
        .col_expr(accounts::Column::Email, Expr::value(meridian_domain::accounts::deleted_account_email(id)))
        .col_expr(accounts::Column::DisplayName, Expr::value(meridian_domain::accounts::DELETED_ACCOUNT_NAME))
        .col_expr(accounts::Column::PasswordHash, Expr::value(Option::<String>::None))
        .col_expr(
            accounts::Column::EmailVerifiedAt,
            Expr::value(Option::<sea_orm::prelude::DateTimeWithTimeZone>::None),
        )
        .col_expr(accounts::Column::Operator, Expr::value(false))
        .col_expr(accounts::Column::Orcid, Expr::value(Option::<String>::None))
        .col_expr(accounts::Column::DeletedAt, Expr::value(crate::ts(now)))
        .col_expr(accounts::Column::UpdatedAt, Expr::value(crate::ts(now)))
        .filter(accounts::Column::Id.eq(id))
        .exec(conn)
        .await?;
    one_updated(res.rows_affected)
}
