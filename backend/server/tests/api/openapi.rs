use crate::helpers::{TestApp, api_key, workspace};
use actix_web::http::{Method, StatusCode};
use std::collections::BTreeSet;

/// The committed document must be what the code generates: regenerate with
/// `cargo run -p meridian-server -- openapi > public-api/openapi.json`.
#[actix_web::test]
async fn committed_openapi_matches_the_code() {
    let committed = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../public-api/openapi.json"))
        .expect("public-api/openapi.json exists");
    let generated = meridian_api::openapi::to_json();
    assert!(
        committed == generated,
        "public-api/openapi.json is stale: run `cargo run -p meridian-server -- openapi > public-api/openapi.json`"
    );
    let app = TestApp::new().await;
    let r = app.client().get("/api/v1/openapi.json").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(String::from_utf8(r.raw).expect("utf-8"), generated);
}

/// Every operation of the document is served: its method on its path (parameters filled in) reaches a handler,
/// not the router's 404 or 405; every other method of a documented path is 405 with `Allow` naming the documented
/// ones. Operation ids are the handlers' names, so no two are the same. The operations are the document's: no
/// list of them is kept here.
#[actix_web::test]
async fn every_documented_operation_is_served() {
    const METHODS: [Method; 5] = [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE];
    let app = TestApp::new().await;
    let (mut owner, _) = app.user("Sam").await;
    workspace(&mut owner, "served-obs", "private").await;
    // An API key: not rate limited, no CSRF token to send, no session to end.
    let (_, secret) = api_key(&mut owner, "served-obs", "read").await;
    let mut key = app.key_client(&secret);
    let doc: serde_json::Value = serde_json::from_str(&meridian_api::openapi::to_json()).expect("json");
    let (mut ids, mut operations, mut failures) = (BTreeSet::new(), 0, Vec::new());
    for (template, item) in doc["paths"].as_object().expect("paths") {
        let path = template
            .split('/')
            .map(|segment| match segment {
                "{slug}" => "nobody-here",
                "{token}" => "no-such-token",
                "{name}" => "a.fits",
                "{path}" => "some/dir/a.fits",
                "{n}" | "{number}" => "1",
                s if s.starts_with('{') => "00000000-0000-0000-0000-000000000000",
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/");
        let item = item.as_object().expect("path item");
        let declared: Vec<&Method> = METHODS.iter().filter(|m| item.contains_key(&m.as_str().to_lowercase())).collect();
        let allow = declared.iter().map(|m| m.as_str()).collect::<Vec<_>>().join(", ");
        for method in &METHODS {
            let r = key.request(method.clone(), &path, None, None).await;
            let by_router = r.body["code"] == "method_not_allowed"
                || r.body["detail"].as_str().is_some_and(|d| d.starts_with("no route for"));
            if declared.contains(&method) {
                operations += 1;
                let id = item[&method.as_str().to_lowercase()]["operationId"].as_str().unwrap_or_default().to_owned();
                if !ids.insert(id.clone()) {
                    failures.push(format!("{method} {template}: operationId {id:?} is not unique"));
                }
                if by_router {
                    failures.push(format!("{method} {template}: not served ({} {})", r.status, r.body));
                }
            } else if r.status != StatusCode::METHOD_NOT_ALLOWED
                || r.headers.get("allow").and_then(|v| v.to_str().ok()) != Some(allow.as_str())
            {
                failures
                    .push(format!("{method} {template}: want 405 with Allow: {allow}, got {} {}", r.status, r.body));
            }
        }
    }
    assert!(operations > 120, "{operations} operations");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Found by Schemathesis: most operations left out answers their extractors always can give. Every operation
/// under /api/v1 documents 503; one with a JSON body 400, 413, 415 and 422; one with path parameters 404; one with
/// credentials 401 and 429; and every problem answer is application/problem+json. Uuids and date-times carry the
/// pattern of what the server parses.
#[test]
fn every_operation_documents_its_common_answers() {
    let doc: serde_json::Value = serde_json::from_str(&meridian_api::openapi::to_json()).expect("json");
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        for (method, op) in item.as_object().expect("item") {
            let responses = op["responses"].as_object().expect("responses");
            let has = |status: &str| responses.contains_key(status);
            let name = format!("{method} {path}");
            assert!(has("503"), "{name}: 503");
            let json = op["requestBody"]["content"].get("application/json").is_some();
            if json {
                for s in ["400", "413", "415", "422"] {
                    assert!(has(s), "{name}: {s}");
                }
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            if params.iter().any(|p| p["in"] == "path") {
                assert!(has("404"), "{name}: 404");
            }
            let authed = op["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(|o| !o.is_empty())));
            if authed {
                assert!(has("401") && has("429"), "{name}: 401/429");
            }
            checked += 1;
        }
    }
    assert!(checked > 120, "{checked} operations");
    let text = meridian_api::openapi::to_json();
    let uuids = text.matches("\"format\": \"uuid\"").count();
    let patterned = text.matches(meridian_api::schemas::UUID_PATTERN.replace('\\', "\\\\").as_str()).count();
    assert!(patterned >= uuids, "{patterned} uuid patterns for {uuids} uuids");
}
