//! The API's one error type and its HTTP mapping.
//!
//! Every failure a handler can meet becomes an [`ApiError`]; its
//! [`IntoResponse`] gives the status and a `{code, message}` body. Internal
//! errors are logged with their cause and shown as a plain sentence.

use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header::RETRY_AFTER;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use earshot_shared::dto::ErrorBody;
use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr, SqlErr};

/// Everything an API call can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The named thing does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request is malformed or breaks a rule; `code` says which.
    #[error("{message}")]
    BadRequest {
        /// Stable identifier of the problem.
        code: &'static str,
        /// What to fix.
        message: String,
    },
    /// The route exists but does not take the request's method.
    #[error("This route does not take that method.")]
    MethodNotAllowed,
    /// The request conflicts with existing data (e.g. a duplicate name).
    #[error("{0}")]
    Conflict(String),
    /// The upload is larger than the configured limit.
    #[error("{0}")]
    TooLarge(String),
    /// The upload is not an audio file.
    #[error("{0}")]
    NotAudio(String),
    /// The request lacks the server's token.
    #[error("This server needs a token; the request did not carry the right one.")]
    Unauthorized,
    /// The operation is turned off on this server.
    #[error("{0}")]
    Forbidden(String),
    /// The operation is not available with this server's set-up.
    #[error("{0}")]
    Unsupported(String),
    /// The server cannot serve the request now (no database connection
    /// free in time, the database busy): try again shortly.
    #[error("The server is busy; try again in a moment.")]
    Busy,
    /// A failure that is not the client's fault.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// How long a client told [`ApiError::Busy`] should wait, in seconds.
pub const RETRY_AFTER_SECONDS: u32 = 1;

/// The result of a handler or service.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// A 400 with `code` and `message`.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }

    fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::BadRequest { code, .. } => (StatusCode::BAD_REQUEST, code),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::NotAudio(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_audio"),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Unsupported(_) => (StatusCode::NOT_IMPLEMENTED, "unsupported"),
            ApiError::Busy => (StatusCode::SERVICE_UNAVAILABLE, "busy"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        let message = match &self {
            ApiError::Internal(err) => {
                tracing::error!(error = ?err, "request failed");
                "Something went wrong on the server; nothing was changed.".to_string()
            }
            other => other.to_string(),
        };
        let body = ErrorBody {
            code: code.to_string(),
            message,
        };
        let mut response = (status, axum::Json(body)).into_response();
        if matches!(self, ApiError::Busy) {
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECONDS));
        }
        response
    }
}

impl From<DbErr> for ApiError {
    fn from(err: DbErr) -> Self {
        if matches!(err, DbErr::RecordNotUpdated) {
            // The row was deleted between reading and updating it.
            return ApiError::NotFound("record");
        }
        if is_busy(&err) {
            tracing::warn!(error = %err, "the database is busy: answering 503");
            return ApiError::Busy;
        }
        if is_unstorable_text(&err) {
            return ApiError::bad_request(
                "invalid_text",
                "The request holds a character the database cannot store (NUL).",
            );
        }
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                ApiError::Conflict("That name is already taken.".to_string())
            }
            // What the request refers to was deleted while it ran.
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => ApiError::bad_request(
                "invalid_reference",
                "The request refers to something that does not exist (any more).",
            ),
            _ => ApiError::Internal(err.into()),
        }
    }
}

/// Whether `err` says that the database is busy, not that the request is
/// wrong or the server broken: no connection was free in time, SQLite's
/// write lock stayed taken past the busy timeout, or PostgreSQL gave up on a
/// lock, a statement's time or a connection slot.
fn is_busy(err: &DbErr) -> bool {
    let sqlx_err = match err {
        DbErr::ConnectionAcquire(ConnAcquireErr::Timeout) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    use sea_orm::sqlx::postgres::PgDatabaseError;
    use sea_orm::sqlx::sqlite::SqliteError;
    match &**sqlx_err {
        sea_orm::sqlx::Error::PoolTimedOut => true,
        sea_orm::sqlx::Error::Database(db) => {
            let code = db.code();
            if db.try_downcast_ref::<SqliteError>().is_some() {
                // An extended result code, whose low byte is the primary
                // one: SQLITE_BUSY (5) and SQLITE_LOCKED (6), and variants.
                let primary = code.and_then(|c| c.parse::<u32>().ok()).map(|c| c & 0xff);
                matches!(primary, Some(5 | 6))
            } else if db.try_downcast_ref::<PgDatabaseError>().is_some() {
                // lock_not_available, query_canceled (a statement timeout),
                // serialization_failure, deadlock_detected,
                // too_many_connections.
                matches!(
                    code.as_deref(),
                    Some("55P03" | "57014" | "40001" | "40P01" | "53300")
                )
            } else {
                false
            }
        }
        _ => false,
    }
}

/// Whether PostgreSQL refused text it cannot store (a NUL character, in an
/// id or a filter that no field check saw).
fn is_unstorable_text(err: &DbErr) -> bool {
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    matches!(
        &**e,
        sea_orm::sqlx::Error::Database(db)
            if matches!(db.code().as_deref(), Some("22021" | "22P05"))
                && db
                    .try_downcast_ref::<sea_orm::sqlx::postgres::PgDatabaseError>()
                    .is_some()
    )
}

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => ApiError::bad_request(
                "invalid_body",
                "Expected a JSON body with `Content-Type: application/json`.",
            ),
            JsonRejection::BytesRejection(rejection)
                if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE =>
            {
                ApiError::TooLarge("The request body is too large.".to_string())
            }
            other => ApiError::bad_request("invalid_body", other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::bad_request("invalid_query", rejection.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        ApiError::bad_request("invalid_path", rejection.body_text())
    }
}

impl From<MultipartError> for ApiError {
    fn from(err: MultipartError) -> Self {
        if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::TooLarge("The upload is larger than this server accepts.".to_string())
        } else {
            ApiError::bad_request("invalid_upload", err.body_text())
        }
    }
}

impl From<MultipartRejection> for ApiError {
    fn from(rejection: MultipartRejection) -> Self {
        ApiError::bad_request("invalid_upload", rejection.body_text())
    }
}

impl From<WebSocketUpgradeRejection> for ApiError {
    fn from(rejection: WebSocketUpgradeRejection) -> Self {
        ApiError::bad_request("not_websocket", rejection.body_text())
    }
}

impl From<std::io::Error> for ApiError {
    fn from(err: std::io::Error) -> Self {
        ApiError::Internal(err.into())
    }
}

/// `axum::Json` whose rejections are [`ApiError`]s.
#[derive(Debug, axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

impl<T: serde::Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

/// `axum::extract::Query` whose rejections are [`ApiError`]s.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// `axum::extract::Path` whose rejections are [`ApiError`]s.
#[derive(Debug, axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `axum::extract::Multipart` whose rejections are [`ApiError`]s.
#[derive(Debug)]
pub struct Multipart(pub axum::extract::Multipart);

impl<S: Send + Sync> FromRequest<S> for Multipart {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Multipart(
            axum::extract::Multipart::from_request(request, state).await?,
        ))
    }
}

/// `axum::extract::ws::WebSocketUpgrade` whose rejections are [`ApiError`]s.
#[derive(Debug)]
pub struct WebSocketUpgrade(pub axum::extract::ws::WebSocketUpgrade);

impl<S: Send + Sync> FromRequestParts<S> for WebSocketUpgrade {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(WebSocketUpgrade(
            axum::extract::ws::WebSocketUpgrade::from_request_parts(parts, state).await?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_that_vanished_before_its_update_is_404() {
        let response = ApiError::from(DbErr::RecordNotUpdated).into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn other_database_errors_are_500() {
        let response = ApiError::from(DbErr::Custom("disk on fire".into())).into_response();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    }
}
