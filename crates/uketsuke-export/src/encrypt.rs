//! Export content is always encrypted with age (binary format, file extension `.age`): to the
//! recipient's registered X25519 public key, or to a passphrase handed over separately (scrypt).
//! Decryption helpers serve tests and the recipient-side `verify`.

use std::str::FromStr;

use age::secrecy::{ExposeSecret, SecretString};
use age::x25519;

use crate::error::EncryptionError;

/// File extension of exports.
pub const AGE_EXTENSION: &str = "age";
/// Minimum passphrase length in characters (Unicode scalar values, surrounding spaces not counted).
pub const MIN_PASSPHRASE_CHARS: usize = 16;

/// Parses an age X25519 recipient (`age1…`). Use this to validate a recipient when it is registered.
pub fn parse_recipient(recipient: &str) -> Result<x25519::Recipient, EncryptionError> {
    x25519::Recipient::from_str(recipient.trim()).map_err(|_| EncryptionError::RecipientInvalid)
}

/// Encrypts `plaintext` to one age X25519 recipient.
pub fn encrypt_to_recipient(plaintext: &[u8], recipient: &str) -> Result<Vec<u8>, EncryptionError> {
    let recipient = parse_recipient(recipient)?;
    age::encrypt(&recipient, plaintext).map_err(|e| EncryptionError::Encrypt(e.to_string()))
}

/// Encrypts `plaintext` to a passphrase (age scrypt recipient, work factor tuned to about one
/// second on this machine). Refuses passphrases shorter than [`MIN_PASSPHRASE_CHARS`].
pub fn encrypt_with_passphrase(plaintext: &[u8], passphrase: &SecretString) -> Result<Vec<u8>, EncryptionError> {
    if passphrase.expose_secret().trim().chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(EncryptionError::PassphraseTooShort { min: MIN_PASSPHRASE_CHARS });
    }
    let recipient = age::scrypt::Recipient::new(passphrase.clone());
    age::encrypt(&recipient, plaintext).map_err(|e| EncryptionError::Encrypt(e.to_string()))
}

/// A new X25519 key pair: the identity (`AGE-SECRET-KEY-1…`, secret) and its recipient (`age1…`).
pub fn generate_identity() -> (SecretString, String) {
    let identity = x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    (identity.to_string(), recipient)
}

fn map_decrypt(e: age::DecryptError) -> EncryptionError {
    use age::DecryptError as D;
    match e {
        D::NoMatchingKeys | D::DecryptionFailed | D::KeyDecryptionFailed => EncryptionError::WrongKey,
        D::ExcessiveWork { .. } => EncryptionError::ExcessiveWork,
        _ => EncryptionError::CiphertextInvalid,
    }
}

/// Decrypts with an X25519 identity (`AGE-SECRET-KEY-1…`).
pub fn decrypt_with_identity(ciphertext: &[u8], identity: &SecretString) -> Result<Vec<u8>, EncryptionError> {
    let identity =
        x25519::Identity::from_str(identity.expose_secret().trim()).map_err(|_| EncryptionError::IdentityInvalid)?;
    age::decrypt(&identity, ciphertext).map_err(map_decrypt)
}

/// Decrypts a passphrase-encrypted file.
pub fn decrypt_with_passphrase(ciphertext: &[u8], passphrase: &SecretString) -> Result<Vec<u8>, EncryptionError> {
    let identity = age::scrypt::Identity::new(passphrase.clone());
    age::decrypt(&identity, ciphertext).map_err(map_decrypt)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DATA: &[u8] = "受診者番号,氏名\n0001,山田 花子\n".as_bytes();

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_string())
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn recipient_round_trip_and_no_plaintext_in_ciphertext() {
        let (identity, recipient) = generate_identity();
        assert!(recipient.starts_with("age1"));
        let ct = encrypt_to_recipient(DATA, &recipient).unwrap();
        assert!(ct.starts_with(b"age-encryption.org/v1\n"), "binary age format");
        assert!(!contains(&ct, "山田".as_bytes()));
        assert!(!contains(&ct, b"0001"));
        assert_eq!(decrypt_with_identity(&ct, &identity).unwrap(), DATA);
    }

    #[test]
    fn two_encryptions_differ() {
        let (_, recipient) = generate_identity();
        assert_ne!(encrypt_to_recipient(DATA, &recipient).unwrap(), encrypt_to_recipient(DATA, &recipient).unwrap());
    }

    #[test]
    fn wrong_identity_fails() {
        let (_, recipient) = generate_identity();
        let (other, _) = generate_identity();
        let ct = encrypt_to_recipient(DATA, &recipient).unwrap();
        assert_eq!(decrypt_with_identity(&ct, &other).unwrap_err().code(), "EXPORT_DECRYPT_WRONG_KEY");
    }

    #[test]
    fn recipient_strings_are_validated() {
        let (identity, recipient) = generate_identity();
        assert!(parse_recipient(&format!(" {recipient}\n")).is_ok());
        let mut broken = recipient.clone();
        broken.pop();
        broken.push(if recipient.ends_with('q') { 'p' } else { 'q' });
        let secret_key = identity.expose_secret().to_string();
        for bad in ["", "age1", "ssh-ed25519 AAAA", broken.as_str(), secret_key.as_str()] {
            assert_eq!(encrypt_to_recipient(DATA, bad).unwrap_err().code(), "EXPORT_RECIPIENT_INVALID", "{bad}");
        }
        assert_eq!(decrypt_with_identity(b"x", &secret("nope")).unwrap_err().code(), "EXPORT_IDENTITY_INVALID");
    }

    #[test]
    fn passphrase_round_trip_wrong_passphrase_and_minimum_length() {
        let pass = secret("correct horse battery staple");
        let ct = encrypt_with_passphrase(DATA, &pass).unwrap();
        assert!(!contains(&ct, "山田".as_bytes()));
        assert_eq!(decrypt_with_passphrase(&ct, &pass).unwrap(), DATA);
        assert_eq!(
            decrypt_with_passphrase(&ct, &secret("correct horse battery stapler")).unwrap_err().code(),
            "EXPORT_DECRYPT_WRONG_KEY"
        );
        // A passphrase file does not open with an identity, and vice versa.
        let (identity, recipient) = generate_identity();
        assert_eq!(decrypt_with_identity(&ct, &identity).unwrap_err().code(), "EXPORT_DECRYPT_WRONG_KEY");
        let ct2 = encrypt_to_recipient(DATA, &recipient).unwrap();
        assert_eq!(decrypt_with_passphrase(&ct2, &pass).unwrap_err().code(), "EXPORT_DECRYPT_WRONG_KEY");

        for short in ["", "short", "fifteen chars!!", "   padded      "] {
            assert_eq!(
                encrypt_with_passphrase(DATA, &secret(short)).unwrap_err().code(),
                "EXPORT_PASSPHRASE_TOO_SHORT",
                "{short:?}"
            );
        }
        assert!(MIN_PASSPHRASE_CHARS == "sixteen chars!!!".chars().count());
        // Counted in characters: 16 kanji pass although they are 48 bytes.
        let kanji = secret("健診受付健診受付健診受付健診受付");
        assert!(encrypt_with_passphrase(b"x", &kanji).is_ok());
    }

    #[test]
    fn damaged_or_foreign_data_is_refused() {
        let (identity, recipient) = generate_identity();
        let mut ct = encrypt_to_recipient(DATA, &recipient).unwrap();
        let last = ct.len() - 1;
        ct[last] ^= 1;
        assert_eq!(decrypt_with_identity(&ct, &identity).unwrap_err().code(), "EXPORT_CIPHERTEXT_INVALID");
        assert_eq!(
            decrypt_with_identity(b"not age at all", &identity).unwrap_err().code(),
            "EXPORT_CIPHERTEXT_INVALID"
        );
    }
}
