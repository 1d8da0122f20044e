//! Workspaces.

pub mod api_keys;
pub mod members;

use crate::entities::{memberships, workspaces};
use crate::page::Keyset as _;
use crate::{StoreResult, conflict_on};
use chrono::{DateTime, Utc};
use meridian_domain::workspaces::Workspace;
use meridian_domain::{
    AccountId, Description, PageRequest, Role, Slug, Visibility, WorkspaceId, WorkspaceKind, WorkspaceName,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect,
    RelationTrait,
};

pub(crate) fn to_domain(m: workspaces::Model) -> StoreResult<Workspace> {
    Ok(Workspace {
        id: m.id.into(),
        slug: Slug::parse(&m.slug)?,
        name: WorkspaceName::parse(&m.name)?,
        description: Description::parse(&m.description)?,
        kind: WorkspaceKind::parse(&m.kind)?,
        visibility: Visibility::parse(&m.visibility)?,
        created_at: m.created_at.to_utc(),
        updated_at: m.updated_at.to_utc(),
    })
}

/// What a new workspace is made of.
#[derive(Debug)]
pub struct NewWorkspace<'a> {
    pub slug: &'a Slug,
    pub name: &'a WorkspaceName,
    pub description: &'a Description,
    pub kind: WorkspaceKind,
    pub visibility: Visibility,
    /// The account whose personal space this is.
    pub personal_of: Option<AccountId>,
    /// The plan it starts on.
    pub plan: &'a meridian_domain::PlanKey,
}

pub async fn insert(conn: &impl ConnectionTrait, new: NewWorkspace<'_>, now: DateTime<Utc>) -> StoreResult<Workspace> {
    let m = workspaces::ActiveModel {
        id: Set(WorkspaceId::new().into()),
        slug: Set(new.slug.as_str().to_owned()),
        name: Set(new.name.as_str().to_owned()),
        description: Set(new.description.as_str().to_owned()),
        kind: Set(new.kind.as_str().to_owned()),
        visibility: Set(new.visibility.as_str().to_owned()),
        personal_of: Set(new.personal_of.map(Into::into)),
        plan: Set(new.plan.as_str().to_owned()),
        plan_lapses_at: Set(None),
        created_at: Set(crate::ts(now)),
        updated_at: Set(crate::ts(now)),
        stored_hot_bytes: Set(0),
        stored_cool_bytes: Set(0),
        stored_cold_bytes: Set(0),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("slug"))?;
    to_domain(m)
}

pub async fn find_by_slug(conn: &impl ConnectionTrait, slug: &Slug) -> StoreResult<Option<Workspace>> {
    workspaces::Entity::find()
        .filter(workspaces::Column::Slug.eq(slug.as_str()))
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

pub async fn find(conn: &impl ConnectionTrait, id: WorkspaceId) -> StoreResult<Option<Workspace>> {
    workspaces::Entity::find_by_id(id).one(conn).await?.map(to_domain).transpose()
}

/// Locks the workspace row until the transaction ends (PostgreSQL `FOR UPDATE`; SQLite's write lock is already
/// held by `begin_write`), so rules over all its members — "keep one owner" — cannot be broken by two changes
/// running at once.
pub async fn lock(conn: &impl ConnectionTrait, id: WorkspaceId) -> StoreResult<()> {
    workspaces::Entity::find_by_id(id).lock_exclusive().one(conn).await?;
    Ok(())
}

pub async fn slug_taken(conn: &impl ConnectionTrait, slug: &Slug) -> StoreResult<bool> {
    Ok(workspaces::Entity::find().filter(workspaces::Column::Slug.eq(slug.as_str())).one(conn).await?.is_some())
}

/// Changes to a workspace's profile; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct WorkspaceChanges {
    pub name: Option<WorkspaceName>,
    pub description: Option<Description>,
    pub visibility: Option<Visibility>,
}

pub async fn update(
    conn: &impl ConnectionTrait,
    id: WorkspaceId,
    changes: WorkspaceChanges,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut q = workspaces::Entity::update_many().col_expr(workspaces::Column::UpdatedAt, Expr::value(crate::ts(now)));
    if let Some(v) = changes.name {
        q = q.col_expr(workspaces::Column::Name, Expr::value(String::from(v)));
    }
    if let Some(v) = changes.description {
        q = q.col_expr(workspaces::Column::Description, Expr::value(String::from(v)));
    }
    if let Some(v) = changes.visibility {
        q = q.col_expr(workspaces::Column::Visibility, Expr::value(v.as_str()));
    }
    q.filter(workspaces::Column::Id.eq(id)).exec(conn).await?;
    Ok(())
}

/// The workspaces an account belongs to, with its role in each, in creation order after the cursor (a workspace id).
pub async fn list_for_account(
    conn: &impl ConnectionTrait,
    account: AccountId,
    page: &PageRequest,
) -> StoreResult<Vec<(Workspace, Role)>> {
    workspaces::Entity::find()
        .join(JoinType::InnerJoin, workspaces::Relation::Memberships.def())
        .filter(memberships::Column::AccountId.eq(account))
        .select_also(memberships::Entity)
        .page_by_id(workspaces::Column::Id, page)?
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(w, m)| m.map(|m| (w, m)))
        .map(|(w, m)| Ok((to_domain(w)?, Role::parse(&m.role)?)))
        .collect()
}

/// Public workspaces, for the directory on the home page.
pub async fn list_public(conn: &impl ConnectionTrait, page: &PageRequest) -> StoreResult<Vec<Workspace>> {
    workspaces::Entity::find()
        .filter(workspaces::Column::Visibility.eq(Visibility::Public.as_str()))
        .page_by_id(workspaces::Column::Id, page)?
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// The workspace's plan as stored (what it may store), and whether a failed payment is lapsing it.
pub async fn plan_of(
    conn: &impl ConnectionTrait,
    id: WorkspaceId,
) -> StoreResult<Option<meridian_domain::billing::PlanState>> {
    let row: Option<(String, Option<sea_orm::prelude::DateTimeWithTimeZone>, Option<uuid::Uuid>)> =
        workspaces::Entity::find_by_id(id)
            .select_only()
            .column(workspaces::Column::Plan)
            .column(workspaces::Column::PlanLapsesAt)
            .column(workspaces::Column::PersonalOf)
            .into_tuple()
            .one(conn)
            .await?;
    row.map(|(plan, lapses_at, personal_of)| {
        Ok(meridian_domain::billing::PlanState {
            plan: meridian_domain::PlanKey::parse(&plan)?,
            lapses_at: lapses_at.map(|t| t.to_utc()),
            personal: personal_of.is_some(),
        })
    })
    .transpose()
}

/// Puts the workspace on `plan`, lapsing at `lapses_at` (a failed payment's grace period) or not.
pub async fn set_plan(
    conn: &impl ConnectionTrait,
    id: WorkspaceId,
    plan: &meridian_domain::PlanKey,
    lapses_at: Option<DateTime<Utc>>,
) -> StoreResult<()> {
    workspaces::Entity::update_many()
        .col_expr(workspaces::Column::Plan, sea_orm::sea_query::Expr::value(plan.as_str()))
        .col_expr(workspaces::Column::PlanLapsesAt, sea_orm::sea_query::Expr::value(lapses_at.map(crate::ts)))
        .filter(workspaces::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}

/// Every workspace's plan state, for the operator's overview: (id, slug, name, state), by slug.
pub async fn plans(
    conn: &impl ConnectionTrait,
) -> StoreResult<Vec<(WorkspaceId, String, String, meridian_domain::billing::PlanState)>> {
    use sea_orm::QueryOrder as _;
    workspaces::Entity::find()
        .order_by_asc(workspaces::Column::Slug)
        .all(conn)
        .await?
        .into_iter()
        .map(|w| {
            let state = meridian_domain::billing::PlanState {
                plan: meridian_domain::PlanKey::parse(&w.plan)?,
                lapses_at: w.plan_lapses_at.map(|t| t.to_utc()),
                personal: w.personal_of.is_some(),
            };
            Ok((w.id.into(), w.slug, w.name, state))
        })
        .collect()
}

/// Deletes a workspace and everything it owns (its rows cascade). The caller makes sure no stored object is left
/// without its row's knowledge (a workspace with files is never deleted this way).
pub async fn delete(conn: &impl ConnectionTrait, id: WorkspaceId) -> StoreResult<bool> {
    let res =
        workspaces::Entity::delete_by_id(id).exec(conn).await.map_err(crate::in_use("records that refer to it"))?;
    Ok(res.rows_affected == 1)
}
