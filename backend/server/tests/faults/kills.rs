//! The server killed (SIGKILL) in the middle of work that changes several things: completing a resumable upload,
//! ingesting FITS files, publishing a package, moving files between tiers. Afterwards nothing acknowledged is lost,
//! nothing is half-visible, the retry (or the work's own resumption) succeeds, and `meridian verify --full` passes.
//! The kill comes at a few points in each (the exact moment is a race by nature; every interleaving must be safe).

use crate::harness::*;
use serde_json::{Value, json};
use std::time::Duration;

const MIB: usize = 1024 * 1024;

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_completing_a_resumable_upload() {
    let inst = Instance::new("complete").await;
    let mut server = inst.start().await;
    let mut api = Api::new(&server.base);
    let ds = api.owner_with_dataset("obs").await;
    let mut expected = Vec::new();
    for (round, delay_ms) in [0_u64, 4, 25].into_iter().enumerate() {
        let bytes = pattern(11 * MIB + round * 1000, round as u64 + 1);
        let r = api
            .post(
                &format!("/api/v1/workspaces/obs/datasets/{ds}/uploads"),
                json!({"name": format!("r{round}.raw"), "size": bytes.len(), "sha256": sha(&bytes), "part_size": 5 * MIB}),
            )
            .await;
        assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
        let id = r.body["id"].as_str().expect("id").to_owned();
        for n in 1..=3_usize {
            let part = bytes[(n - 1) * 5 * MIB..(n * 5 * MIB).min(bytes.len())].to_vec();
            let r = api.put_bytes(&format!("/api/v1/workspaces/obs/uploads/{id}/parts/{n}"), part).await.expect("part");
            assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.body);
        }
        let complete = api.request(reqwest::Method::POST, &format!("/api/v1/workspaces/obs/uploads/{id}/complete"));
        let pending = tokio::spawn(complete.json(&json!({})).send());
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        server.kill();
        let answered = pending.await.expect("task").ok().map(|r| r.status());
        eprintln!("round {round}: killed {delay_ms} ms into complete (the client saw {answered:?})");

        server = inst.start().await;
        api.base.clone_from(&server.base);
        // The client comes back to its upload and finishes it, whatever state the kill left.
        let started = tokio::time::Instant::now();
        let mut swept = false;
        loop {
            let u = api.get(&format!("/api/v1/workspaces/obs/uploads/{id}")).await;
            assert!(u.status.is_success(), "{}", u.body);
            match u.body["status"].as_str() {
                Some("done") => break,
                Some("open") => {
                    let r = api.post(&format!("/api/v1/workspaces/obs/uploads/{id}/complete"), json!({})).await;
                    r.assert_clean("complete again");
                }
                // No job came for it within a few seconds: the hourly sweep (run here with its clock ahead)
                // gives it one.
                Some("verifying") if !swept && started.elapsed() > Duration::from_secs(5) => {
                    let report =
                        inst.services().await.sweep_stuck(chrono::Utc::now() + chrono::Duration::hours(7)).await;
                    eprintln!("round {round}: swept {report:?}");
                    swept = true;
                }
                Some("verifying") => {}
                other => panic!("round {round}: the upload is {other:?}: {}\n{}", u.body, server.log_tail()),
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "round {round}: not done: {}\n{}",
                u.body,
                server.log_tail()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let r = api.get(&format!("/api/v1/workspaces/obs/files/{id}/content")).await;
        assert_eq!(r.status, reqwest::StatusCode::OK);
        assert_eq!(sha(&r.raw), sha(&bytes), "round {round}: the file is whole");
        expected.push(id);
    }
    let db = inst.db().await;
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM data_files").await, 3, "one file per upload");
    drop(server);
    // What a kill left of a multipart upload (the filesystem store removes a joined upload's parts after the
    // object is in place) goes with the hourly cleanup, run here with its clock ahead; the files stay.
    let report = inst.services().await.cleanup(chrono::Utc::now() + chrono::Duration::hours(2)).await.expect("cleanup");
    eprintln!("cleanup: {report:?}");
    let store = inst.store().await;
    assert!(store.list_multipart("ws/").await.expect("list").is_empty(), "no multipart upload left behind");
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM data_files").await, 3);
    let (ok, report) = inst.verify();
    assert!(ok, "{report}");
    assert_eq!(report["files_read"], 3);
}

/// A site with a telescope `T1`, whose frames land in night logs (so duplicates would show as extra observations).
async fn observatory(api: &mut Api) {
    let r = api
        .post(
            "/api/v1/workspaces/obs/sites",
            json!({"name": "Roque", "latitude": 28.7606, "longitude": -17.8816, "elevation_m": 2396, "time_zone": "Atlantic/Canary"}),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    let site = r.body["id"].as_str().expect("site").to_owned();
    let r = api
        .post(
            "/api/v1/workspaces/obs/telescopes",
            json!({"name": "T1", "site_id": site, "aperture_mm": 400, "mount": "altaz"}),
        )
        .await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
}

fn frame(i: usize) -> Vec<u8> {
    let q = |s: &str| format!("'{s:<8}'");
    let date = format!("2026-11-20T{:02}:{:02}:00", 21 + i / 60, i % 60);
    let cards = [
        ("DATE-OBS", q(&date)),
        ("OBJECT", q("M42")),
        ("TELESCOP", q("T1")),
        ("EXPTIME", "30.0".to_owned()),
        ("RA", "83.822".to_owned()),
        ("DEC", "-5.391".to_owned()),
    ];
    let cards: Vec<(&str, &str)> = cards.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let pixels: Vec<i16> = (0..64 * 48).map(|p| i16::try_from((p * 7 + i) % 3000).unwrap_or(0)).collect();
    meridian_fits::primary_i16(&cards, 64, 48, &pixels)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_ingesting() {
    let inst = Instance::new("ingest").await;
    let mut server = inst.start().await;
    let mut api = Api::new(&server.base);
    let ds = api.owner_with_dataset("obs").await;
    observatory(&mut api).await;
    const FRAMES: usize = 12;
    for i in 0..FRAMES {
        let r = api
            .put_bytes(&format!("/api/v1/workspaces/obs/datasets/{ds}/files/f{i:02}.fits"), frame(i))
            .await
            .expect("upload");
        assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    }
    // Ingest jobs are queued or running now.
    server.kill();
    server = inst.start().await;
    api.base.clone_from(&server.base);
    let files = api
        .wait_for(
            &format!("/api/v1/workspaces/obs/datasets/{ds}/files?limit=100"),
            "every frame ingested and previewed",
            |b| {
                let all = items(b);
                all.len() == FRAMES && all.iter().all(|f| f["ingest_status"] == "done" && f["preview_status"] == "done")
            },
        )
        .await;
    assert_eq!(items(&files).len(), FRAMES);
    let db = inst.db().await;
    assert_eq!(
        count(&db, "SELECT COUNT(*) AS n FROM observations").await,
        FRAMES as i64,
        "one observation per frame, none twice"
    );
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM night_logs").await, 1);
    drop(server);
    let (ok, report) = inst.verify();
    assert!(ok, "{report}");
    assert_eq!(report["missing_previews"]["count"], 0);
}

async fn many_files(api: &mut Api, ds: &str, n: usize) {
    for i in 0..n {
        let r = api
            .put_bytes(
                &format!("/api/v1/workspaces/obs/datasets/{ds}/files/f{i:03}.raw"),
                pattern(2000 + i, i as u64 + 7),
            )
            .await
            .expect("upload");
        assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_publishing_a_package() {
    let inst = Instance::new("publish").await;
    let mut server = inst.start().await;
    let mut api = Api::new(&server.base);
    let ds = api.owner_with_dataset("obs").await;
    // Publishing needs a confirmed address.
    inst.confirm("owner-of-obs@example.org").await;
    const FILES: usize = 120;
    many_files(&mut api, &ds, FILES).await;
    let r = api.post("/api/v1/workspaces/obs/packages", json!({"title": "Nights", "licence": "CC-BY-4.0"})).await;
    let pkg = r.body["id"].as_str().expect("id").to_owned();
    let r = api.post(&format!("/api/v1/workspaces/obs/packages/{pkg}/draft/files"), json!({"dataset_id": ds})).await;
    assert!(r.status.is_success(), "{}", r.body);
    let versions = format!("/api/v1/workspaces/obs/packages/{pkg}/versions");
    let mut published = 0;
    for delay_ms in [2_u64, 30] {
        let pending = tokio::spawn(api.request(reqwest::Method::POST, &versions).json(&json!({})).send());
        tokio::time::sleep(Duration::from_millis(delay_ms)).await;
        server.kill();
        let answered = pending.await.expect("task").ok().map(|r| r.status());
        server = inst.start().await;
        api.base.clone_from(&server.base);
        let listed = items(&api.get(&versions).await.body);
        eprintln!("killed {delay_ms} ms into publish (client saw {answered:?}); {} version(s) now", listed.len());
        assert!(
            listed.len() == published || listed.len() == published + 1,
            "at most the one being published: {listed:?}"
        );
        for v in &listed {
            assert_eq!(v["file_count"], FILES, "a version is whole or absent: {v}");
        }
        published = listed.len();
    }
    // The retry publishes.
    let r = api.post(&versions, json!({})).await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    let db = inst.db().await;
    let versions_n = count(&db, "SELECT COUNT(*) AS n FROM package_versions").await;
    assert_eq!(count(&db, "SELECT COUNT(*) AS n FROM package_version_files").await, versions_n * FILES as i64);
    drop(server);
    let (ok, report) = inst.verify();
    assert!(ok, "{report}");
    assert_eq!(report["versions_checked"], versions_n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_while_moving_files_between_tiers() {
    let inst = Instance::new("tiers").await;
    let mut server = inst.start().await;
    let mut api = Api::new(&server.base);
    let ds = api.owner_with_dataset("obs").await;
    const FILES: usize = 120;
    many_files(&mut api, &ds, FILES).await;
    let r =
        api.post("/api/v1/workspaces/obs/storage/rules", json!({"name": "all to cool", "cool_after_days": 0})).await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    let db = inst.db().await;
    let services = inst.services().await;
    services
        .jobs()
        .push(meridian_service::jobs::Job::ApplyLifecycle, Default::default())
        .await
        .expect("queue the rules");
    let cool = "SELECT COUNT(*) AS n FROM data_files WHERE tier = 'cool'";
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while count(&db, cool).await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the rule job did not start:\n{}", server.log_tail());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    server.kill();
    let moved = count(&db, cool).await;
    eprintln!("killed after {moved} of {FILES} files moved to cool");
    // The job's worker is gone: after its missed heartbeats it runs again and finishes.
    server = inst.start().await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    while count(&db, cool).await < FILES as i64 {
        assert!(tokio::time::Instant::now() < deadline, "the rules did not finish:\n{}", server.log_tail());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(server);
    let (ok, report) = inst.verify();
    assert!(ok, "{report}");
    assert_eq!(report["tier_differs"]["count"], 0, "every object's class is its row's tier: {report}");
    let kept: i64 = count(&db, "SELECT stored_cool_bytes AS n FROM workspaces WHERE slug = 'obs'").await;
    let summed = count(&db, "SELECT CAST(SUM(size_bytes) AS BIGINT) AS n FROM data_files").await;
    assert_eq!(kept, summed, "the totals moved with the files");
}
