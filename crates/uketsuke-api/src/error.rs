use std::collections::BTreeMap;

use serde::Serialize;
use ts_rs::TS;
use uketsuke_store::StoreError;

/// The one error type crossing IPC (and printed by the CLI). `code` is stable;
/// `message` is an English diagnostic; `details` carries values the window puts
/// into its own (Japanese by default) text, e.g. `reception_no` or `programme`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS, thiserror::Error)]
#[error("{code}: {message}")]
#[ts(export)]
pub struct ApiError {
    pub code: String,
    pub message: String,
    pub details: BTreeMap<String, String>,
    /// True when the only way forward is the explicit, confirmed cache reset.
    pub needs_reset: bool,
}

impl ApiError {
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        ApiError { code: code.to_owned(), message: message.into(), details: BTreeMap::new(), needs_reset: false }
    }

    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.details.insert(key.to_owned(), value.to_string());
        self
    }

    pub fn not_logged_in() -> Self {
        ApiError::new("NOT_LOGGED_IN", "no staff member is logged in")
    }

    pub fn forbidden(action: &str) -> Self {
        ApiError::new("FORBIDDEN", format!("this role may not {action}")).with("action", action)
    }

    pub fn store_unavailable() -> Self {
        ApiError::new("STORE_UNAVAILABLE", "the local store is not open")
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        let mut err = ApiError::new(e.code(), e.to_string());
        err.needs_reset = e.needs_reset();
        match &e {
            StoreError::AlreadyCheckedIn { reception_no, visit_id } => {
                err = err.with("reception_no", reception_no).with("visit_id", visit_id)
            }
            StoreError::ProgrammeNotOffered { programme, .. }
            | StoreError::DuplicateScreening(programme)
            | StoreError::StopReasonRequired(programme)
            | StoreError::OverrideReasonRequired(programme) => err = err.with("programme", programme),
            StoreError::FieldRequired { field } => err = err.with("field", field),
            StoreError::FieldTooLong { field, max } => err = err.with("field", field).with("max", max),
            StoreError::SchemaTooNew { found, known } => err = err.with("found", found).with("known", known),
            StoreError::CopayOutOfRange(v) => err = err.with("amount", v),
            _ => {}
        }
        // Internal detail (SQL text, paths) is logged, not sent to the window.
        if matches!(e, StoreError::Sqlite(_) | StoreError::Io(_)) {
            tracing::error!(error = %e, "store failure");
            err.message = "the local store could not complete the operation".into();
        }
        err
    }
}

pub type ApiResult<T> = Result<T, ApiError>;
