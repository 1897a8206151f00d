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
use crate::login::{self, authenticator, LoginPolicy, LoginRequest, LogoutReason, Session};
use crate::permissions::{self, Action};
use crate::sync::SyncView;
use uketsuke_store::audit::{self, ops, REASON_AUTH};
use uketsuke_sync::{Engine, Enrollment};

/// How the app starts when there is no central service.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// Seed a new store with this many synthetic residents (0: none).
    pub residents: usize,
    pub seed: u64,
    /// Argon2id cost of the demo staff's password verifier: the production parameters
    /// by default (the README's demo); tests pass
    /// [`Argon2Params::for_test_fixtures`](uketsuke_auth::Argon2Params::for_test_fixtures),
    /// which only a debug build makes cheap.
    pub password_params: uketsuke_auth::Argon2Params,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            residents: demo::DEFAULT_RESIDENTS,
            seed: demo::DEFAULT_SEED,
            password_params: uketsuke_auth::Argon2Params::RECOMMENDED,
        }
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

/// A 個人番号 for one view. Never stored; `Debug` hides the number.
#[derive(Clone, Serialize, TS)]
#[ts(export)]
pub struct MyNumberView {
    pub resident_id: String,
    pub my_number: String,
}

impl std::fmt::Debug for MyNumberView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MyNumberView").field("resident_id", &self.resident_id).finish_non_exhaustive()
    }
}

/// The audit view's filter; dates are JST days (YYYY-MM-DD), `to` inclusive.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize, TS)]
#[ts(export)]
pub struct AuditQuery {
    pub staff_id: Option<String>,
    pub resident_id: Option<String>,
    pub operation: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AppStatus {
    pub store: StoreState,
    pub demo_mode: bool,
    pub terminal_id: Option<String>,
    /// The logged-in staff member.
    pub staff: Option<StaffView>,
    pub allowed_actions: Vec<Action>,
    /// The logged-in staff member may view 個人番号 (online only).
    pub my_number_permission: bool,
    /// Why the last session ended (idle timeout or logout), while nobody is logged in.
    pub session_ended: Option<LogoutReason>,
    /// Minutes without activity before the window locks.
    pub idle_timeout_minutes: i64,
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
    pub(crate) session: Option<Session>,
    /// Why the last session ended, until the next login (the window says so).
    ended: Option<LogoutReason>,
}

/// An enrolled terminal's link to the central service.
#[derive(Clone)]
pub(crate) struct SyncContext {
    pub(crate) enrollment: Enrollment,
    pub(crate) engine: Arc<Engine>,
}

/// The terminal's own authenticator: on Windows, Windows Hello through the OS's
/// WebAuthn API (which also reaches security keys; applications may not talk to
/// them directly there); elsewhere, a FIDO2 security key on USB or an NFC reader.
#[cfg(windows)]
fn platform_authenticator(_wait: std::time::Duration) -> Box<dyn uketsuke_identity::Authenticator> {
    Box::new(uketsuke_identity::windows_hello())
}

#[cfg(not(windows))]
fn platform_authenticator(wait: std::time::Duration) -> Box<dyn uketsuke_identity::Authenticator> {
    Box::new(uketsuke_identity::SecurityKey::new(wait))
}

/// A login's second factor, signed: for the service to check, or checked here.
enum Signed {
    ForService { engine: Arc<Engine>, proof: Box<uketsuke_protocol::identity::PersonProof> },
    Local(authenticator::LoginProof),
}

/// Where the demo city's software authenticators are kept in a data directory.
pub const DEMO_AUTHENTICATORS: &str = uketsuke_demo::city::AUTHENTICATORS_DIR;

pub struct App {
    data_dir: DataDir,
    keystore: Keystore,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) policy: LoginPolicy,
    demo: DemoOptions,
    inner: Mutex<Inner>,
    pub(crate) sync: Mutex<Option<SyncContext>>,
    pub(crate) sync_trigger: tokio::sync::Notify,
    pub(crate) syncing: AtomicBool,
    /// Decides whether an export target is removable media.
    pub(crate) media: uketsuke_export::Classifier,
    /// The staff member's authenticator on this terminal (a security key, Windows
    /// Hello; the software one in tests and the demo city), for the acts the
    /// service verifies the person for.
    pub(crate) authenticator: Mutex<Option<uketsuke_sync::identity::SharedAuthenticator>>,
    /// How long a ceremony waits for a security key to be plugged in or touched
    /// (`UKETSUKE_AUTHENTICATOR_WAIT_SECS`, default 30).
    authenticator_wait: std::time::Duration,
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
    match enrollment.transport(keystore).and_then(|t| Ok((t, enrollment.audit_identity(keystore)?))) {
        Ok((t, identity)) => {
            let engine = Arc::new(Engine::new(t, Arc::new(move || clock.now())).with_audit(identity));
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
            inner: Mutex::new(Inner { slot, session: None, ended: None }),
            policy: LoginPolicy::from_env(),
            sync: Mutex::new(sync),
            sync_trigger: tokio::sync::Notify::new(),
            syncing: AtomicBool::new(false),
            media: uketsuke_export::Classifier::new(),
            authenticator: Mutex::new(None),
            authenticator_wait: std::time::Duration::from_secs(
                std::env::var("UKETSUKE_AUTHENTICATOR_WAIT_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(30),
            ),
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

    /// Fold the store's WAL in ([`Store::fold_wal`]), unless a command holds the
    /// store right now: then the next round of [`crate::run_wal_upkeep`] does it.
    pub fn fold_wal(&self) {
        let g = match self.inner.try_lock() {
            Ok(g) => g,
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return,
        };
        if let Slot::Open(store) = &g.slot {
            if let Err(e) = store.fold_wal() {
                tracing::warn!(error = %e, "WAL not folded; the next round retries");
            }
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock must not brick the window.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait this long for a security key (tests: no key is ever plugged in here).
    pub fn with_authenticator_wait(mut self, wait: std::time::Duration) -> App {
        self.authenticator_wait = wait;
        self
    }

    /// Use this authenticator for the acts the service verifies the person for.
    pub fn set_authenticator(&self, authenticator: Box<dyn uketsuke_identity::Authenticator>) {
        *self.authenticator.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::new(Mutex::new(authenticator)));
    }

    /// Forget the authenticator set by [`App::set_authenticator`].
    pub fn clear_authenticator(&self) {
        *self.authenticator.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// The authenticator `staff_id` proves themselves with here: the one set by
    /// [`App::set_authenticator`], else their demo software token in the data
    /// directory (`demo-authenticators/<staff_id>.softtoken`; the service's policy
    /// refuses software tokens outside the demo city, so a file planted on a real
    /// terminal proves nothing), else a FIDO2 security key on USB, found when the
    /// ceremony runs (`AUTHENTICATOR_NOT_FOUND` if none comes within the wait).
    pub(crate) fn authenticator_for(
        &self,
        staff_id: &str,
    ) -> Result<uketsuke_sync::identity::SharedAuthenticator, uketsuke_identity::IdentityError> {
        if let Some(set) = self.authenticator.lock().unwrap_or_else(|p| p.into_inner()).clone() {
            return Ok(set);
        }
        if staff_id.is_empty() || !staff_id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(uketsuke_identity::IdentityError::AuthenticatorNotFound);
        }
        let file = self.data_dir.root().join(DEMO_AUTHENTICATORS).join(format!("{staff_id}.softtoken"));
        if file.exists() {
            let token = uketsuke_identity::SoftAuthenticator::open_file(&file)?;
            return Ok(Arc::new(Mutex::new(Box::new(token))));
        }
        Ok(Arc::new(Mutex::new(platform_authenticator(self.authenticator_wait))))
    }

    /// Replace the login rules (tests; the window uses [`LoginPolicy::from_env`]).
    pub fn with_policy(mut self, policy: LoginPolicy) -> App {
        self.policy = policy;
        self
    }

    pub fn status(&self) -> AppStatus {
        self.expire_idle();
        let g = self.lock();
        let today = business_date(self.clock.now());
        let (store, terminal_id, pending) = match &g.slot {
            Slot::Open(s) => (StoreState::Ready, Some(s.terminal_id().to_owned()), s.pending_events().unwrap_or(0)),
            Slot::Failed(e) => (StoreState::Failed { error: e.clone() }, None, 0),
        };
        let staff = g.session.as_ref().map(|s| s.view.clone());
        AppStatus {
            my_number_permission: g.session.as_ref().is_some_and(|s| s.my_number_permission),
            session_ended: g.ended,
            idle_timeout_minutes: self.policy.idle_timeout.num_minutes(),
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
        // A store that opened has accounts: only an administrator resets it. One
        // that did not open has nobody to log in, and the reset is the way out.
        let admin = if matches!(self.lock().slot, Slot::Open(_)) {
            Some(self.as_staff(Action::ResetLocalCache, |_, a| Ok(a.clone()))?)
        } else {
            None
        };
        let online_admin = self.session().is_some_and(|s| s.online);
        let lost;
        {
            let mut g = self.lock();
            if confirmation.trim() != RESET_CONFIRMATION {
                return Err(StoreError::ResetNotConfirmed.into());
            }
            lost = match &g.slot {
                Slot::Open(s) => {
                    let pending = s.pending_events()?;
                    if pending > 0 {
                        return Err(ApiError::new("RESET_WOULD_LOSE_EVENTS", "unsent events are still in the store")
                            .with("pending", pending));
                    }
                    let (entries, ledger) = uketsuke_store::sync::unshipped_log(s.connection())?;
                    // An enrolled store's log and ledger must reach the service; only an
                    // administrator the service verified at this login confirms
                    // dropping them (the reset is logged in the new store and shipped).
                    let enrolled = uketsuke_store::sync::belongs_to_enrollment(s.connection())?;
                    if enrolled && (entries > 0 || ledger > 0) && !online_admin {
                        return Err(ApiError::new(
                            "RESET_WOULD_LOSE_LOG",
                            "access-log or export-ledger entries have not reached the central service",
                        )
                        .with("entries", entries)
                        .with("ledger", ledger));
                    }
                    // The new chain's K_0 is sealed to the service from its first entry.
                    let recipient = uketsuke_store::sync::get_value(s.connection(), audit::ESCROW_RECIPIENT)?;
                    Some((s.meta().store_id.clone(), entries, ledger, recipient))
                }
                Slot::Failed(_) => None,
            };
            // Close the store before moving its files.
            g.slot = Slot::Failed(ApiError::store_unavailable());
            g.session = None;
            db::reset(&self.data_dir, confirmation, now)?;
            tracing::warn!("local cache reset by confirmed request");
            let enrolled = self.sync.lock().unwrap_or_else(|p| p.into_inner()).is_some();
            g.slot = open_slot(&self.data_dir, &self.keystore, self.clock.as_ref(), self.demo, !enrolled);
            // The new store's log begins with the reset: who, and what was set aside
            // unshipped (shipped with the new chain; the service flags it for review).
            if let Slot::Open(s) = &g.slot {
                if enrolled {
                    uketsuke_store::sync::mark_enrolled(s.connection(), s.terminal_id())?;
                    if let Some((_, _, _, Some(recipient))) = &lost {
                        audit::set_escrow_recipient(s.connection(), recipient)?;
                    }
                }
                let actor = admin.unwrap_or(Actor { staff_id: "(unknown)".into(), department: String::new() });
                let detail = match &lost {
                    Some((store, entries, ledger, _)) => {
                        format!("store {store} set aside with {entries} log and {ledger} ledger entries unshipped")
                    }
                    None => "a store that could not be opened was set aside".into(),
                };
                let tid = s.terminal_id().to_owned();
                audit::append(s.connection(), &actor, &tid, now, REASON_AUTH, None, ops::LOCAL_RESET, &detail)?;
            }
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
            g.session = None;
            db::reset(&self.data_dir, RESET_CONFIRMATION, self.clock.now())?;
            let demo = DemoOptions { residents: 0, ..self.demo };
            g.slot = open_slot(&self.data_dir, &self.keystore, self.clock.as_ref(), demo, false);
            if let Slot::Open(store) = &g.slot {
                uketsuke_store::sync::mark_enrolled(store.connection(), &ctx.enrollment.terminal_id.to_string())?;
            }
            *self.sync.lock().unwrap_or_else(|p| p.into_inner()) = Some(ctx);
        }
        // The demo store's software tokens went with it: on a real terminal the
        // staff's own keys are used.
        let tokens = self.data_dir.root().join(DEMO_AUTHENTICATORS);
        if let Err(e) = std::fs::remove_dir_all(&tokens) {
            if e.kind() != std::io::ErrorKind::NotFound {
                tracing::warn!(error = %e, "demo authenticators not removed");
            }
        }
        tracing::info!("terminal enrolled; first sync requested");
        self.request_sync();
        Ok(self.status())
    }

    /// [`App::enroll`] from the window: only a logged-in administrator.
    pub async fn enroll_as_administrator(&self, service_url: &str, code: &str) -> ApiResult<AppStatus> {
        self.as_staff(Action::EnrollTerminal, |_, _| Ok(()))?;
        self.enroll(service_url, code).await
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

    pub(crate) fn with_store<T>(&self, f: impl FnOnce(&mut Store) -> ApiResult<T>) -> ApiResult<T> {
        let mut g = self.lock();
        match &mut g.slot {
            Slot::Open(s) => f(s),
            Slot::Failed(e) => Err(e.clone()),
        }
    }

    /// Run `f` as the logged-in staff member, if their role allows `action`. An
    /// idle session ends first; a refusal is logged.
    pub(crate) fn as_staff<T>(
        &self,
        action: Action,
        f: impl FnOnce(&mut Store, &Actor) -> ApiResult<T>,
    ) -> ApiResult<T> {
        self.expire_idle();
        let now = self.clock.now();
        let mut g = self.lock();
        let inner = &mut *g;
        let session = inner.session.as_mut().ok_or_else(ApiError::not_logged_in)?;
        let store = match &mut inner.slot {
            Slot::Open(s) => s,
            Slot::Failed(e) => return Err(e.clone()),
        };
        if !permissions::allows(session.view.role, action) {
            let tid = store.terminal_id().to_owned();
            audit::append(
                store.connection(),
                &session.actor,
                &tid,
                now,
                REASON_AUTH,
                None,
                ops::REFUSED,
                action.name(),
            )?;
            return Err(ApiError::forbidden(action.name()));
        }
        session.last_activity = now;
        let actor = session.actor.clone();
        f(store, &actor)
    }

    /// The logged-in session, if any (after ending an idle one).
    pub(crate) fn session(&self) -> Option<Session> {
        self.expire_idle();
        self.lock().session.clone()
    }

    /// End the session if it has been idle longer than the policy allows.
    fn expire_idle(&self) {
        let now = self.clock.now();
        let mut g = self.lock();
        let inner = &mut *g;
        let Some(s) = inner.session.as_ref() else { return };
        if now - s.last_activity <= self.policy.idle_timeout {
            return;
        }
        if let Slot::Open(store) = &inner.slot {
            if let Err(e) = login::record_logout(store, s, LogoutReason::Idle, now) {
                tracing::error!(code = %e.code, "idle logout not logged");
            }
        }
        tracing::info!(staff = %s.actor.staff_id, "session ended after idle timeout");
        inner.session = None;
        inner.ended = Some(LogoutReason::Idle);
    }

    /// Log in with staff id, password and the person's own authenticator.
    ///
    /// The authenticator comes first: a terminal's user without the person's
    /// key learns nothing about their password. When the service is reachable
    /// it issues the challenge and checks the assertion and the account itself;
    /// otherwise this terminal checks the assertion against the public
    /// credentials it synced (within the offline grace period), and the service
    /// checks it again when the access log arrives. Then the password, against
    /// the synced verifier. Every attempt is in the access log.
    pub async fn login(&self, req: &LoginRequest) -> ApiResult<AppStatus> {
        let now = self.clock.now();
        if let Some(s) = self.session() {
            return Err(ApiError::new("ALREADY_LOGGED_IN", "log out first").with("staff_id", &s.actor.staff_id));
        }
        let prepared = self.with_store(|s| login::prepare(s, &self.policy, &req.staff_id, now))?;
        let refuse = |reason: &str, error: ApiError| -> ApiResult<AppStatus> {
            self.with_store(|s| login::record_failure(s, &self.policy, &prepared, reason, now))?;
            Err(error)
        };
        let context = self.sync.lock().unwrap_or_else(|p| p.into_inner()).clone();
        // An unknown, disabled or password-less account costs the same password work
        // as one that can log in, and says only that the id or the password is
        // wrong. A usable one goes to the authenticator first: its refusals (no key
        // here, another person's key) come before, and say nothing about, the
        // password.
        let proof = match login::usable(&prepared) {
            Err(_) => None,
            Ok(account) => match self.login_proof(&account.staff.staff_id, context.as_ref(), now).await? {
                Ok(proof) => Some(proof),
                Err((reason, error)) => return refuse(reason, error),
            },
        };
        let checked = {
            let (p, r, user) = (prepared.clone(), req.clone(), login::os_user());
            // Argon2id takes a noticeable fraction of a second: off the async runtime.
            tokio::task::spawn_blocking(move || login::verify_password(&p, &r, &user))
                .await
                .map_err(|e| ApiError::new("INTERNAL", e.to_string()))?
        };
        let signed = match (checked, proof) {
            (Ok(()), Some(signed)) => signed,
            (checked, _) => return refuse(checked.err().unwrap_or("no_authenticator"), login::failed()),
        };
        let mut online = None;
        let proof = match signed {
            Signed::Local(proof) => proof,
            Signed::ForService { engine, proof } => {
                let challenge_id = proof.challenge_id;
                let credential_id = proof.assertion.raw_id.to_vec();
                let counter = authenticator::signed_counter(&proof.assertion).unwrap_or(0);
                let staff_id = prepared.account.as_ref().map(|a| a.staff.staff_id.clone()).unwrap_or_default();
                let request = uketsuke_protocol::OnlineLoginRequest { staff_id, proof: Some(*proof) };
                match engine.online_login(&request).await {
                    Ok(at) => online = Some(at),
                    Err(e) if e.is_transient() => {
                        // The service went away between its challenge and the answer:
                        // nothing was proven either way; the person tries again.
                        tracing::info!(error = %e, "service stopped answering during a login");
                        return Err(ApiError::new("AUTH_RETRY", "the central service stopped answering; log in again"));
                    }
                    Err(e) => {
                        let reason = match e.code() {
                            "STAFF_DISABLED" => "disabled_by_service",
                            "STAFF_LOCKED" => "locked_by_service",
                            _ => "refused_by_service",
                        };
                        return refuse(reason, login::refused_by_service(e.code()));
                    }
                }
                authenticator::LoginProof::Online { challenge_id, credential_id, counter }
            }
        };
        let enrolled = context.is_some();
        let session =
            self.with_store(|s| login::complete(s, &self.policy, &prepared, &proof, online, enrolled, now))?;
        {
            let mut g = self.lock();
            g.session = Some(session);
            g.ended = None;
        }
        self.request_sync();
        Ok(self.status())
    }

    /// The person's authenticator signs the login: over the service's challenge
    /// when it answers, else over this terminal's own (checked here).
    async fn login_proof(
        &self,
        staff_id: &str,
        context: Option<&SyncContext>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> ApiResult<Result<Signed, authenticator::Refusal>> {
        let device = match self.authenticator_for(staff_id) {
            Ok(d) => d,
            Err(e) => return Ok(Err(authenticator::identity_refusal(e))),
        };
        let signing = |e: uketsuke_sync::SyncError| match e {
            uketsuke_sync::SyncError::Authenticator(e) => authenticator::identity_refusal(e),
            other => ("authenticator", ApiError::new(other.code(), other.to_string())),
        };
        if let Some(c) = context {
            let action = uketsuke_identity::Action::OnlineLogin { staff_id: staff_id.to_owned() };
            match c.engine.challenge(&action).await {
                Ok(challenge) => {
                    return Ok(match uketsuke_sync::identity::sign(&device, challenge).await {
                        Ok(proof) => Ok(Signed::ForService { engine: c.engine.clone(), proof: Box::new(proof) }),
                        Err(e) => Err(signing(e)),
                    });
                }
                // Unreachable or failing: the service cannot judge, this terminal does.
                Err(e) if e.is_transient() => {
                    tracing::info!(error = %e, "service unavailable at login; offline rules apply");
                }
                Err(e) if e.code() == uketsuke_protocol::codes::IDENTITY_NO_AUTHENTICATOR => {
                    return Ok(Err(("no_authenticator", authenticator::no_authenticator())));
                }
                Err(e) => return Ok(Err(("refused_by_service", login::refused_by_service(e.code())))),
            }
        }
        let terminal = match context {
            Some(c) => Some(c.enrollment.cert_sha256().map_err(|e| ApiError::new(e.code(), e.to_string()))?),
            None => None,
        };
        let challenge =
            match self.with_store(|s| authenticator::LocalChallenge::new(s.connection(), staff_id, terminal, now))? {
                Ok(c) => c,
                Err(refusal) => return Ok(Err(refusal)),
            };
        let assertion =
            match uketsuke_sync::identity::assert(&device, challenge.origin.clone(), challenge.options.clone()).await {
                Ok(a) => a,
                Err(e) => return Ok(Err(signing(e))),
            };
        Ok(challenge.check(assertion).map(Signed::Local))
    }

    pub fn logout(&self) -> AppStatus {
        let now = self.clock.now();
        {
            let mut g = self.lock();
            let inner = &mut *g;
            if let (Some(s), Slot::Open(store)) = (inner.session.as_ref(), &inner.slot) {
                if let Err(e) = login::record_logout(store, s, LogoutReason::User, now) {
                    tracing::error!(code = %e.code, "logout not logged");
                }
            }
            if inner.session.take().is_some() {
                inner.ended = Some(LogoutReason::User);
            }
        }
        self.status()
    }

    /// A supervisor unlocks an account locked by failed logins.
    pub async fn unlock_account(&self, staff_id: &str) -> ApiResult<()> {
        let now = self.clock.now();
        let supervisor = self.as_staff(Action::UnlockAccount, |_, a| Ok(a.staff_id.clone()))?;
        let engine = self.sync.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|c| c.engine.clone());
        if let Some(engine) = engine {
            // Enrolled: the service unlocks centrally only for a supervisor it verified
            // (their authenticator signs exactly this unlock). Offline, this terminal
            // unlocks alone; its next sync brings the service's state back until a
            // supervisor unlocks online.
            let mut req = uketsuke_protocol::UnlockRequest {
                staff_id: supervisor.clone(),
                target_staff_id: login::normalise_id(staff_id),
                proof: None,
            };
            match engine.challenge(&req.action()).await {
                // Offline, or no authenticator registered for this supervisor yet:
                // this terminal alone, as before; the service's state stands.
                Err(uketsuke_sync::SyncError::Offline(_)) => {}
                Err(e) if e.code() == uketsuke_protocol::codes::IDENTITY_NO_AUTHENTICATOR => {}
                Err(e) => return Err(ApiError::new(e.code(), e.to_string())),
                Ok(challenge) => {
                    let to_api = |e: uketsuke_sync::SyncError| ApiError::new(e.code(), e.to_string());
                    let authenticator =
                        self.authenticator_for(&supervisor).map_err(|e| ApiError::new(e.code(), e.to_string()))?;
                    let proof = uketsuke_sync::identity::sign(&authenticator, challenge).await.map_err(to_api)?;
                    req.proof = Some(proof);
                    engine.unlock(&req).await.map_err(to_api)?;
                }
            }
        }
        self.as_staff(Action::UnlockAccount, |s, a| login::unlock(s, a, staff_id, now))?;
        self.request_sync();
        Ok(())
    }

    /// Demo mode only: the demo accounts and their password (each one's
    /// authenticator is their software token in the data directory). An
    /// enrolled terminal refuses.
    pub fn demo_login_hints(&self) -> ApiResult<Vec<crate::demo::LoginHint>> {
        if self.sync.lock().unwrap_or_else(|p| p.into_inner()).is_some() {
            return Err(ApiError::new("NOT_DEMO", "this terminal is enrolled; there are no demo accounts"));
        }
        self.with_store(crate::demo::login_hints)
    }

    /// One resident's 個人番号, for one view: online only, for staff whose role
    /// allows it and who hold the My Number permission, with a reason. The service
    /// logs the view before answering; this terminal logs it too. The number is
    /// returned to the window and kept nowhere.
    pub async fn view_my_number(&self, resident_id: &str, reason: &str) -> ApiResult<MyNumberView> {
        let now = self.clock.now();
        let reason = reason.trim();
        let permitted = self.session().is_some_and(|s| s.my_number_permission);
        let staff_id = self.as_staff(Action::ViewMyNumber, |s, a| {
            if !permitted {
                let tid = s.terminal_id().to_owned();
                audit::append(
                    s.connection(),
                    a,
                    &tid,
                    now,
                    REASON_AUTH,
                    Some(resident_id),
                    ops::REFUSED,
                    "view_my_number: no permission",
                )?;
                return Err(ApiError::new("MY_NUMBER_NOT_PERMITTED", "this staff member may not view 個人番号"));
            }
            if reason.is_empty() {
                return Err(ApiError::new("REASON_REQUIRED", "a reason is required").with("field", "reason"));
            }
            Ok(a.staff_id.clone())
        })?;
        let engine = self.sync.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|c| c.engine.clone());
        let Some(engine) = engine else {
            return Err(ApiError::new("MY_NUMBER_ONLINE_ONLY", "個人番号 is only on the central service"));
        };
        let online_only = |e: uketsuke_sync::SyncError| match e {
            uketsuke_sync::SyncError::Offline(_) => {
                ApiError::new("MY_NUMBER_ONLINE_ONLY", "the central service cannot be reached")
            }
            other => ApiError::new(other.code(), other.to_string()),
        };
        // The service believes the person, not this terminal: their authenticator
        // signs this exact view (resident and reason) at this terminal.
        let authenticator = self.authenticator_for(&staff_id).map_err(|e| ApiError::new(e.code(), e.to_string()))?;
        let mut req = uketsuke_protocol::MyNumberRequest {
            staff_id,
            resident_id: resident_id.to_owned(),
            reason: reason.to_owned(),
            proof: None,
        };
        let proof =
            uketsuke_sync::identity::prove(&engine, &authenticator, &req.action()).await.map_err(online_only)?;
        req.proof = Some(proof);
        let res = engine.my_number(&req).await.map_err(online_only)?;
        self.as_staff(Action::ViewMyNumber, |s, a| {
            let tid = s.terminal_id().to_owned();
            audit::append(s.connection(), a, &tid, now, reason, Some(resident_id), ops::VIEW_MY_NUMBER, "")?;
            Ok(())
        })?;
        Ok(MyNumberView { resident_id: res.resident_id.clone(), my_number: res.my_number.clone() })
    }

    /// The supervisor's audit view of this terminal's access log (newest first).
    /// Looking is itself logged.
    pub fn audit_log(&self, filter: &AuditQuery) -> ApiResult<Vec<AccessLogEntry>> {
        let now = self.clock.now();
        self.as_staff(Action::ViewAuditLog, |s, a| {
            let tid = s.terminal_id().to_owned();
            let detail = serde_json::to_string(filter).unwrap_or_default();
            audit::append(s.connection(), a, &tid, now, "監査", None, ops::VIEW_AUDIT, &detail)?;
            let day = |d: &Option<String>| -> ApiResult<Option<String>> {
                match d.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
                    None => Ok(None),
                    Some(d) => {
                        let date = chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                            .map_err(|_| ApiError::new("DATE_INVALID", "dates are YYYY-MM-DD").with("field", "date"))?;
                        // Days are JST business days; `at` is stored in UTC.
                        let start = date.and_hms_opt(0, 0, 0).expect("midnight") - Duration::hours(9);
                        Ok(Some(start.and_utc().to_rfc3339()))
                    }
                }
            };
            let from = day(&filter.from)?;
            let to = day(&filter.to)?.map(|t| {
                (chrono::DateTime::parse_from_rfc3339(&t).expect("made above") + Duration::days(1)).to_rfc3339()
            });
            let nonempty =
                |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
            let (staff, resident, op) =
                (nonempty(&filter.staff_id), nonempty(&filter.resident_id), nonempty(&filter.operation));
            let f = audit::AuditFilter {
                staff_id: staff.as_deref(),
                resident_id: resident.as_deref(),
                operation: op.as_deref(),
                from: from.as_deref(),
                to: to.as_deref(),
            };
            let mut entries = audit::query(s.connection(), &f, filter.limit.unwrap_or(200).clamp(1, 1000))?;
            // A login's evidence is for the service; people read how it was proven.
            for e in entries.iter_mut().filter(|e| e.operation == ops::LOGIN_OK) {
                e.detail = uketsuke_protocol::LoginDetail::how(&e.detail).to_owned();
            }
            Ok(entries)
        })
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

/// Open (or create and, for a demo store, seed) the store. `demo_sessions`: no
/// enrollment is in use, so demo data is kept up to date, unless the store
/// itself belongs to an enrollment (then its enrollment is unusable: a clear
/// error, never a demo store with synced accounts in it).
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
        if demo_sessions && uketsuke_store::sync::belongs_to_enrollment(store.connection())? {
            return Err(ApiError::new(
                "ENROLLMENT_UNUSABLE",
                "this store belongs to an enrollment, but enrollment.json or the device key cannot be used",
            ));
        }
        // A write to external media a crash interrupted did not complete.
        let interrupted = uketsuke_store::export::fail_interrupted(store.connection())?;
        if interrupted > 0 {
            tracing::warn!(interrupted, "export writes interrupted by a crash were marked failed");
        }
        if created && demo_opts.residents > 0 {
            demo::seed(&mut store, demo_opts.residents, demo_opts.seed, demo_opts.password_params, now)?;
        }
        if demo_sessions {
            demo::ensure_sessions_today(&mut store, now)?;
            demo::ensure_credentials(&mut store, demo_opts.password_params)?;
            demo::ensure_authenticators(&mut store, dir.root())?;
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

mod export;
mod password;
mod register;
pub use export::{
    ExportDecisionInput, ExportOverview, ExportRequestInput, ExportRequestItem, ExportWritten, MediaChoice,
    RecipientChoice,
};
pub use password::PasswordChange;
pub use register::{AuthenticatorRegistration, RegisteredAuthenticator};

#[cfg(test)]
mod tests;
