//! Resumable uploads through the API: parts in any order and retried, the missing ones named, verification by
//! the job (size, checksum, duplicates), presigned part URLs straight to S3, abort, quota, expiry, and the
//! authorization matrix of the upload routes.

use crate::data::{dataset, file_count, sha_hex, upload, workspace_id};
use crate::helpers::*;
use actix_web::http::{Method, StatusCode};
use sea_orm::ConnectionTrait as _;
use serde_json::{Value, json};

const MIB: usize = 1024 * 1024;

/// 11 MiB and a bit: with 5 MiB parts, three parts, the last one short.
fn big_file() -> Vec<u8> {
    (0..11 * MIB + 12_345).map(|i| u8::try_from((i * 7 + i / 4099) % 251).unwrap_or(0)).collect()
}

fn part(bytes: &[u8], part_size: usize, n: usize) -> Vec<u8> {
    let start = (n - 1) * part_size;
    bytes[start..(start + part_size).min(bytes.len())].to_vec()
}

pub(crate) async fn start(c: &mut Client, slug: &str, ds: &str, body: Value) -> Reply {
    c.post(&format!("/api/v1/workspaces/{slug}/datasets/{ds}/uploads"), body).await
}

async fn send_part(c: &mut Client, slug: &str, upload: &str, n: usize, bytes: Vec<u8>) -> Reply {
    c.request(
        Method::PUT,
        &format!("/api/v1/workspaces/{slug}/uploads/{upload}/parts/{n}"),
        Some(bytes),
        Some("application/octet-stream"),
    )
    .await
}

fn id_of(r: &Reply) -> String {
    r.body["id"].as_str().unwrap_or_else(|| panic!("no id in {}", r.body)).to_owned()
}

#[actix_web::test]
async fn parts_arrive_in_any_order_are_retried_and_make_one_verified_file() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let bytes = big_file();
    let sha = sha_hex(&bytes);
    let r = start(
        &mut owner,
        "obs",
        &ds,
        json!({"name": "m31.raw", "size": bytes.len(), "sha256": sha, "part_size": 5 * MIB}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["status"], "open");
    assert_eq!(r.body["part_count"], 3);
    assert_eq!(r.body["part_size"], 5 * MIB);
    let id = id_of(&r);
    // The bytes are reserved against the quota from the start.
    let usage = owner.get("/api/v1/workspaces/obs/storage/usage").await;
    assert_eq!(usage.body["reserved_bytes"], bytes.len());

    // URLs for every part: through the API on the filesystem, presigned on S3.
    let r = owner.post(&format!("/api/v1/workspaces/obs/uploads/{id}/part-urls"), json!({"parts": [1, 2, 3]})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let urls = r.body["items"].as_array().expect("items");
    assert_eq!(urls.len(), 3);
    assert_eq!(urls[2]["size"], bytes.len() - 10 * MIB);
    let direct = app.storage.kind() == meridian_storage::BackendKind::S3;
    let url = urls[0]["url"].as_str().expect("url");
    if direct {
        assert!(url.starts_with("http") && url.contains("X-Amz-Signature"), "{url}");
    } else {
        assert_eq!(url, format!("/api/v1/workspaces/obs/uploads/{id}/parts/1"));
    }

    // Part 3 first, then 1, then 1 again (a retry after a lost answer): it replaces the first copy.
    let r = send_part(&mut owner, "obs", &id, 3, part(&bytes, 5 * MIB, 3)).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["number"], 3);
    assert!(r.body["etag"].as_str().is_some_and(|e| !e.is_empty()));
    assert_eq!(send_part(&mut owner, "obs", &id, 1, part(&bytes, 5 * MIB, 1)).await.status, StatusCode::OK);
    assert_eq!(send_part(&mut owner, "obs", &id, 1, part(&bytes, 5 * MIB, 1)).await.status, StatusCode::OK);
    let r = owner.get(&format!("/api/v1/workspaces/obs/uploads/{id}")).await;
    let have: Vec<u64> =
        r.body["parts"].as_array().expect("parts").iter().filter_map(|p| p["number"].as_u64()).collect();
    assert_eq!(have, [1, 3], "what a resuming client need not send again");

    // Completing early names what is missing; a part of the wrong size or number is refused.
    let r = owner.post(&format!("/api/v1/workspaces/obs/uploads/{id}/complete"), json!({})).await;
    r.assert_problem(409, "conflict");
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("missing") && d.contains('2')), "{}", r.body);
    send_part(&mut owner, "obs", &id, 2, vec![0; 100]).await.assert_problem(422, "validation_failed");
    send_part(&mut owner, "obs", &id, 4, vec![0; 100]).await.assert_problem(422, "validation_failed");
    assert_eq!(send_part(&mut owner, "obs", &id, 2, part(&bytes, 5 * MIB, 2)).await.status, StatusCode::OK);

    let r = owner.post(&format!("/api/v1/workspaces/obs/uploads/{id}/complete"), json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["status"], "verifying");
    assert_eq!(file_count(&app).await, 0, "no row before the bytes are verified");
    send_part(&mut owner, "obs", &id, 2, part(&bytes, 5 * MIB, 2)).await.assert_problem(409, "conflict");
    app.run_jobs().await;

    let r = owner.get(&format!("/api/v1/workspaces/obs/uploads/{id}")).await;
    assert_eq!(r.body["status"], "done", "{}", r.body);
    let file = r.body["file_id"].as_str().expect("file").to_owned();
    assert_eq!(file, id, "the upload's id is its file's id");
    let r = owner.get(&format!("/api/v1/workspaces/obs/files/{file}")).await;
    assert_eq!(r.body["sha256"], sha);
    assert_eq!(r.body["size_bytes"], bytes.len());
    assert_eq!(r.body["name"], "m31.raw");
    let r = owner.get(&format!("/api/v1/workspaces/obs/files/{file}/content")).await;
    assert!(r.raw == bytes, "the joined bytes are the file");
    let usage = owner.get("/api/v1/workspaces/obs/storage/usage").await;
    assert_eq!(usage.body["reserved_bytes"], 0);
    assert_eq!(usage.body["tiers"][0]["bytes"], bytes.len());
    // Completing again answers how it ended; it is no longer in the list of uploads in flight.
    let r = owner.post(&format!("/api/v1/workspaces/obs/uploads/{id}/complete"), json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(r.body["status"], "done");
    let r = owner.get("/api/v1/workspaces/obs/uploads").await;
    assert_eq!(r.body["items"], json!([]));
}

#[actix_web::test]
async fn bytes_that_do_not_match_the_declared_checksum_make_no_file() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let bytes = vec![7_u8; 1000];
    let wrong = sha_hex(b"something else");
    let r = start(&mut owner, "obs", &ds, json!({"name": "a.raw", "size": 1000, "sha256": wrong})).await;
    let id = id_of(&r);
    assert_eq!(r.body["part_count"], 1, "a small file is one part");
    assert_eq!(send_part(&mut owner, "obs", &id, 1, bytes).await.status, StatusCode::OK);
    let r = owner.post(&format!("/api/v1/workspaces/obs/uploads/{id}/complete"), json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    app.run_jobs().await;
    let r = owner.get(&format!("/api/v1/workspaces/obs/uploads/{id}")).await;
    assert_eq!(r.body["status"], "failed", "{}", r.body);
    assert!(r.body["error"].as_str().is_some_and(|e| e.contains("SHA-256")), "{}", r.body);
    assert_eq!(r.body["file_id"], Value::Null);
    assert_eq!(file_count(&app).await, 0);
    let ws = workspace_id(&mut owner, "obs").await;
    let left = app.storage.list(&format!("ws/{ws}/"), None, 10).await.expect("list");
    assert!(left.is_empty(), "the object went with the upload: {left:?}");
    let usage = owner.get("/api/v1/workspaces/obs/storage/usage").await;
    assert_eq!(usage.body["reserved_bytes"], 0, "a failed upload holds no quota");
    // A failed upload can be cleared away.
    let r = owner.delete(&format!("/api/v1/workspaces/obs/uploads/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    owner.get(&format!("/api/v1/workspaces/obs/uploads/{id}")).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn duplicates_are_refused_up_front_when_declared_and_by_the_job_otherwise() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let bytes = b"the same frame".to_vec();
    let first = upload(&mut owner, "obs", &ds, "first.raw", &bytes).await;
    let first_id = id_of(&first);
    let r = start(&mut owner, "obs", &ds, json!({"name": "again.raw", "size": bytes.len(), "sha256": sha_hex(&bytes)}))
        .await;
    r.assert_problem(409, "duplicate_file");
    assert_eq!(r.body["existing_file"]["id"], first_id.as_str());
    start(&mut owner, "obs", &ds, json!({"name": "first.raw", "size": 3})).await.assert_problem(409, "conflict");

    // Undeclared: found when the bytes are read.
    let r = start(&mut owner, "obs", &ds, json!({"name": "again.raw", "size": bytes.len()})).await;
    let id = id_of(&r);
    send_part(&mut owner, "obs", &id, 1, bytes.clone()).await;
    owner.post(&format!("/api/v1/workspaces/obs/uploads/{id}/complete"), json!({})).await;
    app.run_jobs().await;
    let r = owner.get(&format!("/api/v1/workspaces/obs/uploads/{id}")).await;
    assert_eq!(r.body["status"], "failed");
    assert!(r.body["error"].as_str().is_some_and(|e| e.contains(&first_id)), "names the file: {}", r.body);
    assert_eq!(file_count(&app).await, 1);
}

/// A client whose answer to "start an upload" was lost sends the request again: it gets the upload it began (200,
/// with the parts already there), not a second one holding the same quota for a week. Another file, another
/// person, an upload that ended or nearly expired, or a request with neither a checksum nor a client's token is a
/// new upload.
#[actix_web::test]
async fn starting_the_same_upload_again_answers_the_one_begun() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let body = json!({"name": "m33.raw", "size": 6 * MIB, "part_size": 5 * MIB, "sha256": "ab".repeat(32),
        "release_at": "2027-01-01T00:00:00.123456789Z"});
    let first = start(&mut owner, "obs", &ds, body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    let id = id_of(&first);
    assert_eq!(send_part(&mut owner, "obs", &id, 1, vec![1; 5 * MIB]).await.status, StatusCode::OK);

    let again = start(&mut owner, "obs", &ds, body.clone()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    assert_eq!(id_of(&again), id, "the same upload");
    let have: Vec<u64> =
        again.body["parts"].as_array().expect("parts").iter().filter_map(|p| p["number"].as_u64()).collect();
    assert_eq!(have, [1], "with what it already has");
    let usage = owner.get("/api/v1/workspaces/obs/storage/usage").await;
    assert_eq!(usage.body["reserved_bytes"], 6 * MIB, "reserved once");
    assert_eq!(owner.get("/api/v1/workspaces/obs/uploads").await.body["items"].as_array().map(Vec::len), Some(1));

    // Anything else asked differently is another upload: the other one then conflicts on the name when it ends.
    for (field, value) in [
        ("size", json!(6 * MIB + 1)),
        ("part_size", json!(6 * MIB)),
        ("sha256", json!("cd".repeat(32))),
        ("release_at", json!("2027-01-02T00:00:00Z")),
        ("content_type", json!("image/fits")),
    ] {
        let mut other = body.clone();
        other[field] = value;
        let r = start(&mut owner, "obs", &ds, other).await;
        assert_eq!(r.status, StatusCode::CREATED, "another {field}: {}", r.body);
        assert_ne!(id_of(&r), id);
        assert_eq!(
            owner.delete(&format!("/api/v1/workspaces/obs/uploads/{}", id_of(&r))).await.status,
            StatusCode::NO_CONTENT
        );
    }
    // Another member's upload of the same file is theirs.
    let (mut grace, _) = app.user("Grace").await;
    add_member(&app, &mut owner, "obs", "grace@example.org", "member").await;
    let r = start(&mut grace, "obs", &ds, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_ne!(id_of(&r), id);
    // Without a declared checksum nothing says it is the same file (an edited one may have the same name and
    // size): each request is a new upload.
    let mut unsure = body.clone();
    unsure.as_object_mut().expect("object").remove("sha256");
    unsure["name"] = json!("m33-unsure.raw");
    let a = start(&mut owner, "obs", &ds, unsure.clone()).await;
    let b = start(&mut owner, "obs", &ds, unsure).await;
    assert_eq!((a.status, b.status), (StatusCode::CREATED, StatusCode::CREATED), "{} {}", a.body, b.body);
    assert_ne!(id_of(&a), id_of(&b));
    // A client that cannot hash the file first (the browser) names its request instead: the same token is the
    // same upload; another token, or the token with another file, is another.
    let tokened = json!({"name": "m51.raw", "size": 6 * MIB, "part_size": 5 * MIB, "client_token": "f00d-1"});
    let a = start(&mut owner, "obs", &ds, tokened.clone()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.body);
    let again = start(&mut owner, "obs", &ds, tokened.clone()).await;
    assert_eq!((again.status, id_of(&again)), (StatusCode::OK, id_of(&a)), "{}", again.body);
    let mut other = tokened.clone();
    other["client_token"] = json!("f00d-2");
    assert_eq!(start(&mut owner, "obs", &ds, other).await.status, StatusCode::CREATED);
    let mut other = tokened.clone();
    other["size"] = json!(6 * MIB + 1);
    assert_eq!(start(&mut owner, "obs", &ds, other).await.status, StatusCode::CREATED);
    for bad in [json!(""), json!("has space"), json!("x".repeat(101))] {
        let mut other = tokened.clone();
        other["client_token"] = bad;
        start(&mut owner, "obs", &ds, other).await.assert_problem(422, "validation_failed");
    }
    // One with less than a day left is not handed out again (a long transfer would outlive it).
    let soon = (chrono::Utc::now() + chrono::Duration::hours(20)).fixed_offset();
    let backend = app.conn.get_database_backend();
    let sql = match backend {
        sea_orm::DbBackend::Postgres => "UPDATE uploads SET expires_at = $1 WHERE id = $2",
        _ => "UPDATE uploads SET expires_at = ? WHERE id = ?",
    };
    let changed = app
        .conn
        .execute_raw(sea_orm::Statement::from_sql_and_values(
            backend,
            sql,
            [soon.into(), uuid::Uuid::parse_str(&id).expect("id").into()],
        ))
        .await
        .expect("update");
    assert_eq!(changed.rows_affected(), 1);
    let r = start(&mut owner, "obs", &ds, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        owner.delete(&format!("/api/v1/workspaces/obs/uploads/{}", id_of(&r))).await.status,
        StatusCode::NO_CONTENT
    );
    // Once the first has ended (aborted here), the same request starts a new one.
    assert_eq!(owner.delete(&format!("/api/v1/workspaces/obs/uploads/{id}")).await.status, StatusCode::NO_CONTENT);
    let r = start(&mut owner, "obs", &ds, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_ne!(id_of(&r), id);
}

#[actix_web::test]
async fn aborted_uploads_leave_nothing_and_expired_ones_are_cleaned_up() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let ws = workspace_id(&mut owner, "obs").await;
    let prefix = format!("ws/{ws}/");

    let r = start(&mut owner, "obs", &ds, json!({"name": "a.raw", "size": 6 * MIB, "part_size": 5 * MIB})).await;
    let id = id_of(&r);
    send_part(&mut owner, "obs", &id, 1, vec![1; 5 * MIB]).await;
    assert_eq!(app.storage.list_multipart(&prefix).await.expect("list").len(), 1);
    assert_eq!(owner.delete(&format!("/api/v1/workspaces/obs/uploads/{id}")).await.status, StatusCode::NO_CONTENT);
    owner.get(&format!("/api/v1/workspaces/obs/uploads/{id}")).await.assert_problem(404, "not_found");
    assert!(app.storage.list_multipart(&prefix).await.expect("list").is_empty(), "the parts went");
    let usage = owner.get("/api/v1/workspaces/obs/storage/usage").await;
    assert_eq!(usage.body["reserved_bytes"], 0);

    // One left open is aborted by the cleanup job once it expires (a week).
    let r = start(&mut owner, "obs", &ds, json!({"name": "b.raw", "size": 10})).await;
    let id = id_of(&r);
    send_part(&mut owner, "obs", &id, 1, vec![2; 10]).await;
    let now = chrono::Utc::now();
    assert_eq!(app.services.cleanup_under(now, &prefix).await.expect("cleanup").uploads, 0);
    let report = app.services.cleanup_under(now + chrono::Duration::days(8), &prefix).await.expect("cleanup");
    assert_eq!(report.uploads, 1);
    assert!(app.storage.list_multipart(&prefix).await.expect("list").is_empty());
    owner.get(&format!("/api/v1/workspaces/obs/uploads/{id}")).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn over_quota_or_badly_described_uploads_are_refused_before_they_start() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let ws = workspace_id(&mut owner, "obs").await;
    let r = start(&mut owner, "obs", &ds, json!({"name": "huge.raw", "size": 1_u64 << 40})).await;
    r.assert_problem(413, "quota_exceeded");
    let r = start(&mut owner, "obs", &ds, json!({"name": "huge.raw", "size": 1_u64 << 50})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "size", "more than 10,000 parts of 5 GiB");
    start(&mut owner, "obs", &ds, json!({"name": "a.raw", "size": 10, "part_size": 1000}))
        .await
        .assert_problem(422, "validation_failed");
    start(&mut owner, "obs", &ds, json!({"name": "a.raw", "size": 10, "sha256": "beef"}))
        .await
        .assert_problem(422, "validation_failed");
    start(&mut owner, "obs", &ds, json!({"name": "../a.raw", "size": 10}))
        .await
        .assert_problem(422, "validation_failed");
    assert!(app.storage.list_multipart(&format!("ws/{ws}/")).await.expect("list").is_empty(), "nothing started");
}

#[actix_web::test]
async fn a_telescope_key_uploads_in_parts_straight_to_the_object_store() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let (_, secret) = api_key(&mut owner, "obs", "upload").await;
    let mut telescope = app.key_client(&secret);
    let bytes = big_file();
    let r = start(&mut telescope, "obs", &ds, json!({"name": "night.raw", "size": bytes.len(), "part_size": 5 * MIB}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = id_of(&r);
    let direct = r.body["direct"].as_bool().expect("direct");
    let r =
        telescope.post(&format!("/api/v1/workspaces/obs/uploads/{id}/part-urls"), json!({"parts": [1, 2, 3]})).await;
    let urls = r.body["items"].as_array().expect("items").clone();
    let mut etags = Vec::new();
    if direct {
        // Each part PUT to its presigned URL, as a client outside the server would.
        let http = reqwest::Client::new();
        for u in &urls {
            let n = usize::try_from(u["number"].as_u64().expect("n")).expect("n");
            let mut req = http.put(u["url"].as_str().expect("url")).body(part(&bytes, 5 * MIB, n));
            for h in u["headers"].as_array().expect("headers") {
                req = req.header(h[0].as_str().expect("name"), h[1].as_str().expect("value"));
            }
            let res = req.send().await.expect("put part");
            assert!(res.status().is_success(), "{}: {}", res.status(), res.text().await.unwrap_or_default());
            let etag = res.headers().get("etag").and_then(|v| v.to_str().ok()).expect("etag").to_owned();
            etags.push(json!({"number": n, "etag": etag}));
        }
        // A tampered signature is refused by the store.
        let tampered = urls[0]["url"].as_str().expect("url").replace("X-Amz-Signature=", "X-Amz-Signature=0");
        let res = http.put(tampered).body(part(&bytes, 5 * MIB, 1)).send().await.expect("put");
        assert_eq!(res.status().as_u16(), 403);
    } else {
        for u in &urls {
            let n = usize::try_from(u["number"].as_u64().expect("n")).expect("n");
            let r = send_part(&mut telescope, "obs", &id, n, part(&bytes, 5 * MIB, n)).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            etags.push(json!({"number": n, "etag": r.body["etag"]}));
        }
    }
    let r = telescope.post(&format!("/api/v1/workspaces/obs/uploads/{id}/complete"), json!({"parts": etags})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    app.run_jobs().await;
    let r = telescope.get(&format!("/api/v1/workspaces/obs/uploads/{id}")).await;
    assert_eq!(r.body["status"], "done", "{}", r.body);
    let r = owner.get(&format!("/api/v1/workspaces/obs/files/{id}/content")).await;
    assert!(r.raw == bytes);
    // The key uploads and nothing else: it cannot read the file it made.
    telescope.get(&format!("/api/v1/workspaces/obs/files/{id}")).await.assert_problem(404, "not_found");
}

// ---- Authorization matrix --------------------------------------------------------------------------------------

use crate::authz_matrix::{Call, Route};
use futures::future::LocalBoxFuture;
use meridian_domain::Action;

/// The bytes the matrix sends as a body (its JSON), whose length a part must have.
fn matrix_body(n: u32) -> Value {
    json!({"n": n})
}

/// An open upload of one part whose size is that of the matrix's body; `send` sends the part first.
fn upload_setup<'a>(
    owner: &'a mut Client,
    slug: &'a str,
    n: u32,
    tail: &'static str,
    body: Option<Value>,
    send: bool,
) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let ds = dataset(owner, slug, &format!("Parts {n}")).await;
        let bytes = serde_json::to_vec(&matrix_body(n)).expect("json");
        let r = start(owner, slug, &ds, json!({"name": format!("p{n}.raw"), "size": bytes.len()})).await;
        let id = id_of(&r);
        if send {
            let r = send_part(owner, slug, &id, 1, bytes).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        }
        Call { path: format!("/api/v1/workspaces/{slug}/uploads/{id}{tail}"), body }
    })
}

const UPLOAD: &str = "/api/v1/workspaces/{slug}/uploads/{upload}";

pub const MATRIX: &[Route] = &[
    Route::post("/api/v1/workspaces/{slug}/datasets/{id}/uploads")
        .needs(Action::Upload)
        .setup(|o, s, n| {
            Box::pin(async move {
                let ds = dataset(o, s, &format!("Starts {n}")).await;
                Call {
                    path: format!("/api/v1/workspaces/{s}/datasets/{ds}/uploads"),
                    body: Some(json!({"name": format!("s{n}.raw"), "size": 10})),
                }
            })
        })
        .ok(201),
    Route::get("/api/v1/workspaces/{slug}/uploads").needs(Action::Upload).ok(200),
    Route::get(UPLOAD).needs(Action::Upload).setup(|o, s, n| upload_setup(o, s, n, "", None, false)).ok(200),
    Route::post("/api/v1/workspaces/{slug}/uploads/{upload}/part-urls")
        .needs(Action::Upload)
        .setup(|o, s, n| upload_setup(o, s, n, "/part-urls", Some(json!({"parts": [1]})), false))
        .ok(200),
    Route::put("/api/v1/workspaces/{slug}/uploads/{upload}/parts/{number}")
        .needs(Action::Upload)
        .setup(|o, s, n| upload_setup(o, s, n, "/parts/1", Some(matrix_body(n)), false))
        .ok(200),
    Route::post("/api/v1/workspaces/{slug}/uploads/{upload}/complete")
        .needs(Action::Upload)
        .setup(|o, s, n| upload_setup(o, s, n, "/complete", Some(json!({})), true))
        .ok(202),
    Route::delete(UPLOAD).needs(Action::Upload).setup(|o, s, n| upload_setup(o, s, n, "", None, true)).ok(204),
];
