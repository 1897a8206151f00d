//! [`App`]: the terminal's state behind the window and the CLI.

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

enum Slot {
    Open(Box<Store>),
    Failed(ApiError),
}

struct Inner {
    slot: Slot,
    staff: Option<(Actor, StaffView)>,
}

pub struct App {
    data_dir: DataDir,
    keystore: Keystore,
    clock: Arc<dyn Clock>,
    demo: DemoOptions,
    inner: Mutex<Inner>,
}

impl App {
    /// Open (or on first start create and seed) the store in `data_dir`. A failure
    /// is kept and reported by [`App::status`]; it never leads to a new empty store.
    pub fn start(data_dir: DataDir, keystore: Keystore, clock: Arc<dyn Clock>, demo: DemoOptions) -> App {
        let slot = open_slot(&data_dir, &keystore, clock.as_ref(), demo);
        App { data_dir, keystore, clock, demo, inner: Mutex::new(Inner { slot, staff: None }) }
    }

    /// Attach to an existing store only (the CLI's read commands): never creates or seeds.
    pub fn attach(data_dir: DataDir, keystore: Keystore, clock: Arc<dyn Clock>) -> App {
        let slot = match Store::open_existing(&data_dir, &keystore) {
            Ok(s) => Slot::Open(Box::new(s)),
            Err(e) => Slot::Failed(e.into()),
        };
        let demo = DemoOptions { residents: 0, ..DemoOptions::default() };
        App { data_dir, keystore, clock, demo, inner: Mutex::new(Inner { slot, staff: None }) }
    }

    /// An app whose store could not even be attempted (e.g. no OS credential store).
    pub fn unavailable(data_dir: DataDir, keystore: Keystore, clock: Arc<dyn Clock>, error: ApiError) -> App {
        let demo = DemoOptions::default();
        App { data_dir, keystore, clock, demo, inner: Mutex::new(Inner { slot: Slot::Failed(error), staff: None }) }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
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
            demo_mode: true,
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
            g.slot = open_slot(&self.data_dir, &self.keystore, self.clock.as_ref(), self.demo);
        }
        Ok(self.status())
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
        self.as_staff(Action::CheckIn, |s, a| Ok(s.check_in(a, now, req)?))
    }

    pub fn correct_visit(&self, req: &CorrectionRequest) -> ApiResult<VisitView> {
        let now = self.clock.now();
        self.as_staff(Action::CorrectVisit, |s, a| Ok(s.correct(a, now, req)?))
    }

    pub fn cancel_visit(&self, visit_id: &str, reason: &str) -> ApiResult<VisitView> {
        let now = self.clock.now();
        self.as_staff(Action::CancelVisit, |s, a| Ok(s.cancel(a, now, visit_id, reason)?))
    }

    pub fn register_walk_in(&self, req: &WalkInRequest) -> ApiResult<ResidentSummary> {
        let now = self.clock.now();
        self.as_staff(Action::RegisterWalkIn, |s, a| Ok(s.register_walk_in(a, now, req)?))
    }

    pub fn list_visits(&self, session_id: &str) -> ApiResult<Vec<VisitView>> {
        let now = self.clock.now();
        self.as_staff(Action::ViewAttendance, |s, a| Ok(s.visits(a, now, session_id)?))
    }

    pub fn session_counts(&self, session_id: &str) -> ApiResult<SessionCounts> {
        self.as_staff(Action::ViewAttendance, |s, _| Ok(s.counts(session_id)?))
    }
}

fn open_slot(dir: &DataDir, keystore: &Keystore, clock: &dyn Clock, demo_opts: DemoOptions) -> Slot {
    let now = clock.now();
    let result = (|| -> ApiResult<Store> {
        let (mut store, created) = Store::open_or_create(dir, keystore, now)?;
        if created && demo_opts.residents > 0 {
            demo::seed(&mut store, demo_opts.residents, demo_opts.seed, now)?;
        }
        demo::ensure_sessions_today(&mut store, now)?;
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
