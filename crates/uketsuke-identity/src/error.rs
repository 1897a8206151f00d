//! One error type with stable codes; the service and the terminal map them
//! onto their own error types unchanged.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// The relying party's id is not a host name (`rp_id` in the service's configuration).
    #[error("the relying party id {0:?} is not a valid host name")]
    BadRelyingParty(String),
    /// The policy accepts no authenticator model at all.
    #[error("no authenticator model is accepted: configure attestation CAs with their AAGUIDs")]
    PolicyEmpty,
    /// An attestation CA in the policy could not be read.
    #[error("attestation CA {0}: {1}")]
    BadAttestationCa(String, String),
    /// Registration refused: the attestation does not chain to an accepted CA for
    /// the authenticator's model, or the authenticator did not verify its user.
    #[error("the authenticator was refused by the city's policy: {0}")]
    AuthenticatorNotAccepted(String),
    /// Registration refused: a software authenticator outside the demo city.
    #[error("software authenticators are accepted only by the demo city")]
    SoftwareAuthenticatorRefused,
    /// The assertion names a credential that is not among those allowed.
    #[error("the assertion was made with a credential that is not registered for this person")]
    CredentialUnknown,
    /// Signature, challenge, origin, relying party or user verification did not check out.
    #[error("the assertion does not verify: {0}")]
    AssertionInvalid(String),
    /// The authenticator's counter did not move forward (a cloned key, or a replay).
    #[error("the authenticator's signature counter went back ({stored} → {seen})")]
    CounterRegressed { stored: u32, seen: u32 },
    /// Stored state or a credential could not be (de)serialised.
    #[error("stored identity data is unreadable: {0}")]
    Corrupt(String),
    /// Client side: no authenticator is attached or configured on this terminal.
    #[error("no authenticator was found")]
    AuthenticatorNotFound,
    /// Client side: the person cancelled, or nobody touched the key in time.
    #[error("the authenticator was not used in time")]
    AuthenticatorTimeout,
    /// Client side: the authenticator holds no credential for this person.
    #[error("this authenticator is not registered for this person")]
    AuthenticatorNotRecognised,
    /// Client side: anything else the authenticator reported.
    #[error("the authenticator failed: {0}")]
    AuthenticatorFailed(String),
}

impl IdentityError {
    /// The stable code (upper snake case) shown to the window and on the wire.
    pub fn code(&self) -> &'static str {
        match self {
            IdentityError::BadRelyingParty(_) => "IDENTITY_CONFIG_INVALID",
            IdentityError::PolicyEmpty => "AUTHENTICATOR_POLICY_EMPTY",
            IdentityError::BadAttestationCa(..) => "IDENTITY_CONFIG_INVALID",
            IdentityError::AuthenticatorNotAccepted(_) => "AUTHENTICATOR_NOT_ACCEPTED",
            IdentityError::SoftwareAuthenticatorRefused => "AUTHENTICATOR_SOFTWARE_REFUSED",
            IdentityError::CredentialUnknown => "IDENTITY_CREDENTIAL_UNKNOWN",
            IdentityError::AssertionInvalid(_) => "IDENTITY_ASSERTION_INVALID",
            IdentityError::CounterRegressed { .. } => "IDENTITY_COUNTER_REGRESSED",
            IdentityError::Corrupt(_) => "IDENTITY_DATA_CORRUPT",
            IdentityError::AuthenticatorNotFound => "AUTHENTICATOR_NOT_FOUND",
            IdentityError::AuthenticatorTimeout => "AUTHENTICATOR_TIMEOUT",
            IdentityError::AuthenticatorNotRecognised => "AUTHENTICATOR_NOT_RECOGNISED",
            IdentityError::AuthenticatorFailed(_) => "AUTHENTICATOR_FAILED",
        }
    }
}

pub type Result<T> = std::result::Result<T, IdentityError>;
