//! Night logs, their entries (versioned, soft-deleted) and observations; entry queries and time-lost totals.
//!
//! Access: a night log is private to its workspace or public (seen by everyone when the workspace is public too).
//! Observers and up write logs, entries and observations (`WriteNightLog`); publishing a log takes `EditData`;
//! deleting someone else's entry, restoring one and deleting observations take `DeleteData`.

use crate::auth::Access;
use crate::{Actor, ServiceError, ServiceResult, Services};
use chrono::{DateTime, Utc};
use meridian_domain::nights::{EntryContent, EntryVersion, LogEntry, NightLog, Observation};
use meridian_domain::{
    AccountId, Action, Declination, Description, EntryBody, EntryId, EntryLevel, FrameType, InstrumentId, NightDate,
    NightLogId, NightStatus, ObservationId, Page, PageRequest, QualityFlag, RightAscension, ShortText, SkyPosition,
    Tag, Tags, TargetId, TelescopeId, TimeLost, TimeLostCategory, Transparency, ValidationError, Visibility,
    instant_in_night, measure, night_bounds, night_of, parse_links,
};
use meridian_store::StoreError;
use meridian_store::nights::entries::{EntryFilter, NewEntry, TagMode};
use meridian_store::nights::night_logs::{NewNightLog, NightLogChanges, NightLogFilter, TelescopeAtSite};
use meridian_store::nights::observations::ObservationFields;
use meridian_store::nights::{entries, night_logs, observations};
use std::collections::HashMap;

/// A new night log as submitted. Without a night, the current night at the telescope's site.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CreateNightLog {
    pub telescope_id: String,
    #[serde(default)]
    pub night: Option<String>,
    #[serde(default)]
    pub observers: Option<String>,
    #[serde(default)]
    pub visibility: Option<String>,
}

/// Header changes; absent fields stay, `Some(None)` clears seeing or transparency.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct UpdateNightLog {
    pub observers: Option<String>,
    pub seeing_arcsec: Option<Option<f64>>,
    pub transparency: Option<Option<String>>,
    pub weather: Option<String>,
    pub summary: Option<String>,
    pub status: Option<String>,
    pub visibility: Option<String>,
}

/// A night log with the telescope and site it belongs to.
#[derive(Debug, Clone)]
pub struct NightLogView {
    pub log: NightLog,
    pub telescope: TelescopeAtSite,
}

/// Which night logs to list, as given (query parameters or form fields).
#[derive(Debug, Clone, Default)]
pub struct NightLogQuery {
    pub telescope: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// An entry as submitted. On creation `body` is required and the rest defaults (time: now); on edit, absent
/// fields keep their value and `Some(None)` clears time lost.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EntryInput {
    /// RFC 3339, or a local `HH:MM` within the night.
    pub occurred_at: Option<String>,
    pub level: Option<String>,
    pub body: Option<String>,
    pub tags: Option<Vec<String>>,
    pub links: Option<Vec<String>>,
    pub time_lost_minutes: Option<Option<i64>>,
    pub time_lost_category: Option<Option<String>>,
    /// For edits: the version the editor started from; a newer one means someone else edited meanwhile (409).
    pub expected_version: Option<u32>,
}

/// An entry with the names of who wrote and last edited it.
#[derive(Debug, Clone)]
pub struct EntryView {
    pub entry: LogEntry,
    pub author_name: String,
    pub editor_name: String,
}

/// One version of an entry with its editor's name.
#[derive(Debug, Clone)]
pub struct VersionView {
    pub version: EntryVersion,
    pub editor_name: String,
}

/// The entry filters of the API and the search page, as given.
#[derive(Debug, Clone, Default)]
pub struct EntryQuery {
    pub night_from: Option<String>,
    pub night_to: Option<String>,
    pub telescope: Option<String>,
    /// Comma-separated.
    pub tags: Option<String>,
    /// `any` (default), `all` or `none`.
    pub tag_mode: Option<String>,
    /// Comma-separated levels.
    pub level: Option<String>,
    pub q: Option<String>,
    pub author: Option<String>,
    pub has_time_lost: Option<bool>,
    pub include_deleted: bool,
    /// `asc` (default) or `desc`.
    pub order: Option<String>,
}

/// Time lost per category over a range of nights.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeLostSummary {
    pub night_from: Option<NightDate>,
    pub night_to: Option<NightDate>,
    pub telescope: Option<TelescopeId>,
    /// Every category, in vocabulary order, with minutes and the number of entries (zeros included).
    pub totals: Vec<(TimeLostCategory, u64, u64)>,
    pub total_minutes: u64,
}

/// An observation or calibration as submitted. On creation `start_at` and `exposure_s` are required; on edit,
/// absent fields keep their value and `Some(None)` clears an optional one.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ObservationInput {
    pub target_id: Option<Option<String>>,
    pub target_name: Option<String>,
    /// Degrees or sexagesimal; both or neither.
    pub ra: Option<Option<String>>,
    pub dec: Option<Option<String>>,
    /// RFC 3339, or a local `HH:MM` within the night.
    pub start_at: Option<String>,
    pub exposure_s: Option<f64>,
    pub filter: Option<String>,
    pub instrument_id: Option<Option<String>>,
    pub frame_type: Option<String>,
    pub quality: Option<String>,
    pub notes: Option<String>,
}

/// Everything a night report shows.
#[derive(Debug, Clone)]
pub struct NightReport {
    pub view: NightLogView,
    pub entries: Vec<EntryView>,
    /// Every version of every entry shown, keyed by entry (for "edited" marks and history).
    pub history: HashMap<EntryId, Vec<VersionView>>,
    pub observations: Vec<Observation>,
    /// Minutes lost per category in this night (zeros included), in vocabulary order.
    pub time_lost: Vec<(TimeLostCategory, u64)>,
}

/// An id given in a body or query: malformed or foreign ones are the caller's mistake about that field.
fn field_id<T: std::str::FromStr>(s: &str, field: &str) -> Result<T, ValidationError> {
    s.trim().parse().map_err(|_| ValidationError::new(field, "is not an id of this workspace"))
}

fn optional_night(s: Option<&str>, field: &str) -> Result<Option<NightDate>, ValidationError> {
    s.map(str::trim).filter(|s| !s.is_empty()).map(|s| NightDate::parse(s).map_err(|e| e.for_field(field))).transpose()
}

fn night_range(
    from: Option<&str>,
    to: Option<&str>,
    from_field: &str,
    to_field: &str,
) -> Result<(Option<NightDate>, Option<NightDate>), ValidationError> {
    let (from, to) = (optional_night(from, from_field)?, optional_night(to, to_field)?);
    if let (Some(f), Some(t)) = (from, to)
        && t < f
    {
        return Err(ValidationError::new(to_field, format!("must not be before {from_field}")));
    }
    Ok((from, to))
}

/// Who is recorded as writing: the person, or for an API key the person who made the key.
pub(crate) fn writer(actor: &Actor) -> ServiceResult<AccountId> {
    match actor {
        Actor::Session { account, .. } => Ok(account.id),
        Actor::ApiKey { key } => Ok(key.created_by),
        Actor::Anonymous => Err(ServiceError::Unauthenticated),
    }
}

/// Whether the signed-in person wrote this entry (programs never count as authors).
fn is_author(actor: &Actor, entry: &LogEntry) -> bool {
    matches!(actor, Actor::Session { account, .. } if account.id == entry.author_id)
}

fn in_night(log: &NightLog, t: DateTime<Utc>, field: &str) -> Result<DateTime<Utc>, ValidationError> {
    if t < log.starts_at || t >= log.ends_at {
        return Err(ValidationError::new(
            field,
            format!(
                "must fall within the night of {} ({} to {} UTC)",
                log.night,
                log.starts_at.format("%Y-%m-%d %H:%M"),
                log.ends_at.format("%Y-%m-%d %H:%M")
            ),
        ));
    }
    Ok(t)
}

fn open_for_writing(log: &NightLog) -> ServiceResult<()> {
    if log.status == NightStatus::Closed {
        return Err(ServiceError::Conflict {
            field: "status",
            message: format!("the night log of {} is closed; reopen it to change it", log.night),
        });
    }
    Ok(())
}

impl Services {
    async fn telescope_of(&self, access: &Access, id: TelescopeId) -> ServiceResult<TelescopeAtSite> {
        night_logs::telescope_at_site(self.db(), access.workspace.id, id)
            .await?
            .ok_or_else(|| ValidationError::new("telescope_id", "is not a telescope of this workspace").into())
    }

    /// The log `id` if the caller may see it (404 otherwise), with its telescope.
    async fn visible_log(&self, access: &Access, id: NightLogId) -> ServiceResult<NightLogView> {
        let log =
            night_logs::find(self.db(), access.workspace.id, id).await?.ok_or(ServiceError::NotFound("night log"))?;
        access.require_visible(log.visibility == Visibility::Public, "night log")?;
        let telescope = night_logs::telescope_at_site(self.db(), access.workspace.id, log.telescope_id)
            .await?
            .ok_or(ServiceError::NotFound("night log"))?;
        Ok(NightLogView { log, telescope })
    }

    /// Starts the log of a telescope's night (observers and up). A second log for the same night is a 409 that
    /// names the existing one.
    #[tracing::instrument(skip(self, actor, input))]
    pub async fn create_night_log(
        &self,
        actor: &Actor,
        slug: &str,
        input: CreateNightLog,
    ) -> ServiceResult<NightLogView> {
        let access = self.access(actor, slug).await?;
        access.require(Action::WriteNightLog)?;
        let telescope_id: TelescopeId = field_id(&input.telescope_id, "telescope_id")?;
        let telescope = self.telescope_of(&access, telescope_id).await?;
        let tz = telescope.time_zone.tz();
        let night = optional_night(input.night.as_deref(), "night")?.unwrap_or_else(|| night_of(crate::now(), tz));
        let observers =
            ShortText::parse(input.observers.as_deref().unwrap_or_default()).map_err(|e| e.for_field("observers"))?;
        let visibility = input.visibility.as_deref().map(Visibility::parse).transpose()?.unwrap_or_default();
        if visibility == Visibility::Public {
            access.require(Action::EditData)?;
        }
        let (starts_at, ends_at) = night_bounds(night, tz);
        let new = NewNightLog {
            workspace_id: access.workspace.id,
            telescope_id,
            night,
            starts_at,
            ends_at,
            observers,
            visibility,
            created_by: writer(actor)?,
        };
        match night_logs::insert(self.db(), new, crate::now()).await {
            Ok(log) => Ok(NightLogView { log, telescope }),
            Err(StoreError::Conflict { .. }) => {
                let existing = night_logs::find_by_night(self.db(), access.workspace.id, telescope_id, night).await?;
                Err(ServiceError::Conflict {
                    field: "night",
                    message: format!(
                        "{} already has a log for the night of {night}{}",
                        telescope.name,
                        existing.map(|l| format!(" (id {})", l.id)).unwrap_or_default()
                    ),
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One night log with its telescope.
    pub async fn get_night_log(&self, actor: &Actor, slug: &str, id: NightLogId) -> ServiceResult<NightLogView> {
        let access = self.access(actor, slug).await?;
        self.visible_log(&access, id).await
    }

    /// The log of a telescope's night, if it exists (for "tonight" links).
    pub async fn find_night_log(
        &self,
        actor: &Actor,
        slug: &str,
        telescope: &str,
        night: &str,
    ) -> ServiceResult<Option<NightLogView>> {
        let access = self.access(actor, slug).await?;
        let telescope: TelescopeId = field_id(telescope, "telescope")?;
        let night = NightDate::parse(night)?;
        let Some(log) = night_logs::find_by_night(self.db(), access.workspace.id, telescope, night).await? else {
            return Ok(None);
        };
        if !access.sees(log.visibility == Visibility::Public) {
            return Ok(None);
        }
        self.visible_log(&access, log.id).await.map(Some)
    }

    /// Changes a log's header: observers, conditions, summary, status (observers and up); visibility (publishing)
    /// needs `EditData`.
    #[tracing::instrument(skip(self, actor, input))]
    pub async fn update_night_log(
        &self,
        actor: &Actor,
        slug: &str,
        id: NightLogId,
        input: UpdateNightLog,
    ) -> ServiceResult<NightLogView> {
        let access = self.access(actor, slug).await?;
        let view = self.visible_log(&access, id).await?;
        access.require_on(view.log.visibility == Visibility::Public, Action::WriteNightLog, "night log")?;
        let changes = NightLogChanges {
            observers: input
                .observers
                .as_deref()
                .map(|s| ShortText::parse(s).map_err(|e| e.for_field("observers")))
                .transpose()?,
            seeing_arcsec: input
                .seeing_arcsec
                .map(|s| s.map(|v| measure("seeing_arcsec", v, 60.0, false)).transpose())
                .transpose()?,
            transparency: input
                .transparency
                .map(|t| t.as_deref().map(str::trim).filter(|t| !t.is_empty()).map(Transparency::parse).transpose())
                .transpose()?,
            weather: input
                .weather
                .as_deref()
                .map(|s| Description::parse(s).map_err(|e| e.for_field("weather")))
                .transpose()?,
            summary: input
                .summary
                .as_deref()
                .map(|s| Description::parse(s).map_err(|e| e.for_field("summary")))
                .transpose()?,
            status: input.status.as_deref().map(NightStatus::parse).transpose()?,
            visibility: input.visibility.as_deref().map(Visibility::parse).transpose()?,
        };
        if changes.visibility.is_some_and(|v| v != view.log.visibility) {
            access.require(Action::EditData)?;
        }
        night_logs::update(self.db(), access.workspace.id, view.log.id, changes, crate::now()).await?;
        self.visible_log(&access, id).await
    }

    /// Night logs, newest night first; callers who may not view the workspace see its public logs only.
    pub async fn list_night_logs(
        &self,
        actor: &Actor,
        slug: &str,
        query: &NightLogQuery,
        page: &PageRequest,
    ) -> ServiceResult<Page<NightLogView>> {
        let access = self.access(actor, slug).await?;
        if !access.sees(true) {
            access.require(Action::ViewWorkspace)?;
        }
        let (from, to) = night_range(query.from.as_deref(), query.to.as_deref(), "from", "to")?;
        let filter = NightLogFilter {
            telescope: query
                .telescope
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|s| field_id(s, "telescope"))
                .transpose()?,
            from,
            to,
            public_only: !access.can(Action::ViewWorkspace),
        };
        let rows = night_logs::list(self.db(), access.workspace.id, &filter, page).await?;
        let page = Page::from_rows(rows, page.limit, night_logs::cursor_key);
        let telescopes: HashMap<TelescopeId, TelescopeAtSite> =
            night_logs::telescopes_at_sites(self.db(), access.workspace.id)
                .await?
                .into_iter()
                .map(|t| (t.id, t))
                .collect();
        let items = page
            .items
            .into_iter()
            .filter_map(|log| {
                telescopes.get(&log.telescope_id).cloned().map(|telescope| NightLogView { log, telescope })
            })
            .collect();
        Ok(Page { items, next_cursor: page.next_cursor })
    }

    /// The telescopes of a workspace with their sites and current night (for "tonight" pickers).
    pub async fn telescopes_for_nights(
        &self,
        actor: &Actor,
        slug: &str,
    ) -> ServiceResult<Vec<(TelescopeAtSite, NightDate)>> {
        let access = self.access(actor, slug).await?;
        if !access.sees(true) {
            access.require(Action::ViewWorkspace)?;
        }
        let now = crate::now();
        Ok(night_logs::telescopes_at_sites(self.db(), access.workspace.id)
            .await?
            .into_iter()
            .map(|t| {
                let night = night_of(now, t.time_zone.tz());
                (t, night)
            })
            .collect())
    }

    async fn named(&self, entries: Vec<LogEntry>) -> ServiceResult<Vec<EntryView>> {
        let names = entries::display_names(self.db(), entries.iter().flat_map(|e| [e.author_id, e.edited_by])).await?;
        let name = |a: &AccountId| names.get(a).cloned().unwrap_or_default();
        Ok(entries
            .into_iter()
            .map(|entry| EntryView { author_name: name(&entry.author_id), editor_name: name(&entry.edited_by), entry })
            .collect())
    }

    /// Adds an entry to a night log (observers and up). The time defaults to now and must fall within the night.
    #[tracing::instrument(skip(self, actor, input))]
    pub async fn add_entry(
        &self,
        actor: &Actor,
        slug: &str,
        log_id: NightLogId,
        input: EntryInput,
    ) -> ServiceResult<EntryView> {
        let access = self.access(actor, slug).await?;
        let view = self.visible_log(&access, log_id).await?;
        let log = &view.log;
        access.require_on(log.visibility == Visibility::Public, Action::WriteNightLog, "night log")?;
        open_for_writing(log)?;
        // What the entry says is checked before when: a bad body is reported even when the time is missing.
        let level = input.level.as_deref().map(EntryLevel::parse).transpose()?.unwrap_or_default();
        let body = EntryBody::parse(input.body.as_deref().unwrap_or_default())?;
        let tags = Tags::parse(input.tags.unwrap_or_default())?;
        let links = parse_links(input.links.unwrap_or_default())?;
        let time_lost =
            TimeLost::parse(input.time_lost_minutes.flatten(), input.time_lost_category.flatten().as_deref())?;
        let tz = view.telescope.time_zone.tz();
        let occurred_at = match input.occurred_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => instant_in_night(log.night, tz, s, "occurred_at")?,
            None => crate::now(),
        };
        let content = EntryContent {
            occurred_at: in_night(log, occurred_at, "occurred_at")?,
            level,
            body,
            tags,
            links,
            time_lost,
        };
        let author = writer(actor)?;
        let txn = meridian_store::begin_write(self.db()).await?;
        let entry = entries::insert(
            &txn,
            NewEntry {
                workspace_id: access.workspace.id,
                night_log_id: log.id,
                telescope_id: log.telescope_id,
                night: log.night,
                author,
                content,
            },
            crate::now(),
        )
        .await?;
        meridian_store::commit(txn).await?;
        Ok(self.named(vec![entry]).await.map_err(ServiceError::after_commit)?.remove(0))
    }

    /// An entry and its log, if the caller may see them; deleted entries only for those who may restore them and
    /// for their author.
    async fn visible_entry(
        &self,
        actor: &Actor,
        access: &Access,
        id: EntryId,
    ) -> ServiceResult<(LogEntry, NightLogView)> {
        let entry = entries::find(self.db(), access.workspace.id, id).await?.ok_or(ServiceError::NotFound("entry"))?;
        let view = self.visible_log(access, entry.night_log_id).await.map_err(|e| match e {
            ServiceError::NotFound(_) => ServiceError::NotFound("entry"),
            e => e,
        })?;
        if entry.deleted_at.is_some() && !access.can(Action::DeleteData) && !is_author(actor, &entry) {
            return Err(ServiceError::NotFound("entry"));
        }
        Ok((entry, view))
    }

    pub async fn get_entry(&self, actor: &Actor, slug: &str, id: EntryId) -> ServiceResult<EntryView> {
        let access = self.access(actor, slug).await?;
        let (entry, _) = self.visible_entry(actor, &access, id).await?;
        Ok(self.named(vec![entry]).await?.remove(0))
    }

    /// Edits an entry: the change becomes a new version and every earlier one stays readable. Nothing changes
    /// (and no version is added) when the input says what the entry already says.
    #[tracing::instrument(skip(self, actor, input))]
    pub async fn edit_entry(
        &self,
        actor: &Actor,
        slug: &str,
        id: EntryId,
        input: EntryInput,
    ) -> ServiceResult<EntryView> {
        let access = self.access(actor, slug).await?;
        let (entry, view) = self.visible_entry(actor, &access, id).await?;
        let log = &view.log;
        access.require_on(log.visibility == Visibility::Public, Action::WriteNightLog, "entry")?;
        open_for_writing(log)?;
        if entry.deleted_at.is_some() {
            return Err(ServiceError::Conflict {
                field: "deleted_at",
                message: "the entry is deleted; restore it before editing".into(),
            });
        }
        if let Some(v) = input.expected_version
            && v != entry.version
        {
            return Err(ServiceError::Conflict {
                field: "expected_version",
                message: format!("the entry is at version {}, not {v}: someone edited it meanwhile", entry.version),
            });
        }
        let old = &entry.content;
        let tz = view.telescope.time_zone.tz();
        let occurred_at = match input.occurred_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => in_night(log, instant_in_night(log.night, tz, s, "occurred_at")?, "occurred_at")?,
            None => old.occurred_at,
        };
        // `null` for either clears time lost; otherwise what is given replaces what was there. A value given beside
        // a `null` is still checked: out of range is refused, never silently dropped.
        if let Some(Some(m)) = input.time_lost_minutes {
            TimeLost::minutes(m)?;
        }
        if let Some(Some(c)) = &input.time_lost_category
            && !c.trim().is_empty()
        {
            TimeLostCategory::parse(c.trim())?;
        }
        let clear = matches!(input.time_lost_minutes, Some(None)) || matches!(input.time_lost_category, Some(None));
        let minutes = match input.time_lost_minutes {
            _ if clear => None,
            Some(m) => m,
            None => old.time_lost.map(|t| i64::from(t.minutes)),
        };
        let category = match input.time_lost_category {
            _ if clear => None,
            Some(c) => c,
            None => old.time_lost.map(|t| t.category.as_str().to_owned()),
        };
        let content = EntryContent {
            occurred_at,
            level: input.level.as_deref().map(EntryLevel::parse).transpose()?.unwrap_or(old.level),
            body: match input.body.as_deref() {
                Some(b) => EntryBody::parse(b)?,
                None => old.body.clone(),
            },
            tags: match input.tags {
                Some(t) => Tags::parse(t)?,
                None => old.tags.clone(),
            },
            links: match input.links {
                Some(l) => parse_links(l)?,
                None => old.links.clone(),
            },
            time_lost: TimeLost::parse(minutes, category.as_deref())?,
        };
        if &content == old {
            return Ok(self.named(vec![entry]).await?.remove(0));
        }
        let editor = writer(actor)?;
        let txn = meridian_store::begin_write(self.db()).await?;
        let written = entries::update_content(&txn, &entry, &content, editor, crate::now()).await?;
        if !written {
            return Err(ServiceError::Conflict {
                field: "expected_version",
                message: "someone else edited the entry at the same moment; reload and try again".into(),
            });
        }
        meridian_store::commit(txn).await?;
        let updated = entries::find(self.db(), access.workspace.id, entry.id)
            .await
            .map_err(|e| ServiceError::from(e).after_commit())?
            .ok_or(ServiceError::NotFound("entry"))?;
        Ok(self.named(vec![updated]).await.map_err(ServiceError::after_commit)?.remove(0))
    }

    /// Deletes an entry softly: it disappears from the log and the lists but stays, with its history, until an
    /// admin restores it. Authors delete their own entries (signed in, not through a key); others' need
    /// `DeleteData`. Deleting again is a no-op.
    #[tracing::instrument(skip(self, actor))]
    pub async fn delete_entry(&self, actor: &Actor, slug: &str, id: EntryId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        let (entry, view) = self.visible_entry(actor, &access, id).await?;
        access.require_on(view.log.visibility == Visibility::Public, Action::WriteNightLog, "entry")?;
        let me = writer(actor)?;
        // Authors delete their own entries in person; programs (API keys) and everyone else need DeleteData.
        if !is_author(actor, &entry) && !access.can(Action::DeleteData) {
            return Err(ServiceError::Forbidden("only the entry's author or an admin may delete it"));
        }
        open_for_writing(&view.log)?;
        if entry.deleted_at.is_none() {
            entries::set_deleted(self.db(), access.workspace.id, entry.id, Some((crate::now(), me))).await?;
        }
        Ok(())
    }

    /// Brings a deleted entry back (admins and owners).
    #[tracing::instrument(skip(self, actor))]
    pub async fn restore_entry(&self, actor: &Actor, slug: &str, id: EntryId) -> ServiceResult<EntryView> {
        let access = self.access(actor, slug).await?;
        let (entry, view) = self.visible_entry(actor, &access, id).await?;
        access.require_on(view.log.visibility == Visibility::Public, Action::DeleteData, "entry")?;
        open_for_writing(&view.log)?;
        if entry.deleted_at.is_some() {
            entries::set_deleted(self.db(), access.workspace.id, entry.id, None).await?;
        }
        let restored =
            entries::find(self.db(), access.workspace.id, entry.id).await?.ok_or(ServiceError::NotFound("entry"))?;
        Ok(self.named(vec![restored]).await?.remove(0))
    }

    /// Every version of an entry, oldest first.
    pub async fn entry_history(&self, actor: &Actor, slug: &str, id: EntryId) -> ServiceResult<Vec<VersionView>> {
        let access = self.access(actor, slug).await?;
        let (entry, _) = self.visible_entry(actor, &access, id).await?;
        let versions = entries::versions(self.db(), entry.id).await?;
        let names = entries::display_names(self.db(), versions.iter().map(|v| v.edited_by)).await?;
        Ok(versions
            .into_iter()
            .map(|version| VersionView {
                editor_name: names.get(&version.edited_by).cloned().unwrap_or_default(),
                version,
            })
            .collect())
    }

    fn entry_filter(&self, access: &Access, q: &EntryQuery) -> ServiceResult<EntryFilter> {
        let (night_from, night_to) =
            night_range(q.night_from.as_deref(), q.night_to.as_deref(), "night_from", "night_to")?;
        let tags = match q.tags.as_deref() {
            Some(t) => Tags::parse_comma_separated(t)?.as_slice().to_vec(),
            None => Vec::<Tag>::new(),
        };
        let tag_mode = match q.tag_mode.as_deref().map(str::trim) {
            None | Some("" | "any") => TagMode::Any,
            Some("all") => TagMode::All,
            Some("none") => TagMode::None,
            Some(_) => return Err(ValidationError::new("tag_mode", "must be one of any, all, none").into()),
        };
        let levels = match q.level.as_deref() {
            Some(l) => l
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(EntryLevel::parse)
                .collect::<Result<Vec<_>, _>>()?,
            None => Vec::new(),
        };
        let text = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
            return Err(ValidationError::new("q", "must be at most 200 characters").into());
        }
        if q.include_deleted && !access.can(Action::DeleteData) {
            return Err(ServiceError::Forbidden("only admins may list deleted entries"));
        }
        let descending = match q.order.as_deref().map(str::trim) {
            None | Some("" | "asc") => false,
            Some("desc") => true,
            Some(_) => return Err(ValidationError::new("order", "must be asc or desc").into()),
        };
        Ok(EntryFilter {
            night_log: None,
            night_from,
            night_to,
            telescope: q
                .telescope
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .map(|s| field_id(s, "telescope"))
                .transpose()?,
            tags,
            tag_mode,
            levels,
            text,
            author: q.author.as_deref().filter(|s| !s.trim().is_empty()).map(|s| field_id(s, "author")).transpose()?,
            has_time_lost: q.has_time_lost,
            include_deleted: q.include_deleted,
            public_only: !access.can(Action::ViewWorkspace),
            descending,
        })
    }

    /// Entries across night logs, filtered and in time order; callers who may not view the workspace search its
    /// public logs only.
    pub async fn query_entries(
        &self,
        actor: &Actor,
        slug: &str,
        q: &EntryQuery,
        page: &PageRequest,
    ) -> ServiceResult<Page<EntryView>> {
        let access = self.access(actor, slug).await?;
        if !access.sees(true) {
            access.require(Action::ViewWorkspace)?;
        }
        let filter = self.entry_filter(&access, q)?;
        let rows = entries::query(self.db(), access.workspace.id, &filter, page).await?;
        let page = Page::from_rows(rows, page.limit, entries::cursor_key);
        Ok(Page { items: self.named(page.items).await?, next_cursor: page.next_cursor })
    }

    /// The entries of one night log in time order (deleted ones too, marked, for those who may restore them).
    pub async fn log_entries(
        &self,
        actor: &Actor,
        slug: &str,
        log_id: NightLogId,
        include_deleted: bool,
    ) -> ServiceResult<Vec<EntryView>> {
        let access = self.access(actor, slug).await?;
        let view = self.visible_log(&access, log_id).await?;
        if include_deleted && !access.can(Action::DeleteData) {
            return Err(ServiceError::Forbidden("only admins may list deleted entries"));
        }
        let rows = entries::list_for_log(self.db(), access.workspace.id, view.log.id, include_deleted).await?;
        self.named(rows).await
    }

    /// Minutes lost per category over a range of nights (and optionally one telescope).
    pub async fn time_lost(
        &self,
        actor: &Actor,
        slug: &str,
        from: Option<&str>,
        to: Option<&str>,
        telescope: Option<&str>,
    ) -> ServiceResult<TimeLostSummary> {
        let access = self.access(actor, slug).await?;
        if !access.sees(true) {
            access.require(Action::ViewWorkspace)?;
        }
        let (night_from, night_to) = night_range(from, to, "from", "to")?;
        let telescope: Option<TelescopeId> =
            telescope.filter(|s| !s.trim().is_empty()).map(|s| field_id(s, "telescope")).transpose()?;
        let filter = EntryFilter {
            night_from,
            night_to,
            telescope,
            public_only: !access.can(Action::ViewWorkspace),
            ..EntryFilter::default()
        };
        let rows = entries::time_lost_totals(self.db(), access.workspace.id, &filter).await?;
        let totals: Vec<(TimeLostCategory, u64, u64)> = TimeLostCategory::ALL
            .iter()
            .map(|&c| rows.iter().find(|r| r.0 == c).copied().unwrap_or((c, 0, 0)))
            .collect();
        let total_minutes = totals.iter().map(|t| t.1).sum();
        Ok(TimeLostSummary { night_from, night_to, telescope, totals, total_minutes })
    }

    async fn observation_fields(
        &self,
        access: &Access,
        view: &NightLogView,
        input: ObservationInput,
        old: Option<ObservationFields>,
    ) -> ServiceResult<ObservationFields> {
        let log = &view.log;
        let tz = view.telescope.time_zone.tz();
        let start_at = match (input.start_at.as_deref().map(str::trim).filter(|s| !s.is_empty()), &old) {
            (Some(s), _) => in_night(log, instant_in_night(log.night, tz, s, "start_at")?, "start_at")?,
            (None, Some(o)) => o.start_at,
            (None, None) => return Err(ValidationError::new("start_at", "is required").into()),
        };
        let exposure_s = match (input.exposure_s, &old) {
            (Some(e), _) => measure("exposure_s", e, 86_400.0, true)?,
            (None, Some(o)) => o.exposure_s,
            (None, None) => return Err(ValidationError::new("exposure_s", "is required").into()),
        };
        let target_id: Option<TargetId> = match input.target_id {
            Some(t) => t.as_deref().filter(|s| !s.trim().is_empty()).map(|s| field_id(s, "target_id")).transpose()?,
            None => old.as_ref().and_then(|o| o.target_id),
        };
        let instrument_id: Option<InstrumentId> = match input.instrument_id {
            Some(i) => {
                i.as_deref().filter(|s| !s.trim().is_empty()).map(|s| field_id(s, "instrument_id")).transpose()?
            }
            None => old.as_ref().and_then(|o| o.instrument_id),
        };
        let (instrument_ok, target_ok) =
            observations::owned(self.db(), access.workspace.id, instrument_id, target_id).await?;
        if !instrument_ok {
            return Err(ValidationError::new("instrument_id", "is not an instrument of this workspace").into());
        }
        if !target_ok {
            return Err(ValidationError::new("target_id", "is not a target of this workspace").into());
        }
        let coords = match (input.ra, input.dec) {
            (None, None) => None,
            (ra, dec) => Some((ra.flatten(), dec.flatten())),
        };
        let coords_given = coords.is_some();
        let mut position = match coords {
            Some((Some(ra), Some(dec))) => {
                Some(SkyPosition::new(RightAscension::parse(&ra)?, Declination::parse(&dec)?))
            }
            Some((None, None)) => None,
            Some((Some(_), None)) => return Err(ValidationError::new("dec", "is required with ra").into()),
            Some((None, Some(_))) => return Err(ValidationError::new("ra", "is required with dec").into()),
            None => old.as_ref().and_then(|o| o.position),
        };
        let mut target_name = match input.target_name.as_deref() {
            Some(n) => ShortText::parse(n).map_err(|e| e.for_field("target_name"))?,
            None => old.as_ref().map(|o| o.target_name.clone()).unwrap_or(ShortText::parse("")?),
        };
        // A catalogue target fills in what was not given.
        let target_changed = old.as_ref().is_none_or(|o| o.target_id != target_id);
        if let Some(t) = target_id
            && target_changed
            && let Some((name, pos)) = observations::target_snapshot(self.db(), access.workspace.id, t).await?
        {
            if input.target_name.is_none() {
                target_name = ShortText::parse(&name).map_err(|e| e.for_field("target_name"))?;
            }
            if !coords_given {
                position = Some(pos);
            }
        }
        Ok(ObservationFields {
            target_id,
            target_name,
            position,
            start_at,
            exposure_s,
            filter: match input.filter.as_deref() {
                Some(f) => ShortText::parse(f).map_err(|e| e.for_field("filter"))?,
                None => old.as_ref().map(|o| o.filter.clone()).unwrap_or(ShortText::parse("")?),
            },
            instrument_id,
            frame_type: match input.frame_type.as_deref() {
                Some(f) => FrameType::parse(f)?,
                None => old.as_ref().map(|o| o.frame_type).unwrap_or_default(),
            },
            quality: match input.quality.as_deref() {
                Some(q) => QualityFlag::parse(q)?,
                None => old.as_ref().map(|o| o.quality).unwrap_or_default(),
            },
            notes: match input.notes.as_deref() {
                Some(n) => Description::parse(n).map_err(|e| e.for_field("notes"))?,
                None => old.map(|o| o.notes).unwrap_or_default(),
            },
        })
    }

    /// Records an observation or calibration in a night log (observers and up).
    #[tracing::instrument(skip(self, actor, input))]
    pub async fn add_observation(
        &self,
        actor: &Actor,
        slug: &str,
        log_id: NightLogId,
        input: ObservationInput,
    ) -> ServiceResult<Observation> {
        let access = self.access(actor, slug).await?;
        let view = self.visible_log(&access, log_id).await?;
        access.require_on(view.log.visibility == Visibility::Public, Action::WriteNightLog, "night log")?;
        open_for_writing(&view.log)?;
        let fields = self.observation_fields(&access, &view, input, None).await?;
        Ok(observations::insert(self.db(), access.workspace.id, view.log.id, fields, writer(actor)?, crate::now())
            .await?)
    }

    async fn visible_observation(
        &self,
        access: &Access,
        id: ObservationId,
    ) -> ServiceResult<(Observation, NightLogView)> {
        let o = observations::find(self.db(), access.workspace.id, id)
            .await?
            .ok_or(ServiceError::NotFound("observation"))?;
        let view = self.visible_log(access, o.night_log_id).await.map_err(|e| match e {
            ServiceError::NotFound(_) => ServiceError::NotFound("observation"),
            e => e,
        })?;
        Ok((o, view))
    }

    pub async fn get_observation(&self, actor: &Actor, slug: &str, id: ObservationId) -> ServiceResult<Observation> {
        let access = self.access(actor, slug).await?;
        Ok(self.visible_observation(&access, id).await?.0)
    }

    #[tracing::instrument(skip(self, actor, input))]
    pub async fn update_observation(
        &self,
        actor: &Actor,
        slug: &str,
        id: ObservationId,
        input: ObservationInput,
    ) -> ServiceResult<Observation> {
        let access = self.access(actor, slug).await?;
        let (o, view) = self.visible_observation(&access, id).await?;
        access.require_on(view.log.visibility == Visibility::Public, Action::WriteNightLog, "observation")?;
        open_for_writing(&view.log)?;
        let fields = self.observation_fields(&access, &view, input, Some(ObservationFields::of(&o))).await?;
        observations::update(self.db(), access.workspace.id, o.id, fields, crate::now()).await?;
        observations::find(self.db(), access.workspace.id, o.id).await?.ok_or(ServiceError::NotFound("observation"))
    }

    /// Deletes an observation record (admins and owners).
    #[tracing::instrument(skip(self, actor))]
    pub async fn delete_observation(&self, actor: &Actor, slug: &str, id: ObservationId) -> ServiceResult<()> {
        let access = self.access(actor, slug).await?;
        let (o, view) = self.visible_observation(&access, id).await?;
        access.require_on(view.log.visibility == Visibility::Public, Action::DeleteData, "observation")?;
        open_for_writing(&view.log)?;
        observations::delete(self.db(), access.workspace.id, o.id).await?;
        Ok(())
    }

    pub async fn log_observations(
        &self,
        actor: &Actor,
        slug: &str,
        log_id: NightLogId,
    ) -> ServiceResult<Vec<Observation>> {
        let access = self.access(actor, slug).await?;
        let view = self.visible_log(&access, log_id).await?;
        Ok(observations::list_for_log(self.db(), access.workspace.id, view.log.id).await?)
    }

    /// Everything about one night, for its page and its report. Deleted entries are included (marked) for those
    /// who may restore them.
    pub async fn night_report(&self, actor: &Actor, slug: &str, log_id: NightLogId) -> ServiceResult<NightReport> {
        let access = self.access(actor, slug).await?;
        let view = self.visible_log(&access, log_id).await?;
        let include_deleted = access.can(Action::DeleteData);
        let rows = entries::list_for_log(self.db(), access.workspace.id, view.log.id, include_deleted).await?;
        let mut versions = entries::all_versions_of_log(self.db(), access.workspace.id, view.log.id).await?;
        // Only the history of entries this caller sees (deleted ones' only for those who may restore them).
        versions.retain(|id, _| rows.iter().any(|e| e.id == *id));
        let names = entries::display_names(self.db(), versions.values().flatten().map(|v| v.edited_by)).await?;
        let history = versions
            .into_iter()
            .map(|(id, vs)| {
                let views = vs
                    .into_iter()
                    .map(|version| VersionView {
                        editor_name: names.get(&version.edited_by).cloned().unwrap_or_default(),
                        version,
                    })
                    .collect();
                (id, views)
            })
            .collect();
        let mut time_lost: Vec<(TimeLostCategory, u64)> = TimeLostCategory::ALL.iter().map(|&c| (c, 0)).collect();
        for e in rows.iter().filter(|e| e.deleted_at.is_none()) {
            if let Some(t) = e.content.time_lost
                && let Some(slot) = time_lost.iter_mut().find(|(c, _)| *c == t.category)
            {
                slot.1 += u64::from(t.minutes);
            }
        }
        let observations = observations::list_for_log(self.db(), access.workspace.id, view.log.id).await?;
        Ok(NightReport { view, entries: self.named(rows).await?, history, observations, time_lost })
    }
}
