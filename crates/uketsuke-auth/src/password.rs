//! Staff passwords: Argon2id hashing (PHC strings), verification, and the password policy.
//!
//! The policy ([`check_policy`]) rejects passwords shorter than 12 or longer than 128
//! Unicode scalar values, ones made of a single repeated character, ones containing the
//! staff ID, and ones on a short embedded list of very common passwords
//! (`common_passwords.txt`, about 200 entries). That list is far smaller than the
//! top-3000 list ASVS 6.2.4 asks for; most of its entries are already too short.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use argon2::password_hash::phc::PasswordHash;
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use thiserror::Error;

use crate::error::AuthError;

/// Argon2id cost parameters: memory in KiB, iterations, lanes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Argon2Params {
    /// Memory cost in KiB.
    pub m_kib: u32,
    /// Number of passes.
    pub t: u32,
    /// Degree of parallelism (lanes).
    pub p: u32,
}

impl Argon2Params {
    /// security.md §7.1: m = 64 MiB, t = 3, p = 1.
    pub const RECOMMENDED: Argon2Params = Argon2Params { m_kib: 65536, t: 3, p: 1 };
    /// Cheap parameters, only for tests. Never use for stored passwords: a release build
    /// refuses to hash with them ([`hash_password`]).
    pub const TEST_ONLY_FAST: Argon2Params = Argon2Params { m_kib: 1024, t: 1, p: 1 };
    /// The weakest Argon2id configuration OWASP's Password Storage Cheat Sheet lists
    /// (7 MiB, 5 passes). A release build hashes with nothing cheaper: no less memory, and
    /// no less memory × passes.
    pub const RELEASE_FLOOR: Argon2Params = Argon2Params { m_kib: 7168, t: 5, p: 1 };

    /// The parameters for stores a test makes (demo staff in the API tests, the sync
    /// harness's central service): [`Self::TEST_ONLY_FAST`] in a debug build, where tests
    /// run, and [`Self::RECOMMENDED`] in a release build, so a benchmark or a shipped
    /// binary never picks the fast ones.
    pub const fn for_test_fixtures() -> Argon2Params {
        fixture_params(cfg!(debug_assertions))
    }
}

const fn fixture_params(debug_build: bool) -> Argon2Params {
    if debug_build {
        Argon2Params::TEST_ONLY_FAST
    } else {
        Argon2Params::RECOMMENDED
    }
}

/// Whether a build may hash with `params`: a debug build with anything Argon2 accepts (tests
/// use [`Argon2Params::TEST_ONLY_FAST`]), a release build only at or above
/// [`Argon2Params::RELEASE_FLOOR`].
fn check_build_may_hash(params: Argon2Params, release_build: bool) -> Result<(), AuthError> {
    let floor = Argon2Params::RELEASE_FLOOR;
    let work = |p: Argon2Params| u64::from(p.m_kib) * u64::from(p.t);
    if release_build && (params.m_kib < floor.m_kib || work(params) < work(floor)) {
        return Err(AuthError::WeakParameters(format!(
            "m={} KiB, t={} is below the least a release build hashes with (m={} KiB, m×t={})",
            params.m_kib,
            params.t,
            floor.m_kib,
            work(floor)
        )));
    }
    Ok(())
}

/// Salt length in bytes.
pub const SALT_LEN: usize = 16;
/// Hash (tag) length in bytes.
pub const OUTPUT_LEN: usize = 32;
/// Minimum password length in Unicode scalar values.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Maximum password length in Unicode scalar values.
pub const MAX_PASSWORD_CHARS: usize = 128;

fn hasher(params: Argon2Params) -> Result<Argon2<'static>, AuthError> {
    let p = Params::new(params.m_kib, params.t, params.p, Some(OUTPUT_LEN))
        .map_err(|e| AuthError::Crypto(format!("argon2 parameters: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, p))
}

/// Hashes `password` with Argon2id (v=19), a random 16-byte salt and a 32-byte tag; returns the PHC string.
///
/// A release build refuses parameters below [`Argon2Params::RELEASE_FLOOR`] with
/// [`AuthError::WeakParameters`], whoever passes them (a configuration, a test fixture).
pub fn hash_password(password: &str, params: Argon2Params) -> Result<String, AuthError> {
    check_build_may_hash(params, !cfg!(debug_assertions))?;
    let mut salt = [0u8; SALT_LEN];
    getrandom::fill(&mut salt).map_err(|e| AuthError::Rng(e.to_string()))?;
    let hash = hasher(params)?
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map_err(|e| AuthError::Crypto(format!("argon2: {e}")))?;
    Ok(hash.to_string())
}

/// Whether `password` matches the Argon2id PHC string `phc`, with the cost read from `phc`.
///
/// The tag comparison is constant-time (done by the argon2 crate). A malformed PHC
/// string, or one for another algorithm than argon2id, gives `false`.
pub fn verify_password(phc: &str, password: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    if parsed.algorithm != argon2::ARGON2ID_IDENT {
        return false;
    }
    // The cost comes from the stored string: a tampered one must not make a login
    // allocate gigabytes or run for minutes.
    let within = |name: &str, max: u32| parsed.params.get_decimal(name).is_some_and(|v| v >= 1 && v <= max);
    if !(within("m", MAX_VERIFY_PARAMS.m_kib) && within("t", MAX_VERIFY_PARAMS.t) && within("p", MAX_VERIFY_PARAMS.p)) {
        return false;
    }
    Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok()
}

/// The most a stored hash may ask of a login: 4× the memory and passes we set.
pub const MAX_VERIFY_PARAMS: Argon2Params = Argon2Params { m_kib: 262_144, t: 12, p: 4 };

/// Whether `phc` should be replaced by a fresh hash made with `params`: another algorithm,
/// version, cost, salt or tag length, or an unparsable string.
pub fn needs_rehash(phc: &str, params: Argon2Params) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let Ok(stored) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm != argon2::ARGON2ID_IDENT
        || parsed.version != Some(Version::V0x13.into())
        || stored.m_cost() != params.m_kib
        || stored.t_cost() != params.t
        || stored.p_cost() != params.p
        || parsed.salt.as_ref().is_none_or(|s| s.len() < SALT_LEN)
        || parsed.hash.as_ref().is_none_or(|h| h.len() != OUTPUT_LEN)
}

fn dummy_hash(params: Argon2Params) -> Option<String> {
    static CACHE: OnceLock<Mutex<HashMap<Argon2Params, String>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(h) = map.get(&params) {
        return Some(h.clone());
    }
    let h = hash_password("uketsuke-dummy-password", params).ok()?;
    map.insert(params, h.clone());
    Some(h)
}

/// Runs one Argon2id verification of `password` at cost `params` against a fixed dummy
/// hash, so that a login for an unknown staff ID takes as long as a real one (ASVS 6.3.8).
///
/// The dummy hash is computed on the first call for each `params` and cached for the process.
pub fn dummy_verify(password: &str, params: Argon2Params) {
    if let Some(h) = dummy_hash(params) {
        std::hint::black_box(verify_password(&h, password));
    }
}

/// Why a new password was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PolicyError {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    #[error("password shorter than {min} characters")]
    TooShort {
        /// The minimum.
        min: usize,
    },
    /// More than [`MAX_PASSWORD_CHARS`] characters.
    #[error("password longer than {max} characters")]
    TooLong {
        /// The maximum.
        max: usize,
    },
    /// On the common-password list, or a single character repeated.
    #[error("password is too common or too easy to guess")]
    TooCommon,
    /// Contains the staff ID.
    #[error("password contains the staff ID")]
    ContainsId,
}

impl PolicyError {
    /// A stable identifier for logs and API responses.
    pub fn code(&self) -> &'static str {
        match self {
            PolicyError::TooShort { .. } => "PASSWORD_TOO_SHORT",
            PolicyError::TooLong { .. } => "PASSWORD_TOO_LONG",
            PolicyError::TooCommon => "PASSWORD_TOO_COMMON",
            PolicyError::ContainsId => "PASSWORD_CONTAINS_ID",
        }
    }

    /// The message shown to staff, in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            PolicyError::TooShort { min } => format!("パスワードは{min}文字以上にしてください"),
            PolicyError::TooLong { max } => format!("パスワードは{max}文字以下にしてください"),
            PolicyError::TooCommon => "よく使われているパスワードや推測しやすいパスワードは使えません".to_owned(),
            PolicyError::ContainsId => "パスワードに職員IDを含めないでください".to_owned(),
        }
    }
}

const COMMON_PASSWORDS_TXT: &str = include_str!("common_passwords.txt");

fn common_passwords() -> impl Iterator<Item = &'static str> {
    COMMON_PASSWORDS_TXT.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Whether `password` is a common password: on the embedded list, or as a whole
/// one entry of zxcvbn's list of 30,000 passwords from breach corpora (any case;
/// zxcvbn also recognises l33t and reversed spellings of them).
pub fn is_common_password(password: &str) -> bool {
    let lower = password.to_lowercase();
    common_passwords().any(|c| c == lower) || whole_breached_password(password)
}

/// zxcvbn's best explanation of the password is one entry of its password list.
fn whole_breached_password(password: &str) -> bool {
    use zxcvbn::matching::patterns::MatchPattern;
    let entropy = zxcvbn::zxcvbn(password, &[]);
    match entropy.sequence() {
        // `DictionaryType` sits in a private module of zxcvbn; its Debug name is the variant.
        [m] => matches!(&m.pattern, MatchPattern::Dictionary(d)
            if format!("{:?}", d.dictionary_name) == "Passwords"),
        _ => false,
    }
}

/// Checks a new password against the policy (see the module docs). Length counts Unicode scalar values.
pub fn check_policy(password: &str, staff_id: &str) -> Result<(), PolicyError> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_CHARS {
        return Err(PolicyError::TooShort { min: MIN_PASSWORD_CHARS });
    }
    if len > MAX_PASSWORD_CHARS {
        return Err(PolicyError::TooLong { max: MAX_PASSWORD_CHARS });
    }
    let lower = password.to_lowercase();
    let id = staff_id.trim().to_lowercase();
    if !id.is_empty() && lower.contains(&id) {
        return Err(PolicyError::ContainsId);
    }
    let mut chars = password.chars();
    let first = chars.next();
    if chars.all(|c| Some(c) == first) {
        return Err(PolicyError::TooCommon);
    }
    if is_common_password(password) {
        return Err(PolicyError::TooCommon);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    const FAST: Argon2Params = Argon2Params::TEST_ONLY_FAST;

    #[test]
    fn a_release_build_cannot_pick_the_fast_parameters() {
        // What a release build's fixtures get, and what it refuses to hash with.
        assert_eq!(fixture_params(false), Argon2Params::RECOMMENDED);
        let refused = check_build_may_hash(FAST, true).unwrap_err();
        assert_eq!(refused.code(), "AUTH_WEAK_PARAMETERS");
        // OWASP's other listed configurations, and ours, are all allowed.
        for (m_kib, t) in [(47_104, 1), (19_456, 2), (12_288, 3), (9_216, 4), (7_168, 5), (65_536, 3)] {
            assert!(check_build_may_hash(Argon2Params { m_kib, t, p: 1 }, true).is_ok(), "m={m_kib} t={t}");
        }
        // Just under the floor in memory, or in memory × passes.
        assert!(check_build_may_hash(Argon2Params { m_kib: 7_167, t: 12, p: 1 }, true).is_err());
        assert!(check_build_may_hash(Argon2Params { m_kib: 8_192, t: 4, p: 1 }, true).is_err());
        // Tests run as a debug build: there the fast parameters are what fixtures use.
        assert_eq!(fixture_params(true), FAST);
        assert!(check_build_may_hash(FAST, false).is_ok());
        assert_eq!(Argon2Params::for_test_fixtures(), fixture_params(cfg!(debug_assertions)));
    }

    #[test]
    fn hash_then_verify_round_trip() {
        let phc = hash_password("正しいパスワード horse battery", FAST).unwrap();
        assert!(verify_password(&phc, "正しいパスワード horse battery"));
        assert!(!verify_password(&phc, "正しいパスワード horse batterY"));
        assert!(!verify_password(&phc, ""));
    }

    #[test]
    fn salts_are_random() {
        let a = hash_password("same password here", FAST).unwrap();
        let b = hash_password("same password here", FAST).unwrap();
        assert_ne!(a, b);
        let a = PasswordHash::new(&a).unwrap();
        assert_eq!(a.salt.unwrap().len(), SALT_LEN);
        assert_eq!(a.hash.unwrap().len(), OUTPUT_LEN);
    }

    #[test]
    fn malformed_phc_is_false() {
        for bad in
            ["", "$", "plaintext", "$argon2id$v=19$m=1024,t=1,p=1$", "$argon2id$v=19$m=x,t=1,p=1$c2FsdHNhbHQ$aGFzaA"]
        {
            assert!(!verify_password(bad, "anything"), "{bad}");
            assert!(needs_rehash(bad, FAST), "{bad}");
        }
    }

    #[test]
    fn other_argon2_variants_are_refused() {
        let phc = hash_password("downgrade attempt pw", FAST).unwrap();
        // Same parameters but recomputed as argon2i: a valid hash, yet not argon2id.
        let parsed = PasswordHash::new(&phc).unwrap();
        let i = Argon2::new(Algorithm::Argon2i, Version::V0x13, Params::try_from(&parsed).unwrap())
            .hash_password_with_salt(b"downgrade attempt pw", parsed.salt.as_ref().unwrap())
            .unwrap()
            .to_string();
        assert!(i.starts_with("$argon2i$"));
        assert!(!verify_password(&i, "downgrade attempt pw"));
        assert!(needs_rehash(&i, FAST));
    }

    #[test]
    fn asvs_11_4_2_argon2id_params_in_phc() {
        let phc = hash_password("a long enough passphrase", Argon2Params::RECOMMENDED).unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"), "{phc}");
        assert!(!needs_rehash(&phc, Argon2Params::RECOMMENDED));
        assert!(needs_rehash(&phc, FAST));
        assert!(verify_password(&phc, "a long enough passphrase"));
    }

    #[test]
    fn needs_rehash_follows_params() {
        let phc = hash_password("rehash me please", FAST).unwrap();
        assert!(!needs_rehash(&phc, FAST));
        assert!(needs_rehash(&phc, Argon2Params { t: 2, ..FAST }));
        assert!(needs_rehash(&phc, Argon2Params { m_kib: 2048, ..FAST }));
        assert!(needs_rehash(&phc, Argon2Params { p: 2, ..FAST }));
    }

    fn median_of(n: usize, mut f: impl FnMut()) -> Duration {
        let mut times: Vec<Duration> = (0..n)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed()
            })
            .collect();
        times.sort();
        times[n / 2]
    }

    #[test]
    fn asvs_6_3_8_unknown_user_costs_same() {
        let params = Argon2Params::RECOMMENDED;
        let real = hash_password("the real staff password", params).unwrap();
        dummy_verify("warm the dummy hash cache", params);
        let real_time = median_of(3, || assert!(verify_password(&real, "the real staff password")));
        let dummy_time = median_of(3, || dummy_verify("someone guessing", params));
        assert!(
            dummy_time.as_secs_f64() >= 0.4 * real_time.as_secs_f64(),
            "dummy {dummy_time:?} vs real {real_time:?}"
        );
    }

    #[test]
    fn asvs_6_2_1_password_min_length() {
        assert_eq!(check_policy("Tr0ub4dor&3", "S001"), Err(PolicyError::TooShort { min: 12 }));
        assert_eq!(check_policy("Tr0ub4dor&3x", "S001"), Ok(()));
        // Counted in Unicode scalar values, not bytes: 11 kana are 33 bytes but too short.
        assert_eq!(check_policy("あいうえおかきくけこさ", "S001").unwrap_err().code(), "PASSWORD_TOO_SHORT");
        assert_eq!(check_policy("あいうえおかきくけこさし", "S001"), Ok(()));
    }

    #[test]
    fn asvs_6_2_9_long_passphrase_allowed() {
        let passphrase = "受付の朝は早いけれど、健診センターのお茶はとてもおいしいです。 correct horse battery staple, and then some more words!";
        assert!(passphrase.chars().count() >= 64);
        assert_eq!(check_policy(passphrase, "S001"), Ok(()));
        let max: String = "ab".repeat(64);
        assert_eq!(check_policy(&max, "S001"), Ok(()));
        let over = format!("{max}c");
        assert_eq!(check_policy(&over, "S001"), Err(PolicyError::TooLong { max: 128 }));
        assert_eq!(PolicyError::TooLong { max: 128 }.code(), "PASSWORD_TOO_LONG");
    }

    #[test]
    fn a_stored_hash_asking_for_an_absurd_cost_is_not_run() {
        let good = hash_password("a long enough passphrase", Argon2Params::TEST_ONLY_FAST).unwrap();
        assert!(verify_password(&good, "a long enough passphrase"));
        let greedy = good.replace("m=1024", "m=4194304");
        assert!(greedy.contains("m=4194304"));
        assert!(!verify_password(&greedy, "a long enough passphrase"));
    }

    #[test]
    fn asvs_6_2_4_long_breached_passwords_are_rejected_and_passphrases_are_not() {
        // Twelve characters or more (our minimum), and in the breach list zxcvbn carries.
        for p in ["1qaz2wsx3edc", "123qweasdzxc", "QWERTYUIOP12", "qwerty123456"] {
            assert_eq!(check_policy(p, "S0100"), Err(PolicyError::TooCommon), "{p}");
        }
        assert_eq!(check_policy("みなと市の受付で使う合言葉", "S0100"), Ok(()));
        assert_eq!(check_policy("correct horse battery staple", "S0100"), Ok(()));
    }

    #[test]
    fn asvs_6_2_4_common_password_rejected() {
        assert_eq!(check_policy("password1234", "S001"), Err(PolicyError::TooCommon));
        assert_eq!(check_policy("PassWord1234", "S001"), Err(PolicyError::TooCommon));
        assert_eq!(check_policy("qwertyuiop123", "S001"), Err(PolicyError::TooCommon));
        assert_eq!(check_policy("aaaaaaaaaaaaaaaa", "S001"), Err(PolicyError::TooCommon));
        assert_eq!(check_policy("ああああああああああああ", "S001"), Err(PolicyError::TooCommon));
        assert_eq!(check_policy("password1234x", "S001"), Ok(()));
        assert!(is_common_password("123456"));
        assert!(common_passwords().count() >= 200);
        assert!(common_passwords().all(|p| p == p.to_lowercase()), "list entries must be lower case");
    }

    #[test]
    fn asvs_6_2_11_password_containing_staff_id_rejected() {
        assert_eq!(check_policy("my-S00123-secret", "s00123"), Err(PolicyError::ContainsId));
        assert_eq!(check_policy("my-s00123-secret", "S00123"), Err(PolicyError::ContainsId));
        assert_eq!(check_policy("my-s00124-secret", "S00123"), Ok(()));
        assert_eq!(check_policy("anything goes here", ""), Ok(()));
    }

    #[test]
    fn policy_codes_and_japanese_messages() {
        let all = [
            PolicyError::TooShort { min: 12 },
            PolicyError::TooLong { max: 128 },
            PolicyError::TooCommon,
            PolicyError::ContainsId,
        ];
        let codes: Vec<_> = all.iter().map(PolicyError::code).collect();
        assert_eq!(codes, ["PASSWORD_TOO_SHORT", "PASSWORD_TOO_LONG", "PASSWORD_TOO_COMMON", "PASSWORD_CONTAINS_ID"]);
        assert_eq!(all[0].message_ja(), "パスワードは12文字以上にしてください");
        assert_eq!(all[1].message_ja(), "パスワードは128文字以下にしてください");
        assert!(all.iter().all(|e| !e.message_ja().is_ascii()));
    }
}
