//! A package's draft: the selection of files the next version will freeze.

use super::PKG;
use super::types::{AddDraftFilesBody, DraftBody};
use crate::routes::common::SLUG;
use actix_web::{delete, get, post, web};
use meridian_domain::{DataFileId, PackageId};
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::Services;

/// The draft: the files the next version will hold, with totals per tier and what would block a publish.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    responses((status = 200, body = DraftBody)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/packages/{id}/draft")]
pub async fn get_package_draft(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId)>,
) -> Result<web::Json<DraftBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.get_draft(&caller.0, &slug, id).await?.into()))
}

/// Add files to the draft: by id, a whole dataset, or a file search; each goes to `dataset/name`.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    request_body = AddDraftFilesBody,
    responses(
        (status = 200, body = DraftBody),
        (status = 409, description = "Two files at one path"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/packages/{id}/draft/files")]
pub async fn add_package_draft_files(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId)>,
    body: crate::json::Json<AddDraftFilesBody>,
) -> Result<web::Json<DraftBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.add_to_draft(&caller.0, &slug, id, body.into_inner().try_into()?).await?.into()))
}

/// Take one file out of the draft.
#[utoipa::path(
    tag = "packages",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = PKG),
        ("file_id" = Uuid, Path, description = "The file's id"),
    ),
    responses((status = 200, body = DraftBody)),
    security(("api_key" = []), ("session" = []))
)]
#[delete("/workspaces/{slug}/packages/{id}/draft/files/{file_id}")]
pub async fn delete_package_draft_file(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId, DataFileId)>,
) -> Result<web::Json<DraftBody>, ApiError> {
    let (slug, id, file) = path.into_inner();
    Ok(web::Json(services.remove_from_draft(&caller.0, &slug, id, &[file]).await?.into()))
}

/// Start the draft again from the last published version's selection.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    responses(
        (status = 200, body = DraftBody),
        (status = 409, description = "Nothing published yet"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/packages/{id}/draft/reset")]
pub async fn reset_package_draft(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId)>,
) -> Result<web::Json<DraftBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.reset_draft(&caller.0, &slug, id).await?.into()))
}
