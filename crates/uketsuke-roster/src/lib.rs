//! The city's resident roster extract (対象者名簿), one CSV file per batch: decoding,
//! parsing and validation, and the reject file `--skip-bad` writes. Pure: bytes in,
//! rows and errors out; no database, no file system, no clock (`today` is passed in).
//!
//! The layout is documented in `docs/roster-csv.md` at the repository root.
//!
//! Names and addresses are stored exactly as received (no trimming, no NFC/NFKC:
//! variation selectors and private-use 外字 survive). Identifiers and codes are
//! trimmed and full-width ASCII is turned half-width. Error messages never repeat a
//! field's value, and the 個人番号 is held in [`MyNumber`], whose `Debug` prints `***`.

mod decode;
mod error;
mod fields;
mod my_number;
mod reject;

use std::collections::hash_map::{Entry, HashMap};

use chrono::NaiveDate;
use csv::StringRecord;
use serde::Serialize;
use uketsuke_core::{Resident, Voucher};

pub use decode::Encoding;
pub use error::{RosterError, RowError};
pub use fields::{
    ADDRESS_MAX_CHARS, COPAY_CODES, EARLIEST_BIRTH_DATE, FISCAL_YEARS, NAME_MAX_CHARS, RESIDENT_ID_MAX_DIGITS,
};
pub use my_number::{check_digit as my_number_check_digit, MyNumber, MyNumberError};
pub use reject::reject_file;

use decode::{decode, LineCounter};
use fields::FieldResult;

/// Largest file accepted, in bytes (about 600,000 typical rows).
pub const MAX_FILE_BYTES: usize = 128 * 1024 * 1024;
/// Unknown column names are repeated in [`RosterError::UnknownColumns`] cut to this
/// many characters (with `…`).
pub const MAX_ECHOED_NAME_CHARS: usize = 30;
/// Row errors after which the file is refused as a whole ([`RosterError::TooManyErrors`]).
pub const MAX_ERRORS: usize = 200_000;

/// The column names of the layout, as they appear in the header row.
pub mod columns {
    pub const RESIDENT_ID: &str = "宛名番号";
    pub const NAME_KANJI: &str = "氏名";
    pub const NAME_KANA: &str = "氏名カナ";
    pub const SEX: &str = "性別";
    pub const BIRTH_DATE: &str = "生年月日";
    pub const POSTAL_CODE: &str = "郵便番号";
    pub const ADDRESS: &str = "住所";
    pub const PHONE: &str = "電話番号";
    pub const COPAY_CATEGORY: &str = "負担区分";
    pub const DV_SUPPORT: &str = "支援措置";
    pub const VOUCHER_NO: &str = "受診券番号";
    pub const FISCAL_YEAR: &str = "年度";
    pub const MY_NUMBER: &str = "個人番号";
    pub const STATUS: &str = "異動区分";

    /// Every column, in the documented order (the file may use any order).
    pub const ALL: [&str; 14] = [
        RESIDENT_ID,
        NAME_KANJI,
        NAME_KANA,
        SEX,
        BIRTH_DATE,
        POSTAL_CODE,
        ADDRESS,
        PHONE,
        COPAY_CATEGORY,
        DV_SUPPORT,
        VOUCHER_NO,
        FISCAL_YEAR,
        MY_NUMBER,
        STATUS,
    ];
    /// Columns the header may leave out (their values may also be empty).
    pub const OPTIONAL: [&str; 3] = [PHONE, MY_NUMBER, STATUS];

    /// The reject file's extra column: the line of the row in the original file.
    pub const REJECT_LINE: &str = "エラー行";
    /// The reject file's extra column: `field: message; …`.
    pub const REJECT_DETAIL: &str = "エラー内容";

    pub fn is_required(name: &str) -> bool {
        ALL.contains(&name) && !OPTIONAL.contains(&name)
    }
}

/// 異動区分 of a roster row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RosterStatus {
    /// 在籍 (empty or `0`).
    Active,
    /// 転出・死亡 etc. (`1`): kept centrally, no longer sent to terminals.
    Removed,
}

impl RosterStatus {
    /// `active` or `removed`, as in `residents.status`.
    pub fn as_code(self) -> &'static str {
        match self {
            RosterStatus::Active => "active",
            RosterStatus::Removed => "removed",
        }
    }
}

/// One valid data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterRow {
    /// Physical line where the row starts (header = line 1).
    pub line: usize,
    /// `provisional` is always false.
    pub resident: Resident,
    pub voucher: Voucher,
    pub my_number: Option<MyNumber>,
    pub status: RosterStatus,
}

/// The outcome of [`parse`]: every valid row and every error of every bad row.
/// Import all-or-nothing: only when `errors` is empty; with `--skip-bad`, `rows`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The encoding actually used (`Utf8` or `ShiftJis`, never `Auto`).
    pub encoding: Encoding,
    /// Valid rows, in file order.
    pub rows: Vec<RosterRow>,
    /// All errors, in file order: by line; within a line in the layout's column
    /// order, duplicate errors last.
    pub errors: Vec<RowError>,
    /// Data rows in the file (blank lines not counted): `rows.len()` + rows with errors.
    pub total_rows: usize,
}

impl Parsed {
    /// How many data rows had at least one error.
    pub fn bad_rows(&self) -> usize {
        self.total_rows - self.rows.len()
    }
}

/// Parse and validate a whole roster file.
///
/// File-level problems (encoding, header, size, no rows) are an `Err`; row-level
/// problems are collected in [`Parsed::errors`], all of them, each with its line and
/// column. `today` bounds 生年月日.
pub fn parse(bytes: &[u8], encoding: Encoding, today: NaiveDate) -> Result<Parsed, RosterError> {
    let (text, encoding) = decode(bytes, encoding)?;
    let mut records = Records::new(&text);
    let Some(header_line) = records.next()? else {
        return Err(RosterError::EmptyFile);
    };
    let layout = Layout::from_header(&records.record, header_line)?;

    let mut errors = Vec::new();
    let mut total_rows = 0usize;
    // Sized from the line count so they never rehash (capped: a file of blank lines
    // must not reserve much).
    let estimate = text.bytes().filter(|&b| b == b'\n').count().min(1_000_000);
    let mut rows = Vec::new();
    let mut seen_ids: HashMap<u64, usize> = HashMap::with_capacity(estimate);
    let mut seen_vouchers: HashMap<u64, usize> = HashMap::with_capacity(estimate);

    while let Some(line) = records.next()? {
        total_rows += 1;
        let rec = &records.record;
        if rec.len() != layout.width {
            errors.push(field_count_error(line, rec.len(), layout.width));
        } else if let Some(row) = check_row(rec, &layout, line, today, &mut errors, &mut seen_ids, &mut seen_vouchers) {
            rows.push(row);
        }
        if errors.len() > MAX_ERRORS {
            return Err(RosterError::TooManyErrors { limit: MAX_ERRORS });
        }
    }
    if total_rows == 0 {
        return Err(RosterError::NoRows);
    }
    Ok(Parsed { encoding, rows, errors, total_rows })
}

/// Indexes (into `columns::ALL`) of each column.
const RESIDENT_ID: usize = 0;
const NAME_KANJI: usize = 1;
const NAME_KANA: usize = 2;
const SEX: usize = 3;
const BIRTH_DATE: usize = 4;
const POSTAL_CODE: usize = 5;
const ADDRESS: usize = 6;
const PHONE: usize = 7;
const COPAY_CATEGORY: usize = 8;
const DV_SUPPORT: usize = 9;
const VOUCHER_NO: usize = 10;
const FISCAL_YEAR: usize = 11;
const MY_NUMBER: usize = 12;
const STATUS: usize = 13;

/// Where each column of the layout is in the file.
struct Layout {
    index: [Option<usize>; columns::ALL.len()],
    width: usize,
}

impl Layout {
    fn from_header(header: &StringRecord, line: usize) -> Result<Self, RosterError> {
        let mut index = [None; columns::ALL.len()];
        let mut unknown = Vec::new();
        let mut duplicate: Vec<String> = Vec::new();
        for (i, raw) in header.iter().enumerate() {
            let name = raw.trim();
            match columns::ALL.iter().position(|&c| c == name) {
                Some(col) if index[col].is_some() => {
                    if !duplicate.iter().any(|d| d == name) {
                        duplicate.push(name.to_owned());
                    }
                }
                Some(col) => index[col] = Some(i),
                None => unknown.push(echo(name)),
            }
        }
        let missing: Vec<&'static str> = columns::ALL
            .iter()
            .zip(index)
            .filter(|&(name, at)| at.is_none() && columns::is_required(name))
            .map(|(&name, _)| name)
            .collect();
        if index.iter().all(Option::is_none) {
            return Err(RosterError::NoHeader { line });
        }
        if !duplicate.is_empty() {
            return Err(RosterError::DuplicateColumns { columns: duplicate });
        }
        if !unknown.is_empty() {
            return Err(RosterError::UnknownColumns { unknown, missing });
        }
        if !missing.is_empty() {
            return Err(RosterError::MissingColumns { missing });
        }
        Ok(Layout { index, width: header.len() })
    }

    /// The raw field of a column; `""` for an optional column the file leaves out.
    fn get<'r>(&self, rec: &'r StringRecord, col: usize) -> &'r str {
        self.index[col].and_then(|i| rec.get(i)).unwrap_or("")
    }
}

/// A header cell as repeated in an error: at most [`MAX_ECHOED_NAME_CHARS`] characters.
fn echo(name: &str) -> String {
    match name.char_indices().nth(MAX_ECHOED_NAME_CHARS) {
        Some((cut, _)) => format!("{}…", &name[..cut]),
        None => name.to_owned(),
    }
}

/// Reads the decoded text record by record, skipping blank records, and tells the
/// physical line each record starts on.
pub(crate) struct Records<'a> {
    reader: csv::Reader<&'a [u8]>,
    lines: LineCounter<'a>,
    pub(crate) record: StringRecord,
}

impl<'a> Records<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
        Records { reader, lines: LineCounter::new(text.as_bytes()), record: StringRecord::new() }
    }

    /// Read the next record that has a non-blank field into `self.record`; its line.
    /// Records whose fields are all empty or whitespace (blank lines, `,,,,` rows
    /// spreadsheets leave at the end) are skipped.
    pub(crate) fn next(&mut self) -> Result<Option<usize>, RosterError> {
        loop {
            let more = self.reader.read_record(&mut self.record);
            let offset = self.record.position().map_or(0, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
            let line = self.lines.record_line(offset);
            match more {
                Ok(false) => return Ok(None),
                Ok(true) if self.record.iter().all(|f| f.trim().is_empty()) => continue,
                Ok(true) => return Ok(Some(line)),
                Err(_) => return Err(RosterError::Csv { line }),
            }
        }
    }
}

fn field_count_error(line: usize, got: usize, want: usize) -> RowError {
    RowError {
        line,
        field: "",
        code: "ROSTER_FIELD_COUNT",
        message_ja: format!("列数が{got}です（見出し行は{want}列）"),
        message_en: format!("the row has {got} fields; the header has {want}"),
    }
}

/// Keep a field's value, or record its error.
fn take<T>(errors: &mut Vec<RowError>, line: usize, col: usize, result: FieldResult<T>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(RowError {
                line,
                field: columns::ALL[col],
                code: e.code,
                message_ja: e.ja.into_owned(),
                message_en: e.en.into_owned(),
            });
            None
        }
    }
}

/// A digit string of at most 16 digits as one number that keeps its length, so
/// that `042` and `42` stay apart: value × 32 + length (< 10^16 × 32 < 2^59).
fn digits_key(digits: &str) -> Option<u64> {
    if digits.is_empty() || digits.len() > 16 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = digits.bytes().fold(0u64, |acc, b| acc * 10 + u64::from(b - b'0'));
    Some(value * 32 + digits.len() as u64)
}

/// Record `value` as first seen at `line`, or report the line it was first seen on.
/// Values are validated digit strings (宛名番号 ≤ 15, 受診券番号 ≤ 16 digits), so
/// [`digits_key`] always has a key for them.
fn check_unique(
    seen: &mut HashMap<u64, usize>,
    value: Option<&String>,
    line: usize,
    col: usize,
    code: &'static str,
    errors: &mut Vec<RowError>,
) {
    let Some(key) = value.and_then(|v| digits_key(v)) else { return };
    match seen.entry(key) {
        Entry::Occupied(first) => {
            let first = *first.get();
            let what_ja = columns::ALL[col];
            let what_en = if col == RESIDENT_ID { "resident number" } else { "voucher number" };
            errors.push(RowError {
                line,
                field: columns::ALL[col],
                code,
                message_ja: format!("{what_ja}が{first}行目と重複しています"),
                message_en: format!("the same {what_en} as on line {first}"),
            });
        }
        Entry::Vacant(slot) => {
            slot.insert(line);
        }
    }
}

/// Validate every field of one row (with the right number of fields). Pushes one
/// error per bad field; returns the row only when it has none.
fn check_row(
    rec: &StringRecord,
    layout: &Layout,
    line: usize,
    today: NaiveDate,
    errors: &mut Vec<RowError>,
    seen_ids: &mut HashMap<u64, usize>,
    seen_vouchers: &mut HashMap<u64, usize>,
) -> Option<RosterRow> {
    let before = errors.len();
    let f = |col| layout.get(rec, col);
    let resident_id = take(errors, line, RESIDENT_ID, fields::resident_id(f(RESIDENT_ID)));
    let name_kanji = take(errors, line, NAME_KANJI, fields::name_kanji(f(NAME_KANJI)));
    let name_kana = take(errors, line, NAME_KANA, fields::name_kana(f(NAME_KANA)));
    let sex = take(errors, line, SEX, fields::sex(f(SEX)));
    let birth_date = take(errors, line, BIRTH_DATE, fields::birth_date(f(BIRTH_DATE), today));
    let postal_code = take(errors, line, POSTAL_CODE, fields::postal_code(f(POSTAL_CODE)));
    let address = take(errors, line, ADDRESS, fields::address(f(ADDRESS)));
    let phone = take(errors, line, PHONE, fields::phone(f(PHONE)));
    let copay_category = take(errors, line, COPAY_CATEGORY, fields::copay(f(COPAY_CATEGORY)));
    let dv_support = take(errors, line, DV_SUPPORT, fields::dv_support(f(DV_SUPPORT)));
    let voucher_no = take(errors, line, VOUCHER_NO, fields::voucher_no(f(VOUCHER_NO)));
    let fiscal_year = take(errors, line, FISCAL_YEAR, fields::fiscal_year(f(FISCAL_YEAR)));
    let my_number = take(errors, line, MY_NUMBER, fields::my_number(f(MY_NUMBER)));
    let status = take(errors, line, STATUS, fields::status(f(STATUS)));

    check_unique(seen_ids, resident_id.as_ref(), line, RESIDENT_ID, "ROSTER_DUPLICATE_RESIDENT", errors);
    check_unique(seen_vouchers, voucher_no.as_ref(), line, VOUCHER_NO, "ROSTER_DUPLICATE_VOUCHER", errors);
    if errors.len() != before {
        return None;
    }

    let (
        Some(resident_id),
        Some(name_kanji),
        Some(name_kana),
        Some(sex),
        Some(birth_date),
        Some(postal_code),
        Some(address),
        Some(phone),
        Some(copay_category),
        Some(dv_support),
        Some(voucher_no),
        Some(fiscal_year),
        Some(my_number),
        Some(status),
    ) = (
        resident_id,
        name_kanji,
        name_kana,
        sex,
        birth_date,
        postal_code,
        address,
        phone,
        copay_category,
        dv_support,
        voucher_no,
        fiscal_year,
        my_number,
        status,
    )
    else {
        return None;
    };
    let voucher = Voucher { voucher_no, resident_id: resident_id.clone(), fiscal_year };
    let resident = Resident {
        resident_id,
        name_kanji,
        name_kana,
        sex,
        birth_date,
        postal_code,
        address,
        phone,
        copay_category,
        dv_support,
        provisional: false,
    };
    Some(RosterRow { line, resident, voucher, my_number, status })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_keys_keep_leading_zeros_apart() {
        assert_eq!(digits_key("42"), Some(42 * 32 + 2));
        assert_ne!(digits_key("042"), digits_key("42"));
        assert_ne!(digits_key("0"), digits_key("00"));
        assert_eq!(digits_key("9999999999999999"), Some(9_999_999_999_999_999 * 32 + 16));
        assert_eq!(digits_key("99999999999999999"), None);
        assert_eq!(digits_key(""), None);
        assert_eq!(digits_key("1a"), None);
    }
}
