//! Forward-secure MACs for the access log (security.md §5.2).
//!
//! Entry `i` of a chain carries `mac_i = HMAC-SHA256(K_i, MAC_DOMAIN || entry_hash_i)`;
//! after writing it the terminal replaces `K_i` with `K_{i+1} = SHA-256(EVOLVE_DOMAIN || K_i)`
//! and erases `K_i`. `K_0` is escrowed to the central service, which recomputes `K_i`
//! ([`key_at`]) and checks every entry ([`verify`]).
//!
//! An attacker who takes the terminal at time `t` holds only the current key: SHA-256 is
//! one-way, so the keys of entries written before `t` cannot be derived from it, and those
//! entries' MACs cannot be recomputed after an edit, even by someone who can recompute the
//! hash chain and sign a checkpoint with the device key.
//!
//! Only `ring` primitives (HMAC-SHA256, SHA-256, the OS RNG); keys live in [`Zeroizing`].

use ring::digest::{Context, SHA256};
use ring::hmac;
use ring::rand::{SecureRandom as _, SystemRandom};
use zeroize::Zeroizing;

use crate::error::AuthError;

/// Length of a MAC key in bytes.
pub const KEY_LEN: usize = 32;
/// Prefix of the hashed bytes when a key evolves.
pub const EVOLVE_DOMAIN: &[u8] = b"uketsuke.audit.evolve.v1";
/// Prefix of the MACed bytes (followed by the entry hash as hex text).
pub const MAC_DOMAIN: &[u8] = b"uketsuke.audit.mac.v1";
/// Prefix of the hashed bytes of a key's fingerprint.
pub const FINGERPRINT_DOMAIN: &[u8] = b"uketsuke.audit.key-id.v1";

/// One key of the evolving sequence `K_0, K_1, …` (zeroized on drop; compared in
/// constant time).
#[derive(Clone)]
pub struct MacKey(Zeroizing<[u8; KEY_LEN]>);

impl PartialEq for MacKey {
    fn eq(&self, other: &MacKey) -> bool {
        use subtle::ConstantTimeEq as _;
        self.0.as_ref().ct_eq(other.0.as_ref()).into()
    }
}

impl Eq for MacKey {}

impl std::fmt::Debug for MacKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MacKey(..)")
    }
}

impl MacKey {
    /// A new `K_0` from the operating system's random number generator.
    pub fn generate() -> Result<MacKey, AuthError> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        SystemRandom::new().fill(k.as_mut()).map_err(|_| AuthError::Rng("ring SystemRandom".into()))?;
        Ok(MacKey(k))
    }

    /// A key from its raw bytes (exactly [`KEY_LEN`]).
    pub fn from_bytes(bytes: &[u8]) -> Result<MacKey, AuthError> {
        if bytes.len() != KEY_LEN {
            return Err(AuthError::KeyRejected(format!("MAC key must be {KEY_LEN} bytes, got {}", bytes.len())));
        }
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        k.copy_from_slice(bytes);
        Ok(MacKey(k))
    }

    /// A key from 64 hex digits.
    pub fn from_hex(text: &str) -> Result<MacKey, AuthError> {
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        hex::decode_to_slice(text, k.as_mut())
            .map_err(|_| AuthError::KeyRejected("MAC key is not 64 hex digits".into()))?;
        Ok(MacKey(k))
    }

    /// The raw bytes (for storage).
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_ref()
    }

    /// The key as lower-case hex (for the escrow message).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0.as_ref()))
    }

    /// The next key: `SHA-256(EVOLVE_DOMAIN || K)`. The caller erases `self`.
    pub fn evolve(&self) -> MacKey {
        let mut ctx = Context::new(&SHA256);
        ctx.update(EVOLVE_DOMAIN);
        ctx.update(self.0.as_ref());
        let d = ctx.finish();
        let mut k = Zeroizing::new([0u8; KEY_LEN]);
        k.copy_from_slice(d.as_ref());
        MacKey(k)
    }

    fn hmac_key(&self) -> hmac::Key {
        hmac::Key::new(hmac::HMAC_SHA256, self.0.as_ref())
    }

    fn message(entry_hash: &str) -> Vec<u8> {
        let mut m = Vec::with_capacity(MAC_DOMAIN.len() + entry_hash.len());
        m.extend_from_slice(MAC_DOMAIN);
        m.extend_from_slice(entry_hash.as_bytes());
        m
    }

    /// Hex HMAC-SHA256 of [`MAC_DOMAIN`] followed by `entry_hash` (the entry's hex hash).
    pub fn mac(&self, entry_hash: &str) -> String {
        hex::encode(hmac::sign(&self.hmac_key(), &Self::message(entry_hash)).as_ref())
    }

    /// A public name for the key: hex `SHA-256(FINGERPRINT_DOMAIN || K)`. The service
    /// acknowledges an escrow with it, so the terminal erases exactly the key it holds.
    pub fn fingerprint(&self) -> String {
        let mut ctx = Context::new(&SHA256);
        ctx.update(FINGERPRINT_DOMAIN);
        ctx.update(self.0.as_ref());
        hex::encode(ctx.finish())
    }
}

/// `K_steps` from `K_0` (`steps` evolutions). The verifier's side: O(steps) hashes.
pub fn key_at(k0: &MacKey, steps: u64) -> MacKey {
    let mut k = k0.clone();
    for _ in 0..steps {
        k = k.evolve();
    }
    k
}

/// Whether `mac` (hex) is `k_i`'s MAC of `entry_hash`; compared in constant time
/// (`ring::hmac::verify`).
pub fn verify(k_i: &MacKey, entry_hash: &str, mac: &str) -> bool {
    let mut tag = [0u8; 32];
    if hex::decode_to_slice(mac, &mut tag).is_err() {
        return false;
    }
    hmac::verify(&k_i.hmac_key(), &MacKey::message(entry_hash), &tag).is_ok()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::chain::sha256_hex;

    fn k0() -> MacKey {
        MacKey::from_bytes(&[7u8; KEY_LEN]).unwrap()
    }

    #[test]
    fn evolve_is_domain_separated_sha256_and_deterministic() {
        let k = k0();
        let mut bytes = EVOLVE_DOMAIN.to_vec();
        bytes.extend_from_slice(&[7u8; KEY_LEN]);
        assert_eq!(hex::encode(k.evolve().as_bytes()), sha256_hex(&bytes));
        assert_eq!(k.evolve(), k.evolve());
        assert_eq!(key_at(&k, 0), k);
        assert_eq!(key_at(&k, 3), k.evolve().evolve().evolve());
        assert_ne!(k.evolve(), k);
    }

    #[test]
    fn mac_is_hmac_sha256_over_the_domain_and_the_hash() {
        // RFC 4231 test case 2 checks ring's HMAC-SHA256 itself ("Jefe").
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"Jefe");
        assert_eq!(
            hex::encode(hmac::sign(&key, b"what do ya want for nothing?").as_ref()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let h = sha256_hex(b"entry");
        let mut msg = MAC_DOMAIN.to_vec();
        msg.extend_from_slice(h.as_bytes());
        let expected = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &[7u8; KEY_LEN]), &msg);
        assert_eq!(k0().mac(&h), hex::encode(expected.as_ref()));
        assert_eq!(k0().mac(&h).len(), 64);
    }

    #[test]
    fn keys_round_trip_and_bad_input_is_refused() {
        let k = MacKey::generate().unwrap();
        assert_ne!(k, MacKey::generate().unwrap());
        assert_eq!(MacKey::from_hex(&k.to_hex()).unwrap(), k);
        assert_eq!(MacKey::from_bytes(k.as_bytes()).unwrap(), k);
        assert!(MacKey::from_bytes(&[0u8; 31]).is_err());
        assert!(MacKey::from_hex("zz").is_err());
        assert!(MacKey::from_hex(&"0".repeat(66)).is_err());
        assert_eq!(format!("{k:?}"), "MacKey(..)");
        assert_eq!(k.fingerprint().len(), 64);
        assert_ne!(k.fingerprint(), hex::encode(k.as_bytes()));
        assert_ne!(k.fingerprint(), k.evolve().fingerprint());
    }

    #[test]
    fn verify_refuses_malformed_macs() {
        let h = sha256_hex(b"entry");
        let mac = k0().mac(&h);
        assert!(verify(&k0(), &h, &mac));
        assert!(!verify(&k0(), &h, ""));
        assert!(!verify(&k0(), &h, &mac[..62]));
        assert!(!verify(&k0(), &h, &format!("{mac}00")));
        assert!(!verify(&k0(), &h, "not hex"));
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn asvs_16_4_2_a_mac_verifies_only_for_its_hash_and_its_step(
            seed in any::<[u8; KEY_LEN]>(),
            step in 0u64..40,
            other_step in 0u64..40,
            content in any::<Vec<u8>>(),
            other_content in any::<Vec<u8>>(),
        ) {
            let k0 = MacKey::from_bytes(&seed).unwrap();
            let k = key_at(&k0, step);
            let h = sha256_hex(&content);
            let mac = k.mac(&h);
            // Deterministic, and the verifier recomputes the same key from K_0.
            prop_assert_eq!(&mac, &key_at(&k0, step).mac(&h));
            prop_assert!(verify(&key_at(&k0, step), &h, &mac));
            // Another entry hash fails.
            let other_h = sha256_hex(&other_content);
            if other_h != h {
                prop_assert!(!verify(&k, &other_h, &mac));
            }
            // Any other step's key fails: earlier or later.
            if other_step != step {
                prop_assert!(!verify(&key_at(&k0, other_step), &h, &mac));
            }
            // The current key after evolving cannot re-MAC the entry (what an attacker holds).
            prop_assert_ne!(k.evolve().mac(&h), mac);
        }
    }
}
