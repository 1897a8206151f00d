//! 受診券番号 (voucher numbers) as typed or scanned at the desk.

use unicode_normalization::UnicodeNormalization;

use crate::error::DomainError;

/// Shortest accepted voucher number.
pub const VOUCHER_MIN_DIGITS: usize = 4;
/// Longest accepted voucher number.
pub const VOUCHER_MAX_DIGITS: usize = 16;

/// Normalise a voucher number to half-width digits.
///
/// NFKC (full-width ０-９ → 0-9), then whitespace (including a scanner's trailing
/// CR/LF and U+3000) and hyphen-like separators are dropped. The result must be
/// 4–16 ASCII digits, otherwise [`DomainError::InvalidVoucherNumber`] carrying the
/// input without surrounding whitespace.
pub fn normalize_voucher(input: &str) -> Result<String, DomainError> {
    let digits = strip(input);
    let ok =
        (VOUCHER_MIN_DIGITS..=VOUCHER_MAX_DIGITS).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    if ok {
        Ok(digits)
    } else {
        Err(DomainError::InvalidVoucherNumber(input.trim().to_owned()))
    }
}

/// Whether `input` looks like a voucher number rather than a name: after the same
/// normalisation as [`normalize_voucher`], one or more ASCII digits (any length).
/// Lets one search box take both a scan and a kana name.
pub fn looks_like_voucher(input: &str) -> bool {
    let s = strip(input);
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn strip(input: &str) -> String {
    input.nfkc().filter(|&c| !c.is_whitespace() && !is_hyphen_like(c)).collect()
}

/// Hyphens, dashes, minus signs and the long-vowel mark an IME may produce for "-".
fn is_hyphen_like(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | 'ー' | '\u{30A0}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(s: &str) -> Result<String, DomainError> {
        Err(DomainError::InvalidVoucherNumber(s.to_owned()))
    }

    #[test]
    fn plain_digits() {
        assert_eq!(normalize_voucher("0123456789"), Ok("0123456789".to_owned()));
        // Leading zeros are significant.
        assert_eq!(normalize_voucher("0007"), Ok("0007".to_owned()));
    }

    #[test]
    fn full_width_digits() {
        assert_eq!(normalize_voucher("０１２３４５６７８９"), Ok("0123456789".to_owned()));
        assert_eq!(normalize_voucher("１２３4５"), Ok("12345".to_owned()));
    }

    #[test]
    fn scanner_line_endings_and_spaces() {
        assert_eq!(normalize_voucher("0123456789\r\n"), Ok("0123456789".to_owned()));
        assert_eq!(normalize_voucher("0123456789\n"), Ok("0123456789".to_owned()));
        assert_eq!(normalize_voucher("\t 1234 5678 "), Ok("12345678".to_owned()));
        assert_eq!(normalize_voucher("1234\u{3000}5678"), Ok("12345678".to_owned()));
    }

    #[test]
    fn hyphens_are_dropped() {
        assert_eq!(normalize_voucher("1234-5678"), Ok("12345678".to_owned()));
        assert_eq!(normalize_voucher("１２３４－５６７８"), Ok("12345678".to_owned()));
        assert_eq!(normalize_voucher("1234‐5678"), Ok("12345678".to_owned()));
        assert_eq!(normalize_voucher("1234−5678"), Ok("12345678".to_owned()));
        assert_eq!(normalize_voucher("1234ー5678"), Ok("12345678".to_owned()));
        assert_eq!(normalize_voucher("12-34-56-78"), Ok("12345678".to_owned()));
    }

    #[test]
    fn letters_and_symbols_rejected() {
        assert_eq!(normalize_voucher("1234A5678"), invalid("1234A5678"));
        assert_eq!(normalize_voucher("ABCD"), invalid("ABCD"));
        assert_eq!(normalize_voucher("1234.5678"), invalid("1234.5678"));
        assert_eq!(normalize_voucher("1234/5678"), invalid("1234/5678"));
        assert_eq!(normalize_voucher("やまだ"), invalid("やまだ"));
        // Non-ASCII digits that NFKC leaves alone.
        assert_eq!(normalize_voucher("١٢٣٤٥"), invalid("١٢٣٤٥"));
        assert_eq!(normalize_voucher("一二三四"), invalid("一二三四"));
    }

    #[test]
    fn length_bounds() {
        assert_eq!(normalize_voucher(""), invalid(""));
        assert_eq!(normalize_voucher("123"), invalid("123"));
        assert_eq!(normalize_voucher("12-3"), invalid("12-3"));
        assert_eq!(normalize_voucher("1234"), Ok("1234".to_owned()));
        assert_eq!(normalize_voucher("1234567890123456"), Ok("1234567890123456".to_owned()));
        assert_eq!(normalize_voucher("12345678901234567"), invalid("12345678901234567"));
        // Separators do not count towards the length.
        assert_eq!(normalize_voucher("1234-5678-9012-3456"), Ok("1234567890123456".to_owned()));
    }

    #[test]
    fn error_carries_trimmed_input() {
        assert_eq!(normalize_voucher(" 12a4\r\n"), invalid("12a4"));
    }

    #[test]
    fn looks_like_voucher_cases() {
        assert!(looks_like_voucher("1"));
        assert!(looks_like_voucher("123"));
        assert!(looks_like_voucher("０１２３４５６７８９"));
        assert!(looks_like_voucher("1234-5678\r\n"));
        assert!(looks_like_voucher("12345678901234567890"));
        assert!(!looks_like_voucher(""));
        assert!(!looks_like_voucher(" \r\n"));
        assert!(!looks_like_voucher("-"));
        assert!(!looks_like_voucher("やまだ"));
        assert!(!looks_like_voucher("ﾔﾏﾀﾞ"));
        assert!(!looks_like_voucher("12a"));
    }
}
