//! File-level errors (the whole file is refused) and row-level errors (one field of
//! one row is bad).

use serde::Serialize;
use thiserror::Error;

/// Why a whole file was refused. Nothing from such a file may be imported, with or
/// without `--skip-bad`. Messages never contain personal data: they name columns,
/// byte offsets and line numbers only.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RosterError {
    /// The file is larger than [`crate::MAX_FILE_BYTES`].
    #[error("the file is {size} bytes; at most {limit} bytes are accepted")]
    TooLarge { size: usize, limit: usize },
    /// No bytes, or nothing but a BOM, blank lines and empty fields: no header row.
    #[error("the file is empty: no header row")]
    EmptyFile,
    /// A header row but no data rows.
    #[error("the file has a header row but no data rows")]
    NoRows,
    /// UTF-8 was forced and the bytes are not valid UTF-8.
    #[error("not valid UTF-8 at byte {offset} (line {line})")]
    InvalidUtf8 { offset: usize, line: usize },
    /// Shift_JIS was forced, or detection fell back to it, and the bytes hold a
    /// sequence Shift_JIS (Windows-31J) does not define.
    #[error("not valid UTF-8, and not valid Shift_JIS (Windows-31J) at byte {offset} (line {line})")]
    InvalidShiftJis { offset: usize, line: usize },
    /// Shift_JIS was forced but the file starts with a UTF-8 byte order mark.
    #[error("Shift_JIS was requested but the file starts with a UTF-8 byte order mark")]
    EncodingMismatch,
    /// The first row names none of the layout's columns: the file has no header row
    /// (or another layout). The row's content is not repeated, as it is likely data.
    #[error("no header row: line {line} names none of the layout's columns")]
    NoHeader { line: usize },
    /// The same column name appears more than once in the header.
    #[error("duplicate columns in the header: {}", list(.columns))]
    DuplicateColumns { columns: Vec<String> },
    /// Header columns that are not part of the layout (and, if any, the required
    /// columns that are missing as well, which is usually the same typo). Names are
    /// cut to [`crate::MAX_ECHOED_NAME_CHARS`] characters.
    #[error("unknown columns in the header: {}{}", list(.unknown), missing_suffix(.missing))]
    UnknownColumns { unknown: Vec<String>, missing: Vec<&'static str> },
    /// Required columns absent from the header.
    #[error("required columns missing from the header: {}", list(.missing))]
    MissingColumns { missing: Vec<&'static str> },
    /// More than [`crate::MAX_ERRORS`] row errors: the file is not what it claims to be.
    #[error("more than {limit} row errors; the file was not checked further")]
    TooManyErrors { limit: usize },
    /// The CSV reader failed (should not happen on decoded text).
    #[error("could not read the CSV at line {line}")]
    Csv { line: usize },
    /// `reject_file` was given an error whose line holds no data row of this file.
    #[error("no data row at line {line} of this file (were the errors made from another file?)")]
    RejectLineNotFound { line: usize },
}

impl RosterError {
    /// A stable code for logs, the CLI's exit report and tests.
    pub fn code(&self) -> &'static str {
        match self {
            RosterError::TooLarge { .. } => "ROSTER_TOO_LARGE",
            RosterError::EmptyFile => "ROSTER_EMPTY_FILE",
            RosterError::NoRows => "ROSTER_NO_ROWS",
            RosterError::InvalidUtf8 { .. } => "ROSTER_BAD_UTF8",
            RosterError::InvalidShiftJis { .. } => "ROSTER_BAD_SHIFT_JIS",
            RosterError::EncodingMismatch => "ROSTER_ENCODING_MISMATCH",
            RosterError::NoHeader { .. } => "ROSTER_NO_HEADER",
            RosterError::DuplicateColumns { .. } => "ROSTER_DUPLICATE_COLUMNS",
            RosterError::UnknownColumns { .. } => "ROSTER_UNKNOWN_COLUMNS",
            RosterError::MissingColumns { .. } => "ROSTER_MISSING_COLUMNS",
            RosterError::TooManyErrors { .. } => "ROSTER_TOO_MANY_ERRORS",
            RosterError::Csv { .. } => "ROSTER_BAD_CSV",
            RosterError::RejectLineNotFound { .. } => "ROSTER_REJECT_LINE_NOT_FOUND",
        }
    }

    /// The message for staff, in Japanese.
    pub fn message_ja(&self) -> String {
        match self {
            RosterError::TooLarge { size, limit } => {
                format!("ファイルが大きすぎます（{size}バイト。上限は{limit}バイト）")
            }
            RosterError::EmptyFile => "ファイルが空です（見出し行がありません）".to_owned(),
            RosterError::NoRows => "見出し行のみでデータ行がありません".to_owned(),
            RosterError::InvalidUtf8 { offset, line } => {
                format!("UTF-8として読めません（{offset}バイト目、{line}行目）")
            }
            RosterError::InvalidShiftJis { offset, line } => {
                format!("UTF-8でもShift_JIS（Windows-31J）でもありません（{offset}バイト目、{line}行目）")
            }
            RosterError::EncodingMismatch => {
                "Shift_JISが指定されましたが、ファイルはUTF-8のBOMで始まっています".to_owned()
            }
            RosterError::NoHeader { line } => {
                format!("見出し行がありません（{line}行目に既知の列名がひとつもありません）")
            }
            RosterError::DuplicateColumns { columns } => {
                format!("見出し行に同じ列名が複数あります: {}", list(columns))
            }
            RosterError::UnknownColumns { unknown, missing } => {
                let mut s = format!("見出し行に不明な列があります: {}", list(unknown));
                if !missing.is_empty() {
                    s.push_str(&format!("（必須列の不足: {}）", list(missing)));
                }
                s
            }
            RosterError::MissingColumns { missing } => format!("必須列がありません: {}", list(missing)),
            RosterError::TooManyErrors { limit } => {
                format!("エラーが{limit}件を超えたため、確認を中止しました")
            }
            RosterError::Csv { line } => format!("CSVとして読めません（{line}行目）"),
            RosterError::RejectLineNotFound { line } => {
                format!("{line}行目にデータ行がありません（別のファイルのエラーではありませんか）")
            }
        }
    }

    /// The message in English (the same as `Display`).
    pub fn message_en(&self) -> String {
        self.to_string()
    }
}

fn list<S: AsRef<str>>(items: &[S]) -> String {
    let mut s = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        s.push('「');
        s.push_str(item.as_ref());
        s.push('」');
    }
    s
}

fn missing_suffix(missing: &[&'static str]) -> String {
    if missing.is_empty() {
        String::new()
    } else {
        format!(" (required columns missing: {})", list(missing))
    }
}

/// One problem with one field of one data row (or with the whole row, `field == ""`).
/// Messages describe what is wrong and what is expected; they never repeat the
/// value, so they may be logged and shown without leaking personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// Physical line where the row starts, 1-based, the header being line 1.
    pub line: usize,
    /// The Japanese column name, or `""` for the whole row.
    pub field: &'static str,
    /// Stable code, e.g. `ROSTER_BAD_DATE`.
    pub code: &'static str,
    pub message_ja: String,
    pub message_en: String,
}
