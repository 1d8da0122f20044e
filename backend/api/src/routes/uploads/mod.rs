//! Resumable uploads: start, send parts (straight to S3 through presigned URLs, or through the API), see what
//! arrived, complete (verified by a job), abort. Their bodies are in [`types`].

pub mod types;

use crate::routes::common::{SLUG, body_stream, content_length};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, put, web};
use meridian_domain::{DatasetId, UploadId};
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::Services;
use meridian_storage::CompletedPart;
use types::{
    CompleteUploadBody, CreateUploadBody, PartUrlBody, PartUrlList, PartUrlsBody, UploadBody, UploadList,
    UploadPartBody,
};

const UPLOAD: &str = "The upload's id";

/// Start a resumable upload of one file into a dataset. The name, the declared SHA-256 (a duplicate is a 409
/// naming the existing file) and the quota (413) are checked now, before any byte is sent. Then send the parts
/// (any order, retried as needed), and `complete`. `upload` keys may do this. Sending the same request again (its
/// answer was lost) is safe when it declares `sha256` or a `client_token`: while the caller's upload of that file
/// is open (a day left at least), the answer is that upload (200), with the parts it already has, not a second one.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The dataset's id")),
    request_body = CreateUploadBody,
    responses(
        (status = 201, body = UploadBody),
        (status = 200, body = UploadBody, description = "The caller's open upload of the same file, begun earlier"),
        (status = 409, description = "Already in the dataset (same bytes or name)"),
        (status = 413, description = "Over the plan's quota"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/datasets/{id}/uploads")]
pub async fn create_upload(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, DatasetId)>,
    body: crate::json::Json<CreateUploadBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let started = services.create_upload(&caller.0, &slug, id, body.into_inner().into()).await?;
    let body = UploadBody::from(started.upload);
    Ok(if started.new { HttpResponse::Created().json(body) } else { HttpResponse::Ok().json(body) })
}

/// The workspace's uploads still open or being verified, newest first.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG)),
    responses((status = 200, body = UploadList)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/uploads")]
pub async fn list_uploads(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
) -> Result<web::Json<UploadList>, ApiError> {
    let items = services.list_uploads(&caller.0, &slug).await?.into_iter().map(Into::into).collect();
    Ok(web::Json(UploadList { items }))
}

/// An upload, with the parts received so far (to resume: send the others) and, once done, its file.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("upload" = Uuid, Path, description = UPLOAD)),
    responses((status = 200, body = UploadBody)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/uploads/{upload}")]
pub async fn get_upload(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, UploadId)>,
) -> Result<web::Json<UploadBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.get_upload(&caller.0, &slug, id).await?.into()))
}

/// Where to send parts: presigned object-store URLs (S3; valid for an hour) or this API's part route.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("upload" = Uuid, Path, description = UPLOAD)),
    request_body = PartUrlsBody,
    responses(
        (status = 200, body = PartUrlList),
        (status = 409, description = "No longer open"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/uploads/{upload}/part-urls")]
pub async fn upload_part_urls(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, UploadId)>,
    body: crate::json::Json<PartUrlsBody>,
) -> Result<web::Json<PartUrlList>, ApiError> {
    let (slug, id) = path.into_inner();
    let targets = services.upload_part_targets(&caller.0, &slug, id, &body.parts).await?;
    let items = targets
        .into_iter()
        .map(|t| match t.presigned {
            Some(p) => PartUrlBody {
                number: t.number,
                size: t.size,
                method: p.method.to_owned(),
                url: p.url,
                headers: p.headers,
                expires_at: Some(p.expires_at),
            },
            None => PartUrlBody {
                number: t.number,
                size: t.size,
                method: "PUT".to_owned(),
                url: format!("/api/v1/workspaces/{slug}/uploads/{id}/parts/{}", t.number),
                headers: Vec::new(),
                expires_at: None,
            },
        })
        .collect();
    Ok(web::Json(PartUrlList { items }))
}

/// Send one part through the API (streamed; `Content-Length` must be the part's exact size). Sending a part
/// again replaces it.
#[utoipa::path(
    tag = "data",
    params(
        ("slug" = String, Path, description = SLUG),
        ("upload" = Uuid, Path, description = UPLOAD),
        ("number" = u32, Path, description = "The part's number, from 1"),
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, body = UploadPartBody),
        (status = 400, description = "The body broke off"),
        (status = 409, description = "No longer open"),
        (status = 411, description = "No Content-Length"),
        (status = 422, description = "Wrong size or number"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[put("/workspaces/{slug}/uploads/{upload}/parts/{number}")]
pub async fn put_upload_part(
    req: HttpRequest,
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, UploadId, u32)>,
    payload: web::Payload,
) -> Result<web::Json<UploadPartBody>, ApiError> {
    let (slug, id, number) = path.into_inner();
    let size = content_length(&req)?;
    let part = services.put_upload_part(&caller.0, &slug, id, number, size, body_stream(payload)).await?;
    Ok(web::Json(part.into()))
}

/// Join the parts: 202, then a job reads the file once to verify its size and checksum and makes the file
/// (poll the upload: `done` with `file_id`, or `failed` with `error`). 409 names missing parts.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("upload" = Uuid, Path, description = UPLOAD)),
    request_body = CompleteUploadBody,
    responses(
        (status = 202, body = UploadBody),
        (status = 409, description = "Parts missing"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/uploads/{upload}/complete")]
pub async fn complete_upload(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, UploadId)>,
    body: crate::json::Json<CompleteUploadBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let parts = body
        .into_inner()
        .parts
        .map(|ps| ps.into_iter().map(|p| CompletedPart { part_number: p.number, etag: p.etag }).collect());
    let u = services.complete_upload(&caller.0, &slug, id, parts).await?;
    Ok(HttpResponse::Accepted().json(UploadBody::from(u)))
}

/// Abandon an upload: its parts and its reservation go.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("upload" = Uuid, Path, description = UPLOAD)),
    responses(
        (status = 204),
        (status = 409, description = "Already completed"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[delete("/workspaces/{slug}/uploads/{upload}")]
pub async fn abort_upload(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, UploadId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.abort_upload(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
