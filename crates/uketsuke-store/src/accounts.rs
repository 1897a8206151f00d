//! Staff accounts on the terminal: what the central service sent to let them
//! log in here (Argon2id verifier, the public credentials of their
//! authenticators) and failed-login state per login id.
//!
//! The decisions (password, authenticator, lockout, grace period) are made in
//! `uketsuke_api::login` with `uketsuke_auth`; this module only reads and writes.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use uketsuke_auth::AttemptState;
use uketsuke_core::{Role, Staff};
use uketsuke_protocol::identity::PublicCredential;
use uketsuke_protocol::{StaffAccount, StaffAuthenticator};

use crate::catalog;
use crate::error::{Result, StoreError};

/// A staff account as stored on this terminal.
#[derive(Clone)]
pub struct LocalAccount {
    pub staff: Staff,
    pub password_hash: Option<String>,
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
            "SELECT staff_id, name, department, role, active, password_hash, my_number_permission,
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
                r.get::<_, bool>(6)?,
                r.get::<_, Option<String>>(7)?,
                r.get::<_, Option<String>>(8)?,
            ))
        })
        .optional()?;
    let Some((id, name, department, role, active, hash, my_number, os_account, online)) = row else {
        return Ok(None);
    };
    let role = Role::from_code(&role).ok_or_else(|| StoreError::Corrupt(format!("staff {id}: role")))?;
    Ok(Some(LocalAccount {
        staff: Staff { staff_id: id, name, department, role, active },
        password_hash: hash,
        my_number_permission: my_number,
        os_account,
        last_online_login_at: parse_time(online),
    }))
}

/// Failed-login state for a login id as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Attempts {
    pub state: AttemptState,
    /// The last successful login or unlock; failures counted elsewhere before it
    /// no longer count.
    pub reset_at: Option<DateTime<Utc>>,
}

pub fn attempts(conn: &Connection, login_id: &str) -> Result<Attempts> {
    let row = conn
        .prepare_cached("SELECT failures, last_failure_at, locked, reset_at FROM login_attempts WHERE login_id = ?1")?
        .query_row([login_id], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, Option<String>>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })
        .optional()?;
    Ok(match row {
        None => Attempts::default(),
        Some((failures, last, locked, reset)) => Attempts {
            state: AttemptState { failures, last_failure_at: parse_time(last), locked },
            reset_at: parse_time(reset),
        },
    })
}

pub fn save_attempts(conn: &Connection, login_id: &str, a: &Attempts) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO login_attempts (login_id, failures, last_failure_at, locked, reset_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (login_id) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at,
             locked = excluded.locked, reset_at = excluded.reset_at",
    )?
    .execute(params![
        login_id,
        a.state.failures,
        a.state.last_failure_at.map(|t| t.to_rfc3339()),
        a.state.locked,
        a.reset_at.map(|t| t.to_rfc3339()),
    ])?;
    Ok(())
}

pub fn set_last_online_login(conn: &Connection, staff_id: &str, at: DateTime<Utc>) -> Result<()> {
    conn.execute("UPDATE staff SET last_online_login_at = ?2 WHERE staff_id = ?1", params![staff_id, at.to_rfc3339()])?;
    Ok(())
}

/// Apply an account from the central service: credentials and flags replace the
/// local ones; failed-login state merges (a reset the service saw after the
/// local failures clears them; otherwise the stricter state wins); the online
/// login takes the newer value. The person's authenticators are replaced by the
/// service's list (a revoked one stops working here), each keeping the higher of
/// the two counters.
pub fn apply_remote(conn: &Connection, a: &StaffAccount) -> Result<()> {
    catalog::upsert_staff(conn, &a.staff)?;
    let local_online: Option<String> = conn
        .query_row("SELECT last_online_login_at FROM staff WHERE staff_id = ?1", [&a.staff.staff_id], |r| r.get(0))
        .optional()?
        .flatten();
    let online = later(parse_time(local_online), a.last_online_login_at);
    conn.execute(
        "UPDATE staff SET password_hash = ?2, my_number_permission = ?3, os_account = ?4, last_online_login_at = ?5
         WHERE staff_id = ?1",
        params![
            a.staff.staff_id,
            a.password_hash,
            a.my_number_permission,
            a.os_account,
            online.map(|t| t.to_rfc3339())
        ],
    )?;
    replace_authenticators(conn, &a.staff.staff_id, &a.authenticators)?;
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
    let merged = Attempts { state, reset_at: later(local.reset_at, a.lockout.reset_at) };
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

/// Set the password verifier directly (the demo store only; an enrolled
/// terminal receives it from the central service through [`apply_remote`]).
pub fn set_credentials(
    conn: &Connection,
    staff_id: &str,
    password_hash: &str,
    my_number_permission: bool,
) -> Result<()> {
    conn.execute(
        "UPDATE staff SET password_hash = ?2, my_number_permission = ?3 WHERE staff_id = ?1",
        params![staff_id, password_hash, my_number_permission],
    )?;
    Ok(())
}

/// One of a person's authenticators as this terminal knows it.
#[derive(Debug, Clone)]
pub struct LocalAuthenticator {
    pub credential: PublicCredential,
    /// The highest signature counter seen, by the service or here.
    pub sign_count: u32,
}

/// The person's authenticators, in the order they were received.
pub fn authenticators(conn: &Connection, staff_id: &str) -> Result<Vec<LocalAuthenticator>> {
    let mut stmt = conn
        .prepare_cached("SELECT credential, sign_count FROM staff_authenticators WHERE staff_id = ?1 ORDER BY rowid")?;
    let rows = stmt.query_map([staff_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?;
    let mut out = Vec::new();
    for row in rows {
        let (json, sign_count) = row?;
        let credential = PublicCredential::from_json(&json)
            .map_err(|e| StoreError::Corrupt(format!("staff {staff_id}: authenticator: {e}")))?;
        out.push(LocalAuthenticator { credential, sign_count });
    }
    Ok(out)
}

/// Replace the person's authenticators with `list`, keeping for each the higher
/// of the local and the received counter.
pub fn replace_authenticators(conn: &Connection, staff_id: &str, list: &[StaffAuthenticator]) -> Result<()> {
    let local: std::collections::HashMap<Vec<u8>, u32> = conn
        .prepare_cached("SELECT credential_id, sign_count FROM staff_authenticators WHERE staff_id = ?1")?
        .query_map([staff_id], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, u32>(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute("DELETE FROM staff_authenticators WHERE staff_id = ?1", [staff_id])?;
    for a in list {
        let id = a.credential.id().to_vec();
        let count = local.get(&id).copied().unwrap_or(0).max(a.sign_count);
        conn.prepare_cached(
            "INSERT INTO staff_authenticators (credential_id, staff_id, credential, sign_count) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (credential_id) DO UPDATE SET staff_id = excluded.staff_id, credential = excluded.credential,
                 sign_count = excluded.sign_count",
        )?
        .execute(params![id, staff_id, a.credential.to_json(), count])?;
    }
    Ok(())
}

/// A verified assertion's counter becomes the highest seen for its credential.
pub fn note_sign_count(conn: &Connection, credential_id: &[u8], counter: u32) -> Result<()> {
    conn.prepare_cached("UPDATE staff_authenticators SET sign_count = max(sign_count, ?2) WHERE credential_id = ?1")?
        .execute(params![credential_id, counter])?;
    Ok(())
}
