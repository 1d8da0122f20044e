//! Data packages through the API: drafts, atomic publishing, archives that the standard tools unpack (tar, zip)
//! with every file matching the manifest, tar byte ranges, holds on published files, secret links, public access,
//! citations and bad input. Storage is a temporary directory, or SeaweedFS when `S3_ENDPOINT` is set.

use crate::authz_matrix::{Call, Obj, Route};
use crate::data::{dataset, sha_hex, upload, workspace_id};
use crate::helpers::*;
use actix_web::http::StatusCode;
use futures::future::LocalBoxFuture;
use meridian_domain::Action;
use serde_json::{Value, json};

/// Bytes that differ per file and are not all one value (so a shifted offset cannot go unnoticed).
pub fn bytes_of(seed: u8, len: usize) -> Vec<u8> {
    (0..len).map(|i| (i as u64 * 31 + u64::from(seed) * 7 + (i as u64 >> 9)) as u8).collect()
}

pub async fn package(c: &mut Client, slug: &str, body: Value) -> String {
    let r = c.post(&format!("/api/v1/workspaces/{slug}/packages"), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().expect("id").to_owned()
}

pub fn basic(title: &str) -> Value {
    json!({
        "title": title,
        "licence": "CC-BY-4.0",
        "description": "Calibrated frames of **one** night.",
        "authors": [
            {"name": "Ada Lovelace", "orcid": "0000-0002-1825-0097", "affiliation": "Analytical Engines"},
            {"name": "Caroline Herschel"}
        ],
        "keywords": ["M31", "photometry"]
    })
}

/// A dataset with files of these sizes (names `f{i}.fits`); returns the dataset id and (id, name, bytes).
pub async fn files(
    c: &mut Client,
    slug: &str,
    dataset_name: &str,
    sizes: &[usize],
) -> (String, Vec<(String, String, Vec<u8>)>) {
    let ds = dataset(c, slug, dataset_name).await;
    let mut out = Vec::new();
    for (i, size) in sizes.iter().enumerate() {
        let name = format!("f{i}.raw");
        let bytes = bytes_of(u8::try_from(i).expect("few files"), *size);
        let r = upload(c, slug, &ds, &name, &bytes).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        out.push((r.body["id"].as_str().expect("id").to_owned(), name, bytes));
    }
    (ds, out)
}

pub async fn publish(c: &mut Client, slug: &str, pkg: &str) -> Value {
    let r = c.post(&format!("/api/v1/workspaces/{slug}/packages/{pkg}/versions"), json!({})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body
}

fn run(cmd: &mut std::process::Command) -> String {
    let out = cmd.output().expect("run a standard tool");
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Checks an unpacked version against its manifest: every file there, of the recorded size and SHA-256, and
/// `sha256sum -c SHA256SUMS` agrees.
fn check_unpacked(dir: &std::path::Path, manifest: &Value) {
    let files = manifest["files"].as_array().expect("files");
    assert!(!files.is_empty());
    for f in files {
        let path = dir.join(f["path"].as_str().expect("path"));
        let bytes = std::fs::read(&path).expect("an unpacked file");
        assert_eq!(bytes.len() as u64, f["size"].as_u64().expect("size"), "{path:?}");
        assert_eq!(sha_hex(&bytes), f["sha256"].as_str().expect("sha"), "{path:?}");
    }
    let out = run(std::process::Command::new("sha256sum").arg("-c").arg("SHA256SUMS").current_dir(dir));
    assert_eq!(out.lines().filter(|l| l.ends_with(": OK")).count(), files.len(), "{out}");
}

#[actix_web::test]
async fn a_published_version_downloads_as_tar_and_zip_that_unpack_and_match_the_manifest() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Owner").await;
    workspace(&mut owner, "obs", "private").await;
    // Sizes around the 512-byte blocks, an empty file, and one of several MiB (many chunks through the stream).
    let (ds, fs) = files(&mut owner, "obs", "Night 2026-11-21", &[0, 1, 511, 512, 513, 5 * 1024 * 1024 + 17]).await;
    let pkg = package(&mut owner, "obs", basic("M31 calibrated frames")).await;
    let base = format!("/api/v1/workspaces/obs/packages/{pkg}");
    let r = owner.post(&format!("{base}/draft/files"), json!({"dataset_id": ds})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["file_count"], 6);
    assert_eq!(r.body["hot"]["file_count"], 6);
    let total: usize = fs.iter().map(|f| f.2.len()).sum();
    assert_eq!(r.body["total_bytes"], total as u64);
    assert_eq!(r.body["files"][0]["path"], "Night 2026-11-21/f0.raw");

    let v = publish(&mut owner, "obs", &pkg).await;
    assert_eq!(v["number"], 1);
    assert_eq!(v["file_count"], 6);
    let manifest = owner.get(&format!("{base}/versions/1/manifest.json")).await;
    assert_eq!(manifest.status, StatusCode::OK);
    assert_eq!(
        sha_hex(&manifest.raw),
        v["manifest_sha256"].as_str().expect("sha"),
        "the checksum is over the manifest"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let tar = owner.get(&format!("{base}/versions/1/archive.tar")).await;
    assert_eq!(tar.status, StatusCode::OK);
    assert_eq!(
        tar.headers.get("content-length").and_then(|v| v.to_str().ok()),
        Some(tar.raw.len().to_string().as_str())
    );
    assert_eq!(tar.headers.get("accept-ranges").and_then(|v| v.to_str().ok()), Some("bytes"));
    std::fs::write(dir.path().join("p.tar"), &tar.raw).expect("write");
    let listing = run(std::process::Command::new("tar").arg("-tf").arg("p.tar").current_dir(dir.path()));
    assert!(listing.starts_with("manifest.json\nSHA256SUMS\n"), "{listing}");
    std::fs::create_dir(dir.path().join("t")).expect("mkdir");
    run(std::process::Command::new("tar").args(["-xf", "../p.tar"]).current_dir(dir.path().join("t")));
    assert_eq!(std::fs::read(dir.path().join("t/manifest.json")).expect("manifest"), manifest.raw);
    check_unpacked(&dir.path().join("t"), &manifest.body);

    let zip = owner.get(&format!("{base}/versions/1/archive.zip")).await;
    assert_eq!(zip.status, StatusCode::OK);
    assert_eq!(
        zip.headers.get("content-length").and_then(|v| v.to_str().ok()),
        Some(zip.raw.len().to_string().as_str())
    );
    std::fs::write(dir.path().join("p.zip"), &zip.raw).expect("write");
    let tested = run(std::process::Command::new("unzip").args(["-t", "p.zip"]).current_dir(dir.path()));
    assert!(tested.contains("No errors detected"), "{tested}");
    run(std::process::Command::new("unzip").args(["-q", "p.zip", "-d", "z"]).current_dir(dir.path()));
    check_unpacked(&dir.path().join("z"), &manifest.body);

    // A single file straight from the version, whole and in part.
    let one = owner.get(&format!("{base}/versions/1/files/Night%202026-11-21/f4.raw")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.raw, fs[4].2);
    let part =
        owner.clone_for_range("bytes=10-19").get(&format!("{base}/versions/1/files/Night%202026-11-21/f4.raw")).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.raw, fs[4].2[10..20]);
    owner.get(&format!("{base}/versions/1/files/nope.raw")).await.assert_problem(404, "not_found");

    // Two archives and two single-file downloads that started at byte 0 (the range at 10 does not count).
    let v = owner.get(&format!("{base}/versions/1")).await;
    assert_eq!(v.body["download_count"], 3, "{}", v.body);
}

#[actix_web::test]
async fn tar_ranges_are_exactly_the_bytes_of_the_whole_archive() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Owner").await;
    workspace(&mut owner, "obs", "private").await;
    let (ds, _) = files(&mut owner, "obs", "Flats", &[700, 3, 70_000, 512]).await;
    let pkg = package(&mut owner, "obs", basic("Flats")).await;
    let base = format!("/api/v1/workspaces/obs/packages/{pkg}");
    assert_eq!(owner.post(&format!("{base}/draft/files"), json!({"dataset_id": ds})).await.status, StatusCode::OK);
    publish(&mut owner, "obs", &pkg).await;
    let url = format!("{base}/versions/1/archive.tar");
    let whole = owner.get(&url).await.raw;
    let len = whole.len();
    assert_eq!(len % 512, 0);
    // Inside a header, across header/data/padding boundaries, inside one object, to the end, the suffix form.
    let cases: Vec<(String, usize, usize)> = vec![
        ("bytes=0-0".into(), 0, 0),
        ("bytes=100-2000".into(), 100, 2000),
        ("bytes=1500-5000".into(), 1500, 5000),
        ("bytes=3000-3100".into(), 3000, 3100),
        ("bytes=4000-".into(), 4000, len - 1),
        ("bytes=-700".into(), len - 700, len - 1),
        (format!("bytes=10-{}", len + 5000), 10, len - 1),
    ];
    for (range, a, b) in cases {
        let r = owner.clone_for_range(&range).get(&url).await;
        assert_eq!(r.status, StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(
            r.headers.get("content-range").and_then(|v| v.to_str().ok()),
            Some(format!("bytes {a}-{b}/{len}").as_str()),
            "{range}"
        );
        assert!(r.raw == whole[a..=b], "{range}: the bytes differ from the whole archive's slice");
    }
    owner.clone_for_range(&format!("bytes={len}-")).get(&url).await.assert_problem(416, "range_not_satisfiable");
}

#[actix_web::test]
async fn a_publish_that_fails_half_way_leaves_no_version() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Owner").await;
    workspace(&mut owner, "obs", "private").await;
    let (ds, fs) = files(&mut owner, "obs", "Darks", &[100, 200, 300]).await;
    let pkg = package(&mut owner, "obs", basic("Darks")).await;
    let base = format!("/api/v1/workspaces/obs/packages/{pkg}");
    assert_eq!(owner.post(&format!("{base}/draft/files"), json!({"dataset_id": ds})).await.status, StatusCode::OK);

    // The last file's bytes vanish from storage after it was selected: the version row and the first files'
    // rows are written inside the transaction before the objects are confirmed, and must all roll back.
    let ws = workspace_id(&mut owner, "obs").await;
    let key = format!("ws/{ws}/files/{}", fs[2].0);
    app.storage.delete(&key).await.expect("delete the object");
    let r = owner.post(&format!("{base}/versions"), json!({})).await;
    r.assert_problem(409, "publish_blocked");
    assert_eq!(r.body["files"][0].as_str().map(|f| f.starts_with("Darks/f2.raw")), Some(true), "{}", r.body);
    assert_eq!(count(&app, "package_versions").await, 0);
    assert_eq!(count(&app, "package_version_files").await, 0);
    assert_eq!(owner.get(&format!("{base}/versions")).await.body["items"], json!([]));

    // The bytes come back: the publish goes through as version 1 (not 2: nothing was taken).
    let body: meridian_storage::ByteStream =
        Box::pin(futures::stream::once(async move { Ok(bytes::Bytes::from(bytes_of(2, 300))) }));
    app.storage.put(&key, body, meridian_storage::PutOptions::default()).await.expect("put back");
    assert_eq!(fs[2].2, bytes_of(2, 300));
    let v = publish(&mut owner, "obs", &pkg).await;
    assert_eq!(v["number"], 1);
    assert_eq!(count(&app, "package_version_files").await, 3);
}

#[actix_web::test]
async fn published_files_cannot_be_deleted_or_made_cold_and_cold_files_block_publishing() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Owner").await;
    workspace(&mut owner, "obs", "private").await;
    let (_, fs) = files(&mut owner, "obs", "Science", &[10, 20, 30]).await;
    let pkg = package(&mut owner, "obs", basic("Science")).await;
    let base = format!("/api/v1/workspaces/obs/packages/{pkg}");
    let file = |i: usize| format!("/api/v1/workspaces/obs/files/{}", fs[i].0);

    // A cold file blocks the publish, named with the reason.
    let r = owner.patch(&file(1), json!({"tier": "cold"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let ids = json!([fs[0].0, fs[1].0]);
    let r = owner.post(&format!("{base}/draft/files"), json!({"file_ids": ids})).await;
    assert_eq!(r.body["cold"]["file_count"], 1, "{}", r.body);
    assert_eq!(r.body["blockers"].as_array().map(Vec::len), Some(1));
    let r = owner.post(&format!("{base}/versions"), json!({})).await;
    r.assert_problem(409, "publish_blocked");
    assert!(
        r.body["files"][0].as_str().is_some_and(|f| f.contains("Science/f1.raw") && f.contains("cold")),
        "{}",
        r.body
    );

    // Without it the publish goes through, and then its files are held.
    let r = owner.delete(&format!("{base}/draft/files/{}", fs[1].0)).await;
    assert_eq!(r.body["file_count"], 1);
    publish(&mut owner, "obs", &pkg).await;
    let r = owner.delete(&file(0)).await;
    r.assert_problem(409, "held_by_package");
    assert_eq!(r.body["package"]["version"], 1);
    assert_eq!(r.body["package"]["title"], "Science");
    assert!(r.body["detail"].as_str().is_some_and(|d| d.contains("version 1") && d.contains("Science")));
    owner.patch(&file(0), json!({"tier": "cold"})).await.assert_problem(409, "held_by_package");
    let r = owner.patch(&file(0), json!({"tier": "cool"})).await;
    assert_eq!(r.status, StatusCode::OK, "cool stays readable: {}", r.body);
    // A file in no version is free.
    assert_eq!(owner.delete(&file(2)).await.status, StatusCode::NO_CONTENT);

    // The lifecycle job skips held files: a 0-day cold rule makes the others cold, not this one.
    let r = owner.post("/api/v1/workspaces/obs/storage/rules", json!({"name": "all cold", "cold_after_days": 0})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    app.services.jobs().push(meridian_service::jobs::Job::ApplyLifecycle, Default::default()).await.expect("push");
    app.run_jobs().await;
    assert_eq!(owner.get(&file(0)).await.body["tier"], "cool");
    assert_eq!(owner.get(&file(1)).await.body["tier"], "cold");

    // A new draft starts from the last version.
    let r = owner.delete(&format!("{base}/draft/files/{}", fs[0].0)).await;
    assert_eq!(r.body["file_count"], 0);
    let r = owner.post(&format!("{base}/draft/reset"), json!({})).await;
    assert_eq!(r.body["file_count"], 1, "{}", r.body);
    assert_eq!(r.body["files"][0]["path"], "Science/f0.raw");
    // Deleting the package releases its hold.
    assert_eq!(owner.delete(&base).await.status, StatusCode::NO_CONTENT);
    assert_eq!(owner.delete(&file(0)).await.status, StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn a_secret_link_shares_until_revoked_and_not_after() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Owner").await;
    workspace(&mut owner, "obs", "private").await;
    let (ds, fs) = files(&mut owner, "obs", "Shared", &[1000, 2000]).await;
    let mut b = basic("Shared frames");
    b["access"] = json!("link");
    let pkg = package(&mut owner, "obs", b).await;
    let base = format!("/api/v1/workspaces/obs/packages/{pkg}");
    assert_eq!(owner.post(&format!("{base}/draft/files"), json!({"dataset_id": ds})).await.status, StatusCode::OK);
    publish(&mut owner, "obs", &pkg).await;
    let r = owner.post(&format!("{base}/links"), json!({"label": "referee"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.body["token"].as_str().expect("token").to_owned();
    let link_id = r.body["id"].as_str().expect("id").to_owned();
    let listed = owner.get(&format!("{base}/links")).await;
    assert!(listed.body["items"][0].get("token").is_none(), "the token is shown once only");
    // Only the hash is stored.
    use sea_orm::ConnectionTrait as _;
    let stored = app
        .conn
        .query_one_raw(sea_orm::Statement::from_string(
            app.conn.get_database_backend(),
            "SELECT token_hash FROM package_links".to_owned(),
        ))
        .await
        .expect("query")
        .expect("row")
        .try_get::<String>("", "token_hash")
        .expect("hash");
    assert_ne!(stored, token);
    assert_eq!(stored, sha_hex(token.as_bytes()));

    let mut anon = app.client();
    let r = anon.get(&format!("/api/v1/shared/{token}")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["package"]["title"], "Shared frames");
    assert_eq!(r.body["versions"][0]["number"], 1);
    let tar = anon.get(&format!("/api/v1/shared/{token}/versions/1/archive.tar")).await;
    assert_eq!(tar.status, StatusCode::OK);
    let one = anon.get(&format!("/api/v1/shared/{token}/versions/1/files/Shared/f1.raw")).await;
    assert_eq!(one.raw, fs[1].2);
    // The link opens the package's published versions, not the workspace.
    anon.get(&format!("{base}/versions/1/archive.tar")).await.assert_problem(404, "not_found");
    anon.get(&format!("/api/v1/shared/{token}x")).await.assert_problem(404, "not_found");

    // Revoked: the very next request fails.
    assert_eq!(owner.delete(&format!("{base}/links/{link_id}")).await.status, StatusCode::NO_CONTENT);
    anon.get(&format!("/api/v1/shared/{token}")).await.assert_problem(404, "not_found");
    anon.get(&format!("/api/v1/shared/{token}/versions/1/archive.zip")).await.assert_problem(404, "not_found");
    owner.delete(&format!("{base}/links/{link_id}")).await.assert_problem(404, "not_found");

    // A new link dies with the package's access going private, and expiry must lie ahead.
    let r = owner.post(&format!("{base}/links"), json!({})).await;
    let token = r.body["token"].as_str().expect("token").to_owned();
    assert_eq!(anon.get(&format!("/api/v1/shared/{token}")).await.status, StatusCode::OK);
    assert_eq!(owner.patch(&base, json!({"access": "private"})).await.status, StatusCode::OK);
    anon.get(&format!("/api/v1/shared/{token}")).await.assert_problem(404, "not_found");
    let r = owner.post(&format!("{base}/links"), json!({"expires_at": "2020-01-01T00:00:00Z"})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "expires_at");

    // An expiring link works until its time, then not.
    assert_eq!(owner.patch(&base, json!({"access": "link"})).await.status, StatusCode::OK);
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(1500)).to_rfc3339();
    let r = owner.post(&format!("{base}/links"), json!({"expires_at": soon})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let token = r.body["token"].as_str().expect("token").to_owned();
    assert_eq!(anon.get(&format!("/api/v1/shared/{token}")).await.status, StatusCode::OK);
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    anon.get(&format!("/api/v1/shared/{token}")).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn files_join_the_draft_by_id_by_dataset_and_by_search() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Owner").await;
    workspace(&mut owner, "obs", "private").await;
    let (ds, fs) = files(&mut owner, "obs", "Night A", &[5, 6, 7]).await;
    let (ds_b, _) = files(&mut owner, "obs", "Night B", &[8, 9]).await;
    let pkg = package(&mut owner, "obs", basic("Selection")).await;
    let url = format!("/api/v1/workspaces/obs/packages/{pkg}/draft/files");
    // A search: only f1 of both nights.
    let r = owner.post(&url, json!({"search": {"name": "f1", "dataset": ds}})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let paths: Vec<&str> =
        r.body["files"].as_array().expect("files").iter().filter_map(|f| f["path"].as_str()).collect();
    assert_eq!(paths, vec!["Night A/f1.raw"]);
    let r = owner.post(&url, json!({"search": {"name": "f1"}})).await;
    assert_eq!(r.body["file_count"], 2, "{}", r.body);
    // By id (already there: stays once) and by dataset.
    let r = owner.post(&url, json!({"file_ids": [fs[1].0, fs[2].0]})).await;
    assert_eq!(r.body["file_count"], 3);
    let r = owner.post(&url, json!({"dataset_id": ds_b})).await;
    assert_eq!(r.body["file_count"], 4);
    assert_eq!(r.body["total_bytes"], 6 + 7 + 8 + 9);
    let r = owner.post(&url, json!({})).await;
    r.assert_problem(422, "validation_failed");
    let r = owner.post(&url, json!({"search": {"frame_type": "galaxy"}})).await;
    assert_eq!(r.body["errors"][0]["field"], "frame_type", "{}", r.body);
}

#[actix_web::test]
async fn anonymous_callers_see_public_packages_and_their_versions_only() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Owner").await;
    workspace(&mut owner, "pub", "public").await;
    let r = owner
        .post("/api/v1/workspaces/pub/datasets", json!({"name": "Released", "release_at": "2020-01-01T00:00:00Z"}))
        .await;
    let released = r.body["id"].as_str().expect("id").to_owned();
    let unreleased = dataset(&mut owner, "pub", "Embargoed").await;
    let f1 = upload(&mut owner, "pub", &released, "a.raw", b"released bytes").await.body["id"].clone();
    let f2 = upload(&mut owner, "pub", &unreleased, "b.raw", b"embargoed bytes").await.body["id"].clone();

    let hidden = package(&mut owner, "pub", basic("Internal")).await;
    let mut b = basic("Open data");
    b["access"] = json!("public");
    let open = package(&mut owner, "pub", b).await;
    let base = format!("/api/v1/workspaces/pub/packages/{open}");

    // A public package holds released files only.
    let r = owner.post(&format!("{base}/draft/files"), json!({"file_ids": [f1, f2]})).await;
    assert_eq!(r.body["blockers"].as_array().map(Vec::len), Some(1), "{}", r.body);
    let r = owner.post(&format!("{base}/versions"), json!({})).await;
    r.assert_problem(409, "publish_blocked");
    assert!(r.body["files"][0].as_str().is_some_and(|f| f.contains("b.raw")), "{}", r.body);
    owner.delete(&format!("{base}/draft/files/{}", f2.as_str().expect("id"))).await;
    publish(&mut owner, "pub", &open).await;

    let mut anon = app.client();
    let list = anon.get("/api/v1/workspaces/pub/packages").await;
    let titles: Vec<&str> =
        list.body["items"].as_array().expect("items").iter().filter_map(|p| p["title"].as_str()).collect();
    assert_eq!(titles, vec!["Open data"]);
    assert_eq!(owner.get("/api/v1/workspaces/pub/packages").await.body["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(anon.get(&base).await.status, StatusCode::OK);
    assert_eq!(anon.get(&format!("{base}/versions")).await.body["items"][0]["number"], 1);
    let tar = anon.get(&format!("{base}/versions/1/archive.tar")).await;
    assert_eq!(tar.status, StatusCode::OK);
    let cite = anon.get(&format!("{base}/versions/1/citation")).await;
    assert_eq!(cite.status, StatusCode::OK);
    // The draft, links and changes stay with members.
    anon.get(&format!("{base}/draft")).await.assert_problem(401, "unauthenticated");
    anon.get(&format!("{base}/links")).await.assert_problem(401, "unauthenticated");
    anon.post(&format!("{base}/versions"), json!({})).await.assert_problem(401, "unauthenticated");
    let private = format!("/api/v1/workspaces/pub/packages/{hidden}");
    anon.get(&private).await.assert_problem(404, "not_found");
    anon.get(&format!("{private}/versions")).await.assert_problem(404, "not_found");
    // Going public with an unreleased file in a version is refused, naming it.
    let r = owner.post(&format!("{private}/draft/files"), json!({"file_ids": [f2]})).await;
    assert_eq!(r.status, StatusCode::OK);
    publish(&mut owner, "pub", &hidden).await;
    let r = owner.patch(&private, json!({"access": "public"})).await;
    r.assert_problem(409, "publish_blocked");
    assert!(r.body["files"][0].as_str().is_some_and(|f| f.contains("b.raw")));

    // In a private workspace nothing is public: the setting is refused.
    workspace(&mut owner, "closed", "private").await;
    let mut b = basic("Closed");
    b["access"] = json!("public");
    let r = owner.post("/api/v1/workspaces/closed/packages", b).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "access");
}

#[actix_web::test]
async fn another_workspaces_package_is_404_through_my_slug() {
    let app = TestApp::new().await;
    let (mut alice, _) = app.user("Alice").await;
    let (mut bob, _) = app.user("Bob").await;
    workspace(&mut alice, "alice-obs", "public").await;
    workspace(&mut bob, "bob-obs", "public").await;
    let (ds, fs) = files(&mut bob, "bob-obs", "Bob's", &[10]).await;
    let pkg = package(&mut bob, "bob-obs", basic("Bob's package")).await;
    bob.post(&format!("/api/v1/workspaces/bob-obs/packages/{pkg}/draft/files"), json!({"dataset_id": ds})).await;
    publish(&mut bob, "bob-obs", &pkg).await;
    let mine = format!("/api/v1/workspaces/alice-obs/packages/{pkg}");
    alice.get(&mine).await.assert_problem(404, "not_found");
    alice.get(&format!("{mine}/versions/1/archive.tar")).await.assert_problem(404, "not_found");
    alice.patch(&mine, json!({"title": "Mine now"})).await.assert_problem(404, "not_found");
    alice.delete(&mine).await.assert_problem(404, "not_found");
    // Nor can Bob's files be put into Alice's package.
    let a = package(&mut alice, "alice-obs", basic("Alice's")).await;
    let r = alice
        .post(&format!("/api/v1/workspaces/alice-obs/packages/{a}/draft/files"), json!({"file_ids": [fs[0].0]}))
        .await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "file_ids");
    let r =
        alice.post(&format!("/api/v1/workspaces/alice-obs/packages/{a}/draft/files"), json!({"dataset_id": ds})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(bob.get(&format!("/api/v1/workspaces/bob-obs/packages/{pkg}")).await.body["title"], "Bob's package");
}

#[actix_web::test]
async fn bad_package_input_is_a_422_naming_the_field() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Owner").await;
    workspace(&mut owner, "obs", "private").await;
    let url = "/api/v1/workspaces/obs/packages";
    let cases = [
        (json!({"title": "", "licence": "CC0-1.0"}), "title"),
        (json!({"title": "x".repeat(301), "licence": "CC0-1.0"}), "title"),
        (json!({"title": "T", "licence": "Beerware-ish"}), "licence"),
        (json!({"title": "T", "licence": "CC0-1.0", "description": "d".repeat(20_001)}), "description"),
        (
            json!({"title": "T", "licence": "CC0-1.0", "authors": [{"name": "A", "orcid": "0000-0002-1825-0098"}]}),
            "authors[0].orcid",
        ),
        (json!({"title": "T", "licence": "CC0-1.0", "authors": [{"name": "A"}, {"name": " "}]}), "authors[1].name"),
        (json!({"title": "T", "licence": "CC0-1.0", "keywords": ["k".repeat(61)]}), "keywords"),
        (json!({"title": "T", "licence": "CC0-1.0", "access": "everyone"}), "access"),
    ];
    for (body, field) in cases {
        let r = owner.post(url, body).await;
        r.assert_problem(422, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.body);
    }
    let pkg = package(&mut owner, "obs", basic("Fine")).await;
    let r = owner.patch(&format!("{url}/{pkg}"), json!({"licence": "nonsense"})).await;
    assert_eq!(r.body["errors"][0]["field"], "licence");
    let r = owner.post(&format!("{url}/{pkg}/draft/files"), json!({"file_ids": ["not-an-id"]})).await;
    assert_eq!(r.body["errors"][0]["field"], "file_ids");
    owner.post(&format!("{url}/{pkg}/versions"), json!({})).await.assert_problem(409, "publish_blocked");
    owner.get(&format!("{url}/not-an-id")).await.assert_problem(404, "not_found");
    owner.get(&format!("{url}/{pkg}/versions/1")).await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn a_version_cites_its_authors_and_takes_a_doi() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Owner").await;
    workspace(&mut owner, "obs", "private").await;
    let (ds, _) = files(&mut owner, "obs", "Cite", &[64]).await;
    let pkg = package(&mut owner, "obs", basic("M31 calibrated frames")).await;
    let base = format!("/api/v1/workspaces/obs/packages/{pkg}");
    owner.post(&format!("{base}/draft/files"), json!({"dataset_id": ds})).await;
    let v = publish(&mut owner, "obs", &pkg).await;
    // Later edits do not change what version 1 was published with.
    assert_eq!(owner.patch(&base, json!({"title": "Renamed"})).await.status, StatusCode::OK);
    let year = v["published_at"].as_str().expect("date")[..4].to_owned();
    let c = owner.get(&format!("{base}/versions/1/citation")).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    let text = c.body["text"].as_str().expect("text");
    assert!(
        text.starts_with(&format!(
            "Ada Lovelace, & Caroline Herschel ({year}). M31 calibrated frames (Version 1) [Data set]. Meridian. http"
        )),
        "{text}"
    );
    let d = &c.body["datacite"];
    assert_eq!(d["types"]["resourceTypeGeneral"], "Dataset");
    assert_eq!(d["titles"][0]["title"], "M31 calibrated frames");
    assert_eq!(d["publicationYear"], year);
    assert_eq!(d["version"], "1");
    assert_eq!(d["creators"][0]["nameIdentifiers"][0]["nameIdentifier"], "https://orcid.org/0000-0002-1825-0097");
    assert_eq!(d["creators"][0]["nameIdentifiers"][0]["nameIdentifierScheme"], "ORCID");
    assert!(d["creators"][1].get("nameIdentifiers").is_none());
    assert_eq!(d["rightsList"][0]["rightsIdentifier"], "cc-by-4.0");
    assert_eq!(d["rightsList"][0]["rightsIdentifierScheme"], "SPDX");
    assert_eq!(d["subjects"][0]["subject"], "M31");
    assert_eq!(d["sizes"][0], "64 bytes");

    let r = owner.patch(&format!("{base}/versions/1"), json!({"doi": "not a doi"})).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "doi");
    let r = owner.patch(&format!("{base}/versions/1"), json!({"doi": "https://doi.org/10.5281/zenodo.123456"})).await;
    assert_eq!(r.body["doi"], "10.5281/zenodo.123456", "{}", r.body);
    let c = owner.get(&format!("{base}/versions/1/citation")).await;
    assert!(c.body["text"].as_str().is_some_and(|t| t.ends_with("https://doi.org/10.5281/zenodo.123456")));
    assert_eq!(c.body["datacite"]["identifiers"][0]["identifierType"], "DOI");
}

// ---------------------------------------------------------------------------------------- the authz matrix

/// A package with one released file published as version 1; public when the workspace allows.
fn published_call<'a>(
    owner: &'a mut Client,
    slug: &'a str,
    n: u32,
    tail: &'static str,
    body: Option<Value>,
) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let r = owner
            .post(
                &format!("/api/v1/workspaces/{slug}/datasets"),
                json!({"name": format!("Pkg files {n}"), "release_at": "2020-01-01T00:00:00Z"}),
            )
            .await;
        let ds = r.body["id"].as_str().expect("dataset").to_owned();
        upload(owner, slug, &ds, "a.raw", format!("bytes {n}").as_bytes()).await;
        let id = package(owner, slug, json!({"title": format!("Package {n}"), "licence": "CC0-1.0"})).await;
        let base = format!("/api/v1/workspaces/{slug}/packages/{id}");
        owner.post(&format!("{base}/draft/files"), json!({"dataset_id": ds})).await;
        publish(owner, slug, &id).await;
        // Refused (and left private) in a private workspace.
        owner.patch(&base, json!({"access": "public"})).await;
        Call { path: format!("{base}{}", tail.replace("{path}", &format!("Pkg%20files%20{n}/a.raw"))), body }
    })
}

/// A private package with one file in its draft (and version 1 when `published`).
fn private_call<'a>(
    owner: &'a mut Client,
    slug: &'a str,
    n: u32,
    tail: &'static str,
    body: Option<Value>,
) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let ds = dataset(owner, slug, &format!("Draft files {n}")).await;
        let f = upload(owner, slug, &ds, "a.raw", format!("bytes {n}").as_bytes()).await.body["id"]
            .as_str()
            .expect("file")
            .to_owned();
        let id = package(owner, slug, json!({"title": format!("Package {n}"), "licence": "CC0-1.0"})).await;
        let base = format!("/api/v1/workspaces/{slug}/packages/{id}");
        owner.post(&format!("{base}/draft/files"), json!({"file_ids": [f]})).await;
        if tail.starts_with("/versions/1") || tail == "/draft/reset" {
            publish(owner, slug, &id).await;
        }
        let mut path = format!("{base}{}", tail.replace("{file}", &f));
        if tail.starts_with("/links/") {
            let r = owner.post(&format!("{base}/links"), json!({})).await;
            path = format!("{base}/links/{}", r.body["id"].as_str().expect("link"));
        }
        let body = body.map(|b| if b == json!("{file}") { json!({"file_ids": [f]}) } else { b });
        Call { path, body }
    })
}

const PACKAGES: &str = "/api/v1/workspaces/{slug}/packages";
const PACKAGE: &str = "/api/v1/workspaces/{slug}/packages/{id}";
const VERSIONS: &str = "/api/v1/workspaces/{slug}/packages/{id}/versions";
const VERSION: &str = "/api/v1/workspaces/{slug}/packages/{id}/versions/{n}";
const TAR: &str = "/api/v1/workspaces/{slug}/packages/{id}/versions/{n}/archive.tar";
const LINKS: &str = "/api/v1/workspaces/{slug}/packages/{id}/links";

pub const MATRIX: &[Route] = &[
    Route::get(PACKAGES).reads(Obj::Workspace).ok(200),
    Route::post(PACKAGES)
        .body(|n| Some(json!({"title": format!("New package {n}"), "licence": "CC-BY-4.0"})))
        .needs(Action::CreateData)
        .ok(201),
    Route::get(PACKAGE)
        .needs(Action::ViewWorkspace)
        .on(Obj::Private)
        .setup(|o, s, n| private_call(o, s, n, "", None))
        .ok(200),
    Route::patch(PACKAGE)
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| private_call(o, s, n, "", Some(json!({"keywords": ["x"]}))))
        .ok(200),
    Route::delete(PACKAGE)
        .needs(Action::DeleteData)
        .on(Obj::Private)
        .setup(|o, s, n| private_call(o, s, n, "", None))
        .ok(204),
    Route::get("/api/v1/workspaces/{slug}/packages/{id}/draft")
        .needs(Action::ViewWorkspace)
        .on(Obj::Private)
        .setup(|o, s, n| private_call(o, s, n, "/draft", None))
        .ok(200),
    Route::post("/api/v1/workspaces/{slug}/packages/{id}/draft/files")
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| private_call(o, s, n, "/draft/files", Some(json!("{file}"))))
        .ok(200),
    Route::delete("/api/v1/workspaces/{slug}/packages/{id}/draft/files/{file_id}")
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| private_call(o, s, n, "/draft/files/{file}", None))
        .ok(200),
    Route::post("/api/v1/workspaces/{slug}/packages/{id}/draft/reset")
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| private_call(o, s, n, "/draft/reset", Some(json!({}))))
        .ok(200),
    Route::post(VERSIONS)
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| private_call(o, s, n, "/versions", Some(json!({}))))
        .ok(201),
    Route::get(TAR)
        .needs(Action::ViewWorkspace)
        .on(Obj::Private)
        .setup(|o, s, n| private_call(o, s, n, "/versions/1/archive.tar", None))
        .ok(200),
    Route::patch(VERSION)
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| private_call(o, s, n, "/versions/1", Some(json!({"doi": "10.1234/abc"}))))
        .ok(200),
    Route::get(LINKS)
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| private_call(o, s, n, "/links", None))
        .ok(200),
    Route::post(LINKS)
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| private_call(o, s, n, "/links", Some(json!({}))))
        .ok(201),
    Route::delete("/api/v1/workspaces/{slug}/packages/{id}/links/{link_id}")
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| private_call(o, s, n, "/links/{link}", None))
        .ok(204),
    Route::get(PACKAGE).reads(Obj::Public).setup(|o, s, n| published_call(o, s, n, "", None)).ok(200),
    Route::get(VERSIONS).reads(Obj::Public).setup(|o, s, n| published_call(o, s, n, "/versions", None)).ok(200),
    Route::get(VERSION).reads(Obj::Public).setup(|o, s, n| published_call(o, s, n, "/versions/1", None)).ok(200),
    Route::get("/api/v1/workspaces/{slug}/packages/{id}/versions/{n}/manifest.json")
        .reads(Obj::Public)
        .setup(|o, s, n| published_call(o, s, n, "/versions/1/manifest.json", None))
        .ok(200),
    Route::get("/api/v1/workspaces/{slug}/packages/{id}/versions/{n}/citation")
        .reads(Obj::Public)
        .setup(|o, s, n| published_call(o, s, n, "/versions/1/citation", None))
        .ok(200),
    Route::get(TAR)
        .reads(Obj::Public)
        .setup(|o, s, n| published_call(o, s, n, "/versions/1/archive.tar", None))
        .ok(200),
    Route::get("/api/v1/workspaces/{slug}/packages/{id}/versions/{n}/archive.zip")
        .reads(Obj::Public)
        .setup(|o, s, n| published_call(o, s, n, "/versions/1/archive.zip", None))
        .ok(200),
    Route::get("/api/v1/workspaces/{slug}/packages/{id}/versions/{n}/files/{path}")
        .reads(Obj::Public)
        .setup(|o, s, n| published_call(o, s, n, "/versions/1/files/{path}", None))
        .ok(200),
];
