//! Satellite checks through the API: catalog import (operators only), search and status, field-of-view checks
//! compared with the independent skyfield reference, passes, bad input, and planned observations whose stored
//! checks follow the catalog.

use crate::authz_matrix::{Call, Obj, Route};
use crate::helpers::*;
use actix_web::http::Method;
use futures::future::LocalBoxFuture;
use meridian_domain::Action;
use meridian_service::ServiceConfig;
use meridian_service::satellites::SatelliteConfig;
use serde_json::{Value, json};

const CATALOG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../satellites/tests/data/catalog_stellarium_0.22.2.tle");
const REFERENCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../satellites/tests/reference/crossings.json");

fn catalog_text() -> Vec<u8> {
    std::fs::read(CATALOG).expect("the test catalog")
}

/// An app in which `op@example.org` will be the operator (see [`operator`]).
async fn app() -> TestApp {
    TestApp::new().await
}

/// Signs up `op@example.org` and makes it the server's operator, as `meridian operators grant` does.
async fn operator(app: &TestApp) -> Client {
    let (op, _) = app.user("Op").await;
    app.services.set_operator("op@example.org", true).await.expect("grant");
    op
}

async fn import(c: &mut Client, body: Vec<u8>, query: &str) -> Reply {
    c.request(Method::POST, &format!("/api/v1/satellites/catalog{query}"), Some(body), Some("text/plain")).await
}

/// Imports the shared 5018-object catalog as the operator.
async fn imported(app: &TestApp) -> Client {
    let mut op = operator(app).await;
    let r = import(&mut op, catalog_text(), "?source=stellarium").await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    op
}

fn secs(s: &str) -> f64 {
    let t = chrono::DateTime::parse_from_rfc3339(s).expect("time");
    t.timestamp_millis() as f64 / 1000.0
}

#[actix_web::test]
async fn only_operators_import_and_imports_keep_the_newest_elements() {
    let app = app().await;
    let mut anon = app.client();
    import(&mut anon, catalog_text(), "").await.assert_problem(401, "unauthenticated");
    let (mut someone, _) = app.user("Someone").await;
    import(&mut someone, catalog_text(), "").await.assert_problem(403, "forbidden");

    let mut op = operator(&app).await;
    let r = import(&mut op, catalog_text(), "?source=stellarium").await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    assert_eq!(r.body["format"], "tle");
    assert_eq!(r.body["source"], "stellarium");
    let read = r.body["objects_read"].as_u64().expect("objects_read");
    assert!(read >= 5000, "{read}");
    assert_eq!(r.body["updated"].as_u64(), Some(read));
    assert_eq!(r.body["unchanged"], 0);

    // The same file again changes nothing.
    let again = import(&mut op, catalog_text(), "").await;
    assert_eq!(again.status.as_u16(), 201, "{}", again.body);
    assert_eq!(again.body["updated"], 0);
    assert_eq!(again.body["unchanged"].as_u64(), Some(read));

    // Newer elements for the ISS (epoch one day later) replace the stored ones; a line with a bad checksum is
    // reported with its line number and the rest still imports.
    let iss_newer = "ISS (ZARYA)\n\
        1 25544U 98067A   22167.98291539  .00007389  00000+0  13721-3 0  9997\n\
        2 25544  51.6447 342.5501 0004194 242.9750 255.0959 15.50021518344998\n\
        BROKEN\n\
        1 99999U 98067A   22167.98291539  .00007389  00000+0  13721-3 0  9990\n\
        2 99999  51.6446 301.1478 0004665 152.0547 326.9998 15.49907342345070\n";
    let r = import(&mut op, iss_newer.as_bytes().to_vec(), "?format=tle").await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    assert_eq!(r.body["updated"], 1, "{}", r.body);
    assert!(r.body["rejected"].as_u64().is_some_and(|n| n >= 1), "{}", r.body);
    let line = r.body["rejected_lines"][0]["line"].as_u64().expect("line number");
    assert!((4..=6).contains(&line), "{}", r.body);
    assert!(r.body["rejected_lines"][0]["reason"].as_str().is_some_and(|s| !s.is_empty()));

    // An older element set does not replace a newer one.
    let iss_older = "ISS (ZARYA)\n\
        1 25544U 98067A   22160.98291539  .00007389  00000+0  13721-3 0  9990\n\
        2 25544  51.6447 342.5501 0004194 242.9750 255.0959 15.50021518344998\n";
    let r = import(&mut op, iss_older.as_bytes().to_vec(), "").await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    assert_eq!((r.body["updated"].as_u64(), r.body["unchanged"].as_u64()), (Some(0), Some(1)), "{}", r.body);
    let found = anon.get("/api/v1/satellites/catalog?q=25544").await;
    assert_eq!(found.status.as_u16(), 200, "{}", found.body);
    assert!(found.body["items"][0]["epoch"].as_str().is_some_and(|e| e.starts_with("2022-06-16")), "{}", found.body);

    // Nothing readable: 422 naming the catalog; a bad format name: 422 naming the format.
    import(&mut op, b"hello\nworld\n".to_vec(), "").await.assert_problem(422, "validation_failed");
    let r = import(&mut op, b"x".to_vec(), "?format=fits").await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "format");

    // The status names the imports, newest first, and the catalog's epochs.
    let s = anon.get("/api/v1/satellites/catalog/status").await;
    assert_eq!(s.status.as_u16(), 200, "{}", s.body);
    assert_eq!(s.body["catalog"]["objects"].as_u64(), Some(read));
    assert_eq!(s.body["recent_imports"].as_array().map(Vec::len), Some(4));
    assert_eq!(s.body["recent_imports"][0]["updated"], 0);
    assert!(s.body["recent_imports"][0]["imported_by"].as_str().is_some_and(|b| b.starts_with("account:")));
    assert!(s.body["catalog"]["newest_epoch"].as_str().is_some_and(|e| e.starts_with("2022-06")), "{}", s.body);
}

#[actix_web::test]
async fn catalog_search_by_name_and_number() {
    let app = app().await;
    imported(&app).await;
    let mut anon = app.client();
    let r = anon.get("/api/v1/satellites/catalog?q=zarya").await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!(r.body["items"][0]["norad_id"], 25544);
    assert!(r.body["items"][0]["period_minutes"].as_f64().is_some_and(|p| (90.0..95.0).contains(&p)));
    let r = anon.get("/api/v1/satellites/catalog?q=starlink&limit=5").await;
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(5), "{}", r.body);
    assert!(
        r.body["items"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|i| i["name"].as_str().is_some_and(|n| n.to_lowercase().contains("starlink")))
    );
    let r = anon.get("/api/v1/satellites/catalog?q=%20").await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "q");
}

#[actix_web::test]
async fn checks_without_a_catalog_say_so() {
    let app = app().await;
    let mut anon = app.client();
    let body = json!({
        "site": {"latitude": 28.76, "longitude": -17.88, "elevation_m": 2396.0},
        "fields": [{"ra": 10.0, "dec": 20.0, "shape": "circle", "radius_deg": 1.0}],
        "start": "2022-06-17T00:00:00Z", "end": "2022-06-17T01:00:00Z"
    });
    let r = anon.post("/api/v1/satellites/fov", body).await;
    r.assert_problem(409, "conflict");
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("import")), "{}", r.body);
}

/// The API's crossings for the reference's first case (two circles and a rectangle over Cerro Pachón) match the
/// independent skyfield computation: the same objects in the same fields, entry and exit within 0.5 s, closest
/// separation within 0.005 degrees.
#[actix_web::test]
async fn fov_check_matches_the_independent_reference() {
    let app = app().await;
    imported(&app).await;
    let reference: Value = serde_json::from_slice(&std::fs::read(REFERENCE).expect("reference")).expect("json");
    let case = &reference["cases"][0];
    let start = secs(case["start"].as_str().expect("start"));
    let minutes = case["minutes"].as_f64().expect("minutes");
    let end = chrono::DateTime::from_timestamp((start + minutes * 60.0) as i64, 0).expect("end");
    let fields: Vec<Value> = case["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| {
            let mut out = json!({"ra": f["ra_deg"], "dec": f["dec_deg"], "shape": f["shape"]});
            for k in ["radius_deg", "width_deg", "height_deg", "position_angle_deg"] {
                if !f[k].is_null() {
                    out[k] = f[k].clone();
                }
            }
            out
        })
        .collect();
    let body = json!({
        "site": {"latitude": case["site"]["lat_deg"], "longitude": case["site"]["lon_deg"],
                 "elevation_m": case["site"]["elevation_m"]},
        "fields": fields,
        "start": case["start"],
        "end": end.to_rfc3339(),
    });
    let mut anon = app.client();
    let r = anon.post("/api/v1/satellites/fov", body).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert!(r.body["objects_checked"].as_u64().is_some_and(|n| n >= 5000));
    assert!(r.body["catalog"]["revision"].is_string());
    let got = r.body["crossings"].as_array().expect("crossings");
    let want = case["crossings"].as_array().expect("reference crossings");
    assert!(!want.is_empty());
    let long = |entry: f64, exit: f64| exit - entry >= 0.1;
    for w in want {
        let (we, wx) = (w["entry_s"].as_f64().expect("entry"), w["exit_s"].as_f64().expect("exit"));
        if !long(we, wx) {
            continue;
        }
        let g = got
            .iter()
            .find(|g| g["norad_id"] == w["norad_id"] && g["field"] == w["field"])
            .unwrap_or_else(|| panic!("missing crossing {w}"));
        let (ge, gx) =
            (secs(g["entry"].as_str().expect("entry")) - start, secs(g["exit"].as_str().expect("exit")) - start);
        assert!((ge - we).abs() < 0.5 && (gx - wx).abs() < 0.5, "{g} vs {w}");
        let sep = g["closest_approach"]["separation_deg"].as_f64().expect("sep");
        assert!((sep - w["closest_separation_deg"].as_f64().expect("sep")).abs() < 0.005, "{g} vs {w}");
        assert_eq!(g["sunlit_at_closest"], w["sunlit_at_closest"]);
    }
    for g in got {
        let (ge, gx) = (secs(g["entry"].as_str().expect("entry")), secs(g["exit"].as_str().expect("exit")));
        if long(ge, gx) {
            assert!(
                want.iter().any(|w| w["norad_id"] == g["norad_id"] && w["field"] == g["field"]),
                "extra crossing {g}"
            );
        }
    }
    // Time order, and milliseconds in the times.
    let entries: Vec<f64> = got.iter().map(|g| secs(g["entry"].as_str().expect("entry"))).collect();
    assert!(entries.windows(2).all(|w| w[0] <= w[1]));
    assert!(got[0]["entry"].as_str().is_some_and(|s| s.len() == "2022-06-17T03:00:00.000Z".len()));
}

#[actix_web::test]
async fn bad_checks_are_refused_naming_the_field() {
    let app = app().await;
    imported(&app).await;
    let mut anon = app.client();
    let base = json!({
        "site": {"latitude": 28.76, "longitude": -17.88, "elevation_m": 2396.0},
        "fields": [{"ra": 10.0, "dec": 20.0, "shape": "circle", "radius_deg": 1.0}],
        "start": "2022-06-17T00:00:00Z", "end": "2022-06-17T01:00:00Z"
    });
    let cases: Vec<(Value, &str)> = vec![
        (json!({"site": {"latitude": 95.0, "longitude": 0.0}}), "latitude"),
        (json!({"end": "2022-06-16T23:00:00Z"}), "end"),
        (json!({"end": "2022-06-18T02:00:00Z"}), "end"),
        (json!({"fields": [{"ra": 10.0, "dec": 20.0, "shape": "circle", "radius_deg": 0.0}]}), "fields[0].radius"),
        (json!({"fields": [{"ra": 10.0, "dec": 20.0, "shape": "circle", "radius_deg": 11.0}]}), "fields[0].radius"),
        (json!({"fields": [{"ra": 10.0, "dec": 95.0, "shape": "circle", "radius_deg": 1.0}]}), "fields[0].dec"),
        (json!({"fields": []}), "fields"),
    ];
    for (change, field) in cases {
        let mut body = base.clone();
        for (k, v) in change.as_object().expect("object") {
            body[k] = v.clone();
        }
        let r = anon.post("/api/v1/satellites/fov", body).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.body);
    }
    let r = anon
        .get("/api/v1/satellites/passes?norad_id=25544&latitude=28&longitude=-17&start=2022-06-17T00:00:00Z&end=2022-06-17T06:00:00Z&min_altitude_deg=95")
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "min_altitude");
    let r = anon
        .get("/api/v1/satellites/passes?norad_id=1&latitude=28&longitude=-17&start=2022-06-17T00:00:00Z&end=2022-06-17T06:00:00Z")
        .await;
    r.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn passes_of_the_iss_and_a_geostationary_satellite() {
    let app = app().await;
    imported(&app).await;
    let mut anon = app.client();
    let r = anon
        .get("/api/v1/satellites/passes?norad_id=25544&latitude=28.76&longitude=-17.88&elevation_m=2396&start=2022-06-17T00:00:00Z&end=2022-06-18T00:00:00Z&min_altitude_deg=10")
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!(r.body["object"]["norad_id"], 25544);
    let passes = r.body["passes"].as_array().expect("passes");
    // The ISS passes over a mid-latitude site a few times a day (4-6 above 10 degrees in June).
    assert!((2..=8).contains(&passes.len()), "{}", r.body);
    for p in passes {
        let rise = secs(p["rise"]["time"].as_str().expect("rise"));
        let top = secs(p["culmination"]["time"].as_str().expect("culmination"));
        let set = secs(p["set"]["time"].as_str().expect("set"));
        assert!(rise < top && top < set && set - rise < 15.0 * 60.0, "{p}");
        assert!(p["culmination"]["altitude_deg"].as_f64().is_some_and(|a| a >= 10.0));
        assert!((p["rise"]["altitude_deg"].as_f64().expect("alt") - 10.0).abs() < 0.1, "{p}");
    }
    // A geostationary satellite (period of a sidereal day, inclination and eccentricity near 0, picked from the
    // file) seen from below it never sets: one pass with neither rise nor set. Where "below" is depends on the
    // object, so the equator is tried every 30 degrees of longitude.
    let text = String::from_utf8(catalog_text()).expect("text");
    let lines: Vec<&str> = text.lines().collect();
    let geo = lines
        .iter()
        .filter(|l| l.starts_with("2 ") && l.len() >= 63)
        .find(|l| {
            let num = |a: usize, b: usize| l[a..b].trim().parse::<f64>().unwrap_or(f64::NAN);
            (num(52, 63) - 1.0027).abs() < 0.001 && num(8, 16) < 0.1 && num(26, 33) < 1000.0
        })
        .map(|l| l[2..7].trim().to_owned())
        .expect("a geostationary object in the catalog");
    let mut overhead = 0;
    for lon in (-180..180).step_by(30) {
        let r = anon
            .get(&format!(
                "/api/v1/satellites/passes?norad_id={geo}&latitude=0&longitude={lon}&start=2022-06-17T00:00:00Z&end=2022-06-17T12:00:00Z&min_altitude_deg=10"
            ))
            .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
        let passes = r.body["passes"].as_array().expect("passes");
        if passes.first().is_some_and(|p| p["culmination"]["altitude_deg"].as_f64().is_some_and(|a| a > 60.0)) {
            assert_eq!(passes.len(), 1, "{}", r.body);
            assert!(passes[0]["rise"].is_null() && passes[0]["set"].is_null(), "{}", r.body);
            overhead += 1;
        }
    }
    assert!(overhead >= 1, "object {geo} was never high from the equator");
}

#[actix_web::test]
async fn public_checks_are_rate_limited_for_anonymous_callers() {
    let app = TestApp::with_limits(
        test_service_config(),
        meridian_service::limits::PublicRateLimit::every(3, std::time::Duration::from_secs(3600)),
    )
    .await;
    let mut anon = app.client();
    for _ in 0..3 {
        assert_eq!(anon.get("/api/v1/satellites/catalog/status").await.status.as_u16(), 200);
    }
    anon.get("/api/v1/satellites/catalog/status").await.assert_problem(429, "rate_limited");
}

async fn plan_setup(app: &TestApp) -> (Client, String, String, String) {
    let (mut owner, _) = app.user("Owner").await;
    workspace(&mut owner, "pachon", "private").await;
    let site_id = {
        let r = owner
            .post(
                "/api/v1/workspaces/pachon/sites",
                json!({"name": "Cerro Pachón", "latitude": -30.2407, "longitude": -70.7366, "elevation_m": 2715.0,
                       "time_zone": "America/Santiago"}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 201, "{}", r.body);
        r.body["id"].as_str().expect("id").to_owned()
    };
    let telescope_id = telescope(&mut owner, "pachon", &site_id, "Survey").await;
    let r = owner
        .post("/api/v1/workspaces/pachon/targets", json!({"name": "Field A", "ra": 242.1743, "dec": -28.2117}))
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    let target_id = r.body["id"].as_str().expect("id").to_owned();
    (owner, site_id, telescope_id, target_id)
}

/// A plan for the reference's first field: its stored check finds the same crossings as the public check, names
/// the catalog it used, fails softly without a catalog, and is rechecked when the catalog changes.
#[actix_web::test]
async fn planned_observations_store_their_check_and_follow_the_catalog() {
    let app = app().await;
    let (mut owner, _site, telescope_id, target_id) = plan_setup(&app).await;
    let body = json!({
        "target_id": target_id, "telescope_id": telescope_id,
        "field": {"shape": "circle", "radius_deg": 2.0},
        "starts_at": "2022-06-17T03:00:00Z", "ends_at": "2022-06-17T03:20:00Z", "notes": "first light"
    });
    // No catalog yet: the plan is kept, its check failed with the reason.
    let r = owner.post("/api/v1/workspaces/pachon/planned-observations", body.clone()).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    assert_eq!(r.body["name"], "Field A");
    assert_eq!(r.body["check"]["status"], "failed", "{}", r.body);
    assert!(r.body["check"]["error"].as_str().is_some_and(|e| e.contains("catalog")));
    let id = r.body["id"].as_str().expect("id").to_owned();

    // The operator imports the catalog: the recheck job runs every plan not yet over... this one is in 2022, so
    // it is over; a recheck on request brings it up to date.
    let mut op = imported(&app).await;
    let r = owner
        .request(Method::POST, &format!("/api/v1/workspaces/pachon/planned-observations/{id}/check"), None, None)
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!(r.body["check"]["status"], "done", "{}", r.body);
    let revision = r.body["check"]["catalog_revision"].as_str().expect("revision").to_owned();
    let stored: Vec<(u64, String)> = r.body["check"]["crossings"]
        .as_array()
        .expect("crossings")
        .iter()
        .map(|c| (c["norad_id"].as_u64().expect("id"), c["entry"].as_str().expect("entry").to_owned()))
        .collect();
    assert!(!stored.is_empty());
    let public = owner
        .post(
            "/api/v1/satellites/fov",
            json!({"site": {"latitude": -30.2407, "longitude": -70.7366, "elevation_m": 2715.0},
                   "fields": [{"ra": 242.1743, "dec": -28.2117, "shape": "circle", "radius_deg": 2.0}],
                   "start": "2022-06-17T03:00:00Z", "end": "2022-06-17T03:20:00Z"}),
        )
        .await;
    let direct: Vec<(u64, String)> = public.body["crossings"]
        .as_array()
        .expect("crossings")
        .iter()
        .map(|c| (c["norad_id"].as_u64().expect("id"), c["entry"].as_str().expect("entry").to_owned()))
        .collect();
    assert_eq!(stored, direct);

    // A plan not yet over is rechecked by the job after an import with newer elements.
    let soon = chrono::Utc::now() + chrono::Duration::hours(1);
    let later = soon + chrono::Duration::minutes(30);
    let r = owner
        .post(
            "/api/v1/workspaces/pachon/planned-observations",
            json!({"name": "Tonight", "ra": "16:08:41.8", "dec": "-28:12:42", "telescope_id": telescope_id,
                   "field": {"shape": "rectangle", "width_deg": 1.0, "height_deg": 0.5, "position_angle_deg": 30.0},
                   "starts_at": soon.to_rfc3339(), "ends_at": later.to_rfc3339()}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    assert_eq!(r.body["check"]["status"], "done", "{}", r.body);
    assert_eq!(r.body["check"]["catalog_revision"], revision.as_str());
    assert!((r.body["ra_deg"].as_f64().expect("ra") - 242.1742).abs() < 0.001, "{}", r.body);
    let tonight = r.body["id"].as_str().expect("id").to_owned();
    let newer = "ISS (ZARYA)\n\
        1 25544U 98067A   22167.98291539  .00007389  00000+0  13721-3 0  9997\n\
        2 25544  51.6447 342.5501 0004194 242.9750 255.0959 15.50021518344998\n";
    let imp = import(&mut op, newer.as_bytes().to_vec(), "").await;
    assert_eq!(imp.status.as_u16(), 201, "{}", imp.body);
    app.run_jobs().await;
    let new_revision = imp.body["id"].as_str().expect("id");
    let r = owner.get(&format!("/api/v1/workspaces/pachon/planned-observations/{tonight}")).await;
    assert_eq!(r.body["check"]["catalog_revision"], new_revision, "{}", r.body);
    // The plan that is over keeps the check it had.
    let r = owner.get(&format!("/api/v1/workspaces/pachon/planned-observations/{id}")).await;
    assert_eq!(r.body["check"]["catalog_revision"], revision.as_str());

    // Upcoming only lists tonight's plan; the full list both, by start time.
    let r = owner.get("/api/v1/workspaces/pachon/planned-observations?upcoming=true").await;
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(1), "{}", r.body);
    let r = owner.get("/api/v1/workspaces/pachon/planned-observations").await;
    assert_eq!(r.body["items"][0]["id"], id.as_str());
    assert_eq!(r.body["items"][1]["id"], tonight.as_str());

    // Changing the window reruns the check; bad changes name the field.
    let r = owner
        .patch(
            &format!("/api/v1/workspaces/pachon/planned-observations/{id}"),
            json!({"ends_at": "2022-06-17T03:10:00Z"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!(r.body["check"]["status"], "done");
    let fewer = r.body["check"]["crossings"].as_array().map(Vec::len).expect("crossings");
    assert!(fewer <= stored.len());
    for (change, field) in [
        (json!({"ends_at": "2022-06-17T02:00:00Z"}), "ends_at"),
        (json!({"ends_at": "2022-06-19T02:00:00Z"}), "ends_at"),
        (json!({"field": {"shape": "circle", "radius_deg": 0.0}}), "field"),
        (json!({"ra": 10.0}), "ra"),
        (json!({"telescope_id": "00000000-0000-0000-0000-000000000000"}), "telescope_id"),
    ] {
        let r = owner.patch(&format!("/api/v1/workspaces/pachon/planned-observations/{id}"), change).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.body);
    }
    let r = owner.delete(&format!("/api/v1/workspaces/pachon/planned-observations/{id}")).await;
    assert_eq!(r.status.as_u16(), 204);
    owner.get(&format!("/api/v1/workspaces/pachon/planned-observations/{id}")).await.assert_problem(404, "not_found");
}

/// An instrument's field of view (both sides or neither) becomes the field of a plan that names the instrument
/// and no field.
#[actix_web::test]
async fn plans_take_the_instruments_field_of_view() {
    let app = app().await;
    let (mut owner, _site, telescope_id, target_id) = plan_setup(&app).await;
    let r = owner
        .post(
            "/api/v1/workspaces/pachon/instruments",
            json!({"name": "Wide", "telescope_id": telescope_id, "field_width_arcmin": 90.0}),
        )
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "field_height_arcmin");
    let r = owner
        .post(
            "/api/v1/workspaces/pachon/instruments",
            json!({"name": "Wide", "telescope_id": telescope_id, "field_width_arcmin": 90.0, "field_height_arcmin": 60.0}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    assert_eq!(
        (r.body["field_width_arcmin"].as_f64(), r.body["field_height_arcmin"].as_f64()),
        (Some(90.0), Some(60.0))
    );
    let wide = r.body["id"].as_str().expect("id").to_owned();
    let r = owner
        .post("/api/v1/workspaces/pachon/instruments", json!({"name": "Bare", "telescope_id": telescope_id}))
        .await;
    let bare = r.body["id"].as_str().expect("id").to_owned();

    let plan = |instrument: &str| {
        json!({"target_id": target_id, "telescope_id": telescope_id, "instrument_id": instrument,
               "starts_at": "2022-06-17T03:00:00Z", "ends_at": "2022-06-17T03:20:00Z"})
    };
    let r = owner.post("/api/v1/workspaces/pachon/planned-observations", plan(&wide)).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    assert_eq!(
        r.body["field"],
        json!({"shape": "rectangle", "width_deg": 1.5, "height_deg": 1.0, "position_angle_deg": 0.0})
    );
    let r = owner.post("/api/v1/workspaces/pachon/planned-observations", plan(&bare)).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "field");

    // Changing one side keeps the other; null for both clears it.
    let path = format!("/api/v1/workspaces/pachon/instruments/{wide}");
    let r = owner.patch(&path, json!({"field_height_arcmin": 30.0})).await;
    assert_eq!(
        (r.body["field_width_arcmin"].as_f64(), r.body["field_height_arcmin"].as_f64()),
        (Some(90.0), Some(30.0))
    );
    let r = owner.patch(&path, json!({"field_width_arcmin": null, "field_height_arcmin": null})).await;
    assert!(r.body["field_width_arcmin"].is_null() && r.body["field_height_arcmin"].is_null(), "{}", r.body);
}

#[actix_web::test]
async fn plans_are_private_to_their_workspace() {
    let app = app().await;
    let (mut owner, _site, telescope_id, _target) = plan_setup(&app).await;
    let r = owner
        .post(
            "/api/v1/workspaces/pachon/planned-observations",
            json!({"ra": 10.0, "dec": -20.0, "telescope_id": telescope_id,
                   "field": {"shape": "circle", "radius_deg": 0.5},
                   "starts_at": "2022-06-17T03:00:00Z", "ends_at": "2022-06-17T04:00:00Z"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    let id = r.body["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/workspaces/pachon/planned-observations/{id}");

    // Someone else's workspace cannot reach it, even with the id.
    let (mut other, _) = app.user("Other").await;
    workspace(&mut other, "elsewhere", "public").await;
    other.get(&path).await.assert_problem(404, "not_found");
    other
        .get(&format!("/api/v1/workspaces/elsewhere/planned-observations/{id}"))
        .await
        .assert_problem(404, "not_found");
    app.client().get(&path).await.assert_problem(404, "not_found");

    // A viewer reads it but may not change it; a telescope in another workspace is not a telescope here.
    let (mut viewer, _) = app.user("Viewer").await;
    add_member(&app, &mut owner, "pachon", "viewer@example.org", "viewer").await;
    assert_eq!(viewer.get(&path).await.status.as_u16(), 200);
    viewer.patch(&path, json!({"notes": "x"})).await.assert_problem(403, "forbidden");
    viewer.delete(&path).await.assert_problem(403, "forbidden");
    let other_site = site(&mut other, "elsewhere", "Other site").await;
    let other_telescope = telescope(&mut other, "elsewhere", &other_site, "Other scope").await;
    let r = owner.patch(&path, json!({"telescope_id": other_telescope})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "telescope_id");
}

// ---- The command line -------------------------------------------------------------------------------------------

fn meridian(args: &[&str], data_dir: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_meridian"))
        .args(args)
        .env("MERIDIAN_DATA_DIR", data_dir)
        .env_remove("MERIDIAN_CONFIG")
        .env_remove("MERIDIAN_DATABASE_URL")
        .output()
        .expect("run meridian")
}

/// `meridian satellites fov --catalog FILE --json` needs no server and no database, and agrees with the reference
/// (the first field of its first case); without `--catalog` it uses the catalog imported into the database.
#[test]
fn command_line_fov_with_a_file_and_with_the_stored_catalog() {
    let dir = tempfile::tempdir().expect("tempdir");
    let reference: Value = serde_json::from_slice(&std::fs::read(REFERENCE).expect("reference")).expect("json");
    let case = &reference["cases"][0];
    let field = &case["fields"][0];
    assert_eq!(field["shape"], "circle");
    let num = |v: &Value| v.as_f64().expect("number").to_string();
    let args_for = |catalog: Option<&str>| {
        let mut a: Vec<String> = vec!["satellites".into(), "fov".into()];
        if let Some(c) = catalog {
            a.extend(["--catalog".into(), c.into()]);
        }
        a.extend([
            "--lat".into(),
            num(&case["site"]["lat_deg"]),
            "--lon".into(),
            num(&case["site"]["lon_deg"]),
            "--elevation".into(),
            num(&case["site"]["elevation_m"]),
            "--ra".into(),
            num(&field["ra_deg"]),
            "--dec".into(),
            num(&field["dec_deg"]),
            "--radius".into(),
            num(&field["radius_deg"]),
            "--start".into(),
            "2022-06-17T03:00:00Z".into(),
            "--end".into(),
            "2022-06-17T03:20:00Z".into(),
            "--json".into(),
        ]);
        a
    };
    assert_eq!(case["start"], "2022-06-17T03:00:00Z");
    assert_eq!(case["minutes"], 20);
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = meridian(&args, dir.path());
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice::<Value>(&out.stdout).expect("JSON on stdout")
    };
    let from_file = run(args_for(Some(CATALOG)));
    let start = secs("2022-06-17T03:00:00Z");
    let want: Vec<&Value> = case["crossings"]
        .as_array()
        .expect("crossings")
        .iter()
        .filter(|c| {
            c["field"] == 0 && c["exit_s"].as_f64().expect("exit") - c["entry_s"].as_f64().expect("entry") >= 0.1
        })
        .collect();
    let got = from_file["crossings"].as_array().expect("crossings");
    assert!(!want.is_empty());
    assert_eq!(got.len(), want.len(), "{from_file}");
    for w in want {
        let g = got.iter().find(|g| g["norad_id"] == w["norad_id"]).unwrap_or_else(|| panic!("missing {w}"));
        let entry = secs(g["entry"].as_str().expect("entry")) - start;
        assert!((entry - w["entry_s"].as_f64().expect("entry")).abs() < 0.5, "{g} vs {w}");
        for key in [
            "closest_approach",
            "angular_speed_deg_per_s",
            "sunlit_at_closest",
            "sun_altitude_deg",
            "element_age_days",
            "in_field_at_start",
            "in_field_at_end",
            "name",
            "exit",
        ] {
            assert!(!g[key].is_null(), "{key} missing in {g}");
        }
        assert!(g["entry"].as_str().is_some_and(|s| s.ends_with('Z') && s.contains('.')));
    }

    // Without --catalog and nothing imported: exit status 2 and a reason.
    let mut no_catalog = args_for(None);
    no_catalog.retain(|a| a != "--json");
    let out = meridian(&no_catalog.iter().map(String::as_str).collect::<Vec<_>>(), dir.path());
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("import"));

    // Imported into the embedded database, the stored catalog gives the same answer.
    let out = meridian(&["satellites", "import", CATALOG, "--json"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("summary");
    assert!(summary["updated"].as_u64().is_some_and(|n| n >= 5000), "{summary}");
    let stored = run(args_for(None));
    assert_eq!(stored["crossings"], from_file["crossings"]);
}

#[test]
fn command_line_passes_and_bad_input() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = meridian(
        &[
            "satellites",
            "passes",
            "--catalog",
            CATALOG,
            "--norad",
            "25544",
            "--lat",
            "28.76",
            "--lon",
            "-17.88",
            "--elevation",
            "2396",
            "--start",
            "2022-06-17T00:00:00Z",
            "--end",
            "2022-06-18T00:00:00Z",
            "--min-altitude",
            "10",
            "--json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["object"]["norad_id"], 25544);
    assert!(v["passes"].as_array().is_some_and(|p| !p.is_empty()), "{v}");

    for (args, field) in [
        (vec!["--lat", "95", "--lon", "0", "--ra", "10", "--dec", "0", "--radius", "1"], "latitude"),
        (vec!["--lat", "10", "--lon", "0", "--ra", "10", "--dec", "0", "--radius", "0"], "radius"),
        (
            vec![
                "--lat",
                "10",
                "--lon",
                "0",
                "--ra",
                "10",
                "--dec",
                "0",
                "--radius",
                "1",
                "--end",
                "2022-06-16T00:00:00Z",
            ],
            "end",
        ),
    ] {
        let mut all = vec!["satellites", "fov", "--catalog", CATALOG, "--start", "2022-06-17T00:00:00Z"];
        if !args.contains(&"--end") {
            all.extend(["--end", "2022-06-17T01:00:00Z"]);
        }
        all.extend(args);
        let out = meridian(&all, dir.path());
        assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(field), "{field}: {err}");
    }
    // A malformed catalog file: exit 2 naming the line.
    let bad = dir.path().join("bad.tle");
    std::fs::write(&bad, "1 25544U 98067A   22167.98291539  .00007389  00000+0  13721-3 0  9990\n").expect("write");
    let out = meridian(
        &[
            "satellites",
            "fov",
            "--catalog",
            bad.to_str().expect("path"),
            "--lat",
            "10",
            "--lon",
            "0",
            "--ra",
            "1",
            "--dec",
            "1",
            "--radius",
            "1",
            "--start",
            "2022-06-17T00:00:00Z",
            "--end",
            "2022-06-17T01:00:00Z",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
}

// ---- Authorization matrix -----------------------------------------------------------------------------------------

/// A site and telescope (and, with `plan`, a plan on it) made by the owner; the call goes to `suffix`.
fn plan_call<'a>(
    o: &'a mut Client,
    slug: &'a str,
    n: u32,
    suffix: &'static str,
    body: Option<Value>,
    plan: bool,
) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let site_id = site(o, slug, &format!("Plan site {n}")).await;
        let telescope_id = telescope(o, slug, &site_id, &format!("Plan scope {n}")).await;
        let create = json!({"name": format!("Plan {n}"), "ra": 10.0, "dec": -20.0, "telescope_id": telescope_id,
                            "field": {"shape": "circle", "radius_deg": 0.5},
                            "starts_at": "2022-06-17T03:00:00Z", "ends_at": "2022-06-17T04:00:00Z"});
        if !plan {
            return Call { path: format!("/api/v1/workspaces/{slug}/planned-observations"), body: Some(create) };
        }
        let r = o.post(&format!("/api/v1/workspaces/{slug}/planned-observations"), create).await;
        assert_eq!(r.status.as_u16(), 201, "{}", r.body);
        let id = r.body["id"].as_str().expect("plan id");
        Call { path: format!("/api/v1/workspaces/{slug}/planned-observations/{id}{suffix}"), body }
    })
}

const PLANS: &str = "/api/v1/workspaces/{slug}/planned-observations";
const PLAN: &str = "/api/v1/workspaces/{slug}/planned-observations/{id}";

pub const MATRIX: &[Route] = &[
    Route::get(PLANS).needs(Action::ViewWorkspace).ok(200),
    Route::post(PLANS).needs(Action::CreateData).setup(|o, s, n| plan_call(o, s, n, "", None, false)).ok(201),
    Route::get(PLAN)
        .needs(Action::ViewWorkspace)
        .on(Obj::Private)
        .setup(|o, s, n| plan_call(o, s, n, "", None, true))
        .ok(200),
    Route::patch(PLAN)
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| plan_call(o, s, n, "", Some(json!({"notes": "moved"})), true))
        .ok(200),
    Route::post("/api/v1/workspaces/{slug}/planned-observations/{id}/check")
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| plan_call(o, s, n, "/check", None, true))
        .ok(200),
    Route::delete(PLAN)
        .needs(Action::DeleteData)
        .on(Obj::Private)
        .setup(|o, s, n| plan_call(o, s, n, "", None, true))
        .ok(204),
];

// ---- Pages ------------------------------------------------------------------------------------------------------

fn page_text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.raw).into_owned()
}

fn form_body(pairs: &[(&str, &str)]) -> Vec<u8> {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&").into_bytes()
}

/// The public check page: a form for anyone, and for a check the sky chart with one track per crossing, the
/// table, and the catalog's age; bad input is explained, not a 500.
#[actix_web::test]
async fn the_public_check_page_draws_the_field_and_its_crossings() {
    let app = app().await;
    imported(&app).await;
    let mut anon = app.client();
    let r = anon.get("/satellites").await;
    assert_eq!(r.status.as_u16(), 200);
    let page = page_text(&r);
    assert!(page.contains("id=\"satellite-check\"") && !page.contains("id=\"skychart\""), "{page}");

    let query = "lat=-30.2407&lon=-70.7366&elevation=2715&ra=242.1743&dec=-28.2117&radius=2\
        &start=2022-06-17T03:00:00Z&end=2022-06-17T03:20:00Z";
    let api = anon
        .post(
            "/api/v1/satellites/fov",
            json!({"site": {"latitude": -30.2407, "longitude": -70.7366, "elevation_m": 2715.0},
                   "fields": [{"ra": 242.1743, "dec": -28.2117, "shape": "circle", "radius_deg": 2.0}],
                   "start": "2022-06-17T03:00:00Z", "end": "2022-06-17T03:20:00Z"}),
        )
        .await;
    let crossings = api.body["crossings"].as_array().expect("crossings").clone();
    assert!(!crossings.is_empty());
    let page = page_text(&anon.get(&format!("/satellites?{query}")).await);
    assert!(page.contains("id=\"skychart\"") && page.contains("id=\"crossings\""), "{page}");
    assert!(page.contains(&format!("{} crossing", crossings.len())), "{page}");
    assert_eq!(page.matches("<g class=\"crossing\">").count(), crossings.len(), "one track per crossing");
    for c in &crossings {
        assert!(page.contains(&format!("<td class=\"num\">{}</td>", c["norad_id"])), "{c} in {page}");
    }
    let lit = crossings.iter().filter(|c| c["sunlit_at_entry"] == true).count();
    assert_eq!(page.matches("class=\"track sunlit\" x1").count(), lit, "first halves coloured by sunlight at entry");
    assert!(page.contains("5018 objects; elements from 2022-05-20"), "the catalog's age: {page}");
    assert!(page.contains("value=\"242.1743\""), "the form keeps the query: {page}");

    let page = page_text(&anon.get(&format!("/satellites?{}", query.replace("lat=-30.2407", "lat=95"))).await);
    assert!(page.contains("id=\"check-error\"") && page.contains("latitude"), "{page}");
}

#[actix_web::test]
async fn plan_pages_list_plans_show_the_check_and_act_only_with_the_csrf_token() {
    let app = app().await;
    imported(&app).await;
    let (mut owner, _site, telescope_id, target_id) = plan_setup(&app).await;
    let token = owner.cookies.get(meridian_http::cookies::CSRF_COOKIE).cloned().expect("csrf cookie");
    let fields = |t: &str| {
        form_body(&[
            ("csrf_token", t),
            ("slug", "pachon"),
            ("name", ""),
            ("target_id", &target_id),
            ("ra", ""),
            ("dec", ""),
            ("telescope_id", &telescope_id),
            ("radius", "2"),
            ("width", ""),
            ("height", ""),
            ("position_angle", ""),
            ("starts_at", "2022-06-17T03:00"),
            ("ends_at", "2022-06-17T03:20"),
        ])
    };
    let form = Some("application/x-www-form-urlencoded");
    let r = owner.request(Method::POST, "/fn/create_plan", Some(fields("forged")), form).await;
    assert!(!r.status.is_success() || page_text(&r).contains("expired"), "{}", page_text(&r));
    let list = owner.get("/api/v1/workspaces/pachon/planned-observations").await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(0), "nothing made with a forged token");

    let r = owner.request(Method::POST, "/fn/create_plan", Some(fields(&token)), form).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{}", page_text(&r));
    let list = owner.get("/api/v1/workspaces/pachon/planned-observations").await;
    let plan = &list.body["items"][0];
    assert_eq!(plan["name"], "Field A", "{}", list.body);
    assert_eq!(plan["check"]["status"], "done");
    let id = plan["id"].as_str().expect("id").to_owned();
    let n = plan["check"]["crossings"].as_array().map(Vec::len).expect("crossings");

    let page = page_text(&owner.get("/w/pachon/plans").await);
    assert!(page.contains(&format!("/w/pachon/plans/{id}")) && page.contains("id=\"plan-form\""), "{page}");
    assert!(page.contains(&format!("{n} crossing")), "{page}");
    let page = page_text(&owner.get(&format!("/w/pachon/plans/{id}")).await);
    assert!(page.contains("id=\"skychart\"") && page.contains("recheck-form"), "{page}");
    assert_eq!(page.matches("<g class=\"crossing\">").count(), n);
    assert!(page.contains("Catalog: elements from 2022-05-20"), "{page}");

    // Visitors and outsiders see nothing of it.
    let r = app.client().get(&format!("/w/pachon/plans/{id}")).await;
    assert_eq!(r.status.as_u16(), 404);
    assert!(!page_text(&r).contains("skychart"));
}

/// A one-file HTTP server on loopback: answers every request with `body` (a real socket, so the fetch goes through
/// reqwest's whole stack). Returns its URL.
fn serve_once_per_request(body: Vec<u8>) -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut buf = [0_u8; 4096];
            let _ = s.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes()).and_then(|()| s.write_all(&body));
        }
    });
    format!("http://{addr}/gp.php?GROUP=active&FORMAT=tle")
}

/// With a catalog URL configured, the `FetchCatalog` job reads it over HTTP and imports it like a file.
#[actix_web::test]
async fn the_scheduled_fetch_imports_the_configured_url() {
    let url = serve_once_per_request(catalog_text());
    let app = TestApp::with_config(ServiceConfig {
        satellites: SatelliteConfig { catalog_url: Some(url.clone()), ..SatelliteConfig::default() },
        ..test_service_config()
    })
    .await;
    use meridian_service::jobs::{Job, PushOptions};
    app.services.jobs().push(Job::FetchCatalog, PushOptions::default()).await.expect("queued");
    app.run_jobs().await;
    let s = app.client().get("/api/v1/satellites/catalog/status").await;
    assert_eq!(s.body["catalog"]["objects"], 5018, "{}", s.body);
    assert_eq!(s.body["recent_imports"][0]["source"], url.as_str());
    assert_eq!(s.body["recent_imports"][0]["imported_by"], "scheduled fetch");
}
