//! The target catalogue and target lists. Deleting a target takes it out of every list (cascade) and leaves the
//! observations of it in place with their copied name and position (the reference is set to null).

use crate::entities::{target_list_items, target_lists, targets};
use crate::page::Keyset as _;
use crate::{StoreResult, conflict_on, scoped};
use chrono::{DateTime, Utc};
use meridian_domain::targets::{Target, TargetList};
use meridian_domain::{
    Declination, Description, Name, PageRequest, RightAscension, SkyPosition, Tag, Tags, TargetId, TargetListId,
    WorkspaceId,
};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, JoinType, QueryFilter, QuerySelect,
    RelationTrait,
};

pub(crate) fn to_domain(m: targets::Model) -> StoreResult<Target> {
    Ok(Target {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        name: Name::parse(&m.name)?,
        position: SkyPosition::new(RightAscension::new(m.ra_deg)?, Declination::new(m.dec_deg)?),
        notes: Description::parse(&m.notes)?,
        tags: Tags::parse(crate::read_json_list("tags", &m.tags)?)?,
        created_at: m.created_at.to_utc(),
        updated_at: m.updated_at.to_utc(),
    })
}

fn list_to_domain(m: target_lists::Model) -> StoreResult<TargetList> {
    Ok(TargetList {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        name: Name::parse(&m.name)?,
        description: Description::parse(&m.description)?,
        created_at: m.created_at.to_utc(),
        updated_at: m.updated_at.to_utc(),
    })
}

/// What a target is made of, new or changed.
#[derive(Debug, Clone)]
pub struct TargetFields {
    pub name: Name,
    pub position: SkyPosition,
    pub notes: Description,
    pub tags: Tags,
}

impl From<&Target> for TargetFields {
    fn from(t: &Target) -> Self {
        Self { name: t.name.clone(), position: t.position, notes: t.notes.clone(), tags: t.tags.clone() }
    }
}

fn tags_json(tags: &Tags) -> String {
    crate::json_list(tags.iter().map(Tag::as_str))
}

#[tracing::instrument(skip(conn, f), fields(name = %f.name))]
pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: &TargetFields,
    now: DateTime<Utc>,
) -> StoreResult<Target> {
    let m = targets::ActiveModel {
        id: Set(TargetId::new().into()),
        workspace_id: Set(workspace.into()),
        name: Set(f.name.as_str().to_owned()),
        ra_deg: Set(f.position.ra.degrees()),
        dec_deg: Set(f.position.dec.degrees()),
        notes: Set(f.notes.as_str().to_owned()),
        tags: Set(tags_json(&f.tags)),
        created_at: Set(crate::ts(now)),
        updated_at: Set(crate::ts(now)),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("name"))?;
    to_domain(m)
}

pub async fn find(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: TargetId) -> StoreResult<Option<Target>> {
    scoped::find::<targets::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
}

/// How to narrow a target list.
#[derive(Debug, Clone, Default)]
pub struct TargetFilter {
    /// Part of the name, case-insensitive.
    pub name_contains: Option<String>,
    /// Carries this tag.
    pub tag: Option<Tag>,
}

/// Targets in creation order after the cursor (a target id).
pub async fn list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    filter: &TargetFilter,
    page: &PageRequest,
) -> StoreResult<Vec<Target>> {
    let mut q = scoped::all::<targets::Entity>(workspace);
    if let Some(text) = filter.name_contains.as_deref().filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", crate::like_escaped(&text.to_lowercase()));
        q = q.filter(
            Expr::expr(Func::lower(Expr::col((targets::Entity, targets::Column::Name))))
                .like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    if let Some(tag) = &filter.tag {
        // Tags are stored as a JSON array of strings; with the quotes, a pattern matches one whole tag.
        let pattern = format!("%{}%", crate::like_escaped(&format!("\"{}\"", tag.as_str())));
        q = q.filter(Expr::col((targets::Entity, targets::Column::Tags)).like(LikeExpr::new(pattern).escape('\\')));
    }
    q.page_by_id(targets::Column::Id, page)?.all(conn).await?.into_iter().map(to_domain).collect()
}

/// Writes all fields; false when no such target in this workspace.
#[tracing::instrument(skip(conn, f))]
pub async fn update(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: TargetId,
    f: &TargetFields,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let res = scoped::update::<targets::Entity>(workspace, id)
        .col_expr(targets::Column::Name, Expr::value(f.name.as_str()))
        .col_expr(targets::Column::RaDeg, Expr::value(f.position.ra.degrees()))
        .col_expr(targets::Column::DecDeg, Expr::value(f.position.dec.degrees()))
        .col_expr(targets::Column::Notes, Expr::value(f.notes.as_str()))
        .col_expr(targets::Column::Tags, Expr::value(tags_json(&f.tags)))
        .col_expr(targets::Column::UpdatedAt, Expr::value(crate::ts(now)))
        .exec(conn)
        .await
        .map_err(conflict_on("name"))?;
    Ok(res.rows_affected == 1)
}

/// Deletes a target: list memberships go with it, observations keep their copy and lose the reference.
#[tracing::instrument(skip(conn))]
pub async fn delete(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: TargetId) -> StoreResult<bool> {
    Ok(scoped::delete::<targets::Entity>(conn, workspace, id).await?)
}

// ---- Target lists ----------------------------------------------------------------------------------------------

#[tracing::instrument(skip(conn, description), fields(name = %name))]
pub async fn insert_list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    name: &Name,
    description: &Description,
    now: DateTime<Utc>,
) -> StoreResult<TargetList> {
    let m = target_lists::ActiveModel {
        id: Set(TargetListId::new().into()),
        workspace_id: Set(workspace.into()),
        name: Set(name.as_str().to_owned()),
        description: Set(description.as_str().to_owned()),
        created_at: Set(crate::ts(now)),
        updated_at: Set(crate::ts(now)),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("name"))?;
    list_to_domain(m)
}

pub async fn find_list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: TargetListId,
) -> StoreResult<Option<TargetList>> {
    scoped::find::<target_lists::Entity>(conn, workspace, id).await?.map(list_to_domain).transpose()
}

/// Target lists in creation order after the cursor (a list id).
pub async fn list_lists(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    page: &PageRequest,
) -> StoreResult<Vec<TargetList>> {
    scoped::all::<target_lists::Entity>(workspace)
        .page_by_id(target_lists::Column::Id, page)?
        .all(conn)
        .await?
        .into_iter()
        .map(list_to_domain)
        .collect()
}

#[tracing::instrument(skip(conn, description))]
pub async fn update_list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: TargetListId,
    name: &Name,
    description: &Description,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let res = scoped::update::<target_lists::Entity>(workspace, id)
        .col_expr(target_lists::Column::Name, Expr::value(name.as_str()))
        .col_expr(target_lists::Column::Description, Expr::value(description.as_str()))
        .col_expr(target_lists::Column::UpdatedAt, Expr::value(crate::ts(now)))
        .exec(conn)
        .await
        .map_err(conflict_on("name"))?;
    Ok(res.rows_affected == 1)
}

/// Deletes a list (its memberships go with it; the targets stay).
#[tracing::instrument(skip(conn))]
pub async fn delete_list(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: TargetListId) -> StoreResult<bool> {
    Ok(scoped::delete::<target_lists::Entity>(conn, workspace, id).await?)
}

/// Puts a target on a list; `Conflict { field: "target_id" }` when it is already there. Both must be in the
/// workspace: the caller has found them through it.
pub async fn add_to_list(
    conn: &impl ConnectionTrait,
    list: TargetListId,
    target: TargetId,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    target_list_items::ActiveModel {
        list_id: Set(list.into()),
        target_id: Set(target.into()),
        added_at: Set(crate::ts(now)),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("target_id"))?;
    Ok(())
}

/// Takes a target off a list of this workspace; false when it was not on it.
pub async fn remove_from_list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    list: TargetListId,
    target: TargetId,
) -> StoreResult<bool> {
    // The list is looked up in the workspace first, so an id pair from elsewhere removes nothing.
    if find_list(conn, workspace, list).await?.is_none() {
        return Ok(false);
    }
    let res = target_list_items::Entity::delete_many()
        .filter(target_list_items::Column::ListId.eq(list))
        .filter(target_list_items::Column::TargetId.eq(target))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

/// The targets on a list, in creation order of the targets after the cursor (a target id).
pub async fn list_members(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    list: TargetListId,
    page: &PageRequest,
) -> StoreResult<Vec<Target>> {
    scoped::all::<targets::Entity>(workspace)
        .join(JoinType::InnerJoin, targets::Relation::TargetListItems.def())
        .filter(target_list_items::Column::ListId.eq(list))
        .page_by_id(targets::Column::Id, page)?
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}
