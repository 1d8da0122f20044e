//! A workspace's storage: usage per tier and month, and the tier rules a daily job applies.

use super::types::{CreateRuleBody, RuleBody, RuleList, UsageBody};
use crate::routes::common::SLUG;
use actix_web::{HttpResponse, delete, get, post, web};
use meridian_domain::LifecycleRuleId;
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::Services;

/// The workspace's storage: plan, bytes per tier against its limits, uploads in flight, GiB-months per month.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG)),
    responses((status = 200, body = UsageBody)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/storage/usage")]
pub async fn get_storage_usage(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
) -> Result<web::Json<UsageBody>, ApiError> {
    Ok(web::Json(services.storage_usage(&caller.0, &slug).await?.into()))
}

/// The workspace's tier rules.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG)),
    responses((status = 200, body = RuleList)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/storage/rules")]
pub async fn list_tier_rules(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
) -> Result<web::Json<RuleList>, ApiError> {
    let items = services.list_tier_rules(&caller.0, &slug).await?.into_iter().map(Into::into).collect();
    Ok(web::Json(RuleList { items }))
}

/// Add a tier rule ("science frames to cool after 30 days, to cold after 180"); a daily job applies the rules.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG)),
    request_body = CreateRuleBody,
    responses(
        (status = 201, body = RuleBody),
        (status = 409),
    ),
    security(("session" = []))
)]
#[post("/workspaces/{slug}/storage/rules")]
pub async fn create_tier_rule(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<CreateRuleBody>,
) -> Result<HttpResponse, ApiError> {
    let r = services.create_tier_rule(&caller.0, &slug, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(RuleBody::from(r)))
}

/// Remove a tier rule.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The rule's id")),
    responses((status = 204)),
    security(("session" = []))
)]
#[delete("/workspaces/{slug}/storage/rules/{id}")]
pub async fn delete_tier_rule(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, LifecycleRuleId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.delete_tier_rule(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
