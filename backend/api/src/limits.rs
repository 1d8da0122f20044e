//! A rate limit on anonymous API calls, per client address: public endpoints are free, not unlimited. A caller
//! counts as anonymous unless its API key or session actually checks out, so a made-up cookie or key buys
//! nothing. Sign-up and sign-in have their own limits in the service.

use crate::auth::client_ip;
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use governor::Quota;
use meridian_service::limits::KeyedLimiter;
use std::net::IpAddr;
use std::num::NonZeroU32;

/// Anonymous requests per client address: `burst` at once, refilled at `per_second`.
#[derive(Debug)]
pub struct PublicRateLimit {
    limiter: KeyedLimiter<IpAddr>,
}

impl PublicRateLimit {
    pub fn new(burst: u32, per_second: u32) -> Self {
        let one = NonZeroU32::MIN;
        let quota = Quota::per_second(NonZeroU32::new(per_second).unwrap_or(one));
        Self::with_quota(quota.allow_burst(NonZeroU32::new(burst).unwrap_or(one)))
    }

    /// `burst` at once, then one more every `period` (tests use a slow refill to stay deterministic).
    pub fn every(burst: u32, period: std::time::Duration) -> Self {
        let burst = NonZeroU32::new(burst).unwrap_or(NonZeroU32::MIN);
        let quota = Quota::with_period(period).unwrap_or(Quota::per_second(burst));
        Self::with_quota(quota.allow_burst(burst))
    }

    fn with_quota(quota: Quota) -> Self {
        Self { limiter: KeyedLimiter::new(quota) }
    }

    /// `Err(seconds to wait)` when this address (an IPv4 address, or an IPv6 /64: one subscriber holds a whole
    /// /64) has used up its allowance. Past [`meridian_service::limits::PRUNE_ABOVE`] tracked clients, those whose allowance has fully come
    /// back are forgotten (at most every ten seconds), so the table does not grow with every address that ever
    /// called.
    fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.limiter.check(&meridian_service::auth::client_block(ip)).map_err(|wait| wait.as_secs().max(1))
    }

    /// Clients tracked now.
    #[must_use]
    pub fn tracked(&self) -> usize {
        self.limiter.len()
    }
}

/// Counts one anonymous call (no credentials, or credentials that did not check out) from this request's address;
/// `Err` is the 429 to answer once the allowance is used up. Without a configured limit, nothing is counted.
pub fn count_anonymous(req: &HttpRequest) -> Result<(), ApiError> {
    let (Some(limit), Some(ip)) = (req.app_data::<web::Data<PublicRateLimit>>(), client_ip(req)) else {
        return Ok(());
    };
    limit.check(ip).map_err(|wait| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many anonymous requests from this address; try again in {wait} s, or use an API key"),
        )
        .retry_after(wait)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use meridian_service::limits::PRUNE_ABOVE;

    #[test]
    fn one_ipv6_64_is_one_client() {
        let limit = PublicRateLimit::every(2, std::time::Duration::from_secs(3600));
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:fffe".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limit.check(a).is_ok());
        assert!(limit.check(b).is_ok());
        assert!(limit.check(a).is_err() && limit.check(b).is_err(), "the /64 has used its allowance");
        assert!(limit.check(c).is_ok(), "the next /64 is another client");
        let v4: IpAddr = "203.0.113.7".parse().unwrap();
        assert!(limit.check(v4).is_ok());
    }

    #[test]
    fn clients_whose_allowance_came_back_are_forgotten() {
        // A fast refill: every client's allowance is whole again a moment after its one request.
        let limit = PublicRateLimit::every(1, std::time::Duration::from_nanos(1));
        for i in 0..(PRUNE_ABOVE as u32 + 5_000) {
            let ip = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            assert!(limit.check(ip).is_ok());
        }
        assert!(limit.tracked() <= PRUNE_ABOVE + 1, "the table stays bounded: {}", limit.tracked());
    }
}
