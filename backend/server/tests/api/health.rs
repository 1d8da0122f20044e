use crate::helpers::{TestApp, test_service_config};
use actix_web::http::StatusCode;
use meridian_api::PublicRateLimit;

#[actix_web::test]
async fn health_and_readiness() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let r = c.get("/healthz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "ok");
    let r = c.get("/readyz").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["status"], "ready");
    app.conn.clone().close().await.expect("close");
    let r = c.get("/readyz").await;
    r.assert_problem(503, "not_ready");
}

#[actix_web::test]
async fn anonymous_api_calls_are_rate_limited_per_address_but_keys_are_not() {
    let hour = std::time::Duration::from_secs(3600);
    let app = TestApp::with_limits(test_service_config(), PublicRateLimit::every(4, hour)).await;
    // The sign-up is an anonymous call too: it spends one of the four.
    let (mut owner, _) = app.user("Lim").await;
    crate::helpers::workspace(&mut owner, "limited-obs", "public").await;
    let mut anon = app.client();
    for _ in 0..3 {
        assert_eq!(anon.get("/api/v1/workspaces/limited-obs").await.status, StatusCode::OK);
    }
    let r = anon.get("/api/v1/workspaces/limited-obs").await;
    r.assert_problem(429, "rate_limited");
    assert!(r.headers.contains_key("retry-after"));
    // Signed-in people and programs with keys are not counted against the anonymous allowance.
    for _ in 0..5 {
        assert_eq!(owner.get("/api/v1/workspaces/limited-obs").await.status, StatusCode::OK);
    }
    // Health probes are outside the API and never limited.
    assert_eq!(anon.get("/healthz").await.status, StatusCode::OK);
}
