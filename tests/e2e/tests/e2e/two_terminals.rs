//! Two app instances and one central service: enrolled with one-time codes, they
//! sync through the real service (mutual TLS, PostgreSQL); a check-in on one shows
//! on the other, both check-ins of one resident reach the service once each and are
//! flagged for review, and a revoked terminal says so in its window.

use std::time::Duration;

use fantoccini::key::Key;
use uketsuke_core::eligibility;
use uketsuke_e2e::{enroll_terminals, Driver, Window};
use uketsuke_synctest::{demo_config, session_am, Central, RESIDENTS};

/// Wait (up to 20 s) until the service holds `n` events. A bar that already read
/// 未送信 0 件 before the click is no proof the new event left.
async fn wait_for_events(pool: &deadpool_postgres::Pool, n: i64) {
    let mut seen = 0;
    for _ in 0..200 {
        seen = pool.get().await.unwrap().query_one("SELECT count(*) FROM events", &[]).await.unwrap().get(0);
        if seen == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the service holds {seen} events, expected {n}");
}

fn enter() -> String {
    char::from(Key::Enter).to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_windows_sync_through_one_service() {
    let central = Central::start().await;
    let terminals = enroll_terminals(&central, &["受付1", "受付2"], &[session_am()]).await;
    // A resident with a voucher this year, eligible without warnings at the session.
    let cfg = demo_config(RESIDENTS);
    let session = uketsuke_demo::catalog(&cfg).sessions.into_iter().find(|s| s.session_id == session_am()).unwrap();
    let programmes: Vec<_> =
        uketsuke_demo::catalog(&cfg).programmes.into_iter().filter(|p| session.programmes.contains(&p.code)).collect();
    let resident = uketsuke_demo::residents(&cfg)
        .filter(|d| !d.resident.dv_support && d.resident.copay_category == uketsuke_core::CopayCategory::Standard)
        .filter(|d| d.voucher.fiscal_year == uketsuke_central::admin::fiscal_year(cfg.today))
        .find(|d| programmes.iter().any(|p| eligibility::check(&d.resident, p, session.date, &d.history).is_eligible()))
        .expect("an eligible resident");
    let voucher = resident.voucher.voucher_no.clone();

    let _driver2 = Driver::start(4454, 4455).await;
    let a = Window::open_dir(terminals[0].1.path(), "http://127.0.0.1:4444").await;
    let b = Window::open_dir(terminals[1].1.path(), "http://127.0.0.1:4454").await;
    let result = tokio::spawn({
        let (a, b) = (Window { client: a.client.clone() }, Window { client: b.client.clone() });
        let revoke_b = terminals[1].0;
        let pool = central.pool().clone();
        async move {
            // Two different people, each with their own demo authenticator.
            for (w, staff) in [(&a, "S0001"), (&b, "S0002")] {
                w.wait_text("#sync-state", |t| t == "オンライン").await;
                w.login_demo(staff).await;
                w.wait("#search-input").await;
            }
            // Terminal 1 receives the resident; its check-in leaves at once.
            a.type_in("#search-input", &format!("{voucher}{}", enter())).await;
            a.wait("#resident-card").await;
            a.click("#checkin-submit").await;
            a.wait_text("#last-reception-no", |t| t.contains('1')).await;
            // The write wakes the runner: the service has it without anyone pressing 同期.
            wait_for_events(&pool, 1).await;
            a.wait_text("#sync-pending", |t| t.contains("未送信 0 件")).await;

            // Terminal 2 syncs and is warned when the same person comes to its desk.
            b.click("#sync-now").await;
            b.wait_text("#sync-state", |t| t == "オンライン").await;
            b.type_in("#search-input", &format!("{voucher}{}", enter())).await;
            b.wait_text("#card-elsewhere", |t| t.contains("受付1")).await;
            b.screenshot("two-terminals-elsewhere").await;
            // Received anyway (the desk cannot be sure offline): both kept, flagged.
            b.click("#checkin-submit").await;
            b.wait_text("#last-reception-no", |t| t.contains('1')).await;
            wait_for_events(&pool, 2).await;
            b.wait_text("#sync-pending", |t| t.contains("未送信 0 件")).await;
            let c = pool.get().await.unwrap();
            let flags: i64 = c.query_one("SELECT count(*) FROM review_flags", &[]).await.unwrap().get(0);
            assert_eq!(flags, 1);

            // The administrator revokes terminal 2: its window says so on the next sync.
            uketsuke_central::admin::revoke(&pool, revoke_b, "紛失", chrono::Utc::now()).await.unwrap();
            b.click("#sync-now").await;
            b.wait_text("#sync-state", |t| t.contains("失効")).await;
            b.wait_text("#sync-error", |t| t.contains("失効")).await;
            b.screenshot("two-terminals-revoked").await;
        }
    })
    .await;
    if result.is_err() {
        a.screenshot("failed-two-terminals-a").await;
        b.screenshot("failed-two-terminals-b").await;
    }
    a.client.close().await.ok();
    b.client.close().await.ok();
    if let Err(e) = result {
        std::panic::resume_unwind(e.into_panic());
    }
}
