//! The background runner drains the queue by itself after the service comes back:
//! no 今すぐ同期, no new write (the PowerSync/ODK bug class "uploads silently stop").

use std::sync::Arc;
use std::time::Duration;

use uketsuke_api::app::DemoOptions;
use uketsuke_api::{run_sync_loop, App, SyncState, SystemClock};
use uketsuke_store::DataDir;
use uketsuke_synctest::{session_am, Central, Terminal};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_made_while_the_service_is_down_reaches_it_when_it_returns() {
    let mut central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    central.give_demo_authenticators(t.dir.path(), "受付1").await;
    t.engine.sync_once(&t.store).await.unwrap();
    let resident = t.residents(1).remove(0);
    let request = t.check_in_request(&session_am(), &resident);
    let Terminal { dir, keystore, store, .. } = t;
    drop(store);

    // The app on the enrolled terminal's data directory, with its runner.
    let app = Arc::new(App::start(
        DataDir::new(dir.path()),
        keystore,
        Arc::new(SystemClock),
        DemoOptions { residents: 0, ..Default::default() },
    ));
    assert!(!app.status().demo_mode);
    tokio::spawn(run_sync_loop(app.clone()));
    let login =
        uketsuke_api::LoginRequest { staff_id: "S0001".into(), password: uketsuke_demo::city::DEMO_PASSWORD.into() };
    app.login(&login).await.unwrap();

    // The LAN goes away; staff keep working.
    let state = central.state.clone();
    central.running.take().unwrap().stop().await.unwrap();
    app.check_in(&request).unwrap();
    let mut offline = false;
    for _ in 0..100 {
        if app.sync_view().state == SyncState::Offline {
            offline = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(offline, "the write woke the runner, which found the service gone");
    assert_eq!(app.sync_view().status.pending, 1);

    // The service comes back. Nobody touches the terminal. The runner's backoff
    // retries (1 s, 2 s, 4 s, … with jitter) find it well before the 30 s timer would.
    central.restart_with(state).await;
    for _ in 0..150 {
        let v = app.sync_view();
        if v.status.pending == 0 && v.state == SyncState::Online {
            assert_eq!(central.count("SELECT count(*) FROM events").await, 1);
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the queue did not drain by itself within 15 s: {:?}", app.sync_view());
}
