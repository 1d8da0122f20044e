//! Accounts and their life cycle: the account itself, single-use links mailed to people, sessions, where a sign-in
//! may return to, and what a deleted account keeps.

use crate::ids::{AccountId, SessionId};
use crate::values::{DisplayName, Email};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: AccountId,
    pub email: Email,
    pub display_name: DisplayName,
    /// Whether the person proved they receive mail at `email` (a link followed, or a provider that says so).
    /// Nothing an address grants (an invitation, publishing, API keys) is granted before.
    pub email_verified: bool,
    /// Runs the server: may replace the satellite catalog and see every workspace's billing. Granted to an
    /// account by `meridian operators grant`, never by an address.
    pub operator: bool,
    /// The person's ORCID iD, when an ORCID sign-in gave it.
    pub orcid: Option<String>,
    pub created_at: DateTime<Utc>,
}

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
    fn a_deleted_account_keeps_a_valid_address() {
        assert!(crate::Email::parse(&deleted_account_email(AccountId::from_uuid(uuid::Uuid::from_u128(7)))).is_ok());
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
