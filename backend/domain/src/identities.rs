//! Identities: an account's sign-ins at OAuth2 / OpenID Connect providers, and a provider sign-in under way.

use crate::ids::{AccountId, IdentityId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

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
