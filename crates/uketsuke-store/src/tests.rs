//! Store behaviour a venue would notice, on a real SQLCipher file (key via the mock
//! credential store; the real Secret Service is exercised in tests/secret_service.rs).

use chrono::{Duration, NaiveDate};
use uketsuke_core::{CopayCategory, IdentityMethod, Resident, ScreeningRecord, ScreeningStatus, Sex, Voucher};

use crate::reception::{CheckInRequest, CopayInput, CorrectionRequest, ScreeningInput, WalkInRequest};
use crate::testutil::{keystore, now, seeded, today, TestStore};
use crate::views::VisitState;
use crate::{db, events, DataDir, Store, StoreError};

fn all_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = vec![];
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(all_files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// A resident with a known shape, added next to the demo roster.
fn add_resident(t: &mut TestStore, id: &str, kana: &str, sex: Sex, birth: NaiveDate, dv: bool) -> Resident {
    let r = Resident {
        resident_id: id.into(),
        name_kanji: "試験　太郎".into(),
        name_kana: kana.into(),
        sex,
        birth_date: birth,
        postal_code: "9200000".into(),
        address: "みなと市試験町1-2-3".into(),
        phone: "076-000-0000".into(),
        copay_category: CopayCategory::Standard,
        dv_support: dv,
        provisional: false,
    };
    let v = Voucher { voucher_no: format!("99{}", &id[id.len() - 9..]), resident_id: id.into(), fiscal_year: 2026 };
    t.store.load_residents(vec![(r.clone(), vec![v], vec![])], 10).unwrap();
    r
}

/// A session today that offers 大腸 (55, 40+ yearly) and 胃 (53, 50+ every 2 years).
fn session_with(t: &TestStore, codes: &[&str]) -> String {
    let sessions = t.store.sessions(today(), today()).unwrap();
    sessions
        .iter()
        .find(|s| codes.iter().all(|c| s.programmes.iter().any(|p| p.code == *c)))
        .unwrap_or_else(|| panic!("a demo session today offers {codes:?}"))
        .session_id
        .clone()
}

fn standard() -> CopayInput {
    CopayInput { category: CopayCategory::Standard, proof: String::new(), amount_yen: 500 }
}

fn screening(code: &str) -> ScreeningInput {
    ScreeningInput {
        programme_code: code.into(),
        status: ScreeningStatus::Received,
        stop_reason: None,
        override_reason: None,
    }
}

fn table_count(t: &TestStore, table: &str) -> i64 {
    t.store.connection().query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)).unwrap()
}

// ---------------------------------------------------------------- the encrypted file

#[test]
fn no_file_in_the_data_dir_holds_a_readable_name_or_header() {
    let t = seeded("no-plaintext", 300);
    let name = t.residents[0].resident.name_kanji.clone();
    let kana = t.residents[0].resident.name_kana.clone();
    let voucher = t.residents[0].voucher.voucher_no.clone();
    drop(t.store);
    for f in all_files(t.dir.path()) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(!bytes.starts_with(b"SQLite format 3"), "{f:?} is a plaintext database");
        for needle in [name.as_bytes(), kana.as_bytes(), voucher.as_bytes()] {
            assert!(!contains(&bytes, needle), "{f:?} holds a readable personal value");
        }
    }
}

#[cfg(unix)]
#[test]
fn only_the_owner_can_read_the_store_files() {
    use std::os::unix::fs::PermissionsExt;
    let t = seeded("perms", 5);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(t.dir.path()), 0o700);
    for f in all_files(t.dir.path()) {
        assert_eq!(mode(&f), 0o600, "{f:?}");
    }
}

#[test]
fn reopening_with_the_same_key_sees_the_data() {
    let t = seeded("reopen", 50);
    let (dir, ks) = (t.data_dir(), t.keystore.clone());
    let store_id = t.store.meta().store_id.clone();
    drop(t.store);
    let s = Store::open_existing(&dir, &ks).unwrap();
    assert_eq!(s.meta().store_id, store_id);
    let n: i64 = s.connection().query_row("SELECT count(*) FROM residents", [], |r| r.get(0)).unwrap();
    assert_eq!(n, 50);
}

#[test]
fn a_missing_key_is_a_clear_error_and_creates_nothing() {
    let t = seeded("missing-key", 5);
    let dir = t.data_dir();
    let meta = dir.read_meta().unwrap().unwrap();
    drop(t.store);
    t.keystore.delete(&meta.key_name()).unwrap();
    let before = std::fs::read(dir.db_path()).unwrap();
    let err = Store::open_or_create(&dir, &t.keystore, now()).unwrap_err();
    assert!(matches!(err, StoreError::KeyMissing), "{err:?}");
    assert!(err.needs_reset());
    assert_eq!(std::fs::read(dir.db_path()).unwrap(), before, "the file was touched");
    assert_eq!(dir.read_meta().unwrap().unwrap().store_id, meta.store_id);
}

#[test]
fn a_store_opens_with_the_cipher_settings_it_was_created_with() {
    let t = seeded("cipher-meta", 3);
    let dir = t.data_dir();
    assert_eq!(dir.read_meta().unwrap().unwrap().cipher_hmac, "HMAC_SHA256");
    drop(t.store);
    // Recorded settings are what opens the file: claim another HMAC and it no longer opens.
    let path = dir.meta_path();
    let json = std::fs::read_to_string(&path).unwrap().replace("HMAC_SHA256", "HMAC_SHA512");
    std::fs::write(&path, json).unwrap();
    assert!(matches!(Store::open_existing(&dir, &t.keystore), Err(StoreError::WrongKey)));
}

#[test]
fn a_wrong_key_is_refused() {
    let t = seeded("wrong-key", 5);
    let dir = t.data_dir();
    let meta = dir.read_meta().unwrap().unwrap();
    drop(t.store);
    t.keystore.set_verified(&meta.key_name(), &[7u8; 32]).unwrap();
    let err = Store::open_or_create(&dir, &t.keystore, now()).unwrap_err();
    assert!(matches!(err, StoreError::WrongKey), "{err:?}");
    assert_eq!(err.code(), "STORE_WRONG_KEY");
}

#[test]
fn a_plaintext_database_is_never_used() {
    let dir = tempfile::tempdir().unwrap();
    let ks = keystore("plaintext");
    let (s, _) = Store::open_or_create(&DataDir::new(dir.path()), &ks, now()).unwrap();
    drop(s);
    // Replace the file with a plaintext SQLite database.
    let path = DataDir::new(dir.path()).db_path();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    rusqlite::Connection::open(&path).unwrap().execute_batch("CREATE TABLE x (y); INSERT INTO x VALUES (1);").unwrap();
    let err = Store::open_or_create(&DataDir::new(dir.path()), &ks, now()).unwrap_err();
    assert!(matches!(err, StoreError::NotEncrypted), "{err:?}");
}

#[test]
fn reset_needs_the_word_then_sets_the_old_store_aside_and_a_new_one_opens() {
    let t = seeded("reset", 5);
    let dir = t.data_dir();
    let old = dir.read_meta().unwrap().unwrap();
    drop(t.store);
    t.keystore.delete(&old.key_name()).unwrap();
    assert!(matches!(db::reset(&dir, "yes", now()), Err(StoreError::ResetNotConfirmed)));
    assert!(dir.db_path().exists(), "an unconfirmed reset moved the store");
    let report = db::reset(&dir, "RESET", now()).unwrap();
    assert!(report.quarantined);
    let q = dir.root().join("quarantine").join(report.quarantine_name.unwrap());
    assert!(q.join("uketsuke.db").exists() && q.join("store.json").exists());
    let (s, created) = Store::open_or_create(&dir, &t.keystore, now()).unwrap();
    assert!(created);
    assert_ne!(s.meta().store_id, old.store_id);
}

#[test]
fn an_interrupted_creation_is_cleaned_up_on_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let ks = keystore("interrupted");
    let d = DataDir::new(dir.path());
    std::fs::write(
        d.meta_path(),
        r#"{"format":1,"store_id":"interrupted","state":"creating","created_at":"2026-11-24T00:00:00Z"}"#,
    )
    .unwrap();
    std::fs::write(d.db_path(), b"partial").unwrap();
    let (s, created) = Store::open_or_create(&d, &ks, now()).unwrap();
    assert!(created);
    assert_ne!(s.meta().store_id, "interrupted");
}

#[test]
fn doctor_passes_on_a_good_store_and_names_the_failure_on_a_bad_one() {
    let t = seeded("doctor", 20);
    let (dir, ks) = (t.data_dir(), t.keystore.clone());
    drop(t.store);
    let r = db::doctor(&dir, &ks);
    assert!(r.ok, "{r:?}");
    assert!(r.key_present && r.file_encrypted && r.integrity_ok && r.cipher_integrity_ok);
    assert_eq!(r.residents, Some(20));
    let meta = dir.read_meta().unwrap().unwrap();
    ks.delete(&meta.key_name()).unwrap();
    let r = db::doctor(&dir, &ks);
    assert!(!r.ok);
    assert_eq!(r.error_code.as_deref(), Some("STORE_KEY_MISSING"));
}

#[test]
fn a_store_from_a_newer_build_is_refused() {
    let t = seeded("newer", 1);
    let (dir, ks) = (t.data_dir(), t.keystore.clone());
    t.store.connection().pragma_update(None, "user_version", 99).unwrap();
    drop(t.store);
    assert!(matches!(Store::open_existing(&dir, &ks), Err(StoreError::SchemaTooNew { found: 99, .. })));
}

// ---------------------------------------------------------------- search

#[test]
fn voucher_lookup_accepts_scanner_and_full_width_input_and_logs_it() {
    let t = seeded("voucher", 200);
    let d = &t.residents[17];
    let full_width: String =
        d.voucher.voucher_no.chars().map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap()).collect();
    for input in [format!("{}\r\n", d.voucher.voucher_no), full_width] {
        let hit = t.store.find_by_voucher(&t.actor, now(), &input).unwrap();
        assert_eq!(hit.resident_id, d.resident.resident_id);
    }
    let log = t.store.access_log(Some(&d.resident.resident_id), 10).unwrap();
    assert_eq!(log.iter().filter(|e| e.operation == "search_voucher").count(), 2);
    assert_eq!(log[0].staff_id, t.actor.staff_id);
    assert_eq!(log[0].terminal_id, t.store.terminal_id());
    assert!(!log[0].department.is_empty() && !log[0].reason.is_empty());

    let err = t.store.find_by_voucher(&t.actor, now(), "00000000001").unwrap_err();
    assert_eq!(err.code(), "VOUCHER_NOT_FOUND");
    let err = t.store.find_by_voucher(&t.actor, now(), "12ab").unwrap_err();
    assert_eq!(err.code(), "INVALID_VOUCHER_NUMBER");
}

#[test]
fn kana_search_ignores_width_script_spaces_and_small_kana() {
    let mut t = seeded("kana", 100);
    let birth = NaiveDate::from_ymd_opt(1955, 4, 1).unwrap();
    add_resident(&mut t, "9000000001", "キョウ　ショウタ", Sex::Male, birth, false);
    for q in ["きょう", "ｷｮｳ ｼｮｳ", "キヨウシヨウ", "きょう　しょうた", "キョウ"] {
        let hits = t.store.search_kana(&t.actor, now(), q, None).unwrap();
        assert!(hits.iter().any(|h| h.resident_id == "9000000001"), "query {q:?} missed");
    }
    for birth_input in ["昭和30年4月1日", "S30.4.1", "1955-04-01", "3300401"] {
        let hits = t.store.search_kana(&t.actor, now(), "ｷｮｳ", Some(birth_input)).unwrap();
        assert_eq!(hits.len(), 1, "birth {birth_input}");
        assert_eq!(hits[0].birth_wareki, "昭和30年4月1日");
    }
    let other_day = t.store.search_kana(&t.actor, now(), "キョウ", Some("S30.4.2")).unwrap();
    assert!(other_day.iter().all(|h| h.resident_id != "9000000001"));
    assert_eq!(t.store.search_kana(&t.actor, now(), "山田", None).unwrap_err().code(), "INVALID_KANA_QUERY");
    assert_eq!(
        t.store.search_kana(&t.actor, now(), "ア", Some("昭和64年1月8日")).unwrap_err().code(),
        "DATE_OUTSIDE_ERA"
    );
}

#[test]
fn stored_names_keep_variation_selectors_and_private_use_characters() {
    let mut t = seeded("names", 10);
    let odd = "渡邊\u{E0104}\u{E000}子 髙﨑 𠮷".to_owned();
    let mut r = add_resident(
        &mut t,
        "9000000002",
        "ワタナベ　ハナコ",
        Sex::Female,
        NaiveDate::from_ymd_opt(1980, 2, 29).unwrap(),
        false,
    );
    r.name_kanji = odd.clone();
    t.store.load_residents(vec![(r, vec![], vec![])], 1).unwrap();
    let hits = t.store.search_kana(&t.actor, now(), "わたなべはなこ", None).unwrap();
    assert_eq!(hits[0].name_kanji.as_bytes(), odd.as_bytes());
}

#[test]
fn protected_residents_show_no_address_or_phone() {
    let mut t = seeded("dv", 10);
    add_resident(
        &mut t,
        "9000000003",
        "ホゴ　タイショウ",
        Sex::Female,
        NaiveDate::from_ymd_opt(1970, 6, 1).unwrap(),
        true,
    );
    let session = session_with(&t, &["55"]);
    let card = t.store.resident_card(&t.actor, now(), "9000000003", &session).unwrap();
    assert!(card.summary.dv_support);
    assert_eq!(card.summary.address, None);
    assert_eq!(card.phone, None);
    assert_eq!(card.postal_code, None);
    let json = serde_json::to_string(&card).unwrap();
    assert!(!json.contains("試験町"), "the address leaked into the DTO: {json}");
}

// ---------------------------------------------------------------- reception

#[test]
fn check_in_numbers_visits_and_writes_event_log_and_counts_together() {
    let mut t = seeded("checkin", 10);
    let s = session_with(&t, &["55"]);
    add_resident(&mut t, "9000000010", "イチ", Sex::Male, NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(), false);
    add_resident(&mut t, "9000000011", "ニ", Sex::Female, NaiveDate::from_ymd_opt(1971, 1, 1).unwrap(), false);
    let (events_before, log_before) = (table_count(&t, "events"), table_count(&t, "access_log"));
    let mut req = CheckInRequest {
        session_id: s.clone(),
        resident_id: "9000000010".into(),
        identity_method: IdentityMethod::DriversLicense,
        copay: standard(),
        screenings: vec![screening("55")],
    };
    let a = t.store.check_in(&t.actor, now(), &req).unwrap();
    req.resident_id = "9000000011".into();
    let b = t.store.check_in(&t.actor, now(), &req).unwrap();
    assert_eq!((a.reception_no, b.reception_no), (1, 2));
    assert_eq!(table_count(&t, "events"), events_before + 2);
    assert_eq!(table_count(&t, "access_log"), log_before + 2);
    let evs = events::list(t.store.connection()).unwrap();
    let last = evs.last().unwrap();
    assert_eq!(last.event_type, "reception.checked_in.v1");
    assert_eq!(last.sync_state, "pending");
    assert_eq!(uuid::Uuid::parse_str(&last.event_id).unwrap().get_version_num(), 7);
    let c = t.store.counts(&s).unwrap();
    assert_eq!(c.visits, 2);
    assert_eq!(c.per_programme.iter().find(|p| p.programme_code == "55").unwrap().received, 2);

    let again = t.store.check_in(&t.actor, now(), &req).unwrap_err();
    assert!(matches!(again, StoreError::AlreadyCheckedIn { reception_no: 2, .. }), "{again:?}");
}

#[test]
fn a_refused_write_changes_nothing() {
    let mut t = seeded("refused", 10);
    let s = session_with(&t, &["55"]);
    add_resident(&mut t, "9000000020", "サン", Sex::Male, NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(), false);
    let before = (table_count(&t, "events"), table_count(&t, "access_log"), table_count(&t, "visits"));
    let base = CheckInRequest {
        session_id: s.clone(),
        resident_id: "9000000020".into(),
        identity_method: IdentityMethod::VoucherOnly,
        copay: standard(),
        screenings: vec![screening("55")],
    };
    let cases: Vec<(CheckInRequest, &str)> = vec![
        (CheckInRequest { screenings: vec![], ..base.clone() }, "NO_SCREENING_CHOSEN"),
        (CheckInRequest { screenings: vec![screening("55"), screening("55")], ..base.clone() }, "DUPLICATE_SCREENING"),
        (CheckInRequest { screenings: vec![screening("XX")], ..base.clone() }, "PROGRAMME_NOT_OFFERED"),
        (
            CheckInRequest {
                screenings: vec![ScreeningInput { status: ScreeningStatus::Stopped, ..screening("55") }],
                ..base.clone()
            },
            "STOP_REASON_REQUIRED",
        ),
        (
            CheckInRequest {
                copay: CopayInput { category: CopayCategory::PublicAssistance, proof: "".into(), amount_yen: 0 },
                ..base.clone()
            },
            "EXEMPTION_PROOF_REQUIRED",
        ),
        (
            CheckInRequest {
                copay: CopayInput {
                    category: CopayCategory::PublicAssistance,
                    proof: "受給者証".into(),
                    amount_yen: 500,
                },
                ..base.clone()
            },
            "EXEMPT_COPAY_MUST_BE_ZERO",
        ),
        (CheckInRequest { resident_id: "nobody".into(), ..base.clone() }, "RESIDENT_NOT_FOUND"),
        (CheckInRequest { session_id: "nowhere".into(), ..base.clone() }, "SESSION_NOT_FOUND"),
    ];
    for (req, code) in cases {
        let err = t.store.check_in(&t.actor, now(), &req).unwrap_err();
        assert_eq!(err.code(), code, "{err:?}");
    }
    let after = (table_count(&t, "events"), table_count(&t, "access_log"), table_count(&t, "visits"));
    assert_eq!(before, after);
}

#[test]
fn eligibility_warnings_need_an_override_reason_which_is_recorded() {
    let mut t = seeded("override", 10);
    let s = session_with(&t, &["55"]);
    // 30 years old: too young for 大腸 (40+).
    add_resident(&mut t, "9000000030", "ワカイ", Sex::Male, NaiveDate::from_ymd_opt(1996, 5, 5).unwrap(), false);
    let mut req = CheckInRequest {
        session_id: s.clone(),
        resident_id: "9000000030".into(),
        identity_method: IdentityMethod::VoucherOnly,
        copay: standard(),
        screenings: vec![screening("55")],
    };
    assert_eq!(t.store.check_in(&t.actor, now(), &req).unwrap_err().code(), "OVERRIDE_REASON_REQUIRED");
    req.screenings[0].override_reason = Some("  医師の指示  ".into());
    let v = t.store.check_in(&t.actor, now(), &req).unwrap();
    assert_eq!(v.screenings[0].override_reason.as_deref(), Some("医師の指示"));
}

#[test]
fn screened_last_fiscal_year_warns_for_a_biennial_programme() {
    let mut t = seeded("interval", 10);
    let s = session_with(&t, &["53"]);
    add_resident(&mut t, "9000000031", "マエ", Sex::Male, NaiveDate::from_ymd_opt(1960, 5, 5).unwrap(), false);
    let h = ScreeningRecord { resident_id: "9000000031".into(), programme_code: "53".into(), fiscal_year: 2025 };
    crate::residents::insert_history(t.store.connection(), &h).unwrap();
    let card = t.store.resident_card(&t.actor, now(), "9000000031", &s).unwrap();
    let e = card.eligibility.iter().find(|e| e.programme.code == "53").unwrap();
    assert!(!e.eligibility.is_eligible());
    let json = serde_json::to_value(&e.eligibility.warnings).unwrap();
    assert_eq!(json[0]["kind"], "screened_too_recently");
}

#[test]
fn correction_and_cancel_are_new_events_and_the_projection_rebuilds_from_them() {
    let mut t = seeded("correct", 10);
    let s = session_with(&t, &["55"]);
    add_resident(&mut t, "9000000040", "ヨン", Sex::Male, NaiveDate::from_ymd_opt(1970, 1, 1).unwrap(), false);
    let req = CheckInRequest {
        session_id: s.clone(),
        resident_id: "9000000040".into(),
        identity_method: IdentityMethod::VoucherOnly,
        copay: standard(),
        screenings: vec![screening("55")],
    };
    let v = t.store.check_in(&t.actor, now(), &req).unwrap();
    let first_payload = events::list(t.store.connection()).unwrap().last().unwrap().payload.clone();

    let corr = CorrectionRequest {
        visit_id: v.visit_id.clone(),
        identity_method: IdentityMethod::InsuranceCard,
        copay: standard(),
        screenings: vec![ScreeningInput {
            status: ScreeningStatus::Stopped,
            stop_reason: Some("体調不良".into()),
            ..screening("55")
        }],
        reason: "".into(),
    };
    assert_eq!(t.store.correct(&t.actor, now(), &corr).unwrap_err().code(), "REASON_REQUIRED");
    let corr = CorrectionRequest { reason: "本人申出".into(), ..corr };
    let later = now() + Duration::minutes(5);
    let c = t.store.correct(&t.actor, later, &corr).unwrap();
    assert_eq!(c.screenings[0].status, ScreeningStatus::Stopped);
    assert_eq!(c.identity_method, IdentityMethod::InsuranceCard);
    assert_eq!(c.reception_no, v.reception_no);

    let evs = events::list(t.store.connection()).unwrap();
    let checked_in =
        evs.iter().find(|e| e.aggregate_id == v.visit_id && e.event_type == "reception.checked_in.v1").unwrap();
    assert_eq!(checked_in.payload, first_payload, "the original event changed");
    // Events cannot be edited or deleted while unsent.
    let conn = t.store.connection();
    assert!(conn.execute("UPDATE events SET payload = '{}' WHERE seq = ?1", [checked_in.seq]).is_err());
    assert!(conn.execute("DELETE FROM events WHERE seq = ?1", [checked_in.seq]).is_err());
    assert!(conn.execute("DELETE FROM access_log", []).is_err());

    let x = t.store.cancel(&t.actor, later, &v.visit_id, "二重受付").unwrap();
    assert_eq!(x.state, VisitState::Cancelled);
    assert_eq!(t.store.cancel(&t.actor, later, &v.visit_id, "again").unwrap_err().code(), "VISIT_CANCELLED");
    assert_eq!(t.store.counts(&s).unwrap().visits, 0);
    // Checked in again after a cancel: a new number.
    let again = t.store.check_in(&t.actor, later, &req).unwrap();
    assert_eq!(again.reception_no, v.reception_no + 1);

    let before = t.store.visits(&t.actor, later, &s).unwrap();
    crate::reception::rebuild_projection(t.store.connection_mut()).unwrap();
    let after = t.store.visits(&t.actor, later, &s).unwrap();
    assert_eq!(before, after);
}

#[test]
fn a_walk_in_is_provisional_searchable_and_cannot_be_exempted() {
    let mut t = seeded("walkin", 10);
    let s = session_with(&t, &["55"]);
    let req = WalkInRequest {
        name_kanji: "飛込　花子".into(),
        name_kana: "とびこみ はなこ".into(),
        sex: Sex::Female,
        birth_date: "昭和40年5月6日".into(),
        postal_code: "9200001".into(),
        address: "みなと市新町1-1".into(),
        phone: "".into(),
    };
    let bad = WalkInRequest { birth_date: "令和99年1月1日".into(), ..req.clone() };
    assert!(t.store.register_walk_in(&t.actor, now(), &bad).is_err());
    let bad = WalkInRequest { name_kana: "Hanako".into(), ..req.clone() };
    assert_eq!(t.store.register_walk_in(&t.actor, now(), &bad).unwrap_err().code(), "INVALID_KANA_QUERY");
    let w = t.store.register_walk_in(&t.actor, now(), &req).unwrap();
    assert!(w.provisional && w.resident_id.starts_with("P-"));
    assert_eq!(w.name_kana, "とびこみ はなこ", "the typed name was normalised");
    let hits = t.store.search_kana(&t.actor, now(), "トビコミ", Some("1965-05-06")).unwrap();
    assert_eq!(hits[0].resident_id, w.resident_id);
    let mut ci = CheckInRequest {
        session_id: s,
        resident_id: w.resident_id.clone(),
        identity_method: IdentityMethod::Verbal,
        copay: CopayInput {
            category: CopayCategory::TaxExemptHousehold, proof: "免除確認書".into(), amount_yen: 0
        },
        screenings: vec![screening("55")],
    };
    assert_eq!(t.store.check_in(&t.actor, now(), &ci).unwrap_err().code(), "PROVISIONAL_EXEMPTION_NOT_ALLOWED");
    ci.copay = standard();
    t.store.check_in(&t.actor, now(), &ci).unwrap();
    let ev = events::list(t.store.connection()).unwrap();
    assert!(ev.iter().any(|e| e.event_type == "resident.walk_in_registered.v1" && e.aggregate_id == w.resident_id));
}
