//! Pure building blocks for staff login and the tamper-evident access log.
//!
//! Nothing here reads the clock: times are parameters. Nothing here does I/O beyond
//! the operating system's random number generator.
//!
//! - [`password`]: Argon2id hashing and the password policy.
//! - [`lockout`]: back-off and hard lock after failed logins.
//! - [`chain`]: hash-chained access-log entries and signed checkpoints/receipts.
//! - [`fsmac`]: forward-secure MACs over the entries (evolving, erased keys).

pub mod chain;
pub mod error;
pub mod fsmac;
pub mod lockout;
pub mod password;

pub use chain::{
    compute_hash, generate_pkcs8, public_key_from_pkcs8, seal, sha256_hex, sign, sign_checkpoint, sign_receipt,
    verify_chain, verify_checkpoint, verify_receipt, verify_signature, ChainError, ChainErrorKind, ChainedEntry,
    Checkpoint, Receipt, CHECKPOINT_DOMAIN, ENTRY_DOMAIN, GENESIS, RECEIPT_DOMAIN,
};
pub use error::AuthError;
pub use fsmac::MacKey;
pub use lockout::{AttemptState, Gate, LockoutPolicy};
pub use password::{
    check_policy, dummy_verify, hash_password, is_common_password, needs_rehash, verify_password, Argon2Params,
    PolicyError,
};
