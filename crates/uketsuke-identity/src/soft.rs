//! The software authenticator (webauthn-authenticator-rs's `SoftToken`): for
//! tests and the demo city only. Its keys sit in a file, so it proves nothing
//! about a person; the service's policy refuses it outside the demo city
//! ([`crate::SOFTWARE_AAGUID`]).

use std::path::Path;

use webauthn_authenticator_rs::error::WebauthnCError;
use webauthn_authenticator_rs::softtoken::SoftToken;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs::prelude::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url,
};
use x509_cert::der::{pem::LineEnding, EncodePem};

use crate::client::{client_error, Authenticator};
use crate::error::{IdentityError, Result};
use crate::policy::{TrustedModel, SOFTWARE_AAGUID};

pub struct SoftAuthenticator {
    token: SoftToken,
    /// Written back after every use (the counter moves), when opened from a file.
    file: Option<std::path::PathBuf>,
}

impl SoftAuthenticator {
    /// A new token that verifies its user (as a fingerprint key would), and the
    /// policy entry that accepts its attestation.
    pub fn new() -> Result<(Self, TrustedModel)> {
        let (token, ca) = SoftToken::new(true).map_err(client_error)?;
        let ca_pem = ca.to_pem(LineEnding::LF).map_err(|e| IdentityError::AuthenticatorFailed(e.to_string()))?;
        let model =
            TrustedModel {
                description: "ソフトウェア認証器（デモ）".into(), ca_pem, aaguids: vec![SOFTWARE_AAGUID]
            };
        Ok((SoftAuthenticator { token, file: None }, model))
    }

    /// A token that does not verify its user: for tests that the policy requires it.
    pub fn without_user_verification() -> Result<(Self, TrustedModel)> {
        let (token, ca) = SoftToken::new(false).map_err(client_error)?;
        let ca_pem = ca.to_pem(LineEnding::LF).map_err(|e| IdentityError::AuthenticatorFailed(e.to_string()))?;
        Ok((
            SoftAuthenticator { token, file: None },
            TrustedModel { description: "no UV".into(), ca_pem, aaguids: vec![SOFTWARE_AAGUID] },
        ))
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        self.token.to_cbor().map_err(client_error)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Ok(SoftAuthenticator { token: SoftToken::from_cbor(bytes).map_err(client_error)?, file: None })
    }

    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|_| IdentityError::AuthenticatorNotFound)?;
        Self::from_bytes(&bytes)
    }

    /// Load from `path` and write back there after every registration and
    /// assertion, as a key keeps its counter.
    pub fn open_file(path: &Path) -> Result<Self> {
        let mut token = Self::load(path)?;
        token.file = Some(path.to_path_buf());
        Ok(token)
    }

    fn persist(&self) -> Result<()> {
        match &self.file {
            Some(path) => self.save(path),
            None => Ok(()),
        }
    }

    /// Write the token (its counter moves with every assertion) atomically.
    pub fn save(&self, path: &Path) -> Result<()> {
        let failed = |e: std::io::Error| IdentityError::AuthenticatorFailed(format!("saving the software token: {e}"));
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, self.to_bytes()?).map_err(failed)?;
        std::fs::rename(&tmp, path).map_err(failed)
    }
}

fn soft_error(e: WebauthnCError) -> IdentityError {
    match e {
        // The software token answers a credential it does not hold with `Internal`.
        WebauthnCError::Internal => IdentityError::AuthenticatorNotRecognised,
        other => client_error(other),
    }
}

impl Authenticator for SoftAuthenticator {
    fn describe(&self) -> String {
        "ソフトウェア認証器（デモ）".into()
    }

    fn register(&mut self, origin: &Url, options: CreationChallengeResponse) -> Result<RegisterPublicKeyCredential> {
        let made = self.token.do_registration(origin.clone(), options).map_err(soft_error)?;
        self.persist()?;
        Ok(made)
    }

    fn assert(&mut self, origin: &Url, options: RequestChallengeResponse) -> Result<PublicKeyCredential> {
        let signed = self.token.do_authentication(origin.clone(), options).map_err(soft_error)?;
        self.persist()?;
        Ok(signed)
    }
}
