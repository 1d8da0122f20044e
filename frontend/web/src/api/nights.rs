//! Server functions of the night-log pages: the nights of a workspace, one night (header, conditions, timeline of
//! entries and observations) and the entry search. Form fields arrive as text; an empty optional field means "none"
//! (or "now" for a time). User Markdown arrives already rendered to safe HTML (`*_html` fields).
#![expect(clippy::too_many_arguments, reason = "a server function takes one argument per form field")]

use super::WorkspaceInfo;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// A night log in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NightSummary {
    pub id: String,
    /// `2026-03-14`
    pub night: String,
    pub telescope: String,
    pub site: String,
    /// `open` or `closed`
    pub status: String,
    /// `private` or `public`
    pub visibility: String,
    pub observers: String,
}

/// A telescope's current night and its log, if started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TonightInfo {
    pub telescope_id: String,
    pub telescope: String,
    pub site: String,
    pub night: String,
    pub log_id: Option<String>,
}

/// Minutes lost in one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeLostRow {
    pub category: String,
    pub minutes: u64,
}

/// An entry found by the search, with where it belongs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryHit {
    pub id: String,
    pub night_log_id: String,
    pub night: String,
    pub telescope: String,
    /// Local time at the telescope, `22:05`.
    pub time_local: String,
    pub level: String,
    pub author: String,
    pub body_html: String,
    pub tags: Vec<String>,
}

/// Everything the nights page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NightsInfo {
    pub workspace: WorkspaceInfo,
    pub can_write: bool,
    pub tonight: Vec<TonightInfo>,
    pub logs: Vec<NightSummary>,
    pub time_lost: Vec<TimeLostRow>,
    pub time_lost_total: u64,
}

/// The entry search of the nights page, as typed; nothing is searched while every field is empty.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EntrySearch {
    pub q: String,
    pub tags: String,
    pub tag_mode: String,
    pub level: String,
    pub night_from: String,
    pub night_to: String,
}

impl EntrySearch {
    pub fn is_empty(&self) -> bool {
        [&self.q, &self.tags, &self.level, &self.night_from, &self.night_to].iter().all(|s| s.trim().is_empty())
    }
}

/// One earlier (or the current) version of an entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VersionItem {
    pub version: u32,
    /// When it was written, local time at the telescope.
    pub edited_local: String,
    pub editor: String,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EntryItem {
    pub id: String,
    /// `HH:MM` at the telescope.
    pub time_local: String,
    /// `2026-03-14 22:05 UTC`
    pub time_utc: String,
    pub level: String,
    pub author: String,
    /// The Markdown as written (for the edit form).
    pub body: String,
    pub body_html: String,
    pub tags: Vec<String>,
    pub links: Vec<String>,
    pub time_lost_minutes: Option<u32>,
    pub time_lost_category: Option<String>,
    pub version: u32,
    pub deleted: bool,
    /// Whether the viewer may delete it (its author, or an admin).
    pub can_delete: bool,
    /// Every version, oldest first (only filled when edited).
    pub history: Vec<VersionItem>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObservationItem {
    pub id: String,
    pub time_local: String,
    pub time_utc: String,
    pub target: String,
    /// `05:35:17.30 −05:23:28.0`, or empty.
    pub position: String,
    pub exposure_s: f64,
    pub filter: String,
    pub instrument: String,
    pub frame_type: String,
    pub quality: String,
    pub notes: String,
}

/// The night's timeline: entries and observations in time order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TimelineItem {
    Entry(EntryItem),
    Observation(ObservationItem),
}

/// The night log's header and conditions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NightHeader {
    pub id: String,
    pub night: String,
    pub telescope: String,
    pub telescope_id: String,
    pub site: String,
    /// `12:00 14 Mar → 12:00 15 Mar`
    pub span: String,
    pub time_zone: String,
    pub status: String,
    pub visibility: String,
    pub observers: String,
    pub seeing_arcsec: Option<f64>,
    pub transparency: Option<String>,
    pub weather: String,
    pub summary: String,
    pub summary_html: String,
}

/// Everything one night's page shows, and what the viewer may do there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NightPage {
    pub workspace: WorkspaceInfo,
    pub header: NightHeader,
    /// May write entries, observations and conditions, and close or reopen.
    pub can_write: bool,
    /// May publish or unpublish.
    pub can_publish: bool,
    /// May delete observations and restore entries.
    pub can_delete: bool,
    pub time_lost: Vec<TimeLostRow>,
    pub time_lost_total: u64,
    pub timeline: Vec<TimelineItem>,
    /// The workspace's instruments as (id, "name (telescope)"); filled for writers only.
    pub instruments: Vec<(String, String)>,
}

/// Whether the quick-entry form is offered: the viewer writes night logs and the log is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickEntryAccess {
    pub can_add: bool,
}

#[server(prefix = "/fn", endpoint = "nights")]
pub async fn get_nights(
    slug: String,
    telescope: String,
    from: String,
    to: String,
) -> Result<NightsInfo, ServerFnError> {
    crate::ssr::nights::nights_page(slug, telescope, from, to).await
}

/// The first 50 entries matching the search, newest night first.
#[server(prefix = "/fn", endpoint = "search_entries")]
pub async fn search_entries(slug: String, search: EntrySearch) -> Result<Vec<EntryHit>, ServerFnError> {
    crate::ssr::nights::search_entries(slug, search).await
}

/// The latest nights the viewer may see (for the workspace page).
#[server(prefix = "/fn", endpoint = "latest_nights")]
pub async fn latest_nights(slug: String) -> Result<Vec<NightSummary>, ServerFnError> {
    crate::ssr::nights::latest_nights(slug).await
}

/// Starts the log of a telescope's night (empty: tonight) and goes to its page; an existing one is opened.
#[server(prefix = "/fn", endpoint = "start_night_log")]
pub async fn start_night_log(
    csrf_token: String,
    slug: String,
    telescope_id: String,
    night: String,
) -> Result<(), ServerFnError> {
    crate::ssr::nights::start_night_log(csrf_token, slug, telescope_id, night).await
}

#[server(prefix = "/fn", endpoint = "night")]
pub async fn get_night(slug: String, id: String) -> Result<NightPage, ServerFnError> {
    crate::ssr::nights::night_page(slug, id).await
}

#[server(prefix = "/fn", endpoint = "night_access")]
pub async fn night_access(slug: String, id: String) -> Result<QuickEntryAccess, ServerFnError> {
    crate::ssr::nights::night_access(slug, id).await
}

#[server(prefix = "/fn", endpoint = "save_night_conditions")]
pub async fn save_night_conditions(
    csrf_token: String,
    slug: String,
    id: String,
    observers: String,
    seeing_arcsec: String,
    transparency: String,
    weather: String,
    summary: String,
) -> Result<(), ServerFnError> {
    crate::ssr::nights::save_night_conditions(
        csrf_token,
        slug,
        id,
        crate::ssr::nights::ConditionsForm { observers, seeing_arcsec, transparency, weather, summary },
    )
    .await
}

/// `status`: open or closed.
#[server(prefix = "/fn", endpoint = "set_night_status")]
pub async fn set_night_status(
    csrf_token: String,
    slug: String,
    id: String,
    status: String,
) -> Result<(), ServerFnError> {
    crate::ssr::nights::set_night_state(csrf_token, slug, id, Some(status), None).await
}

/// `visibility`: private or public.
#[server(prefix = "/fn", endpoint = "set_night_visibility")]
pub async fn set_night_visibility(
    csrf_token: String,
    slug: String,
    id: String,
    visibility: String,
) -> Result<(), ServerFnError> {
    crate::ssr::nights::set_night_state(csrf_token, slug, id, None, Some(visibility)).await
}

/// Adds an entry to night log `id`. `time` is `HH:MM` local (empty: now); tags comma-separated.
#[server(prefix = "/fn", endpoint = "add_night_entry")]
pub async fn add_night_entry(
    csrf_token: String,
    slug: String,
    id: String,
    body: String,
    time: String,
    level: String,
    tags: String,
    time_lost_minutes: String,
    time_lost_category: String,
) -> Result<(), ServerFnError> {
    crate::ssr::nights::add_night_entry(
        csrf_token,
        slug,
        id,
        crate::ssr::nights::EntryForm { body, time, level, tags, time_lost_minutes, time_lost_category },
    )
    .await
}

/// Edits entry `id`, which the editor saw at `expected_version`.
#[server(prefix = "/fn", endpoint = "edit_night_entry")]
pub async fn edit_night_entry(
    csrf_token: String,
    slug: String,
    id: String,
    expected_version: String,
    body: String,
    time: String,
    level: String,
    tags: String,
    time_lost_minutes: String,
    time_lost_category: String,
) -> Result<(), ServerFnError> {
    crate::ssr::nights::edit_night_entry(
        csrf_token,
        slug,
        id,
        expected_version,
        crate::ssr::nights::EntryForm { body, time, level, tags, time_lost_minutes, time_lost_category },
    )
    .await
}

#[server(prefix = "/fn", endpoint = "delete_night_entry")]
pub async fn delete_night_entry(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::nights::night_object(csrf_token, slug, id, crate::ssr::nights::NightObject::DeleteEntry).await
}

#[server(prefix = "/fn", endpoint = "restore_night_entry")]
pub async fn restore_night_entry(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::nights::night_object(csrf_token, slug, id, crate::ssr::nights::NightObject::RestoreEntry).await
}

/// Records an observation in night log `id`. RA and Dec in degrees or sexagesimal (both or neither); `start` is
/// `HH:MM` local.
#[server(prefix = "/fn", endpoint = "add_night_observation")]
pub async fn add_night_observation(
    csrf_token: String,
    slug: String,
    id: String,
    target_name: String,
    ra: String,
    dec: String,
    start: String,
    exposure_s: String,
    filter: String,
    instrument_id: String,
    frame_type: String,
    quality: String,
    notes: String,
) -> Result<(), ServerFnError> {
    crate::ssr::nights::add_night_observation(
        csrf_token,
        slug,
        id,
        crate::ssr::nights::ObservationForm {
            target_name,
            ra,
            dec,
            start,
            exposure_s,
            filter,
            instrument_id,
            frame_type,
            quality,
            notes,
        },
    )
    .await
}

/// Re-flags observation `id`: ok, questionable or junk.
#[server(prefix = "/fn", endpoint = "flag_observation")]
pub async fn flag_observation(
    csrf_token: String,
    slug: String,
    id: String,
    quality: String,
) -> Result<(), ServerFnError> {
    crate::ssr::nights::flag_observation(csrf_token, slug, id, quality).await
}

#[server(prefix = "/fn", endpoint = "delete_night_observation")]
pub async fn delete_night_observation(csrf_token: String, slug: String, id: String) -> Result<(), ServerFnError> {
    crate::ssr::nights::night_object(csrf_token, slug, id, crate::ssr::nights::NightObject::DeleteObservation).await
}
