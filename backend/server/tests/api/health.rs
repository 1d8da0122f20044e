use crate::helpers::{TestApp, test_service_config};
use actix_web::http::StatusCode;
use meridian_service::limits::PublicRateLimit;

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
    for path in ["/readyz", "/", "/api/v1/nothing"] {
        let r = c.get(path).await;
        assert_eq!(r.headers.get("x-frame-options").and_then(|v| v.to_str().ok()), Some("DENY"), "{path}");
        assert_eq!(r.headers.get("x-content-type-options").and_then(|v| v.to_str().ok()), Some("nosniff"), "{path}");
    }
    app.conn.clone().close().await.expect("close");
    let r = c.get("/readyz").await;
    r.assert_problem(503, "not_ready");
}

#[actix_web::test]
async fn anonymous_api_calls_are_rate_limited_per_address_but_keys_are_not() {
    let hour = std::time::Duration::from_secs(3600);
    let app = TestApp::with_limits(test_service_config(), PublicRateLimit::every(3, hour)).await;
    // Sign-up has its own limit and does not spend the anonymous allowance.
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
    let (_, secret) = crate::helpers::api_key(&mut owner, "limited-obs", "read").await;
    let mut program = app.key_client(&secret);
    for _ in 0..5 {
        assert_eq!(owner.get("/api/v1/workspaces/limited-obs").await.status, StatusCode::OK);
        assert_eq!(program.get("/api/v1/workspaces/limited-obs").await.status, StatusCode::OK);
    }
    // A made-up session cookie or key is anonymous and counted like one.
    let mut faker = app.client();
    faker.cookies.insert(meridian_http::cookies::SESSION_COOKIE.into(), "made-up".into());
    faker.get("/api/v1/workspaces/limited-obs").await.assert_problem(429, "rate_limited");
    let mut fake_key = app.key_client(&format!("mrd_00000000_{}", "0".repeat(48)));
    fake_key.get("/api/v1/workspaces/limited-obs").await.assert_problem(429, "rate_limited");
    // Health probes are outside the API and never limited.
    assert_eq!(anon.get("/healthz").await.status, StatusCode::OK);
}

/// Behind a trusted proxy each client gets its own allowance; a header from anyone else changes nothing.
#[actix_web::test]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    let hour = std::time::Duration::from_secs(3600);
    // The test client's peer is 127.0.0.1.
    let proxied =
        TestApp::with_state(test_service_config(), PublicRateLimit::every(2, hour), vec!["127.0.0.1".parse().unwrap()])
            .await;
    let direct = TestApp::with_state(test_service_config(), PublicRateLimit::every(2, hour), Vec::new()).await;
    for (app, separate) in [(&proxied, true), (&direct, false)] {
        let mut a = app.client();
        a.forwarded_for = Some("203.0.113.7".into());
        let mut b = app.client();
        b.forwarded_for = Some("198.51.100.9, 127.0.0.1".into());
        for _ in 0..2 {
            assert_eq!(a.get("/api/v1/workspaces/none-here").await.status, StatusCode::NOT_FOUND);
        }
        a.get("/api/v1/workspaces/none-here").await.assert_problem(429, "rate_limited");
        let r = b.get("/api/v1/workspaces/none-here").await;
        if separate {
            r.assert_problem(404, "not_found");
        } else {
            r.assert_problem(429, "rate_limited");
        }
    }
}
