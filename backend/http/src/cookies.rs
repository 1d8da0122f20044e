//! The cookies of a browser session: their names (with the `__Host-` prefix over HTTPS), flags and lifetimes, and
//! reading them back under the same names.

use actix_web::HttpRequest;
use actix_web::cookie::{Cookie, CookieBuilder, SameSite};
use actix_web::web;
use meridian_service::auth::SessionToken;

pub const SESSION_COOKIE: &str = "meridian_session";
pub const CSRF_COOKIE: &str = "meridian_csrf";
/// Binds a provider sign-in to the browser that started it (its value is the flow's `state`).
pub const SIGN_IN_FLOW_COOKIE: &str = "meridian_sign_in";

/// As long as a provider sign-in may take (`meridian_domain::identities::SIGN_IN_FLOW_LIFETIME_MINUTES`).
const SIGN_IN_FLOW_LIFETIME: actix_web::cookie::time::Duration =
    actix_web::cookie::time::Duration::minutes(meridian_domain::identities::SIGN_IN_FLOW_LIFETIME_MINUTES);

/// The longest cookie lifetime browsers accept.
const COOKIE_LIFETIME: actix_web::cookie::time::Duration = actix_web::cookie::time::Duration::days(400);

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

/// The provider sign-in cookie's value, under the name the deployment uses.
pub fn sign_in_flow_cookie_value(req: &HttpRequest) -> Option<String> {
    req.cookie(cookie_policy(req).sign_in_flow_name()).map(|c| c.value().to_owned())
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

    /// The provider sign-in cookie's name.
    #[must_use]
    pub fn sign_in_flow_name(&self) -> &'static str {
        if self.always_secure { "__Host-meridian_sign_in" } else { SIGN_IN_FLOW_COOKIE }
    }

    /// An http-only, same-site lax cookie for the whole site (the session and the provider sign-in), `Secure` when
    /// the site is served over HTTPS.
    fn http_only_lax(&self, req: &HttpRequest, name: &'static str, value: String) -> CookieBuilder<'static> {
        Cookie::build(name, value).path("/").http_only(true).secure(self.secure_for(req)).same_site(SameSite::Lax)
    }

    /// The cookie that binds a provider sign-in to this browser: the callback is refused unless the browser
    /// bringing it back holds the same `state`, so nobody can sign a victim into the attacker's account by sending
    /// them a callback link (login CSRF). Same-site lax: the provider's redirect back is a top-level navigation.
    pub fn sign_in_flow_cookie(&self, req: &HttpRequest, state: &str) -> Cookie<'static> {
        self.http_only_lax(req, self.sign_in_flow_name(), state.to_owned()).max_age(SIGN_IN_FLOW_LIFETIME).finish()
    }

    /// Clears the provider sign-in cookie.
    pub fn expired_sign_in_flow_cookie(&self, req: &HttpRequest) -> Cookie<'static> {
        let mut c = self.http_only_lax(req, self.sign_in_flow_name(), String::new()).finish();
        c.make_removal();
        c
    }

    /// The session cookie: http-only, same-site lax, for the whole site. It lives as long as browsers allow
    /// (400 days): the server's sliding expiry decides when the session ends, and a fixed browser-side age would
    /// cut off people who use Meridian every day.
    pub fn session_cookie(&self, req: &HttpRequest, token: &SessionToken) -> Cookie<'static> {
        self.http_only_lax(req, self.session_name(), token.expose().to_owned()).max_age(COOKIE_LIFETIME).finish()
    }

    /// Clears the session cookie.
    pub fn expired_session_cookie(&self, req: &HttpRequest) -> Cookie<'static> {
        let mut c = self.http_only_lax(req, self.session_name(), String::new()).finish();
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::csrf::csrf_matches;
    use actix_web::test::TestRequest;

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
