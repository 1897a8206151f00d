//! The dataset scope a grant is approved for, and its hash.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Prefix of the hashed bytes, so the hash cannot be confused with any other SHA-256 in the system.
pub const SCOPE_DOMAIN: &[u8] = b"uketsuke.export.scope.v1\n";

/// What an export request asks to write: the grant carries its [`ExportScope::hash`], and the
/// terminal recomputes it from the dataset it is about to write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportScope {
    /// Named output layout (e.g. the screening organisation's attendance layout).
    pub layout: String,
    /// Sessions included. A set: order and duplicates do not change the hash.
    pub session_ids: Vec<String>,
    /// Stated purpose of the export.
    pub purpose: String,
    /// Registered recipient id.
    pub recipient: String,
}

/// The hashed form: strings only, fields in a fixed order, so serde_json's output is canonical
/// and unambiguous (each value is a quoted, escaped JSON string).
#[derive(Serialize)]
struct Canonical<'a> {
    layout: &'a str,
    session_ids: Vec<&'a str>,
    purpose: &'a str,
    recipient: &'a str,
}

impl ExportScope {
    /// Lower-case hex SHA-256 of [`SCOPE_DOMAIN`] followed by the canonical JSON of the scope
    /// (session ids sorted and de-duplicated). Strings are hashed exactly as given.
    pub fn hash(&self) -> String {
        let mut session_ids: Vec<&str> = self.session_ids.iter().map(String::as_str).collect();
        session_ids.sort_unstable();
        session_ids.dedup();
        let canonical =
            Canonical { layout: &self.layout, session_ids, purpose: &self.purpose, recipient: &self.recipient };
        // Serialising a struct of strings into memory cannot fail.
        let json = serde_json::to_vec(&canonical).unwrap_or_default();
        let mut h = Sha256::new();
        h.update(SCOPE_DOMAIN);
        h.update(&json);
        hex::encode(h.finalize())
    }
}

/// Same as [`ExportScope::hash`].
pub fn scope_hash(scope: &ExportScope) -> String {
    scope.hash()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn scope(layout: &str, ids: &[&str], purpose: &str, recipient: &str) -> ExportScope {
        ExportScope {
            layout: layout.into(),
            session_ids: ids.iter().map(|s| s.to_string()).collect(),
            purpose: purpose.into(),
            recipient: recipient.into(),
        }
    }

    #[test]
    fn hash_is_lower_hex_sha256_and_stable() {
        let h = scope("kenshin-a", &["s1", "s2"], "請求", "org-1").hash();
        assert_eq!(h.len(), 64);
        assert!(h.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)));
        assert_eq!(h, scope_hash(&scope("kenshin-a", &["s2", "s1"], "請求", "org-1")));
    }

    #[test]
    fn shifting_text_between_fields_changes_the_hash() {
        let a = scope("ab", &["c"], "d", "e").hash();
        assert_ne!(a, scope("a", &["bc"], "d", "e").hash());
        assert_ne!(a, scope("ab", &["cd"], "", "e").hash());
        assert_ne!(scope("a", &["b", "c"], "", "").hash(), scope("a", &["b,c"], "", "").hash());
        assert_ne!(scope("a", &[], "", "").hash(), scope("a", &[""], "", "").hash());
    }

    fn any_scope() -> impl Strategy<Value = ExportScope> {
        (".{0,8}", proptest::collection::vec(".{0,6}", 0..6), ".{0,8}", ".{0,8}").prop_map(
            |(layout, session_ids, purpose, recipient)| ExportScope { layout, session_ids, purpose, recipient },
        )
    }

    proptest! {
        #[test]
        fn order_and_duplicates_of_sessions_do_not_matter(s in any_scope(), seed in any::<u64>()) {
            let mut shuffled = s.clone();
            // A deterministic permutation derived from the seed, plus a duplicate.
            let n = shuffled.session_ids.len();
            if n > 1 {
                let k = (seed as usize) % n;
                shuffled.session_ids.rotate_left(k);
                shuffled.session_ids.reverse();
            }
            if let Some(first) = s.session_ids.first() {
                shuffled.session_ids.push(first.clone());
            }
            prop_assert_eq!(s.hash(), shuffled.hash());
        }

        #[test]
        fn any_other_change_changes_the_hash(s in any_scope(), extra in ".{0,6}", field in 0usize..5) {
            let mut changed = s.clone();
            match field {
                0 => changed.layout.push_str(&format!("{extra}x")),
                1 => changed.purpose.push_str(&format!("{extra}x")),
                2 => changed.recipient.push_str(&format!("{extra}x")),
                3 => {
                    prop_assume!(!s.session_ids.contains(&extra));
                    changed.session_ids.push(extra.clone());
                }
                _ => {
                    prop_assume!(!s.session_ids.is_empty());
                    let gone = changed.session_ids.remove(0);
                    changed.session_ids.retain(|x| x != &gone);
                }
            }
            prop_assert_ne!(s.hash(), changed.hash());
        }
    }
}
