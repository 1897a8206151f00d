use std::sync::Arc;

use chrono::{TimeZone, Utc};
use uketsuke_store::{DataDir, Keystore};

use super::*;
use crate::clock::FixedClock;
use crate::error::ApiResult;
use crate::login::LoginRequest;

fn keystore(name: &str) -> Keystore {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap()));
    Keystore::new(&format!("uketsuke-api-test-{name}"))
}

fn clock() -> Arc<FixedClock> {
    Arc::new(FixedClock::new(Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap()))
}

/// An app on a fixed clock the test moves.
struct Fixture {
    app: App,
    clock: Arc<FixedClock>,
}

impl std::ops::Deref for Fixture {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

fn app(dir: &tempfile::TempDir, name: &str) -> Fixture {
    fixture(dir, keystore(name), 200)
}

fn fixture(dir: &tempfile::TempDir, ks: Keystore, residents: usize) -> Fixture {
    let clock = clock();
    let app = App::start(
        DataDir::new(dir.path()),
        ks,
        clock.clone(),
        DemoOptions { residents, seed: 1, password_params: uketsuke_auth::Argon2Params::for_test_fixtures() },
    );
    Fixture { app, clock }
}

/// The demo staff member with this role (demo data: S0001 reception, S0004
/// clerk, S0005 supervisor, S0006 administrator).
fn staff_with(role: uketsuke_core::Role) -> String {
    uketsuke_demo::city::staff().into_iter().find(|s| s.role == role && s.active).unwrap().staff_id
}

/// Log in as a demo staff member with the demo password; their authenticator is
/// their demo software token in the data directory. Moves the clock 30 s first.
fn login(app: &Fixture, staff_id: &str) -> ApiResult<AppStatus> {
    login_with(app, staff_id, uketsuke_demo::city::DEMO_PASSWORD)
}

fn login_with(app: &Fixture, staff_id: &str, password: &str) -> ApiResult<AppStatus> {
    let fixed = &app.clock;
    fixed.set(fixed.now() + chrono::Duration::seconds(30));
    let req = LoginRequest { staff_id: staff_id.into(), password: password.into() };
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(app.login(&req))
}

/// The demo software token of `staff_id` in the fixture's data directory.
fn token_file(dir: &tempfile::TempDir, staff_id: &str) -> std::path::PathBuf {
    dir.path().join(DEMO_AUTHENTICATORS).join(format!("{staff_id}.softtoken"))
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
    let st = login(&app, &staff_with(uketsuke_core::Role::Reception)).unwrap();
    assert!(st.allowed_actions.contains(&Action::CheckIn));
    assert!(!app.sessions().unwrap().is_empty());
    assert!(!app.search_residents("ア", None).unwrap().is_empty());
    app.logout();
    assert_eq!(app.lookup_voucher("12345678901").unwrap_err().code, "NOT_LOGGED_IN");
}

/// The other tests' demo stores hash the demo password cheaply (a debug build's
/// `Argon2Params::for_test_fixtures`); the demo the README starts, with default
/// options, keeps the production cost, and its staff log in with it.
#[test]
fn the_default_demo_store_hashes_with_the_production_cost_and_logs_in() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let options = DemoOptions { residents: 50, ..DemoOptions::default() };
    let app = App::start(DataDir::new(dir.path()), keystore("production-cost"), clock.clone(), options);
    let app = Fixture { app, clock };
    let staff = staff_with(uketsuke_core::Role::Reception);
    let hash = |app: &Fixture| {
        app.with_store(|s| Ok(uketsuke_store::accounts::account(s.connection(), &staff)?))
            .unwrap()
            .and_then(|a| a.password_hash)
            .unwrap()
    };
    let production = hash(&app);
    assert!(production.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"), "{production}");
    login(&app, &staff).unwrap();

    let fast = tempfile::tempdir().unwrap();
    let app = self::app(&fast, "fixture-cost");
    let fixture = hash(&app);
    assert!(fixture.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"), "{fixture}");
    login(&app, &staff).unwrap();
}

#[test]
fn roles_are_enforced_in_rust() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "roles");
    login(&app, &staff_with(uketsuke_core::Role::Clerk)).unwrap();
    assert_eq!(app.search_residents("ア", None).unwrap_err().code, "FORBIDDEN");
    let session = app.sessions().unwrap()[0].session_id.clone();
    assert!(app.list_visits(&session).is_ok());
    app.logout();
    login(&app, &staff_with(uketsuke_core::Role::Administrator)).unwrap();
    assert_eq!(app.lookup_voucher("12345678901").unwrap_err().code, "FORBIDDEN");
}

#[test]
fn a_missing_key_is_reported_and_only_a_confirmed_reset_starts_over() {
    let dir = tempfile::tempdir().unwrap();
    let ks = keystore("reset");
    {
        let app = fixture(&dir, ks.clone(), 50);
        let store = app.status().store;
        assert!(matches!(store, StoreState::Ready), "{store:?}");
    }
    let meta = DataDir::new(dir.path()).read_meta().unwrap().unwrap();
    ks.delete(&meta.key_name()).unwrap();
    let app = fixture(&dir, ks.clone(), 50);
    match app.status().store {
        StoreState::Failed { error } => {
            assert_eq!(error.code, "STORE_KEY_MISSING");
            assert!(error.needs_reset);
        }
        StoreState::Ready => panic!("opened without its key"),
    }
    assert_eq!(login(&app, "S0001").unwrap_err().code, "STORE_KEY_MISSING");
    assert_eq!(app.reset_local_cache("はい").unwrap_err().code, "RESET_NOT_CONFIRMED");
    let st = app.reset_local_cache("RESET").unwrap();
    assert!(matches!(st.store, StoreState::Ready));
    assert!(login(&app, "S0001").is_ok());
}

#[test]
fn a_healthy_store_with_unsent_events_is_not_reset() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "pending");
    login(&app, &staff_with(uketsuke_core::Role::Reception)).unwrap();
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
    app.logout();
    login(&app, &staff_with(uketsuke_core::Role::Administrator)).unwrap();
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

// --- Login (issue 4). Tests are named after the ASVS 5.0 requirement they prove;
// docs/asvs.md maps each requirement to its tests.

fn audit_ops(app: &Fixture) -> Vec<(String, String, String)> {
    // Read as the store sees it (not through the supervisor view, which logs itself).
    app.with_store(|s| Ok(uketsuke_store::audit::list(s.connection(), None, 1000)?))
        .unwrap()
        .into_iter()
        .map(|e| (e.staff_id, e.operation, e.detail))
        .collect()
}

#[test]
fn asvs_6_3_8_unknown_id_and_wrong_password_are_refused_alike() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "enum");
    let unknown = login_with(&app, "S9999", "whatever-password").unwrap_err();
    let wrong_pw = login_with(&app, "S0001", "not-the-password").unwrap_err();
    let disabled = login(&app, "S0007").unwrap_err();
    for e in [&unknown, &wrong_pw, &disabled] {
        assert_eq!((e.code.as_str(), e.message.as_str()), (unknown.code.as_str(), unknown.message.as_str()));
        assert!(e.details.is_empty(), "nothing tells which part was wrong");
    }
    assert_eq!(unknown.code, "AUTH_FAILED");
    // The log says what happened; an unknown id is not written as typed.
    let log = audit_ops(&app);
    assert!(log.iter().any(|(s, op, d)| s == "(unknown)" && op == "login_fail" && d == "unknown_id"));
    assert!(log.iter().any(|(s, op, d)| s == "S0001" && op == "login_fail" && d == "password"));
    assert!(log.iter().any(|(s, op, d)| s == "S0007" && op == "login_fail" && d == "disabled"));
    assert!(!log.iter().any(|(s, _, _)| s == "S9999"));
}

#[test]
fn asvs_6_3_1_the_authenticator_comes_first_and_another_persons_key_learns_nothing_about_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "wrongkey");
    // S0002 is at the desk with S0001's key (their demo token): refused before
    // the password is looked at, whether it is right or wrong.
    let theirs = uketsuke_identity::SoftAuthenticator::open_file(&token_file(&dir, "S0001")).unwrap();
    app.set_authenticator(Box::new(theirs));
    for password in [uketsuke_demo::city::DEMO_PASSWORD, "not-the-password"] {
        let e = login_with(&app, "S0002", password).unwrap_err();
        assert_eq!(e.code, "AUTHENTICATOR_NOT_RECOGNISED", "{e:?}");
    }
    assert!(app.status().staff.is_none());
    let log = audit_ops(&app);
    let s0002: Vec<&str> = log.iter().filter(|(s, _, _)| s == "S0002").map(|(_, _, d)| d.as_str()).collect();
    assert_eq!(s0002, ["authenticator_not_theirs", "authenticator_not_theirs"], "counted, never 'password'");
}

#[test]
fn a_login_without_the_persons_authenticator_is_refused_with_its_own_code() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&dir, "nokey");
    app.app = std::mem::replace(
        &mut app.app,
        App::unavailable(DataDir::new(dir.path()), keystore("x"), clock(), ApiError::store_unavailable()),
    )
    .with_authenticator_wait(std::time::Duration::from_millis(200));
    // The token is gone from this terminal and no key is plugged in.
    std::fs::remove_file(token_file(&dir, "S0001")).unwrap();
    let e = login(&app, "S0001").unwrap_err();
    assert_eq!(e.code, "AUTHENTICATOR_NOT_FOUND", "{e:?}");
    assert!(app.status().staff.is_none());
    assert!(audit_ops(&app)
        .iter()
        .any(|(s, op, d)| s == "S0001" && op == "login_fail" && d == "authenticator_not_found"));
}

#[test]
fn asvs_6_3_1_backoff_then_lock_and_a_supervisor_unlocks() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(&dir, "lockout");
    app.app = std::mem::replace(
        &mut app.app,
        App::unavailable(DataDir::new(dir.path()), keystore("x"), clock(), ApiError::store_unavailable()),
    )
    .with_policy(crate::login::LoginPolicy {
        lockout: uketsuke_auth::LockoutPolicy {
            free_attempts: 2,
            base_delay: chrono::Duration::seconds(60),
            max_delay: chrono::Duration::minutes(15),
            hard_lock_after: 4,
        },
        ..Default::default()
    });
    // Two free failures (each login moves the clock 30 s).
    for _ in 0..2 {
        assert_eq!(login_with(&app, "S0002", "wrong-password-123").unwrap_err().code, "AUTH_FAILED");
    }
    // The third failure starts a 60 s wait; 30 s later even the right password is refused unchecked.
    assert_eq!(login_with(&app, "S0002", "wrong-password-123").unwrap_err().code, "AUTH_FAILED");
    let wait = login(&app, "S0002").unwrap_err();
    assert_eq!(wait.code, "AUTH_THROTTLED");
    assert!(wait.details["wait_seconds"].parse::<i64>().unwrap() > 0);
    // After the wait, a fourth failure locks the account; the right password no longer helps.
    app.clock.set(app.clock.now() + chrono::Duration::minutes(2));
    assert_eq!(login_with(&app, "S0002", "wrong-password-123").unwrap_err().code, "AUTH_FAILED");
    app.clock.set(app.clock.now() + chrono::Duration::hours(1));
    assert_eq!(login(&app, "S0002").unwrap_err().code, "AUTH_LOCKED");
    assert!(audit_ops(&app).iter().any(|(s, op, _)| s == "S0002" && op == "account_locked"));
    // Reception staff may not unlock; a supervisor may, and that is logged.
    login(&app, "S0001").unwrap();
    let unlock = |id: &str| {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(app.unlock_account(id))
    };
    assert_eq!(unlock("S0002").unwrap_err().code, "FORBIDDEN");
    app.logout();
    login(&app, "S0005").unwrap();
    unlock("S0002").unwrap();
    app.logout();
    login(&app, "S0002").unwrap();
    assert!(audit_ops(&app).iter().any(|(s, op, d)| s == "S0005" && op == "account_unlock" && d == "S0002"));
}

#[test]
fn asvs_6_5_1_a_copied_authenticator_whose_counter_went_back_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "clone");
    // A copy of S0001's token taken now, before their next logins.
    let copy = std::fs::read(token_file(&dir, "S0001")).unwrap();
    login(&app, "S0001").unwrap();
    app.logout();
    login(&app, "S0001").unwrap();
    app.logout();
    // The copy signs with a counter this terminal has already seen pass.
    app.set_authenticator(Box::new(uketsuke_identity::SoftAuthenticator::from_bytes(&copy).unwrap()));
    let e = login(&app, "S0001").unwrap_err();
    assert_eq!(e.code, "IDENTITY_COUNTER_REGRESSED", "{e:?}");
    assert!(audit_ops(&app).iter().any(|(s, op, d)| s == "S0001" && op == "login_fail" && d == "counter_regressed"));
}

#[test]
fn a_demo_login_is_recorded_as_a_demo_login() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "demo-detail");
    login(&app, "S0001").unwrap();
    let log = audit_ops(&app);
    let (_, _, detail) = log.iter().find(|(s, op, _)| s == "S0001" && op == "login_ok").unwrap();
    assert_eq!(detail, "demo");
}

#[test]
fn asvs_7_3_1_an_idle_session_ends_and_data_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "idle");
    login(&app, "S0001").unwrap();
    app.clock.set(app.clock.now() + chrono::Duration::minutes(9));
    assert!(!app.sessions().unwrap().is_empty(), "activity within the timeout keeps the session");
    app.clock.set(app.clock.now() + chrono::Duration::minutes(11));
    assert_eq!(app.sessions().unwrap_err().code, "NOT_LOGGED_IN");
    let st = app.status();
    assert!(st.staff.is_none());
    assert_eq!(st.session_ended, Some(LogoutReason::Idle));
    assert!(audit_ops(&app).iter().any(|(s, op, d)| s == "S0001" && op == "logout" && d == "idle"));
}

#[test]
fn asvs_8_2_1_refusals_are_logged_and_the_audit_view_is_for_supervisors() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "refuse");
    login(&app, "S0001").unwrap();
    assert_eq!(app.audit_log(&Default::default()).unwrap_err().code, "FORBIDDEN");
    assert!(audit_ops(&app).iter().any(|(s, op, d)| s == "S0001" && op == "refused" && d == "view_audit_log"));
    app.search_residents("ア", None).unwrap();
    app.logout();
    login(&app, "S0005").unwrap();
    // The supervisor sees S0001's own actions, filtered, and their own look is logged.
    let mine = app.audit_log(&AuditQuery { staff_id: Some("S0001".into()), ..Default::default() }).unwrap();
    let ops: Vec<&str> = mine.iter().map(|e| e.operation.as_str()).collect();
    for op in ["login_ok", "refused", "search_kana", "logout"] {
        assert!(ops.contains(&op), "{op} in {ops:?}");
    }
    assert!(mine.iter().all(|e| e.staff_id == "S0001"));
    let logins = app.audit_log(&AuditQuery { operation: Some("login_ok".into()), ..Default::default() }).unwrap();
    assert!(logins.iter().all(|e| e.operation == "login_ok") && logins.len() >= 2);
    assert_eq!(
        app.audit_log(&AuditQuery { from: Some("24/11/2026".into()), ..Default::default() }).unwrap_err().code,
        "DATE_INVALID"
    );
    assert!(audit_ops(&app).iter().any(|(s, op, _)| s == "S0005" && op == "view_audit"));
}

#[test]
fn asvs_16_4_2_the_local_log_is_a_verifiable_chain() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "chain");
    login(&app, "S0001").unwrap();
    app.search_residents("ア", None).unwrap();
    app.logout();
    let ok = app.with_store(|s| Ok(uketsuke_store::audit::verify_local(s.connection())?)).unwrap();
    assert_eq!(ok, Ok(()));
    // Someone with the database key edits an entry (past the trigger): the chain says where.
    let err = app
        .with_store(|s| {
            let c = s.connection();
            c.execute_batch(
                "DROP TRIGGER access_log_is_append_only_update;
                 UPDATE access_log SET detail = 'nothing to see' WHERE operation = 'search_kana';",
            )
            .map_err(uketsuke_store::StoreError::from)?;
            Ok(uketsuke_store::audit::verify_local(c)?)
        })
        .unwrap()
        .unwrap_err();
    assert_eq!(err.kind, uketsuke_auth::ChainErrorKind::HashMismatch);
}

#[test]
fn my_number_is_refused_without_permission_and_offline() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "mynumber");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    login(&app, "S0001").unwrap();
    assert!(!app.status().my_number_permission);
    assert_eq!(rt.block_on(app.view_my_number("0000000001", "確認")).unwrap_err().code, "MY_NUMBER_NOT_PERMITTED");
    app.logout();
    login(&app, "S0005").unwrap();
    assert!(app.status().my_number_permission);
    assert_eq!(rt.block_on(app.view_my_number("0000000001", " ")).unwrap_err().code, "REASON_REQUIRED");
    // A demo terminal has no central service: never a number.
    assert_eq!(rt.block_on(app.view_my_number("0000000001", "本人確認")).unwrap_err().code, "MY_NUMBER_ONLINE_ONLY");
    assert!(audit_ops(&app).iter().any(|(s, op, _)| s == "S0001" && op == "refused"));
}

#[test]
fn asvs_6_5_8_a_clock_moved_back_is_refused_for_login() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "rollback");
    login(&app, "S0001").unwrap();
    app.logout();
    // Someone sets the terminal's clock back an hour (to stretch the offline
    // grace period or shorten a lockout wait).
    app.clock.set(app.clock.now() - chrono::Duration::hours(1));
    let req = LoginRequest { staff_id: "S0002".into(), password: uketsuke_demo::city::DEMO_PASSWORD.into() };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    assert_eq!(rt.block_on(app.login(&req)).unwrap_err().code, "AUTH_CLOCK_ROLLBACK");
    assert!(audit_ops(&app).iter().any(|(_, op, d)| op == "login_fail" && d == "clock_rollback"));
}

#[test]
fn an_account_bound_to_another_os_user_cannot_log_in_here() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "osbind");
    let me = crate::login::os_user();
    app.with_store(|s| {
        s.connection()
            .execute("UPDATE staff SET os_account = 'somebody-else' WHERE staff_id = 'S0002'", [])
            .map_err(uketsuke_store::StoreError::from)?;
        s.connection()
            .execute("UPDATE staff SET os_account = ?1 WHERE staff_id = 'S0003'", [&me])
            .map_err(uketsuke_store::StoreError::from)?;
        Ok(())
    })
    .unwrap();
    assert_eq!(login(&app, "S0002").unwrap_err().code, "AUTH_FAILED");
    assert!(audit_ops(&app).iter().any(|(s, op, d)| s == "S0002" && op == "login_fail" && d == "os_account"));
    login(&app, "S0003").unwrap();
}

#[test]
fn before_login_the_sync_bar_shows_counts_only() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(&dir, "sync-counts");
    login(&app, "S0001").unwrap();
    let w = uketsuke_store::reception::WalkInRequest {
        name_kanji: "新規　花子".into(),
        name_kana: "シンキ　ハナコ".into(),
        sex: uketsuke_core::Sex::Female,
        birth_date: "1970-01-01".into(),
        postal_code: "".into(),
        address: "みなと市".into(),
        phone: "".into(),
    };
    app.register_walk_in(&w).unwrap();
    app.logout();
    // The service refused it, naming the resident in its reason.
    app.with_store(|s| {
        s.connection()
            .execute(
                "UPDATE events SET sync_state = 'rejected', sync_error = 'RESIDENT_CONFLICT: 0001000123 シンキ　ハナコ'",
                [],
            )
            .map_err(uketsuke_store::StoreError::from)?;
        uketsuke_store::sync::record_failure(s.connection(), app.clock.now(), "X", "about 0001000123")?;
        Ok(())
    })
    .unwrap();
    let before = app.sync_view();
    assert_eq!(before.status.rejected_count, 1);
    assert!(before.status.rejected.is_empty());
    assert_eq!(before.status.last_error_message, None);
    assert!(!serde_json::to_string(&before).unwrap().contains("0001000123"));
    login(&app, "S0001").unwrap();
    let after = app.sync_view();
    assert_eq!(after.status.rejected.len(), 1);
    assert!(after.status.rejected[0].error.contains("0001000123"));
}

fn wal_len(dir: &tempfile::TempDir) -> u64 {
    let wal = dir.path().join(format!("{}-wal", uketsuke_store::db::DB_FILE));
    std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
}

#[test]
fn the_upkeep_folds_the_wal_a_moment_after_work_and_logout_folds_it_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let f = app(&dir, "wal-upkeep");
    login(&f, "S0001").unwrap();
    f.search_residents("ア", None).unwrap();
    assert!(wal_len(&dir) > 0, "the search's log entry went to the WAL");
    let Fixture { app, clock: _ } = f;
    let app = Arc::new(app);
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let upkeep = tokio::spawn(crate::run_wal_upkeep(app.clone()));
        // Nobody touches the terminal: the upkeep empties the WAL within a few rounds.
        let mut empty = false;
        for _ in 0..100 {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            if wal_len(&dir) == 0 {
                empty = true;
                break;
            }
        }
        assert!(empty, "the WAL was folded in by the upkeep");
        upkeep.abort();
    });
    // Dropping the runtime waits for a fold already running on its blocking pool.
    drop(rt);
    // Without the upkeep, the end of the session folds it.
    app.search_residents("イ", None).unwrap();
    assert!(wal_len(&dir) > 0);
    app.logout();
    assert_eq!(wal_len(&dir), 0, "logout leaves an empty WAL");
}
