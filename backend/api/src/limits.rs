//! A rate limit on anonymous API calls, per client address: public endpoints are free, not unlimited. Callers
//! with an API key or a session are not counted here (their own limits come with their features).

use crate::auth::{SESSION_COOKIE, client_ip};
use crate::error::ApiError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{ResponseError as _, web};
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

/// Middleware for `/api/v1`: counts requests that carry neither an API key nor a session cookie.
pub async fn limit_anonymous(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let anonymous = !req.headers().contains_key(header::AUTHORIZATION) && req.cookie(SESSION_COOKIE).is_none();
    if anonymous
        && let (Some(limit), Some(ip)) = (req.app_data::<web::Data<PublicRateLimit>>(), client_ip(req.request()))
        && let Err(wait) = limit.check(ip)
    {
        let err = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many anonymous requests from this address; try again in {wait} s, or use an API key"),
        )
        .retry_after(wait);
        return Ok(req.into_response(err.error_response()).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}
