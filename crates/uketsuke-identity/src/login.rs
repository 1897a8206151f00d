//! A login verified on a terminal alone (offline, before the service can be
//! asked), and the evidence that lets the service check it later.
//!
//! The terminal draws its own nonce, the person's authenticator signs
//! [`bound_challenge`]`(nonce, terminal, OfflineLogin { staff_id, at })`, and
//! the terminal verifies the assertion with the public credentials the service
//! synced. The nonce, the time and the assertion travel in the shipped access
//! log, where the service verifies them again with its own copy of the
//! credential: a terminal cannot invent a login its owner's key did not sign.

use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::PublicKeyCredential;

use crate::action::{bound_challenge, Action};
use crate::error::{IdentityError, Result};

/// What a login verified offline leaves for the service to check.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginEvidence {
    /// The terminal's nonce, hex.
    pub nonce: String,
    /// The terminal's clock at the login (RFC 3339), part of the signed action.
    pub at: String,
    pub assertion: PublicKeyCredential,
}

impl LoginEvidence {
    /// The action the assertion claims to authorise.
    pub fn action(&self, staff_id: &str) -> Action {
        Action::OfflineLogin { staff_id: staff_id.to_owned(), at: self.at.clone() }
    }

    pub fn nonce_bytes(&self) -> Result<[u8; 32]> {
        let bytes = hex::decode(&self.nonce).map_err(|e| IdentityError::Corrupt(format!("login nonce: {e}")))?;
        bytes.try_into().map_err(|_| IdentityError::Corrupt("login nonce is not 32 bytes".into()))
    }

    /// The challenge the assertion must have signed, at the terminal whose
    /// certificate hashes to `terminal_cert_sha256`.
    pub fn challenge(&self, staff_id: &str, terminal_cert_sha256: &[u8; 32]) -> Result<[u8; 32]> {
        Ok(bound_challenge(&self.nonce_bytes()?, terminal_cert_sha256, &self.action(staff_id)))
    }
}
