//! The target catalogue here; target lists in [`target_lists`]. Their bodies are in [`types`].

pub mod target_lists;
pub mod types;

use crate::routes::common::{PageQuery, SLUG};
use actix_web::{HttpResponse, delete, get, patch, post, web};
use meridian_domain::TargetId;
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::targets::TargetQuery;
use meridian_service::{ServiceError, Services};
use types::{CreateTargetBody, TargetBody, TargetFilterQuery, TargetPage, UpdateTargetBody};

/// The workspace's target catalogue, oldest first; `?q=` searches names, `?tag=` keeps one tag's targets.
#[utoipa::path(
    tag = "targets",
    params(("slug" = String, Path, description = SLUG), TargetFilterQuery, PageQuery),
    responses(
        (status = 200, body = TargetPage),
        (status = 422, description = "Bad tag or search"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/targets")]
pub async fn list_targets(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    filter: web::Query<TargetFilterQuery>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<TargetPage>, ApiError> {
    let page = page.to_request().map_err(ServiceError::from)?;
    let filter = filter.into_inner();
    let query = TargetQuery { q: filter.q, tag: filter.tag };
    Ok(web::Json(services.list_targets(&caller.0, &slug, &query, &page).await?.into()))
}

/// Add a target. RA and Dec take degrees or sexagesimal text and are stored in degrees.
#[utoipa::path(
    tag = "targets",
    params(("slug" = String, Path, description = SLUG)),
    request_body = CreateTargetBody,
    responses(
        (status = 201, body = TargetBody),
        (status = 409, description = "Name taken"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/targets")]
pub async fn create_target(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<CreateTargetBody>,
) -> Result<HttpResponse, ApiError> {
    let target = services.create_target(&caller.0, &slug, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(TargetBody::from(target)))
}

/// One target.
#[utoipa::path(
    tag = "targets",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The target's id"),
    ),
    responses((status = 200, body = TargetBody)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/targets/{id}")]
pub async fn get_target(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, TargetId)>,
) -> Result<web::Json<TargetBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.get_target(&caller.0, &slug, id).await?.into()))
}

/// Change a target; absent fields stay as they are.
#[utoipa::path(
    tag = "targets",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The target's id"),
    ),
    request_body = UpdateTargetBody,
    responses(
        (status = 200, body = TargetBody),
        (status = 409, description = "Name taken"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[patch("/workspaces/{slug}/targets/{id}")]
pub async fn update_target(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, TargetId)>,
    body: crate::json::Json<UpdateTargetBody>,
) -> Result<web::Json<TargetBody>, ApiError> {
    let (slug, id) = path.into_inner();
    let target = services.update_target(&caller.0, &slug, id, body.into_inner().into()).await?;
    Ok(web::Json(target.into()))
}

/// Delete a target. It leaves every list; observations of it keep its name and position.
#[utoipa::path(
    tag = "targets",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The target's id"),
    ),
    responses((status = 204, description = "Deleted")),
    security(("session" = []))
)]
#[delete("/workspaces/{slug}/targets/{id}")]
pub async fn delete_target(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, TargetId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.delete_target(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
