//! The JSON shapes of night logs, entries, observations and time-lost totals.

use crate::routes::common::list_body;
use chrono::{DateTime, Utc};
use meridian_domain::nights::{EntryContent, Observation};
use meridian_service::equipment::nullable;
use meridian_service::nights::{EntryView, NightLogView, TimeLostSummary, VersionView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// One telescope's log of one observing night (local noon to local noon at its site).
#[derive(Debug, Serialize, ToSchema)]
pub struct NightLogBody {
    pub id: Uuid,
    pub telescope_id: Uuid,
    pub telescope_name: String,
    pub site_name: String,
    /// The site's IANA time zone, which sets the night's bounds.
    pub time_zone: String,
    /// The date of the night's evening, `YYYY-MM-DD`.
    #[schema(example = "2026-03-14")]
    pub night: String,
    /// Local noon starting the night, in UTC.
    pub starts_at: DateTime<Utc>,
    /// Local noon ending it (exclusive), in UTC.
    pub ends_at: DateTime<Utc>,
    pub observers: String,
    /// Median seeing (FWHM) in arcseconds.
    pub seeing_arcsec: Option<f64>,
    /// `photometric`, `clear`, `thin_clouds`, `thick_clouds` or `overcast`.
    pub transparency: Option<String>,
    pub weather: String,
    /// Markdown.
    pub summary: String,
    /// `open` or `closed` (closed logs refuse new or changed entries until reopened).
    pub status: String,
    /// `private` (workspace only) or `public` (on the workspace's public page).
    pub visibility: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<NightLogView> for NightLogBody {
    fn from(v: NightLogView) -> Self {
        let l = v.log;
        Self {
            id: l.id.as_uuid(),
            telescope_id: l.telescope_id.as_uuid(),
            telescope_name: v.telescope.name,
            site_name: v.telescope.site_name,
            time_zone: v.telescope.time_zone.to_string(),
            night: l.night.to_string(),
            starts_at: l.starts_at,
            ends_at: l.ends_at,
            observers: l.observers.to_string(),
            seeing_arcsec: l.seeing_arcsec,
            transparency: l.transparency.map(|t| t.as_str().to_owned()),
            weather: l.weather.as_str().to_owned(),
            summary: l.summary.as_str().to_owned(),
            status: l.status.as_str().to_owned(),
            visibility: l.visibility.as_str().to_owned(),
            created_by: l.created_by.as_uuid(),
            created_at: l.created_at,
            updated_at: l.updated_at,
        }
    }
}

list_body!(NightLogList, NightLogBody);

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateNightLogBody {
    pub telescope_id: String,
    /// `YYYY-MM-DD`, the date of the evening; default: the current night at the telescope's site.
    pub night: Option<String>,
    #[schema(schema_with = crate::schemas::short_text_opt)]
    pub observers: Option<String>,
    /// `private` (default) or `public` (needs the member role or above).
    #[schema(schema_with = crate::schemas::visibility_opt)]
    pub visibility: Option<String>,
}

/// Absent fields stay as they are; `null` clears seeing or transparency.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateNightLogBody {
    #[schema(schema_with = crate::schemas::short_text_opt)]
    pub observers: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<f64>, exclusive_minimum = 0, maximum = 60)]
    pub seeing_arcsec: Option<Option<f64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = crate::schemas::transparency_opt)]
    pub transparency: Option<Option<String>>,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub weather: Option<String>,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub summary: Option<String>,
    #[schema(schema_with = crate::schemas::night_status_opt)]
    pub status: Option<String>,
    /// Changing it (publishing) needs the member role or above.
    #[schema(schema_with = crate::schemas::visibility_opt)]
    pub visibility: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NightLogQueryParams {
    /// Only this telescope's logs.
    pub telescope: Option<String>,
    /// First night, `YYYY-MM-DD`, inclusive.
    pub from: Option<String>,
    /// Last night, inclusive.
    pub to: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TimeLostCategoryBody {
    /// `weather`, `technical` or `other`.
    pub category: String,
    pub minutes: u64,
    /// Entries reporting time lost in this category.
    pub entries: u64,
}

/// Minutes of observing time lost per category.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimeLostBody {
    pub from: Option<String>,
    pub to: Option<String>,
    pub telescope_id: Option<Uuid>,
    pub totals: Vec<TimeLostCategoryBody>,
    pub total_minutes: u64,
}

impl From<TimeLostSummary> for TimeLostBody {
    fn from(s: TimeLostSummary) -> Self {
        Self {
            from: s.night_from.map(|n| n.to_string()),
            to: s.night_to.map(|n| n.to_string()),
            telescope_id: s.telescope.map(|t| t.as_uuid()),
            totals: s
                .totals
                .into_iter()
                .map(|(c, minutes, entries)| TimeLostCategoryBody { category: c.as_str().to_owned(), minutes, entries })
                .collect(),
            total_minutes: s.total_minutes,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimeLostParams {
    /// First night, inclusive.
    pub from: Option<String>,
    /// Last night, inclusive.
    pub to: Option<String>,
    pub telescope: Option<String>,
}

/// A night-log entry as it stands (its latest version).
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryBody {
    pub id: Uuid,
    pub night_log_id: Uuid,
    pub telescope_id: Uuid,
    pub night: String,
    pub occurred_at: DateTime<Utc>,
    /// `info`, `warning` or `problem`.
    pub level: String,
    /// Markdown.
    pub body: String,
    pub tags: Vec<String>,
    pub links: Vec<String>,
    pub time_lost_minutes: Option<u32>,
    pub time_lost_category: Option<String>,
    pub author_id: Uuid,
    pub author_name: String,
    /// 1 for an entry never edited; every edit adds one (see `/versions`).
    pub version: u32,
    pub edited_by: Uuid,
    pub edited_by_name: String,
    pub edited_at: DateTime<Utc>,
    /// Set on deleted entries (only admins list them).
    pub deleted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

fn tags_of(c: &EntryContent) -> Vec<String> {
    c.tags.iter().map(|t| t.as_str().to_owned()).collect()
}

fn links_of(c: &EntryContent) -> Vec<String> {
    c.links.iter().map(|l| l.as_str().to_owned()).collect()
}

impl From<EntryView> for EntryBody {
    fn from(v: EntryView) -> Self {
        let e = v.entry;
        let c = &e.content;
        Self {
            id: e.id.as_uuid(),
            night_log_id: e.night_log_id.as_uuid(),
            telescope_id: e.telescope_id.as_uuid(),
            night: e.night.to_string(),
            occurred_at: c.occurred_at,
            level: c.level.as_str().to_owned(),
            body: c.body.as_str().to_owned(),
            tags: tags_of(c),
            links: links_of(c),
            time_lost_minutes: c.time_lost.map(|t| t.minutes),
            time_lost_category: c.time_lost.map(|t| t.category.as_str().to_owned()),
            author_id: e.author_id.as_uuid(),
            author_name: v.author_name,
            version: e.version,
            edited_by: e.edited_by.as_uuid(),
            edited_by_name: v.editor_name,
            edited_at: e.edited_at,
            deleted_at: e.deleted_at,
            created_at: e.created_at,
        }
    }
}

list_body!(EntryList, EntryBody);

/// All of a night log's entries, in time order.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryItems {
    pub items: Vec<EntryBody>,
}

/// One version of an entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryVersionBody {
    pub version: u32,
    pub occurred_at: DateTime<Utc>,
    pub level: String,
    pub body: String,
    pub tags: Vec<String>,
    pub links: Vec<String>,
    pub time_lost_minutes: Option<u32>,
    pub time_lost_category: Option<String>,
    pub edited_by: Uuid,
    pub edited_by_name: String,
    pub edited_at: DateTime<Utc>,
}

impl From<VersionView> for EntryVersionBody {
    fn from(v: VersionView) -> Self {
        let c = &v.version.content;
        Self {
            version: v.version.version,
            occurred_at: c.occurred_at,
            level: c.level.as_str().to_owned(),
            body: c.body.as_str().to_owned(),
            tags: tags_of(c),
            links: links_of(c),
            time_lost_minutes: c.time_lost.map(|t| t.minutes),
            time_lost_category: c.time_lost.map(|t| t.category.as_str().to_owned()),
            edited_by: v.version.edited_by.as_uuid(),
            edited_by_name: v.editor_name,
            edited_at: v.version.edited_at,
        }
    }
}

/// An entry's versions, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryVersionList {
    pub items: Vec<EntryVersionBody>,
}

/// A new entry (`body` required) or an edit (every field optional; absent ones stay; `null` clears time lost).
#[derive(Debug, Deserialize, ToSchema)]
pub struct EntryInputBody {
    /// RFC 3339, or local `HH:MM` within the night (times before noon are the morning after). Default: now.
    #[schema(example = "2026-03-14T22:05:00Z")]
    pub occurred_at: Option<String>,
    /// `info` (default), `warning` or `problem`.
    #[schema(schema_with = crate::schemas::entry_level_opt)]
    pub level: Option<String>,
    /// Markdown, 1 to 20,000 characters.
    #[schema(schema_with = crate::schemas::entry_body_opt)]
    pub body: Option<String>,
    /// Up to 20 tags of `a-z 0-9 - _ .`; normalised to lower case.
    #[schema(schema_with = crate::schemas::tags_opt)]
    pub tags: Option<Vec<String>>,
    /// Up to 10 http(s) URLs.
    pub links: Option<Vec<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    #[schema(minimum = 0, maximum = 1440)]
    pub time_lost_minutes: Option<Option<i64>>,
    /// `weather`, `technical` or `other`; required with `time_lost_minutes`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(schema_with = crate::schemas::time_lost_category_opt)]
    pub time_lost_category: Option<Option<String>>,
    /// On edits: the version you started from. If the entry moved on meanwhile the edit is refused (409).
    pub expected_version: Option<u32>,
}

impl From<EntryInputBody> for meridian_service::nights::EntryInput {
    fn from(b: EntryInputBody) -> Self {
        Self {
            occurred_at: b.occurred_at,
            level: b.level,
            body: b.body,
            tags: b.tags,
            links: b.links,
            time_lost_minutes: b.time_lost_minutes,
            time_lost_category: b.time_lost_category,
            expected_version: b.expected_version,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EntryQueryParams {
    /// First night, `YYYY-MM-DD`, inclusive.
    pub night_from: Option<String>,
    /// Last night, inclusive.
    pub night_to: Option<String>,
    /// A telescope id.
    pub telescope: Option<String>,
    /// Comma-separated tags.
    #[param(schema_with = crate::schemas::tag_list_opt)]
    pub tags: Option<String>,
    /// How `tags` combine: `any` (default), `all` or `none`.
    #[param(schema_with = crate::schemas::tag_mode_opt)]
    pub tag_mode: Option<String>,
    /// Comma-separated levels (`info,warning,problem`).
    #[param(schema_with = crate::schemas::levels_opt)]
    pub level: Option<String>,
    /// Case-insensitive text search in the entry's text.
    #[param(schema_with = crate::schemas::search_text_opt)]
    pub q: Option<String>,
    /// An author's account id.
    pub author: Option<String>,
    /// Only entries that report (true) or do not report (false) time lost.
    pub has_time_lost: Option<bool>,
    /// Deleted entries too (admins and owners).
    pub include_deleted: Option<bool>,
    /// `asc` (default, oldest first) or `desc`.
    #[param(schema_with = crate::schemas::order_opt)]
    pub order: Option<String>,
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

impl From<&EntryQueryParams> for meridian_service::nights::EntryQuery {
    fn from(p: &EntryQueryParams) -> Self {
        Self {
            night_from: p.night_from.clone(),
            night_to: p.night_to.clone(),
            telescope: p.telescope.clone(),
            tags: p.tags.clone(),
            tag_mode: p.tag_mode.clone(),
            level: p.level.clone(),
            q: p.q.clone(),
            author: p.author.clone(),
            has_time_lost: p.has_time_lost,
            include_deleted: p.include_deleted.unwrap_or(false),
            order: p.order.clone(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IncludeDeletedParams {
    /// Deleted entries too, marked by `deleted_at` (admins and owners).
    pub include_deleted: Option<bool>,
}

/// An exposure recorded in a night log: science or calibration.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObservationBody {
    pub id: Uuid,
    pub night_log_id: Uuid,
    pub target_id: Option<Uuid>,
    pub target_name: String,
    /// ICRS right ascension in degrees.
    pub ra_deg: Option<f64>,
    pub dec_deg: Option<f64>,
    pub start_at: DateTime<Utc>,
    pub exposure_s: f64,
    pub filter: String,
    pub instrument_id: Option<Uuid>,
    /// `science`, `bias`, `dark`, `flat`, `arc` or `other`.
    pub frame_type: String,
    /// `ok`, `questionable` or `junk`.
    pub quality: String,
    pub notes: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Observation> for ObservationBody {
    fn from(o: Observation) -> Self {
        Self {
            id: o.id.as_uuid(),
            night_log_id: o.night_log_id.as_uuid(),
            target_id: o.target_id.map(|t| t.as_uuid()),
            target_name: o.target_name.to_string(),
            ra_deg: o.position.map(|p| p.ra.degrees()),
            dec_deg: o.position.map(|p| p.dec.degrees()),
            start_at: o.start_at,
            exposure_s: o.exposure_s,
            filter: o.filter.to_string(),
            instrument_id: o.instrument_id.map(|i| i.as_uuid()),
            frame_type: o.frame_type.as_str().to_owned(),
            quality: o.quality.as_str().to_owned(),
            notes: o.notes.as_str().to_owned(),
            created_by: o.created_by.as_uuid(),
            created_at: o.created_at,
            updated_at: o.updated_at,
        }
    }
}

/// A night log's observations by start time.
#[derive(Debug, Serialize, ToSchema)]
pub struct ObservationItems {
    pub items: Vec<ObservationBody>,
}

/// A new observation (`start_at` and `exposure_s` required) or an edit (absent fields stay; `null` clears).
#[derive(Debug, Deserialize, ToSchema)]
pub struct ObservationInputBody {
    /// A target of the workspace; fills in name and position when they are not given.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub target_id: Option<Option<String>>,
    #[schema(schema_with = crate::schemas::short_text_opt)]
    pub target_name: Option<String>,
    /// Degrees (`83.8221`) or sexagesimal hours (`05:35:17.3`); with `dec`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub ra: Option<Option<serde_json::Value>>,
    /// Degrees or sexagesimal (`-05:23:28`); with `ra`.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub dec: Option<Option<serde_json::Value>>,
    /// RFC 3339, or local `HH:MM` within the night.
    pub start_at: Option<String>,
    #[schema(minimum = 0, maximum = 86400)]
    pub exposure_s: Option<f64>,
    #[schema(schema_with = crate::schemas::short_text_opt)]
    pub filter: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub instrument_id: Option<Option<String>>,
    #[schema(schema_with = crate::schemas::frame_type_opt)]
    pub frame_type: Option<String>,
    #[schema(schema_with = crate::schemas::quality_opt)]
    pub quality: Option<String>,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub notes: Option<String>,
}

/// A coordinate given as a JSON number or string, as text for the parser.
fn coordinate_text(v: Option<Option<serde_json::Value>>) -> Option<Option<String>> {
    v.map(|inner| {
        inner.map(|value| match value {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        })
    })
}

impl From<ObservationInputBody> for meridian_service::nights::ObservationInput {
    fn from(b: ObservationInputBody) -> Self {
        Self {
            target_id: b.target_id,
            target_name: b.target_name,
            ra: coordinate_text(b.ra),
            dec: coordinate_text(b.dec),
            start_at: b.start_at,
            exposure_s: b.exposure_s,
            filter: b.filter,
            instrument_id: b.instrument_id,
            frame_type: b.frame_type,
            quality: b.quality,
            notes: b.notes,
        }
    }
}
