//! Sync as the window sees it: enrollment, the background runner, the status bar.
//!
//! The runner ([`run_sync_loop`]) syncs when woken — after every write, when staff
//! press 同期 — and every [`SYNC_INTERVAL`] regardless, so the queue never silently
//! stops. A transient failure (network down, service unavailable) is retried with
//! exponential backoff and jitter (backon); when the retries are spent the timer
//! still fires, which is also how a returning LAN is noticed.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use serde::Serialize;
use ts_rs::TS;
use uketsuke_store::sync::{self as local, SyncStatus};
use uketsuke_store::Store;
use uketsuke_sync::{Engine, SyncError, SyncReport};

use crate::app::{App, Slot};
use crate::error::{ApiError, ApiResult};

/// A sync at least this often while the app runs.
pub const SYNC_INTERVAL: Duration = Duration::from_secs(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum SyncState {
    /// Not enrolled: demo data, nothing to sync.
    Demo,
    /// Enrolled; no sync has finished yet.
    NeverSynced,
    Syncing,
    /// The last sync succeeded.
    Online,
    /// The service could not be reached.
    Offline,
    /// The administrator revoked this terminal.
    Revoked,
    /// The last sync failed for another reason (see `status.last_error_code`).
    Error,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SyncView {
    pub state: SyncState,
    pub service_url: Option<String>,
    pub terminal_name: Option<String>,
    pub status: SyncStatus,
}

impl uketsuke_sync::StoreAccess for App {
    fn with<R>(&self, f: impl FnOnce(&mut Store) -> uketsuke_store::Result<R>) -> uketsuke_sync::Result<R> {
        let mut g = self.lock();
        match &mut g.slot {
            Slot::Open(s) => Ok(f(s)?),
            Slot::Failed(e) => Err(SyncError::StoreUnavailable { code: e.code.clone(), message: e.message.clone() }),
        }
    }
}

impl From<SyncError> for ApiError {
    fn from(e: SyncError) -> Self {
        match e {
            SyncError::Store(s) => s.into(),
            other => ApiError::new(other.code(), other.to_string()),
        }
    }
}

impl App {
    pub(crate) fn engine(&self) -> Option<Arc<Engine>> {
        self.sync.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|s| s.engine.clone())
    }

    /// Wake the runner (after a write, or when staff press 同期).
    pub fn request_sync(&self) {
        self.sync_trigger.notify_one();
    }

    /// One sync cycle now. Does not hold the store while waiting for the network.
    pub async fn sync_once(&self) -> ApiResult<SyncReport> {
        let engine = self.engine().ok_or_else(|| ApiError::new("NOT_ENROLLED", "this terminal is not enrolled"))?;
        self.syncing.store(true, Ordering::SeqCst);
        let result = engine.sync_once(self).await;
        self.syncing.store(false, Ordering::SeqCst);
        let report = result?;
        // The service's clock, as measured by this sync, raises the high-water
        // mark a login checks the terminal's clock against (a clock moved back).
        if let Some(skew) = report.skew_ms {
            let service_now = self.clock.now() - chrono::Duration::milliseconds(skew);
            self.with_store(|s| crate::login::note_time(s.connection(), service_now))?;
        }
        Ok(report)
    }

    /// The sync bar. Before anyone logs in it shows counts only: the refused
    /// events' reasons (which may name a resident) and the last error's text are
    /// for a logged-in staff member.
    pub fn sync_view(&self) -> SyncView {
        let sync = self.sync.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let logged_in = self.session().is_some();
        let status = {
            let g = self.lock();
            match &g.slot {
                Slot::Open(s) => local::status(s.connection()).unwrap_or_default(),
                Slot::Failed(_) => SyncStatus::default(),
            }
        };
        let status =
            if logged_in { status } else { SyncStatus { rejected: Vec::new(), last_error_message: None, ..status } };
        let state = match &sync {
            None => SyncState::Demo,
            Some(_) if self.syncing.load(Ordering::SeqCst) => SyncState::Syncing,
            Some(_) => match status.last_error_code.as_deref() {
                Some(uketsuke_protocol::codes::REVOKED) => SyncState::Revoked,
                Some("OFFLINE") => SyncState::Offline,
                Some(_) => SyncState::Error,
                None if status.last_success_at.is_some() => SyncState::Online,
                None => SyncState::NeverSynced,
            },
        };
        SyncView {
            state,
            service_url: sync.as_ref().map(|s| s.enrollment.service_url.clone()),
            terminal_name: sync.as_ref().map(|s| s.enrollment.terminal_name.clone()),
            status,
        }
    }
}

/// Run forever: sync when woken or every [`SYNC_INTERVAL`], retrying transient
/// failures with backoff. Spawn it once on the app's async runtime.
pub async fn run_sync_loop(app: Arc<App>) {
    loop {
        tokio::select! {
            _ = app.sync_trigger.notified() => {}
            _ = tokio::time::sleep(SYNC_INTERVAL) => {}
        }
        if app.engine().is_none() {
            continue;
        }
        let backoff = ExponentialBuilder::default()
            .with_min_delay(Duration::from_secs(1))
            .with_max_delay(Duration::from_secs(30))
            .with_max_times(6)
            .with_jitter();
        let attempt = || async { app.sync_once().await };
        let result = attempt
            .retry(backoff)
            .when(|e: &ApiError| e.code == "OFFLINE" || e.code == uketsuke_protocol::codes::UNAVAILABLE)
            .notify(|e: &ApiError, after: Duration| tracing::info!(code = %e.code, ?after, "sync failed; retrying"))
            .await;
        match result {
            Ok(r) => tracing::info!(pushed = r.pushed, pulled = r.roster, "synced"),
            Err(e) => tracing::warn!(code = %e.code, "sync failed; the timer will try again"),
        }
    }
}
