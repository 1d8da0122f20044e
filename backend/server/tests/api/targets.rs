//! The target catalogue and target lists: coordinates in both notations, search, list membership, what a delete
//! takes with it, workspace scoping, and the authorization matrix of their routes.

use crate::authz_matrix::{Call, Obj, Route};
use crate::equipment::{insert_night_log, insert_observation};
use crate::helpers::{Client, TestApp, item_names, site, target, target_list, telescope, workspace};
use actix_web::http::{Method, StatusCode};
use futures::future::LocalBoxFuture;
use meridian_domain::Action;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

// ---- Authorization matrix --------------------------------------------------------------------------------------

fn target_call<'a>(owner: &'a mut Client, slug: &'a str, n: u32, body: Option<Value>) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let id = target(owner, slug, &format!("Target {n}")).await;
        Call { path: format!("/api/v1/workspaces/{slug}/targets/{id}"), body }
    })
}

fn list_call<'a>(owner: &'a mut Client, slug: &'a str, n: u32, body: Option<Value>) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let id = target_list(owner, slug, &format!("List {n}")).await;
        Call { path: format!("/api/v1/workspaces/{slug}/target-lists/{id}"), body }
    })
}

fn list_targets_call<'a>(owner: &'a mut Client, slug: &'a str, n: u32) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let id = target_list(owner, slug, &format!("List {n}")).await;
        Call { path: format!("/api/v1/workspaces/{slug}/target-lists/{id}/targets"), body: None }
    })
}

fn add_to_list_call<'a>(owner: &'a mut Client, slug: &'a str, n: u32) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let list = target_list(owner, slug, &format!("List {n}")).await;
        let t = target(owner, slug, &format!("Target {n}")).await;
        Call {
            path: format!("/api/v1/workspaces/{slug}/target-lists/{list}/targets"),
            body: Some(json!({"target_id": t})),
        }
    })
}

fn remove_from_list_call<'a>(owner: &'a mut Client, slug: &'a str, n: u32) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let list = target_list(owner, slug, &format!("List {n}")).await;
        let t = target(owner, slug, &format!("Target {n}")).await;
        let path = format!("/api/v1/workspaces/{slug}/target-lists/{list}/targets");
        assert_eq!(owner.post(&path, json!({"target_id": t})).await.status, StatusCode::CREATED);
        Call { path: format!("{path}/{t}"), body: None }
    })
}

const TARGETS: &str = "/api/v1/workspaces/{slug}/targets";
const TARGET: &str = "/api/v1/workspaces/{slug}/targets/{id}";
const LISTS: &str = "/api/v1/workspaces/{slug}/target-lists";
const LIST: &str = "/api/v1/workspaces/{slug}/target-lists/{id}";

pub const MATRIX: &[Route] = &[
    Route::get(TARGETS).needs(Action::ViewWorkspace).ok(200),
    Route::post(TARGETS)
        .body(|n| Some(json!({"name": format!("New target {n}"), "ra": "05:35:17.3", "dec": "-05 23 28"})))
        .needs(Action::CreateData)
        .ok(201),
    Route::get(TARGET)
        .needs(Action::ViewWorkspace)
        .on(Obj::Private)
        .setup(|o, s, n| target_call(o, s, n, None))
        .ok(200),
    Route::patch(TARGET)
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| target_call(o, s, n, Some(json!({"tags": ["nebula"]}))))
        .ok(200),
    Route::delete(TARGET)
        .needs(Action::DeleteData)
        .on(Obj::Private)
        .setup(|o, s, n| target_call(o, s, n, None))
        .ok(204),
    Route::get(LISTS).needs(Action::ViewWorkspace).ok(200),
    Route::post(LISTS).body(|n| Some(json!({"name": format!("New list {n}")}))).needs(Action::CreateData).ok(201),
    Route::get(LIST).needs(Action::ViewWorkspace).on(Obj::Private).setup(|o, s, n| list_call(o, s, n, None)).ok(200),
    Route::patch(LIST)
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| list_call(o, s, n, Some(json!({"description": "tonight"}))))
        .ok(200),
    Route::delete(LIST).needs(Action::DeleteData).on(Obj::Private).setup(|o, s, n| list_call(o, s, n, None)).ok(204),
    Route::get("/api/v1/workspaces/{slug}/target-lists/{id}/targets")
        .needs(Action::ViewWorkspace)
        .on(Obj::Private)
        .setup(list_targets_call)
        .ok(200),
    Route::post("/api/v1/workspaces/{slug}/target-lists/{id}/targets")
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(add_to_list_call)
        .ok(201),
    Route::delete("/api/v1/workspaces/{slug}/target-lists/{id}/targets/{target_id}")
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(remove_from_list_call)
        .ok(204),
];

// ---- Behaviour -------------------------------------------------------------------------------------------------

#[actix_web::test]
async fn sexagesimal_coordinates_are_stored_as_degrees() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Tess").await;
    workspace(&mut owner, "cat-obs", "private").await;
    let base = "/api/v1/workspaces/cat-obs/targets";

    let r = owner
        .post(
            base,
            json!({"name": "M42", "ra": "05:35:17.3", "dec": "-05 23 28", "notes": "Orion",
                   "tags": ["Nebula", "messier", "nebula"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_str().expect("id").to_owned();
    assert!((r.body["ra"].as_f64().expect("ra") - 83.822_083).abs() < 1e-5, "{}", r.body);
    assert!((r.body["dec"].as_f64().expect("dec") + 5.391_111).abs() < 1e-5, "{}", r.body);
    assert_eq!(r.body["ra_hms"], "05:35:17.30");
    assert_eq!(r.body["dec_dms"], "-05:23:28.0");
    assert_eq!(r.body["tags"], json!(["messier", "nebula"]), "normalised, sorted, once each");
    assert_eq!(owner.get(&format!("{base}/{id}")).await.body, r.body);

    let r = owner.patch(&format!("{base}/{id}"), json!({"ra": 0, "dec": 90})).await;
    assert_eq!((r.body["ra"].as_f64(), r.body["dec"].as_f64()), (Some(0.0), Some(90.0)), "{}", r.body);
    assert_eq!(r.body["notes"], "Orion", "absent fields stay");
    // Just below 24h prints as 00:00:00.00 rather than 24:00:00.00.
    let r = owner.patch(&format!("{base}/{id}"), json!({"ra": "23:59:59.999"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["ra"].as_f64().is_some_and(|ra| ra < 360.0 && ra > 359.99));
    assert_eq!(r.body["ra_hms"], "00:00:00.00");
    let r = owner.patch(&format!("{base}/{id}"), json!({"ra": "12h30m", "dec": "-0:30:00"})).await;
    assert_eq!((r.body["ra"].as_f64(), r.body["dec"].as_f64()), (Some(187.5), Some(-0.5)), "{}", r.body);

    owner.post(base, json!({"name": "M42", "ra": 1, "dec": 1})).await.assert_problem(409, "conflict");
}

#[actix_web::test]
async fn bad_target_fields_are_named() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Rae").await;
    workspace(&mut owner, "badcat-obs", "private").await;
    let base = "/api/v1/workspaces/badcat-obs/targets";
    let cases = [
        (json!({"name": "A", "ra": 400, "dec": 0}), "ra"),
        (json!({"name": "A", "ra": 360, "dec": 0}), "ra"),
        (json!({"name": "A", "ra": -0.1, "dec": 0}), "ra"),
        (json!({"name": "A", "ra": "24:00:00", "dec": 0}), "ra"),
        (json!({"name": "A", "ra": "05:61:00", "dec": 0}), "ra"),
        (json!({"name": "A", "ra": "north", "dec": 0}), "ra"),
        (json!({"name": "A", "ra": 10, "dec": -91}), "dec"),
        (json!({"name": "A", "ra": 10, "dec": "+90:00:01"}), "dec"),
        (json!({"name": "A", "ra": 10, "dec": 0, "tags": ["dark sky"]}), "tags"),
        (json!({"name": "", "ra": 10, "dec": 0}), "name"),
    ];
    for (body, field) in cases {
        let r = owner.post(base, body.clone()).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field, "{body}: {}", r.body);
    }
    let id = target(&mut owner, "badcat-obs", "Good").await;
    let r = owner.patch(&format!("{base}/{id}"), json!({"dec": 95})).await;
    assert_eq!(r.body["errors"][0]["field"], "dec");
    let r = owner.get(&format!("{base}?tag=dark%20sky")).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "tag");
    assert_eq!(item_names(&owner.get(base).await.body), ["Good"], "nothing bad was stored");
}

#[actix_web::test]
async fn targets_are_searched_by_name_and_tag() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Sam").await;
    workspace(&mut owner, "search-obs", "private").await;
    let base = "/api/v1/workspaces/search-obs/targets";
    for (name, tags) in [
        ("Orion Nebula", json!(["nebula", "messier"])),
        ("Crab Nebula", json!(["nebula", "snr"])),
        ("Vega", json!(["star"])),
        ("100%_bright", json!(["star_bright"])),
    ] {
        let r = owner.post(base, json!({"name": name, "ra": 10, "dec": 10, "tags": tags})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    assert_eq!(item_names(&owner.get(&format!("{base}?q=NEBULA")).await.body), ["Orion Nebula", "Crab Nebula"]);
    assert_eq!(item_names(&owner.get(&format!("{base}?q=%25_")).await.body), ["100%_bright"], "% and _ are literal");
    assert_eq!(item_names(&owner.get(&format!("{base}?tag=nebula")).await.body), ["Orion Nebula", "Crab Nebula"]);
    assert_eq!(item_names(&owner.get(&format!("{base}?tag=star")).await.body), ["Vega"], "whole tags only");
    assert_eq!(item_names(&owner.get(&format!("{base}?q=orion&tag=snr")).await.body), Vec::<String>::new());
    let page = owner.get(&format!("{base}?tag=nebula&limit=1")).await;
    assert_eq!(item_names(&page.body), ["Orion Nebula"]);
    let cursor = page.body["next_cursor"].as_str().expect("cursor");
    assert_eq!(
        item_names(&owner.get(&format!("{base}?tag=nebula&limit=1&cursor={cursor}")).await.body),
        ["Crab Nebula"]
    );
}

#[actix_web::test]
async fn target_lists_hold_targets() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Lia").await;
    let (mut other, _) = app.user("Oz").await;
    workspace(&mut owner, "list-obs", "private").await;
    workspace(&mut other, "elsewhere-obs", "private").await;
    let foreign = target(&mut other, "elsewhere-obs", "Foreign").await;
    let m42 = target(&mut owner, "list-obs", "M42").await;
    let m1 = target(&mut owner, "list-obs", "M1").await;
    let list = target_list(&mut owner, "list-obs", "Tonight").await;
    let items = format!("/api/v1/workspaces/list-obs/target-lists/{list}/targets");

    owner
        .post("/api/v1/workspaces/list-obs/target-lists", json!({"name": "Tonight"}))
        .await
        .assert_problem(409, "conflict");
    for t in [&m42, &m1] {
        let r = owner.post(&items, json!({"target_id": t})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        assert_eq!(r.body["id"], t.as_str());
    }
    owner.post(&items, json!({"target_id": m42})).await.assert_problem(409, "conflict");
    for t in [foreign.clone(), uuid::Uuid::now_v7().to_string()] {
        let r = owner.post(&items, json!({"target_id": t})).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "target_id");
    }
    assert_eq!(item_names(&owner.get(&items).await.body), ["M42", "M1"]);

    assert_eq!(owner.delete(&format!("{items}/{m42}")).await.status, StatusCode::NO_CONTENT);
    owner.delete(&format!("{items}/{m42}")).await.assert_problem(404, "not_found");
    assert_eq!(item_names(&owner.get(&items).await.body), ["M1"]);
    assert_eq!(owner.get(&format!("/api/v1/workspaces/list-obs/targets/{m42}")).await.status, StatusCode::OK);

    // Deleting a target takes it off its lists.
    assert_eq!(owner.delete(&format!("/api/v1/workspaces/list-obs/targets/{m1}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(item_names(&owner.get(&items).await.body), Vec::<String>::new());

    let r = owner.patch(&format!("/api/v1/workspaces/list-obs/target-lists/{list}"), json!({"name": "Tomorrow"})).await;
    assert_eq!(r.body["name"], "Tomorrow");
    assert_eq!(
        owner.delete(&format!("/api/v1/workspaces/list-obs/target-lists/{list}")).await.status,
        StatusCode::NO_CONTENT
    );
    owner.get(&items).await.assert_problem(404, "not_found");
    assert_eq!(
        owner.get(&format!("/api/v1/workspaces/list-obs/targets/{m42}")).await.status,
        StatusCode::OK,
        "targets stay"
    );
}

#[actix_web::test]
async fn deleting_a_target_keeps_its_observations() {
    let app = TestApp::new().await;
    let (mut owner, owner_id) = app.user("Obi").await;
    let ws = workspace(&mut owner, "obs-keep", "private").await;
    let ws_id = ws["id"].as_str().expect("id");
    let s = site(&mut owner, "obs-keep", "Site").await;
    let t = telescope(&mut owner, "obs-keep", &s, "Scope").await;
    let m42 = target(&mut owner, "obs-keep", "M42").await;
    let log = insert_night_log(&app, ws_id, &t, &owner_id).await;
    let obs = insert_observation(&app, ws_id, log, None, Some(&m42), &owner_id).await;

    assert_eq!(
        owner.delete(&format!("/api/v1/workspaces/obs-keep/targets/{m42}")).await.status,
        StatusCode::NO_CONTENT
    );
    let backend = app.conn.get_database_backend();
    let q = match backend {
        sea_orm::DbBackend::Postgres => "SELECT target_id, target_name FROM observations WHERE id = $1",
        _ => "SELECT target_id, target_name FROM observations WHERE id = ?",
    };
    let row = app
        .conn
        .query_one_raw(Statement::from_sql_and_values(backend, q, [obs.into()]))
        .await
        .expect("query")
        .expect("the observation is still there");
    let target_id: Option<uuid::Uuid> = row.try_get("", "target_id").expect("target_id");
    assert_eq!(target_id, None);
    assert_eq!(row.try_get::<String>("", "target_name").expect("name"), "M42");
}

/// Targets and lists of another workspace, through my own slug, are 404 and change nothing; a public workspace's
/// catalogue is still private.
#[actix_web::test]
async fn targets_of_another_workspace_are_not_found() {
    let app = TestApp::new().await;
    let (mut alice, _) = app.user("Ann").await;
    let (mut bob, _) = app.user("Ben").await;
    workspace(&mut alice, "alice-cat", "private").await;
    workspace(&mut bob, "bob-cat", "public").await;
    let t = target(&mut bob, "bob-cat", "Bob target").await;
    let list = target_list(&mut bob, "bob-cat", "Bob list").await;
    let items = format!("/api/v1/workspaces/bob-cat/target-lists/{list}/targets");
    assert_eq!(bob.post(&items, json!({"target_id": t})).await.status, StatusCode::CREATED);

    for path in [
        format!("/api/v1/workspaces/alice-cat/targets/{t}"),
        format!("/api/v1/workspaces/alice-cat/target-lists/{list}"),
    ] {
        alice.get(&path).await.assert_problem(404, "not_found");
        alice.patch(&path, json!({"name": "Stolen"})).await.assert_problem(404, "not_found");
        alice.delete(&path).await.assert_problem(404, "not_found");
    }
    let mine = format!("/api/v1/workspaces/alice-cat/target-lists/{list}/targets");
    alice.get(&mine).await.assert_problem(404, "not_found");
    alice.delete(&format!("{mine}/{t}")).await.assert_problem(404, "not_found");

    assert_eq!(bob.get(&format!("/api/v1/workspaces/bob-cat/targets/{t}")).await.body["name"], "Bob target");
    assert_eq!(item_names(&bob.get(&items).await.body), ["Bob target"]);
    let mut anon = app.client();
    anon.get(&format!("/api/v1/workspaces/bob-cat/targets/{t}")).await.assert_problem(404, "not_found");
    anon.get("/api/v1/workspaces/bob-cat/targets").await.assert_problem(401, "unauthenticated");
}

#[actix_web::test]
async fn the_targets_page_shows_both_notations_to_members_only() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Gus").await;
    workspace(&mut owner, "page-cat", "public").await;
    let token = owner.cookies.get(meridian_http::cookies::CSRF_COOKIE).cloned().expect("csrf cookie");
    let body = format!("csrf_token={token}&slug=page-cat&id=&name=M42&ra=05:35:17.3&dec=-05+23+28&notes=&tags=nebula");
    let r = owner
        .request(Method::POST, "/fn/save_target", Some(body.into_bytes()), Some("application/x-www-form-urlencoded"))
        .await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{}", String::from_utf8_lossy(&r.raw));
    let page = owner.get("/w/page-cat/targets").await;
    let html = String::from_utf8_lossy(&page.raw);
    assert!(html.contains("05:35:17.30") && html.contains("-05:23:28.0") && html.contains("83.82208°"), "{html}");
    let anon = app.client().get("/w/page-cat/targets").await;
    assert!(!String::from_utf8_lossy(&anon.raw).contains("05:35:17.30"), "the catalogue is private");
}
