//! Confirming addresses: the link mailed at sign-up (and again on request), and changing the address.

use super::types::{AccountBody, EmailChangeBody, TokenBody};
use actix_web::{HttpResponse, post, web};
use meridian_http::caller::Caller;
use meridian_http::problem::ApiError;
use meridian_service::Services;

/// Mail me another link to confirm my address (the older ones stop working). Rate limited per address.
#[utoipa::path(
    tag = "accounts",
    responses(
        (status = 202, description = "A new link was mailed"),
        (status = 409, description = "The address is already confirmed"),
        (status = 429, description = "Too many messages to this address; see Retry-After"),
    ),
    security(("session" = []))
)]
#[post("/me/verification")]
pub async fn create_verification(caller: Caller, services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    services.resend_verification(&caller.0).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Confirm an address with the token from the mailed link. Needs no session: the link is the proof.
#[utoipa::path(
    tag = "accounts",
    request_body = TokenBody,
    responses(
        (status = 200, description = "Confirmed", body = AccountBody),
        (status = 404, description = "Unknown, used or expired link"),
    )
)]
#[post("/email-verifications")]
pub async fn create_email_verification(
    services: web::Data<Services>,
    body: crate::json::Json<TokenBody>,
) -> Result<web::Json<AccountBody>, ApiError> {
    let account = services.verify_email(&body.token).await?;
    Ok(web::Json(AccountBody::from(&account)))
}

/// Ask to change my address: a link goes to the new address and a notice to the current one; the address
/// changes when the link is followed. Needs the current password.
#[utoipa::path(
    tag = "accounts",
    request_body = EmailChangeBody,
    responses(
        (status = 202, description = "A confirmation link was mailed to the new address"),
        (status = 422, description = "Invalid address, or the password is wrong"),
        (status = 429, description = "Too many messages; see Retry-After"),
    ),
    security(("session" = []))
)]
#[post("/me/email")]
pub async fn update_email(
    caller: Caller,
    services: web::Data<Services>,
    body: crate::json::Json<EmailChangeBody>,
) -> Result<HttpResponse, ApiError> {
    services.request_email_change(&caller.0, &body.new_email, &body.current_password).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Confirm a new address with the token from the link mailed to it: the account takes the address.
#[utoipa::path(
    tag = "accounts",
    request_body = TokenBody,
    responses(
        (status = 200, description = "The account's address changed", body = AccountBody),
        (status = 404, description = "Unknown, used or expired link"),
        (status = 409, description = "Another account took the address meanwhile"),
    )
)]
#[post("/email-changes")]
pub async fn create_email_change(
    services: web::Data<Services>,
    body: crate::json::Json<TokenBody>,
) -> Result<web::Json<AccountBody>, ApiError> {
    let account = services.confirm_email_change(&body.token).await?;
    Ok(web::Json(AccountBody::from(&account)))
}
