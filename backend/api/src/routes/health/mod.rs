//! Liveness and readiness, at the root (outside `/api/v1`). Their body is in [`types`].

pub mod types;

use actix_web::http::StatusCode;
use actix_web::{get, web};
use meridian_http::problem::{ApiError, Problem};
use meridian_service::Services;
use types::HealthBody;

/// Mounts the probes at the root, with 405 (and `Allow`) for their other methods.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(web::resource(["/healthz", "/readyz"]).to(crate::error::no_route));
}

/// The process is up.
#[utoipa::path(tag = "health", responses((status = 200, body = HealthBody)))]
#[get("/healthz")]
pub async fn healthz() -> web::Json<HealthBody> {
    web::Json(HealthBody { status: "ok".into() })
}

/// The process can serve: its database answers.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, body = HealthBody),
        (status = 503, body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/readyz")]
pub async fn readyz(services: web::Data<Services>) -> Result<web::Json<HealthBody>, ApiError> {
    if services.ready().await {
        Ok(web::Json(HealthBody { status: "ready".into() }))
    } else {
        Err(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", "the database does not answer"))
    }
}
