use crate::helpers::{TestApp, add_member, workspace};
use actix_web::http::StatusCode;
use serde_json::json;

#[actix_web::test]
async fn add_change_and_remove_members() {
    let app = TestApp::new().await;
    let (mut owner, owner_id) = app.user("Vic").await;
    let (_, wes_id) = app.user("Wes").await;
    workspace(&mut owner, "obs-one", "private").await;

    add_member(&app, &mut owner, "obs-one", "WES@example.org", "observer").await;
    let list = owner.get("/api/v1/workspaces/obs-one/members").await;
    let wes =
        list.body["items"].as_array().expect("items").iter().find(|m| m["account_id"] == wes_id.as_str()).cloned();
    assert_eq!(wes.expect("wes is a member")["role"], "observer");

    let r =
        owner.post("/api/v1/workspaces/obs-one/invitations", json!({"email": "wes@example.org", "role": "god"})).await;
    assert_eq!(r.body["errors"][0]["field"], "role");
    let r = owner
        .post("/api/v1/workspaces/obs-one/invitations", json!({"email": "not-an-address", "role": "viewer"}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "email");
    // The add-by-address route is gone: it told admins whether an address had an account.
    let r =
        owner.post("/api/v1/workspaces/obs-one/members", json!({"email": "wes@example.org", "role": "viewer"})).await;
    assert!(matches!(r.status.as_u16(), 404 | 405), "{}", r.status);

    let r = owner.patch(&format!("/api/v1/workspaces/obs-one/members/{wes_id}"), json!({"role": "admin"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["role"], "admin");

    let list = owner.get("/api/v1/workspaces/obs-one/members").await;
    let roles: Vec<_> = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|m| (m["account_id"].clone(), m["role"].clone()))
        .collect();
    assert_eq!(roles, [(json!(owner_id), json!("owner")), (json!(wes_id), json!("admin"))]);

    let r = owner.delete(&format!("/api/v1/workspaces/obs-one/members/{wes_id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    let r = owner.delete(&format!("/api/v1/workspaces/obs-one/members/{wes_id}")).await;
    r.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_workspace_always_keeps_an_owner() {
    let app = TestApp::new().await;
    let (mut owner, owner_id) = app.user("Xia").await;
    let (mut second, second_id) = app.user("Yan").await;
    workspace(&mut owner, "obs-two", "private").await;

    owner.delete(&format!("/api/v1/workspaces/obs-two/members/{owner_id}")).await.assert_problem(409, "last_owner");
    owner
        .patch(&format!("/api/v1/workspaces/obs-two/members/{owner_id}"), json!({"role": "admin"}))
        .await
        .assert_problem(409, "last_owner");
    // Still the owner after the refused change (the transaction rolled back).
    let me = owner.get("/api/v1/workspaces/obs-two").await;
    assert_eq!(me.body["role"], "owner");

    add_member(&app, &mut owner, "obs-two", "yan@example.org", "owner").await;
    let r = owner.delete(&format!("/api/v1/workspaces/obs-two/members/{owner_id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "an owner may leave when another remains");
    owner.get("/api/v1/workspaces/obs-two").await.assert_problem(404, "not_found");
    second.delete(&format!("/api/v1/workspaces/obs-two/members/{second_id}")).await.assert_problem(409, "last_owner");
}

#[actix_web::test]
async fn admins_manage_only_roles_below_their_own() {
    let app = TestApp::new().await;
    let (mut owner, owner_id) = app.user("Zed").await;
    let (mut admin, _) = app.user("Abe").await;
    let (_, bob_id) = app.user("Bob").await;
    let (_, cal_id) = app.user("Cal").await;
    workspace(&mut owner, "obs-three", "private").await;
    add_member(&app, &mut owner, "obs-three", "abe@example.org", "admin").await;
    add_member(&app, &mut owner, "obs-three", "cal@example.org", "admin").await;

    let r = admin
        .post("/api/v1/workspaces/obs-three/invitations", json!({"email": "bob@example.org", "role": "admin"}))
        .await;
    r.assert_problem(403, "forbidden");
    add_member(&app, &mut admin, "obs-three", "bob@example.org", "member").await;
    let r = admin.patch(&format!("/api/v1/workspaces/obs-three/members/{bob_id}"), json!({"role": "viewer"})).await;
    assert_eq!(r.status, StatusCode::OK);
    admin
        .patch(&format!("/api/v1/workspaces/obs-three/members/{bob_id}"), json!({"role": "owner"}))
        .await
        .assert_problem(403, "forbidden");
    admin.delete(&format!("/api/v1/workspaces/obs-three/members/{owner_id}")).await.assert_problem(403, "forbidden");
    admin.delete(&format!("/api/v1/workspaces/obs-three/members/{cal_id}")).await.assert_problem(403, "forbidden");
    assert_eq!(
        admin.delete(&format!("/api/v1/workspaces/obs-three/members/{bob_id}")).await.status,
        StatusCode::NO_CONTENT
    );
}

#[actix_web::test]
async fn any_member_may_leave() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Dan").await;
    let (mut viewer, viewer_id) = app.user("Eli").await;
    workspace(&mut owner, "obs-four", "private").await;
    add_member(&app, &mut owner, "obs-four", "eli@example.org", "viewer").await;
    assert_eq!(
        viewer.delete(&format!("/api/v1/workspaces/obs-four/members/{viewer_id}")).await.status,
        StatusCode::NO_CONTENT
    );
    viewer.get("/api/v1/workspaces/obs-four").await.assert_problem(404, "not_found");
}

/// Two owners demoting each other at once: one wins, the other is refused, and the workspace keeps exactly one
/// owner. (In process the two requests may still run one after the other; the row lock that makes the truly
/// simultaneous case safe is `workspaces::lock`.)
#[actix_web::test]
async fn concurrent_demotions_keep_an_owner() {
    let app = TestApp::new().await;
    let (mut x, x_id) = app.user("Xeno").await;
    let (mut y, y_id) = app.user("Yuri").await;
    workspace(&mut x, "duel-obs", "private").await;
    add_member(&app, &mut x, "duel-obs", "yuri@example.org", "owner").await;
    let (path_y, path_x) =
        (format!("/api/v1/workspaces/duel-obs/members/{y_id}"), format!("/api/v1/workspaces/duel-obs/members/{x_id}"));
    let (rx, ry) =
        futures::join!(x.patch(&path_y, json!({"role": "admin"})), y.patch(&path_x, json!({"role": "admin"})));
    let mut statuses = [rx.status.as_u16(), ry.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses[0], 200, "{} / {}", rx.body, ry.body);
    assert!(matches!(statuses[1], 403 | 409), "{} / {}", rx.body, ry.body);
    let members = if rx.status == StatusCode::OK { x } else { y }.get("/api/v1/workspaces/duel-obs/members").await;
    let owners = members.body["items"].as_array().expect("items").iter().filter(|m| m["role"] == "owner").count();
    assert_eq!(owners, 1);
}

#[actix_web::test]
async fn a_personal_workspace_keeps_its_person_as_sole_owner() {
    let app = TestApp::new().await;
    let (mut pat, _) = app.user("Pat").await;
    let (_, quin_id) = app.user("Quin").await;
    pat.post("/api/v1/workspaces/pat/invitations", json!({"email": "quin@example.org", "role": "owner"}))
        .await
        .assert_problem(403, "forbidden");
    add_member(&app, &mut pat, "pat", "quin@example.org", "admin").await;
    pat.patch(&format!("/api/v1/workspaces/pat/members/{quin_id}"), json!({"role": "owner"}))
        .await
        .assert_problem(403, "forbidden");
}
