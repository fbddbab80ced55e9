//! The one error type handlers return: a status, a sentence for the user, and an optional
//! machine-readable `code`. Every 4xx/5xx body is `{"error": "..."}` (SPEC §8).

use crate::auth::{AuthError, TokenProblem};
use crate::domain::DomainError;
use crate::store::StorageError;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use switchboard_protocol::api::ErrorBody;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
    /// A stable word clients can branch on (`busy`, `offline`, ...), when there is one.
    pub code: Option<&'static str>,
    /// Seconds for `Retry-After`, on a 429.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            code: None,
            retry_after: None,
        }
    }

    /// 429 with `Retry-After`: `sentence(seconds)` says what to wait for, in words.
    pub fn too_many(wait: std::time::Duration, sentence: impl FnOnce(u64) -> String) -> Self {
        let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
        ApiError {
            retry_after: Some(seconds),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, sentence(seconds))
        }
    }

    pub fn with_code(mut self, code: &'static str) -> Self {
        self.code = Some(code);
        self
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }

    /// A server-side failure: the details go to the log, the user gets a sentence.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(%detail, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server hit an internal error; try again, and tell your administrator if it keeps happening.",
        )
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::NotFound(m) => ApiError::not_found(m),
            DomainError::Conflict(m) => ApiError::conflict(m),
            DomainError::Forbidden(m) => ApiError::forbidden(m),
            DomainError::Invalid(m) => ApiError::bad_request(m),
            DomainError::Storage(e) => e.into(),
            DomainError::Auth(e) => e.into(),
        }
    }
}

impl From<StorageError> for ApiError {
    fn from(err: StorageError) -> Self {
        match err {
            // A unique constraint's refusal says what is taken.
            StorageError::Conflict(m) => ApiError::conflict(m),
            other => ApiError::internal(other),
        }
    }
}

impl From<AuthError> for ApiError {
    fn from(err: AuthError) -> Self {
        match err {
            AuthError::Storage(e) => e.into(),
            other => ApiError::internal(other),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.message,
            code: self.code.map(str::to_owned),
        };
        let mut response = (self.status, Json(body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
        response
    }
}

/// Capitalises the first letter, so domain sentences read well at the start of a message.
pub fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl From<TokenProblem> for ApiError {
    fn from(problem: TokenProblem) -> Self {
        let error = ApiError::unauthorized(problem.to_string());
        match problem {
            TokenProblem::Disabled => error.with_code("account_disabled"),
            TokenProblem::Deleted => error.with_code("account_deleted"),
            _ => error,
        }
    }
}
