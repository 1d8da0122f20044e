//! The OpenAPI document, generated from the handlers. `meridian openapi` prints it; the committed copy is
//! `public-api/openapi.json`, and a test fails when the two differ.

use crate::routes::{accounts, api_keys, entries, health, me, members, night_logs, observations, sessions, workspaces};
use crate::routes::{data, instruments, packages, satellites, sites, target_lists, targets, telescopes, uploads};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// The `/api/v1` routes.
#[derive(Debug, OpenApi)]
#[openapi(
    paths(
        accounts::create_account,
        sessions::create_session,
        sessions::delete_session,
        me::get_me,
        me::update_password,
        workspaces::list_workspaces,
        workspaces::create_workspace,
        workspaces::get_workspace,
        workspaces::update_workspace,
        members::list_members,
        members::create_member,
        members::update_member,
        members::delete_member,
        api_keys::list_api_keys,
        api_keys::create_api_key,
        api_keys::delete_api_key,
        sites::list_sites,
        sites::create_site,
        sites::get_site,
        sites::update_site,
        sites::delete_site,
        telescopes::list_telescopes,
        telescopes::create_telescope,
        telescopes::get_telescope,
        telescopes::update_telescope,
        telescopes::delete_telescope,
        instruments::list_instruments,
        instruments::create_instrument,
        instruments::get_instrument,
        instruments::update_instrument,
        instruments::delete_instrument,
        targets::list_targets,
        targets::create_target,
        targets::get_target,
        targets::update_target,
        targets::delete_target,
        target_lists::list_target_lists,
        target_lists::create_target_list,
        target_lists::get_target_list,
        target_lists::update_target_list,
        target_lists::delete_target_list,
        target_lists::list_target_list_targets,
        target_lists::create_target_list_target,
        target_lists::delete_target_list_target,
        night_logs::list_night_logs,
        night_logs::create_night_log,
        night_logs::get_night_log,
        night_logs::update_night_log,
        night_logs::get_night_report_markdown,
        night_logs::get_night_report_csv,
        night_logs::get_time_lost,
        entries::list_entries,
        entries::list_night_log_entries,
        entries::create_entry,
        entries::get_entry,
        entries::update_entry,
        entries::delete_entry,
        entries::restore_entry,
        entries::list_entry_versions,
        observations::list_observations,
        observations::create_observation,
        observations::get_observation,
        observations::update_observation,
        observations::delete_observation,
        data::list_datasets,
        data::create_dataset,
        data::get_dataset,
        data::update_dataset,
        data::delete_dataset,
        data::list_dataset_files,
        data::upload_file,
        data::search_files,
        data::get_file,
        data::get_file_header,
        data::download_file,
        data::get_file_preview,
        data::update_file,
        data::delete_file,
        data::restore_file,
        data::get_storage_usage,
        data::list_tier_rules,
        data::create_tier_rule,
        data::delete_tier_rule,
        uploads::create_upload,
        uploads::list_uploads,
        uploads::get_upload,
        uploads::upload_part_urls,
        uploads::put_upload_part,
        uploads::complete_upload,
        uploads::abort_upload,
        satellites::check_fov,
        satellites::satellite_passes,
        satellites::search_catalog,
        satellites::catalog_status,
        satellites::import_catalog,
        satellites::list_plans,
        satellites::create_plan,
        satellites::get_plan,
        satellites::update_plan,
        satellites::recheck_plan,
        satellites::delete_plan,
        packages::list_packages,
        packages::create_package,
        packages::get_package,
        packages::update_package,
        packages::delete_package,
        packages::get_package_draft,
        packages::add_package_draft_files,
        packages::delete_package_draft_file,
        packages::reset_package_draft,
        packages::publish_package,
        packages::list_package_versions,
        packages::get_package_version,
        packages::update_package_version,
        packages::get_package_manifest,
        packages::get_package_citation,
        packages::download_package_tar,
        packages::download_package_zip,
        packages::download_package_file,
        packages::list_package_links,
        packages::create_package_link,
        packages::delete_package_link,
        packages::get_shared_package,
        packages::get_shared_citation,
        packages::get_shared_manifest,
        packages::download_shared_tar,
        packages::download_shared_zip,
        packages::download_shared_file,
    ),
    components(schemas(meridian_http::problem::Problem, meridian_http::problem::FieldError))
)]
struct V1;

/// The whole document: health probes at the root, the API under `/api/v1`.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Meridian API",
        version = "1",
        description = "The public REST API of Meridian, the observatory portal. Errors are \
            application/problem+json with a stable `code`. Lists use keyset pagination (`limit`, `cursor`). \
            Programs authenticate with `Authorization: Bearer <API key>`; browsers with the session cookie \
            plus the `X-CSRF-Token` header (the `meridian_csrf` cookie's value) on unsafe requests.",
        license(name = "AGPL-3.0-or-later")
    ),
    paths(health::healthz, health::readyz),
    nest((path = "/api/v1", api = V1)),
    modifiers(&Security, &CommonResponses, &Formats),
    tags(
        (name = "accounts", description = "Sign-up, sign-in, who am I"),
        (name = "workspaces", description = "Observatory portals and personal spaces"),
        (name = "data", description = "Datasets, data files (upload, FITS headers, search, download), storage tiers and usage"),
        (name = "packages", description = "Data packages: curated, versioned, citable bundles of files, downloaded as one archive"),
        (name = "members", description = "Members and roles"),
        (name = "api-keys", description = "Scoped API keys for programs"),
        (name = "equipment", description = "Sites, telescopes and instruments"),
        (name = "targets", description = "The target catalogue and target lists"),
        (name = "night-logs", description = "Night logs: one per telescope per observing night, with reports and time lost"),
        (name = "entries", description = "Night-log entries: versioned, soft-deleted, searchable"),
        (name = "observations", description = "Observations and calibrations recorded in night logs"),
        (name = "satellites", description = "Satellite checks: field-of-view crossings, passes, the satellite catalog"),
        (name = "planning", description = "Planned observations with stored satellite checks"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

#[derive(Debug)]
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("mrd_…").build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(meridian_http::cookies::SESSION_COOKIE))),
        );
    }
}

/// The answers every operation of a kind can give, whatever its handler does: they come from the extractors
/// (`Caller`, `Json`, `Query`, `Path`) and the database or object store behind every route, so they are added
/// here from the operation's shape instead of being repeated in each `#[utoipa::path]`. A route's own entry for
/// the same status (with a more precise description) is kept. Each is a `components/responses` entry.
#[derive(Debug)]
struct CommonResponses;

/// Name, status, description, and whether the answer carries `Retry-After`.
const COMMON: [(&str, &str, &str, bool); 9] = [
    (
        "BadRequest",
        "400",
        "Malformed JSON (`malformed_json`) or a query parameter of the wrong type (`invalid_query`)",
        false,
    ),
    (
        "Unauthenticated",
        "401",
        "Credentials are needed and there were none (`unauthenticated`), or the API key is unknown or revoked, or \
         the `Authorization` header is not `Bearer <key>` (`invalid_credentials`)",
        false,
    ),
    (
        "Forbidden",
        "403",
        "The caller's role or the key's scope does not allow this (`forbidden`), or a request with the session \
         cookie lacks the right `X-CSRF-Token` header (`csrf_failed`)",
        false,
    ),
    ("NotFound", "404", "No such resource, or one the caller may not see (`not_found`)", false),
    ("PayloadTooLarge", "413", "The JSON body is larger than 64 KiB (`payload_too_large`)", false),
    ("UnsupportedMediaType", "415", "The body is not `application/json` (`unsupported_media_type`)", false),
    (
        "Unprocessable",
        "422",
        "Well-formed but refused: a body of the wrong shape (`invalid_body`) or values the rules refuse, the \
         fields named in `errors` (`validation_failed`)",
        false,
    ),
    (
        "RateLimited",
        "429",
        "Too many requests from this address without valid credentials; wait `Retry-After` seconds \
         (`rate_limited`)",
        true,
    ),
    (
        "Unavailable",
        "503",
        "The database or the object store cannot be reached; try again after `Retry-After` seconds \
         (`unavailable`)",
        true,
    ),
];

impl Modify for CommonResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::{Operation, ParameterIn};
        use utoipa::openapi::{Ref, RefOr};
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, _, description, retry_after) in COMMON {
            components.responses.insert(name.to_owned(), RefOr::T(problem_response(description, retry_after)));
        }
        let add = |op: &mut Operation, unsafe_method: bool, path: &str| {
            let params = op.parameters.as_deref().unwrap_or_default();
            let query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
            let path_params = params.iter().any(|p| p.parameter_in == ParameterIn::Path);
            let json = op.request_body.as_ref().is_some_and(|b| b.content.contains_key("application/json"));
            // Operations with a security requirement take the `Caller` extractor: a bad key is 401, anonymous
            // calls are rate limited, and an unsafe request with a session cookie needs the CSRF header.
            let authed = op.security.as_ref().is_some_and(|reqs| {
                reqs.iter().any(|r| serde_json::to_value(r).is_ok_and(|v| v.as_object().is_some_and(|o| !o.is_empty())))
            });
            for (name, status, _, _) in COMMON {
                let applies = match status {
                    "400" | "422" => json || query,
                    "401" | "429" => authed,
                    "403" => authed && (unsafe_method || path.contains("{slug}")),
                    "404" => path_params,
                    "413" | "415" => json,
                    _ => true,
                };
                // A route's own entry stays when it says something; a bare one gives way to the shared description.
                let own = op.responses.responses.get(status);
                let bare = matches!(own, Some(RefOr::T(r)) if r.description.is_empty());
                if applies && (own.is_none() || bare) {
                    op.responses.responses.insert(status.to_owned(), RefOr::Ref(Ref::from_response_name(name)));
                }
            }
        };
        for (path, item) in doc.paths.paths.iter_mut().filter(|(p, _)| p.starts_with("/api/v1/")) {
            for (op, unsafe_method) in [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.patch, true),
                (&mut item.delete, true),
            ] {
                if let Some(op) = op.as_mut() {
                    add(op, unsafe_method, path);
                }
            }
        }
    }
}

/// `format` alone does not constrain a value for most JSON Schema validators (it is an annotation in 2020-12), so
/// every `uuid` and `date-time` also gets the pattern of what the server parses.
#[derive(Debug)]
struct Formats;

impl Modify for Formats {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        fn walk(v: &mut serde_json::Value) {
            match v {
                serde_json::Value::Object(o) => {
                    let pattern = match o.get("format").and_then(|f| f.as_str()) {
                        Some("uuid") => Some(crate::schemas::UUID_PATTERN),
                        Some("date-time") => Some(crate::schemas::DATE_TIME_PATTERN),
                        Some("date") => Some(crate::schemas::DATE_PATTERN),
                        _ => None,
                    };
                    if let Some(p) = pattern {
                        o.entry("pattern").or_insert_with(|| p.into());
                    }
                    o.values_mut().for_each(walk);
                }
                serde_json::Value::Array(a) => a.iter_mut().for_each(walk),
                _ => {}
            }
        }
        let Ok(mut v) = serde_json::to_value(&*doc) else { return };
        walk(&mut v);
        if let Ok(d) = serde_json::from_value(v) {
            *doc = d;
        }
    }
}

/// A problem+json response, with the `Retry-After` header when it says when to come back.
fn problem_response(description: &str, retry_after: bool) -> utoipa::openapi::Response {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let mut r = ResponseBuilder::new().description(description).content(
        "application/problem+json",
        ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build(),
    );
    if retry_after {
        r = r.header(
            "Retry-After",
            HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(0)))
                .description(Some("Seconds to wait"))
                .build(),
        );
    }
    r.build()
}

/// The document as pretty JSON with a trailing newline, exactly as committed.
pub fn to_json() -> String {
    let mut s = ApiDoc::openapi().to_pretty_json().unwrap_or_default();
    s.push('\n');
    s
}
