//! Error types of the crate. Every error has a stable `code()` starting with `EXPORT_`,
//! for logs, the access log and the window's Japanese messages.

use thiserror::Error;

use crate::media::{MediaInfo, MediaKind};

/// A signing key, a token, or a check of a designation or grant failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenError {
    /// Key bytes or a PASERK string are malformed (length, prefix, all-zero seed).
    #[error("export key invalid: {0}")]
    KeyInvalid(String),
    /// The random number generator failed while generating a key.
    #[error("export key generation failed: {0}")]
    KeyGeneration(String),
    /// Claims to be signed are inconsistent (e.g. expiry not after issue), or a verified
    /// token's payload is not the expected shape.
    #[error("token claims invalid: {0}")]
    ClaimsInvalid(String),
    /// Signing failed.
    #[error("token signing failed: {0}")]
    Sign(String),
    /// Not a v4.public token, or the signature does not verify.
    #[error("token invalid (format or signature)")]
    Invalid,
    /// The footer names a key other than the pinned one.
    #[error("token signed by a key that is not pinned on this terminal")]
    UnknownKey,
    /// A designation presented as a grant, or the other way round.
    #[error("token is a {found}, expected a {expected}")]
    WrongKind {
        /// The expected `typ`.
        expected: &'static str,
        /// The `typ` in the token.
        found: String,
    },
    /// The token's audience is another terminal.
    #[error("token is for terminal {found}, not {expected}")]
    WrongTerminal {
        /// This terminal.
        expected: String,
        /// The audience in the token.
        found: String,
    },
    /// The token is signed for this terminal id but another device key.
    #[error("token is bound to another device key")]
    WrongDevice,
    /// `now` is at or after the token's expiry.
    #[error("token expired at {expires_at}")]
    Expired {
        /// The token's `exp`.
        expires_at: chrono::DateTime<chrono::Utc>,
    },
    /// `now` is before the token's `nbf`.
    #[error("token not valid before {not_before}")]
    NotYetValid {
        /// The token's `nbf`.
        not_before: chrono::DateTime<chrono::Utc>,
    },
    /// The grant expires after the designation it relies on.
    #[error("grant expires after the terminal's designation")]
    OutlivesDesignation,
    /// The grant does not refer to the given designation, or that designation is for
    /// another terminal or device.
    #[error("grant does not match the terminal's designation")]
    DesignationMismatch,
    /// The dataset about to be written is not the one approved.
    #[error("grant was approved for another dataset scope")]
    ScopeMismatch,
    /// The grant belongs to another export request.
    #[error("grant belongs to another export request")]
    RequestMismatch,
}

impl TokenError {
    /// A stable identifier for logs and API responses.
    pub fn code(&self) -> &'static str {
        match self {
            TokenError::KeyInvalid(_) => "EXPORT_KEY_INVALID",
            TokenError::KeyGeneration(_) => "EXPORT_KEY_GENERATION",
            TokenError::ClaimsInvalid(_) => "EXPORT_TOKEN_CLAIMS_INVALID",
            TokenError::Sign(_) => "EXPORT_TOKEN_SIGN_FAILED",
            TokenError::Invalid => "EXPORT_TOKEN_INVALID",
            TokenError::UnknownKey => "EXPORT_TOKEN_UNKNOWN_KEY",
            TokenError::WrongKind { .. } => "EXPORT_TOKEN_WRONG_KIND",
            TokenError::WrongTerminal { .. } => "EXPORT_TOKEN_WRONG_TERMINAL",
            TokenError::WrongDevice => "EXPORT_TOKEN_WRONG_DEVICE",
            TokenError::Expired { .. } => "EXPORT_TOKEN_EXPIRED",
            TokenError::NotYetValid { .. } => "EXPORT_TOKEN_NOT_YET_VALID",
            TokenError::OutlivesDesignation => "EXPORT_TOKEN_OUTLIVES_DESIGNATION",
            TokenError::DesignationMismatch => "EXPORT_TOKEN_DESIGNATION_MISMATCH",
            TokenError::ScopeMismatch => "EXPORT_TOKEN_SCOPE_MISMATCH",
            TokenError::RequestMismatch => "EXPORT_TOKEN_REQUEST_MISMATCH",
        }
    }
}

/// Classifying a target or writing to it failed or was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MediaError {
    /// No removable-media check exists for this operating system yet.
    #[error("removable-media check not implemented on {os}")]
    Unsupported {
        /// `std::env::consts::OS`.
        os: &'static str,
    },
    /// The target is not on removable media; nothing was written.
    #[error("target is on {} media ({}); nothing written", info.kind.as_str(), info.device)]
    Refused {
        /// What the target was classified as.
        info: Box<MediaInfo>,
    },
    /// The medium changed between the checks before and after writing.
    #[error("the target medium changed while writing; nothing written")]
    MediaChanged,
    /// The file's device has no entry under `/sys/dev/block`.
    #[error("no sysfs entry for block device {major}:{minor}")]
    UnknownDevice {
        /// Device major number.
        major: u32,
        /// Device minor number.
        minor: u32,
    },
    /// Linux: a sysfs entry exists but cannot be read or makes no sense. Windows: the volume,
    /// its drive type or its storage descriptor cannot be determined. macOS: `diskutil` fails
    /// or its answer cannot be parsed.
    #[error("sysfs: {0}")]
    Sysfs(String),
    /// The mount table (Windows: the volume list; macOS: `/Volumes`) cannot be read or parsed.
    #[error("mountinfo: {0}")]
    Mountinfo(String),
    /// No removable mount has this id (anymore).
    #[error("no removable medium with this id is mounted")]
    MountUnknown,
    /// The file name is empty, has a path separator, `..`, a leading dot or control characters
    /// (Windows also: `:` and other reserved characters, a trailing dot, device names).
    #[error("invalid target file name: {0}")]
    NameInvalid(String),
    /// The target directory cannot be opened as a directory (missing, not a directory, a symlink;
    /// Windows: any reparse point, or no volume GUID path).
    #[error("target directory unusable: {0}")]
    DirInvalid(String),
    /// A file with the target name already exists.
    #[error("target file already exists")]
    TargetExists,
    /// An I/O operation failed.
    #[error("{op}: {message}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The OS error.
        message: String,
    },
    /// After a refusal or failure, the partly written file could not be removed.
    #[error("could not remove {name} after a failure: {message}")]
    CleanupFailed {
        /// The file name left behind.
        name: String,
        /// The OS error.
        message: String,
    },
}

impl MediaError {
    /// A stable identifier for logs and API responses.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::Unsupported { .. } => "EXPORT_MEDIA_UNSUPPORTED_OS",
            MediaError::Refused { info } => match info.kind {
                MediaKind::Fixed => "EXPORT_MEDIA_FIXED",
                MediaKind::Network => "EXPORT_MEDIA_NETWORK",
                MediaKind::Virtual => "EXPORT_MEDIA_VIRTUAL",
                // Never constructed for removable media; kept total.
                MediaKind::Removable => "EXPORT_MEDIA_REFUSED",
            },
            MediaError::MediaChanged => "EXPORT_MEDIA_CHANGED",
            MediaError::UnknownDevice { .. } => "EXPORT_MEDIA_UNKNOWN_DEVICE",
            MediaError::Sysfs(_) => "EXPORT_MEDIA_SYSFS",
            MediaError::Mountinfo(_) => "EXPORT_MEDIA_MOUNTINFO",
            MediaError::MountUnknown => "EXPORT_MEDIA_MOUNT_UNKNOWN",
            MediaError::NameInvalid(_) => "EXPORT_TARGET_NAME_INVALID",
            MediaError::DirInvalid(_) => "EXPORT_TARGET_DIR_INVALID",
            MediaError::TargetExists => "EXPORT_TARGET_EXISTS",
            MediaError::Io { .. } => "EXPORT_MEDIA_IO",
            MediaError::CleanupFailed { .. } => "EXPORT_MEDIA_CLEANUP_FAILED",
        }
    }

    pub(crate) fn io(op: &'static str, e: impl std::fmt::Display) -> Self {
        MediaError::Io { op, message: e.to_string() }
    }
}

/// Encrypting or decrypting an export failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum EncryptionError {
    /// Not an age X25519 recipient (`age1…`).
    #[error("recipient is not a valid age X25519 public key")]
    RecipientInvalid,
    /// Not an age X25519 identity (`AGE-SECRET-KEY-1…`).
    #[error("identity is not a valid age X25519 secret key")]
    IdentityInvalid,
    /// The passphrase is shorter than the minimum.
    #[error("passphrase shorter than {min} characters")]
    PassphraseTooShort {
        /// The minimum length in characters.
        min: usize,
    },
    /// Encryption failed.
    #[error("encryption failed: {0}")]
    Encrypt(String),
    /// The key or passphrase does not open this file.
    #[error("the key or passphrase does not open this file")]
    WrongKey,
    /// The data is not an age file, or it is damaged.
    #[error("not an intact age file")]
    CiphertextInvalid,
    /// The passphrase file demands more scrypt work than this machine accepts.
    #[error("passphrase file requires excessive work")]
    ExcessiveWork,
}

impl EncryptionError {
    /// A stable identifier for logs and API responses.
    pub fn code(&self) -> &'static str {
        match self {
            EncryptionError::RecipientInvalid => "EXPORT_RECIPIENT_INVALID",
            EncryptionError::IdentityInvalid => "EXPORT_IDENTITY_INVALID",
            EncryptionError::PassphraseTooShort { .. } => "EXPORT_PASSPHRASE_TOO_SHORT",
            EncryptionError::Encrypt(_) => "EXPORT_ENCRYPT_FAILED",
            EncryptionError::WrongKey => "EXPORT_DECRYPT_WRONG_KEY",
            EncryptionError::CiphertextInvalid => "EXPORT_CIPHERTEXT_INVALID",
            EncryptionError::ExcessiveWork => "EXPORT_DECRYPT_EXCESSIVE_WORK",
        }
    }
}

/// Any error of this crate, for callers that handle them together.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ExportError {
    /// See [`TokenError`].
    #[error(transparent)]
    Token(#[from] TokenError),
    /// See [`MediaError`].
    #[error(transparent)]
    Media(#[from] MediaError),
    /// See [`EncryptionError`].
    #[error(transparent)]
    Encryption(#[from] EncryptionError),
}

impl ExportError {
    /// The inner error's stable code.
    pub fn code(&self) -> &'static str {
        match self {
            ExportError::Token(e) => e.code(),
            ExportError::Media(e) => e.code(),
            ExportError::Encryption(e) => e.code(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};
    use std::collections::HashSet;

    fn info(kind: MediaKind) -> Box<MediaInfo> {
        Box::new(MediaInfo {
            kind,
            device: "x".into(),
            serial: None,
            vendor: None,
            model: None,
            bus: None,
            size_bytes: None,
        })
    }

    fn all_codes() -> Vec<&'static str> {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let token = [
            TokenError::KeyInvalid(String::new()),
            TokenError::KeyGeneration(String::new()),
            TokenError::ClaimsInvalid(String::new()),
            TokenError::Sign(String::new()),
            TokenError::Invalid,
            TokenError::UnknownKey,
            TokenError::WrongKind { expected: "a", found: "b".into() },
            TokenError::WrongTerminal { expected: "a".into(), found: "b".into() },
            TokenError::WrongDevice,
            TokenError::Expired { expires_at: t },
            TokenError::NotYetValid { not_before: t },
            TokenError::OutlivesDesignation,
            TokenError::DesignationMismatch,
            TokenError::ScopeMismatch,
            TokenError::RequestMismatch,
        ];
        let media = [
            MediaError::Unsupported { os: "x" },
            MediaError::Refused { info: info(MediaKind::Fixed) },
            MediaError::Refused { info: info(MediaKind::Network) },
            MediaError::Refused { info: info(MediaKind::Virtual) },
            MediaError::MediaChanged,
            MediaError::UnknownDevice { major: 8, minor: 1 },
            MediaError::Sysfs(String::new()),
            MediaError::Mountinfo(String::new()),
            MediaError::MountUnknown,
            MediaError::NameInvalid(String::new()),
            MediaError::DirInvalid(String::new()),
            MediaError::TargetExists,
            MediaError::io("op", "e"),
            MediaError::CleanupFailed { name: String::new(), message: String::new() },
        ];
        let enc = [
            EncryptionError::RecipientInvalid,
            EncryptionError::IdentityInvalid,
            EncryptionError::PassphraseTooShort { min: 16 },
            EncryptionError::Encrypt(String::new()),
            EncryptionError::WrongKey,
            EncryptionError::CiphertextInvalid,
            EncryptionError::ExcessiveWork,
        ];
        let mut codes: Vec<&'static str> = token.iter().map(TokenError::code).collect();
        codes.extend(media.iter().map(MediaError::code));
        codes.extend(enc.iter().map(EncryptionError::code));
        codes
    }

    #[test]
    fn codes_are_distinct_upper_snake_with_prefix() {
        let codes = all_codes();
        let unique: HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len(), "duplicate code in {codes:?}");
        for c in codes {
            assert!(c.starts_with("EXPORT_"), "{c}");
            assert!(c.chars().all(|ch| ch.is_ascii_uppercase() || ch == '_'), "{c}");
        }
    }

    #[test]
    fn export_error_keeps_the_inner_code() {
        assert_eq!(ExportError::from(TokenError::Invalid).code(), "EXPORT_TOKEN_INVALID");
        assert_eq!(ExportError::from(MediaError::TargetExists).code(), "EXPORT_TARGET_EXISTS");
        assert_eq!(ExportError::from(EncryptionError::WrongKey).code(), "EXPORT_DECRYPT_WRONG_KEY");
    }
}
