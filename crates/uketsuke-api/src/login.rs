//! Staff login on the terminal: the person's own authenticator (checked by the
//! service online, here offline: [`authenticator`]) and their password
//! (Argon2id, against the verifier the service synced), the lockout policy, the
//! offline grace period, idle timeout. Every attempt, success or not, is in the
//! access log.
//!
//! The decision steps are functions of the store and `now`; [`crate::App::login`]
//! runs them around the authenticator, the (slow) Argon2id verification and the
//! network calls so the store is not held while any of them runs.

pub mod authenticator;

use chrono::{DateTime, Duration, Utc};
use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;
use uketsuke_auth::{password, Argon2Params, Gate, LockoutPolicy};
use uketsuke_protocol::LoginDetail;
use uketsuke_store::accounts::{self, Attempts, LocalAccount};
use uketsuke_store::audit::{self, ops, REASON_AUTH};
use uketsuke_store::views::StaffView;
use uketsuke_store::{Actor, Store};

use crate::error::{ApiError, ApiResult};

/// Login rules (security.md §7). Defaults: 5 free attempts, then 30 s doubling to
/// 15 min, hard lock at 10; offline login within 7 days of the last online login;
/// idle logout after 10 minutes.
#[derive(Debug, Clone, Copy)]
pub struct LoginPolicy {
    pub lockout: LockoutPolicy,
    pub offline_grace: Duration,
    pub idle_timeout: Duration,
    /// A clock more than this far behind the newest time the terminal has seen is
    /// treated as moved backwards (the grace period and the lockout depend on it).
    pub rollback_tolerance: Duration,
}

impl Default for LoginPolicy {
    fn default() -> Self {
        LoginPolicy {
            lockout: LockoutPolicy::default(),
            offline_grace: Duration::days(7),
            idle_timeout: Duration::minutes(10),
            rollback_tolerance: Duration::minutes(5),
        }
    }
}

impl LoginPolicy {
    /// The defaults, with `UKETSUKE_IDLE_MINUTES` and `UKETSUKE_OFFLINE_GRACE_DAYS`
    /// from the environment when set (the venue's IT sets them per installation).
    pub fn from_env() -> LoginPolicy {
        let mut p = LoginPolicy::default();
        let num = |k: &str| std::env::var(k).ok().and_then(|v| v.trim().parse::<i64>().ok()).filter(|v| *v > 0);
        if let Some(m) = num("UKETSUKE_IDLE_MINUTES") {
            p.idle_timeout = Duration::minutes(m);
        }
        if let Some(d) = num("UKETSUKE_OFFLINE_GRACE_DAYS") {
            p.offline_grace = Duration::days(d);
        }
        p
    }
}

/// What the login form sends; the second factor is the person's authenticator,
/// which the app asks for itself.
#[derive(Clone, serde::Deserialize, TS)]
#[ts(export)]
pub struct LoginRequest {
    pub staff_id: String,
    pub password: String,
}

impl std::fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRequest").field("staff_id", &self.staff_id).finish_non_exhaustive()
    }
}

/// The logged-in staff member, held in Rust only.
#[derive(Debug, Clone)]
pub struct Session {
    pub actor: Actor,
    pub view: StaffView,
    pub my_number_permission: bool,
    pub started_at: DateTime<Utc>,
    pub last_activity: DateTime<Utc>,
    /// Confirmed by the central service at login (false: offline or demo).
    pub online: bool,
}

/// How the session ended, for the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum LogoutReason {
    User,
    Idle,
}

/// The login id as typed, made comparable: trimmed, full-width ASCII folded,
/// upper case (staff ids are like `S0001`).
pub fn normalise_id(typed: &str) -> String {
    typed
        .trim()
        .chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect::<String>()
        .to_uppercase()
}

/// The generic refusal: never says which of id or password was wrong
/// (ASVS 6.3.8).
pub fn failed() -> ApiError {
    ApiError::new("AUTH_FAILED", "staff id or password is wrong")
}

/// Step 1, with the store: the gate before any credential is checked.
#[derive(Clone)]
pub struct Prepared {
    pub login_id: String,
    pub account: Option<LocalAccount>,
    pub attempts: Attempts,
}

/// The newest time this terminal has seen (its own clock at logins, the
/// service's at syncs), for noticing a clock moved backwards.
pub const CLOCK_HIGH_WATER: &str = "clock_high_water";

fn high_water(store: &Store) -> ApiResult<Option<DateTime<Utc>>> {
    high_water_on(store.connection())
}

pub(crate) fn high_water_on(conn: &Connection) -> ApiResult<Option<DateTime<Utc>>> {
    Ok(uketsuke_store::sync::get_value(conn, CLOCK_HIGH_WATER)?
        .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
        .map(|t| t.with_timezone(&Utc)))
}

pub fn note_time(conn: &Connection, at: DateTime<Utc>) -> ApiResult<()> {
    if high_water_on(conn)?.is_none_or(|h| at > h) {
        uketsuke_store::sync::set_value(conn, CLOCK_HIGH_WATER, &at.to_rfc3339())?;
    }
    Ok(())
}

/// Each login step's writes (attempt count, log entry) commit together.
fn transaction(store: &mut Store) -> ApiResult<rusqlite::Transaction<'_>> {
    Ok(store
        .connection_mut()
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(uketsuke_store::StoreError::from)?)
}

fn commit(tx: rusqlite::Transaction<'_>) -> ApiResult<()> {
    Ok(tx.commit().map_err(uketsuke_store::StoreError::from)?)
}

fn actor_for(login_id: &str, account: Option<&LocalAccount>) -> Actor {
    match account {
        Some(a) => Actor { staff_id: a.staff.staff_id.clone(), department: a.staff.department.clone() },
        // An id no account has is not written to the log as typed (it may be a
        // mistyped password); a short hash lets repeated attempts be correlated.
        None => Actor {
            staff_id: "(unknown)".into(),
            department: format!("id#{}", &uketsuke_auth::sha256_hex(login_id.as_bytes())[..12]),
        },
    }
}

pub fn prepare(store: &mut Store, policy: &LoginPolicy, typed_id: &str, now: DateTime<Utc>) -> ApiResult<Prepared> {
    let login_id = normalise_id(typed_id);
    if login_id.is_empty() {
        return Err(ApiError::new("FIELD_REQUIRED", "staff id is required").with("field", "staff_id"));
    }
    let hw = high_water(store)?;
    let tid = store.terminal_id().to_owned();
    let conn = store.connection();
    let account = accounts::account(conn, &login_id)?;
    let attempts = accounts::attempts(conn, &login_id)?;
    let actor = actor_for(&login_id, account.as_ref());
    if let Some(h) = hw {
        if now < h - policy.rollback_tolerance {
            audit::append(conn, &actor, &tid, now, REASON_AUTH, None, ops::LOGIN_FAIL, "clock_rollback")?;
            return Err(ApiError::new("AUTH_CLOCK_ROLLBACK", "the terminal clock is behind the last time it saw")
                .with("last_seen", h.to_rfc3339()));
        }
    }
    match policy.lockout.gate(&attempts.state, now) {
        Gate::Open => {}
        Gate::Wait { until } => {
            audit::append(conn, &actor, &tid, now, REASON_AUTH, None, ops::LOGIN_FAIL, "throttled")?;
            let secs = (until - now).num_seconds().max(1);
            return Err(ApiError::new("AUTH_THROTTLED", "too many failed attempts; wait").with("wait_seconds", secs));
        }
        Gate::Locked => {
            audit::append(conn, &actor, &tid, now, REASON_AUTH, None, ops::LOGIN_FAIL, "locked")?;
            return Err(ApiError::new("AUTH_LOCKED", "this account is locked; a supervisor can unlock it"));
        }
    }
    Ok(Prepared { login_id, account, attempts })
}

/// Whether the account can log in at all (known, active, with a password here).
pub fn usable(p: &Prepared) -> Result<&LocalAccount, &'static str> {
    match &p.account {
        None => Err("unknown_id"),
        Some(a) if !a.staff.active => Err("disabled"),
        Some(a) if a.password_hash.is_none() => Err("no_password"),
        Some(a) => Ok(a),
    }
}

/// Step 2, without the store: the password (Argon2id, slow). `Err(reason)`: why
/// it failed (for the log only, never the window).
pub fn verify_password(p: &Prepared, req: &LoginRequest, os_user: &str) -> Result<(), &'static str> {
    let account = match usable(p) {
        Ok(a) => a,
        Err(reason) => {
            // Same Argon2id work as a real check, so timing does not tell.
            password::dummy_verify(&req.password, Argon2Params::RECOMMENDED);
            return Err(reason);
        }
    };
    let hash = account.password_hash.as_deref().unwrap_or_default();
    if !password::verify_password(hash, &req.password) {
        return Err("password");
    }
    if let Some(bound) = account.os_account.as_deref() {
        if bound != os_user {
            return Err("os_account");
        }
    }
    Ok(())
}

/// Step 3a, with the store: a failed attempt is counted and logged.
pub fn record_failure(
    store: &mut Store,
    policy: &LoginPolicy,
    p: &Prepared,
    reason: &str,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let tid = store.terminal_id().to_owned();
    let tx = transaction(store)?;
    let conn = &*tx;
    let actor = actor_for(&p.login_id, p.account.as_ref());
    // Re-read: another attempt may have counted in the meantime.
    let mut a = accounts::attempts(conn, &p.login_id)?;
    let was_locked = a.state.locked;
    a.state = policy.lockout.record_failure(&a.state, now);
    accounts::save_attempts(conn, &p.login_id, &a)?;
    audit::append(conn, &actor, &tid, now, REASON_AUTH, None, ops::LOGIN_FAIL, reason)?;
    if a.state.locked && !was_locked {
        audit::append(conn, &actor, &tid, now, REASON_AUTH, None, ops::ACCOUNT_LOCKED, "")?;
    }
    commit(tx)?;
    Ok(())
}

/// Why the service refused a login the terminal had verified.
pub fn refused_by_service(code: &str) -> ApiError {
    match code {
        "STAFF_DISABLED" => ApiError::new("AUTH_DISABLED", "this account is disabled"),
        "STAFF_LOCKED" => ApiError::new("AUTH_LOCKED", "this account is locked; a supervisor can unlock it"),
        // What the service found wrong with the person's proof (a key that is not
        // theirs, a counter that went back, an expired challenge) says nothing
        // about the password, which it never saw: shown as it is.
        c if c.starts_with("IDENTITY_") || c.starts_with("AUTHENTICATOR_") => {
            ApiError::new(c, "the service did not accept the authenticator's proof")
        }
        _ => failed(),
    }
}

/// Step 3b, with the store: the service's answer (or its absence) and the
/// offline grace period; on success the session, and the login in the access
/// log with what proves it ([`LoginDetail`]).
pub fn complete(
    store: &mut Store,
    policy: &LoginPolicy,
    p: &Prepared,
    proof: &authenticator::LoginProof,
    online: Option<DateTime<Utc>>,
    enrolled: bool,
    now: DateTime<Utc>,
) -> ApiResult<Session> {
    let account = p.account.as_ref().expect("verified accounts exist");
    let tid = store.terminal_id().to_owned();
    let tx = transaction(store)?;
    let conn = &*tx;
    let actor = actor_for(&p.login_id, Some(account));
    match online {
        Some(at) => accounts::set_last_online_login(conn, &account.staff.staff_id, at)?,
        None if enrolled => {
            let fresh = account.last_online_login_at.is_some_and(|t| now - t <= policy.offline_grace);
            if !fresh {
                audit::append(conn, &actor, &tid, now, REASON_AUTH, None, ops::LOGIN_FAIL, "offline_grace_expired")?;
                commit(tx)?;
                return Err(ApiError::new(
                    "AUTH_OFFLINE_GRACE_EXPIRED",
                    "no online login within the offline grace period",
                )
                .with("grace_days", policy.offline_grace.num_days()));
            }
        }
        None => {}
    }
    let mut a = accounts::attempts(conn, &p.login_id)?;
    a.state = policy.lockout.record_success();
    a.reset_at = Some(now);
    accounts::save_attempts(conn, &p.login_id, &a)?;
    let detail = match proof {
        authenticator::LoginProof::Online { challenge_id, credential_id, counter } => {
            accounts::note_sign_count(conn, credential_id, *counter)?;
            LoginDetail::Online { challenge_id: *challenge_id }
        }
        authenticator::LoginProof::Local { evidence, credential_id, counter } => {
            accounts::note_sign_count(conn, credential_id, *counter)?;
            if enrolled {
                LoginDetail::Offline(evidence.clone())
            } else {
                LoginDetail::Demo
            }
        }
    };
    audit::append(conn, &actor, &tid, now, REASON_AUTH, None, ops::LOGIN_OK, &detail.to_detail())?;
    note_time(conn, now)?;
    commit(tx)?;
    Ok(Session {
        actor,
        view: StaffView {
            staff_id: account.staff.staff_id.clone(),
            name: account.staff.name.clone(),
            department: account.staff.department.clone(),
            role: account.staff.role,
        },
        my_number_permission: account.my_number_permission,
        started_at: now,
        last_activity: now,
        online: online.is_some(),
    })
}

/// Log a session's end.
pub fn record_logout(store: &Store, s: &Session, reason: LogoutReason, now: DateTime<Utc>) -> ApiResult<()> {
    let detail = match reason {
        LogoutReason::User => "user",
        LogoutReason::Idle => "idle",
    };
    audit::append(store.connection(), &s.actor, store.terminal_id(), now, REASON_AUTH, None, ops::LOGOUT, detail)?;
    // The session is over: nothing of it (its MAC keys included) stays in the WAL.
    if let Err(e) = store.fold_wal() {
        tracing::warn!(error = %e, "WAL not folded at logout; the upkeep retries");
    }
    Ok(())
}

/// A supervisor clears another account's failed attempts and lock (offline too;
/// the service learns it from the shipped log).
pub fn unlock(store: &mut Store, supervisor: &Actor, staff_id: &str, now: DateTime<Utc>) -> ApiResult<()> {
    let id = normalise_id(staff_id);
    let tid = store.terminal_id().to_owned();
    let tx = transaction(store)?;
    let conn = &*tx;
    if accounts::account(conn, &id)?.is_none() {
        return Err(ApiError::new("STAFF_NOT_FOUND", "no such staff account").with("staff_id", &id));
    }
    let mut a = accounts::attempts(conn, &id)?;
    a.state = Default::default();
    a.reset_at = Some(now);
    accounts::save_attempts(conn, &id, &a)?;
    audit::append(conn, supervisor, &tid, now, REASON_AUTH, None, ops::ACCOUNT_UNLOCK, &id)?;
    commit(tx)?;
    Ok(())
}

/// The OS account this app runs as (for accounts bound to one).
pub fn os_user() -> String {
    whoami::username().unwrap_or_default()
}
