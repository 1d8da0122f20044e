//! Night logs: one per telescope per observing night. Always scoped by workspace.

use crate::entities::{night_logs, sites, telescopes};
use crate::{StoreError, StoreResult, conflict_on};
use chrono::{DateTime, NaiveDate, Utc};
use meridian_domain::model::NightLog;
use meridian_domain::{
    AccountId, Description, NightDate, NightLogId, NightStatus, PageRequest, ShortText, TelescopeId, TimeZoneName,
    Transparency, ValidationError, Visibility, WorkspaceId,
};
use sea_orm::prelude::Uuid;
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

pub(crate) fn to_domain(m: night_logs::Model) -> StoreResult<NightLog> {
    Ok(NightLog {
        id: NightLogId::from_uuid(m.id),
        workspace_id: WorkspaceId::from_uuid(m.workspace_id),
        telescope_id: TelescopeId::from_uuid(m.telescope_id),
        night: NightDate::from(m.night),
        starts_at: m.starts_at.to_utc(),
        ends_at: m.ends_at.to_utc(),
        observers: ShortText::parse(&m.observers)?,
        seeing_arcsec: m.seeing_arcsec,
        transparency: m.transparency.as_deref().map(Transparency::parse).transpose()?,
        weather: Description::parse(&m.weather)?,
        summary: Description::parse(&m.summary)?,
        status: NightStatus::parse(&m.status)?,
        visibility: Visibility::parse(&m.visibility)?,
        created_by: AccountId::from_uuid(m.created_by),
        created_at: m.created_at.to_utc(),
        updated_at: m.updated_at.to_utc(),
    })
}

/// A telescope as a night log needs it: its name, and its site's name and time zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TelescopeAtSite {
    pub id: TelescopeId,
    pub name: String,
    pub site_name: String,
    pub time_zone: TimeZoneName,
}

/// The telescope `id` of `workspace` with its site, or `None` when there is no such telescope in this workspace.
pub async fn telescope_at_site(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: TelescopeId,
) -> StoreResult<Option<TelescopeAtSite>> {
    let found = telescopes::Entity::find_by_id(id.as_uuid())
        .filter(telescopes::Column::WorkspaceId.eq(workspace.as_uuid()))
        .find_also_related(sites::Entity)
        .one(conn)
        .await?;
    match found {
        Some((t, Some(s))) => Ok(Some(TelescopeAtSite {
            id,
            name: t.name,
            site_name: s.name,
            time_zone: TimeZoneName::parse(&s.time_zone)?,
        })),
        _ => Ok(None),
    }
}

/// Every telescope of a workspace with its site, by name (for pickers and for naming telescopes in lists).
pub async fn telescopes_at_sites(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
) -> StoreResult<Vec<TelescopeAtSite>> {
    telescopes::Entity::find()
        .filter(telescopes::Column::WorkspaceId.eq(workspace.as_uuid()))
        .find_also_related(sites::Entity)
        .order_by_asc(telescopes::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(t, s)| s.map(|s| (t, s)))
        .map(|(t, s)| {
            Ok(TelescopeAtSite {
                id: TelescopeId::from_uuid(t.id),
                name: t.name,
                site_name: s.name,
                time_zone: TimeZoneName::parse(&s.time_zone)?,
            })
        })
        .collect()
}

/// Whether any night log belongs to `telescope`, or to any telescope at `site`: their nights were fixed in the
/// site's time zone, so the zone must not change under them.
pub async fn any_for(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    site: Option<meridian_domain::SiteId>,
    telescope: Option<TelescopeId>,
) -> StoreResult<bool> {
    use sea_orm::sea_query::Query;
    let mut q = night_logs::Entity::find().filter(night_logs::Column::WorkspaceId.eq(workspace.as_uuid()));
    if let Some(t) = telescope {
        q = q.filter(night_logs::Column::TelescopeId.eq(t.as_uuid()));
    }
    if let Some(s) = site {
        let at_site = Query::select()
            .column(telescopes::Column::Id)
            .from(telescopes::Entity)
            .and_where(telescopes::Column::WorkspaceId.eq(workspace.as_uuid()))
            .and_where(telescopes::Column::SiteId.eq(s.as_uuid()))
            .to_owned();
        q = q.filter(night_logs::Column::TelescopeId.in_subquery(at_site));
    }
    Ok(q.one(conn).await?.is_some())
}

/// What a new night log is made of; its UTC span comes from the site's time zone.
#[derive(Debug)]
pub struct NewNightLog {
    pub workspace_id: WorkspaceId,
    pub telescope_id: TelescopeId,
    pub night: NightDate,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub observers: ShortText,
    pub visibility: Visibility,
    pub created_by: AccountId,
}

/// Inserts a log; a second log for the same telescope and night is a conflict on `night`.
pub async fn insert(conn: &impl ConnectionTrait, new: NewNightLog, now: DateTime<Utc>) -> StoreResult<NightLog> {
    let m = night_logs::ActiveModel {
        id: Set(NightLogId::new().as_uuid()),
        workspace_id: Set(new.workspace_id.as_uuid()),
        telescope_id: Set(new.telescope_id.as_uuid()),
        night: Set(new.night.date()),
        starts_at: Set(crate::ts(new.starts_at)),
        ends_at: Set(crate::ts(new.ends_at)),
        observers: Set(new.observers.as_str().to_owned()),
        seeing_arcsec: Set(None),
        transparency: Set(None),
        weather: Set(String::new()),
        summary: Set(String::new()),
        status: Set(NightStatus::Open.as_str().to_owned()),
        visibility: Set(new.visibility.as_str().to_owned()),
        created_by: Set(new.created_by.as_uuid()),
        created_at: Set(crate::ts(now)),
        updated_at: Set(crate::ts(now)),
    }
    .insert(conn)
    .await
    .map_err(conflict_on("night"))?;
    to_domain(m)
}

pub async fn find(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: NightLogId,
) -> StoreResult<Option<NightLog>> {
    night_logs::Entity::find_by_id(id.as_uuid())
        .filter(night_logs::Column::WorkspaceId.eq(workspace.as_uuid()))
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// The log of `telescope` for `night`, if there is one.
pub async fn find_by_night(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    telescope: TelescopeId,
    night: NightDate,
) -> StoreResult<Option<NightLog>> {
    night_logs::Entity::find()
        .filter(night_logs::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(night_logs::Column::TelescopeId.eq(telescope.as_uuid()))
        .filter(night_logs::Column::Night.eq(night.date()))
        .one(conn)
        .await?
        .map(to_domain)
        .transpose()
}

/// Changes to a night log's header; `None` leaves a field as it is, `Some(None)` clears a nullable one.
#[derive(Debug, Default)]
pub struct NightLogChanges {
    pub observers: Option<ShortText>,
    pub seeing_arcsec: Option<Option<f64>>,
    pub transparency: Option<Option<Transparency>>,
    pub weather: Option<Description>,
    pub summary: Option<Description>,
    pub status: Option<NightStatus>,
    pub visibility: Option<Visibility>,
}

pub async fn update(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    id: NightLogId,
    c: NightLogChanges,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    use night_logs::Column as C;
    let mut q = night_logs::Entity::update_many().col_expr(C::UpdatedAt, Expr::value(crate::ts(now)));
    if let Some(v) = c.observers {
        q = q.col_expr(C::Observers, Expr::value(String::from(v)));
    }
    if let Some(v) = c.seeing_arcsec {
        q = q.col_expr(C::SeeingArcsec, Expr::value(v));
    }
    if let Some(v) = c.transparency {
        q = q.col_expr(C::Transparency, Expr::value(v.map(|t| t.as_str().to_owned())));
    }
    if let Some(v) = c.weather {
        q = q.col_expr(C::Weather, Expr::value(String::from(v)));
    }
    if let Some(v) = c.summary {
        q = q.col_expr(C::Summary, Expr::value(String::from(v)));
    }
    if let Some(v) = c.status {
        q = q.col_expr(C::Status, Expr::value(v.as_str()));
    }
    if let Some(v) = c.visibility {
        q = q.col_expr(C::Visibility, Expr::value(v.as_str()));
    }
    q.filter(C::Id.eq(id.as_uuid())).filter(C::WorkspaceId.eq(workspace.as_uuid())).exec(conn).await?;
    Ok(())
}

/// Which logs to list.
#[derive(Debug, Default, Clone)]
pub struct NightLogFilter {
    pub telescope: Option<TelescopeId>,
    /// First and last night, inclusive.
    pub from: Option<NightDate>,
    pub to: Option<NightDate>,
    /// Only logs marked public (for callers who may not view the workspace).
    pub public_only: bool,
}

/// Night logs, newest night first, after the cursor (`night|id` of the last row of the previous page).
pub async fn list(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    f: &NightLogFilter,
    page: &PageRequest,
) -> StoreResult<Vec<NightLog>> {
    use night_logs::Column as C;
    let mut q = night_logs::Entity::find().filter(C::WorkspaceId.eq(workspace.as_uuid()));
    if let Some(t) = f.telescope {
        q = q.filter(C::TelescopeId.eq(t.as_uuid()));
    }
    if let Some(d) = f.from {
        q = q.filter(C::Night.gte(d.date()));
    }
    if let Some(d) = f.to {
        q = q.filter(C::Night.lte(d.date()));
    }
    if f.public_only {
        q = q.filter(C::Visibility.eq(Visibility::Public.as_str()));
    }
    if let Some((night, id)) = night_cursor(page)? {
        q = q.filter(
            Condition::any().add(C::Night.lt(night)).add(Condition::all().add(C::Night.eq(night)).add(C::Id.lt(id))),
        );
    }
    q.order_by_desc(C::Night)
        .order_by_desc(C::Id)
        .limit(u64::from(page.limit.get()))
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// The cursor key of a night log in [`list`]'s order.
#[must_use]
pub fn cursor_key(log: &NightLog) -> String {
    format!("{}|{}", log.night, log.id)
}

fn night_cursor(page: &PageRequest) -> StoreResult<Option<(NaiveDate, Uuid)>> {
    let bad = || StoreError::Invalid(ValidationError::new("cursor", "is not a cursor this server issued"));
    let Some(after) = page.after.as_deref() else { return Ok(None) };
    let (night, id) = after.split_once('|').ok_or_else(bad)?;
    let night = NightDate::parse(night).map_err(|_| bad())?;
    let id = Uuid::parse_str(id).map_err(|_| bad())?;
    Ok(Some((night.date(), id)))
}
