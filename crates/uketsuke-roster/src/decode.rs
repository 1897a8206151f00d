//! Bytes → text: UTF-8 (with or without BOM) or Shift_JIS (Windows-31J).

use std::borrow::Cow;

use encoding_rs::{DecoderResult, SHIFT_JIS};
use serde::Serialize;

use crate::error::RosterError;
use crate::MAX_FILE_BYTES;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The text encoding of a roster file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    /// UTF-8, with or without a byte order mark.
    Utf8,
    /// Shift_JIS as Japanese Windows writes it (Windows-31J / CP932, including the
    /// NEC and IBM extensions; the user-defined area F040–F9FC becomes U+E000–U+E757).
    ShiftJis,
    /// Detect: a UTF-8 BOM or valid UTF-8 → UTF-8, anything else → Shift_JIS.
    #[default]
    Auto,
}

impl Encoding {
    /// `utf-8`, `shift_jis` or `auto` (as stored in `roster_imports.encoding`).
    pub fn as_code(self) -> &'static str {
        match self {
            Encoding::Utf8 => "utf-8",
            Encoding::ShiftJis => "shift_jis",
            Encoding::Auto => "auto",
        }
    }

    /// From a name a user may type (for a CLI `--encoding`), case-insensitive:
    /// `auto`; `utf-8`, `utf8`; `shift_jis`, `shift-jis`, `sjis`, `cp932`, `windows-31j`.
    pub fn from_code(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Some(Encoding::Auto),
            "utf-8" | "utf8" => Some(Encoding::Utf8),
            "shift_jis" | "shift-jis" | "sjis" | "cp932" | "windows-31j" => Some(Encoding::ShiftJis),
            _ => None,
        }
    }
}

/// Decode the file. Returns the text (without BOM) and the encoding actually used
/// (never `Auto`).
pub(crate) fn decode(bytes: &[u8], requested: Encoding) -> Result<(Cow<'_, str>, Encoding), RosterError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(RosterError::TooLarge { size: bytes.len(), limit: MAX_FILE_BYTES });
    }
    let bom = bytes.starts_with(UTF8_BOM);
    match requested {
        Encoding::Utf8 => decode_utf8(bytes).map(|t| (t, Encoding::Utf8)),
        Encoding::ShiftJis if bom => Err(RosterError::EncodingMismatch),
        Encoding::ShiftJis => decode_shift_jis(bytes).map(|t| (Cow::Owned(t), Encoding::ShiftJis)),
        Encoding::Auto => {
            if bom {
                return decode_utf8(bytes).map(|t| (t, Encoding::Utf8));
            }
            match std::str::from_utf8(bytes) {
                Ok(text) => Ok((Cow::Borrowed(text), Encoding::Utf8)),
                Err(_) => decode_shift_jis(bytes).map(|t| (Cow::Owned(t), Encoding::ShiftJis)),
            }
        }
    }
}

fn decode_utf8(bytes: &[u8]) -> Result<Cow<'_, str>, RosterError> {
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(e) => {
            let offset = e.valid_up_to() + (bytes.len() - body.len());
            Err(RosterError::InvalidUtf8 { offset, line: line_of_offset(bytes, offset) })
        }
    }
}

fn decode_shift_jis(bytes: &[u8]) -> Result<String, RosterError> {
    let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
    let too_large = || RosterError::TooLarge { size: bytes.len(), limit: MAX_FILE_BYTES };
    let capacity = decoder.max_utf8_buffer_length_without_replacement(bytes.len()).ok_or_else(too_large)?;
    let mut text = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut text, true);
    match result {
        DecoderResult::InputEmpty => Ok(text),
        DecoderResult::Malformed(bad, after) => {
            let offset = read.saturating_sub(usize::from(bad) + usize::from(after));
            Err(RosterError::InvalidShiftJis { offset, line: line_of_offset(bytes, offset) })
        }
        // Cannot happen with the capacity asked for above; refuse rather than panic.
        DecoderResult::OutputFull => Err(too_large()),
    }
}

/// 1-based line of a byte offset. 0x0A never occurs inside a multi-byte character
/// in UTF-8 or Shift_JIS, so counting LF bytes is safe in both.
fn line_of_offset(bytes: &[u8], offset: usize) -> usize {
    let end = offset.min(bytes.len());
    1 + bytes[..end].iter().filter(|&&b| b == b'\n').count()
}

/// Physical line numbers of byte offsets in the decoded text, for offsets asked in
/// increasing order (one pass over the text in all). CRLF, LF and a lone CR each
/// end a line, as in the CSV reader.
pub(crate) struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        LineCounter { bytes, pos: 0, line: 1 }
    }

    /// The line of the first byte at or after `offset` that is not CR or LF: where
    /// a record the CSV reader reports at `offset` really starts (the reader's
    /// position comes before the blank lines and the LF of a CRLF it skips).
    pub(crate) fn record_line(&mut self, offset: usize) -> usize {
        let mut start = offset.min(self.bytes.len());
        while start < self.bytes.len() && matches!(self.bytes[start], b'\r' | b'\n') {
            start += 1;
        }
        self.advance_to(start)
    }

    fn advance_to(&mut self, offset: usize) -> usize {
        if offset > self.pos {
            for i in self.pos..offset {
                match self.bytes[i] {
                    b'\r' => self.line += 1,
                    b'\n' if i == 0 || self.bytes[i - 1] != b'\r' => self.line += 1,
                    _ => {}
                }
            }
            self.pos = offset;
        }
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_counter_handles_all_line_endings() {
        let text = b"a\nb\r\nc\rd\n\n\r\ne";
        let mut lc = LineCounter::new(text);
        assert_eq!(lc.record_line(0), 1);
        assert_eq!(lc.record_line(1), 2);
        assert_eq!(lc.record_line(4), 3);
        assert_eq!(lc.record_line(6), 4);
        // From the LF after d: skips the blank lines to e.
        assert_eq!(lc.record_line(8), 7);
        assert_eq!(lc.record_line(100), 7);
    }

    #[test]
    fn encoding_codes() {
        for e in [Encoding::Utf8, Encoding::ShiftJis, Encoding::Auto] {
            assert_eq!(Encoding::from_code(e.as_code()), Some(e));
        }
        assert_eq!(Encoding::from_code(" CP932 "), Some(Encoding::ShiftJis));
        assert_eq!(Encoding::from_code("Windows-31J"), Some(Encoding::ShiftJis));
        assert_eq!(Encoding::from_code("UTF8"), Some(Encoding::Utf8));
        assert_eq!(Encoding::from_code("euc-jp"), None);
    }

    #[test]
    fn shift_jis_user_defined_area_is_private_use() {
        let (text, enc) = decode(b"\xF0\x40", Encoding::Auto).unwrap();
        assert_eq!(enc, Encoding::ShiftJis);
        assert_eq!(text, "\u{E000}");
    }

    #[test]
    fn malformed_shift_jis_reports_offset_and_line() {
        // 0x81 must be followed by a trail byte 0x40–0xFC (not 0x7F).
        let bytes = b"ab\ncd\n\x82\xA0\x81\x7F";
        assert_eq!(decode(bytes, Encoding::Auto), Err(RosterError::InvalidShiftJis { offset: 8, line: 3 }));
        assert_eq!(decode(bytes, Encoding::ShiftJis), Err(RosterError::InvalidShiftJis { offset: 8, line: 3 }));
        // A lone lead byte at the end.
        assert_eq!(decode(b"x\n\x81", Encoding::ShiftJis), Err(RosterError::InvalidShiftJis { offset: 2, line: 2 }));
    }

    #[test]
    fn forced_utf8_reports_offset_and_line() {
        let bytes = b"\xEF\xBB\xBFab\n\xFF";
        assert_eq!(decode(bytes, Encoding::Utf8), Err(RosterError::InvalidUtf8 { offset: 6, line: 2 }));
    }

    #[test]
    fn bom_is_stripped_and_wins() {
        let (text, enc) = decode("\u{FEFF}宛名".as_bytes(), Encoding::Auto).unwrap();
        assert_eq!((text.as_ref(), enc), ("宛名", Encoding::Utf8));
        let (text, enc) = decode("\u{FEFF}宛名".as_bytes(), Encoding::Utf8).unwrap();
        assert_eq!((text.as_ref(), enc), ("宛名", Encoding::Utf8));
        assert_eq!(decode("\u{FEFF}宛名".as_bytes(), Encoding::ShiftJis), Err(RosterError::EncodingMismatch));
    }
}
