//! Staff accounts on the terminal: the credentials received from the central
//! service (Argon2id verifier, TOTP seed) and failed-login state per login id.
//!
//! The decisions (password, TOTP, lockout, grace period) are made in
//! `uketsuke_api::login` with `uketsuke_auth`; this module only reads and writes.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use uketsuke_auth::AttemptState;
use uketsuke_core::{Role, Staff};
use uketsuke_protocol::StaffAccount;

use crate::catalog;
use crate::error::{Result, StoreError};

/// A staff account as stored on this terminal.
#[derive(Clone)]
pub struct LocalAccount {
    pub staff: Staff,
    pub password_hash: Option<String>,
    pub totp_secret: Option<String>,
    pub my_number_permission: bool,
    pub os_account: Option<String>,
    pub last_online_login_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for LocalAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalAccount").field("staff", &self.staff).finish_non_exhaustive()
    }
}

fn parse_time(s: Option<String>) -> Option<DateTime<Utc>> {
    s.and_then(|s| DateTime::parse_from_rfc3339(&s).ok()).map(|t| t.with_timezone(&Utc))
}

fn later(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    }
}

pub fn account(conn: &Connection, staff_id: &str) -> Result<Option<LocalAccount>> {
    let row = conn
        .prepare_cached(
            "SELECT staff_id, name, department, role, active, password_hash, totp_secret, my_number_permission,
                    os_account, last_online_login_at
             FROM staff WHERE staff_id = ?1",
        )?
        .query_row([staff_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, bool>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, Option<String>>(6)?,
                r.get::<_, bool>(7)?,
                r.get::<_, Option<String>>(8)?,
                r.get::<_, Option<String>>(9)?,
            ))
        })
        .optional()?;
    let Some((id, name, department, role, active, hash, totp, my_number, os_account, online)) = row else {
        return Ok(None);
    };
    let role = Role::from_code(&role).ok_or_else(|| StoreError::Corrupt(format!("staff {id}: role")))?;
    Ok(Some(LocalAccount {
        staff: Staff { staff_id: id, name, department, role, active },
        password_hash: hash,
        totp_secret: totp,
        my_number_permission: my_number,
        os_account,
        last_online_login_at: parse_time(online),
    }))
}

/// Failed-login state for a login id as typed, with the newest TOTP step used.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attempts {
    pub state: AttemptState,
    /// The last successful login or unlock; failures counted elsewhere before it
    /// no longer count.
    pub reset_at: Option<DateTime<Utc>>,
    pub last_totp_step: Option<i64>,
}

pub fn attempts(conn: &Connection, login_id: &str) -> Result<Attempts> {
    let row = conn
        .prepare_cached(
            "SELECT failures, last_failure_at, locked, reset_at, last_totp_step FROM login_attempts WHERE login_id = ?1",
        )?
        .query_row([login_id], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })
        .optional()?;
    Ok(match row {
        None => Attempts::default(),
        Some((failures, last, locked, reset, step)) => Attempts {
            state: AttemptState { failures, last_failure_at: parse_time(last), locked },
            reset_at: parse_time(reset),
            last_totp_step: step,
        },
    })
}

pub fn save_attempts(conn: &Connection, login_id: &str, a: &Attempts) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO login_attempts (login_id, failures, last_failure_at, locked, reset_at, last_totp_step)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (login_id) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at,
             locked = excluded.locked, reset_at = excluded.reset_at, last_totp_step = excluded.last_totp_step",
    )?
    .execute(params![
        login_id,
        a.state.failures,
        a.state.last_failure_at.map(|t| t.to_rfc3339()),
        a.state.locked,
        a.reset_at.map(|t| t.to_rfc3339()),
        a.last_totp_step
    ])?;
    Ok(())
}

pub fn set_last_online_login(conn: &Connection, staff_id: &str, at: DateTime<Utc>) -> Result<()> {
    conn.execute("UPDATE staff SET last_online_login_at = ?2 WHERE staff_id = ?1", params![staff_id, at.to_rfc3339()])?;
    Ok(())
}

/// Apply an account from the central service: credentials and flags replace the
/// local ones; failed-login state merges (a reset the service saw after the
/// local failures clears them; otherwise the stricter state wins); TOTP step and
/// online login take the newer value.
pub fn apply_remote(conn: &Connection, a: &StaffAccount) -> Result<()> {
    catalog::upsert_staff(conn, &a.staff)?;
    let local_online: Option<String> = conn
        .query_row("SELECT last_online_login_at FROM staff WHERE staff_id = ?1", [&a.staff.staff_id], |r| r.get(0))
        .optional()?
        .flatten();
    let online = later(parse_time(local_online), a.last_online_login_at);
    conn.execute(
        "UPDATE staff SET password_hash = ?2, totp_secret = ?3, my_number_permission = ?4, os_account = ?5,
             last_online_login_at = ?6
         WHERE staff_id = ?1",
        params![
            a.staff.staff_id,
            a.password_hash,
            a.totp_secret,
            a.my_number_permission,
            a.os_account,
            online.map(|t| t.to_rfc3339())
        ],
    )?;
    let local = attempts(conn, &a.staff.staff_id)?;
    let remote = AttemptState {
        failures: a.lockout.failures,
        last_failure_at: a.lockout.last_failure_at,
        locked: a.lockout.locked,
    };
    let remote_reset_is_newer = match (a.lockout.reset_at, local.state.last_failure_at) {
        (Some(r), Some(l)) => r >= l,
        (Some(_), None) => true,
        _ => false,
    };
    let state = if remote_reset_is_newer { remote } else { uketsuke_auth::LockoutPolicy::merge(&local.state, &remote) };
    let merged = Attempts {
        state,
        reset_at: later(local.reset_at, a.lockout.reset_at),
        last_totp_step: match (local.last_totp_step, a.last_totp_step) {
            (Some(x), Some(y)) => Some(x.max(y)),
            (x, y) => x.or(y),
        },
    };
    if merged != local {
        save_attempts(conn, &a.staff.staff_id, &merged)?;
    }
    Ok(())
}

/// The new verifier after the staff member changed their own password on this
/// terminal (the service answered with it; other terminals get it by pull).
pub fn set_password_hash(conn: &Connection, staff_id: &str, password_hash: &str) -> Result<()> {
    conn.execute("UPDATE staff SET password_hash = ?2 WHERE staff_id = ?1", params![staff_id, password_hash])?;
    Ok(())
}

/// Set credentials directly (the demo store only; an enrolled terminal receives
/// them from the central service through [`apply_remote`]).
pub fn set_credentials(
    conn: &Connection,
    staff_id: &str,
    password_hash: &str,
    totp_secret: &str,
    my_number_permission: bool,
) -> Result<()> {
    conn.execute(
        "UPDATE staff SET password_hash = ?2, totp_secret = ?3, my_number_permission = ?4 WHERE staff_id = ?1",
        params![staff_id, password_hash, totp_secret, my_number_permission],
    )?;
    Ok(())
}
