//! One error type for the service. HTTP responses carry [`ErrorBody`] `{code, message}`
//! with a stable code; the CLI prints the same.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use uketsuke_protocol::{codes, ErrorBody};

#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    #[error("a terminal certificate is required")]
    CertificateRequired,
    #[error("this certificate belongs to no terminal")]
    UnknownTerminal,
    #[error("this terminal was revoked: {0}")]
    Revoked(String),
    #[error("the enrollment code is wrong, used or expired")]
    EnrollmentCodeInvalid,
    #[error("the certificate request is invalid: {0}")]
    CsrInvalid(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("at most {max} events per push")]
    BatchTooLarge { max: usize },
    #[error("not found: {0}")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    /// A request the service understood and refuses, with its own stable code
    /// (e.g. `STAFF_DISABLED`, `AUDIT_CHAIN_GAP`).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    #[error("database: {0}")]
    Db(#[from] tokio_postgres::Error),
    #[error("database pool: {0}")]
    Pool(#[from] deadpool_postgres::PoolError),
    #[error("certificate authority: {0}")]
    Pki(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("internal: {0}")]
    Internal(String),
    /// Bounded work (Argon2id) had no free turn in time: retry shortly.
    #[error("{0}")]
    Busy(String),
    /// Over a rate limit ([`crate::rate`]).
    #[error("{0}")]
    RateLimited(String),
    #[error("migration {version} ({name}): {message}")]
    Migration { version: i32, name: String, message: String },
}

pub type Result<T, E = CentralError> = std::result::Result<T, E>;

impl CentralError {
    /// A refusal a database function raised (`insufficient_privilege`, with its
    /// message; migration 0010's) as `code`; any other database error as it is.
    pub(crate) fn refused_by_db(e: tokio_postgres::Error, code: &'static str) -> CentralError {
        match e.as_db_error() {
            Some(d) if d.code() == &tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE => {
                CentralError::Refused { code, message: d.message().to_owned() }
            }
            _ => e.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        match self {
            CentralError::CertificateRequired => codes::UNAUTHENTICATED,
            CentralError::UnknownTerminal => codes::UNKNOWN_TERMINAL,
            CentralError::Revoked(_) => codes::REVOKED,
            CentralError::EnrollmentCodeInvalid => codes::ENROLLMENT_CODE_INVALID,
            CentralError::CsrInvalid(_) => codes::CSR_INVALID,
            CentralError::BadRequest(_) => codes::BAD_REQUEST,
            CentralError::BatchTooLarge { .. } => codes::BATCH_TOO_LARGE,
            CentralError::NotFound(_) => "NOT_FOUND",
            CentralError::Conflict(_) => "CONFLICT",
            CentralError::Refused { code, .. } => code,
            CentralError::Db(_) | CentralError::Pool(_) => codes::UNAVAILABLE,
            CentralError::Pki(_) => "PKI_ERROR",
            CentralError::Io(_) | CentralError::Internal(_) => codes::INTERNAL,
            CentralError::Migration { .. } => "MIGRATION_FAILED",
            CentralError::Busy(_) => codes::BUSY,
            CentralError::RateLimited(_) => codes::RATE_LIMITED,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            CentralError::CertificateRequired | CentralError::UnknownTerminal => StatusCode::UNAUTHORIZED,
            CentralError::Revoked(_) | CentralError::EnrollmentCodeInvalid => StatusCode::FORBIDDEN,
            CentralError::CsrInvalid(_) | CentralError::BadRequest(_) => StatusCode::BAD_REQUEST,
            CentralError::BatchTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            CentralError::NotFound(_) => StatusCode::NOT_FOUND,
            CentralError::Conflict(_) => StatusCode::CONFLICT,
            CentralError::Refused { .. } => StatusCode::FORBIDDEN,
            CentralError::Db(_) | CentralError::Pool(_) | CentralError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            CentralError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn body(&self) -> ErrorBody {
        let message = match self {
            // Details of internal failures stay in the service's log.
            CentralError::Db(_) | CentralError::Pool(_) => "the service's database is unavailable".to_owned(),
            CentralError::Io(_) | CentralError::Pki(_) | CentralError::Internal(_) | CentralError::Migration { .. } => {
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        ErrorBody { code: self.code().to_owned(), message }
    }
}

impl IntoResponse for CentralError {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(code = self.code(), error = %self, "request failed");
        } else {
            tracing::info!(code = self.code(), error = %self, "request refused");
        }
        (status, Json(self.body())).into_response()
    }
}
