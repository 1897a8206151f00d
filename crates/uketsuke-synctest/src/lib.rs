//! Sync test harness: a real central service (mutual TLS over loopback, real
//! PostgreSQL from uketsuke-pgtest, its own database per test) and terminals with
//! real SQLCipher stores. Only the OS credential store is keyring-core's mock.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, Once};

use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::Pool;
use uketsuke_central::{admin, AppState, Config, Running};
use uketsuke_core::events::{CopayInput, ScreeningInput};
use uketsuke_core::{CopayCategory, IdentityMethod, ScreeningStatus};
use uketsuke_store::reception::CheckInRequest;
use uketsuke_store::{Actor, DataDir, Keystore, Store};
use uketsuke_sync::{Engine, Enrollment, Now};

/// Today in JST: the demo city has sessions around it, as the window expects.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).unwrap()).date_naive()
}

/// The demo city the service is seeded with.
pub fn demo_config(residents: usize) -> uketsuke_demo::DemoConfig {
    uketsuke_demo::DemoConfig { seed: 7, residents, today: today() }
}

pub fn now() -> DateTime<Utc> {
    Utc::now()
}

pub const RESIDENTS: usize = 200;

/// The health centre's morning session today (the demo city holds one every day).
pub fn session_am() -> String {
    format!("V01-{}-AM", today())
}

fn install_mock_keyring() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| keyring_core::set_default_store(keyring_core::mock::Store::new().expect("mock store")));
}

pub struct Central {
    pub db: uketsuke_pgtest::TestDb,
    pub pki_dir: tempfile::TempDir,
    pub state: AppState,
    pub running: Option<Running>,
    pub addr: SocketAddr,
}

impl Central {
    pub async fn start() -> Central {
        Central::start_with(RESIDENTS, 8).await
    }

    /// A service with `residents` demo residents and a pool of `pool_size`.
    pub async fn start_with(residents: usize, pool_size: usize) -> Central {
        Central::start_configured(residents, |c| c.pool_size = pool_size).await
    }

    /// A service with `residents` demo residents and its configuration changed by `adjust`.
    pub async fn start_configured(residents: usize, adjust: impl FnOnce(&mut Config)) -> Central {
        let db = uketsuke_pgtest::fresh_db().await.expect("test database");
        let pki_dir = tempfile::tempdir().unwrap();
        uketsuke_central::pki::init(pki_dir.path(), &["127.0.0.1".into(), "localhost".into()], "テスト市").unwrap();
        let mut config = Config {
            database_url: db.url.clone(),
            pki_dir: pki_dir.path().to_owned(),
            shutdown_grace_secs: 2,
            ..Config::default()
        };
        adjust(&mut config);
        let state = uketsuke_central::state(config, Arc::new(uketsuke_central::SystemClock)).await.unwrap();
        let cfg = demo_config(residents);
        admin::demo_seed(&state.pool, &cfg, uketsuke_auth::Argon2Params::for_test_fixtures()).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let running = uketsuke_central::start(state.clone(), listener).await.unwrap();
        Central { db, pki_dir, state, running: Some(running), addr }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    pub fn pool(&self) -> &Pool {
        &self.state.pool
    }

    /// `K_0` as the service opens it from a terminal's escrow (sealed to its escrow
    /// recipient, or in clear from a store that had not met it).
    pub fn k0_of(&self, escrow: &uketsuke_store::audit::Escrow) -> uketsuke_auth::fsmac::MacKey {
        match escrow {
            uketsuke_store::audit::Escrow::Clear(k) => k.clone(),
            uketsuke_store::audit::Escrow::Sealed { sealed, .. } => {
                let pki = uketsuke_central::pki::load(self.pki_dir.path()).unwrap();
                let bytes = uketsuke_export::decrypt_with_identity(sealed, pki.escrow_identity()).unwrap();
                uketsuke_auth::fsmac::MacKey::from_bytes(&bytes).unwrap()
            }
        }
    }

    /// Register a terminal, assign it sessions, return its enrollment code.
    pub async fn new_terminal(&self, name: &str, sessions: &[String]) -> (uuid::Uuid, String) {
        let pki = uketsuke_central::pki::load(self.pki_dir.path()).unwrap();
        let t = admin::add_terminal(self.pool(), name, &pki.fingerprint(), now(), 1).await.unwrap();
        for s in sessions {
            admin::assign(self.pool(), t.terminal_id, s, now()).await.unwrap();
        }
        (t.terminal_id, t.code.display())
    }

    pub async fn count(&self, sql: &str) -> i64 {
        self.pool().get().await.unwrap().query_one(sql, &[]).await.unwrap().get(0)
    }

    /// The venue a session is held at.
    pub async fn venue_of(&self, session_id: &str) -> String {
        let c = self.pool().get().await.unwrap();
        c.query_one("SELECT venue_id FROM sessions WHERE session_id = $1", &[&session_id]).await.unwrap().get(0)
    }

    /// A software authenticator registered for `staff_id` through the real flow:
    /// an administrator's invitation, the person's password at the terminal
    /// behind `engine`, the policy judging the attestation (this service runs the
    /// demo city, which trusts the token's root).
    pub async fn register_software_authenticator(
        &self,
        engine: &Engine,
        staff_id: &str,
    ) -> uketsuke_identity::SoftAuthenticator {
        let (token, model) = uketsuke_identity::SoftAuthenticator::new().unwrap();
        uketsuke_central::identity::authenticators::trust_demo_ca(self.pool(), &model.ca_pem).await.unwrap();
        let invite = uketsuke_central::identity::authenticators::invite(
            self.pool(),
            staff_id,
            chrono::Duration::hours(1),
            now(),
        )
        .await
        .unwrap();
        // The token is kept as bytes too: the registration moves it into the shared slot.
        let path = std::env::temp_dir().join(format!("uketsuke-softtoken-{}", uuid::Uuid::now_v7()));
        let token = {
            token.save(&path).unwrap();
            uketsuke_identity::SoftAuthenticator::open_file(&path).unwrap()
        };
        let shared: uketsuke_sync::identity::SharedAuthenticator = Arc::new(std::sync::Mutex::new(Box::new(token)));
        let start = uketsuke_protocol::identity::RegistrationStartRequest {
            staff_id: staff_id.into(),
            invite_code: invite.code,
            password: uketsuke_demo::city::DEMO_PASSWORD.into(),
        };
        uketsuke_sync::identity::register(engine, &shared, &start, "テスト用ソフトウェア認証器").await.unwrap();
        let bytes = std::fs::read(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        drop(shared);
        uketsuke_identity::SoftAuthenticator::from_bytes(&bytes).unwrap()
    }

    /// The demo city's software authenticators for every active demo staff
    /// member, registered here and written where the app on `data_dir` finds
    /// them (`demo-authenticators/`), as `central-demo.sh` does for a terminal.
    /// The terminal receives the public credentials with its next sync.
    pub async fn give_demo_authenticators(&self, data_dir: &std::path::Path, label: &str) {
        uketsuke_central::identity::authenticators::demo_authenticators(
            self.pool(),
            &self.state.identity,
            &data_dir.join(uketsuke_demo::city::AUTHENTICATORS_DIR),
            label,
            now(),
        )
        .await
        .unwrap();
    }

    /// Stop and start again on the same address (e.g. against another database).
    pub async fn restart_with(&mut self, state: AppState) {
        if let Some(r) = self.running.take() {
            r.stop().await.unwrap();
        }
        let listener = tokio::net::TcpListener::bind(self.addr).await.unwrap();
        self.running = Some(uketsuke_central::start(state.clone(), listener).await.unwrap());
        self.state = state;
    }
}

pub struct Terminal {
    pub dir: tempfile::TempDir,
    pub keystore: Keystore,
    pub store: Mutex<Store>,
    pub enrollment: Enrollment,
    pub engine: Engine,
    pub clock: Now,
}

impl Terminal {
    pub async fn enroll(central: &Central, name: &str, sessions: &[String]) -> Terminal {
        Terminal::enroll_with_clock(central, name, sessions, Arc::new(Utc::now)).await
    }

    pub async fn enroll_with_clock(central: &Central, name: &str, sessions: &[String], clock: Now) -> Terminal {
        install_mock_keyring();
        let dir = tempfile::tempdir().unwrap();
        let keystore = Keystore::new(&format!("uketsuke-sync-test-{}", uuid::Uuid::now_v7()));
        let data = DataDir::new(dir.path());
        let (_, code) = central.new_terminal(name, sessions).await;
        let enrollment = uketsuke_sync::enroll(&data, &keystore, &central.url(), &code).await.unwrap();
        let (store, _) = Store::open_or_create(&data, &keystore, clock()).unwrap();
        let engine = Engine::new(enrollment.transport(&keystore).unwrap(), clock.clone())
            .with_audit(enrollment.audit_identity(&keystore).unwrap());
        Terminal { dir, keystore, store: Mutex::new(store), enrollment, engine, clock }
    }

    /// A new engine for this terminal talking to `url` (e.g. through a [`Proxy`]).
    pub fn engine_via(&self, url: &str) -> Engine {
        let mut e = self.enrollment.clone();
        e.service_url = url.to_owned();
        Engine::new(e.transport(&self.keystore).unwrap(), self.clock.clone())
            .with_audit(self.enrollment.audit_identity(&self.keystore).unwrap())
    }

    /// Set the local store aside (as a reset does, whatever it held) and begin a
    /// new one: a new store id, so a new event stream and a new access-log chain.
    pub fn replace_store(&self) {
        let mut store = self.store.lock().unwrap();
        let dir = DataDir::new(self.dir.path());
        uketsuke_store::db::reset(&dir, "RESET", Utc::now()).unwrap();
        *store = Store::open_or_create(&dir, &self.keystore, Utc::now()).unwrap().0;
    }

    /// Make `n` events quickly: check a resident in and cancel, over and over.
    pub fn churn(&self, session: &str, n: usize) {
        let who = self.residents(1).remove(0);
        let mut made = 0;
        while made < n {
            let visit = self.check_in(session, &who);
            made += 1;
            if made < n {
                self.store.lock().unwrap().cancel(&Terminal::actor(), Utc::now(), &visit, "試験").unwrap();
                made += 1;
            }
        }
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.store.lock().unwrap().connection().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Write an access-log entry on this terminal as `staff_id` (what a hostile OS
    /// user holding the store's key could write too).
    pub fn log_as(&self, staff_id: &str, at: DateTime<Utc>, operation: &str, detail: &str) {
        let store = self.store.lock().unwrap();
        let tid = store.terminal_id().to_owned();
        let actor = Actor { staff_id: staff_id.into(), department: "健康推進課".into() };
        uketsuke_store::audit::append(
            store.connection(),
            &actor,
            &tid,
            at,
            uketsuke_store::audit::REASON_AUTH,
            None,
            operation,
            detail,
        )
        .unwrap();
    }

    pub fn actor() -> Actor {
        Actor { staff_id: "S0001".into(), department: "健康推進課".into() }
    }

    /// The first programme (in code order) `session` offers, from this terminal's store.
    pub fn first_programme(&self, session: &str) -> String {
        self.store
            .lock()
            .unwrap()
            .connection()
            .query_row(
                "SELECT programme_code FROM session_programmes WHERE session_id = ?1 ORDER BY programme_code LIMIT 1",
                [session],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// A check-in at `session` for its first programme, standard copay, warnings overridden.
    pub fn check_in_request(&self, session: &str, resident_id: &str) -> CheckInRequest {
        CheckInRequest {
            session_id: session.into(),
            resident_id: resident_id.into(),
            identity_method: IdentityMethod::VoucherOnly,
            copay: CopayInput { category: CopayCategory::Standard, proof: String::new(), amount_yen: 500 },
            screenings: vec![ScreeningInput {
                programme_code: self.first_programme(session),
                status: ScreeningStatus::Received,
                stop_reason: None,
                override_reason: Some("試験".into()),
            }],
        }
    }

    /// Check in a resident at `session` for its first programme; returns the visit id.
    pub fn check_in(&self, session: &str, resident_id: &str) -> String {
        let req = self.check_in_request(session, resident_id);
        self.store.lock().unwrap().check_in(&Terminal::actor(), Utc::now(), &req).unwrap().visit_id
    }

    /// Some residents the terminal holds, in id order.
    pub fn residents(&self, n: usize) -> Vec<String> {
        let store = self.store.lock().unwrap();
        let mut stmt = store
            .connection()
            .prepare("SELECT resident_id FROM residents WHERE provisional = 0 ORDER BY resident_id LIMIT ?1")
            .unwrap();
        stmt.query_map([n as i64], |r| r.get(0)).unwrap().collect::<Result<Vec<String>, _>>().unwrap()
    }
}

/// A TCP proxy that forwards both ways and, once `cut_after` bytes have gone
/// from the service to the terminal on a connection, cuts that connection: a
/// LAN cable pulled in the middle of a response. Set `cut_after` to `usize::MAX`
/// to heal it.
pub struct Proxy {
    pub addr: SocketAddr,
    pub cut_after: Arc<std::sync::atomic::AtomicUsize>,
    pub cuts: Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr, cut_after: usize) -> Proxy {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let limit = Arc::new(AtomicUsize::new(cut_after));
        let cuts = Arc::new(AtomicUsize::new(0));
        let (limit2, cuts2) = (limit.clone(), cuts.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else { return };
                let Ok(server) = tokio::net::TcpStream::connect(upstream).await else { continue };
                let (limit, cuts) = (limit2.clone(), cuts2.clone());
                tokio::spawn(async move {
                    let (mut cr, mut cw) = client.into_split();
                    let (mut sr, mut sw) = server.into_split();
                    let up = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut cr, &mut sw).await;
                        let _ = sw.shutdown().await;
                    });
                    let mut sent = 0usize;
                    let mut buf = vec![0u8; 16 * 1024];
                    loop {
                        let n = match sr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let allowed = limit.load(Ordering::SeqCst).saturating_sub(sent);
                        if n > allowed {
                            let _ = cw.write_all(&buf[..allowed]).await;
                            cuts.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                        if cw.write_all(&buf[..n]).await.is_err() {
                            break;
                        }
                        sent += n;
                    }
                    up.abort();
                    // Dropping both halves closes the terminal's side.
                });
            }
        });
        Proxy { addr, cut_after: limit, cuts, task }
    }

    pub fn url(&self) -> String {
        format!("https://127.0.0.1:{}", self.addr.port())
    }

    pub fn heal(&self) {
        self.cut_after.store(usize::MAX, std::sync::atomic::Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
