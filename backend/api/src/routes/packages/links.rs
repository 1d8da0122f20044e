//! A package's secret links.

use super::PKG;
use super::types::{CreateLinkBody, LinkBody, LinkList};
use crate::routes::common::SLUG;
use actix_web::{HttpResponse, delete, get, post, web};
use meridian_domain::{PackageId, PackageLinkId};
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::Services;

/// The package's secret links (tokens are never shown again).
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    responses((status = 200, body = LinkList)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/packages/{id}/links")]
pub async fn list_package_links(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId)>,
) -> Result<web::Json<LinkList>, ApiError> {
    let (slug, id) = path.into_inner();
    let items = services.list_package_links(&caller.0, &slug, id).await?.into_iter().map(Into::into).collect();
    Ok(web::Json(LinkList { items }))
}

/// Make a secret link (works while the package's access is `link` or `public`). The token is in this answer
/// only.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    request_body = CreateLinkBody,
    responses((status = 201, body = LinkBody)),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/packages/{id}/links")]
pub async fn create_package_link(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId)>,
    body: crate::json::Json<CreateLinkBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let b = body.into_inner();
    let l = services.create_package_link(&caller.0, &slug, id, b.label, b.expires_at).await?;
    Ok(HttpResponse::Created().json(LinkBody::from(l)))
}

/// Revoke a secret link: it stops working at once.
#[utoipa::path(
    tag = "packages",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = PKG),
        ("link_id" = Uuid, Path, description = "The link's id"),
    ),
    responses((status = 204, description = "Revoked")),
    security(("api_key" = []), ("session" = []))
)]
#[delete("/workspaces/{slug}/packages/{id}/links/{link_id}")]
pub async fn delete_package_link(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId, PackageLinkId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, link) = path.into_inner();
    services.revoke_package_link(&caller.0, &slug, id, link).await?;
    Ok(HttpResponse::NoContent().finish())
}
