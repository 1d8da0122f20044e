//! Instruments (cameras, spectrographs), each on one telescope of its workspace.

use crate::entities::{instruments, observations, telescopes};
use crate::page::Keyset as _;
use crate::{StoreError, StoreResult, conflict_on, in_use, scoped};
use chrono::{DateTime, Utc};
use meridian_domain::equipment::{Instrument, Telescope};
use meridian_domain::{Description, InstrumentId, Name, PageRequest, ShortText, TelescopeId, WorkspaceId};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder,
};

pub(crate) fn to_domain(m: instruments::Model) -> StoreResult<Instrument> {
    Ok(Instrument {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        telescope_id: m.telescope_id.into(),
        name: Name::parse(&m.name)?,
        detector: ShortText::parse(&m.detector)?,
        pixel_scale_arcsec: m.pixel_scale_arcsec,
        field_arcmin: m.field_width_arcmin.zip(m.field_height_arcmin),
        filters: crate::read_json_list("filters", &m.filters)?
            .iter()
            .map(|f| ShortText::parse(f))
            .collect::<Result<_, _>>()?,
        description: Description::parse(&m.description)?,
        created_at: m.created_at.to_utc(),
        updated_at: m.updated_at.to_utc(),
    })
}

/// What an instrument is made of, new or changed. The caller has checked that the telescope is in the workspace.
#[derive(Debug, Clone)]
pub struct InstrumentFields {
    pub telescope_id: TelescopeId,
    pub name: Name,
    pub detector: ShortText,
    pub pixel_scale_arcsec: Option<f64>,
    pub field_arcmin: Option<(f64, f64)>,
    pub filters: Vec<ShortText>,
    pub description: Description,
}

impl From<&Instrument> for InstrumentFields {
    fn from(i: &Instrument) -> Self {
        Self {
            telescope_id: i.telescope_id,
            name: i.name.clone(),
            detector: i.detector.clone(),
            pixel_scale_arcsec: i.pixel_scale_arcsec,
            field_arcmin: i.field_arcmin,
            filters: i.filters.clone(),
            description: i.description.clone(),
        }
    }
}

fn filters_json(f: &InstrumentFields) -> String {
    crate::json_list(f.filters.iter().map(ShortText::as_str))
}

#[tracing::instrument(skip(conn, f), fields(name = %f.name))]
pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: &InstrumentFields,
    now: DateTime<Utc>,
) -> StoreResult<Instrument> {
    let m = instruments::ActiveModel {
        id: Set(InstrumentId::new().into()),
        workspace_id: Set(workspace.into()),
        telescope_id: Set(f.telescope_id.into()),
        name: Set(f.name.as_str().to_owned()),
        detector: Set(f.detector.as_str().to_owned()),
        pixel_scale_arcsec: Set(f.pixel_scale_arcsec),
        field_width_arcmin: Set(f.field_arcmin.map(|a| a.0)),
        field_height_arcmin: Set(f.field_arcmin.map(|a| a.1)),
        filters: Set(filters_json(f)),
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
    id: InstrumentId,
) -> StoreResult<Option<Instrument>> {
    scoped::find::<instruments::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
}

/// Instruments in creation order after the cursor (an instrument id), optionally only those on one telescope,
/// each with its telescope.
pub async fn list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    telescope: Option<TelescopeId>,
    page: &PageRequest,
) -> StoreResult<Vec<(Instrument, Telescope)>> {
    let mut q = scoped::all::<instruments::Entity>(workspace).find_also_related(telescopes::Entity);
    if let Some(t) = telescope {
        q = q.filter(instruments::Column::TelescopeId.eq(t));
    }
    q.page_by_id(instruments::Column::Id, page)?
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(i, t)| t.map(|t| (i, t)))
        .map(|(i, t)| Ok((to_domain(i)?, crate::equipment::telescopes::to_domain(t)?)))
        .collect()
}

/// The workspace's instrument named `name` (ignoring case and surrounding blanks), with its telescope: how a FITS
/// header's INSTRUME finds ours. The first by id when two names differ only in case.
pub async fn find_by_name(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    name: &str,
) -> StoreResult<Option<(Instrument, Telescope)>> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    let wanted = name.trim().to_lowercase();
    if wanted.is_empty() {
        return Ok(None);
    }
    let found = scoped::all::<instruments::Entity>(workspace)
        .filter(Expr::expr(Func::lower(Expr::col((instruments::Entity, instruments::Column::Name)))).eq(wanted))
        .find_also_related(telescopes::Entity)
        .order_by_asc(instruments::Column::Id)
        .one(conn)
        .await?;
    match found {
        Some((i, Some(t))) => Ok(Some((to_domain(i)?, crate::equipment::telescopes::to_domain(t)?))),
        _ => Ok(None),
    }
}

/// Writes all fields; false when no such instrument in this workspace.
#[tracing::instrument(skip(conn, f))]
pub async fn update(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: InstrumentId,
    f: &InstrumentFields,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let res = scoped::update::<instruments::Entity>(workspace, id)
        .col_expr(instruments::Column::TelescopeId, Expr::value(f.telescope_id))
        .col_expr(instruments::Column::Name, Expr::value(f.name.as_str()))
        .col_expr(instruments::Column::Detector, Expr::value(f.detector.as_str()))
        .col_expr(instruments::Column::PixelScaleArcsec, Expr::value(f.pixel_scale_arcsec))
        .col_expr(instruments::Column::FieldWidthArcmin, Expr::value(f.field_arcmin.map(|a| a.0)))
        .col_expr(instruments::Column::FieldHeightArcmin, Expr::value(f.field_arcmin.map(|a| a.1)))
        .col_expr(instruments::Column::Filters, Expr::value(filters_json(f)))
        .col_expr(instruments::Column::Description, Expr::value(f.description.as_str()))
        .col_expr(instruments::Column::UpdatedAt, Expr::value(crate::ts(now)))
        .exec(conn)
        .await
        .map_err(conflict_on("name"))?;
    Ok(res.rows_affected == 1)
}

/// Deletes an instrument no observation used; `InUse { what: "observations" }` otherwise.
#[tracing::instrument(skip(conn))]
pub async fn delete(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: InstrumentId) -> StoreResult<bool> {
    let used = observations::Entity::find()
        .filter(observations::Column::WorkspaceId.eq(workspace))
        .filter(observations::Column::InstrumentId.eq(id))
        .count(conn)
        .await?;
    if used > 0 {
        return Err(StoreError::InUse { what: "observations" });
    }
    scoped::delete::<instruments::Entity>(conn, workspace, id).await.map_err(in_use("observations"))
}
