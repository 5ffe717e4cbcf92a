//! The one place errors meet HTTP: `ApiError` renders
//! `{error: {code, message, trace_id}}` with the matching HTTP status, and the
//! extractors here turn every malformed request into one.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;

use artisync_jobs::JobError;
use artisync_store::StoreError;
use artisync_sync::SyncError;

tokio::task_local! {
    /// The trace id of the request being handled.
    pub static TRACE_ID: String;
}

pub fn current_trace_id() -> String {
    TRACE_ID.try_with(|t| t.clone()).unwrap_or_default()
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn invalid(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }

    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "conflict", message)
    }

    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(code = self.code, message = %self.message, "request failed");
        }
        let body = serde_json::json!({
            "error": {"code": self.code, "message": self.message, "trace_id": current_trace_id()}
        });
        (self.status, Json(body)).into_response()
    }
}

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        let message = e.to_string();
        match &e {
            SyncError::UnknownArtifact { .. } | SyncError::UnknownPlugin { .. } => {
                ApiError::not_found(message)
            }
            SyncError::Refused(_) | SyncError::Unresolved(_) | SyncError::NothingToExport(_) => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "refused", message)
            }
            SyncError::Model(_) => ApiError::invalid(message),
            SyncError::Store(s) => match s {
                StoreError::Model(_)
                | StoreError::Invalid(_)
                | StoreError::UnsupportedFile { .. } => ApiError::invalid(message),
                StoreError::NoCollection { .. }
                | StoreError::NoSuchPath { .. }
                | StoreError::RefNotFound { .. }
                | StoreError::NotFetched { .. }
                | StoreError::NotRegistered { .. }
                | StoreError::NotARepository { .. } => ApiError::not_found(message),
                StoreError::CollectionExists { .. } => ApiError::conflict(message),
                StoreError::NotADirectory { .. }
                | StoreError::InsideHome { .. }
                | StoreError::SymlinkInPath { .. } => ApiError::forbidden(message),
                StoreError::FetchFailed { .. } => {
                    ApiError::new(StatusCode::BAD_GATEWAY, "fetch_failed", message)
                }
                StoreError::Io { .. } | StoreError::Git { .. } => ApiError::internal(message),
            },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        SyncError::from(e).into()
    }
}

impl From<JobError> for ApiError {
    fn from(e: JobError) -> Self {
        let message = e.to_string();
        match e {
            JobError::NotFound(_) => ApiError::not_found(message),
            JobError::Finished(..) | JobError::IdempotencyMismatch(_) => {
                ApiError::conflict(message)
            }
            JobError::Db(_) => ApiError::internal(message),
        }
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        ApiError::internal(format!("a background task failed: {e}"))
    }
}

/// JSON body extractor whose rejections are `ApiError`s: 400 for syntax,
/// 413 for a body over the limit, 415 for a wrong content type, 422 for
/// well-formed JSON of the wrong shape.
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

fn json_rejection(r: JsonRejection) -> ApiError {
    let status = r.status();
    let text = r.body_text();
    match r {
        JsonRejection::JsonDataError(_) => ApiError::invalid(text),
        JsonRejection::JsonSyntaxError(_) => ApiError::bad_request(text),
        JsonRejection::MissingJsonContentType(_) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with 'Content-Type: application/json'",
        ),
        _ if status == StatusCode::PAYLOAD_TOO_LARGE => {
            ApiError::new(status, "too_large", "the request body is too large")
        }
        _ => ApiError::new(status, "bad_request", text),
    }
}

/// Query string extractor whose rejections are 400 `ApiError`s.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| ApiQuery(q.0))
            .map_err(|r: QueryRejection| ApiError::bad_request(r.body_text()))
    }
}

/// Path parameter extractor whose rejections are 400 `ApiError`s.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| ApiPath(p.0))
            .map_err(|r: PathRejection| ApiError::bad_request(r.body_text()))
    }
}
