//! Night logs, their reports and time-lost totals.

use super::types::{
    CreateNightLogBody, NightLogBody, NightLogList, NightLogQueryParams, TimeLostBody, TimeLostParams,
    UpdateNightLogBody,
};
use crate::routes::common::SLUG;
use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpResponse, get, patch, post, web};
use meridian_domain::NightLogId;
use meridian_domain::PageRequest;
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::nights::{CreateNightLog, NightLogQuery, UpdateNightLog};
use meridian_service::{ServiceError, Services, reports};

/// Night logs, newest night first. Anyone sees a public workspace's public logs; members see all.
#[utoipa::path(
    tag = "night-logs",
    params(("slug" = String, Path, description = SLUG), NightLogQueryParams),
    responses((status = 200, body = NightLogList)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/night-logs")]
pub async fn list_night_logs(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    q: web::Query<NightLogQueryParams>,
) -> Result<web::Json<NightLogList>, ApiError> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref()).map_err(ServiceError::from)?;
    let query = NightLogQuery { telescope: q.telescope.clone(), from: q.from.clone(), to: q.to.clone() };
    Ok(web::Json(services.list_night_logs(&caller.0, &slug, &query, &page).await?.into()))
}

/// Start a telescope's log for a night (observers and up). Without `night`, tonight at the telescope's site.
#[utoipa::path(
    tag = "night-logs",
    params(("slug" = String, Path, description = SLUG)),
    request_body = CreateNightLogBody,
    responses(
        (status = 201, body = NightLogBody),
        (status = 409, description = "The telescope already has a log for that night (the detail gives its id)"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/night-logs")]
pub async fn create_night_log(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<CreateNightLogBody>,
) -> Result<HttpResponse, ApiError> {
    let b = body.into_inner();
    let input = CreateNightLog {
        telescope_id: b.telescope_id,
        night: b.night,
        observers: b.observers,
        visibility: b.visibility,
    };
    let view = services.create_night_log(&caller.0, &slug, input).await?;
    Ok(HttpResponse::Created().json(NightLogBody::from(view)))
}

/// One night log.
#[utoipa::path(
    tag = "night-logs",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The night log's id")),
    responses((status = 200, body = NightLogBody)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/night-logs/{id}")]
pub async fn get_night_log(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, NightLogId)>,
) -> Result<web::Json<NightLogBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.get_night_log(&caller.0, &slug, id).await?.into()))
}

/// Change a log's observers, conditions, summary or status (observers and up), or publish it (`visibility`,
/// members and up).
#[utoipa::path(
    tag = "night-logs",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The night log's id")),
    request_body = UpdateNightLogBody,
    responses((status = 200, body = NightLogBody)),
    security(("api_key" = []), ("session" = []))
)]
#[patch("/workspaces/{slug}/night-logs/{id}")]
pub async fn update_night_log(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, NightLogId)>,
    body: crate::json::Json<UpdateNightLogBody>,
) -> Result<web::Json<NightLogBody>, ApiError> {
    let (slug, id) = path.into_inner();
    let b = body.into_inner();
    let input = UpdateNightLog {
        observers: b.observers,
        seeing_arcsec: b.seeing_arcsec,
        transparency: b.transparency,
        weather: b.weather,
        summary: b.summary,
        status: b.status,
        visibility: b.visibility,
    };
    Ok(web::Json(services.update_night_log(&caller.0, &slug, id, input).await?.into()))
}

fn download(content_type: &'static str, file_name: String, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file_name)],
        })
        .body(body)
}

/// The night report as Markdown: conditions, summary, time lost, entries and observations.
#[utoipa::path(
    tag = "night-logs",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The night log's id")),
    responses((status = 200, description = "The report", content_type = "text/markdown", body = String)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/night-logs/{id}/report.md")]
pub async fn get_night_report_markdown(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, NightLogId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let report = services.night_report(&caller.0, &slug, id).await?;
    let name = reports::report_file_name(&report, "md");
    Ok(download("text/markdown; charset=utf-8", name, reports::report_markdown(&report).into_bytes()))
}

/// The night report as CSV: one row per entry, observation and time-lost total (`record` says which).
#[utoipa::path(
    tag = "night-logs",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The night log's id")),
    responses((status = 200, description = "The report", content_type = "text/csv", body = String)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/night-logs/{id}/report.csv")]
pub async fn get_night_report_csv(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, NightLogId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let report = services.night_report(&caller.0, &slug, id).await?;
    let csv = reports::report_csv(&report).map_err(ServiceError::internal)?;
    Ok(download("text/csv; charset=utf-8", reports::report_file_name(&report, "csv"), csv))
}

/// Observing time lost per category (weather, technical, other) over a range of nights.
#[utoipa::path(
    tag = "night-logs",
    params(("slug" = String, Path, description = SLUG), TimeLostParams),
    responses((status = 200, body = TimeLostBody)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/time-lost")]
pub async fn get_time_lost(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    q: web::Query<TimeLostParams>,
) -> Result<web::Json<TimeLostBody>, ApiError> {
    let s = services.time_lost(&caller.0, &slug, q.from.as_deref(), q.to.as_deref(), q.telescope.as_deref()).await?;
    Ok(web::Json(s.into()))
}
