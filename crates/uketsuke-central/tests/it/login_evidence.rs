//! Every offline login is provable later. A hostile client holds an enrolled
//! terminal's device key and store (it can write any access-log entry and any
//! event, and ship them with valid checkpoints), but no staff member's
//! authenticator. The service verifies each `login_ok` it receives against what
//! the person's authenticator signed, flags what it cannot verify, resets no
//! failure count for it, and flags the entries and events of sessions no
//! verified login opened.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use uketsuke_identity::{bound_challenge, fresh_nonce, Action, Authenticator, LoginEvidence, PublicCredential};
use uketsuke_protocol::{audit_ops as ops, LoginDetail};
use uketsuke_sync::identity::{prove, SharedAuthenticator};
use uketsuke_synctest::{now, session_am, Central, Terminal};

const STAFF: &str = "S0001";

/// What an honest terminal does for an offline login: its own nonce, the
/// person's authenticator signing `OfflineLogin { staff_id, at }` bound to this
/// terminal's certificate.
async fn offline_evidence(
    central: &Central,
    t: &Terminal,
    token: &mut dyn Authenticator,
    staff_id: &str,
    at: &str,
) -> LoginEvidence {
    let json: String = central
        .pool()
        .get()
        .await
        .unwrap()
        .query_one("SELECT credential::text FROM staff_authenticators WHERE staff_id = $1 LIMIT 1", &[&staff_id])
        .await
        .unwrap()
        .get(0);
    let credential = PublicCredential::from_json(&json).unwrap();
    let nonce = fresh_nonce();
    let action = Action::OfflineLogin { staff_id: staff_id.into(), at: at.into() };
    let challenge = bound_challenge(&nonce, &t.enrollment.cert_sha256().unwrap(), &action);
    let rp = &central.state.identity.rp;
    let options = rp.request_options(&[credential], &challenge).unwrap();
    let assertion = token.assert(rp.origin(), options).unwrap();
    LoginEvidence { nonce: hex::encode(nonce), at: at.into(), assertion }
}

fn at(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

async fn flags(central: &Central, code: &str) -> i64 {
    central.count(&format!("SELECT count(*) FROM identity_flags WHERE code = '{code}'")).await
}

async fn failures(central: &Central, staff: &str) -> i32 {
    central
        .pool()
        .get()
        .await
        .unwrap()
        .query_one("SELECT failed_attempts FROM staff WHERE staff_id = $1", &[&staff])
        .await
        .unwrap()
        .get(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_genuine_offline_login_verifies_and_a_forged_or_replayed_one_is_flagged() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let mut token = central.register_software_authenticator(&t.engine, STAFF).await;
    // Three failed logins were counted for her (times after her key's
    // registration; those in the future count as of their arrival).
    let base = now();
    for i in 0..3 {
        t.log_as(STAFF, base + Duration::seconds(i), ops::LOGIN_FAIL, "password");
    }
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(failures(&central, STAFF).await, 3);

    // The terminal's word alone: "offline", no evidence. Flagged; the count stands.
    t.log_as(STAFF, base + Duration::minutes(1), ops::LOGIN_OK, "offline");
    // Someone else's evidence under her name (S0002 has no key; S0001's proof is reused).
    let when = base + Duration::minutes(2);
    let genuine = offline_evidence(&central, &t, &mut token, STAFF, &at(when)).await;
    let mut forged_time = genuine.clone();
    forged_time.at = at(when + Duration::minutes(1));
    t.log_as(
        STAFF,
        when + Duration::minutes(1),
        ops::LOGIN_OK,
        &LoginDetail::Offline(Box::new(forged_time)).to_detail(),
    );
    t.log_as("S0002", when, ops::LOGIN_OK, &LoginDetail::Offline(Box::new(genuine.clone())).to_detail());
    // An online login the service never verified.
    let invented = LoginDetail::Online { challenge_id: uuid::Uuid::now_v7() }.to_detail();
    t.log_as(STAFF, when + Duration::minutes(2), ops::LOGIN_OK, &invented);
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(flags(&central, "LOGIN_UNVERIFIED").await, 4);
    assert_eq!(failures(&central, STAFF).await, 3, "no unverified login resets the count");
    let checks = "SELECT count(*) FROM login_checks WHERE NOT verified";
    assert_eq!(central.count(checks).await, 4);

    // The genuine login, in its own entry at its own time: verified, the count reset.
    t.log_as(STAFF, when, ops::LOGIN_OK, &LoginDetail::Offline(Box::new(genuine.clone())).to_detail());
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(failures(&central, STAFF).await, 0);
    assert_eq!(central.count("SELECT count(*) FROM login_checks WHERE verified AND how = 'offline'").await, 1);
    // The same evidence again (a replayed login): flagged.
    t.log_as(STAFF, when, ops::LOGIN_OK, &LoginDetail::Offline(Box::new(genuine)).to_detail());
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(flags(&central, "LOGIN_UNVERIFIED").await, 5);
    let replay = "SELECT count(*) FROM login_checks WHERE problem LIKE '%replay%'";
    assert_eq!(central.count(replay).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_login_is_claimed_once_by_the_terminal_it_was_made_at() {
    let central = Central::start().await;
    let a = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let b = Terminal::enroll(&central, "受付2", &[session_am()]).await;
    let key: SharedAuthenticator =
        Arc::new(Mutex::new(Box::new(central.register_software_authenticator(&a.engine, STAFF).await)));
    // A terminal's key alone cannot log anyone in online.
    let post = |t: &Terminal, req: uketsuke_protocol::OnlineLoginRequest| {
        let transport = t.engine.transport().clone();
        async move {
            transport
                .post::<_, uketsuke_protocol::OnlineLoginResponse>("/v1/auth/online-login", &req, now())
                .await
                .map(|(r, _)| r)
        }
    };
    let bare = uketsuke_protocol::OnlineLoginRequest { staff_id: STAFF.into(), proof: None };
    assert_eq!(post(&a, bare.clone()).await.unwrap_err().code(), "IDENTITY_PROOF_REQUIRED");
    // Her proof at A does not log S0002 in, nor her in at B.
    let proof = prove(&a.engine, &key, &bare.action()).await.unwrap();
    let other = uketsuke_protocol::OnlineLoginRequest { staff_id: "S0002".into(), proof: Some(proof.clone()) };
    assert_eq!(post(&a, other).await.unwrap_err().code(), "IDENTITY_ACTION_MISMATCH");
    let at_b = uketsuke_protocol::OnlineLoginRequest { staff_id: STAFF.into(), proof: Some(proof.clone()) };
    assert_eq!(post(&b, at_b).await.unwrap_err().code(), "IDENTITY_CHALLENGE_OTHER_TERMINAL");
    let never = "SELECT count(*) FROM staff WHERE last_online_login_at IS NOT NULL";
    assert_eq!(central.count(never).await, 0);
    // At A, with her proof: the online login.
    post(&a, uketsuke_protocol::OnlineLoginRequest { staff_id: STAFF.into(), proof: Some(proof.clone()) })
        .await
        .unwrap();
    assert_eq!(central.count(never).await, 1);

    // Its entry at A verifies; the same claim at B, or a second claim at A, does not.
    let detail = LoginDetail::Online { challenge_id: proof.challenge_id }.to_detail();
    let t0 = now();
    b.log_as(STAFF, t0, ops::LOGIN_OK, &detail);
    b.engine.sync_once(&b.store).await.unwrap();
    a.log_as(STAFF, t0, ops::LOGIN_OK, &detail);
    a.log_as(STAFF, t0 + Duration::seconds(1), ops::LOGIN_OK, &detail);
    a.engine.sync_once(&a.store).await.unwrap();
    assert_eq!(central.count("SELECT count(*) FROM login_checks WHERE verified").await, 1);
    assert_eq!(flags(&central, "LOGIN_UNVERIFIED").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_under_a_staff_id_no_verified_login_opened_is_flagged() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let mut token = central.register_software_authenticator(&t.engine, STAFF).await;
    t.engine.sync_once(&t.store).await.unwrap();
    // Her verified offline login, then her work: nothing flagged.
    let login_at = now();
    let evidence = offline_evidence(&central, &t, &mut token, STAFF, &at(login_at)).await;
    t.log_as(STAFF, login_at, ops::LOGIN_OK, &LoginDetail::Offline(Box::new(evidence)).to_detail());
    t.log_as(STAFF, login_at + Duration::minutes(1), "search_kana", "ヤマダ");
    // Under a colleague's id, who never logged in here: flagged, once per person.
    t.log_as("S0002", login_at + Duration::minutes(2), "search_kana", "ヤマダ");
    t.log_as("S0002", login_at + Duration::minutes(3), "view", "");
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(flags(&central, "ENTRY_WITHOUT_VERIFIED_LOGIN").await, 1);
    let whose =
        "SELECT count(*) FROM identity_flags WHERE code = 'ENTRY_WITHOUT_VERIFIED_LOGIN' AND staff_id = 'S0002'";
    assert_eq!(central.count(whose).await, 1);

    // Events: the synctest terminals record check-ins as S0001 (with a log entry
    // each). Pushed before the log ships, they are judged at the first shipment
    // after the one that followed their push: here, after her verified login,
    // they stand; at a desk where she never logged in, flagged.
    assert_eq!(Terminal::actor().staff_id, STAFF);
    let resident = t.residents(1).remove(0);
    t.check_in(&session_am(), &resident);
    t.log_as(STAFF, now(), "search_kana", "ヤマダ");
    t.engine.sync_once(&t.store).await.unwrap();
    let events = "SELECT count(*) FROM identity_flags WHERE code = 'EVENT_WITHOUT_VERIFIED_LOGIN'";
    assert_eq!(central.count(events).await, 0);
    // Judged at the shipment after the one that followed the push.
    t.log_as(STAFF, now(), "search_kana", "ヤマダ");
    t.engine.sync_once(&t.store).await.unwrap();
    let unchecked =
        format!("SELECT count(*) FROM events WHERE NOT login_checked AND terminal_id = '{}'", t.enrollment.terminal_id);
    assert_eq!(central.count(&unchecked).await, 0);
    assert_eq!(central.count(events).await, 0);
    let u = Terminal::enroll(&central, "受付2", &[session_am()]).await;
    u.engine.sync_once(&u.store).await.unwrap();
    let other = u.residents(2).remove(1);
    u.check_in(&session_am(), &other);
    u.engine.sync_once(&u.store).await.unwrap();
    // However the terminal dates the entries it ships next, the service's clock
    // says the event is covered now.
    u.log_as(STAFF, now() - Duration::days(3650), "search_kana", "ヤマダ");
    u.engine.sync_once(&u.store).await.unwrap();
    let flagged = format!(
        "SELECT count(*) FROM identity_flags WHERE code = 'EVENT_WITHOUT_VERIFIED_LOGIN' AND staff_id = '{STAFF}'
           AND terminal_id = '{}'",
        u.enrollment.terminal_id
    );
    assert_eq!(central.count(&flagged).await, 1);
    assert_eq!(central.count("SELECT count(*) FROM events WHERE NOT login_checked").await, 0);
}

/// Entries under `(unknown)` (the log's name for a login id no account has) are
/// checked like any other: only failed logins may carry it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn work_under_the_unknown_actor_is_flagged_and_a_logout_ends_a_session() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let mut token = central.register_software_authenticator(&t.engine, STAFF).await;
    t.engine.sync_once(&t.store).await.unwrap();
    let at0 = now();
    t.log_as("(unknown)", at0, ops::LOGIN_FAIL, "unknown_id");
    t.log_as("(unknown)", at0 + Duration::seconds(1), "search_kana", "ヤマダ");
    let evidence = offline_evidence(&central, &t, &mut token, STAFF, &at(at0 + Duration::minutes(1))).await;
    t.log_as(STAFF, at0 + Duration::minutes(1), ops::LOGIN_OK, &LoginDetail::Offline(Box::new(evidence)).to_detail());
    t.log_as(STAFF, at0 + Duration::minutes(2), "search_kana", "ヤマダ");
    t.log_as(STAFF, at0 + Duration::minutes(3), ops::LOGOUT, "user");
    // After her logout, work under her name belongs to no session, whatever its time.
    t.log_as(STAFF, at0 + Duration::minutes(2), "view", "");
    t.engine.sync_once(&t.store).await.unwrap();
    let flagged = |who: &str| {
        format!(
            "SELECT count(*) FROM identity_flags WHERE code = 'ENTRY_WITHOUT_VERIFIED_LOGIN' AND staff_id = '{who}'"
        )
    };
    assert_eq!(central.count(&flagged("(unknown)")).await, 1);
    assert_eq!(central.count(&flagged(STAFF)).await, 1);
    let detail: String = central
        .pool()
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT detail FROM identity_flags WHERE code = 'ENTRY_WITHOUT_VERIFIED_LOGIN' AND staff_id = $1",
            &[&STAFF],
        )
        .await
        .unwrap()
        .get(0);
    assert!(detail.starts_with("1 entry"), "only the entry after the logout: {detail}");
}

/// A terminal cannot move a verified login in time: an online one is dated when
/// the service verified it; an offline one made with a key revoked since, or
/// dated before the key was registered, proves nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_cannot_be_moved_in_time_or_outlive_its_key() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let mut token = central.register_software_authenticator(&t.engine, STAFF).await;
    let key: SharedAuthenticator = Arc::new(Mutex::new(Box::new(
        uketsuke_identity::SoftAuthenticator::from_bytes(&token.to_bytes().unwrap()).unwrap(),
    )));
    // An online login the service verified now, claimed a day earlier.
    let bare = uketsuke_protocol::OnlineLoginRequest { staff_id: STAFF.into(), proof: None };
    let proof = prove(&t.engine, &key, &bare.action()).await.unwrap();
    let challenge_id = proof.challenge_id;
    t.engine
        .transport()
        .post::<_, uketsuke_protocol::OnlineLoginResponse>(
            "/v1/auth/online-login",
            &uketsuke_protocol::OnlineLoginRequest { staff_id: STAFF.into(), proof: Some(proof) },
            now(),
        )
        .await
        .unwrap();
    let detail = LoginDetail::Online { challenge_id }.to_detail();
    t.log_as(STAFF, now() - Duration::days(1), ops::LOGIN_OK, &detail);
    // Offline, dated before the key existed.
    let before = now() - Duration::days(2);
    let early = offline_evidence(&central, &t, &mut token, STAFF, &at(before)).await;
    t.log_as(STAFF, before, ops::LOGIN_OK, &LoginDetail::Offline(Box::new(early)).to_detail());
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(central.count("SELECT count(*) FROM login_checks WHERE verified").await, 0);
    let moved = "SELECT count(*) FROM login_checks WHERE problem LIKE '%dated%'";
    assert_eq!(central.count(moved).await, 2);

    // A login made with the key while it was valid, arriving after its revocation.
    let when = now() - Duration::seconds(5);
    let late = offline_evidence(&central, &t, &mut token, STAFF, &at(when)).await;
    let prefix: String = central
        .pool()
        .get()
        .await
        .unwrap()
        .query_one("SELECT encode(credential_id, 'hex') FROM staff_authenticators WHERE staff_id = $1", &[&STAFF])
        .await
        .unwrap()
        .get(0);
    uketsuke_central::identity::authenticators::revoke(central.pool(), &prefix, now()).await.unwrap();
    t.log_as(STAFF, when, ops::LOGIN_OK, &LoginDetail::Offline(Box::new(late)).to_detail());
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(central.count("SELECT count(*) FROM login_checks WHERE problem LIKE '%revoked%'").await, 1);
    assert_eq!(central.count("SELECT count(*) FROM login_checks WHERE verified").await, 0);
}
