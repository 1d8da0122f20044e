use crate::helpers::{TestApp, add_member, workspace};
use actix_web::http::StatusCode;
use serde_json::json;

#[actix_web::test]
async fn create_get_update_a_workspace() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Olga").await;
    let w = workspace(&mut owner, "la-palma-obs", "private").await;
    assert_eq!(w["role"], "owner");
    assert_eq!(w["kind"], "organization");

    let r = owner.get("/api/v1/workspaces/la-palma-obs").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["name"], "Observatory la-palma-obs");

    let r = owner
        .patch(
            "/api/v1/workspaces/la-palma-obs",
            json!({"name": "La Palma", "description": "Dark skies.", "visibility": "public"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["name"], "La Palma");
    assert_eq!(r.body["description"], "Dark skies.");
    assert_eq!(r.body["visibility"], "public");

    // Absent fields stay as they were.
    let r = owner.patch("/api/v1/workspaces/la-palma-obs", json!({"description": "Darker skies."})).await;
    assert_eq!(r.body["name"], "La Palma");
    assert_eq!(r.body["visibility"], "public");
}

#[actix_web::test]
async fn public_profiles_are_seen_by_all_private_ones_by_members_only() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Pia").await;
    workspace(&mut owner, "open-sky", "public").await;
    workspace(&mut owner, "closed-dome", "private").await;
    let mut anon = app.client();
    let (mut outsider, _) = app.user("Quinn").await;

    let r = anon.get("/api/v1/workspaces/open-sky").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.get("role").is_none());
    anon.get("/api/v1/workspaces/closed-dome").await.assert_problem(404, "not_found");
    outsider.get("/api/v1/workspaces/closed-dome").await.assert_problem(404, "not_found");
    // Not existing and private look the same.
    let missing = outsider.get("/api/v1/workspaces/no-such-place").await;
    missing.assert_problem(404, "not_found");
    assert_eq!(missing.body["detail"], outsider.get("/api/v1/workspaces/closed-dome").await.body["detail"]);
}

#[actix_web::test]
async fn duplicate_and_invalid_slugs() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Rae").await;
    workspace(&mut owner, "taken-slug", "private").await;
    let r = owner.post("/api/v1/workspaces", json!({"slug": "taken-slug", "name": "Again"})).await;
    r.assert_problem(409, "conflict");
    assert_eq!(r.body["errors"][0]["field"], "slug");
    // The personal workspace's slug is taken too.
    owner.post("/api/v1/workspaces", json!({"slug": "rae", "name": "Again"})).await.assert_problem(409, "conflict");
    for bad in ["AB", "Has Space", "-dash", "api", "x".repeat(41).as_str()] {
        let r = owner.post("/api/v1/workspaces", json!({"slug": bad, "name": "N"})).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "slug", "{bad}");
    }
    let r = owner.post("/api/v1/workspaces", json!({"slug": "fine-slug", "name": "N", "visibility": "secret"})).await;
    assert_eq!(r.body["errors"][0]["field"], "visibility");
}

#[actix_web::test]
async fn listing_is_paginated_with_a_keyset_cursor() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Sol").await;
    for i in 0..4 {
        workspace(&mut owner, &format!("site-{i}"), "private").await;
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/workspaces?limit=2&cursor={c}"),
            None => "/api/v1/workspaces?limit=2".to_owned(),
        };
        let r = owner.get(&path).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let items = r.body["items"].as_array().expect("items").clone();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|w| w["slug"].as_str().unwrap_or_default().to_owned()));
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, ["sol", "site-0", "site-1", "site-2", "site-3"], "creation order, no repeats, none missing");
    owner.get("/api/v1/workspaces?limit=0").await.assert_problem(422, "validation_failed");
    owner.get("/api/v1/workspaces?limit=500").await.assert_problem(422, "validation_failed");
    owner.get("/api/v1/workspaces?cursor=%%%").await.assert_problem(422, "validation_failed");
    owner.get("/api/v1/workspaces?cursor=bm90LWEtdXVpZA").await.assert_problem(422, "validation_failed");
    owner.get("/api/v1/workspaces?limit=abc").await.assert_problem(400, "invalid_query");
}

#[actix_web::test]
async fn members_see_private_workspaces_in_their_list() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Tam").await;
    let (mut viewer, _) = app.user("Uma").await;
    workspace(&mut owner, "shared-dome", "private").await;
    add_member(&app, &mut owner, "shared-dome", "uma@example.org", "viewer").await;
    let r = viewer.get("/api/v1/workspaces").await;
    let slugs: Vec<_> = r.body["items"].as_array().expect("items").iter().map(|w| w["slug"].clone()).collect();
    assert_eq!(slugs, [json!("uma"), json!("shared-dome")]);
    let r = viewer.get("/api/v1/workspaces/shared-dome").await;
    assert_eq!(r.body["role"], "viewer");
    viewer.patch("/api/v1/workspaces/shared-dome", json!({"name": "Mine now"})).await.assert_problem(403, "forbidden");
}
