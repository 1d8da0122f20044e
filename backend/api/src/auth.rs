//! Who is calling: the `Caller` extractor. An `Authorization: Bearer` API key wins; otherwise the session cookie,
//! whose unsafe requests must echo the CSRF token (the `meridian_csrf` cookie, bound to the session) in the
//! `X-CSRF-Token` header; otherwise the caller is anonymous.

use crate::error::ApiError;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{FromRequest, HttpRequest, web};
use futures::future::LocalBoxFuture;
use meridian_service::auth::SessionToken;
use meridian_service::{Actor, Services};

pub const SESSION_COOKIE: &str = "meridian_session";
pub const CSRF_COOKIE: &str = "meridian_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The form field that carries the CSRF token when a plain HTML form posts.
pub const CSRF_FIELD: &str = "csrf_token";

/// The longest cookie lifetime browsers accept.
const COOKIE_LIFETIME: actix_web::cookie::time::Duration = actix_web::cookie::time::Duration::days(400);

/// A CSRF token made for a visitor who had none; the cookie carrying it is set on the response.
#[derive(Debug, Clone)]
pub struct FreshCsrf(pub String);

/// The visitor's CSRF token: the one set on this request (made for a new visitor, or bound to its session), else
/// the cookie's.
pub fn csrf_token_of(req: &HttpRequest) -> Option<String> {
    use actix_web::HttpMessage as _;
    // The borrow of the extensions ends here: reading a cookie may write the parsed cookies into them, and a
    // `RefCell` borrowed twice panics (found by Schemathesis: a page request whose cookies were not parsed yet).
    let fresh = req.extensions().get::<FreshCsrf>().map(|f| f.0.clone());
    fresh.or_else(|| csrf_cookie_value(req))
}

/// The cookie policy the app was given (the plain one in tests that set none).
pub fn cookie_policy(req: &HttpRequest) -> CookiePolicy {
    req.app_data::<web::Data<CookiePolicy>>().map(|p| p.get_ref().clone()).unwrap_or_default()
}

/// The session cookie's value, under the name the deployment uses.
pub fn session_cookie_value(req: &HttpRequest) -> Option<String> {
    req.cookie(cookie_policy(req).session_name()).map(|c| c.value().to_owned())
}

/// The CSRF cookie's value, under the name the deployment uses.
pub fn csrf_cookie_value(req: &HttpRequest) -> Option<String> {
    req.cookie(cookie_policy(req).csrf_name()).map(|c| c.value().to_owned())
}

/// The CSRF token this request's browser must echo: bound to its session when it has one (see
/// [`meridian_service::csrf_token_for`]), else the random token of its CSRF cookie (forms before sign-in).
pub fn expected_csrf(req: &HttpRequest) -> Option<String> {
    match session_cookie_value(req) {
        Some(session) => Some(meridian_service::csrf_token_for(&SessionToken::new(&session))),
        None => csrf_cookie_value(req),
    }
}

/// How cookies are set: `Secure` whenever the site is served over HTTPS, and then under `__Host-` names (the
/// browser keeps such a cookie only from this exact host, over HTTPS, for the whole site: a neighbouring subdomain
/// cannot plant or overwrite it).
#[derive(Debug, Clone, Default)]
pub struct CookiePolicy {
    /// Always mark cookies `Secure` and use `__Host-` names (the public URL is https), whatever the request
    /// looked like.
    pub always_secure: bool,
}

impl CookiePolicy {
    pub fn secure_for(&self, req: &HttpRequest) -> bool {
        self.always_secure || req.connection_info().scheme() == "https"
    }

    /// The session cookie's name.
    #[must_use]
    pub fn session_name(&self) -> &'static str {
        if self.always_secure { "__Host-meridian_session" } else { SESSION_COOKIE }
    }

    /// The CSRF cookie's name.
    #[must_use]
    pub fn csrf_name(&self) -> &'static str {
        if self.always_secure { "__Host-meridian_csrf" } else { CSRF_COOKIE }
    }

    /// The session cookie: http-only, same-site lax, for the whole site. It lives as long as browsers allow
    /// (400 days): the server's sliding expiry decides when the session ends, and a fixed browser-side age would
    /// cut off people who use Meridian every day.
    pub fn session_cookie(&self, req: &HttpRequest, token: &SessionToken) -> Cookie<'static> {
        Cookie::build(self.session_name(), token.expose().to_owned())
            .path("/")
            .http_only(true)
            .secure(self.secure_for(req))
            .same_site(SameSite::Lax)
            .max_age(COOKIE_LIFETIME)
            .finish()
    }

    /// Clears the session cookie.
    pub fn expired_session_cookie(&self, req: &HttpRequest) -> Cookie<'static> {
        let mut c = Cookie::build(self.session_name(), "")
            .path("/")
            .http_only(true)
            .secure(self.secure_for(req))
            .same_site(SameSite::Lax)
            .finish();
        c.make_removal();
        c
    }

    /// The CSRF cookie: readable by the page's script (it must copy it into a header), strict same-site, and as
    /// long-lived as the session cookie so the pair survives a browser restart together.
    pub fn csrf_cookie(&self, req: &HttpRequest, value: String) -> Cookie<'static> {
        Cookie::build(self.csrf_name(), value)
            .path("/")
            .http_only(false)
            .secure(self.secure_for(req))
            .same_site(SameSite::Strict)
            .max_age(COOKIE_LIFETIME)
            .finish()
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
                    crate::limits::count_anonymous(req)?;
                    Err(e.into())
                }
            };
        }
        let Some(cookie) = session_cookie_value(req) else {
            crate::limits::count_anonymous(req)?;
            return Ok(Actor::Anonymous);
        };
        let actor = services.actor_from_session(&SessionToken::new(&cookie)).await?;
        if matches!(actor, Actor::Anonymous) {
            crate::limits::count_anonymous(req)?;
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

/// Reverse proxies whose `X-Forwarded-For` is believed. Empty (the default) believes no header: a client could
/// write anything there.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<std::net::IpAddr>);

/// The client's address, for rate limits: the TCP peer, or, when the peer is a trusted proxy, the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy (proxies append, so the right end is the
/// part our own proxies wrote).
pub fn client_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    let Some(trusted) = req.app_data::<web::Data<TrustedProxies>>().filter(|t| t.0.contains(&peer)) else {
        return Some(peer);
    };
    let entries: Vec<&str> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    // Walk from our side; an entry we cannot read ends the walk, since beyond it the client may have written
    // anything.
    for entry in entries.into_iter().rev() {
        match entry.parse::<std::net::IpAddr>() {
            Ok(ip) if trusted.0.contains(&ip) => continue,
            Ok(ip) => return Some(ip),
            Err(_) => break,
        }
    }
    Some(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn ip_of(forwarded: Option<&str>, trusted: &[&str]) -> Option<std::net::IpAddr> {
        let trusted = TrustedProxies(trusted.iter().map(|s| s.parse().unwrap()).collect());
        let mut req =
            TestRequest::default().peer_addr("10.0.0.1:5000".parse().unwrap()).app_data(web::Data::new(trusted));
        if let Some(f) = forwarded {
            req = req.insert_header(("x-forwarded-for", f));
        }
        client_ip(&req.to_http_request())
    }

    #[test]
    fn forwarded_for_only_through_trusted_proxies() {
        let peer = Some("10.0.0.1".parse().unwrap());
        let client = Some("203.0.113.5".parse().unwrap());
        assert_eq!(ip_of(Some("203.0.113.5"), &[]), peer, "untrusted peer: header ignored");
        assert_eq!(ip_of(Some("203.0.113.5"), &["10.0.0.1"]), client);
        assert_eq!(ip_of(Some("198.51.100.1, 203.0.113.5, 10.0.0.2"), &["10.0.0.1", "10.0.0.2"]), client);
        assert_eq!(ip_of(Some("203.0.113.5, 1.2.3.4:567"), &["10.0.0.1"]), peer, "unreadable entry ends the walk");
        assert_eq!(ip_of(None, &["10.0.0.1"]), peer);
    }

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

    #[test]
    fn cookies_carry_the_right_flags() {
        let req = TestRequest::default().to_http_request();
        let plain = CookiePolicy::default();
        let s = plain.session_cookie(&req, &SessionToken::new("t")).to_string();
        assert!(s.contains("HttpOnly") && s.contains("SameSite=Lax") && !s.contains("Secure"), "{s}");
        assert!(s.contains("Max-Age=34560000"), "{s}");
        let secure = CookiePolicy { always_secure: true };
        assert!(secure.session_cookie(&req, &SessionToken::new("t")).to_string().contains("Secure"));
        assert!(secure.csrf_cookie(&req, "x".into()).to_string().contains("Secure"));
        let https = TestRequest::default().insert_header(("x-forwarded-proto", "https")).to_http_request();
        assert!(plain.session_cookie(&https, &SessionToken::new("t")).to_string().contains("Secure"));
        let c = plain.csrf_cookie(&req, "x".into()).to_string();
        assert!(!c.contains("HttpOnly") && c.contains("SameSite=Strict"), "{c}");
    }

    #[test]
    fn https_deployments_use_host_prefixed_cookies() {
        let req = TestRequest::default().to_http_request();
        let https = CookiePolicy { always_secure: true };
        let s = https.session_cookie(&req, &SessionToken::new("t")).to_string();
        assert!(s.starts_with("__Host-meridian_session=") && s.contains("Secure") && s.contains("Path=/"), "{s}");
        assert!(!s.contains("Domain"), "a __Host- cookie has no Domain: {s}");
        let c = https.csrf_cookie(&req, "x".into()).to_string();
        assert!(c.starts_with("__Host-meridian_csrf=") && c.contains("Secure"), "{c}");
        assert!(https.expired_session_cookie(&req).to_string().starts_with("__Host-meridian_session="));
        // Read back under the same names.
        let with = TestRequest::default()
            .app_data(web::Data::new(https))
            .cookie(Cookie::new("__Host-meridian_session", "s1"))
            .cookie(Cookie::new("meridian_session", "planted"))
            .to_http_request();
        assert_eq!(session_cookie_value(&with).as_deref(), Some("s1"));
        let expected = meridian_service::csrf_token_for(&SessionToken::new("s1"));
        assert!(csrf_matches(&with, Some(&expected)));
        assert!(!csrf_matches(&with, Some(&meridian_service::csrf_token_for(&SessionToken::new("planted")))));
    }
}
