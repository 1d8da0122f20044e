//! Bad input is a problem+json 4xx with a reason, never a 500.

use crate::helpers::{PASSWORD, TestApp, workspace};
use actix_web::http::Method;
use serde_json::json;

#[actix_web::test]
async fn malformed_and_mistyped_bodies() {
    let app = TestApp::new().await;
    let (mut c, _) = app.user("Ida").await;
    let r =
        c.request(Method::POST, "/api/v1/workspaces", Some(b"{\"slug\": ".to_vec()), Some("application/json")).await;
    r.assert_problem(400, "malformed_json");
    let r = c.request(Method::POST, "/api/v1/workspaces", Some(b"not json".to_vec()), Some("application/json")).await;
    r.assert_problem(400, "malformed_json");
    let r = c.post("/api/v1/workspaces", json!({"slug": 42, "name": "n"})).await;
    r.assert_problem(422, "invalid_body");
    assert!(r.body["detail"].as_str().unwrap_or_default().contains("invalid type"), "{}", r.body);
    let r = c.post("/api/v1/workspaces", json!({"name": "no slug"})).await;
    r.assert_problem(422, "invalid_body");
    let r = c
        .request(
            Method::POST,
            "/api/v1/workspaces",
            Some(b"slug=a".to_vec()),
            Some("application/x-www-form-urlencoded"),
        )
        .await;
    r.assert_problem(415, "unsupported_media_type");
}

#[actix_web::test]
async fn over_long_and_invalid_strings() {
    let app = TestApp::new().await;
    let (mut c, _) = app.user("Jo").await;
    let long = "x".repeat(101);
    let r = c.post("/api/v1/workspaces", json!({"slug": "long-name", "name": long})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "name");
    let r = c
        .post("/api/v1/workspaces", json!({"slug": "long-desc", "name": "n", "description": "d".repeat(10_001)}))
        .await;
    assert_eq!(r.body["errors"][0]["field"], "description");
    let mut anon = app.client();
    for (body, field) in [
        (json!({"email": "no-at-sign", "password": PASSWORD, "display_name": "K"}), "email"),
        (json!({"email": "k@example.org", "password": "short", "display_name": "K"}), "password"),
        (json!({"email": "k@example.org", "password": PASSWORD, "display_name": ""}), "display_name"),
        (json!({"email": "k@example.org", "password": "p".repeat(300), "display_name": "K"}), "password"),
        (
            json!({"email": format!("{}@example.org", "k".repeat(300)), "password": PASSWORD, "display_name": "K"}),
            "email",
        ),
    ] {
        let r = anon.post("/api/v1/accounts", body).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field);
    }
}

#[actix_web::test]
async fn oversized_bodies_are_413() {
    let app = TestApp::new().await;
    let (mut c, _) = app.user("Kit").await;
    workspace(&mut c, "big-body", "private").await;
    let huge = json!({"description": "x".repeat(100 * 1024)});
    c.patch("/api/v1/workspaces/big-body", huge).await.assert_problem(413, "payload_too_large");
}

#[actix_web::test]
async fn unknown_routes_and_bad_ids_are_404_problems() {
    let app = TestApp::new().await;
    let (mut c, _) = app.user("Lu").await;
    workspace(&mut c, "ids-obs", "private").await;
    c.get("/api/v1/nothing-here").await.assert_problem(404, "not_found");
    c.delete("/api/v1/workspaces/ids-obs/members/not-a-uuid").await.assert_problem(404, "not_found");
    c.delete("/api/v1/workspaces/ids-obs/api-keys/12345").await.assert_problem(404, "not_found");
    c.get("/api/v1/workspaces/NOT_A_SLUG").await.assert_problem(404, "not_found");
}
