//! A rate limit on anonymous calls, per client address: public endpoints are free, not unlimited. A caller counts
//! as anonymous unless its API key or session actually checks out, so a made-up cookie or key buys nothing.
//! Sign-up and sign-in have their own limits in the service; the limiter itself is
//! [`meridian_service::limits::PublicRateLimit`].

use crate::client::client_ip;
use crate::problem::ApiError;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use meridian_service::limits::PublicRateLimit;

/// Counts one anonymous call (no credentials, or credentials that did not check out) from this request's address;
/// `Err` is the 429 to answer once the allowance is used up. Without a configured limit, nothing is counted.
pub async fn count_anonymous(req: &HttpRequest) -> Result<(), ApiError> {
    let (Some(limit), Some(ip)) = (req.app_data::<web::Data<PublicRateLimit>>(), client_ip(req)) else {
        return Ok(());
    };
    limit.check(ip).await.map_err(|wait| {
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!("too many anonymous requests from this address; try again in {wait} s, or use an API key"),
        )
        .retry_after(wait)
    })
}
