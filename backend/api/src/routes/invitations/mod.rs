//! Invitations: admins invite an address with a role; the invitee follows the mailed link and accepts. Their
//! bodies are in [`types`].

pub mod types;

use crate::routes::accounts::types::TokenBody;
use crate::routes::common::SLUG;
use crate::routes::workspaces::types::{MemberBody, WorkspaceBody};
use actix_web::{HttpResponse, delete, get, post, web};
use meridian_domain::InvitationId;
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::Services;
use types::{AcceptedInvitationBody, InvitationBody, InvitationList, InviteBody};

/// The workspace's open invitations (pending and expired), newest first. Admins and owners.
#[utoipa::path(
    tag = "members",
    params(("slug" = String, Path, description = SLUG)),
    responses((status = 200, body = InvitationList)),
    security(("session" = []))
)]
#[get("/workspaces/{slug}/invitations")]
pub async fn list_invitations(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
) -> Result<web::Json<InvitationList>, ApiError> {
    let items = services.list_invitations(&caller.0, &slug).await?.into_iter().map(InvitationBody::from).collect();
    Ok(web::Json(InvitationList { items }))
}

/// Invite an address with a role (admins invite up to `member`; owners any role): a link valid for 7 days is
/// mailed. The answer is the same whether or not the address has an account. Inviting an address again sends a
/// new link (with the new role) and the old one stops working.
#[utoipa::path(
    tag = "members",
    params(("slug" = String, Path, description = SLUG)),
    request_body = InviteBody,
    responses(
        (status = 201, body = InvitationBody),
        (status = 403, description = "Your role may not invite with this role, or your address is not confirmed"),
        (status = 422, description = "Invalid e-mail or role"),
        (status = 429, description = "Too many messages to this address; see Retry-After"),
    ),
    security(("session" = []))
)]
#[post("/workspaces/{slug}/invitations")]
pub async fn create_invitation(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<InviteBody>,
) -> Result<HttpResponse, ApiError> {
    let invitation = services.invite(&caller.0, &slug, &body.email, &body.role).await?;
    Ok(HttpResponse::Created().json(InvitationBody::from(invitation)))
}

/// Send an open invitation again: a new link and a new 7 days (the old link stops working).
#[utoipa::path(
    tag = "members",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The invitation's id")),
    responses((status = 200, body = InvitationBody), (status = 404), (status = 429)),
    security(("session" = []))
)]
#[post("/workspaces/{slug}/invitations/{id}/resend")]
pub async fn resend_invitation(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, InvitationId)>,
) -> Result<web::Json<InvitationBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.resend_invitation(&caller.0, &slug, id).await?.into()))
}

/// Revoke an open invitation: its link stops working.
#[utoipa::path(
    tag = "members",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The invitation's id")),
    responses((status = 204, description = "Revoked"), (status = 404)),
    security(("session" = []))
)]
#[delete("/workspaces/{slug}/invitations/{id}")]
pub async fn delete_invitation(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, InvitationId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.revoke_invitation(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Accept an invitation with the token from its link, as the signed-in person (whose address must be confirmed:
/// 403 `email_unverified`). Someone already a member keeps the higher role.
#[utoipa::path(
    tag = "members",
    request_body = TokenBody,
    responses(
        (status = 200, body = AcceptedInvitationBody),
        (status = 403, description = "Your address is not confirmed yet"),
        (status = 404, description = "Unknown, used, revoked or expired invitation"),
    ),
    security(("session" = []))
)]
#[post("/invitations/accept")]
pub async fn accept_invitation(
    caller: Caller,
    services: web::Data<Services>,
    body: crate::json::Json<TokenBody>,
) -> Result<web::Json<AcceptedInvitationBody>, ApiError> {
    let (workspace, member) = services.accept_invitation(&caller.0, &body.token).await?;
    let mut workspace = WorkspaceBody::from(&workspace);
    workspace.role = Some(member.role.as_str().to_owned());
    Ok(web::Json(AcceptedInvitationBody { workspace, member: MemberBody::from(member) }))
}
