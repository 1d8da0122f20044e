//! The client's address behind trusted reverse proxies, for rate limits.

use actix_web::{HttpRequest, web};

use std::net::IpAddr;

/// Reverse proxies whose `X-Forwarded-For` is believed: addresses or CIDR ranges (an ingress controller's pods
/// change address; their network does not). Empty (the default) believes no header: a client could write anything
/// there.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<ProxyRange>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|r| r.contains(ip))
    }
}

/// One address (`10.1.2.3`) or a CIDR range (`10.0.0.0/8`, `fd00::/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyRange {
    base: IpAddr,
    prefix: u8,
}

impl From<IpAddr> for ProxyRange {
    fn from(ip: IpAddr) -> Self {
        let ip = ip.to_canonical();
        Self { base: ip, prefix: if ip.is_ipv4() { 32 } else { 128 } }
    }
}

impl std::str::FromStr for ProxyRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let ip: IpAddr = addr.parse().map_err(|_| format!("`{s}` is not an address or a CIDR range"))?;
        let range = Self::from(ip);
        let Some(prefix) = prefix else { return Ok(range) };
        let max = range.prefix;
        match prefix.parse::<u8>() {
            Ok(p) if p <= max => Ok(Self { base: range.base, prefix: p }),
            _ => Err(format!("`{s}`: the prefix length must be 0 to {max}")),
        }
    }
}

impl ProxyRange {
    /// Whether `ip` (canonical: an IPv4-mapped IPv6 address as IPv4) is in the range.
    #[must_use]
    pub fn contains(&self, ip: IpAddr) -> bool {
        let masked = |bits: u128, width: u32| {
            let keep = u32::from(self.prefix);
            if keep == 0 { 0 } else { bits >> (width - keep) }
        };
        match (self.base, ip) {
            (IpAddr::V4(b), IpAddr::V4(i)) => {
                masked(u128::from(u32::from(b)), 32) == masked(u128::from(u32::from(i)), 32)
            }
            (IpAddr::V6(b), IpAddr::V6(i)) => masked(u128::from(b), 128) == masked(u128::from(i), 128),
            _ => false,
        }
    }
}

/// The client's address, for rate limits: the TCP peer, or, when the peer is a trusted proxy, the nearest
/// address in `X-Forwarded-For` that is not itself a trusted proxy (proxies append, so the right end is the
/// part our own proxies wrote).
pub fn client_ip(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    let Some(trusted) = req.app_data::<web::Data<TrustedProxies>>().filter(|t| t.trusts(peer)) else {
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
            Ok(ip) if trusted.trusts(ip) => continue,
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
    fn ranges_hold_their_addresses_and_no_others() {
        let r: ProxyRange = "10.0.0.0/8".parse().unwrap();
        assert!(r.contains("10.200.3.4".parse().unwrap()));
        assert!(!r.contains("11.0.0.1".parse().unwrap()));
        assert!(!r.contains("::1".parse().unwrap()));
        let v6: ProxyRange = "fd00::/8".parse().unwrap();
        assert!(v6.contains("fd12:3456::1".parse().unwrap()));
        assert!(!v6.contains("fe80::1".parse().unwrap()));
        let one: ProxyRange = "127.0.0.1".parse().unwrap();
        assert!(one.contains("127.0.0.1".parse().unwrap()) && !one.contains("127.0.0.2".parse().unwrap()));
        let all: ProxyRange = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains("203.0.113.9".parse().unwrap()));
        assert!("10.0.0.0/33".parse::<ProxyRange>().is_err());
        assert!("ingress".parse::<ProxyRange>().is_err());
        // An IPv4 client seen through an IPv6 socket is its IPv4 address.
        let proxies = TrustedProxies(vec![r]);
        assert!(proxies.trusts("::ffff:10.1.1.1".parse().unwrap()));
    }

    #[test]
    fn forwarded_for_through_a_trusted_range() {
        let peer = "10.0.0.1:5000".parse().unwrap();
        let trusted = TrustedProxies(vec!["10.0.0.0/16".parse().unwrap()]);
        let req = TestRequest::default()
            .peer_addr(peer)
            .app_data(web::Data::new(trusted))
            .insert_header(("x-forwarded-for", "203.0.113.5, 10.0.7.7"))
            .to_http_request();
        assert_eq!(client_ip(&req), Some("203.0.113.5".parse().unwrap()), "both proxies are in the range");
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
