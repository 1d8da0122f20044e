//! The one place where errors become HTTP responses: `application/problem+json` (RFC 9457) with a stable `code`.
//! A 5xx never shows its cause to the client; the cause is logged here.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use meridian_service::ServiceError;
use serde::Serialize;
use utoipa::ToSchema;

/// An error response.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem: `/problems/{code}`.
    #[serde(rename = "type")]
    pub type_: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time, for people.
    pub detail: String,
    /// A stable machine-readable code, e.g. `validation_failed`, `not_found`, `conflict`.
    pub code: String,
    /// For `validation_failed` and `conflict`: the offending fields.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extension members of some problems: `existing_file` (`duplicate_file`), `tier`, `used_bytes`,
    /// `limit_bytes`, `requested_bytes` (`quota_exceeded`), `restore` (`restore_required`: the action to call).
    #[serde(flatten, skip_serializing_if = "serde_json::Map::is_empty")]
    #[schema(ignore)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

/// One field's problem.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// An API failure on its way to becoming a problem+json response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    retry_after: Option<u64>,
    extensions: serde_json::Map<String, serde_json::Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            code,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            extensions: serde_json::Map::new(),
        }
    }

    /// Adds a `Retry-After` header (seconds).
    #[must_use]
    pub fn retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// The seconds a client should wait, when the error says so.
    #[must_use]
    pub fn retry_after_secs(&self) -> Option<u64> {
        self.retry_after
    }

    /// Adds an extension member to the problem.
    #[must_use]
    pub fn with(mut self, name: &str, value: serde_json::Value) -> Self {
        self.extensions.insert(name.to_owned(), value);
        self
    }

    fn field(mut self, field: &str, message: &str) -> Self {
        self.errors.push(FieldError { field: field.to_owned(), message: message.to_owned() });
        self
    }

    pub fn problem(&self) -> Problem {
        Problem {
            type_: format!("/problems/{}", self.code),
            title: self.status.canonical_reason().unwrap_or("Error").to_owned(),
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            code: self.code.to_owned(),
            errors: self.errors.clone(),
            extensions: self.extensions.clone(),
        }
    }

    pub fn code(&self) -> &'static str {
        self.code
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.code, self.detail)
    }
}

/// How long a client should wait after a 503 before trying again.
const UNAVAILABLE_RETRY_SECS: u64 = 5;

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        use StatusCode as S;
        // The code is the service's (`ServiceError::code`); the status and the extensions are HTTP's.
        let code = e.code();
        match e {
            ServiceError::Validation(v) => {
                Self::new(S::UNPROCESSABLE_ENTITY, code, v.to_string()).field(&v.field, &v.message)
            }
            ServiceError::Unauthenticated => Self::new(S::UNAUTHORIZED, code, e.to_string()),
            ServiceError::InvalidCredentials(m) => Self::new(S::UNAUTHORIZED, code, m),
            ServiceError::NotFound(what) => Self::new(S::NOT_FOUND, code, format!("{what} not found")),
            ServiceError::Forbidden(m) => Self::new(S::FORBIDDEN, code, m),
            ServiceError::Conflict { field, ref message } => {
                let message = message.clone();
                Self::new(S::CONFLICT, code, message.clone()).field(field, &message)
            }
            ServiceError::ProviderSignIn { ref message, .. } => Self::new(S::BAD_REQUEST, code, message.clone()),
            ServiceError::LastOwner => Self::new(S::CONFLICT, code, e.to_string()),
            ServiceError::WebhookRefused(ref m) => Self::new(S::BAD_REQUEST, code, m.clone()),
            ServiceError::EmailUnverified => Self::new(S::FORBIDDEN, code, e.to_string()),
            ServiceError::RateLimited { retry_after_secs } => {
                Self::new(S::TOO_MANY_REQUESTS, code, e.to_string()).retry_after(retry_after_secs)
            }
            ServiceError::DuplicateFile { id, ref name } => Self::new(S::CONFLICT, code, e.to_string())
                .with("existing_file", serde_json::json!({ "id": id, "name": name })),
            ServiceError::QuotaExceeded { ref message, ref plan, tier, used, limit, requested } => {
                Self::new(S::PAYLOAD_TOO_LARGE, code, message.clone())
                    .with("plan", serde_json::json!(plan))
                    .with("over_bytes", serde_json::json!(used.saturating_add(requested).saturating_sub(limit)))
                    .with("tier", serde_json::json!(tier))
                    .with("used_bytes", serde_json::json!(used))
                    .with("limit_bytes", serde_json::json!(limit))
                    .with("requested_bytes", serde_json::json!(requested))
            }
            ServiceError::RestoreRequired => Self::new(S::CONFLICT, code, e.to_string())
                .with("restore", serde_json::json!({ "method": "POST", "rel": "restore" })),
            ServiceError::RangeNotSatisfiable { size } => {
                Self::new(S::RANGE_NOT_SATISFIABLE, code, e.to_string()).with("size_bytes", serde_json::json!(size))
            }
            ServiceError::HeldByPackage { ref file, ref package, package_id, version } => {
                Self::new(S::CONFLICT, code, e.to_string())
                    .with("file", serde_json::json!(file))
                    .with("package", serde_json::json!({ "id": package_id, "title": package, "version": version }))
            }
            ServiceError::PublishBlocked { ref files, .. } => {
                Self::new(S::CONFLICT, code, e.to_string()).with("files", serde_json::json!(files))
            }
            ServiceError::Unavailable { what, ref cause } => {
                tracing::warn!(what, %cause, "a service is unavailable");
                Self::new(S::SERVICE_UNAVAILABLE, code, e.to_string()).retry_after(UNAVAILABLE_RETRY_SECS)
            }
            ServiceError::Internal { .. } => {
                tracing::error!(error = %e.chain(), "internal error");
                Self::new(S::INTERNAL_SERVER_ERROR, code, "something went wrong on our side")
            }
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        res.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json")));
        if let Some(secs) = self.retry_after {
            res.insert_header((header::RETRY_AFTER, secs.to_string()));
        }
        res.json(self.problem())
    }
}
