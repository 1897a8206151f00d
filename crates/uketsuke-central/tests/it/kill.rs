//! The real `uketsuke-central` binary killed with SIGKILL in the middle of a push,
//! then started again: every event exactly once on the service, none lost on the
//! terminal.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use uketsuke_synctest::*;

struct Service {
    child: Child,
    port: u16,
}

impl Service {
    async fn spawn(central: &Central, port: u16) -> Service {
        let log = std::fs::File::create(central.pki_dir.path().join(format!("central-{port}.log"))).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_uketsuke-central"))
            .arg("serve")
            .env("UKETSUKE_CENTRAL_DATABASE_URL", &central.db.url)
            .env("UKETSUKE_CENTRAL_PKI_DIR", central.pki_dir.path())
            .env("UKETSUKE_CENTRAL_LISTEN", format!("127.0.0.1:{port}"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Service { child, port };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("the service did not start");
    }

    fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    fn kill(&mut self) {
        // SIGKILL: no graceful shutdown, requests in flight die with the process.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_service_mid_push_loses_and_doubles_nothing() {
    const EVENTS: i64 = 1200;
    let mut central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    t.churn(&session_am(), EVENTS as usize);
    central.running.take().unwrap().stop().await.unwrap();

    let port = free_port();
    let mut service = Service::spawn(&central, port).await;
    let t = Arc::new(t);
    let engine = Arc::new(t.engine_via(&service.url()).with_push_batch(20));
    let push = {
        let (t, engine) = (t.clone(), engine.clone());
        tokio::spawn(async move { engine.sync_once(&t.store).await })
    };
    // Kill it as soon as the first batches are committed.
    loop {
        if central.count("SELECT count(*) FROM events").await >= 100 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    service.kill();
    let result = push.await.unwrap();
    assert!(result.is_err(), "the push was cut short");
    let on_service = central.count("SELECT count(*) FROM events").await;
    let accepted_here = t.count("SELECT count(*) FROM events WHERE sync_state = 'accepted'");
    assert!(on_service < EVENTS, "killed mid-push: {on_service} of {EVENTS}");
    assert!(on_service >= accepted_here, "the terminal only marks what the service committed");
    assert_eq!(t.count("SELECT count(*) FROM events"), EVENTS, "nothing lost on the terminal");

    // Started again: the rest arrives, what was committed but unanswered is "already had it".
    let _service = Service::spawn(&central, port).await;
    engine.sync_once(&t.store).await.unwrap();
    assert_eq!(central.count("SELECT count(*) FROM events").await, EVENTS);
    assert_eq!(central.count("SELECT count(DISTINCT event_id) FROM events").await, EVENTS);
    assert_eq!(t.count("SELECT count(*) FROM events WHERE sync_state <> 'accepted'"), 0);
    // churn() checks in and cancels in pairs: 600 visits, all cancelled, as on the terminal.
    assert_eq!(central.count("SELECT count(*) FROM visits").await, EVENTS / 2);
    assert_eq!(central.count("SELECT count(*) FROM visits WHERE state = 'active'").await, 0);
}
