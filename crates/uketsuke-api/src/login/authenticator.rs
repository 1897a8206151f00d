//! The second factor of a login: the person's own authenticator (a security key
//! with a fingerprint sensor, Windows Hello; the software token in the demo).
//!
//! Online, the service issues the challenge and checks the assertion itself
//! (`App::login`). Offline, and in the demo, this terminal makes the challenge
//! ([`LocalChallenge`]): a fresh nonce bound to this terminal's certificate and
//! to `OfflineLogin { staff_id, at }`, signed by one of the person's registered
//! credentials and verified here with their public key only. The evidence goes
//! into the `login_ok` entry, and the service verifies it again when the log
//! arrives.

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use uketsuke_identity::wire::{PublicKeyCredential, RequestChallengeResponse, Url};
use uketsuke_identity::{
    bound_challenge, counter_advances, fresh_nonce, Action, IdentityError, LoginEvidence, PublicCredential,
    RelyingParty, UNENROLLED_TERMINAL,
};
use uketsuke_store::accounts::{self, LocalAuthenticator};

use crate::error::{ApiError, ApiResult};

/// The relying party of a demo store, which never syncs (an enrolled terminal
/// takes the city's from the catalog).
pub const DEMO_RP_ID: &str = "demo.uketsuke.example";

/// How a login's second factor was proven.
#[derive(Debug, Clone)]
pub enum LoginProof {
    /// The service verified the assertion over its own challenge (its counter is
    /// noted here too, so an offline login later must go past it).
    Online { challenge_id: uuid::Uuid, credential_id: Vec<u8>, counter: u32 },
    /// Verified on this terminal against a synced public credential.
    Local { evidence: Box<LoginEvidence>, credential_id: Vec<u8>, counter: u32 },
}

/// A refusal of the second factor: why (for the access log) and what the window shows.
pub type Refusal = (&'static str, ApiError);

/// A challenge this terminal made for one person's login.
pub struct LocalChallenge {
    rp: RelyingParty,
    registered: Vec<LocalAuthenticator>,
    nonce: [u8; 32],
    at: String,
    challenge: [u8; 32],
    pub origin: Url,
    pub options: RequestChallengeResponse,
}

/// The signature counter an assertion carries: bytes 33–36 of its authenticator
/// data (after the relying party's hash and the flags; WebAuthn §6.1). Read only
/// after the service verified the assertion.
pub fn signed_counter(assertion: &PublicKeyCredential) -> Option<u32> {
    let data = &assertion.response.authenticator_data;
    data.get(33..37).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The refusal for a person with no authenticator this terminal knows of.
pub fn no_authenticator() -> ApiError {
    ApiError::new("AUTH_NO_AUTHENTICATOR", "no authenticator is registered for this staff member here")
}

pub fn identity_refusal(e: IdentityError) -> Refusal {
    let reason = match e {
        IdentityError::AuthenticatorNotFound => "authenticator_not_found",
        IdentityError::AuthenticatorTimeout => "authenticator_timeout",
        IdentityError::AuthenticatorNotRecognised | IdentityError::CredentialUnknown => "authenticator_not_theirs",
        IdentityError::CounterRegressed { .. } => "counter_regressed",
        _ => "authenticator",
    };
    (reason, ApiError::new(e.code(), e.to_string()))
}

impl LocalChallenge {
    /// The challenge for `staff_id` at this terminal (`terminal_cert_sha256`:
    /// `None` for a demo store) at `now`.
    pub fn new(
        conn: &Connection,
        staff_id: &str,
        terminal_cert_sha256: Option<[u8; 32]>,
        now: DateTime<Utc>,
    ) -> ApiResult<Result<LocalChallenge, Refusal>> {
        let rp_id = match terminal_cert_sha256 {
            Some(_) => uketsuke_store::sync::get_value(conn, uketsuke_store::sync::RP_ID)?,
            None => Some(DEMO_RP_ID.to_owned()),
        };
        let registered = accounts::authenticators(conn, staff_id)?;
        let Some(rp_id) = rp_id.filter(|_| !registered.is_empty()) else {
            return Ok(Err(("no_authenticator", no_authenticator())));
        };
        let rp = RelyingParty::new(&rp_id).map_err(|e| ApiError::new(e.code(), e.to_string()))?;
        let nonce = fresh_nonce();
        let at = now.to_rfc3339();
        let action = Action::OfflineLogin { staff_id: staff_id.to_owned(), at: at.clone() };
        let challenge = bound_challenge(&nonce, &terminal_cert_sha256.unwrap_or(UNENROLLED_TERMINAL), &action);
        let credentials: Vec<PublicCredential> = registered.iter().map(|a| a.credential.clone()).collect();
        let options =
            rp.request_options(&credentials, &challenge).map_err(|e| ApiError::new(e.code(), e.to_string()))?;
        let origin = rp.origin().clone();
        Ok(Ok(LocalChallenge { rp, registered, nonce, at, challenge, origin, options }))
    }

    /// Check the authenticator's answer: one of the person's credentials signed
    /// exactly this challenge, verified its user, and its counter moved forward.
    pub fn check(&self, assertion: PublicKeyCredential) -> Result<LoginProof, Refusal> {
        let credentials: Vec<PublicCredential> = self.registered.iter().map(|a| a.credential.clone()).collect();
        let verified = self.rp.verify(&credentials, &self.challenge, &assertion).map_err(identity_refusal)?;
        let highest = self
            .registered
            .iter()
            .find(|a| a.credential.id() == verified.credential_id.as_slice())
            .map(|a| a.sign_count)
            .unwrap_or(0);
        if !counter_advances(highest, verified.counter) {
            return Err(identity_refusal(IdentityError::CounterRegressed { stored: highest, seen: verified.counter }));
        }
        Ok(LoginProof::Local {
            evidence: Box::new(LoginEvidence { nonce: hex::encode(self.nonce), at: self.at.clone(), assertion }),
            credential_id: verified.credential_id,
            counter: verified.counter,
        })
    }
}
