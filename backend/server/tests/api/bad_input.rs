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

/// Every typed id in a path: one that does not parse is the same 404 problem as an unknown one, before any body.
#[actix_web::test]
async fn malformed_path_ids_are_404_problems() {
    let app = TestApp::new().await;
    let (mut c, _) = app.user("Ida").await;
    workspace(&mut c, "typed-obs", "private").await;
    let ws = "/api/v1/workspaces/typed-obs";
    let some = "01a24a57-d0d3-7665-b259-27a02ec99ccc";
    for rest in ["sites", "telescopes", "instruments", "targets", "target-lists", "planned-observations"] {
        let path = format!("{ws}/{rest}/not-a-uuid");
        for r in [c.get(&path).await, c.patch(&path, json!({})).await, c.delete(&path).await] {
            r.assert_problem(404, "not_found");
            assert_eq!(r.body["detail"], "no such resource", "{path}: {}", r.body);
        }
    }
    for r in [
        c.post(&format!("{ws}/planned-observations/not-a-uuid/check"), json!({})).await,
        c.get(&format!("{ws}/target-lists/not-a-uuid/targets")).await,
        c.post(&format!("{ws}/target-lists/not-a-uuid/targets"), json!({"target_id": some})).await,
        c.delete(&format!("{ws}/target-lists/{some}/targets/not-a-uuid")).await,
        c.patch(&format!("{ws}/members/not-a-uuid"), json!({"role": "viewer"})).await,
        c.delete(&format!("{ws}/members/not-a-uuid")).await,
        c.delete(&format!("{ws}/api-keys/not-a-uuid")).await,
        c.delete(&format!("{ws}/packages/{some}/draft/files/not-a-uuid")).await,
    ] {
        r.assert_problem(404, "not_found");
        assert_eq!(r.body["detail"], "no such resource", "{}", r.body);
    }
}

/// Found by Schemathesis: a method a route does not have answered 404 as if the path did not exist. It is 405,
/// with `Allow` naming the route's methods, and a problem body; the probes at the root likewise.
#[actix_web::test]
async fn undeclared_methods_are_405_with_allow() {
    let app = TestApp::new().await;
    let (mut c, _) = app.user("Mo").await;
    workspace(&mut c, "methods-obs", "private").await;
    for (method, path, allow) in [
        (Method::TRACE, "/api/v1/me", "GET"),
        (Method::PUT, "/api/v1/workspaces/methods-obs", "GET, PATCH"),
        (Method::DELETE, "/api/v1/workspaces", "GET, POST"),
        (
            Method::OPTIONS,
            "/api/v1/workspaces/methods-obs/sites/01a24a57-d0d3-7665-b259-27a02ec99ccc",
            "GET, PATCH, DELETE",
        ),
        (Method::POST, "/api/v1/shared/some-token/versions/1/files/a/b/c.fits", "GET"),
        (Method::POST, "/healthz", "GET"),
        (Method::DELETE, "/readyz", "GET"),
    ] {
        let r = c.request(method.clone(), path, None, None).await;
        r.assert_problem(405, "method_not_allowed");
        assert_eq!(r.headers.get("allow").and_then(|v| v.to_str().ok()), Some(allow), "{method} {path}");
    }
    // A path that is no route stays 404.
    c.request(Method::TRACE, "/api/v1/nothing-here", None, None).await.assert_problem(404, "not_found");
}

/// Found by Schemathesis: serde fills a struct from a JSON array, so `[null, null]` was a valid PATCH; and
/// `3.0`, an integer to JSON Schema (and so to the document), was refused where an integer is expected.
#[actix_web::test]
async fn bodies_are_objects_and_whole_numbers_are_integers() {
    let app = TestApp::new().await;
    let (mut c, _) = app.user("Ned").await;
    workspace(&mut c, "shapes-obs", "private").await;
    for body in ["[null, null]", "[\"renamed\"]", "\"text\"", "42", "null"] {
        let r = c
            .request(
                Method::PATCH,
                "/api/v1/workspaces/shapes-obs",
                Some(body.as_bytes().to_vec()),
                Some("application/json"),
            )
            .await;
        r.assert_problem(422, "invalid_body");
    }
    let r =
        c.post("/api/v1/workspaces/shapes-obs/storage/rules", json!({"name": "cool", "cool_after_days": 30.0})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["cool_after_days"], 30);
    let r =
        c.post("/api/v1/workspaces/shapes-obs/storage/rules", json!({"name": "half", "cool_after_days": 30.5})).await;
    r.assert_problem(422, "invalid_body");
}

/// Found by Schemathesis: a cone radius above 0 degrees but 0 in radians (5e-324) reached a panic in the HEALPix
/// coverage; the connection dropped. Such a cone is searched like any other.
#[actix_web::test]
async fn a_vanishing_cone_radius_is_searched_not_a_panic() {
    let app = TestApp::new().await;
    let (mut c, _) = app.user("Oz").await;
    workspace(&mut c, "cone-obs", "private").await;
    for radius in ["5e-324", "2.2250738585072014e-308", "1e-300"] {
        let r = c.get(&format!("/api/v1/workspaces/cone-obs/files?ra=0&dec=-90&radius={radius}")).await;
        assert_eq!(r.status, 200, "radius {radius}: {}", r.body);
    }
}

/// Lists check `limit` as documented (1 to 200) everywhere, including those whose service clamped it.
#[actix_web::test]
async fn list_limits_are_checked_everywhere() {
    let app = TestApp::new().await;
    let (mut c, _) = app.user("Pia").await;
    workspace(&mut c, "limits-obs", "private").await;
    let d = c.post("/api/v1/workspaces/limits-obs/datasets", json!({"name": "raw"})).await;
    assert_eq!(d.status, 201, "{}", d.body);
    let files = format!("/api/v1/workspaces/limits-obs/datasets/{}/files", d.body["id"].as_str().unwrap_or_default());
    for path in ["/api/v1/workspaces/limits-obs/packages", files.as_str()] {
        for limit in ["0", "201", "2147483648"] {
            c.get(&format!("{path}?limit={limit}")).await.assert_problem(422, "validation_failed");
        }
        assert_eq!(c.get(&format!("{path}?limit=200")).await.status, 200);
    }
}
