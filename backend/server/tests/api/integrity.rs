//! `meridian verify`'s check, in process: a sound instance passes with every checksum compared; a changed, a
//! missing and an unknown object, a broken manifest and drifted totals are each found; totals can be repaired; the
//! last report is kept for operators.

use crate::data::{dataset, fits_file, upload, workspace_id};
use crate::helpers::*;
use actix_web::http::StatusCode;
use meridian_service::integrity::VerifyOptions;
use sea_orm::{ConnectionTrait as _, Statement};
use serde_json::json;

async fn exec(app: &TestApp, sql: &str) {
    let backend = app.conn.get_database_backend();
    app.conn.execute_raw(Statement::from_string(backend, sql.to_owned())).await.expect(sql);
}

fn put(bytes: &'static [u8]) -> meridian_storage::ByteStream {
    Box::pin(futures::stream::once(async move { Ok(bytes::Bytes::from_static(bytes)) }))
}

#[actix_web::test]
async fn verify_passes_a_sound_instance_and_finds_every_kind_of_damage() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let ws = workspace_id(&mut owner, "obs").await;
    let fits = fits_file(&[("OBJECT", "'M42     '")], 16, 16);
    upload(&mut owner, "obs", &ds, "m42.fits", &fits).await;
    let a = upload(&mut owner, "obs", &ds, "a.raw", b"first photons").await.body["id"].as_str().expect("id").to_owned();
    let b = upload(&mut owner, "obs", &ds, "b.raw", b"other photons").await.body["id"].as_str().expect("id").to_owned();
    app.run_jobs().await;
    let r = owner.post("/api/v1/workspaces/obs/packages", json!({"title": "Nights", "licence": "CC-BY-4.0"})).await;
    let pkg = r.body["id"].as_str().expect("id").to_owned();
    owner.post(&format!("/api/v1/workspaces/obs/packages/{pkg}/draft/files"), json!({"file_ids": [a]})).await;
    assert_eq!(
        owner.post(&format!("/api/v1/workspaces/obs/packages/{pkg}/versions"), json!({})).await.status,
        StatusCode::CREATED
    );

    // The suite's tests may share one bucket: orphans are looked for under this test's workspace.
    let full = VerifyOptions {
        full: true,
        orphan_age: chrono::Duration::zero(),
        orphan_prefix: format!("ws/{ws}/"),
        ..VerifyOptions::default()
    };
    let r = app.services.verify(full.clone()).await.expect("verify");
    assert_eq!(r.problems(), 0, "{}", r.to_text());
    assert_eq!((r.files_checked, r.files_read, r.versions_checked), (3, 3, 1), "{}", r.to_text());
    assert_eq!(r.bytes_read, fits.len() as u64 + 26);
    assert_eq!(r.orphans.count, 0, "{}", r.to_text());
    assert!(r.to_text().contains("OK: every file checked"));

    // Damage: a's bytes changed (same size), b's object lost, an object nobody knows, a manifest edited, totals
    // drifted.
    app.storage.put(&format!("ws/{ws}/files/{a}"), put(b"FIRST PHOTONS"), Default::default()).await.expect("put");
    app.storage.delete(&format!("ws/{ws}/files/{b}")).await.expect("delete");
    app.storage
        .put(&format!("ws/{ws}/files/{}", uuid::Uuid::now_v7()), put(b"stray"), Default::default())
        .await
        .expect("put");
    exec(&app, "UPDATE package_versions SET manifest_sha256 = 'edited'").await;
    exec(&app, "UPDATE workspaces SET stored_hot_bytes = stored_hot_bytes + 7 WHERE slug = 'obs'").await;
    let r = app.services.verify(full.clone()).await.expect("verify");
    assert_eq!(r.checksum_mismatch.count, 1, "{}", r.to_text());
    assert_eq!(r.checksum_mismatch.items[0].file_id.map(|u| u.to_string()), Some(a.clone()));
    assert_eq!(r.missing.count, 1);
    assert_eq!(r.missing.items[0].file_id.map(|u| u.to_string()), Some(b.clone()));
    assert_eq!(r.orphans.count, 1);
    assert_eq!(r.version_problems.count, 1, "{}", r.to_text());
    assert_eq!(r.totals_drift.len(), 1);
    assert_eq!(r.problems(), 4, "{}", r.to_text());
    assert!(r.to_text().contains("FAILED: 4 problem(s)"), "{}", r.to_text());

    // The operator repairs the totals; the last report is kept.
    let repaired = app.services.verify(VerifyOptions { repair_totals: true, ..full.clone() }).await.expect("verify");
    assert!(repaired.totals_repaired);
    let again = app.services.verify(full.clone()).await.expect("verify");
    assert!(again.totals_drift.is_empty(), "{}", again.to_text());
    let last = app.services.last_verifications(1).await.expect("last");
    assert_eq!(last.len(), 1);
    assert_eq!(last[0], again);

    // A sampled check reads no more than its sample.
    let sampled = app.services.verify(VerifyOptions { sample: 0, ..VerifyOptions::default() }).await.expect("verify");
    assert_eq!((sampled.files_checked, sampled.files_read), (3, 0));
    assert_eq!(sampled.missing.count, 1, "the missing object is found without reading anything");
}
