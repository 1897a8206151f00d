//! One validator per column. Each takes the raw field as read from the CSV and
//! returns the stored value or a [`FieldErr`] (code and messages, never the value).

use std::borrow::Cow;

use chrono::NaiveDate;
use uketsuke_core::wareki::{parse_date, Era};
use uketsuke_core::{voucher::normalize_voucher, CopayCategory, DomainError, Sex};

use crate::my_number::{MyNumber, MyNumberError};
use crate::RosterStatus;

/// Longest 氏名 and 氏名カナ, in Unicode scalar values (a variation selector counts).
pub const NAME_MAX_CHARS: usize = 100;
/// Longest 住所, in Unicode scalar values.
pub const ADDRESS_MAX_CHARS: usize = 200;
/// Longest 宛名番号, in digits.
pub const RESIDENT_ID_MAX_DIGITS: usize = 15;
/// Earliest accepted 生年月日.
pub const EARLIEST_BIRTH_DATE: (i32, u32, u32) = (1900, 1, 1);
/// Accepted 年度.
pub const FISCAL_YEARS: std::ops::RangeInclusive<i32> = 2000..=2100;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FieldErr {
    pub code: &'static str,
    pub ja: Cow<'static, str>,
    pub en: Cow<'static, str>,
}

pub(crate) type FieldResult<T> = Result<T, FieldErr>;

fn err<T>(code: &'static str, ja: &'static str, en: &'static str) -> FieldResult<T> {
    Err(FieldErr { code, ja: Cow::Borrowed(ja), en: Cow::Borrowed(en) })
}

fn required<T>() -> FieldResult<T> {
    err("ROSTER_REQUIRED", "必須項目が空です", "required field is empty")
}

/// Trim surrounding whitespace (U+3000 included) and turn full-width ASCII
/// (U+FF01–U+FF5E) and U+3000 into their half-width forms. Borrows when there is
/// nothing to convert, which is the usual case.
pub(crate) fn half_width(raw: &str) -> Cow<'_, str> {
    let s = raw.trim();
    if s.is_ascii() {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| match c {
                '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                '\u{3000}' => ' ',
                c => c,
            })
            .collect(),
    )
}

/// Hyphens and dashes that appear between digit groups (after [`half_width`]).
fn is_hyphen_like(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | 'ー' | 'ｰ')
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// 宛名番号: 1–15 digits, full-width accepted, stored half-width.
pub(crate) fn resident_id(raw: &str) -> FieldResult<String> {
    let s = half_width(raw);
    if s.is_empty() {
        return required();
    }
    if all_digits(&s) && s.len() <= RESIDENT_ID_MAX_DIGITS {
        Ok(s.into_owned())
    } else {
        err(
            "ROSTER_BAD_RESIDENT_ID",
            "宛名番号は1〜15桁の数字で指定してください",
            "the resident number must be 1 to 15 digits",
        )
    }
}

/// Free text stored exactly as given (氏名, 氏名カナ, 住所): not empty or blank, no
/// control characters or U+FFFD (the sign of an earlier failed conversion), at most
/// `max` characters. Nothing is trimmed or normalised.
fn exact_text(raw: &str, max: usize) -> FieldResult<String> {
    if raw.trim().is_empty() {
        return required();
    }
    if raw.chars().any(|c| c.is_control() || c == '\u{FFFD}') {
        return err(
            "ROSTER_BAD_CHAR",
            "制御文字（改行・タブなど）または置換文字（U+FFFD）が含まれています",
            "contains a control character (line break, tab, …) or the replacement character U+FFFD",
        );
    }
    if raw.chars().count() > max {
        return Err(FieldErr {
            code: "ROSTER_TOO_LONG",
            ja: Cow::Owned(format!("{max}文字を超えています")),
            en: Cow::Owned(format!("longer than {max} characters")),
        });
    }
    Ok(raw.to_owned())
}

/// 氏名: exactly as given (variation selectors and private-use 外字 kept).
pub(crate) fn name_kanji(raw: &str) -> FieldResult<String> {
    exact_text(raw, NAME_MAX_CHARS)
}

/// 氏名カナ: exactly as given; only kana, spaces, ー and ・.
pub(crate) fn name_kana(raw: &str) -> FieldResult<String> {
    let s = exact_text(raw, NAME_MAX_CHARS)?;
    if s.chars().all(is_kana_or_separator) && s.chars().any(is_kana_letter) {
        Ok(s)
    } else {
        err(
            "ROSTER_BAD_KANA",
            "カナ（全角・半角カタカナ、ひらがな）、空白、長音記号（ー）、中点（・）以外の文字が含まれています",
            "only katakana (full- or half-width), hiragana, spaces, the long-vowel mark ー and the middle dot ・ are allowed",
        )
    }
}

fn is_kana_letter(c: char) -> bool {
    matches!(c,
        '\u{3041}'..='\u{3096}'   // ぁ…ゖ
        | '\u{309D}'..='\u{309F}' // ゝ ゞ ゟ
        | '\u{30A1}'..='\u{30FA}' // ァ…ヺ
        | '\u{30FD}'..='\u{30FF}' // ヽ ヾ ヿ
        | '\u{31F0}'..='\u{31FF}' // small katakana extensions ㇰ…ㇿ
        | '\u{FF66}'..='\u{FF6F}' // ｦ ｧ…ｯ
        | '\u{FF71}'..='\u{FF9D}' // ｱ…ﾝ
    )
}

fn is_kana_or_separator(c: char) -> bool {
    is_kana_letter(c)
        || matches!(
            c,
            ' ' | '\u{3000}' | '\u{3099}'
                ..='\u{309C}' // combining and spacing (semi-)voiced marks
            | 'ー' | 'ｰ'
            | '・' | '･'
            | 'ﾞ' | 'ﾟ'
        )
}

/// 性別: 1/男/M → male, 2/女/F → female, 9/不明 → unknown.
pub(crate) fn sex(raw: &str) -> FieldResult<Sex> {
    let s = half_width(raw);
    match s.as_ref() {
        "" => required(),
        "1" | "男" | "M" | "m" => Ok(Sex::Male),
        "2" | "女" | "F" | "f" => Ok(Sex::Female),
        "9" | "不明" => Ok(Sex::Unknown),
        _ => err(
            "ROSTER_BAD_SEX",
            "性別は 1・男・M（男性）、2・女・F（女性）、9・不明 のいずれかで指定してください",
            "sex must be 1, 男 or M (male); 2, 女 or F (female); 9 or 不明 (unknown)",
        ),
    }
}

/// 生年月日: anything [`parse_date`] reads (ISO, `YYYY/M/D`, `YYYYMMDD`, 和暦, the
/// legacy 7-digit `GYYMMDD`), from 1900-01-01 up to `today`.
pub(crate) fn birth_date(raw: &str, today: NaiveDate) -> FieldResult<NaiveDate> {
    if raw.trim().is_empty() {
        return required();
    }
    let date = match parse_date(raw) {
        Ok(d) => d,
        Err(DomainError::DateOutsideEra(_)) => {
            return err(
                "ROSTER_DATE_OUTSIDE_ERA",
                "元号の期間外の日付です（例: 昭和64年1月8日、平成31年5月1日）",
                "the date lies outside its era (e.g. 昭和64年1月8日, 平成31年5月1日)",
            )
        }
        Err(_) => {
            return err(
                "ROSTER_BAD_DATE",
                "日付として読めません（例: 1955-04-01、19550401、昭和30年4月1日、S30.04.01、3300401）",
                "not a date (e.g. 1955-04-01, 19550401, 昭和30年4月1日, S30.04.01, 3300401)",
            )
        }
    };
    let (y, m, d) = EARLIEST_BIRTH_DATE;
    if NaiveDate::from_ymd_opt(y, m, d).is_some_and(|earliest| date < earliest) {
        return err("ROSTER_BAD_DATE", "1900年1月1日より前の日付です", "the date is before 1900-01-01");
    }
    if date > today {
        return err("ROSTER_FUTURE_DATE", "未来の日付です", "the date is in the future");
    }
    Ok(date)
}

/// 郵便番号: 7 digits, or 3 + hyphen + 4; full-width accepted; stored as 7 digits.
pub(crate) fn postal_code(raw: &str) -> FieldResult<String> {
    let s = half_width(raw);
    if s.is_empty() {
        return required();
    }
    let s = s.strip_prefix('〒').unwrap_or(&s).trim_start();
    let digits: String = match s.char_indices().find(|&(_, c)| is_hyphen_like(c)) {
        Some((3, c)) => {
            let (head, tail) = (&s[..3], &s[3 + c.len_utf8()..]);
            if tail.len() == 4 && all_digits(head) && all_digits(tail) {
                [head, tail].concat()
            } else {
                String::new()
            }
        }
        Some(_) => String::new(),
        None => s.to_owned(),
    };
    if digits.len() == 7 && all_digits(&digits) {
        Ok(digits)
    } else {
        err(
            "ROSTER_BAD_POSTAL_CODE",
            "郵便番号は7桁の数字で指定してください（例: 9870001、987-0001）",
            "the postal code must be 7 digits (e.g. 9870001 or 987-0001)",
        )
    }
}

/// 住所: exactly as given.
pub(crate) fn address(raw: &str) -> FieldResult<String> {
    exact_text(raw, ADDRESS_MAX_CHARS)
}

/// 電話番号: optional; digits and hyphens (full-width and dash look-alikes become
/// `-`), 6–15 digits, at most 20 characters; stored half-width. Empty → "".
pub(crate) fn phone(raw: &str) -> FieldResult<String> {
    let s = half_width(raw);
    if s.is_empty() {
        return Ok(String::new());
    }
    let mut out = String::with_capacity(s.len());
    let mut digits = 0usize;
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits += 1;
            out.push(c);
        } else if is_hyphen_like(c) {
            out.push('-');
        } else {
            return bad_phone();
        }
    }
    if (6..=15).contains(&digits) && out.len() <= 20 {
        Ok(out)
    } else {
        bad_phone()
    }
}

fn bad_phone<T>() -> FieldResult<T> {
    err(
        "ROSTER_BAD_PHONE",
        "電話番号は数字とハイフンのみで、数字6〜15桁です",
        "the phone number may hold only digits and hyphens, with 6 to 15 digits",
    )
}

/// The 負担区分 code table. The codes are this layout's own (the city's extract is
/// configured to write them).
pub const COPAY_CODES: [(&str, CopayCategory, &str); 6] = [
    ("0", CopayCategory::Standard, "一般"),
    ("1", CopayCategory::Age70Plus, "70歳以上"),
    ("2", CopayCategory::LateElderlyInsured, "後期高齢者医療被保険者"),
    ("3", CopayCategory::PublicAssistance, "生活保護受給世帯"),
    ("4", CopayCategory::ChineseResidualSupport, "中国残留邦人等支援給付"),
    ("5", CopayCategory::TaxExemptHousehold, "市民税非課税世帯"),
];

/// 負担区分: a code from [`COPAY_CODES`].
pub(crate) fn copay(raw: &str) -> FieldResult<CopayCategory> {
    let s = half_width(raw);
    if s.is_empty() {
        return required();
    }
    match COPAY_CODES.iter().find(|(code, _, _)| *code == s) {
        Some(&(_, category, _)) => Ok(category),
        None => err(
            "ROSTER_BAD_COPAY",
            "負担区分は0〜5のいずれかで指定してください（0 一般、1 70歳以上、2 後期高齢者、3 生活保護、4 中国残留邦人等、5 市民税非課税）",
            "the copay category must be a code from 0 to 5",
        ),
    }
}

/// 支援措置: 0 or 1.
pub(crate) fn dv_support(raw: &str) -> FieldResult<bool> {
    match half_width(raw).as_ref() {
        "" => required(),
        "0" => Ok(false),
        "1" => Ok(true),
        _ => {
            err("ROSTER_BAD_DV_FLAG", "支援措置は0または1で指定してください", "the support-measure flag must be 0 or 1")
        }
    }
}

/// 受診券番号: via [`normalize_voucher`] (4–16 digits once separators are removed).
pub(crate) fn voucher_no(raw: &str) -> FieldResult<String> {
    if raw.trim().is_empty() {
        return required();
    }
    normalize_voucher(raw).or_else(|_| {
        err(
            "ROSTER_BAD_VOUCHER",
            "受診券番号は4〜16桁の数字で指定してください（ハイフン・空白は無視）",
            "the voucher number must be 4 to 16 digits (hyphens and spaces are ignored)",
        )
    })
}

/// 年度: `2026`, `2026年度`, or an era year: `R8`, `R08`, `令8`, `令和8`, `令和8年度`,
/// `令和元年度`, `H30`… The era must overlap that fiscal year (April–March), so
/// both 平成31年度 and 令和元年度 are 2019. Result within [`FISCAL_YEARS`].
pub(crate) fn fiscal_year(raw: &str) -> FieldResult<i32> {
    let s = half_width(raw);
    if s.is_empty() {
        return required();
    }
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    let body = s.strip_suffix("年度").or_else(|| s.strip_suffix('年')).unwrap_or(&s);
    let year = if all_digits(body) && body.len() == 4 { body.parse().ok() } else { era_fiscal_year(body) };
    match year {
        Some(y) if FISCAL_YEARS.contains(&y) => Ok(y),
        _ => err(
            "ROSTER_BAD_FISCAL_YEAR",
            "年度は西暦4桁（例: 2026）または和暦（例: R8、令和8）で、2000〜2100年度の範囲で指定してください",
            "the fiscal year must be a 4-digit year (e.g. 2026) or an era year (e.g. R8, 令和8) from 2000 to 2100",
        ),
    }
}

fn era_fiscal_year(s: &str) -> Option<i32> {
    let (era, rest) = Era::ALL.into_iter().find_map(|era| {
        s.strip_prefix(era.kanji())
            .or_else(|| s.strip_prefix(era.short_kanji()))
            .or_else(|| s.strip_prefix(era.letter()))
            .or_else(|| s.strip_prefix(era.letter().to_ascii_lowercase()))
            .map(|rest| (era, rest))
    })?;
    let era_year: u32 = match rest {
        "元" => 1,
        r if all_digits(r) && r.len() <= 2 => r.parse().ok()?,
        _ => return None,
    };
    if era_year == 0 {
        return None;
    }
    let year = era.gregorian_year(era_year);
    // The fiscal year runs from April 1 of `year` to March 31 of `year + 1`.
    let fy_start = NaiveDate::from_ymd_opt(year, 4, 1)?;
    let fy_end = NaiveDate::from_ymd_opt(year + 1, 3, 31)?;
    let overlaps = era.start() <= fy_end && era.end().is_none_or(|end| end >= fy_start);
    overlaps.then_some(year)
}

/// 個人番号: optional; 12 digits (full-width accepted; spaces and hyphens between
/// groups ignored) with a valid check digit.
pub(crate) fn my_number(raw: &str) -> FieldResult<Option<MyNumber>> {
    let s = half_width(raw);
    if s.is_empty() {
        return Ok(None);
    }
    let digits: String = s.chars().filter(|&c| c != ' ' && !is_hyphen_like(c)).collect();
    match MyNumber::parse(&digits) {
        Ok(n) => Ok(Some(n)),
        Err(MyNumberError::Format) => {
            err("ROSTER_BAD_MY_NUMBER", "個人番号は12桁の数字で指定してください", "the My Number must be 12 digits")
        }
        Err(MyNumberError::CheckDigit) => err(
            "ROSTER_MY_NUMBER_CHECK_DIGIT",
            "個人番号のチェックデジットが一致しません",
            "the My Number's check digit does not match",
        ),
    }
}

/// 異動区分: empty or 0 → active, 1 → removed (転出・死亡 etc.).
pub(crate) fn status(raw: &str) -> FieldResult<RosterStatus> {
    match half_width(raw).as_ref() {
        "" | "0" => Ok(RosterStatus::Active),
        "1" => Ok(RosterStatus::Removed),
        _ => err(
            "ROSTER_BAD_STATUS",
            "異動区分は空欄、0（在籍）または1（転出・死亡等）で指定してください",
            "the status must be empty, 0 (active) or 1 (removed: moved away, deceased, …)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code<T: std::fmt::Debug>(r: FieldResult<T>) -> &'static str {
        r.unwrap_err().code
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()
    }

    #[test]
    fn half_width_conversion() {
        assert_eq!(half_width(" 123 "), "123");
        assert_eq!(half_width("\u{3000}１２３\u{3000}"), "123");
        assert_eq!(half_width("Ｍ"), "M");
        assert_eq!(half_width("９８７－０００１"), "987-0001");
        assert!(matches!(half_width("abc"), Cow::Borrowed(_)));
    }

    #[test]
    fn resident_ids() {
        assert_eq!(resident_id("0000123"), Ok("0000123".to_owned()));
        assert_eq!(resident_id("１２３"), Ok("123".to_owned()));
        assert_eq!(resident_id(" 42 "), Ok("42".to_owned()));
        assert_eq!(resident_id("123456789012345"), Ok("123456789012345".to_owned()));
        assert_eq!(code(resident_id("1234567890123456")), "ROSTER_BAD_RESIDENT_ID");
        assert_eq!(code(resident_id("12a")), "ROSTER_BAD_RESIDENT_ID");
        assert_eq!(code(resident_id("12-3")), "ROSTER_BAD_RESIDENT_ID");
        assert_eq!(code(resident_id("١٢٣")), "ROSTER_BAD_RESIDENT_ID");
        assert_eq!(code(resident_id("  ")), "ROSTER_REQUIRED");
    }

    #[test]
    fn names_are_kept_exactly() {
        for s in ["葛\u{E0100}飾 \u{E000}子", "山田　太郎　", " 神\u{FA19}", "髙橋"] {
            assert_eq!(name_kanji(s).as_deref(), Ok(s));
        }
        assert_eq!(code(name_kanji("")), "ROSTER_REQUIRED");
        assert_eq!(code(name_kanji("\u{3000} ")), "ROSTER_REQUIRED");
        assert_eq!(code(name_kanji("山田\n太郎")), "ROSTER_BAD_CHAR");
        assert_eq!(code(name_kanji("山田\t太郎")), "ROSTER_BAD_CHAR");
        assert_eq!(code(name_kanji("山\u{FFFD}")), "ROSTER_BAD_CHAR");
        assert!(name_kanji(&"あ".repeat(100)).is_ok());
        assert_eq!(code(name_kanji(&"あ".repeat(101))), "ROSTER_TOO_LONG");
        assert_eq!(code(address(&"町".repeat(201))), "ROSTER_TOO_LONG");
        assert!(address(&"町".repeat(200)).is_ok());
    }

    #[test]
    fn kana() {
        for s in [
            "ヤマダ タロウ",
            "ﾔﾏﾀﾞ ﾀﾛｳ",
            "やまだ　たろう",
            "ジョン・スミス",
            "ｼﾞｮﾝ･ｽﾐｽ",
            "ユーコ",
            "ｷｮｳｺ",
            "カ゛",
            "ヴィ",
            "ㇰㇱ",
        ] {
            assert_eq!(name_kana(s).as_deref(), Ok(s), "{s}");
        }
        for s in ["山田", "yamada", "ヤマダ1", "ヤマダ?", "ー", "　", "・"] {
            let c = code(name_kana(s));
            assert!(c == "ROSTER_BAD_KANA" || c == "ROSTER_REQUIRED", "{s}: {c}");
        }
        assert_eq!(code(name_kana("ー")), "ROSTER_BAD_KANA");
        assert_eq!(code(name_kana("")), "ROSTER_REQUIRED");
    }

    #[test]
    fn sexes() {
        for (s, want) in [
            ("1", Sex::Male),
            ("男", Sex::Male),
            ("M", Sex::Male),
            ("ｍ", Sex::Male),
            ("１", Sex::Male),
            ("2", Sex::Female),
            ("女", Sex::Female),
            ("F", Sex::Female),
            ("9", Sex::Unknown),
            ("不明", Sex::Unknown),
        ] {
            assert_eq!(sex(s), Ok(want), "{s}");
        }
        assert_eq!(code(sex("3")), "ROSTER_BAD_SEX");
        assert_eq!(code(sex("male")), "ROSTER_BAD_SEX");
        assert_eq!(code(sex("")), "ROSTER_REQUIRED");
    }

    #[test]
    fn birth_dates() {
        let want = NaiveDate::from_ymd_opt(1955, 4, 1).unwrap();
        for s in
            ["1955-04-01", "1955/4/1", "19550401", "昭和30年4月1日", "S30.04.01", "3300401", "１９５５－０４－０１"]
        {
            assert_eq!(birth_date(s, today()), Ok(want), "{s}");
        }
        assert_eq!(birth_date("2026-04-01", today()), Ok(today()));
        assert_eq!(code(birth_date("2026-04-02", today())), "ROSTER_FUTURE_DATE");
        assert_eq!(code(birth_date("昭和64年1月8日", today())), "ROSTER_DATE_OUTSIDE_ERA");
        assert_eq!(code(birth_date("1955-02-29", today())), "ROSTER_BAD_DATE");
        assert_eq!(code(birth_date("1899-12-31", today())), "ROSTER_BAD_DATE");
        assert_eq!(code(birth_date("S30", today())), "ROSTER_BAD_DATE");
        assert_eq!(code(birth_date(" ", today())), "ROSTER_REQUIRED");
    }

    #[test]
    fn postal_codes() {
        for s in ["9870001", "987-0001", "９８７－０００１", "９８７０００１", "〒987-0001", "987ー0001", " 987-0001 "]
        {
            assert_eq!(postal_code(s), Ok("9870001".to_owned()), "{s}");
        }
        for s in ["987001", "98700011", "98-70001", "9870-001", "987--0001", "987-000a", "abcdefg", "987 0001"] {
            assert_eq!(code(postal_code(s)), "ROSTER_BAD_POSTAL_CODE", "{s}");
        }
        assert_eq!(code(postal_code("")), "ROSTER_REQUIRED");
    }

    #[test]
    fn phones() {
        assert_eq!(phone(""), Ok(String::new()));
        assert_eq!(phone("  "), Ok(String::new()));
        assert_eq!(phone("022-123-4567"), Ok("022-123-4567".to_owned()));
        assert_eq!(phone("０２２－１２３－４５６７"), Ok("022-123-4567".to_owned()));
        assert_eq!(phone("09012345678"), Ok("09012345678".to_owned()));
        assert_eq!(phone("022ー123ー4567"), Ok("022-123-4567".to_owned()));
        for s in ["022(123)4567", "+81-22-123-4567", "12345", "1234567890123456", "内線123456", "022-123-4567---------"]
        {
            assert_eq!(code(phone(s)), "ROSTER_BAD_PHONE", "{s}");
        }
    }

    #[test]
    fn copay_table() {
        assert_eq!(copay("0"), Ok(CopayCategory::Standard));
        assert_eq!(copay("1"), Ok(CopayCategory::Age70Plus));
        assert_eq!(copay("2"), Ok(CopayCategory::LateElderlyInsured));
        assert_eq!(copay("3"), Ok(CopayCategory::PublicAssistance));
        assert_eq!(copay("4"), Ok(CopayCategory::ChineseResidualSupport));
        assert_eq!(copay("５"), Ok(CopayCategory::TaxExemptHousehold));
        assert_eq!(code(copay("6")), "ROSTER_BAD_COPAY");
        assert_eq!(code(copay("standard")), "ROSTER_BAD_COPAY");
        assert_eq!(code(copay("")), "ROSTER_REQUIRED");
        // Every category has exactly one code.
        for c in CopayCategory::ALL {
            assert_eq!(COPAY_CODES.iter().filter(|(_, cat, _)| *cat == c).count(), 1);
        }
    }

    #[test]
    fn dv_flags_and_statuses() {
        assert_eq!(dv_support("0"), Ok(false));
        assert_eq!(dv_support("１"), Ok(true));
        assert_eq!(code(dv_support("2")), "ROSTER_BAD_DV_FLAG");
        assert_eq!(code(dv_support("")), "ROSTER_REQUIRED");
        assert_eq!(status(""), Ok(RosterStatus::Active));
        assert_eq!(status("0"), Ok(RosterStatus::Active));
        assert_eq!(status("1"), Ok(RosterStatus::Removed));
        assert_eq!(code(status("2")), "ROSTER_BAD_STATUS");
    }

    #[test]
    fn vouchers() {
        assert_eq!(voucher_no("１２３４－５６７８"), Ok("12345678".to_owned()));
        assert_eq!(code(voucher_no("123")), "ROSTER_BAD_VOUCHER");
        assert_eq!(code(voucher_no("12a45")), "ROSTER_BAD_VOUCHER");
        assert_eq!(code(voucher_no("")), "ROSTER_REQUIRED");
    }

    #[test]
    fn fiscal_years() {
        for (s, want) in [
            ("2026", 2026),
            ("２０２６", 2026),
            ("2026年度", 2026),
            ("R8", 2026),
            ("r8", 2026),
            ("R08", 2026),
            ("Ｒ８", 2026),
            ("令8", 2026),
            ("令和8", 2026),
            ("令和8年度", 2026),
            ("令和 8 年度", 2026),
            ("令和元年度", 2019),
            ("R1", 2019),
            ("平成31年度", 2019),
            ("H30", 2018),
            ("H12", 2000),
            ("2100", 2100),
        ] {
            assert_eq!(fiscal_year(s), Ok(want), "{s}");
        }
        for s in ["1999", "2101", "H11", "H32", "R0", "R", "令和", "26", "20260", "S75", "R8.5", "令和八年度", "R100"]
        {
            assert_eq!(code(fiscal_year(s)), "ROSTER_BAD_FISCAL_YEAR", "{s}");
        }
        assert_eq!(code(fiscal_year("")), "ROSTER_REQUIRED");
    }

    #[test]
    fn my_numbers() {
        assert_eq!(my_number(""), Ok(None));
        assert_eq!(my_number("123456789018").unwrap().unwrap().expose(), "123456789018");
        assert_eq!(my_number("１２３４ ５６７８ ９０１８").unwrap().unwrap().expose(), "123456789018");
        assert_eq!(my_number("1234-5678-9018").unwrap().unwrap().expose(), "123456789018");
        assert_eq!(code(my_number("123456789017")), "ROSTER_MY_NUMBER_CHECK_DIGIT");
        assert_eq!(code(my_number("12345678901")), "ROSTER_BAD_MY_NUMBER");
        assert_eq!(code(my_number("12345678901x")), "ROSTER_BAD_MY_NUMBER");
        let e = my_number("123456789017").unwrap_err();
        assert!(!format!("{e:?}").contains("12345678901"));
    }
}
