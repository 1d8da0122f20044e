//! Observing sites. Every query is scoped by workspace; an id from another workspace is simply not found.

use crate::entities::{sites, telescopes};
use crate::page::Keyset as _;
use crate::{StoreError, StoreResult, conflict_on, in_use, scoped};
use chrono::{DateTime, Utc};
use meridian_domain::equipment::Site;
use meridian_domain::{
    Description, Elevation, Latitude, Longitude, Name, PageRequest, SiteId, TimeZoneName, WorkspaceId,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
};

pub(crate) fn to_domain(m: sites::Model) -> StoreResult<Site> {
    Ok(Site {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        name: Name::parse(&m.name)?,
        latitude: Latitude::new(m.latitude_deg)?,
        longitude: Longitude::new(m.longitude_deg)?,
        elevation: Elevation::new(m.elevation_m)?,
        time_zone: TimeZoneName::parse(&m.time_zone)?,
        description: Description::parse(&m.description)?,
        created_at: m.created_at.to_utc(),
        updated_at: m.updated_at.to_utc(),
    })
}

/// What a site is made of, new or changed.
#[derive(Debug, Clone)]
pub struct SiteFields {
    pub name: Name,
    pub latitude: Latitude,
    pub longitude: Longitude,
    pub elevation: Elevation,
    pub time_zone: TimeZoneName,
    pub description: Description,
}

impl From<&Site> for SiteFields {
    fn from(s: &Site) -> Self {
        Self {
            name: s.name.clone(),
            latitude: s.latitude,
            longitude: s.longitude,
            elevation: s.elevation,
            time_zone: s.time_zone,
            description: s.description.clone(),
        }
    }
}

#[tracing::instrument(skip(conn, f), fields(name = %f.name))]
pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: &SiteFields,
    now: DateTime<Utc>,
) -> StoreResult<Site> {
    let m = sites::ActiveModel {
        id: Set(SiteId::new().into()),
        workspace_id: Set(workspace.into()),
        name: Set(f.name.as_str().to_owned()),
        latitude_deg: Set(f.latitude.degrees()),
        longitude_deg: Set(f.longitude.degrees()),
        elevation_m: Set(f.elevation.metres()),
        time_zone: Set(f.time_zone.as_str().to_owned()),
        description: Set(f.description.as_str().to_owned()),
        created_at: Set(crate::ts(now)),
        updated_at: Set(crate::ts(now)),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("name"))?;
    to_domain(m)
}

pub async fn find(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: SiteId) -> StoreResult<Option<Site>> {
    scoped::find::<sites::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
}

/// Sites in creation order after the cursor (a site id).
pub async fn list(conn: &impl ConnectionTrait, workspace: WorkspaceId, page: &PageRequest) -> StoreResult<Vec<Site>> {
    scoped::all::<sites::Entity>(workspace)
        .page_by_id(sites::Column::Id, page)?
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// Writes all fields; false when no such site in this workspace.
#[tracing::instrument(skip(conn, f))]
pub async fn update(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: SiteId,
    f: &SiteFields,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let res = scoped::update::<sites::Entity>(workspace, id)
        .col_expr(sites::Column::Name, Expr::value(f.name.as_str()))
        .col_expr(sites::Column::LatitudeDeg, Expr::value(f.latitude.degrees()))
        .col_expr(sites::Column::LongitudeDeg, Expr::value(f.longitude.degrees()))
        .col_expr(sites::Column::ElevationM, Expr::value(f.elevation.metres()))
        .col_expr(sites::Column::TimeZone, Expr::value(f.time_zone.as_str()))
        .col_expr(sites::Column::Description, Expr::value(f.description.as_str()))
        .col_expr(sites::Column::UpdatedAt, Expr::value(crate::ts(now)))
        .exec(conn)
        .await
        .map_err(conflict_on("name"))?;
    Ok(res.rows_affected == 1)
}

/// Deletes a site that no telescope stands at; `InUse { what: "telescopes" }` otherwise. The check gives the
/// answer a name; the foreign key is the guarantee when a telescope arrives in between.
#[tracing::instrument(skip(conn))]
pub async fn delete(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: SiteId) -> StoreResult<bool> {
    let telescopes = telescopes::Entity::find()
        .filter(telescopes::Column::WorkspaceId.eq(workspace))
        .filter(telescopes::Column::SiteId.eq(id))
        .count(conn)
        .await?;
    if telescopes > 0 {
        return Err(StoreError::InUse { what: "telescopes" });
    }
    scoped::delete::<sites::Entity>(conn, workspace, id).await.map_err(in_use("telescopes"))
}
