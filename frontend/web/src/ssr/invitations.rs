//! The server side of invitations: the settings page's list and buttons, and the page a mailed link opens.

use super::{actor, date, fail, form_caller, form_id, services};
use crate::api::invitations::{InvitationInfo, InvitationPreview};
use leptos::prelude::*;
use leptos_actix::{ResponseOptions, redirect};
use meridian_domain::InvitationId;
use meridian_service::{Actor, ServiceError, Services};

/// The workspace's open invitations as the settings page lists them (the caller may manage members).
pub(super) async fn list_for_settings(
    services: &Services,
    actor: &Actor,
    slug: &str,
) -> Result<Vec<InvitationInfo>, ServerFnError> {
    let now = chrono::Utc::now();
    let list = services.list_invitations(actor, slug).await.map_err(fail)?;
    Ok(list
        .into_iter()
        .map(|i| InvitationInfo {
            id: i.id.to_string(),
            status: i.status(now).as_str().to_owned(),
            email: i.email.to_string(),
            role: i.role.as_str().to_owned(),
            sent: date(i.sent_at),
            expires: date(i.expires_at),
        })
        .collect())
}

pub async fn invite(csrf: String, slug: String, email: String, role: String) -> Result<String, ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let invitation = services.invite(&actor, &slug, &email, &role).await.map_err(fail)?;
    Ok(invitation.email.to_string())
}

pub async fn resend_invitation(csrf: String, slug: String, id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let id: InvitationId = form_id(&id, "invitation")?;
    services.resend_invitation(&actor, &slug, id).await.map_err(fail)?;
    Ok(())
}

pub async fn revoke_invitation(csrf: String, slug: String, id: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let id: InvitationId = form_id(&id, "invitation")?;
    services.revoke_invitation(&actor, &slug, id).await.map_err(fail)?;
    Ok(())
}

pub async fn get_invitation(token: String) -> Result<InvitationPreview, ServerFnError> {
    // Anyone holding the link may look (counted like any anonymous page).
    actor().await?;
    match services()?.preview_invitation(&token).await {
        Ok(p) => Ok(InvitationPreview {
            workspace_name: p.workspace.name.to_string(),
            workspace_slug: p.workspace.slug.to_string(),
            role: p.role.as_str().to_owned(),
            email: p.email.to_string(),
            invited_by: p.invited_by,
            status: p.status.as_str().to_owned(),
        }),
        Err(ServiceError::NotFound(_)) => {
            expect_context::<ResponseOptions>().set_status(actix_web::http::StatusCode::NOT_FOUND);
            Err(ServerFnError::ServerError(
                "This invitation link does not work: it may have been replaced by a newer one. Ask whoever \
                 invited you to send it again."
                    .into(),
            ))
        }
        Err(e) => Err(fail(e)),
    }
}

pub async fn accept_invitation(csrf: String, token: String) -> Result<(), ServerFnError> {
    let (services, actor) = form_caller(&csrf).await?;
    let (workspace, _) = services.accept_invitation(&actor, &token).await.map_err(fail)?;
    redirect(&format!("/w/{}", workspace.slug));
    Ok(())
}
