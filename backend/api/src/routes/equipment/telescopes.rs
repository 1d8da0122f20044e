//! Telescopes, each at a site of the workspace.

use super::types::{CreateTelescopeBody, TelescopeBody, TelescopeFilter, TelescopeList, UpdateTelescopeBody};
use crate::routes::common::{PageQuery, SLUG};
use actix_web::{HttpResponse, delete, get, patch, post, web};
use meridian_domain::TelescopeId;
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::{ServiceError, Services};

/// A workspace's telescopes with their site names, oldest first; `?site=` keeps one site's. Public on a public
/// workspace.
#[utoipa::path(
    tag = "equipment",
    params(("slug" = String, Path, description = SLUG), TelescopeFilter, PageQuery),
    responses((status = 200, body = TelescopeList)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/telescopes")]
pub async fn list_telescopes(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    filter: web::Query<TelescopeFilter>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<TelescopeList>, ApiError> {
    let page = page.to_request().map_err(ServiceError::from)?;
    Ok(web::Json(services.list_telescopes(&caller.0, &slug, filter.site, &page).await?.into()))
}

/// Add a telescope at one of the workspace's sites.
#[utoipa::path(
    tag = "equipment",
    params(("slug" = String, Path, description = SLUG)),
    request_body = CreateTelescopeBody,
    responses(
        (status = 201, body = TelescopeBody),
        (status = 409, description = "Name taken"),
        (status = 422, description = "Bad field or unknown site"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/telescopes")]
pub async fn create_telescope(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<CreateTelescopeBody>,
) -> Result<HttpResponse, ApiError> {
    let view = services.create_telescope(&caller.0, &slug, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(TelescopeBody::from(view)))
}

/// One telescope.
#[utoipa::path(
    tag = "equipment",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The telescope's id"),
    ),
    responses((status = 200, body = TelescopeBody)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/telescopes/{id}")]
pub async fn get_telescope(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, TelescopeId)>,
) -> Result<web::Json<TelescopeBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.get_telescope(&caller.0, &slug, id).await?.into()))
}

/// Change a telescope; absent fields stay as they are, `null` clears a measurement or the mount.
#[utoipa::path(
    tag = "equipment",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The telescope's id"),
    ),
    request_body = UpdateTelescopeBody,
    responses(
        (status = 200, body = TelescopeBody),
        (status = 409, description = "Name taken"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[patch("/workspaces/{slug}/telescopes/{id}")]
pub async fn update_telescope(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, TelescopeId)>,
    body: crate::json::Json<UpdateTelescopeBody>,
) -> Result<web::Json<TelescopeBody>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = services.update_telescope(&caller.0, &slug, id, body.into_inner().into()).await?;
    Ok(web::Json(view.into()))
}

/// Delete a telescope. 409 while it has instruments or night logs (the problem names which).
#[utoipa::path(
    tag = "equipment",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The telescope's id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Still in use"),
    ),
    security(("session" = []))
)]
#[delete("/workspaces/{slug}/telescopes/{id}")]
pub async fn delete_telescope(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, TelescopeId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.delete_telescope(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
