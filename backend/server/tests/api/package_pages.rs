//! The package pages: a member builds, describes, publishes, shares and cites a package through the pages' forms
//! (each acting only with the CSRF token); the landing page at the cited address shows the version with working
//! download links; a secret link opens its own landing page until it is revoked; visitors see public packages
//! only, and nothing of the editor.

use crate::data::{dataset, upload};
use crate::data_pages::{FORM, form};
use crate::helpers::{Client, TestApp, target, workspace};
use crate::packages::{basic, files, package, publish};
use actix_web::http::{Method, StatusCode};
use serde_json::json;

/// The page's HTML without the hydration markers (`<!>`) Leptos puts between a text's parts.
fn html(r: &crate::helpers::Reply) -> String {
    crate::data_pages::html(r).replace("<!>", "")
}

fn csrf(c: &Client) -> String {
    c.cookies.get(meridian_http::cookies::CSRF_COOKIE).cloned().expect("csrf cookie")
}

async fn post_form(c: &mut Client, endpoint: &str, pairs: &[(&str, &str)]) -> String {
    let r = c.request(Method::POST, &format!("/fn/{endpoint}"), Some(form(pairs)), FORM).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{endpoint}: {} {}", r.status, html(&r));
    html(&r)
}

/// The text between `start` and the next `"` or `<` after it.
fn token_after<'a>(page: &'a str, start: &str) -> &'a str {
    let i = page.find(start).unwrap_or_else(|| panic!("{start} in {page}")) + start.len();
    let rest = &page[i..];
    &rest[..rest.find(['"', '<']).unwrap_or(rest.len())]
}

#[actix_web::test]
async fn a_member_builds_describes_publishes_shares_and_cites_a_package_from_its_pages() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Annie").await;
    workspace(&mut owner, "pp-a", "private").await;
    let (ds, stored) = files(&mut owner, "pp-a", "Night 1", &[1500, 2500]).await;
    let m42 = target(&mut owner, "pp-a", "M42").await;
    let token = csrf(&owner);

    // Creating: a forged token does nothing; the real one makes the package and opens its editor.
    let create = |t: &str| {
        form(&[
            ("csrf_token", t),
            ("slug", "pp-a"),
            ("title", "Orion <b>flats</b>"),
            ("licence", "CC-BY-4.0"),
            ("description", ""),
        ])
    };
    let r = owner.request(Method::POST, "/fn/create_package", Some(create("forged")), FORM).await;
    assert!(!r.status.is_success(), "{}", html(&r));
    assert_eq!(owner.get("/api/v1/workspaces/pp-a/packages").await.body["items"].as_array().map(Vec::len), Some(0));
    let r = owner.request(Method::POST, "/fn/create_package", Some(create(&token)), FORM).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{}", html(&r));
    let list = owner.get("/api/v1/workspaces/pp-a/packages").await;
    let id = list.body["items"][0]["id"].as_str().expect("package id").to_owned();
    let page = html(&owner.get(&format!("/w/pp-a/packages/{id}")).await);
    assert!(page.contains("<title>Orion &lt;b&gt;flats&lt;/b&gt; · Data packages"), "the title is text: {page}");
    let page = html(&owner.get("/w/pp-a/packages").await);
    assert!(
        page.contains(&format!("/w/pp-a/packages/{id}")) && page.contains("Orion &lt;b&gt;flats&lt;/b&gt;"),
        "{page}"
    );
    assert!(page.contains("draft only") && page.contains("create-package-form"), "{page}");

    // The draft: a whole dataset joins by form; the editor shows the files, totals per tier, and the controls.
    let f = |extra: &[(&'static str, String)]| {
        let mut v: Vec<(&str, String)> =
            vec![("csrf_token", token.clone()), ("slug", "pp-a".into()), ("id", id.clone())];
        v.extend(extra.iter().cloned());
        v
    };
    let pairs = f(&[("dataset_id", ds.clone())]);
    post_form(&mut owner, "add_package_dataset", &pairs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>())
        .await;
    let editor = format!("/w/pp-a/packages/{id}");
    let page = html(&owner.get(&editor).await);
    assert!(page.contains("Night 1/f0.raw") && page.contains("Night 1/f1.raw"), "{page}");
    assert!(page.contains("id=\"draft-total\">2 files · 3.9 KiB"), "{page}");
    assert!(page.contains("tier-total tier-hot") && page.contains("2 files · 3.9 KiB"), "{page}");
    assert!(
        page.contains("publish-form") && page.contains("remove-file-form") && page.contains("no-versions"),
        "{page}"
    );
    assert!(page.contains(&format!("/w/pp-a/files/{}", stored[0].0)), "draft rows link their files: {page}");

    // Describing: authors (name; ORCID; affiliation), keywords, licence, access and a related target.
    let describe = |authors: &str| {
        f(&[
            ("title", "Orion flats".into()),
            ("description", "Twilight flats, **R** band.".into()),
            ("authors", authors.into()),
            ("keywords", "flats, Orion ,".into()),
            ("licence", "CC0-1.0".into()),
            ("access", "link".into()),
            ("target_ids[]", m42.clone()),
        ])
    };
    let pairs = describe("Ada Lovelace; 0000-0002-1825-0097; Analytical Engines\nCaroline Herschel");
    post_form(&mut owner, "update_package", &pairs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    let p = owner.get(&format!("/api/v1/workspaces/pp-a/packages/{id}")).await.body;
    assert_eq!(p["authors"][0]["orcid"], "0000-0002-1825-0097", "{p}");
    assert_eq!(p["authors"][1]["name"], "Caroline Herschel", "{p}");
    assert_eq!(p["keywords"], json!(["flats", "Orion"]), "{p}");
    assert_eq!((p["licence"].as_str(), p["access"].as_str()), (Some("CC0-1.0"), Some("link")), "{p}");
    assert_eq!(p["target_ids"], json!([m42]), "{p}");
    // A bad ORCID is refused with its reason, and nothing changes.
    let pairs = describe("Ada Lovelace; 0000-0002-1825-0098");
    let r = owner
        .request(
            Method::POST,
            "/fn/update_package",
            Some(form(&pairs.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>())),
            FORM,
        )
        .await;
    assert!(
        html(&r).contains("orcid")
            || r.headers.get("location").is_some_and(|l| l.to_str().unwrap_or("").contains("orcid")),
        "{}",
        html(&r)
    );
    let p = owner.get(&format!("/api/v1/workspaces/pp-a/packages/{id}")).await.body;
    assert_eq!(p["authors"].as_array().map(Vec::len), Some(2), "{p}");
    let page = html(&owner.get(&editor).await);
    assert!(page.contains("https://orcid.org/0000-0002-1825-0097") && page.contains("<strong>R</strong>"), "{page}");
    assert!(page.contains("Ada Lovelace; 0000-0002-1825-0097; Analytical Engines"), "the form shows them: {page}");

    // Publishing: version 1 with its manifest in the history.
    post_form(&mut owner, "publish_package", &[("csrf_token", &token), ("slug", "pp-a"), ("id", &id)]).await;
    let v = owner.get(&format!("/api/v1/workspaces/pp-a/packages/{id}/versions/1")).await.body;
    let sha = v["manifest_sha256"].as_str().expect("manifest sha").to_owned();
    let page = html(&owner.get(&editor).await);
    assert!(page.contains(&format!("/packages/{id}/versions/1\"")) && page.contains(&sha), "{page}");
    assert!(page.contains(&format!("/api/v1/workspaces/pp-a/packages/{id}/versions/1/manifest.json")), "{page}");
    assert!(page.contains("reset-draft-form") && page.contains("doi-form"), "{page}");

    // The landing page at the cited address: what it is, how to cite it, downloads that work.
    let landing = format!("/packages/{id}/versions/1");
    let r = owner.get(&landing).await;
    assert_eq!(r.status, StatusCode::OK);
    let page = html(&r);
    let cite = owner.get(&format!("/api/v1/workspaces/pp-a/packages/{id}/versions/1/citation")).await.body;
    let text = cite["text"].as_str().expect("citation").replace('&', "&amp;");
    assert!(page.contains(&text), "the citation {text} in {page}");
    assert!(text.contains(&landing), "the citation points at this page: {text}");
    assert!(page.contains("Orion flats") && page.contains("Caroline Herschel") && page.contains(&sha), "{page}");
    assert!(
        page.contains("https://spdx.org/licenses/CC0-1.0.html") && page.contains("\"resourceTypeGeneral\""),
        "{page}"
    );
    let api = format!("/api/v1/workspaces/pp-a/packages/{id}/versions/1");
    assert!(page.contains(&format!("{api}/archive.zip")) && page.contains(&format!("{api}/archive.tar")), "{page}");
    let file_href = format!("{api}/files/Night%201/f1.raw");
    assert!(page.contains(&file_href), "{page}");
    let r = owner.get(&file_href).await;
    assert_eq!((r.status, r.raw.as_slice()), (StatusCode::OK, stored[1].2.as_slice()), "the listed file downloads");
    assert_eq!(owner.get(&format!("/packages/{id}")).await.status, StatusCode::OK, "the newest version");
    assert_eq!(owner.get(&format!("/packages/{id}/versions/2")).await.status, StatusCode::NOT_FOUND);
    // Outsiders cannot tell a private workspace's package exists.
    assert_eq!(app.client().get(&landing).await.status, StatusCode::NOT_FOUND);
    let (mut stranger, _) = app.user("Stranger").await;
    assert_eq!(stranger.get(&landing).await.status, StatusCode::NOT_FOUND);
    assert_eq!(stranger.get(&editor).await.status, StatusCode::NOT_FOUND);

    // A DOI, once minted, is shown and cited.
    post_form(
        &mut owner,
        "set_package_doi",
        &[
            ("csrf_token", &token),
            ("slug", "pp-a"),
            ("id", &id),
            ("number", "1"),
            ("doi", "https://doi.org/10.5281/zenodo.12345"),
        ],
    )
    .await;
    let page = html(&owner.get(&landing).await);
    assert!(page.contains("href=\"https://doi.org/10.5281/zenodo.12345\""), "{page}");

    // A secret link: shown once on the editor, it opens a landing page of its own until it is revoked.
    post_form(
        &mut owner,
        "create_package_link",
        &[("csrf_token", &token), ("slug", "pp-a"), ("id", &id), ("label", "referee"), ("expires_on", "")],
    )
    .await;
    let page = html(&owner.get(&editor).await);
    assert!(page.contains("id=\"new-link\""), "{page}");
    let secret = token_after(&page, "/shared/").to_owned();
    assert!(secret.starts_with("mpk_"), "{secret}");
    let page = html(&owner.get(&editor).await);
    assert!(!page.contains(&secret) && page.contains("referee"), "shown once, listed by label: {page}");
    let mut holder = app.client();
    let r = holder.get(&format!("/shared/{secret}")).await;
    assert_eq!(r.status, StatusCode::OK);
    let page = html(&r);
    assert!(page.contains("id=\"via-link\"") && page.contains("Orion flats"), "{page}");
    let shared_api = format!("/api/v1/shared/{secret}/versions/1");
    assert!(
        page.contains(&format!("{shared_api}/archive.zip"))
            && page.contains(&format!("{shared_api}/files/Night%201/f0.raw")),
        "{page}"
    );
    assert!(!page.contains("/w/pp-a/packages"), "the link shows nothing of the workspace: {page}");
    let m = holder.get(&format!("{shared_api}/manifest.json")).await;
    assert_eq!(m.status, StatusCode::OK);
    assert_eq!(m.body["files"].as_array().map(Vec::len), Some(2), "{}", m.body);
    assert_eq!(holder.get(&format!("/shared/{secret}/versions/1")).await.status, StatusCode::OK);
    let links = owner.get(&format!("/api/v1/workspaces/pp-a/packages/{id}/links")).await.body;
    let link_id = links["items"][0]["id"].as_str().expect("link id").to_owned();
    post_form(
        &mut owner,
        "revoke_package_link",
        &[("csrf_token", &token), ("slug", "pp-a"), ("id", &id), ("link_id", &link_id)],
    )
    .await;
    assert_eq!(holder.get(&format!("/shared/{secret}")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(holder.get(&format!("{shared_api}/manifest.json")).await.status, StatusCode::NOT_FOUND);
    assert!(html(&owner.get(&editor).await).contains("revoked"));

    // Deleting goes back to the list; the files stay.
    post_form(&mut owner, "delete_package", &[("csrf_token", &token), ("slug", "pp-a"), ("id", &id)]).await;
    assert_eq!(owner.get("/api/v1/workspaces/pp-a/packages").await.body["items"].as_array().map(Vec::len), Some(0));
    assert_eq!(owner.get(&format!("/api/v1/workspaces/pp-a/files/{}", stored[0].0)).await.status, StatusCode::OK);
}

#[actix_web::test]
async fn visitors_see_public_packages_and_their_landing_pages_only() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Owner").await;
    workspace(&mut owner, "pp-p", "public").await;
    let r = owner
        .post("/api/v1/workspaces/pp-p/datasets", json!({"name": "Released", "release_at": "2020-01-01T00:00:00Z"}))
        .await;
    let released = r.body["id"].as_str().expect("id").to_owned();
    let file = upload(&mut owner, "pp-p", &released, "a.raw", b"released bytes").await.body["id"].clone();
    let embargoed = dataset(&mut owner, "pp-p", "Embargoed").await;
    let secret_file = upload(&mut owner, "pp-p", &embargoed, "b.raw", b"embargoed").await.body["id"].clone();

    let mut b = basic("Open frames");
    b["access"] = json!("public");
    let open = package(&mut owner, "pp-p", b).await;
    owner.post(&format!("/api/v1/workspaces/pp-p/packages/{open}/draft/files"), json!({"file_ids": [file]})).await;
    publish(&mut owner, "pp-p", &open).await;
    let internal = package(&mut owner, "pp-p", basic("Internal frames")).await;
    owner
        .post(&format!("/api/v1/workspaces/pp-p/packages/{internal}/draft/files"), json!({"file_ids": [secret_file]}))
        .await;
    publish(&mut owner, "pp-p", &internal).await;

    let mut anon = app.client();
    assert!(html(&anon.get("/w/pp-p").await).contains("/w/pp-p/packages"), "the public page links its packages");
    let page = html(&anon.get("/w/pp-p/packages").await);
    assert!(page.contains("Open frames") && !page.contains("Internal frames"), "{page}");
    assert!(page.contains(&format!("/packages/{open}/versions/1")), "visitors go to the landing page: {page}");
    assert!(!page.contains("create-package-form") && !page.contains(&format!("/w/pp-p/packages/{open}")), "{page}");

    let r = anon.get(&format!("/packages/{open}/versions/1")).await;
    assert_eq!(r.status, StatusCode::OK);
    let page = html(&r);
    assert!(page.contains("Open frames") && page.contains("Ada Lovelace") && page.contains("a.raw"), "{page}");
    assert!(page.contains("download-zip") && page.contains("[Data set]"), "{page}");
    let zip = anon.get(&format!("/api/v1/workspaces/pp-p/packages/{open}/versions/1/archive.zip")).await;
    assert_eq!(zip.status, StatusCode::OK, "the download button works for visitors");
    assert_eq!(anon.get(&format!("/packages/{internal}/versions/1")).await.status, StatusCode::NOT_FOUND);
    assert_eq!(anon.get(&format!("/w/pp-p/packages/{open}")).await.status, StatusCode::NOT_FOUND, "no editor");
    assert_eq!(anon.get("/packages/not-an-id/versions/1").await.status, StatusCode::NOT_FOUND);
}
