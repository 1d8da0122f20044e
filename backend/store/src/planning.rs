//! Planned observations and their stored satellite checks. Every query is scoped by workspace.

use crate::entities::planned_observations as po;
use crate::page::{Direction, Keyset as _};
use crate::{StoreError, StoreResult, scoped, ts};
use chrono::{DateTime, Utc};
use meridian_domain::planning::{CheckStatus, FieldOfView, PlannedObservation, StoredCheck};
use meridian_domain::{
    AccountId, Declination, Description, InstrumentId, Name, PageRequest, PlannedObservationId, RightAscension,
    SkyPosition, TargetId, TelescopeId, ValidationError, WorkspaceId,
};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
};

fn corrupt(field: &str) -> StoreError {
    StoreError::Corrupt(ValidationError::new(field, "is missing for this field shape"))
}

fn to_domain(m: po::Model) -> StoreResult<PlannedObservation> {
    let field = match m.field_shape.as_str() {
        "circle" => FieldOfView::Circle { radius_deg: m.radius_deg.ok_or_else(|| corrupt("radius_deg"))? },
        "rectangle" => FieldOfView::Rectangle {
            width_deg: m.width_deg.ok_or_else(|| corrupt("width_deg"))?,
            height_deg: m.height_deg.ok_or_else(|| corrupt("height_deg"))?,
            position_angle_deg: m.position_angle_deg.unwrap_or(0.0),
        },
        _ => return Err(StoreError::Corrupt(ValidationError::new("field_shape", "is not circle or rectangle"))),
    };
    Ok(PlannedObservation {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        name: Name::parse(&m.name)?,
        target_id: m.target_id.map(TargetId::from),
        position: SkyPosition::new(RightAscension::new(m.ra_deg)?, Declination::new(m.dec_deg)?),
        telescope_id: m.telescope_id.into(),
        instrument_id: m.instrument_id.map(InstrumentId::from),
        field,
        starts_at: m.starts_at.to_utc(),
        ends_at: m.ends_at.to_utc(),
        notes: Description::parse(&m.notes)?,
        created_by: m.created_by.into(),
        created_at: m.created_at.to_utc(),
        updated_at: m.updated_at.to_utc(),
        check: StoredCheck {
            status: CheckStatus::parse(&m.check_status)?,
            result: m.check_result,
            error: m.check_error,
            checked_at: m.checked_at.map(|t| t.to_utc()),
            catalog_import: m.check_catalog_import,
            catalog_oldest: m.check_catalog_oldest.map(|t| t.to_utc()),
            catalog_newest: m.check_catalog_newest.map(|t| t.to_utc()),
        },
    })
}

/// What a plan is made of, new or changed.
#[derive(Debug, Clone)]
pub struct PlanFields {
    pub name: Name,
    pub target_id: Option<TargetId>,
    pub position: SkyPosition,
    pub telescope_id: TelescopeId,
    pub instrument_id: Option<InstrumentId>,
    pub field: FieldOfView,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub notes: Description,
}

impl From<&PlannedObservation> for PlanFields {
    fn from(p: &PlannedObservation) -> Self {
        Self {
            name: p.name.clone(),
            target_id: p.target_id,
            position: p.position,
            telescope_id: p.telescope_id,
            instrument_id: p.instrument_id,
            field: p.field,
            starts_at: p.starts_at,
            ends_at: p.ends_at,
            notes: p.notes.clone(),
        }
    }
}

fn set_fields(m: &mut po::ActiveModel, f: &PlanFields) {
    let (radius, width, height, pa) = match f.field {
        FieldOfView::Circle { radius_deg } => (Some(radius_deg), None, None, None),
        FieldOfView::Rectangle { width_deg, height_deg, position_angle_deg } => {
            (None, Some(width_deg), Some(height_deg), Some(position_angle_deg))
        }
    };
    m.name = Set(f.name.as_str().to_owned());
    m.target_id = Set(f.target_id.map(Into::into));
    m.ra_deg = Set(f.position.ra.degrees());
    m.dec_deg = Set(f.position.dec.degrees());
    m.telescope_id = Set(f.telescope_id.into());
    m.instrument_id = Set(f.instrument_id.map(Into::into));
    m.field_shape = Set(f.field.shape_name().to_owned());
    m.radius_deg = Set(radius);
    m.width_deg = Set(width);
    m.height_deg = Set(height);
    m.position_angle_deg = Set(pa);
    m.starts_at = Set(ts(f.starts_at));
    m.ends_at = Set(ts(f.ends_at));
    m.notes = Set(f.notes.as_str().to_owned());
}

fn set_check(m: &mut po::ActiveModel, c: &StoredCheck) {
    m.check_status = Set(c.status.as_str().to_owned());
    m.check_result = Set(c.result.clone());
    m.check_error = Set(c.error.clone());
    m.checked_at = Set(c.checked_at.map(ts));
    m.check_catalog_import = Set(c.catalog_import);
    m.check_catalog_oldest = Set(c.catalog_oldest.map(ts));
    m.check_catalog_newest = Set(c.catalog_newest.map(ts));
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    fields: &PlanFields,
    created_by: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<PlannedObservation> {
    let mut m = po::ActiveModel {
        id: Set(PlannedObservationId::new().into()),
        workspace_id: Set(workspace.into()),
        created_by: Set(created_by.into()),
        created_at: Set(ts(now)),
        updated_at: Set(ts(now)),
        ..Default::default()
    };
    set_fields(&mut m, fields);
    set_check(&mut m, &StoredCheck::pending());
    to_domain(m.insert(conn).await?)
}

pub async fn find(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: PlannedObservationId,
) -> StoreResult<Option<PlannedObservation>> {
    scoped::find::<po::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
}

/// A workspace's plans by start time (then id), optionally only those ending after `ending_after`.
pub async fn list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    ending_after: Option<DateTime<Utc>>,
    page: &PageRequest,
) -> StoreResult<Vec<PlannedObservation>> {
    let mut q = scoped::all::<po::Entity>(workspace);
    if let Some(t) = ending_after {
        q = q.filter(po::Column::EndsAt.gt(ts(t)));
    }
    q.page_by::<DateTime<Utc>>(po::Column::StartsAt, po::Column::Id, Direction::Ascending, page)?
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// The cursor that continues a [`list`] after `p` (`starts_at|id`).
pub fn cursor_of(p: &PlannedObservation) -> String {
    crate::page::composite_key(&p.starts_at, p.id)
}

/// Every workspace's plans not yet over (for the recheck after a catalog refresh), as (workspace, id).
pub async fn not_over(
    conn: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> StoreResult<Vec<(WorkspaceId, PlannedObservationId)>> {
    let rows: Vec<(uuid::Uuid, uuid::Uuid)> = po::Entity::find()
        .select_only()
        .column(po::Column::WorkspaceId)
        .column(po::Column::Id)
        .filter(po::Column::EndsAt.gt(ts(now)))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|(w, i)| (w.into(), i.into())).collect())
}

/// Changes a plan's fields; its check goes back to pending (it no longer describes the plan). False when there is
/// no such plan here.
pub async fn update(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: PlannedObservationId,
    fields: &PlanFields,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let Some(existing) = scoped::find::<po::Entity>(conn, workspace, id).await? else {
        return Ok(false);
    };
    let mut m: po::ActiveModel = existing.into();
    set_fields(&mut m, fields);
    set_check(&mut m, &StoredCheck::pending());
    m.updated_at = Set(ts(now));
    m.update(conn).await?;
    Ok(true)
}

/// Stores a check's outcome, unless the plan changed since `seen_updated_at` (then the check described an old
/// plan and is dropped; the change queued a new one). False when nothing was written.
pub async fn store_check(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: PlannedObservationId,
    seen_updated_at: DateTime<Utc>,
    check: &StoredCheck,
) -> StoreResult<bool> {
    let res = scoped::update::<po::Entity>(workspace, id)
        .col_expr(po::Column::CheckStatus, Expr::value(check.status.as_str()))
        .col_expr(po::Column::CheckResult, Expr::value(check.result.clone()))
        .col_expr(po::Column::CheckError, Expr::value(check.error.clone()))
        .col_expr(po::Column::CheckedAt, Expr::value(check.checked_at.map(ts)))
        .col_expr(po::Column::CheckCatalogImport, Expr::value(check.catalog_import))
        .col_expr(po::Column::CheckCatalogOldest, Expr::value(check.catalog_oldest.map(ts)))
        .col_expr(po::Column::CheckCatalogNewest, Expr::value(check.catalog_newest.map(ts)))
        .filter(po::Column::UpdatedAt.eq(ts(seen_updated_at)))
        .exec(conn)
        .await?;
    Ok(res.rows_affected == 1)
}

pub async fn delete(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: PlannedObservationId,
) -> StoreResult<bool> {
    Ok(scoped::delete::<po::Entity>(conn, workspace, id).await?)
}
