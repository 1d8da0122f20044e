//! The JSON shapes of accounts, sessions, and who am I.

use crate::routes::workspaces::types::ApiKeyBody;
use chrono::{DateTime, Utc};
use meridian_domain::accounts::Account;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountBody {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    /// Whether the address is confirmed. Until it is, the account cannot accept invitations, publish data
    /// packages or create API keys (403 `email_unverified`).
    pub email_verified: bool,
    /// Whether the account is one of the server's operators.
    pub operator: bool,
    /// The person's ORCID iD, when an ORCID sign-in gave it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub orcid: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<&Account> for AccountBody {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id.as_uuid(),
            email: a.email.to_string(),
            display_name: a.display_name.to_string(),
            email_verified: a.email_verified,
            operator: a.operator,
            orcid: a.orcid.clone(),
            created_at: a.created_at,
        }
    }
}

/// Who the caller is: a person (session) or an API key of a workspace.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeBody {
    /// `session` or `api_key`.
    pub kind: String,
    /// The signed-in person (absent for API keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<AccountBody>,
    /// The API key in use (absent for sessions).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<ApiKeyBody>,
}

#[derive(Deserialize, ToSchema)]
pub struct SignUpBody {
    #[schema(example = "ann@observatory.example")]
    #[schema(schema_with = crate::schemas::email)]
    pub email: String,
    /// 10 to 256 characters.
    #[schema(schema_with = crate::schemas::password)]
    pub password: String,
    #[schema(example = "Ann Astronomer")]
    #[schema(schema_with = crate::schemas::name)]
    pub display_name: String,
}

#[derive(Deserialize, ToSchema)]
pub struct SignInBody {
    #[schema(schema_with = crate::schemas::email)]
    pub email: String,
    pub password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordChangeBody {
    pub current_password: String,
    #[schema(schema_with = crate::schemas::password)]
    pub new_password: String,
}

/// Bodies that carry passwords print everything but them.
macro_rules! redacted_debug {
    ($t:ty, $($field:ident),*) => {
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($t))$(.field(stringify!($field), &self.$field))*.finish_non_exhaustive()
            }
        }
    };
}

redacted_debug!(SignUpBody, email, display_name);
redacted_debug!(SignInBody, email);
redacted_debug!(PasswordChangeBody,);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_bodies_never_print_passwords() {
        let up: SignUpBody =
            serde_json::from_str(r#"{"email":"a@b.org","password":"hunter2hunter2","display_name":"A"}"#).unwrap();
        let inn: SignInBody = serde_json::from_str(r#"{"email":"a@b.org","password":"hunter2hunter2"}"#).unwrap();
        let change: PasswordChangeBody =
            serde_json::from_str(r#"{"current_password":"hunter2hunter2","new_password":"hunter3hunter3"}"#).unwrap();
        for printed in [format!("{up:?}"), format!("{inn:?}"), format!("{change:?}")] {
            assert!(!printed.contains("hunter"), "{printed}");
        }
        assert!(format!("{up:?}").contains("a@b.org"));
    }
}

/// The answer to a sign-up: the same whether or not the address already had an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct SignUpAcceptedBody {
    /// Always `check_your_email`.
    pub status: String,
    /// The address the link went to.
    pub email: String,
    /// What to do next, for people.
    pub message: String,
}

/// A single-use link's token, from the mailed link (`?token=`).
#[derive(Deserialize, ToSchema)]
pub struct TokenBody {
    #[schema(example = "3f6c...")]
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
}

#[derive(Deserialize, ToSchema)]
pub struct EmailChangeBody {
    #[schema(schema_with = crate::schemas::email)]
    pub new_email: String,
    #[schema(max_length = 1024)]
    pub current_password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordResetRequestBody {
    #[schema(schema_with = crate::schemas::email)]
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
pub struct PasswordResetBody {
    #[schema(min_length = 1, max_length = 200)]
    pub token: String,
    /// 10 to 256 characters.
    #[schema(schema_with = crate::schemas::password)]
    pub new_password: String,
}

#[derive(Deserialize, ToSchema)]
pub struct AccountDeletionBody {
    /// The account's password (any text for an account that signs in only with a provider).
    #[schema(max_length = 1024)]
    pub current_password: String,
}

/// One of the account's browser sessions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionBody {
    pub id: Uuid,
    /// Whether this is the session making the request.
    pub current: bool,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The browser's `User-Agent` at sign-in (shortened).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The client's address at sign-in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

impl From<meridian_service::accounts::SessionView> for SessionBody {
    fn from(v: meridian_service::accounts::SessionView) -> Self {
        Self {
            id: v.session.id.as_uuid(),
            current: v.current,
            created_at: v.session.created_at,
            last_seen_at: v.session.last_seen_at,
            expires_at: v.session.expires_at,
            user_agent: v.session.user_agent,
            ip: v.session.ip,
        }
    }
}

/// The account's live sessions, most recently used first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionList {
    pub items: Vec<SessionBody>,
}

/// How many sessions ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionsEndedBody {
    pub ended: u64,
}

redacted_debug!(TokenBody,);
redacted_debug!(EmailChangeBody, new_email);
redacted_debug!(PasswordResetRequestBody, email);
redacted_debug!(PasswordResetBody,);
redacted_debug!(AccountDeletionBody,);
