//! The Virtual Observatory services of a public workspace (`/vo/{slug}`): SIAv2 with ObsCore columns, Simple Cone
//! Search, DataLink and VOSI answer what an anonymous visitor may see and nothing else; bad queries are VOTable
//! errors with a reason. pyvo and astropy read the same answers in `tests/vo/` (a live server).

use crate::data::{fits_file, upload};
use crate::helpers::*;
use actix_web::http::StatusCode;
use serde_json::json;

fn quoted(s: &str) -> String {
    format!("'{s:<8}'")
}

/// The text of an answer.
fn text(r: &Reply) -> String {
    String::from_utf8_lossy(&r.raw).into_owned()
}

/// How many rows an SIA query answers.
async fn count(app: &TestApp, query: &str) -> usize {
    rows(&text(&app.client().get(&format!("/vo/vo-obs/sia/query?{query}")).await))
}

/// How many rows a VOTable holds.
fn rows(body: &str) -> usize {
    body.matches("<TR>").count()
}

/// A public workspace `vo-obs`: two released images near M 42 and one near M 31, one image under embargo, a
/// non-FITS file; and a private workspace with a released image.
async fn observatory(app: &TestApp) -> (Client, Vec<String>) {
    let (mut owner, _) = app.user("Annie").await;
    workspace(&mut owner, "vo-obs", "public").await;
    let past = "2020-01-01T00:00:00Z";
    let r = owner.post("/api/v1/workspaces/vo-obs/datasets", json!({"name": "Orion 2026", "release_at": past})).await;
    let released = r.body["id"].as_str().expect("id").to_owned();
    let r = owner
        .post("/api/v1/workspaces/vo-obs/datasets", json!({"name": "Embargoed", "release_at": "2999-01-01T00:00:00Z"}))
        .await;
    let embargoed = r.body["id"].as_str().expect("id").to_owned();
    let image = |object: &str, ra: &str, dec: &str, filter: &str, date: &str| {
        fits_file(
            &[
                ("OBJECT", &quoted(object)),
                ("RA", ra),
                ("DEC", dec),
                ("FILTER", &quoted(filter)),
                ("DATE-OBS", &quoted(date)),
                ("EXPTIME", "120.0"),
                ("TELESCOP", &quoted("Ondrejov 65cm")),
                ("INSTRUME", &quoted("G2-3200")),
                ("CDELT1", "-0.0005"),
                ("CDELT2", "0.0005"),
            ],
            40,
            30,
        )
    };
    let mut ids = Vec::new();
    for (name, bytes, ds) in [
        ("m42-v.fits", image("M 42", "83.82", "-5.39", "V", "2026-01-10T20:00:00"), &released),
        ("m42-ha.fits", image("M 42", "83.90", "-5.30", "Ha", "2026-01-11T21:00:00"), &released),
        ("m31.fits", image("M 31", "10.68", "41.27", "B", "2026-01-12T19:00:00"), &released),
        ("secret.fits", image("M 42", "83.85", "-5.35", "V", "2026-01-13T20:00:00"), &embargoed),
    ] {
        let r = upload(&mut owner, "vo-obs", ds, name, &bytes).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.body["id"].as_str().expect("id").to_owned());
    }
    upload(&mut owner, "vo-obs", &released, "notes.txt", b"not an image").await;
    // A FITS name whose header cannot be read: its ingest fails, and it is no image record.
    upload(&mut owner, "vo-obs", &released, "broken.fits", b"SIMPLE  =  nonsense").await;
    workspace(&mut owner, "vo-private", "private").await;
    let r = owner.post("/api/v1/workspaces/vo-private/datasets", json!({"name": "Out", "release_at": past})).await;
    let hidden = r.body["id"].as_str().expect("id").to_owned();
    upload(
        &mut owner,
        "vo-private",
        &hidden,
        "hidden.fits",
        &image("M 42", "83.8", "-5.4", "V", "2026-01-10T20:00:00"),
    )
    .await;
    app.run_jobs().await;
    (owner, ids)
}

#[actix_web::test]
async fn sia_answers_released_images_with_obscore_columns_and_nothing_else() {
    let app = TestApp::new().await;
    let (_, ids) = observatory(&app).await;
    let mut anon = app.client();

    let r = anon.get("/vo/vo-obs/sia/query?POS=CIRCLE%2083.8%20-5.4%200.5").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type.starts_with("application/x-votable+xml"), "{}", r.content_type);
    let body = text(&r);
    assert_eq!(rows(&body), 2, "the two released M 42 images: {body}");
    assert!(body.contains(&ids[0]) && body.contains(&ids[1]), "{body}");
    assert!(!body.contains(&ids[3]), "the embargoed image is absent: {body}");
    assert!(!body.contains("notes.txt") && !body.contains(&ids[2]), "{body}");
    for column in [
        "dataproduct_type",
        "calib_level",
        "obs_collection",
        "obs_publisher_did",
        "access_url",
        "s_region",
        "t_min",
        "em_min",
        "facility_name",
    ] {
        assert!(body.contains(&format!("<FIELD name=\"{column}\"")), "{column}: {body}");
    }
    assert!(body.contains("<INFO name=\"QUERY_STATUS\" value=\"OK\">"), "{body}");
    assert!(body.contains("<TD>Orion 2026</TD>") && body.contains("<TD>Ondrejov 65cm</TD>"), "{body}");
    assert!(body.contains("CIRCLE ICRS 83.82 -5.39 0.0125"), "s_region from the header's scale: {body}");
    assert!(body.contains("adhoc:service") && body.contains("DataLink#links-1.1"), "{body}");
    // t_min of 2026-01-10T20:00 is MJD 61050.8333…
    assert!(body.contains("<TD>61050.83333333"), "{body}");

    // Constraints: each narrows, repeats are alternatives.
    assert_eq!(count(&app, "BAND=5.5e-7").await, 1, "V contains 550 nm, Hα does not");
    assert_eq!(count(&app, "BAND=6.5e-7%206.6e-7").await, 1, "Hα");
    assert_eq!(count(&app, "TARGET=M%2031").await, 1);
    assert_eq!(count(&app, "TIME=61050%2061051").await, 1);
    assert_eq!(count(&app, "TIME=61050%20%2BInf").await, 3);
    assert_eq!(count(&app, "POS=CIRCLE%2083.8%20-5.4%200.5&POS=CIRCLE%2010.7%2041.3%200.2").await, 3);
    assert_eq!(count(&app, "POS=RANGE%2083%2084%20-6%20-5").await, 2);
    assert_eq!(count(&app, "POS=POLYGON%2010%2041%2011%2041%2011%2042%2010%2042").await, 1);
    assert_eq!(count(&app, "COLLECTION=Orion%202026&INSTRUMENT=G2-3200&FACILITY=Ondrejov%2065cm").await, 3);
    assert_eq!(count(&app, "EXPTIME=100%20200&CALIB=1&DPTYPE=image").await, 3);
    assert_eq!(count(&app, "CALIB=2").await, 0);
    assert_eq!(count(&app, &format!("ID=ivo://127.0.0.1:8080/vo-obs?{}", ids[2])).await, 1);

    // MAXREC cuts the answer and says so after the table; MAXREC=0 is the columns alone.
    let body = text(&anon.get("/vo/vo-obs/sia/query?MAXREC=2").await);
    assert_eq!(rows(&body), 2);
    assert!(body.contains("value=\"OVERFLOW\""), "{body}");
    let body = text(&anon.get("/vo/vo-obs/sia/query?MAXREC=3").await);
    assert!(!body.contains("OVERFLOW"), "exactly three is no overflow: {body}");
    let body = text(&anon.get("/vo/vo-obs/sia/query?MAXREC=0").await);
    assert!(rows(&body) == 0 && body.contains("<FIELD name=\"s_ra\"") && body.trim_end().ends_with("</VOTABLE>"));

    // Bad input: 400 and a VOTable saying why.
    for q in ["POS=CIRCLE%2083%20-5", "POS=BOX%201%202%203%204", "TIME=2%201", "MAXREC=many", "RESPONSEFORMAT=fits"] {
        let r = anon.get(&format!("/vo/vo-obs/sia/query?{q}")).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        let body = text(&r);
        assert!(body.contains("<INFO name=\"QUERY_STATUS\" value=\"ERROR\">") && body.len() > 200, "{q}: {body}");
    }
    assert!(!text(&anon.get("/vo/vo-obs/sia/query?MAXREC=100").await).contains("broken.fits"), "failed ingest");
    // Limits on what one request may ask for; a query nothing can match is answered without reading files.
    let many: String = (0..101).map(|i| format!("%20{}%2010", 10.0 + f64::from(i) * 0.001)).collect();
    assert_eq!(anon.get(&format!("/vo/vo-obs/sia/query?POS=POLYGON{many}")).await.status, StatusCode::BAD_REQUEST);
    let repeated: String = (0..21).map(|_| "POS=CIRCLE%2010%2010%201&").collect();
    assert_eq!(anon.get(&format!("/vo/vo-obs/sia/query?{repeated}")).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(count(&app, "CALIB=3").await, 0);
    assert_eq!(count(&app, "DPTYPE=cube").await, 0);
    let r = anon
        .request(actix_web::http::Method::POST, "/vo/vo-obs/sia/query", Some(b"{}".to_vec()), Some("application/json"))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "a body that is not a form is refused, not ignored");
    // A private or unknown workspace is not found, released data or not.
    for slug in ["vo-private", "nowhere"] {
        let r = anon.get(&format!("/vo/{slug}/sia/query?MAXREC=5")).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{slug}");
        assert!(text(&r).contains("value=\"ERROR\""));
        assert_eq!(anon.get(&format!("/vo/{slug}/capabilities")).await.status, StatusCode::NOT_FOUND);
    }
}

/// A cone holding more images than the answer may carry answers the nearest ones, not the newest: here the
/// images were uploaded nearest first, so the store's order (newest first) is the farthest first.
#[actix_web::test]
async fn a_cone_search_cut_short_answers_the_nearest_images() {
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Henrietta").await;
    workspace(&mut owner, "cone", "public").await;
    let r = owner
        .post("/api/v1/workspaces/cone/datasets", json!({"name": "Field", "release_at": "2020-01-01T00:00:00Z"}))
        .await;
    let ds = r.body["id"].as_str().expect("id").to_owned();
    let mut ids = Vec::new();
    for n in 1..=6 {
        let dec = format!("{:.2}", 20.0 + 0.01 * f64::from(n));
        let cards = [
            ("OBJECT", quoted("field")),
            ("RA", "10.0".to_owned()),
            ("DEC", dec),
            ("DATE-OBS", quoted(&format!("2026-01-0{n}T20:00:00"))),
            ("EXPTIME", "60.0".to_owned()),
            ("CDELT1", "-0.0005".to_owned()),
            ("CDELT2", "0.0005".to_owned()),
        ];
        let cards: Vec<(&str, &str)> = cards.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let bytes = fits_file(&cards, 8, 8);
        let r = upload(&mut owner, "cone", &ds, &format!("f{n}.fits"), &bytes).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.body["id"].as_str().expect("id").to_owned());
    }
    app.run_jobs().await;
    let mut anon = app.client();
    let body = text(&anon.get("/vo/cone/scs?RA=10&DEC=20&SR=0.1").await);
    assert_eq!(rows(&body), 6, "all six within the cone: {body}");
    assert!(!body.contains("OVERFLOW"), "{body}");

    let body = text(&anon.get("/vo/cone/scs?RA=10&DEC=20&SR=0.1&MAXREC=3").await);
    let n = rows(&body);
    assert_eq!(n, 3, "MAXREC rows: {body}");
    for (i, id) in ids.iter().enumerate() {
        assert_eq!(body.contains(id.as_str()), i < n, "the {n} nearest and only those (image {}): {body}", i + 1);
    }
    let positions: Vec<usize> = ids[..n].iter().map(|id| body.find(id.as_str()).expect("row")).collect();
    assert!(positions.is_sorted(), "nearest first: {body}");
    assert!(body.contains("value=\"OVERFLOW\""), "the answer says it is cut short: {body}");

    let body = text(&anon.get("/vo/cone/scs?RA=10&DEC=20&SR=0.1&MAXREC=0").await);
    assert_eq!(rows(&body), 0, "MAXREC=0: the columns only: {body}");
    let body = text(&anon.get("/vo/cone/scs?RA=10&DEC=20&SR=0.1&MAXREC=99999999999999999999").await);
    assert_eq!(rows(&body), 6, "more than any service answers is the service's own limit: {body}");
    let body = text(&anon.get("/vo/cone/scs?RA=10&DEC=20&SR=0.1&MAXREC=many").await);
    assert!(body.contains("<INFO name=\"Error\"") && body.contains("MAXREC"), "{body}");
}

#[actix_web::test]
async fn cone_search_datalink_and_vosi() {
    let app = TestApp::new().await;
    let (_, ids) = observatory(&app).await;
    let mut anon = app.client();

    let body = text(&anon.get("/vo/vo-obs/scs?RA=83.8&DEC=-5.4&SR=0.2").await);
    assert_eq!(rows(&body), 2, "{body}");
    assert!(
        body.contains("version=\"1.1\"") && body.contains("ucd=\"ID_MAIN\"") && body.contains("ucd=\"POS_EQ_RA_MAIN\"")
    );
    assert!(body.find(&ids[0]) < body.find(&ids[1]), "nearest first: {body}");
    assert!(!body.contains(&ids[3]), "no embargoed image: {body}");
    let body = text(&anon.get("/vo/vo-obs/scs?RA=83.8&DEC=-5.4&SR=0").await);
    assert!(rows(&body) == 0 && body.contains("<FIELD name=\"ra\""), "SR=0 is the columns: {body}");
    for q in ["RA=83.8&DEC=-5.4", "RA=400&DEC=0&SR=1", "RA=x&DEC=0&SR=1", "RA=1&DEC=0&SR=45"] {
        let r = anon.get(&format!("/vo/vo-obs/scs?{q}")).await;
        assert_eq!(r.status, StatusCode::OK, "SCS 1.03 errors are answered 200: {q}");
        let body = text(&r);
        assert!(body.contains("<INFO name=\"Error\" value=\"") && rows(&body) == 0, "{q}: {body}");
    }

    let did = format!("ivo://127.0.0.1:8080/vo-obs?{}", ids[0]);
    let r = anon.get(&format!("/vo/vo-obs/datalink?ID={}", did.replace('?', "%3F"))).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.content_type.contains("content=datalink"), "{}", r.content_type);
    let body = text(&r);
    assert!(
        body.contains("<TD>#this</TD>") && body.contains("<TD>#preview</TD>") && body.contains("<TD>#auxiliary</TD>"),
        "{body}"
    );
    let this = format!("/api/v1/workspaces/vo-obs/files/{}/content", ids[0]);
    assert!(body.contains(&format!("http://127.0.0.1:8080{this}")), "{body}");
    let fits = anon.get(&this).await;
    assert_eq!(fits.status, StatusCode::OK, "#this is what a visitor may download");
    // The embargoed image and a file of another workspace have no links, only a fault.
    for id in [&ids[3], &"0190f2c4-0000-7000-8000-000000000001".to_owned()] {
        let body = text(&anon.get(&format!("/vo/vo-obs/datalink?ID={id}")).await);
        assert!(body.contains("NotFoundFault") && !body.contains("/content"), "{body}");
    }
    let r = anon.get("/vo/vo-obs/datalink").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    for path in ["/vo/vo-obs/capabilities", "/vo/vo-obs/sia/capabilities"] {
        let body = text(&anon.get(path).await);
        assert!(body.contains("standardID=\"ivo://ivoa.net/std/SIA#query-2.0\""), "{body}");
        assert!(body.contains("http://127.0.0.1:8080/vo/vo-obs/sia/query"), "{body}");
        assert!(body.contains("ivo://ivoa.net/std/ConeSearch") && body.contains("DataLink#links-1.1"), "{body}");
    }
    let body = text(&anon.get("/vo/vo-obs/sia/availability").await);
    assert!(body.contains("<vosi:available>true</vosi:available>"), "{body}");
    assert_eq!(anon.get("/vo/vo-obs/elsewhere/capabilities").await.status, StatusCode::NOT_FOUND);

    // The workspace's page names the services.
    let page = String::from_utf8_lossy(&anon.get("/w/vo-obs").await.raw).into_owned();
    assert!(page.contains("id=\"vo-sia\"") && page.contains("http://127.0.0.1:8080/vo/vo-obs/sia"), "{page}");
    let page = String::from_utf8_lossy(&anon.get("/w/vo-private").await.raw).into_owned();
    assert!(!page.contains("vo-sia"));
}
