//! Data packages: the package and its draft, publishing versions, archives (tar with ranges, zip), single files,
//! citations, DOIs and secret links; and the same reads through a secret link under `/shared/{token}`.

use crate::types::PageQuery;
use crate::types_packages::{
    AddDraftFilesBody, CitationBody, CreateLinkBody, CreatePackageBody, DraftBody, LinkBody, LinkList, PackageBody,
    PackagePageBody, SharedPackageBody, UpdatePackageBody, UpdateVersionBody, VersionBody, VersionList,
};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, delete, get, patch, post, web};
use meridian_domain::{PackageId, PackageLinkId};
use meridian_http::caller::Caller;
use meridian_http::problem::{ApiError, Problem};
use meridian_service::packages::{ArchiveDownload, ArchiveFormat, Reader, VersionFileDownload};
use meridian_service::{ServiceError, Services};

const SLUG: &str = "The workspace's slug";
const PKG: &str = "The package's id";
const NUM: &str = "The version's number (1, 2, ...)";
const TOKEN: &str = "The secret link's token";

fn range_of(req: &HttpRequest) -> Option<&str> {
    req.headers().get(header::RANGE).and_then(|v| v.to_str().ok())
}

/// An archive as a response: a known length (so clients show progress), 206 for a served range.
fn archive_response(a: ArchiveDownload) -> HttpResponse {
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
        .insert_header(header::ContentDisposition::attachment(a.file_name.clone()));
    res.no_chunking(length);
    res.streaming(a.body)
}

fn file_response(f: VersionFileDownload) -> HttpResponse {
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
        .insert_header(header::ContentDisposition::attachment(name));
    res.no_chunking(length);
    res.streaming(f.object.body)
}

/// The workspace's packages, oldest first: all of them for members, the public ones for everyone else.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), PageQuery),
    responses((status = 200, body = PackagePageBody), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/packages")]
pub async fn list_packages(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<PackagePageBody>, ApiError> {
    let page = page.into_inner();
    // The limit is checked as on every list (the service would clamp it): 1 to 200, as documented.
    meridian_domain::Limit::parse(page.limit).map_err(ServiceError::from)?;
    Ok(web::Json(services.list_packages(&caller.0, &slug, page.limit, page.cursor).await?.into()))
}

/// Create a data package (private until told otherwise).
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG)),
    request_body = CreatePackageBody,
    responses(
        (status = 201, body = PackageBody),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is not acceptable (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/packages")]
pub async fn create_package(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<CreatePackageBody>,
) -> Result<HttpResponse, ApiError> {
    let p = services.create_package(&caller.0, &slug, body.into_inner().into()).await?;
    Ok(HttpResponse::Created().json(PackageBody::from(p)))
}

/// One package.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    responses((status = 200, body = PackageBody), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(("api_key" = []), ("session" = []), ())
)]
#[get("/workspaces/{slug}/packages/{id}")]
pub async fn get_package(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId)>,
) -> Result<web::Json<PackageBody>, ApiError> {
    let (slug, id) = path.into_inner();
    let reader = Reader::Caller { actor: &caller.0, slug: &slug, package: id };
    Ok(web::Json(services.get_package(&reader).await?.into()))
}

/// Change a package's description, authors, licence or access. Published versions keep what they were
/// published with.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    request_body = UpdatePackageBody,
    responses(
        (status = 200, body = PackageBody),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Public with unreleased files", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[patch("/workspaces/{slug}/packages/{id}")]
pub async fn update_package(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId)>,
    body: crate::json::Json<UpdatePackageBody>,
) -> Result<web::Json<PackageBody>, ApiError> {
    let (slug, id) = path.into_inner();
    Ok(web::Json(services.update_package(&caller.0, &slug, id, body.into_inner().into()).await?.into()))
}

/// Delete a package with its versions and links (the files stay in their datasets).
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[delete("/workspaces/{slug}/packages/{id}")]
pub async fn delete_package(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    services.delete_package(&caller.0, &slug, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The draft: the files the next version will hold, with totals per tier and what would block a publish.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    responses(
        (status = 200, body = DraftBody),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
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
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Two files at one path", body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
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
    responses(
        (status = 200, body = DraftBody),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[delete("/workspaces/{slug}/packages/{id}/draft/files/{file_id}")]
pub async fn delete_package_draft_file(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId, uuid::Uuid)>,
) -> Result<web::Json<DraftBody>, ApiError> {
    // A file id that is not a UUID names no file: 404 like every other path (not 422 about the body's field).
    let (slug, id, file) = path.into_inner();
    Ok(web::Json(services.remove_from_draft(&caller.0, &slug, id, &[file.to_string()]).await?.into()))
}

/// Start the draft again from the last published version's selection.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    responses(
        (status = 200, body = DraftBody),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Nothing published yet", body = Problem, content_type = "application/problem+json"),
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

/// Publish the draft as the next version: frozen, checksummed, all at once or not at all. Refused (409
/// `publish_blocked`, naming the files) while a file is cold, missing from storage, or unreleased in a public
/// package.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    responses(
        (status = 201, body = VersionBody),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Files block the publish (named in `files`)", body = Problem, content_type = "application/problem+json"),
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
    responses(
        (status = 200, body = VersionList),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json")
    ),
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
    responses((status = 200, body = VersionBody), (status = 404, body = Problem, content_type = "application/problem+json")),
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
    responses(
        (status = 200, body = VersionBody),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
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
    responses((status = 200, description = "manifest.json", content_type = "application/json"), (status = 404, body = Problem, content_type = "application/problem+json")),
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
    responses((status = 200, body = CitationBody), (status = 404, body = Problem, content_type = "application/problem+json")),
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
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 416, body = Problem, content_type = "application/problem+json"),
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
    responses(
        (status = 200, description = "The archive", content_type = "application/zip"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
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
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 416, body = Problem, content_type = "application/problem+json"),
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

/// The package's secret links (tokens are never shown again).
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    responses(
        (status = 200, body = LinkList),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces/{slug}/packages/{id}/links")]
pub async fn list_package_links(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId)>,
) -> Result<web::Json<LinkList>, ApiError> {
    let (slug, id) = path.into_inner();
    let items = services.list_package_links(&caller.0, &slug, id).await?.into_iter().map(Into::into).collect();
    Ok(web::Json(LinkList { items }))
}

/// Make a secret link (works while the package's access is `link` or `public`). The token is in this answer
/// only.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), ("id" = Uuid, Path, description = PKG)),
    request_body = CreateLinkBody,
    responses(
        (status = 201, body = LinkBody),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
        (status = 422, body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[post("/workspaces/{slug}/packages/{id}/links")]
pub async fn create_package_link(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId)>,
    body: crate::json::Json<CreateLinkBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let b = body.into_inner();
    let l = services.create_package_link(&caller.0, &slug, id, b.label, b.expires_at).await?;
    Ok(HttpResponse::Created().json(LinkBody::from(l)))
}

/// Revoke a secret link: it stops working at once.
#[utoipa::path(
    tag = "packages",
    params(
        ("slug" = String, Path, description = SLUG),
        ("id" = Uuid, Path, description = PKG),
        ("link_id" = Uuid, Path, description = "The link's id"),
    ),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, body = Problem, content_type = "application/problem+json"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[delete("/workspaces/{slug}/packages/{id}/links/{link_id}")]
pub async fn delete_package_link(
    caller: Caller,
    services: web::Data<Services>,
    path: web::Path<(String, PackageId, PackageLinkId)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id, link) = path.into_inner();
    services.revoke_package_link(&caller.0, &slug, id, link).await?;
    Ok(HttpResponse::NoContent().finish())
}

// ---------------------------------------------------------------------------------------- through a link

/// A shared package and its published versions, for whoever holds the link.
#[utoipa::path(
    tag = "packages",
    params(("token" = String, Path, description = TOKEN)),
    responses((status = 200, body = SharedPackageBody), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(())
)]
#[get("/shared/{token}")]
pub async fn get_shared_package(
    req: HttpRequest,
    services: web::Data<Services>,
    token: web::Path<String>,
) -> Result<web::Json<SharedPackageBody>, ApiError> {
    meridian_http::limits::count_anonymous(&req)?;
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
    responses((status = 200, body = CitationBody), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(())
)]
#[get("/shared/{token}/versions/{n}/citation")]
pub async fn get_shared_citation(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, i32)>,
) -> Result<web::Json<CitationBody>, ApiError> {
    meridian_http::limits::count_anonymous(&req)?;
    let (token, n) = path.into_inner();
    let reader = Reader::Link { token: &token };
    Ok(web::Json(services.version_citation(&reader, n).await?.into()))
}

/// A shared version's manifest.
#[utoipa::path(
    tag = "packages",
    params(("token" = String, Path, description = TOKEN), ("n" = i32, Path, description = NUM)),
    responses((status = 200, description = "manifest.json", content_type = "application/json"), (status = 404, body = Problem, content_type = "application/problem+json")),
    security(())
)]
#[get("/shared/{token}/versions/{n}/manifest.json")]
pub async fn get_shared_manifest(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    meridian_http::limits::count_anonymous(&req)?;
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
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/shared/{token}/versions/{n}/archive.tar")]
pub async fn download_shared_tar(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    meridian_http::limits::count_anonymous(&req)?;
    let (token, n) = path.into_inner();
    let reader = Reader::Link { token: &token };
    Ok(archive_response(services.download_archive(&reader, n, ArchiveFormat::Tar, range_of(&req)).await?))
}

/// A shared version as a zip archive.
#[utoipa::path(
    tag = "packages",
    params(("token" = String, Path, description = TOKEN), ("n" = i32, Path, description = NUM)),
    responses(
        (status = 200, description = "The archive", content_type = "application/zip"),
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/shared/{token}/versions/{n}/archive.zip")]
pub async fn download_shared_zip(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, i32)>,
) -> Result<HttpResponse, ApiError> {
    meridian_http::limits::count_anonymous(&req)?;
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
        (status = 404, body = Problem, content_type = "application/problem+json"),
    ),
    security(())
)]
#[get("/shared/{token}/versions/{n}/files/{path:.*}")]
pub async fn download_shared_file(
    req: HttpRequest,
    services: web::Data<Services>,
    path: web::Path<(String, i32, String)>,
) -> Result<HttpResponse, ApiError> {
    meridian_http::limits::count_anonymous(&req)?;
    let (token, n, file) = path.into_inner();
    let reader = Reader::Link { token: &token };
    Ok(file_response(services.download_version_file(&reader, n, &file, range_of(&req)).await?))
}
