//! The account life cycle: single-use links mailed to people, invitations, sessions and outgoing mail.

use crate::ids::{AccountId, IdentityId, InvitationId, MailId, SessionId, WorkspaceId};
use crate::{Email, Role};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

vocabulary!(
    /// What a mailed single-use link does.
    TokenPurpose, field = "purpose", {
        /// Confirms the address an account signed up with.
        VerifyEmail = "verify_email",
        /// Confirms a new address; following it makes the new address the account's.
        ChangeEmail = "change_email",
        /// Lets the holder set a new password.
        ResetPassword = "reset_password",
    }
);

impl TokenPurpose {
    /// How long a link works: a day to confirm an address, an hour to reset a password.
    #[must_use]
    pub fn lifetime(self) -> Duration {
        match self {
            TokenPurpose::VerifyEmail | TokenPurpose::ChangeEmail => Duration::hours(24),
            TokenPurpose::ResetPassword => Duration::hours(1),
        }
    }
}

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

/// One of an account's browser sessions, as its account page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: SessionId,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The browser's `User-Agent` at sign-in, shortened.
    pub user_agent: Option<String>,
    /// The client's address at sign-in.
    pub ip: Option<String>,
}

vocabulary!(
    /// Where an outgoing message stands.
    MailStatus, field = "status", {
        /// Waiting for (another) attempt.
        Queued = "queued",
        /// Handed to the SMTP server or written to the outbox.
        Sent = "sent",
        /// Given up after its last attempt, or refused for good by the server.
        Failed = "failed",
    }
);

/// An outgoing message as operators see it (never its body).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailRecord {
    pub id: MailId,
    pub kind: String,
    pub to: String,
    pub subject: String,
    pub status: MailStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    /// Where it went: the outbox file, or the SMTP server's answer.
    pub delivered_to: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// An account's sign-in at a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub id: IdentityId,
    pub account_id: AccountId,
    /// The provider's name in the configuration (`orcid`, `github`, `institute`).
    pub provider: String,
    /// The provider's stable id of the person (`sub`).
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
}

/// How long a provider sign-in may take between leaving for the provider and coming back.
pub const SIGN_IN_FLOW_LIFETIME_MINUTES: i64 = 10;

/// A provider sign-in under way: what the callback needs to finish it. Kept server-side (any replica finishes it);
/// the browser holds only the `state` it was sent with.
#[derive(Clone, PartialEq, Eq)]
pub struct SignInFlow {
    /// The provider's name in the configuration.
    pub provider: String,
    /// The OpenID Connect `nonce` the ID token must carry.
    pub nonce: String,
    /// The PKCE code verifier (a secret until the code is exchanged).
    pub pkce_verifier: String,
    /// The signed-in account the identity is to be linked to; `None` for a sign-in.
    pub link_account: Option<AccountId>,
    /// A local path to go to afterwards.
    pub return_to: Option<String>,
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for SignInFlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInFlow")
            .field("provider", &self.provider)
            .field("link_account", &self.link_account)
            .field("return_to", &self.return_to)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// `next` when it is a path on this site (`/workspaces/obs`), so a sign-in can never send the browser elsewhere:
/// it starts with one `/` (not `//host`), has no backslash (browsers read `/\host` as `//host`) and no control
/// characters.
#[must_use]
pub fn local_return_path(next: &str) -> Option<&str> {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control)
        && next.len() <= 1000;
    ok.then_some(next)
}

/// The display name every deleted account shows: what they wrote stays, attributed to nobody in particular.
pub const DELETED_ACCOUNT_NAME: &str = "a deleted account";

/// The placeholder address a deleted account keeps (unique, and in the `.invalid` domain nothing delivers to).
#[must_use]
pub fn deleted_account_email(id: AccountId) -> String {
    format!("deleted-{id}@accounts.invalid")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_lifetimes_follow_the_purpose() {
        assert_eq!(TokenPurpose::ResetPassword.lifetime(), Duration::hours(1));
        assert_eq!(TokenPurpose::VerifyEmail.lifetime(), Duration::hours(24));
        assert_eq!(TokenPurpose::parse("change_email"), Ok(TokenPurpose::ChangeEmail));
        assert!(TokenPurpose::parse("other").is_err());
    }

    #[test]
    fn an_invitation_is_pending_until_accepted_revoked_or_expired() {
        let now = Utc::now();
        let mut inv = Invitation {
            id: InvitationId::new(),
            workspace_id: WorkspaceId::new(),
            email: Email::parse("a@example.org").expect("email"),
            role: Role::Member,
            invited_by: AccountId::new(),
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
        assert!(Email::parse(&deleted_account_email(AccountId::new())).is_ok());
    }

    #[test]
    fn only_local_paths_are_places_to_return_to() {
        assert_eq!(local_return_path("/workspaces/obs?tab=1"), Some("/workspaces/obs?tab=1"));
        assert_eq!(local_return_path("/"), Some("/"));
        for bad in ["//evil.example", "https://evil.example", "/\\evil.example", "evil", "", "/a\nb", "\\\\x"] {
            assert_eq!(local_return_path(bad), None, "{bad:?}");
        }
    }
}
