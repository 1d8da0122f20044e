//! Target lists and the targets on them.

use super::types::{
    AddListTargetBody, CreateTargetListBody, TargetBody, TargetListBody, TargetListList, TargetPage,
    UpdateTargetListBody,
};
use crate::routes::common::{PageQuery, SLUG};
use actix_web::{HttpResponse, delete, get, patch, post, web};
use meridian_domain::{TargetId, TargetListId};
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::{ServiceError, Services};

/// The workspace's target lists, oldest first.
#[utoipa::path(
    tag = "targets",
    params(("slug" = String, Path, description = SLUG), PageQuery),
    responses((status = 200, body = TargetListList)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/target-lists")]
pub async fn list_target_lists(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<TargetListList>, ApiError> {
    let page = page.to_request().map_err(ServiceError::from)?;
    Ok(web::Json(services.list_target_lists(&caller.0, &slug, &page).await?.into()))
}

/// Create a target list.
#[utoipa::path(
    tag = "targets",
    params(("slug" = String, Path, description = SLUG)),
    request_body = CreateTargetListBody,
    responses(
        (status = 201, body = TargetListBody),
        (status = 409, description = "Name taken"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/target-lists")]
pub async fn create_target_list(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<CreateTargetListBody>,
) -> Result<HttpResponse, ApiError> {
    let list = services.create_target_list(&caller.0, &slug, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(TargetListBody::from(list)))
}

/// One target list.
#[utoipa::path(
    tag = "targets",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The list's id"),
    ),
    responses((status = 200, body = TargetListBody)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/target-lists/{id}")]
pub async fn get_target_list(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, TargetListId)>,
) -> Result<web::Json<TargetListBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.get_target_list(&caller.0, &slug, id).await?.into()))
}

/// Rename or redescribe a target list; absent fields stay as they are.
#[utoipa::path(
    tag = "targets",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The list's id"),
    ),
    request_body = UpdateTargetListBody,
    responses(
        (status = 200, body = TargetListBody),
        (status = 409, description = "Name taken"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[patch("/workspaces/{slug}/target-lists/{id}")]
pub async fn update_target_list(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, TargetListId)>,
    body: crate::json::Json<UpdateTargetListBody>,
) -> Result<web::Json<TargetListBody>, ApiError> {
    let (slug, id) = path.into_inner();
    let list = services.update_target_list(&caller.0, &slug, id, body.into_inner().into()).await?;
    Ok(web::Json(list.into()))
}

/// Delete a target list; its targets stay in the catalogue.
#[utoipa::path(
    tag = "targets",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The list's id"),
    ),
    responses((status = 204, description = "Deleted")),
    security(("session" = []))
)]
#[delete("/workspaces/{slug}/target-lists/{id}")]
pub async fn delete_target_list(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, TargetListId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.delete_target_list(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The targets on a list, in the order they were created.
#[utoipa::path(
    tag = "targets",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The list's id"),
        PageQuery,
    ),
    responses((status = 200, body = TargetPage)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/target-lists/{id}/targets")]
pub async fn list_target_list_targets(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, TargetListId)>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<TargetPage>, ApiError> {
    let (slug, id) = path.into_inner();
    let page = page.to_request().map_err(ServiceError::from)?;
    Ok(web::Json(services.list_target_list_targets(&caller.0, &slug, id, &page).await?.into()))
}

/// Put a target on a list. 409 when it is already there; 422 naming `target_id` for a target not in the workspace.
#[utoipa::path(
    tag = "targets",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The list's id"),
    ),
    request_body = AddListTargetBody,
    responses(
        (status = 201, description = "The target, now on the list", body = TargetBody),
        (status = 409, description = "Already on the list"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/target-lists/{id}/targets")]
pub async fn create_target_list_target(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, TargetListId)>,
    body: crate::json::Json<AddListTargetBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let target = services.add_target_to_list(&caller.0, &slug, id, body.target_id).await?;
    Ok(HttpResponse::Created().json(TargetBody::from(target)))
}

/// Take a target off a list (the target stays in the catalogue).
#[utoipa::path(
    tag = "targets",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The list's id"),
        ("target_id" = Uuid, Path, description = "The target's id"),
    ),
    responses(
        (status = 204, description = "Removed from the list"),
        (status = 404, description = "No such list, or the target is not on it"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[delete("/workspaces/{slug}/target-lists/{id}/targets/{target_id}")]
pub async fn delete_target_list_target(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, TargetListId, TargetId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, target) = path.into_inner();
    services.remove_target_from_list(&caller.0, &slug, id, target).await?;
    Ok(HttpResponse::NoContent().finish())
}
