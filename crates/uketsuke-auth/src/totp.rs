//! Time-based one-time passwords (RFC 6238: HMAC-SHA-1, 6 digits, 30 s steps, ±1 step skew).
//!
//! The clock is never read here: every function takes the time as a parameter.
//! Single use per step (ASVS 6.5.1) needs the caller to store the step returned by
//! [`verify`] and pass it back as `last_used_step` next time.

use std::fmt;

use chrono::{DateTime, Utc};
use qrcode::render::unicode::Dense1x2;
use qrcode::QrCode;
use subtle::ConstantTimeEq;
use thiserror::Error;
use totp_rs::{Algorithm, Builder, Secret, Totp};
use zeroize::Zeroizing;

use crate::error::AuthError;

/// Seconds per time step.
pub const STEP_SECONDS: i64 = 30;
/// Digits per code.
pub const DIGITS: usize = 6;
/// Steps accepted on each side of the current one.
pub const SKEW_STEPS: i64 = 1;
/// Bytes in a generated secret (160 bits, as RFC 4226 recommends).
pub const SECRET_LEN: usize = 20;
/// The shortest secret accepted (128 bits, RFC 4226's minimum).
pub const MIN_SECRET_LEN: usize = 16;

/// A TOTP shared secret. Zeroized on drop; `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct TotpSecret(Zeroizing<Vec<u8>>);

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret(..)")
    }
}

impl TotpSecret {
    /// A new random 20-byte secret from the operating system's generator.
    ///
    /// # Panics
    ///
    /// If the operating system's generator fails; [`TotpSecret::try_generate`] reports it instead.
    pub fn generate() -> TotpSecret {
        TotpSecret::try_generate().expect("operating system random number generator")
    }

    /// A new random 20-byte secret, or [`AuthError::Rng`] if the generator fails.
    pub fn try_generate() -> Result<TotpSecret, AuthError> {
        let mut bytes = Zeroizing::new(vec![0u8; SECRET_LEN]);
        getrandom::fill(&mut bytes).map_err(|e| AuthError::Rng(e.to_string()))?;
        Ok(TotpSecret(bytes))
    }

    /// Wraps raw secret bytes; at least 16 bytes.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<TotpSecret, AuthError> {
        let bytes = Zeroizing::new(bytes);
        if bytes.len() < MIN_SECRET_LEN {
            return Err(AuthError::TotpSecretInvalid(format!(
                "{} bytes, at least {MIN_SECRET_LEN} needed",
                bytes.len()
            )));
        }
        Ok(TotpSecret(bytes))
    }

    /// The raw secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// RFC 4648 base32 without padding, as authenticator apps expect.
    pub fn to_base32(&self) -> String {
        Secret::from(self.as_bytes()).to_base32()
    }

    /// Parses RFC 4648 base32 (no padding); at least 16 bytes once decoded.
    pub fn from_base32(s: &str) -> Result<TotpSecret, AuthError> {
        let secret = Secret::try_from_base32(s.trim())
            .map_err(|_| AuthError::TotpSecretInvalid("not RFC 4648 base32".to_owned()))?;
        TotpSecret::from_bytes(secret.as_bytes().to_vec())
    }

    fn totp(&self) -> Totp {
        Builder::new()
            .with_algorithm(Algorithm::SHA1)
            .with_digits(DIGITS as u8)
            .with_skew(SKEW_STEPS as u16)
            .with_step_duration(STEP_SECONDS as u64)
            .with_secret(self.as_bytes())
            .build_noncompliant()
    }
}

/// The `otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER` URI for enrolling an authenticator app.
///
/// The Key URI format forbids ':' inside the issuer and the account; any is replaced by the
/// full-width '：'. An empty account becomes `-`. Labels are percent-encoded.
pub fn otpauth_uri(secret: &TotpSecret, issuer: &str, account: &str) -> String {
    try_otpauth_uri(secret, &label_part(issuer), &label_part(account))
        .expect("sanitized labels are non-empty and contain no ':'")
}

fn label_part(s: &str) -> String {
    let s = s.replace(':', "：");
    if s.is_empty() {
        "-".to_owned()
    } else {
        s
    }
}

/// Like [`otpauth_uri`] but refuses ([`AuthError::TotpLabelInvalid`]) an empty issuer or
/// account, or one containing ':', instead of replacing it.
pub fn try_otpauth_uri(secret: &TotpSecret, issuer: &str, account: &str) -> Result<String, AuthError> {
    if issuer.is_empty() || issuer.contains(':') {
        return Err(AuthError::TotpLabelInvalid("issuer must be non-empty and without ':'".to_owned()));
    }
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS as u8)
        .with_step_duration(STEP_SECONDS as u64)
        .with_secret(secret.as_bytes())
        .with_issuer(Some(issuer))
        .with_account_name(account)
        .build_noncompliant()
        .to_url()
        .map_err(|e| AuthError::TotpLabelInvalid(e.to_string()))
}

/// `text` as a QR code drawn with Unicode half blocks (two modules per character cell).
///
/// Light modules are drawn as blocks, so the code reads correctly on a terminal with a
/// dark background and light text; the output includes the quiet zone. Text too long for
/// a QR code (about 2.9 kB) gives a one-line notice instead; see [`try_qr_unicode`].
pub fn qr_unicode(text: &str) -> String {
    try_qr_unicode(text).unwrap_or_else(|e| format!("(QRコードを表示できません / no QR code: {e})"))
}

/// Like [`qr_unicode`] but reports text that does not fit as [`AuthError::QrTooLong`].
pub fn try_qr_unicode(text: &str) -> Result<String, AuthError> {
    let code = QrCode::new(text.as_bytes()).map_err(|e| AuthError::QrTooLong(e.to_string()))?;
    Ok(code.render::<Dense1x2>().dark_color(Dense1x2::Light).light_color(Dense1x2::Dark).quiet_zone(true).build())
}

/// The time step containing `at`: floor(unix seconds / 30).
pub fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

fn code_for_step(totp: &Totp, step: i64) -> Option<Zeroizing<String>> {
    let seconds = u64::try_from(step.checked_mul(STEP_SECONDS)?).ok()?;
    Some(Zeroizing::new(totp.generate(seconds).to_string()))
}

/// The 6-digit code for the step containing `at`. Before the Unix epoch: `"000000"`, which [`verify`] never accepts.
pub fn code_at(secret: &TotpSecret, at: DateTime<Utc>) -> String {
    code_for_step(&secret.totp(), step_of(at)).map(|c| c.to_string()).unwrap_or_else(|| "0".repeat(DIGITS))
}

/// Why a TOTP code was refused.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TotpError {
    /// Not six digits.
    #[error("a TOTP code is six digits")]
    Malformed,
    /// No match in the accepted window.
    #[error("TOTP code does not match")]
    Invalid,
    /// Matches a step already used.
    #[error("TOTP code already used")]
    Replayed,
}

impl TotpError {
    /// A stable identifier for logs and API responses.
    pub fn code(&self) -> &'static str {
        match self {
            TotpError::Malformed => "TOTP_MALFORMED",
            TotpError::Invalid => "TOTP_INVALID",
            TotpError::Replayed => "TOTP_REPLAYED",
        }
    }
}

/// Normalizes user input: drops whitespace anywhere ("123 456"), maps full-width
/// digits ０-９ to ASCII, and requires exactly six digits.
fn normalize(code: &str) -> Option<[u8; DIGITS]> {
    let mut out = [0u8; DIGITS];
    let mut n = 0;
    for c in code.chars().filter(|c| !c.is_whitespace()) {
        let d = match c {
            '0'..='9' => c as u32 - '0' as u32,
            '０'..='９' => c as u32 - '０' as u32,
            _ => return None,
        };
        *out.get_mut(n)? = b'0' + d as u8;
        n += 1;
    }
    (n == DIGITS).then_some(out)
}

/// Checks `code` against the steps `step_of(now)` - 1, + 0 and + 1.
///
/// Returns the matched step, which the caller stores and passes back as `last_used_step`.
/// A code for a step ≤ `last_used_step` is [`TotpError::Replayed`] (ASVS 6.5.1).
/// All three candidates are compared, each in constant time.
pub fn verify(
    secret: &TotpSecret,
    code: &str,
    now: DateTime<Utc>,
    last_used_step: Option<i64>,
) -> Result<i64, TotpError> {
    let given = normalize(code).ok_or(TotpError::Malformed)?;
    let totp = secret.totp();
    let current = step_of(now);
    let mut fresh: Option<i64> = None;
    let mut replayed = false;
    for step in (current - SKEW_STEPS)..=(current + SKEW_STEPS) {
        let Some(expected) = code_for_step(&totp, step) else {
            continue;
        };
        if bool::from(expected.as_bytes().ct_eq(&given)) {
            if last_used_step.is_some_and(|used| step <= used) {
                replayed = true;
            } else {
                fresh = Some(step);
            }
        }
    }
    match (fresh, replayed) {
        (Some(step), _) => Ok(step),
        (None, true) => Err(TotpError::Replayed),
        (None, false) => Err(TotpError::Invalid),
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn rfc_secret() -> TotpSecret {
        TotpSecret::from_bytes(b"12345678901234567890".to_vec()).unwrap()
    }

    fn at(unix: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(unix, 0).unwrap()
    }

    #[test]
    fn rfc_6238_sha1_vectors_last_six_digits() {
        // RFC 6238 Appendix B, SHA-1, 8-digit values; a 6-digit code is the value mod 10^6.
        let vectors = [
            (59, "94287082"),
            (1111111109, "07081804"),
            (1111111111, "14050471"),
            (1234567890, "89005924"),
            (2000000000, "69279037"),
            (20000000000, "65353130"),
        ];
        let secret = rfc_secret();
        for (t, eight) in vectors {
            assert_eq!(code_at(&secret, at(t)), eight[2..], "T={t}");
            assert_eq!(verify(&secret, &eight[2..], at(t), None), Ok(step_of(at(t))), "T={t}");
        }
    }

    #[test]
    fn step_of_floors() {
        assert_eq!(step_of(at(0)), 0);
        assert_eq!(step_of(at(29)), 0);
        assert_eq!(step_of(at(30)), 1);
        assert_eq!(step_of(at(59)), 1);
        assert_eq!(step_of(at(-1)), -1);
    }

    #[test]
    fn asvs_6_5_1_totp_code_single_use_per_step() {
        let secret = rfc_secret();
        let now = at(1111111109);
        let code = code_at(&secret, now);
        let step = verify(&secret, &code, now, None).unwrap();
        assert_eq!(step, step_of(now));
        // Same code again, same step or a few seconds later within the window: refused.
        assert_eq!(verify(&secret, &code, now, Some(step)), Err(TotpError::Replayed));
        assert_eq!(verify(&secret, &code, at(1111111109 + 25), Some(step)), Err(TotpError::Replayed));
        assert_eq!(TotpError::Replayed.code(), "TOTP_REPLAYED");
        // The next step's code is still accepted.
        let next = code_at(&secret, at(1111111109 + 30));
        assert_eq!(verify(&secret, &next, at(1111111109 + 30), Some(step)), Ok(step + 1));
        // An older step than the last used one is also a replay.
        let prev = code_at(&secret, at(1111111109 - 30));
        assert_eq!(verify(&secret, &prev, now, Some(step)), Err(TotpError::Replayed));
    }

    #[test]
    fn asvs_6_5_5_totp_outside_window_rejected() {
        let secret = rfc_secret();
        let t = 1234567890;
        let code = code_at(&secret, at(t));
        let step = step_of(at(t));
        let step_start = step * STEP_SECONDS;
        // Accepted one step early and one step late ...
        assert_eq!(verify(&secret, &code, at(step_start - STEP_SECONDS), None), Ok(step));
        assert_eq!(verify(&secret, &code, at(step_start + 2 * STEP_SECONDS - 1), None), Ok(step));
        // ... but not two steps away either side.
        assert_eq!(verify(&secret, &code, at(step_start - STEP_SECONDS - 1), None), Err(TotpError::Invalid));
        assert_eq!(verify(&secret, &code, at(step_start + 2 * STEP_SECONDS), None), Err(TotpError::Invalid));
        assert_eq!(TotpError::Invalid.code(), "TOTP_INVALID");
    }

    #[test]
    fn wrong_code_and_wrong_secret_rejected() {
        let secret = rfc_secret();
        let now = at(2000000000);
        let code = code_at(&secret, now);
        let wrong = format!("{:06}", (code.parse::<u32>().unwrap() + 1) % 1_000_000);
        assert_eq!(verify(&secret, &wrong, now, None), Err(TotpError::Invalid));
        let other = TotpSecret::generate();
        assert_ne!(other, secret);
        // A fresh random secret could collide in 3 / 10^6 cases; compare across a few steps instead.
        let matches = (0..5)
            .filter(|i| code_at(&other, at(2000000000 + 90 * i)) == code_at(&secret, at(2000000000 + 90 * i)))
            .count();
        assert!(matches < 2);
    }

    #[test]
    fn input_normalization() {
        let secret = rfc_secret();
        let now = at(59);
        let code = code_at(&secret, now);
        assert_eq!(code, "287082");
        assert!(verify(&secret, " 287082 ", now, None).is_ok());
        assert!(verify(&secret, "287 082", now, None).is_ok());
        assert!(verify(&secret, "２８７０８２", now, None).is_ok());
        assert!(verify(&secret, "\u{3000}２８７ ０８２\t", now, None).is_ok());
        for bad in ["", "28708", "2870820", "28708a", "-28708", "+287082", "２８７０８", "٢٨٧٠٨٢"] {
            assert_eq!(verify(&secret, bad, now, None), Err(TotpError::Malformed), "{bad:?}");
        }
        assert_eq!(TotpError::Malformed.code(), "TOTP_MALFORMED");
    }

    #[test]
    fn before_epoch_is_never_accepted() {
        let secret = rfc_secret();
        assert_eq!(code_at(&secret, at(-100)), "000000");
        assert!(verify(&secret, "000000", at(-100), None).is_err());
    }

    #[test]
    fn secret_encoding_and_redaction() {
        let secret = rfc_secret();
        assert_eq!(secret.to_base32(), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(TotpSecret::from_base32("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ").unwrap(), secret);
        assert_eq!(format!("{secret:?}"), "TotpSecret(..)");
        let generated = TotpSecret::try_generate().unwrap();
        assert_eq!(generated.as_bytes().len(), SECRET_LEN);
        assert_eq!(TotpSecret::from_base32(&generated.to_base32()).unwrap(), generated);
        assert_eq!(TotpSecret::from_bytes(vec![7; 15]).unwrap_err().code(), "TOTP_SECRET_INVALID");
        assert!(TotpSecret::from_bytes(vec![7; 16]).is_ok());
        assert_eq!(TotpSecret::from_base32("not base32 !!").unwrap_err().code(), "TOTP_SECRET_INVALID");
        assert_eq!(TotpSecret::from_base32("GEZDGNBVGY3TQOJQ").unwrap_err().code(), "TOTP_SECRET_INVALID");
    }

    #[test]
    fn otpauth_uri_format() {
        let secret = rfc_secret();
        let uri = otpauth_uri(&secret, "Uketsuke 受付", "S001");
        assert!(uri.starts_with("otpauth://totp/Uketsuke%20%E5%8F%97%E4%BB%98:S001?"), "{uri}");
        assert!(uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"), "{uri}");
        assert!(uri.contains("issuer=Uketsuke%20%E5%8F%97%E4%BB%98"), "{uri}");
        assert_eq!(try_otpauth_uri(&secret, "Uketsuke 受付", "S001").unwrap(), uri);
        assert_eq!(try_otpauth_uri(&secret, "Uke:tsuke", "S001").unwrap_err().code(), "TOTP_LABEL_INVALID");
        assert_eq!(try_otpauth_uri(&secret, "Uketsuke", "S:001").unwrap_err().code(), "TOTP_LABEL_INVALID");
        assert_eq!(try_otpauth_uri(&secret, "Uketsuke", "").unwrap_err().code(), "TOTP_LABEL_INVALID");
        assert_eq!(try_otpauth_uri(&secret, "", "S001").unwrap_err().code(), "TOTP_LABEL_INVALID");
        // The infallible form replaces what the Key URI format forbids.
        let fixed = otpauth_uri(&secret, "Uke:tsuke", "");
        assert!(fixed.starts_with("otpauth://totp/Uke%EF%BC%9Atsuke:-?"), "{fixed}");
    }

    #[test]
    fn qr_is_square_unicode_blocks() {
        let uri = otpauth_uri(&rfc_secret(), "Uketsuke", "S001");
        let qr = qr_unicode(&uri);
        assert_eq!(try_qr_unicode(&uri).unwrap(), qr);
        let lines: Vec<&str> = qr.lines().collect();
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width));
        // Two module rows per text line.
        assert_eq!(lines.len(), width.div_ceil(2));
        assert!(qr.chars().all(|c| matches!(c, ' ' | '\n' | '\u{2580}' | '\u{2584}' | '\u{2588}')));
        // Quiet zone drawn light, i.e. as full blocks.
        assert!(lines[0].chars().all(|c| c == '\u{2588}'));
        assert_eq!(try_qr_unicode(&"x".repeat(8000)).unwrap_err().code(), "QR_TOO_LONG");
        assert!(!qr_unicode(&"x".repeat(8000)).contains('\u{2588}'));
    }
}
