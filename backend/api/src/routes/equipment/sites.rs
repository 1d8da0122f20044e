//! Sites: where telescopes stand, with the time zone that sets their nights.

use super::types::{CreateSiteBody, SiteBody, SiteList, UpdateSiteBody};
use crate::routes::common::{PageQuery, SLUG};
use actix_web::{HttpResponse, delete, get, patch, post, web};
use meridian_domain::SiteId;
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::{ServiceError, Services};

/// A workspace's sites, oldest first. Public on a public workspace.
#[utoipa::path(
    tag = "equipment",
    params(("slug" = String, Path, description = SLUG), PageQuery),
    responses((status = 200, body = SiteList)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/sites")]
pub async fn list_sites(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<SiteList>, ApiError> {
    let page = page.to_request().map_err(ServiceError::from)?;
    Ok(web::Json(services.list_sites(&caller.0, &slug, &page).await?.into()))
}

/// Add a site. Latitude and longitude take degrees or sexagesimal text; the time zone is an IANA name.
#[utoipa::path(
    tag = "equipment",
    params(("slug" = String, Path, description = SLUG)),
    request_body = CreateSiteBody,
    responses(
        (status = 201, body = SiteBody),
        (status = 409, description = "Name taken"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/sites")]
pub async fn create_site(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<CreateSiteBody>,
) -> Result<HttpResponse, ApiError> {
    let site = services.create_site(&caller.0, &slug, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(SiteBody::from(site)))
}

/// One site.
#[utoipa::path(
    tag = "equipment",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The site's id"),
    ),
    responses((status = 200, body = SiteBody)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/sites/{id}")]
pub async fn get_site(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, SiteId)>,
) -> Result<web::Json<SiteBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.get_site(&caller.0, &slug, id).await?.into()))
}

/// Change a site; absent fields stay as they are.
#[utoipa::path(
    tag = "equipment",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The site's id"),
    ),
    request_body = UpdateSiteBody,
    responses(
        (status = 200, body = SiteBody),
        (status = 409, description = "Name taken"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[patch("/workspaces/{slug}/sites/{id}")]
pub async fn update_site(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, SiteId)>,
    body: crate::json::Json<UpdateSiteBody>,
) -> Result<web::Json<SiteBody>, ApiError> {
    let (slug, id) = path.into_inner();
    let site = services.update_site(&caller.0, &slug, id, body.into_inner().into()).await?;
    Ok(web::Json(site.into()))
}

/// Delete a site. 409 while telescopes stand there (the problem names `telescopes`).
#[utoipa::path(
    tag = "equipment",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The site's id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Still has telescopes"),
    ),
    security(("session" = []))
)]
#[delete("/workspaces/{slug}/sites/{id}")]
pub async fn delete_site(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, SiteId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.delete_site(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
