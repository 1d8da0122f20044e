//! Accounts: sign-up here; sessions (sign-in, sign-out), who am I and the password, and a workspace's API keys
//! in the modules below. Their bodies are in [`types`].

pub mod api_keys;
pub mod me;
pub mod sessions;
pub mod types;

use actix_web::{HttpRequest, HttpResponse, post, web};
use meridian_http::client::client_ip;
use meridian_http::cookies::CookiePolicy;
use meridian_http::problem::ApiError;
use meridian_service::Services;
use meridian_service::accounts::SignUp;
use sessions::signed_in;
use types::{AccountBody, SignUpBody};

/// Create an account (sign up). Also creates the person's private workspace and signs them in: the response
/// sets the session and CSRF cookies.
#[utoipa::path(
    tag = "accounts",
    request_body = SignUpBody,
    responses(
        (status = 201, description = "Account created and signed in", body = AccountBody),
        (status = 409, description = "E-mail already registered"),
        (status = 422, description = "Invalid e-mail, password or name"),
        (status = 429, description = "Too many sign-ups from this address; see Retry-After"),
    )
)]
#[post("/accounts")]
pub async fn create_account(
    req: HttpRequest,
    services: web::Data<Services>,
    cookies: web::Data<CookiePolicy>,
    body: crate::json::Json<SignUpBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let creds = services
        .sign_up(
            SignUp { email: body.email, password: body.password, display_name: body.display_name },
            client_ip(&req),
        )
        .await?;
    Ok(signed_in(&req, &cookies, &creds, true))
}
