//! Tamper-evident access log (security.md §5.2, simplified): a SHA-256 hash chain of
//! entries, plus ECDSA P-256 signed checkpoints and receipts.
//!
//! Each entry's hash covers all its fields and the previous entry's hash, so editing,
//! deleting, inserting or reordering entries is detected by [`verify_chain`]. A signed
//! [`Checkpoint`] (by the terminal) or [`Receipt`] (by the central service) pins the head
//! of the chain so that truncating or rewriting the whole tail is detected as well.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use ring::digest::{digest, Context, SHA256};
use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, KeyPair as _, UnparsedPublicKey, ECDSA_P256_SHA256_ASN1, ECDSA_P256_SHA256_ASN1_SIGNING,
};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use zeroize::Zeroizing;

use crate::error::AuthError;

/// The `prev_hash` of the first entry ever written: 64 zeros.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Prefix of the hashed bytes of an entry.
pub const ENTRY_DOMAIN: &[u8] = b"uketsuke-audit-v1\n";
/// Domain tag for checkpoints signed by a terminal.
pub const CHECKPOINT_DOMAIN: &[u8] = b"uketsuke-checkpoint-v1";
/// Domain tag for receipts signed by the central service.
pub const RECEIPT_DOMAIN: &[u8] = b"uketsuke-receipt-v1";

/// One access-log entry with its place in the chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainedEntry {
    /// Position in this terminal's chain; consecutive, no gaps.
    pub seq: i64,
    /// Unique entry ID.
    pub entry_id: String,
    /// When it happened, RFC 3339 UTC.
    pub at: String,
    /// Who.
    pub staff_id: String,
    /// The staff member's department.
    pub department: String,
    /// Where.
    pub terminal_id: String,
    /// Why (the stated purpose of access).
    pub reason: String,
    /// Whose record, if any.
    pub resident_id: Option<String>,
    /// What was done.
    pub operation: String,
    /// Further detail.
    pub detail: String,
    /// `entry_hash` of the previous entry (hex), or [`GENESIS`].
    pub prev_hash: String,
    /// [`compute_hash`] of this entry (hex).
    pub entry_hash: String,
    /// The forward-secure MAC of `entry_hash` ([`crate::fsmac`]), hex; `None` for
    /// entries written before MACs existed. Not hashed: adding it changed no hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

/// The hashed form of an entry: every field but `entry_hash`, in a fixed order.
///
/// Only strings, integers and an optional string: no floats and no maps, so serde_json's
/// output is deterministic (fields in declaration order, strings escaped the same way).
#[derive(Serialize)]
struct HashedFields<'a> {
    seq: i64,
    entry_id: &'a str,
    at: &'a str,
    staff_id: &'a str,
    department: &'a str,
    terminal_id: &'a str,
    reason: &'a str,
    resident_id: Option<&'a str>,
    operation: &'a str,
    detail: &'a str,
    prev_hash: &'a str,
}

/// Hex SHA-256 of [`ENTRY_DOMAIN`] followed by the canonical JSON of every field except `entry_hash`.
pub fn compute_hash(e: &ChainedEntry) -> String {
    let fields = HashedFields {
        seq: e.seq,
        entry_id: &e.entry_id,
        at: &e.at,
        staff_id: &e.staff_id,
        department: &e.department,
        terminal_id: &e.terminal_id,
        reason: &e.reason,
        resident_id: e.resident_id.as_deref(),
        operation: &e.operation,
        detail: &e.detail,
        prev_hash: &e.prev_hash,
    };
    // Serializing borrowed strings and integers into a Vec cannot fail.
    let json = serde_json::to_vec(&fields).expect("entry fields serialize");
    let mut ctx = Context::new(&SHA256);
    ctx.update(ENTRY_DOMAIN);
    ctx.update(&json);
    hex::encode(ctx.finish())
}

/// Sets `e.entry_hash` to [`compute_hash`]`(e)`. Set `seq` and `prev_hash` first.
pub fn seal(e: &mut ChainedEntry) {
    e.entry_hash = compute_hash(e);
}

/// What is wrong with a chain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChainErrorKind {
    /// A sequence number is missing (an entry was deleted).
    Gap,
    /// A sequence number repeats or goes backwards, or a later one comes early.
    Reordered,
    /// `prev_hash` does not match the previous entry's `entry_hash`.
    BrokenLink,
    /// `entry_hash` does not match the content (an entry was edited).
    HashMismatch,
}

/// The first problem found by [`verify_chain`], at the entry whose `seq` is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[error("audit chain {kind:?} at seq {seq}")]
pub struct ChainError {
    /// `seq` of the offending entry (as stored in it).
    pub seq: i64,
    /// What is wrong.
    pub kind: ChainErrorKind,
}

impl ChainError {
    /// A stable identifier for logs and API responses.
    pub fn code(&self) -> &'static str {
        match self.kind {
            ChainErrorKind::Gap => "AUDIT_CHAIN_GAP",
            ChainErrorKind::Reordered => "AUDIT_CHAIN_REORDERED",
            ChainErrorKind::BrokenLink => "AUDIT_CHAIN_BROKEN_LINK",
            ChainErrorKind::HashMismatch => "AUDIT_CHAIN_EDITED",
        }
    }
}

/// Checks that `entries` continue a chain whose last hash is `expected_prev` at
/// sequence number `expected_first_seq`: consecutive `seq`, each `prev_hash` equal to
/// the previous `entry_hash`, each `entry_hash` recomputing.
///
/// Checks per entry, in order: sequence number, link, hash. Hex is compared exactly
/// (lower case, as [`compute_hash`] writes it).
pub fn verify_chain(entries: &[ChainedEntry], expected_prev: &str, expected_first_seq: i64) -> Result<(), ChainError> {
    let mut prev_hash = expected_prev;
    let mut expected_seq = expected_first_seq;
    for (i, e) in entries.iter().enumerate() {
        if e.seq != expected_seq {
            let missing_comes_later = entries[i + 1..].iter().any(|later| later.seq == expected_seq);
            let kind = if e.seq < expected_seq || missing_comes_later {
                ChainErrorKind::Reordered
            } else {
                ChainErrorKind::Gap
            };
            return Err(ChainError { seq: e.seq, kind });
        }
        if e.prev_hash != prev_hash {
            return Err(ChainError { seq: e.seq, kind: ChainErrorKind::BrokenLink });
        }
        if compute_hash(e) != e.entry_hash {
            return Err(ChainError { seq: e.seq, kind: ChainErrorKind::HashMismatch });
        }
        prev_hash = &e.entry_hash;
        expected_seq = expected_seq.wrapping_add(1);
    }
    Ok(())
}

/// A terminal's signed statement that its chain reached `seq` with head `entry_hash`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The signing terminal.
    pub terminal_id: String,
    /// The chain (one per local store; a reset store starts a new one).
    pub chain_id: String,
    /// `seq` of the head entry.
    pub seq: i64,
    /// `entry_hash` of the head entry.
    pub entry_hash: String,
    /// When the checkpoint was made, RFC 3339 UTC.
    pub at: String,
}

/// The central service's signed acknowledgement that it holds a terminal's chain up to `seq`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The terminal whose chain was received.
    pub terminal_id: String,
    /// The chain received.
    pub chain_id: String,
    /// `seq` of the last entry received.
    pub seq: i64,
    /// `entry_hash` of that entry.
    pub entry_hash: String,
    /// When the service received it, RFC 3339 UTC.
    pub received_at: String,
}

/// The signed bytes: `domain`, a newline, then the message's serde_json encoding.
fn signed_bytes<T: Serialize>(domain: &[u8], message: &T) -> Result<Vec<u8>, AuthError> {
    let json = serde_json::to_vec(message).map_err(|e| AuthError::Encode(e.to_string()))?;
    let mut bytes = Vec::with_capacity(domain.len() + 1 + json.len());
    bytes.extend_from_slice(domain);
    bytes.push(b'\n');
    bytes.extend_from_slice(&json);
    Ok(bytes)
}

fn key_pair(pkcs8_der: &[u8]) -> Result<EcdsaKeyPair, AuthError> {
    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8_der, &SystemRandom::new())
        .map_err(|e| AuthError::KeyRejected(e.to_string()))
}

/// Signs `message` under `domain` (e.g. [`CHECKPOINT_DOMAIN`]) with an ECDSA P-256 PKCS#8
/// key; returns the ASN.1 DER signature in standard base64.
///
/// The message is encoded with serde_json: use structs of strings and integers only.
pub fn sign<T: Serialize>(pkcs8_der: &[u8], domain: &[u8], message: &T) -> Result<String, AuthError> {
    let key = key_pair(pkcs8_der)?;
    let bytes = signed_bytes(domain, message)?;
    let sig = key.sign(&SystemRandom::new(), &bytes).map_err(|e| AuthError::Crypto(format!("ecdsa sign: {e}")))?;
    Ok(BASE64.encode(sig.as_ref()))
}

/// Whether `sig_b64` is a valid signature of `message` under `domain` by `public_key`
/// (an uncompressed SEC1 P-256 point, as in a certificate's SubjectPublicKeyInfo).
pub fn verify_signature<T: Serialize>(public_key: &[u8], domain: &[u8], message: &T, sig_b64: &str) -> bool {
    let Ok(sig) = BASE64.decode(sig_b64) else {
        return false;
    };
    let Ok(bytes) = signed_bytes(domain, message) else {
        return false;
    };
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, public_key).verify(&bytes, &sig).is_ok()
}

/// [`sign`] with [`CHECKPOINT_DOMAIN`].
pub fn sign_checkpoint(pkcs8_der: &[u8], checkpoint: &Checkpoint) -> Result<String, AuthError> {
    sign(pkcs8_der, CHECKPOINT_DOMAIN, checkpoint)
}

/// [`verify_signature`] with [`CHECKPOINT_DOMAIN`].
pub fn verify_checkpoint(public_key: &[u8], checkpoint: &Checkpoint, sig_b64: &str) -> bool {
    verify_signature(public_key, CHECKPOINT_DOMAIN, checkpoint, sig_b64)
}

/// [`sign`] with [`RECEIPT_DOMAIN`].
pub fn sign_receipt(pkcs8_der: &[u8], receipt: &Receipt) -> Result<String, AuthError> {
    sign(pkcs8_der, RECEIPT_DOMAIN, receipt)
}

/// [`verify_signature`] with [`RECEIPT_DOMAIN`].
pub fn verify_receipt(public_key: &[u8], receipt: &Receipt, sig_b64: &str) -> bool {
    verify_signature(public_key, RECEIPT_DOMAIN, receipt, sig_b64)
}

/// The uncompressed SEC1 public key (65 bytes) of an ECDSA P-256 PKCS#8 key.
pub fn public_key_from_pkcs8(pkcs8_der: &[u8]) -> Result<Vec<u8>, AuthError> {
    Ok(key_pair(pkcs8_der)?.public_key().as_ref().to_vec())
}

/// A new ECDSA P-256 key as PKCS#8 DER (zeroized on drop).
pub fn generate_pkcs8() -> Result<Zeroizing<Vec<u8>>, AuthError> {
    let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &SystemRandom::new())
        .map_err(|e| AuthError::Crypto(format!("ecdsa keygen: {e}")))?;
    Ok(Zeroizing::new(doc.as_ref().to_vec()))
}

/// Hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(digest(&SHA256, bytes))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn entry(seq: i64, prev: &str) -> ChainedEntry {
        let mut e = ChainedEntry {
            seq,
            entry_id: format!("01J0000000000000000000{seq:04}"),
            at: format!("2025-04-01T09:{:02}:00Z", seq % 60),
            staff_id: "S001".into(),
            department: "健診課".into(),
            terminal_id: "T-01".into(),
            reason: "受付".into(),
            resident_id: if seq % 2 == 0 { Some(format!("R{seq}")) } else { None },
            operation: "resident.view".into(),
            detail: "{\"screen\":\"detail\"}".into(),
            prev_hash: prev.into(),
            entry_hash: String::new(),
            mac: None,
        };
        seal(&mut e);
        e
    }

    fn chain(first_seq: i64, prev: &str, n: usize) -> Vec<ChainedEntry> {
        let mut out: Vec<ChainedEntry> = Vec::with_capacity(n);
        for i in 0..n {
            let prev = out.last().map_or(prev.to_owned(), |e| e.entry_hash.clone());
            out.push(entry(first_seq + i as i64, &prev));
        }
        out
    }

    #[test]
    fn valid_chain_verifies_and_continues() {
        let c = chain(1, GENESIS, 6);
        assert_eq!(verify_chain(&c, GENESIS, 1), Ok(()));
        assert_eq!(verify_chain(&[], GENESIS, 1), Ok(()));
        // A later batch verifies against the previous batch's head.
        assert_eq!(verify_chain(&c[3..], &c[2].entry_hash, 4), Ok(()));
        assert_eq!(verify_chain(&c[3..], GENESIS, 4), Err(ChainError { seq: 4, kind: ChainErrorKind::BrokenLink }));
        assert_eq!(verify_chain(&c, GENESIS, 0), Err(ChainError { seq: 1, kind: ChainErrorKind::Gap }));
    }

    #[test]
    fn hash_is_domain_separated_sha256_of_canonical_json() {
        let e = entry(1, GENESIS);
        assert_eq!(e.entry_hash.len(), 64);
        assert!(e.entry_hash.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        let json = concat!(
            r#"{"seq":1,"entry_id":"01J00000000000000000000001","at":"2025-04-01T09:01:00Z","#,
            r#""staff_id":"S001","department":"健診課","terminal_id":"T-01","reason":"受付","#,
            r#""resident_id":null,"operation":"resident.view","detail":"{\"screen\":\"detail\"}","#,
            r#""prev_hash":"0000000000000000000000000000000000000000000000000000000000000000"}"#
        );
        let mut bytes = ENTRY_DOMAIN.to_vec();
        bytes.extend_from_slice(json.as_bytes());
        assert_eq!(e.entry_hash, sha256_hex(&bytes));
        // entry_hash itself is not hashed, nor is the MAC.
        let mut other = e.clone();
        other.entry_hash = "x".into();
        other.mac = Some("y".into());
        assert_eq!(compute_hash(&other), e.entry_hash);
    }

    #[test]
    fn sha256_known_answer() {
        assert_eq!(sha256_hex(b"abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn asvs_16_4_2_chain_detects_edit() {
        let mut c = chain(1, GENESIS, 5);
        c[2].reason = "私的な閲覧".into();
        let err = verify_chain(&c, GENESIS, 1).unwrap_err();
        assert_eq!(err, ChainError { seq: 3, kind: ChainErrorKind::HashMismatch });
        assert_eq!(err.code(), "AUDIT_CHAIN_EDITED");
        // Resealing the edited entry breaks the link to the next one instead.
        seal(&mut c[2]);
        assert_eq!(verify_chain(&c, GENESIS, 1), Err(ChainError { seq: 4, kind: ChainErrorKind::BrokenLink }));
    }

    #[test]
    fn asvs_16_4_2_chain_detects_deleted_entry() {
        let mut c = chain(1, GENESIS, 5);
        c.remove(2);
        let err = verify_chain(&c, GENESIS, 1).unwrap_err();
        assert_eq!(err, ChainError { seq: 4, kind: ChainErrorKind::Gap });
        assert_eq!(err.code(), "AUDIT_CHAIN_GAP");
        // Deleting the first entry is a gap too.
        let c = chain(1, GENESIS, 3);
        assert_eq!(verify_chain(&c[1..], GENESIS, 1), Err(ChainError { seq: 2, kind: ChainErrorKind::Gap }));
    }

    #[test]
    fn asvs_16_4_2_chain_detects_deleted_entry_with_renumbering() {
        // Deleting entry 3 and renumbering/resealing the rest breaks the link at the old 4.
        let mut c = chain(1, GENESIS, 5);
        c.remove(2);
        for e in c.iter_mut().skip(2) {
            e.seq -= 1;
            seal(e);
        }
        assert_eq!(verify_chain(&c, GENESIS, 1), Err(ChainError { seq: 3, kind: ChainErrorKind::BrokenLink }));
    }

    #[test]
    fn asvs_16_4_2_chain_detects_reorder() {
        let mut c = chain(1, GENESIS, 5);
        c.swap(1, 3);
        let err = verify_chain(&c, GENESIS, 1).unwrap_err();
        assert_eq!(err, ChainError { seq: 4, kind: ChainErrorKind::Reordered });
        assert_eq!(err.code(), "AUDIT_CHAIN_REORDERED");
        // A repeated entry goes backwards.
        let mut c = chain(1, GENESIS, 3);
        c.insert(2, c[1].clone());
        assert_eq!(verify_chain(&c, GENESIS, 1), Err(ChainError { seq: 2, kind: ChainErrorKind::Reordered }));
    }

    #[test]
    fn asvs_16_4_2_chain_detects_broken_link() {
        let mut c = chain(1, GENESIS, 4);
        c[2].prev_hash = sha256_hex(b"somewhere else");
        seal(&mut c[2]);
        let err = verify_chain(&c, GENESIS, 1).unwrap_err();
        assert_eq!(err, ChainError { seq: 3, kind: ChainErrorKind::BrokenLink });
        assert_eq!(err.code(), "AUDIT_CHAIN_BROKEN_LINK");
        // An inserted, properly sealed entry with the right seq cannot link both ways.
        let c = chain(1, GENESIS, 3);
        let mut forged = entry(2, &c[0].entry_hash);
        forged.reason = "上書き".into();
        seal(&mut forged);
        assert_ne!(forged, c[1]);
        let spliced = vec![c[0].clone(), forged, c[2].clone()];
        assert_eq!(verify_chain(&spliced, GENESIS, 1), Err(ChainError { seq: 3, kind: ChainErrorKind::BrokenLink }));
    }

    fn checkpoint() -> Checkpoint {
        Checkpoint {
            terminal_id: "T-01".into(),
            chain_id: "C-01".into(),
            seq: 42,
            entry_hash: sha256_hex(b"head"),
            at: "2025-04-01T18:00:00Z".into(),
        }
    }

    #[test]
    fn asvs_16_4_2_checkpoint_signature_round_trip() {
        let key = generate_pkcs8().unwrap();
        let public = public_key_from_pkcs8(&key).unwrap();
        assert_eq!(public.len(), 65);
        assert_eq!(public[0], 0x04, "uncompressed SEC1 point");
        let sig = sign_checkpoint(&key, &checkpoint()).unwrap();
        assert!(verify_checkpoint(&public, &checkpoint(), &sig));
        assert!(verify_signature(&public, CHECKPOINT_DOMAIN, &checkpoint(), &sig));
        let receipt = Receipt {
            terminal_id: "T-01".into(),
            chain_id: "C-01".into(),
            seq: 42,
            entry_hash: sha256_hex(b"head"),
            received_at: "2025-04-01T18:00:05Z".into(),
        };
        let rsig = sign_receipt(&key, &receipt).unwrap();
        assert!(verify_receipt(&public, &receipt, &rsig));
    }

    #[test]
    fn asvs_16_4_2_checkpoint_signature_detects_forgery() {
        let key = generate_pkcs8().unwrap();
        let public = public_key_from_pkcs8(&key).unwrap();
        let sig = sign_checkpoint(&key, &checkpoint()).unwrap();
        // Any field changed.
        for tampered in [
            Checkpoint { seq: 41, ..checkpoint() },
            Checkpoint { terminal_id: "T-02".into(), ..checkpoint() },
            Checkpoint { chain_id: "C-02".into(), ..checkpoint() },
            Checkpoint { entry_hash: GENESIS.into(), ..checkpoint() },
            Checkpoint { at: "2025-04-01T18:00:01Z".into(), ..checkpoint() },
        ] {
            assert!(!verify_checkpoint(&public, &tampered, &sig), "{tampered:?}");
        }
        // Another key.
        let other = public_key_from_pkcs8(&generate_pkcs8().unwrap()).unwrap();
        assert!(!verify_checkpoint(&other, &checkpoint(), &sig));
        // Another domain: a checkpoint signature is not a receipt signature.
        assert!(!verify_signature(&public, RECEIPT_DOMAIN, &checkpoint(), &sig));
        // A flipped signature byte, garbage, and an empty signature.
        let mut raw = BASE64.decode(&sig).unwrap();
        let last = raw.len() - 1;
        raw[last] ^= 1;
        assert!(!verify_checkpoint(&public, &checkpoint(), &BASE64.encode(&raw)));
        assert!(!verify_checkpoint(&public, &checkpoint(), "not base64!"));
        assert!(!verify_checkpoint(&public, &checkpoint(), ""));
        // A bad public key.
        assert!(!verify_checkpoint(&public[..33], &checkpoint(), &sig));
    }

    #[test]
    fn bad_pkcs8_rejected() {
        assert_eq!(public_key_from_pkcs8(b"not a key").unwrap_err().code(), "AUTH_KEY_REJECTED");
        assert_eq!(sign_checkpoint(b"not a key", &checkpoint()).unwrap_err().code(), "AUTH_KEY_REJECTED");
    }

    /// Changes field `field` (0..12) of `e` to a different value; leaves `entry_hash` stale.
    fn mutate(e: &mut ChainedEntry, field: usize) {
        fn bump(s: &mut String) {
            s.push('x');
        }
        match field {
            0 => e.seq += 1,
            1 => bump(&mut e.entry_id),
            2 => bump(&mut e.at),
            3 => bump(&mut e.staff_id),
            4 => bump(&mut e.department),
            5 => bump(&mut e.terminal_id),
            6 => bump(&mut e.reason),
            7 => e.resident_id = if e.resident_id.is_some() { None } else { Some(String::new()) },
            8 => bump(&mut e.operation),
            9 => bump(&mut e.detail),
            10 => e.prev_hash = sha256_hex(e.prev_hash.as_bytes()),
            _ => e.entry_hash = sha256_hex(e.entry_hash.as_bytes()),
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn asvs_16_4_2_any_single_field_change_detected(
            first_seq in -5i64..1000,
            len in 1usize..8,
            index in any::<prop::sample::Index>(),
            field in 0usize..12,
            reseal in any::<bool>(),
        ) {
            let mut c = chain(first_seq, GENESIS, len);
            prop_assert_eq!(verify_chain(&c, GENESIS, first_seq), Ok(()));
            let head = c[len - 1].entry_hash.clone();
            let i = index.index(len);
            mutate(&mut c[i], field);
            if !reseal || field == 11 {
                prop_assert!(verify_chain(&c, GENESIS, first_seq).is_err());
            } else {
                // An attacker who recomputes the edited entry's hash: the chain alone catches it
                // unless it was the head, whose new hash then differs from a signed checkpoint's.
                seal(&mut c[i]);
                let chain_ok = verify_chain(&c, GENESIS, first_seq).is_ok();
                prop_assert!(!chain_ok || c[len - 1].entry_hash != head);
                if i + 1 < len {
                    prop_assert!(!chain_ok);
                }
            }
        }
    }
}
