//! Getting back in after a lost password.

use super::types::{PasswordResetBody, PasswordResetRequestBody};
use actix_web::{HttpRequest, HttpResponse, post, web};
use meridian_http::client::client_info;
use meridian_http::problem::ApiError;
use meridian_service::Services;

/// Ask for a password-reset link. The answer is 202 whether or not the address has an account (a link is mailed
/// when it has one, valid for an hour). Rate limited per address and per client.
#[utoipa::path(
    tag = "accounts",
    request_body = PasswordResetRequestBody,
    responses(
        (status = 202, description = "Accepted (a link was mailed if the address has an account)"),
        (status = 422, description = "Not an e-mail address"),
        (status = 429, description = "Too many requests; see Retry-After"),
    )
)]
#[post("/password-resets")]
pub async fn create_password_reset(
    req: HttpRequest,
    services: web::Data<Services>,
    body: crate::json::Json<PasswordResetRequestBody>,
) -> Result<HttpResponse, ApiError> {
    services.request_password_reset(&body.email, &client_info(&req)).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Set a new password with the token from a reset link. Every session of the account is signed out; API keys and
/// memberships stay. The link works once.
#[utoipa::path(
    tag = "accounts",
    request_body = PasswordResetBody,
    responses(
        (status = 204, description = "The password was set; sign in with it"),
        (status = 404, description = "Unknown, used or expired link"),
        (status = 422, description = "The new password is too short or too long"),
        (status = 429, description = "Too many attempts; see Retry-After"),
    )
)]
#[post("/password-resets/confirm")]
pub async fn confirm_password_reset(
    req: HttpRequest,
    services: web::Data<Services>,
    body: crate::json::Json<PasswordResetBody>,
) -> Result<HttpResponse, ApiError> {
    services.reset_password(&body.token, &body.new_password, &client_info(&req)).await?;
    Ok(HttpResponse::NoContent().finish())
}
