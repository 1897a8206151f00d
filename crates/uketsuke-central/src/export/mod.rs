//! Export to external media, the service's side (issue 5; the wire contract is
//! `uketsuke_protocol::export`, the tokens are `uketsuke_export`'s).
//!
//! - [`designation`]: an administrator designates a terminal (CLI) — a signed
//!   designation bound to the terminal id and its device key — and withdraws it;
//!   [`device_key_fingerprint`] is that binding.
//! - [`recipients`]: who exports may go to, with their age public keys.
//! - [`requests`]: what a terminal sees ([`state`]), a clerk's request, a
//!   supervisor's decision (her authenticator's assertion checked here) and
//!   the grant it makes.
//! - [`ledger`]: what terminals wrote; a grant's entry marks its request used.
//!
//! Every designation, withdrawal, request, decision and write is in `admin_log`
//! (CLI actions under the OS user, terminal actions under the staff id), and so is
//! every refused request or decision. A refusal writes nothing else. Time is
//! passed in (`now`), never read here.

pub mod central;
pub mod designation;
pub mod ledger;
pub mod recipients;
pub mod requests;

use chrono::{DateTime, Utc};
use uketsuke_protocol::export::codes;

use crate::error::CentralError;

pub use designation::{designate, device_key_fingerprint, withdraw, Designated, MAX_DESIGNATION_DAYS};
pub use ledger::{ingest_ledger, ledger, LedgerLine, MAX_LEDGER_BATCH};
pub use recipients::{add_recipient, demo_recipient, disable_recipient, list_recipients, DemoRecipient};
pub use requests::{create_request, decide, list_requests, state, GRANT_HOURS};

/// The longest comment or purpose accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 1000;

/// A refusal with one of the export codes (HTTP 403).
fn refused(code: &'static str, message: impl Into<String>) -> CentralError {
    CentralError::Refused { code, message: message.into() }
}

/// Tokens carry whole seconds; the service stores the same times it signs.
fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

fn not_designated(message: impl Into<String>) -> CentralError {
    refused(codes::EXPORT_NOT_DESIGNATED, message)
}
