//! 個人番号 (My Number): 12 digits, the last a check digit.

use std::fmt;

/// A 個人番号 whose check digit was verified. Its `Debug` prints `***` and it has no
/// `Display` and no `Serialize`, so it cannot end up in a log or an error message by
/// accident; read it with [`MyNumber::expose`] where it is stored.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct MyNumber(String);

/// Why a string is not a 個人番号. Carries no part of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MyNumberError {
    /// Not 12 digits.
    Format,
    /// 12 digits whose last does not match the check digit of the first 11.
    CheckDigit,
}

impl MyNumber {
    /// From 12 half-width digits (no separators) with a valid check digit.
    pub fn parse(digits: &str) -> Result<Self, MyNumberError> {
        let bytes = digits.as_bytes();
        if bytes.len() != 12 || !bytes.iter().all(u8::is_ascii_digit) {
            return Err(MyNumberError::Format);
        }
        let mut first11 = [0u8; 11];
        for (d, b) in first11.iter_mut().zip(bytes) {
            *d = b - b'0';
        }
        if check_digit(&first11) == bytes[11] - b'0' {
            Ok(MyNumber(digits.to_owned()))
        } else {
            Err(MyNumberError::CheckDigit)
        }
    }

    /// The 12 digits, for storing. Keep the result out of logs and messages.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The check digit of the first 11 digits (each 0–9, most significant first), per
/// 行政手続における特定の個人を識別するための番号の利用等に関する法律施行令 第8条 /
/// the 総務省令: with P_n the n-th digit counted from the right (n = 1…11) and
/// Q_n = n + 1 for n ≤ 6, n − 5 for n ≥ 7, r = Σ P_n × Q_n mod 11; the check digit
/// is 0 when r ≤ 1, else 11 − r.
pub fn check_digit(first11: &[u8; 11]) -> u8 {
    let sum: u32 = first11
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &p)| {
            let n = i as u32 + 1;
            let q = if n <= 6 { n + 1 } else { n - 5 };
            u32::from(p) * q
        })
        .sum();
    let r = sum % 11;
    if r <= 1 {
        0
    } else {
        (11 - r) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_check_digits() {
        // 12345678901: from the right P1..P11 = 1,0,9,8,7,6,5,4,3,2,1 and
        // Q1..Q11 = 2,3,4,5,6,7,2,3,4,5,6:
        // 2 + 0 + 36 + 40 + 42 + 42 + 10 + 12 + 12 + 10 + 6 = 212; 212 mod 11 = 3;
        // check digit = 11 − 3 = 8.
        assert_eq!(check_digit(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]), 8);
        assert!(MyNumber::parse("123456789018").is_ok());
        // 00000000060: P2 = 6, Q2 = 3 → 18 mod 11 = 7 → 4.
        assert_eq!(check_digit(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0]), 4);
        // 00000000006: P1 = 6, Q1 = 2 → 12 mod 11 = 1 → r ≤ 1 → 0.
        assert_eq!(check_digit(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6]), 0);
        assert!(MyNumber::parse("000000000060").is_ok());
        // 10000000000: P11 = 1, Q11 = 6 → 6 → 11 − 6 = 5.
        assert_eq!(check_digit(&[1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), 5);
        // 00000100000: P6 = 1, Q6 = 7 → 4; 00001000000: P7 = 1, Q7 = 2 → 9.
        assert_eq!(check_digit(&[0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]), 4);
        assert_eq!(check_digit(&[0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]), 9);
    }

    #[test]
    fn wrong_check_digit_and_format() {
        assert_eq!(MyNumber::parse("123456789017"), Err(MyNumberError::CheckDigit));
        assert_eq!(MyNumber::parse("123456789019"), Err(MyNumberError::CheckDigit));
        assert_eq!(MyNumber::parse("12345678901"), Err(MyNumberError::Format));
        assert_eq!(MyNumber::parse("1234567890180"), Err(MyNumberError::Format));
        assert_eq!(MyNumber::parse("12345678901a"), Err(MyNumberError::Format));
        assert_eq!(MyNumber::parse("１２３４５６７８９０１８"), Err(MyNumberError::Format));
        assert_eq!(MyNumber::parse(""), Err(MyNumberError::Format));
    }

    #[test]
    fn debug_hides_the_number() {
        let n = MyNumber::parse("123456789018").unwrap();
        assert_eq!(format!("{n:?}"), "***");
        assert_eq!(format!("{:?}", Some(n.clone())), "Some(***)");
        assert_eq!(n.expose(), "123456789018");
    }
}
