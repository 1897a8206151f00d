//! What a person's assertion authorises, and the challenge that binds it to one
//! action on one terminal.
//!
//! The challenge an authenticator signs is
//! `SHA-256("uketsuke/challenge/v1" ‖ 0 ‖ nonce ‖ terminal ‖ SHA-256("uketsuke/action/v1" ‖ 0 ‖ action))`,
//! where `nonce` is 32 random bytes from whoever issues the challenge (the service
//! for online actions, the terminal itself for an offline login), `terminal` the
//! SHA-256 of the terminal's client certificate (zeros for a terminal that is not
//! enrolled) and `action` the action's canonical JSON. The signature therefore
//! proves, to anyone holding the public credential, which person authorised
//! which action on which terminal, and a changed resident, reason or decision
//! no longer verifies.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// One act a person authorises with their authenticator. Field order is part of
/// the canonical form: append fields, never reorder them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// A login at a terminal that reached the service.
    OnlineLogin { staff_id: String },
    /// A login verified on the terminal alone; `at` is the terminal's clock (RFC 3339).
    OfflineLogin { staff_id: String, at: String },
    /// One view of one resident's 個人番号, for a stated reason.
    MyNumberView { staff_id: String, resident_id: String, reason: String },
    /// A person changes their own password: to exactly the one in the request
    /// (`change_digest`, [`password_change_digest`]).
    PasswordChange { staff_id: String, change_digest: String },
    /// A clerk asks to export (the request's content digest, computed by the terminal
    /// over what it sends).
    ExportRequest { staff_id: String, request_digest: String },
    /// A supervisor approves or refuses one export request.
    ExportDecision { staff_id: String, request_id: Uuid, approve: bool, comment: String },
    /// A supervisor unlocks a colleague's account.
    AccountUnlock { staff_id: String, target_staff_id: String },
}

impl Action {
    /// Whose act this is: the person whose credential must have signed it.
    pub fn staff_id(&self) -> &str {
        match self {
            Action::OnlineLogin { staff_id }
            | Action::OfflineLogin { staff_id, .. }
            | Action::MyNumberView { staff_id, .. }
            | Action::PasswordChange { staff_id, .. }
            | Action::ExportRequest { staff_id, .. }
            | Action::ExportDecision { staff_id, .. }
            | Action::AccountUnlock { staff_id, .. } => staff_id,
        }
    }

    /// The action's name as stored with a challenge (`my_number_view`, …).
    pub fn kind(&self) -> &'static str {
        match self {
            Action::OnlineLogin { .. } => "online_login",
            Action::OfflineLogin { .. } => "offline_login",
            Action::MyNumberView { .. } => "my_number_view",
            Action::PasswordChange { .. } => "password_change",
            Action::ExportRequest { .. } => "export_request",
            Action::ExportDecision { .. } => "export_decision",
            Action::AccountUnlock { .. } => "account_unlock",
        }
    }

    /// SHA-256 over the canonical JSON, domain-separated.
    pub fn digest(&self) -> [u8; 32] {
        let json = serde_json::to_vec(self).expect("an action always serialises");
        let mut h = Sha256::new();
        h.update(b"uketsuke/action/v1\0");
        h.update(&json);
        h.finalize().into()
    }
}

/// A digest of a request's content for an action that names it (an export
/// request): SHA-256 over its canonical JSON, hex.
pub fn content_digest(value: &impl Serialize) -> String {
    let json = serde_json::to_vec(value).expect("a request always serialises");
    let mut h = Sha256::new();
    h.update(b"uketsuke/content/v1\0");
    h.update(&json);
    hex::encode(h.finalize())
}

/// The bytes an authenticator signs for `action` on the terminal whose client
/// certificate hashes to `terminal_cert_sha256`.
pub fn bound_challenge(nonce: &[u8; 32], terminal_cert_sha256: &[u8; 32], action: &Action) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(b"uketsuke/challenge/v1\0");
    h.update(nonce);
    h.update(terminal_cert_sha256);
    h.update(action.digest());
    h.finalize().into()
}

/// What a password change's proof binds: the current and the new password,
/// under a random `binding` the request carries and the service does not keep
/// (so the digest it keeps with the act cannot be used to guess the passwords).
pub fn password_change_digest(binding: &str, current: &str, new: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"uketsuke/password-change/v1\0");
    for part in [binding, current, new] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// 32 bytes from the OS CSPRNG, for a challenge's nonce.
pub fn fresh_nonce() -> [u8; 32] {
    let mut n = [0u8; 32];
    getrandom::fill(&mut n).expect("the OS random source is available");
    n
}

/// The terminal binding used before a terminal is enrolled (demo mode).
pub const UNENROLLED_TERMINAL: [u8; 32] = [0u8; 32];

#[cfg(test)]
mod tests {
    use super::*;

    fn view(resident: &str) -> Action {
        Action::MyNumberView { staff_id: "S0100".into(), resident_id: resident.into(), reason: "本人確認".into() }
    }

    #[test]
    fn every_part_of_the_binding_changes_the_challenge() {
        let nonce = [7u8; 32];
        let terminal = [1u8; 32];
        let base = bound_challenge(&nonce, &terminal, &view("R1"));
        assert_eq!(base, bound_challenge(&nonce, &terminal, &view("R1")), "deterministic");
        assert_ne!(base, bound_challenge(&[8u8; 32], &terminal, &view("R1")), "nonce");
        assert_ne!(base, bound_challenge(&nonce, &[2u8; 32], &view("R1")), "terminal");
        assert_ne!(base, bound_challenge(&nonce, &terminal, &view("R2")), "resident");
        let other_reason =
            Action::MyNumberView { staff_id: "S0100".into(), resident_id: "R1".into(), reason: "照会".into() };
        assert_ne!(base, bound_challenge(&nonce, &terminal, &other_reason), "reason");
        let other_person =
            Action::MyNumberView { staff_id: "S0101".into(), resident_id: "R1".into(), reason: "本人確認".into() };
        assert_ne!(base, bound_challenge(&nonce, &terminal, &other_person), "person");
    }

    #[test]
    fn the_canonical_form_names_the_kind() {
        let change = Action::PasswordChange { staff_id: "S1".into(), change_digest: "ab".into() };
        let json = serde_json::to_string(&change).unwrap();
        assert_eq!(json, r#"{"kind":"password_change","staff_id":"S1","change_digest":"ab"}"#);
        assert_eq!(change.kind(), "password_change");
    }

    #[test]
    fn a_password_change_digest_binds_both_passwords_and_the_binding() {
        let d = password_change_digest("b", "old-password", "new-password");
        assert_eq!(d, password_change_digest("b", "old-password", "new-password"));
        assert_ne!(d, password_change_digest("b", "old-password", "other-password"));
        assert_ne!(d, password_change_digest("b", "other-password", "new-password"));
        assert_ne!(d, password_change_digest("c", "old-password", "new-password"));
        // Parts are length-prefixed: moving text between them changes the digest.
        assert_ne!(password_change_digest("b", "ab", "c"), password_change_digest("b", "a", "bc"));
    }

    #[test]
    fn nonces_differ() {
        assert_ne!(fresh_nonce(), fresh_nonce());
    }
}
