//! Ed25519 keys for PASETO v4.public designations and grants.
//!
//! The central service holds the [`ExportSigningKey`]; terminals pin the
//! [`ExportVerifyingKey`] (as a PASERK `k4.public.…` string) and verify offline.

use pasetors::keys::{AsymmetricKeyPair, AsymmetricPublicKey, AsymmetricSecretKey, Generate};
use pasetors::paserk::{FormatAsPaserk, Id};
use pasetors::version4::V4;
use zeroize::Zeroizing;

use crate::error::TokenError;

/// Length of a stored signing key: 32-byte seed followed by the 32-byte public key.
pub const SIGNING_KEY_LEN: usize = 64;
/// Length of a public key.
pub const VERIFYING_KEY_LEN: usize = 32;

/// The service's signing key. `Debug` does not show the key.
#[derive(Clone)]
pub struct ExportSigningKey {
    secret: AsymmetricSecretKey<V4>,
    public: ExportVerifyingKey,
}

impl std::fmt::Debug for ExportSigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportSigningKey").field("public", &self.public.fingerprint()).finish_non_exhaustive()
    }
}

impl ExportSigningKey {
    /// A new random key from the operating system's generator.
    pub fn generate() -> Result<Self, TokenError> {
        let pair = AsymmetricKeyPair::<V4>::generate().map_err(|e| TokenError::KeyGeneration(format!("{e:?}")))?;
        Ok(Self { secret: pair.secret, public: ExportVerifyingKey { key: pair.public } })
    }

    /// Restores a key stored with [`Self::to_bytes`] (seed ‖ public key, 64 bytes).
    /// Refuses a wrong length, an all-zero seed and a public half that does not match the seed.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TokenError> {
        if bytes.len() != SIGNING_KEY_LEN {
            return Err(TokenError::KeyInvalid(format!("signing key must be {SIGNING_KEY_LEN} bytes")));
        }
        // pasetors panics on an all-zero seed; refuse it before.
        if bytes[..32].iter().all(|b| *b == 0) {
            return Err(TokenError::KeyInvalid("all-zero seed".into()));
        }
        let secret = AsymmetricSecretKey::<V4>::from(bytes)
            .map_err(|_| TokenError::KeyInvalid("public half does not match the seed".into()))?;
        let public = ExportVerifyingKey::from_bytes(&bytes[32..])?;
        Ok(Self { secret, public })
    }

    /// The key for storage (in the OS credential store or an encrypted file). Zeroed on drop.
    pub fn to_bytes(&self) -> Zeroizing<Vec<u8>> {
        Zeroizing::new(self.secret.as_bytes().to_vec())
    }

    /// The public key terminals pin.
    pub fn public_key(&self) -> ExportVerifyingKey {
        self.public.clone()
    }

    pub(crate) fn secret(&self) -> &AsymmetricSecretKey<V4> {
        &self.secret
    }
}

/// The pinned public key a terminal verifies designations and grants with.
#[derive(Clone, Debug, PartialEq)]
pub struct ExportVerifyingKey {
    key: AsymmetricPublicKey<V4>,
}

impl ExportVerifyingKey {
    /// From the 32 raw public-key bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, TokenError> {
        if bytes.len() != VERIFYING_KEY_LEN {
            return Err(TokenError::KeyInvalid(format!("public key must be {VERIFYING_KEY_LEN} bytes")));
        }
        let key = AsymmetricPublicKey::<V4>::from(bytes).map_err(|e| TokenError::KeyInvalid(format!("{e:?}")))?;
        Ok(Self { key })
    }

    /// The 32 raw public-key bytes.
    pub fn to_bytes(&self) -> [u8; VERIFYING_KEY_LEN] {
        let mut out = [0u8; VERIFYING_KEY_LEN];
        out.copy_from_slice(self.key.as_bytes());
        out
    }

    /// From a PASERK `k4.public.…` string (surrounding whitespace ignored).
    pub fn from_paserk(s: &str) -> Result<Self, TokenError> {
        let key = AsymmetricPublicKey::<V4>::try_from(s.trim())
            .map_err(|_| TokenError::KeyInvalid("not a PASERK k4.public key".into()))?;
        Ok(Self { key })
    }

    /// The PASERK `k4.public.…` string, for configuration files and pinning.
    pub fn to_paserk(&self) -> String {
        let mut s = String::new();
        // Writing into a String cannot fail; base64 of 32 bytes cannot fail either.
        let _ = self.key.fmt(&mut s);
        s
    }

    /// The PASERK id `k4.pid.…` of this key: the `kid` in token footers and the value
    /// an administrator compares when pinning.
    pub fn fingerprint(&self) -> String {
        let mut s = String::new();
        let _ = Id::from(&self.key).fmt(&mut s);
        s
    }

    pub(crate) fn inner(&self) -> &AsymmetricPublicKey<V4> {
        &self.key
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_key_round_trips_through_bytes() {
        let key = ExportSigningKey::generate().unwrap();
        let restored = ExportSigningKey::from_bytes(&key.to_bytes()).unwrap();
        assert_eq!(restored.public_key(), key.public_key());
        assert_eq!(restored.to_bytes().as_slice(), key.to_bytes().as_slice());
    }

    #[test]
    fn two_generated_keys_differ() {
        let a = ExportSigningKey::generate().unwrap();
        let b = ExportSigningKey::generate().unwrap();
        assert_ne!(a.public_key(), b.public_key());
        assert_ne!(a.public_key().fingerprint(), b.public_key().fingerprint());
    }

    #[test]
    fn signing_key_refuses_bad_bytes() {
        let key = ExportSigningKey::generate().unwrap();
        let bytes = key.to_bytes();
        assert_eq!(ExportSigningKey::from_bytes(&bytes[..63]).unwrap_err().code(), "EXPORT_KEY_INVALID");
        assert_eq!(ExportSigningKey::from_bytes(&[0u8; 64]).unwrap_err().code(), "EXPORT_KEY_INVALID");
        let mut mismatched = bytes.to_vec();
        mismatched[40] ^= 1;
        assert_eq!(ExportSigningKey::from_bytes(&mismatched).unwrap_err().code(), "EXPORT_KEY_INVALID");
    }

    #[test]
    fn verifying_key_round_trips_through_bytes_and_paserk() {
        let public = ExportSigningKey::generate().unwrap().public_key();
        assert_eq!(ExportVerifyingKey::from_bytes(&public.to_bytes()).unwrap(), public);
        let paserk = public.to_paserk();
        assert!(paserk.starts_with("k4.public."), "{paserk}");
        assert_eq!(ExportVerifyingKey::from_paserk(&format!(" {paserk}\n")).unwrap(), public);
        let fpr = public.fingerprint();
        assert!(fpr.starts_with("k4.pid."), "{fpr}");
        assert_eq!(fpr, ExportVerifyingKey::from_paserk(&paserk).unwrap().fingerprint());
    }

    #[test]
    fn verifying_key_refuses_bad_input() {
        assert_eq!(ExportVerifyingKey::from_bytes(&[1u8; 31]).unwrap_err().code(), "EXPORT_KEY_INVALID");
        for bad in ["", "k4.secret.AAAA", "k2.public.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "k4.public.!!"] {
            assert_eq!(ExportVerifyingKey::from_paserk(bad).unwrap_err().code(), "EXPORT_KEY_INVALID", "{bad}");
        }
    }

    #[test]
    fn debug_does_not_print_the_secret() {
        let key = ExportSigningKey::generate().unwrap();
        let shown = format!("{key:?}");
        assert!(!shown.contains(&hex::encode(&key.to_bytes()[..32])));
        assert!(shown.contains("k4.pid."));
    }
}
