//! Signed designations and grants: PASETO v4.public (Ed25519) through `pasetors`.
//!
//! - A [`Designation`] is an administrator's designation of one terminal for export.
//! - A [`Grant`] is a supervisor-approved, single-use permission for one export request,
//!   bound to the dataset [`ExportScope`] and to a designation.
//!
//! Both carry `typ` (so one never passes as the other), `aud` = terminal id, and are bound to
//! the terminal's device key fingerprint as a PASETO implicit assertion: the fingerprint is
//! signed but not in the token's text, so a token copied to another device fails to verify.
//! The footer carries `kid`, the PASERK id of the signing key, for key rotation.
//!
//! Time: we use pasetors' low-level `version4::PublicToken`, which verifies the signature
//! only and never reads the clock (its `public::verify` would check `exp`/`nbf` against the
//! system clock). `iat`/`nbf`/`exp` are validated here against the `now` passed in.
//! Single use (the `jti` ledger) and clock-rollback detection are the caller's.

mod claims;
mod keys;
mod scope;

use chrono::{DateTime, Utc};
use pasetors::token::UntrustedToken;
use pasetors::version4::{PublicToken, V4};
use pasetors::Public;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::TokenError;
use claims::{format_time, whole_seconds, DesignationClaims, GrantClaims, Head, Window};

pub use claims::{DESIGNATION_TYP, GRANT_TYP};
pub use keys::{ExportSigningKey, ExportVerifyingKey, SIGNING_KEY_LEN, VERIFYING_KEY_LEN};
pub use scope::{scope_hash, ExportScope, SCOPE_DOMAIN};

/// Prefix of the implicit assertion that binds a token to a device key fingerprint.
pub const DEVICE_ASSERTION_DOMAIN: &str = "uketsuke.export.device-key.v1\n";

/// An administrator's designation of one terminal (and its device key) for export.
/// Valid from `issued_at` until (excluding) `expires_at`. Times are signed in whole seconds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Designation {
    /// Token id (for revocation lists and the access log).
    pub jti: Uuid,
    /// The designated terminal; the token's audience.
    pub terminal_id: String,
    /// Fingerprint of the terminal's device key (bound as implicit assertion).
    pub device_key_fpr: String,
    /// Issue time; also the start of validity.
    pub issued_at: DateTime<Utc>,
    /// End of validity (exclusive).
    pub expires_at: DateTime<Utc>,
}

/// A supervisor-approved, single-use grant for one export request on one designated terminal.
/// Valid on `[max(issued_at, not_before), expires_at)`; never beyond its designation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Token id: the caller records it as used after the write (single use).
    pub jti: Uuid,
    /// The designation this grant relies on.
    pub designation_jti: Uuid,
    /// The terminal; the token's audience.
    pub terminal_id: String,
    /// Fingerprint of the terminal's device key (bound as implicit assertion).
    pub device_key_fpr: String,
    /// The export request approved.
    pub request_id: Uuid,
    /// [`ExportScope::hash`] of the approved dataset.
    pub scope_hash: String,
    /// Staff id of the approving supervisor.
    pub approved_by: String,
    /// Issue time.
    pub issued_at: DateTime<Utc>,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity (exclusive).
    pub expires_at: DateTime<Utc>,
}

impl Grant {
    /// Refuses unless this grant was approved for exactly `scope`.
    pub fn ensure_scope(&self, scope: &ExportScope) -> Result<(), TokenError> {
        if scope.hash() == self.scope_hash {
            Ok(())
        } else {
            Err(TokenError::ScopeMismatch)
        }
    }

    /// Refuses unless this grant belongs to `request_id`.
    pub fn ensure_request(&self, request_id: Uuid) -> Result<(), TokenError> {
        if self.request_id == request_id {
            Ok(())
        } else {
            Err(TokenError::RequestMismatch)
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Footer {
    kid: String,
}

fn device_assertion(device_key_fpr: &str) -> Vec<u8> {
    format!("{DEVICE_ASSERTION_DOMAIN}{device_key_fpr}").into_bytes()
}

fn require_text(name: &str, value: &str) -> Result<(), TokenError> {
    if value.trim().is_empty() {
        return Err(TokenError::ClaimsInvalid(format!("{name} is empty")));
    }
    Ok(())
}

fn sign_payload(key: &ExportSigningKey, payload: &impl Serialize, device_key_fpr: &str) -> Result<String, TokenError> {
    let message = serde_json::to_vec(payload).map_err(|e| TokenError::Sign(e.to_string()))?;
    let footer = serde_json::to_vec(&Footer { kid: key.public_key().fingerprint() })
        .map_err(|e| TokenError::Sign(e.to_string()))?;
    PublicToken::sign(key.secret(), &message, Some(&footer), Some(&device_assertion(device_key_fpr)))
        .map_err(|e| TokenError::Sign(format!("{e:?}")))
}

/// Signs a designation. Times are truncated to whole seconds.
pub fn sign_designation(key: &ExportSigningKey, d: &Designation) -> Result<String, TokenError> {
    require_text("terminal_id", &d.terminal_id)?;
    require_text("device_key_fpr", &d.device_key_fpr)?;
    let iat = whole_seconds(d.issued_at);
    let exp = whole_seconds(d.expires_at);
    Window { issued_at: iat, not_before: iat, expires_at: exp }.check_order()?;
    let claims = DesignationClaims {
        typ: DESIGNATION_TYP.into(),
        aud: d.terminal_id.clone(),
        jti: d.jti,
        device_key_fpr: d.device_key_fpr.clone(),
        iat: format_time(iat),
        nbf: format_time(iat),
        exp: format_time(exp),
    };
    sign_payload(key, &claims, &d.device_key_fpr)
}

/// Signs a grant. Times are truncated to whole seconds; `scope_hash` must be an
/// [`ExportScope::hash`] (64 lower-case hex digits).
pub fn sign_grant(key: &ExportSigningKey, g: &Grant) -> Result<String, TokenError> {
    require_text("terminal_id", &g.terminal_id)?;
    require_text("device_key_fpr", &g.device_key_fpr)?;
    require_text("approved_by", &g.approved_by)?;
    if g.scope_hash.len() != 64 || !g.scope_hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(TokenError::ClaimsInvalid("scope_hash is not a lower-case hex SHA-256".into()));
    }
    let window = Window {
        issued_at: whole_seconds(g.issued_at),
        not_before: whole_seconds(g.not_before),
        expires_at: whole_seconds(g.expires_at),
    };
    window.check_order()?;
    let claims = GrantClaims {
        typ: GRANT_TYP.into(),
        aud: g.terminal_id.clone(),
        jti: g.jti,
        designation_jti: g.designation_jti,
        device_key_fpr: g.device_key_fpr.clone(),
        request_id: g.request_id,
        scope_hash: g.scope_hash.clone(),
        approved_by: g.approved_by.clone(),
        iat: format_time(window.issued_at),
        nbf: format_time(window.not_before),
        exp: format_time(window.expires_at),
    };
    sign_payload(key, &claims, &g.device_key_fpr)
}

/// Verifies the signature (with the device binding), the key id, `typ` and `aud`.
/// Returns the verified payload bytes. Reads no clock.
fn open_token(
    token: &str,
    key: &ExportVerifyingKey,
    expected_typ: &'static str,
    expected_terminal_id: &str,
    device_key_fpr: &str,
) -> Result<Vec<u8>, TokenError> {
    let untrusted = UntrustedToken::<Public, V4>::try_from(token.trim()).map_err(|_| TokenError::Invalid)?;
    let footer: Footer = serde_json::from_slice(untrusted.untrusted_footer()).map_err(|_| TokenError::Invalid)?;
    if footer.kid != key.fingerprint() {
        return Err(TokenError::UnknownKey);
    }
    let payload = match PublicToken::verify(key.inner(), &untrusted, None, Some(&device_assertion(device_key_fpr))) {
        Ok(trusted) => trusted.payload().as_bytes().to_vec(),
        Err(_) => return Err(explain_bad_signature(&untrusted, key, expected_terminal_id, device_key_fpr)),
    };
    let head: Head = serde_json::from_slice(&payload).map_err(|e| TokenError::ClaimsInvalid(e.to_string()))?;
    let typ = head.typ.unwrap_or_default();
    if typ != expected_typ {
        return Err(TokenError::WrongKind { expected: expected_typ, found: typ });
    }
    let aud = head.aud.unwrap_or_default();
    if aud != expected_terminal_id {
        return Err(TokenError::WrongTerminal { expected: expected_terminal_id.into(), found: aud });
    }
    if head.device_key_fpr.as_deref() != Some(device_key_fpr) {
        return Err(TokenError::WrongDevice);
    }
    Ok(payload)
}

/// A signature failed with this terminal's device binding. If it verifies with the binding the
/// token itself names, the token is genuine but was issued for another terminal or device.
fn explain_bad_signature(
    untrusted: &UntrustedToken<Public, V4>,
    key: &ExportVerifyingKey,
    expected_terminal_id: &str,
    device_key_fpr: &str,
) -> TokenError {
    let Ok(head) = serde_json::from_slice::<Head>(untrusted.untrusted_payload()) else {
        return TokenError::Invalid;
    };
    let Some(claimed) = head.device_key_fpr.filter(|c| c != device_key_fpr) else {
        return TokenError::Invalid;
    };
    if PublicToken::verify(key.inner(), untrusted, None, Some(&device_assertion(&claimed))).is_err() {
        return TokenError::Invalid;
    }
    match head.aud {
        Some(aud) if aud != expected_terminal_id => {
            TokenError::WrongTerminal { expected: expected_terminal_id.into(), found: aud }
        }
        _ => TokenError::WrongDevice,
    }
}

/// Verifies a designation offline against the pinned `key`, for this terminal and device key,
/// valid at `now`.
pub fn verify_designation(
    token: &str,
    key: &ExportVerifyingKey,
    expected_terminal_id: &str,
    device_key_fpr: &str,
    now: DateTime<Utc>,
) -> Result<Designation, TokenError> {
    let payload = open_token(token, key, DESIGNATION_TYP, expected_terminal_id, device_key_fpr)?;
    let c: DesignationClaims =
        serde_json::from_slice(&payload).map_err(|e| TokenError::ClaimsInvalid(e.to_string()))?;
    let window = Window::parse(&c.iat, &c.nbf, &c.exp)?;
    window.check_at(now)?;
    Ok(Designation {
        jti: c.jti,
        terminal_id: c.aud,
        device_key_fpr: c.device_key_fpr,
        issued_at: window.issued_at,
        expires_at: window.expires_at,
    })
}

/// Verifies a grant offline against the pinned `key`, for this terminal and device key, valid
/// at `now`, relying on `designation` (which the caller verified at the same `now`): the grant
/// must name it and must not outlive it. The caller still checks the scope
/// ([`Grant::ensure_scope`]) and that the `jti` is unused.
pub fn verify_grant(
    token: &str,
    key: &ExportVerifyingKey,
    expected_terminal_id: &str,
    device_key_fpr: &str,
    designation: &Designation,
    now: DateTime<Utc>,
) -> Result<Grant, TokenError> {
    let payload = open_token(token, key, GRANT_TYP, expected_terminal_id, device_key_fpr)?;
    let c: GrantClaims = serde_json::from_slice(&payload).map_err(|e| TokenError::ClaimsInvalid(e.to_string()))?;
    let window = Window::parse(&c.iat, &c.nbf, &c.exp)?;
    window.check_at(now)?;
    if designation.terminal_id != expected_terminal_id
        || designation.device_key_fpr != device_key_fpr
        || designation.jti != c.designation_jti
    {
        return Err(TokenError::DesignationMismatch);
    }
    if window.expires_at > designation.expires_at {
        return Err(TokenError::OutlivesDesignation);
    }
    Ok(Grant {
        jti: c.jti,
        designation_jti: c.designation_jti,
        terminal_id: c.aud,
        device_key_fpr: c.device_key_fpr,
        request_id: c.request_id,
        scope_hash: c.scope_hash,
        approved_by: c.approved_by,
        issued_at: window.issued_at,
        not_before: window.not_before,
        expires_at: window.expires_at,
    })
}
