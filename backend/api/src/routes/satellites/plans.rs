//! A workspace's planned observations, each with the satellite check stored when it was made or last changed.

use super::types::{CreatePlanBody, PlanBody, PlanList, PlanListQuery, UpdatePlanBody};
use crate::routes::common::SLUG;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use meridian_domain::{PageRequest, PlannedObservationId};
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::{ServiceError, Services};

/// A workspace's planned observations by start time.
#[utoipa::path(
    tag = "planning",
    params(("slug" = String, Path, description = SLUG), PlanListQuery),
    responses((status = 200, body = PlanList)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/planned-observations")]
pub async fn list_plans(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    query: web::Query<PlanListQuery>,
) -> Result<web::Json<PlanList>, ApiError> {
    let page = PageRequest::parse(query.limit, query.cursor.as_deref()).map_err(ServiceError::from)?;
    Ok(web::Json(services.list_plans(&caller.0, &slug, query.upcoming, &page).await?.into()))
}

/// Plan an observation: a target (or coordinates), a telescope (its site is where the check looks from), a field
/// and a window of at most 24 hours. The satellite check runs at once and is stored with the catalog it used.
#[utoipa::path(
    tag = "planning",
    params(("slug" = String, Path, description = SLUG)),
    request_body = CreatePlanBody,
    responses((status = 201, body = PlanBody)),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/planned-observations")]
pub async fn create_plan(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<CreatePlanBody>,
) -> Result<HttpResponse, ApiError> {
    let plan = services.create_plan(&caller.0, &slug, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(PlanBody::from(plan)))
}

/// One planned observation with its stored check.
#[utoipa::path(
    tag = "planning",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The plan's id"),
    ),
    responses((status = 200, body = PlanBody)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/planned-observations/{id}")]
pub async fn get_plan(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PlannedObservationId)>,
) -> Result<web::Json<PlanBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.get_plan(&caller.0, &slug, id).await?.into()))
}

/// Change a plan; its check runs again.
#[utoipa::path(
    tag = "planning",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The plan's id"),
    ),
    request_body = UpdatePlanBody,
    responses((status = 200, body = PlanBody)),
    security(("api_key" = []), ("session" = []))
)]
#[patch("/workspaces/{slug}/planned-observations/{id}")]
pub async fn update_plan(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PlannedObservationId)>,
    body: crate::json::Json<UpdatePlanBody>,
) -> Result<web::Json<PlanBody>, ApiError> {
    let (slug, id) = path.into_inner();
    let plan = services.update_plan(&caller.0, &slug, id, body.into_inner().into()).await?;
    Ok(web::Json(plan.into()))
}

/// Run a plan's satellite check again with the catalog as it is now.
#[utoipa::path(
    tag = "planning",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The plan's id"),
    ),
    responses((status = 200, body = PlanBody)),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/planned-observations/{id}/check")]
pub async fn recheck_plan(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PlannedObservationId)>,
) -> Result<web::Json<PlanBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.recheck_plan(&caller.0, &slug, id).await?.into()))
}

/// Delete a plan.
#[utoipa::path(
    tag = "planning",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The plan's id"),
    ),
    responses((status = 204, description = "Deleted")),
    security(("api_key" = []), ("session" = []))
)]
#[delete("/workspaces/{slug}/planned-observations/{id}")]
pub async fn delete_plan(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PlannedObservationId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.delete_plan(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
