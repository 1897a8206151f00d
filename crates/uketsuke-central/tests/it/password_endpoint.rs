//! The doors where the service checks a password, called straight from an enrolled
//! terminal's connection (as a hostile client holding a terminal's key could): the
//! password change checks nothing without the person's own assertion, so it is no
//! password oracle and costs no Argon2id work; registration checks the password only
//! with a valid invitation; Argon2id on the service is bounded, so parallel requests
//! cannot exhaust it; a wrong current password counts as a failed login.

use std::sync::{Arc, Mutex};

use uketsuke_protocol::ChangePasswordRequest;
use uketsuke_sync::identity::{prove, SharedAuthenticator};
use uketsuke_synctest::{session_am, Central, Terminal};

fn wrong(staff_id: &str, guess: String) -> ChangePasswordRequest {
    ChangePasswordRequest {
        staff_id: staff_id.into(),
        current_password: guess,
        new_password: "さくら並木の受付テーブル".into(),
        binding: "0f".repeat(32),
        proof: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_persons_assertion_no_password_is_checked() {
    let central = Central::start().await;
    let terminal = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    for i in 0..5 {
        let refused = terminal.engine.change_password(&wrong("S0002", format!("guess number {i}, long"))).await;
        assert_eq!(refused.unwrap_err().code(), "IDENTITY_PROOF_REQUIRED");
    }
    assert_eq!(central.state.password_work.peak(), 0, "no Argon2id work for a terminal alone");
    assert_eq!(central.count("SELECT failed_attempts::bigint FROM staff WHERE staff_id = 'S0002'").await, 0);
}

/// The one door where a password is checked before any assertion (registering
/// an authenticator needs the password and an administrator's invitation): a
/// junk invitation costs no Argon2id work and counts no failure, and a flood
/// with the real invitation is answered in full with Argon2id bounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_password_checks_are_all_answered_and_bounded() {
    use uketsuke_protocol::identity::RegistrationStartRequest;
    // 80 requests from one terminal: above the per-minute identity limit, which
    // is not what this test is about (exhaustion.rs tests it).
    let central =
        Central::start_configured(uketsuke_synctest::RESIDENTS, |c| c.identity_per_minute_per_terminal = 1000).await;
    let terminal = Arc::new(Terminal::enroll(&central, "受付1", &[session_am()]).await);
    let limit = central.state.config.argon2_max_concurrent;
    assert_eq!(central.state.password_work.limit(), limit);
    let failures = "SELECT failed_attempts::bigint FROM staff WHERE staff_id = 'S0001'";
    let flood = |code: String| {
        (0..40)
            .map(|i| {
                let terminal = terminal.clone();
                let req = RegistrationStartRequest {
                    staff_id: "S0001".into(),
                    invite_code: code.clone(),
                    password: format!("not the password {i}"),
                };
                tokio::spawn(async move { terminal.engine.register_start(&req).await })
            })
            .collect::<Vec<_>>()
    };
    for call in flood("JUNKJUNKJUNKJUNK".into()) {
        assert_eq!(call.await.unwrap().unwrap_err().code(), "REGISTRATION_REFUSED");
    }
    assert_eq!(central.state.password_work.peak(), 0, "no invitation, no Argon2id");
    assert_eq!(central.count(failures).await, 0, "and nobody is locked out");

    let invite = uketsuke_central::identity::authenticators::invite(
        central.pool(),
        "S0001",
        chrono::Duration::hours(1),
        uketsuke_synctest::now(),
    )
    .await
    .unwrap();
    // Every request is answered: a wrong password, or (once the policy's hard
    // limit of failures locked the account) the lock, before any Argon2id work.
    let (mut wrong, mut locked_out) = (0, 0);
    for call in flood(invite.code) {
        match call.await.unwrap().unwrap_err().code() {
            "REGISTRATION_REFUSED" => wrong += 1,
            "STAFF_LOCKED" => locked_out += 1,
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(wrong + locked_out, 40);
    let peak = central.state.password_work.peak();
    assert!((1..=limit).contains(&peak), "peak {peak}, limit {limit}");
    let hard = i64::from(uketsuke_auth::LockoutPolicy::default().hard_lock_after);
    assert!(wrong >= hard && locked_out > 0, "{wrong} wrong, {locked_out} refused as locked");
    assert_eq!(central.count(failures).await, wrong);
    let locked = "SELECT count(*) FROM staff WHERE staff_id = 'S0001' AND locked";
    assert_eq!(central.count(locked).await, 1, "the policy's hard limit locks the account");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_current_password_counts_as_a_failed_login_on_the_service() {
    let central = Central::start().await;
    let terminal = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let key: SharedAuthenticator =
        Arc::new(Mutex::new(Box::new(central.register_software_authenticator(&terminal.engine, "S0002").await)));
    let failures = "SELECT failed_attempts::bigint FROM staff WHERE staff_id = 'S0002'";
    assert_eq!(central.count(failures).await, 0);
    for guess in ["guess number one, long", "guess number two, long", "guess number three, long"] {
        let mut req = wrong("S0002", guess.into());
        req.proof = Some(prove(&terminal.engine, &key, &req.action()).await.unwrap());
        let refused = terminal.engine.change_password(&req).await.unwrap_err();
        assert_eq!(refused.code(), "PASSWORD_CURRENT_WRONG");
    }
    assert_eq!(central.count(failures).await, 3);
    // Another staff member's count is untouched.
    assert_eq!(central.count("SELECT failed_attempts::bigint FROM staff WHERE staff_id = 'S0003'").await, 0);
}

/// The person's touch authorises one change: to the new password the terminal
/// showed them, from the current one they typed. A terminal that swaps the new
/// password after the touch gets nothing, and nothing is checked or counted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proof_for_one_new_password_does_not_set_another() {
    let central = Central::start().await;
    let terminal = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let key: SharedAuthenticator =
        Arc::new(Mutex::new(Box::new(central.register_software_authenticator(&terminal.engine, "S0002").await)));
    let shown = ChangePasswordRequest {
        staff_id: "S0002".into(),
        current_password: uketsuke_demo::city::DEMO_PASSWORD.into(),
        new_password: "さくら並木の受付テーブル".into(),
        binding: "1a".repeat(32),
        proof: None,
    };
    let proof = prove(&terminal.engine, &key, &shown.action()).await.unwrap();
    let swapped = ChangePasswordRequest {
        new_password: "攻撃者が決めた長い合言葉です".into(),
        proof: Some(proof.clone()),
        ..shown.clone()
    };
    let refused = terminal.engine.change_password(&swapped).await.unwrap_err();
    assert_eq!(refused.code(), "IDENTITY_ACTION_MISMATCH");
    let rebound = ChangePasswordRequest { binding: "2b".repeat(32), proof: Some(proof.clone()), ..shown.clone() };
    assert_eq!(terminal.engine.change_password(&rebound).await.unwrap_err().code(), "IDENTITY_ACTION_MISMATCH");
    assert_eq!(central.count("SELECT failed_attempts::bigint FROM staff WHERE staff_id = 'S0002'").await, 0);
    // The change it was made for goes through.
    terminal.engine.change_password(&ChangePasswordRequest { proof: Some(proof), ..shown }).await.unwrap();
    let hash: String = central
        .pool()
        .get()
        .await
        .unwrap()
        .query_one("SELECT password_hash FROM staff WHERE staff_id = 'S0002'", &[])
        .await
        .unwrap()
        .get(0);
    assert!(uketsuke_auth::verify_password(&hash, "さくら並木の受付テーブル"));
    // The service keeps the act, but nothing a guess could be checked against.
    let kept: String = central
        .pool()
        .get()
        .await
        .unwrap()
        .query_one("SELECT action::text FROM verified_acts WHERE action_kind = 'password_change'", &[])
        .await
        .unwrap()
        .get(0);
    assert!(!kept.contains(&"1a".repeat(32)) && !kept.contains("さくら"), "{kept}");
}
