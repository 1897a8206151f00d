//! Roster entries on the wire.
//!
//! A first sync carries every resident in the terminal's scope (300,000 in the
//! benchmark), so an entry is written as a JSON array in a fixed order rather than
//! an object that repeats its ~190 bytes of field names for every resident:
//!
//! ```text
//! [resident_id, name_kanji, name_kana, sex, birth_date, postal_code, address, phone,
//!  copay_category, dv_support, provisional, active,
//!  [[voucher_no, fiscal_year], …], [[programme_code, fiscal_year], …]]
//! ```
//!
//! Half the bytes to write, send and parse (docs/benchmarks.md, session 12). Reading
//! also accepts the object form older builds wrote (and that a terminal may still
//! hold in `deferred_roster`), and ignores elements after the last it knows, so a
//! later build can append fields without breaking this one.

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::SerializeTuple;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uketsuke_core::Resident;

/// One resident with what the terminal needs about them. Never carries 個人番号.
#[derive(Debug, Clone, PartialEq)]
pub struct RosterEntry {
    pub resident: Resident,
    /// `false`: removed from the roster (転出 etc.); the terminal drops it unless
    /// it has visits of its own for them.
    pub active: bool,
    pub vouchers: Vec<VoucherRow>,
    /// (programme code, fiscal year) of past screenings, for the interval check.
    pub history: Vec<(String, i32)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoucherRow {
    pub voucher_no: String,
    pub fiscal_year: i32,
}

/// Elements of the array form, in order.
const ELEMENTS: usize = 14;

impl Serialize for RosterEntry {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = &self.resident;
        let mut t = serializer.serialize_tuple(ELEMENTS)?;
        t.serialize_element(&r.resident_id)?;
        t.serialize_element(&r.name_kanji)?;
        t.serialize_element(&r.name_kana)?;
        t.serialize_element(&r.sex)?;
        t.serialize_element(&r.birth_date)?;
        t.serialize_element(&r.postal_code)?;
        t.serialize_element(&r.address)?;
        t.serialize_element(&r.phone)?;
        t.serialize_element(&r.copay_category)?;
        t.serialize_element(&r.dv_support)?;
        t.serialize_element(&r.provisional)?;
        t.serialize_element(&self.active)?;
        t.serialize_element(&VoucherPairs(&self.vouchers))?;
        t.serialize_element(&self.history)?;
        t.end()
    }
}

struct VoucherPairs<'a>(&'a [VoucherRow]);

impl Serialize for VoucherPairs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.iter().map(|v| (&v.voucher_no, v.fiscal_year)))
    }
}

impl<'de> Deserialize<'de> for RosterEntry {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(EntryVisitor)
    }
}

/// The object form older builds wrote.
#[derive(Deserialize)]
struct ObjectForm {
    resident: Resident,
    active: bool,
    vouchers: Vec<VoucherRow>,
    history: Vec<(String, i32)>,
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = RosterEntry;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "a roster entry: an array of {ELEMENTS} elements (or the older object form)")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RosterEntry, A::Error> {
        let mut index = 0;
        macro_rules! next {
            () => {{
                let value = seq.next_element()?.ok_or_else(|| de::Error::invalid_length(index, &self))?;
                index += 1;
                value
            }};
        }
        let resident = Resident {
            resident_id: next!(),
            name_kanji: next!(),
            name_kana: next!(),
            sex: next!(),
            birth_date: next!(),
            postal_code: next!(),
            address: next!(),
            phone: next!(),
            copay_category: next!(),
            dv_support: next!(),
            provisional: next!(),
        };
        let active = next!();
        let vouchers: Vec<(String, i32)> = next!();
        let history = next!();
        debug_assert_eq!(index, ELEMENTS);
        // Elements a later build appended.
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(RosterEntry {
            resident,
            active,
            vouchers: vouchers
                .into_iter()
                .map(|(voucher_no, fiscal_year)| VoucherRow { voucher_no, fiscal_year })
                .collect(),
            history,
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RosterEntry, A::Error> {
        let o = ObjectForm::deserialize(de::value::MapAccessDeserializer::new(map))?;
        Ok(RosterEntry { resident: o.resident, active: o.active, vouchers: o.vouchers, history: o.history })
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use uketsuke_core::{CopayCategory, Sex};

    use super::*;

    fn entry() -> RosterEntry {
        RosterEntry {
            resident: Resident {
                resident_id: "0001000042".into(),
                // A variation selector and a private-use 外字 travel byte for byte.
                name_kanji: "葛\u{E0100}飾　\u{E000}子".into(),
                name_kana: "カツシカ　ハナコ".into(),
                sex: Sex::Female,
                birth_date: NaiveDate::from_ymd_opt(1958, 4, 1).unwrap(),
                postal_code: "9870031".into(),
                address: "みなと市北町三丁目11-6".into(),
                phone: "080-2002-7366".into(),
                copay_category: CopayCategory::Standard,
                dv_support: true,
                provisional: false,
            },
            active: true,
            vouchers: vec![
                VoucherRow { voucher_no: "26120775091".into(), fiscal_year: 2026 },
                VoucherRow { voucher_no: "25120775091".into(), fiscal_year: 2025 },
            ],
            history: vec![("gan_i".into(), 2024), ("tokutei".into(), 2025)],
        }
    }

    #[test]
    fn an_entry_is_an_array_and_comes_back_unchanged() {
        let json = serde_json::to_string(&entry()).unwrap();
        assert!(json.starts_with("[\"0001000042\",\"葛\u{E0100}飾　\u{E000}子\""), "{json}");
        assert!(!json.contains("\"resident_id\""), "no field names: {json}");
        assert_eq!(serde_json::from_str::<RosterEntry>(&json).unwrap(), entry());
    }

    #[test]
    fn the_array_is_about_half_the_object() {
        let array = serde_json::to_string(&entry()).unwrap().len();
        let e = entry();
        let object = serde_json::to_string(&serde_json::json!({
            "resident": e.resident, "active": e.active, "vouchers": e.vouchers, "history": e.history,
        }))
        .unwrap()
        .len();
        assert!(array * 10 < object * 7, "array {array} bytes, object {object} bytes");
    }

    #[test]
    fn the_older_object_form_still_reads() {
        let e = entry();
        let object = serde_json::json!({
            "resident": e.resident, "active": e.active, "vouchers": e.vouchers, "history": e.history,
        });
        assert_eq!(serde_json::from_value::<RosterEntry>(object).unwrap(), e);
    }

    #[test]
    fn elements_a_later_build_appends_are_ignored_and_missing_ones_refused() {
        let mut array: Vec<serde_json::Value> =
            serde_json::from_str(&serde_json::to_string(&entry()).unwrap()).unwrap();
        array.push(serde_json::json!({"future": 1}));
        assert_eq!(serde_json::from_value::<RosterEntry>(serde_json::Value::from(array.clone())).unwrap(), entry());
        array.truncate(ELEMENTS - 1);
        let err = serde_json::from_value::<RosterEntry>(serde_json::Value::from(array)).unwrap_err();
        assert!(err.to_string().contains("invalid length 13"), "{err}");
    }
}
