//! The pages' server functions (`/fn/...`) change things only with the CSRF token from the form.

use crate::helpers::TestApp;
use actix_web::http::{Method, StatusCode};

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    pairs.iter().map(|(k, v)| format!("{k}={}", v.replace(' ', "+"))).collect::<Vec<_>>().join("&").into_bytes()
}

#[actix_web::test]
async fn server_functions_need_the_csrf_token() {
    let app = TestApp::new().await;
    let (mut c, _) = app.user("Uli").await;
    let token = c.cookies.get(meridian_http::cookies::CSRF_COOKIE).cloned().expect("csrf cookie");
    let ct = Some("application/x-www-form-urlencoded");
    for (slug, sent) in [("fn-forged", "0".repeat(64)), ("fn-missing", String::new())] {
        let body = form(&[
            ("csrf_token", &sent),
            ("slug", slug),
            ("name", "Forged"),
            ("description", ""),
            ("visibility", "private"),
        ]);
        let r = c.request(Method::POST, "/fn/create_workspace", Some(body), ct).await;
        assert!(!r.status.is_success(), "{slug}: {}", String::from_utf8_lossy(&r.raw));
        assert!(String::from_utf8_lossy(&r.raw).contains("reload the page"), "{}", String::from_utf8_lossy(&r.raw));
        c.get(&format!("/api/v1/workspaces/{slug}")).await.assert_problem(404, "not_found");
    }
    let body = form(&[
        ("csrf_token", &token),
        ("slug", "fn-real"),
        ("name", "Real"),
        ("description", ""),
        ("visibility", "private"),
    ]);
    let r = c.request(Method::POST, "/fn/create_workspace", Some(body), ct).await;
    assert!(r.status.is_success() || r.status == StatusCode::FOUND, "{}", String::from_utf8_lossy(&r.raw));
    assert_eq!(c.get("/api/v1/workspaces/fn-real").await.status, StatusCode::OK);

    // Every other form too, e.g. the profile.
    let body = form(&[
        ("csrf_token", "nope"),
        ("slug", "fn-real"),
        ("name", "Renamed"),
        ("description", ""),
        ("visibility", "public"),
    ]);
    let r = c.request(Method::POST, "/fn/update_workspace", Some(body), ct).await;
    assert!(!r.status.is_success());
    assert_eq!(c.get("/api/v1/workspaces/fn-real").await.body["name"], "Real");
}
