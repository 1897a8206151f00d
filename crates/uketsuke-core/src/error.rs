use thiserror::Error;

/// Errors from parsing and validating user input in the domain.
/// Each variant maps to one stable error code at the API boundary.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("not a date: {0}")]
    InvalidDate(String),
    #[error("date outside its era: {0}")]
    DateOutsideEra(String),
    #[error("not a voucher number: {0}")]
    InvalidVoucherNumber(String),
    #[error("kana search needs at least one kana character")]
    EmptyKanaQuery,
    #[error("kana search accepts only kana: {0}")]
    InvalidKanaQuery(String),
}
