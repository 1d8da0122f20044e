//! Telescopes, each at one site of its workspace.

use crate::entities::{instruments, night_logs, sites, telescopes};
use crate::page::Keyset as _;
use crate::{StoreError, StoreResult, conflict_on, in_use, scoped};
use chrono::{DateTime, Utc};
use meridian_domain::equipment::{Site, Telescope};
use meridian_domain::{Description, MountType, Name, PageRequest, SiteId, TelescopeId, WorkspaceId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

pub(crate) fn to_domain(m: telescopes::Model) -> StoreResult<Telescope> {
    Ok(Telescope {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        site_id: m.site_id.into(),
        name: Name::parse(&m.name)?,
        aperture_mm: m.aperture_mm,
        focal_length_mm: m.focal_length_mm,
        mount: m.mount.as_deref().map(MountType::parse).transpose()?,
        description: Description::parse(&m.description)?,
        created_at: m.created_at.to_utc(),
        updated_at: m.updated_at.to_utc(),
    })
}

/// What a telescope is made of, new or changed. The caller has checked that the site is in the workspace.
#[derive(Debug, Clone)]
pub struct TelescopeFields {
    pub site_id: SiteId,
    pub name: Name,
    pub aperture_mm: Option<f64>,
    pub focal_length_mm: Option<f64>,
    pub mount: Option<MountType>,
    pub description: Description,
}

impl From<&Telescope> for TelescopeFields {
    fn from(t: &Telescope) -> Self {
        Self {
            site_id: t.site_id,
            name: t.name.clone(),
            aperture_mm: t.aperture_mm,
            focal_length_mm: t.focal_length_mm,
            mount: t.mount,
            description: t.description.clone(),
        }
    }
}

#[tracing::instrument(skip(conn, f), fields(name = %f.name))]
pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: &TelescopeFields,
    now: DateTime<Utc>,
) -> StoreResult<Telescope> {
    let m = telescopes::ActiveModel {
        id: Set(TelescopeId::new().into()),
        workspace_id: Set(workspace.into()),
        site_id: Set(f.site_id.into()),
        name: Set(f.name.as_str().to_owned()),
        aperture_mm: Set(f.aperture_mm),
        focal_length_mm: Set(f.focal_length_mm),
        mount: Set(f.mount.map(|m| m.as_str().to_owned())),
        description: Set(f.description.as_str().to_owned()),
        created_at: Set(crate::ts(now)),
        updated_at: Set(crate::ts(now)),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("name"))?;
    to_domain(m)
}

pub async fn find(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: TelescopeId,
) -> StoreResult<Option<Telescope>> {
    scoped::find::<telescopes::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
}

/// Telescopes in creation order after the cursor (a telescope id), optionally only those at one site, each with
/// its site.
pub async fn list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    site: Option<SiteId>,
    page: &PageRequest,
) -> StoreResult<Vec<(Telescope, Site)>> {
    let mut q = scoped::all::<telescopes::Entity>(workspace).find_also_related(sites::Entity);
    if let Some(site) = site {
        q = q.filter(telescopes::Column::SiteId.eq(site));
    }
    q.page_by_id(telescopes::Column::Id, page)?
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(t, s)| s.map(|s| (t, s)))
        .map(|(t, s)| Ok((to_domain(t)?, crate::equipment::sites::to_domain(s)?)))
        .collect()
}

/// Writes all fields; false when no such telescope in this workspace.
#[tracing::instrument(skip(conn, f))]
pub async fn update(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: TelescopeId,
    f: &TelescopeFields,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let res = scoped::update::<telescopes::Entity>(workspace, id)
        .col_expr(telescopes::Column::SiteId, Expr::value(f.site_id))
        .col_expr(telescopes::Column::Name, Expr::value(f.name.as_str()))
        .col_expr(telescopes::Column::ApertureMm, Expr::value(f.aperture_mm))
        .col_expr(telescopes::Column::FocalLengthMm, Expr::value(f.focal_length_mm))
        .col_expr(telescopes::Column::Mount, Expr::value(f.mount.map(MountType::as_str)))
        .col_expr(telescopes::Column::Description, Expr::value(f.description.as_str()))
        .col_expr(telescopes::Column::UpdatedAt, Expr::value(crate::ts(now)))
        .exec(conn)
        .await
        .map_err(conflict_on("name"))?;
    Ok(res.rows_affected == 1)
}

/// Deletes a telescope without instruments or night logs; `InUse` naming them otherwise (the foreign keys are the
/// guarantee, the checks give the answer a name).
#[tracing::instrument(skip(conn))]
pub async fn delete(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: TelescopeId) -> StoreResult<bool> {
    let instruments = instruments::Entity::find()
        .filter(instruments::Column::WorkspaceId.eq(workspace))
        .filter(instruments::Column::TelescopeId.eq(id))
        .count(conn)
        .await?;
    if instruments > 0 {
        return Err(StoreError::InUse { what: "instruments" });
    }
    let logs = night_logs::Entity::find()
        .filter(night_logs::Column::WorkspaceId.eq(workspace))
        .filter(night_logs::Column::TelescopeId.eq(id))
        .count(conn)
        .await?;
    if logs > 0 {
        return Err(StoreError::InUse { what: "night_logs" });
    }
    scoped::delete::<telescopes::Entity>(conn, workspace, id).await.map_err(in_use("instruments or night_logs"))
}
