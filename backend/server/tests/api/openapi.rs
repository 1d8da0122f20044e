use crate::helpers::TestApp;
use actix_web::http::StatusCode;

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

/// Every route the app serves under /api/v1 is documented, with operationId = handler name.
#[test]
fn documented_operations() {
    let doc: serde_json::Value = serde_json::from_str(&meridian_api::openapi::to_json()).expect("json");
    let mut ids: Vec<String> = doc["paths"]
        .as_object()
        .expect("paths")
        .values()
        .flat_map(|item| item.as_object().into_iter().flat_map(|o| o.values()))
        .filter_map(|op| op["operationId"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    let expected = [
        "abort_upload",
        "add_package_draft_files",
        "catalog_status",
        "check_fov",
        "complete_upload",
        "create_account",
        "create_api_key",
        "create_dataset",
        "create_entry",
        "create_instrument",
        "create_member",
        "create_night_log",
        "create_observation",
        "create_package",
        "create_package_link",
        "create_plan",
        "create_session",
        "create_site",
        "create_target",
        "create_target_list",
        "create_target_list_target",
        "create_telescope",
        "create_tier_rule",
        "create_upload",
        "create_workspace",
        "delete_api_key",
        "delete_dataset",
        "delete_entry",
        "delete_file",
        "delete_instrument",
        "delete_member",
        "delete_observation",
        "delete_package",
        "delete_package_draft_file",
        "delete_package_link",
        "delete_plan",
        "delete_session",
        "delete_site",
        "delete_target",
        "delete_target_list",
        "delete_target_list_target",
        "delete_telescope",
        "delete_tier_rule",
        "download_file",
        "download_package_file",
        "download_package_tar",
        "download_package_zip",
        "download_shared_file",
        "download_shared_tar",
        "download_shared_zip",
        "get_dataset",
        "get_entry",
        "get_file",
        "get_file_header",
        "get_file_preview",
        "get_instrument",
        "get_me",
        "get_night_log",
        "get_night_report_csv",
        "get_night_report_markdown",
        "get_observation",
        "get_package",
        "get_package_citation",
        "get_package_draft",
        "get_package_manifest",
        "get_package_version",
        "get_plan",
        "get_shared_citation",
        "get_shared_manifest",
        "get_shared_package",
        "get_site",
        "get_storage_usage",
        "get_target",
        "get_target_list",
        "get_telescope",
        "get_time_lost",
        "get_upload",
        "get_workspace",
        "healthz",
        "import_catalog",
        "list_api_keys",
        "list_dataset_files",
        "list_datasets",
        "list_entries",
        "list_entry_versions",
        "list_instruments",
        "list_members",
        "list_night_log_entries",
        "list_night_logs",
        "list_observations",
        "list_package_links",
        "list_package_versions",
        "list_packages",
        "list_plans",
        "list_sites",
        "list_target_list_targets",
        "list_target_lists",
        "list_targets",
        "list_telescopes",
        "list_tier_rules",
        "list_uploads",
        "list_workspaces",
        "publish_package",
        "put_upload_part",
        "readyz",
        "recheck_plan",
        "reset_package_draft",
        "restore_entry",
        "restore_file",
        "satellite_passes",
        "search_catalog",
        "search_files",
        "update_dataset",
        "update_entry",
        "update_file",
        "update_instrument",
        "update_member",
        "update_night_log",
        "update_observation",
        "update_package",
        "update_package_version",
        "update_password",
        "update_plan",
        "update_site",
        "update_target",
        "update_target_list",
        "update_telescope",
        "update_workspace",
        "upload_file",
        "upload_part_urls",
    ];
    assert_eq!(ids, expected);
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
