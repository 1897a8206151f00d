//! The crate's error type for operations that can fail outside of a policy decision.

use thiserror::Error;

/// A failure of a cryptographic primitive, a key, or an input that is not usable.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthError {
    /// A primitive (Argon2, ECDSA) reported an error.
    #[error("crypto operation failed: {0}")]
    Crypto(String),
    /// The operating system's random number generator failed.
    #[error("random number generator failed: {0}")]
    Rng(String),
    /// A PKCS#8 key was rejected (wrong curve, malformed, ...).
    #[error("signing key rejected: {0}")]
    KeyRejected(String),
    /// Argon2id parameters too cheap for a release build (below OWASP's weakest).
    #[error("Argon2id parameters too weak: {0}")]
    WeakParameters(String),
    /// A message could not be encoded for signing.
    #[error("cannot encode message: {0}")]
    Encode(String),
}

impl AuthError {
    /// A stable identifier for logs and API responses.
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Crypto(_) => "AUTH_CRYPTO",
            AuthError::Rng(_) => "AUTH_RNG",
            AuthError::KeyRejected(_) => "AUTH_KEY_REJECTED",
            AuthError::Encode(_) => "AUTH_ENCODE",
            AuthError::WeakParameters(_) => "AUTH_WEAK_PARAMETERS",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_upper_snake() {
        let all = [
            AuthError::Crypto(String::new()),
            AuthError::Rng(String::new()),
            AuthError::KeyRejected(String::new()),
            AuthError::Encode(String::new()),
            AuthError::WeakParameters(String::new()),
        ];
        for e in all {
            let code = e.code();
            assert!(!code.is_empty() && code.chars().all(|c| c.is_ascii_uppercase() || c == '_'), "{code}");
        }
    }
}
