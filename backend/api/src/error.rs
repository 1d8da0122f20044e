//! How actix's own extractor failures become problems (bad JSON 400/422, bad query 400, unparsable path 404), and
//! what `/api/v1` answers where no route took a request (405 with `Allow`, else 404). Everything else becomes a
//! problem in one place: `meridian_http::problem`.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};
use meridian_http::problem::ApiError;

/// Bad JSON: syntax errors are 400, well-formed JSON of the wrong shape 422, too big 413, wrong type 415.
pub fn json_config() -> web::JsonConfig {
    use actix_web::error::JsonPayloadError as J;
    web::JsonConfig::default().limit(crate::JSON_LIMIT).error_handler(|err, _req| {
        let e = match &err {
            J::OverflowKnownLength { .. } | J::Overflow { .. } => ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                format!("the body is larger than {} bytes", crate::JSON_LIMIT),
            ),
            J::ContentType => ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            ),
            J::Deserialize(de) if de.is_data() => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", de.to_string())
            }
            J::Deserialize(de) => ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", de.to_string()),
            other => ApiError::new(StatusCode::BAD_REQUEST, "malformed_json", other.to_string()),
        };
        e.into()
    })
}

pub fn query_config() -> web::QueryConfig {
    web::QueryConfig::default()
        .error_handler(|err, _req| ApiError::new(StatusCode::BAD_REQUEST, "invalid_query", err.to_string()).into())
}

/// A path that does not parse (an id that is not a UUID) names nothing that exists: 404.
pub fn path_config() -> web::PathConfig {
    web::PathConfig::default()
        .error_handler(|_err, _req| ApiError::new(StatusCode::NOT_FOUND, "not_found", "no such resource").into())
}

/// What `/api/v1` answers when no route took the request: 405 with `Allow` (and a problem) when the path is one
/// of the API's with other methods, else 404.
pub async fn no_route(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    if let Some(allow) = allowed_methods(req.path()) {
        let e = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            format!("{} is not a method of {}; use {allow}", req.method(), req.path()),
        );
        let mut res = e.error_response();
        if let Ok(v) = HeaderValue::from_str(&allow) {
            res.headers_mut().insert(header::ALLOW, v);
        }
        return Ok(res);
    }
    Err(ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("no route for {} {}", req.method(), req.path())))
}

/// The methods of the documented routes matching `path` (`GET, PATCH`), or `None` when no route matches. The
/// table is the OpenAPI document's paths: the route registry (`crate::routes`) makes both the document and what
/// is mounted from one list, so they are the same routes.
pub fn allowed_methods(path: &str) -> Option<String> {
    use actix_web::dev::ResourceDef;
    use std::sync::LazyLock;
    const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
    static ROUTES: LazyLock<Vec<(ResourceDef, [bool; 5])>> = LazyLock::new(|| {
        let doc = <crate::ApiDoc as utoipa::OpenApi>::openapi();
        doc.paths
            .paths
            .iter()
            .map(|(p, item)| {
                // A trailing `{path}` is a file path inside a package, slashes included (`{path:.*}` in the route).
                let pattern = match p.strip_suffix("/{path}") {
                    Some(head) => format!("{head}/{{path:.*}}"),
                    None => p.clone(),
                };
                let declared = [
                    item.get.is_some(),
                    item.post.is_some(),
                    item.put.is_some(),
                    item.patch.is_some(),
                    item.delete.is_some(),
                ];
                (ResourceDef::new(pattern), declared)
            })
            .collect()
    });
    let mut allowed = [false; 5];
    let mut matched = false;
    for (_, declared) in ROUTES.iter().filter(|(def, _)| def.is_match(path)) {
        matched = true;
        for (a, d) in allowed.iter_mut().zip(declared) {
            *a |= d;
        }
    }
    matched.then(|| METHODS.iter().zip(allowed).filter(|(_, a)| *a).map(|(m, _)| *m).collect::<Vec<_>>().join(", "))
}
