use crate::helpers::{TestApp, api_key, workspace};
use actix_web::http::StatusCode;
use serde_json::json;

#[actix_web::test]
async fn keys_are_shown_once_and_stored_hashed() {
    let app = TestApp::new().await;
    let (mut owner, owner_id) = app.user("Fox").await;
    workspace(&mut owner, "key-obs", "private").await;
    let r = owner.post("/api/v1/workspaces/key-obs/api-keys", json!({"name": "dome pc", "scope": "write"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let secret = r.body["secret"].as_str().expect("secret").to_owned();
    assert!(secret.starts_with(r.body["prefix"].as_str().expect("prefix")));
    assert_eq!(r.body["created_by"], owner_id.as_str());

    let list = owner.get("/api/v1/workspaces/key-obs/api-keys").await;
    assert_eq!(list.status, StatusCode::OK);
    let text = list.body.to_string();
    assert!(!text.contains(&secret), "the list never shows the secret");
    assert_eq!(list.body["items"][0]["name"], "dome pc");
    assert_eq!(list.body["items"][0]["last_used_at"], serde_json::Value::Null);

    let stored: String = {
        let backend = app.conn.get_database_backend();
        use sea_orm::ConnectionTrait as _;
        let row = app
            .conn
            .query_one_raw(sea_orm::Statement::from_string(backend, "SELECT secret_hash FROM api_keys".to_owned()))
            .await
            .expect("query")
            .expect("row");
        row.try_get("", "secret_hash").expect("hash")
    };
    assert_ne!(stored, secret);
    assert_eq!(stored.len(), 64, "a SHA-256 hex digest");

    let mut program = app.key_client(&secret);
    let me = program.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK, "{}", me.body);
    assert_eq!(me.body["kind"], "api_key");
    assert_eq!(me.body["api_key"]["scope"], "write");
    let list = owner.get("/api/v1/workspaces/key-obs/api-keys").await;
    assert!(list.body["items"][0]["last_used_at"].is_string(), "last use recorded");
}

#[actix_web::test]
async fn revoked_keys_stop_at_once_and_bad_keys_are_401() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Gil").await;
    workspace(&mut owner, "rev-obs", "private").await;
    let (id, secret) = api_key(&mut owner, "rev-obs", "read").await;
    let mut program = app.key_client(&secret);
    assert_eq!(program.get("/api/v1/workspaces/rev-obs").await.status, StatusCode::OK);
    assert_eq!(owner.delete(&format!("/api/v1/workspaces/rev-obs/api-keys/{id}")).await.status, StatusCode::NO_CONTENT);
    program.get("/api/v1/workspaces/rev-obs").await.assert_problem(401, "invalid_credentials");
    // Idempotent revoke; unknown ids are 404.
    assert_eq!(owner.delete(&format!("/api/v1/workspaces/rev-obs/api-keys/{id}")).await.status, StatusCode::NO_CONTENT);
    owner
        .delete("/api/v1/workspaces/rev-obs/api-keys/0190a8f4-0000-7000-8000-000000000000")
        .await
        .assert_problem(404, "not_found");
    let list = owner.get("/api/v1/workspaces/rev-obs/api-keys").await;
    assert!(list.body["items"][0]["revoked_at"].is_string());

    let mut tampered = app.key_client(&format!("{}0", &secret[..secret.len() - 1]));
    tampered.get("/api/v1/me").await.assert_problem(401, "invalid_credentials");
    app.key_client("not-a-key").get("/api/v1/me").await.assert_problem(401, "invalid_credentials");
}

#[actix_web::test]
async fn scopes_limit_what_a_key_does() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Hub").await;
    workspace(&mut owner, "scope-obs", "private").await;
    let (_, read) = api_key(&mut owner, "scope-obs", "read").await;
    let (_, upload) = api_key(&mut owner, "scope-obs", "upload").await;
    let mut read = app.key_client(&read);
    let mut upload = app.key_client(&upload);
    assert_eq!(read.get("/api/v1/workspaces/scope-obs/members").await.status, StatusCode::OK);
    read.patch("/api/v1/workspaces/scope-obs", json!({"name": "x"})).await.assert_problem(403, "forbidden");
    upload.get("/api/v1/workspaces/scope-obs").await.assert_problem(403, "forbidden");
    upload.get("/api/v1/workspaces/scope-obs/members").await.assert_problem(403, "forbidden");
    // Keys cannot make keys or workspaces.
    read.post("/api/v1/workspaces/scope-obs/api-keys", json!({"name": "n", "scope": "write"}))
        .await
        .assert_problem(403, "forbidden");
    read.post("/api/v1/workspaces", json!({"slug": "by-key", "name": "n"})).await.assert_problem(403, "forbidden");
    let r = owner.post("/api/v1/workspaces/scope-obs/api-keys", json!({"name": "n", "scope": "admin"})).await;
    assert_eq!(r.body["errors"][0]["field"], "scope");
}

/// A key never outlives its maker's access: removing the admin who made it, or demoting them below admin,
/// revokes it at once; keys made by others stay.
#[actix_web::test]
async fn keys_die_with_their_makers_access() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ivy").await;
    let (mut admin, admin_id) = app.user("Jay").await;
    let (mut second, second_id) = app.user("Kai").await;
    workspace(&mut owner, "maker-obs", "private").await;
    crate::helpers::add_member(&app, &mut owner, "maker-obs", "jay@example.org", "admin").await;
    crate::helpers::add_member(&app, &mut owner, "maker-obs", "kai@example.org", "admin").await;
    let (_, by_admin) = api_key(&mut admin, "maker-obs", "read").await;
    let (_, by_second) = api_key(&mut second, "maker-obs", "read").await;
    let (_, by_owner) = api_key(&mut owner, "maker-obs", "read").await;

    assert_eq!(
        owner.delete(&format!("/api/v1/workspaces/maker-obs/members/{admin_id}")).await.status,
        StatusCode::NO_CONTENT
    );
    app.key_client(&by_admin).get("/api/v1/workspaces/maker-obs").await.assert_problem(401, "invalid_credentials");

    let r = owner.patch(&format!("/api/v1/workspaces/maker-obs/members/{second_id}"), json!({"role": "member"})).await;
    assert_eq!(r.status, StatusCode::OK);
    app.key_client(&by_second).get("/api/v1/workspaces/maker-obs").await.assert_problem(401, "invalid_credentials");

    assert_eq!(app.key_client(&by_owner).get("/api/v1/workspaces/maker-obs").await.status, StatusCode::OK);
}
