//! The JSON shapes of invitations.

use crate::routes::workspaces::types::{MemberBody, WorkspaceBody};
use chrono::{DateTime, Utc};
use meridian_domain::invitations::Invitation;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Deserialize, ToSchema)]
pub struct InviteBody {
    /// The address to invite; it need not have an account yet.
    #[schema(schema_with = crate::schemas::email)]
    pub email: String,
    #[schema(schema_with = crate::schemas::role)]
    pub role: String,
}

/// An invitation of an address to the workspace.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationBody {
    pub id: Uuid,
    pub email: String,
    /// The role the invitee gets on accepting.
    pub role: String,
    /// `pending`, `accepted`, `revoked` or `expired`.
    pub status: String,
    /// The account that invited.
    pub invited_by: Uuid,
    pub created_at: DateTime<Utc>,
    /// When the current link was mailed.
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl From<Invitation> for InvitationBody {
    fn from(i: Invitation) -> Self {
        Self {
            id: i.id.as_uuid(),
            status: i.status(chrono::Utc::now()).as_str().to_owned(),
            email: i.email.to_string(),
            role: i.role.as_str().to_owned(),
            invited_by: i.invited_by.as_uuid(),
            created_at: i.created_at,
            sent_at: i.sent_at,
            expires_at: i.expires_at,
        }
    }
}

/// The workspace's open invitations (pending and expired), newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct InvitationList {
    pub items: Vec<InvitationBody>,
}

/// An invitation accepted: where the caller now belongs.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcceptedInvitationBody {
    pub workspace: WorkspaceBody,
    pub member: MemberBody,
}
