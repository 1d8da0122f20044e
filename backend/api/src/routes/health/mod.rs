//! Liveness and readiness, at the root (outside `/api/v1`). Their body is in [`types`].

pub mod types;

use actix_web::http::StatusCode;
use actix_web::{get, web};
use meridian_http::problem::ApiError;
use meridian_service::Services;
use types::HealthBody;

/// Mounts the probes at the root (as the registry lists them), with 405 (and `Allow`) for their other methods.
pub fn configure(cfg: &mut web::ServiceConfig) {
    use utoipa::OpenApi as _;
    let paths: Vec<String> = super::Root::openapi().paths.paths.into_keys().collect();
    cfg.configure(super::configure_root).service(web::resource(paths).to(crate::error::no_route));
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
        (status = 503),
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
