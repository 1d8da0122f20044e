//! The records that cross crate boundaries: what the store returns and the service hands to the API and pages.

use crate::{
    AccountId, ApiKeyId, ApiKeyScope, Description, DisplayName, Email, Role, Slug, Visibility, WorkspaceId,
    WorkspaceKind, WorkspaceName,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub email: Email,
    pub display_name: DisplayName,
    /// Whether the person proved they receive mail at `email` (a link followed, or a provider that says so).
    /// Nothing an address grants (an invitation, publishing, API keys) is granted before.
    pub email_verified: bool,
    /// Runs the server: may replace the satellite catalog and see every workspace's billing. Granted to an
    /// account by `meridian operators grant`, never by an address.
    pub operator: bool,
    /// The person's ORCID iD, when an ORCID sign-in gave it.
    pub orcid: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Workspace {
    pub id: WorkspaceId,
    pub slug: Slug,
    pub name: WorkspaceName,
    pub description: Description,
    pub kind: WorkspaceKind,
    pub visibility: Visibility,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A member of a workspace as seen in its member list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub account_id: AccountId,
    pub email: Email,
    pub display_name: DisplayName,
    pub role: Role,
    pub joined_at: DateTime<Utc>,
    /// The member's ORCID iD (`0000-0002-1825-0097`), when an ORCID sign-in gave it.
    pub orcid: Option<String>,
}

/// An API key's public facts; the secret is never stored, only its hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub workspace_id: WorkspaceId,
    pub name: crate::KeyName,
    /// The first characters of the key, enough to recognise it.
    pub prefix: String,
    pub scope: ApiKeyScope,
    pub created_by: AccountId,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

// ---- Observing -------------------------------------------------------------------------------------------------

use crate::nights::{
    EntryBody, EntryLevel, FrameType, Link, MountType, NightDate, NightStatus, QualityFlag, TimeLost, TimeZoneName,
    Transparency,
};
use crate::{
    Elevation, EntryId, InstrumentId, Latitude, Longitude, Name, NightLogId, ObservationId, ShortText, SiteId,
    SkyPosition, Tags, TargetId, TargetListId, TelescopeId,
};

/// A place telescopes stand: where and in which time zone (which decides when its nights begin).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Site {
    pub id: SiteId,
    pub workspace_id: WorkspaceId,
    pub name: Name,
    pub latitude: Latitude,
    pub longitude: Longitude,
    pub elevation: Elevation,
    pub time_zone: TimeZoneName,
    pub description: Description,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Telescope {
    pub id: TelescopeId,
    pub workspace_id: WorkspaceId,
    pub site_id: SiteId,
    pub name: Name,
    pub aperture_mm: Option<f64>,
    pub focal_length_mm: Option<f64>,
    pub mount: Option<MountType>,
    pub description: Description,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Instrument {
    pub id: InstrumentId,
    pub workspace_id: WorkspaceId,
    pub telescope_id: TelescopeId,
    pub name: Name,
    /// The detector's make and model (may be empty).
    pub detector: ShortText,
    /// Arcseconds per pixel on the sky.
    pub pixel_scale_arcsec: Option<f64>,
    /// The field of view (width × height, arcminutes), when known: planned observations take it as their field.
    pub field_arcmin: Option<(f64, f64)>,
    /// Filter names as written in the headers (`g'`, `Halpha`), in wheel order.
    pub filters: Vec<ShortText>,
    pub description: Description,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One telescope's log of one observing night (local noon to local noon at its site).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NightLog {
    pub id: NightLogId,
    pub workspace_id: WorkspaceId,
    pub telescope_id: TelescopeId,
    pub night: NightDate,
    /// The night's span in UTC, `[starts_at, ends_at)`.
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Who observed, as written (names, initials).
    pub observers: ShortText,
    /// Median seeing in arcseconds (FWHM), when measured.
    pub seeing_arcsec: Option<f64>,
    pub transparency: Option<Transparency>,
    /// Weather notes: wind, humidity, clouds, dome closures.
    pub weather: Description,
    /// The night's summary (Markdown), usually written in the morning.
    pub summary: Description,
    pub status: NightStatus,
    /// Private to the workspace, or public on its public page (when the workspace is public).
    pub visibility: Visibility,
    pub created_by: AccountId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a log entry says, in one version. Editing adds a version; none is ever overwritten.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryContent {
    pub occurred_at: DateTime<Utc>,
    pub level: EntryLevel,
    pub body: EntryBody,
    pub tags: Tags,
    pub links: Vec<Link>,
    pub time_lost: Option<TimeLost>,
}

/// A night-log entry as it stands now (its latest version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub id: EntryId,
    pub workspace_id: WorkspaceId,
    pub night_log_id: NightLogId,
    pub telescope_id: TelescopeId,
    pub night: NightDate,
    pub content: EntryContent,
    /// Who wrote the first version.
    pub author_id: AccountId,
    /// 1 for an entry never edited.
    pub version: u32,
    pub edited_by: AccountId,
    pub edited_at: DateTime<Utc>,
    /// Set when the entry was deleted (soft: an admin can restore it).
    pub deleted_at: Option<DateTime<Utc>>,
    pub deleted_by: Option<AccountId>,
    pub created_at: DateTime<Utc>,
}

/// One version in an entry's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntryVersion {
    pub entry_id: EntryId,
    pub version: u32,
    pub content: EntryContent,
    pub edited_by: AccountId,
    pub edited_at: DateTime<Utc>,
}

/// An exposure recorded in a night log: a science frame or a calibration. Data files attach to it (by its id)
/// when they are ingested.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub id: ObservationId,
    pub workspace_id: WorkspaceId,
    pub night_log_id: NightLogId,
    /// The catalogue target, if it was one; name and position are kept even if the target goes.
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
    pub created_by: AccountId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A target in the workspace's catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub id: TargetId,
    pub workspace_id: WorkspaceId,
    pub name: Name,
    pub position: SkyPosition,
    pub notes: Description,
    pub tags: Tags,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A named list of targets (tonight's queue, a monitoring programme).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetList {
    pub id: TargetListId,
    pub workspace_id: WorkspaceId,
    pub name: Name,
    pub description: Description,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
