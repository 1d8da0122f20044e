//! The data side: datasets, data files and their FITS header cards, tier rules and metered usage; storage tiers,
//! plans and their limits, file and job states.

use crate::{AccountId, ApiKeyId, DataFileId, DatasetId, LifecycleRuleId, NightLogId, ObservationId, TelescopeId};
use crate::{FrameType, WorkspaceId};
use chrono::{DateTime, Utc};

vocabulary!(
    /// Where a file's bytes live, from fast and dear to slow and cheap. Each tier maps to a storage class of the
    /// object store (by default STANDARD, STANDARD_IA and GLACIER); a cold file must be restored before it is read.
    #[derive(Default)]
    Tier, field = "tier", {
        #[default]
        Hot = "hot",
        Cool = "cool",
        Cold = "cold",
    }
);

/// The key of a storage plan (`free`, `observatory`): which of the server's plans a workspace is on. The plans
/// themselves (limits, prices) come from the server's configuration.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PlanKey(String);

impl PlanKey {
    /// 1 to 40 lowercase letters, digits, `-` or `_`.
    pub fn parse(s: &str) -> Result<Self, crate::ValidationError> {
        let ok = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if s.is_empty() || s.len() > 40 || !s.chars().all(ok) {
            return Err(crate::ValidationError::new("plan", "must be 1 to 40 lowercase letters, digits, `-` or `_`"));
        }
        Ok(Self(s.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `free`, the plan of a server that configures none.
impl Default for PlanKey {
    fn default() -> Self {
        Self("free".to_owned())
    }
}

impl std::fmt::Display for PlanKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PlanKey {
    type Error = crate::ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<PlanKey> for String {
    fn from(k: PlanKey) -> Self {
        k.0
    }
}

const GIB: u64 = 1 << 30;

/// What a plan allows, per tier, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct PlanLimits {
    pub hot_bytes: u64,
    pub cool_bytes: u64,
    pub cold_bytes: u64,
    /// The largest single file.
    pub max_file_bytes: u64,
}

impl PlanLimits {
    #[must_use]
    pub const fn for_tier(&self, tier: Tier) -> u64 {
        match tier {
            Tier::Hot => self.hot_bytes,
            Tier::Cool => self.cool_bytes,
            Tier::Cold => self.cold_bytes,
        }
    }
}

vocabulary!(
    /// Where a file's header ingest stands.
    #[derive(Default)]
    IngestStatus, field = "ingest_status", {
        /// Not a FITS file: nothing to read.
        #[default]
        None = "none",
        Pending = "pending",
        Done = "done",
        /// The header could not be read; the file is kept and the error shown.
        Failed = "failed",
    }
);

vocabulary!(
    /// Where a file's preview stands.
    #[derive(Default)]
    PreviewStatus, field = "preview_status", {
        #[default]
        None = "none",
        Pending = "pending",
        Done = "done",
        /// No 2-D image to show.
        Unavailable = "unavailable",
        Failed = "failed",
    }
);

vocabulary!(
    /// A cold file's way back to hot.
    #[derive(Default)]
    RestoreStatus, field = "restore_status", {
        #[default]
        None = "none",
        /// Asked for; the object store is bringing it back (hours on a real archive tier).
        InProgress = "in_progress",
        Failed = "failed",
    }
);

/// A named set of files in a workspace (a night's frames, a survey), released to outsiders from `release_at`.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    pub id: DatasetId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub description: String,
    pub telescope_id: Option<TelescopeId>,
    pub release_at: Option<DateTime<Utc>>,
    pub created_by: AccountId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored file of a dataset, with what its FITS header said (when it was one) and the state of its jobs.
#[derive(Debug, Clone, PartialEq)]
pub struct DataFile {
    pub id: DataFileId,
    pub workspace_id: WorkspaceId,
    pub dataset_id: DatasetId,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Lower-case hex.
    pub sha256: String,
    pub object_key: String,
    pub tier: Tier,
    pub tier_changed_at: DateTime<Utc>,
    pub restore_status: RestoreStatus,
    pub restore_requested_at: Option<DateTime<Utc>>,
    pub uploaded_by: AccountId,
    pub uploaded_via_key: Option<ApiKeyId>,
    pub uploaded_at: DateTime<Utc>,
    /// The file's own release date; without one, its dataset's holds.
    pub release_at: Option<DateTime<Utc>>,
    pub ingest_status: IngestStatus,
    /// Why the ingest failed, or what it warned about.
    pub ingest_error: Option<String>,
    /// The header summary as JSON (the primary HDU's cards), once ingested.
    pub header_json: Option<String>,
    pub date_obs: Option<DateTime<Utc>>,
    pub object: Option<String>,
    pub ra_deg: Option<f64>,
    pub dec_deg: Option<f64>,
    pub healpix: Option<i64>,
    pub exposure_s: Option<f64>,
    pub filter: Option<String>,
    pub instrument: Option<String>,
    pub telescope: Option<String>,
    pub frame_type: Option<String>,
    pub night_log_id: Option<NightLogId>,
    pub observation_id: Option<ObservationId>,
    pub preview_key: Option<String>,
    pub preview_status: PreviewStatus,
}

/// One FITS header card, as kept for search: in which HDU, at which place, and its value as text and as a number
/// when it is one.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderCard {
    pub hdu: i32,
    pub seq: i32,
    pub keyword: String,
    pub text: Option<String>,
    pub number: Option<f64>,
}

/// A workspace's rule for moving files to cheaper tiers as they age, optionally only one dataset's or frame type's.
#[derive(Debug, Clone, PartialEq)]
pub struct LifecycleRule {
    pub id: LifecycleRuleId,
    pub workspace_id: WorkspaceId,
    pub name: String,
    pub dataset_id: Option<DatasetId>,
    pub frame_type: Option<FrameType>,
    pub cool_after_days: Option<i32>,
    pub cold_after_days: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Storage used in one month and tier, in byte-seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageMonth {
    /// `YYYY-MM`.
    pub month: String,
    pub tier: Tier,
    pub byte_seconds: f64,
    /// The plan the workspace was on when the month ended (none while it runs, and for months metered before
    /// this was kept).
    pub plan: Option<crate::PlanKey>,
}

/// How far a workspace's metering has got, and the bytes per tier it last saw (hot, cool, cold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageState {
    pub metered_until: DateTime<Utc>,
    pub bytes: [i64; 3],
}

/// Seconds in the average month (365.25 × 24 × 3600 / 12): a GiB-month is a GiB kept this long.
pub const SECONDS_PER_MONTH: f64 = 2_629_800.0;

/// Byte-seconds as GiB-months.
#[must_use]
pub fn gib_months(byte_seconds: f64) -> f64 {
    #[expect(clippy::cast_precision_loss, reason = "a GiB is exact in f64")]
    let gib = GIB as f64;
    byte_seconds / gib / SECONDS_PER_MONTH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_parse_and_default() {
        assert_eq!(Tier::parse("cool"), Ok(Tier::Cool));
        assert_eq!(Tier::parse("warm").map_err(|e| e.field), Err("tier".to_owned()));
        assert_eq!(Tier::default(), Tier::Hot);
    }

    #[test]
    fn plan_keys_are_url_safe_words() {
        assert_eq!(PlanKey::parse("observatory-2026").map(|k| k.to_string()), Ok("observatory-2026".to_owned()));
        for bad in ["", "Free", "a b", "x".repeat(41).as_str(), "caf\u{e9}"] {
            assert_eq!(PlanKey::parse(bad).map_err(|e| e.field), Err("plan".to_owned()), "{bad}");
        }
        assert_eq!(PlanKey::default().as_str(), "free");
    }

    #[test]
    fn a_gib_kept_a_month_is_one_gib_month() {
        #[expect(clippy::cast_precision_loss, reason = "exact")]
        let bs = GIB as f64 * SECONDS_PER_MONTH;
        assert!((gib_months(bs) - 1.0).abs() < 1e-12);
        assert!((gib_months(bs / 2.0) - 0.5).abs() < 1e-12);
    }
}
