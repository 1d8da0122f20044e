//! Invitations: an e-mail address invited to a workspace with a role, and where the invitation stands.

use crate::ids::{AccountId, InvitationId, WorkspaceId};
use crate::{Email, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How long an invitation can be accepted after it was (last) sent.
pub const INVITATION_LIFETIME_DAYS: i64 = 7;

vocabulary!(
    /// Where an invitation stands.
    InvitationStatus, field = "status", {
        Pending = "pending",
        Accepted = "accepted",
        Revoked = "revoked",
        Expired = "expired",
    }
);

/// An e-mail address invited to a workspace with a role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    pub id: InvitationId,
    pub workspace_id: WorkspaceId,
    pub email: Email,
    pub role: Role,
    pub invited_by: AccountId,
    pub created_at: DateTime<Utc>,
    pub sent_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub accepted_by: Option<AccountId>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl Invitation {
    #[must_use]
    pub fn status(&self, now: DateTime<Utc>) -> InvitationStatus {
        if self.accepted_at.is_some() {
            InvitationStatus::Accepted
        } else if self.revoked_at.is_some() {
            InvitationStatus::Revoked
        } else if self.expires_at <= now {
            InvitationStatus::Expired
        } else {
            InvitationStatus::Pending
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn an_invitation_is_pending_until_accepted_revoked_or_expired() {
        let now = Utc::now();
        let mut inv = Invitation {
            id: InvitationId::from_uuid(uuid::Uuid::from_u128(1)),
            workspace_id: WorkspaceId::from_uuid(uuid::Uuid::from_u128(2)),
            email: Email::parse("a@example.org").expect("email"),
            role: Role::Member,
            invited_by: AccountId::from_uuid(uuid::Uuid::from_u128(3)),
            created_at: now,
            sent_at: now,
            expires_at: now + Duration::days(INVITATION_LIFETIME_DAYS),
            accepted_at: None,
            accepted_by: None,
            revoked_at: None,
        };
        assert_eq!(inv.status(now), InvitationStatus::Pending);
        assert_eq!(inv.status(now + Duration::days(8)), InvitationStatus::Expired);
        inv.revoked_at = Some(now);
        assert_eq!(inv.status(now), InvitationStatus::Revoked);
        inv.accepted_at = Some(now);
        assert_eq!(inv.status(now), InvitationStatus::Accepted);
    }
}
