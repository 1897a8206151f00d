//! The export dataset and ledger: what a clerk's file contains, who is left out,
//! and that the ledger only moves forward.

use chrono::NaiveDate;
use uketsuke_core::{CopayCategory, IdentityMethod, Resident, ScreeningStatus, Sex, Voucher};

use crate::export;
use crate::reception::{CheckInRequest, CopayInput, ScreeningInput};
use crate::testutil::{now, seeded, today, TestStore};

fn resident(t: &mut TestStore, id: &str, kanji: &str, dv: bool) {
    let r = Resident {
        resident_id: id.into(),
        name_kanji: kanji.into(),
        name_kana: "シケン　タロウ".into(),
        sex: Sex::Male,
        birth_date: NaiveDate::from_ymd_opt(1970, 4, 1).unwrap(),
        postal_code: "9200000".into(),
        address: "みなと市試験町1-2-3".into(),
        phone: "076-000-0000".into(),
        copay_category: CopayCategory::Standard,
        dv_support: dv,
        provisional: false,
    };
    let v = Voucher { voucher_no: format!("99{}", &id[id.len() - 9..]), resident_id: id.into(), fiscal_year: 2026 };
    t.store.load_residents(vec![(r, vec![v], vec![])], 10).unwrap();
}

fn session(t: &TestStore) -> String {
    let sessions = t.store.sessions(today(), today()).unwrap();
    sessions.iter().find(|s| s.programmes.iter().any(|p| p.code == "55")).unwrap().session_id.clone()
}

fn check_in(t: &mut TestStore, session_id: &str, resident_id: &str) {
    let req = CheckInRequest {
        session_id: session_id.into(),
        resident_id: resident_id.into(),
        identity_method: IdentityMethod::DriversLicense,
        copay: CopayInput { category: CopayCategory::Standard, proof: String::new(), amount_yen: 500 },
        screenings: vec![ScreeningInput {
            programme_code: "55".into(),
            status: ScreeningStatus::Received,
            stop_reason: None,
            override_reason: None,
        }],
    };
    t.store.check_in(&t.actor, now(), &req).unwrap();
}

#[test]
fn the_dataset_has_one_row_per_screening_and_leaves_protected_residents_out() {
    let mut t = seeded("export-dataset", 5);
    let s = session(&t);
    // A name with a variation selector (葛󠄀) exported exactly as stored.
    resident(&mut t, "9000000020", "葛\u{E0100}城　花子", false);
    resident(&mut t, "9000000021", "保護　対象", true);
    check_in(&mut t, &s, "9000000020");
    check_in(&mut t, &s, "9000000021");
    let org = export::dataset(t.store.connection(), "screening_org", std::slice::from_ref(&s), "受付1").unwrap();
    assert_eq!((org.rows, org.excluded_protected), (1, 1));
    let text = String::from_utf8(org.csv.clone()).unwrap();
    assert!(text.starts_with('\u{feff}'), "a BOM for Excel");
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("受診日,開催回,整理番号,宛名番号,氏名"));
    assert!(lines[1].contains("9000000020") && lines[1].contains("葛\u{E0100}城　花子"), "{}", lines[1]);
    assert!(!text.contains("9000000021") && !text.contains("保護"), "a protected resident never leaves");

    let health = export::dataset(t.store.connection(), "health_system", std::slice::from_ref(&s), "受付1").unwrap();
    let text = String::from_utf8(health.csv).unwrap();
    assert!(text.contains("受診日,会場コード,開催回,宛名番号,照合状態"));
    assert!(text.contains(",照合済,1,受付1,"), "{text}");
    assert!(!text.contains("葛"), "the health system layout carries no names");
    assert_eq!(health.rows, 1);

    // Another session's visits are not in it; an unknown layout is refused.
    let none = export::dataset(t.store.connection(), "screening_org", &["no-such-session".into()], "受付1").unwrap();
    assert_eq!((none.rows, none.excluded_protected), (0, 0));
    let bad = export::dataset(t.store.connection(), "everything", &[s], "受付1").unwrap_err();
    assert_eq!(bad.code(), "EXPORT_LAYOUT_UNKNOWN");
}

#[test]
fn a_grant_is_used_once_and_the_ledger_only_moves_forward() {
    let t = seeded("export-ledger", 0);
    let c = t.store.connection();
    let (jti, req) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
    let ledger = uuid::Uuid::now_v7().to_string();
    assert!(!export::grant_used(c, &jti).unwrap());
    export::begin_write(c, &ledger, &jti, &req, "S0004", now(), 3, 1).unwrap();
    assert!(export::grant_used(c, &jti).unwrap());
    // The same grant again: refused by the table itself.
    let other = uuid::Uuid::now_v7().to_string();
    assert!(export::begin_write(c, &other, &jti, &req, "S0004", now(), 3, 1).is_err());
    assert!(export::unshipped(c).unwrap().is_empty(), "nothing ships before the file is complete");
    export::finish_write(c, &ledger, now(), "ab".repeat(32).as_str(), 1234, "usb:Vendor:Model:SERIAL").unwrap();
    let out = export::unshipped(c).unwrap();
    assert_eq!(out.len(), 1);
    assert_eq!((out[0].rows, out[0].file_bytes, out[0].media_identity.as_str()), (3, 1234, "usb:Vendor:Model:SERIAL"));
    // No rewriting history: hash, back to writing, deleting, un-using the grant.
    for sql in [
        "UPDATE export_ledger SET file_sha256 = 'x'",
        "UPDATE export_ledger SET state = 'writing'",
        "UPDATE export_ledger SET rows = 0",
        "DELETE FROM export_ledger",
        "DELETE FROM export_grants_used",
    ] {
        assert!(c.execute(sql, []).is_err(), "{sql} must be refused");
    }
    export::mark_shipped(c, std::slice::from_ref(&ledger), now()).unwrap();
    assert!(export::unshipped(c).unwrap().is_empty());
    assert!(c.execute("UPDATE export_ledger SET shipped_at = NULL", []).is_err());
    // A crash mid-write leaves 'writing'; the next start fails it, and it never ships.
    let (jti2, ledger2) = (uuid::Uuid::now_v7().to_string(), uuid::Uuid::now_v7().to_string());
    export::begin_write(c, &ledger2, &jti2, &req, "S0004", now(), 3, 0).unwrap();
    assert_eq!(export::fail_interrupted(c).unwrap(), 1);
    assert!(export::grant_used(c, &jti2).unwrap(), "an interrupted write still used its grant");
    assert!(export::unshipped(c).unwrap().is_empty());
}
