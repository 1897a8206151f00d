//! Cells that a spreadsheet would run as formulas are written as text: a value
//! starting with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading
//! `'` (OWASP's CSV-injection advice). Every CSV the product writes for people
//! to open goes through [`safe_cell`].

use std::borrow::Cow;

pub fn safe_cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_cell;

    #[test]
    fn formulas_become_text_and_everything_else_stays() {
        for risky in ["=HYPERLINK(\"http://x\")", "+81-90", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(safe_cell(risky), format!("'{risky}"));
        }
        for plain in ["", "山田　花子", "0001000123", "2026-12-01", "受付済", "1500", " =1"] {
            assert_eq!(safe_cell(plain), plain);
        }
    }
}
