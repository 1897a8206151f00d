//! The terminal's side of a ceremony: an authenticator that makes a credential
//! or signs a challenge, behind one interface whatever the transport (USB or
//! NFC security key, Windows Hello, or the software authenticator of tests and
//! the demo city). The implementations are webauthn-authenticator-rs's; the
//! calls block until the person touches the key, so callers run them off the
//! async runtime.

use webauthn_authenticator_rs::error::WebauthnCError;
use webauthn_authenticator_rs::{AuthenticatorBackend, WebauthnAuthenticator};
use webauthn_rs::prelude::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url,
};

use crate::error::{IdentityError, Result};

/// Something a person proves themselves with.
pub trait Authenticator: Send {
    /// A label for logs and the window (`software (demo)`, `USB security key`, …).
    fn describe(&self) -> String;
    /// Make a credential (registration). The authenticator verifies its user.
    fn register(&mut self, origin: &Url, options: CreationChallengeResponse) -> Result<RegisterPublicKeyCredential>;
    /// Sign a challenge with one of the allowed credentials, verifying the user.
    fn assert(&mut self, origin: &Url, options: RequestChallengeResponse) -> Result<PublicKeyCredential>;
}

/// Any webauthn-authenticator-rs backend, through its checked high-level calls.
pub struct Backend<T> {
    backend: T,
    label: String,
}

impl<T: AuthenticatorBackend + Send> Backend<T> {
    pub fn new(backend: T, label: impl Into<String>) -> Self {
        Backend { backend, label: label.into() }
    }

    pub fn inner(&self) -> &T {
        &self.backend
    }
}

impl<T: AuthenticatorBackend + Send> Authenticator for Backend<T> {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn register(&mut self, origin: &Url, options: CreationChallengeResponse) -> Result<RegisterPublicKeyCredential> {
        self.backend.do_registration(origin.clone(), options).map_err(client_error)
    }

    fn assert(&mut self, origin: &Url, options: RequestChallengeResponse) -> Result<PublicKeyCredential> {
        self.backend.do_authentication(origin.clone(), options).map_err(client_error)
    }
}

/// What the window can tell a person: no key, too slow, not this person's key.
pub(crate) fn client_error(e: WebauthnCError) -> IdentityError {
    use webauthn_authenticator_rs::error::CtapError;
    match e {
        WebauthnCError::NoSelectedToken => IdentityError::AuthenticatorNotFound,
        WebauthnCError::Cancelled | WebauthnCError::Ctap(CtapError::Ctap2UserActionTimeout) => {
            IdentityError::AuthenticatorTimeout
        }
        WebauthnCError::Ctap(CtapError::Ctap2NoCredentials) => IdentityError::AuthenticatorNotRecognised,
        other => IdentityError::AuthenticatorFailed(format!("{other:?}")),
    }
}
