//! Night-log entries: add, edit (a new version each time), history, soft delete and restore, and the queries.

use super::types::{
    EntryBody, EntryInputBody, EntryItems, EntryList, EntryQueryParams, EntryVersionList, IncludeDeletedParams,
};
use crate::routes::common::SLUG;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use meridian_domain::PageRequest;
use meridian_domain::{EntryId, NightLogId};
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::nights::EntryQuery;
use meridian_service::{ServiceError, Services};

/// Entries across night logs, filtered, in time order. Anyone may search a public workspace's public logs.
#[utoipa::path(
    tag = "entries",
    params(("slug" = String, Path, description = SLUG), EntryQueryParams),
    responses((status = 200, body = EntryList)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/entries")]
pub async fn list_entries(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    q: web::Query<EntryQueryParams>,
) -> Result<web::Json<EntryList>, ApiError> {
    let page = PageRequest::parse(q.limit, q.cursor.as_deref()).map_err(ServiceError::from)?;
    let query = EntryQuery::from(&*q);
    Ok(web::Json(services.query_entries(&caller.0, &slug, &query, &page).await?.into()))
}

/// All entries of one night log, in time order.
#[utoipa::path(
    tag = "entries",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = String, Path, description = "The night log's id"),
        IncludeDeletedParams,
    ),
    responses((status = 200, body = EntryItems)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/night-logs/{id}/entries")]
pub async fn list_night_log_entries(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, NightLogId)>,
    q: web::Query<IncludeDeletedParams>,
) -> Result<web::Json<EntryItems>, ApiError> {
    let (slug, id) = path.into_inner();
    let rows = services.log_entries(&caller.0, &slug, id, q.include_deleted.unwrap_or(false)).await?;
    Ok(web::Json(EntryItems { items: rows.into_iter().map(Into::into).collect() }))
}

/// Add an entry to a night log (observers and up). The time defaults to now and must fall within the night.
#[utoipa::path(
    tag = "entries",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The night log's id")),
    request_body = EntryInputBody,
    responses(
        (status = 201, body = EntryBody),
        (status = 409, description = "The night log is closed"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/night-logs/{id}/entries")]
pub async fn create_entry(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, NightLogId)>,
    body: crate::json::Json<EntryInputBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let view = services.add_entry(&caller.0, &slug, id, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(EntryBody::from(view)))
}

/// One entry as it stands now.
#[utoipa::path(
    tag = "entries",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The entry's id")),
    responses((status = 200, body = EntryBody)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/entries/{id}")]
pub async fn get_entry(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, EntryId)>,
) -> Result<web::Json<EntryBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.get_entry(&caller.0, &slug, id).await?.into()))
}

/// Edit an entry (observers and up). The edit becomes a new version; earlier ones stay readable under
/// `/versions`. Send `expected_version` to refuse the edit (409) if someone else edited first.
#[utoipa::path(
    tag = "entries",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The entry's id")),
    request_body = EntryInputBody,
    responses(
        (status = 200, body = EntryBody),
        (status = 409, description = "Edited meanwhile, deleted, or the log is closed"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[patch("/workspaces/{slug}/entries/{id}")]
pub async fn update_entry(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, EntryId)>,
    body: crate::json::Json<EntryInputBody>,
) -> Result<web::Json<EntryBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.edit_entry(&caller.0, &slug, id, body.into_inner().into()).await?.into()))
}

/// Delete an entry softly: gone from the log, kept with its history until an admin restores it. Authors delete
/// their own entries; anyone else's needs admin.
#[utoipa::path(
    tag = "entries",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The entry's id")),
    responses(
        (status = 409, description = "The night log is closed"),
        (status = 204, description = "Deleted (or already deleted)"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[delete("/workspaces/{slug}/entries/{id}")]
pub async fn delete_entry(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, EntryId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.delete_entry(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Bring a deleted entry back (admins and owners).
#[utoipa::path(
    tag = "entries",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The entry's id")),
    responses(
        (status = 409, description = "The night log is closed"),
        (status = 200, body = EntryBody),
    ),
    security(("session" = []))
)]
#[post("/workspaces/{slug}/entries/{id}/restore")]
pub async fn restore_entry(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, EntryId)>,
) -> Result<web::Json<EntryBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.restore_entry(&caller.0, &slug, id).await?.into()))
}

/// Every version of an entry, oldest first: what it said before each edit, who changed it and when.
#[utoipa::path(
    tag = "entries",
    params(("slug" = String, Path, description = SLUG), ("id" = String, Path, description = "The entry's id")),
    responses((status = 200, body = EntryVersionList)),
    security((), ("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/entries/{id}/versions")]
pub async fn list_entry_versions(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, EntryId)>,
) -> Result<web::Json<EntryVersionList>, ApiError> {
    let (slug, id) = path.into_inner();
    let versions = services.entry_history(&caller.0, &slug, id).await?;
    Ok(web::Json(EntryVersionList { items: versions.into_iter().map(Into::into).collect() }))
}
