//! Regression tests of the security fixes found by reading the code against the OWASP API Top 10: each test
//! fails on the code before its fix.

use crate::data::upload;
use crate::helpers::*;
use actix_web::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait as _, Statement};
use serde_json::json;

async fn exec(app: &TestApp, sql: &str) {
    let backend = app.conn.get_database_backend();
    app.conn.execute_raw(Statement::from_string(backend, sql.to_owned())).await.expect(sql);
}

/// A public workspace with a dataset released long ago.
async fn released(app: &TestApp) -> (Client, String) {
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "public").await;
    let r = owner
        .post("/api/v1/workspaces/obs/datasets", json!({"name": "Out", "release_at": "2000-01-01T00:00:00Z"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (owner, r.body["id"].as_str().expect("id").to_owned())
}

/// A public workspace with a dataset embargoed until 2999.
async fn embargoed(app: &TestApp) -> (Client, String) {
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "public").await;
    let r = owner
        .post("/api/v1/workspaces/obs/datasets", json!({"name": "Raw", "release_at": "2999-01-01T00:00:00Z"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    (owner, r.body["id"].as_str().expect("id").to_owned())
}

#[actix_web::test]
async fn an_upload_key_cannot_release_what_it_uploads() {
    let app = TestApp::new().await;
    let (mut owner, ds) = embargoed(&app).await;
    let (_, secret) = api_key(&mut owner, "obs", "upload").await;
    let mut key = app.key_client(&secret);
    let path = format!("/api/v1/workspaces/obs/datasets/{ds}/files/m42.raw?release_at=2000-01-01T00:00:00Z");
    let r = key.request(Method::PUT, &path, Some(b"embargoed photons".to_vec()), None).await;
    r.assert_problem(403, "forbidden");
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("release date")), "{}", r.body);
    let r = key
        .post(
            &format!("/api/v1/workspaces/obs/datasets/{ds}/uploads"),
            json!({"name": "m42.raw", "size": 17, "release_at": "2000-01-01T00:00:00Z"}),
        )
        .await;
    r.assert_problem(403, "forbidden");
    // Without a date the key uploads as before, and the file stays under its dataset's embargo.
    let r = key
        .request(Method::PUT, &path.replace("?release_at=2000-01-01T00:00:00Z", ""), Some(b"x".to_vec()), None)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_str().expect("id").to_owned();
    app.client().get(&format!("/api/v1/workspaces/obs/files/{id}/content")).await.assert_problem(404, "not_found");
    // A member who may edit data may set the date at upload.
    let r = owner.request(Method::PUT, &path.replace("m42", "m43"), Some(b"released photons".to_vec()), None).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["public"], true);
}

#[actix_web::test]
async fn an_empty_change_to_a_public_file_still_needs_the_right_to_edit() {
    let app = TestApp::new().await;
    let (mut owner, ds) = released(&app).await;
    let id = upload(&mut owner, "obs", &ds, "a.raw", b"public").await.body["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/workspaces/obs/files/{id}");
    assert_eq!(app.client().get(&path).await.status, StatusCode::OK, "visitors read it");
    app.client().patch(&path, json!({})).await.assert_problem(401, "unauthenticated");
    assert_eq!(owner.patch(&path, json!({})).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn a_file_put_back_under_embargo_is_withheld_from_its_public_package() {
    let app = TestApp::new().await;
    let (mut owner, ds) = released(&app).await;
    let file = upload(&mut owner, "obs", &ds, "a.raw", b"released").await.body["id"].as_str().expect("id").to_owned();
    let r = owner
        .post("/api/v1/workspaces/obs/packages", json!({"title": "Open", "licence": "CC-BY-4.0", "access": "public"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pkg = r.body["id"].as_str().expect("id").to_owned();
    owner.post(&format!("/api/v1/workspaces/obs/packages/{pkg}/draft/files"), json!({"file_ids": [file]})).await;
    let r = owner.post(&format!("/api/v1/workspaces/obs/packages/{pkg}/versions"), json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = owner.post(&format!("/api/v1/workspaces/obs/packages/{pkg}/links"), json!({"label": "referee"})).await;
    let token = r.body["token"].as_str().expect("token").to_owned();
    let v1 = format!("/api/v1/workspaces/obs/packages/{pkg}/versions/1");
    let mut visitor = app.client();
    assert_eq!(visitor.get(&format!("{v1}/archive.tar")).await.status, StatusCode::OK);
    assert_eq!(visitor.get(&format!("{v1}/files/Out/a.raw")).await.status, StatusCode::OK);

    // The file goes back under embargo after publishing.
    let r = owner
        .patch(&format!("/api/v1/workspaces/obs/files/{file}"), json!({"release_at": "2999-01-01T00:00:00Z"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    visitor.get(&format!("{v1}/archive.tar")).await.assert_problem(403, "forbidden");
    visitor.get(&format!("{v1}/archive.zip")).await.assert_problem(403, "forbidden");
    visitor.get(&format!("{v1}/files/Out/a.raw")).await.assert_problem(404, "not_found");
    // Members, and whoever holds a link the publisher handed out, still read it.
    assert_eq!(owner.get(&format!("{v1}/archive.tar")).await.status, StatusCode::OK);
    assert_eq!(visitor.get(&format!("/api/v1/shared/{token}/versions/1/archive.tar")).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn citations_and_links_use_the_configured_address_not_the_request_host() {
    let app = TestApp::new().await;
    let (mut owner, ds) = released(&app).await;
    let file = upload(&mut owner, "obs", &ds, "a.raw", b"released").await.body["id"].as_str().expect("id").to_owned();
    let r = owner.post("/api/v1/workspaces/obs/packages", json!({"title": "Cite me", "licence": "CC-BY-4.0"})).await;
    let pkg = r.body["id"].as_str().expect("id").to_owned();
    owner.post(&format!("/api/v1/workspaces/obs/packages/{pkg}/draft/files"), json!({"file_ids": [file]})).await;
    owner.post(&format!("/api/v1/workspaces/obs/packages/{pkg}/versions"), json!({})).await;
    let r = owner
        .request_with_headers(
            Method::GET,
            &format!("/api/v1/workspaces/obs/packages/{pkg}/versions/1/citation"),
            vec![("host", "evil.example".into()), ("x-forwarded-host", "evil.example".into())],
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let text = r.body.to_string();
    assert!(!text.contains("evil.example"), "{text}");
    assert!(text.contains(&format!("{}/packages/{pkg}/versions/1", app.services.public_url())), "{text}");
}

#[actix_web::test]
async fn share_links_and_sessions_end() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let r = owner
        .post("/api/v1/workspaces/obs/packages", json!({"title": "Shared", "licence": "CC-BY-4.0", "access": "link"}))
        .await;
    let pkg = r.body["id"].as_str().expect("id").to_owned();
    let links = format!("/api/v1/workspaces/obs/packages/{pkg}/links");
    let r = owner.post(&links, json!({"label": "no date"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let expires =
        r.body["expires_at"].as_str().and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok()).expect("a date");
    let year = Utc::now() + Duration::days(365);
    assert!((expires.to_utc() - year).num_minutes().abs() < 5, "a link without a date lasts a year: {expires}");
    let far = (Utc::now() + Duration::days(400)).to_rfc3339();
    owner.post(&links, json!({"label": "too long", "expires_at": far})).await.assert_problem(422, "validation_failed");

    // A session used every day still ends at its maximum age.
    assert_eq!(owner.get("/api/v1/me").await.status, StatusCode::OK);
    let old = (Utc::now() - Duration::days(91)).to_rfc3339();
    exec(&app, &format!("UPDATE sessions SET created_at = '{old}'")).await;
    owner.get("/api/v1/me").await.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn csrf_tokens_are_bound_to_the_session() {
    let app = TestApp::new().await;
    let (mut ada, _) = app.user("Ada").await;
    let (bob, _) = app.user("Bob").await;
    let ada_token = ada.cookies.get(meridian_http::cookies::CSRF_COOKIE).cloned().expect("csrf");
    let bob_token = bob.cookies.get(meridian_http::cookies::CSRF_COOKIE).cloned().expect("csrf");
    assert_ne!(ada_token, bob_token);
    let body = json!({"name": "Obs", "slug": "obs"});
    // Bob's token (or any planted cookie and header pair) does not pass with Ada's session.
    let mut forged = ada.clone_plain();
    forged.csrf_override = Some(bob_token);
    forged.post("/api/v1/workspaces", body.clone()).await.assert_problem(403, "csrf_failed");
    let mut planted = ada.clone_plain();
    let chosen = "a".repeat(64);
    planted.cookies.insert(meridian_http::cookies::CSRF_COOKIE.into(), chosen.clone());
    planted.csrf_override = Some(chosen);
    planted.post("/api/v1/workspaces", body.clone()).await.assert_problem(403, "csrf_failed");
    // Her own token does.
    assert_eq!(ada.post("/api/v1/workspaces", body).await.status, StatusCode::CREATED);
    // A page visit with a stale cookie gets the session's token back.
    let mut stale = ada.clone_plain();
    stale.cookies.insert(meridian_http::cookies::CSRF_COOKIE.into(), "b".repeat(64));
    stale.get("/dashboard").await;
    assert_eq!(stale.cookies.get(meridian_http::cookies::CSRF_COOKIE), Some(&ada_token));
}

#[actix_web::test]
async fn guessing_the_current_password_is_rate_limited() {
    let app = TestApp::with_config(meridian_service::ServiceConfig {
        login_burst: 3,
        login_replenish_secs: 3600,
        signup_burst: 100,
        ..test_service_config()
    })
    .await;
    let (mut ada, _) = app.user("Ada").await;
    let guess =
        |n: u32| json!({"current_password": format!("guess number {n}"), "new_password": "a new long password"});
    // Signing in spent one of the three attempts.
    for n in 0..2 {
        ada.put("/api/v1/me/password", guess(n)).await.assert_problem(422, "validation_failed");
    }
    let r = ada.put("/api/v1/me/password", guess(2)).await;
    r.assert_problem(429, "rate_limited");
    assert!(r.headers.get("retry-after").is_some());
}

#[actix_web::test]
async fn outsiders_count_only_released_files_and_wildcards_match_themselves() {
    let app = TestApp::new().await;
    let (mut owner, ds) = released(&app).await;
    upload(&mut owner, "obs", &ds, "a_c.raw", b"released").await;
    let later =
        upload(&mut owner, "obs", &ds, "abc.raw", b"embargoed again").await.body["id"].as_str().expect("id").to_owned();
    owner.patch(&format!("/api/v1/workspaces/obs/files/{later}"), json!({"release_at": "2999-01-01T00:00:00Z"})).await;
    let path = format!("/api/v1/workspaces/obs/datasets/{ds}");
    assert_eq!(owner.get(&path).await.body["file_count"], 2);
    let seen = app.client().get(&path).await;
    assert_eq!(seen.body["file_count"], 1, "{}", seen.body);
    assert_eq!(seen.body["total_bytes"], 8);
    let listed = app.client().get("/api/v1/workspaces/obs/datasets").await;
    assert_eq!(listed.body["items"][0]["file_count"], 1, "{}", listed.body);
    // `_` and `%` in a search are letters, not wildcards (SQLite needs an explicit ESCAPE).
    let r = owner.get("/api/v1/workspaces/obs/files?name=a_c").await;
    assert_eq!(item_names(&r.body), ["a_c.raw"], "{}", r.body);
    let r = owner.get("/api/v1/workspaces/obs/files?name=%25").await;
    assert!(item_names(&r.body).is_empty(), "{}", r.body);
}

#[actix_web::test]
async fn pages_carry_a_script_policy_with_a_fresh_nonce() {
    let app = TestApp::new().await;
    let mut visitor = app.client();
    let page = |r: &Reply| String::from_utf8_lossy(&r.raw).into_owned();
    let first = page(&visitor.get("/").await);
    let second = page(&visitor.get("/").await);
    let nonce = |html: &str| {
        let at = html.find("'nonce-").map(|i| i + 7).expect("a nonce in the policy");
        html[at..].split('\'').next().unwrap_or_default().to_owned()
    };
    assert!(first.contains("http-equiv=\"Content-Security-Policy\"") && first.contains("script-src 'self'"), "{first}");
    assert_ne!(nonce(&first), nonce(&second), "one per response");
    let r = visitor.get("/").await;
    let csp = r.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"), "{csp}");
    assert!(r.headers.get("strict-transport-security").is_none(), "no HSTS over plain HTTP");
}

#[actix_web::test]
async fn anonymous_page_searches_are_rate_limited() {
    let app = TestApp::with_limits(
        test_service_config(),
        meridian_service::limits::PublicRateLimit::every(3, std::time::Duration::from_secs(3600)),
    )
    .await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "public").await;
    let mut visitor = app.client();
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(visitor.get("/w/obs/search?object=m42").await.status);
    }
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    // A signed-in member is not counted.
    for _ in 0..6 {
        assert_eq!(owner.get("/w/obs/search?object=m42").await.status, StatusCode::OK);
    }
}

/// The VO services are public and free, not unlimited: every request counts against the anonymous allowance,
/// the VOSI documents (each reads the database) as much as the queries.
#[actix_web::test]
async fn every_vo_request_counts_against_the_anonymous_limit() {
    for path in [
        "/vo/obs/capabilities",
        "/vo/obs/availability",
        "/vo/obs/sia/capabilities",
        "/vo/obs/scs/availability",
        "/vo/obs/scs?RA=10&DEC=10&SR=1",
    ] {
        let app = TestApp::with_limits(
            test_service_config(),
            meridian_service::limits::PublicRateLimit::every(3, std::time::Duration::from_secs(3600)),
        )
        .await;
        let (mut owner, _) = app.user("Ada").await;
        workspace(&mut owner, "obs", "public").await;
        let mut visitor = app.client();
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(visitor.get(path).await.status);
        }
        assert_eq!(statuses[0], StatusCode::OK, "{path}");
        assert_eq!(statuses[4], StatusCode::TOO_MANY_REQUESTS, "{path}: {statuses:?}");
    }
}

/// Ids of another workspace's datasets, files, uploads, packages and links, named through a workspace the caller
/// owns (and through a public one they do not), are 404, whatever the method; the objects stay as they were.
#[actix_web::test]
async fn data_ids_of_another_workspace_through_my_slug_are_404() {
    let app = TestApp::new().await;
    let (mut alice, _) = app.user("Alice").await;
    let (mut bob, _) = app.user("Bob").await;
    workspace(&mut alice, "x-alice", "public").await;
    workspace(&mut bob, "x-bob", "private").await;
    let ds = crate::data::dataset(&mut bob, "x-bob", "Bob's frames").await;
    let file = crate::data::upload(&mut bob, "x-bob", &ds, "b.raw", b"bob's bytes").await.body["id"]
        .as_str()
        .expect("file id")
        .to_owned();
    let up = crate::uploads::start(&mut bob, "x-bob", &ds, json!({"name": "big.raw", "size": 6 * 1024 * 1024})).await;
    let upload = up.body["id"].as_str().expect("upload id").to_owned();
    let pkg = crate::packages::package(&mut bob, "x-bob", crate::packages::basic("Bob's package")).await;
    let link = bob.post(&format!("/api/v1/workspaces/x-bob/packages/{pkg}/links"), json!({"label": "x"})).await;
    let link = link.body["id"].as_str().expect("link id").to_owned();

    for base in ["/api/v1/workspaces/x-alice"] {
        for path in [
            format!("{base}/datasets/{ds}"),
            format!("{base}/files/{file}"),
            format!("{base}/files/{file}/content"),
            format!("{base}/uploads/{upload}"),
            format!("{base}/packages/{pkg}"),
            format!("{base}/packages/{pkg}/draft"),
        ] {
            alice.get(&path).await.assert_problem(404, "not_found");
        }
        alice.patch(&format!("{base}/datasets/{ds}"), json!({"name": "mine"})).await.assert_problem(404, "not_found");
        alice.delete(&format!("{base}/datasets/{ds}")).await.assert_problem(404, "not_found");
        alice.patch(&format!("{base}/files/{file}"), json!({"tier": "cool"})).await.assert_problem(404, "not_found");
        alice.delete(&format!("{base}/files/{file}")).await.assert_problem(404, "not_found");
        alice.delete(&format!("{base}/uploads/{upload}")).await.assert_problem(404, "not_found");
        alice.patch(&format!("{base}/packages/{pkg}"), json!({"title": "mine"})).await.assert_problem(404, "not_found");
        alice.delete(&format!("{base}/packages/{pkg}/links/{link}")).await.assert_problem(404, "not_found");
        alice.delete(&format!("{base}/packages/{pkg}")).await.assert_problem(404, "not_found");
    }

    // Bob's objects are untouched.
    assert_eq!(bob.get(&format!("/api/v1/workspaces/x-bob/datasets/{ds}")).await.body["name"], "Bob's frames");
    assert_eq!(bob.get(&format!("/api/v1/workspaces/x-bob/files/{file}")).await.body["tier"], "hot");
    assert_eq!(bob.get(&format!("/api/v1/workspaces/x-bob/uploads/{upload}")).await.body["status"], "open");
    assert_eq!(bob.get(&format!("/api/v1/workspaces/x-bob/packages/{pkg}")).await.body["title"], "Bob's package");
    let links = bob.get(&format!("/api/v1/workspaces/x-bob/packages/{pkg}/links")).await;
    assert!(
        links.body.to_string().contains(&link) && !links.body.to_string().contains("revoked_at\":\"20"),
        "{}",
        links.body
    );
}

/// A row whose stored values no longer parse (a hand edit) is left out of lists and sweeps, logged, instead of
/// failing the page for everyone in the workspace or stopping the background jobs of every workspace; reading it
/// alone is an internal error (500), never a wrong answer.
#[actix_web::test]
async fn a_damaged_row_is_left_out_of_lists_and_jobs_go_on() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = crate::data::dataset(&mut owner, "obs", "Frames").await;
    let good =
        upload(&mut owner, "obs", &ds, "good.raw", b"good bytes").await.body["id"].as_str().expect("id").to_owned();
    let bad = upload(&mut owner, "obs", &ds, "bad.raw", b"bad bytes").await.body["id"].as_str().expect("id").to_owned();
    exec(&app, "UPDATE data_files SET ingest_status = 'weird' WHERE name = 'bad.raw'").await;

    let list = owner.get(&format!("/api/v1/workspaces/obs/datasets/{ds}/files")).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    assert_eq!(item_names(&list.body), vec!["good.raw".to_owned()], "the damaged file is left out");
    let search = owner.get("/api/v1/workspaces/obs/files?name=raw").await;
    assert_eq!(search.status, StatusCode::OK, "{}", search.body);
    assert!(search.body.to_string().contains(&good) && !search.body.to_string().contains(&bad), "{}", search.body);
    owner.get(&format!("/api/v1/workspaces/obs/files/{bad}")).await.assert_problem(500, "internal");
    // The tier rules' job reads every candidate file, the damaged one too, and still moves the others.
    let r = owner.post("/api/v1/workspaces/obs/storage/rules", json!({"name": "all", "cool_after_days": 0})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    app.services.jobs().push(meridian_service::jobs::Job::ApplyLifecycle, Default::default()).await.expect("push");
    app.run_jobs().await;
    assert_eq!(owner.get(&format!("/api/v1/workspaces/obs/files/{good}")).await.body["tier"], "cool");
}
