//! Server functions of invitations: the settings page invites an address, sends an invitation again or revokes
//! it; the page a mailed link opens (`/invitations/accept?token=…`) shows what it offers and joins.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// An open invitation in the settings page's list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationInfo {
    pub id: String,
    pub email: String,
    pub role: String,
    /// `pending` or `expired` (accepted and revoked ones are not listed).
    pub status: String,
    pub sent: String,
    pub expires: String,
}

/// What an invitation link offers, before it is accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvitationPreview {
    pub workspace_name: String,
    pub workspace_slug: String,
    pub role: String,
    /// The address the invitation was sent to.
    pub email: String,
    pub invited_by: String,
    /// `pending`, `accepted`, `revoked` or `expired`.
    pub status: String,
}

/// Invites an address; answers with it, for the page to say where the link went.
#[server(prefix = "/fn", endpoint = "invite")]
pub async fn invite(csrf_token: String, slug: String, email: String, role: String) -> Result<String, ServerFnError> {
    crate::ssr::invitations::invite(csrf_token, slug, email, role).await
}

#[server(prefix = "/fn", endpoint = "resend_invitation")]
pub async fn resend_invitation(csrf_token: String, slug: String, invitation_id: String) -> Result<(), ServerFnError> {
    crate::ssr::invitations::resend_invitation(csrf_token, slug, invitation_id).await
}

#[server(prefix = "/fn", endpoint = "revoke_invitation")]
pub async fn revoke_invitation(csrf_token: String, slug: String, invitation_id: String) -> Result<(), ServerFnError> {
    crate::ssr::invitations::revoke_invitation(csrf_token, slug, invitation_id).await
}

#[server(prefix = "/fn", endpoint = "invitation")]
pub async fn get_invitation(token: String) -> Result<InvitationPreview, ServerFnError> {
    crate::ssr::invitations::get_invitation(token).await
}

/// Joins the invitation's workspace and goes to it.
#[server(prefix = "/fn", endpoint = "accept_invitation")]
pub async fn accept_invitation(csrf_token: String, token: String) -> Result<(), ServerFnError> {
    crate::ssr::invitations::accept_invitation(csrf_token, token).await
}
