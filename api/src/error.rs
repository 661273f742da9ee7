use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;

/// The API's one error type. 4xx answers name the problem; 5xx answers are
/// generic and the detail goes to the log only.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ApiError {
    #[error("{message}")]
    BadRequest { code: &'static str, message: String },
    /// Well-formed, but breaks a rule (e.g. a dig polygon over the size limit): 422.
    #[error("{message}")]
    Unprocessable { code: &'static str, message: String },
    #[error("request body too large: {0}")]
    TooLarge(String),
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    /// The resource is in a state that does not allow this (e.g. answering a
    /// completed dig request): 409.
    #[error("{0}")]
    Conflict(String),
    /// The caller's view of a dataset is not its current version: a
    /// compare-and-swap on the version failed (`version_conflict`), or the
    /// feature is not in the current version (`feature_not_current`). 409
    /// naming both versions.
    #[error("{message}")]
    VersionConflict {
        code: &'static str,
        message: String,
        /// The version the caller based its change on.
        base_version: u32,
        /// The dataset's current version.
        current_version: u32,
    },
    #[error("too many requests")]
    TooManyRequests,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0}")]
    Internal(String),
}

#[derive(Serialize)]
struct Body<'a> {
    error: &'a str,
    message: &'a str,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message) = match &self {
            ApiError::BadRequest { code, message } => {
                (StatusCode::BAD_REQUEST, *code, message.clone())
            }
            ApiError::Unprocessable { code, message } => {
                (StatusCode::UNPROCESSABLE_ENTITY, *code, message.clone())
            }
            ApiError::TooLarge(why) => {
                (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", why.clone())
            }
            ApiError::Unauthorized(why) => {
                let body = Json(Body {
                    error: "unauthorized",
                    message: why,
                });
                let mut res = (StatusCode::UNAUTHORIZED, body).into_response();
                res.headers_mut().insert(
                    axum::http::header::WWW_AUTHENTICATE,
                    axum::http::HeaderValue::from_static("Bearer"),
                );
                return res;
            }
            ApiError::Forbidden(why) => (StatusCode::FORBIDDEN, "forbidden", (*why).to_owned()),
            ApiError::Conflict(why) => (StatusCode::CONFLICT, "conflict", why.clone()),
            ApiError::VersionConflict {
                code,
                message,
                base_version,
                current_version,
            } => {
                let body = serde_json::json!({
                    "error": code,
                    "message": message,
                    "base_version": base_version,
                    "current_version": current_version,
                });
                return (StatusCode::CONFLICT, Json(body)).into_response();
            }
            ApiError::TooManyRequests => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "too many requests for this token".to_owned(),
            ),
            ApiError::NotFound => (
                StatusCode::NOT_FOUND,
                "not_found",
                "no such resource".to_owned(),
            ),
            ApiError::Unavailable(detail) => {
                tracing::warn!(%detail, "unavailable");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    "the service is not ready".to_owned(),
                )
            }
            ApiError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "internal error".to_owned(),
                )
            }
        };
        (
            status,
            Json(Body {
                error: code,
                message: &message,
            }),
        )
            .into_response()
    }
}

impl ApiError {
    /// A 400 naming the request field that is missing or malformed.
    pub fn field(code: &'static str, field: &str, problem: impl std::fmt::Display) -> Self {
        ApiError::BadRequest {
            code,
            message: format!("{field}: {problem}"),
        }
    }
}

impl From<axum::extract::rejection::BytesRejection> for ApiError {
    fn from(e: axum::extract::rejection::BytesRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge(e.body_text())
        } else {
            ApiError::BadRequest {
                code: "unreadable_body",
                message: e.body_text(),
            }
        }
    }
}

impl From<forsyning_store::StoreError> for ApiError {
    fn from(e: forsyning_store::StoreError) -> Self {
        ApiError::Internal(e.to_string())
    }
}
