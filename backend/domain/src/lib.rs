#![doc = include_str!("../README.md")]

#[macro_use]
mod vocabulary;

pub mod accounts;
pub mod billing;
pub mod data;
pub mod equipment;
pub mod identities;
pub mod ids;
pub mod invitations;
pub mod mail;
pub mod nights;
pub mod packages;
pub mod page;
pub mod permissions;
pub mod planning;
pub mod search;
pub mod sky;
pub mod tags;
pub mod targets;
pub mod uploads;
pub mod values;
pub mod workspaces;

pub use data::{IngestStatus, PlanKey, PlanLimits, PreviewStatus, RestoreStatus, Tier};
pub use equipment::MountType;
pub use ids::{
    AccountId, ApiKeyId, DataFileId, DatasetId, EntryId, IdentityId, InstrumentId, InvitationId, LifecycleRuleId,
    MailId, NightLogId, ObservationId, PackageId, PackageLinkId, PackageVersionId, PlannedObservationId, SessionId,
    SiteId, TargetId, TargetListId, TelescopeId, UploadId, WorkspaceId,
};
pub use nights::{
    EntryBody, EntryLevel, FrameType, Link, NightDate, NightStatus, QualityFlag, TimeLost, TimeLostCategory,
    TimeZoneName, Transparency, Tz, instant_in_night, local_time_in_night, measure, night_bounds, night_of,
    parse_links,
};
pub use packages::{Author, Orcid, PackageAccess, SpdxId};
pub use page::{Cursor, Limit, Page, PageRequest};
pub use permissions::{Action, ApiKeyScope, Role};
pub use sky::{Declination, Elevation, Latitude, Longitude, RightAscension, SkyPosition};
pub use tags::{Tag, Tags};
pub use values::{
    Description, DisplayName, Email, KeyName, Name, Password, ShortText, Slug, Visibility, WorkspaceKind, WorkspaceName,
};

/// A value that failed validation, naming the field so the client can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize, serde::Deserialize)]
#[error("{field}: {message}")]
pub struct ValidationError {
    pub field: String,
    pub message: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }

    /// The same error, reported under another field name (a value type does not know which field it fills).
    #[must_use]
    pub fn for_field(mut self, field: &str) -> Self {
        field.clone_into(&mut self.field);
        self
    }
}
