use crate::helpers::{PASSWORD, TestApp, test_service_config};
use actix_web::http::StatusCode;
use meridian_service::ServiceConfig;
use serde_json::json;

#[actix_web::test]
async fn sign_up_creates_a_personal_workspace_and_signs_in_nobody() {
    let app = TestApp::new().await;
    let mut c = app.client();
    let r = c
        .post(
            "/api/v1/accounts",
            json!({"email": "  Vera@Example.ORG ", "password": PASSWORD, "display_name": "Vera Rubin"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["status"], "check_your_email");
    assert_eq!(r.body["email"], "vera@example.org", "e-mail normalised");
    let cookies =
        r.headers.get_all("set-cookie").map(|v| v.to_str().unwrap_or_default().to_owned()).collect::<Vec<_>>();
    assert!(!cookies.iter().any(|c| c.starts_with("meridian_session=")), "{cookies:?}");
    c.get("/api/v1/me").await.assert_problem(401, "unauthenticated");
    assert_eq!(app.mail_to("vera@example.org").await.len(), 1, "a confirmation link was queued");

    let r = c.post("/api/v1/sessions", json!({"email": "vera@example.org", "password": PASSWORD})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let session =
        r.headers.get_all("set-cookie").map(|v| v.to_str().unwrap_or_default().to_owned()).collect::<Vec<_>>();
    let session_cookie = session.iter().find(|c| c.starts_with("meridian_session=")).expect("session cookie");
    assert!(session_cookie.contains("HttpOnly"), "{session_cookie}");
    assert!(session_cookie.contains("SameSite=Lax"), "{session_cookie}");
    assert!(r.body.get("password_hash").is_none());

    let me = c.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.body["kind"], "session");
    assert_eq!(me.body["account"]["display_name"], "Vera Rubin");
    assert_eq!(me.body["account"]["email_verified"], false);

    let list = c.get("/api/v1/workspaces").await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["kind"], "personal");
    assert_eq!(items[0]["role"], "owner");
    assert_eq!(items[0]["visibility"], "private");
    assert_eq!(items[0]["slug"], "vera");
}

#[actix_web::test]
async fn signing_up_with_a_taken_address_answers_the_same_and_tells_its_owner() {
    let app = TestApp::new().await;
    let new = app
        .client()
        .post("/api/v1/accounts", json!({"email": "fresh@example.org", "password": PASSWORD, "display_name": "F"}))
        .await;
    app.user("Ann").await;
    let before = app.mail_to("ann@example.org").await.len();
    let taken = app
        .client()
        .post(
            "/api/v1/accounts",
            json!({"email": "ANN@example.org", "password": "another passphrase", "display_name": "Other Ann"}),
        )
        .await;
    assert_eq!(taken.status, new.status);
    assert_eq!(taken.status, StatusCode::ACCEPTED);
    let keys = |v: &serde_json::Value| v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>());
    assert_eq!(keys(&taken.body), keys(&new.body));
    assert_eq!(taken.body["status"], new.body["status"]);
    let mail = app.mail_to("ann@example.org").await;
    assert_eq!(mail.len(), before + 1, "the address's owner is told");
    assert!(mail.last().is_some_and(|m| m.text.contains("/forgot-password")), "{:?}", mail.last());
    // The second sign-up changed nothing: its password does not sign in.
    let r = app
        .client()
        .post("/api/v1/sessions", json!({"email": "ann@example.org", "password": "another passphrase"}))
        .await;
    r.assert_problem(401, "invalid_credentials");
}

#[actix_web::test]
async fn personal_slugs_do_not_collide() {
    let app = TestApp::new().await;
    for email in ["sam@one.org", "sam@two.org"] {
        app.sign_up("Sam", email).await;
    }
    let (mut a, _) = app.sign_in("sam@one.org").await;
    let (mut b, _) = app.sign_in("sam@two.org").await;
    let sa = a.get("/api/v1/workspaces").await.body["items"][0]["slug"].clone();
    let sb = b.get("/api/v1/workspaces").await.body["items"][0]["slug"].clone();
    assert_eq!(sa, "sam");
    assert_eq!(sb, "sam-2");
}

#[actix_web::test]
async fn sign_in_wrong_password_and_unknown_email_look_the_same() {
    let app = TestApp::new().await;
    app.user("Bea").await;
    let mut c = app.client();
    let wrong = c.post("/api/v1/sessions", json!({"email": "bea@example.org", "password": "not the password"})).await;
    wrong.assert_problem(401, "invalid_credentials");
    let unknown =
        c.post("/api/v1/sessions", json!({"email": "nobody@example.org", "password": "not the password"})).await;
    unknown.assert_problem(401, "invalid_credentials");
    assert_eq!(wrong.body["detail"], unknown.body["detail"]);

    let ok = c.post("/api/v1/sessions", json!({"email": "bea@example.org", "password": PASSWORD})).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn sign_in_attempts_are_rate_limited() {
    let app = TestApp::new().await;
    app.user("Cy").await;
    let mut c = app.client();
    // The test configuration allows 10 attempts per e-mail address; signing up and in spent one.
    for _ in 0..9 {
        let r = c.post("/api/v1/sessions", json!({"email": "cy@example.org", "password": "wrong password"})).await;
        r.assert_problem(401, "invalid_credentials");
    }
    let r = c.post("/api/v1/sessions", json!({"email": "cy@example.org", "password": PASSWORD})).await;
    r.assert_problem(429, "rate_limited");
    let retry: u64 =
        r.headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After");
    assert!(retry >= 1);
    // Another address is not affected.
    app.user("Dee").await;
    let r = c.post("/api/v1/sessions", json!({"email": "dee@example.org", "password": PASSWORD})).await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[actix_web::test]
async fn sign_ups_are_rate_limited_per_address() {
    let app = TestApp::with_config(ServiceConfig { signup_burst: 2, ..test_service_config() }).await;
    app.user("One").await;
    app.user("Two").await;
    let r = app
        .client()
        .post("/api/v1/accounts", json!({"email": "three@example.org", "password": PASSWORD, "display_name": "Three"}))
        .await;
    r.assert_problem(429, "rate_limited");
    // An address that has an account is counted the same: a 429 tells nothing either.
    let r = app
        .client()
        .post("/api/v1/accounts", json!({"email": "one@example.org", "password": PASSWORD, "display_name": "One"}))
        .await;
    r.assert_problem(429, "rate_limited");
    assert!(r.headers.contains_key("retry-after"));
}

#[actix_web::test]
async fn sign_out_ends_the_session() {
    let app = TestApp::new().await;
    let (mut c, _) = app.user("Eve").await;
    let old_cookie = c.cookies.get(meridian_http::cookies::SESSION_COOKIE).cloned().expect("session");
    assert_eq!(c.delete("/api/v1/sessions/current").await.status, StatusCode::NO_CONTENT);
    assert!(!c.cookies.contains_key(meridian_http::cookies::SESSION_COOKIE), "cookie cleared");
    c.get("/api/v1/me").await.assert_problem(401, "unauthenticated");
    // The old token is dead on the server too, not only forgotten by the browser.
    c.cookies.insert(meridian_http::cookies::SESSION_COOKIE.into(), old_cookie);
    c.get("/api/v1/me").await.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn unsafe_cookie_requests_need_the_csrf_token() {
    let app = TestApp::new().await;
    let (mut c, _) = app.user("Fay").await;
    c.send_csrf = false;
    let r = c.post("/api/v1/workspaces", json!({"slug": "fay-obs", "name": "Fay Obs"})).await;
    r.assert_problem(403, "csrf_failed");
    // A token that is not the cookie's is no better than none.
    c.csrf_override = Some("f".repeat(64));
    let r = c.post("/api/v1/workspaces", json!({"slug": "fay-obs", "name": "Fay Obs"})).await;
    r.assert_problem(403, "csrf_failed");
    c.csrf_override = None;
    c.send_csrf = true;
    let ok = c.post("/api/v1/workspaces", json!({"slug": "fay-obs", "name": "Fay Obs"})).await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.body);
    // Safe methods need no token.
    c.send_csrf = false;
    assert_eq!(c.get("/api/v1/workspaces").await.status, StatusCode::OK);
}

#[actix_web::test]
async fn password_change_checks_the_old_one_and_ends_other_sessions() {
    let app = TestApp::new().await;
    let (mut c, _) = app.user("Gus").await;
    let mut other = app.client();
    let r = other.post("/api/v1/sessions", json!({"email": "gus@example.org", "password": PASSWORD})).await;
    assert_eq!(r.status, StatusCode::CREATED);

    let r = c
        .put("/api/v1/me/password", json!({"current_password": "wrong one!!", "new_password": "a new passphrase"}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "current_password");
    let r = c.put("/api/v1/me/password", json!({"current_password": PASSWORD, "new_password": "short"})).await;
    assert_eq!(r.body["errors"][0]["field"], "new_password");

    let r =
        c.put("/api/v1/me/password", json!({"current_password": PASSWORD, "new_password": "a new passphrase"})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(c.get("/api/v1/me").await.status, StatusCode::OK, "this session survives");
    other.get("/api/v1/me").await.assert_problem(401, "unauthenticated");

    let mut fresh = app.client();
    let r = fresh.post("/api/v1/sessions", json!({"email": "gus@example.org", "password": PASSWORD})).await;
    r.assert_problem(401, "invalid_credentials");
    let r = fresh.post("/api/v1/sessions", json!({"email": "gus@example.org", "password": "a new passphrase"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[actix_web::test]
async fn stored_passwords_are_argon2id_hashes() {
    let app = TestApp::new().await;
    app.user("Hal").await;
    let hash = app.password_hash("hal@example.org").await;
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains(PASSWORD));
}
