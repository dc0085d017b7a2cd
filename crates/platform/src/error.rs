//! The one error type at the HTTP boundary, rendered as RFC 9457 problem+json.
//!
//! Database errors are mapped explicitly: unique/exclusion violations are conflicts (409), bad values
//! and check/foreign-key violations are the client's (422), lost connections and an exhausted pool are
//! 503. Bodies of 5xx answers never carry the cause; it is logged instead.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tokio_postgres::error::SqlState;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One invalid input field, as listed in a 422 problem.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq, Eq)]
pub struct FieldError {
    /// The input field (JSON member or query parameter) that was rejected.
    pub field: String,
    /// Why it was rejected.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

/// RFC 9457 problem details, the body of every error answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem, e.g. `urn:hemvist:problem:validation`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong in this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The fields that were rejected (validation problems only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("a valid bearer token is required")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{detail}")]
    Conflict { detail: String },
    #[error("the resource was changed by someone else; fetch it again and retry")]
    PreconditionFailed,
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("{detail}")]
    Unprocessable { detail: String, errors: Vec<FieldError> },
    /// Too many failed sign-ins or unknown tokens from this client address.
    #[error("too many failed attempts from this address; retry in {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    /// The database is unreachable or overloaded; the cause is logged, never sent.
    #[error("the service is temporarily unavailable, try again shortly")]
    Unavailable(String),
    /// A bug or an unexpected failure; the cause is logged, never sent.
    #[error("an internal error occurred")]
    Internal(String),
}

impl ApiError {
    /// A 422 for one field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        let error = FieldError::new(field, message);
        Self::Unprocessable { detail: format!("{}: {}", error.field, error.message), errors: vec![error] }
    }

    /// A 422 listing several fields.
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let detail = errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ");
        Self::Unprocessable { detail, errors }
    }

    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::Conflict { detail: detail.into() }
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::Forbidden(detail.into())
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthenticated => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PreconditionFailed => StatusCode::PRECONDITION_FAILED,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn slug(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad-request",
            Self::Unauthenticated => "unauthenticated",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not-found",
            Self::MethodNotAllowed(_) => "method-not-allowed",
            Self::Conflict { .. } => "conflict",
            Self::PreconditionFailed => "precondition-failed",
            Self::PayloadTooLarge(_) => "payload-too-large",
            Self::UnsupportedMediaType(_) => "unsupported-media-type",
            Self::Unprocessable { .. } => "validation",
            Self::TooManyRequests { .. } => "too-many-requests",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    pub fn to_problem(&self) -> Problem {
        let status = self.status();
        Problem {
            problem_type: format!("urn:hemvist:problem:{}", self.slug()),
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            status: status.as_u16(),
            detail: Some(self.to_string()),
            errors: match self {
                Self::Unprocessable { errors, .. } => errors.clone(),
                _ => Vec::new(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Internal(cause) => tracing::error!(%cause, "internal error"),
            Self::Unavailable(cause) => tracing::warn!(%cause, "service unavailable"),
            _ => {}
        }
        let mut response = (self.status(), axum::Json(self.to_problem())).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if matches!(self, Self::Unauthenticated) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Self::TooManyRequests { retry_after_secs } = &self
            && let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        if matches!(self, Self::Unavailable(_)) {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        response
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(error: tokio_postgres::Error) -> Self {
        let Some(db) = error.as_db_error() else {
            // A lost or refused connection is worth a retry; anything else (a wrong row count, a type
            // mismatch) is our bug.
            let io = std::error::Error::source(&error).is_some_and(|source| source.is::<std::io::Error>());
            return if error.is_closed() || io {
                Self::Unavailable(error.to_string())
            } else {
                Self::Internal(error.to_string())
            };
        };
        let code = db.code();
        let constraint = db.constraint().unwrap_or("unnamed");
        if *code == SqlState::UNIQUE_VIOLATION || *code == SqlState::EXCLUSION_VIOLATION {
            Self::conflict(format!("conflicts with an existing record ({constraint})"))
        } else if *code == SqlState::FOREIGN_KEY_VIOLATION {
            Self::invalid(constraint, "refers to a record that does not exist or is still referred to")
        } else if *code == SqlState::CHECK_VIOLATION {
            Self::invalid(constraint, "value is not allowed")
        } else if *code == SqlState::NOT_NULL_VIOLATION {
            Self::invalid(db.column().unwrap_or("unknown"), "is required")
        } else if code.code().starts_with("22") {
            // Class 22, data exception: out-of-range numbers, NUL bytes, malformed values.
            Self::invalid("body", format!("invalid value: {}", db.message()))
        } else if *code == SqlState::T_R_SERIALIZATION_FAILURE || *code == SqlState::T_R_DEADLOCK_DETECTED {
            Self::conflict("a concurrent change got there first; retry the request")
        } else if *code == SqlState::RAISE_EXCEPTION && db.message().starts_with("hemvist:") {
            // Rules enforced by triggers speak for themselves.
            Self::conflict(db.message().trim_start_matches("hemvist:").trim())
        } else if code.code().starts_with("08")
            // statement_timeout, or the request was abandoned: the work took too long; retry.
            || *code == SqlState::QUERY_CANCELED
            // A server that stopped being the primary (a failover): the next connection finds the new one.
            || *code == SqlState::READ_ONLY_SQL_TRANSACTION
            || *code == SqlState::ADMIN_SHUTDOWN
            || *code == SqlState::CRASH_SHUTDOWN
            || *code == SqlState::CANNOT_CONNECT_NOW
            || *code == SqlState::TOO_MANY_CONNECTIONS
        {
            Self::Unavailable(error.to_string())
        } else {
            Self::Internal(error.to_string())
        }
    }
}

/// Maps the violation of one named constraint to the error the domain gives it (a 409 or a 422 with
/// its field), at the HTTP boundary; any other database error maps as `From` does.
pub trait OnConstraint<T> {
    fn on_constraint(self, name: &str, error: impl FnOnce() -> ApiError) -> Result<T, ApiError>;
}

impl<T> OnConstraint<T> for Result<T, tokio_postgres::Error> {
    fn on_constraint(self, name: &str, error: impl FnOnce() -> ApiError) -> Result<T, ApiError> {
        self.map_err(|e| match e.as_db_error().and_then(|db| db.constraint()) {
            Some(constraint) if constraint == name => error(),
            _ => e.into(),
        })
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => Self::Unavailable(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_carries_fields_for_validation() {
        let problem = ApiError::invalid("lat", "must be between -90 and 90").to_problem();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.problem_type, "urn:hemvist:problem:validation");
        assert_eq!(problem.errors, vec![FieldError::new("lat", "must be between -90 and 90")]);
    }

    #[test]
    fn internal_detail_never_leaks_cause() {
        let problem = ApiError::internal("password=secret").to_problem();
        assert_eq!(problem.status, 500);
        assert!(!problem.detail.unwrap_or_default().contains("secret"));
    }
}

/// The problems any authenticated read may answer with, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum ReadProblems {
    #[response(status = 400, description = "Malformed request", content_type = "application/problem+json")]
    BadRequest(Problem),
    #[response(
        status = 401,
        description = "Missing or invalid bearer token",
        content_type = "application/problem+json"
    )]
    Unauthenticated(Problem),
    #[response(
        status = 403,
        description = "The caller's role or scope does not allow this",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No such resource in the caller's municipality",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(
        status = 422,
        description = "Invalid input; `errors` lists the fields",
        content_type = "application/problem+json"
    )]
    Unprocessable(Problem),
    #[response(
        status = 503,
        description = "The database is unavailable; retry",
        content_type = "application/problem+json"
    )]
    Unavailable(Problem),
}

/// The problems any authenticated write may answer with, for the OpenAPI document.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum WriteProblems {
    #[response(status = 400, description = "Malformed request or JSON", content_type = "application/problem+json")]
    BadRequest(Problem),
    #[response(
        status = 401,
        description = "Missing or invalid bearer token",
        content_type = "application/problem+json"
    )]
    Unauthenticated(Problem),
    #[response(
        status = 403,
        description = "The caller's role or scope does not allow this",
        content_type = "application/problem+json"
    )]
    Forbidden(Problem),
    #[response(
        status = 404,
        description = "No such resource in the caller's municipality",
        content_type = "application/problem+json"
    )]
    NotFound(Problem),
    #[response(status = 409, description = "Conflicts with existing data", content_type = "application/problem+json")]
    Conflict(Problem),
    #[response(
        status = 412,
        description = "If-Match does not name the current version",
        content_type = "application/problem+json"
    )]
    PreconditionFailed(Problem),
    #[response(status = 413, description = "Body too large", content_type = "application/problem+json")]
    PayloadTooLarge(Problem),
    #[response(status = 415, description = "Body is not application/json", content_type = "application/problem+json")]
    UnsupportedMediaType(Problem),
    #[response(
        status = 422,
        description = "Invalid input; `errors` lists the fields",
        content_type = "application/problem+json"
    )]
    Unprocessable(Problem),
    #[response(
        status = 503,
        description = "The database is unavailable; retry",
        content_type = "application/problem+json"
    )]
    Unavailable(Problem),
}

/// Collects the field errors of a whole input, so a client learns every problem in one answer.
#[derive(Debug, Default)]
pub struct Validation {
    errors: Vec<FieldError>,
}

impl Validation {
    /// The value when `result` is Ok; otherwise its field errors are kept and None returned.
    pub fn keep<T>(&mut self, result: Result<T, ApiError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(ApiError::Unprocessable { errors, .. }) => {
                self.errors.extend(errors);
                None
            }
            Err(other) => {
                self.errors.push(FieldError::new("body", other.to_string()));
                None
            }
        }
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// 422 with every collected error, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() { Ok(()) } else { Err(ApiError::invalid_fields(self.errors)) }
    }
}
