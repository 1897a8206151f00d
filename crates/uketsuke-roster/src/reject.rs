//! The reject file `--skip-bad` writes next to the input.

use std::collections::BTreeMap;

use crate::columns::{MY_NUMBER, REJECT_DETAIL, REJECT_LINE};
use crate::decode::decode;
use crate::error::{RosterError, RowError};
use crate::{Encoding, Records};

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The reject file for `--skip-bad`: the original header row plus, for every line
/// named in `errors`, that row's original fields (as parsed: quotes removed, values
/// untouched), followed by two columns, `エラー行` (the line in the original file) and
/// `エラー内容` (`field: message_ja; …`, or just the message for a whole-row error).
/// A row with the wrong number of fields is written with exactly its own fields (not
/// padded or cut), so dropping the last two fields always gives back the original
/// row; its two extra columns then do not line up with the header.
///
/// Written as UTF-8 with BOM and CRLF line ends, so Excel opens it as is; rows come
/// in file order. `bytes` and `encoding` must be what was given to [`crate::parse`];
/// an error whose line holds no data row gives [`RosterError::RejectLineNotFound`].
///
/// The 個人番号 column is left empty: the reject file never holds a 個人番号 in
/// clear (to fix that field, go back to the original file at `エラー行`). The other
/// fields are the rows' personal data exactly as the input has them, and the file
/// must be handled like it.
pub fn reject_file(bytes: &[u8], encoding: Encoding, errors: &[RowError]) -> Result<Vec<u8>, RosterError> {
    let (text, _) = decode(bytes, encoding)?;
    let mut by_line: BTreeMap<usize, Vec<&RowError>> = BTreeMap::new();
    for e in errors {
        by_line.entry(e.line).or_default().push(e);
    }

    let mut records = Records::new(&text);
    let Some(header_line) = records.next()? else {
        return Err(RosterError::EmptyFile);
    };
    if by_line.contains_key(&header_line) {
        return Err(RosterError::RejectLineNotFound { line: header_line });
    }

    let mut out = Vec::with_capacity(UTF8_BOM.len() + 1024);
    out.extend_from_slice(UTF8_BOM);
    let mut writer = csv::WriterBuilder::new().flexible(true).terminator(csv::Terminator::CRLF).from_writer(out);
    let write_err = |line| RosterError::Csv { line };

    let mut fields: Vec<String> = records.record.iter().map(str::to_owned).collect();
    let my_number_column = fields.iter().position(|f| f.trim() == MY_NUMBER);
    fields.push(REJECT_LINE.to_owned());
    fields.push(REJECT_DETAIL.to_owned());
    writer.write_record(&fields).map_err(|_| write_err(header_line))?;

    while !by_line.is_empty() {
        let Some(line) = records.next()? else { break };
        let Some(errs) = by_line.remove(&line) else { continue };
        fields.clear();
        fields.extend(records.record.iter().map(str::to_owned));
        if let Some(field) = my_number_column.and_then(|i| fields.get_mut(i)) {
            field.clear();
        }
        fields.push(line.to_string());
        fields.push(detail(&errs));
        writer.write_record(&fields).map_err(|_| write_err(line))?;
    }
    if let Some((&line, _)) = by_line.iter().next() {
        return Err(RosterError::RejectLineNotFound { line });
    }
    writer.into_inner().map_err(|_| write_err(0))
}

/// `氏名: 必須項目が空です; 生年月日: 未来の日付です`
fn detail(errors: &[&RowError]) -> String {
    let mut s = String::new();
    for (i, e) in errors.iter().enumerate() {
        if i > 0 {
            s.push_str("; ");
        }
        if !e.field.is_empty() {
            s.push_str(e.field);
            s.push_str(": ");
        }
        s.push_str(&e.message_ja);
    }
    s
}
