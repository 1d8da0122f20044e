//! Crash safety of streamed uploads, against the real `meridian` binary.
//!
//! A 200 MiB upload is streamed to `meridian serve` and the server is killed (SIGKILL) once about 50 MiB have
//! gone out. Then: no `data_files` row, no visible object (the filesystem store keeps the partial bytes under its
//! hidden temp directory; S3 keeps an unfinished multipart upload, which is not an object). The server restarts
//! on the same data directory, the same upload succeeds in full (201, right SHA-256) and downloads back whole.
//! Last, the cleanup job's work (run here directly, with a clock a day ahead, because it only touches what is
//! over an hour old) removes the abandoned reservation and the killed multipart upload and keeps the good file.
//!
//! Always on the filesystem store; also on S3 when `S3_ENDPOINT` names a server (SeaweedFS in CI), with a bucket
//! of its own. The database is the embedded SQLite file `<data-dir>/meridian.db` in both. Timeouts are safety
//! nets only; nothing here measures time.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::StreamExt as _;
use meridian_storage::{ObjectStore, S3Config, StorageConfig};
use sea_orm::{ConnectionTrait as _, DatabaseConnection};
use serde_json::Value;

use crate::harness::{Api, Server};
use sha2::{Digest as _, Sha256};

const MIB: u64 = 1024 * 1024;
/// What the client declares and (on the second try) sends.
const SIZE: u64 = 200 * MIB;
/// The server is killed once this much of the first try has been handed to the socket.
const KILL_AFTER: u64 = 50 * MIB;
const CHUNK: u64 = 256 * 1024;
const SLUG: &str = "crash-obs";
const FILE_NAME: &str = "big.raw";
/// A safety net, far above what a slow CI machine needs.
const UPLOAD_TIMEOUT: Duration = Duration::from_secs(600);

// ------------------------------------------------------------------------------------------------ the bytes

/// Chunk `i` of the upload: xorshift64 noise seeded by the chunk's index, so any chunk can be made again and the
/// whole body never sits in memory.
fn chunk(i: u64) -> bytes::Bytes {
    let len = CHUNK.min(SIZE - i * CHUNK);
    let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut out = Vec::with_capacity(usize::try_from(len).expect("chunk length"));
    while (out.len() as u64) < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(usize::try_from(len).expect("chunk length"));
    bytes::Bytes::from(out)
}

fn chunks() -> u64 {
    SIZE.div_ceil(CHUNK)
}

fn expected_sha256() -> String {
    let mut h = Sha256::new();
    for i in 0..chunks() {
        h.update(chunk(i));
    }
    hex::encode(h.finalize())
}

/// A streamed body of [`SIZE`] bytes; `sent` counts what has been handed to the connection.
fn body(sent: Arc<AtomicU64>) -> reqwest::Body {
    let stream = futures::stream::iter(0..chunks()).map(move |i| {
        let c = chunk(i);
        sent.fetch_add(c.len() as u64, Ordering::SeqCst);
        Ok::<_, std::io::Error>(c)
    });
    reqwest::Body::wrap_stream(stream)
}

// ------------------------------------------------------------------------------------------------ the client

fn upload(api: &Api, dataset: &str, sent: Arc<AtomicU64>) -> reqwest::RequestBuilder {
    api.request(reqwest::Method::PUT, &format!("/api/v1/workspaces/{SLUG}/datasets/{dataset}/files/{FILE_NAME}"))
        .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
        .header(reqwest::header::CONTENT_LENGTH, SIZE)
        .body(body(sent))
        .timeout(UPLOAD_TIMEOUT)
}

// ------------------------------------------------------------------------------------------------ checks

async fn sqlite(data_dir: &Path) -> DatabaseConnection {
    let url = format!("sqlite://{}?mode=rw", data_dir.join("meridian.db").display());
    sea_orm::Database::connect(url).await.expect("open the server's SQLite file")
}

async fn count(db: &DatabaseConnection, table: &str) -> i64 {
    let row = db
        .query_one_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            format!("SELECT COUNT(*) AS n FROM {table}"),
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

async fn column(db: &DatabaseConnection, sql: &str, name: &str) -> Vec<String> {
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(db.get_database_backend(), sql.to_owned()))
        .await
        .expect("query");
    rows.iter().map(|r| r.try_get::<String>("", name).expect("text column")).collect()
}

async fn visible_objects(store: &dyn ObjectStore) -> Vec<String> {
    store.list("ws/", None, 1000).await.expect("list objects").into_iter().map(|o| o.key).collect()
}

/// Bytes of the partial writes the filesystem store keeps under `<root>/.tmp`.
fn temp_bytes(root: &Path) -> u64 {
    std::fs::read_dir(root.join(".tmp"))
        .map(|d| d.filter_map(Result::ok).filter_map(|e| e.metadata().ok()).map(|m| m.len()).sum())
        .unwrap_or(0)
}

// ------------------------------------------------------------------------------------------------ the scenario

enum Backend {
    Filesystem,
    S3 { config: Box<S3Config> },
}

async fn crash_mid_upload(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().join("data");
    let log = dir.path().join("server.log");
    let (mut storage_env, store_config) = match &backend {
        Backend::Filesystem => (Vec::new(), StorageConfig::Filesystem { root: data_dir.join("objects") }),
        Backend::S3 { config } => {
            meridian_storage::create_bucket(config).await.expect("create the test bucket");
            let mut env = vec![
                ("MERIDIAN_STORAGE__BACKEND".to_owned(), "s3".to_owned()),
                ("MERIDIAN_STORAGE__BUCKET".to_owned(), config.bucket.clone()),
                ("MERIDIAN_STORAGE__ENDPOINT".to_owned(), config.endpoint.clone().unwrap_or_default()),
                ("MERIDIAN_STORAGE__PATH_STYLE".to_owned(), "true".to_owned()),
            ];
            if let (Some(id), Some(secret)) = (&config.access_key_id, &config.secret_access_key) {
                env.push(("MERIDIAN_STORAGE__ACCESS_KEY_ID".to_owned(), id.clone()));
                env.push(("MERIDIAN_STORAGE__SECRET_ACCESS_KEY".to_owned(), secret.expose().to_owned()));
            }
            (env, StorageConfig::S3((**config).clone()))
        }
    };
    storage_env.push(("MERIDIAN_DATA_DIR".to_owned(), data_dir.display().to_string()));
    let expected_sha = tokio::task::spawn_blocking(expected_sha256);

    // An account, a workspace and a dataset, through the API.
    let mut server = Server::start(&storage_env, log.clone()).await;
    let mut api = Api::new(&server.base);
    let dataset = api.owner_with_dataset(SLUG).await;
    assert!(api.cookies.contains_key(meridian_http::cookies::CSRF_COOKIE), "no CSRF cookie: {:?}", api.cookies.keys());

    // The first try: killed mid-stream.
    let sent = Arc::new(AtomicU64::new(0));
    let first = tokio::spawn(upload(&api, &dataset, sent.clone()).send());
    let deadline = tokio::time::Instant::now() + UPLOAD_TIMEOUT;
    while sent.load(Ordering::SeqCst) < KILL_AFTER {
        if first.is_finished() {
            panic!("the upload ended before the kill: {:?}\n{}", first.await, server.log_tail());
        }
        assert!(tokio::time::Instant::now() < deadline, "50 MiB not sent in time:\n{}", server.log_tail());
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let db = sqlite(&data_dir).await;
    assert_eq!(count(&db, "uploads").await, 1, "the upload in flight holds a reservation:\n{}", server.log_tail());
    let in_flight_key = column(&db, "SELECT object_key FROM uploads", "object_key").await.remove(0);
    server.kill();
    let at_kill = sent.load(Ordering::SeqCst);
    let first = tokio::time::timeout(Duration::from_secs(60), first).await.expect("the client notices the kill");
    assert!(first.expect("upload task").is_err(), "the killed upload cannot have succeeded");
    eprintln!("killed the server after {} MiB of {} MiB were sent", at_kill / MIB, SIZE / MIB);

    // Nothing visible: no row, no object.
    assert_eq!(count(&db, "data_files").await, 0, "no data_files row after the crash");
    let store = meridian_storage::open(&store_config).await.expect("open the store");
    assert_eq!(visible_objects(&*store).await, Vec::<String>::new(), "no visible object after the crash");
    assert!(store.head(&in_flight_key).await.is_err(), "the killed upload's object is not there");
    match &backend {
        Backend::Filesystem => {
            let partial = temp_bytes(&data_dir.join("objects"));
            eprintln!("filesystem: {} MiB of partial writes under objects/.tmp", partial / MIB);
            assert!(partial > 0, "the kill came mid-write (partial bytes in the hidden temp dir)");
        }
        Backend::S3 { .. } => {
            let pending = store.list_multipart("ws/").await.expect("list multipart uploads");
            eprintln!("S3: {} pending multipart upload(s) after the kill", pending.len());
            assert!(!pending.is_empty(), "a 200 MiB stream goes as a multipart upload, left pending by the kill");
            assert!(pending.iter().all(|p| p.key == in_flight_key), "only the killed upload is pending: {pending:?}");
        }
    }

    // Restart on the same data dir (same session cookie: sessions live in the database) and retry in full.
    server = Server::start(&storage_env, log.clone()).await;
    api.base.clone_from(&server.base);
    let expected_sha = expected_sha.await.expect("hashing task");
    let sent = Arc::new(AtomicU64::new(0));
    let r = upload(&api, &dataset, sent.clone()).send().await.expect("the retried upload");
    let status = r.status();
    let b: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(status, reqwest::StatusCode::CREATED, "retry: {b}\n{}", server.log_tail());
    assert_eq!(sent.load(Ordering::SeqCst), SIZE);
    assert_eq!(b["sha256"], expected_sha.as_str());
    assert_eq!(b["size_bytes"], SIZE);
    let file_id = b["id"].as_str().expect("file id").to_owned();

    // It downloads back whole (streamed and hashed here; S3 may answer with a redirect to a presigned URL).
    let mut r = api
        .request(reqwest::Method::GET, &format!("/api/v1/workspaces/{SLUG}/files/{file_id}/content"))
        .timeout(UPLOAD_TIMEOUT)
        .send()
        .await
        .expect("download");
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let (mut got, mut h) = (0_u64, Sha256::new());
    while let Some(c) = r.chunk().await.expect("download chunk") {
        got += c.len() as u64;
        h.update(&c);
    }
    assert_eq!(got, SIZE, "downloaded size");
    assert_eq!(hex::encode(h.finalize()), expected_sha, "downloaded bytes");
    assert_eq!(count(&db, "data_files").await, 1);
    let file_key = column(&db, "SELECT object_key FROM data_files", "object_key").await.remove(0);
    drop(server);

    // The cleanup job, with its clock a day ahead (it leaves alone what is younger than an hour and reservations
    // younger than a day): the abandoned reservation and the killed multipart upload go, the good file stays.
    let services = meridian_service::Services::new(db.clone(), meridian_service::ServiceConfig::default())
        .expect("services")
        .with_storage(store.clone());
    let report = services.cleanup(chrono::Utc::now() + chrono::Duration::hours(25)).await.expect("cleanup");
    eprintln!("cleanup: {report:?}");
    assert_eq!(report.uploads, 1, "the killed upload's reservation is dropped");
    assert_eq!(count(&db, "uploads").await, 0);
    let pending = store.list_multipart("ws/").await.expect("list multipart uploads");
    assert!(pending.is_empty(), "no multipart upload left pending after cleanup: {pending:?}");
    assert_eq!(visible_objects(&*store).await, vec![file_key], "only the retried file's object");
    assert_eq!(count(&db, "data_files").await, 1);
    db.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_upload_leaves_nothing_on_the_filesystem_and_the_retry_succeeds() {
    crash_mid_upload(Backend::Filesystem).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_upload_leaves_nothing_on_s3_and_the_retry_succeeds() {
    let Some(endpoint) = std::env::var("S3_ENDPOINT").ok().filter(|e| !e.is_empty()) else {
        eprintln!("S3_ENDPOINT is not set: the S3 variant is skipped (infra/devservices.sh start seaweedfs)");
        return;
    };
    let mut config = S3Config::new(format!("meridian-crash-{}", uuid::Uuid::now_v7().simple()));
    config.endpoint = Some(endpoint);
    config.path_style = true;
    crash_mid_upload(Backend::S3 { config: Box::new(config) }).await;
}
