//! Argon2id on the service is bounded (ASVS 5.0 V4/V13: a hostile LAN must not exhaust
//! it). Many parallel password changes from an enrolled terminal, sent straight to the
//! service, are each answered, and never more Argon2id computations run at once than
//! `argon2_max_concurrent` allows.

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
