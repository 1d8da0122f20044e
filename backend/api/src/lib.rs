#![doc = include_str!("../README.md")]

pub mod error;
pub mod json;
pub mod openapi;
pub mod routes;
pub mod schemas;

pub use openapi::ApiDoc;

use actix_web::web;

/// Largest JSON body the API reads (uploads have their own routes and limits).
pub const JSON_LIMIT: usize = 64 * 1024;

/// Mounts `/api/v1` with its extractor settings. The caller provides `web::Data<Services>`,
/// `web::Data<meridian_http::cookies::CookiePolicy>` and, to limit anonymous calls,
/// `web::Data<meridian_service::limits::PublicRateLimit>`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(error::json_config())
            .app_data(error::query_config())
            .app_data(error::path_config())
            .app_data(web::PayloadConfig::new(JSON_LIMIT))
            .configure(routes::configure)
            .default_service(web::to(error::no_route)),
    );
}
