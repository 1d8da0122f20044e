//! Observations and calibrations recorded in night logs. Always scoped by workspace.

use crate::entities::observations;
use crate::{StoreResult, scoped};
use chrono::{DateTime, Utc};
use meridian_domain::nights::Observation;
use meridian_domain::{
    AccountId, Declination, Description, FrameType, InstrumentId, NightLogId, ObservationId, QualityFlag,
    RightAscension, ShortText, SkyPosition, TargetId, WorkspaceId,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder};

pub(crate) fn to_domain(m: observations::Model) -> StoreResult<Observation> {
    let position = match (m.ra_deg, m.dec_deg) {
        (Some(ra), Some(dec)) => Some(SkyPosition::new(RightAscension::new(ra)?, Declination::new(dec)?)),
        _ => None,
    };
    Ok(Observation {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        night_log_id: m.night_log_id.into(),
        target_id: m.target_id.map(TargetId::from),
        target_name: ShortText::parse(&m.target_name)?,
        position,
        start_at: m.start_at.to_utc(),
        exposure_s: m.exposure_s,
        filter: ShortText::parse(&m.filter)?,
        instrument_id: m.instrument_id.map(InstrumentId::from),
        frame_type: FrameType::parse(&m.frame_type)?,
        quality: QualityFlag::parse(&m.quality)?,
        notes: Description::parse(&m.notes)?,
        created_by: m.created_by.into(),
        created_at: m.created_at.to_utc(),
        updated_at: m.updated_at.to_utc(),
    })
}

/// What an observation records (everything but where it lives and who made it).
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationFields {
    pub target_id: Option<TargetId>,
    pub target_name: ShortText,
    pub position: Option<SkyPosition>,
    pub start_at: DateTime<Utc>,
    pub exposure_s: f64,
    pub filter: ShortText,
    pub instrument_id: Option<InstrumentId>,
    pub frame_type: FrameType,
    pub quality: QualityFlag,
    pub notes: Description,
}

impl ObservationFields {
    #[must_use]
    pub fn of(o: &Observation) -> Self {
        Self {
            target_id: o.target_id,
            target_name: o.target_name.clone(),
            position: o.position,
            start_at: o.start_at,
            exposure_s: o.exposure_s,
            filter: o.filter.clone(),
            instrument_id: o.instrument_id,
            frame_type: o.frame_type,
            quality: o.quality,
            notes: o.notes.clone(),
        }
    }
}

pub async fn insert(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    log: NightLogId,
    fields: ObservationFields,
    created_by: AccountId,
    now: DateTime<Utc>,
) -> StoreResult<Observation> {
    let m = observations::ActiveModel {
        id: Set(ObservationId::new().into()),
        workspace_id: Set(workspace.into()),
        night_log_id: Set(log.into()),
        target_id: Set(fields.target_id.map(Into::into)),
        target_name: Set(fields.target_name.as_str().to_owned()),
        ra_deg: Set(fields.position.map(|p| p.ra.degrees())),
        dec_deg: Set(fields.position.map(|p| p.dec.degrees())),
        start_at: Set(crate::ts(fields.start_at)),
        exposure_s: Set(fields.exposure_s),
        filter: Set(fields.filter.as_str().to_owned()),
        instrument_id: Set(fields.instrument_id.map(Into::into)),
        frame_type: Set(fields.frame_type.as_str().to_owned()),
        quality: Set(fields.quality.as_str().to_owned()),
        notes: Set(fields.notes.as_str().to_owned()),
        created_by: Set(created_by.into()),
        created_at: Set(crate::ts(now)),
        updated_at: Set(crate::ts(now)),
    }
    .insert(conn)
    .await?;
    to_domain(m)
}

pub async fn find(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: ObservationId,
) -> StoreResult<Option<Observation>> {
    scoped::find::<observations::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
}

/// Replaces an observation's fields.
pub async fn update(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: ObservationId,
    f: ObservationFields,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    use observations::Column as C;
    scoped::update::<observations::Entity>(workspace, id)
        .col_expr(C::TargetId, Expr::value(f.target_id))
        .col_expr(C::TargetName, Expr::value(String::from(f.target_name)))
        .col_expr(C::RaDeg, Expr::value(f.position.map(|p| p.ra.degrees())))
        .col_expr(C::DecDeg, Expr::value(f.position.map(|p| p.dec.degrees())))
        .col_expr(C::StartAt, Expr::value(crate::ts(f.start_at)))
        .col_expr(C::ExposureS, Expr::value(f.exposure_s))
        .col_expr(C::Filter, Expr::value(String::from(f.filter)))
        .col_expr(C::InstrumentId, Expr::value(f.instrument_id))
        .col_expr(C::FrameType, Expr::value(f.frame_type.as_str()))
        .col_expr(C::Quality, Expr::value(f.quality.as_str()))
        .col_expr(C::Notes, Expr::value(String::from(f.notes)))
        .col_expr(C::UpdatedAt, Expr::value(crate::ts(now)))
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn delete(conn: &impl ConnectionTrait, workspace: WorkspaceId, id: ObservationId) -> StoreResult<bool> {
    Ok(scoped::delete::<observations::Entity>(conn, workspace, id).await?)
}

/// Every observation of a night log by start time.
pub async fn list_for_log(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    log: NightLogId,
) -> StoreResult<Vec<Observation>> {
    scoped::all::<observations::Entity>(workspace)
        .filter(observations::Column::NightLogId.eq(log))
        .order_by_asc(observations::Column::StartAt)
        .order_by_asc(observations::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// Whether `id` names an instrument or target of this workspace (so a foreign id is refused, not linked).
pub async fn owned(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    instrument: Option<InstrumentId>,
    target: Option<TargetId>,
) -> StoreResult<(bool, bool)> {
    use crate::entities::{instruments, targets};
    let instrument_ok = match instrument {
        None => true,
        Some(i) => scoped::find::<instruments::Entity>(conn, workspace, i).await?.is_some(),
    };
    let target_ok = match target {
        None => true,
        Some(t) => scoped::find::<targets::Entity>(conn, workspace, t).await?.is_some(),
    };
    Ok((instrument_ok, target_ok))
}

/// A target's name and position, to copy into an observation made of it.
pub async fn target_snapshot(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    target: TargetId,
) -> StoreResult<Option<(String, SkyPosition)>> {
    use crate::entities::targets;
    let Some(t) = scoped::find::<targets::Entity>(conn, workspace, target).await? else {
        return Ok(None);
    };
    let pos = SkyPosition::new(RightAscension::new(t.ra_deg)?, Declination::new(t.dec_deg)?);
    Ok(Some((t.name, pos)))
}
