//! The client's address behind trusted reverse proxies, for rate limits.

use actix_web::{HttpRequest, web};

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

/// The client's address (as [`client_ip`]) and its `User-Agent`, for rate limits and the list of sessions.
pub fn client_info(req: &HttpRequest) -> meridian_service::ClientInfo {
    let user_agent =
        req.headers().get(actix_web::http::header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
    meridian_service::ClientInfo { ip: client_ip(req), user_agent }
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
}
