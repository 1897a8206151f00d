//! The terminal's side of "people, not terminals": ask the service for a
//! challenge bound to this terminal and one action, let the person's
//! authenticator sign it, and hand the proof to the act's request. Also the
//! registration of a new authenticator with an administrator's invitation.

use std::sync::{Arc, Mutex};

use uketsuke_identity::wire::Url;
use uketsuke_identity::{Action, Authenticator, IdentityError};
use uketsuke_protocol::identity::{
    ChallengeRequest, ChallengeResponse, PersonProof, PublicKeyCredential, RegistrationFinishRequest,
    RegistrationFinishResponse, RegistrationStartRequest, RegistrationStartResponse, RequestChallengeResponse,
};

use crate::engine::Engine;
use crate::error::{Result, SyncError};

/// The authenticator a terminal uses, shared by the ceremonies that need it.
pub type SharedAuthenticator = Arc<Mutex<Box<dyn Authenticator>>>;

impl Engine {
    pub async fn challenge(&self, action: &Action) -> Result<ChallengeResponse> {
        let req = ChallengeRequest { action: action.clone() };
        let (res, _) = self.transport().post("/v1/identity/challenge", &req, (self.now)()).await?;
        Ok(res)
    }

    /// A supervisor's verified unlock of a colleague's account.
    pub async fn unlock(&self, req: &uketsuke_protocol::UnlockRequest) -> Result<uketsuke_protocol::UnlockResponse> {
        let (res, _) = self.transport().post("/v1/auth/unlock", req, (self.now)()).await?;
        Ok(res)
    }

    pub async fn register_start(&self, req: &RegistrationStartRequest) -> Result<RegistrationStartResponse> {
        let (res, _) = self.transport().post("/v1/identity/register/start", req, (self.now)()).await?;
        Ok(res)
    }

    pub async fn register_finish(&self, req: &RegistrationFinishRequest) -> Result<RegistrationFinishResponse> {
        let (res, _) = self.transport().post("/v1/identity/register/finish", req, (self.now)()).await?;
        Ok(res)
    }
}

fn origin(s: &str) -> Result<Url> {
    Url::parse(s).map_err(|e| SyncError::Protocol(format!("origin {s:?}: {e}")))
}

/// Run a blocking authenticator call off the async runtime (a security key
/// waits for a touch).
async fn with_authenticator<T: Send + 'static>(
    authenticator: &SharedAuthenticator,
    f: impl FnOnce(&mut dyn Authenticator) -> uketsuke_identity::Result<T> + Send + 'static,
) -> Result<T> {
    let authenticator = authenticator.clone();
    tokio::task::spawn_blocking(move || {
        let mut guard = authenticator.lock().unwrap_or_else(|p| p.into_inner());
        f(guard.as_mut())
    })
    .await
    .map_err(|e| SyncError::Authenticator(IdentityError::AuthenticatorFailed(e.to_string())))?
    .map_err(SyncError::Authenticator)
}

/// The person's proof for `action`: a fresh challenge from the service, signed
/// by their authenticator after it verified them.
pub async fn prove(engine: &Engine, authenticator: &SharedAuthenticator, action: &Action) -> Result<PersonProof> {
    let challenge = engine.challenge(action).await?;
    sign(authenticator, challenge).await
}

/// The person's authenticator signs a challenge the service issued.
pub async fn sign(authenticator: &SharedAuthenticator, challenge: ChallengeResponse) -> Result<PersonProof> {
    let origin = origin(&challenge.origin)?;
    let assertion = assert(authenticator, origin, challenge.options).await?;
    Ok(PersonProof { challenge_id: challenge.challenge_id, assertion })
}

/// The person's authenticator signs `options` (a challenge this terminal made
/// itself, for a login verified here), off the async runtime.
pub async fn assert(
    authenticator: &SharedAuthenticator,
    origin: Url,
    options: RequestChallengeResponse,
) -> Result<PublicKeyCredential> {
    with_authenticator(authenticator, move |a| a.assert(&origin, options)).await
}

/// Register the person's authenticator: the invitation and the password first,
/// then the authenticator makes a credential, which the service judges against
/// the city's policy.
pub async fn register(
    engine: &Engine,
    authenticator: &SharedAuthenticator,
    start: &RegistrationStartRequest,
    label: &str,
) -> Result<RegistrationFinishResponse> {
    let started = engine.register_start(start).await?;
    let origin = origin(&started.origin)?;
    let options = started.options;
    let credential = with_authenticator(authenticator, move |a| a.register(&origin, options)).await?;
    engine
        .register_finish(&RegistrationFinishRequest {
            registration_id: started.registration_id,
            credential,
            label: label.to_owned(),
        })
        .await
}
