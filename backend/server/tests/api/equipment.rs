//! Sites, telescopes and instruments: round trips, validation, what blocks a delete, workspace scoping, and the
//! authorization matrix of their routes.

use crate::authz_matrix::{Call, Obj, Route};
use crate::helpers::{Client, TestApp, instrument, item_names, site, telescope, workspace};
use actix_web::http::{Method, StatusCode};
use futures::future::LocalBoxFuture;
use meridian_domain::Action;
use sea_orm::prelude::{Date, DateTimeWithTimeZone, Uuid};
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use serde_json::{Value as Json, json};

fn site_body(name: &str) -> Json {
    json!({"name": name, "latitude": 19.8253, "longitude": -155.4689, "elevation_m": 4205, "time_zone": "Pacific/Honolulu"})
}

// ---- Authorization matrix --------------------------------------------------------------------------------------

fn site_call<'a>(owner: &'a mut Client, slug: &'a str, n: u32, body: Option<Json>) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let id = site(owner, slug, &format!("Site {n}")).await;
        Call { path: format!("/api/v1/workspaces/{slug}/sites/{id}"), body }
    })
}

fn telescope_call<'a>(owner: &'a mut Client, slug: &'a str, n: u32, body: Option<Json>) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let s = site(owner, slug, &format!("Site {n}")).await;
        let id = telescope(owner, slug, &s, &format!("Telescope {n}")).await;
        Call { path: format!("/api/v1/workspaces/{slug}/telescopes/{id}"), body }
    })
}

fn instrument_call<'a>(owner: &'a mut Client, slug: &'a str, n: u32, body: Option<Json>) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let s = site(owner, slug, &format!("Site {n}")).await;
        let t = telescope(owner, slug, &s, &format!("Telescope {n}")).await;
        let id = instrument(owner, slug, &t, &format!("Camera {n}")).await;
        Call { path: format!("/api/v1/workspaces/{slug}/instruments/{id}"), body }
    })
}

const SITES: &str = "/api/v1/workspaces/{slug}/sites";
const SITE: &str = "/api/v1/workspaces/{slug}/sites/{id}";
const TELESCOPES: &str = "/api/v1/workspaces/{slug}/telescopes";
const TELESCOPE: &str = "/api/v1/workspaces/{slug}/telescopes/{id}";
const INSTRUMENTS: &str = "/api/v1/workspaces/{slug}/instruments";
const INSTRUMENT: &str = "/api/v1/workspaces/{slug}/instruments/{id}";

pub const MATRIX: &[Route] = &[
    Route::get(SITES).reads(Obj::Workspace).ok(200),
    Route::post(SITES).body(|n| Some(site_body(&format!("New site {n}")))).needs(Action::CreateData).ok(201),
    Route::get(SITE).reads(Obj::Workspace).setup(|o, s, n| site_call(o, s, n, None)).ok(200),
    Route::patch(SITE)
        .needs(Action::EditData)
        .setup(|o, s, n| site_call(o, s, n, Some(json!({"description": "dry"}))))
        .ok(200),
    Route::delete(SITE).needs(Action::DeleteData).setup(|o, s, n| site_call(o, s, n, None)).ok(204),
    Route::get(TELESCOPES).reads(Obj::Workspace).ok(200),
    Route::post(TELESCOPES)
        .needs(Action::CreateData)
        .setup(|o, slug, n| {
            Box::pin(async move {
                let s = site(o, slug, &format!("Site {n}")).await;
                Call {
                    path: format!("/api/v1/workspaces/{slug}/telescopes"),
                    body: Some(json!({"name": format!("Scope {n}"), "site_id": s})),
                }
            })
        })
        .ok(201),
    Route::get(TELESCOPE).reads(Obj::Workspace).setup(|o, s, n| telescope_call(o, s, n, None)).ok(200),
    Route::patch(TELESCOPE)
        .needs(Action::EditData)
        .setup(|o, s, n| telescope_call(o, s, n, Some(json!({"focal_length_mm": 11000}))))
        .ok(200),
    Route::delete(TELESCOPE).needs(Action::DeleteData).setup(|o, s, n| telescope_call(o, s, n, None)).ok(204),
    Route::get(INSTRUMENTS).reads(Obj::Workspace).ok(200),
    Route::post(INSTRUMENTS)
        .needs(Action::CreateData)
        .setup(|o, slug, n| {
            Box::pin(async move {
                let s = site(o, slug, &format!("Site {n}")).await;
                let t = telescope(o, slug, &s, &format!("Telescope {n}")).await;
                Call {
                    path: format!("/api/v1/workspaces/{slug}/instruments"),
                    body: Some(json!({"name": format!("Spectrograph {n}"), "telescope_id": t})),
                }
            })
        })
        .ok(201),
    Route::get(INSTRUMENT).reads(Obj::Workspace).setup(|o, s, n| instrument_call(o, s, n, None)).ok(200),
    Route::patch(INSTRUMENT)
        .needs(Action::EditData)
        .setup(|o, s, n| instrument_call(o, s, n, Some(json!({"filters": ["u", "g"]}))))
        .ok(200),
    Route::delete(INSTRUMENT).needs(Action::DeleteData).setup(|o, s, n| instrument_call(o, s, n, None)).ok(204),
];

// ---- Rows the night-log routes would make, written straight to the database -----------------------------------

fn sql(app: &TestApp, text: &str, values: Vec<Value>) -> Statement {
    let backend = app.conn.get_database_backend();
    let text = match backend {
        DbBackend::Postgres => {
            let mut out = String::new();
            let mut n = 0;
            for c in text.chars() {
                if c == '?' {
                    n += 1;
                    out.push_str(&format!("${n}"));
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => text.to_owned(),
    };
    Statement::from_sql_and_values(backend, text, values)
}

fn at(s: &str) -> DateTimeWithTimeZone {
    DateTimeWithTimeZone::parse_from_rfc3339(s).expect("timestamp")
}

fn uuid(s: &str) -> Uuid {
    Uuid::parse_str(s).expect("uuid")
}

/// A night log of `telescope`, as the night-log routes would write it; returns its id.
pub async fn insert_night_log(app: &TestApp, workspace: &str, telescope: &str, author: &str) -> Uuid {
    let id = Uuid::now_v7();
    let stmt = sql(
        app,
        "INSERT INTO night_logs (id, workspace_id, telescope_id, night, starts_at, ends_at, observers, weather, \
         summary, status, visibility, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?, '', '', '', 'open', 'private', ?, ?, ?)",
        vec![
            id.into(),
            uuid(workspace).into(),
            uuid(telescope).into(),
            Date::from_ymd_opt(2026, 11, 20).expect("date").into(),
            at("2026-11-20T12:00:00+00:00").into(),
            at("2026-11-21T12:00:00+00:00").into(),
            uuid(author).into(),
            at("2026-11-20T12:00:00+00:00").into(),
            at("2026-11-20T12:00:00+00:00").into(),
        ],
    );
    app.conn.execute_raw(stmt).await.expect("insert night log");
    id
}

/// An observation in `log`, of `target` with `instrument` (either may be absent); returns its id.
pub async fn insert_observation(
    app: &TestApp,
    workspace: &str,
    log: Uuid,
    instrument: Option<&str>,
    target: Option<&str>,
    author: &str,
) -> Uuid {
    let id = Uuid::now_v7();
    let stmt = sql(
        app,
        "INSERT INTO observations (id, workspace_id, night_log_id, target_id, target_name, start_at, exposure_s, \
         filter, instrument_id, frame_type, quality, notes, created_by, created_at, updated_at) \
         VALUES (?, ?, ?, ?, 'M42', ?, 30, 'r', ?, 'science', 'ok', '', ?, ?, ?)",
        vec![
            id.into(),
            uuid(workspace).into(),
            log.into(),
            target.map(uuid).into(),
            at("2026-11-20T23:00:00+00:00").into(),
            instrument.map(uuid).into(),
            uuid(author).into(),
            at("2026-11-20T23:00:00+00:00").into(),
            at("2026-11-20T23:00:00+00:00").into(),
        ],
    );
    app.conn.execute_raw(stmt).await.expect("insert observation");
    id
}

// ---- Behaviour -------------------------------------------------------------------------------------------------

#[actix_web::test]
async fn sites_round_trip_and_names_are_unique() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Sia").await;
    workspace(&mut owner, "site-obs", "private").await;
    let base = "/api/v1/workspaces/site-obs/sites";

    let r = owner
        .post(
            base,
            json!({"name": " Roque ", "latitude": "28:45:38", "longitude": "-17°52′54″", "elevation_m": 2396,
                   "time_zone": "Atlantic/Canary", "description": "La Palma"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_str().expect("id").to_owned();
    assert_eq!(r.body["name"], "Roque");
    assert!((r.body["latitude"].as_f64().expect("lat") - 28.760_555).abs() < 1e-5, "{}", r.body);
    assert!((r.body["longitude"].as_f64().expect("lon") + 17.881_666).abs() < 1e-5, "{}", r.body);
    assert_eq!(r.body["time_zone"], "Atlantic/Canary");

    let got = owner.get(&format!("{base}/{id}")).await;
    assert_eq!(got.body, r.body, "reads back as created");

    owner.post(base, site_body("Roque")).await.assert_problem(409, "conflict");
    let second = owner.post(base, site_body("Mauna Kea")).await;
    assert_eq!(second.status, StatusCode::CREATED);
    let second_id = second.body["id"].as_str().expect("id");
    let r = owner.patch(&format!("{base}/{second_id}"), json!({"name": "Roque"})).await;
    r.assert_problem(409, "conflict");
    assert_eq!(r.body["errors"][0]["field"], "name");

    let r = owner.patch(&format!("{base}/{id}"), json!({"elevation_m": 2400, "time_zone": "Europe/Madrid"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["elevation_m"], 2400.0);
    assert_eq!(r.body["time_zone"], "Europe/Madrid");
    assert_eq!(r.body["name"], "Roque", "absent fields stay");
    assert_eq!(r.body["description"], "La Palma");

    assert_eq!(owner.delete(&format!("{base}/{id}")).await.status, StatusCode::NO_CONTENT);
    owner.get(&format!("{base}/{id}")).await.assert_problem(404, "not_found");
    owner.delete(&format!("{base}/{id}")).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn lists_are_paged_by_cursor() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Pia").await;
    workspace(&mut owner, "page-obs", "private").await;
    for name in ["A", "B", "C"] {
        site(&mut owner, "page-obs", name).await;
    }
    let first = owner.get("/api/v1/workspaces/page-obs/sites?limit=2").await;
    assert_eq!(item_names(&first.body), ["A", "B"]);
    let cursor = first.body["next_cursor"].as_str().expect("a next page");
    let second = owner.get(&format!("/api/v1/workspaces/page-obs/sites?limit=2&cursor={cursor}")).await;
    assert_eq!(item_names(&second.body), ["C"]);
    assert!(second.body["next_cursor"].is_null());
    owner.get("/api/v1/workspaces/page-obs/sites?cursor=garbage!").await.assert_problem(422, "validation_failed");
}

#[actix_web::test]
async fn telescopes_and_instruments_hang_off_sites() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Tom").await;
    let (mut other, _) = app.user("Oda").await;
    workspace(&mut owner, "scope-obs", "private").await;
    workspace(&mut other, "other-obs", "private").await;
    let foreign_site = site(&mut other, "other-obs", "Elsewhere").await;
    let la_palma = site(&mut owner, "scope-obs", "La Palma").await;
    let paranal = site(&mut owner, "scope-obs", "Paranal").await;
    let base = "/api/v1/workspaces/scope-obs";

    for site_id in [Uuid::now_v7().to_string(), foreign_site] {
        let r = owner.post(&format!("{base}/telescopes"), json!({"name": "WHT", "site_id": site_id})).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], "site_id");
    }
    let r = owner
        .post(
            &format!("{base}/telescopes"),
            json!({"name": "WHT", "site_id": la_palma, "aperture_mm": 4200, "focal_length_mm": 46200,
                   "mount": "altaz"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["site_name"], "La Palma");
    let wht = r.body["id"].as_str().expect("id").to_owned();
    let vlt = telescope(&mut owner, "scope-obs", &paranal, "UT1").await;

    let at_la_palma = owner.get(&format!("{base}/telescopes?site={la_palma}")).await;
    let ids: Vec<&str> =
        at_la_palma.body["items"].as_array().expect("items").iter().filter_map(|t| t["id"].as_str()).collect();
    assert_eq!(ids, [wht.as_str()]);
    assert_eq!(owner.get(&format!("{base}/telescopes")).await.body["items"].as_array().map(Vec::len), Some(2));

    let r = owner.patch(&format!("{base}/telescopes/{wht}"), json!({"aperture_mm": null, "mount": null})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body["aperture_mm"].is_null() && r.body["mount"].is_null(), "null clears: {}", r.body);
    assert_eq!(r.body["focal_length_mm"], 46200.0, "absent stays");
    let r = owner.patch(&format!("{base}/telescopes/{wht}"), json!({"site_id": Uuid::now_v7()})).await;
    assert_eq!(r.body["errors"][0]["field"], "site_id");

    let r = owner
        .post(
            &format!("{base}/instruments"),
            json!({"name": "ACAM", "telescope_id": wht, "detector": "EEV 2k", "pixel_scale_arcsec": 0.25,
                   "filters": ["g'", "r'", "Halpha"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["filters"], json!(["g'", "r'", "Halpha"]));
    assert_eq!(r.body["telescope_name"], "WHT");
    let acam = r.body["id"].as_str().expect("id").to_owned();
    instrument(&mut owner, "scope-obs", &vlt, "FORS2").await;
    let on_wht = owner.get(&format!("{base}/instruments?telescope={wht}")).await;
    assert_eq!(on_wht.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(on_wht.body["items"][0]["name"], "ACAM");

    // What stands in the way of a delete is named, and nothing is deleted.
    let r = owner.delete(&format!("{base}/sites/{la_palma}")).await;
    r.assert_problem(409, "conflict");
    assert_eq!(r.body["errors"][0]["field"], "telescopes");
    let r = owner.delete(&format!("{base}/telescopes/{wht}")).await;
    r.assert_problem(409, "conflict");
    assert_eq!(r.body["errors"][0]["field"], "instruments");
    assert_eq!(owner.get(&format!("{base}/telescopes/{wht}")).await.status, StatusCode::OK);

    assert_eq!(owner.delete(&format!("{base}/instruments/{acam}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(owner.delete(&format!("{base}/telescopes/{wht}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(owner.delete(&format!("{base}/sites/{la_palma}")).await.status, StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn night_logs_and_observations_keep_their_equipment() {
    let app = TestApp::new().await;
    let (mut owner, owner_id) = app.user("Nell").await;
    let ws = workspace(&mut owner, "busy-obs", "private").await;
    let ws_id = ws["id"].as_str().expect("workspace id");
    let s = site(&mut owner, "busy-obs", "Site").await;
    let t = telescope(&mut owner, "busy-obs", &s, "Scope").await;
    let i = instrument(&mut owner, "busy-obs", &t, "Camera").await;
    let log = insert_night_log(&app, ws_id, &t, &owner_id).await;
    insert_observation(&app, ws_id, log, Some(&i), None, &owner_id).await;
    let base = "/api/v1/workspaces/busy-obs";

    let r = owner.delete(&format!("{base}/instruments/{i}")).await;
    r.assert_problem(409, "conflict");
    assert_eq!(r.body["errors"][0]["field"], "observations");
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("observations")), "{}", r.body);

    // Move the instrument to another telescope, so only the night log holds this one.
    let t2 = telescope(&mut owner, "busy-obs", &s, "Other scope").await;
    let r = owner.patch(&format!("{base}/instruments/{i}"), json!({"telescope_id": t2})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = owner.delete(&format!("{base}/telescopes/{t}")).await;
    r.assert_problem(409, "conflict");
    assert_eq!(r.body["errors"][0]["field"], "night_logs");
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("night logs")), "{}", r.body);
}

#[actix_web::test]
async fn bad_equipment_fields_are_named() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Bea").await;
    workspace(&mut owner, "bad-obs", "private").await;
    let s = site(&mut owner, "bad-obs", "Site").await;
    let t = telescope(&mut owner, "bad-obs", &s, "Scope").await;
    let base = "/api/v1/workspaces/bad-obs";
    let with = |patch: Json| {
        let mut b = site_body("Bad");
        if let (Some(b), Some(p)) = (b.as_object_mut(), patch.as_object()) {
            b.extend(p.clone());
        }
        b
    };
    let cases = [
        ("sites", with(json!({"latitude": 91})), "latitude"),
        ("sites", with(json!({"latitude": "91:00:00"})), "latitude"),
        ("sites", with(json!({"longitude": 200})), "longitude"),
        ("sites", with(json!({"longitude": "east"})), "longitude"),
        ("sites", with(json!({"time_zone": "Mars/Olympus"})), "time_zone"),
        ("sites", with(json!({"elevation_m": 12000})), "elevation_m"),
        ("sites", with(json!({"name": ""})), "name"),
        ("telescopes", json!({"name": "T", "site_id": s, "aperture_mm": -1}), "aperture_mm"),
        ("telescopes", json!({"name": "T", "site_id": s, "focal_length_mm": 0}), "focal_length_mm"),
        ("telescopes", json!({"name": "T", "site_id": s, "mount": "alt-az"}), "mount"),
        ("instruments", json!({"name": "I", "telescope_id": t, "pixel_scale_arcsec": -0.5}), "pixel_scale_arcsec"),
        ("instruments", json!({"name": "I", "telescope_id": t, "filters": ["g", " g "]}), "filters"),
        (
            "instruments",
            json!({"name": "I", "telescope_id": t, "filters": (0..51).map(|i| format!("f{i}")).collect::<Vec<_>>()}),
            "filters",
        ),
        ("instruments", json!({"name": "I", "telescope_id": Uuid::now_v7()}), "telescope_id"),
    ];
    for (resource, body, field) in cases {
        let r = owner.post(&format!("{base}/{resource}"), body.clone()).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field, "{body}: {}", r.body);
    }
    let r = owner.patch(&format!("{base}/sites/{s}"), json!({"latitude": -90.5})).await;
    assert_eq!(r.body["errors"][0]["field"], "latitude");
    let r = owner.patch(&format!("{base}/telescopes/{t}"), json!({"aperture_mm": -3})).await;
    assert_eq!(r.body["errors"][0]["field"], "aperture_mm");
    owner.get(&format!("{base}/telescopes?site=not-a-uuid")).await.assert_problem(400, "invalid_query");
    owner.get(&format!("{base}/sites/not-a-uuid")).await.assert_problem(404, "not_found");
    let stored = owner.get(&format!("{base}/sites")).await;
    assert_eq!(stored.body["items"].as_array().map(Vec::len), Some(1), "nothing bad was stored");
}

/// Another workspace's equipment ids, through my own slug, are 404 and change nothing.
#[actix_web::test]
async fn equipment_of_another_workspace_is_not_found() {
    let app = TestApp::new().await;
    let (mut alice, _) = app.user("Ali").await;
    let (mut bob, _) = app.user("Bo").await;
    workspace(&mut alice, "alice-eq", "private").await;
    workspace(&mut bob, "bob-eq", "public").await;
    let s = site(&mut bob, "bob-eq", "Bob site").await;
    let t = telescope(&mut bob, "bob-eq", &s, "Bob scope").await;
    let i = instrument(&mut bob, "bob-eq", &t, "Bob cam").await;
    let mine = site(&mut alice, "alice-eq", "Alice site").await;

    for (kind, id) in [("sites", &s), ("telescopes", &t), ("instruments", &i)] {
        let path = format!("/api/v1/workspaces/alice-eq/{kind}/{id}");
        alice.get(&path).await.assert_problem(404, "not_found");
        alice.patch(&path, json!({"name": "Stolen"})).await.assert_problem(404, "not_found");
        alice.delete(&path).await.assert_problem(404, "not_found");
    }
    let r = alice.post("/api/v1/workspaces/alice-eq/instruments", json!({"name": "X", "telescope_id": t})).await;
    assert_eq!(r.body["errors"][0]["field"], "telescope_id");
    let r = alice.patch(&format!("/api/v1/workspaces/alice-eq/sites/{mine}"), json!({"name": "Mine"})).await;
    assert_eq!(r.status, StatusCode::OK);

    let mut anon = app.client();
    for (kind, id, name) in [("sites", &s, "Bob site"), ("telescopes", &t, "Bob scope"), ("instruments", &i, "Bob cam")]
    {
        let r = anon.get(&format!("/api/v1/workspaces/bob-eq/{kind}/{id}")).await;
        assert_eq!(r.status, StatusCode::OK, "public equipment is readable: {}", r.body);
        assert_eq!(r.body["name"], name, "unchanged");
    }
    let list = anon.get("/api/v1/workspaces/bob-eq/instruments").await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
}

// ---- Pages -----------------------------------------------------------------------------------------------------

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    pairs.iter().map(|(k, v)| format!("{k}={}", v.replace(' ', "+"))).collect::<Vec<_>>().join("&").into_bytes()
}

#[actix_web::test]
async fn the_observatory_page_lists_and_its_forms_create() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Pam").await;
    workspace(&mut owner, "page-eq", "public").await;
    let token = owner.cookies.get(meridian_http::cookies::CSRF_COOKIE).cloned().expect("csrf cookie");
    let ct = Some("application/x-www-form-urlencoded");
    let site_form = |token: &str, latitude: &str| {
        form(&[
            ("csrf_token", token),
            ("slug", "page-eq"),
            ("id", ""),
            ("name", "Teide"),
            ("latitude", latitude),
            ("longitude", "-16.5097"),
            ("elevation_m", "2390"),
            ("time_zone", "Atlantic/Canary"),
            ("description", ""),
        ])
    };
    let r = owner.request(Method::POST, "/fn/save_site", Some(site_form(&token, "91")), ct).await;
    assert!(String::from_utf8_lossy(&r.raw).contains("latitude"), "the error names the field: {}", r.status);
    let r = owner.request(Method::POST, "/fn/save_site", Some(site_form("forged", "28:18:01")), ct).await;
    assert!(!r.status.is_success());
    assert_eq!(owner.get("/api/v1/workspaces/page-eq/sites").await.body["items"].as_array().map(Vec::len), Some(0));

    let r = owner.request(Method::POST, "/fn/save_site", Some(site_form(&token, "28:18:01")), ct).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{}", String::from_utf8_lossy(&r.raw));
    let sites = owner.get("/api/v1/workspaces/page-eq/sites").await;
    assert_eq!(sites.body["items"][0]["name"], "Teide");
    assert!((sites.body["items"][0]["latitude"].as_f64().expect("lat") - 28.300_277).abs() < 1e-5);

    let mine = owner.get("/w/page-eq/observatory").await;
    let html = String::from_utf8_lossy(&mine.raw);
    assert_eq!(mine.status, StatusCode::OK);
    assert!(html.contains("Teide") && html.contains("add-site-form"), "{html}");
    let theirs = app.client().get("/w/page-eq/observatory").await;
    let html = String::from_utf8_lossy(&theirs.raw);
    assert!(html.contains("Teide"), "public equipment is shown to visitors");
    assert!(!html.contains("add-site-form") && !html.contains("Delete"), "but not its forms");
}
