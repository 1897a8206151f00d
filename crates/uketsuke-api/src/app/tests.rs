use std::sync::Arc;

use chrono::{TimeZone, Utc};
use uketsuke_store::{DataDir, Keystore};

use super::*;
use crate::clock::FixedClock;

fn keystore(name: &str) -> Keystore {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap()));
    Keystore::new(&format!("uketsuke-api-test-{name}"))
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap()))
}

fn app(dir: &tempfile::TempDir, name: &str) -> App {
    App::start(DataDir::new(dir.path()), keystore(name), clock(), DemoOptions { residents: 200, seed: 1 })
}

fn staff_with(app: &App, role: uketsuke_core::Role) -> String {
    app.list_staff().unwrap().into_iter().find(|s| s.role == role).unwrap().staff_id
}

#[test]
fn first_start_creates_a_seeded_store_and_nothing_works_before_a_staff_member_is_chosen() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "first");
    let st = app.status();
    assert!(matches!(st.store, StoreState::Ready));
    assert!(st.staff.is_none() && st.allowed_actions.is_empty());
    assert_eq!(app.search_residents("ア", None).unwrap_err().code, "NOT_LOGGED_IN");
    assert_eq!(app.sessions().unwrap_err().code, "NOT_LOGGED_IN");
    let st = app.select_staff(&staff_with(&app, uketsuke_core::Role::Reception)).unwrap();
    assert!(st.allowed_actions.contains(&Action::CheckIn));
    assert!(!app.sessions().unwrap().is_empty());
    assert!(!app.search_residents("ア", None).unwrap().is_empty());
    app.sign_out();
    assert_eq!(app.lookup_voucher("12345678901").unwrap_err().code, "NOT_LOGGED_IN");
}

#[test]
fn roles_are_enforced_in_rust() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "roles");
    app.select_staff(&staff_with(&app, uketsuke_core::Role::Clerk)).unwrap();
    assert_eq!(app.search_residents("ア", None).unwrap_err().code, "FORBIDDEN");
    let session = app.sessions().unwrap()[0].session_id.clone();
    assert!(app.list_visits(&session).is_ok());
    app.select_staff(&staff_with(&app, uketsuke_core::Role::Administrator)).unwrap();
    assert_eq!(app.lookup_voucher("12345678901").unwrap_err().code, "FORBIDDEN");
    assert_eq!(app.select_staff("S9999").unwrap_err().code, "STAFF_NOT_FOUND");
}

#[test]
fn a_missing_key_is_reported_and_only_a_confirmed_reset_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let ks = keystore("reset");
    {
        let app = App::start(DataDir::new(dir.path()), ks.clone(), clock(), DemoOptions { residents: 50, seed: 1 });
        assert!(matches!(app.status().store, StoreState::Ready));
    }
    let meta = DataDir::new(dir.path()).read_meta().unwrap().unwrap();
    ks.delete(&meta.key_name()).unwrap();
    let app = App::start(DataDir::new(dir.path()), ks.clone(), clock(), DemoOptions { residents: 50, seed: 1 });
    match app.status().store {
        StoreState::Failed { error } => {
            assert_eq!(error.code, "STORE_KEY_MISSING");
            assert!(error.needs_reset);
        }
        StoreState::Ready => panic!("opened without its key"),
    }
    assert_eq!(app.list_staff().unwrap_err().code, "STORE_KEY_MISSING");
    assert_eq!(app.reset_local_cache("はい").unwrap_err().code, "RESET_NOT_CONFIRMED");
    let st = app.reset_local_cache("RESET").unwrap();
    assert!(matches!(st.store, StoreState::Ready));
    assert!(!app.list_staff().unwrap().is_empty());
}

#[test]
fn a_healthy_store_with_unsent_events_is_not_reset() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "pending");
    app.select_staff(&staff_with(&app, uketsuke_core::Role::Reception)).unwrap();
    let w = uketsuke_store::reception::WalkInRequest {
        name_kanji: "新規　太郎".into(),
        name_kana: "シンキ　タロウ".into(),
        sex: uketsuke_core::Sex::Male,
        birth_date: "1970-01-01".into(),
        postal_code: "".into(),
        address: "みなと市".into(),
        phone: "".into(),
    };
    app.register_walk_in(&w).unwrap();
    let err = app.reset_local_cache("RESET").unwrap_err();
    assert_eq!(err.code, "RESET_WOULD_LOSE_EVENTS");
    assert_eq!(err.details["pending"], "1");
}

#[test]
fn errors_serialise_as_code_message_details() {
    let e: ApiError = uketsuke_store::StoreError::AlreadyCheckedIn { reception_no: 3, visit_id: "v".into() }.into();
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["code"], "ALREADY_CHECKED_IN");
    assert_eq!(json["details"]["reception_no"], "3");
    assert!(json["message"].is_string());
}
