//! Backup and restore as the operator guide tells it: a populated instance is backed up (database first, then
//! objects), restored into a fresh one, and the fresh one passes `meridian verify --full` with every checksum
//! equal to the original's. SQLite and files always; PostgreSQL (pg_dump / pg_restore) and S3 when the suite's
//! services are up.

use crate::harness::*;
use sea_orm::{ConnectionTrait as _, DatabaseConnection};
use serde_json::json;
use std::path::Path;
use std::process::Command;

/// Files and checksums as the database records them.
async fn sums(db: &DatabaseConnection) -> Vec<(String, String)> {
    let rows = db
        .query_all_raw(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT name, sha256 FROM data_files ORDER BY name".to_owned(),
        ))
        .await
        .expect("query");
    rows.iter()
        .map(|r| (r.try_get::<String>("", "name").expect("name"), r.try_get::<String>("", "sha256").expect("sha")))
        .collect()
}

/// Some of everything: plain files, a FITS file with its preview and ingest, a published package.
async fn populate(inst: &Instance) -> usize {
    let server = inst.start().await;
    let mut api = Api::new(&server.base);
    let ds = api.owner_with_dataset("obs").await;
    // Publishing needs a confirmed address.
    inst.confirm("owner-of-obs@example.org").await;
    let files = format!("/api/v1/workspaces/obs/datasets/{ds}/files");
    for i in 0..5_usize {
        let r = api.put_bytes(&format!("{files}/f{i}.raw"), pattern(50_000 + i, i as u64)).await.expect("upload");
        assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    }
    let pixels: Vec<i16> = (0..32 * 32).map(|p| i16::try_from(p % 500).unwrap_or(0)).collect();
    let fits = meridian_fits::primary_i16(&[("OBJECT", "'M42     '")], 32, 32, &pixels);
    let r = api.put_bytes(&format!("{files}/m42.fits"), fits).await.expect("upload");
    let fits_id = r.body["id"].as_str().expect("id").to_owned();
    api.wait_for(&format!("/api/v1/workspaces/obs/files/{fits_id}"), "previewed", |b| b["preview_status"] == "done")
        .await;
    let r = api.post("/api/v1/workspaces/obs/packages", json!({"title": "Backed up", "licence": "CC-BY-4.0"})).await;
    let pkg = r.body["id"].as_str().expect("id").to_owned();
    api.post(&format!("/api/v1/workspaces/obs/packages/{pkg}/draft/files"), json!({"dataset_id": ds})).await;
    let r = api.post(&format!("/api/v1/workspaces/obs/packages/{pkg}/versions"), json!({})).await;
    assert_eq!(r.status, reqwest::StatusCode::CREATED, "{}", r.body);
    6
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
        }
    }
}

fn assert_restored(report: &serde_json::Value, files: usize) {
    assert_eq!(report["files_checked"], files, "{report}");
    assert_eq!(report["files_read"], files, "every file read back: {report}");
    assert_eq!(report["checksum_mismatch"]["count"], 0);
    assert_eq!(report["missing"]["count"], 0);
    assert_eq!(report["versions_checked"], 1);
    assert_eq!(report["version_problems"]["count"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_embedded_instance_restores_from_its_backup() {
    // Embedded: SQLite and files, whatever services run.
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let mut inst = Instance::new("backup_sqlite").await;
    inst.env.retain(|(k, _)| !k.starts_with("MERIDIAN_STORAGE__") && k != "MERIDIAN_DATABASE_URL");
    for (k, v) in &mut inst.env {
        if k == "MERIDIAN_DATA_DIR" {
            *v = data.display().to_string();
        }
    }
    inst.database_url = format!("sqlite://{}?mode=rwc", data.join("meridian.db").display());
    inst.store_config = meridian_storage::StorageConfig::Filesystem { root: data.join("objects") };
    let files = populate(&inst).await;

    // The backup, online (the server of `populate` is gone, but nothing here needs it stopped): the database
    // with VACUUM INTO (what `sqlite3 .backup` does), then the objects.
    let backup = dir.path().join("backup");
    std::fs::create_dir_all(&backup).expect("mkdir");
    let db = inst.db().await;
    db.execute_unprepared(&format!("VACUUM INTO '{}'", backup.join("meridian.db").display()))
        .await
        .expect("vacuum into");
    copy_dir(&data.join("objects"), &backup.join("objects"));

    // Restored into an empty data directory.
    let restored = dir.path().join("restored");
    copy_dir(&backup, &restored);
    let env = vec![("MERIDIAN_DATA_DIR".to_owned(), restored.display().to_string())];
    let (ok, report) = verify_with(&env);
    assert!(ok, "{report}");
    assert_restored(&report, files);
    let again = sea_orm::Database::connect(format!("sqlite://{}?mode=rw", restored.join("meridian.db").display()))
        .await
        .expect("open the restored database");
    assert_eq!(sums(&again).await, sums(&db).await, "every checksum equal");
    // A restored instance serves.
    let server = Server::start(&env, dir.path().join("restored.log")).await;
    let r = reqwest::get(format!("{}/readyz", server.base)).await.expect("readyz");
    assert_eq!(r.status(), reqwest::StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgresql_and_s3_instance_restores_from_its_backup() {
    let (Some(admin), Some(endpoint)) = (
        std::env::var("TEST_DATABASE_URL").ok().filter(|u| !u.is_empty()),
        std::env::var("S3_ENDPOINT").ok().filter(|e| !e.is_empty()),
    ) else {
        eprintln!("TEST_DATABASE_URL and S3_ENDPOINT are not both set: skipped");
        return;
    };
    let Some(pg_bin) =
        ["/usr/lib/postgresql/15/bin", "/usr/bin"].into_iter().map(Path::new).find(|p| p.join("pg_dump").exists())
    else {
        eprintln!("no pg_dump: skipped");
        return;
    };
    let inst = Instance::new("backup_pg").await;
    let files = populate(&inst).await;
    let dir = tempfile::tempdir().expect("tempdir");

    // The database first: pg_dump's custom format.
    let dump = dir.path().join("meridian.dump");
    let out = Command::new(pg_bin.join("pg_dump"))
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(&inst.database_url)
        .output()
        .expect("pg_dump");
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));

    // Then the objects: every object of the bucket into another bucket (what `aws s3 sync` or rclone do).
    let mut target = meridian_storage::S3Config::new(format!("meridian-restored-{}", uuid::Uuid::now_v7().simple()));
    target.endpoint = Some(endpoint);
    target.path_style = true;
    meridian_storage::create_bucket(&target).await.expect("create the restored bucket");
    let from = inst.store().await;
    let to = meridian_storage::open(&meridian_storage::StorageConfig::S3(target.clone())).await.expect("open");
    let mut after: Option<String> = None;
    let mut copied = 0;
    loop {
        let batch = from.list("ws/", after.as_deref(), 1000).await.expect("list");
        let Some(last) = batch.last() else { break };
        after = Some(last.key.clone());
        for o in &batch {
            let got = from.get(&o.key, None).await.expect("get");
            let opts = meridian_storage::PutOptions {
                content_type: got.info.content_type.clone(),
                tier: got.info.tier,
                ..Default::default()
            };
            to.put(&o.key, got.body, opts).await.expect("put");
            copied += 1;
        }
        if batch.len() < 1000 {
            break;
        }
    }
    assert!(copied >= files, "objects copied: {copied}");

    // Restored into a fresh database and pointed at the restored bucket.
    let db = format!("meridian_test_restored_{}", uuid::Uuid::now_v7().simple());
    let admin_conn = sea_orm::Database::connect(&admin).await.expect("admin");
    admin_conn.execute_unprepared(&format!("CREATE DATABASE {db}")).await.expect("create");
    let base = admin.rsplit_once('/').map_or(admin.as_str(), |(b, _)| b).to_owned();
    let restored_url = format!("{base}/{db}");
    let out = Command::new(pg_bin.join("pg_restore"))
        .args(["--no-owner", "--dbname"])
        .arg(&restored_url)
        .arg(&dump)
        .output()
        .expect("pg_restore");
    assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));
    let mut env: Vec<(String, String)> = inst
        .env
        .iter()
        .filter(|(k, _)| !k.starts_with("MERIDIAN_STORAGE__") && k != "MERIDIAN_DATABASE_URL")
        .cloned()
        .collect();
    env.push(("MERIDIAN_DATABASE_URL".to_owned(), restored_url.clone()));
    env.extend(s3_env(&target));
    let (ok, report) = verify_with(&env);
    assert!(ok, "{report}");
    assert_restored(&report, files);
    let restored = sea_orm::Database::connect(&restored_url).await.expect("restored");
    assert_eq!(sums(&restored).await, sums(&inst.db().await).await, "every checksum equal");
    restored.close().await.expect("close");
    let _ = admin_conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await;
}
