//! FIDO2 security keys (CTAP 2) over USB HID and, where a PC/SC reader and its
//! service are present, NFC, through webauthn-authenticator-rs: the city's
//! fingerprint keys. Each ceremony finds the key anew on every transport built
//! in (it may have been unplugged or taken off the reader since), waits up to
//! `wait` for one, and lets the key verify its user; a key that asks for a PIN
//! instead is not used (no PIN entry here: the city's policy is a biometric key).
//! Without a PC/SC service NFC is simply absent (the library logs it).
//!
//! The calls block (the person has to touch the key): run them off the async
//! runtime, e.g. in `spawn_blocking`, on a thread of a Tokio runtime.

use std::time::Duration;

use webauthn_authenticator_rs::ctap2::{select_one_device, CtapAuthenticator};
use webauthn_authenticator_rs::transport::{AnyToken, AnyTransport, Transport};
use webauthn_authenticator_rs::types::{CableRequestType, CableState, EnrollSampleStatus};
use webauthn_authenticator_rs::ui::UiCallback;
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_rs::prelude::{
    CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url,
};

use crate::client::{client_error, Authenticator};
use crate::error::{IdentityError, Result};

/// What the key asks of the person, for the log (the window shows its own prompt).
#[derive(Debug, Default)]
struct Prompt;

impl UiCallback for Prompt {
    fn request_pin(&self) -> Option<String> {
        tracing::warn!("the security key asked for a PIN; only keys that verify by fingerprint are used");
        None
    }
    fn request_touch(&self) {
        tracing::info!("touch the security key");
    }
    fn processing(&self) {}
    fn fingerprint_enrollment_feedback(&self, _remaining: u32, _feedback: Option<EnrollSampleStatus>) {}
    fn cable_qr_code(&self, _request_type: CableRequestType, _url: String) {}
    fn dismiss_qr_code(&self) {}
    fn cable_status_update(&self, _state: CableState) {}
}

pub struct SecurityKey {
    wait: Duration,
    prompt: Prompt,
}

impl SecurityKey {
    /// Wait up to `wait` for a key to be plugged in or touched.
    pub fn new(wait: Duration) -> Self {
        SecurityKey { wait, prompt: Prompt }
    }

    fn with_key<T>(
        &self,
        f: impl FnOnce(&mut CtapAuthenticator<'_, AnyToken, Prompt>) -> std::result::Result<T, IdentityError>,
    ) -> Result<T> {
        let handle = tokio::runtime::Handle::try_current()
            .map_err(|_| IdentityError::AuthenticatorFailed("no async runtime for the USB transport".into()))?;
        let _context = handle.enter();
        // No USB access (no hidraw, no udev) is no key found, as far as a person can tell.
        let transport = handle.block_on(AnyTransport::new()).map_err(|e| {
            tracing::warn!(error = ?e, "no security key transport");
            IdentityError::AuthenticatorNotFound
        })?;
        let stream = handle.block_on(transport.watch()).map_err(|e| {
            tracing::warn!(error = ?e, "cannot watch for security keys");
            IdentityError::AuthenticatorNotFound
        })?;
        let found = handle.block_on(tokio::time::timeout(self.wait, select_one_device(stream, &self.prompt)));
        let mut key = found.ok().flatten().ok_or(IdentityError::AuthenticatorNotFound)?;
        f(&mut key)
    }
}

impl Authenticator for SecurityKey {
    fn describe(&self) -> String {
        "セキュリティキー（USB・NFC）".into()
    }

    fn register(&mut self, origin: &Url, options: CreationChallengeResponse) -> Result<RegisterPublicKeyCredential> {
        self.with_key(|key| key.do_registration(origin.clone(), options).map_err(client_error))
    }

    fn assert(&mut self, origin: &Url, options: RequestChallengeResponse) -> Result<PublicKeyCredential> {
        self.with_key(|key| key.do_authentication(origin.clone(), options).map_err(client_error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This machine has no security key: the ceremony says so within the wait,
    /// with the code the window explains (認証器が見つかりません).
    #[test]
    fn without_a_key_the_ceremony_ends_with_not_found() {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let result = rt.block_on(async {
            tokio::task::spawn_blocking(|| SecurityKey::new(Duration::from_millis(300)).with_key(|_| Ok(())))
                .await
                .unwrap()
        });
        assert_eq!(result.unwrap_err().code(), "AUTHENTICATOR_NOT_FOUND");
    }

    #[test]
    fn outside_a_runtime_it_says_why() {
        let key = SecurityKey::new(Duration::from_millis(10));
        assert_eq!(key.with_key(|_| Ok(())).unwrap_err().code(), "AUTHENTICATOR_FAILED");
    }
}
