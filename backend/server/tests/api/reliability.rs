//! Nothing acknowledged is lost and nothing is left half-way: completed uploads outlive their expiry and a lost
//! job, every intermediate state gets its job back from the sweep, a reservation that expired refuses its file,
//! datasets with uploads in flight stay, the maintained storage totals follow every change, overlapping metering
//! runs count once, and long version lists come a page at a time.

use crate::data::{dataset, fits_file, sha_hex, upload, workspace_id};
use crate::helpers::*;
use actix_web::http::{Method, StatusCode};
use chrono::{Duration, Utc};
use sea_orm::{ConnectionTrait as _, Statement};
use serde_json::{Value, json};

const MIB: usize = 1024 * 1024;

/// Runs one statement, written once for SQLite and once for PostgreSQL.
async fn exec(app: &TestApp, sqlite: &str, postgres: &str) {
    let backend = app.conn.get_database_backend();
    let sql = if backend == sea_orm::DbBackend::Postgres { postgres } else { sqlite };
    app.conn.execute_raw(Statement::from_string(backend, sql.to_owned())).await.expect(sql);
}

/// Every queued job disappears, as after a crash between a state change and its push, attempts used up in a long
/// outage, or a database restored from a backup taken in between.
async fn lose_all_jobs(app: &TestApp) {
    exec(app, "DELETE FROM job_subjects", "DELETE FROM job_subjects").await;
    exec(app, "DELETE FROM Jobs", "DELETE FROM apalis.jobs").await;
}

async fn start_upload(c: &mut Client, ds: &str, name: &str, bytes: &[u8]) -> String {
    let r = c
        .post(
            &format!("/api/v1/workspaces/obs/datasets/{ds}/uploads"),
            json!({"name": name, "size": bytes.len(), "sha256": sha_hex(bytes), "part_size": 5 * MIB}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_str().expect("id").to_owned();
    let r = c
        .request(
            Method::PUT,
            &format!("/api/v1/workspaces/obs/uploads/{id}/parts/1"),
            Some(bytes.to_vec()),
            Some("application/octet-stream"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    id
}

async fn upload_status(c: &mut Client, id: &str) -> Value {
    c.get(&format!("/api/v1/workspaces/obs/uploads/{id}")).await.body
}

#[actix_web::test]
async fn a_completed_upload_outlives_its_expiry_and_a_lost_job() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let ws = workspace_id(&mut owner, "obs").await;
    let bytes = b"photons that must not be lost".to_vec();
    let id = start_upload(&mut owner, &ds, "m42.raw", &bytes).await;
    let r = owner.post(&format!("/api/v1/workspaces/obs/uploads/{id}/complete"), json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["status"], "verifying");
    lose_all_jobs(&app).await;

    // A month later the cleanup still keeps the acknowledged upload and its joined object.
    let now = Utc::now();
    let report = app.services.cleanup_under(now + Duration::days(30), &format!("ws/{ws}/")).await.expect("cleanup");
    assert_eq!(report.uploads, 0, "{report:?}");
    assert_eq!(report.objects, 0, "{report:?}");
    app.storage.head(&format!("ws/{ws}/files/{id}")).await.expect("the joined object is kept");
    assert_eq!(upload_status(&mut owner, &id).await["status"], "verifying");

    // For six hours the sweep leaves it to the completion that may still be joining parts; later it queues it.
    assert_eq!(app.services.sweep_stuck(now).await.expect("sweep").uploads, 0);
    let report = app.services.sweep_stuck(now + Duration::hours(7)).await.expect("sweep");
    assert_eq!(report.uploads, 1, "{report:?}");
    assert_eq!(app.services.sweep_stuck(now + Duration::hours(7)).await.expect("sweep").uploads, 0, "queued once");
    app.run_jobs().await;
    let u = upload_status(&mut owner, &id).await;
    assert_eq!(u["status"], "done", "{u}");
    let r = owner.get(&format!("/api/v1/workspaces/obs/files/{id}/content")).await;
    assert!(r.raw == bytes, "the file is whole");
}

#[actix_web::test]
async fn an_upload_claimed_but_never_joined_opens_again_for_its_client() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let bytes = b"parts sent, never joined".to_vec();
    let id = start_upload(&mut owner, &ds, "m1.raw", &bytes).await;
    // The server stopped after claiming the upload and before joining its parts.
    let claim = "UPDATE uploads SET status = 'verifying' WHERE name = 'm1.raw'";
    exec(&app, claim, claim).await;
    let report = app.services.sweep_stuck(Utc::now() + Duration::hours(7)).await.expect("sweep");
    assert_eq!(report.uploads, 1);
    app.run_jobs().await;
    let u = upload_status(&mut owner, &id).await;
    assert_eq!(u["status"], "open", "{u}");
    assert!(u["error"].as_str().is_some_and(|e| e.contains("complete the upload again")), "{u}");
    assert_eq!(u["parts"].as_array().map(Vec::len), Some(1), "the part is still there: {u}");
    let r = owner.post(&format!("/api/v1/workspaces/obs/uploads/{id}/complete"), json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    app.run_jobs().await;
    assert_eq!(upload_status(&mut owner, &id).await["status"], "done");
    assert!(owner.get(&format!("/api/v1/workspaces/obs/files/{id}/content")).await.raw == bytes);
}

#[actix_web::test]
async fn files_whose_ingest_or_restore_job_was_lost_get_one_from_the_sweep() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let fits = fits_file(&[("OBJECT", "'M42     '"), ("DATE-OBS", "'2026-11-20T22:00:00'")], 16, 16);
    let r = upload(&mut owner, "obs", &ds, "m42.fits", &fits).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let fits_id = r.body["id"].as_str().expect("id").to_owned();
    let r = upload(&mut owner, "obs", &ds, "old.raw", b"old photons").await;
    let cold_id = r.body["id"].as_str().expect("id").to_owned();
    let cold = format!("/api/v1/workspaces/obs/files/{cold_id}");
    assert_eq!(owner.patch(&cold, json!({"tier": "cold"})).await.body["tier"], "cold");
    assert_eq!(owner.post(&format!("{cold}/restore"), json!({})).await.body["restore_status"], "in_progress");
    lose_all_jobs(&app).await;

    let now = Utc::now();
    let early = app.services.sweep_stuck(now).await.expect("sweep");
    assert_eq!((early.ingests, early.restores), (0, 0), "too young to be stranded: {early:?}");
    let report = app.services.sweep_stuck(now + Duration::hours(1)).await.expect("sweep");
    assert_eq!((report.ingests, report.restores, report.previews), (1, 1, 0), "{report:?}");
    app.run_jobs().await;
    let f = owner.get(&format!("/api/v1/workspaces/obs/files/{fits_id}")).await.body;
    assert_eq!(f["ingest_status"], "done", "{f}");
    assert_eq!(f["object"], "M42");
    assert_eq!(f["preview_status"], "done", "the ingest queued the preview in its own transaction: {f}");
    let c = owner.get(&cold).await.body;
    assert_eq!((c["tier"].as_str(), c["restore_status"].as_str()), (Some("hot"), Some("none")), "{c}");
    let after = app.services.sweep_stuck(now + Duration::hours(1)).await.expect("sweep");
    assert_eq!(after, meridian_service::data::jobs::SweepReport::default(), "nothing left to sweep");
}

#[actix_web::test]
async fn a_streamed_upload_whose_reservation_expired_makes_no_file() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let ws = workspace_id(&mut owner, "obs").await;
    let (_, secret) = api_key(&mut owner, "obs", "upload").await;
    let actor = app.services.actor_from_api_key(&secret).await.expect("key");
    // The body's second chunk comes only after the cleanup, run with a clock two days ahead, has removed the
    // reservation as abandoned.
    let services = app.services.clone();
    let prefix = format!("ws/{ws}/");
    let body: meridian_storage::ByteStream = Box::pin(futures::stream::unfold(0, move |i| {
        let services = services.clone();
        let prefix = prefix.clone();
        async move {
            match i {
                0 => Some((Ok(bytes::Bytes::from_static(b"first half, ")), 1)),
                1 => {
                    let r = services.cleanup_under(Utc::now() + Duration::days(2), &prefix).await.expect("cleanup");
                    assert_eq!(r.uploads, 1, "the reservation went");
                    Some((Ok(bytes::Bytes::from_static(b"second half")), 2))
                }
                _ => None,
            }
        }
    }));
    let meta = meridian_service::data::UploadMeta {
        name: "slow.raw".into(),
        content_type: None,
        size: 23,
        sha256: None,
        release_at: None,
    };
    let ds = ds.parse().expect("a dataset id");
    let err = app.services.upload_file(&actor, "obs", ds, meta, body).await.expect_err("refused");
    assert!(matches!(err, meridian_service::ServiceError::Conflict { field: "upload", .. }), "{err:?}");
    let files = owner.get(&format!("/api/v1/workspaces/obs/datasets/{ds}/files")).await;
    assert_eq!(files.body["items"].as_array().map(Vec::len), Some(0), "{}", files.body);
    let objects = app.storage.list(&format!("ws/{ws}/"), None, 10).await.expect("list");
    assert!(objects.is_empty(), "the object went with the refusal: {objects:?}");
}

#[actix_web::test]
async fn a_dataset_with_uploads_in_flight_is_not_deleted() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let id = start_upload(&mut owner, &ds, "a.raw", b"in flight").await;
    let r = owner.delete(&format!("/api/v1/workspaces/obs/datasets/{ds}")).await;
    r.assert_problem(409, "conflict");
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("uploads in progress")), "{}", r.body);
    assert_eq!(owner.delete(&format!("/api/v1/workspaces/obs/uploads/{id}")).await.status, StatusCode::NO_CONTENT);
    assert_eq!(owner.delete(&format!("/api/v1/workspaces/obs/datasets/{ds}")).await.status, StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn stored_totals_follow_uploads_tier_changes_and_deletes() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let a = upload(&mut owner, "obs", &ds, "a.raw", &[1; 1000]).await.body["id"].as_str().expect("id").to_owned();
    let b = upload(&mut owner, "obs", &ds, "b.raw", &[2; 300]).await.body["id"].as_str().expect("id").to_owned();
    let totals = || async {
        let backend = app.conn.get_database_backend();
        let row = app
            .conn
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT stored_hot_bytes AS h, stored_cool_bytes AS c, stored_cold_bytes AS d FROM workspaces \
                 WHERE slug = 'obs'",
            ))
            .await
            .expect("query")
            .expect("row");
        let kept: [i64; 3] = ["h", "c", "d"].map(|c| row.try_get::<i64>("", c).expect("column"));
        let mut summed = [0_i64; 3];
        let rows = app
            .conn
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT tier, CAST(SUM(size_bytes) AS BIGINT) AS n FROM data_files GROUP BY tier",
            ))
            .await
            .expect("sums");
        for r in rows {
            let i = match r.try_get::<String>("", "tier").expect("tier").as_str() {
                "hot" => 0,
                "cool" => 1,
                _ => 2,
            };
            summed[i] = r.try_get::<i64>("", "n").expect("n");
        }
        assert_eq!(kept, summed, "the maintained totals are the sums");
        kept
    };
    assert_eq!(totals().await, [1300, 0, 0]);
    owner.patch(&format!("/api/v1/workspaces/obs/files/{a}"), json!({"tier": "cool"})).await;
    assert_eq!(totals().await, [300, 1000, 0]);
    owner.patch(&format!("/api/v1/workspaces/obs/files/{a}"), json!({"tier": "cold"})).await;
    owner.patch(&format!("/api/v1/workspaces/obs/files/{a}"), json!({"tier": "cold"})).await;
    assert_eq!(totals().await, [300, 0, 1000], "a move to the same tier changes nothing");
    owner.delete(&format!("/api/v1/workspaces/obs/files/{b}")).await;
    assert_eq!(totals().await, [0, 0, 1000]);
    let usage = owner.get("/api/v1/workspaces/obs/storage/usage").await;
    assert_eq!(usage.body["tiers"][2]["bytes"], 1000, "{}", usage.body);
}

#[actix_web::test]
async fn overlapping_metering_runs_count_each_hour_once() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    upload(&mut owner, "obs", &ds, "a.raw", &vec![1_u8; 1 << 20]).await;
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-05-10T00:00:00Z").expect("t").to_utc();
    app.services.meter_usage(t0).await.expect("meter");
    let t1 = t0 + Duration::hours(10);
    let (a, b, c) =
        tokio::join!(app.services.meter_usage(t1), app.services.meter_usage(t1), app.services.meter_usage(t1));
    a.and(b).and(c).expect("meter");
    let r = owner.get("/api/v1/workspaces/obs/storage/usage").await;
    let hot: f64 = r.body["history"]
        .as_array()
        .expect("history")
        .iter()
        .filter(|h| h["tier"] == "hot")
        .filter_map(|h| h["gib_months"].as_f64())
        .sum();
    let expected = (1_f64 / 1024.0) * 10.0 * 3600.0 / 2_629_800.0;
    assert!((hot - expected).abs() < 1e-12, "counted once: {hot} vs {expected}");
}

#[actix_web::test]
async fn package_versions_come_a_page_at_a_time() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let r = owner.post("/api/v1/workspaces/obs/packages", json!({"title": "Nights", "licence": "CC-BY-4.0"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let pkg = r.body["id"].as_str().expect("id").to_owned();
    for i in 0..3 {
        let f = upload(&mut owner, "obs", &ds, &format!("f{i}.raw"), format!("bytes {i}").as_bytes()).await;
        let file = f.body["id"].as_str().expect("id").to_owned();
        let r = owner
            .post(&format!("/api/v1/workspaces/obs/packages/{pkg}/draft/files"), json!({"file_ids": [file]}))
            .await;
        assert!(r.status.is_success(), "{}", r.body);
        let r = owner.post(&format!("/api/v1/workspaces/obs/packages/{pkg}/versions"), json!({})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    let versions = format!("/api/v1/workspaces/obs/packages/{pkg}/versions");
    let first = owner.get(&format!("{versions}?limit=2")).await;
    let numbers =
        |b: &Value| b["items"].as_array().expect("items").iter().map(|v| v["number"].clone()).collect::<Vec<_>>();
    assert_eq!(numbers(&first.body), [json!(3), json!(2)], "{}", first.body);
    let cursor = first.body["next_cursor"].as_str().expect("a next page").to_owned();
    let second = owner.get(&format!("{versions}?limit=2&cursor={cursor}")).await;
    assert_eq!(numbers(&second.body), [json!(1)]);
    assert!(second.body["next_cursor"].is_null());
    owner.get(&format!("{versions}?cursor=abc")).await.assert_problem(422, "validation_failed");
    owner.get(&format!("{versions}?limit=0")).await.assert_problem(422, "validation_failed");
    // The list never carries manifests; one version's manifest is its own route.
    let m = owner.get(&format!("{versions}/2/manifest.json")).await;
    assert_eq!(m.status, StatusCode::OK);
}

#[actix_web::test]
async fn parts_left_beside_a_finished_upload_are_aborted_and_its_file_kept() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let ws = workspace_id(&mut owner, "obs").await;
    let bytes = b"a finished upload".to_vec();
    let id = start_upload(&mut owner, &ds, "done.raw", &bytes).await;
    owner.post(&format!("/api/v1/workspaces/obs/uploads/{id}/complete"), json!({})).await;
    app.run_jobs().await;
    assert_eq!(upload_status(&mut owner, &id).await["status"], "done");
    // A multipart upload for the same key that no live upload holds (a crash after the join, before the parts
    // were removed), and one of an upload still open, which must stay.
    let key = format!("ws/{ws}/files/{id}");
    app.storage.create_multipart(&key, Default::default()).await.expect("leftover");
    let open = start_upload(&mut owner, &ds, "open.raw", b"still coming").await;
    let prefix = format!("ws/{ws}/");
    assert_eq!(app.storage.list_multipart(&prefix).await.expect("list").len(), 2);
    let report = app.services.cleanup_under(Utc::now() + Duration::hours(2), &prefix).await.expect("cleanup");
    assert_eq!(report.multipart, 1, "{report:?}");
    let left = app.storage.list_multipart(&prefix).await.expect("list");
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].key, format!("ws/{ws}/files/{open}"));
    assert!(owner.get(&format!("/api/v1/workspaces/obs/files/{id}/content")).await.raw == bytes, "the file is kept");
}

/// A transaction whose `BEGIN` is cancelled while its answer is awaited (a client that goes away, a worker stopped
/// mid-poll) must not leave its connection in the pool inside that transaction: every later write on it would be
/// answered as done and then vanish. Seen as 28 of 100 just-created datasets missing from their list.
#[actix_web::test]
async fn a_cancelled_begin_does_not_swallow_the_writes_after_it() {
    const ROUNDS: u64 = 400;
    const SWEEP: u64 = 200;
    let db = TestDb::new().await;
    // One connection, so every round reuses the one a cancelled BEGIN may have left behind.
    let pool = meridian_service::connect(&db.url, 1).await.expect("connect");
    let reader = meridian_service::connect(&db.url, 1).await.expect("connect");
    pool.execute_unprepared("CREATE TABLE cancel_probe (n INTEGER NOT NULL)").await.expect("create");
    let backend = reader.get_database_backend();
    let (mut cancelled, mut completed, mut first_completed) = (0, 0, None);
    for n in 0..ROUNDS {
        // Dropped after a different number of turns of the runtime each round (each `yield_now` lets the I/O driver
        // run once): the first rounds drop it while a connection is taken and checked, later ones while BEGIN's
        // answer is awaited, the last ones once it came. No timer: a timeout's moment depends on the machine's
        // speed and load, the number of turns does much less.
        let turns = n % SWEEP;
        let outcome = {
            let mut begin = std::pin::pin!(sea_orm::TransactionTrait::begin(&pool));
            let mut outcome = None;
            for _ in 0..=turns {
                if let Some(tx) = futures::FutureExt::now_or_never(begin.as_mut()) {
                    outcome = Some(tx.expect("begin"));
                    break;
                }
                tokio::task::yield_now().await;
            }
            outcome
        };
        match outcome {
            None => cancelled += 1,
            Some(tx) => {
                completed += 1;
                first_completed = first_completed.or(Some(turns));
                drop(tx);
            }
        }
        pool.execute_unprepared(&format!("INSERT INTO cancel_probe (n) VALUES ({n})")).await.expect("insert");
        let seen = reader
            .query_one_raw(Statement::from_string(backend, "SELECT COUNT(*) AS c FROM cancel_probe".to_owned()))
            .await
            .expect("count")
            .expect("a row")
            .try_get::<i64>("", "c")
            .expect("c");
        assert_eq!(seen, i64::try_from(n + 1).unwrap(), "round {n}: a write answered as done is not there");
    }
    eprintln!(
        "{cancelled} rounds cancelled, {completed} completed; the first completed after {first_completed:?} turns"
    );
    // Both outcomes, so the sweep crossed the whole of BEGIN: the rounds dropped just before the first that
    // completed were waiting for BEGIN's answer, the moment a dropped BEGIN used to leave its connection inside
    // a transaction.
    assert!(cancelled > 0 && completed > 0, "the sweep crossed BEGIN: {cancelled} cancelled, {completed} completed");
}
