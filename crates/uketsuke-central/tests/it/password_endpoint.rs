//! The password-change endpoint, called straight from an enrolled terminal's connection
//! (as a hostile client holding a terminal's key could): Argon2id on the service is
//! bounded, so parallel requests cannot exhaust it, and a wrong current password counts
//! as a failed login on the service, so the endpoint is no free password oracle.

use std::sync::Arc;

use uketsuke_protocol::ChangePasswordRequest;
use uketsuke_synctest::{session_am, Central, Terminal};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_password_checks_are_all_answered_and_bounded() {
    let central = Central::start().await;
    let terminal = Arc::new(Terminal::enroll(&central, "受付1", &[session_am()]).await);
    let limit = central.state.config.argon2_max_concurrent;
    assert_eq!(central.state.password_work.limit(), limit);
    assert_eq!(central.state.password_work.peak(), 0);

    let calls: Vec<_> = (0..40)
        .map(|i| {
            let terminal = terminal.clone();
            tokio::spawn(async move {
                let req = ChangePasswordRequest {
                    staff_id: "S0001".into(),
                    current_password: format!("not the current password {i}"),
                    new_password: "さくら並木の受付テーブル".into(),
                };
                terminal.engine.change_password(&req).await
            })
        })
        .collect();
    for call in calls {
        let refused = call.await.unwrap().unwrap_err();
        assert_eq!(refused.code(), "PASSWORD_CURRENT_WRONG");
    }
    let peak = central.state.password_work.peak();
    assert!((1..=limit).contains(&peak), "peak {peak}, limit {limit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_current_password_counts_as_a_failed_login_on_the_service() {
    let central = Central::start().await;
    let terminal = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let failures = "SELECT failed_attempts::bigint FROM staff WHERE staff_id = 'S0002'";
    assert_eq!(central.count(failures).await, 0);
    for guess in ["guess number one, long", "guess number two, long", "guess number three, long"] {
        let req = ChangePasswordRequest {
            staff_id: "S0002".into(),
            current_password: guess.into(),
            new_password: "さくら並木の受付テーブル".into(),
        };
        let refused = terminal.engine.change_password(&req).await.unwrap_err();
        assert_eq!(refused.code(), "PASSWORD_CURRENT_WRONG");
    }
    assert_eq!(central.count(failures).await, 3);
    // Another staff member's count is untouched.
    assert_eq!(central.count("SELECT failed_attempts::bigint FROM staff WHERE staff_id = 'S0003'").await, 0);
}
