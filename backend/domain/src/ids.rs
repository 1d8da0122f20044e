//! Typed ids: every resource has its own id type, so an account id can never be passed where a workspace id is
//! expected. All are UUIDv7 (time-ordered, which keyset pagination relies on).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            #[cfg(feature = "gen")]
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            #[must_use]
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            #[must_use]
            pub const fn as_uuid(self) -> Uuid {
                self.0
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> $name {
                $name(id)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }

        /// The store binds ids as they are (`Column::Id.eq(id)`), without a conversion at each query.
        #[cfg(feature = "sea-query")]
        impl From<$name> for sea_query::Value {
            fn from(id: $name) -> Self {
                sea_query::Value::Uuid(Some(id.0))
            }
        }

        #[cfg(feature = "sea-query")]
        impl sea_query::Nullable for $name {
            fn null() -> sea_query::Value {
                sea_query::Value::Uuid(None)
            }
        }

        #[cfg(feature = "gen")]
        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| crate::ValidationError::new("id", "not a valid id"))
            }
        }
    };
}

typed_id!(
    /// A person's account.
    AccountId
);
typed_id!(
    /// A workspace: an observatory portal or a personal space.
    WorkspaceId
);
typed_id!(
    /// An API key of a workspace.
    ApiKeyId
);
typed_id!(
    /// A browser session.
    SessionId
);
typed_id!(
    /// An observing site (a place with a latitude, longitude and time zone).
    SiteId
);
typed_id!(
    /// A telescope at a site.
    TelescopeId
);
typed_id!(
    /// An instrument (camera, spectrograph) on a telescope.
    InstrumentId
);
typed_id!(
    /// One telescope's log of one observing night.
    NightLogId
);
typed_id!(
    /// An entry in a night log; its versions share the id.
    EntryId
);
typed_id!(
    /// An observation or calibration exposure recorded in a night log.
    ObservationId
);
typed_id!(
    /// A target in a workspace's catalogue.
    TargetId
);
typed_id!(
    /// A named list of targets.
    TargetListId
);
typed_id!(
    /// A dataset: a named collection of data files in a workspace.
    DatasetId
);
typed_id!(
    /// A data file (its bytes are an object in storage).
    DataFileId
);
typed_id!(
    /// An upload in flight (streamed or in resumable parts).
    UploadId
);
typed_id!(
    /// A storage-tier rule of a workspace.
    LifecycleRuleId
);
typed_id!(
    /// A planned observation (a target, a telescope and a time window) with its satellite check.
    PlannedObservationId
);
typed_id!(
    /// A data package of a workspace.
    PackageId
);
typed_id!(
    /// One published version of a data package.
    PackageVersionId
);
typed_id!(
    /// A secret link to a data package.
    PackageLinkId
);
typed_id!(
    /// An invitation of an e-mail address to a workspace.
    InvitationId
);
typed_id!(
    /// A message in the outgoing mail queue.
    MailId
);
typed_id!(
    /// An account's sign-in at an OpenID Connect / OAuth2 provider.
    IdentityId
);
