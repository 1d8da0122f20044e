//! Observations and calibrations recorded in night logs.

use super::types::{ObservationBody, ObservationInputBody, ObservationItems};
use crate::routes::common::SLUG;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use meridian_domain::{NightLogId, ObservationId};
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::Services;

/// A night log's observations and calibrations, by start time.
#[utoipa::path(
    tag = "observations",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The night log's id")),
    responses((status = 200, body = ObservationItems)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/night-logs/{id}/observations")]
pub async fn list_observations(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, NightLogId)>,
) -> Result<web::Json<ObservationItems>, ApiError> {
    let (slug, id) = path.into_inner();
    let rows = services.log_observations(&caller.0, &slug, id).await?;
    Ok(web::Json(ObservationItems { items: rows.into_iter().map(Into::into).collect() }))
}

/// Record an observation or calibration in a night log (observers and up).
#[utoipa::path(
    tag = "observations",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The night log's id")),
    request_body = ObservationInputBody,
    responses(
        (status = 201, body = ObservationBody),
        (status = 409, description = "The night log is closed"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/night-logs/{id}/observations")]
pub async fn create_observation(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, NightLogId)>,
    body: crate::json::Json<ObservationInputBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let o = services.add_observation(&caller.0, &slug, id, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(ObservationBody::from(o)))
}

/// One observation.
#[utoipa::path(
    tag = "observations",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The observation's id")),
    responses((status = 200, body = ObservationBody)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/observations/{id}")]
pub async fn get_observation(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, ObservationId)>,
) -> Result<web::Json<ObservationBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.get_observation(&caller.0, &slug, id).await?.into()))
}

/// Change an observation (observers and up); absent fields stay.
#[utoipa::path(
    tag = "observations",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The observation's id")),
    request_body = ObservationInputBody,
    responses(
        (status = 409, description = "The night log is closed"),
        (status = 200, body = ObservationBody),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[patch("/workspaces/{slug}/observations/{id}")]
pub async fn update_observation(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, ObservationId)>,
    body: crate::json::Json<ObservationInputBody>,
) -> Result<web::Json<ObservationBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.update_observation(&caller.0, &slug, id, body.into_inner().into()).await?.into()))
}

/// Delete an observation record (admins and owners).
#[utoipa::path(
    tag = "observations",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The observation's id")),
    responses(
        (status = 409, description = "The night log is closed"),
        (status = 204, description = "Deleted"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[delete("/workspaces/{slug}/observations/{id}")]
pub async fn delete_observation(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, ObservationId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.delete_observation(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
