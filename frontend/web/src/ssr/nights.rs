//! The server side of the night-log pages. Form text becomes the night use cases' inputs here; user Markdown is
//! rendered to safe HTML here (`render_markdown`) and nowhere else.

use super::equipment::{comma_list, invalid, not_found_status, number};
use super::{actor, all_rows, fail, form_caller, form_id, id_of, services, workspace_info};
use crate::api::nights::{
    EntryHit, EntryItem, EntrySearch, NightHeader, NightPage, NightSummary, NightsInfo, ObservationItem,
    QuickEntryAccess, TimeLostRow, TimelineItem, TonightInfo, VersionItem,
};
use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_actix::redirect;
use meridian_domain::nights::Observation;
use meridian_domain::{
    Action, EntryId, Limit, NightLogId, NightStatus, ObservationId, PageRequest, TimeLostCategory, Tz,
};
use meridian_service::nights::{
    CreateNightLog, EntryInput, EntryQuery, EntryView, NightLogQuery, NightLogView, ObservationInput, UpdateNightLog,
    VersionView,
};
use meridian_service::reports::render_markdown;
use meridian_service::workspaces::WorkspaceView;
use meridian_service::{Actor, ServiceError, Services};
use std::collections::HashMap;

#[derive(Debug)]
pub struct ConditionsForm {
    pub observers: String,
    pub seeing_arcsec: String,
    pub transparency: String,
    pub weather: String,
    pub summary: String,
}

#[derive(Debug)]
pub struct EntryForm {
    pub body: String,
    pub time: String,
    pub level: String,
    pub tags: String,
    pub time_lost_minutes: String,
    pub time_lost_category: String,
}

#[derive(Debug)]
pub struct ObservationForm {
    pub target_name: String,
    pub ra: String,
    pub dec: String,
    pub start: String,
    pub exposure_s: String,
    pub filter: String,
    pub instrument_id: String,
    pub frame_type: String,
    pub quality: String,
    pub notes: String,
}

/// What a one-button form does to an entry or observation.
#[derive(Debug, Clone, Copy)]
pub enum NightObject {
    DeleteEntry,
    RestoreEntry,
    DeleteObservation,
}

fn rows(n: u32) -> PageRequest {
    PageRequest { limit: Limit::parse(Some(n)).unwrap_or_default(), after: None }
}

fn hm(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%H:%M").to_string()
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// Empty text is "not given".
fn given(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_owned())
}

fn whole_number(field: &str, s: &str) -> Result<Option<i64>, ServerFnError> {
    given(s).map(|s| s.parse().map_err(|_| invalid(field, "must be a whole number"))).transpose()
}

fn summary(v: NightLogView) -> NightSummary {
    NightSummary {
        id: v.log.id.to_string(),
        night: v.log.night.to_string(),
        telescope: v.telescope.name,
        site: v.telescope.site_name,
        status: v.log.status.to_string(),
        visibility: v.log.visibility.as_str().to_owned(),
        observers: v.log.observers.to_string(),
    }
}

fn time_lost_rows(totals: impl IntoIterator<Item = (TimeLostCategory, u64)>) -> (Vec<TimeLostRow>, u64) {
    let rows: Vec<TimeLostRow> =
        totals.into_iter().map(|(c, minutes)| TimeLostRow { category: c.as_str().to_owned(), minutes }).collect();
    let total = rows.iter().map(|r| r.minutes).sum();
    (rows, total)
}

pub async fn nights_page(
    slug: String,
    telescope: String,
    from: String,
    to: String,
) -> Result<NightsInfo, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let read = async {
        let access = services.access(&actor, &slug).await?;
        let query = NightLogQuery { telescope: given(&telescope), from: given(&from), to: given(&to) };
        let logs = services.list_night_logs(&actor, &slug, &query, &all_rows()).await?;
        let lost = services
            .time_lost(&actor, &slug, query.from.as_deref(), query.to.as_deref(), query.telescope.as_deref())
            .await?;
        let mut tonight = Vec::new();
        for (t, night) in services.telescopes_for_nights(&actor, &slug).await? {
            let log = services.find_night_log(&actor, &slug, &t.id.to_string(), &night.to_string()).await?;
            tonight.push(TonightInfo {
                telescope_id: t.id.to_string(),
                telescope: t.name,
                site: t.site_name,
                night: night.to_string(),
                log_id: log.map(|l| l.log.id.to_string()),
            });
        }
        Ok::<_, ServiceError>((access, logs, lost, tonight))
    };
    let (access, logs, lost, tonight) = read.await.inspect_err(not_found_status).map_err(fail)?;
    let (time_lost, time_lost_total) = time_lost_rows(lost.totals.into_iter().map(|(c, m, _)| (c, m)));
    Ok(NightsInfo {
        can_write: access.can(Action::WriteNightLog),
        workspace: workspace_info(WorkspaceView { role: access.role, workspace: access.workspace }),
        tonight,
        logs: logs.items.into_iter().map(summary).collect(),
        time_lost,
        time_lost_total,
    })
}

pub async fn search_entries(slug: String, s: EntrySearch) -> Result<Vec<EntryHit>, ServerFnError> {
    if s.is_empty() {
        return Ok(Vec::new());
    }
    let actor = actor().await?;
    let services = services()?;
    let query = EntryQuery {
        night_from: given(&s.night_from),
        night_to: given(&s.night_to),
        tags: given(&s.tags),
        tag_mode: given(&s.tag_mode),
        level: given(&s.level),
        q: given(&s.q),
        order: Some("desc".into()),
        ..EntryQuery::default()
    };
    let found = services.query_entries(&actor, &slug, &query, &rows(50)).await.map_err(fail)?;
    let telescopes: HashMap<_, _> = services
        .telescopes_for_nights(&actor, &slug)
        .await
        .map_err(fail)?
        .into_iter()
        .map(|(t, _)| (t.id, t))
        .collect();
    Ok(found
        .items
        .into_iter()
        .map(|v| {
            let e = v.entry;
            let t = telescopes.get(&e.telescope_id);
            EntryHit {
                id: e.id.to_string(),
                night_log_id: e.night_log_id.to_string(),
                night: e.night.to_string(),
                telescope: t.map(|t| t.name.clone()).unwrap_or_default(),
                time_local: t
                    .map_or_else(|| utc(e.content.occurred_at), |t| hm(e.content.occurred_at, t.time_zone.tz())),
                level: e.content.level.as_str().to_owned(),
                author: v.author_name,
                body_html: render_markdown(e.content.body.as_str()),
                tags: e.content.tags.iter().map(|t| t.as_str().to_owned()).collect(),
            }
        })
        .collect())
}

pub async fn latest_nights(slug: String) -> Result<Vec<NightSummary>, ServerFnError> {
    let actor = actor().await?;
    let logs = services()?.list_night_logs(&actor, &slug, &NightLogQuery::default(), &rows(10)).await.map_err(fail)?;
    Ok(logs.items.into_iter().map(summary).collect())
}

pub async fn start_night_log(
    csrf: String,
    slug: String,
    telescope: String,
    night: String,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let input = CreateNightLog { telescope_id: telescope.clone(), night: given(&night), ..CreateNightLog::default() };
    let id = match services.create_night_log(&actor, &slug, input).await {
        Ok(v) => v.log.id.to_string(),
        // Someone started it meanwhile: open theirs.
        Err(ServiceError::Conflict { field: "night", message }) => {
            let existing = match given(&night) {
                Some(n) => services.find_night_log(&actor, &slug, &telescope, &n).await.map_err(fail)?,
                None => None,
            };
            match existing {
                Some(v) => v.log.id.to_string(),
                None => return Err(fail(ServiceError::Conflict { field: "night", message })),
            }
        }
        Err(e) => return Err(fail(e)),
    };
    redirect(&format!("/w/{slug}/nights/{id}"));
    Ok(())
}

fn entry_item(v: EntryView, tz: Tz, me: Option<&str>, can_delete_any: bool, history: &[VersionView]) -> EntryItem {
    let e = v.entry;
    let c = e.content;
    let own = me.is_some_and(|m| m == e.author_id.to_string());
    EntryItem {
        id: e.id.to_string(),
        time_local: hm(c.occurred_at, tz),
        time_utc: utc(c.occurred_at),
        level: c.level.as_str().to_owned(),
        author: v.author_name,
        body_html: render_markdown(c.body.as_str()),
        body: c.body.as_str().to_owned(),
        tags: c.tags.iter().map(|t| t.as_str().to_owned()).collect(),
        links: c.links.iter().map(|l| l.as_str().to_owned()).collect(),
        time_lost_minutes: c.time_lost.map(|t| t.minutes),
        time_lost_category: c.time_lost.map(|t| t.category.as_str().to_owned()),
        version: e.version,
        deleted: e.deleted_at.is_some(),
        can_delete: own || can_delete_any,
        history: if e.version > 1 {
            history
                .iter()
                .map(|h| VersionItem {
                    version: h.version.version,
                    edited_local: format!(
                        "{} {}",
                        h.version.edited_at.with_timezone(&tz).format("%-d %b"),
                        hm(h.version.edited_at, tz)
                    ),
                    editor: h.editor_name.clone(),
                    body: h.version.content.body.as_str().to_owned(),
                })
                .collect()
        } else {
            Vec::new()
        },
    }
}

fn observation_item(o: Observation, tz: Tz, instruments: &HashMap<String, String>) -> ObservationItem {
    ObservationItem {
        id: o.id.to_string(),
        time_local: hm(o.start_at, tz),
        time_utc: utc(o.start_at),
        target: o.target_name.to_string(),
        position: o.position.map(|p| format!("{} {}", p.ra.to_hms(), p.dec.to_dms())).unwrap_or_default(),
        exposure_s: o.exposure_s,
        filter: o.filter.to_string(),
        instrument: o.instrument_id.and_then(|i| instruments.get(&i.to_string()).cloned()).unwrap_or_default(),
        frame_type: o.frame_type.as_str().to_owned(),
        quality: o.quality.as_str().to_owned(),
        notes: o.notes.as_str().to_owned(),
    }
}

fn header(v: &NightLogView) -> NightHeader {
    let (log, t) = (&v.log, &v.telescope);
    let tz = t.time_zone.tz();
    let at = |x: DateTime<Utc>| x.with_timezone(&tz).format("%H:%M %-d %b").to_string();
    NightHeader {
        id: log.id.to_string(),
        night: log.night.to_string(),
        telescope: t.name.clone(),
        telescope_id: t.id.to_string(),
        site: t.site_name.clone(),
        span: format!("{} → {}", at(log.starts_at), at(log.ends_at)),
        time_zone: t.time_zone.to_string(),
        status: log.status.to_string(),
        visibility: log.visibility.as_str().to_owned(),
        observers: log.observers.to_string(),
        seeing_arcsec: log.seeing_arcsec,
        transparency: log.transparency.map(|t| t.as_str().to_owned()),
        weather: log.weather.as_str().to_owned(),
        summary: log.summary.as_str().to_owned(),
        summary_html: render_markdown(log.summary.as_str()),
    }
}

fn me(actor: &Actor) -> Option<String> {
    match actor {
        Actor::Session { account, .. } => Some(account.id.to_string()),
        _ => None,
    }
}

pub async fn night_page(slug: String, id: String) -> Result<NightPage, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let read = async {
        let access = services.access(&actor, &slug).await?;
        let report = services.night_report(&actor, &slug, id_of::<NightLogId>(&id, "night log")?).await?;
        let instruments = services.list_instruments(&actor, &slug, None, &all_rows()).await?;
        Ok::<_, ServiceError>((access, report, instruments))
    };
    let (access, report, instruments) = read.await.inspect_err(not_found_status).map_err(fail)?;
    let instruments: Vec<(String, String)> = instruments
        .items
        .into_iter()
        .map(|i| (i.instrument.id.to_string(), format!("{} ({})", i.instrument.name, i.telescope_name)))
        .collect();
    let names: HashMap<String, String> = instruments.iter().cloned().collect();
    let tz = report.view.telescope.time_zone.tz();
    let can_write = access.can(Action::WriteNightLog);
    let can_delete = access.can(Action::DeleteData);
    let viewer = me(&actor);
    let mut timeline: Vec<(DateTime<Utc>, TimelineItem)> = Vec::new();
    for e in report.entries {
        let at = e.entry.content.occurred_at;
        let history = report.history.get(&e.entry.id).map(Vec::as_slice).unwrap_or_default();
        let item = entry_item(e, tz, viewer.as_deref(), can_delete, history);
        timeline.push((at, TimelineItem::Entry(EntryItem { can_delete: can_write && item.can_delete, ..item })));
    }
    for o in report.observations {
        timeline.push((o.start_at, TimelineItem::Observation(observation_item(o, tz, &names))));
    }
    timeline.sort_by_key(|(at, _)| *at);
    let (time_lost, time_lost_total) = time_lost_rows(report.time_lost);
    let can_publish = access.can(Action::EditData);
    Ok(NightPage {
        header: header(&report.view),
        workspace: workspace_info(WorkspaceView { role: access.role, workspace: access.workspace }),
        can_write,
        can_publish,
        can_delete,
        time_lost,
        time_lost_total,
        timeline: timeline.into_iter().map(|(_, i)| i).collect(),
        instruments: if can_write { instruments } else { Vec::new() },
    })
}

pub async fn night_access(slug: String, id: String) -> Result<QuickEntryAccess, ServerFnError> {
    let actor = actor().await?;
    let services = services()?;
    let access = services.access(&actor, &slug).await.map_err(fail)?;
    let view = services.get_night_log(&actor, &slug, form_id::<NightLogId>(&id, "night log")?).await.map_err(fail)?;
    Ok(QuickEntryAccess { can_add: access.can(Action::WriteNightLog) && view.log.status == NightStatus::Open })
}

pub async fn save_night_conditions(
    csrf: String,
    slug: String,
    id: String,
    f: ConditionsForm,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let input = UpdateNightLog {
        observers: Some(f.observers),
        seeing_arcsec: Some(number("seeing_arcsec", &f.seeing_arcsec)?),
        transparency: Some(given(&f.transparency)),
        weather: Some(f.weather),
        summary: Some(f.summary),
        ..UpdateNightLog::default()
    };
    services
        .update_night_log(&actor, &slug, form_id::<NightLogId>(&id, "night log")?, input)
        .await
        .map(drop)
        .map_err(fail)
}

pub async fn set_night_state(
    csrf: String,
    slug: String,
    id: String,
    status: Option<String>,
    visibility: Option<String>,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let input = UpdateNightLog { status, visibility, ..UpdateNightLog::default() };
    services
        .update_night_log(&actor, &slug, form_id::<NightLogId>(&id, "night log")?, input)
        .await
        .map(drop)
        .map_err(fail)
}

fn entry_input(f: EntryForm) -> Result<EntryInput, ServerFnError> {
    Ok(EntryInput {
        occurred_at: given(&f.time),
        level: given(&f.level),
        body: Some(f.body),
        tags: Some(comma_list(&f.tags)),
        links: None,
        time_lost_minutes: Some(whole_number("time_lost_minutes", &f.time_lost_minutes)?),
        time_lost_category: Some(given(&f.time_lost_category)),
        expected_version: None,
    })
}

pub async fn add_night_entry(csrf: String, slug: String, id: String, f: EntryForm) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    services
        .add_entry(&actor, &slug, form_id::<NightLogId>(&id, "night log")?, entry_input(f)?)
        .await
        .map(drop)
        .map_err(fail)
}

pub async fn edit_night_entry(
    csrf: String,
    slug: String,
    id: String,
    expected_version: String,
    f: EntryForm,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let expected = given(&expected_version)
        .map(|v| v.parse::<u32>().map_err(|_| invalid("expected_version", "must be a whole number")))
        .transpose()?;
    let mut input = EntryInput { expected_version: expected, ..entry_input(f)? };
    // The form shows the time to the minute; unchanged, it keeps the entry's exact time.
    if let Some(time) = input.occurred_at.as_deref() {
        let current = services.get_entry(&actor, &slug, form_id::<EntryId>(&id, "entry")?).await.map_err(fail)?.entry;
        let log = services.get_night_log(&actor, &slug, current.night_log_id).await.map_err(fail)?;
        if hm(current.content.occurred_at, log.telescope.time_zone.tz()) == time {
            input.occurred_at = None;
        }
    }
    services.edit_entry(&actor, &slug, form_id::<EntryId>(&id, "entry")?, input).await.map(drop).map_err(fail)
}

pub async fn night_object(csrf: String, slug: String, id: String, what: NightObject) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let s: &Services = &services;
    let done = match what {
        NightObject::DeleteEntry => s.delete_entry(&actor, &slug, form_id::<EntryId>(&id, "entry")?).await,
        NightObject::RestoreEntry => s.restore_entry(&actor, &slug, form_id::<EntryId>(&id, "entry")?).await.map(drop),
        NightObject::DeleteObservation => {
            s.delete_observation(&actor, &slug, form_id::<ObservationId>(&id, "observation")?).await
        }
    };
    done.map_err(fail)
}

pub async fn add_night_observation(
    csrf: String,
    slug: String,
    id: String,
    f: ObservationForm,
) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let (ra, dec) = (given(&f.ra), given(&f.dec));
    let input = ObservationInput {
        target_id: None,
        target_name: Some(f.target_name),
        ra: Some(ra),
        dec: Some(dec),
        start_at: given(&f.start),
        exposure_s: number("exposure_s", &f.exposure_s)?,
        filter: Some(f.filter),
        instrument_id: Some(given(&f.instrument_id)),
        frame_type: given(&f.frame_type),
        quality: given(&f.quality),
        notes: Some(f.notes),
    };
    services
        .add_observation(&actor, &slug, form_id::<NightLogId>(&id, "night log")?, input)
        .await
        .map(drop)
        .map_err(fail)
}

pub async fn flag_observation(csrf: String, slug: String, id: String, quality: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let input = ObservationInput { quality: Some(quality), ..ObservationInput::default() };
    services
        .update_observation(&actor, &slug, form_id::<ObservationId>(&id, "observation")?, input)
        .await
        .map(drop)
        .map_err(fail)
}
