//! The account life cycle over the API: confirming addresses, resetting passwords, changing the address,
//! invitations, sessions, deleting an account, operators, and the mail that carries the links (outbox and SMTP).

use crate::helpers::{PASSWORD, TestApp, add_member, api_key, test_service_config, workspace};
use actix_web::http::StatusCode;
use meridian_service::limits::PublicRateLimit;
use serde_json::{Value, json};
use sha2::Digest as _;

async fn sql_all(
    app: &TestApp,
    sqlite: &str,
    postgres: &str,
    values: Vec<sea_orm::Value>,
) -> Vec<sea_orm::QueryResult> {
    use sea_orm::ConnectionTrait as _;
    let backend = app.conn.get_database_backend();
    let sql = if backend == sea_orm::DbBackend::Postgres { postgres } else { sqlite };
    app.conn.query_all_raw(sea_orm::Statement::from_sql_and_values(backend, sql, values)).await.expect("query")
}

async fn exec(app: &TestApp, sql: &str) {
    use sea_orm::ConnectionTrait as _;
    app.conn.execute_unprepared(sql).await.expect("execute");
}

fn sha256_hex(s: &str) -> String {
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

#[actix_web::test]
async fn an_unconfirmed_account_signs_in_but_waits_for_what_an_address_grants() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Olga").await;
    workspace(&mut owner, "wait-obs", "private").await;
    let (mut una, _) = app.unverified_user("Una").await;
    assert_eq!(una.get("/api/v1/me").await.body["account"]["email_verified"], false);

    // Its own space works; API keys and accepting an invitation wait for the address.
    let personal = una.get("/api/v1/workspaces").await.body["items"][0]["slug"].as_str().expect("slug").to_owned();
    let r = una.post(&format!("/api/v1/workspaces/{personal}/api-keys"), json!({"name": "k", "scope": "read"})).await;
    r.assert_problem(403, "email_unverified");
    let r = owner
        .post("/api/v1/workspaces/wait-obs/invitations", json!({"email": "una@example.org", "role": "member"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let invite = app.mailed_token("una@example.org", "/invitations/accept").await;
    una.post("/api/v1/invitations/accept", json!({"token": invite})).await.assert_problem(403, "email_unverified");

    // Another link on request (the first stops working), then the address is confirmed.
    let first = app.mailed_token("una@example.org", "/verify-email").await;
    assert_eq!(una.post("/api/v1/me/verification", json!({})).await.status, StatusCode::ACCEPTED);
    let second = app.mailed_token("una@example.org", "/verify-email").await;
    assert_ne!(first, second);
    let anon = &mut app.client();
    anon.post("/api/v1/email-verifications", json!({"token": first})).await.assert_problem(404, "not_found");
    let r = anon.post("/api/v1/email-verifications", json!({"token": second})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["email_verified"], true);
    anon.post("/api/v1/email-verifications", json!({"token": second})).await.assert_problem(404, "not_found");
    una.post("/api/v1/me/verification", json!({})).await.assert_problem(409, "conflict");

    assert_eq!(una.get("/api/v1/me").await.body["account"]["email_verified"], true);
    let r = una.post(&format!("/api/v1/workspaces/{personal}/api-keys"), json!({"name": "k", "scope": "read"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let r = una.post("/api/v1/invitations/accept", json!({"token": invite})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["workspace"]["slug"], "wait-obs");
    assert_eq!(r.body["member"]["role"], "member");
}

#[actix_web::test]
async fn tokens_are_stored_hashed_and_refused_when_expired_reused_or_foreign() {
    let app = TestApp::new().await;
    app.sign_up("Tess", "tess@example.org").await;
    let token = app.mailed_token("tess@example.org", "/verify-email").await;
    assert_eq!(token.len(), 64);
    let rows =
        sql_all(&app, "SELECT token_hash FROM account_tokens", "SELECT token_hash FROM account_tokens", vec![]).await;
    let hashes: Vec<String> = rows.iter().map(|r| r.try_get::<String>("", "token_hash").expect("hash")).collect();
    assert!(hashes.contains(&sha256_hex(&token)), "stored as its SHA-256");
    assert!(!hashes.contains(&token), "never in clear");

    let mut anon = app.client();
    // A token of another purpose is foreign here, and a made-up one unknown: the same 404.
    app.client().post("/api/v1/password-resets", json!({"email": "tess@example.org"})).await;
    let reset = app.mailed_token("tess@example.org", "/reset-password").await;
    anon.post("/api/v1/email-verifications", json!({"token": reset})).await.assert_problem(404, "not_found");
    anon.post("/api/v1/email-verifications", json!({"token": "ab".repeat(32)})).await.assert_problem(404, "not_found");
    anon.post("/api/v1/email-verifications", json!({"token": ""})).await.assert_problem(404, "not_found");

    exec(&app, "UPDATE account_tokens SET expires_at = created_at").await;
    anon.post("/api/v1/email-verifications", json!({"token": token})).await.assert_problem(404, "not_found");
    let r =
        anon.post("/api/v1/password-resets/confirm", json!({"token": reset, "new_password": "a new passphrase"})).await;
    r.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_password_reset_signs_out_every_session_and_keeps_keys_and_memberships() {
    let app = TestApp::new().await;
    let (mut rita, _) = app.user("Rita").await;
    workspace(&mut rita, "reset-obs", "private").await;
    let (_, secret) = api_key(&mut rita, "reset-obs", "read").await;
    let (mut other, _) = app.sign_in("rita@example.org").await;

    let mut anon = app.client();
    let known = anon.post("/api/v1/password-resets", json!({"email": "Rita@example.org"})).await;
    let unknown = anon.post("/api/v1/password-resets", json!({"email": "nobody@example.org"})).await;
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body), "the same answer either way");
    assert_eq!(known.status, StatusCode::ACCEPTED);
    assert!(app.mail_to("nobody@example.org").await.is_empty());
    let token = app.mailed_token("rita@example.org", "/reset-password").await;

    let r = anon.post("/api/v1/password-resets/confirm", json!({"token": token, "new_password": "short"})).await;
    assert_eq!(r.body["errors"][0]["field"], "new_password");
    let r =
        anon.post("/api/v1/password-resets/confirm", json!({"token": token, "new_password": "a new passphrase"})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let r =
        anon.post("/api/v1/password-resets/confirm", json!({"token": token, "new_password": "yet another one"})).await;
    r.assert_problem(404, "not_found");

    rita.get("/api/v1/me").await.assert_problem(401, "unauthenticated");
    other.get("/api/v1/me").await.assert_problem(401, "unauthenticated");
    let r = anon.post("/api/v1/sessions", json!({"email": "rita@example.org", "password": PASSWORD})).await;
    r.assert_problem(401, "invalid_credentials");
    let r = anon.post("/api/v1/sessions", json!({"email": "rita@example.org", "password": "a new passphrase"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(anon.get("/api/v1/workspaces/reset-obs").await.body["role"], "owner", "membership kept");
    assert_eq!(app.key_client(&secret).get("/api/v1/workspaces/reset-obs").await.status, StatusCode::OK, "key kept");
    let notice = app.mail_to("rita@example.org").await;
    assert!(notice.last().is_some_and(|m| m.subject.to_lowercase().contains("password")), "a notice was mailed");
}

#[actix_web::test]
async fn reset_requests_are_rate_limited_per_address_and_per_client_alike() {
    let app = TestApp::with_config(meridian_service::ServiceConfig { mail_burst: 2, ..test_service_config() }).await;
    app.user("Lim").await;
    let mut anon = app.client();
    for email in ["lim@example.org", "ghost@example.org"] {
        for _ in 0..2 {
            assert_eq!(
                anon.post("/api/v1/password-resets", json!({"email": email})).await.status,
                StatusCode::ACCEPTED
            );
        }
        anon.post("/api/v1/password-resets", json!({"email": email})).await.assert_problem(429, "rate_limited");
    }
}

#[actix_web::test]
async fn changing_the_address_needs_the_password_and_a_link_to_the_new_one() {
    let app = TestApp::new().await;
    let (mut cat, _) = app.user("Cat").await;
    let r = cat.post("/api/v1/me/email", json!({"new_email": "cat@new.org", "current_password": "wrong one!!"})).await;
    assert_eq!(r.body["errors"][0]["field"], "current_password");
    let r = cat.post("/api/v1/me/email", json!({"new_email": "cat@example.org", "current_password": PASSWORD})).await;
    assert_eq!(r.body["errors"][0]["field"], "new_email");
    let r = cat.post("/api/v1/me/email", json!({"new_email": "Cat@New.org", "current_password": PASSWORD})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(cat.get("/api/v1/me").await.body["account"]["email"], "cat@example.org", "nothing changes yet");
    let notice = app.mail_to("cat@example.org").await;
    assert!(notice.last().is_some_and(|m| m.text.contains("cat@new.org")), "the old address is told");
    let token = app.mailed_token("cat@new.org", "/confirm-email").await;

    let r = app.client().post("/api/v1/email-changes", json!({"token": token})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["email"], "cat@new.org");
    assert_eq!(r.body["email_verified"], true);
    app.client().post("/api/v1/email-changes", json!({"token": token})).await.assert_problem(404, "not_found");
    let mut c = app.client();
    c.post("/api/v1/sessions", json!({"email": "cat@example.org", "password": PASSWORD}))
        .await
        .assert_problem(401, "invalid_credentials");
    let r = c.post("/api/v1/sessions", json!({"email": "cat@new.org", "password": PASSWORD})).await;
    assert_eq!(r.status, StatusCode::CREATED);
}

#[actix_web::test]
async fn inviting_answers_the_same_whether_or_not_the_address_has_an_account() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ivo").await;
    workspace(&mut owner, "inv-obs", "private").await;
    app.user("Has").await;
    let a = owner
        .post("/api/v1/workspaces/inv-obs/invitations", json!({"email": "has@example.org", "role": "viewer"}))
        .await;
    let b = owner
        .post("/api/v1/workspaces/inv-obs/invitations", json!({"email": "not@example.org", "role": "viewer"}))
        .await;
    assert_eq!((a.status, b.status), (StatusCode::CREATED, StatusCode::CREATED));
    let shape = |v: &Value| {
        let mut v = v.clone();
        for k in ["id", "email", "created_at", "sent_at", "expires_at"] {
            v[k] = Value::Null;
        }
        v
    };
    assert_eq!(shape(&a.body), shape(&b.body));
    assert_eq!(a.body["status"], "pending");
    let list = owner.get("/api/v1/workspaces/inv-obs/invitations").await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(2));
    // Nobody joined yet.
    let members = owner.get("/api/v1/workspaces/inv-obs/members").await;
    assert_eq!(members.body["items"].as_array().map(Vec::len), Some(1));
}

#[actix_web::test]
async fn invitations_are_accepted_once_and_stop_when_revoked_resent_or_expired() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "inv-two", "private").await;
    // The invitee has no account yet: signs up, confirms, accepts.
    let r = owner
        .post("/api/v1/workspaces/inv-two/invitations", json!({"email": "newbie@example.org", "role": "observer"}))
        .await;
    let id = r.body["id"].as_str().expect("id").to_owned();
    let first = app.mailed_token("newbie@example.org", "/invitations/accept").await;
    let r = owner.post(&format!("/api/v1/workspaces/inv-two/invitations/{id}/resend"), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let second = app.mailed_token("newbie@example.org", "/invitations/accept").await;
    assert_ne!(first, second);
    let (mut newbie, _) = app.user("Newbie").await;
    newbie.post("/api/v1/invitations/accept", json!({"token": first})).await.assert_problem(404, "not_found");
    let r = newbie.post("/api/v1/invitations/accept", json!({"token": second})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["member"]["role"], "observer");
    newbie.post("/api/v1/invitations/accept", json!({"token": second})).await.assert_problem(404, "not_found");
    assert_eq!(newbie.get("/api/v1/workspaces/inv-two").await.body["role"], "observer");
    assert_eq!(
        owner.get("/api/v1/workspaces/inv-two/invitations").await.body["items"].as_array().map(Vec::len),
        Some(0)
    );

    // Revoked and expired links lead nowhere.
    let (mut late, _) = app.user("Late").await;
    let r = owner
        .post("/api/v1/workspaces/inv-two/invitations", json!({"email": "late@example.org", "role": "viewer"}))
        .await;
    let id = r.body["id"].as_str().expect("id").to_owned();
    let revoked = app.mailed_token("late@example.org", "/invitations/accept").await;
    assert_eq!(
        owner.delete(&format!("/api/v1/workspaces/inv-two/invitations/{id}")).await.status,
        StatusCode::NO_CONTENT
    );
    late.post("/api/v1/invitations/accept", json!({"token": revoked})).await.assert_problem(404, "not_found");
    owner.delete(&format!("/api/v1/workspaces/inv-two/invitations/{id}")).await.assert_problem(404, "not_found");
    owner.post("/api/v1/workspaces/inv-two/invitations", json!({"email": "late@example.org", "role": "viewer"})).await;
    let expiring = app.mailed_token("late@example.org", "/invitations/accept").await;
    exec(&app, "UPDATE invitations SET expires_at = created_at").await;
    late.post("/api/v1/invitations/accept", json!({"token": expiring})).await.assert_problem(404, "not_found");
    let listed = owner.get("/api/v1/workspaces/inv-two/invitations").await;
    assert_eq!(listed.body["items"][0]["status"], "expired");
    late.get("/api/v1/workspaces/inv-two").await.assert_problem(404, "not_found");

    // Another workspace's invitation is not found through this one.
    let (mut other, _) = app.user("Otto").await;
    workspace(&mut other, "otto-obs", "private").await;
    let r = other
        .post("/api/v1/workspaces/otto-obs/invitations", json!({"email": "z@example.org", "role": "viewer"}))
        .await;
    let foreign = r.body["id"].as_str().expect("id").to_owned();
    owner.delete(&format!("/api/v1/workspaces/inv-two/invitations/{foreign}")).await.assert_problem(404, "not_found");
    owner
        .post(&format!("/api/v1/workspaces/inv-two/invitations/{foreign}/resend"), json!({}))
        .await
        .assert_problem(404, "not_found");
    // Invitation tokens are stored hashed too.
    let rows = sql_all(&app, "SELECT token_hash FROM invitations", "SELECT token_hash FROM invitations", vec![]).await;
    let hashes: Vec<String> = rows.iter().map(|r| r.try_get::<String>("", "token_hash").expect("hash")).collect();
    assert!(hashes.contains(&sha256_hex(&second)) && !hashes.contains(&second));
}

#[actix_web::test]
async fn a_squatter_on_an_address_gets_neither_its_invitation_nor_operator_rights() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Boss").await;
    workspace(&mut owner, "squat-obs", "private").await;
    // Someone registers a colleague's address first and never confirms it (they cannot read its mail).
    let (mut squatter, _) = app.unverified_user("Colleague").await;
    owner
        .post("/api/v1/workspaces/squat-obs/invitations", json!({"email": "colleague@example.org", "role": "admin"}))
        .await;
    // Even holding the link (they do not: it went to the mailbox) would not let them in.
    let token = app.mailed_token("colleague@example.org", "/invitations/accept").await;
    squatter.post("/api/v1/invitations/accept", json!({"token": token})).await.assert_problem(403, "email_unverified");
    squatter.get("/api/v1/workspaces/squat-obs").await.assert_problem(404, "not_found");
    // An unconfirmed account cannot be made an operator, and an address grants nothing by itself.
    let refused = app.services.set_operator("colleague@example.org", true).await;
    assert!(refused.is_err(), "{refused:?}");
    let r = squatter
        .request(actix_web::http::Method::POST, "/api/v1/satellites/catalog", Some(b"x".to_vec()), Some("text/plain"))
        .await;
    r.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn people_see_and_end_their_sessions() {
    let app = TestApp::new().await;
    let (mut a, _) = app.user("Sid").await;
    let mut b = app.client();
    b.extra_headers.push(("user-agent".into(), "TestBrowser/1.0 (X11; Linux)".into()));
    let r = b.post("/api/v1/sessions", json!({"email": "sid@example.org", "password": PASSWORD})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let (mut c, _) = app.sign_in("sid@example.org").await;
    let list = a.get("/api/v1/me/sessions").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.body);
    let items = list.body["items"].as_array().expect("items").clone();
    assert_eq!(items.len(), 3, "{items:?}");
    assert_eq!(items.iter().filter(|s| s["current"] == true).count(), 1);
    let from_b = items.iter().find(|s| s["user_agent"] == "TestBrowser/1.0 (X11; Linux)").expect("b's session");
    assert_eq!(from_b["ip"], "127.0.0.1", "{items:?}");
    let b_list = b.get("/api/v1/me/sessions").await;
    let b_id = b_list.body["items"].as_array().expect("items").iter().find(|s| s["current"] == true).expect("current")
        ["id"]
        .as_str()
        .expect("id")
        .to_owned();
    assert_eq!(a.delete(&format!("/api/v1/me/sessions/{b_id}")).await.status, StatusCode::NO_CONTENT);
    b.get("/api/v1/me").await.assert_problem(401, "unauthenticated");
    a.delete(&format!("/api/v1/me/sessions/{b_id}")).await.assert_problem(404, "not_found");

    // Another person's session is not found.
    let (mut eve, _) = app.user("Eve").await;
    let eve_id = eve.get("/api/v1/me/sessions").await.body["items"][0]["id"].as_str().expect("id").to_owned();
    a.delete(&format!("/api/v1/me/sessions/{eve_id}")).await.assert_problem(404, "not_found");
    assert_eq!(eve.get("/api/v1/me").await.status, StatusCode::OK);

    let r = a.delete("/api/v1/me/sessions").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    c.get("/api/v1/me").await.assert_problem(401, "unauthenticated");
    assert_eq!(a.get("/api/v1/me").await.status, StatusCode::OK, "the one asking stays");
    assert_eq!(a.get("/api/v1/me/sessions").await.body["items"].as_array().map(Vec::len), Some(1));
    app.client().get("/api/v1/me/sessions").await.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn deleting_an_account_keeps_shared_records_and_refuses_the_last_owner() {
    let app = TestApp::new().await;
    let (mut dora, dora_id) = app.user("Dora").await;
    let (mut boss, _) = app.user("Boss").await;
    workspace(&mut dora, "dora-obs", "private").await;
    workspace(&mut boss, "shared-obs", "private").await;
    add_member(&app, &mut boss, "shared-obs", "dora@example.org", "member").await;

    let r = dora.post("/api/v1/me/deletion", json!({"current_password": "wrong one!!"})).await;
    assert_eq!(r.body["errors"][0]["field"], "current_password");
    let r = dora.post("/api/v1/me/deletion", json!({"current_password": PASSWORD})).await;
    r.assert_problem(409, "conflict");
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("last owner")), "{}", r.body);
    add_member(&app, &mut dora, "dora-obs", "boss@example.org", "owner").await;

    let r = dora.post("/api/v1/me/deletion", json!({"current_password": PASSWORD})).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    dora.get("/api/v1/me").await.assert_problem(401, "unauthenticated");
    let r = app.client().post("/api/v1/sessions", json!({"email": "dora@example.org", "password": PASSWORD})).await;
    r.assert_problem(401, "invalid_credentials");
    let members = boss.get("/api/v1/workspaces/shared-obs/members").await;
    assert!(!members.body.to_string().contains(&dora_id), "{}", members.body);
    assert_eq!(boss.get("/api/v1/workspaces/dora-obs").await.body["role"], "owner", "the shared workspace stays");
    // The row stays, with nothing personal left in it.
    let rows = sql_all(
        &app,
        "SELECT email, display_name, password_hash FROM accounts WHERE email LIKE 'deleted-%'",
        "SELECT email, display_name, password_hash FROM accounts WHERE email LIKE 'deleted-%'",
        vec![],
    )
    .await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].try_get::<String>("", "display_name").expect("name"), "a deleted account");
    assert!(rows[0].try_get::<Option<String>>("", "password_hash").expect("hash").is_none());
    // The address is free for a new account.
    app.sign_up("Dora Again", "dora@example.org").await;
    assert!(app.mailed_token("dora@example.org", "/verify-email").await.len() == 64);
}

#[actix_web::test]
async fn mail_goes_to_the_outbox_and_its_body_is_dropped_once_sent() {
    let app = TestApp::new().await;
    app.sign_up("Otis", "otis@example.org").await;
    let token = app.mailed_token("otis@example.org", "/verify-email").await;
    app.run_jobs().await;
    let dir = app.outbox.path().join("outbox");
    let files: Vec<_> = std::fs::read_dir(&dir).expect("outbox").map(|e| e.expect("entry").path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let eml = std::fs::read_to_string(&files[0]).expect("eml");
    assert!(eml.contains("To: otis@example.org"), "{eml}");
    assert!(eml.contains(&token), "the link is in the message");
    assert!(eml.contains("multipart/alternative"));
    assert!(app.mail_to("otis@example.org").await.is_empty(), "the stored body is gone once sent");
    let log = app.services.mail_log(Some(meridian_domain::mail::MailStatus::Sent), 10).await.expect("log");
    assert_eq!(log.len(), 1);
    assert!(log[0].delivered_to.as_deref().is_some_and(|d| d.ends_with(".eml")));
}

/// maildev from the test services (`SMTP_URL`, `MAILDEV_API`); without them (a developer's quick run) the SMTP
/// tests say so and pass, but never under CI, where `infra/test.sh` starts it.
fn maildev() -> Option<(String, u16, String)> {
    let (Ok(url), Ok(api)) = (std::env::var("SMTP_URL"), std::env::var("MAILDEV_API")) else {
        assert!(std::env::var_os("CI").is_none(), "CI runs the SMTP tests: SMTP_URL and MAILDEV_API must be set");
        return None;
    };
    let hostport = url.strip_prefix("smtp://")?;
    let (host, port) = hostport.rsplit_once(':')?;
    Some((host.to_owned(), port.parse().ok()?, api))
}

async fn smtp_app(host: &str, port: u16) -> TestApp {
    let mail = meridian_mail::MailConfig {
        from: "Meridian Tests <tests@meridian.test>".into(),
        transport: meridian_mail::TransportConfig::Smtp(meridian_mail::SmtpConfig {
            host: host.to_owned(),
            port,
            security: meridian_mail::SmtpSecurity::None,
            username: None,
            password: None,
            timeout_secs: 5,
        }),
    };
    TestApp::with_mail(
        test_service_config(),
        PublicRateLimit::new(100_000, 100_000),
        Vec::new(),
        mail,
        tempfile::tempdir().expect("tempdir"),
    )
    .await
}

/// The messages maildev received for `to`.
async fn received(api: &str, to: &str) -> Vec<Value> {
    let all: Vec<Value> = reqwest::get(format!("{api}/email")).await.expect("maildev").json().await.expect("json");
    all.into_iter()
        .filter(|m| m["to"].as_array().is_some_and(|t| t.iter().any(|a| a["address"].as_str() == Some(to))))
        .collect()
}

fn token_in(text: &str, path: &str) -> Option<String> {
    let needle = format!("{path}?token=");
    let at = text.find(&needle)?;
    Some(text[at + needle.len()..].chars().take_while(char::is_ascii_hexdigit).collect())
}

#[actix_web::test]
async fn verification_reset_invitation_and_change_messages_arrive_over_smtp_with_working_links() {
    let Some((host, port, api)) = maildev() else {
        eprintln!("skipped: SMTP_URL / MAILDEV_API not set (infra/devservices.sh start maildev)");
        return;
    };
    let app = smtp_app(&host, port).await;
    let run = std::process::id();
    let me = format!("smtp-{run}@example.org");
    let new = format!("smtp-new-{run}@example.org");
    let invitee = format!("smtp-inv-{run}@example.org");
    app.sign_up("Smtp", &me).await;
    app.run_jobs().await;
    let got = received(&api, &me).await;
    let text = got.iter().find_map(|m| m["text"].as_str().and_then(|t| token_in(t, "/verify-email")));
    let token = text.expect("the confirmation message arrived with its link");
    let r = app.client().post("/api/v1/email-verifications", json!({"token": token})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(got.iter().all(|m| m["html"].as_str().is_some_and(|h| h.contains("<a "))), "an HTML part with the link");

    let (mut c, _) = app.sign_in(&me).await;
    workspace(&mut c, &format!("smtp-obs-{run}"), "private").await;
    c.post(&format!("/api/v1/workspaces/smtp-obs-{run}/invitations"), json!({"email": invitee, "role": "viewer"}))
        .await;
    app.client().post("/api/v1/password-resets", json!({"email": me})).await;
    app.run_jobs().await;

    let invite = received(&api, &invitee)
        .await
        .iter()
        .find_map(|m| m["text"].as_str().and_then(|t| token_in(t, "/invitations/accept")));
    let reset =
        received(&api, &me).await.iter().find_map(|m| m["text"].as_str().and_then(|t| token_in(t, "/reset-password")));
    app.sign_up("Invitee", &invitee).await;
    app.services.confirm_address_on_host(&invitee).await.expect("confirm");
    let (mut inv, _) = app.sign_in(&invitee).await;
    let r = inv.post("/api/v1/invitations/accept", json!({"token": invite.expect("invitation arrived")})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = app
        .client()
        .post(
            "/api/v1/password-resets/confirm",
            json!({"token": reset.expect("reset arrived"), "new_password": "a new passphrase"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    // The reset signed every session out: sign in again, then move the account to a new address.
    let mut c = app.client();
    let r = c.post("/api/v1/sessions", json!({"email": me, "password": "a new passphrase"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    c.post("/api/v1/me/email", json!({"new_email": new, "current_password": "a new passphrase"})).await;
    app.run_jobs().await;
    let change =
        received(&api, &new).await.iter().find_map(|m| m["text"].as_str().and_then(|t| token_in(t, "/confirm-email")));
    let r = app.client().post("/api/v1/email-changes", json!({"token": change.expect("change arrived")})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["email"], new.as_str());
}

/// A TCP forwarder that starts refusing (nothing listens on `port`) and begins relaying to `target` when told.
async fn relay_later(port: u16, target: std::net::SocketAddr, start: tokio::sync::oneshot::Receiver<()>) {
    let _ = start.await;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind relay");
    loop {
        let Ok((mut inbound, _)) = listener.accept().await else { return };
        tokio::spawn(async move {
            if let Ok(mut outbound) = tokio::net::TcpStream::connect(target).await {
                let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
            }
        });
    }
}

#[actix_web::test]
async fn an_smtp_outage_delays_mail_and_then_delivers_it() {
    let Some((host, port, api)) = maildev() else {
        eprintln!("skipped: SMTP_URL / MAILDEV_API not set (infra/devservices.sh start maildev)");
        return;
    };
    // A port nobody listens on yet: the SMTP server is "down".
    let down = std::net::TcpListener::bind("127.0.0.1:0").expect("port").local_addr().expect("addr").port();
    let app = smtp_app("127.0.0.1", down).await;
    let to = format!("outage-{}@example.org", std::process::id());
    app.sign_up("Outage", &to).await;

    let target: std::net::SocketAddr = format!("{host}:{port}").parse().expect("maildev address");
    let (start, started) = tokio::sync::oneshot::channel();
    let relay = tokio::spawn(relay_later(down, target, started));
    // Let the first attempts fail, then bring the "server" back; `run_jobs` waits out the retries.
    let watcher = {
        let services = app.services.clone();
        tokio::spawn(async move {
            loop {
                let log = services.mail_log(None, 10).await.expect("log");
                if log.iter().any(|m| m.attempts >= 1 && m.last_error.is_some()) {
                    let _ = start.send(());
                    return log;
                }
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        })
    };
    app.run_jobs().await;
    let during = watcher.await.expect("watcher");
    assert!(during.iter().any(|m| m.status == meridian_domain::mail::MailStatus::Queued), "{during:?}");
    relay.abort();
    let log = app.services.mail_log(None, 10).await.expect("log");
    assert!(log.iter().all(|m| m.status == meridian_domain::mail::MailStatus::Sent), "{log:?}");
    assert!(log[0].attempts >= 2, "delivered after a failed attempt: {log:?}");
    assert_eq!(received(&api, &to).await.len(), 1, "delivered once");
}

#[actix_web::test]
async fn links_that_could_take_an_account_over_end_with_a_password_change() {
    let app = TestApp::new().await;
    let (mut vic, _) = app.user("Vic").await;
    // Someone with the password (or a session) asks to move the account to their address, and for a reset link.
    let r = vic.post("/api/v1/me/email", json!({"new_email": "thief@example.org", "current_password": PASSWORD})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    app.client().post("/api/v1/password-resets", json!({"email": "vic@example.org"})).await;
    let change = app.mailed_token("thief@example.org", "/confirm-email").await;
    let reset = app.mailed_token("vic@example.org", "/reset-password").await;
    // The person changes the password: both links die.
    let r = vic
        .put("/api/v1/me/password", json!({"current_password": PASSWORD, "new_password": "a fresh passphrase"}))
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    app.client().post("/api/v1/email-changes", json!({"token": change})).await.assert_problem(404, "not_found");
    let r = app
        .client()
        .post("/api/v1/password-resets/confirm", json!({"token": reset, "new_password": "the thief's one"}))
        .await;
    r.assert_problem(404, "not_found");
    assert_eq!(vic.get("/api/v1/me").await.body["account"]["email"], "vic@example.org");
}

#[actix_web::test]
async fn an_invitation_needs_its_inviter_authority_and_its_current_link() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Own").await;
    let (mut admin, admin_id) = app.user("Adm").await;
    workspace(&mut owner, "auth-obs", "private").await;
    add_member(&app, &mut owner, "auth-obs", "adm@example.org", "admin").await;
    // An admin's invitation dies when the admin is no longer one.
    let r = admin
        .post("/api/v1/workspaces/auth-obs/invitations", json!({"email": "m1@example.org", "role": "member"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = app.mailed_token("m1@example.org", "/invitations/accept").await;
    let r = owner.patch(&format!("/api/v1/workspaces/auth-obs/members/{admin_id}"), json!({"role": "viewer"})).await;
    assert_eq!(r.status, StatusCode::OK);
    let (mut m1, _) = app.user("M1").await;
    m1.post("/api/v1/invitations/accept", json!({"token": token})).await.assert_problem(404, "not_found");
    // An admin cannot rewrite the owner's admin invitation by inviting the same address again.
    owner.patch(&format!("/api/v1/workspaces/auth-obs/members/{admin_id}"), json!({"role": "admin"})).await;
    owner.post("/api/v1/workspaces/auth-obs/invitations", json!({"email": "boss2@example.org", "role": "admin"})).await;
    let r = admin
        .post("/api/v1/workspaces/auth-obs/invitations", json!({"email": "boss2@example.org", "role": "viewer"}))
        .await;
    r.assert_problem(403, "forbidden");
    // Addresses a mail library would read otherwise are refused, as are placeholder ones.
    for bad in ["1<m1@example.org>", "deleted-x@accounts.invalid"] {
        let r = owner.post("/api/v1/workspaces/auth-obs/invitations", json!({"email": bad, "role": "viewer"})).await;
        r.assert_problem(422, "validation_failed");
    }
}
