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
