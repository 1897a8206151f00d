//! The relying party: registration ceremonies (service only) and assertion
//! checks (service and terminal), all through webauthn-rs.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use webauthn_rs::prelude::{
    AttestationMetadata, AttestedPasskeyRegistration, CreationChallengeResponse, Passkey, PasskeyAuthentication,
    PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url, Webauthn, WebauthnBuilder,
};

use crate::credential::PublicCredential;
use crate::error::{IdentityError, Result};
use crate::policy::AuthenticatorPolicy;

/// The city's relying party: an id (a host name under the city's control, the
/// same on every terminal and the service) and its origin `https://<rp_id>`.
pub struct RelyingParty {
    webauthn: Webauthn,
    rp_id: String,
    origin: Url,
}

/// A registration in progress: the options for the authenticator and the state
/// the service keeps until the authenticator answers.
pub struct RegistrationStart {
    pub options: CreationChallengeResponse,
    /// Serialised webauthn-rs state (challenge, accepted CAs); stays on the service.
    pub state: String,
}

/// A credential the policy accepted.
#[derive(Debug, Clone)]
pub struct Registered {
    pub credential: PublicCredential,
    pub aaguid: Uuid,
    /// The accepted model's description from the policy.
    pub model: String,
}

/// What a verified assertion proved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verified {
    pub credential_id: Vec<u8>,
    /// The authenticator's signature counter (0 if it keeps none).
    pub counter: u32,
}

fn invalid(e: impl std::fmt::Display) -> IdentityError {
    IdentityError::AssertionInvalid(e.to_string())
}

impl RelyingParty {
    pub fn new(rp_id: &str) -> Result<Self> {
        let bad = || IdentityError::BadRelyingParty(rp_id.to_string());
        let origin = Url::parse(&format!("https://{rp_id}")).map_err(|_| bad())?;
        if origin.domain() != Some(rp_id) {
            return Err(bad());
        }
        let webauthn =
            WebauthnBuilder::new(rp_id, &origin).map_err(|_| bad())?.rp_name("Uketsuke").build().map_err(|_| bad())?;
        Ok(RelyingParty { webauthn, rp_id: rp_id.to_string(), origin })
    }

    pub fn rp_id(&self) -> &str {
        &self.rp_id
    }

    /// The origin clients put in their client data.
    pub fn origin(&self) -> &Url {
        &self.origin
    }

    /// Start registering an authenticator for a person. `user_handle` is stable
    /// per person and carries no personal data; `existing` are the ids the
    /// person already holds, which the authenticator must not register again.
    pub fn start_registration(
        &self,
        user_handle: Uuid,
        staff_id: &str,
        display_name: &str,
        existing: Vec<Vec<u8>>,
        policy: &AuthenticatorPolicy,
    ) -> Result<RegistrationStart> {
        let exclude = (!existing.is_empty()).then_some(existing);
        let (options, state) = self
            .webauthn
            .start_attested_passkey_registration(user_handle, staff_id, display_name, exclude, policy.ca_list()?, None)
            .map_err(|e| IdentityError::AuthenticatorNotAccepted(e.to_string()))?;
        let state = serde_json::to_string(&state).map_err(|e| IdentityError::Corrupt(e.to_string()))?;
        Ok(RegistrationStart { options, state })
    }

    /// Check the authenticator's answer: its attestation chains to an accepted
    /// CA for its model, it verified its user, and the policy accepts the model.
    pub fn finish_registration(
        &self,
        state: &str,
        answer: &RegisterPublicKeyCredential,
        policy: &AuthenticatorPolicy,
    ) -> Result<Registered> {
        let state: AttestedPasskeyRegistration =
            serde_json::from_str(state).map_err(|e| IdentityError::Corrupt(format!("registration state: {e}")))?;
        let attested = self
            .webauthn
            .finish_attested_passkey_registration(answer, &state)
            .map_err(|e| IdentityError::AuthenticatorNotAccepted(e.to_string()))?;
        let aaguid = match attested.attestation().metadata {
            AttestationMetadata::Packed { aaguid } | AttestationMetadata::Tpm { aaguid, .. } => aaguid,
            ref other => {
                return Err(IdentityError::AuthenticatorNotAccepted(format!("no model in the attestation: {other:?}")))
            }
        };
        let model = policy.accept(aaguid)?;
        Ok(Registered { credential: PublicCredential::from_passkey(Passkey::from(attested)), aaguid, model })
    }

    /// The options an authenticator needs to sign `challenge` with one of `allowed`.
    pub fn request_options(
        &self,
        allowed: &[PublicCredential],
        challenge: &[u8; 32],
    ) -> Result<RequestChallengeResponse> {
        let (mut options, _) = self.start(allowed)?;
        options.public_key.challenge = challenge.to_vec();
        Ok(options)
    }

    /// Verify an assertion over `challenge` made with one of `allowed`: the
    /// signature, the relying party, the origin and user verification. The
    /// counter is returned for the caller to judge ([`crate::counter_advances`]).
    pub fn verify(
        &self,
        allowed: &[PublicCredential],
        challenge: &[u8; 32],
        assertion: &PublicKeyCredential,
    ) -> Result<Verified> {
        let credential =
            allowed.iter().find(|c| c.id() == assertion.raw_id.as_slice()).ok_or(IdentityError::CredentialUnknown)?;
        let (_, state) = self.start(std::slice::from_ref(credential))?;
        let state = with_challenge(state, challenge)?;
        let result = self.webauthn.finish_passkey_authentication(assertion, &state).map_err(invalid)?;
        if !result.user_verified() {
            return Err(invalid("the authenticator did not verify its user"));
        }
        Ok(Verified { credential_id: credential.id().to_vec(), counter: result.counter() })
    }

    fn start(&self, allowed: &[PublicCredential]) -> Result<(RequestChallengeResponse, PasskeyAuthentication)> {
        let passkeys: Vec<Passkey> = allowed.iter().map(PublicCredential::without_counter).collect();
        if passkeys.is_empty() {
            return Err(IdentityError::CredentialUnknown);
        }
        self.webauthn.start_passkey_authentication(&passkeys).map_err(invalid)
    }
}

/// webauthn-rs picks its own random challenge and offers no way to supply one
/// (upstream #549); ours binds the action, so it replaces the one in the state.
/// The state's serialised form is stable within the pinned 0.6.2; the tests
/// below fail if a change breaks it.
fn with_challenge(state: PasskeyAuthentication, challenge: &[u8; 32]) -> Result<PasskeyAuthentication> {
    let corrupt = |e: serde_json::Error| IdentityError::Corrupt(format!("authentication state: {e}"));
    let mut value = serde_json::to_value(&state).map_err(corrupt)?;
    // The state stores it as URL-safe base64 without padding (serde_with's
    // `Base64<UrlSafe, Unpadded>`).
    let encoded = serde_json::Value::String(URL_SAFE_NO_PAD.encode(challenge));
    let slot = value
        .get_mut("ast")
        .and_then(|a| a.get_mut("challenge"))
        .ok_or_else(|| IdentityError::Corrupt("authentication state has no challenge".into()))?;
    *slot = encoded;
    serde_json::from_value(value).map_err(corrupt)
}
