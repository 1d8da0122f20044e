//! The night-log pages: `/w/:slug/nights` and `/w/:slug/nights/:id` render what the API holds, hide private logs
//! from visitors, and their forms (`/fn/...`) act only with the CSRF token.

use crate::helpers::{Client, TestApp, site, telescope, workspace};
use actix_web::http::Method;
use serde_json::{Value, json};

const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&").into_bytes()
}

fn html(r: &crate::helpers::Reply) -> String {
    String::from_utf8_lossy(&r.raw).into_owned()
}

/// A workspace `slug` with one telescope ("WHT" at "Roque", Atlantic/Canary); returns the owner and telescope id.
async fn observatory(app: &TestApp, slug: &str, visibility: &str) -> (Client, String) {
    let (mut owner, _) = app.user(&format!("Owner{}", slug.replace('-', ""))).await;
    workspace(&mut owner, slug, visibility).await;
    let site_id = site(&mut owner, slug, "Roque").await;
    let telescope = telescope(&mut owner, slug, &site_id, "WHT").await;
    (owner, telescope)
}

async fn night_log(c: &mut Client, slug: &str, telescope: &str, night: Option<&str>) -> String {
    let mut body = json!({"telescope_id": telescope, "observers": "AB, CD"});
    if let Some(n) = night {
        body["night"] = json!(n);
    }
    let r = c.post(&format!("/api/v1/workspaces/{slug}/night-logs"), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().expect("log id").to_owned()
}

async fn entry(c: &mut Client, slug: &str, log: &str, body: Value) -> String {
    let r = c.post(&format!("/api/v1/workspaces/{slug}/night-logs/{log}/entries"), body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().expect("entry id").to_owned()
}

async fn entry_count(c: &mut Client, slug: &str, log: &str) -> usize {
    let r = c.get(&format!("/api/v1/workspaces/{slug}/night-logs/{log}/entries")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().map_or(0, Vec::len)
}

#[actix_web::test]
async fn a_member_sees_the_nights_and_a_night_with_rendered_entries_and_their_history() {
    let app = TestApp::new().await;
    let (mut owner, telescope) = observatory(&app, "np-a", "private").await;
    let log = night_log(&mut owner, "np-a", &telescope, Some("2026-03-14")).await;
    let first = entry(&mut owner, "np-a", &log, json!({"body": "**Dome** open", "occurred_at": "19:05"})).await;
    let r = owner
        .patch(
            &format!("/api/v1/workspaces/np-a/entries/{first}"),
            json!({"body": "Dome open, *humid*", "expected_version": 1}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    entry(
        &mut owner,
        "np-a",
        &log,
        json!({"body": "<script>alert(1)</script> fog </textarea><b>x</b>", "occurred_at": "23:10", "level": "problem", "tags": ["fog"],
               "time_lost_minutes": 40, "time_lost_category": "weather"}),
    )
    .await;

    let list = owner.get("/w/np-a/nights").await;
    assert_eq!(list.status, 200);
    let page = html(&list);
    assert!(page.contains(&format!("/w/np-a/nights/{log}")) && page.contains("2026-03-14"), "{page}");
    assert!(page.contains("WHT") && page.contains("Roque") && page.contains("Start a log for another night"), "{page}");

    let night = owner.get(&format!("/w/np-a/nights/{log}")).await;
    assert_eq!(night.status, 200);
    let page = html(&night);
    assert!(page.contains("12:00 14 Mar → 12:00 15 Mar") && page.contains("Atlantic/Canary"), "{page}");
    assert!(page.contains("Dome open, <em>humid</em>"), "the entry's Markdown is rendered: {page}");
    assert!(page.contains("edited (v") && page.contains("**Dome** open"), "the first text stays readable: {page}");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; fog"), "HTML in an entry is shown as text");
    assert!(!page.contains("<script>alert(1)"), "and never runs: {page}");
    assert!(!page.contains("</textarea><b>"), "not even from inside a text field: {page}");
    assert!(page.contains("id=\"quick-entry\"") && page.contains("autofocus"), "the quick-entry field: {page}");
    assert!(page.contains("40 min lost (weather)"), "{page}");
    assert!(page.contains(&format!("/api/v1/workspaces/np-a/night-logs/{log}/report.md")));

    // The search finds the entry and links to its night.
    let found = owner.get("/w/np-a/nights?q=fog&level=problem").await;
    let page = html(&found);
    assert!(page.contains("id=\"entry-hits\"") && page.contains(&format!("/w/np-a/nights/{log}")), "{page}");
    let none = owner.get("/w/np-a/nights?q=fog&level=info").await;
    assert!(html(&none).contains("No entries match."));

    // Each GET form keeps the other's values, so filtering the list does not drop the search and back.
    let both = html(&owner.get("/w/np-a/nights?q=fog&from=2026-01-01").await);
    let filter = both.split("id=\"night-filter\"").nth(1).and_then(|f| f.split("</form>").next()).unwrap_or_default();
    assert!(filter.contains("name=\"q\" value=\"fog\""), "{filter}");
    let search = both.split("id=\"entry-search\"").nth(1).and_then(|f| f.split("</form>").next()).unwrap_or_default();
    assert!(search.contains("name=\"from\" value=\"2026-01-01\""), "{search}");
}

#[actix_web::test]
async fn a_private_log_is_not_found_for_visitors_and_a_published_one_is_shown() {
    let app = TestApp::new().await;
    let (mut owner, telescope) = observatory(&app, "np-pub", "public").await;
    let log = night_log(&mut owner, "np-pub", &telescope, Some("2026-03-14")).await;
    entry(&mut owner, "np-pub", &log, json!({"body": "Seeing _0.7_", "occurred_at": "22:00"})).await;
    let mut visitor = app.client();

    let hidden = visitor.get(&format!("/w/np-pub/nights/{log}")).await;
    assert_eq!(hidden.status, 404);
    let page = html(&hidden);
    assert!(page.contains("not found") && !page.contains("Seeing"), "{page}");
    assert!(!html(&visitor.get("/w/np-pub/nights").await).contains(&log), "nor listed");
    assert!(!html(&visitor.get("/w/np-pub").await).contains(&log));

    let r = owner.patch(&format!("/api/v1/workspaces/np-pub/night-logs/{log}"), json!({"visibility": "public"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let shown = visitor.get(&format!("/w/np-pub/nights/{log}")).await;
    assert_eq!(shown.status, 200);
    let page = html(&shown);
    assert!(page.contains("Seeing <em>0.7</em>"), "{page}");
    assert!(!page.contains("id=\"quick-entry\"") && !page.contains("conditions-form"), "visitors get no forms");
    let listed = html(&visitor.get("/w/np-pub").await);
    assert!(listed.contains("latest-nights") && listed.contains(&format!("/w/np-pub/nights/{log}")), "{listed}");
}

#[actix_web::test]
async fn the_quick_entry_form_adds_an_entry_only_with_the_csrf_token() {
    let app = TestApp::new().await;
    let (mut owner, telescope) = observatory(&app, "np-form", "private").await;
    let token = owner.cookies.get(meridian_http::cookies::CSRF_COOKIE).cloned().expect("csrf cookie");

    // "Start tonight's log": the night the nights page offers.
    let start =
        |token: &str| form(&[("csrf_token", token), ("slug", "np-form"), ("telescope_id", &telescope), ("night", "")]);
    let r = owner.request(Method::POST, "/fn/start_night_log", Some(start("forged")), FORM).await;
    assert!(!r.status.is_success(), "{}", html(&r));
    let logs = owner.get("/api/v1/workspaces/np-form/night-logs").await;
    assert_eq!(logs.body["items"].as_array().map(Vec::len), Some(0));
    let r = owner.request(Method::POST, "/fn/start_night_log", Some(start(&token)), FORM).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{}", html(&r));
    let logs = owner.get("/api/v1/workspaces/np-form/night-logs").await;
    let log = logs.body["items"][0]["id"].as_str().expect("tonight's log").to_owned();

    let quick = |token: &str, body: &str| {
        form(&[
            ("csrf_token", token),
            ("slug", "np-form"),
            ("id", &log),
            ("body", body),
            ("time", ""),
            ("level", "info"),
            ("tags", ""),
            ("time_lost_minutes", ""),
            ("time_lost_category", ""),
        ])
    };
    let r = owner.request(Method::POST, "/fn/add_night_entry", Some(quick("", "Forged entry")), FORM).await;
    assert!(!r.status.is_success(), "{}", html(&r));
    assert!(html(&r).contains("reload the page"), "{}", html(&r));
    assert_eq!(entry_count(&mut owner, "np-form", &log).await, 0);

    let r =
        owner.request(Method::POST, "/fn/add_night_entry", Some(quick(&token, "Dome open & focus done")), FORM).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{}", html(&r));
    assert_eq!(entry_count(&mut owner, "np-form", &log).await, 1);
    let page = html(&owner.get(&format!("/w/np-form/nights/{log}")).await);
    assert!(page.contains("Dome open &amp; focus done"), "{page}");

    // A bad field comes back as the reason, naming it.
    let r = owner.request(Method::POST, "/fn/add_night_entry", Some(quick(&token, "   ")), FORM).await;
    assert!(html(&r).contains("body"), "{}", html(&r));
    assert_eq!(entry_count(&mut owner, "np-form", &log).await, 1);
}
