//! Datasets: named collections of data files.

use super::types::{CreateDatasetBody, DatasetBody, DatasetList, UpdateDatasetBody};
use crate::routes::common::{PageQuery, SLUG};
use actix_web::{HttpResponse, delete, get, patch, post, web};
use meridian_domain::DatasetId;
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::{ServiceError, Services};

/// The workspace's datasets by name, a page at a time (outsiders of a public workspace see the released ones).
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), PageQuery),
    responses((status = 200, body = DatasetList)),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/datasets")]
pub async fn list_datasets(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<DatasetList>, ApiError> {
    let page = page.to_request().map_err(ServiceError::from)?;
    Ok(web::Json(services.list_datasets(&caller.0, &slug, &page).await?.into()))
}

/// Create a dataset.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG)),
    request_body = CreateDatasetBody,
    responses(
        (status = 201, body = DatasetBody),
        (status = 409, description = "Name taken"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/datasets")]
pub async fn create_dataset(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<CreateDatasetBody>,
) -> Result<HttpResponse, ApiError> {
    let d = services.create_dataset(&caller.0, &slug, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(DatasetBody::from(d)))
}

/// One dataset with its totals.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The dataset's id")),
    responses((status = 200, body = DatasetBody)),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/datasets/{id}")]
pub async fn get_dataset(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, DatasetId)>,
) -> Result<web::Json<DatasetBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.get_dataset(&caller.0, &slug, id).await?.into()))
}

/// Change a dataset (name, description, default telescope, release date).
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The dataset's id")),
    request_body = UpdateDatasetBody,
    responses(
        (status = 200, body = DatasetBody),
        (status = 409),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[patch("/workspaces/{slug}/datasets/{id}")]
pub async fn update_dataset(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, DatasetId)>,
    body: crate::json::Json<UpdateDatasetBody>,
) -> Result<web::Json<DatasetBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.update_dataset(&caller.0, &slug, id, body.into_inner().into()).await?.into()))
}

/// Delete an empty dataset (409 while it holds files).
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The dataset's id")),
    responses(
        (status = 204),
        (status = 409, description = "It still has files"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[delete("/workspaces/{slug}/datasets/{id}")]
pub async fn delete_dataset(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, DatasetId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.delete_dataset(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
