//! Targets: a workspace's catalogue of objects and its named lists of them.

use crate::ids::{TargetId, TargetListId, WorkspaceId};
use crate::sky::SkyPosition;
use crate::tags::Tags;
use crate::values::{Description, Name};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
