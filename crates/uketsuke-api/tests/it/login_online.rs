//! Login on an enrolled terminal against the real central service: the person's
//! authenticator (the demo city's software tokens, registered at the service and
//! kept in the terminal's data directory) is checked by the service online and
//! by the terminal offline, and again by the service when the log arrives; the
//! grace period rules offline logins, accounts disabled centrally are refused,
//! failed attempts count across terminals, and 個人番号 is fetched for one view.
//! Named after ASVS 5.0 requirements (docs/asvs.md).

use std::sync::Arc;

use chrono::{Duration, Utc};
use uketsuke_api::app::DemoOptions;
use uketsuke_api::{App, Clock, FixedClock, LoginRequest};
use uketsuke_store::DataDir;
use uketsuke_synctest::{session_am, Central, Terminal};

struct Desk {
    app: App,
    clock: Arc<FixedClock>,
    dir: tempfile::TempDir,
    keystore: uketsuke_store::Keystore,
}

/// An enrolled terminal with the demo staff's authenticators (synced once) and
/// the app on its data directory, on a clock the test moves.
async fn desk(central: &Central, name: &str) -> Desk {
    desk_with(central, name, true).await
}

/// [`desk`], with or without the demo staff's authenticators.
async fn desk_with(central: &Central, name: &str, authenticators: bool) -> Desk {
    let t = Terminal::enroll(central, name, &[session_am()]).await;
    if authenticators {
        central.give_demo_authenticators(t.dir.path(), name).await;
    }
    t.engine.sync_once(&t.store).await.unwrap();
    let Terminal { dir, keystore, store, .. } = t;
    drop(store);
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = App::start(
        DataDir::new(dir.path()),
        keystore.clone(),
        clock.clone(),
        DemoOptions { residents: 0, ..Default::default() },
    )
    // No security key is ever plugged in here: do not wait for one.
    .with_authenticator_wait(std::time::Duration::from_millis(200));
    assert!(!app.status().demo_mode);
    Desk { app, clock, dir, keystore }
}

impl Desk {
    async fn login_as(&self, staff_id: &str, password: &str) -> Result<(), String> {
        self.clock.set(self.clock.now() + Duration::seconds(31));
        let req = LoginRequest { staff_id: staff_id.into(), password: password.into() };
        self.app.login(&req).await.map(|_| ()).map_err(|e| e.code)
    }
    async fn login(&self, staff_id: &str) -> Result<(), String> {
        self.login_as(staff_id, uketsuke_demo::city::DEMO_PASSWORD).await
    }
    async fn sync(&self) {
        self.app.sync_once().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_6_3_3_offline_login_only_within_the_grace_period() {
    let mut central = Central::start().await;
    let d = desk(&central, "受付1").await;
    d.login("S0001").await.unwrap();
    let online_at: Option<chrono::DateTime<Utc>> = central
        .pool()
        .get()
        .await
        .unwrap()
        .query_one("SELECT last_online_login_at FROM staff WHERE staff_id = 'S0001'", &[])
        .await
        .unwrap()
        .get(0);
    assert!(online_at.is_some(), "the service recorded the online login");
    d.app.logout();
    // The LAN goes away.
    central.running.take().unwrap().stop().await.unwrap();
    d.clock.set(d.clock.now() + Duration::days(6));
    d.login("S0001").await.unwrap();
    d.app.logout();
    d.clock.set(d.clock.now() + Duration::days(2));
    assert_eq!(d.login("S0001").await.unwrap_err(), "AUTH_OFFLINE_GRACE_EXPIRED");
    // Someone who never logged in online on this terminal or anywhere: refused offline.
    assert_eq!(d.login("S0002").await.unwrap_err(), "AUTH_OFFLINE_GRACE_EXPIRED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_6_5_6_an_account_disabled_centrally_is_refused() {
    let central = Central::start().await;
    let d = desk(&central, "受付1").await;
    d.login("S0002").await.unwrap();
    d.app.logout();
    uketsuke_central::admin::set_staff_active(central.pool(), "S0002", false).await.unwrap();
    // Online: the service refuses it at once.
    assert_eq!(d.login("S0002").await.unwrap_err(), "AUTH_DISABLED");
    // And after the next sync the terminal itself knows (works offline too).
    d.sync().await;
    assert_eq!(d.login("S0002").await.unwrap_err(), "AUTH_FAILED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_6_3_1_failed_attempts_count_across_terminals_once_synced() {
    let central = Central::start().await;
    let a = desk(&central, "受付1").await;
    let b = desk(&central, "受付2").await;
    // Five free failures on terminal A (the default policy), shipped with its log.
    for _ in 0..5 {
        assert_eq!(a.login_as("S0003", "wrong-password-1").await.unwrap_err(), "AUTH_FAILED");
    }
    a.sync().await;
    let failures: i32 = central
        .pool()
        .get()
        .await
        .unwrap()
        .query_one("SELECT failed_attempts FROM staff WHERE staff_id = 'S0003'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(failures, 5);
    // Terminal B learns it: its very next failure is the sixth, and a wait starts
    // (30 s, doubling). Each login here moves B's clock 31 s, past the first wait:
    // the seventh failure's 60 s wait holds the next attempt. Without the service's count, two failures on B would still be free.
    b.sync().await;
    assert_eq!(b.login_as("S0003", "wrong-password-1").await.unwrap_err(), "AUTH_FAILED");
    assert_eq!(b.login_as("S0003", "wrong-password-1").await.unwrap_err(), "AUTH_FAILED");
    assert_eq!(b.login("S0003").await.unwrap_err(), "AUTH_THROTTLED");
    // An administrator unlocks centrally; after a sync, B lets the right password in.
    uketsuke_central::accounts::unlock(central.pool(), "S0003", Utc::now() + Duration::minutes(10)).await.unwrap();
    b.clock.set(b.clock.now() + Duration::minutes(10));
    b.sync().await;
    b.login("S0003").await.unwrap();
}

/// Online, the service verifies the person's assertion over its own challenge
/// at the login; offline, the terminal verifies it, and the service verifies the
/// evidence again when the log arrives. Both logins stand as verified; nothing
/// is flagged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_6_3_2_every_login_is_proven_by_the_persons_authenticator_online_and_offline() {
    let mut central = Central::start().await;
    let d = desk(&central, "受付1").await;
    d.login("S0001").await.unwrap();
    let online = "SELECT count(*) FROM verified_acts WHERE staff_id = 'S0001' AND action_kind = 'online_login'";
    assert_eq!(central.count(online).await, 1, "the service verified the online login itself");
    d.app.logout();
    // The LAN goes away: the terminal checks the assertion itself.
    let state = central.state.clone();
    central.running.take().unwrap().stop().await.unwrap();
    d.clock.set(d.clock.now() + Duration::hours(1));
    d.login("S0001").await.unwrap();
    d.app.logout();
    // Back online: the shipped log's logins are checked again by the service.
    central.restart_with(state).await;
    d.sync().await;
    let checks = "SELECT count(*) FROM login_checks WHERE staff_id = 'S0001' AND verified";
    assert_eq!(central.count(checks).await, 2);
    let hows = "SELECT count(DISTINCT how) FROM login_checks WHERE staff_id = 'S0001' AND verified";
    assert_eq!(central.count(hows).await, 2, "one online, one offline");
    let evidence = "SELECT count(*) FROM audit_entries WHERE operation = 'login_ok' AND detail LIKE 'offline {%'";
    assert_eq!(central.count(evidence).await, 1, "the offline login's evidence travelled in its entry");
    assert_eq!(central.count("SELECT count(*) FROM identity_flags").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_number_is_fetched_for_one_view_and_the_view_is_logged_on_both_ends() {
    let central = Central::start().await;
    let d = desk(&central, "受付1").await;
    let (resident, expected): (String, String) = {
        let row = central
            .pool()
            .get()
            .await
            .unwrap()
            .query_one("SELECT resident_id, my_number FROM residents WHERE my_number IS NOT NULL LIMIT 1", &[])
            .await
            .unwrap();
        (row.get(0), row.get(1))
    };
    // Reception staff without the permission: refused, and logged.
    d.login("S0001").await.unwrap();
    assert_eq!(d.app.view_my_number(&resident, "本人確認").await.unwrap_err().code, "MY_NUMBER_NOT_PERMITTED");
    d.app.logout();
    // The supervisor holds it (demo data); her authenticator signs the view.
    d.login("S0005").await.unwrap();
    assert_eq!(central.count("SELECT count(*) FROM my_number_views").await, 0);
    let shown = d.app.view_my_number(&resident, "本人確認のため").await.unwrap();
    assert_eq!(shown.my_number, expected);
    assert!(!format!("{shown:?}").contains(&expected), "Debug never prints it");
    let views = central.count("SELECT count(*) FROM my_number_views").await;
    assert_eq!(views, 1);
    // The service recorded whom it verified, with the evidence.
    let verified = central
        .count("SELECT count(*) FROM verified_acts WHERE staff_id = 'S0005' AND action_kind = 'my_number_view'")
        .await;
    assert_eq!(verified, 1);
    // The terminal's log has the view with its reason, never the number; the store holds it nowhere.
    let log = d.app.audit_log(&Default::default()).unwrap();
    let view = log.iter().find(|e| e.operation == "view_my_number").unwrap();
    assert_eq!(view.reason, "本人確認のため");
    assert_eq!(view.resident_id.as_deref(), Some(resident.as_str()));
    assert!(log.iter().all(|e| !e.detail.contains(&expected) && !e.reason.contains(&expected)));
    // After the sync the service holds the terminal's log too.
    d.sync().await;
    let shipped = central.count("SELECT count(*) FROM audit_entries WHERE operation = 'view_my_number'").await;
    assert_eq!(shipped, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_6_5_8_a_sync_teaches_the_terminal_the_service_time_a_login_checks_against() {
    let central = Central::start().await;
    let d = desk(&central, "受付1").await;
    // No login yet on this terminal: only the sync has seen the service's clock.
    d.sync().await;
    // The terminal's clock is set back an hour (to replay an old code offline).
    d.clock.set(Utc::now() - Duration::hours(1));
    assert_eq!(d.login("S0001").await.unwrap_err(), "AUTH_CLOCK_ROLLBACK");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_6_2_2_and_6_2_3_staff_change_their_own_password_with_the_current_one() {
    use uketsuke_api::app::PasswordChange;
    let mut central = Central::start().await;
    let a = desk(&central, "受付1").await;
    let b = desk(&central, "受付2").await;
    let change =
        |current: &str, new: &str| PasswordChange { current_password: current.into(), new_password: new.into() };
    let new_password = "さくら並木の受付テーブル";
    // Not logged in: refused before anything is checked.
    assert_eq!(
        a.app.change_password(&change(uketsuke_demo::city::DEMO_PASSWORD, new_password)).await.unwrap_err().code,
        "NOT_LOGGED_IN"
    );
    a.login("S0001").await.unwrap();
    // The policy, and the new one must differ.
    let demo = uketsuke_demo::city::DEMO_PASSWORD;
    let short = a.app.change_password(&change(demo, "short")).await.unwrap_err();
    assert_eq!(short.code, "PASSWORD_TOO_SHORT");
    let same = a.app.change_password(&change(demo, demo)).await.unwrap_err();
    assert_eq!(same.code, "PASSWORD_UNCHANGED");
    // A wrong current password is refused and counts as a failed login.
    let wrong = a.app.change_password(&change("not-the-password-at-all", new_password)).await.unwrap_err();
    assert_eq!(wrong.code, "PASSWORD_CURRENT_WRONG");
    assert_eq!(wrong.details.get("field").map(String::as_str), Some("current_password"));
    // The change.
    a.app.change_password(&change(uketsuke_demo::city::DEMO_PASSWORD, new_password)).await.unwrap();
    a.app.logout();
    // On this terminal at once, also offline; the old password no longer works.
    assert_eq!(a.login("S0001").await.unwrap_err(), "AUTH_FAILED");
    a.login_as("S0001", new_password).await.unwrap();
    a.app.logout();
    // Another terminal gets it with its next pull.
    b.sync().await;
    assert_eq!(b.login("S0001").await.unwrap_err(), "AUTH_FAILED");
    b.login_as("S0001", new_password).await.unwrap();
    b.app.logout();
    // The change and the wrong attempt are in the access log.
    a.login("S0005").await.unwrap();
    let log = a.app.audit_log(&Default::default()).unwrap();
    let ops: Vec<(&str, &str, &str)> =
        log.iter().map(|e| (e.staff_id.as_str(), e.operation.as_str(), e.detail.as_str())).collect();
    assert!(ops.contains(&("S0001", "password_change", "")), "{ops:?}");
    assert!(ops.contains(&("S0001", "login_fail", "password_change")), "{ops:?}");
    a.app.logout();
    // Offline: refused with its own code, nothing changed.
    central.running.take().unwrap().stop().await.unwrap();
    a.login_as("S0001", new_password).await.unwrap();
    let offline = a.app.change_password(&change(new_password, "もうひとつ別の長い合言葉")).await.unwrap_err();
    assert_eq!(offline.code, "PASSWORD_CHANGE_ONLINE_ONLY");
    a.app.logout();
    a.login_as("S0001", new_password).await.unwrap();
}

/// A supervisor's unlock at an enrolled, online terminal reaches the service only
/// with her own authenticator (the service verifies her, not the terminal), and
/// then holds on every terminal; with someone else's nothing is unlocked anywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_unlock_needs_the_supervisors_authenticator_and_holds_everywhere() {
    let central = Central::start().await;
    let d = desk(&central, "受付1").await;
    let locked = "SELECT count(*) FROM staff WHERE staff_id = 'S0003' AND locked";
    central
        .pool()
        .get()
        .await
        .unwrap()
        .execute("UPDATE staff SET locked = true, failed_attempts = 10 WHERE staff_id = 'S0003'", &[])
        .await
        .unwrap();
    d.sync().await;
    assert_eq!(d.login("S0003").await.unwrap_err(), "AUTH_LOCKED");
    d.login("S0005").await.unwrap();
    // A colleague's key in her hand: the service is never asked, nothing is unlocked.
    let colleague = d.dir.path().join("demo-authenticators/S0001.softtoken");
    d.app.set_authenticator(Box::new(uketsuke_identity::SoftAuthenticator::open_file(&colleague).unwrap()));
    assert_eq!(d.app.unlock_account("S0003").await.unwrap_err().code, "AUTHENTICATOR_NOT_RECOGNISED");
    assert_eq!(central.count(locked).await, 1);
    // Her own key (the demo token in the data directory).
    d.app.clear_authenticator();
    d.app.unlock_account("S0003").await.unwrap();
    assert_eq!(central.count(locked).await, 0, "unlocked on the service, for every terminal");
    d.app.logout();
    d.sync().await;
    d.login("S0003").await.unwrap();
}

/// A staff member with no authenticator yet registers one at the login screen of
/// an enrolled terminal (nobody logged in): the administrator's invitation and
/// her password, checked by the service, then the key. She logs in with it online
/// at once, and offline after the next sync brought its public credential.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_registers_her_own_authenticator_at_the_terminal_and_logs_in_with_it() {
    use uketsuke_api::app::AuthenticatorRegistration;
    let mut central = Central::start().await;
    let d = desk_with(&central, "受付1", false).await;
    // No authenticator anywhere: she cannot log in.
    assert_eq!(d.login("S0003").await.unwrap_err(), "AUTH_NO_AUTHENTICATOR");
    // Her key (the demo city's software token, whose root the demo service trusts).
    let (token, model) = uketsuke_identity::SoftAuthenticator::new().unwrap();
    uketsuke_central::identity::authenticators::trust_demo_ca(central.pool(), &model.ca_pem).await.unwrap();
    let tokens = d.dir.path().join(uketsuke_api::app::DEMO_AUTHENTICATORS);
    std::fs::create_dir_all(&tokens).unwrap();
    token.save(&tokens.join("S0003.softtoken")).unwrap();
    let invite =
        uketsuke_central::identity::authenticators::invite(central.pool(), "S0003", Duration::hours(1), Utc::now())
            .await
            .unwrap();
    let request = |code: &str, password: &str| AuthenticatorRegistration {
        staff_id: "s0003".into(),
        invite_code: code.into(),
        password: password.into(),
        label: "指紋キー".into(),
    };
    let registered = "SELECT count(*) FROM staff_authenticators WHERE staff_id = 'S0003'";
    // A wrong code or a wrong password: refused alike, nothing registered.
    let wrong_code =
        d.app.register_authenticator(&request("AAAA-BBBB-CCCC-DDDD", uketsuke_demo::city::DEMO_PASSWORD)).await;
    assert_eq!(wrong_code.unwrap_err().code, "REGISTRATION_REFUSED");
    let wrong_password = d.app.register_authenticator(&request(&invite.code, "not-her-password")).await;
    assert_eq!(wrong_password.unwrap_err().code, "REGISTRATION_REFUSED");
    assert_eq!(central.count(registered).await, 0);
    // Missing fields never reach the service.
    let missing = d
        .app
        .register_authenticator(&AuthenticatorRegistration { label: " ".into(), ..request(&invite.code, "x") })
        .await;
    assert_eq!(missing.unwrap_err().details.get("field").map(String::as_str), Some("label"));
    // Right: registered, under her name, with the policy's model.
    let done = d.app.register_authenticator(&request(&invite.code, uketsuke_demo::city::DEMO_PASSWORD)).await.unwrap();
    assert_eq!((done.staff_id.as_str(), done.label.as_str()), ("S0003", "指紋キー"));
    assert_eq!(done.model, "ソフトウェア認証器（デモ）");
    assert_eq!(central.count(registered).await, 1);
    // The invitation is spent.
    let again = d.app.register_authenticator(&request(&invite.code, uketsuke_demo::city::DEMO_PASSWORD)).await;
    assert_eq!(again.unwrap_err().code, "REGISTRATION_REFUSED");
    // Online at once.
    d.login("S0003").await.unwrap();
    d.app.logout();
    // The sync brings the public credential; offline she logs in with it, and the
    // service verifies that login when the log arrives.
    d.sync().await;
    let state = central.state.clone();
    central.running.take().unwrap().stop().await.unwrap();
    d.login("S0003").await.unwrap();
    d.app.logout();
    central.restart_with(state).await;
    d.sync().await;
    let verified = "SELECT count(*) FROM login_checks WHERE staff_id = 'S0003' AND verified AND how = 'offline'";
    assert_eq!(central.count(verified).await, 1);
    let shipped =
        "SELECT count(*) FROM audit_entries WHERE operation = 'authenticator_register' AND staff_id = 'S0003'";
    assert_eq!(central.count(shipped).await, 1);
    assert_eq!(central.count("SELECT count(*) FROM identity_flags").await, 0, "nothing unexplained");
}

/// A store that belongs to an enrollment never turns into a demo store: with its
/// `enrollment.json` gone, the window says so, nobody logs in, and no demo
/// account or authenticator appears in the synced store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrolled_store_without_its_enrollment_is_a_clear_error_not_a_demo() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    let Terminal { dir, keystore, store, .. } = t;
    drop(store);
    std::fs::remove_file(dir.path().join(uketsuke_sync::enrollment::ENROLLMENT_FILE)).unwrap();
    let app = App::start(
        DataDir::new(dir.path()),
        keystore,
        Arc::new(FixedClock::new(Utc::now())),
        DemoOptions { residents: 50, ..Default::default() },
    );
    match app.status().store {
        uketsuke_api::app::StoreState::Failed { error } => assert_eq!(error.code, "ENROLLMENT_UNUSABLE"),
        other => panic!("opened as {other:?}"),
    }
    let req = LoginRequest { staff_id: "S0001".into(), password: uketsuke_demo::city::DEMO_PASSWORD.into() };
    assert_eq!(app.login(&req).await.unwrap_err().code, "ENROLLMENT_UNUSABLE");
    assert!(!dir.path().join(uketsuke_api::app::DEMO_AUTHENTICATORS).exists(), "no demo tokens were made");
}

/// The counter of an online login, which the service verified, is noted here
/// too: a copy of the key taken before it cannot log in offline afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_login_moves_the_terminals_counter_so_a_copied_key_fails_offline() {
    let mut central = Central::start().await;
    let d = desk(&central, "受付1").await;
    let token = d.dir.path().join(uketsuke_api::app::DEMO_AUTHENTICATORS).join("S0001.softtoken");
    let copy = std::fs::read(&token).unwrap();
    d.login("S0001").await.unwrap();
    d.app.logout();
    central.running.take().unwrap().stop().await.unwrap();
    d.app.set_authenticator(Box::new(uketsuke_identity::SoftAuthenticator::from_bytes(&copy).unwrap()));
    assert_eq!(d.login("S0001").await.unwrap_err(), "IDENTITY_COUNTER_REGRESSED");
    // The real key goes on.
    d.app.clear_authenticator();
    d.login("S0001").await.unwrap();
}

/// An enrolled store's unshipped access log is not dropped quietly: a reset is
/// refused unless an administrator the service verified at this login confirms
/// it, and the new store's log begins with the reset, which the service flags.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_never_drops_an_unshipped_log_quietly() {
    let mut central = Central::start().await;
    let d = desk(&central, "受付1").await;
    let state = central.state.clone();
    d.login("S0006").await.unwrap();
    d.app.logout();
    // Offline: the administrator is checked here only; her logins are not yet shipped.
    central.running.take().unwrap().stop().await.unwrap();
    d.login("S0006").await.unwrap();
    let refused = d.app.reset_local_cache("RESET").unwrap_err();
    assert_eq!(refused.code, "RESET_WOULD_LOSE_LOG");
    assert!(refused.details["entries"].parse::<i64>().unwrap() > 0);
    assert!(matches!(d.app.status().store, uketsuke_api::StoreState::Ready), "nothing was set aside");
    d.app.logout();
    // Online, verified by the service: the reset goes ahead and says so.
    central.restart_with(state).await;
    d.login("S0006").await.unwrap();
    let st = d.app.reset_local_cache("RESET").unwrap();
    assert!(matches!(st.store, uketsuke_api::StoreState::Ready));
    assert!(st.staff.is_none(), "the session ends with its store");
    assert!(!st.demo_mode, "the new store belongs to the enrollment too");
    // The new chain's K_0 was sealed to the service from its first entry (the reset's).
    let store = uketsuke_store::Store::open_existing(&DataDir::new(d.dir.path()), &d.keystore).unwrap();
    let (start, escrow) = uketsuke_store::audit::mac_escrow(store.connection()).unwrap().unwrap();
    assert_eq!(start, 1);
    assert!(escrow.clear().is_none(), "never in clear, even before the new store's first pull");
    drop(store);
    d.sync().await;
    let flagged = "SELECT count(*) FROM identity_flags WHERE code = 'LOCAL_RESET' AND staff_id = 'S0006'";
    assert_eq!(central.count(flagged).await, 1);
    let first = "SELECT count(*) FROM audit_entries WHERE operation = 'local_reset' AND seq = 1";
    assert_eq!(central.count(first).await, 1, "the new chain begins with the reset");
    let replaced = "SELECT count(*) FROM audit_flags WHERE kind = 'chain_replaced' AND detail LIKE '%after a reset%'";
    assert_eq!(central.count(replaced).await, 1, "the old chain's end is flagged, explained");
}
