//! Workspaces (observatory portals and personal spaces) here, their members in [`members`]. Their bodies are in
//! [`types`].

pub mod api_keys;
pub mod members;
pub mod types;

use crate::routes::common::{PageQuery, SLUG};
use actix_web::{HttpResponse, get, patch, post, web};
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::Services;
use meridian_service::workspaces::{CreateWorkspace, UpdateWorkspace};
use types::{CreateWorkspaceBody, UpdateWorkspaceBody, WorkspaceBody, WorkspaceList};

/// My workspaces (for an API key: its own workspace).
#[utoipa::path(
    tag = "workspaces",
    params(PageQuery),
    responses((status = 200, body = WorkspaceList)),
    security(("api_key" = []), ("session" = []))
)]
#[get("/workspaces")]
pub async fn list_workspaces(
    caller: Caller,
    services: web::Data<Services>,
    page: web::Query<PageQuery>,
) -> Result<web::Json<WorkspaceList>, ApiError> {
    let page = page.to_request().map_err(meridian_service::ServiceError::from)?;
    let list = services.list_my_workspaces(&caller.0, &page).await?;
    Ok(web::Json(list.into()))
}

/// Create an organisation workspace (an observatory portal); the caller becomes its owner.
#[utoipa::path(
    tag = "workspaces",
    request_body = CreateWorkspaceBody,
    responses(
        (status = 201, body = WorkspaceBody),
        (status = 409, description = "Slug taken"),
    ),
    security(("session" = []))
)]
#[post("/workspaces")]
pub async fn create_workspace(
    caller: Caller,
    services: web::Data<Services>,
    body: crate::json::Json<CreateWorkspaceBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let view = services
        .create_workspace(
            &caller.0,
            CreateWorkspace {
                slug: body.slug,
                name: body.name,
                description: body.description,
                visibility: body.visibility,
            },
        )
        .await?;
    Ok(HttpResponse::Created().json(WorkspaceBody::from(view)))
}

/// A workspace's profile. Private workspaces are 404 to everyone but their members and keys.
#[utoipa::path(
    tag = "workspaces",
    params(("slug" = String, Path, description = SLUG)),
    responses((status = 200, body = WorkspaceBody))
)]
#[get("/workspaces/{slug}")]
pub async fn get_workspace(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
) -> Result<web::Json<WorkspaceBody>, ApiError> {
    let view = services.get_workspace(&caller.0, &slug).await?;
    Ok(web::Json(view.into()))
}

/// Change a workspace's name, description or visibility (admins and owners).
#[utoipa::path(
    tag = "workspaces",
    params(("slug" = String, Path, description = SLUG)),
    request_body = UpdateWorkspaceBody,
    responses((status = 200, body = WorkspaceBody)),
    security(("session" = []))
)]
#[patch("/workspaces/{slug}")]
pub async fn update_workspace(
    caller: Caller,
    services: web::Data<Services>,
    slug: web::Path<String>,
    body: crate::json::Json<UpdateWorkspaceBody>,
) -> Result<web::Json<WorkspaceBody>, ApiError> {
    let body = body.into_inner();
    let view = services
        .update_workspace(
            &caller.0,
            &slug,
            UpdateWorkspace { name: body.name, description: body.description, visibility: body.visibility },
        )
        .await?;
    Ok(web::Json(view.into()))
}
