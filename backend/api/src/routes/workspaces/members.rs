//! A workspace's members and their roles.

use super::types::{MemberBody, MemberList, UpdateMemberBody};
use crate::routes::common::{PageQuery, SLUG};
use actix_web::{HttpResponse, delete, get, patch, web};
use meridian_domain::AccountId;
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::{ServiceError, Services};

/// A workspace's members, in the order they joined.
#[utoipa::path(
    tag = "members",
    params(("slug" = String, Path, description = SLUG), PageQuery),
    responses((status = 200, body = MemberList)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/members")]
pub async fn list_members(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<MemberList>, ApiError> {
    let page = page.to_request().map_err(ServiceError::from)?;
    Ok(web::Json(services.list_members(&caller.0, &slug, &page).await?.into()))
}

/// Change a member's role. A workspace always keeps an owner (409 `last_owner`).
#[utoipa::path(
    tag = "members",
    params(
        ("slug" = String, Path, description = SLUG),
        ("account_id" = Uuid, Path, description = "The member's account id"),
    ),
    request_body = UpdateMemberBody,
    responses(
        (status = 200, body = MemberBody),
        (status = 409),
    ),
    security(("session" = []))
)]
#[patch("/workspaces/{slug}/members/{account_id}")]
pub async fn update_member(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, AccountId)>,
    body: crate::json::Json<UpdateMemberBody>,
) -> Result<web::Json<MemberBody>, ApiError> {
    let (slug, account) = path.into_inner();
    let member = services.change_member_role(&caller.0, &slug, account, &body.role).await?;
    Ok(web::Json(member.into()))
}

/// Remove a member, or leave (your own account id). The last owner cannot leave (409 `last_owner`).
#[utoipa::path(
    tag = "members",
    params(
        ("slug" = String, Path, description = SLUG),
        ("account_id" = Uuid, Path, description = "The member's account id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 409),
    ),
    security(("session" = []))
)]
#[delete("/workspaces/{slug}/members/{account_id}")]
pub async fn delete_member(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, AccountId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, account) = path.into_inner();
    services.remove_member(&caller.0, &slug, account).await?;
    Ok(HttpResponse::NoContent().finish())
}
