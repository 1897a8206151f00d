//! Windows Hello (and any security key Windows knows), through the operating
//! system's own WebAuthn API (webauthn-authenticator-rs `win10`). On Windows an
//! application may not talk to keys over USB HID or NFC itself, so this is the
//! terminal's authenticator there: Windows shows its own prompt (fingerprint,
//! face) and returns the assertion; the checks stay the service's and this
//! crate's. Compiled on Windows only (not on the Linux CI machines).

use webauthn_authenticator_rs::win10::Win10;

use crate::client::Backend;

/// The Windows WebAuthn backend, labelled for logs and the window.
pub fn windows_hello() -> Backend<Win10> {
    Backend::new(Win10::default(), "Windows Hello")
}
