//! Sign-in and sign-out (the browser session), and the list of an account's sessions.

use super::types::{AccountBody, SessionBody, SessionList, SessionsEndedBody, SignInBody};
use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use meridian_domain::SessionId;
use meridian_http::caller::Caller;
use meridian_http::client::client_info;
use meridian_http::cookies::{CookiePolicy, session_cookie_value};
use meridian_http::problem::ApiError;
use meridian_service::auth::{Credentials, SessionToken};
use meridian_service::{Actor, Services};

/// The response for a fresh session: the account, the session cookie and a new CSRF cookie.
pub(crate) fn signed_in(req: &HttpRequest, cookies: &CookiePolicy, creds: &Credentials, created: bool) -> HttpResponse {
    let mut res = if created { HttpResponse::Created() } else { HttpResponse::Ok() };
    res.cookie(cookies.session_cookie(req, &creds.session_token))
        .cookie(cookies.csrf_cookie(req, meridian_service::csrf_token_for(&creds.session_token)))
        .json(AccountBody::from(&creds.account))
}

/// Sign in with e-mail and password. Sets the http-only session cookie and the `meridian_csrf` cookie, whose
/// value must be echoed in `X-CSRF-Token` on later unsafe requests. Programs should use API keys instead.
#[utoipa::path(
    tag = "accounts",
    request_body = SignInBody,
    responses(
        (status = 201, description = "Signed in", body = AccountBody),
        (status = 401, description = "Wrong e-mail or password"),
        (status = 429, description = "Too many attempts; see Retry-After"),
    )
)]
#[post("/sessions")]
pub async fn create_session(
    req: HttpRequest,
    services: web::Data<Services>,
    cookies: web::Data<CookiePolicy>,
    body: crate::json::Json<SignInBody>,
) -> Result<HttpResponse, ApiError> {
    let creds = services.sign_in(&body.email, &body.password, &client_info(&req)).await?;
    Ok(signed_in(&req, &cookies, &creds, true))
}

/// Sign out: ends the current browser session.
#[utoipa::path(
    tag = "accounts",
    responses(
        (status = 204, description = "Signed out (also when there was no session)"),
        (status = 403, description = "CSRF token missing"),
    )
)]
#[delete("/sessions/current")]
pub async fn delete_session(
    req: HttpRequest,
    caller: Caller,
    services: web::Data<Services>,
    cookies: web::Data<CookiePolicy>,
) -> Result<HttpResponse, ApiError> {
    if let (Actor::Session { .. }, Some(c)) = (&caller.0, session_cookie_value(&req)) {
        services.sign_out(&SessionToken::new(&c)).await?;
    }
    Ok(HttpResponse::NoContent().cookie(cookies.expired_session_cookie(&req)).finish())
}

/// The signed-in person's browser sessions (device, address, last seen), most recently used first.
#[utoipa::path(
    tag = "accounts",
    responses((status = 200, body = SessionList), (status = 401)),
    security(("session" = []))
)]
#[get("/me/sessions")]
pub async fn list_sessions(caller: Caller, services: web::Data<Services>) -> Result<web::Json<SessionList>, ApiError> {
    let items = services.list_sessions(&caller.0).await?.into_iter().map(SessionBody::from).collect();
    Ok(web::Json(SessionList { items }))
}

/// Sign out every other session of the account (the one asking stays).
#[utoipa::path(
    tag = "accounts",
    responses((status = 200, body = SessionsEndedBody), (status = 401)),
    security(("session" = []))
)]
#[delete("/me/sessions")]
pub async fn delete_other_sessions(
    caller: Caller,
    services: web::Data<Services>,
) -> Result<web::Json<SessionsEndedBody>, ApiError> {
    Ok(web::Json(SessionsEndedBody { ended: services.end_other_sessions(&caller.0).await? }))
}

/// Sign out one of the account's sessions (404 for a session that is not the caller's).
#[utoipa::path(
    tag = "accounts",
    params(("id" = Uuid, Path, description = "The session's id")),
    responses((status = 204, description = "Signed out"), (status = 404)),
    security(("session" = []))
)]
#[delete("/me/sessions/{id}")]
pub async fn delete_session_by_id(
    req: HttpRequest,
    caller: Caller,
    services: web::Data<Services>,
    cookies: web::Data<CookiePolicy>,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    services.end_session(&caller.0, id).await?;
    let mut res = HttpResponse::NoContent();
    // Ending the session in use is signing out: the browser forgets its cookie too.
    if matches!(&caller.0, Actor::Session { session, .. } if *session == id) {
        res.cookie(cookies.expired_session_cookie(&req));
    }
    Ok(res.finish())
}
