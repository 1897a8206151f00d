//! The export gate: may this terminal write this request's file now? A pure
//! function of what the terminal holds (the export state last received, whether
//! the grant was used) and the time, so every refusal is testable and a property
//! test can drive it through arbitrary sequences (tests below).
//!
//! In order: the clock has not moved back; a designation exists, is signed by the
//! CA-trusted key, is for this terminal and device key, and is valid now; the
//! request is this terminal's and approved; its grant verifies the same way, is
//! within the designation, names this request and exactly its scope; and it was
//! not used here before. Each refusal has its own code.

use chrono::{DateTime, Duration, Utc};
use uketsuke_export::{
    verify_designation, verify_grant, Designation, ExportScope, ExportVerifyingKey, Grant, TokenError,
};
use uketsuke_protocol::export::{ExportRecipient, ExportRequestState, ExportRequestView, ExportState};
use uuid::Uuid;

use crate::error::ApiError;

pub struct GateInput<'a> {
    /// The export state last received; `None` before the first sync.
    pub state: Option<&'a ExportState>,
    /// Whether the state's signing key carries the pinned CA's signature.
    pub key_trusted: bool,
    pub terminal_id: &'a str,
    pub device_key_fpr: &'a str,
    pub request_id: Uuid,
    /// The request's grant is in this terminal's used-grant table.
    pub grant_used: &'a dyn Fn(Uuid) -> bool,
    pub now: DateTime<Utc>,
    /// The newest time this terminal has seen (clock rollback).
    pub high_water: Option<DateTime<Utc>>,
    pub rollback_tolerance: Duration,
}

/// What a permitted write needs.
#[derive(Debug, Clone)]
pub struct Authorized {
    pub designation: Designation,
    pub grant: Grant,
    pub request: ExportRequestView,
    pub recipient: ExportRecipient,
}

fn refuse(code: &str, message: &str) -> ApiError {
    ApiError::new(code, message)
}

fn designation_error(e: TokenError) -> ApiError {
    match e {
        TokenError::Expired { .. } => refuse("EXPORT_DESIGNATION_EXPIRED", "this terminal's designation has expired"),
        TokenError::NotYetValid { .. } => {
            refuse("EXPORT_DESIGNATION_NOT_YET_VALID", "the designation is not valid yet")
        }
        TokenError::WrongTerminal { .. } | TokenError::WrongDevice => {
            refuse("EXPORT_DESIGNATION_OTHER_TERMINAL", "the designation is for another terminal")
        }
        other => refuse("EXPORT_DESIGNATION_INVALID", &format!("the designation does not verify: {}", other.code())),
    }
}

fn grant_error(e: TokenError) -> ApiError {
    match e {
        TokenError::Expired { .. } => refuse("EXPORT_GRANT_EXPIRED", "the approval has expired"),
        TokenError::NotYetValid { .. } => refuse("EXPORT_GRANT_NOT_YET_VALID", "the approval is not valid yet"),
        TokenError::WrongTerminal { .. } | TokenError::WrongDevice => {
            refuse("EXPORT_GRANT_OTHER_TERMINAL", "the approval is for another terminal")
        }
        TokenError::ScopeMismatch | TokenError::RequestMismatch => {
            refuse("EXPORT_GRANT_SCOPE_MISMATCH", "the approval is for another dataset")
        }
        other => refuse("EXPORT_GRANT_INVALID", &format!("the approval does not verify: {}", other.code())),
    }
}

pub fn authorize(input: &GateInput<'_>) -> Result<Authorized, ApiError> {
    if let Some(h) = input.high_water {
        if input.now < h - input.rollback_tolerance {
            return Err(refuse("EXPORT_CLOCK_ROLLBACK", "the terminal clock is behind the last time it saw")
                .with("last_seen", h.to_rfc3339()));
        }
    }
    let not_designated = || refuse("EXPORT_NOT_DESIGNATED", "this terminal is not designated for export");
    let state = input.state.ok_or_else(not_designated)?;
    let token = state.designation.as_deref().ok_or_else(not_designated)?;
    if !input.key_trusted {
        return Err(refuse("EXPORT_KEY_UNTRUSTED", "the export signing key is not signed by the pinned CA"));
    }
    let key = ExportVerifyingKey::from_paserk(&state.signing_key)
        .map_err(|_| refuse("EXPORT_KEY_UNTRUSTED", "the export signing key is malformed"))?;
    let designation = verify_designation(token, &key, input.terminal_id, input.device_key_fpr, input.now)
        .map_err(designation_error)?;
    let request = state
        .requests
        .iter()
        .find(|r| r.request_id == input.request_id && r.terminal_id.to_string() == input.terminal_id)
        .cloned()
        .ok_or_else(|| refuse("EXPORT_REQUEST_UNKNOWN", "no such export request from this terminal"))?;
    match request.state {
        ExportRequestState::Approved => {}
        ExportRequestState::Pending => {
            return Err(refuse("EXPORT_NOT_APPROVED", "a supervisor has not approved it yet"))
        }
        ExportRequestState::Refused => {
            return Err(refuse("EXPORT_REQUEST_REFUSED", "a supervisor refused this request"))
        }
        ExportRequestState::Used => return Err(refuse("EXPORT_GRANT_USED", "this approval was already used")),
        ExportRequestState::Expired => {
            return Err(refuse("EXPORT_REQUEST_EXPIRED", "nobody decided on this request in time; ask again"))
        }
    }
    let token = request.grant.as_deref().ok_or_else(|| refuse("EXPORT_NOT_APPROVED", "no approval was received"))?;
    let grant = verify_grant(token, &key, input.terminal_id, input.device_key_fpr, &designation, input.now)
        .map_err(grant_error)?;
    let scope = ExportScope {
        layout: request.layout.clone(),
        session_ids: request.session_ids.clone(),
        purpose: request.purpose.clone(),
        recipient: request.recipient_id.clone(),
    };
    grant.ensure_request(request.request_id).and_then(|()| grant.ensure_scope(&scope)).map_err(grant_error)?;
    if (input.grant_used)(grant.jti) {
        return Err(refuse("EXPORT_GRANT_USED", "this approval was already used"));
    }
    let recipient = state
        .recipients
        .iter()
        .find(|r| r.recipient_id == request.recipient_id)
        .cloned()
        .ok_or_else(|| refuse("EXPORT_RECIPIENT_UNKNOWN", "the recipient is no longer registered"))?;
    Ok(Authorized { designation, grant, request, recipient })
}

#[cfg(test)]
mod tests;
