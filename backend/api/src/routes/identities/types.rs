//! The JSON shapes of sign-in providers and an account's linked providers, and the queries of a provider sign-in.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// One of the account's sign-ins at a provider.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityBody {
    pub id: Uuid,
    /// The provider's name (`orcid`, `github`, `institute`), as in `GET /auth/providers`.
    pub provider: String,
    /// The address the provider gave, when it gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the provider vouched for that address.
    pub email_verified: bool,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
}

impl From<meridian_domain::identities::Identity> for IdentityBody {
    fn from(i: meridian_domain::identities::Identity) -> Self {
        Self {
            id: i.id.as_uuid(),
            provider: i.provider,
            email: i.email,
            email_verified: i.email_verified,
            created_at: i.created_at,
            last_used_at: i.last_used_at,
        }
    }
}

/// The account's linked providers, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentityList {
    pub items: Vec<IdentityBody>,
}

/// A provider people can sign in with.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderBody {
    /// Used in `/auth/{name}/start` and in identities.
    pub name: String,
    /// The button's text.
    pub display_name: String,
    /// `oidc` (OpenID Connect) or `github`.
    pub kind: String,
}

/// The configured sign-in providers, in the configuration's order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderList {
    pub items: Vec<ProviderBody>,
}

/// Where a provider sign-in starts.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StartSignInQuery {
    /// A path on this site to go to afterwards (`/workspaces/obs`); anything else is ignored.
    pub next: Option<String>,
    /// `1` or `true`: link the provider to the signed-in account instead of signing in.
    pub link: Option<String>,
}

/// What the provider sends the browser back with.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CallbackQuery {
    /// The authorization code.
    pub code: Option<String>,
    /// The state the sign-in left with.
    pub state: Option<String>,
    /// The provider's error code (`access_denied`), instead of a code.
    pub error: Option<String>,
    /// The provider's words about the error.
    pub error_description: Option<String>,
}

impl std::fmt::Debug for CallbackQuery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallbackQuery").field("error", &self.error).finish_non_exhaustive()
    }
}
