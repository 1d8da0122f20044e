//! Instruments, each on a telescope of the workspace.

use super::types::{CreateInstrumentBody, InstrumentBody, InstrumentFilter, InstrumentList, UpdateInstrumentBody};
use crate::routes::common::{PageQuery, SLUG};
use actix_web::{HttpResponse, delete, get, patch, post, web};
use meridian_domain::InstrumentId;
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::{ServiceError, Services};

/// A workspace's instruments with their telescope names, oldest first; `?telescope=` keeps one telescope's.
/// Public on a public workspace.
#[utoipa::path(
    tag = "equipment",
    params(("slug" = String, Path, description = SLUG), InstrumentFilter, PageQuery),
    responses((status = 200, body = InstrumentList)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/instruments")]
pub async fn list_instruments(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    filter: web::Query<InstrumentFilter>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<InstrumentList>, ApiError> {
    let page = page.to_request().map_err(ServiceError::from)?;
    Ok(web::Json(services.list_instruments(&caller.0, &slug, filter.telescope, &page).await?.into()))
}

/// Add an instrument on one of the workspace's telescopes.
#[utoipa::path(
    tag = "equipment",
    params(("slug" = String, Path, description = SLUG)),
    request_body = CreateInstrumentBody,
    responses(
        (status = 201, body = InstrumentBody),
        (status = 409, description = "Name taken"),
        (status = 422, description = "Bad field or unknown telescope"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/instruments")]
pub async fn create_instrument(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<CreateInstrumentBody>,
) -> Result<HttpResponse, ApiError> {
    let view = services.create_instrument(&caller.0, &slug, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(InstrumentBody::from(view)))
}

/// One instrument.
#[utoipa::path(
    tag = "equipment",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The instrument's id"),
    ),
    responses((status = 200, body = InstrumentBody)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/instruments/{id}")]
pub async fn get_instrument(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, InstrumentId)>,
) -> Result<web::Json<InstrumentBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.get_instrument(&caller.0, &slug, id).await?.into()))
}

/// Change an instrument; absent fields stay as they are, `null` clears the pixel scale.
#[utoipa::path(
    tag = "equipment",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The instrument's id"),
    ),
    request_body = UpdateInstrumentBody,
    responses(
        (status = 200, body = InstrumentBody),
        (status = 409, description = "Name taken"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[patch("/workspaces/{slug}/instruments/{id}")]
pub async fn update_instrument(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, InstrumentId)>,
    body: crate::json::Json<UpdateInstrumentBody>,
) -> Result<web::Json<InstrumentBody>, ApiError> {
    let (slug, id) = path.into_inner();
    let view = services.update_instrument(&caller.0, &slug, id, body.into_inner().into()).await?;
    Ok(web::Json(view.into()))
}

/// Delete an instrument. 409 while observations refer to it (the problem names `observations`).
#[utoipa::path(
    tag = "equipment",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The instrument's id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 409, description = "Still in use"),
    ),
    security(("session" = []))
)]
#[delete("/workspaces/{slug}/instruments/{id}")]
pub async fn delete_instrument(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, InstrumentId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.delete_instrument(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
