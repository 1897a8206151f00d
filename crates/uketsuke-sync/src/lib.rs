//! The terminal's sync client.
//!
//! - [`enrollment`]: one-time code → device key in the OS credential store and a
//!   certificate from the service's CA (pinned by the code's fingerprint).
//! - [`transport`]: mutual TLS (rustls, reqwest) with the pinned CA; clock skew.
//! - [`engine`]: one cycle — push in order, re-send what a restored service lost,
//!   pull pages applied atomically, ship the access log.
//! - [`audit`]: the access-log shipment and receipts.
//! - [`accounts`]: online login confirmation, 個人番号 views, password changes.
//! - [`export`]: the export state (CA-signed signing key, designation, requests),
//!   requests, decisions and the ledger of writes to external media.

pub mod accounts;
pub mod audit;
pub mod engine;
pub mod enrollment;
pub mod error;
pub mod export;
pub mod identity;
pub mod transport;

pub use audit::AuditIdentity;
pub use engine::{Engine, Now, StoreAccess, SyncReport};
pub use enrollment::{enroll, Enrollment};
pub use error::{Result, SyncError};
pub use transport::Transport;
