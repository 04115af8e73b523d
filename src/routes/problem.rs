//! RFC 9457 problem details: the one error type every handler returns. Unexpected errors
//! log their whole cause chain and answer a generic 500.

use actix_web::{HttpResponse, ResponseError, http::StatusCode};
use serde::Serialize;
use serde_json::{Map, Value};

pub use crate::domain::fields::FieldError;
use crate::domain::fields::FieldErrors;

/// The body of every 4xx and 5xx response (`application/problem+json`, RFC 9457). Some
/// problems carry more members (`unmet`, `sitting_id`, `deadline`, …), as RFC 9457 allows.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:invigilator:problem:` and a slug naming the problem (`validation`, `not-found`, …).
    #[serde(rename = "type")]
    #[schema(pattern = "^urn:invigilator:problem:[a-z0-9-]+$")]
    pub type_: String,
    /// The status's reason phrase.
    pub title: String,
    /// The HTTP status, repeated.
    #[schema(minimum = 400, maximum = 599)]
    pub status: u16,
    /// What went wrong, for a person.
    pub detail: String,
    /// For 422: every field that failed, with why.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<FieldError>,
}

#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    slug: &'static str,
    detail: String,
    errors: Vec<FieldError>,
    extensions: Map<String, Value>,
    retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, slug: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            slug,
            detail: detail.into(),
            errors: Vec::new(),
            extensions: Map::new(),
            retry_after: None,
        }
    }

    /// 422 naming one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid_fields(FieldErrors::one(field, message))
    }

    /// 422 naming every field that failed.
    pub fn invalid_fields(errors: FieldErrors) -> Self {
        let errors = errors.into_vec();
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut error = Self::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", detail);
        error.errors = errors;
        error
    }

    /// A problem of another status (413, 415) that still names the field at fault.
    pub fn for_field(
        status: StatusCode,
        slug: &'static str,
        field: &str,
        message: impl Into<String>,
    ) -> Self {
        let message = message.into();
        let mut error = Self::new(status, slug, format!("{field}: {message}"));
        error.errors = FieldErrors::one(field, message).into_vec();
        error
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed-request", detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not-found", detail)
    }

    pub fn conflict(slug: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, slug, detail)
    }

    /// Logs the cause chain; the client sees a generic message. A database that cannot
    /// be used just now (down, restarting, out of disk) answers 503 instead of 500.
    pub fn internal(cause: impl Into<anyhow::Error>) -> Self {
        let cause = cause.into();
        if crate::app::health::is_unavailable(&cause) {
            return Self::unavailable(&cause);
        }
        tracing::error!(error.cause_chain = ?cause, error.message = %cause, "unexpected error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side; it has been logged",
        )
    }

    /// 503 with `Retry-After`: the database cannot be used just now (down, restarting,
    /// out of connections or out of disk) and nothing was done. Logged as a warning with
    /// its cause.
    fn unavailable(cause: &anyhow::Error) -> Self {
        tracing::warn!(error.cause_chain = ?cause, error.message = %cause, "database unavailable");
        metrics::counter!("invigilator_database_unavailable_total").increment(1);
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the service cannot store or read data just now; nothing was done; try again shortly",
        )
        .with_retry_after(2)
    }

    /// Adds a member to the problem object (RFC 9457 extension); the standard members
    /// cannot be overwritten.
    pub fn with(mut self, key: &str, value: impl Serialize) -> Self {
        debug_assert!(!["type", "title", "status", "detail", "errors"].contains(&key));
        if let Ok(v) = serde_json::to_value(value) {
            self.extensions.insert(key.to_owned(), v);
        }
        self
    }

    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.retry_after = Some(seconds);
        self
    }

    pub fn body(&self) -> Value {
        let mut body = Map::new();
        body.insert(
            "type".into(),
            Value::String(format!("urn:invigilator:problem:{}", self.slug)),
        );
        body.insert(
            "title".into(),
            Value::String(self.status.canonical_reason().unwrap_or("Error").to_owned()),
        );
        body.insert("status".into(), Value::from(self.status.as_u16()));
        body.insert("detail".into(), Value::String(self.detail.clone()));
        if !self.errors.is_empty() {
            body.insert(
                "errors".into(),
                serde_json::to_value(&self.errors).unwrap_or_default(),
            );
        }
        for (k, v) in &self.extensions {
            body.entry(k.clone()).or_insert_with(|| v.clone());
        }
        Value::Object(body)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        response.content_type("application/problem+json");
        if self.status == StatusCode::UNAUTHORIZED {
            response.insert_header(("WWW-Authenticate", "Bearer"));
        }
        if let Some(seconds) = self.retry_after {
            response.insert_header(("Retry-After", seconds.to_string()));
        }
        response.body(self.body().to_string())
    }
}

impl From<FieldErrors> for ApiError {
    fn from(errors: FieldErrors) -> Self {
        Self::invalid_fields(errors)
    }
}

impl From<anyhow::Error> for ApiError {
    fn from(e: anyhow::Error) -> Self {
        Self::internal(e)
    }
}

/// A query string that does not fit its handler: 422 problem+json naming the parameter
/// (a missing one, or the one whose value the error quotes), instead of actix's plain-text
/// 400. Mounted as the API scope's `QueryConfig` error handler.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    req: &actix_web::HttpRequest,
) -> actix_web::Error {
    let message = match &err {
        actix_web::error::QueryPayloadError::Deserialize(e) => e.to_string(),
        other => other.to_string(),
    };
    let quoted = |m: &str| m.split('`').nth(1).map(str::to_owned);
    let field = match message.strip_prefix("missing field ") {
        Some(rest) => quoted(rest),
        None => quoted(&message).and_then(|value| {
            let pairs =
                actix_web::web::Query::<Vec<(String, String)>>::from_query(req.query_string())
                    .ok()?;
            pairs
                .0
                .into_iter()
                .find(|(_, v)| *v == value)
                .map(|(k, _)| k)
        }),
    };
    ApiError::invalid(field.unwrap_or_else(|| "query".into()), message).into()
}

/// The API's paths as templates (`/api/v1/sittings/{id}`) with the methods each answers;
/// built once from the OpenAPI document, so there is no second list of routes.
#[derive(Debug, Clone, Default)]
pub struct KnownPaths(Vec<(Vec<Segment>, Vec<String>)>);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    /// `{name}`: any one non-empty segment, as the router matches it.
    Parameter,
}

impl KnownPaths {
    pub fn new(paths: Vec<(String, Vec<String>)>) -> Self {
        Self(
            paths
                .into_iter()
                .map(|(template, methods)| {
                    let segments = template
                        .split('/')
                        .map(|s| {
                            if s.starts_with('{') && s.ends_with('}') {
                                Segment::Parameter
                            } else {
                                Segment::Literal(s.to_owned())
                            }
                        })
                        .collect();
                    (segments, methods)
                })
                .collect(),
        )
    }

    /// The methods the path answers, if it is one of the API's: every template the path
    /// matches contributes its methods.
    pub fn methods_of(&self, path: &str) -> Option<Vec<String>> {
        let parts: Vec<&str> = path.split('/').collect();
        let mut methods: Vec<String> = Vec::new();
        for (segments, allowed) in &self.0 {
            let matches = segments.len() == parts.len()
                && segments.iter().zip(&parts).all(|(s, p)| match s {
                    Segment::Literal(l) => l == p,
                    Segment::Parameter => !p.is_empty(),
                });
            if matches {
                for m in allowed {
                    if !methods.contains(m) {
                        methods.push(m.clone());
                    }
                }
            }
        }
        (!methods.is_empty()).then_some(methods)
    }
}

/// Answers a request no route served: 405 with `Allow` when the path is one of the API's
/// and only the method is wrong, 404 otherwise; problem+json either way.
pub async fn not_found(req: actix_web::HttpRequest) -> Result<HttpResponse, ApiError> {
    let known = req.app_data::<actix_web::web::Data<KnownPaths>>();
    if let Some(methods) = known.and_then(|k| k.methods_of(req.path()))
        && !methods.iter().any(|m| m == req.method().as_str())
    {
        let allow = methods.join(", ");
        let error = ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method-not-allowed",
            format!(
                "{} is not answered here; this address answers {allow}",
                req.method()
            ),
        );
        let mut response = error.error_response();
        response.headers_mut().insert(
            actix_web::http::header::ALLOW,
            actix_web::http::header::HeaderValue::from_str(&allow)
                .map_err(|e| ApiError::internal(anyhow::anyhow!(e)))?,
        );
        return Ok(response);
    }
    Err(ApiError::not_found("there is nothing at this address"))
}
