//! [`App`]: the terminal's state behind the window and the CLI.

use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::Duration;
use serde::Serialize;
use ts_rs::TS;
use uketsuke_core::wareki;
use uketsuke_store::reception::{CheckInRequest, CorrectionRequest, WalkInRequest};
use uketsuke_store::views::*;
use uketsuke_store::{business_date, db, Actor, DataDir, Keystore, Store, StoreError, RESET_CONFIRMATION};

use crate::clock::Clock;
use crate::demo;
use crate::error::{ApiError, ApiResult};
use crate::permissions::{self, Action};
use crate::sync::SyncView;
use uketsuke_sync::{Engine, Enrollment};

/// How the app starts when there is no central service.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// Seed a new store with this many synthetic residents (0: none).
    pub residents: usize,
    pub seed: u64,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions { residents: demo::DEFAULT_RESIDENTS, seed: demo::DEFAULT_SEED }
    }
}

#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum StoreState {
    Ready,
    /// The store could not be opened; `error.needs_reset` says whether the confirmed
    /// reset is the way forward.
    Failed {
        error: ApiError,
    },
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AppStatus {
    pub store: StoreState,
    pub demo_mode: bool,
    pub terminal_id: Option<String>,
    /// The logged-in staff member (the demo picker's choice until login lands).
    pub staff: Option<StaffView>,
    pub allowed_actions: Vec<Action>,
    pub pending_events: i64,
    /// ISO date (JST)
    pub today: String,
    pub today_wareki: String,
    /// What to type to confirm a reset of the local cache.
    pub reset_word: String,
}

pub(crate) enum Slot {
    Open(Box<Store>),
    Failed(ApiError),
}

pub(crate) struct Inner {
    pub(crate) slot: Slot,
    staff: Option<(Actor, StaffView)>,
}

/// An enrolled terminal's link to the central service.
#[derive(Clone)]
pub(crate) struct SyncContext {
    pub(crate) enrollment: Enrollment,
    pub(crate) engine: Arc<Engine>,
}

pub struct App {
    data_dir: DataDir,
    keystore: Keystore,
    clock: Arc<dyn Clock>,
    demo: DemoOptions,
    inner: Mutex<Inner>,
    pub(crate) sync: Mutex<Option<SyncContext>>,
    pub(crate) sync_trigger: tokio::sync::Notify,
    pub(crate) syncing: AtomicBool,
}

/// The enrolled terminal's sync context, if `data_dir` holds an enrollment.
fn sync_context(data_dir: &DataDir, keystore: &Keystore, clock: &Arc<dyn Clock>) -> Option<SyncContext> {
    let enrollment = match Enrollment::load(data_dir) {
        Ok(Some(e)) => e,
        Ok(None) => return None,
        Err(e) => {
            tracing::error!(error = %e, "enrollment file unreadable");
            return None;
        }
    };
    let clock = clock.clone();
    match enrollment.transport(keystore) {
        Ok(t) => {
            let engine = Arc::new(Engine::new(t, Arc::new(move || clock.now())));
            Some(SyncContext { enrollment, engine })
        }
        Err(e) => {
            tracing::error!(error = %e, "device identity unusable; sync is off");
            None
        }
    }
}

impl App {
    /// Open (or on first start create and seed) the store in `data_dir`. A failure
    /// is kept and reported by [`App::status`]; it never leads to a new empty store.
    /// An enrolled terminal (an `enrollment.json` in `data_dir`) never seeds demo
    /// data: its store fills from the central service.
    pub fn start(data_dir: DataDir, keystore: Keystore, clock: Arc<dyn Clock>, demo: DemoOptions) -> App {
        let sync = sync_context(&data_dir, &keystore, &clock);
        let demo = if sync.is_some() { DemoOptions { residents: 0, ..demo } } else { demo };
        let slot = open_slot(&data_dir, &keystore, clock.as_ref(), demo, sync.is_none());
        App::assemble(data_dir, keystore, clock, demo, slot, sync)
    }

    fn assemble(
        data_dir: DataDir,
        keystore: Keystore,
        clock: Arc<dyn Clock>,
        demo: DemoOptions,
        slot: Slot,
        sync: Option<SyncContext>,
    ) -> App {
        App {
            data_dir,
            keystore,
            clock,
            demo,
            inner: Mutex::new(Inner { slot, staff: None }),
            sync: Mutex::new(sync),
            sync_trigger: tokio::sync::Notify::new(),
            syncing: AtomicBool::new(false),
        }
    }

    /// Attach to an existing store only (the CLI's read commands): never creates or seeds.
    pub fn attach(data_dir: DataDir, keystore: Keystore, clock: Arc<dyn Clock>) -> App {
        let slot = match Store::open_existing(&data_dir, &keystore) {
            Ok(s) => Slot::Open(Box::new(s)),
            Err(e) => Slot::Failed(e.into()),
        };
        let demo = DemoOptions { residents: 0, ..DemoOptions::default() };
        let sync = sync_context(&data_dir, &keystore, &clock);
        App::assemble(data_dir, keystore, clock, demo, slot, sync)
    }

    /// An app whose store could not even be attempted (e.g. no OS credential store).
    pub fn unavailable(data_dir: DataDir, keystore: Keystore, clock: Arc<dyn Clock>, error: ApiError) -> App {
        let demo = DemoOptions::default();
        App::assemble(data_dir, keystore, clock, demo, Slot::Failed(error), None)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock must not brick the window.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn status(&self) -> AppStatus {
        let g = self.lock();
        let today = business_date(self.clock.now());
        let (store, terminal_id, pending) = match &g.slot {
            Slot::Open(s) => (StoreState::Ready, Some(s.terminal_id().to_owned()), s.pending_events().unwrap_or(0)),
            Slot::Failed(e) => (StoreState::Failed { error: e.clone() }, None, 0),
        };
        let staff = g.staff.as_ref().map(|(_, v)| v.clone());
        AppStatus {
            store,
            demo_mode: self.sync.lock().unwrap_or_else(|p| p.into_inner()).is_none(),
            terminal_id,
            allowed_actions: staff.as_ref().map(|s| permissions::allowed_actions(s.role)).unwrap_or_default(),
            staff,
            pending_events: pending,
            today: today.to_string(),
            today_wareki: wareki::to_wareki(today),
            reset_word: RESET_CONFIRMATION.to_owned(),
        }
    }

    /// The explicit, confirmed "reset local cache": sets the current store aside
    /// (moved, still encrypted) and starts a new one. Refused while a healthy store
    /// still holds events the central service has not received.
    pub fn reset_local_cache(&self, confirmation: &str) -> ApiResult<AppStatus> {
        let now = self.clock.now();
        {
            let mut g = self.lock();
            if confirmation.trim() != RESET_CONFIRMATION {
                return Err(StoreError::ResetNotConfirmed.into());
            }
            if let Slot::Open(s) = &g.slot {
                let pending = s.pending_events()?;
                if pending > 0 {
                    return Err(ApiError::new("RESET_WOULD_LOSE_EVENTS", "unsent events are still in the store")
                        .with("pending", pending));
                }
            }
            // Close the store before moving its files.
            g.slot = Slot::Failed(ApiError::store_unavailable());
            g.staff = None;
            db::reset(&self.data_dir, confirmation, now)?;
            tracing::warn!("local cache reset by confirmed request");
            let enrolled = self.sync.lock().unwrap_or_else(|p| p.into_inner()).is_some();
            g.slot = open_slot(&self.data_dir, &self.keystore, self.clock.as_ref(), self.demo, !enrolled);
        }
        // An enrolled terminal fetches its roster again at once.
        self.request_sync();
        Ok(self.status())
    }

    /// Enroll this terminal with the central service (address and one-time code
    /// from the administrator). The demo store is set aside (still encrypted) and
    /// a fresh store fills from the service on the first sync.
    pub async fn enroll(&self, service_url: &str, code: &str) -> ApiResult<AppStatus> {
        if self.sync.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
            return Err(ApiError::new("ALREADY_ENROLLED", "this terminal is already enrolled"));
        }
        uketsuke_sync::enroll(&self.data_dir, &self.keystore, service_url, code).await?;
        let ctx = sync_context(&self.data_dir, &self.keystore, &self.clock)
            .ok_or_else(|| ApiError::new("DEVICE_IDENTITY_ERROR", "the new device identity cannot be used"))?;
        {
            let mut g = self.lock();
            g.slot = Slot::Failed(ApiError::store_unavailable());
            g.staff = None;
            db::reset(&self.data_dir, RESET_CONFIRMATION, self.clock.now())?;
            let demo = DemoOptions { residents: 0, ..self.demo };
            g.slot = open_slot(&self.data_dir, &self.keystore, self.clock.as_ref(), demo, false);
            *self.sync.lock().unwrap_or_else(|p| p.into_inner()) = Some(ctx);
        }
        tracing::info!("terminal enrolled; first sync requested");
        self.request_sync();
        Ok(self.status())
    }

    /// Put an event the service refused back in the queue, after its cause was fixed.
    pub fn requeue_event(&self, event_id: &str) -> ApiResult<SyncView> {
        let done = self.as_staff(Action::CorrectVisit, |s, _| {
            Ok(uketsuke_store::sync::requeue_rejected(s.connection(), event_id)?)
        })?;
        if !done {
            return Err(ApiError::new("EVENT_NOT_REJECTED", "no refused event with this id"));
        }
        self.request_sync();
        Ok(self.sync_view())
    }

    fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> ApiResult<T>) -> ApiResult<T> {
        let mut g = self.lock();
        match &mut g.slot {
            Slot::Open(s) => f(s),
            Slot::Failed(e) => Err(e.clone()),
        }
    }

    /// Run `f` as the logged-in staff member, if their role allows `action`.
    fn as_staff<T>(&self, action: Action, f: impl FnOnce(&mut Store, &Actor) -> ApiResult<T>) -> ApiResult<T> {
        let mut g = self.lock();
        let inner = &mut *g;
        let (actor, view) = inner.staff.as_ref().ok_or_else(ApiError::not_logged_in)?;
        if !permissions::allows(view.role, action) {
            return Err(ApiError::forbidden(action.name()));
        }
        match &mut inner.slot {
            Slot::Open(s) => f(s, actor),
            Slot::Failed(e) => Err(e.clone()),
        }
    }

    /// The demo staff picker (replaced by real login in the login issue).
    pub fn list_staff(&self) -> ApiResult<Vec<StaffView>> {
        self.with_store(|s| Ok(s.staff()?))
    }

    pub fn select_staff(&self, staff_id: &str) -> ApiResult<AppStatus> {
        let now = self.clock.now();
        let chosen = self.with_store(|s| Ok(s.select_staff(staff_id, now)?))?;
        self.lock().staff = Some(chosen);
        Ok(self.status())
    }

    pub fn sign_out(&self) -> AppStatus {
        self.lock().staff = None;
        self.status()
    }

    /// Sessions from yesterday to a week ahead.
    pub fn sessions(&self) -> ApiResult<Vec<SessionView>> {
        let today = business_date(self.clock.now());
        self.as_staff(Action::ViewAttendance, |s, _| {
            Ok(s.sessions(today - Duration::days(1), today + Duration::days(7))?)
        })
    }

    pub fn lookup_voucher(&self, input: &str) -> ApiResult<ResidentSummary> {
        let now = self.clock.now();
        self.as_staff(Action::SearchResidents, |s, a| Ok(s.find_by_voucher(a, now, input)?))
    }

    pub fn search_residents(&self, kana: &str, birth_date: Option<&str>) -> ApiResult<Vec<ResidentSummary>> {
        let now = self.clock.now();
        self.as_staff(Action::SearchResidents, |s, a| Ok(s.search_kana(a, now, kana, birth_date)?))
    }

    pub fn resident_card(&self, resident_id: &str, session_id: &str) -> ApiResult<ResidentCard> {
        let now = self.clock.now();
        self.as_staff(Action::ViewResident, |s, a| Ok(s.resident_card(a, now, resident_id, session_id)?))
    }

    pub fn check_in(&self, req: &CheckInRequest) -> ApiResult<VisitView> {
        let now = self.clock.now();
        let v = self.as_staff(Action::CheckIn, |s, a| Ok(s.check_in(a, now, req)?))?;
        self.request_sync();
        Ok(v)
    }

    pub fn correct_visit(&self, req: &CorrectionRequest) -> ApiResult<VisitView> {
        let now = self.clock.now();
        let v = self.as_staff(Action::CorrectVisit, |s, a| Ok(s.correct(a, now, req)?))?;
        self.request_sync();
        Ok(v)
    }

    pub fn cancel_visit(&self, visit_id: &str, reason: &str) -> ApiResult<VisitView> {
        let now = self.clock.now();
        let v = self.as_staff(Action::CancelVisit, |s, a| Ok(s.cancel(a, now, visit_id, reason)?))?;
        self.request_sync();
        Ok(v)
    }

    pub fn register_walk_in(&self, req: &WalkInRequest) -> ApiResult<ResidentSummary> {
        let now = self.clock.now();
        let v = self.as_staff(Action::RegisterWalkIn, |s, a| Ok(s.register_walk_in(a, now, req)?))?;
        self.request_sync();
        Ok(v)
    }

    pub fn list_visits(&self, session_id: &str) -> ApiResult<Vec<VisitView>> {
        let now = self.clock.now();
        self.as_staff(Action::ViewAttendance, |s, a| Ok(s.visits(a, now, session_id)?))
    }

    pub fn session_counts(&self, session_id: &str) -> ApiResult<SessionCounts> {
        self.as_staff(Action::ViewAttendance, |s, _| Ok(s.counts(session_id)?))
    }
}

fn open_slot(
    dir: &DataDir,
    keystore: &Keystore,
    clock: &dyn Clock,
    demo_opts: DemoOptions,
    demo_sessions: bool,
) -> Slot {
    let now = clock.now();
    let result = (|| -> ApiResult<Store> {
        let (mut store, created) = Store::open_or_create(dir, keystore, now)?;
        if created && demo_opts.residents > 0 {
            demo::seed(&mut store, demo_opts.residents, demo_opts.seed, now)?;
        }
        if demo_sessions {
            demo::ensure_sessions_today(&mut store, now)?;
        }
        Ok(store)
    })();
    match result {
        Ok(s) => Slot::Open(Box::new(s)),
        Err(e) => {
            tracing::error!(code = %e.code, "local store could not be opened");
            Slot::Failed(e)
        }
    }
}

#[cfg(test)]
mod tests;
