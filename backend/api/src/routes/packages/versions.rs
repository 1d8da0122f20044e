//! A package's published versions: publish, list, DOIs, the manifest and citation, the archives (tar with
//! ranges, zip) and single files.

use super::types::{CitationBody, UpdateVersionBody, VersionBody, VersionList};
use super::{NUM, PKG};
use crate::routes::common::{PageQuery, SLUG};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use meridian_domain::PackageId;
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::Services;
use meridian_service::packages::{ArchiveDownload, ArchiveFormat, Reader, VersionFileDownload};

pub(super) fn range_of(req: &HttpRequest) -> Option<&str> {
    req.headers().get(header::RANGE).and_then(|v| v.to_str().ok())
}

/// An archive as a response: a known length (so clients show progress), 206 for a served range.
pub(super) fn archive_response(a: ArchiveDownload) -> HttpResponse {
    let (mut res, length) = match a.range {
        Some((start, end)) => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{}", a.size)));
            (r, end - start + 1)
        }
        None => (HttpResponse::Ok(), a.size),
    };
    let ranges = if a.content_type == "application/x-tar" { "bytes" } else { "none" };
    res.insert_header((header::ACCEPT_RANGES, ranges))
        .insert_header((header::CONTENT_TYPE, a.content_type))
        // The archive is a function of the manifest and the format.
        .insert_header((
            header::ETAG,
            format!("\"{}-{}\"", a.manifest_sha256, if ranges == "bytes" { "tar" } else { "zip" }),
        ))
        .insert_header(("X-Manifest-SHA256", a.manifest_sha256.clone()))
        .insert_header(header::ContentDisposition::attachment(a.file_name.clone()))
        // Bytes as stored: no compression on the way (see `files::download_file`).
        .insert_header((header::CONTENT_ENCODING, "identity"));
    res.no_chunking(length);
    res.streaming(a.body)
}

pub(super) fn file_response(f: VersionFileDownload) -> HttpResponse {
    let (mut res, length) = match f.object.range {
        Some((start, end)) => {
            let mut r = HttpResponse::PartialContent();
            r.insert_header((header::CONTENT_RANGE, format!("bytes {start}-{end}/{}", f.size)));
            (r, end - start + 1)
        }
        None => (HttpResponse::Ok(), f.size),
    };
    let name = f.path.rsplit('/').next().unwrap_or(&f.path).to_owned();
    res.insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CONTENT_TYPE, "application/octet-stream"))
        .insert_header((header::ETAG, format!("\"{}\"", f.sha256)))
        .insert_header(header::ContentDisposition::attachment(name))
        .insert_header((header::CONTENT_ENCODING, "identity"));
    res.no_chunking(length);
    res.streaming(f.object.body)
}

/// Publish the draft as the next version: frozen, checksummed, all at once or not at all. Refused (409
/// `publish_blocked`, naming the files) while a file is cold, missing from storage, or unreleased in a public
/// package.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    responses(
        (status = 201, body = VersionBody),
        (status = 409, description = "Files block the publish (named in `files`)"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/packages/{id}/versions")]
pub async fn publish_package(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let v = services.publish_package(&caller.0, &slug, id).await?;
    Ok(HttpResponse::Created().json(VersionBody::from(v)))
}

/// The package's published versions, newest first, a page at a time.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG), PageQuery),
    responses((status = 200, body = VersionList)),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/packages/{id}/versions")]
pub async fn list_package_versions(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId)>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<VersionList>, ApiError> {
    let (slug, id) = path.into_inner();
    let reader = Reader::Caller { actor: &caller.0, slug: &slug, package: id };
    let got = services.list_versions(&reader, page.limit, page.cursor.as_deref()).await?;
    Ok(web::Json(VersionList { items: got.items.into_iter().map(Into::into).collect(), next_cursor: got.next_cursor }))
}

/// One published version.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG), ("n" = i32, Path, description = NUM)),
    responses((status = 200, body = VersionBody)),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/packages/{id}/versions/{n}")]
pub async fn get_package_version(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId, i32)>,
) -> Result<web::Json<VersionBody>, ApiError> {
    let (slug, id, n) = path.into_inner();
    let reader = Reader::Caller { actor: &caller.0, slug: &slug, package: id };
    Ok(web::Json(services.get_version(&reader, n).await?.into()))
}

/// Record (or clear) the DOI minted for a version.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG), ("n" = i32, Path, description = NUM)),
    request_body = UpdateVersionBody,
    responses((status = 200, body = VersionBody)),
    security(("api_key" = []), ("session" = []))
)]
#[patch("/workspaces/{slug}/packages/{id}/versions/{n}")]
pub async fn update_package_version(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId, i32)>,
    body: crate::json::Json<UpdateVersionBody>,
) -> Result<web::Json<VersionBody>, ApiError> {
    let (slug, id, n) = path.into_inner();
    let doi = body.into_inner().doi.unwrap_or(None);
    Ok(web::Json(services.set_version_doi(&caller.0, &slug, id, n, doi.as_deref()).await?.into()))
}

/// The version's manifest (every file's path, size and SHA-256); its SHA-256 is `manifest_sha256`.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG), ("n" = i32, Path, description = NUM)),
    responses((status = 200, description = "manifest.json", content_type = "application/json")),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/packages/{id}/versions/{n}/manifest.json")]
pub async fn get_package_manifest(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, n) = path.into_inner();
    let reader = Reader::Caller { actor: &caller.0, slug: &slug, package: id };
    let m = services.version_manifest(&reader, n).await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(m))
}

/// How to cite a version, and its DataCite metadata.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG), ("n" = i32, Path, description = NUM)),
    responses((status = 200, body = CitationBody)),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/packages/{id}/versions/{n}/citation")]
pub async fn get_package_citation(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId, i32)>,
) -> Result<web::Json<CitationBody>, ApiError> {
    let (slug, id, n) = path.into_inner();
    let reader = Reader::Caller { actor: &caller.0, slug: &slug, package: id };
    Ok(web::Json(services.version_citation(&reader, n).await?.into()))
}

/// The version as one tar archive (manifest.json, SHA256SUMS, then the files), streamed from storage; byte
/// ranges (206) resume a broken download.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG), ("n" = i32, Path, description = NUM)),
    responses(
        (status = 200, description = "The archive", content_type = "application/x-tar"),
        (status = 206, description = "The asked range", content_type = "application/x-tar"),
        (status = 416),
    ),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/packages/{id}/versions/{n}/archive.tar")]
pub async fn download_package_tar(
    req: HttpRequest,
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, n) = path.into_inner();
    let reader = Reader::Caller { actor: &caller.0, slug: &slug, package: id };
    Ok(archive_response(services.download_archive(&reader, n, ArchiveFormat::Tar, range_of(&req)).await?))
}

/// The version as one zip archive (stored entries, ZIP64 when large), streamed from storage; always whole.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG), ("n" = i32, Path, description = NUM)),
    responses((status = 200, description = "The archive", content_type = "application/zip")),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/packages/{id}/versions/{n}/archive.zip")]
pub async fn download_package_zip(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId, i32)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, n) = path.into_inner();
    let reader = Reader::Caller { actor: &caller.0, slug: &slug, package: id };
    Ok(archive_response(services.download_archive(&reader, n, ArchiveFormat::Zip, None).await?))
}

/// One file of a version, by its path in the package; byte ranges as for any file.
#[utoipa::path(
    tag = "packages",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = PKG),
        ("n" = i32, Path, description = NUM),
        ("path" = String, Path, description = "The file's path in the package"),
    ),
    responses(
        (status = 200, description = "The file's bytes", content_type = "application/octet-stream"),
        (status = 206, description = "The asked range", content_type = "application/octet-stream"),
        (status = 416),
    ),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/packages/{id}/versions/{n}/files/{path:.*}")]
pub async fn download_package_file(
    req: HttpRequest,
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId, i32, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, n, file) = path.into_inner();
    let reader = Reader::Caller { actor: &caller.0, slug: &slug, package: id };
    Ok(file_response(services.download_version_file(&reader, n, &file, range_of(&req)).await?))
}
