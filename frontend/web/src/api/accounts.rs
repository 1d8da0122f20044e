//! Server functions of the account life cycle: confirming an address (and asking for the link again), changing
//! it, recovering a lost password, the account page's sessions, and deleting the account. Pages reached from a
//! mailed link act only on a button press (a POST): mail scanners fetch links, and must not spend them.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One of the signed-in person's sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionItem {
    pub id: String,
    /// "Firefox on Linux", or the browser's own words when they say nothing we know.
    pub device: String,
    /// The browser's `User-Agent` as stored (shown on hover).
    pub user_agent: String,
    pub ip: String,
    pub signed_in: String,
    pub last_seen: String,
    /// The session asking.
    pub current: bool,
}

/// A provider people may sign in with (a button on the sign-in page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderItem {
    /// In URLs: `/auth/{name}/start`.
    pub name: String,
    pub display_name: String,
}

/// A provider linked to the signed-in account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityItem {
    pub id: String,
    /// The provider's name as configured, and its display name (the name itself when it is no longer configured).
    pub provider: String,
    pub provider_name: String,
    /// The address the provider gave, or empty.
    pub email: String,
    pub linked: String,
    pub last_used: String,
}

/// What the account page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccountOverview {
    pub display_name: String,
    pub email: String,
    pub email_verified: bool,
    /// `https://orcid.org/…` from an ORCID sign-in, or empty.
    pub orcid: String,
    pub sessions: Vec<SessionItem>,
    pub identities: Vec<IdentityItem>,
    /// Configured providers not linked yet (offered as "Link …").
    pub linkable: Vec<ProviderItem>,
}

/// The providers people may sign in with; public.
#[server(prefix = "/fn", endpoint = "sign_in_providers")]
pub async fn sign_in_providers() -> Result<Vec<ProviderItem>, ServerFnError> {
    crate::ssr::accounts::sign_in_providers().await
}

/// Unlinks a provider (refused while it is the only way to sign in).
#[server(prefix = "/fn", endpoint = "unlink_identity")]
pub async fn unlink_identity(csrf_token: String, identity_id: String) -> Result<(), ServerFnError> {
    crate::ssr::accounts::unlink_identity(csrf_token, identity_id).await
}

#[server(prefix = "/fn", endpoint = "account")]
pub async fn get_account() -> Result<AccountOverview, ServerFnError> {
    crate::ssr::accounts::get_account().await
}

/// Mails another confirmation link, then goes back to `next` (the page asking, a local path) marked
/// `verification=sent`.
#[server(prefix = "/fn", endpoint = "resend_verification")]
pub async fn resend_verification(csrf_token: String, next: Option<String>) -> Result<(), ServerFnError> {
    crate::ssr::accounts::resend_verification(csrf_token, next).await
}

#[server(prefix = "/fn", endpoint = "verify_email")]
pub async fn verify_email(csrf_token: String, token: String) -> Result<(), ServerFnError> {
    crate::ssr::accounts::verify_email(csrf_token, token).await
}

#[server(prefix = "/fn", endpoint = "request_email_change")]
pub async fn request_email_change(
    csrf_token: String,
    new_email: String,
    current_password: String,
) -> Result<(), ServerFnError> {
    crate::ssr::accounts::request_email_change(csrf_token, new_email, current_password).await
}

#[server(prefix = "/fn", endpoint = "confirm_email_change")]
pub async fn confirm_email_change(csrf_token: String, token: String) -> Result<(), ServerFnError> {
    crate::ssr::accounts::confirm_email_change(csrf_token, token).await
}

#[server(prefix = "/fn", endpoint = "request_password_reset")]
pub async fn request_password_reset(csrf_token: String, email: String) -> Result<(), ServerFnError> {
    crate::ssr::accounts::request_password_reset(csrf_token, email).await
}

/// Sets a new password from a reset link (typed twice) and goes to the sign-in page.
#[server(prefix = "/fn", endpoint = "reset_password")]
pub async fn reset_password(
    csrf_token: String,
    token: String,
    new_password: String,
    new_password_again: String,
) -> Result<(), ServerFnError> {
    crate::ssr::accounts::reset_password(csrf_token, token, new_password, new_password_again).await
}

#[server(prefix = "/fn", endpoint = "end_session")]
pub async fn end_session(csrf_token: String, session_id: String) -> Result<(), ServerFnError> {
    crate::ssr::accounts::end_session(csrf_token, session_id).await
}

#[server(prefix = "/fn", endpoint = "end_other_sessions")]
pub async fn end_other_sessions(csrf_token: String) -> Result<(), ServerFnError> {
    crate::ssr::accounts::end_other_sessions(csrf_token).await
}

/// Deletes the account (the password, and `confirm` ticked) and goes to the home page, signed out.
#[server(prefix = "/fn", endpoint = "delete_account")]
pub async fn delete_account(
    csrf_token: String,
    current_password: String,
    confirm: Option<String>,
) -> Result<(), ServerFnError> {
    crate::ssr::accounts::delete_account(csrf_token, current_password, confirm).await
}
