//! Planned observations: what a workspace means to observe, where and when, with the stored satellite check.

use crate::{
    AccountId, Description, InstrumentId, Name, PlannedObservationId, SkyPosition, TargetId, TelescopeId,
    ValidationError, WorkspaceId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Longest window a plan may cover (a satellite check covers at most a day).
pub const MAX_PLAN_HOURS: i64 = 24;

/// A field of view's shape, centred on the pointing (degrees; the position angle of the height axis is measured
/// from north through east). The satellite crate checks the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum FieldOfView {
    Circle { radius_deg: f64 },
    Rectangle { width_deg: f64, height_deg: f64, position_angle_deg: f64 },
}

impl FieldOfView {
    pub fn shape_name(&self) -> &'static str {
        match self {
            FieldOfView::Circle { .. } => "circle",
            FieldOfView::Rectangle { .. } => "rectangle",
        }
    }
}

/// Where a plan's satellite check stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// Not run yet (or queued again after a catalog refresh).
    Pending,
    Done,
    /// The check could not run (no catalog); `error` says why.
    Failed,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Pending => "pending",
            CheckStatus::Done => "done",
            CheckStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        match s {
            "pending" => Ok(CheckStatus::Pending),
            "done" => Ok(CheckStatus::Done),
            "failed" => Ok(CheckStatus::Failed),
            _ => Err(ValidationError::new("check_status", "must be pending, done or failed")),
        }
    }
}

/// The stored result of a plan's satellite check and the catalog it ran on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredCheck {
    pub status: CheckStatus,
    /// The crossings and skipped objects as JSON (the satellite crate's report).
    pub result: Option<String>,
    pub error: Option<String>,
    pub checked_at: Option<DateTime<Utc>>,
    /// The catalog revision (its newest import) and its oldest and newest element epochs at the time.
    pub catalog_import: Option<uuid::Uuid>,
    pub catalog_oldest: Option<DateTime<Utc>>,
    pub catalog_newest: Option<DateTime<Utc>>,
}

impl StoredCheck {
    pub fn pending() -> Self {
        Self {
            status: CheckStatus::Pending,
            result: None,
            error: None,
            checked_at: None,
            catalog_import: None,
            catalog_oldest: None,
            catalog_newest: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedObservation {
    pub id: PlannedObservationId,
    pub workspace_id: WorkspaceId,
    pub name: Name,
    /// The target it was planned from (the position is copied, so it stays if the target goes).
    pub target_id: Option<TargetId>,
    pub position: SkyPosition,
    pub telescope_id: TelescopeId,
    pub instrument_id: Option<InstrumentId>,
    pub field: FieldOfView,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub notes: Description,
    pub created_by: AccountId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub check: StoredCheck,
}

/// Checks a plan's window: it must end after it starts and cover at most [`MAX_PLAN_HOURS`].
pub fn validate_window(starts_at: DateTime<Utc>, ends_at: DateTime<Utc>) -> Result<(), ValidationError> {
    if ends_at <= starts_at {
        return Err(ValidationError::new("ends_at", "must be after starts_at"));
    }
    if ends_at - starts_at > chrono::Duration::hours(MAX_PLAN_HOURS) {
        return Err(ValidationError::new("ends_at", format!("the window may cover at most {MAX_PLAN_HOURS} hours")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;

    #[test]
    fn windows_are_checked() {
        let t = Utc.with_ymd_and_hms(2026, 11, 22, 20, 0, 0).single().expect("time");
        assert!(validate_window(t, t + chrono::Duration::hours(2)).is_ok());
        assert_eq!(validate_window(t, t).unwrap_err().field, "ends_at");
        assert_eq!(validate_window(t, t + chrono::Duration::hours(25)).unwrap_err().field, "ends_at");
        assert_eq!(CheckStatus::parse("done"), Ok(CheckStatus::Done));
        assert!(CheckStatus::parse("maybe").is_err());
    }
}
