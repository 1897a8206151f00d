use uketsuke_protocol::codes;

/// Why a sync step failed. `code()` is stable: the window and CLI show it.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("this terminal is not enrolled with a central service")]
    NotEnrolled,
    #[error("the enrollment code is not valid (check the characters typed)")]
    CodeMalformed,
    #[error("the service's certificate authority does not match the enrollment code")]
    CaMismatch,
    #[error("the central service cannot be reached: {0}")]
    Offline(String),
    #[error("this terminal was revoked by the administrator: {0}")]
    Revoked(String),
    #[error("the service refused the request: {code}: {message}")]
    Refused { code: String, message: String },
    #[error("the service's answer could not be read: {0}")]
    Protocol(String),
    #[error("{0}")]
    Store(#[from] uketsuke_store::StoreError),
    /// The local store is not open (the caller's own error, with its code).
    #[error("{message}")]
    StoreUnavailable { code: String, message: String },
    #[error("device identity: {0}")]
    Identity(String),
    /// The person's authenticator: none found, not used in time, not theirs.
    #[error("{0}")]
    Authenticator(#[from] uketsuke_identity::IdentityError),
}

impl SyncError {
    pub fn code(&self) -> &str {
        match self {
            SyncError::NotEnrolled => "NOT_ENROLLED",
            SyncError::CodeMalformed => "ENROLLMENT_CODE_MALFORMED",
            SyncError::CaMismatch => "ENROLLMENT_CA_MISMATCH",
            SyncError::Offline(_) => "OFFLINE",
            SyncError::Revoked(_) => codes::REVOKED,
            SyncError::Refused { code, .. } => code,
            SyncError::Protocol(_) => "SYNC_PROTOCOL_ERROR",
            SyncError::Store(e) => e.code(),
            SyncError::StoreUnavailable { code, .. } => code,
            SyncError::Identity(_) => "DEVICE_IDENTITY_ERROR",
            SyncError::Authenticator(e) => e.code(),
        }
    }

    /// Worth trying again later without anyone doing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            SyncError::Offline(_) => true,
            SyncError::Refused { code, .. } => {
                code == codes::UNAVAILABLE || code == codes::INTERNAL || code == codes::RATE_LIMITED
            }
            _ => false,
        }
    }
}

pub type Result<T, E = SyncError> = std::result::Result<T, E>;
