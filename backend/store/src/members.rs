//! Memberships: who belongs to which workspace, with which role. Always scoped by workspace.

use crate::entities::{accounts, memberships};
use crate::{StoreError, StoreResult, conflict_on};
use chrono::{DateTime, Utc};
use meridian_domain::model::Member;
use meridian_domain::{AccountId, DisplayName, Email, PageRequest, Role, ValidationError, WorkspaceId};
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};

/// The cursor of a list ordered by a UUID column.
pub(crate) fn cursor_uuid(page: &PageRequest) -> StoreResult<Option<Uuid>> {
    page.after
        .as_deref()
        .map(|s| Uuid::parse_str(s).map_err(|_| ValidationError::new("cursor", "is not a cursor this server issued")))
        .transpose()
        .map_err(StoreError::Invalid)
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    account: AccountId,
    role: Role,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    memberships::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace.as_uuid()),
        account_id: Set(account.as_uuid()),
        role: Set(role.as_str().to_owned()),
        created_at: Set(crate::ts(now)),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("member"))?;
    Ok(())
}

/// The account's role in the workspace, if it is a member.
pub async fn role_of(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    account: AccountId,
) -> StoreResult<Option<Role>> {
    memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(memberships::Column::AccountId.eq(account.as_uuid()))
        .one(conn)
        .await?
        .map(|m| Role::parse(&m.role).map_err(StoreError::from))
        .transpose()
}

fn to_member(m: memberships::Model, a: accounts::Model) -> StoreResult<Member> {
    Ok(Member {
        account_id: AccountId::from_uuid(a.id),
        email: Email::parse(&a.email)?,
        display_name: DisplayName::parse(&a.display_name)?,
        role: Role::parse(&m.role)?,
        joined_at: m.created_at.to_utc(),
    })
}

/// Members in the order they joined; the cursor is a membership id. Returns each with its membership id.
pub async fn list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    page: &PageRequest,
) -> StoreResult<Vec<(Uuid, Member)>> {
    let mut q = memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(workspace.as_uuid()))
        .find_also_related(accounts::Entity)
        .order_by_asc(memberships::Column::Id)
        .limit(u64::from(page.limit.get()));
    if let Some(after) = cursor_uuid(page)? {
        q = q.filter(memberships::Column::Id.gt(after));
    }
    q.all(conn)
        .await?
        .into_iter()
        .filter_map(|(m, a)| a.map(|a| (m, a)))
        .map(|(m, a)| Ok((m.id, to_member(m, a)?)))
        .collect()
}

pub async fn find(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    account: AccountId,
) -> StoreResult<Option<Member>> {
    match memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(memberships::Column::AccountId.eq(account.as_uuid()))
        .find_also_related(accounts::Entity)
        .one(conn)
        .await?
    {
        Some((m, Some(a))) => Ok(Some(to_member(m, a)?)),
        _ => Ok(None),
    }
}

pub async fn set_role(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    account: AccountId,
    role: Role,
) -> StoreResult<bool> {
    let res = memberships::Entity::update_many()
        .col_expr(memberships::Column::Role, Expr::value(role.as_str()))
        .filter(memberships::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(memberships::Column::AccountId.eq(account.as_uuid()))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn delete(conn: &impl ConnectionTrait, workspace: WorkspaceId, account: AccountId) -> StoreResult<bool> {
    let res = memberships::Entity::delete_many()
        .filter(memberships::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(memberships::Column::AccountId.eq(account.as_uuid()))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn count_owners(conn: &impl ConnectionTrait, workspace: WorkspaceId) -> StoreResult<u64> {
    Ok(memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(memberships::Column::Role.eq(Role::Owner.as_str()))
        .count(conn)
        .await?)
}
