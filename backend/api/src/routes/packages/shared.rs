//! A package read through a secret link, under `/shared/{token}`: the same reads as members have, for whoever
//! holds the link.

use super::NUM;
use super::types::{CitationBody, SharedPackageBody};
use super::versions::{archive_response, file_response, range_of};
use actix_web::{HttpRequest, HttpResponse, get, web};
use meridian_http::problem::ApiError;
use meridian_service::Services;
use meridian_service::packages::{ArchiveFormat, Reader};

const TOKEN: &str = "The secret link's token";

/// A shared package and its published versions, for whoever holds the link.
#[utoipa::path(
    tag = "packages",
    params(("token" = String, Path, description = TOKEN)),
    responses((status = 200, body = SharedPackageBody)),
    security(())
)]
#[get("/shared/{token}")]
pub async fn get_shared_package(
    req: HttpRequest,
    services: web::Data<Services>,
    token: web::Path<String>,
) -> Result<web::Json<SharedPackageBody>, ApiError> {
    meridian_http::limits::count_anonymous(&req).await?;
    let reader = Reader::Link { token: &token };
    let package = services.get_package(&reader).await?.into();
    // The newest page of versions; the versions route pages through the rest.
    let versions = services.list_versions(&reader, None, None).await?.items.into_iter().map(Into::into).collect();
    Ok(web::Json(SharedPackageBody { package, versions }))
}

/// A shared version's citation.
#[utoipa::path(
    tag = "packages",
    params(("token" = String, Path, description = TOKEN), ("n" = i32, Path, description = NUM)),
    responses((status = 200, body = CitationBody)),
    security(())
)]
#[get("/shared/{token}/versions/{n}/citation")]
pub async fn get_shared_citation(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, i32)>,
) -> Result<web::Json<CitationBody>, ApiError> {
    meridian_http::limits::count_anonymous(&req).await?;
    let (token, n) = path.into_inner();
    let reader = Reader::Link { token: &token };
    Ok(web::Json(services.version_citation(&reader, n).await?.into()))
}

/// A shared version's manifest.
#[utoipa::path(
    tag = "packages",
    params(("token" = String, Path, description = TOKEN), ("n" = i32, Path, description = NUM)),
    responses((status = 200, description = "manifest.json", content_type = "application/json")),
    security(())
)]
#[get("/shared/{token}/versions/{n}/manifest.json")]
pub async fn get_shared_manifest(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    meridian_http::limits::count_anonymous(&req).await?;
    let (token, n) = path.into_inner();
    let reader = Reader::Link { token: &token };
    let m = services.version_manifest(&reader, n).await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(m))
}

/// A shared version as a tar archive (ranges as for members).
#[utoipa::path(
    tag = "packages",
    params(("token" = String, Path, description = TOKEN), ("n" = i32, Path, description = NUM)),
    responses(
        (status = 200, description = "The archive", content_type = "application/x-tar"),
        (status = 206, description = "The asked range", content_type = "application/x-tar"),
    ),
    security(())
)]
#[get("/shared/{token}/versions/{n}/archive.tar")]
pub async fn download_shared_tar(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    meridian_http::limits::count_anonymous(&req).await?;
    let (token, n) = path.into_inner();
    let reader = Reader::Link { token: &token };
    Ok(archive_response(services.download_archive(&reader, n, ArchiveFormat::Tar, range_of(&req)).await?))
}

/// A shared version as a zip archive.
#[utoipa::path(
    tag = "packages",
    params(("token" = String, Path, description = TOKEN), ("n" = i32, Path, description = NUM)),
    responses((status = 200, description = "The archive", content_type = "application/zip")),
    security(())
)]
#[get("/shared/{token}/versions/{n}/archive.zip")]
pub async fn download_shared_zip(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    meridian_http::limits::count_anonymous(&req).await?;
    let (token, n) = path.into_inner();
    let reader = Reader::Link { token: &token };
    Ok(archive_response(services.download_archive(&reader, n, ArchiveFormat::Zip, None).await?))
}

/// One file of a shared version.
#[utoipa::path(
    tag = "packages",
    params(
        ("token" = String, Path, description = TOKEN),
        ("n" = i32, Path, description = NUM),
        ("path" = String, Path, description = "The file's path in the package"),
    ),
    responses(
        (status = 200, description = "The file's bytes", content_type = "application/octet-stream"),
        (status = 206, description = "The asked range", content_type = "application/octet-stream"),
    ),
    security(())
)]
#[get("/shared/{token}/versions/{n}/files/{path:.*}")]
pub async fn download_shared_file(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, i32, String)>,
) -> Result<HttpResponse, ApiError> {
    meridian_http::limits::count_anonymous(&req).await?;
    let (token, n, file) = path.into_inner();
    let reader = Reader::Link { token: &token };
    Ok(file_response(services.download_version_file(&reader, n, &file, range_of(&req)).await?))
}
