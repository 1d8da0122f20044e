//! A rate limit on anonymous API calls, per client address: public endpoints are free, not unlimited. A caller
//! counts as anonymous unless its API key or session actually checks out, so a made-up cookie or key buys
//! nothing. Sign-up and sign-in have their own limits in the service.

use crate::auth::client_ip;
use crate::error::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// Anonymous requests per client address: `burst` at once, refilled at `per_second`.
#[derive(Debug)]
pub struct PublicRateLimit {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
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
        Self { limiter: RateLimiter::keyed(quota) }
    }

    /// `Err(seconds to wait)` when this address has used up its allowance.
    fn check(&self, ip: IpAddr) -> Result<(), u64> {
        self.limiter.check_key(&ip).map_err(|nu| nu.wait_time_from(DefaultClock::default().now()).as_secs().max(1))
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
