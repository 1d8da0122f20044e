//! Data packages: the package here; its draft, published versions (archives, single files, citations, DOIs),
//! secret links, and the reads through a secret link under `/shared/{token}` in the modules below. Their bodies
//! are in [`types`].

pub mod drafts;
pub mod links;
pub mod shared;
pub mod types;
pub mod versions;

use crate::routes::common::{PageQuery, SLUG};
use actix_web::{HttpResponse, delete, get, patch, post, web};
use meridian_domain::PackageId;
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::packages::Reader;
use meridian_service::{ServiceError, Services};
use types::{CreatePackageBody, PackageBody, PackagePageBody, UpdatePackageBody};

const PKG: &str = "The package's id";
const NUM: &str = "The version's number (1, 2, ...)";

/// The workspace's packages, oldest first: all of them for members, the public ones for everyone else.
#[utoipa::path(
    tag = "packages",
    params(("slug" = String, Path, description = SLUG), PageQuery),
    responses((status = 200, body = PackagePageBody)),
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
        (status = 422, description = "A field is not acceptable (named in `errors`)"),
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
    responses((status = 200, body = PackageBody)),
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
        (status = 409, description = "Public with unreleased files"),
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
    responses((status = 204, description = "Deleted")),
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
