//! Satellite checks (public: anyone may call them, anonymous callers within the public rate limit) and the
//! instance's satellite catalog (search and status public; imports for the server's operators) here; a
//! workspace's planned observations with their stored checks in [`plans`]. Their bodies are in [`types`].

pub mod plans;
pub mod types;

use actix_web::{HttpResponse, get, post, web};
use futures::StreamExt as _;
use meridian_domain::ValidationError;
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::satellites::compute::{FovRequest, PassRequest};
use meridian_service::satellites::{MAX_CATALOG_BYTES, parse_format};
use meridian_service::{ServiceError, Services};
use types::{
    CatalogImportQuery, CatalogSearchBody, CatalogSearchQuery, CatalogStatusBody, FovCheckBody, FovReportBody,
    ImportSummaryBody, PassesBody, PassesQuery,
};

/// Which catalog objects cross one or more fields of view in a window of at most 24 hours: entry and exit times,
/// closest approach, angular speed, range, altitude, sunlit or in shadow, element age. Results in time order.
#[utoipa::path(
    tag = "satellites",
    request_body = FovCheckBody,
    responses(
        (status = 200, body = FovReportBody),
        (status = 409, description = "No catalog imported yet"),
        (status = 422, description = "Bad site, field or window (the problem names the field)"),
        (status = 429, description = "Anonymous rate limit"),
    ),
    security((), ("api_key" = []), ("session" = []))
)]
#[post("/satellites/fov")]
pub async fn check_fov(
    _caller: Caller,
    services: web::Data<Services>,
    body: crate::json::Json<FovCheckBody>,
) -> Result<web::Json<FovReportBody>, ApiError> {
    let body = body.into_inner();
    let site = body.site.to_site().map_err(ServiceError::from)?;
    let mut fields = Vec::with_capacity(body.fields.len());
    for (i, f) in body.fields.iter().enumerate() {
        let field = f
            .to_field()
            .map_err(|e| ValidationError::new(format!("fields[{i}].{}", e.field), e.message))
            .map_err(ServiceError::from)?;
        fields.push(field);
    }
    let mut request = FovRequest::new(site, fields, body.start, body.end).map_err(ServiceError::from)?;
    if let Some(days) = body.max_element_age_days {
        if !(days > 0.0 && days <= 365.0) {
            let e = ValidationError::new("max_element_age_days", "must be more than 0 and at most 365");
            return Err(ServiceError::from(e).into());
        }
        request = request.with_max_element_age_days(days);
    }
    Ok(web::Json(services.satellite_fov_check(request).await?.into()))
}

/// Rises, culminations and sets of one object over a site above a minimum altitude (objects that never set, like
/// geostationary ones in view, give one pass without rise or set).
#[utoipa::path(
    tag = "satellites",
    params(PassesQuery),
    responses(
        (status = 200, body = PassesBody),
        (status = 404, description = "No such object in the catalog"),
        (status = 409, description = "No catalog imported yet"),
    ),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/satellites/passes")]
pub async fn satellite_passes(
    _caller: Caller,
    services: web::Data<Services>,
    query: web::Query<PassesQuery>,
) -> Result<web::Json<PassesBody>, ApiError> {
    let q = query.into_inner();
    let site = meridian_service::satellites::compute::Site::from_degrees(q.latitude, q.longitude, q.elevation_m)
        .map_err(ServiceError::from)?;
    let request =
        PassRequest::new(site, q.start, q.end, q.min_altitude_deg.unwrap_or(10.0)).map_err(ServiceError::from)?;
    Ok(web::Json(services.satellite_passes(q.norad_id, request).await?.into()))
}

/// Catalog objects by NORAD number (exact) or name (contains, any case).
#[utoipa::path(
    tag = "satellites",
    params(CatalogSearchQuery),
    responses((status = 200, body = CatalogSearchBody)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/satellites/catalog")]
pub async fn search_catalog(
    _caller: Caller,
    services: web::Data<Services>,
    query: web::Query<CatalogSearchQuery>,
) -> Result<web::Json<CatalogSearchBody>, ApiError> {
    let items = services.search_satellites(&query.q, query.limit.unwrap_or(20)).await?;
    Ok(web::Json(CatalogSearchBody { items: items.into_iter().map(Into::into).collect() }))
}

/// The catalog's size, oldest and newest element epochs, and recent imports.
#[utoipa::path(
    tag = "satellites",
    responses((status = 200, body = CatalogStatusBody)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/satellites/catalog/status")]
pub async fn catalog_status(
    _caller: Caller,
    services: web::Data<Services>,
) -> Result<web::Json<CatalogStatusBody>, ApiError> {
    Ok(web::Json(services.satellite_catalog_status().await?.into()))
}

/// Import a catalog file (the request body: TLE, or OMM as JSON, CSV or XML; at most 128 MiB). Newer elements
/// replace older ones per object; bad lines are reported with their number and reason. The server's operators
/// only (listed in its configuration).
#[utoipa::path(
    tag = "satellites",
    params(CatalogImportQuery),
    request_body(content = String, content_type = "text/plain"),
    responses(
        (status = 201, body = ImportSummaryBody),
        (status = 403, description = "Not an operator"),
        (status = 413, description = "Too large"),
        (status = 422, description = "Nothing in the file reads (the first bad line is named)"),
    ),
    security(("session" = []))
)]
#[post("/satellites/catalog")]
pub async fn import_catalog(
    caller: Caller,
    services: web::Data<Services>,
    query: web::Query<CatalogImportQuery>,
    mut payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let format = parse_format(query.format.as_deref()).map_err(ServiceError::from)?;
    // Who may import is known before the body is read: a non-operator's 128 MiB is never buffered.
    services.require_operator(&caller.0)?;
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::new(actix_web::http::StatusCode::BAD_REQUEST, "bad_request", format!("reading the body: {e}"))
        })?;
        if body.len() + chunk.len() > MAX_CATALOG_BYTES {
            return Err(ApiError::new(
                actix_web::http::StatusCode::PAYLOAD_TOO_LARGE,
                "too_large",
                format!("a catalog file may be at most {MAX_CATALOG_BYTES} bytes"),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(body)
        .map_err(|_| ServiceError::from(ValidationError::new("catalog", "must be UTF-8 text")))?;
    let source = query.source.clone().unwrap_or_else(|| "upload".to_owned());
    let summary = services.import_satellite_catalog_as(&caller.0, text, format, &source).await?;
    Ok(HttpResponse::Created().json(ImportSummaryBody::from(summary)))
}
