//! Server functions: what the pages read and do. Each runs on the server (calling `meridian-service`) and is
//! called from the browser as a plain form post or a fetch. Every one that changes something takes the CSRF
//! token from the form and checks it first.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod accounts;
pub mod billing;
pub mod data;
pub mod equipment;
pub mod invitations;
pub mod nights;
pub mod packages;
pub mod satellites;

/// Who is looking at the page, and the CSRF token their forms carry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub user: Option<UserInfo>,
    pub csrf: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    pub account_id: String,
    pub display_name: String,
    pub email: String,
    /// Whether the address is confirmed; until it is, invitations, publishing and API keys wait.
    pub email_verified: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceInfo {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub kind: String,
    pub visibility: String,
    /// The viewer's role, when a member.
    pub role: Option<String>,
    /// Where the workspace's Virtual Observatory services are (`{public_url}/vo/{slug}`), when it is public; filled
    /// on its own page only.
    #[serde(default)]
    pub vo_base: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberInfo {
    pub account_id: String,
    pub display_name: String,
    pub email: String,
    pub role: String,
    pub joined: String,
    /// `https://orcid.org/…`, or empty.
    pub orcid: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyInfo {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub scope: String,
    pub created: String,
    pub last_used: Option<String>,
    pub revoked: Option<String>,
}

/// Everything the settings page shows; lists the viewer may not see are `None`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingsInfo {
    pub workspace: WorkspaceInfo,
    pub me: String,
    pub can_edit: bool,
    pub can_manage_members: bool,
    pub members: Vec<MemberInfo>,
    /// Open invitations (pending or expired), for those who manage members.
    pub invitations: Option<Vec<invitations::InvitationInfo>>,
    pub keys: Option<Vec<KeyInfo>>,
    /// A key created a moment ago: its whole secret, shown this once.
    pub fresh_key: Option<String>,
}

#[server(prefix = "/fn", endpoint = "session")]
pub async fn get_session() -> Result<SessionInfo, ServerFnError> {
    crate::ssr::session_info().await
}

#[server(prefix = "/fn", endpoint = "public_workspaces")]
pub async fn public_workspaces() -> Result<Vec<WorkspaceInfo>, ServerFnError> {
    crate::ssr::public_workspaces().await
}

/// Creates an account and goes to the "check your inbox" page; `next` (a local path) is where signing in leads
/// after.
#[server(prefix = "/fn", endpoint = "sign_up")]
pub async fn sign_up(
    csrf_token: String,
    display_name: String,
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), ServerFnError> {
    crate::ssr::sign_up(csrf_token, display_name, email, password, next).await
}

/// Signs in and goes to `next` (a local path), or else the dashboard.
#[server(prefix = "/fn", endpoint = "sign_in")]
pub async fn sign_in(
    csrf_token: String,
    email: String,
    password: String,
    next: Option<String>,
) -> Result<(), ServerFnError> {
    crate::ssr::sign_in(csrf_token, email, password, next).await
}

#[server(prefix = "/fn", endpoint = "sign_out")]
pub async fn sign_out(csrf_token: String) -> Result<(), ServerFnError> {
    crate::ssr::sign_out(csrf_token).await
}

#[server(prefix = "/fn", endpoint = "my_workspaces")]
pub async fn my_workspaces() -> Result<Vec<WorkspaceInfo>, ServerFnError> {
    crate::ssr::my_workspaces().await
}

#[server(prefix = "/fn", endpoint = "create_workspace")]
pub async fn create_workspace(
    csrf_token: String,
    slug: String,
    name: String,
    description: String,
    visibility: String,
) -> Result<(), ServerFnError> {
    crate::ssr::create_workspace(csrf_token, slug, name, description, visibility).await
}

#[server(prefix = "/fn", endpoint = "workspace")]
pub async fn get_workspace(slug: String) -> Result<WorkspaceInfo, ServerFnError> {
    crate::ssr::get_workspace(slug).await
}

#[server(prefix = "/fn", endpoint = "settings")]
pub async fn get_settings(slug: String) -> Result<SettingsInfo, ServerFnError> {
    crate::ssr::get_settings(slug).await
}

#[server(prefix = "/fn", endpoint = "update_workspace")]
pub async fn update_workspace(
    csrf_token: String,
    slug: String,
    name: String,
    description: String,
    visibility: String,
) -> Result<(), ServerFnError> {
    crate::ssr::update_workspace(csrf_token, slug, name, description, visibility).await
}

#[server(prefix = "/fn", endpoint = "change_role")]
pub async fn change_role(
    csrf_token: String,
    slug: String,
    account_id: String,
    role: String,
) -> Result<(), ServerFnError> {
    crate::ssr::change_role(csrf_token, slug, account_id, role).await
}

#[server(prefix = "/fn", endpoint = "remove_member")]
pub async fn remove_member(csrf_token: String, slug: String, account_id: String) -> Result<(), ServerFnError> {
    crate::ssr::remove_member(csrf_token, slug, account_id).await
}

#[server(prefix = "/fn", endpoint = "create_api_key")]
pub async fn create_api_key(
    csrf_token: String,
    slug: String,
    name: String,
    scope: String,
) -> Result<(), ServerFnError> {
    crate::ssr::create_api_key(csrf_token, slug, name, scope).await
}

#[server(prefix = "/fn", endpoint = "revoke_api_key")]
pub async fn revoke_api_key(csrf_token: String, slug: String, key_id: String) -> Result<(), ServerFnError> {
    crate::ssr::revoke_api_key(csrf_token, slug, key_id).await
}

/// The message of a server function's error, without the framework's prefix.
pub fn error_text(e: &ServerFnError) -> String {
    match e {
        ServerFnError::ServerError(m) => m.clone(),
        other => other.to_string(),
    }
}

#[server(prefix = "/fn", endpoint = "change_password")]
pub async fn change_password(
    csrf_token: String,
    current_password: String,
    new_password: String,
) -> Result<(), ServerFnError> {
    crate::ssr::change_password(csrf_token, current_password, new_password).await
}
