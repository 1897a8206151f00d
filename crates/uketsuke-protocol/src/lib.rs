//! The sync protocol between a terminal and the central service (JSON over mutual TLS).
//!
//! - `POST /v1/enroll` (no client certificate yet): a one-time code and a CSR in,
//!   a terminal certificate out.
//! - `POST /v1/push`: the terminal's outbox events, in terminal order; one
//!   [`EventOutcome`] per event. Idempotent by `event_id`.
//! - `POST /v1/pull`: everything in the terminal's scope changed since its
//!   [`Cursors`], in pages the terminal applies atomically together with the new cursors.
//! - `POST /v1/events/known`: which of these event ids the service holds (after a
//!   restore the terminal re-sends what the service lost).
//! - `POST /v1/audit`: the terminal's access-log chain from where the service's
//!   copy ends, with a checkpoint signed by the device key and each entry's
//!   forward-secure MAC; the service verifies the chain and the MACs and answers
//!   with a receipt signed by its own key.
//! - `POST /v1/auth/online-login`: the person's authenticator signed their login
//!   at this terminal; the service verifies that and that the account is active
//!   (and records an online login, which starts the offline grace period).
//! - `POST /v1/my-number`: one resident's 個人番号 for one view, for staff with
//!   the permission; the service logs the view before answering.
//! - `POST /v1/auth/password`: a staff member changes their own password.
//! - `/v1/export/…`: designation, requests, decisions and the ledger of writes
//!   to external media ([`export`]).
//! - `GET /health`: liveness and database reachability, no certificate needed.
//!
//! Every response carries the service's clock in [`SERVER_TIME_HEADER`] so the
//! terminal measures its skew, and [`ServiceInfo`] where it matters. Errors are
//! [`ErrorBody`] `{code, message}` with a stable `code`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uketsuke_core::{Programme, Session, Staff, Venue};
use uuid::Uuid;

pub mod export;
pub mod identity;
mod roster;

pub use roster::{RosterEntry, VoucherRow};

pub const PROTOCOL_VERSION: u32 = 1;
/// Response header: the service's clock (RFC 3339, milliseconds).
pub const SERVER_TIME_HEADER: &str = "x-uketsuke-server-time";
/// Request header: the terminal's clock when it sent the request (RFC 3339).
pub const TERMINAL_TIME_HEADER: &str = "x-uketsuke-terminal-time";
/// Largest push batch the service takes.
pub const MAX_PUSH_BATCH: usize = 1000;
/// Largest pull page the service sends (rows per stream).
pub const MAX_PULL_LIMIT: u32 = 50_000;

/// Stable error codes of the HTTP API (also used by the terminal's window).
pub mod codes {
    pub const UNAUTHENTICATED: &str = "TERMINAL_CERT_REQUIRED";
    pub const UNKNOWN_TERMINAL: &str = "TERMINAL_UNKNOWN";
    pub const REVOKED: &str = "TERMINAL_REVOKED";
    pub const ENROLLMENT_CODE_INVALID: &str = "ENROLLMENT_CODE_INVALID";
    pub const CSR_INVALID: &str = "ENROLLMENT_CSR_INVALID";
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    pub const BATCH_TOO_LARGE: &str = "PUSH_BATCH_TOO_LARGE";
    pub const INTERNAL: &str = "INTERNAL";
    pub const UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
    /// Too many password checks at once on the service: retry shortly.
    pub const BUSY: &str = "SERVICE_BUSY";
    /// Over a rate limit (enrollment per address, identity requests per terminal).
    pub const RATE_LIMITED: &str = "RATE_LIMITED";

    /// Per-event rejection codes ([`super::EventOutcome::Rejected`]).
    pub const EVENT_TYPE_UNKNOWN: &str = "EVENT_TYPE_UNKNOWN";
    pub const EVENT_PAYLOAD_INVALID: &str = "EVENT_PAYLOAD_INVALID";
    pub const EVENT_ID_REUSED: &str = "EVENT_ID_REUSED";
    pub const EVENT_SEQ_REUSED: &str = "EVENT_SEQ_REUSED";
    pub const SESSION_NOT_ASSIGNED: &str = "SESSION_NOT_ASSIGNED";
    pub const RESIDENT_UNKNOWN: &str = "RESIDENT_UNKNOWN";
    pub const VISIT_UNKNOWN: &str = "VISIT_UNKNOWN";
    /// Not a rejection: the event depends on one of this terminal's earlier events
    /// the service has not received yet (batches arrived out of order). Retry later.
    pub const DEPENDS_ON_MISSING_EVENT: &str = "DEPENDS_ON_MISSING_EVENT";

    /// Audit shipping: the chain does not continue the service's copy. The
    /// codes are `uketsuke_auth::ChainError::code` (AUDIT_CHAIN_GAP, _REORDERED,
    /// _BROKEN_LINK, _EDITED); a checkpoint that does not verify is this one.
    pub const AUDIT_SIGNATURE_INVALID: &str = "AUDIT_SIGNATURE_INVALID";
    /// Audit shipping: an entry's forward-secure MAC is missing or does not verify
    /// under the escrowed key, or the escrowed key conflicts with the one held.
    pub const AUDIT_MAC_INVALID: &str = "AUDIT_MAC_INVALID";
    /// Staff account checks.
    pub const STAFF_UNKNOWN: &str = "STAFF_UNKNOWN";
    pub const STAFF_DISABLED: &str = "STAFF_DISABLED";
    pub const STAFF_LOCKED: &str = "STAFF_LOCKED";
    pub const MY_NUMBER_NOT_PERMITTED: &str = "MY_NUMBER_NOT_PERMITTED";
    pub const MY_NUMBER_NOT_ON_FILE: &str = "MY_NUMBER_NOT_ON_FILE";
    pub const REASON_REQUIRED: &str = "REASON_REQUIRED";
    /// Password change: the current password is wrong, or the new one equals it.
    /// Policy refusals use `uketsuke_auth::PolicyError::code` (PASSWORD_TOO_SHORT, …).
    pub const PASSWORD_CURRENT_WRONG: &str = "PASSWORD_CURRENT_WRONG";
    pub const PASSWORD_UNCHANGED: &str = "PASSWORD_UNCHANGED";

    /// People, not terminals ([`super::identity`]). A privileged request without a
    /// proof; a challenge the service never issued, issued to another terminal,
    /// already answered, expired, or issued for another action; a credential
    /// that is not (or no longer) registered, or is someone else's; an assertion
    /// that does not verify; a counter that went back (a cloned key or a replay).
    /// `uketsuke_identity::IdentityError::code` gives the policy's own codes
    /// (AUTHENTICATOR_NOT_ACCEPTED, AUTHENTICATOR_SOFTWARE_REFUSED, …).
    pub const IDENTITY_PROOF_REQUIRED: &str = "IDENTITY_PROOF_REQUIRED";
    pub const IDENTITY_CHALLENGE_UNKNOWN: &str = "IDENTITY_CHALLENGE_UNKNOWN";
    pub const IDENTITY_CHALLENGE_OTHER_TERMINAL: &str = "IDENTITY_CHALLENGE_OTHER_TERMINAL";
    pub const IDENTITY_CHALLENGE_USED: &str = "IDENTITY_CHALLENGE_USED";
    pub const IDENTITY_CHALLENGE_EXPIRED: &str = "IDENTITY_CHALLENGE_EXPIRED";
    /// The terminal holds too many unanswered challenges already.
    pub const IDENTITY_CHALLENGES_OUTSTANDING: &str = "IDENTITY_CHALLENGES_OUTSTANDING";
    pub const IDENTITY_ACTION_MISMATCH: &str = "IDENTITY_ACTION_MISMATCH";
    pub const IDENTITY_CREDENTIAL_UNKNOWN: &str = "IDENTITY_CREDENTIAL_UNKNOWN";
    pub const IDENTITY_WRONG_PERSON: &str = "IDENTITY_WRONG_PERSON";
    pub const IDENTITY_ASSERTION_INVALID: &str = "IDENTITY_ASSERTION_INVALID";
    pub const IDENTITY_COUNTER_REGRESSED: &str = "IDENTITY_COUNTER_REGRESSED";
    /// The person has no registered authenticator yet: an administrator invites them.
    pub const IDENTITY_NO_AUTHENTICATOR: &str = "IDENTITY_NO_AUTHENTICATOR";
    /// Registration: the invitation or the password did not check out (one code
    /// for both; a wrong password counts as a failed login).
    pub const REGISTRATION_REFUSED: &str = "REGISTRATION_REFUSED";
    pub const REGISTRATION_UNKNOWN: &str = "REGISTRATION_UNKNOWN";
    /// 個人番号: the resident is not in this terminal's assigned scope, or the
    /// person or the terminal asked too often within the hour.
    pub const MY_NUMBER_OUT_OF_SCOPE: &str = "MY_NUMBER_OUT_OF_SCOPE";
    pub const MY_NUMBER_RATE_LIMITED: &str = "MY_NUMBER_RATE_LIMITED";
    /// Unlock: the verified person is not an active supervisor (or administrator),
    /// or asked to unlock their own account.
    pub const UNLOCK_NOT_PERMITTED: &str = "UNLOCK_NOT_PERMITTED";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

/// Who the service is. `instance_id` changes when the database is made anew;
/// `epoch` is raised by an administrator after restoring a backup. Either change
/// makes the terminal check which of its events the service still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceInfo {
    pub instance_id: Uuid,
    pub epoch: i32,
    pub server_time: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub database: bool,
    pub version: String,
}

// ---------------------------------------------------------------- enrollment

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollRequest {
    /// The secret part of the enrollment code (without the CA fingerprint).
    pub code: String,
    /// PKCS#10 certificate signing request for the device key, PEM.
    pub csr_pem: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub terminal_id: Uuid,
    pub terminal_name: String,
    /// The terminal's certificate, PEM, signed by the service's CA.
    pub cert_pem: String,
    pub service: ServiceInfo,
}

// ---------------------------------------------------------------- push

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushEvent {
    /// The terminal's order. Unique per (terminal, stream).
    pub seq: i64,
    pub event_id: Uuid,
    pub event_type: String,
    pub aggregate_id: String,
    pub payload: serde_json::Value,
    /// Terminal clock.
    pub occurred_at: DateTime<Utc>,
    pub staff_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushRequest {
    /// The local store's id: a reset cache starts a new stream whose `seq` restarts at 1.
    pub stream_id: Uuid,
    pub events: Vec<PushEvent>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum EventOutcome {
    /// Stored now.
    Accepted,
    /// The service already had this event (same content): a retry, also success.
    Duplicate,
    /// Refused for good; the terminal keeps it with this reason for staff to correct.
    Rejected { code: String, reason: String },
    /// Not now (e.g. it depends on an event that has not arrived): send again later.
    Deferred { code: String, reason: String },
}

impl EventOutcome {
    /// The service holds the event.
    pub fn is_stored(&self) -> bool {
        matches!(self, EventOutcome::Accepted | EventOutcome::Duplicate)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResult {
    pub event_id: Uuid,
    #[serde(flatten)]
    pub outcome: EventOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushResponse {
    pub results: Vec<PushResult>,
    pub service: ServiceInfo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownRequest {
    pub event_ids: Vec<Uuid>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownResponse {
    /// The subset of the asked ids the service holds.
    pub known: Vec<Uuid>,
    pub service: ServiceInfo,
}

// ---------------------------------------------------------------- pull

/// Where the terminal is in each stream. Persisted with the rows it covers, in one
/// transaction, so a cut connection resumes from the last applied page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursors {
    /// Fingerprint of the terminal's assigned sessions when these cursors were made;
    /// when the assignment changes the service starts the roster over.
    pub scope: String,
    pub catalog: i64,
    pub roster: i64,
    pub events: i64,
    pub walk_ins: i64,
    /// While the roster's first snapshot is paged by resident id: how far it got.
    /// When it ends, `roster` becomes its high-water mark and the roster streams
    /// by `change_seq` from there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roster_snapshot: Option<RosterSnapshot>,
}

/// A roster snapshot in progress: residents after `after` (by resident id) are still
/// to come; `high_water` is the newest roster change the snapshot's first page saw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterSnapshot {
    pub after: String,
    pub high_water: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PullRequest {
    pub cursors: Cursors,
    /// Rows per stream in this page (the service caps it at [`MAX_PULL_LIMIT`]).
    pub limit: u32,
}

/// The catalog in the terminal's scope, sent whole whenever any of it changed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    pub programmes: Vec<Programme>,
    pub venues: Vec<Venue>,
    pub sessions: Vec<Session>,
    pub staff: Vec<StaffAccount>,
    /// The city's WebAuthn relying party, which offline logins are verified against.
    #[serde(default)]
    pub rp_id: String,
}

/// A staff account as a terminal needs it to let that person log in offline:
/// the Argon2id verifier (PHC string), the public credentials of their
/// authenticators, and the account's state as the service last knew it (failed
/// attempts are counted across terminals). No secret of the person: the
/// verifier and the credentials come only for staff assigned to the terminal's
/// venues.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffAccount {
    #[serde(flatten)]
    pub staff: Staff,
    pub password_hash: Option<String>,
    pub my_number_permission: bool,
    /// When set, only this OS account may log in as this staff member.
    pub os_account: Option<String>,
    pub lockout: RemoteLockout,
    pub last_online_login_at: Option<DateTime<Utc>>,
    /// The person's registered, unrevoked authenticators the city's policy
    /// still accepts.
    #[serde(default)]
    pub authenticators: Vec<StaffAuthenticator>,
}

/// One registered authenticator: public data only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffAuthenticator {
    pub credential: uketsuke_identity::PublicCredential,
    /// The highest signature counter the service has verified.
    pub sign_count: u32,
}

impl std::fmt::Debug for StaffAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaffAccount")
            .field("staff", &self.staff)
            .field("password_hash", &self.password_hash.as_ref().map(|_| ".."))
            .field("authenticators", &self.authenticators.len())
            .field("lockout", &self.lockout)
            .finish_non_exhaustive()
    }
}

/// Failed logins as the service counted them from every terminal's shipped log.
/// `reset_at`: the last successful login or unlock; failures before it no longer count.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteLockout {
    pub failures: u32,
    pub last_failure_at: Option<DateTime<Utc>>,
    pub locked: bool,
    pub reset_at: Option<DateTime<Utc>>,
}

/// `POST /v1/audit`: access-log entries continuing the service's copy of this
/// chain (`chain_id`: the terminal's local store; a reset store starts a new
/// chain), and a checkpoint over the last one signed with the device key.
///
/// Each entry carries its forward-secure MAC (`uketsuke_auth::fsmac`; `None` before
/// the terminal had MACs). `mac_key0` escrows the chain's `K_0` and is sent until the
/// service acknowledges it in [`AuditReceipt::mac_escrow`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditShipment {
    pub chain_id: Uuid,
    pub entries: Vec<uketsuke_auth::ChainedEntry>,
    pub checkpoint: uketsuke_auth::Checkpoint,
    pub signature: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_key0: Option<MacEscrow>,
}

/// A chain's first MAC key, `K_0`, for the entry `start_seq` (the first with a MAC):
/// sealed to the service's escrow recipient ([`PullPage::audit_escrow_recipient`]),
/// so the terminal never keeps it readable, or, from a store that began its chain
/// before it knew the recipient, in clear.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacEscrow {
    pub start_seq: i64,
    /// 64 hex digits (zeroized on drop).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_hex: Option<String>,
    /// The key's 32 bytes encrypted with age to the service's escrow recipient, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_hex: Option<String>,
}

impl Drop for MacEscrow {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.key_hex);
    }
}

impl std::fmt::Debug for MacEscrow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MacEscrow").field("start_seq", &self.start_seq).finish_non_exhaustive()
    }
}

/// The service's signed receipt: it holds the chain up to `receipt.seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReceipt {
    pub receipt: uketsuke_auth::Receipt,
    pub signature: String,
    /// The `K_0` the service holds for this chain, if any: the terminal erases its
    /// copy when this names it (`uketsuke_auth::MacKey::fingerprint`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_escrow: Option<MacEscrowHeld>,
}

/// Which escrowed key the service holds (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacEscrowHeld {
    pub start_seq: i64,
    pub key_fingerprint: String,
}

/// `POST /v1/audit/head`: where the service's copy of a chain ends (seq 0 and
/// the genesis hash when it holds none). A terminal asks before shipping, so a
/// service restored from an older backup gets the entries it lost again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHeadRequest {
    pub chain_id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditHead {
    pub seq: i64,
    pub entry_hash: String,
}

/// Access-log operations the service acts on: it counts failed logins across
/// terminals from them. The terminal writes them (`uketsuke_store::audit::ops`).
pub mod audit_ops {
    /// A login; its `detail` is a [`crate::LoginDetail`].
    pub const LOGIN_OK: &str = "login_ok";
    pub const LOGIN_FAIL: &str = "login_fail";
    /// The account reached the hard lock.
    pub const ACCOUNT_LOCKED: &str = "account_locked";
    /// A supervisor unlocked an account; the entry's `detail` is its staff id.
    pub const ACCOUNT_UNLOCK: &str = "account_unlock";
    /// A session ended (`user` or `idle`).
    pub const LOGOUT: &str = "logout";
    /// The first entry of a store made by resetting the local cache: who, and
    /// what the set-aside store held unshipped (`detail`).
    pub const LOCAL_RESET: &str = "local_reset";
    /// A staff member registered an authenticator here, before any login (the
    /// service verified their invitation and password).
    pub const AUTHENTICATOR_REGISTER: &str = "authenticator_register";
}

/// How a `login_ok` entry says the person was verified, so the service can
/// check it: online (the challenge the service verified at the login), offline
/// (the evidence, verified again on ingest) or demo (an unenrolled store, whose
/// log never ships). Anything else proves nothing.
#[derive(Debug, Clone)]
pub enum LoginDetail {
    Online { challenge_id: Uuid },
    Offline(Box<uketsuke_identity::LoginEvidence>),
    Demo,
    Unverifiable(String),
}

impl LoginDetail {
    /// The entry's `detail`: `online <challenge id>`, `offline <evidence JSON>`, `demo`.
    pub fn to_detail(&self) -> String {
        match self {
            LoginDetail::Online { challenge_id } => format!("online {challenge_id}"),
            LoginDetail::Offline(evidence) => {
                format!("offline {}", serde_json::to_string(evidence).expect("evidence always serialises"))
            }
            LoginDetail::Demo => "demo".into(),
            LoginDetail::Unverifiable(s) => s.clone(),
        }
    }

    pub fn parse(detail: &str) -> LoginDetail {
        let unverifiable = || LoginDetail::Unverifiable(detail.to_owned());
        match detail.split_once(' ') {
            Some(("online", id)) => {
                id.parse().map(|challenge_id| LoginDetail::Online { challenge_id }).unwrap_or_else(|_| unverifiable())
            }
            Some(("offline", json)) => {
                serde_json::from_str(json).map(|e| LoginDetail::Offline(Box::new(e))).unwrap_or_else(|_| unverifiable())
            }
            None if detail == "demo" => LoginDetail::Demo,
            _ => unverifiable(),
        }
    }

    /// The short form for people reading the log (`online`, `offline`, `demo`).
    pub fn how(detail: &str) -> &str {
        detail.split_once(' ').map(|(how, _)| how).unwrap_or(detail)
    }
}

/// Largest audit shipment the service takes.
pub const MAX_AUDIT_BATCH: usize = 2000;

/// `POST /v1/auth/online-login`, sent after the terminal verified the password:
/// the person's authenticator signed [`identity::Action::OnlineLogin`] at this
/// terminal, and the service checks that, not the terminal's word.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OnlineLoginRequest {
    pub staff_id: String,
    #[serde(default)]
    pub proof: Option<identity::PersonProof>,
}

impl OnlineLoginRequest {
    pub fn action(&self) -> identity::Action {
        identity::Action::OnlineLogin { staff_id: self.staff_id.clone() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnlineLoginResponse {
    pub at: DateTime<Utc>,
}

/// `POST /v1/auth/unlock`: a supervisor unlocks a colleague's account, proven by
/// their own authenticator ([`identity::Action::AccountUnlock`]). Lock and unlock
/// entries in a terminal's log never change an account; this, and the
/// administrator's CLI, do.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnlockRequest {
    pub staff_id: String,
    pub target_staff_id: String,
    #[serde(default)]
    pub proof: Option<identity::PersonProof>,
}

impl UnlockRequest {
    /// What the supervisor's authenticator signs for this unlock.
    pub fn action(&self) -> identity::Action {
        identity::Action::AccountUnlock {
            staff_id: self.staff_id.clone(),
            target_staff_id: self.target_staff_id.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnlockResponse {
    pub at: DateTime<Utc>,
}

/// `POST /v1/my-number`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MyNumberRequest {
    pub staff_id: String,
    pub resident_id: String,
    pub reason: String,
    /// The person's assertion over the challenge for exactly this view
    /// ([`identity::Action::MyNumberView`]). Without it the service refuses.
    #[serde(default)]
    pub proof: Option<identity::PersonProof>,
}

impl MyNumberRequest {
    /// What the person's authenticator signs for this view.
    pub fn action(&self) -> identity::Action {
        identity::Action::MyNumberView {
            staff_id: self.staff_id.clone(),
            resident_id: self.resident_id.clone(),
            reason: self.reason.clone(),
        }
    }
}

/// Never logged, never stored: `Debug` hides the number.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyNumberResponse {
    pub resident_id: String,
    pub my_number: String,
}

/// `POST /v1/auth/password`: a logged-in staff member changes their own password
/// (ASVS 6.2.2, 6.2.3: the current password is required). Online only, because the
/// account lives on the service. `Debug` hides both passwords.
#[derive(Clone, Serialize, Deserialize)]
pub struct ChangePasswordRequest {
    pub staff_id: String,
    pub current_password: String,
    pub new_password: String,
    /// Random (hex) per request: binds the proof to these passwords without the
    /// service keeping anything a guess could be checked against.
    #[serde(default)]
    pub binding: String,
    /// The person's assertion for [`identity::Action::PasswordChange`]: without it
    /// the service checks no password at all (no oracle for a terminal alone).
    #[serde(default)]
    pub proof: Option<identity::PersonProof>,
}

impl ChangePasswordRequest {
    pub fn action(&self) -> identity::Action {
        identity::Action::PasswordChange {
            staff_id: self.staff_id.clone(),
            change_digest: uketsuke_identity::password_change_digest(
                &self.binding,
                &self.current_password,
                &self.new_password,
            ),
        }
    }
}

impl std::fmt::Debug for ChangePasswordRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangePasswordRequest").field("staff_id", &self.staff_id).finish_non_exhaustive()
    }
}

/// The new verifier, so the terminal accepts the new password offline at once
/// (the other terminals get it with their next pull).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePasswordResponse {
    pub password_hash: String,
    pub changed_at: DateTime<Utc>,
}

impl std::fmt::Debug for MyNumberResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MyNumberResponse").field("resident_id", &self.resident_id).finish_non_exhaustive()
    }
}

/// An event another terminal recorded at one of this terminal's sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteEvent {
    pub event_id: Uuid,
    pub terminal_id: Uuid,
    pub terminal_name: String,
    pub event_type: String,
    pub aggregate_id: String,
    pub payload: serde_json::Value,
    pub occurred_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum WalkInDecision {
    Matched { resident_id: String, note: Option<String> },
    Rejected { note: String },
}

/// The service's decision on a walk-in this terminal registered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalkInOutcome {
    pub provisional_id: String,
    #[serde(flatten)]
    pub decision: WalkInDecision,
    pub decided_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PullPage {
    pub catalog: Option<Catalog>,
    pub roster: Vec<RosterEntry>,
    pub events: Vec<RemoteEvent>,
    pub walk_ins: Vec<WalkInOutcome>,
    /// Cursors after this page; the terminal stores them with the page.
    pub cursors: Cursors,
    /// More pages wait.
    pub more: bool,
    /// Roster entries in scope in all; sent when the roster starts from cursor 0,
    /// for the first sync's progress bar.
    pub roster_total: Option<i64>,
    pub service: ServiceInfo,
    /// The age recipient (`age1…`) the terminal seals its access log's first MAC
    /// key to ([`MacEscrow`]); only the service can open it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_escrow_recipient: Option<String>,
}

/// The enrollment code an administrator hands to the venue: the one-time secret
/// and the fingerprint of the service's CA, so the terminal can pin the CA before
/// it trusts anything the service says. Printed as groups of four characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentCode {
    pub secret: String,
    /// First [`EnrollmentCode::FINGERPRINT_CHARS`] characters of the base32 SHA-256 of the CA certificate (DER).
    pub ca_fingerprint: String,
}

impl EnrollmentCode {
    pub const SECRET_CHARS: usize = 12;
    pub const FINGERPRINT_CHARS: usize = 20;
    /// Crockford-style alphabet without I, L, O, U: easy to read aloud and type.
    pub const ALPHABET: &'static str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// Parse what staff typed: case, spaces and hyphens do not matter; full-width
    /// characters are accepted.
    pub fn parse(input: &str) -> Option<EnrollmentCode> {
        let chars: String = input
            .chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                c => c,
            })
            .filter(|c| !c.is_whitespace() && *c != '-' && *c != 'ー')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if chars.chars().count() != Self::SECRET_CHARS + Self::FINGERPRINT_CHARS
            || !chars.chars().all(|c| Self::ALPHABET.contains(c))
        {
            return None;
        }
        let (secret, fp) = chars.split_at(Self::SECRET_CHARS);
        Some(EnrollmentCode { secret: secret.to_owned(), ca_fingerprint: fp.to_owned() })
    }

    /// `XXXX-XXXX-…` for printing.
    pub fn display(&self) -> String {
        let all = format!("{}{}", self.secret, self.ca_fingerprint);
        all.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
    }
}

/// Base32 (the [`EnrollmentCode::ALPHABET`]) of bytes, 5 bits per character.
pub fn base32(bytes: &[u8]) -> String {
    let alphabet = EnrollmentCode::ALPHABET.as_bytes();
    let mut out = String::with_capacity(bytes.len() * 8 / 5 + 1);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | b as u32;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(alphabet[((acc >> bits) & 31) as usize] as char);
        }
    }
    if bits > 0 {
        out.push(alphabet[((acc << (5 - bits)) & 31) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enrollment_code_round_trips_through_what_staff_type() {
        let code = EnrollmentCode { secret: "ABCD2345WXYZ".into(), ca_fingerprint: "0123456789ABCDEFGHJK".into() };
        let shown = code.display();
        assert_eq!(shown, "ABCD-2345-WXYZ-0123-4567-89AB-CDEF-GHJK");
        assert_eq!(EnrollmentCode::parse(&shown), Some(code.clone()));
        assert_eq!(EnrollmentCode::parse(&shown.to_lowercase().replace('-', " ")), Some(code.clone()));
        // Full-width, as an IME might produce it.
        let wide: String = shown.chars().map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap()).collect();
        assert_eq!(EnrollmentCode::parse(&wide), Some(code));
    }

    #[test]
    fn enrollment_code_refuses_wrong_length_or_letters() {
        assert_eq!(EnrollmentCode::parse("ABCD-2345"), None);
        assert_eq!(EnrollmentCode::parse("ABCD-2345-WXYZ-0123-4567-89AB-CDEF-GHJU"), None, "U is not in the alphabet");
        assert_eq!(EnrollmentCode::parse(""), None);
    }

    #[test]
    fn base32_uses_five_bits_per_character() {
        assert_eq!(base32(&[0]), "00");
        assert_eq!(base32(&[0xff]), "ZW");
        assert_eq!(base32(&[0u8; 32]).len(), 52);
    }

    #[test]
    fn outcomes_serialise_with_a_tag() {
        let r = PushResult {
            event_id: Uuid::nil(),
            outcome: EventOutcome::Rejected { code: codes::RESIDENT_UNKNOWN.into(), reason: "x".into() },
        };
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["outcome"], "rejected");
        assert_eq!(json["code"], "RESIDENT_UNKNOWN");
        let back: PushResult = serde_json::from_value(json).unwrap();
        assert_eq!(back, r);
    }
}
