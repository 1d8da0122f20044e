//! Who is calling: the `Caller` extractor. An `Authorization: Bearer` API key wins; otherwise the session cookie,
//! whose unsafe requests must echo the CSRF token (the `meridian_csrf` cookie, bound to the session) in the
//! `X-CSRF-Token` header; otherwise the caller is anonymous.

use crate::cookies::session_cookie_value;
use crate::csrf::{CSRF_HEADER, csrf_matches, is_unsafe};
use crate::problem::ApiError;
use actix_web::dev::Payload;
use actix_web::http::{StatusCode, header};
use actix_web::{FromRequest, HttpRequest, web};
use futures::future::LocalBoxFuture;
use meridian_service::auth::SessionToken;
use meridian_service::{Actor, Services};

/// The authenticated (or anonymous) caller of a request.
#[derive(Debug, Clone)]
pub struct Caller(pub Actor);

impl Caller {
    /// Resolves the caller; `check_csrf` false is for form handlers that check the token from the form body.
    pub async fn resolve(req: &HttpRequest, check_csrf: bool) -> Result<Actor, ApiError> {
        let services = req
            .app_data::<web::Data<Services>>()
            .ok_or_else(|| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "services not configured"))?;
        if let Some(value) = req.headers().get(header::AUTHORIZATION) {
            let bearer = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).ok_or_else(|| {
                ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "use Authorization: Bearer <API key>")
            })?;
            return match services.actor_from_api_key(bearer.trim()).await {
                Ok(actor) => Ok(actor),
                Err(e) => {
                    // A wrong key costs the address like an anonymous call (no free lookups).
                    crate::limits::count_anonymous(req).await?;
                    Err(e.into())
                }
            };
        }
        let Some(cookie) = session_cookie_value(req) else {
            crate::limits::count_anonymous(req).await?;
            return Ok(Actor::Anonymous);
        };
        let actor = services.actor_from_session(&SessionToken::new(&cookie)).await?;
        if matches!(actor, Actor::Anonymous) {
            crate::limits::count_anonymous(req).await?;
        }
        if check_csrf && matches!(actor, Actor::Session { .. }) && is_unsafe(req.method()) {
            let sent = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok());
            if !csrf_matches(req, sent) {
                return Err(ApiError::new(
                    StatusCode::FORBIDDEN,
                    "csrf_failed",
                    "send the CSRF cookie's value (meridian_csrf) in the X-CSRF-Token header",
                ));
            }
        }
        Ok(actor)
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Caller::resolve(&req, true).await.map(Caller) })
    }
}
