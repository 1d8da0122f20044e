//! The JSON shapes of workspaces, their members and their API keys.

use crate::routes::common::list_body;
use chrono::{DateTime, Utc};
use meridian_domain::workspaces::{ApiKey, Member, Workspace};
use meridian_service::workspaces::WorkspaceView;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct WorkspaceBody {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// `personal` or `organization`.
    pub kind: String,
    /// `public` or `private`.
    pub visibility: String,
    /// The caller's role, when a member.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&Workspace> for WorkspaceBody {
    fn from(w: &Workspace) -> Self {
        Self {
            id: w.id.as_uuid(),
            slug: w.slug.to_string(),
            name: w.name.to_string(),
            description: w.description.as_str().to_owned(),
            kind: w.kind.as_str().to_owned(),
            visibility: w.visibility.as_str().to_owned(),
            role: None,
            created_at: w.created_at,
            updated_at: w.updated_at,
        }
    }
}

impl From<WorkspaceView> for WorkspaceBody {
    fn from(v: WorkspaceView) -> Self {
        Self { role: v.role.map(|r| r.as_str().to_owned()), ..Self::from(&v.workspace) }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateWorkspaceBody {
    /// URL name: 3-40 lowercase letters, digits and hyphens, starting with a letter.
    #[schema(example = "la-palma-obs")]
    #[schema(schema_with = crate::schemas::slug)]
    pub slug: String,
    #[schema(example = "La Palma Observatory")]
    #[schema(schema_with = crate::schemas::name)]
    pub name: String,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub description: Option<String>,
    /// `public` or `private` (default).
    #[schema(schema_with = crate::schemas::visibility_opt)]
    pub visibility: Option<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateWorkspaceBody {
    #[schema(schema_with = crate::schemas::name_opt)]
    pub name: Option<String>,
    #[schema(schema_with = crate::schemas::description_opt)]
    pub description: Option<String>,
    #[schema(schema_with = crate::schemas::visibility_opt)]
    pub visibility: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MemberBody {
    pub account_id: Uuid,
    pub email: String,
    pub display_name: String,
    /// owner, admin, member, observer or viewer.
    pub role: String,
    pub joined_at: DateTime<Utc>,
    /// The member's ORCID iD, when an ORCID sign-in gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orcid: Option<String>,
}

impl From<Member> for MemberBody {
    fn from(m: Member) -> Self {
        Self {
            account_id: m.account_id.as_uuid(),
            email: m.email.to_string(),
            display_name: m.display_name.to_string(),
            role: m.role.as_str().to_owned(),
            joined_at: m.joined_at,
            orcid: m.orcid,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateMemberBody {
    #[schema(schema_with = crate::schemas::role)]
    pub role: String,
}

list_body!(WorkspaceList, WorkspaceBody);
list_body!(MemberList, MemberBody);

#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyBody {
    pub id: Uuid,
    pub workspace_id: Uuid,
    pub name: String,
    /// The key's first characters, to recognise it.
    pub prefix: String,
    /// read, write or upload.
    pub scope: String,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyBody {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id.as_uuid(),
            workspace_id: k.workspace_id.as_uuid(),
            name: k.name.to_string(),
            prefix: k.prefix,
            scope: k.scope.as_str().to_owned(),
            created_by: k.created_by.as_uuid(),
            created_at: k.created_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CreatedApiKeyBody {
    #[serde(flatten)]
    pub key: ApiKeyBody,
    /// The whole key. Shown this once: store it now.
    pub secret: String,
}

/// Printed without its secret.
impl std::fmt::Debug for CreatedApiKeyBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedApiKeyBody").field("key", &self.key).finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateApiKeyBody {
    #[schema(example = "dome computer")]
    #[schema(schema_with = crate::schemas::name)]
    pub name: String,
    /// read, write or upload.
    #[schema(example = "upload")]
    #[schema(schema_with = crate::schemas::key_scope)]
    pub scope: String,
}

list_body!(ApiKeyList, ApiKeyBody);
