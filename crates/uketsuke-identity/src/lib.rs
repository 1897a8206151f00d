//! People, not terminals.
//!
//! Staff prove who they are with a password (Argon2id, `uketsuke-auth`) and a
//! FIDO2/WebAuthn authenticator that verifies them (fingerprint or face: a
//! security key with a sensor, or Windows Hello). This crate holds the parts
//! both ends share: the city's authenticator [`policy`], registration and
//! assertion checks ([`RelyingParty`], webauthn-rs), the [`Action`] an
//! assertion authorises and the challenge that binds it to one terminal
//! ([`bound_challenge`]), and the client interface to an authenticator
//! ([`Authenticator`], webauthn-authenticator-rs). No IO, no clock.

mod action;
mod client;
mod credential;
mod error;
mod login;
pub mod policy;
mod relying_party;
#[cfg(any(feature = "usb", feature = "nfc"))]
mod security_key;
#[cfg(feature = "softtoken")]
mod soft;
#[cfg(all(windows, feature = "windows-hello"))]
mod windows_hello;

pub use action::{bound_challenge, content_digest, fresh_nonce, password_change_digest, Action, UNENROLLED_TERMINAL};
pub use client::{Authenticator, Backend};
pub use credential::{counter_advances, PublicCredential};
pub use error::{IdentityError, Result};
pub use login::LoginEvidence;
pub use policy::{AuthenticatorPolicy, TrustedModel, SOFTWARE_AAGUID};
pub use relying_party::{Registered, RegistrationStart, RelyingParty, Verified};
#[cfg(any(feature = "usb", feature = "nfc"))]
pub use security_key::SecurityKey;
#[cfg(feature = "softtoken")]
pub use soft::SoftAuthenticator;
#[cfg(all(windows, feature = "windows-hello"))]
pub use windows_hello::windows_hello;

/// The wire types of a ceremony, as webauthn-rs defines them.
pub mod wire {
    pub use webauthn_rs::prelude::{
        CreationChallengeResponse, PublicKeyCredential, RegisterPublicKeyCredential, RequestChallengeResponse, Url,
    };
}
