//! The OpenAPI document, generated from the handlers the route registry (`crate::routes`) lists. `meridian
//! openapi` prints it; the committed copy is `public-api/openapi.json`, and a test fails when the two differ.

use crate::routes;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

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
    components(schemas(meridian_http::problem::Problem, meridian_http::problem::FieldError)),
    modifiers(&Routes, &Security, &CommonResponses, &Formats),
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
        (name = "billing", description = "Storage plans and their prices; the Stripe webhook endpoint"),
        (name = "health", description = "Liveness and readiness"),
    )
)]
pub struct ApiDoc;

/// The routes of the registry (`crate::routes`): [`routes::Root`] at the root, [`routes::V1`] under `/api/v1`.
/// The first modifier, so that the others see every operation.
#[derive(Debug)]
struct Routes;

impl Modify for Routes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        doc.merge(routes::Root::openapi().nest("/api/v1", routes::V1::openapi()));
    }
}

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

/// The problem answers, so that no `#[utoipa::path]` repeats them:
/// - every answer of 400 and above is `application/problem+json` with the `Problem` schema: a route lists only
///   its own error statuses and what they mean (`(status = 409, description = "Slug taken")`), and its body is
///   added here;
/// - the answers every `/api/v1` operation of a kind can give, whatever its handler does, are added from the
///   operation's shape: they come from the extractors (`Caller`, `Json`, `Query`, `Path`) and the database or
///   object store behind every route. A route's own entry for the same status (with a more precise
///   description) is kept. Each is a `components/responses` entry.
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
        for (path, item) in doc.paths.paths.iter_mut() {
            for (op, unsafe_method) in [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.put, true),
                (&mut item.patch, true),
                (&mut item.delete, true),
            ] {
                let Some(op) = op.as_mut() else { continue };
                for (status, response) in op.responses.responses.iter_mut() {
                    if let RefOr::T(r) = response
                        && r.content.is_empty()
                        && status.parse::<u16>().is_ok_and(|s| s >= 400)
                    {
                        r.content.insert(PROBLEM_JSON.to_owned(), problem_content());
                    }
                }
                if path.starts_with("/api/v1/") {
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

const PROBLEM_JSON: &str = "application/problem+json";

/// The body of every problem answer.
fn problem_content() -> utoipa::openapi::Content {
    use utoipa::openapi::{ContentBuilder, Ref};
    ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build()
}

/// A problem+json response, with the `Retry-After` header when it says when to come back.
fn problem_response(description: &str, retry_after: bool) -> utoipa::openapi::Response {
    use utoipa::openapi::ResponseBuilder;
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    let mut r = ResponseBuilder::new().description(description).content(PROBLEM_JSON, problem_content());
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
