//! Who am I, changing my password, and deleting my account.

use super::types::{AccountBody, AccountDeletionBody, MeBody, PasswordChangeBody};
use crate::routes::workspaces::types::ApiKeyBody;
use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use meridian_http::caller::Caller;
use meridian_http::cookies::CookiePolicy;
use meridian_http::problem::ApiError;
use meridian_service::{Actor, ServiceError, Services};

/// Who am I: the signed-in person, or the API key in use.
#[utoipa::path(
    tag = "accounts",
    responses(
        (status = 200, body = MeBody),
        (status = 401, description = "Not signed in and no API key"),
    ),
    security(("api_key" = []), ("session" = []))
)]
#[get("/me")]
pub async fn get_me(caller: Caller) -> Result<web::Json<MeBody>, ApiError> {
    let body = match caller.0 {
        Actor::Anonymous => return Err(ServiceError::Unauthenticated.into()),
        Actor::Session { account, .. } => {
            MeBody { kind: "session".into(), account: Some(AccountBody::from(&account)), api_key: None }
        }
        Actor::ApiKey { key } => MeBody { kind: "api_key".into(), account: None, api_key: Some(ApiKeyBody::from(key)) },
    };
    Ok(web::Json(body))
}

/// Change my password. Every other session of the account is signed out, and a notice is mailed.
#[utoipa::path(
    tag = "accounts",
    request_body = PasswordChangeBody,
    responses(
        (status = 204, description = "Changed"),
        (status = 422, description = "Current password wrong or new one too short"),
    ),
    security(("session" = []))
)]
#[put("/me/password")]
pub async fn update_password(
    caller: Caller,
    services: web::Data<Services>,
    body: crate::json::Json<PasswordChangeBody>,
) -> Result<HttpResponse, ApiError> {
    services.change_password(&caller.0, &body.current_password, &body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete my account. Refused (409) while the account is the last owner of a workspace, or its personal space
/// still holds files. Its sessions, keys, identities and personal details go; what it wrote in shared workspaces
/// stays, attributed to "a deleted account".
#[utoipa::path(
    tag = "accounts",
    request_body = AccountDeletionBody,
    responses(
        (status = 204, description = "Deleted and signed out"),
        (status = 409, description = "Last owner of a workspace, or files left in the personal space"),
        (status = 422, description = "Password wrong"),
    ),
    security(("session" = []))
)]
#[post("/me/deletion")]
pub async fn delete_me(
    req: HttpRequest,
    caller: Caller,
    services: web::Data<Services>,
    cookies: web::Data<CookiePolicy>,
    body: crate::json::Json<AccountDeletionBody>,
) -> Result<HttpResponse, ApiError> {
    services.delete_account(&caller.0, &body.current_password).await?;
    Ok(HttpResponse::NoContent().cookie(cookies.expired_session_cookie(&req)).finish())
}
