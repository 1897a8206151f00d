//! Export to external media (issue 5): designation, requests, decisions, grants
//! and the export ledger, between the terminal and the central service.
//!
//! - An administrator designates a terminal on the service (CLI). The service
//!   signs a designation token (PASETO v4.public, Ed25519, `uketsuke_export`)
//!   bound to the terminal id and its device key's fingerprint.
//! - `POST /v1/export/state`: the service's export signing key (with the CA's
//!   signature over it, checked against the pinned CA: no trust on first use),
//!   this terminal's designation if any, the registered recipients, this
//!   terminal's requests (with their grant tokens once approved) and every
//!   pending request (a supervisor may decide on any terminal).
//! - `POST /v1/export/requests`: a clerk on a designated terminal asks to export
//!   a dataset (layout, sessions, purpose, recipient). Idempotent by `request_id`.
//! - `POST /v1/export/decisions`: a supervisor approves or refuses, with a
//!   comment, proven by their own authenticator's assertion over exactly that
//!   decision at that terminal, which the service checks itself. Never their
//!   own request. Approval makes the grant: a
//!   single-use token bound to terminal, device key, request, scope hash and expiry.
//! - `POST /v1/export/ledger`: what was written (file hash, rows, media, grant);
//!   idempotent by `ledger_id`, one entry per grant.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Domain of the CA's signature over the export signing key
/// (`uketsuke_auth::chain::sign`/`verify_signature`).
pub const EXPORT_KEY_DOMAIN: &[u8] = b"uketsuke.export-signing-key.v1";

/// The dataset layouts a request may name.
pub mod layouts {
    /// The health system's attendance layout (docs/attendance-csv.md).
    pub const HEALTH_SYSTEM: &str = "health_system";
    /// Its header row: the terminals' files and the service's own are the same layout.
    pub const HEALTH_SYSTEM_COLUMNS: [&str; 13] = [
        "受診日",
        "会場コード",
        "開催回",
        "宛名番号",
        "照合状態",
        "整理番号",
        "受付端末",
        "受付日時",
        "検診コード",
        "状態",
        "中止理由",
        "自己負担区分",
        "自己負担額",
    ];
    /// The screening organisation's list: who came, with names for matching results.
    pub const SCREENING_ORG: &str = "screening_org";
    pub const ALL: [&str; 2] = [HEALTH_SYSTEM, SCREENING_ORG];
}

/// Error codes of the export endpoints (and of the terminal's refusals).
pub mod codes {
    pub const EXPORT_NOT_DESIGNATED: &str = "EXPORT_NOT_DESIGNATED";
    pub const EXPORT_LAYOUT_UNKNOWN: &str = "EXPORT_LAYOUT_UNKNOWN";
    pub const EXPORT_RECIPIENT_UNKNOWN: &str = "EXPORT_RECIPIENT_UNKNOWN";
    pub const EXPORT_SESSIONS_REQUIRED: &str = "EXPORT_SESSIONS_REQUIRED";
    pub const EXPORT_SESSION_UNKNOWN: &str = "EXPORT_SESSION_UNKNOWN";
    /// A session not assigned to the requesting terminal (its store does not hold it).
    pub const EXPORT_SESSION_NOT_ASSIGNED: &str = "EXPORT_SESSION_NOT_ASSIGNED";
    pub const EXPORT_PURPOSE_REQUIRED: &str = "EXPORT_PURPOSE_REQUIRED";
    pub const EXPORT_REQUEST_UNKNOWN: &str = "EXPORT_REQUEST_UNKNOWN";
    /// The request was already decided (or used).
    pub const EXPORT_REQUEST_DECIDED: &str = "EXPORT_REQUEST_DECIDED";
    /// The request waited longer than [`super::PENDING_DAYS`] for a decision; the
    /// clerk asks again.
    pub const EXPORT_REQUEST_EXPIRED: &str = "EXPORT_REQUEST_EXPIRED";
    /// A supervisor may not decide on their own request.
    pub const EXPORT_OWN_REQUEST: &str = "EXPORT_OWN_REQUEST";
    /// The staff member's role may not do this (clerk requests, supervisor decides).
    pub const EXPORT_ROLE: &str = "EXPORT_ROLE";
    pub const EXPORT_COMMENT_REQUIRED: &str = "EXPORT_COMMENT_REQUIRED";
    /// Nothing is written before a supervisor approved the request.
    pub const EXPORT_NOT_APPROVED: &str = "EXPORT_NOT_APPROVED";
    /// A ledger entry names a grant this terminal was not given.
    pub const EXPORT_GRANT_UNKNOWN: &str = "EXPORT_GRANT_UNKNOWN";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportRequestState {
    Pending,
    Approved,
    Refused,
    /// The grant was used (the ledger entry arrived).
    Used,
    /// Nobody decided within [`PENDING_DAYS`]; it can no longer be approved.
    Expired,
}

/// How long a request waits for a supervisor's decision before it expires.
pub const PENDING_DAYS: i64 = 7;

/// `POST /v1/export/state` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportStateRequest {
    /// The logged-in staff member (for the service's log), if any.
    pub staff_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportState {
    /// The service's Ed25519 verifying key for designations and grants
    /// (`uketsuke_export::ExportVerifyingKey` string form).
    pub signing_key: String,
    /// The CA key's signature over `signing_key` (domain [`EXPORT_KEY_DOMAIN`]).
    pub signing_key_signature: String,
    /// This terminal's designation token; `None` if not designated or withdrawn.
    pub designation: Option<String>,
    pub recipients: Vec<ExportRecipient>,
    /// This terminal's requests (any state, newest first, at most 200) and every
    /// pending request of any terminal.
    pub requests: Vec<ExportRequestView>,
}

/// A registered recipient of exports (the screening organisation, the health
/// system's office), with the age public key files are encrypted to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRecipient {
    pub recipient_id: String,
    pub name: String,
    /// `age1…` X25519 recipient.
    pub age_recipient: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRequestView {
    pub request_id: Uuid,
    pub terminal_id: Uuid,
    pub terminal_name: String,
    pub requested_by: String,
    pub requested_at: DateTime<Utc>,
    pub layout: String,
    pub session_ids: Vec<String>,
    pub purpose: String,
    pub recipient_id: String,
    /// `uketsuke_export::ExportScope::hash` of layout, sessions, purpose, recipient.
    pub scope_hash: String,
    pub state: ExportRequestState,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub comment: Option<String>,
    /// The grant token: only to the requesting terminal, once approved.
    pub grant: Option<String>,
    pub grant_expires_at: Option<DateTime<Utc>>,
}

/// `POST /v1/export/requests`. Answer: the [`ExportRequestView`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NewExportRequest {
    /// Made by the terminal (UUIDv7): sending it twice makes one request.
    pub request_id: Uuid,
    pub staff_id: String,
    pub layout: String,
    pub session_ids: Vec<String>,
    pub purpose: String,
    pub recipient_id: String,
    /// The clerk's assertion over [`NewExportRequest::action`]: this request's
    /// content, as sent.
    #[serde(default)]
    pub proof: Option<crate::identity::PersonProof>,
}

impl NewExportRequest {
    /// What the clerk's authenticator signs: who asks, and a digest of exactly
    /// what (id, layout, sessions, purpose, recipient as sent).
    pub fn action(&self) -> crate::identity::Action {
        let content = (&self.request_id, &self.layout, &self.session_ids, &self.purpose, &self.recipient_id);
        crate::identity::Action::ExportRequest {
            staff_id: self.staff_id.clone(),
            request_digest: uketsuke_identity::content_digest(&content),
        }
    }
}

/// `POST /v1/export/decisions`. Answer: the [`ExportRequestView`] after it.
#[derive(Clone, Serialize, Deserialize)]
pub struct ExportDecision {
    pub request_id: Uuid,
    pub staff_id: String,
    pub approve: bool,
    pub comment: String,
    /// The supervisor's assertion over the challenge for exactly this decision
    /// ([`crate::identity::Action::ExportDecision`]: request, approve, comment).
    #[serde(default)]
    pub proof: Option<crate::identity::PersonProof>,
}

impl ExportDecision {
    /// What the supervisor's authenticator signs for this decision.
    pub fn action(&self) -> crate::identity::Action {
        crate::identity::Action::ExportDecision {
            staff_id: self.staff_id.clone(),
            request_id: self.request_id,
            approve: self.approve,
            comment: self.comment.clone(),
        }
    }
}

impl std::fmt::Debug for ExportDecision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportDecision")
            .field("request_id", &self.request_id)
            .field("staff_id", &self.staff_id)
            .field("approve", &self.approve)
            .finish_non_exhaustive()
    }
}

/// One write to external media, as the terminal recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportLedgerEntry {
    pub ledger_id: Uuid,
    pub grant_jti: Uuid,
    pub request_id: Uuid,
    pub staff_id: String,
    pub written_at: DateTime<Utc>,
    /// SHA-256 (hex) of the encrypted file as written.
    pub file_sha256: String,
    pub file_bytes: i64,
    pub rows: i64,
    /// Rows left out because the resident is protected (DV).
    pub excluded_protected: i64,
    /// `uketsuke_export::MediaInfo::identity` of the medium.
    pub media_identity: String,
}

/// `POST /v1/export/ledger`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportLedgerShipment {
    pub entries: Vec<ExportLedgerEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportLedgerReceipt {
    /// Every ledger id of the shipment the service now holds.
    pub received: Vec<Uuid>,
}
