//! The data pages: `/w/:slug/data`, a dataset, a file, the search and storage render what the API holds, show
//! visitors only released things and no controls, and their forms (`/fn/...`) act only with the CSRF token.

use crate::data::{dataset, fits_file, upload};
use crate::helpers::{Client, TestApp, workspace};
use actix_web::http::Method;
use serde_json::json;

pub const FORM: Option<&str> = Some("application/x-www-form-urlencoded");

pub fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs.iter().map(|(k, v)| format!("{k}={}", enc(v))).collect::<Vec<_>>().join("&").into_bytes()
}

pub fn html(r: &crate::helpers::Reply) -> String {
    String::from_utf8_lossy(&r.raw).into_owned()
}

fn quoted(s: &str) -> String {
    format!("'{s:<8}'")
}

fn science() -> Vec<u8> {
    fits_file(
        &[
            ("DATE-OBS", &quoted("2026-01-05T21:30:00")),
            ("OBJECT", &quoted("M 42")),
            ("IMAGETYP", &quoted("Light Frame")),
            ("FILTER", &quoted("R")),
            ("EXPTIME", "120.0"),
            ("RA", "83.822"),
            ("DEC", "-5.391"),
        ],
        32,
        32,
    )
}

async fn uploaded(c: &mut Client, slug: &str, ds: &str, name: &str, bytes: &[u8]) -> String {
    let r = upload(c, slug, ds, name, bytes).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body["id"].as_str().expect("file id").to_owned()
}

#[actix_web::test]
async fn a_member_sees_datasets_files_a_file_with_its_header_search_and_storage() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Annie").await;
    workspace(&mut owner, "dp-a", "private").await;
    let ds = dataset(&mut owner, "dp-a", "Orion <b>run</b>").await;
    let fits = uploaded(&mut owner, "dp-a", &ds, "m42_r.fits", &science()).await;
    let garbage = b"SIMPLE  =                    T / but nothing else".repeat(3);
    let broken = uploaded(&mut owner, "dp-a", &ds, "broken.fits", &garbage).await;
    app.run_jobs().await;

    let page = html(&owner.get("/w/dp-a").await);
    assert!(page.contains("href=\"/w/dp-a/data\""), "the workspace links its data: {page}");

    let r = owner.get("/w/dp-a/data").await;
    assert_eq!(r.status, 200);
    let page = html(&r);
    assert!(page.contains(&format!("/w/dp-a/data/{ds}")) && page.contains("Orion &lt;b&gt;run&lt;/b&gt;"), "{page}");
    assert!(!page.contains("<b>run</b>"), "names are text: {page}");
    assert!(page.contains("KiB") && page.contains("not released"), "{page}");
    assert!(page.contains("create-dataset-form") && page.contains("/w/dp-a/storage"), "{page}");

    let page = html(&owner.get(&format!("/w/dp-a/data/{ds}")).await);
    assert!(page.contains(&format!("/w/dp-a/files/{fits}")) && page.contains("m42_r.fits"), "{page}");
    assert!(page.contains("M 42") && page.contains("2026-01-05 21:30:00 UTC") && page.contains("science"), "{page}");
    assert!(page.contains(&format!("/files/{fits}/preview.png")), "a thumbnail: {page}");
    assert!(!page.contains(&format!("/files/{broken}/preview.png")), "none for the broken file");
    assert!(page.contains("unreadable FITS header"), "why ingest failed: {page}");
    assert!(page.contains("id=\"upload-input\"") && page.contains("multiple"), "the upload box: {page}");
    assert!(page.contains(&format!("data-url=\"/api/v1/workspaces/dp-a/datasets/{ds}/files/\"")), "{page}");
    assert!(page.contains("needs JavaScript"), "and what to do without JavaScript: {page}");

    let page = html(&owner.get(&format!("/w/dp-a/files/{fits}")).await);
    assert!(page.contains("HDU 0 (primary)") && page.contains("EXPTIME") && page.contains("NAXIS1"), "{page}");
    assert!(page.contains(&format!("/api/v1/workspaces/dp-a/files/{fits}/content")), "download: {page}");
    assert!(page.contains("ingest_file") || page.contains("ingest"), "its jobs: {page}");
    assert!(page.contains("tier-cool") && page.contains("tier-cold") && page.contains("delete-file-form"), "{page}");

    let page = html(&owner.get("/w/dp-a/search?object=M+42&frame_type=science&headers=EXPTIME%3D100..200").await);
    assert!(page.contains(&format!("/w/dp-a/files/{fits}")) && page.contains("1 file found"), "{page}");
    assert!(page.contains("name=\"object\" value=\"M 42\"") && page.contains("EXPTIME=100..200"), "kept: {page}");
    let page = html(&owner.get("/w/dp-a/search?object=M+42&ra=10&dec=10&radius=1").await);
    assert!(page.contains("0 files found") && !page.contains(&format!("/w/dp-a/files/{fits}")), "{page}");

    let page = html(&owner.get("/w/dp-a/storage").await);
    assert!(page.contains("id=\"plan\">Free") && page.contains("usage-hot") && page.contains("5.0 GiB"), "{page}");
    assert!(page.contains("tier-rule-form"), "{page}");
}

#[actix_web::test]
async fn forms_create_a_dataset_add_a_tier_rule_and_move_a_file_only_with_the_csrf_token() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Cecilia").await;
    workspace(&mut owner, "dp-f", "private").await;
    let token = owner.cookies.get(meridian_http::cookies::CSRF_COOKIE).cloned().expect("csrf cookie");

    let create = |t: &str| {
        form(&[
            ("csrf_token", t),
            ("slug", "dp-f"),
            ("name", "Flats"),
            ("description", "twilight"),
            ("telescope_id", ""),
            ("release_date", "2020-01-01"),
        ])
    };
    let r = owner.request(Method::POST, "/fn/create_dataset", Some(create("forged")), FORM).await;
    assert!(!r.status.is_success(), "{}", html(&r));
    let list = owner.get("/api/v1/workspaces/dp-f/datasets").await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(0));
    let r = owner.request(Method::POST, "/fn/create_dataset", Some(create(&token)), FORM).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{}", html(&r));
    let list = owner.get("/api/v1/workspaces/dp-f/datasets").await;
    assert_eq!(list.body["items"][0]["name"], "Flats", "{}", list.body);
    let ds = list.body["items"][0]["id"].as_str().expect("id").to_owned();
    assert!(html(&owner.get("/w/dp-f/data").await).contains("release 2020-01-01"));

    let rule = |t: &str, cool: &str| {
        form(&[
            ("csrf_token", t),
            ("slug", "dp-f"),
            ("name", "Old flats"),
            ("frame_type", "flat"),
            ("cool_after_days", cool),
            ("cold_after_days", "365"),
        ])
    };
    let r = owner.request(Method::POST, "/fn/create_tier_rule", Some(rule("", "30")), FORM).await;
    assert!(!r.status.is_success(), "{}", html(&r));
    let r = owner.request(Method::POST, "/fn/create_tier_rule", Some(rule(&token, "soon")), FORM).await;
    assert!(html(&r).contains("cool_after_days"), "{}", html(&r));
    let r = owner.request(Method::POST, "/fn/create_tier_rule", Some(rule(&token, "30")), FORM).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{}", html(&r));
    let page = html(&owner.get("/w/dp-f/storage").await);
    assert!(page.contains("Old flats") && page.contains(">30<") && page.contains(">365<"), "{page}");

    let file = uploaded(&mut owner, "dp-f", &ds, "flat.bin", b"0123456789").await;
    let tier = |t: &str, tier: &str| form(&[("csrf_token", t), ("slug", "dp-f"), ("id", &file), ("tier", tier)]);
    let r = owner.request(Method::POST, "/fn/set_file_tier", Some(tier("forged", "cold")), FORM).await;
    assert!(!r.status.is_success(), "{}", html(&r));
    let r = owner.request(Method::POST, "/fn/set_file_tier", Some(tier(&token, "cold")), FORM).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{}", html(&r));
    let got = owner.get(&format!("/api/v1/workspaces/dp-f/files/{file}")).await;
    assert_eq!(got.body["tier"], "cold", "{}", got.body);
    let page = html(&owner.get(&format!("/w/dp-f/files/{file}")).await);
    assert!(page.contains("restore-form") && page.contains("must be restored"), "{page}");

    let restore = form(&[("csrf_token", &token), ("slug", "dp-f"), ("id", &file)]);
    let r = owner.request(Method::POST, "/fn/restore_file", Some(restore), FORM).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{}", html(&r));
    let page = html(&owner.get(&format!("/w/dp-f/files/{file}")).await);
    assert!(page.contains("restore in progress") && !page.contains("restore-form"), "{page}");
}

#[actix_web::test]
async fn visitors_of_a_public_workspace_see_released_data_only_and_no_controls() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Henrietta").await;
    workspace(&mut owner, "dp-pub", "public").await;
    let r = owner
        .post("/api/v1/workspaces/dp-pub/datasets", json!({"name": "Released", "release_at": "2020-01-01T00:00:00Z"}))
        .await;
    let released = r.body["id"].as_str().expect("id").to_owned();
    let embargoed = dataset(&mut owner, "dp-pub", "Embargoed").await;
    let open = uploaded(&mut owner, "dp-pub", &released, "open.fits", &science()).await;
    let secret = uploaded(&mut owner, "dp-pub", &embargoed, "secret.bin", b"secret bytes").await;
    app.run_jobs().await;
    let mut visitor = app.client();

    let page = html(&visitor.get("/w/dp-pub/data").await);
    assert!(page.contains("Released") && page.contains("pill public"), "{page}");
    assert!(!page.contains("Embargoed") && !page.contains("create-dataset-form"), "{page}");
    assert!(!page.contains("/w/dp-pub/storage"), "{page}");

    let page = html(&visitor.get(&format!("/w/dp-pub/data/{released}")).await);
    assert!(page.contains("open.fits") && !page.contains("upload-input"), "{page}");
    let r = visitor.get(&format!("/w/dp-pub/data/{embargoed}")).await;
    assert_eq!(r.status, 404);
    assert!(!html(&r).contains("secret.bin"));

    let page = html(&visitor.get(&format!("/w/dp-pub/files/{open}")).await);
    assert!(page.contains("EXPTIME") && page.contains("/content"), "{page}");
    assert!(!page.contains("tier-cold\"") && !page.contains("delete-file-form"), "no controls: {page}");
    assert_eq!(visitor.get(&format!("/w/dp-pub/files/{secret}")).await.status, 404);

    let page = html(&visitor.get("/w/dp-pub/search?object=M+42").await);
    assert!(page.contains(&format!("/w/dp-pub/files/{open}")), "{page}");
    let page = html(&visitor.get("/w/dp-pub/search?frame_type=science&headers=").await);
    assert!(!page.contains("secret.bin"), "{page}");
    let page = html(&visitor.get("/w/dp-pub/storage").await);
    assert!(!page.contains("usage-hot") && !page.contains("tier-rule-form"), "usage is for members: {page}");
}

/// The address of the page's "Next page" link, if it has one.
fn next_page(page: &str) -> Option<String> {
    let at = page.find("class=\"next-page\"")?;
    let tag = &page[page[..at].rfind("<a ")?..at + page[at..].find('>')?];
    let href = &tag[tag.find("href=\"")? + "href=\"".len()..];
    Some(href[..href.find('"')?].replace("&amp;", "&"))
}

fn rows(page: &str) -> usize {
    page.matches("class=\"file-row\"").count()
}

#[actix_web::test]
async fn long_lists_of_datasets_files_and_search_results_come_a_page_at_a_time() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Williamina").await;
    workspace(&mut owner, "dp-long", "private").await;
    let ds = dataset(&mut owner, "dp-long", "Night 000").await;
    // One more file than a page holds; each differs (the same bytes twice would be refused).
    for n in 0..101 {
        let seq = n.to_string();
        let bytes = fits_file(&[("OBJECT", &quoted("NGC 7000")), ("SEQ", &seq)], 4, 4);
        uploaded(&mut owner, "dp-long", &ds, &format!("f{n:03}.fits"), &bytes).await;
    }
    app.run_jobs().await;

    let first = html(&owner.get(&format!("/w/dp-long/data/{ds}")).await);
    assert_eq!(rows(&first), 100, "{first}");
    assert!(first.contains("f100.fits") && !first.contains("first-page"), "newest first: {first}");
    let next = next_page(&first).expect("a next page");
    assert!(next.starts_with(&format!("/w/dp-long/data/{ds}?cursor=")), "{next}");
    let second = html(&owner.get(&next).await);
    assert_eq!(rows(&second), 1, "{second}");
    assert!(second.contains("f000.fits") && second.contains("first-page") && next_page(&second).is_none(), "{second}");

    let first = html(&owner.get("/w/dp-long/search?object=NGC+7000").await);
    assert_eq!(rows(&first), 100, "{first}");
    assert!(first.contains("100 files found, the newest first; more on the next page"), "{first}");
    let next = next_page(&first).expect("a next page");
    assert!(next.starts_with("/w/dp-long/search?object=NGC%207000&cursor="), "the search is kept: {next}");
    let second = html(&owner.get(&next).await);
    assert_eq!(rows(&second), 1, "{second}");
    assert!(second.contains("1 more file found") && second.contains("f000.fits"), "{second}");

    for n in 1..=100 {
        dataset(&mut owner, "dp-long", &format!("Night {n:03}")).await;
    }
    let first = html(&owner.get("/w/dp-long/data").await);
    assert!(first.contains("Night 099") && !first.contains("Night 100"), "by name: {first}");
    let next = next_page(&first).expect("a next page");
    let second = html(&owner.get(&next).await);
    assert!(second.contains("Night 100") && !second.contains("Night 099"), "{second}");
    assert!(next_page(&second).is_none() && second.contains("first-page"), "{second}");
    let r = owner.get("/w/dp-long/data?cursor=%21%21").await;
    assert!(html(&r).contains("cursor"), "a cursor this server did not issue is named: {}", html(&r));
}
