//! Sign-in with OAuth2 / OpenID Connect providers and the account's linked providers ("identities").
//!
//! The two browser redirects live at the root, where providers are told to send people back
//! (`{public_url}/auth/{provider}/callback`): `GET /auth/{provider}/start` leaves for the provider and
//! `GET /auth/{provider}/callback` comes back; both answer 303. The list of providers and the account's identities
//! are ordinary `/api/v1` resources. Their bodies are in [`types`].

pub mod types;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, delete, get, web};
use meridian_domain::IdentityId;
use meridian_http::caller::Caller;
use meridian_http::client::client_info;
use meridian_http::cookies::{CookiePolicy, sign_in_flow_cookie_value};
use meridian_http::problem::ApiError;
use meridian_service::identities::{Callback, Finished};
use meridian_service::{ServiceError, Services, SignInFailure};
use types::{CallbackQuery, IdentityBody, IdentityList, ProviderBody, ProviderList, StartSignInQuery};

fn query<T: serde::de::DeserializeOwned>(req: &HttpRequest) -> Result<T, ApiError> {
    web::Query::<T>::from_query(req.query_string())
        .map(web::Query::into_inner)
        .map_err(|e| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", e.to_string()))
}

/// Whether a person's browser navigated here (it asks for HTML): a failure then goes to a page that says what to
/// do, not to a problem+json body. Programs (which do not ask for HTML) get the problem.
fn from_browser(req: &HttpRequest) -> bool {
    req.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|a| a.contains("text/html"))
}

/// The page that explains a failed sign-in (`/sign-in`) or link (`/account`): a word in `?error=` and the
/// provider's name, never the message itself (a URL anyone can make must not put words on our pages). `None` for
/// failures that are ours (those stay problems, logged).
fn failure_page(e: &ServiceError, provider: Option<&str>, linking: bool) -> Option<String> {
    let word = match e {
        ServiceError::ProviderSignIn { reason, .. } => reason.as_str(),
        ServiceError::Conflict { field: "email", .. } => "account_exists",
        ServiceError::Conflict { field: "identity", .. } => "identity_taken",
        ServiceError::Unavailable { what: "sign-in provider", cause } => {
            tracing::warn!(cause = %cause, "a sign-in provider is not answering");
            "unavailable"
        }
        ServiceError::RateLimited { .. } => "rate_limited",
        ServiceError::NotFound(_) => "unknown_provider",
        ServiceError::Unauthenticated => "sign_in_first",
        ServiceError::Forbidden(_) => "link_from_account",
        _ => return None,
    };
    let page = if linking { "/account" } else { "/sign-in" };
    Some(match provider {
        Some(p) => format!("{page}?error={word}&provider={p}"),
        None => format!("{page}?error={word}"),
    })
}

/// `e` as the browser should see it: a redirect to the page that explains it, or the problem.
fn answer_failure(
    req: &HttpRequest,
    e: ServiceError,
    provider: Option<&str>,
    linking: bool,
    clear: Option<actix_web::cookie::Cookie<'static>>,
) -> Result<HttpResponse, ApiError> {
    match failure_page(&e, provider, linking).filter(|_| from_browser(req)) {
        Some(page) => {
            tracing::info!(code = e.code(), reason = %e, "provider sign-in failed; the browser is sent to {page}");
            let mut res = see_other(&page);
            if let Some(c) = clear {
                res.cookie(c);
            }
            Ok(res.finish())
        }
        None => Err(e.into()),
    }
}

fn see_other(location: &str) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::SeeOther();
    res.insert_header((header::LOCATION, location.to_owned())).insert_header((header::CACHE_CONTROL, "no-store"));
    res
}

/// Start signing in at a provider: redirects (303) to the provider's authorization page. With `link=1` the
/// signed-in person links the provider to their account instead (401 when nobody is signed in). Sets a short-lived
/// cookie that binds the sign-in to this browser. A browser (one that asks for `text/html`) is sent to `/sign-in`
/// (or, linking, `/account`) with `?error=…&provider=…` instead of the failures below.
#[utoipa::path(
    tag = "accounts",
    params(("provider" = String, Path, description = "The provider's name, as in `GET /api/v1/auth/providers`"), StartSignInQuery),
    responses(
        (status = 303, description = "To the provider's authorization page"),
        (status = 400, description = "The query does not parse"),
        (status = 401, description = "`link=1` without a signed-in person"),
        (status = 403, description = "`link=1` from a page of another site (link providers from the account page)"),
        (status = 404, description = "No such provider"),
        (status = 429, description = "Too many sign-ins from this address; see Retry-After"),
        (status = 503, description = "The provider's discovery document cannot be fetched"),
    )
)]
#[get("/auth/{provider}/start")]
pub async fn start_provider_sign_in(
    req: HttpRequest,
    caller: Caller,
    services: web::Data<Services>,
    cookies: web::Data<CookiePolicy>,
    provider: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let q: StartSignInQuery = query(&req)?;
    let link = matches!(q.link.as_deref(), Some("1" | "true"));
    let known = services.sign_in_providers().iter().any(|p| p.name == *provider);
    let name = known.then_some(provider.as_str());
    // Linking is something the person does from their account page, never a link another site made them follow.
    let fetch_site = req.headers().get("sec-fetch-site").and_then(|v| v.to_str().ok());
    let signed_in = caller.0.account().is_some();
    if link && fetch_site.is_some_and(|s| s != "same-origin" && s != "none") {
        let e = ServiceError::Forbidden("link a provider from your account page");
        return answer_failure(&req, e, name, signed_in, None);
    }
    match services.start_provider_sign_in(&caller.0, &provider, q.next.as_deref(), link, &client_info(&req)).await {
        Ok(started) => {
            Ok(see_other(&started.authorize_url).cookie(cookies.sign_in_flow_cookie(&req, &started.state)).finish())
        }
        Err(e) => answer_failure(&req, e, name, link && signed_in, None),
    }
}

/// Where the provider sends the browser back. Takes the sign-in (it works once), exchanges the code and verifies
/// who signed in; then signs in the account linked to that provider identity, links it to the account that
/// asked to link it, or creates an account (and its personal workspace) for a newcomer. Redirects (303) to the
/// page the sign-in named, or `/dashboard`; with the session and CSRF cookies when it signed someone in. An
/// address that already has an account is never signed in or linked by address alone (409). When the person
/// refused at the provider, redirects to `/sign-in?error=…&provider=…` (`/account?…` when someone is signed in).
/// A browser (one that asks for `text/html`) is sent to that page for every other failure too, with a word for it
/// in `error` (`failed`, `no_confirmed_address`, `account_exists`, `identity_taken`, `unavailable`,
/// `rate_limited`, `unknown_provider`); the statuses below are what programs get.
#[utoipa::path(
    tag = "accounts",
    params(("provider" = String, Path, description = "The provider's name"), CallbackQuery),
    responses(
        (status = 303, description = "Signed in or linked: to the page named at the start; or to `/sign-in?error=…` when the person refused"),
        (status = 400, description = "`sign_in_failed`: unknown, used or expired state, a sign-in started in another browser, a refused code or an ID token that does not verify"),
        (status = 404, description = "No such provider"),
        (status = 409, description = "An account has this address (sign in with its password, then link), or the identity is linked to another account"),
        (status = 503, description = "The provider is not answering"),
    )
)]
#[get("/auth/{provider}/callback")]
pub async fn finish_provider_sign_in(
    req: HttpRequest,
    caller: Caller,
    services: web::Data<Services>,
    cookies: web::Data<CookiePolicy>,
    provider: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    // An unknown provider is 404 before anything else is looked at.
    let signed_in_as = caller.0.account().map(|a| a.id);
    if !services.sign_in_providers().iter().any(|p| p.name == *provider) {
        return answer_failure(&req, ServiceError::NotFound("provider"), None, signed_in_as.is_some(), None);
    }
    let q: CallbackQuery = query(&req)?;
    let done = cookies.expired_sign_in_flow_cookie(&req);
    let bound = sign_in_flow_cookie_value(&req)
        .zip(q.state.as_deref())
        .is_some_and(|(cookie, state)| meridian_service::same_token(&cookie, state));
    if !bound {
        let e = ServiceError::ProviderSignIn {
            reason: SignInFailure::Failed,
            message: "this sign-in was started in another browser, or it took too long; start it again".into(),
        };
        return answer_failure(&req, e, Some(&provider), signed_in_as.is_some(), Some(done));
    }
    let callback = Callback { code: q.code, state: q.state, error: q.error, signed_in_as };
    let finished = match services.finish_provider_sign_in(&provider, callback, &client_info(&req)).await {
        Ok(f) => f,
        Err(f) => return answer_failure(&req, f.error, Some(&provider), f.linking, Some(done)),
    };
    Ok(match finished {
        Finished::SignedIn { credentials, return_to } => see_other(&return_to)
            .cookie(done)
            .cookie(cookies.session_cookie(&req, &credentials.session_token))
            .cookie(cookies.csrf_cookie(&req, meridian_service::csrf_token_for(&credentials.session_token)))
            .finish(),
        Finished::Linked { return_to } => see_other(&return_to).cookie(done).finish(),
        Finished::Refused { error, linking } => {
            let page = if linking { "/account" } else { "/sign-in" };
            see_other(&format!("{page}?error={error}&provider={provider}")).cookie(done).finish()
        }
    })
}

/// The providers people can sign in with (for the sign-in page's buttons). Public.
#[utoipa::path(tag = "accounts", responses((status = 200, body = ProviderList)))]
#[get("/auth/providers")]
pub async fn list_auth_providers(services: web::Data<Services>) -> web::Json<ProviderList> {
    let items = services
        .sign_in_providers()
        .into_iter()
        .map(|p| ProviderBody { name: p.name, display_name: p.display_name, kind: p.kind.to_owned() })
        .collect();
    web::Json(ProviderList { items })
}

/// The signed-in person's linked providers, oldest first.
#[utoipa::path(
    tag = "accounts",
    responses((status = 200, body = IdentityList), (status = 401)),
    security(("session" = []))
)]
#[get("/me/identities")]
pub async fn list_identities(
    caller: Caller,
    services: web::Data<Services>,
) -> Result<web::Json<IdentityList>, ApiError> {
    let items = services.list_identities(&caller.0).await?.into_iter().map(IdentityBody::from).collect();
    Ok(web::Json(IdentityList { items }))
}

/// Unlink a provider from the account. Refused (409) when it is the account's only way to sign in (no password
/// and no other provider); 404 for an identity that is not the caller's.
#[utoipa::path(
    tag = "accounts",
    params(("id" = Uuid, Path, description = "The identity's id")),
    responses(
        (status = 204, description = "Unlinked"),
        (status = 404, description = "No such identity of this account"),
        (status = 409, description = "The account's only way to sign in"),
    ),
    security(("session" = []))
)]
#[delete("/me/identities/{id}")]
pub async fn delete_identity(
    caller: Caller,
    services: web::Data<Services>,
    id: web::Path<IdentityId>,
) -> Result<HttpResponse, ApiError> {
    services.unlink_identity(&caller.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}
