//! Uketsuke's central service: the system of record for the roster, the catalog,
//! staff, terminals and everything terminals record at venues.
//!
//! - [`config`]: file + environment configuration.
//! - [`db`]: PostgreSQL pool, migrations (`migrations/central/`), the change lock.
//! - [`pki`]: the private CA; [`tls`]: the mutual-TLS listener.
//! - [`routes`]: the HTTP API (enroll, push, pull, known, health); [`push`], [`pull`].
//! - [`admin`]: what the administration CLI does (roster, catalog, staff, terminals,
//!   walk-in matching, review flags, attendance export).
//!
//! - [`accounts`]: staff credentials (Argon2id), the verified online login,
//!   the 個人番号 gate; [`audit`]: shipped access logs, their verification,
//!   receipts, findings, queries; [`archive`]: sealed files past online retention.
//! - [`export`]: export to external media — terminal designation, recipients,
//!   requests, supervisors' decisions and signed grants, the export ledger.
//!
//! Time is passed in (`now`) or read through [`routes::Clock`], never inside the logic.

pub mod accounts;
pub mod admin;
pub mod archive;
pub mod audit;
pub mod config;
pub mod db;
pub mod error;
pub mod export;
pub mod files;
pub mod identity;
pub mod password_work;
pub mod pki;
pub mod pull;
pub mod push;
pub mod rate;
pub mod routes;
pub mod tls;

use std::sync::Arc;
use std::time::Duration;

pub use config::Config;
pub use error::{CentralError, Result};
pub use routes::{AppState, Clock, SystemClock};

/// A running service (for tests, benchmarks and `serve`).
pub struct Running {
    pub addr: std::net::SocketAddr,
    /// Connections open now (the listener's own count, for tests and metrics).
    pub connections: Arc<tls::Connections>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<()>>,
}

impl Running {
    /// Stop accepting, let requests in flight finish, and wait.
    pub async fn stop(mut self) -> Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.task.await.map_err(|e| CentralError::Internal(e.to_string()))?
    }

    /// Stop at once, as a crash would: connections in flight are cut.
    pub fn abort(self) {
        self.task.abort();
    }
}

/// Connect, migrate, load the CA and serve on `listener` in a background task.
pub async fn start(state: AppState, listener: tokio::net::TcpListener) -> Result<Running> {
    let addr = listener.local_addr()?;
    let tls = tls::server_config(&state.pki)?;
    let grace = Duration::from_secs(state.config.shutdown_grace_secs);
    let limits = tls::Limits::from_config(&state.config);
    let connections = Arc::new(tls::Connections::default());
    let app = routes::router(state);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(tls::serve(
        listener,
        tls,
        app,
        async move {
            let _ = rx.await;
        },
        grace,
        limits,
        connections.clone(),
    ));
    Ok(Running { addr, connections, shutdown: Some(tx), task })
}

/// State from configuration: pool (migrated) and CA.
pub async fn state(config: Config, clock: Arc<dyn Clock>) -> Result<AppState> {
    let pool = db::pool_with_wait(&config.database_url, config.pool_size, Duration::from_secs(config.pool_wait_secs))?;
    db::migrate(&pool).await?;
    let pki = pki::load(&config.pki_dir)?;
    let password_work = Arc::new(password_work::PasswordWork::new(
        config.argon2_max_concurrent,
        Duration::from_secs(config.argon2_wait_secs),
    ));
    let identity = Arc::new(identity::Identity::from_config(&config)?);
    identity.note_policy(&pool).await?;
    let rate = Arc::new(rate::RateLimits::from_config(&config));
    Ok(AppState { pool, pki: Arc::new(pki), config: Arc::new(config), clock, password_work, identity, rate })
}
