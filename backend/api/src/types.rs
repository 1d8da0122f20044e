//! The JSON shapes of the API. Kept apart from the domain types so the wire format changes only on purpose.

use chrono::{DateTime, Utc};
use meridian_domain::model::{Account, ApiKey, Member, Workspace};
use meridian_domain::{Page, PageRequest};
use meridian_service::workspaces::WorkspaceView;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

/// `?limit=&cursor=` on every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn to_request(&self) -> Result<PageRequest, meridian_domain::ValidationError> {
        PageRequest::parse(self.limit, self.cursor.as_deref())
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountBody {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub created_at: DateTime<Utc>,
}

impl From<&Account> for AccountBody {
    fn from(a: &Account) -> Self {
        Self {
            id: a.id.as_uuid(),
            email: a.email.to_string(),
            display_name: a.display_name.to_string(),
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
}

impl From<Member> for MemberBody {
    fn from(m: Member) -> Self {
        Self {
            account_id: m.account_id.as_uuid(),
            email: m.email.to_string(),
            display_name: m.display_name.to_string(),
            role: m.role.as_str().to_owned(),
            joined_at: m.joined_at,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct AddMemberBody {
    /// The e-mail address of an existing account.
    #[schema(schema_with = crate::schemas::email)]
    pub email: String,
    #[schema(schema_with = crate::schemas::role)]
    pub role: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct UpdateMemberBody {
    #[schema(schema_with = crate::schemas::role)]
    pub role: String,
}

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

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedApiKeyBody {
    #[serde(flatten)]
    pub key: ApiKeyBody,
    /// The whole key. Shown this once: store it now.
    pub secret: String,
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

macro_rules! list_body {
    ($name:ident, $item:ty) => {
        /// A page of results.
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; absent on the last page.
            pub next_cursor: Option<String>,
        }

        impl<T: Into<$item>> From<Page<T>> for $name {
            fn from(p: Page<T>) -> Self {
                Self {
                    next_cursor: p.next_cursor.map(|c| c.as_str().to_owned()),
                    items: p.items.into_iter().map(Into::into).collect(),
                }
            }
        }
    };
}

pub(crate) use list_body;

list_body!(WorkspaceList, WorkspaceBody);
list_body!(MemberList, MemberBody);
list_body!(ApiKeyList, ApiKeyBody);

#[derive(Debug, Serialize, ToSchema)]
pub struct HealthBody {
    pub status: String,
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
