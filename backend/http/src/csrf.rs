//! CSRF protection of cookie-authenticated requests: the token a browser must echo (derived from its session token
//! once signed in, so it is bound to that session; a random one in its cookie before), the constant-time check, and
//! the middleware that gives every page visitor the right token.

use crate::cookies::{CSRF_COOKIE, SESSION_COOKIE, cookie_policy, csrf_cookie_value, session_cookie_value};
use actix_web::cookie::Cookie;
use actix_web::dev::ServiceRequest;
use actix_web::http::Method;
use actix_web::{HttpMessage as _, HttpRequest};
use meridian_service::auth::SessionToken;

pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field that carries the CSRF token when a plain HTML form posts.
pub const CSRF_FIELD: &str = "csrf_token";

/// A CSRF token made for a visitor who had none; the cookie carrying it is set on the response.
#[derive(Debug, Clone)]
pub struct FreshCsrf(pub String);

/// The visitor's CSRF token: the one set on this request (made for a new visitor, or bound to its session), else
/// the cookie's.
pub fn csrf_token_of(req: &HttpRequest) -> Option<String> {
    // The borrow of the extensions ends here: reading a cookie may write the parsed cookies into them, and a
    // `RefCell` borrowed twice panics (found by Schemathesis: a page request whose cookies were not parsed yet).
    let fresh = req.extensions().get::<FreshCsrf>().map(|f| f.0.clone());
    fresh.or_else(|| csrf_cookie_value(req))
}

/// The CSRF token this request's browser must echo: bound to its session when it has one (see
/// [`meridian_service::csrf_token_for`]), else the random token of its CSRF cookie (forms before sign-in).
pub fn expected_csrf(req: &HttpRequest) -> Option<String> {
    match session_cookie_value(req) {
        Some(session) => Some(meridian_service::csrf_token_for(&SessionToken::new(&session))),
        None => csrf_cookie_value(req),
    }
}

/// Whether a method changes state (and so needs the CSRF check under cookie authentication).
pub fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

/// The CSRF check: the token sent with the request equals the one this browser must echo ([`expected_csrf`]:
/// bound to its session, or its CSRF cookie before sign-in), compared in constant time.
pub fn csrf_matches(req: &HttpRequest, sent: Option<&str>) -> bool {
    match (expected_csrf(req), sent) {
        (Some(expected), Some(sent)) => expected.len() >= 16 && meridian_service::same_token(&expected, sent),
        _ => false,
    }
}

/// Gives every visitor a CSRF cookie so that pages and scripts have a token to echo. A first visit has no cookie
/// yet: the token is made before the handler runs and left in the request's extensions, so the page rendered now
/// carries the same token as the cookie set with it. The token a signed-in browser must echo is bound to its
/// session; before sign-in it is a random one kept in the cookie. A cookie that differs from what is expected (from
/// before sign-in, another session, or planted) is replaced. Over HTTPS the cookies are `__Host-` ones: plain ones
/// left from before (a deployment moved to HTTPS) are expired, so that no script reads a stale token from them.
pub async fn ensure_csrf_cookie(
    req: ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    // Programs on the API, probes and static assets need no CSRF token (API clients that sign in get one with
    // their session); making one for each of their requests would cost a random token and a header apiece.
    let path = req.path();
    let wants_token = !(path.starts_with("/api/")
        || path.starts_with("/pkg/")
        || path.starts_with("/assets/")
        || path == "/healthz"
        || path == "/readyz");
    let fresh = if wants_token {
        let http = req.request();
        let have = csrf_cookie_value(http);
        let expected = expected_csrf(http).unwrap_or_else(meridian_service::new_csrf_token);
        if have.as_deref() == Some(expected.as_str()) {
            None
        } else {
            let cookie = cookie_policy(http).csrf_cookie(http, expected.clone());
            req.extensions_mut().insert(FreshCsrf(expected));
            Some(cookie)
        }
    } else {
        None
    };
    let policy = cookie_policy(req.request());
    let stale: Vec<&'static str> = if policy.always_secure {
        [SESSION_COOKIE, CSRF_COOKIE].into_iter().filter(|n| req.cookie(n).is_some()).collect()
    } else {
        Vec::new()
    };
    let mut res = next.call(req).await?;
    for name in stale {
        let mut gone = Cookie::build(name, "").path("/").finish();
        gone.make_removal();
        res.response_mut().add_cookie(&gone)?;
    }
    let csrf_name = policy.csrf_name();
    let set_by_handler = res.response().cookies().any(|c: Cookie<'_>| c.name() == csrf_name);
    if let (Some(cookie), false) = (fresh, set_by_handler) {
        res.response_mut().add_cookie(&cookie)?;
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header;
    use actix_web::test::TestRequest;

    #[test]
    fn csrf_token_of_reads_unparsed_cookies_without_panicking() {
        // Found by Schemathesis: the cookies of a request nobody had read yet were parsed (and cached in the
        // extensions) while the extensions were still borrowed.
        let req = TestRequest::default().insert_header((header::COOKIE, "meridian_csrf=tok123")).to_http_request();
        assert_eq!(csrf_token_of(&req).as_deref(), Some("tok123"));
        let fresh = TestRequest::default().insert_header((header::COOKIE, "meridian_csrf=old")).to_http_request();
        {
            use actix_web::HttpMessage as _;
            fresh.extensions_mut().insert(FreshCsrf("new".into()));
        }
        assert_eq!(csrf_token_of(&fresh).as_deref(), Some("new"));
    }
}
