//! Night logs, entries (versions, soft delete, queries), observations, time lost and the night report.

use crate::authz_matrix::{Call, Obj, Route};
use crate::helpers::{Client, TestApp, add_member, api_key, site, telescope, workspace};
use meridian_domain::Action;
use serde_json::{Value, json};

/// A workspace with a site on La Palma (Atlantic/Canary: UTC+0 in winter, +1 in summer) and one telescope.
struct Obs {
    app: TestApp,
    owner: Client,
    telescope: String,
}

async fn observatory(visibility: &str) -> Obs {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Owner").await;
    workspace(&mut owner, "obs", visibility).await;
    let site_id = site(&mut owner, "obs", "Roque").await;
    let telescope = telescope(&mut owner, "obs", &site_id, "WHT").await;
    Obs { app, owner, telescope }
}

async fn night_log(c: &mut Client, slug: &str, telescope: &str, night: &str, visibility: &str) -> Value {
    let r = c
        .post(
            &format!("/api/v1/workspaces/{slug}/night-logs"),
            json!({"telescope_id": telescope, "night": night, "visibility": visibility, "observers": "AB, CD"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn entry(c: &mut Client, slug: &str, log: &str, body: Value) -> Value {
    let r = c.post(&format!("/api/v1/workspaces/{slug}/night-logs/{log}/entries"), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

fn bodies(v: &Value) -> Vec<String> {
    items(v).iter().map(|e| e["body"].as_str().unwrap_or_default().to_owned()).collect()
}

#[track_caller]
fn assert_field(r: &crate::helpers::Reply, field: &str) {
    r.assert_problem(422, "validation_failed");
    let named = r.body["errors"].as_array().is_some_and(|e| e.iter().any(|e| e["field"] == field));
    assert!(named, "expected an error naming {field}: {}", r.body);
}

#[actix_web::test]
async fn a_night_runs_from_local_noon_to_local_noon_and_is_unique_per_telescope() {
    let Obs { app: _app, mut owner, telescope } = observatory("private").await;
    // Canary time is UTC+0 in March before the change on the 29th, UTC+1 after.
    let winter = night_log(&mut owner, "obs", &telescope, "2026-03-14", "private").await;
    assert_eq!(winter["starts_at"], "2026-03-14T12:00:00Z");
    assert_eq!(winter["ends_at"], "2026-03-15T12:00:00Z");
    assert_eq!(winter["time_zone"], "Atlantic/Canary");
    assert_eq!(winter["telescope_name"], "WHT");
    assert_eq!(winter["status"], "open");
    let change = night_log(&mut owner, "obs", &telescope, "2026-03-28", "private").await;
    assert_eq!(change["starts_at"], "2026-03-28T12:00:00Z");
    assert_eq!(change["ends_at"], "2026-03-29T11:00:00Z", "23 hours: the clocks go forward that night");

    let again = owner
        .post("/api/v1/workspaces/obs/night-logs", json!({"telescope_id": telescope, "night": "2026-03-14"}))
        .await;
    again.assert_problem(409, "conflict");
    assert!(again.body["detail"].as_str().is_some_and(|d| d.contains(&id(&winter))), "names the existing log");

    let before = chrono::Utc::now();
    let tonight = owner.post("/api/v1/workspaces/obs/night-logs", json!({"telescope_id": telescope})).await;
    let after = chrono::Utc::now();
    assert_eq!(tonight.status, 201, "{}", tonight.body);
    let start: chrono::DateTime<chrono::Utc> = tonight.body["starts_at"].as_str().unwrap().parse().unwrap();
    let end: chrono::DateTime<chrono::Utc> = tonight.body["ends_at"].as_str().unwrap().parse().unwrap();
    // The night the server chose contains some instant of the call (noon may pass during it).
    assert!(start <= after && before < end, "without a night, tonight's log: {start} .. {end}");

    let got = owner.get(&format!("/api/v1/workspaces/obs/night-logs/{}", id(&winter))).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body["observers"], "AB, CD");
}

#[actix_web::test]
async fn a_sites_time_zone_cannot_change_under_its_night_logs() {
    let Obs { app: _app, mut owner, telescope } = observatory("private").await;
    let t = owner.get(&format!("/api/v1/workspaces/obs/telescopes/{telescope}")).await;
    let site_id = t.body["site_id"].as_str().unwrap().to_owned();
    let site_path = format!("/api/v1/workspaces/obs/sites/{site_id}");
    assert_eq!(owner.patch(&site_path, json!({"time_zone": "Europe/Lisbon"})).await.status, 200, "no logs yet");
    night_log(&mut owner, "obs", &telescope, "2026-03-14", "private").await;
    owner.patch(&site_path, json!({"time_zone": "Europe/Madrid"})).await.assert_problem(409, "conflict");
    assert_eq!(owner.patch(&site_path, json!({"time_zone": "Europe/Lisbon", "name": "Roque 2"})).await.status, 200);
    let madrid = owner
        .post(
            "/api/v1/workspaces/obs/sites",
            json!({"name": "Madrid", "latitude": 40.4, "longitude": -3.7, "elevation_m": 650, "time_zone": "Europe/Madrid"}),
        )
        .await;
    owner
        .patch(&format!("/api/v1/workspaces/obs/telescopes/{telescope}"), json!({"site_id": madrid.body["id"]}))
        .await
        .assert_problem(409, "conflict");
}

#[actix_web::test]
async fn bad_night_log_input_names_the_field() {
    let Obs { app: _app, mut owner, telescope } = observatory("private").await;
    let url = "/api/v1/workspaces/obs/night-logs";
    assert_field(&owner.post(url, json!({"telescope_id": telescope, "night": "2026-3-14"})).await, "night");
    assert_field(&owner.post(url, json!({"telescope_id": telescope, "night": "2026-02-30"})).await, "night");
    assert_field(&owner.post(url, json!({"telescope_id": uuid::Uuid::now_v7()})).await, "telescope_id");
    assert_field(&owner.post(url, json!({"telescope_id": "nope"})).await, "telescope_id");
    assert_field(&owner.post(url, json!({"telescope_id": telescope, "visibility": "everyone"})).await, "visibility");
    let log = night_log(&mut owner, "obs", &telescope, "2026-03-14", "private").await;
    let path = format!("{url}/{}", id(&log));
    assert_field(&owner.patch(&path, json!({"seeing_arcsec": -1.0})).await, "seeing_arcsec");
    assert_field(&owner.patch(&path, json!({"transparency": "foggy"})).await, "transparency");
    assert_field(&owner.patch(&path, json!({"status": "done"})).await, "status");
    assert_field(&owner.get(&format!("{url}?from=2026-03-10&to=2026-03-01")).await, "to");
    let ok = owner
        .patch(&path, json!({"seeing_arcsec": 0.8, "transparency": "photometric", "summary": "Clear all night."}))
        .await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["seeing_arcsec"], 0.8);
    let cleared = owner.patch(&path, json!({"seeing_arcsec": null})).await;
    assert_eq!(cleared.body["seeing_arcsec"], Value::Null);
    assert_eq!(cleared.body["transparency"], "photometric", "absent fields stay");
    assert_eq!(cleared.body["summary"], "Clear all night.");
}

#[actix_web::test]
async fn entries_take_local_times_and_must_fall_within_the_night() {
    let Obs { app: _app, mut owner, telescope } = observatory("private").await;
    let log = id(&night_log(&mut owner, "obs", &telescope, "2026-03-14", "private").await);
    let evening = entry(&mut owner, "obs", &log, json!({"body": "Dome open", "occurred_at": "19:05"})).await;
    assert_eq!(evening["occurred_at"], "2026-03-14T19:05:00Z");
    assert_eq!(evening["version"], 1);
    assert_eq!(evening["level"], "info");
    assert_eq!(evening["author_name"], "Owner");
    let morning =
        entry(&mut owner, "obs", &log, json!({"body": "Closed", "occurred_at": "06:40", "level": "warning"})).await;
    assert_eq!(morning["occurred_at"], "2026-03-15T06:40:00Z", "times before noon are the next morning");
    let tagged = entry(
        &mut owner,
        "obs",
        &log,
        json!({"body": "Humidity 95%", "occurred_at": "2026-03-14T23:59:59Z", "tags": ["Humidity", "dome", "dome"],
               "links": ["https://weather.example/roque"], "time_lost_minutes": 45, "time_lost_category": "weather"}),
    )
    .await;
    assert_eq!(tagged["tags"], json!(["dome", "humidity"]), "normalised, sorted, deduplicated");
    assert_eq!(tagged["time_lost_minutes"], 45);

    let url = format!("/api/v1/workspaces/obs/night-logs/{log}/entries");
    // 11:59 local on the 14th belongs to the night before; 12:01 to this one.
    assert_field(&owner.post(&url, json!({"body": "x", "occurred_at": "2026-03-14T11:59:00Z"})).await, "occurred_at");
    let noon = entry(&mut owner, "obs", &log, json!({"body": "x", "occurred_at": "2026-03-14T12:01:00Z"})).await;
    assert_eq!(noon["night"], "2026-03-14");
    assert_field(&owner.post(&url, json!({"body": "x", "occurred_at": "2026-03-15T12:00:00Z"})).await, "occurred_at");
    assert_field(&owner.post(&url, json!({"body": "x", "occurred_at": "25:00"})).await, "occurred_at");
    assert_field(&owner.post(&url, json!({"body": "   "})).await, "body");
    assert_field(&owner.post(&url, json!({"body": "x", "tags": ["dark sky"]})).await, "tags");
    assert_field(&owner.post(&url, json!({"body": "x", "level": "panic"})).await, "level");
    assert_field(&owner.post(&url, json!({"body": "x", "links": ["javascript:alert(1)"]})).await, "links");
    assert_field(&owner.post(&url, json!({"body": "x", "time_lost_minutes": 30})).await, "time_lost_category");
    assert_field(
        &owner.post(&url, json!({"body": "x", "time_lost_minutes": -3, "time_lost_category": "weather"})).await,
        "time_lost_minutes",
    );
    let list = owner.get(&url).await;
    assert_eq!(bodies(&list.body), ["x", "Dome open", "Humidity 95%", "Closed"], "time order");
}

#[actix_web::test]
async fn editing_keeps_every_version_and_refuses_stale_edits() {
    let Obs { app, mut owner, telescope } = observatory("private").await;
    let (mut observer, _) = app.user("Olga").await;
    add_member(&app, &mut owner, "obs", "olga@example.org", "observer").await;
    let log = id(&night_log(&mut owner, "obs", &telescope, "2026-03-14", "private").await);
    let e =
        entry(&mut owner, "obs", &log, json!({"body": "Seeing 1.2", "tags": ["seeing"], "occurred_at": "22:00"})).await;
    let path = format!("/api/v1/workspaces/obs/entries/{}", id(&e));

    let edited =
        observer.patch(&path, json!({"body": "Seeing 0.9 (DIMM)", "expected_version": 1, "level": "warning"})).await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["version"], 2);
    assert_eq!(edited.body["body"], "Seeing 0.9 (DIMM)");
    assert_eq!(edited.body["tags"], json!(["seeing"]), "absent fields stay");
    assert_eq!(edited.body["author_name"], "Owner");
    assert_eq!(edited.body["edited_by_name"], "Olga");

    let stale = owner.patch(&path, json!({"body": "Seeing 2", "expected_version": 1})).await;
    stale.assert_problem(409, "conflict");
    let same = owner.patch(&path, json!({"body": "Seeing 0.9 (DIMM)"})).await;
    assert_eq!(same.body["version"], 2, "saying the same thing adds no version");
    let retagged = owner.patch(&path, json!({"tags": ["dimm", "seeing"]})).await;
    assert_eq!(retagged.body["version"], 3);

    let history = owner.get(&format!("{path}/versions")).await;
    let versions = items(&history.body);
    assert_eq!(versions.len(), 3);
    assert_eq!(versions[0]["body"], "Seeing 1.2", "the first text stays readable");
    assert_eq!(versions[0]["level"], "info");
    assert_eq!(versions[0]["edited_by_name"], "Owner");
    assert_eq!(versions[1]["edited_by_name"], "Olga");
    assert_eq!(versions[2]["tags"], json!(["dimm", "seeing"]));

    // The tag index follows the edit.
    let by_tag = owner.get("/api/v1/workspaces/obs/entries?tags=dimm").await;
    assert_eq!(bodies(&by_tag.body), ["Seeing 0.9 (DIMM)"]);
    assert_field(&owner.patch(&path, json!({"body": ""})).await, "body");
    let lost = owner.patch(&path, json!({"time_lost_minutes": 20, "time_lost_category": "technical"})).await;
    assert_eq!(lost.body["time_lost_minutes"], 20, "{}", lost.body);
    let cleared = owner.patch(&path, json!({"time_lost_minutes": null})).await;
    assert_eq!(cleared.status, 200, "{}", cleared.body);
    assert_eq!(cleared.body["time_lost_minutes"], Value::Null);
    assert_eq!(cleared.body["time_lost_category"], Value::Null);
    // A value beside the `null` that clears is still checked (Schemathesis found it silently dropped).
    assert_field(
        &owner.patch(&path, json!({"time_lost_minutes": 7164, "time_lost_category": null})).await,
        "time_lost_minutes",
    );
    assert_field(
        &owner.patch(&path, json!({"time_lost_minutes": null, "time_lost_category": "rain"})).await,
        "time_lost_category",
    );
}

#[actix_web::test]
async fn deletion_is_soft_and_only_admins_restore() {
    let Obs { app, mut owner, telescope } = observatory("private").await;
    let (mut observer, _) = app.user("Olga").await;
    let (mut admin, _) = app.user("Adam").await;
    let (mut viewer, _) = app.user("Vera").await;
    add_member(&app, &mut owner, "obs", "olga@example.org", "observer").await;
    add_member(&app, &mut owner, "obs", "adam@example.org", "admin").await;
    add_member(&app, &mut owner, "obs", "vera@example.org", "viewer").await;
    let log = id(&night_log(&mut owner, "obs", &telescope, "2026-03-14", "private").await);
    let mine = entry(&mut observer, "obs", &log, json!({"body": "Mine", "occurred_at": "21:00"})).await;
    let theirs = entry(&mut owner, "obs", &log, json!({"body": "Theirs", "occurred_at": "21:30"})).await;
    let mine_path = format!("/api/v1/workspaces/obs/entries/{}", id(&mine));
    let theirs_path = format!("/api/v1/workspaces/obs/entries/{}", id(&theirs));

    observer.delete(&theirs_path).await.assert_problem(403, "forbidden");
    assert_eq!(observer.delete(&mine_path).await.status, 204);
    assert_eq!(observer.delete(&mine_path).await.status, 204, "idempotent");
    let list_url = format!("/api/v1/workspaces/obs/night-logs/{log}/entries");
    assert_eq!(bodies(&viewer.get(&list_url).await.body), ["Theirs"]);
    viewer.get(&mine_path).await.assert_problem(404, "not_found");
    assert_eq!(admin.delete(&theirs_path).await.status, 204);
    observer.get(&theirs_path).await.assert_problem(404, "not_found");
    observer.get(&format!("{theirs_path}/versions")).await.assert_problem(404, "not_found");
    assert_eq!(observer.get(&mine_path).await.status, 200, "authors still see their own deleted entry");
    assert_eq!(admin.post(&format!("{theirs_path}/restore"), json!({})).await.status, 200);
    assert_eq!(bodies(&owner.get("/api/v1/workspaces/obs/entries").await.body), ["Theirs"]);
    viewer.get(&format!("{list_url}?include_deleted=true")).await.assert_problem(403, "forbidden");
    let with_deleted = admin.get(&format!("{list_url}?include_deleted=true")).await;
    let deleted = items(&with_deleted.body);
    assert_eq!(deleted.len(), 2);
    assert!(deleted[0]["deleted_at"].is_string());
    observer.patch(&mine_path, json!({"body": "edit"})).await.assert_problem(409, "conflict");

    observer.post(&format!("{mine_path}/restore"), json!({})).await.assert_problem(403, "forbidden");
    let restored = admin.post(&format!("{mine_path}/restore"), json!({})).await;
    assert_eq!(restored.status, 200, "{}", restored.body);
    assert_eq!(restored.body["deleted_at"], Value::Null);
    assert_eq!(bodies(&viewer.get(&list_url).await.body), ["Mine", "Theirs"]);
    let versions = viewer.get(&format!("{mine_path}/versions")).await;
    assert_eq!(items(&versions.body).len(), 1, "history survives deletion");
    assert_eq!(admin.delete(&theirs_path).await.status, 204, "admins delete anyone's");
}

/// Builds three nights of entries for the query tests.
async fn three_nights(o: &mut Obs) -> (String, String) {
    let tel = o.telescope.clone();
    let site2 = site(&mut o.owner, "obs", "Second site").await;
    let tel2 = telescope(&mut o.owner, "obs", &site2, "INT").await;
    let n1 = id(&night_log(&mut o.owner, "obs", &tel, "2026-01-10", "private").await);
    let n2 = id(&night_log(&mut o.owner, "obs", &tel, "2026-01-11", "private").await);
    let n3 = id(&night_log(&mut o.owner, "obs", &tel2, "2026-01-12", "private").await);
    for (log, t, body, tags, level, lost) in [
        (&n1, "20:00", "Dome open, seeing 1.1", vec!["dome", "seeing"], "info", None),
        (&n1, "23:00", "Guiding lost: 100% cloud", vec!["guiding"], "problem", Some((40, "weather"))),
        (&n2, "21:00", "Focus run", vec!["focus"], "info", None),
        (&n2, "22:00", "Dome stuck", vec!["dome"], "problem", Some((90, "technical"))),
        (&n3, "01:00", "Seeing 0.7 at INT", vec!["seeing"], "warning", Some((15, "other"))),
    ] {
        let mut b = json!({"body": body, "occurred_at": t, "tags": tags, "level": level});
        if let Some((m, c)) = lost {
            b["time_lost_minutes"] = json!(m);
            b["time_lost_category"] = json!(c);
        }
        entry(&mut o.owner, "obs", log, b).await;
    }
    (tel, tel2)
}

#[actix_web::test]
async fn entry_queries_filter_order_and_paginate() {
    let mut o = observatory("private").await;
    let (tel, tel2) = three_nights(&mut o).await;
    let c = &mut o.owner;
    let q = |s: &str| format!("/api/v1/workspaces/obs/entries?{s}");

    let all = c.get(&q("")).await;
    assert_eq!(items(&all.body).len(), 5);
    assert_eq!(bodies(&c.get(&q("tags=dome,seeing")).await.body).len(), 3, "any");
    assert_eq!(bodies(&c.get(&q("tags=dome,seeing&tag_mode=all")).await.body), ["Dome open, seeing 1.1"]);
    assert_eq!(
        bodies(&c.get(&q("tags=dome,seeing&tag_mode=none")).await.body),
        ["Guiding lost: 100% cloud", "Focus run"]
    );
    assert_eq!(bodies(&c.get(&q("level=problem")).await.body), ["Guiding lost: 100% cloud", "Dome stuck"]);
    assert_eq!(bodies(&c.get(&q("level=warning,info")).await.body).len(), 3);
    assert_eq!(bodies(&c.get(&q("q=DOME")).await.body), ["Dome open, seeing 1.1", "Dome stuck"], "case-insensitive");
    assert_eq!(bodies(&c.get(&q("q=100%25")).await.body), ["Guiding lost: 100% cloud"], "% is literal");
    assert_eq!(bodies(&c.get(&q("q=1_1")).await.body), Vec::<String>::new(), "_ is literal");
    assert_eq!(bodies(&c.get(&q("night_from=2026-01-11&night_to=2026-01-11")).await.body), ["Focus run", "Dome stuck"]);
    assert_eq!(bodies(&c.get(&q(&format!("telescope={tel2}"))).await.body), ["Seeing 0.7 at INT"]);
    assert_eq!(bodies(&c.get(&q(&format!("telescope={tel}&has_time_lost=true"))).await.body).len(), 2);
    assert_eq!(bodies(&c.get(&q("has_time_lost=false")).await.body).len(), 2);
    assert_eq!(
        bodies(&c.get(&q("tags=dome&night_from=2026-01-11&q=stuck")).await.body),
        ["Dome stuck"],
        "tag + date range + text together"
    );
    let author = all.body["items"][0]["author_id"].as_str().unwrap().to_owned();
    assert_eq!(bodies(&c.get(&q(&format!("author={author}"))).await.body).len(), 5);
    let desc = bodies(&c.get(&q("order=desc")).await.body);
    assert_eq!(desc.first().map(String::as_str), Some("Seeing 0.7 at INT"));

    // Pages of two cover everything once, in order.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..5 {
        let url = match &cursor {
            Some(cur) => q(&format!("limit=2&cursor={cur}")),
            None => q("limit=2"),
        };
        let page = c.get(&url).await;
        seen.extend(bodies(&page.body));
        cursor = page.body["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    assert_eq!(seen, bodies(&all.body));

    // Entries at the same instant (and one given to the nanosecond) page without repeats or gaps, both ways.
    let n2 = c.get("/api/v1/workspaces/obs/night-logs?from=2026-01-11&to=2026-01-11").await;
    let n2 = n2.body["items"][0]["id"].as_str().unwrap().to_owned();
    for i in 0..4 {
        entry(c, "obs", &n2, json!({"body": format!("same {i}"), "occurred_at": "2026-01-11T21:30:00.000000500Z"}))
            .await;
    }
    for order in ["asc", "desc"] {
        let every = bodies(&c.get(&q(&format!("order={order}&limit=200"))).await.body);
        assert_eq!(every.len(), 9);
        let mut paged = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..20 {
            let url = match &cursor {
                Some(cur) => q(&format!("order={order}&limit=1&cursor={cur}")),
                None => q(&format!("order={order}&limit=1")),
            };
            let page = c.get(&url).await;
            paged.extend(bodies(&page.body));
            cursor = page.body["next_cursor"].as_str().map(str::to_owned);
            if cursor.is_none() {
                break;
            }
        }
        assert_eq!(paged, every, "{order}");
    }

    assert_field(&c.get(&q("night_from=2026-01-12&night_to=2026-01-10")).await, "night_to");
    assert_field(&c.get(&q("tags=dark%20sky")).await, "tags");
    assert_field(&c.get(&q("tag_mode=some")).await, "tag_mode");
    assert_field(&c.get(&q("level=loud")).await, "level");
    assert_field(&c.get(&q("order=random")).await, "order");
    assert_field(&c.get(&q("telescope=xyz")).await, "telescope");
    assert_field(&c.get(&q("cursor=garbage!")).await, "cursor");
}

#[actix_web::test]
async fn time_lost_totals_per_category() {
    let mut o = observatory("private").await;
    let (tel, _) = three_nights(&mut o).await;
    let c = &mut o.owner;
    let all = c.get("/api/v1/workspaces/obs/time-lost").await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(all.body["total_minutes"], 145);
    assert_eq!(
        all.body["totals"],
        json!([
            {"category": "weather", "minutes": 40, "entries": 1},
            {"category": "technical", "minutes": 90, "entries": 1},
            {"category": "other", "minutes": 15, "entries": 1},
        ])
    );
    let range = c.get(&format!("/api/v1/workspaces/obs/time-lost?from=2026-01-11&to=2026-01-12&telescope={tel}")).await;
    assert_eq!(range.body["total_minutes"], 90);
    // Deleted entries do not count.
    let stuck = c.get("/api/v1/workspaces/obs/entries?q=stuck").await;
    let stuck_id = stuck.body["items"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(c.delete(&format!("/api/v1/workspaces/obs/entries/{stuck_id}")).await.status, 204);
    assert_eq!(c.get("/api/v1/workspaces/obs/time-lost").await.body["total_minutes"], 55);
    assert_field(&c.get("/api/v1/workspaces/obs/time-lost?from=2026-02-01&to=2026-01-01").await, "to");
}

#[actix_web::test]
async fn observations_and_calibrations() {
    let Obs { app, mut owner, telescope } = observatory("private").await;
    let (mut observer, _) = app.user("Olga").await;
    add_member(&app, &mut owner, "obs", "olga@example.org", "observer").await;
    let log = id(&night_log(&mut owner, "obs", &telescope, "2026-03-14", "private").await);
    let url = format!("/api/v1/workspaces/obs/night-logs/{log}/observations");

    let m42 = observer
        .post(
            &url,
            json!({"target_name": "M42", "ra": "05:35:17.3", "dec": "-05 23 28", "start_at": "21:10",
                   "exposure_s": 120, "filter": "r'", "notes": "Trapezium"}),
        )
        .await;
    assert_eq!(m42.status, 201, "{}", m42.body);
    assert!((m42.body["ra_deg"].as_f64().unwrap() - 83.822_083).abs() < 1e-5, "{}", m42.body);
    assert!((m42.body["dec_deg"].as_f64().unwrap() + 5.391_111).abs() < 1e-5);
    assert_eq!(m42.body["frame_type"], "science");
    assert_eq!(m42.body["quality"], "ok");
    let bias = observer
        .post(&url, json!({"start_at": "18:00", "exposure_s": 0, "frame_type": "bias", "target_name": "bias"}))
        .await;
    assert_eq!(bias.status, 201, "{}", bias.body);
    assert_eq!(bias.body["ra_deg"], Value::Null);

    assert_field(&observer.post(&url, json!({"start_at": "21:00", "exposure_s": 10, "ra": 400, "dec": 0})).await, "ra");
    assert_field(&observer.post(&url, json!({"start_at": "21:00", "exposure_s": 10, "ra": 10})).await, "dec");
    assert_field(&observer.post(&url, json!({"start_at": "21:00", "exposure_s": -1})).await, "exposure_s");
    assert_field(&observer.post(&url, json!({"exposure_s": 1})).await, "start_at");
    assert_field(&observer.post(&url, json!({"start_at": "2026-03-16T01:00:00Z", "exposure_s": 1})).await, "start_at");
    assert_field(
        &observer.post(&url, json!({"start_at": "21:00", "exposure_s": 1, "frame_type": "lamp"})).await,
        "frame_type",
    );
    assert_field(
        &observer
            .post(&url, json!({"start_at": "21:00", "exposure_s": 1, "instrument_id": uuid::Uuid::now_v7()}))
            .await,
        "instrument_id",
    );

    let list = observer.get(&url).await;
    let names: Vec<&str> =
        list.body["items"].as_array().unwrap().iter().map(|o| o["target_name"].as_str().unwrap()).collect();
    assert_eq!(names, ["bias", "M42"], "by start time");

    let path = format!("/api/v1/workspaces/obs/observations/{}", id(&m42.body));
    let flagged = observer.patch(&path, json!({"quality": "questionable", "notes": "clouds"})).await;
    assert_eq!(flagged.status, 200, "{}", flagged.body);
    assert_eq!(flagged.body["quality"], "questionable");
    assert_eq!(flagged.body["filter"], "r'", "absent fields stay");
    let cleared = observer.patch(&path, json!({"ra": null, "dec": null})).await;
    assert_eq!(cleared.body["ra_deg"], Value::Null);
    observer.delete(&path).await.assert_problem(403, "forbidden");
    assert_eq!(owner.delete(&path).await.status, 204);
    owner.get(&path).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_closed_night_refuses_changes_until_reopened() {
    let Obs { app: _app, mut owner, telescope } = observatory("private").await;
    let log = id(&night_log(&mut owner, "obs", &telescope, "2026-03-14", "private").await);
    let e = entry(&mut owner, "obs", &log, json!({"body": "Last light", "occurred_at": "05:00"})).await;
    let path = format!("/api/v1/workspaces/obs/night-logs/{log}");
    assert_eq!(owner.patch(&path, json!({"status": "closed"})).await.body["status"], "closed");
    owner.post(&format!("{path}/entries"), json!({"body": "late"})).await.assert_problem(409, "conflict");
    owner
        .patch(&format!("/api/v1/workspaces/obs/entries/{}", id(&e)), json!({"body": "edit"}))
        .await
        .assert_problem(409, "conflict");
    assert_eq!(owner.patch(&path, json!({"status": "open"})).await.status, 200);
    assert_eq!(
        owner.post(&format!("{path}/entries"), json!({"body": "late", "occurred_at": "05:30"})).await.status,
        201
    );
}

#[actix_web::test]
async fn publishing_a_night_shows_it_to_anonymous_visitors() {
    let Obs { app, mut owner, telescope } = observatory("public").await;
    let (mut observer, _) = app.user("Olga").await;
    let (mut member, _) = app.user("Mike").await;
    add_member(&app, &mut owner, "obs", "olga@example.org", "observer").await;
    add_member(&app, &mut owner, "obs", "mike@example.org", "member").await;
    let public = id(&night_log(&mut owner, "obs", &telescope, "2026-03-14", "private").await);
    let private = id(&night_log(&mut owner, "obs", &telescope, "2026-03-15", "private").await);
    entry(&mut owner, "obs", &public, json!({"body": "Public text", "occurred_at": "22:00"})).await;
    entry(&mut owner, "obs", &private, json!({"body": "Private text", "occurred_at": "22:00"})).await;

    let path = format!("/api/v1/workspaces/obs/night-logs/{public}");
    observer.patch(&path, json!({"visibility": "public"})).await.assert_problem(403, "forbidden");
    assert_eq!(observer.patch(&path, json!({"summary": "fine"})).await.status, 200, "observers edit the header");
    assert_eq!(member.patch(&path, json!({"visibility": "public"})).await.body["visibility"], "public");

    let mut anon = app.client();
    assert_eq!(anon.get(&path).await.status, 200);
    anon.get(&format!("/api/v1/workspaces/obs/night-logs/{private}")).await.assert_problem(404, "not_found");
    let listed = anon.get("/api/v1/workspaces/obs/night-logs").await;
    assert_eq!(items(&listed.body).len(), 1);
    assert_eq!(listed.body["items"][0]["id"], public.as_str());
    assert_eq!(bodies(&anon.get("/api/v1/workspaces/obs/entries").await.body), ["Public text"]);
    assert_eq!(anon.get(&format!("{path}/report.md")).await.status, 200);
    anon.post(&format!("{path}/entries"), json!({"body": "graffiti"})).await.assert_problem(401, "unauthenticated");
    let (mut outsider, _) = app.user("Otto").await;
    outsider.post(&format!("{path}/entries"), json!({"body": "graffiti"})).await.assert_problem(403, "forbidden");

    // A public log in a private workspace stays hidden.
    owner.patch("/api/v1/workspaces/obs", json!({"visibility": "private"})).await;
    anon.get(&path).await.assert_problem(404, "not_found");
    anon.get("/api/v1/workspaces/obs/entries").await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn night_reports_in_markdown_and_csv() {
    let Obs { app: _app, mut owner, telescope } = observatory("private").await;
    let log = id(&night_log(&mut owner, "obs", &telescope, "2026-03-14", "private").await);
    let path = format!("/api/v1/workspaces/obs/night-logs/{log}");
    owner.patch(&path, json!({"summary": "Good night | mostly", "seeing_arcsec": 0.9})).await;
    entry(&mut owner, "obs", &log, json!({"body": "=cmd|' /C calc'!A0", "occurred_at": "20:00"})).await;
    entry(
        &mut owner,
        "obs",
        &log,
        json!({"body": "Clouds, closed", "occurred_at": "02:00", "level": "problem", "tags": ["weather"],
               "time_lost_minutes": 120, "time_lost_category": "weather"}),
    )
    .await;
    let gone = entry(&mut owner, "obs", &log, json!({"body": "Deleted line", "occurred_at": "03:00"})).await;
    owner.delete(&format!("/api/v1/workspaces/obs/entries/{}", id(&gone))).await;
    let obs = owner
        .post(
            &format!("{path}/observations"),
            json!({"target_name": "NGC 2392", "start_at": "21:00", "exposure_s": 300, "filter": "V"}),
        )
        .await;
    assert_eq!(obs.status, 201);

    let md = owner.get(&format!("{path}/report.md")).await;
    assert_eq!(md.status, 200);
    assert!(md.content_type.starts_with("text/markdown"), "{}", md.content_type);
    let disposition = md.headers.get("content-disposition").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(disposition.contains("2026-03-14-wht.md"), "{disposition}");
    let text = String::from_utf8(md.raw).unwrap();
    assert!(text.starts_with("# Night log: WHT at Roque, night of 2026-03-14"), "{text}");
    assert!(text.contains("| weather | 120 |"), "{text}");
    assert!(text.contains("| **total** | **120** |"), "{text}");
    assert!(text.contains("### 02:00 (02:00 UTC) · problem · Owner"), "{text}");
    assert!(text.contains("NGC 2392"), "{text}");
    assert!(!text.contains("Deleted line"), "deleted entries are not reported");
    assert!(text.contains("Good night | mostly"));

    let csv = owner.get(&format!("{path}/report.csv")).await;
    assert!(csv.content_type.starts_with("text/csv"));
    let mut reader = csv::Reader::from_reader(csv.raw.as_slice());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(header[0], "record");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let kinds: Vec<&str> = rows.iter().map(|r| r.get(0).unwrap()).collect();
    assert_eq!(kinds, ["entry", "entry", "observation", "time_lost_total", "time_lost_total", "time_lost_total"]);
    let text_col = header.iter().position(|h| h == "text").unwrap();
    assert_eq!(&rows[0][text_col], "'=cmd|' /C calc'!A0", "formula-looking cells are defused");
    assert_eq!(&rows[1][text_col], "Clouds, closed", "commas survive quoting");
    assert_eq!(&rows[3][9], "120");
}

// ---- Authorization matrix ------------------------------------------------------------------------------------

async fn setup_log(owner: &mut Client, slug: &str, n: u32, visibility: &str) -> String {
    let site_id = site(owner, slug, &format!("Site {n}")).await;
    let tel = telescope(owner, slug, &site_id, &format!("Scope {n}")).await;
    id(&night_log(owner, slug, &tel, "2026-03-14", visibility).await)
}

async fn setup_entry(owner: &mut Client, slug: &str, n: u32, visibility: &str) -> String {
    let log = setup_log(owner, slug, n, visibility).await;
    id(&entry(owner, slug, &log, json!({"body": "matrix", "occurred_at": "22:00"})).await)
}

async fn setup_observation(owner: &mut Client, slug: &str, n: u32) -> String {
    let log = setup_log(owner, slug, n, "private").await;
    let r = owner
        .post(
            &format!("/api/v1/workspaces/{slug}/night-logs/{log}/observations"),
            json!({"start_at": "21:00", "exposure_s": 1}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    id(&r.body)
}

fn call(path: String, body: Option<Value>) -> Call {
    Call { path, body }
}

/// A setup written as its async body.
macro_rules! setup {
    (|$o:ident, $slug:ident, $n:ident| $body:expr) => {
        |$o, $slug, $n| Box::pin(async move { $body })
    };
}

const LOGS: &str = "/api/v1/workspaces/{slug}/night-logs";
const LOG: &str = "/api/v1/workspaces/{slug}/night-logs/{id}";
const LOG_ENTRIES: &str = "/api/v1/workspaces/{slug}/night-logs/{id}/entries";
const LOG_OBSERVATIONS: &str = "/api/v1/workspaces/{slug}/night-logs/{id}/observations";
const ENTRY: &str = "/api/v1/workspaces/{slug}/entries/{id}";
const OBSERVATION: &str = "/api/v1/workspaces/{slug}/observations/{id}";

pub const MATRIX: &[Route] = &[
    Route::get(LOGS).reads(Obj::Workspace).ok(200),
    Route::post(LOGS)
        .needs(Action::WriteNightLog)
        .setup(setup!(|o, slug, n| {
            let s = site(o, slug, &format!("Site {n}")).await;
            let t = telescope(o, slug, &s, &format!("Scope {n}")).await;
            call(
                format!("/api/v1/workspaces/{slug}/night-logs"),
                Some(json!({"telescope_id": t, "night": "2026-01-01"})),
            )
        }))
        .ok(201),
    Route::get(LOG)
        .reads(Obj::Private)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/night-logs/{}", setup_log(o, slug, n, "private").await),
            None
        )))
        .ok(200),
    Route::get(LOG)
        .reads(Obj::Public)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/night-logs/{}", setup_log(o, slug, n, "public").await),
            None
        )))
        .ok(200),
    Route::patch(LOG)
        .needs(Action::WriteNightLog)
        .on(Obj::Private)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/night-logs/{}", setup_log(o, slug, n, "private").await),
            Some(json!({"summary": "matrix"}))
        )))
        .ok(200),
    Route::patch(LOG)
        .needs(Action::WriteNightLog)
        .on(Obj::Public)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/night-logs/{}", setup_log(o, slug, n, "public").await),
            Some(json!({"summary": "matrix"}))
        )))
        .ok(200),
    Route::patch(LOG)
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/night-logs/{}", setup_log(o, slug, n, "private").await),
            Some(json!({"visibility": "public"}))
        )))
        .ok(200),
    Route::get("/api/v1/workspaces/{slug}/night-logs/{id}/report.md")
        .reads(Obj::Private)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/night-logs/{}/report.md", setup_log(o, slug, n, "private").await),
            None
        )))
        .ok(200),
    Route::get("/api/v1/workspaces/{slug}/night-logs/{id}/report.csv")
        .reads(Obj::Public)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/night-logs/{}/report.csv", setup_log(o, slug, n, "public").await),
            None
        )))
        .ok(200),
    Route::get("/api/v1/workspaces/{slug}/time-lost").reads(Obj::Workspace).ok(200),
    Route::get("/api/v1/workspaces/{slug}/entries")
        .reads(Obj::Workspace)
        .setup(setup!(|_o, slug, _n| call(format!("/api/v1/workspaces/{slug}/entries?tags=dome"), None)))
        .ok(200),
    Route::get(LOG_ENTRIES)
        .reads(Obj::Public)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/night-logs/{}/entries", setup_log(o, slug, n, "public").await),
            None
        )))
        .ok(200),
    Route::post(LOG_ENTRIES)
        .needs(Action::WriteNightLog)
        .on(Obj::Private)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/night-logs/{}/entries", setup_log(o, slug, n, "private").await),
            Some(json!({"body": "matrix", "occurred_at": "23:00"}))
        )))
        .ok(201),
    Route::post(LOG_ENTRIES)
        .needs(Action::WriteNightLog)
        .on(Obj::Public)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/night-logs/{}/entries", setup_log(o, slug, n, "public").await),
            Some(json!({"body": "matrix", "occurred_at": "23:00"}))
        )))
        .ok(201),
    Route::get(ENTRY)
        .reads(Obj::Private)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/entries/{}", setup_entry(o, slug, n, "private").await),
            None
        )))
        .ok(200),
    Route::get("/api/v1/workspaces/{slug}/entries/{id}/versions")
        .reads(Obj::Public)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/entries/{}/versions", setup_entry(o, slug, n, "public").await),
            None
        )))
        .ok(200),
    Route::patch(ENTRY)
        .needs(Action::WriteNightLog)
        .on(Obj::Private)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/entries/{}", setup_entry(o, slug, n, "private").await),
            Some(json!({"body": "edited"}))
        )))
        .ok(200),
    Route::delete(ENTRY)
        .needs(Action::DeleteData)
        .on(Obj::Private)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/entries/{}", setup_entry(o, slug, n, "private").await),
            None
        )))
        .ok(204),
    Route::post("/api/v1/workspaces/{slug}/entries/{id}/restore")
        .needs(Action::DeleteData)
        .on(Obj::Deleted)
        .setup(setup!(|o, slug, n| {
            let e = setup_entry(o, slug, n, "private").await;
            assert_eq!(o.delete(&format!("/api/v1/workspaces/{slug}/entries/{e}")).await.status, 204);
            call(format!("/api/v1/workspaces/{slug}/entries/{e}/restore"), Some(json!({})))
        }))
        .ok(200),
    Route::get(LOG_OBSERVATIONS)
        .reads(Obj::Private)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/night-logs/{}/observations", setup_log(o, slug, n, "private").await),
            None
        )))
        .ok(200),
    Route::post(LOG_OBSERVATIONS)
        .needs(Action::WriteNightLog)
        .on(Obj::Private)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/night-logs/{}/observations", setup_log(o, slug, n, "private").await),
            Some(json!({"start_at": "22:00", "exposure_s": 30}))
        )))
        .ok(201),
    Route::get(OBSERVATION)
        .reads(Obj::Private)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/observations/{}", setup_observation(o, slug, n).await),
            None
        )))
        .ok(200),
    Route::patch(OBSERVATION)
        .needs(Action::WriteNightLog)
        .on(Obj::Private)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/observations/{}", setup_observation(o, slug, n).await),
            Some(json!({"quality": "junk"}))
        )))
        .ok(200),
    Route::delete(OBSERVATION)
        .needs(Action::DeleteData)
        .on(Obj::Private)
        .setup(setup!(|o, slug, n| call(
            format!("/api/v1/workspaces/{slug}/observations/{}", setup_observation(o, slug, n).await),
            None
        )))
        .ok(204),
];

/// Ids of another workspace's night logs, entries and observations, named through my own slug, are 404 and
/// change nothing.
#[actix_web::test]
async fn another_workspaces_night_objects_through_my_slug_are_404() {
    let app = TestApp::new().await;
    let (mut alice, _) = app.user("Alice").await;
    let (mut bob, _) = app.user("Bob").await;
    workspace(&mut alice, "alice-obs", "private").await;
    workspace(&mut bob, "bob-obs", "private").await;
    let log = setup_log(&mut bob, "bob-obs", 1, "public").await;
    let e = id(&entry(&mut bob, "bob-obs", &log, json!({"body": "Bob's", "occurred_at": "22:00"})).await);
    let o = bob
        .post(
            &format!("/api/v1/workspaces/bob-obs/night-logs/{log}/observations"),
            json!({"start_at": "21:00", "exposure_s": 10}),
        )
        .await;
    let o = id(&o.body);
    let (_, key) = api_key(&mut alice, "alice-obs", "write").await;
    let mut alice_key = app.key_client(&key);
    for c in [&mut alice, &mut alice_key] {
        c.get(&format!("/api/v1/workspaces/alice-obs/night-logs/{log}")).await.assert_problem(404, "not_found");
        c.patch(&format!("/api/v1/workspaces/alice-obs/entries/{e}"), json!({"body": "mine now"}))
            .await
            .assert_problem(404, "not_found");
        c.post(&format!("/api/v1/workspaces/alice-obs/night-logs/{log}/entries"), json!({"body": "x"}))
            .await
            .assert_problem(404, "not_found");
        c.delete(&format!("/api/v1/workspaces/alice-obs/entries/{e}")).await.assert_problem(404, "not_found");
        c.get(&format!("/api/v1/workspaces/alice-obs/entries/{e}/versions")).await.assert_problem(404, "not_found");
        c.post(&format!("/api/v1/workspaces/alice-obs/entries/{e}/restore"), json!({}))
            .await
            .assert_problem(404, "not_found");
        c.patch(&format!("/api/v1/workspaces/alice-obs/observations/{o}"), json!({"quality": "junk"}))
            .await
            .assert_problem(404, "not_found");
        c.delete(&format!("/api/v1/workspaces/alice-obs/observations/{o}")).await.assert_problem(404, "not_found");
    }
    let obs = bob.get(&format!("/api/v1/workspaces/bob-obs/observations/{o}")).await;
    assert_eq!(obs.body["quality"], "ok");
    let still = bob.get(&format!("/api/v1/workspaces/bob-obs/entries/{e}")).await;
    assert_eq!(still.body["body"], "Bob's");
    assert_eq!(still.body["version"], 1);
    assert_eq!(still.body["deleted_at"], Value::Null);
}
