//! Workspaces, their members and their API keys.

use crate::ids::{AccountId, ApiKeyId, WorkspaceId};
use crate::permissions::{ApiKeyScope, Role};
use crate::values::{Description, DisplayName, Email, KeyName, Slug, Visibility, WorkspaceKind, WorkspaceName};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
    pub name: KeyName,
    /// The first characters of the key, enough to recognise it.
    pub prefix: String,
    pub scope: ApiKeyScope,
    pub created_by: AccountId,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}
