//! `meridian demo`'s sample observatory: seeded twice without duplicates, and a visitor finds what a newcomer
//! should see at once: a public workspace, last night's published log, its frames (read and filed by the ingest
//! job, with previews) and a public data package that downloads.

use crate::helpers::TestApp;
use actix_web::http::StatusCode;

#[actix_web::test]
async fn the_demo_observatory_shows_nights_frames_and_a_package_to_visitors() {
    let app = TestApp::new().await;
    let seeded = meridian_server::demo::seed(&app.services).await.expect("seed");
    meridian_server::demo::seed(&app.services).await.expect("seeding again is harmless");
    app.run_jobs().await;
    let slug = seeded.slug;
    let mut visitor = app.client();

    let datasets = visitor.get(&format!("/api/v1/workspaces/{slug}/datasets")).await;
    assert_eq!(datasets.status, StatusCode::OK, "{}", datasets.body);
    let items = datasets.body["items"].as_array().expect("datasets");
    assert_eq!(items.len(), 1, "one dataset, not two: {}", datasets.body);
    let ds = items[0]["id"].as_str().expect("id");
    let files = visitor.get(&format!("/api/v1/workspaces/{slug}/datasets/{ds}/files")).await;
    let files = files.body["items"].as_array().expect("files").clone();
    assert_eq!(files.len(), 4, "released frames are public");
    let m42: Vec<_> = files.iter().filter(|f| f["object"] == "M 42").collect();
    assert_eq!(m42.len(), 2, "{files:?}");
    for f in &files {
        assert_eq!(f["ingest_status"], "done", "{f}");
        assert!(f["night_log_id"].is_string(), "filed under last night's log: {f}");
        assert_eq!(f["preview_status"], "done", "{f}");
    }
    assert!(files.iter().any(|f| f["frame_type"] == "flat" && f["filter"] == "R"), "{files:?}");

    let packages = visitor.get(&format!("/api/v1/workspaces/{slug}/packages")).await;
    let items = packages.body["items"].as_array().expect("packages");
    assert_eq!(items.len(), 1, "{}", packages.body);
    assert_eq!(items[0]["latest_version"], 1);
    let id = items[0]["id"].as_str().expect("id");
    let zip = visitor.get(&format!("/api/v1/workspaces/{slug}/packages/{id}/versions/1/archive.zip")).await;
    assert_eq!(zip.status, StatusCode::OK);
    assert!(zip.raw.starts_with(b"PK\x03\x04"));
    let page = String::from_utf8_lossy(&visitor.get(&format!("/packages/{id}/versions/1")).await.raw).into_owned();
    assert!(page.contains("M42 in V and R") && page.contains("Dana Demo"), "{page}");
}

/// The demo's satellite check works offline, for a visitor's first click: the catalog snapshot is imported (once),
/// the check opened from the observatory starts at tonight's dark sky over its site, and the offered example, in
/// the catalog's own epoch, finds crossings.
#[actix_web::test]
async fn the_demo_satellite_check_offers_an_example_with_crossings() {
    let app = TestApp::new().await;
    let demo = meridian_server::demo::seed(&app.services).await.expect("seed");
    meridian_server::demo::seed(&app.services).await.expect("seeding again is harmless");
    let status = app.services.satellite_catalog_status().await.expect("status");
    assert_eq!(status.catalog.objects, 5018, "the snapshot's objects");
    assert_eq!(status.recent_imports.len(), 1, "imported once, not at every start");

    let mut visitor = app.client();
    let page = visitor.get("/satellites?workspace=demo-observatory").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = String::from_utf8_lossy(&page.raw).into_owned();
    assert!(html.contains("Hill Top (Demo Observatory): tonight from"), "{html}");
    assert!(html.contains(r#"name="lat" size="9" required value="37.2236""#), "the site's latitude: {html}");
    let example = html.split(r#"id="satellite-example">Try an example: <a href=""#).nth(1).expect("an example");
    let href = example.split('"').next().expect("its address").replace("&amp;", "&");
    assert!(href.contains("start=2022-06-17T") && href.contains("workspace=demo-observatory"), "{href}");

    let checked = visitor.get(&href).await;
    let html = String::from_utf8_lossy(&checked.raw).into_owned();
    let count = html.split(r#"id="crossing-count"><strong>"#).nth(1).expect("a result");
    let n: usize = count.split(' ').next().and_then(|n| n.parse().ok()).expect("a count");
    assert!(n > 0, "the example finds crossings: {count}");

    // Opened from the observatory by a member, the check takes one of its targets by name (any case) instead of RA
    // and Dec, and finds what the same check at the target's coordinates finds; a name it does not know is refused,
    // and so is any name for a visitor, who does not see the workspace's targets.
    let field = |href: &str, ra: &str, dec: &str, target: &str| {
        let kept: Vec<&str> = href
            .trim_start_matches("/satellites?")
            .split('&')
            .filter(|kv| !kv.starts_with("ra=") && !kv.starts_with("dec=") && !kv.starts_with("target="))
            .collect();
        format!("/satellites?{}&ra={ra}&dec={dec}&target={target}", kept.join("&"))
    };
    let count_of = |html: &str| {
        html.split(r#"id="crossing-count"><strong>"#)
            .nth(1)
            .and_then(|c| c.split('<').next())
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("a result: {html}"))
    };
    let page_of = |r: &crate::helpers::Reply| String::from_utf8_lossy(&r.raw).into_owned();
    let (mut member, _) = app.sign_in_with(demo.email, demo.password).await;
    let form = page_of(&member.get("/satellites?workspace=demo-observatory").await);
    assert!(form.contains("M42") && form.contains("NGC 2392"), "the member's form offers the targets: {form}");
    let by_name = page_of(&member.get(&field(&href, "", "", "m42")).await);
    let (ra, dec) = (15.0 * (5.0 + 35.0 / 60.0 + 17.3 / 3600.0), -(5.0 + 23.0 / 60.0 + 28.0 / 3600.0));
    let by_position = page_of(&member.get(&field(&href, &ra.to_string(), &dec.to_string(), "")).await);
    assert_eq!(count_of(&by_name), count_of(&by_position), "M42 by name is M42 by position");
    for (who, client, name) in [("member", &mut member, "Vega"), ("visitor", &mut visitor, "M42")] {
        let refused = page_of(&client.get(&field(&href, "", "", name)).await);
        assert!(refused.contains("is not a target of this workspace"), "{who}: {refused}");
        assert!(!refused.contains(r#"id="crossing-count""#), "{who}: {refused}");
    }

    // The same check through the API, by anyone.
    let mut query: std::collections::HashMap<String, String> = href
        .trim_start_matches("/satellites?")
        .split('&')
        .filter_map(|kv| kv.split_once('=').map(|(k, v)| (k.to_owned(), v.to_owned())))
        .collect();
    let num = |k: &str, q: &std::collections::HashMap<String, String>| q[k].parse::<f64>().expect(k);
    let body = serde_json::json!({
        "site": {"latitude": num("lat", &query), "longitude": num("lon", &query), "elevation_m": num("elevation", &query)},
        "fields": [{"ra": num("ra", &query), "dec": num("dec", &query), "shape": "circle", "radius_deg": num("radius", &query)}],
        "start": format!("{}:00Z", query.remove("start").unwrap()),
        "end": format!("{}:00Z", query.remove("end").unwrap()),
    });
    let api = visitor.post("/api/v1/satellites/fov", body).await;
    assert_eq!(api.status, StatusCode::OK, "{}", api.body);
    assert_eq!(api.body["crossings"].as_array().map(Vec::len), Some(n), "{}", api.body);
}

/// With a read replica configured, a visitor's file search of a public workspace reads the replica and a member's
/// reads the primary (their own writes at once); lists stay on the primary; a replica that fails is skipped. The
/// "replica" here is a second, empty database, so which one answered shows in the result.
#[actix_web::test]
async fn public_reads_go_to_the_read_replica_and_members_stay_on_the_primary() {
    use meridian_service::data::FileQuery;
    let app = TestApp::new().await;
    let seeded = meridian_server::demo::seed(&app.services).await.expect("seed");
    app.run_jobs().await;
    let replica_db = crate::helpers::TestDb::new().await;
    let replica = meridian_service::connect(&replica_db.url, 2).await.expect("replica");
    meridian_service::Services::new(replica.clone(), crate::helpers::test_service_config())
        .expect("services")
        .migrate()
        .await
        .expect("migrate the replica");
    let services = meridian_service::Services::new(app.conn.clone(), crate::helpers::test_service_config())
        .expect("services")
        .with_read_replica(replica);
    assert!(services.has_read_replica());
    let demo = {
        let creds = services
            .sign_in(seeded.email, seeded.password, &meridian_service::ClientInfo::default())
            .await
            .expect("sign in");
        services.actor_from_session(&creds.session_token).await.expect("actor")
    };
    let visitor = meridian_service::Actor::Anonymous;
    let page = meridian_domain::PageRequest::default();

    // Lists stay on the primary for everyone.
    let member = services.list_datasets(&demo, seeded.slug, &page).await.expect("member");
    assert_eq!(member.items.len(), 1);
    let public = services.list_datasets(&visitor, seeded.slug, &page).await.expect("visitor");
    assert_eq!(public.items.len(), 1, "a visitor's dataset list reads the primary");

    let member = services.search_files(&demo, seeded.slug, FileQuery::default()).await.expect("member");
    assert_eq!(member.items.len(), 4, "the member's search reads the primary");
    let public = services.search_files(&visitor, seeded.slug, FileQuery::default()).await.expect("visitor");
    assert!(public.items.is_empty(), "the visitor's search came from the (empty) replica");

    // A replica that does not answer: the visitor's search falls back to the primary, and start-up did not wait.
    let down = meridian_service::connect_replica("postgres://meridian@127.0.0.1:1/nowhere", 2).await.expect("lazy");
    let services = meridian_service::Services::new(app.conn.clone(), crate::helpers::test_service_config())
        .expect("services")
        .with_read_replica(down);
    let public = services.search_files(&visitor, seeded.slug, FileQuery::default()).await.expect("fallback");
    assert_eq!(public.items.len(), 4, "read from the primary when the replica fails");

    // Without a replica, the visitor reads the primary (the released frames).
    let public = app.services.search_files(&visitor, seeded.slug, FileQuery::default()).await.expect("visitor");
    assert_eq!(public.items.len(), 4);
}
