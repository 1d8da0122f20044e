//! A workspace's API keys: list, create (the secret shown once), revoke.

use super::types::{ApiKeyBody, ApiKeyList, CreateApiKeyBody, CreatedApiKeyBody};
use crate::routes::common::{PageQuery, SLUG};
use actix_web::{HttpResponse, delete, get, post, web};
use meridian_domain::ApiKeyId;
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::{ServiceError, Services};

/// A workspace's API keys, revoked ones included (admins and owners).
#[utoipa::path(
    tag = "api-keys",
    params(("slug" = String, Path, description = SLUG), PageQuery),
    responses((status = 200, body = ApiKeyList)),
    security(("session" = []))
)]
#[get("/workspaces/{slug}/api-keys")]
pub async fn list_api_keys(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<ApiKeyList>, ApiError> {
    let page = page.to_request().map_err(ServiceError::from)?;
    Ok(web::Json(services.list_api_keys(&caller.0, &slug, &page).await?.into()))
}

/// Create an API key. The response carries the whole key once; only its hash is kept.
#[utoipa::path(
    tag = "api-keys",
    params(("slug" = String, Path, description = SLUG)),
    request_body = CreateApiKeyBody,
    responses((status = 201, body = CreatedApiKeyBody)),
    security(("session" = []))
)]
#[post("/workspaces/{slug}/api-keys")]
pub async fn create_api_key(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<CreateApiKeyBody>,
) -> Result<HttpResponse, ApiError> {
    let created = services.create_api_key(&caller.0, &slug, &body.name, &body.scope).await?;
    Ok(HttpResponse::Created().json(CreatedApiKeyBody { key: ApiKeyBody::from(created.key), secret: created.secret }))
}

/// Revoke an API key; it stops working at once. Revoking twice is not an error.
#[utoipa::path(
    tag = "api-keys",
    params(
        ("slug" = String, Path, description = SLUG),
        ("key_id" = Uuid, Path, description = "The key's id"),
    ),
    responses((status = 204, description = "Revoked")),
    security(("session" = []))
)]
#[delete("/workspaces/{slug}/api-keys/{key_id}")]
pub async fn delete_api_key(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, ApiKeyId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.revoke_api_key(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
