//! Building blocks for export to external media (issue 5): pure logic, time passed in.
//!
//! - [`token`]: an administrator's [`Designation`] of a terminal and a supervisor's
//!   single-use [`Grant`] for one request, as PASETO v4.public tokens (Ed25519, `pasetors`),
//!   bound to the terminal id (audience) and its device key (implicit assertion), and the
//!   [`ExportScope`] hash that ties a grant to exactly the approved dataset.
//! - [`media`]: classification of an **open file handle** (removable, fixed, network,
//!   virtual), removable mounts as opaque ids for the window, and [`write_verified`].
//!   Implemented for Linux (sysfs, mountinfo), Windows (volume GUID, drive type, storage
//!   descriptor) and macOS (`fstatfs`, `diskutil info -plist`). The Windows and macOS system
//!   calls are compile-checked (`x86_64-pc-windows-gnu`, `x86_64-apple-darwin`) and their
//!   decision logic is unit-tested on every OS, but they have not been run on Windows or
//!   macOS. Other systems refuse every write with `EXPORT_MEDIA_UNSUPPORTED_OS`.
//! - [`encrypt`]: age encryption to a recipient's X25519 key or to a passphrase.
//! - [`error`]: the error types; every error has a stable `EXPORT_…` `code()`.
//!
//! Invariants:
//! - Nothing is written unless the handle of the created file classifies as removable media,
//!   before the first byte and again before the rename; on any refusal nothing remains. Where
//!   the platform check is missing or any query fails, the answer is a refusal (fail closed).
//! - Tokens are verified offline against a pinned public key; signature, kind, audience and
//!   device binding are checked before any claim is trusted.
//! - No clock is read: every time check uses the `now` passed in. Single use of a grant,
//!   revocation lists and clock-rollback detection belong to the caller (the store).
//! - Content is encrypted before it reaches the medium, so a misclassification leaks only ciphertext.

pub mod encrypt;
pub mod error;
#[cfg(all(feature = "fixture", target_os = "linux"))]
pub mod fixture;
pub mod media;
pub mod token;

pub use age::secrecy::SecretString;
pub use encrypt::{
    decrypt_with_identity, decrypt_with_passphrase, encrypt_to_recipient, encrypt_with_passphrase, generate_identity,
    parse_recipient, AGE_EXTENSION, MIN_PASSPHRASE_CHARS,
};
pub use error::{EncryptionError, ExportError, MediaError, TokenError};
pub use media::{
    classify_file, open_target, validate_file_name, write_verified, Classifier, ClassifyHandle, MediaInfo, MediaKind,
    RemovableMount, TargetDir, WrittenFile,
};
pub use token::{
    scope_hash, sign_designation, sign_grant, verify_designation, verify_grant, Designation, ExportScope,
    ExportSigningKey, ExportVerifyingKey, Grant, DESIGNATION_TYP, GRANT_TYP,
};
