//! Accounts: sign-up here; sessions (sign-in, sign-out, the list), who am I, the password and deleting the
//! account, confirming addresses, recovering access, and a workspace's API keys in the modules below. Their bodies
//! are in [`types`]. Sign-in with providers and the account's linked providers are [`super::identities`].

pub mod me;
pub mod recovery;
pub mod sessions;
pub mod types;
pub mod verification;

use actix_web::{HttpRequest, HttpResponse, post, web};
use meridian_http::client::client_info;
use meridian_http::problem::ApiError;
use meridian_service::Services;
use meridian_service::accounts::SignUp;
use types::{SignUpAcceptedBody, SignUpBody};

/// Create an account (sign up). Also creates the person's private workspace and mails a link to confirm the
/// address. The answer is the same whether or not the address already has an account (its owner is told by mail),
/// and nobody is signed in: sign in with `POST /sessions`, at once or after following the link.
#[utoipa::path(
    tag = "accounts",
    request_body = SignUpBody,
    responses(
        (status = 202, description = "Accepted: a confirmation link was mailed (or the address's owner was told)", body = SignUpAcceptedBody),
        (status = 422, description = "Invalid e-mail, password or name"),
        (status = 429, description = "Too many sign-ups from this address; see Retry-After"),
    )
)]
#[post("/accounts")]
pub async fn create_account(
    req: HttpRequest,
    services: web::Data<Services>,
    body: crate::json::Json<SignUpBody>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let email = meridian_domain::Email::parse(&body.email).map_err(meridian_service::ServiceError::from)?;
    services
        .sign_up(
            SignUp { email: body.email, password: body.password, display_name: body.display_name },
            &client_info(&req),
        )
        .await?;
    Ok(HttpResponse::Accepted().json(SignUpAcceptedBody {
        status: "check_your_email".into(),
        email: email.to_string(),
        message: format!(
            "We sent a message to {email}. Follow its link to confirm your address; you can sign in meanwhile."
        ),
    }))
}
