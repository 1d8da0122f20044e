//! Night logs: one per telescope per observing night. Always scoped by workspace.

use crate::entities::{night_logs, sites, telescopes};
use crate::page::{Direction, Keyset as _};
use crate::{StoreResult, conflict_on, scoped};
use chrono::{DateTime, Utc};
use meridian_domain::nights::NightLog;
use meridian_domain::{
    AccountId, Description, NightDate, NightLogId, NightStatus, PageRequest, ShortText, TelescopeId, TimeZoneName,
    Transparency, Visibility, WorkspaceId,
};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder};

pub(crate) fn to_domain(m: night_logs::Model) -> StoreResult<NightLog> {
    Ok(NightLog {
        id: m.id.into(),
        workspace_id: m.workspace_id.into(),
        telescope_id: m.telescope_id.into(),
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
        created_by: m.created_by.into(),
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
    let found = scoped::select::<telescopes::Entity>(workspace, id).find_also_related(sites::Entity).one(conn).await?;
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
    scoped::all::<telescopes::Entity>(workspace)
        .find_also_related(sites::Entity)
        .order_by_asc(telescopes::Column::Name)
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|(t, s)| s.map(|s| (t, s)))
        .map(|(t, s)| {
            Ok(TelescopeAtSite {
                id: t.id.into(),
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
    let mut q = scoped::all::<night_logs::Entity>(workspace);
    if let Some(t) = telescope {
        q = q.filter(night_logs::Column::TelescopeId.eq(t));
    }
    if let Some(s) = site {
        let at_site = Query::select()
            .column(telescopes::Column::Id)
            .from(telescopes::Entity)
            .and_where(telescopes::Column::WorkspaceId.eq(workspace))
            .and_where(telescopes::Column::SiteId.eq(s))
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
        id: Set(NightLogId::new().into()),
        workspace_id: Set(new.workspace_id.into()),
        telescope_id: Set(new.telescope_id.into()),
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
        created_by: Set(new.created_by.into()),
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
    scoped::find::<night_logs::Entity>(conn, workspace, id).await?.map(to_domain).transpose()
}

/// The log of `telescope` for `night`, if there is one.
pub async fn find_by_night(
    conn: &impl ConnectionTrait,
    workspace: WorkspaceId,
    telescope: TelescopeId,
    night: NightDate,
) -> StoreResult<Option<NightLog>> {
    scoped::all::<night_logs::Entity>(workspace)
        .filter(night_logs::Column::TelescopeId.eq(telescope))
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
    let mut q = scoped::update::<night_logs::Entity>(workspace, id).col_expr(C::UpdatedAt, Expr::value(crate::ts(now)));
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
    q.exec(conn).await?;
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
    let mut q = scoped::all::<night_logs::Entity>(workspace);
    if let Some(t) = f.telescope {
        q = q.filter(C::TelescopeId.eq(t));
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
    q.page_by::<NightDate>(C::Night, C::Id, Direction::Descending, page)?
        .all(conn)
        .await?
        .into_iter()
        .map(to_domain)
        .collect()
}

/// The cursor key of a night log in [`list`]'s order (`night|id`).
#[must_use]
pub fn cursor_key(log: &NightLog) -> String {
    crate::page::composite_key(&log.night, log.id)
}
