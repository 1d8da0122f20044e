//! Datasets and data files through the API: streamed uploads with checksums, duplicates, quota, downloads with
//! ranges, FITS ingest placing files in night logs, previews, search (object, date, header keywords, cone),
//! release dates, upload-only keys, tiers with restore, tier rules, usage metering and cleanup. Storage is a
//! temporary directory, or SeaweedFS when `S3_ENDPOINT` is set.

use crate::helpers::*;
use actix_web::http::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Digest as _;

/// A small FITS file: a primary HDU with `cards` (keyword, value as FITS writes it) and a 2-D int16 image.
pub fn fits_file(cards: &[(&str, &str)], width: usize, height: usize) -> Vec<u8> {
    // A gradient with a bright "star" in the middle, so the stretch has something to do.
    let pixels: Vec<i16> = (0..height)
        .flat_map(|y| (0..width).map(move |x| (x, y)))
        .map(|(x, y)| {
            let d = (x as i64 - width as i64 / 2).pow(2) + (y as i64 - height as i64 / 2).pow(2);
            if d < 9 { 30_000 } else { i16::try_from((x + y) % 1000).unwrap_or(0) + 1000 }
        })
        .collect();
    meridian_fits::primary_i16(cards, width, height, &pixels)
}

fn quoted(s: &str) -> String {
    format!("'{s:<8}'")
}

pub fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(bytes))
}

pub async fn dataset(c: &mut Client, slug: &str, name: &str) -> String {
    let r = c.post(&format!("/api/v1/workspaces/{slug}/datasets"), json!({"name": name})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_str().expect("id").to_owned()
}

pub async fn upload(c: &mut Client, slug: &str, dataset: &str, name: &str, bytes: &[u8]) -> Reply {
    c.request(
        Method::PUT,
        &format!("/api/v1/workspaces/{slug}/datasets/{dataset}/files/{name}"),
        Some(bytes.to_vec()),
        Some("application/octet-stream"),
    )
    .await
}

pub async fn file_count(app: &TestApp) -> i64 {
    use sea_orm::ConnectionTrait as _;
    let row = app
        .conn
        .query_one_raw(sea_orm::Statement::from_string(
            app.conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM data_files".to_owned(),
        ))
        .await
        .expect("count")
        .expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

#[actix_web::test]
async fn datasets_hold_uploaded_files_with_checksums_and_ranges() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw frames").await;
    let r = owner.post("/api/v1/workspaces/obs/datasets", json!({"name": "Raw frames"})).await;
    r.assert_problem(409, "conflict");

    let bytes: Vec<u8> = (0..100_000_u32).map(|i| (i % 251) as u8).collect();
    let r = upload(&mut owner, "obs", &ds, "notes.bin", &bytes).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["sha256"], sha_hex(&bytes));
    assert_eq!(r.body["size_bytes"], 100_000);
    assert_eq!(r.body["tier"], "hot");
    assert_eq!(r.body["ingest_status"], "none", "not FITS: nothing to read");
    let id = r.body["id"].as_str().expect("id").to_owned();

    let r = owner.get(&format!("/api/v1/workspaces/obs/files/{id}/content")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.raw, bytes);
    assert_eq!(r.headers.get("accept-ranges").and_then(|v| v.to_str().ok()), Some("bytes"));

    // Ranges: a middle slice, an open end, a suffix; outside the file is 416.
    let ranged = |range: &'static str| {
        let mut c = owner.clone_for_range(range);
        let path = format!("/api/v1/workspaces/obs/files/{id}/content");
        async move { c.get(&path).await }
    };
    let r = ranged("bytes=10-19").await;
    assert_eq!(r.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.raw, bytes[10..20]);
    assert_eq!(r.headers.get("content-range").and_then(|v| v.to_str().ok()), Some("bytes 10-19/100000"));
    let r = ranged("bytes=99990-").await;
    assert_eq!(r.raw, bytes[99_990..]);
    let r = ranged("bytes=-5").await;
    assert_eq!(r.raw, bytes[99_995..]);
    ranged("bytes=100000-").await.assert_problem(416, "range_not_satisfiable");

    let r = owner.get(&format!("/api/v1/workspaces/obs/datasets/{ds}")).await;
    assert_eq!(r.body["file_count"], 1);
    assert_eq!(r.body["total_bytes"], 100_000);
    let r = owner.get(&format!("/api/v1/workspaces/obs/datasets/{ds}/files")).await;
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(1));

    // A dataset with files cannot go; its files can, and then it can.
    owner.delete(&format!("/api/v1/workspaces/obs/datasets/{ds}")).await.assert_problem(409, "conflict");
    assert_eq!(owner.delete(&format!("/api/v1/workspaces/obs/files/{id}")).await.status, StatusCode::NO_CONTENT);
    owner.get(&format!("/api/v1/workspaces/obs/files/{id}")).await.assert_problem(404, "not_found");
    assert_eq!(owner.delete(&format!("/api/v1/workspaces/obs/datasets/{ds}")).await.status, StatusCode::NO_CONTENT);
}

#[actix_web::test]
async fn the_same_bytes_twice_are_a_409_naming_the_first() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Night 1").await;
    let bytes = b"the same frame".repeat(1000);
    let first = upload(&mut owner, "obs", &ds, "a.raw", &bytes).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let r = upload(&mut owner, "obs", &ds, "b.raw", &bytes).await;
    r.assert_problem(409, "duplicate_file");
    assert_eq!(r.body["existing_file"]["id"], first.body["id"]);
    assert_eq!(r.body["existing_file"]["name"], "a.raw");
    // Declared up front, the duplicate is refused before the upload.
    let path = format!("/api/v1/workspaces/obs/datasets/{ds}/files/c.raw?sha256={}", sha_hex(&bytes));
    let r = owner.request(Method::PUT, &path, Some(bytes.clone()), None).await;
    r.assert_problem(409, "duplicate_file");
    // Same name, other bytes.
    upload(&mut owner, "obs", &ds, "a.raw", b"other").await.assert_problem(409, "conflict");
    // The same bytes in another dataset are fine.
    let other = dataset(&mut owner, "obs", "Night 2").await;
    assert_eq!(upload(&mut owner, "obs", &other, "a.raw", &bytes).await.status, StatusCode::CREATED);
    assert_eq!(file_count(&app).await, 2);
    // No orphan left by the refused uploads: every object belongs to a row.
    let ws = workspace_id(&mut owner, "obs").await;
    let listed = app.storage.list(&format!("ws/{ws}/"), None, 100).await.expect("list");
    assert_eq!(listed.len(), 2, "{listed:?}");
}

#[actix_web::test]
async fn a_wrong_checksum_or_quota_stores_nothing() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let bytes = vec![7_u8; 50_000];
    let path = format!("/api/v1/workspaces/obs/datasets/{ds}/files/x.raw?sha256={}", sha_hex(b"something else"));
    let r = owner.request(Method::PUT, &path, Some(bytes.clone()), None).await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "sha256");
    let path = format!("/api/v1/workspaces/obs/datasets/{ds}/files/x.raw?sha256=nothex");
    owner.request(Method::PUT, &path, Some(bytes.clone()), None).await.assert_problem(422, "validation_failed");
    upload(&mut owner, "obs", &ds, "../etc", &bytes).await.assert_problem(404, "not_found");
    upload(&mut owner, "obs", &ds, "bad%01name", &bytes).await.assert_problem(422, "validation_failed");

    // Over the free plan's hot tier (5 GiB): refused from the declared length, before any byte.
    let r = owner
        .request_with_headers(
            Method::PUT,
            &format!("/api/v1/workspaces/obs/datasets/{ds}/files/huge.raw"),
            vec![("content-length", (6_u64 << 30).to_string())],
            None,
        )
        .await;
    r.assert_problem(413, "quota_exceeded");
    assert_eq!(r.body["tier"], "hot");
    assert!(r.body["limit_bytes"].as_u64().is_some());
    assert_eq!(file_count(&app).await, 0);
    let ws = workspace_id(&mut owner, "obs").await;
    assert!(app.storage.list(&format!("ws/{ws}/"), None, 10).await.expect("list").is_empty());
    let r = owner.get("/api/v1/workspaces/obs/storage/usage").await;
    assert_eq!(r.body["reserved_bytes"], 0, "refused uploads leave no reservation");
    assert_eq!(r.body["plan"], "free");
}

#[actix_web::test]
async fn upload_keys_upload_and_nothing_else() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let (_, secret) = api_key(&mut owner, "obs", "upload").await;
    let mut telescope = app.key_client(&secret);
    let r = upload(&mut telescope, "obs", &ds, "frame.raw", b"bytes from the dome").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_str().expect("id");
    telescope.get("/api/v1/workspaces/obs/datasets").await.assert_problem(403, "forbidden");
    telescope.get(&format!("/api/v1/workspaces/obs/files/{id}")).await.assert_problem(404, "not_found");
    telescope.get(&format!("/api/v1/workspaces/obs/files/{id}/content")).await.assert_problem(404, "not_found");
    telescope.get("/api/v1/workspaces/obs/files").await.assert_problem(403, "forbidden");
    telescope.delete(&format!("/api/v1/workspaces/obs/files/{id}")).await.assert_problem(404, "not_found");
    let r = telescope.post("/api/v1/workspaces/obs/datasets", json!({"name": "mine"})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    // A read key reads but cannot upload.
    let (_, read) = api_key(&mut owner, "obs", "read").await;
    let mut reader = app.key_client(&read);
    assert_eq!(reader.get(&format!("/api/v1/workspaces/obs/files/{id}")).await.status, StatusCode::OK);
    upload(&mut reader, "obs", &ds, "no.raw", b"x").await.assert_problem(403, "forbidden");
}

#[actix_web::test]
async fn released_files_are_public_and_embargoed_ones_are_not() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "public").await;
    let past = "2020-01-01T00:00:00Z";
    let future = "2999-01-01T00:00:00Z";
    let r = owner.post("/api/v1/workspaces/obs/datasets", json!({"name": "Released", "release_at": past})).await;
    let released = r.body["id"].as_str().expect("id").to_owned();
    let r = owner.post("/api/v1/workspaces/obs/datasets", json!({"name": "Embargoed", "release_at": future})).await;
    let embargoed = r.body["id"].as_str().expect("id").to_owned();
    let private = dataset(&mut owner, "obs", "Private").await;
    let open = upload(&mut owner, "obs", &released, "open.raw", b"open bytes").await.body["id"].clone();
    let held = upload(&mut owner, "obs", &embargoed, "held.raw", b"held bytes").await.body["id"].clone();
    let mine = upload(&mut owner, "obs", &private, "mine.raw", b"mine").await.body["id"].clone();
    // A file's own date beats its dataset's: this one in the embargoed dataset is out already.
    let early = upload(&mut owner, "obs", &embargoed, "early.raw", b"early").await.body["id"].clone();
    let r = owner
        .patch(&format!("/api/v1/workspaces/obs/files/{}", early.as_str().unwrap_or("")), json!({"release_at": past}))
        .await;
    assert_eq!(r.body["public"], true, "{}", r.body);

    let mut anon = app.client();
    let r = anon.get("/api/v1/workspaces/obs/datasets").await;
    let names: Vec<&str> =
        r.body["items"].as_array().expect("items").iter().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names, ["Released"]);
    let r = anon.get("/api/v1/workspaces/obs/files").await;
    let mut seen: Vec<&str> =
        r.body["items"].as_array().expect("items").iter().filter_map(|f| f["name"].as_str()).collect();
    seen.sort_unstable();
    assert_eq!(seen, ["early.raw", "open.raw"]);
    let id = |v: &Value| v.as_str().unwrap_or_default().to_owned();
    let r = anon.get(&format!("/api/v1/workspaces/obs/files/{}/content", id(&open))).await;
    assert_eq!(r.raw, b"open bytes");
    for hidden in [&held, &mine] {
        anon.get(&format!("/api/v1/workspaces/obs/files/{}", id(hidden))).await.assert_problem(404, "not_found");
        anon.get(&format!("/api/v1/workspaces/obs/files/{}/content", id(hidden)))
            .await
            .assert_problem(404, "not_found");
    }
    anon.get(&format!("/api/v1/workspaces/obs/datasets/{embargoed}")).await.assert_problem(404, "not_found");
    // Lifting the embargo needs no other step.
    owner.patch(&format!("/api/v1/workspaces/obs/datasets/{embargoed}"), json!({"release_at": past})).await;
    let r = anon.get(&format!("/api/v1/workspaces/obs/files/{}/content", id(&held))).await;
    assert_eq!(r.raw, b"held bytes");
    // A private workspace shows nothing to outsiders, released or not.
    workspace(&mut owner, "hidden", "private").await;
    let ds = owner.post("/api/v1/workspaces/hidden/datasets", json!({"name": "Out", "release_at": past})).await;
    let ds = ds.body["id"].as_str().expect("id").to_owned();
    upload(&mut owner, "hidden", &ds, "x.raw", b"x").await;
    anon.get("/api/v1/workspaces/hidden/files").await.assert_problem(404, "not_found");
}

#[actix_web::test]
async fn datasets_come_a_page_at_a_time_by_name_with_their_totals() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Annie").await;
    workspace(&mut owner, "pages", "public").await;
    let past = "2020-01-01T00:00:00Z";
    let mut ids = Vec::new();
    for name in ["N5", "N1", "N3", "N2", "N4"] {
        let release = if name == "N2" { Value::Null } else { json!(past) };
        let r = owner.post("/api/v1/workspaces/pages/datasets", json!({"name": name, "release_at": release})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push((name, r.body["id"].as_str().expect("id").to_owned()));
    }
    let n4 = &ids.iter().find(|(n, _)| *n == "N4").expect("N4").1.clone();
    upload(&mut owner, "pages", n4, "a.raw", b"12345").await;
    upload(&mut owner, "pages", n4, "b.raw", b"678").await;

    /// Every page of the datasets list, `limit` at a time, following `next_cursor`.
    async fn walk(c: &mut Client, limit: u32) -> Vec<Value> {
        let mut pages = Vec::new();
        let mut cursor = String::new();
        loop {
            let r = c.get(&format!("/api/v1/workspaces/pages/datasets?limit={limit}&cursor={cursor}")).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.body);
            let next = r.body["next_cursor"].as_str().map(str::to_owned);
            pages.push(r.body);
            match next {
                Some(c) => cursor = c,
                None => return pages,
            }
        }
    }
    let names = |pages: &[Value]| pages.iter().map(item_names).collect::<Vec<_>>();
    let pages = walk(&mut owner, 2).await;
    assert_eq!(names(&pages), [vec!["N1", "N2"], vec!["N3", "N4"], vec!["N5"]]);
    let four = &pages[1]["items"][1];
    assert_eq!((four["file_count"].as_i64(), four["total_bytes"].as_i64()), (Some(2), Some(8)), "{four}");
    assert_eq!(pages[1]["items"][0]["file_count"], 0);
    // Outsiders page through the released ones only; a full last page is followed by an empty one.
    let mut anon = app.client();
    assert_eq!(names(&walk(&mut anon, 2).await), [vec!["N1", "N3"], vec!["N4", "N5"], vec![]]);
    owner.get("/api/v1/workspaces/pages/datasets?limit=0").await.assert_problem(422, "validation_failed");
    owner.get("/api/v1/workspaces/pages/datasets?cursor=!!").await.assert_problem(422, "validation_failed");
}

/// A workspace with a site in La Palma (UTC+0 in winter) and a telescope whose name matches TELESCOP.
async fn observatory(app: &TestApp) -> (Client, String, String) {
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let site_id = site(&mut owner, "obs", "Roque").await;
    let scope = telescope(&mut owner, "obs", &site_id, "JKT").await;
    instrument(&mut owner, "obs", &scope, "CCD1").await;
    let ds = dataset(&mut owner, "obs", "Night of 5 Jan").await;
    (owner, scope, ds)
}

fn frame(object: &str, date_obs: &str, imagetyp: &str, ra: &str, dec: &str, exptime: &str) -> Vec<u8> {
    fits_file(
        &[
            ("DATE-OBS", &quoted(date_obs)),
            ("OBJECT", &quoted(object)),
            ("TELESCOP", &quoted("JKT")),
            ("INSTRUME", &quoted("CCD1")),
            ("FILTER", &quoted("R")),
            ("IMAGETYP", &quoted(imagetyp)),
            ("EXPTIME", exptime),
            ("RA", ra),
            ("DEC", dec),
            ("AIRMASS", "1.234"),
        ],
        64,
        48,
    )
}

#[actix_web::test]
async fn fits_files_are_read_placed_in_their_night_and_previewed() {
    let app = TestApp::new().await;
    let (mut owner, scope, ds) = observatory(&app).await;
    // 02:10 UTC on 6 January belongs to the night of 5 January at the site.
    let bytes = frame("M 42", "2026-01-06T02:10:00", "Light Frame", "83.822", "-5.391", "120.0");
    let r = upload(&mut owner, "obs", &ds, "m42_001.fits", &bytes).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["ingest_status"], "pending");
    let id = r.body["id"].as_str().expect("id").to_owned();
    let bias = fits_file(
        &[
            ("DATE-OBS", &quoted("2026-01-05T19:00:00")),
            ("TELESCOP", &quoted("JKT")),
            ("IMAGETYP", &quoted("Bias Frame")),
            ("EXPTIME", "0.0"),
        ],
        16,
        16,
    );
    let bias_id =
        upload(&mut owner, "obs", &ds, "bias_001.fit", &bias).await.body["id"].as_str().expect("id").to_owned();
    let garbage = b"SIMPLE  =                    T / but nothing else is right".repeat(3);
    let broken =
        upload(&mut owner, "obs", &ds, "broken.fits", &garbage).await.body["id"].as_str().expect("id").to_owned();
    app.run_jobs().await;

    let r = owner.get(&format!("/api/v1/workspaces/obs/files/{id}")).await;
    assert_eq!(r.body["ingest_status"], "done", "{}", r.body);
    assert_eq!(r.body["object"], "M 42");
    assert_eq!(r.body["frame_type"], "science");
    assert_eq!(r.body["exposure_s"], 120.0);
    assert_eq!(r.body["filter"], "R");
    assert!((r.body["ra_deg"].as_f64().expect("ra") - 83.822).abs() < 1e-9);
    assert_eq!(r.body["preview_status"], "done");
    let header = r.body["header"].to_string();
    assert!(header.contains("AIRMASS"), "{header}");
    let log = r.body["night_log_id"].as_str().expect("placed in a night log").to_owned();
    let r = owner.get(&format!("/api/v1/workspaces/obs/night-logs/{log}")).await;
    assert_eq!(r.body["night"], "2026-01-05");
    assert_eq!(r.body["telescope_id"], scope);
    let r = owner.get(&format!("/api/v1/workspaces/obs/night-logs/{log}/observations")).await;
    let obs = r.body["items"].as_array().expect("observations");
    assert_eq!(obs.len(), 2, "{}", r.body);
    let science = obs.iter().find(|o| o["frame_type"] == "science").expect("science");
    assert_eq!(science["target_name"], "M 42");
    assert_eq!(science["exposure_s"], 120.0);
    assert!(obs.iter().any(|o| o["frame_type"] == "bias"), "the bias is a calibration in the same night");

    let r = owner.get(&format!("/api/v1/workspaces/obs/files/{bias_id}")).await;
    assert_eq!(r.body["frame_type"], "bias");
    assert_eq!(r.body["night_log_id"], log.as_str());

    let r = owner.get(&format!("/api/v1/workspaces/obs/files/{id}/preview.png")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(&r.raw[..8], b"\x89PNG\r\n\x1a\n");

    // Broken bytes: kept, flagged, the error shown.
    let r = owner.get(&format!("/api/v1/workspaces/obs/files/{broken}")).await;
    assert_eq!(r.body["ingest_status"], "failed", "{}", r.body);
    assert!(r.body["ingest_message"].as_str().is_some_and(|m| !m.is_empty()));
    let r = owner.get(&format!("/api/v1/workspaces/obs/files/{broken}/content")).await;
    assert_eq!(r.raw, garbage);

    // Header search reads the cards.
    let r = owner.get("/api/v1/workspaces/obs/files?header=AIRMASS=1.2..1.3").await;
    assert_eq!(names(&r), ["m42_001.fits"]);
    let r = owner.get("/api/v1/workspaces/obs/files?header=IMAGETYP=bias%20frame").await;
    assert_eq!(names(&r), ["bias_001.fit"]);
    let r = owner.get(&format!("/api/v1/workspaces/obs/files/{id}/header")).await;
    assert!(
        r.body["items"].as_array().expect("cards").iter().any(|c| c["keyword"] == "EXPTIME" && c["number"] == 120.0)
    );
}

fn names(r: &Reply) -> Vec<String> {
    let mut v: Vec<String> = r.body["items"]
        .as_array()
        .map(|a| a.iter().filter_map(|f| f["name"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    v.sort();
    v
}

#[actix_web::test]
async fn search_by_object_date_type_and_sky_position() {
    let app = TestApp::new().await;
    let (mut owner, _, ds) = observatory(&app).await;
    let files = [
        ("m42.fits", frame("M 42", "2026-01-06T02:10:00", "object", "83.822", "-5.391", "60")),
        ("near_zero.fits", frame("Pisces field", "2026-01-06T03:00:00", "object", "359.95", "1.0", "60")),
        ("other_side.fits", frame("Pisces east", "2026-01-06T03:10:00", "object", "0.05", "1.0", "60")),
        ("flat.fits", frame("", "2026-01-05T18:30:00", "Flat Field", "10.0", "40.0", "2")),
        ("pole.fits", frame("Polaris", "2026-01-06T04:00:00", "object", "37.95", "89.26", "5")),
    ];
    for (name, bytes) in &files {
        assert_eq!(upload(&mut owner, "obs", &ds, name, bytes).await.status, StatusCode::CREATED);
    }
    app.run_jobs().await;
    let q = |owner: &mut Client, q: &str| {
        let path = format!("/api/v1/workspaces/obs/files?{q}");
        let mut c = owner.clone_plain();
        async move { names(&c.get(&path).await) }
    };
    assert_eq!(q(&mut owner, "object=m%2042").await, ["m42.fits"]);
    assert_eq!(q(&mut owner, "object=pisces").await, ["near_zero.fits", "other_side.fits"]);
    assert_eq!(q(&mut owner, "frame_type=flat").await, ["flat.fits"]);
    assert_eq!(
        q(&mut owner, "date_from=2026-01-06T02:30:00Z&date_to=2026-01-06T03:30:00Z").await,
        ["near_zero.fits", "other_side.fits"]
    );
    // Cones: across RA 0/360, near the pole, and one that holds nothing.
    assert_eq!(q(&mut owner, "ra=0&dec=1&radius=0.1").await, ["near_zero.fits", "other_side.fits"]);
    assert_eq!(q(&mut owner, "ra=359.95&dec=1&radius=0.02").await, ["near_zero.fits"]);
    // Across the pole: the centre is on the other side of it (0.1 + 0.74 degrees away).
    assert_eq!(q(&mut owner, "ra=217.95&dec=89.9&radius=0.9").await, ["pole.fits"]);
    assert!(q(&mut owner, "ra=217.95&dec=89.9&radius=0.8").await.is_empty());
    assert_eq!(q(&mut owner, "ra=83.8&dec=-5.4&radius=0.05").await, ["m42.fits"]);
    assert!(q(&mut owner, "ra=180&dec=-60&radius=5").await.is_empty());
    // Bad input names the field.
    let r = owner.get("/api/v1/workspaces/obs/files?ra=10&dec=95&radius=1").await;
    r.assert_problem(422, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "dec");
    let r = owner.get("/api/v1/workspaces/obs/files?ra=10&dec=5&radius=0").await;
    assert_eq!(r.body["errors"][0]["field"], "radius");
    let r = owner.get("/api/v1/workspaces/obs/files?ra=10&dec=5").await;
    assert_eq!(r.body["errors"][0]["field"], "radius");
    let r = owner.get("/api/v1/workspaces/obs/files?frame_type=selfie").await;
    assert_eq!(r.body["errors"][0]["field"], "frame_type");
    let r = owner.get("/api/v1/workspaces/obs/files?header=EXPTIME%3E%3Dabc").await;
    assert_eq!(r.body["errors"][0]["field"], "header");
    // Pages: two at a time, newest first, no repeats.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = owner.get(&format!("/api/v1/workspaces/obs/files?limit=2&cursor={cursor}")).await;
        seen.extend(names(&r));
        match r.body["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => break,
        }
    }
    seen.sort();
    assert_eq!(seen, ["flat.fits", "m42.fits", "near_zero.fits", "other_side.fits", "pole.fits"]);
}

/// Ada's private workspace `obs` with one file `name` in its dataset "Raw": her client and the file's id.
async fn one_file(app: &TestApp, name: &str, bytes: &[u8]) -> (Client, String) {
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let r = upload(&mut owner, "obs", &ds, name, bytes).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_str().expect("id").to_owned();
    (owner, id)
}

/// Removes a file's object behind the service's back (an operator's mistake, a lost disk): no retry can help.
async fn lose_object(app: &TestApp, owner: &mut Client, id: &str) {
    let key = format!("ws/{}/files/{id}", workspace_id(owner, "obs").await);
    app.storage.delete(&key).await.expect("delete");
}

#[actix_web::test]
async fn an_ingest_that_cannot_read_its_object_marks_the_file_failed_not_pending() {
    let app = TestApp::new().await;
    let (mut owner, id) = one_file(&app, "lost.fits", &fits_file(&[("OBJECT", "'M 42    '")], 8, 8)).await;
    let path = format!("/api/v1/workspaces/obs/files/{id}");
    assert_eq!(owner.get(&path).await.body["ingest_status"], "pending");
    lose_object(&app, &mut owner, &id).await;
    app.run_jobs().await;
    let r = owner.get(&path).await;
    assert_eq!(r.body["ingest_status"], "failed", "{}", r.body);
    assert!(r.body["ingest_message"].as_str().is_some_and(|m| m.contains("missing")), "{}", r.body);
}

#[actix_web::test]
async fn a_restore_that_cannot_succeed_ends_failed_and_may_be_asked_again() {
    let app = TestApp::new().await;
    let (mut owner, id) = one_file(&app, "gone.raw", b"gone photons").await;
    let path = format!("/api/v1/workspaces/obs/files/{id}");
    assert_eq!(owner.patch(&path, json!({"tier": "cold"})).await.body["tier"], "cold");
    lose_object(&app, &mut owner, &id).await;
    let r = owner.post(&format!("{path}/restore"), json!({})).await;
    assert_eq!(r.body["restore_status"], "in_progress", "{}", r.body);
    app.run_jobs().await;
    let r = owner.get(&path).await;
    assert_eq!(r.body["restore_status"], "failed", "{}", r.body);
    let page = crate::data_pages::html(&owner.get(&format!("/w/obs/files/{id}")).await);
    assert!(page.contains("the last restore failed") && page.contains("restore-form"), "{page}");
    let r = owner.post(&format!("{path}/restore"), json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    assert_eq!(r.body["restore_status"], "in_progress", "asked again: {}", r.body);
}

#[actix_web::test]
async fn cold_files_need_a_restore_and_tier_rules_move_files() {
    let app = TestApp::new().await;
    let (mut owner, id) = one_file(&app, "old.raw", b"old photons").await;
    let path = format!("/api/v1/workspaces/obs/files/{id}");
    let r = owner.patch(&path, json!({"tier": "cold"})).await;
    assert_eq!(r.body["tier"], "cold", "{}", r.body);
    let r = owner.get(&format!("{path}/content")).await;
    r.assert_problem(409, "restore_required");
    assert_eq!(r.body["restore"]["method"], "POST");
    let r = owner.post(&format!("{path}/restore"), json!({})).await;
    assert_eq!(r.status, StatusCode::ACCEPTED);
    assert_eq!(r.body["restore_status"], "in_progress");
    app.run_jobs().await;
    let r = owner.get(&path).await;
    assert_eq!(r.body["tier"], "hot", "{}", r.body);
    assert_eq!(r.body["restore_status"], "none");
    assert_eq!(owner.get(&format!("{path}/content")).await.raw, b"old photons");
    let info =
        app.storage.head(&format!("ws/{}/files/{id}", workspace_id(&mut owner, "obs").await)).await.expect("head");
    assert_eq!(info.tier, meridian_storage::Tier::Hot);

    // A rule moves files older than its days (0 days: every file) to cool.
    let r =
        owner.post("/api/v1/workspaces/obs/storage/rules", json!({"name": "raw to cool", "cool_after_days": 0})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let bad = owner
        .post("/api/v1/workspaces/obs/storage/rules", json!({"name": "x", "cool_after_days": 10, "cold_after_days": 5}))
        .await;
    assert_eq!(bad.body["errors"][0]["field"], "cold_after_days");
    app.services.jobs().push(meridian_service::jobs::Job::ApplyLifecycle, Default::default()).await.expect("push");
    app.run_jobs().await;
    // Just restored: the rule counts from the restore, so a 0-day rule moves it again.
    let r = owner.get(&path).await;
    assert_eq!(r.body["tier"], "cool", "{}", r.body);
    let info =
        app.storage.head(&format!("ws/{}/files/{id}", workspace_id(&mut owner, "obs").await)).await.expect("head");
    assert_eq!(info.tier, meridian_storage::Tier::Cool);
    let r = owner.get("/api/v1/workspaces/obs/storage/usage").await;
    let cool = r.body["tiers"].as_array().expect("tiers").iter().find(|t| t["tier"] == "cool").cloned().expect("cool");
    assert_eq!(cool["bytes"], 11);
}

pub async fn workspace_id(c: &mut Client, slug: &str) -> String {
    c.get(&format!("/api/v1/workspaces/{slug}")).await.body["id"].as_str().expect("id").to_owned()
}

#[actix_web::test]
async fn usage_is_metered_in_byte_seconds_per_tier() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    upload(&mut owner, "obs", &ds, "a.raw", &vec![1_u8; 1 << 20]).await;
    let t0 = chrono::DateTime::parse_from_rfc3339("2026-03-31T12:00:00Z").expect("t").to_utc();
    app.services.meter_usage(t0).await.expect("meter");
    // 12 h later, across the month's end: half the time in March, half in April.
    app.services.meter_usage(t0 + chrono::Duration::hours(24)).await.expect("meter");
    let r = owner.get("/api/v1/workspaces/obs/storage/usage").await;
    let history = r.body["history"].as_array().expect("history");
    let month =
        |m: &str| history.iter().find(|h| h["month"] == m && h["tier"] == "hot").and_then(|h| h["gib_months"].as_f64());
    let expected = (1_f64 / 1024.0) * 12.0 * 3600.0 / 2_629_800.0;
    assert!((month("2026-03").expect("march") - expected).abs() < 1e-12, "{history:?}");
    assert!((month("2026-04").expect("april") - expected).abs() < 1e-12);
    assert_eq!(r.body["tiers"][0]["bytes"], 1 << 20);
}

#[actix_web::test]
async fn cleanup_removes_objects_without_rows() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Ada").await;
    workspace(&mut owner, "obs", "private").await;
    let ds = dataset(&mut owner, "obs", "Raw").await;
    let kept = upload(&mut owner, "obs", &ds, "kept.raw", b"kept").await.body["id"].as_str().expect("id").to_owned();
    let ws = workspace_id(&mut owner, "obs").await;
    let orphan = format!("ws/{ws}/files/{}", uuid::Uuid::now_v7());
    let body: meridian_storage::ByteStream =
        Box::pin(futures::stream::once(async { Ok(bytes::Bytes::from_static(b"lost")) }));
    app.storage.put(&orphan, body, Default::default()).await.expect("put");
    // Young objects may be uploads about to get their row: left alone.
    let now = chrono::Utc::now();
    let mine = format!("ws/{ws}/");
    assert_eq!(app.services.cleanup_under(now, &mine).await.expect("cleanup").objects, 0);
    let report = app.services.cleanup_under(now + chrono::Duration::hours(2), &mine).await.expect("cleanup");
    assert_eq!(report.objects, 1);
    let keys: Vec<String> = app.storage.list(&mine, None, 10).await.expect("list").into_iter().map(|o| o.key).collect();
    assert_eq!(keys, [format!("ws/{ws}/files/{kept}")]);
}

// ---- Authorization matrix --------------------------------------------------------------------------------------

use crate::authz_matrix::{Call, Obj, Route};
use futures::future::LocalBoxFuture;
use meridian_domain::Action;

fn dataset_call<'a>(
    owner: &'a mut Client,
    slug: &'a str,
    n: u32,
    tail: &'static str,
    body: Option<Value>,
) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let id = dataset(owner, slug, &format!("Dataset {n}")).await;
        Call { path: format!("/api/v1/workspaces/{slug}/datasets/{id}{tail}"), body }
    })
}

fn file_call<'a>(
    owner: &'a mut Client,
    slug: &'a str,
    n: u32,
    release: Option<&'static str>,
    tail: &'static str,
    body: Option<Value>,
) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let r = owner
            .post(
                &format!("/api/v1/workspaces/{slug}/datasets"),
                json!({"name": format!("Files {n}"), "release_at": release}),
            )
            .await;
        let ds = r.body["id"].as_str().expect("dataset").to_owned();
        let r = upload(owner, slug, &ds, &format!("f{n}.raw"), format!("bytes {n}").as_bytes()).await;
        let id = r.body["id"].as_str().expect("file").to_owned();
        Call { path: format!("/api/v1/workspaces/{slug}/files/{id}{tail}"), body }
    })
}

/// A FITS file (released or not) whose preview the jobs make before the call.
fn preview_call<'a>(
    owner: &'a mut Client,
    slug: &'a str,
    n: u32,
    release: Option<&'static str>,
) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let r = owner
            .post(
                &format!("/api/v1/workspaces/{slug}/datasets"),
                json!({"name": format!("Previews {n}"), "release_at": release}),
            )
            .await;
        let ds = r.body["id"].as_str().expect("dataset").to_owned();
        let fits = fits_file(&[("OBJECT", &format!("'M{n:<7}'"))], 16, 16);
        let r = upload(owner, slug, &ds, &format!("p{n}.fits"), &fits).await;
        let id = r.body["id"].as_str().expect("file").to_owned();
        Call { path: format!("/api/v1/workspaces/{slug}/files/{id}/preview.png"), body: None }
    })
}

fn upload_call<'a>(owner: &'a mut Client, slug: &'a str, n: u32) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let id = dataset(owner, slug, &format!("Uploads {n}")).await;
        Call { path: format!("/api/v1/workspaces/{slug}/datasets/{id}/files/u{n}.raw"), body: Some(json!({"n": n})) }
    })
}

fn rule_call<'a>(owner: &'a mut Client, slug: &'a str, n: u32) -> LocalBoxFuture<'a, Call> {
    Box::pin(async move {
        let r = owner
            .post(
                &format!("/api/v1/workspaces/{slug}/storage/rules"),
                json!({"name": format!("rule {n}"), "cool_after_days": 30}),
            )
            .await;
        let id = r.body["id"].as_str().expect("rule").to_owned();
        Call { path: format!("/api/v1/workspaces/{slug}/storage/rules/{id}"), body: None }
    })
}

const DATASETS: &str = "/api/v1/workspaces/{slug}/datasets";
const DATASET: &str = "/api/v1/workspaces/{slug}/datasets/{id}";
const FILE: &str = "/api/v1/workspaces/{slug}/files/{id}";
const CONTENT: &str = "/api/v1/workspaces/{slug}/files/{id}/content";
const PREVIEW: &str = "/api/v1/workspaces/{slug}/files/{id}/preview.png";
const RULES: &str = "/api/v1/workspaces/{slug}/storage/rules";
const RELEASED: Option<&str> = Some("2020-01-01T00:00:00Z");

pub const MATRIX: &[Route] = &[
    Route::get(DATASETS).reads(Obj::Workspace).ok(200),
    Route::post(DATASETS).body(|n| Some(json!({"name": format!("New dataset {n}")}))).needs(Action::CreateData).ok(201),
    Route::get(DATASET)
        .needs(Action::ViewWorkspace)
        .on(Obj::Private)
        .setup(|o, s, n| dataset_call(o, s, n, "", None))
        .ok(200),
    Route::patch(DATASET)
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| dataset_call(o, s, n, "", Some(json!({"description": "changed"}))))
        .ok(200),
    Route::delete(DATASET)
        .needs(Action::DeleteData)
        .on(Obj::Private)
        .setup(|o, s, n| dataset_call(o, s, n, "", None))
        .ok(204),
    Route::get("/api/v1/workspaces/{slug}/datasets/{id}/files")
        .needs(Action::ViewWorkspace)
        .on(Obj::Private)
        .setup(|o, s, n| dataset_call(o, s, n, "/files", None))
        .ok(200),
    Route::put("/api/v1/workspaces/{slug}/datasets/{id}/files/{name}").needs(Action::Upload).setup(upload_call).ok(201),
    Route::get("/api/v1/workspaces/{slug}/files").reads(Obj::Workspace).ok(200),
    Route::get(FILE)
        .needs(Action::ViewWorkspace)
        .on(Obj::Private)
        .setup(|o, s, n| file_call(o, s, n, None, "", None))
        .ok(200),
    Route::get(FILE).reads(Obj::Public).setup(|o, s, n| file_call(o, s, n, RELEASED, "", None)).ok(200),
    Route::get(CONTENT).reads(Obj::Public).setup(|o, s, n| file_call(o, s, n, RELEASED, "/content", None)).ok(200),
    Route::get("/api/v1/workspaces/{slug}/files/{id}/header")
        .needs(Action::ViewWorkspace)
        .on(Obj::Private)
        .setup(|o, s, n| file_call(o, s, n, None, "/header", None))
        .ok(200),
    Route::get(CONTENT)
        .needs(Action::ViewWorkspace)
        .on(Obj::Private)
        .setup(|o, s, n| file_call(o, s, n, None, "/content", None))
        .ok(200),
    Route::get(PREVIEW)
        .needs(Action::ViewWorkspace)
        .on(Obj::Private)
        .setup(|o, s, n| preview_call(o, s, n, None))
        .after_jobs()
        .once()
        .ok(200),
    Route::get(PREVIEW).reads(Obj::Public).setup(|o, s, n| preview_call(o, s, n, RELEASED)).after_jobs().once().ok(200),
    Route::patch(FILE)
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| file_call(o, s, n, None, "", Some(json!({"release_at": null}))))
        .ok(200),
    Route::delete(FILE)
        .needs(Action::DeleteData)
        .on(Obj::Private)
        .setup(|o, s, n| file_call(o, s, n, None, "", None))
        .ok(204),
    Route::post("/api/v1/workspaces/{slug}/files/{id}/restore")
        .needs(Action::EditData)
        .on(Obj::Private)
        .setup(|o, s, n| file_call(o, s, n, None, "/restore", Some(json!({}))))
        .ok(202),
    Route::get("/api/v1/workspaces/{slug}/storage/usage").needs(Action::ViewWorkspace).ok(200),
    Route::get(RULES).needs(Action::ViewWorkspace).ok(200),
    Route::post(RULES)
        .body(|n| Some(json!({"name": format!("rule {n}"), "cold_after_days": 180})))
        .needs(Action::UpdateWorkspace)
        .ok(201),
    Route::delete("/api/v1/workspaces/{slug}/storage/rules/{id}")
        .needs(Action::UpdateWorkspace)
        .setup(rule_call)
        .ok(204),
];
