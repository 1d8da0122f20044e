//! Outbound HTTP for the scheduled catalog fetch: one GET, a timeout, a size cap, text only.

use crate::{ServiceError, ServiceResult};
use std::time::Duration;

/// Reads `url` as UTF-8 text of at most `max_bytes`. Errors name the URL and what went wrong (never a body).
pub(crate) async fn get_text(url: &str, max_bytes: usize) -> ServiceResult<String> {
    let fail = |what: String| ServiceError::internal(format!("fetching {url}: {what}"));
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(20))
        .timeout(Duration::from_secs(300))
        .user_agent(concat!("Meridian/", env!("CARGO_PKG_VERSION"), " (satellite catalog fetch)"))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let mut response = client.get(url).send().await.map_err(|e| fail(e.to_string()))?;
    if !response.status().is_success() {
        return Err(fail(format!("the server answered {}", response.status())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| fail(e.to_string()))? {
        if body.len() + chunk.len() > max_bytes {
            return Err(fail(format!("the body is larger than {max_bytes} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    String::from_utf8(body).map_err(|_| fail("the body is not UTF-8 text".to_owned()))
}
