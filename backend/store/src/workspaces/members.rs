//! Memberships: who belongs to which workspace, with which role. Always scoped by workspace.

use crate::entities::{accounts, memberships};
use crate::page::Keyset as _;
use crate::{StoreError, StoreResult, conflict_on, scoped};
use chrono::{DateTime, Utc};
use meridian_domain::workspaces::Member;
use meridian_domain::{AccountId, DisplayName, Email, PageRequest, Role, WorkspaceId};
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    account: AccountId,
    role: Role,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    memberships::ActiveModel {
        id: Set(Uuid::now_v7()),
        workspace_id: Set(workspace.into()),
        account_id: Set(account.into()),
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
    scoped::find::<memberships::Entity>(conn, workspace, account)
        .await?
        .map(|m| Role::parse(&m.role).map_err(StoreError::from))
        .transpose()
}

fn to_member(m: memberships::Model, a: accounts::Model) -> StoreResult<Member> {
    Ok(Member {
        account_id: a.id.into(),
        email: Email::parse(&a.email)?,
        display_name: DisplayName::parse(&a.display_name)?,
        role: Role::parse(&m.role)?,
        joined_at: m.created_at.to_utc(),
        orcid: a.orcid,
    })
}

/// Members in the order they joined; the cursor is a membership id. Returns each with its membership id.
pub async fn list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    page: &PageRequest,
) -> StoreResult<Vec<(Uuid, Member)>> {
    scoped::all::<memberships::Entity>(workspace)
        .find_also_related(accounts::Entity)
        .page_by_id(memberships::Column::Id, page)?
        .all(conn)
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
    match scoped::select::<memberships::Entity>(workspace, account)
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
    let res = scoped::update::<memberships::Entity>(workspace, account)
        .col_expr(memberships::Column::Role, Expr::value(role.as_str()))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn delete(conn: &impl ConnectionTrait, workspace: WorkspaceId, account: AccountId) -> StoreResult<bool> {
    Ok(scoped::delete::<memberships::Entity>(conn, workspace, account).await?)
}

/// How many members the workspace has.
pub async fn count(conn: &impl ConnectionTrait, workspace: WorkspaceId) -> StoreResult<u64> {
    Ok(scoped::all::<memberships::Entity>(workspace).count(conn).await?)
}

pub async fn count_owners(conn: &impl ConnectionTrait, workspace: WorkspaceId) -> StoreResult<u64> {
    Ok(scoped::all::<memberships::Entity>(workspace)
        .filter(memberships::Column::Role.eq(Role::Owner.as_str()))
        .count(conn)
        .await?)
}

/// Every workspace the account belongs to, with its role there and the workspace's kind.
pub async fn of_account(
    conn: &impl ConnectionTrait,
    account: AccountId,
) -> StoreResult<Vec<(meridian_domain::workspaces::Workspace, Role)>> {
    use sea_orm::{JoinType, QuerySelect as _, RelationTrait as _};
    crate::entities::workspaces::Entity::find()
        .join(JoinType::InnerJoin, crate::entities::workspaces::Relation::Memberships.def())
        .filter(memberships::Column::AccountId.eq(account))
        .select_also(memberships::Entity)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(w, m)| m.map(|m| (w, m)))
        .map(|(w, m)| Ok((crate::workspaces::to_domain(w)?, Role::parse(&m.role)?)))
        .collect()
}

/// Removes the account from every workspace (it is being deleted).
pub async fn delete_all_of(conn: &impl ConnectionTrait, account: AccountId) -> StoreResult<u64> {
    Ok(memberships::Entity::delete_many()
        .filter(memberships::Column::AccountId.eq(account))
        .exec(conn)
        .await?
        .rows_affected)
}
