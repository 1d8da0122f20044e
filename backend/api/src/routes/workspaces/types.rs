//! The JSON shapes of workspaces and their members.

use crate::routes::common::list_body;
use chrono::{DateTime, Utc};
use meridian_domain::workspaces::{Member, Workspace};
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
