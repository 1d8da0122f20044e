//! Data files: upload (streamed), search, the FITS header, download (with ranges), preview, changes, tiers,
//! delete and restore.

use super::types::{CardList, FileBody, FileDetailBody, FilePageBody, FileSearchQuery, UpdateFileBody, UploadQuery};
use crate::routes::common::{PageQuery, SLUG, body_stream, content_length};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, put, web};
use meridian_domain::{DataFileId, DatasetId};
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::data::{FileQuery, UploadMeta};
use meridian_service::{ServiceError, Services};

/// A dataset's files, newest first.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The dataset's id"), PageQuery),
    responses((status = 200, body = FilePageBody)),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/datasets/{id}/files")]
pub async fn list_dataset_files(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, DatasetId)>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<FilePageBody>, ApiError> {
    let (slug, id) = path.into_inner();
    let page = page.into_inner();
    // The limit is checked as on every list (the service would clamp it): 1 to 200, as documented.
    meridian_domain::Limit::parse(page.limit).map_err(ServiceError::from)?;
    Ok(web::Json(services.list_files(&caller.0, &slug, id, page.limit, page.cursor).await?.into()))
}

/// The SHA-256 of an RFC 9530 `Content-Digest: sha-256=:<base64>:` header, as hex.
fn content_digest(req: &HttpRequest) -> Option<String> {
    use base64::Engine as _;
    let v = req.headers().get("content-digest")?.to_str().ok()?;
    v.split(',').find_map(|part| {
        let (alg, val) = part.trim().split_once('=')?;
        if !alg.trim().eq_ignore_ascii_case("sha-256") {
            return None;
        }
        let b64 = val.trim().strip_prefix(':')?.strip_suffix(':')?;
        let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        Some(hex::encode(bytes))
    })
}

/// Upload a file into a dataset, streamed (any size; nothing is held in memory). `Content-Length` is required so
/// the quota is checked before any byte is stored; the SHA-256 is computed on the way and recorded. The same
/// bytes twice in a dataset are a 409 naming the existing file. `upload`-scoped API keys may do this and nothing
/// else. FITS files (`.fits .fit .fts`, also `.gz`/`.fz`) are read and placed in night logs by a background job.
#[utoipa::path(
    tag = "data",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = "The dataset's id"),
        ("name" = String, Path, description = "The file name"),
        UploadQuery,
    ),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 201, body = FileBody),
        (status = 400, description = "The body broke off or did not match its length or checksum"),
        (status = 409, description = "Already in the dataset (same bytes or name)"),
        (status = 411, description = "No Content-Length"),
        (status = 413, description = "Over the plan's quota"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[put("/workspaces/{slug}/datasets/{id}/files/{name}")]
pub async fn upload_file(
    req: HttpRequest,
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, DatasetId, String)>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, name) = path.into_inner();
    let size = content_length(&req)?;
    let query = query.into_inner();
    let sha256 = query.sha256.or_else(|| content_digest(&req));
    let content_type = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let meta = UploadMeta { name, content_type, size, sha256, release_at: query.release_at };
    let file = services.upload_file(&caller.0, &slug, id, meta, body_stream(payload)).await?;
    Ok(HttpResponse::Created().json(FileBody::from(file)))
}

/// Search the workspace's files by object, date, filter, instrument, frame type, header keywords and sky
/// position (cone). Outsiders of a public workspace search its released files.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), FileSearchQuery),
    responses((status = 200, body = FilePageBody)),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/files")]
pub async fn search_files(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    query: web::Query<FileSearchQuery>,
) -> Result<web::Json<FilePageBody>, ApiError> {
    let query = FileQuery::try_from(query.into_inner())?;
    Ok(web::Json(services.search_files(&caller.0, &slug, query).await?.into()))
}

/// One file: metadata, its whole FITS header, and the jobs about it.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The file's id")),
    responses((status = 200, body = FileDetailBody)),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/files/{id}")]
pub async fn get_file(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, DataFileId)>,
) -> Result<web::Json<FileDetailBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.get_file(&caller.0, &slug, id).await?.into()))
}

/// A file's header cards in order (every HDU), as indexed for search.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The file's id")),
    responses((status = 200, body = CardList)),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/files/{id}/header")]
pub async fn get_file_header(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, DataFileId)>,
) -> Result<web::Json<CardList>, ApiError> {
    let (slug, id) = path.into_inner();
    let items = services.file_header_cards(&caller.0, &slug, id).await?.into_iter().map(Into::into).collect();
    Ok(web::Json(CardList { items }))
}

/// A file's bytes (streamed; `Range` gives 206). A cold file answers 409 `restore_required`.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The file's id")),
    responses(
        (status = 200, description = "The bytes, with the media type given at upload (else `application/fits` for FITS names, `application/octet-stream` for others)", content_type = "*/*"),
        (status = 206, description = "The requested range", content_type = "*/*"),
        (status = 409, description = "Cold: restore first"),
        (status = 416),
    ),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/files/{id}/content")]
pub async fn download_file(
    req: HttpRequest,
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, DataFileId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let range = req.headers().get(header::RANGE).and_then(|v| v.to_str().ok());
    let d = services.download_file(&caller.0, &slug, id, range).await?;
    let size = u64::try_from(d.file.size_bytes).unwrap_or(0);
    let (mut res, length) = match d.object.range {
        Some((start, end)) => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{size}")));
            (r, end - start + 1)
        }
        None => (HttpResponse::Ok(), size),
    };
    let digest = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(hex::decode(&d.file.sha256).unwrap_or_default())
    };
    // The media type is the uploader's text: one that cannot be a header value (not visible ASCII) would fail
    // the whole response, so it is served as bytes instead.
    let content_type = header::HeaderValue::from_str(&d.file.content_type)
        .unwrap_or(header::HeaderValue::from_static("application/octet-stream"));
    res.insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::ETAG, format!("\"{}\"", d.file.sha256)))
        .insert_header(("Repr-Digest", format!("sha-256=:{digest}:")))
        .insert_header(header::ContentDisposition::attachment(d.file.name.clone()))
        // The bytes as stored, never compressed on the way: the response middleware would gzip them for a client
        // that accepts it, dropping the length (no progress, no resuming) while `Repr-Digest` and the ETag name
        // the stored bytes. FITS data hardly compresses anyway. A content coding set here stops the middleware.
        .insert_header((header::CONTENT_ENCODING, "identity"));
    // A known length, so clients see progress and can resume.
    res.no_chunking(length);
    Ok(res.streaming(d.object.body))
}

/// A file's preview (PNG, zscale stretch), once made.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The file's id")),
    responses((status = 200, description = "The PNG", content_type = "image/png")),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/files/{id}/preview.png")]
pub async fn get_file_preview(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, DataFileId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let got = services.file_preview(&caller.0, &slug, id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/png"))
        .insert_header((header::CACHE_CONTROL, "private, max-age=300"))
        .streaming(got.body))
}

/// Change a file: its release date, or move it to a colder tier now.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The file's id")),
    request_body = UpdateFileBody,
    responses(
        (status = 200, body = FileBody),
        (status = 409, description = "Cold: restore first"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[patch("/workspaces/{slug}/files/{id}")]
pub async fn update_file(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, DataFileId)>,
    body: crate::json::Json<UpdateFileBody>,
) -> Result<web::Json<FileBody>, ApiError> {
    let (slug, id) = path.into_inner();
    let body = body.into_inner();
    let file = services.update_file(&caller.0, &slug, id, body.release_at, body.tier.as_deref()).await?;
    Ok(web::Json(file.into()))
}

/// Delete a file and its bytes.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The file's id")),
    responses(
        (status = 409, description = "Held by a published package version (`held_by_package`)"),
        (status = 204),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[delete("/workspaces/{slug}/files/{id}")]
pub async fn delete_file(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, DataFileId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.delete_file(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Bring a cold file back to hot. Answers at once with `restore_status: in_progress`; a job follows the archive's
/// restore (hours on a real archive tier) and the file turns `hot` when it is done.
#[utoipa::path(
    tag = "data",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = "The file's id")),
    responses((status = 202, body = FileBody)),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/files/{id}/restore")]
pub async fn restore_file(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, DataFileId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let file = services.restore_file(&caller.0, &slug, id).await?;
    Ok(HttpResponse::Accepted().json(FileBody::from(file)))
}
