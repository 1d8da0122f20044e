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
