//! People, not terminals: the wire contract of authenticator registration and
//! of the per-action challenges every privileged online act is signed over.
//!
//! A terminal asks `POST /v1/identity/challenge` for an [`Action`] (who, and
//! what exactly); the service answers with a single-use challenge bound to the
//! terminal's certificate and the action ([`uketsuke_identity::bound_challenge`]),
//! the person's authenticator signs it, and the act's request carries the
//! [`PersonProof`]. The service, not the terminal, decides whose act it was.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use uketsuke_identity::wire::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse,
};
pub use uketsuke_identity::{Action, LoginEvidence, PublicCredential};

/// `POST /v1/identity/challenge`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChallengeRequest {
    pub action: Action,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChallengeResponse {
    pub challenge_id: Uuid,
    /// For the authenticator: the challenge, the relying party, the person's
    /// registered credentials, user verification required.
    pub options: RequestChallengeResponse,
    /// The origin the client puts in its client data (`https://<rp_id>`).
    pub origin: String,
    pub expires_at: DateTime<Utc>,
}

/// The proof a privileged request carries: the challenge it answers and the
/// authenticator's assertion over it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PersonProof {
    pub challenge_id: Uuid,
    pub assertion: PublicKeyCredential,
}

/// `POST /v1/identity/register/start`: a staff member, at an enrolled terminal,
/// with the one-time invitation an administrator gave them and their password.
/// `Debug` hides the code and the password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationStartRequest {
    pub staff_id: String,
    pub invite_code: String,
    pub password: String,
}

impl std::fmt::Debug for RegistrationStartRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistrationStartRequest").field("staff_id", &self.staff_id).finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegistrationStartResponse {
    pub registration_id: Uuid,
    pub options: CreationChallengeResponse,
    pub origin: String,
    pub expires_at: DateTime<Utc>,
}

/// `POST /v1/identity/register/finish`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegistrationFinishRequest {
    pub registration_id: Uuid,
    pub credential: RegisterPublicKeyCredential,
    /// The person's own name for it ("Windows Hello 受付2", "指紋キー").
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationFinishResponse {
    /// Hex of the credential id.
    pub credential_id: String,
    /// The accepted model, as the city's policy names it.
    pub model: String,
}
