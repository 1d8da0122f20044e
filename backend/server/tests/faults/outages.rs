//! A service Meridian depends on goes away and comes back. The object store (SeaweedFS) cut off during uploads and
//! downloads: clean 503s with `Retry-After` and a problem body, no 500, nothing half-made; once it is back the
//! retries succeed and work that was waiting (an ingest) finishes by itself. PostgreSQL restarted under load:
//! requests fail cleanly while it is down and the same server process serves again once it is up.

use crate::harness::*;
use futures::StreamExt as _;
use serde_json::json;
use std::time::Duration;

const MIB: usize = 1024 * 1024;

fn frame() -> Vec<u8> {
    let cards = [("DATE-OBS", "'2026-11-20T22:00:00'"), ("OBJECT", "'M42     '")];
    let pixels: Vec<i16> = (0..32 * 32).map(|p| i16::try_from(p % 3000).unwrap_or(0)).collect();
    meridian_fits::primary_i16(&cards, 32, 32, &pixels)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_object_store_goes_away_and_comes_back() {
    let Some(endpoint) = std::env::var("S3_ENDPOINT").ok().filter(|e| !e.is_empty()) else {
        eprintln!("S3_ENDPOINT is not set: skipped (infra/devservices.sh start seaweedfs)");
        return;
    };
    let mut inst = Instance::new("s3_outage").await;
    let target = endpoint.trim_start_matches("http://").trim_end_matches('/').to_owned();
    let mut relay = Relay::start(&target).await;
    for (k, v) in &mut inst.env {
        if k == "MERIDIAN_STORAGE__ENDPOINT" {
            *v = format!("http://127.0.0.1:{}", relay.port);
        }
    }
    let server = inst.start().await;
    let mut api = Api::new(&server.base);
    let ds = api.owner_with_dataset("obs").await;
    let files = format!("/api/v1/workspaces/obs/datasets/{ds}/files");
    let kept = pattern(3 * MIB, 1);
    let r = api.put_bytes(&format!("{files}/kept.raw"), kept.clone()).await.expect("upload");
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    let kept_id = r.body["id"].as_str().expect("id").to_owned();
    // A FITS file whose ingest will have to wait for the store.
    let r = api.put_bytes(&format!("{files}/m42.fits"), frame()).await.expect("upload");
    let fits_id = r.body["id"].as_str().expect("id").to_owned();
    // A resumable upload with its part in, to be completed while the store is away.
    let later = pattern(MIB, 2);
    let r = api
        .post(
            &format!("/api/v1/workspaces/obs/datasets/{ds}/uploads"),
            json!({"name": "later.raw", "size": later.len()}),
        )
        .await;
    let up = r.body["id"].as_str().expect("id").to_owned();
    let r = api.put_bytes(&format!("/api/v1/workspaces/obs/uploads/{up}/parts/1"), later.clone()).await.expect("part");
    assert_eq!(r.status, reqwest::StatusCode::OK, "{}", r.body);

    relay.cut();
    // Uploads and downloads answer 503 with Retry-After; what lives in the database still answers.
    let r = api.put_bytes(&format!("{files}/during.raw"), pattern(MIB, 3)).await.expect("an answer");
    r.assert_clean("upload while the store is away");
    assert_eq!(r.status, reqwest::StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    let r = api.get(&format!("/api/v1/workspaces/obs/files/{kept_id}/content")).await;
    assert_eq!(r.status, reqwest::StatusCode::SERVICE_UNAVAILABLE, "{}", r.body);
    r.assert_clean("download while the store is away");
    assert_eq!(api.get(&format!("/api/v1/workspaces/obs/files/{kept_id}")).await.status, reqwest::StatusCode::OK);
    let r = api.post(&format!("/api/v1/workspaces/obs/uploads/{up}/complete"), json!({})).await;
    r.assert_clean("complete while the store is away");
    assert!(r.status.is_server_error(), "{} {}", r.status, r.body);
    // (Reading it back lists its parts in the store: that waits for the store too.)
    api.get(&format!("/api/v1/workspaces/obs/uploads/{up}"))
        .await
        .assert_clean("an upload's parts while the store is away");

    // A streamed upload cut off half-way: a 503, or the connection torn down; no file either way.
    relay.mend().await;
    let sent = api
        .request(reqwest::Method::PUT, &format!("{files}/cut.raw"))
        .header("content-type", "application/octet-stream");
    let slow = futures::stream::iter(0..64_u64).then(|i| async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        Ok::<_, std::io::Error>(bytes::Bytes::from(pattern(256 * 1024, 100 + i)))
    });
    let streaming = tokio::spawn(
        sent.header(reqwest::header::CONTENT_LENGTH, 64 * 256 * 1024).body(reqwest::Body::wrap_stream(slow)).send(),
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    relay.cut();
    match streaming.await.expect("task") {
        Ok(r) => {
            let status = r.status();
            let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            assert!(!status.is_success(), "a cut-off upload did not succeed: {status}");
            if status.is_server_error() {
                assert_eq!(status, reqwest::StatusCode::SERVICE_UNAVAILABLE);
                assert!(ct.starts_with("application/problem+json"), "{ct}");
            }
        }
        Err(e) => eprintln!("the cut-off upload's connection closed: {e}"),
    }

    tokio::time::sleep(Duration::from_secs(2)).await;
    relay.mend().await;
    // Everything retried succeeds; the waiting ingest finishes by itself.
    let r = api.put_bytes(&format!("{files}/during.raw"), pattern(MIB, 3)).await.expect("upload");
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    let r = api.get(&format!("/api/v1/workspaces/obs/files/{kept_id}/content")).await;
    assert_eq!(sha(&r.raw), sha(&kept));
    // The completion that met the outage could not know whether the store joined the parts: its check, queued
    // then, finds them unjoined once the store is back and opens the upload again for its client.
    let u = api
        .wait_for(&format!("/api/v1/workspaces/obs/uploads/{up}"), "the completion settled", |b| {
            b["status"] == "open" || b["status"] == "done"
        })
        .await;
    if u["status"] == "open" {
        assert_eq!(u["parts"].as_array().map(Vec::len), Some(1), "its part kept: {u}");
        let r = api.post(&format!("/api/v1/workspaces/obs/uploads/{up}/complete"), json!({})).await;
        assert_eq!(r.status, reqwest::StatusCode::ACCEPTED, "{}", r.body);
    }
    api.wait_for(&format!("/api/v1/workspaces/obs/uploads/{up}"), "the upload verified", |b| b["status"] == "done")
        .await;
    api.wait_for(&format!("/api/v1/workspaces/obs/files/{fits_id}"), "the ingest done", |b| {
        b["ingest_status"] == "done"
    })
    .await;
    let listed = api.get(&format!("{files}?limit=100")).await;
    let names: Vec<&str> =
        listed.body["items"].as_array().expect("items").iter().filter_map(|f| f["name"].as_str()).collect();
    assert!(!names.contains(&"cut.raw"), "no file of the cut-off upload: {names:?}");
    drop(server);
    let (ok, report) = inst.verify();
    assert!(ok, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgresql_restarts_under_load() {
    let Some(mut pg) = PgCluster::start() else {
        eprintln!("no PostgreSQL server binaries: skipped (infra/devservices.sh install postgres)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let env = vec![
        ("MERIDIAN_DATABASE_URL".to_owned(), pg.url("postgres")),
        ("MERIDIAN_DATA_DIR".to_owned(), dir.path().join("data").display().to_string()),
        ("MERIDIAN_DATABASE_MAX_CONNECTIONS".to_owned(), "8".to_owned()),
    ];
    let server = Server::start(&env, dir.path().join("server.log")).await;
    let mut api = Api::new(&server.base);
    api.owner_with_dataset("obs").await;

    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut load = Vec::new();
    for worker in 0..4_u32 {
        let (mut api, stop) = (api.clone(), stop.clone());
        load.push(tokio::spawn(async move {
            let mut seen = Vec::new();
            let mut n = 0_u32;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                n += 1;
                let r = if n.is_multiple_of(2) {
                    api.send(api.request(reqwest::Method::GET, "/api/v1/workspaces/obs/datasets")).await
                } else {
                    let body = json!({"name": format!("load {worker}-{n}")});
                    api.send(api.request(reqwest::Method::POST, "/api/v1/workspaces/obs/datasets").json(&body)).await
                };
                match r {
                    Ok(a) => {
                        a.assert_clean("a request while PostgreSQL restarts");
                        seen.push(a.status.as_u16());
                    }
                    Err(e) => panic!("no answer at all: {e}"),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            seen
        }));
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    pg.restart();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut statuses = Vec::new();
    for l in load {
        statuses.extend(l.await.expect("load task"));
    }
    let unavailable = statuses.iter().filter(|s| **s == 503).count();
    eprintln!("{} requests under a restart: {unavailable} answered 503", statuses.len());
    assert!(statuses.iter().all(|s| *s < 500 || *s == 503), "only 2xx or 503: {statuses:?}");
    // The same process serves again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let r = api.get("/api/v1/workspaces/obs/datasets").await;
        if r.status == reqwest::StatusCode::OK {
            break;
        }
        r.assert_clean("after the restart");
        assert!(tokio::time::Instant::now() < deadline, "not serving again: {} {}", r.status, r.body);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let r = api.post("/api/v1/workspaces/obs/datasets", json!({"name": "after the restart"})).await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    assert_eq!(api.get("/readyz").await.status, reqwest::StatusCode::OK);
    drop(server);
}
