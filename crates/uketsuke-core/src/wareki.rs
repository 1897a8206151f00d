//! 和暦 (Japanese era dates): parsing what staff type or legacy files contain, and
//! rendering for display and print. Dates are stored in the Western calendar; this
//! module only converts at the edges.
//!
//! Era boundaries: 明治 from 1868-01-25 (JIS X 0301 maps M01.01.01 to that day),
//! 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08, 令和 2019-05-01. Era years are
//! counted from the calendar year the era began in (立年改元 for 明治); before 1873
//! Japan used the lunisolar calendar, which this module does not model: 明治 dates
//! are read as Gregorian month/day, as JIS X 0301 does for M06.01.01 onwards.

use chrono::{Datelike, NaiveDate};
use unicode_normalization::UnicodeNormalization;

use crate::error::DomainError;

/// A Japanese era (元号) from 明治 on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Era {
    Meiji,
    Taisho,
    Showa,
    Heisei,
    Reiwa,
}

impl Era {
    /// In chronological order.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// First day of the era.
    pub fn start(self) -> NaiveDate {
        let (y, m, d) = match self {
            Era::Meiji => (1868, 1, 25),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        };
        NaiveDate::from_ymd_opt(y, m, d).expect("era start dates are valid")
    }

    /// Last day of the era, `None` for the current one.
    pub fn end(self) -> Option<NaiveDate> {
        self.next().and_then(|n| n.start().pred_opt())
    }

    /// The era that followed this one.
    pub fn next(self) -> Option<Era> {
        match self {
            Era::Meiji => Some(Era::Taisho),
            Era::Taisho => Some(Era::Showa),
            Era::Showa => Some(Era::Heisei),
            Era::Heisei => Some(Era::Reiwa),
            Era::Reiwa => None,
        }
    }

    /// 明治, 大正, 昭和, 平成, 令和.
    pub fn kanji(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// One-kanji abbreviation (JIS X 0301): 明, 大, 昭, 平, 令.
    pub fn short_kanji(self) -> char {
        match self {
            Era::Meiji => '明',
            Era::Taisho => '大',
            Era::Showa => '昭',
            Era::Heisei => '平',
            Era::Reiwa => '令',
        }
    }

    /// One-letter code (JIS X 0301): M, T, S, H, R.
    pub fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The digit legacy numeric encodings put in front of YYMMDD: 1 = 明治 … 5 = 令和.
    pub fn legacy_digit(self) -> u32 {
        match self {
            Era::Meiji => 1,
            Era::Taisho => 2,
            Era::Showa => 3,
            Era::Heisei => 4,
            Era::Reiwa => 5,
        }
    }

    /// From a one-letter code, either case.
    pub fn from_letter(c: char) -> Option<Era> {
        Era::ALL.into_iter().find(|e| e.letter() == c.to_ascii_uppercase())
    }

    /// From a legacy era digit (1–5).
    pub fn from_legacy_digit(digit: u32) -> Option<Era> {
        Era::ALL.into_iter().find(|e| e.legacy_digit() == digit)
    }

    /// The era `date` falls in, `None` before 明治.
    pub fn of(date: NaiveDate) -> Option<Era> {
        Era::ALL.into_iter().rev().find(|e| e.start() <= date)
    }

    /// Whether `date` lies within this era.
    pub fn contains(self, date: NaiveDate) -> bool {
        date >= self.start() && self.end().is_none_or(|end| date <= end)
    }

    /// Era year → Western year (昭和30 → 1955). Year 1 is 元年.
    pub fn gregorian_year(self, era_year: u32) -> i32 {
        self.start().year() - 1 + era_year as i32
    }
}

/// The era and era year of a date, `None` before 明治.
pub fn era_year(date: NaiveDate) -> Option<(Era, u32)> {
    let era = Era::of(date)?;
    Some((era, (date.year() - era.start().year() + 1) as u32))
}

/// Parse a date typed by staff or read from a legacy file.
///
/// Input is NFKC-normalised (full-width digits, letters and punctuation, and the
/// era ligatures ㍼ ㍻ ㋿, are accepted) and all whitespace is removed. Accepted:
/// - Western: `1955-04-01`, `1955/4/1`, `1955.4.1`, `19550401`, `1955年4月1日`;
/// - era: `昭和30年4月1日`, `昭30.4.1`, `S30.4.1`, `s30.04.01`, `S30/4/1`, `S30-4-1`,
///   with `元` for year 1 (`令和元年5月1日`, `H元.5.1`); `日` is optional;
/// - legacy 7 digits: era digit (1 明治 … 5 令和) + YYMMDD, e.g. `3300401`.
///
/// Errors: [`DomainError::InvalidDate`] for unparseable input or a day that does not
/// exist; [`DomainError::DateOutsideEra`] for a real day outside the named era
/// (昭和64年1月8日, 平成31年5月1日, 令和1年4月30日).
pub fn parse_date(input: &str) -> Result<NaiveDate, DomainError> {
    let invalid = || DomainError::InvalidDate(input.to_owned());
    let s: String = input.nfkc().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Err(invalid());
    }

    if s.chars().all(|c| c.is_ascii_digit()) {
        return match s.len() {
            8 => {
                let (y, m, d) = (num(&s[0..4]), num(&s[4..6]), num(&s[6..8]));
                NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(invalid)
            }
            7 => {
                let era = Era::from_legacy_digit(num(&s[0..1])).ok_or_else(invalid)?;
                era_date(era, num(&s[1..3]), num(&s[3..5]), num(&s[5..7]), input)
            }
            _ => Err(invalid()),
        };
    }

    if s.starts_with(|c: char| c.is_ascii_digit()) {
        let (y, m, d) = parse_ymd(&s, 4..=4, false).ok_or_else(invalid)?;
        return NaiveDate::from_ymd_opt(y as i32, m, d).ok_or_else(invalid);
    }

    let (era, rest) = split_era(&s).ok_or_else(invalid)?;
    let (y, m, d) = parse_ymd(rest, 1..=2, true).ok_or_else(invalid)?;
    era_date(era, y, m, d, input)
}

/// 昭和30年4月1日; year 1 as 元年. Dates before 明治 fall back to `1867年12月31日`.
pub fn to_wareki(date: NaiveDate) -> String {
    match era_year(date) {
        Some((era, 1)) => format!("{}元年{}月{}日", era.kanji(), date.month(), date.day()),
        Some((era, y)) => format!("{}{}年{}月{}日", era.kanji(), y, date.month(), date.day()),
        None => format!("{}年{}月{}日", date.year(), date.month(), date.day()),
    }
}

/// JIS X 0301 extended form: `S30.04.01`, `R01.05.01`. Dates before 明治 fall back
/// to the Western form JIS X 0301 also defines (`1867-12-31`).
pub fn to_jis_x0301(date: NaiveDate) -> String {
    match era_year(date) {
        Some((era, y)) => format!("{}{:02}.{:02}.{:02}", era.letter(), y, date.month(), date.day()),
        None => date.format("%Y-%m-%d").to_string(),
    }
}

/// Era date → Western date, checking the day exists and lies within the era.
fn era_date(era: Era, year: u32, month: u32, day: u32, input: &str) -> Result<NaiveDate, DomainError> {
    if year == 0 {
        return Err(DomainError::InvalidDate(input.to_owned()));
    }
    let date = NaiveDate::from_ymd_opt(era.gregorian_year(year), month, day)
        .ok_or_else(|| DomainError::InvalidDate(input.to_owned()))?;
    if era.contains(date) {
        Ok(date)
    } else {
        Err(DomainError::DateOutsideEra(input.to_owned()))
    }
}

/// Split a leading era name (明治, 明, M/m, …) from the rest.
fn split_era(s: &str) -> Option<(Era, &str)> {
    for era in Era::ALL {
        if let Some(rest) = s.strip_prefix(era.kanji()) {
            return Some((era, rest));
        }
    }
    let first = s.chars().next()?;
    let rest = &s[first.len_utf8()..];
    Era::ALL.into_iter().find(|e| e.short_kanji() == first).or_else(|| Era::from_letter(first)).map(|era| (era, rest))
}

/// `Y年M月D日` (日 optional) or `Y<sep>M<sep>D` with one of `.` `/` `-` used twice.
/// The year has `year_digits` digits, or is `元` (1) when `allow_gan`. Month and day
/// have one or two digits. Range checks are left to the caller.
fn parse_ymd(s: &str, year_digits: std::ops::RangeInclusive<usize>, allow_gan: bool) -> Option<(u32, u32, u32)> {
    let (year, rest) = match s.strip_prefix('元') {
        Some(rest) if allow_gan => (1, rest),
        Some(_) => return None,
        None => take_digits(s, year_digits)?,
    };
    let sep = rest.chars().next()?;
    let rest = &rest[sep.len_utf8()..];
    let (month, rest) = take_digits(rest, 1..=2)?;
    match sep {
        '年' => {
            let rest = rest.strip_prefix('月')?;
            let (day, rest) = take_digits(rest, 1..=2)?;
            matches!(rest, "" | "日").then_some((year, month, day))
        }
        '.' | '/' | '-' => {
            let rest = rest.strip_prefix(sep)?;
            let (day, rest) = take_digits(rest, 1..=2)?;
            rest.is_empty().then_some((year, month, day))
        }
        _ => None,
    }
}

/// A leading run of ASCII digits whose length lies in `len`, and the rest.
fn take_digits(s: &str, len: std::ops::RangeInclusive<usize>) -> Option<(u32, &str)> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    len.contains(&n).then(|| (num(&s[..n]), &s[n..]))
}

/// A short run of ASCII digits as a number (callers bound the length).
fn num(digits: &str) -> u32 {
    digits.parse().expect("caller passes 1-4 ASCII digits")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn invalid(s: &str) -> Result<NaiveDate, DomainError> {
        Err(DomainError::InvalidDate(s.to_owned()))
    }

    fn outside(s: &str) -> Result<NaiveDate, DomainError> {
        Err(DomainError::DateOutsideEra(s.to_owned()))
    }

    #[test]
    fn era_metadata() {
        assert_eq!(Era::Meiji.start(), d(1868, 1, 25));
        assert_eq!(Era::Taisho.start(), d(1912, 7, 30));
        assert_eq!(Era::Showa.start(), d(1926, 12, 25));
        assert_eq!(Era::Heisei.start(), d(1989, 1, 8));
        assert_eq!(Era::Reiwa.start(), d(2019, 5, 1));
        assert_eq!(Era::Meiji.end(), Some(d(1912, 7, 29)));
        assert_eq!(Era::Showa.end(), Some(d(1989, 1, 7)));
        assert_eq!(Era::Heisei.end(), Some(d(2019, 4, 30)));
        assert_eq!(Era::Reiwa.end(), None);
        let names: Vec<_> = Era::ALL.iter().map(|e| e.kanji()).collect();
        assert_eq!(names, ["明治", "大正", "昭和", "平成", "令和"]);
        let letters: String = Era::ALL.iter().map(|e| e.letter()).collect();
        assert_eq!(letters, "MTSHR");
        let shorts: String = Era::ALL.iter().map(|e| e.short_kanji()).collect();
        assert_eq!(shorts, "明大昭平令");
        let digits: Vec<_> = Era::ALL.iter().map(|e| e.legacy_digit()).collect();
        assert_eq!(digits, [1, 2, 3, 4, 5]);
        assert_eq!(Era::from_letter('s'), Some(Era::Showa));
        assert_eq!(Era::from_letter('X'), None);
        assert_eq!(Era::from_legacy_digit(4), Some(Era::Heisei));
        assert_eq!(Era::from_legacy_digit(0), None);
        assert_eq!(Era::from_legacy_digit(6), None);
        assert_eq!(Era::Showa.gregorian_year(30), 1955);
        assert_eq!(Era::Reiwa.gregorian_year(1), 2019);
    }

    #[test]
    fn era_of_dates_at_boundaries() {
        assert_eq!(Era::of(d(1868, 1, 24)), None);
        assert_eq!(Era::of(d(1868, 1, 25)), Some(Era::Meiji));
        assert_eq!(Era::of(d(1912, 7, 29)), Some(Era::Meiji));
        assert_eq!(Era::of(d(1912, 7, 30)), Some(Era::Taisho));
        assert_eq!(Era::of(d(1926, 12, 24)), Some(Era::Taisho));
        assert_eq!(Era::of(d(1926, 12, 25)), Some(Era::Showa));
        assert_eq!(Era::of(d(1989, 1, 7)), Some(Era::Showa));
        assert_eq!(Era::of(d(1989, 1, 8)), Some(Era::Heisei));
        assert_eq!(Era::of(d(2019, 4, 30)), Some(Era::Heisei));
        assert_eq!(Era::of(d(2019, 5, 1)), Some(Era::Reiwa));
        assert!(Era::Showa.contains(d(1989, 1, 7)));
        assert!(!Era::Showa.contains(d(1989, 1, 8)));
        assert!(!Era::Showa.contains(d(1926, 12, 24)));
        assert!(Era::Reiwa.contains(d(2200, 1, 1)));
    }

    #[test]
    fn era_year_of_dates() {
        assert_eq!(era_year(d(1955, 4, 1)), Some((Era::Showa, 30)));
        assert_eq!(era_year(d(1989, 1, 7)), Some((Era::Showa, 64)));
        assert_eq!(era_year(d(1989, 1, 8)), Some((Era::Heisei, 1)));
        assert_eq!(era_year(d(2019, 4, 30)), Some((Era::Heisei, 31)));
        assert_eq!(era_year(d(2020, 1, 1)), Some((Era::Reiwa, 2)));
        assert_eq!(era_year(d(1867, 12, 31)), None);
    }

    #[test]
    fn parses_western_forms() {
        let want = Ok(d(1955, 4, 1));
        for s in [
            "1955-04-01",
            "1955/4/1",
            "1955/04/01",
            "1955-4-1",
            "1955.4.1",
            "19550401",
            "1955年4月1日",
            "1955年04月01",
            "  1955-04-01\t",
            "１９５５－０４－０１",
            "１９５５／４／１",
            "１９５５０４０１",
        ] {
            assert_eq!(parse_date(s), want, "{s}");
        }
    }

    #[test]
    fn parses_era_forms() {
        let want = Ok(d(1955, 4, 1));
        for s in [
            "昭和30年4月1日",
            "昭和30年04月01日",
            "昭和30年4月1",
            "昭30.4.1",
            "昭30年4月1日",
            "S30.4.1",
            "s30.04.01",
            "S30.04.01",
            "S30/4/1",
            "S30-4-1",
            "Ｓ３０．４．１",
            "ｓ30／04／01",
            "昭和３０年４月１日",
            "㍼30年4月1日",
            " 昭和 30年 4月 1日 ",
            "昭和\u{3000}30年4月1日",
            "3300401",
            "３３００４０１",
        ] {
            assert_eq!(parse_date(s), want, "{s}");
        }
    }

    #[test]
    fn parses_each_era() {
        assert_eq!(parse_date("明治45年7月29日"), Ok(d(1912, 7, 29)));
        assert_eq!(parse_date("M45.07.29"), Ok(d(1912, 7, 29)));
        assert_eq!(parse_date("大正元年7月30日"), Ok(d(1912, 7, 30)));
        assert_eq!(parse_date("T15.12.24"), Ok(d(1926, 12, 24)));
        assert_eq!(parse_date("大15.12.24"), Ok(d(1926, 12, 24)));
        assert_eq!(parse_date("昭和元年12月25日"), Ok(d(1926, 12, 25)));
        assert_eq!(parse_date("S64.1.7"), Ok(d(1989, 1, 7)));
        assert_eq!(parse_date("平成元年1月8日"), Ok(d(1989, 1, 8)));
        assert_eq!(parse_date("H元.5.1"), Ok(d(1989, 5, 1)));
        assert_eq!(parse_date("平31.4.30"), Ok(d(2019, 4, 30)));
        assert_eq!(parse_date("令和元年5月1日"), Ok(d(2019, 5, 1)));
        assert_eq!(parse_date("R1.5.1"), Ok(d(2019, 5, 1)));
        assert_eq!(parse_date("令08.02.29"), invalid("令08.02.29"));
        assert_eq!(parse_date("令和8年2月28日"), Ok(d(2026, 2, 28)));
        assert_eq!(parse_date("R10.2.29"), Ok(d(2028, 2, 29)));
        assert_eq!(parse_date("㍻元年1月8日"), Ok(d(1989, 1, 8)));
        assert_eq!(parse_date("㋿元年5月1日"), Ok(d(2019, 5, 1)));
    }

    #[test]
    fn parses_legacy_seven_digit_form() {
        assert_eq!(parse_date("1450729"), Ok(d(1912, 7, 29)));
        assert_eq!(parse_date("2010730"), Ok(d(1912, 7, 30)));
        assert_eq!(parse_date("3640107"), Ok(d(1989, 1, 7)));
        assert_eq!(parse_date("4010108"), Ok(d(1989, 1, 8)));
        assert_eq!(parse_date("5010501"), Ok(d(2019, 5, 1)));
        assert_eq!(parse_date("5071231"), Ok(d(2025, 12, 31)));
        assert_eq!(parse_date("6300401"), invalid("6300401"));
        assert_eq!(parse_date("0300401"), invalid("0300401"));
        assert_eq!(parse_date("3000401"), invalid("3000401"));
        assert_eq!(parse_date("3640108"), outside("3640108"));
        assert_eq!(parse_date("4310501"), outside("4310501"));
    }

    #[test]
    fn rejects_dates_outside_their_era() {
        for s in [
            "昭和64年1月8日",
            "平成31年5月1日",
            "令和1年4月30日",
            "令和元年4月30日",
            "R01.04.30",
            "H31.05.01",
            "S64.01.08",
            "昭和65年1月1日",
            "平成元年1月7日",
            "大正元年7月29日",
            "大正15年12月25日",
            "明治元年1月24日",
            "明治45年7月30日",
            "H99.1.1",
        ] {
            assert_eq!(parse_date(s), outside(s), "{s}");
        }
    }

    #[test]
    fn rejects_impossible_and_malformed_dates() {
        for s in [
            "",
            "   ",
            "1955-02-29",
            "1955-13-01",
            "1955-04-31",
            "1955-00-10",
            "1955-04-00",
            "19550230",
            "昭和30年2月29日",
            "平成31年2月29日",
            "昭和0年4月1日",
            "S00.04.01",
            "S30.4",
            "S30.4.1.",
            "S30.4/1",
            "S30年4.1",
            "S30.4.1日",
            "S300401",
            "S123.4.1",
            "S30.123.1",
            "S30.4.123",
            "X30.4.1",
            "天和3年4月1日",
            "昭和",
            "昭和三十年四月一日",
            "元.5.1",
            "元年5月1日",
            "1955",
            "195541",
            "55-04-01",
            "955-04-01",
            "01955-04-01",
            "1955-04-01T00:00",
            "hello",
            "2025/1/1/",
        ] {
            assert_eq!(parse_date(s), invalid(s), "{s:?}");
        }
    }

    #[test]
    fn errors_carry_the_original_input() {
        assert_eq!(parse_date(" Ｓ６４．１．８ "), Err(DomainError::DateOutsideEra(" Ｓ６４．１．８ ".to_owned())));
    }

    #[test]
    fn renders_wareki() {
        assert_eq!(to_wareki(d(1955, 4, 1)), "昭和30年4月1日");
        assert_eq!(to_wareki(d(2019, 5, 1)), "令和元年5月1日");
        assert_eq!(to_wareki(d(2019, 4, 30)), "平成31年4月30日");
        assert_eq!(to_wareki(d(1989, 1, 7)), "昭和64年1月7日");
        assert_eq!(to_wareki(d(1989, 1, 8)), "平成元年1月8日");
        assert_eq!(to_wareki(d(2026, 12, 31)), "令和8年12月31日");
        assert_eq!(to_wareki(d(1912, 7, 30)), "大正元年7月30日");
        assert_eq!(to_wareki(d(1868, 1, 25)), "明治元年1月25日");
        assert_eq!(to_wareki(d(1867, 12, 31)), "1867年12月31日");
    }

    #[test]
    fn renders_jis_x0301() {
        assert_eq!(to_jis_x0301(d(1955, 4, 1)), "S30.04.01");
        assert_eq!(to_jis_x0301(d(2019, 5, 1)), "R01.05.01");
        assert_eq!(to_jis_x0301(d(2004, 4, 1)), "H16.04.01");
        assert_eq!(to_jis_x0301(d(1926, 12, 24)), "T15.12.24");
        assert_eq!(to_jis_x0301(d(1912, 7, 29)), "M45.07.29");
        assert_eq!(to_jis_x0301(d(1867, 12, 31)), "1867-12-31");
    }

    #[test]
    fn round_trips_every_day_from_meiji_to_2100() {
        let mut date = Era::Meiji.start();
        let last = d(2100, 12, 31);
        while date <= last {
            assert_eq!(parse_date(&to_wareki(date)), Ok(date), "{date}");
            assert_eq!(parse_date(&to_jis_x0301(date)), Ok(date), "{date}");
            date = date.succ_opt().unwrap();
        }
    }

    #[test]
    fn before_meiji_renders_are_parseable_as_western() {
        let date = d(1867, 12, 31);
        assert_eq!(parse_date(&to_wareki(date)), Ok(date));
        assert_eq!(parse_date(&to_jis_x0301(date)), Ok(date));
    }
}
