//! A hostile client: it holds an enrolled terminal's device key and certificate
//! (everything a venue laptop's OS account can reach) and calls the service
//! directly, with no staff member's password or authenticator. The service must
//! believe people, not terminals: every privileged act needs the person's own
//! assertion over a challenge bound to this terminal and this exact act.

use std::sync::{Arc, Mutex};

use uketsuke_identity::Action;
use uketsuke_protocol::identity::PersonProof;
use uketsuke_protocol::{MyNumberRequest, MyNumberResponse};
use uketsuke_sync::identity::{prove, SharedAuthenticator};
use uketsuke_sync::SyncError;
use uketsuke_synctest::{now, session_am, Central, Terminal};

const SUPERVISOR: &str = "S0005"; // holds the 個人番号 permission in the demo city

async fn post_my_number(t: &Terminal, req: &MyNumberRequest) -> Result<MyNumberResponse, SyncError> {
    t.engine.transport().post("/v1/my-number", req, now()).await.map(|(res, _)| res)
}

fn view(staff_id: &str, resident_id: &str) -> Action {
    Action::MyNumberView { staff_id: staff_id.into(), resident_id: resident_id.into(), reason: "本人確認".into() }
}

fn request(action: &Action, proof: Option<PersonProof>) -> MyNumberRequest {
    let Action::MyNumberView { staff_id, resident_id, reason } = action else { unreachable!() };
    let req =
        MyNumberRequest { staff_id: staff_id.clone(), resident_id: resident_id.clone(), reason: reason.clone(), proof };
    assert_eq!(&req.action(), action, "the request signs what the test means");
    req
}

/// A resident with a 個人番号 and a voucher for the terminal's sessions' year.
async fn resident_in_scope(central: &Central) -> String {
    let fy = uketsuke_central::admin::fiscal_year(uketsuke_synctest::today());
    let row = central
        .pool()
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT r.resident_id FROM residents r
             WHERE r.my_number IS NOT NULL
               AND EXISTS (SELECT 1 FROM vouchers v WHERE v.resident_id = r.resident_id AND v.fiscal_year = $1)
             ORDER BY r.resident_id LIMIT 1",
            &[&fy],
        )
        .await
        .unwrap();
    row.get(0)
}

struct Scene {
    central: Central,
    desk: Terminal,
    resident: String,
    key: SharedAuthenticator,
}

/// The service, one enrolled desk, and the supervisor's authenticator
/// (registered through the real flow), which the honest cases use.
async fn scene() -> Scene {
    let central = Central::start().await;
    let desk = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let key = central.register_software_authenticator(&desk.engine, SUPERVISOR).await;
    let resident = resident_in_scope(&central).await;
    Scene { central, desk, resident, key: Arc::new(Mutex::new(Box::new(key))) }
}

async fn views(central: &Central) -> i64 {
    central.count("SELECT count(*) FROM my_number_views").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_alone_gets_no_my_number_for_any_staff_id() {
    let s = scene().await;
    for staff in [SUPERVISOR, "S0001", "S9999"] {
        let refused = post_my_number(&s.desk, &request(&view(staff, &s.resident), None)).await.unwrap_err();
        assert_eq!(refused.code(), "IDENTITY_PROOF_REQUIRED", "{staff}");
    }
    assert_eq!(views(&s.central).await, 0, "nothing recorded against an innocent colleague");
    // With the supervisor's own assertion for exactly this view, the number.
    let action = view(SUPERVISOR, &s.resident);
    let proof = prove(&s.desk.engine, &s.key, &action).await.unwrap();
    let shown = post_my_number(&s.desk, &request(&action, Some(proof))).await.unwrap();
    assert_eq!(shown.resident_id, s.resident);
    assert_eq!(views(&s.central).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_for_one_view_does_not_open_another() {
    let s = scene().await;
    let signed = view(SUPERVISOR, &s.resident);
    let proof = prove(&s.desk.engine, &s.key, &signed).await.unwrap();
    let other_resident = Action::MyNumberView {
        staff_id: SUPERVISOR.into(),
        resident_id: format!("{}X", s.resident),
        reason: "本人確認".into(),
    };
    let other_reason =
        Action::MyNumberView { staff_id: SUPERVISOR.into(), resident_id: s.resident.clone(), reason: "照会".into() };
    let other_person = view("S0006", &s.resident);
    for (what, action) in [("resident", other_resident), ("reason", other_reason), ("person", other_person)] {
        let refused = post_my_number(&s.desk, &request(&action, Some(proof.clone()))).await.unwrap_err();
        assert_eq!(refused.code(), "IDENTITY_ACTION_MISMATCH", "another {what}");
    }
    assert_eq!(views(&s.central).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_proof_is_refused() {
    let s = scene().await;
    let action = view(SUPERVISOR, &s.resident);
    let proof = prove(&s.desk.engine, &s.key, &action).await.unwrap();
    post_my_number(&s.desk, &request(&action, Some(proof.clone()))).await.unwrap();
    let refused = post_my_number(&s.desk, &request(&action, Some(proof))).await.unwrap_err();
    assert_eq!(refused.code(), "IDENTITY_CHALLENGE_USED");
    assert_eq!(views(&s.central).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_made_at_another_terminal_is_refused_here() {
    let s = scene().await;
    let hostile = Terminal::enroll(&s.central, "受付2", &[session_am()]).await;
    let action = view(SUPERVISOR, &s.resident);
    let proof = prove(&s.desk.engine, &s.key, &action).await.unwrap();
    let refused = post_my_number(&hostile, &request(&action, Some(proof))).await.unwrap_err();
    assert_eq!(refused.code(), "IDENTITY_CHALLENGE_OTHER_TERMINAL");
    assert_eq!(views(&s.central).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expired_challenge_is_refused() {
    let s = scene().await;
    let action = view(SUPERVISOR, &s.resident);
    let proof = prove(&s.desk.engine, &s.key, &action).await.unwrap();
    s.central
        .pool()
        .get()
        .await
        .unwrap()
        .execute("UPDATE identity_challenges SET expires_at = now() - interval '1 second'", &[])
        .await
        .unwrap();
    let refused = post_my_number(&s.desk, &request(&action, Some(proof))).await.unwrap_err();
    assert_eq!(refused.code(), "IDENTITY_CHALLENGE_EXPIRED");
}

/// A terminal cannot stock up on challenges (or fill the table): a few open at
/// a time, and unanswered ones are dropped a day after they expired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_cannot_stock_up_on_challenges() {
    let s = scene().await;
    let action = view(SUPERVISOR, &s.resident);
    let max = uketsuke_central::identity::challenge::MAX_OPEN_CHALLENGES;
    for _ in 0..max {
        s.desk.engine.challenge(&action).await.unwrap();
    }
    let refused = s.desk.engine.challenge(&action).await.unwrap_err();
    assert_eq!(refused.code(), "IDENTITY_CHALLENGES_OUTSTANDING");
    let c = s.central.pool().get().await.unwrap();
    c.execute("UPDATE identity_challenges SET expires_at = now() - interval '2 days'", &[]).await.unwrap();
    s.desk.engine.challenge(&action).await.unwrap();
    assert_eq!(s.central.count("SELECT count(*) FROM identity_challenges").await, 1, "the old ones are gone");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_or_invented_proof_is_refused() {
    let s = scene().await;
    let action = view(SUPERVISOR, &s.resident);
    let mut proof = prove(&s.desk.engine, &s.key, &action).await.unwrap();
    // One bit of the signature changed.
    let mut sig = proof.assertion.response.signature.to_vec();
    let last = sig.len() - 1;
    sig[last] ^= 1;
    proof.assertion.response.signature = sig;
    let refused = post_my_number(&s.desk, &request(&action, Some(proof.clone()))).await.unwrap_err();
    assert_eq!(refused.code(), "IDENTITY_ASSERTION_INVALID");
    // A challenge id the service never issued.
    proof.challenge_id = uuid::Uuid::now_v7();
    let refused = post_my_number(&s.desk, &request(&action, Some(proof))).await.unwrap_err();
    assert_eq!(refused.code(), "IDENTITY_CHALLENGE_UNKNOWN");
    assert_eq!(views(&s.central).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_colleagues_authenticator_cannot_act_for_another_person() {
    let s = scene().await;
    // S0006 has an authenticator too; the hostile holds only the supervisor's.
    let _colleague = s.central.register_software_authenticator(&s.desk.engine, "S0006").await;
    let own = s.desk.engine.challenge(&view(SUPERVISOR, &s.resident)).await.unwrap();
    let victim = view("S0006", &s.resident);
    let mut challenge = s.desk.engine.challenge(&victim).await.unwrap();
    // Point the victim's challenge at the supervisor's own credential and sign it.
    challenge.options.public_key.allow_credentials = own.options.public_key.allow_credentials;
    let origin = uketsuke_identity::wire::Url::parse(&challenge.origin).unwrap();
    let assertion = s.key.lock().unwrap().assert(&origin, challenge.options).unwrap();
    let proof = PersonProof { challenge_id: challenge.challenge_id, assertion };
    let refused = post_my_number(&s.desk, &request(&victim, Some(proof))).await.unwrap_err();
    assert_eq!(refused.code(), "IDENTITY_WRONG_PERSON");
    assert_eq!(views(&s.central).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_that_goes_back_is_refused_and_flagged() {
    let s = scene().await;
    let action = view(SUPERVISOR, &s.resident);
    let earlier = prove(&s.desk.engine, &s.key, &action).await.unwrap();
    let later = prove(&s.desk.engine, &s.key, &action).await.unwrap();
    post_my_number(&s.desk, &request(&action, Some(later))).await.unwrap();
    let refused = post_my_number(&s.desk, &request(&action, Some(earlier))).await.unwrap_err();
    assert_eq!(refused.code(), "IDENTITY_COUNTER_REGRESSED");
    let flags = s.central.count("SELECT count(*) FROM identity_flags WHERE code = 'IDENTITY_COUNTER_REGRESSED'").await;
    assert_eq!(flags, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_authenticator_proves_nothing() {
    let s = scene().await;
    let action = view(SUPERVISOR, &s.resident);
    let proof = prove(&s.desk.engine, &s.key, &action).await.unwrap();
    let c = s.central.pool().get().await.unwrap();
    let id: Vec<u8> = c.query_one("SELECT credential_id FROM staff_authenticators", &[]).await.unwrap().get(0);
    uketsuke_central::identity::authenticators::revoke(s.central.pool(), &hex::encode(id), now()).await.unwrap();
    let refused = post_my_number(&s.desk, &request(&action, Some(proof))).await.unwrap_err();
    assert_eq!(refused.code(), "IDENTITY_CREDENTIAL_UNKNOWN");
    let refused = s.desk.engine.challenge(&action).await.unwrap_err();
    assert_eq!(refused.code(), "IDENTITY_NO_AUTHENTICATOR");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_number_only_in_scope_and_within_the_hourly_limit() {
    let s = scene().await;
    // A resident with a 個人番号 but no voucher for this terminal's year.
    let c = s.central.pool().get().await.unwrap();
    c.execute(
        "DELETE FROM vouchers WHERE resident_id = (SELECT resident_id FROM residents
             WHERE my_number IS NOT NULL AND resident_id <> $1 ORDER BY resident_id LIMIT 1)",
        &[&s.resident],
    )
    .await
    .unwrap();
    let outside: String = c
        .query_one(
            "SELECT resident_id FROM residents r WHERE my_number IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM vouchers v WHERE v.resident_id = r.resident_id) LIMIT 1",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let action = view(SUPERVISOR, &outside);
    let proof = prove(&s.desk.engine, &s.key, &action).await.unwrap();
    let refused = post_my_number(&s.desk, &request(&action, Some(proof))).await.unwrap_err();
    assert_eq!(refused.code(), "MY_NUMBER_OUT_OF_SCOPE");

    // The person's hourly limit, counted on the service.
    let limit = s.central.state.config.my_number_per_hour_staff;
    let terminal_id: uuid::Uuid = c.query_one("SELECT terminal_id FROM terminals LIMIT 1", &[]).await.unwrap().get(0);
    for _ in 0..limit {
        c.execute(
            "INSERT INTO my_number_views (at, terminal_id, staff_id, resident_id, reason)
             VALUES (now() - interval '10 minutes', $1, $2, $3, 'earlier')",
            &[&terminal_id, &SUPERVISOR, &s.resident],
        )
        .await
        .unwrap();
    }
    let action = view(SUPERVISOR, &s.resident);
    let proof = prove(&s.desk.engine, &s.key, &action).await.unwrap();
    let refused = post_my_number(&s.desk, &request(&action, Some(proof))).await.unwrap_err();
    assert_eq!(refused.code(), "MY_NUMBER_RATE_LIMITED");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_needs_the_invitation_and_the_password_and_the_demo_city_for_software() {
    use uketsuke_protocol::identity::RegistrationStartRequest;
    let central = Central::start().await;
    let desk = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let invite =
        uketsuke_central::identity::authenticators::invite(central.pool(), "S0001", chrono::Duration::hours(1), now())
            .await
            .unwrap();
    let start = |code: &str, password: &str| RegistrationStartRequest {
        staff_id: "S0001".into(),
        invite_code: code.into(),
        password: password.into(),
    };
    let failures = "SELECT failed_attempts::bigint FROM staff WHERE staff_id = 'S0001'";
    let refused = desk.engine.register_start(&start(&invite.code, "not the password at all")).await.unwrap_err();
    assert_eq!(refused.code(), "REGISTRATION_REFUSED");
    assert_eq!(central.count(failures).await, 1, "a wrong password is a failed login");
    let refused = desk.engine.register_start(&start("AAAABBBBCCCCDDDD", uketsuke_demo::city::DEMO_PASSWORD)).await;
    assert_eq!(refused.unwrap_err().code(), "REGISTRATION_REFUSED", "another code");
    // Without the invitation the answer says nothing about the account's state.
    let c = central.pool().get().await.unwrap();
    c.execute("UPDATE staff SET locked = true WHERE staff_id = 'S0003'", &[]).await.unwrap();
    let probe = RegistrationStartRequest { staff_id: "S0003".into(), ..start("AAAABBBBCCCCDDDD", "whatever at all") };
    assert_eq!(desk.engine.register_start(&probe).await.unwrap_err().code(), "REGISTRATION_REFUSED");
    // The invitation is someone else's.
    let refused = desk
        .engine
        .register_start(&RegistrationStartRequest {
            staff_id: "S0002".into(),
            ..start(&invite.code, uketsuke_demo::city::DEMO_PASSWORD)
        })
        .await;
    assert_eq!(refused.unwrap_err().code(), "REGISTRATION_REFUSED");

    // Outside the demo city no software authenticator is accepted (and with no
    // model configured, nothing is).
    central.pool().get().await.unwrap().execute("DELETE FROM demo_city", &[]).await.unwrap();
    let (_, model) = uketsuke_identity::SoftAuthenticator::new().unwrap();
    let refused = uketsuke_central::identity::authenticators::trust_demo_ca(central.pool(), &model.ca_pem).await;
    assert_eq!(refused.unwrap_err().code(), "AUTHENTICATOR_SOFTWARE_REFUSED");
    let refused = desk.engine.register_start(&start(&invite.code, uketsuke_demo::city::DEMO_PASSWORD)).await;
    assert_eq!(refused.unwrap_err().code(), "AUTHENTICATOR_POLICY_EMPTY");
    assert_eq!(central.count("SELECT count(*) FROM staff_authenticators").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_supervisor_the_service_verified_unlocks_an_account() {
    use uketsuke_protocol::{UnlockRequest, UnlockResponse};
    let s = scene().await;
    let c = s.central.pool().get().await.unwrap();
    c.execute("UPDATE staff SET locked = true, failed_attempts = 10 WHERE staff_id IN ('S0002', 'S0003')", &[])
        .await
        .unwrap();
    let locked = "SELECT count(*) FROM staff WHERE staff_id = 'S0002' AND locked";
    let post = |req: UnlockRequest| {
        let desk = &s.desk;
        async move { desk.engine.transport().post::<_, UnlockResponse>("/v1/auth/unlock", &req, now()).await }
    };
    let bare = UnlockRequest { staff_id: SUPERVISOR.into(), target_staff_id: "S0002".into(), proof: None };
    assert_eq!(post(bare.clone()).await.unwrap_err().code(), "IDENTITY_PROOF_REQUIRED");
    // Her proof for unlocking S0003, sent for S0002.
    let for_other = UnlockRequest { target_staff_id: "S0003".into(), ..bare.clone() };
    let proof = prove(&s.desk.engine, &s.key, &for_other.action()).await.unwrap();
    let refused = post(UnlockRequest { proof: Some(proof), ..bare.clone() }).await.unwrap_err();
    assert_eq!(refused.code(), "IDENTITY_ACTION_MISMATCH");
    // Reception staff, with their own verified key, may not unlock.
    let reception: SharedAuthenticator =
        Arc::new(Mutex::new(Box::new(s.central.register_software_authenticator(&s.desk.engine, "S0001").await)));
    let by_reception = UnlockRequest { staff_id: "S0001".into(), ..bare.clone() };
    let proof = prove(&s.desk.engine, &reception, &by_reception.action()).await.unwrap();
    let refused = post(UnlockRequest { proof: Some(proof), ..by_reception }).await.unwrap_err();
    assert_eq!(refused.code(), "UNLOCK_NOT_PERMITTED");
    assert_eq!(s.central.count(locked).await, 1, "still locked");
    // The supervisor herself.
    let proof = prove(&s.desk.engine, &s.key, &bare.action()).await.unwrap();
    post(UnlockRequest { proof: Some(proof), ..bare }).await.unwrap();
    assert_eq!(s.central.count(locked).await, 0);
    let logged =
        "SELECT count(*) FROM admin_log WHERE action = 'staff.unlock.verified' AND who = 'S0005' AND target = 'S0002'";
    assert_eq!(s.central.count(logged).await, 1);
    assert_eq!(s.central.count("SELECT count(*) FROM staff WHERE staff_id = 'S0003' AND locked").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_policy_judges_every_use() {
    let s = scene().await;
    // A software token registered while the service ran the demo city proves
    // nothing once it does not (and this service lists no other model at all).
    s.central.pool().get().await.unwrap().execute("DELETE FROM demo_city", &[]).await.unwrap();
    let action = view(SUPERVISOR, &s.resident);
    let proof = prove(&s.desk.engine, &s.key, &action).await.unwrap();
    let refused = post_my_number(&s.desk, &request(&action, Some(proof))).await.unwrap_err();
    assert_eq!(refused.code(), "AUTHENTICATOR_POLICY_EMPTY");
    assert_eq!(views(&s.central).await, 0);
}

/// The demo city's software authenticators, as `uketsuke-central demo-authenticators`
/// makes them for one terminal: one per demo staff member, registered through the
/// same policy, usable from the file; refused by a service not running the demo city.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_city_makes_each_terminal_its_own_software_authenticators() {
    let central = Central::start().await;
    let desk = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let dir = tempfile::tempdir().unwrap();
    let identity = &central.state.identity;
    let staff = uketsuke_central::identity::authenticators::demo_authenticators(
        central.pool(),
        identity,
        dir.path(),
        "受付1",
        now(),
    )
    .await
    .unwrap();
    assert!(staff.contains(&SUPERVISOR.to_string()));
    let registered = central.count("SELECT count(DISTINCT staff_id) FROM staff_authenticators").await;
    assert_eq!(registered, staff.len() as i64);
    // The supervisor's file proves her to the service.
    let file = dir.path().join(format!("{SUPERVISOR}.softtoken"));
    let key: SharedAuthenticator =
        Arc::new(Mutex::new(Box::new(uketsuke_identity::SoftAuthenticator::open_file(&file).unwrap())));
    let resident = resident_in_scope(&central).await;
    let action = view(SUPERVISOR, &resident);
    let proof = prove(&desk.engine, &key, &action).await.unwrap();
    post_my_number(&desk, &request(&action, Some(proof))).await.unwrap();
    // Not the demo city: refused, nothing registered.
    central.pool().get().await.unwrap().execute("DELETE FROM demo_city", &[]).await.unwrap();
    let other = tempfile::tempdir().unwrap();
    let refused = uketsuke_central::identity::authenticators::demo_authenticators(
        central.pool(),
        identity,
        other.path(),
        "受付2",
        now(),
    )
    .await
    .unwrap_err();
    assert_eq!(refused.code(), "AUTHENTICATOR_SOFTWARE_REFUSED");
    assert_eq!(central.count("SELECT count(DISTINCT staff_id) FROM staff_authenticators").await, registered);
}
