use thiserror::Error;

/// Everything that can go wrong in the local store. Each variant has a stable code
/// (`StoreError::code`) that the API layer sends to the window and the CLI prints.
#[derive(Debug, Error)]
pub enum StoreError {
    // --- opening the encrypted store -------------------------------------------------
    #[error("the OS credential store is not available: {0}")]
    KeystoreUnavailable(String),
    #[error("the OS credential store did not return the key it was just given")]
    KeystoreRoundTripFailed,
    #[error("the key for the local store is missing from the OS credential store")]
    KeyMissing,
    #[error("the key in the OS credential store does not open the local store")]
    WrongKey,
    #[error("the local store file is not encrypted; it will not be used")]
    NotEncrypted,
    #[error("the local store's description file (store.json) is missing or unreadable: {0}")]
    MetaUnreadable(String),
    #[error("the local store file is missing although store.json describes one")]
    DatabaseMissing,
    #[error("no local store exists in this data directory")]
    NoStore,
    #[error("the local store was written by a newer Uketsuke (schema {found}, this build knows {known})")]
    SchemaTooNew { found: i64, known: i64 },
    #[error("the local store failed its integrity check: {0}")]
    IntegrityCheckFailed(String),
    #[error("reset needs the confirmation word")]
    ResetNotConfirmed,

    // --- input and state --------------------------------------------------------------
    #[error(transparent)]
    Domain(#[from] uketsuke_core::DomainError),
    #[error("no such session: {0}")]
    SessionNotFound(String),
    #[error("no such resident: {0}")]
    ResidentNotFound(String),
    #[error("no such visit: {0}")]
    VisitNotFound(String),
    #[error("no such staff member: {0}")]
    StaffNotFound(String),
    #[error("staff member {0} is disabled")]
    StaffDisabled(String),
    #[error("no voucher with number {0}")]
    VoucherNotFound(String),
    #[error("programme {programme} is not offered at session {session}")]
    ProgrammeNotOffered { programme: String, session: String },
    #[error("choose at least one screening")]
    NoScreeningChosen,
    #[error("screening {0} is listed twice")]
    DuplicateScreening(String),
    #[error("screening {0} is stopped without a reason")]
    StopReasonRequired(String),
    #[error("screening {0} has eligibility warnings and needs an override reason")]
    OverrideReasonRequired(String),
    #[error("the resident is already checked in at this session as number {reception_no}")]
    AlreadyCheckedIn { reception_no: i64, visit_id: String },
    #[error("the visit is cancelled and cannot be changed")]
    VisitCancelled,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("a copay exemption needs the proof that was seen")]
    ExemptionProofRequired,
    #[error("a provisional (walk-in) resident cannot be exempted before the register confirms them")]
    ProvisionalExemptionNotAllowed,
    #[error("an exempt resident's copay must be 0 yen")]
    ExemptCopayMustBeZero,
    #[error("the copay amount is not plausible: {0} yen")]
    CopayOutOfRange(i64),
    #[error("{field} is required")]
    FieldRequired { field: &'static str },
    #[error("{field} is too long (at most {max} characters)")]
    FieldTooLong { field: &'static str, max: usize },
    #[error("the birth date is in the future or implausibly old")]
    BirthDateOutOfRange,
    #[error("unknown export layout {0}")]
    ExportLayoutUnknown(String),

    // --- plumbing -----------------------------------------------------------------------
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("file error: {0}")]
    Io(#[from] std::io::Error),
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// Stable, upper-snake-case code, the same across IPC, CLI and (later) HTTP.
    pub fn code(&self) -> &'static str {
        use uketsuke_core::DomainError as D;
        match self {
            StoreError::KeystoreUnavailable(_) => "KEYSTORE_UNAVAILABLE",
            StoreError::KeystoreRoundTripFailed => "KEYSTORE_ROUND_TRIP_FAILED",
            StoreError::KeyMissing => "STORE_KEY_MISSING",
            StoreError::WrongKey => "STORE_WRONG_KEY",
            StoreError::NotEncrypted => "STORE_NOT_ENCRYPTED",
            StoreError::MetaUnreadable(_) => "STORE_META_UNREADABLE",
            StoreError::DatabaseMissing => "STORE_DATABASE_MISSING",
            StoreError::NoStore => "STORE_NOT_FOUND",
            StoreError::SchemaTooNew { .. } => "STORE_SCHEMA_TOO_NEW",
            StoreError::IntegrityCheckFailed(_) => "STORE_INTEGRITY_FAILED",
            StoreError::ResetNotConfirmed => "RESET_NOT_CONFIRMED",
            StoreError::Domain(d) => match d {
                D::InvalidDate(_) => "INVALID_DATE",
                D::DateOutsideEra(_) => "DATE_OUTSIDE_ERA",
                D::InvalidVoucherNumber(_) => "INVALID_VOUCHER_NUMBER",
                D::EmptyKanaQuery => "EMPTY_KANA_QUERY",
                D::InvalidKanaQuery(_) => "INVALID_KANA_QUERY",
            },
            StoreError::SessionNotFound(_) => "SESSION_NOT_FOUND",
            StoreError::ResidentNotFound(_) => "RESIDENT_NOT_FOUND",
            StoreError::VisitNotFound(_) => "VISIT_NOT_FOUND",
            StoreError::StaffNotFound(_) => "STAFF_NOT_FOUND",
            StoreError::StaffDisabled(_) => "STAFF_DISABLED",
            StoreError::VoucherNotFound(_) => "VOUCHER_NOT_FOUND",
            StoreError::ProgrammeNotOffered { .. } => "PROGRAMME_NOT_OFFERED",
            StoreError::NoScreeningChosen => "NO_SCREENING_CHOSEN",
            StoreError::DuplicateScreening(_) => "DUPLICATE_SCREENING",
            StoreError::StopReasonRequired(_) => "STOP_REASON_REQUIRED",
            StoreError::OverrideReasonRequired(_) => "OVERRIDE_REASON_REQUIRED",
            StoreError::AlreadyCheckedIn { .. } => "ALREADY_CHECKED_IN",
            StoreError::VisitCancelled => "VISIT_CANCELLED",
            StoreError::ReasonRequired => "REASON_REQUIRED",
            StoreError::ExemptionProofRequired => "EXEMPTION_PROOF_REQUIRED",
            StoreError::ProvisionalExemptionNotAllowed => "PROVISIONAL_EXEMPTION_NOT_ALLOWED",
            StoreError::ExemptCopayMustBeZero => "EXEMPT_COPAY_MUST_BE_ZERO",
            StoreError::CopayOutOfRange(_) => "COPAY_OUT_OF_RANGE",
            StoreError::FieldRequired { .. } => "FIELD_REQUIRED",
            StoreError::FieldTooLong { .. } => "FIELD_TOO_LONG",
            StoreError::BirthDateOutOfRange => "BIRTH_DATE_OUT_OF_RANGE",
            StoreError::ExportLayoutUnknown(_) => uketsuke_protocol::export::codes::EXPORT_LAYOUT_UNKNOWN,
            StoreError::Sqlite(_) => "STORE_IO_FAILED",
            StoreError::Io(_) => "STORE_IO_FAILED",
            StoreError::Corrupt(_) => "STORE_CORRUPT",
        }
    }

    /// Errors that mean "this store cannot be opened with what this terminal has";
    /// the window and CLI point to the explicit, confirmed reset for these.
    pub fn needs_reset(&self) -> bool {
        matches!(
            self,
            StoreError::KeyMissing
                | StoreError::WrongKey
                | StoreError::NotEncrypted
                | StoreError::MetaUnreadable(_)
                | StoreError::DatabaseMissing
                | StoreError::IntegrityCheckFailed(_)
        )
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
