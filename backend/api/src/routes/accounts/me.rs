//! Who am I, and changing my password.

use super::types::{AccountBody, ApiKeyBody, MeBody, PasswordChangeBody};
use actix_web::{HttpResponse, get, put, web};
use meridian_http::caller::Caller;
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

/// Change my password. Every other session of the account is signed out.
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
