//! Staff accounts: credentials set by an administrator, their state as counted
//! from every terminal's access log, the online-login check and the 個人番号 gate.
//!
//! Passwords are hashed here (Argon2id, [`uketsuke_auth::Argon2Params`]) and only
//! the PHC string leaves the service, to terminals at the venues the person is
//! assigned to. The second factor is the person's authenticator
//! ([`crate::identity`]): the service keeps its public credential only.

use chrono::{DateTime, Utc};
use deadpool_postgres::GenericClient;
use deadpool_postgres::Pool;
use uketsuke_auth::{password, Argon2Params};
use uketsuke_core::Staff;
use uketsuke_protocol::{
    codes, ChangePasswordRequest, ChangePasswordResponse, MyNumberRequest, MyNumberResponse, OnlineLoginRequest,
    OnlineLoginResponse, RemoteLockout, StaffAccount,
};

use crate::db;
use crate::error::{CentralError, Result};
use crate::routes::Terminal;

/// The administrator running a command: the PostgreSQL role the database
/// authenticated for this connection (each administrator has their own login
/// role), never an environment variable.
pub async fn administrator(c: &impl GenericClient) -> Result<String> {
    Ok(c.query_one("SELECT session_user::text", &[]).await?.get(0))
}

/// A command that needs the administrator as a person (a central export request)
/// was run under a role linked to no active staff member (`admin link`).
pub const ADMIN_NOT_LINKED: &str = "ADMIN_NOT_LINKED";
/// Only the database owner links roles to staff members.
pub const ADMIN_LINK_OWNER_ONLY: &str = "ADMIN_LINK_OWNER_ONLY";

/// The staff member the connection's administrator role belongs to (migration
/// 0010, `admin_staff_of_session()`), who must be active: the person behind a
/// central export request, whom the decision then refuses to let approve it.
pub async fn administrator_staff(c: &impl GenericClient) -> Result<String> {
    Ok(c.query_one("SELECT admin_staff_of_session()", &[])
        .await
        .map_err(|e| CentralError::refused_by_db(e, ADMIN_NOT_LINKED))?
        .get(0))
}

/// The database owner links an administrator's login role to the staff member
/// who uses it (one role per person; linking a role again moves it). Logged.
pub async fn link_admin(pool: &Pool, db_role: &str, staff_id: &str, now: DateTime<Utc>) -> Result<()> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let may: bool = tx.query_one("SELECT has_table_privilege('admin_staff', 'INSERT')", &[]).await?.get(0);
    if !may {
        return Err(CentralError::Refused {
            code: ADMIN_LINK_OWNER_ONLY,
            message: "only the database owner links administrators to staff members".into(),
        });
    }
    let is_admin: bool = tx
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = $1)
                    AND (NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'uketsuke_admin')
                         OR pg_has_role($1, 'uketsuke_admin', 'MEMBER'))",
            &[&db_role],
        )
        .await?
        .get(0);
    if !is_admin {
        return Err(CentralError::BadRequest(format!("{db_role} is not an administrator's role (uketsuke_admin)")));
    }
    if tx.query_opt("SELECT 1 FROM staff WHERE staff_id = $1", &[&staff_id]).await?.is_none() {
        return Err(CentralError::NotFound(format!("staff {staff_id}")));
    }
    let n = tx
        .execute(
            "INSERT INTO admin_staff (db_role, staff_id, linked_at) VALUES ($1, $2, $3)
             ON CONFLICT (db_role) DO UPDATE SET staff_id = excluded.staff_id, linked_at = excluded.linked_at,
                                                 linked_by = session_user
             WHERE NOT EXISTS (SELECT 1 FROM admin_staff WHERE staff_id = $2 AND db_role <> $1)",
            &[&db_role, &staff_id, &now],
        )
        .await;
    let taken = || CentralError::BadRequest(format!("{staff_id} is already linked to another role"));
    match n {
        Ok(1) => {}
        Ok(_) => return Err(taken()),
        Err(e) if e.code() == Some(&tokio_postgres::error::SqlState::UNIQUE_VIOLATION) => return Err(taken()),
        Err(e) => return Err(e.into()),
    }
    admin_log(&tx, now, "admin.link", staff_id, &format!("role {db_role}")).await?;
    tx.commit().await?;
    Ok(())
}

/// Every administrator role and the staff member it belongs to.
pub async fn admin_links(c: &impl GenericClient) -> Result<Vec<serde_json::Value>> {
    let rows = c.query("SELECT db_role, staff_id, linked_at, linked_by FROM admin_staff ORDER BY db_role", &[]).await?;
    Ok(rows
        .iter()
        .map(|r| {
            serde_json::json!({ "role": r.get::<_, String>(0), "staff_id": r.get::<_, String>(1),
                "linked_at": r.get::<_, DateTime<Utc>>(2), "linked_by": r.get::<_, String>(3) })
        })
        .collect())
}

/// Record an administrator's action (who: the staff member the connection's
/// PostgreSQL role is linked to, else that role; what, on what). The admin log is append-only and hash-chained in the database
/// (migration 0008), which also records the role itself.
pub async fn admin_log(
    c: &impl GenericClient,
    now: DateTime<Utc>,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    // `who`: the staff member the role is linked to (migration 0010), else the
    // role itself; the database records the role beside it either way.
    c.execute(
        "INSERT INTO admin_log (at, who, action, target, detail)
         VALUES ($1, coalesce((SELECT staff_id FROM admin_staff WHERE db_role = session_user), session_user),
                 $2, $3, $4)",
        &[&now, &action, &target, &detail],
    )
    .await?;
    Ok(())
}

/// [`admin_log`] for an act the service verified a staff member for (a password
/// change, an unlock, an export decision): `who` is their staff id (the database
/// records the service's role beside it).
pub async fn admin_log_as(
    c: &impl GenericClient,
    now: DateTime<Utc>,
    who: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> Result<()> {
    c.execute(
        "INSERT INTO admin_log (at, who, action, target, detail) VALUES ($1, $2, $3, $4, $5)",
        &[&now, &who, &action, &target, &detail],
    )
    .await?;
    Ok(())
}

async fn bump_staff(
    pool: &Pool,
    staff_id: &str,
    now: DateTime<Utc>,
    action: &str,
    detail: &str,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<()> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    db::lock_changes(&tx).await?;
    let n = tx.execute(sql, params).await?;
    if n == 0 {
        return Err(CentralError::NotFound(format!("staff {staff_id}")));
    }
    admin_log(&tx, now, action, staff_id, detail).await?;
    tx.commit().await?;
    Ok(())
}

/// Set a staff member's password (checked against the policy first).
pub async fn set_password(
    pool: &Pool,
    staff_id: &str,
    new_password: &str,
    params: Argon2Params,
    now: DateTime<Utc>,
) -> Result<()> {
    password::check_policy(new_password, staff_id)
        .map_err(|e| CentralError::BadRequest(format!("{}: {}", e.code(), e.message_ja())))?;
    let phc = password::hash_password(new_password, params).map_err(|e| CentralError::Internal(e.to_string()))?;
    bump_staff(
        pool,
        staff_id,
        now,
        "staff.password",
        "",
        "UPDATE staff SET password_hash = $2, change_seq = nextval('change_seq') WHERE staff_id = $1",
        &[&staff_id, &phc],
    )
    .await
}

pub async fn set_my_number_permission(pool: &Pool, staff_id: &str, allowed: bool, now: DateTime<Utc>) -> Result<()> {
    bump_staff(
        pool,
        staff_id,
        now,
        "staff.my_number_permission",
        if allowed { "granted" } else { "withdrawn" },
        "UPDATE staff SET my_number_permission = $2, change_seq = nextval('change_seq') WHERE staff_id = $1",
        &[&staff_id, &allowed],
    )
    .await
}

/// Assign a staff member to a venue (terminals there receive their verifier) or
/// withdraw the assignment (removed from those terminals at their next sync).
pub async fn set_venue(pool: &Pool, staff_id: &str, venue_id: &str, assigned: bool, now: DateTime<Utc>) -> Result<()> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    db::lock_changes(&tx).await?;
    if tx.query_opt("SELECT 1 FROM venues WHERE venue_id = $1", &[&venue_id]).await?.is_none() {
        return Err(CentralError::NotFound(format!("venue {venue_id}")));
    }
    let changed = if assigned {
        tx.execute(
            "INSERT INTO staff_venues (staff_id, venue_id, assigned_at)
             SELECT staff_id, $2, $3 FROM staff WHERE staff_id = $1 ON CONFLICT DO NOTHING",
            &[&staff_id, &venue_id, &now],
        )
        .await?
    } else {
        tx.execute("DELETE FROM staff_venues WHERE staff_id = $1 AND venue_id = $2", &[&staff_id, &venue_id]).await?
    };
    // The staff row's change_seq sends the catalog again, with or without the verifier.
    let n = tx.execute("UPDATE staff SET change_seq = nextval('change_seq') WHERE staff_id = $1", &[&staff_id]).await?;
    if n == 0 {
        return Err(CentralError::NotFound(format!("staff {staff_id}")));
    }
    let action = if assigned { "staff.venue.assign" } else { "staff.venue.withdraw" };
    admin_log(&tx, now, action, staff_id, &format!("{venue_id} ({changed} row)")).await?;
    tx.commit().await?;
    Ok(())
}

/// `(staff_id, venue_id, assigned_at)` for one staff member or everyone.
pub async fn venues_of(c: &impl GenericClient, staff_id: Option<&str>) -> Result<Vec<(String, String, DateTime<Utc>)>> {
    let rows = c
        .query(
            "SELECT staff_id, venue_id, assigned_at FROM staff_venues
             WHERE $1::text IS NULL OR staff_id = $1 ORDER BY staff_id, venue_id",
            &[&staff_id],
        )
        .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1), r.get(2))).collect())
}

/// Bind a staff account to one OS account name (or remove the binding).
pub async fn set_os_account(pool: &Pool, staff_id: &str, os_account: Option<&str>, now: DateTime<Utc>) -> Result<()> {
    bump_staff(
        pool,
        staff_id,
        now,
        "staff.os_account",
        os_account.unwrap_or("(none)"),
        "UPDATE staff SET os_account = $2, change_seq = nextval('change_seq') WHERE staff_id = $1",
        &[&staff_id, &os_account],
    )
    .await
}

/// Clear failed attempts and a lock (an administrator's unlock; supervisors
/// unlock from a terminal, which reaches here through the shipped log).
pub async fn unlock(pool: &Pool, staff_id: &str, now: DateTime<Utc>) -> Result<()> {
    bump_staff(
        pool,
        staff_id,
        now,
        "staff.unlock",
        "",
        "UPDATE staff SET failed_attempts = 0, locked = false, lockout_reset_at = $2,
             change_seq = nextval('change_seq') WHERE staff_id = $1",
        &[&staff_id, &now],
    )
    .await
}

/// A supervisor unlocks a colleague from a terminal: the service verifies the
/// supervisor (their authenticator signed exactly this unlock at this terminal),
/// their role and state, then clears the colleague's failures and lock.
pub async fn unlock_verified(
    st: &crate::routes::AppState,
    terminal: &Terminal,
    req: &uketsuke_protocol::UnlockRequest,
    now: DateTime<Utc>,
) -> Result<uketsuke_protocol::UnlockResponse> {
    let action = req.action();
    let result = unlock_verified_inner(st, terminal, &action, req, now).await;
    if let Err(e) = &result {
        crate::identity::challenge::flag_refusal(&st.pool, terminal, &action, e, now).await;
    }
    result
}

async fn unlock_verified_inner(
    st: &crate::routes::AppState,
    terminal: &Terminal,
    action: &uketsuke_identity::Action,
    req: &uketsuke_protocol::UnlockRequest,
    now: DateTime<Utc>,
) -> Result<uketsuke_protocol::UnlockResponse> {
    let not_permitted = |m: &str| CentralError::Refused { code: codes::UNLOCK_NOT_PERMITTED, message: m.into() };
    let mut c = st.pool.get().await?;
    let tx = c.transaction().await?;
    db::lock_changes(&tx).await?;
    if tx.query_opt("SELECT 1 FROM staff WHERE staff_id = $1", &[&req.target_staff_id]).await?.is_none() {
        return Err(CentralError::Refused { code: codes::STAFF_UNKNOWN, message: "unknown staff".into() });
    }
    let person =
        crate::identity::challenge::verify(&tx, &st.identity, terminal, action, req.proof.as_ref(), now).await?;
    let row = tx.query_one("SELECT role, active, locked FROM staff WHERE staff_id = $1", &[&person.staff_id]).await?;
    let (role, active, locked): (String, bool, bool) = (row.get(0), row.get(1), row.get(2));
    if !active || locked || !(role == "supervisor" || role == "administrator") {
        return Err(not_permitted("only an active supervisor may unlock an account"));
    }
    if person.staff_id == req.target_staff_id {
        return Err(not_permitted("nobody unlocks their own account"));
    }
    tx.execute(
        "UPDATE staff SET failed_attempts = 0, locked = false, lockout_reset_at = $2,
             change_seq = nextval('change_seq') WHERE staff_id = $1",
        &[&req.target_staff_id, &now],
    )
    .await?;
    let detail = format!("verified supervisor at terminal {}", terminal.terminal_id);
    admin_log_as(&tx, now, &person.staff_id, "staff.unlock.verified", &req.target_staff_id, &detail).await?;
    tx.commit().await?;
    tracing::info!(supervisor = %person.staff_id, target = %req.target_staff_id, "account unlocked by a verified supervisor");
    Ok(uketsuke_protocol::UnlockResponse { at: now })
}

/// Every account as a terminal at `venue_ids` receives it: the password verifier
/// and the public credentials of their authenticators only for staff assigned
/// to one of those venues (`staff_venues`); the others come without, so they
/// cannot log in there. Credentials the city's policy no longer accepts are left
/// out, so a terminal stops accepting them offline at its next sync.
pub async fn staff_accounts(
    c: &impl GenericClient,
    venue_ids: &[String],
    policy: Option<&uketsuke_identity::AuthenticatorPolicy>,
) -> Result<Vec<StaffAccount>> {
    let rows = c
        .query(
            "SELECT s.staff_id, s.name, s.department, s.role, s.active,
                    CASE WHEN a.assigned THEN s.password_hash END,
                    s.my_number_permission, s.os_account, s.failed_attempts, s.last_failure_at, s.locked,
                    s.lockout_reset_at, s.last_online_login_at, a.assigned
             FROM staff s
             CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM staff_venues sv
                                                WHERE sv.staff_id = s.staff_id AND sv.venue_id = ANY($1)) AS assigned) a
             ORDER BY s.staff_id",
            &[&venue_ids],
        )
        .await?;
    let mut credentials: std::collections::HashMap<String, Vec<uketsuke_protocol::StaffAuthenticator>> =
        Default::default();
    for r in c
        .query(
            "SELECT sa.staff_id, sa.credential::text, sa.sign_count, sa.aaguid
             FROM staff_authenticators sa
             WHERE sa.revoked_at IS NULL
               AND EXISTS (SELECT 1 FROM staff_venues sv WHERE sv.staff_id = sa.staff_id AND sv.venue_id = ANY($1))
             ORDER BY sa.staff_id, sa.registered_at",
            &[&venue_ids],
        )
        .await?
    {
        if policy.is_none_or(|p| p.accept(r.get(3)).is_err()) {
            continue;
        }
        let credential = uketsuke_identity::PublicCredential::from_json(r.get(1))
            .map_err(|e| CentralError::Internal(format!("staff_authenticators.credential: {e}")))?;
        let count: i64 = r.get(2);
        credentials.entry(r.get(0)).or_default().push(uketsuke_protocol::StaffAuthenticator {
            credential,
            sign_count: u32::try_from(count).unwrap_or(u32::MAX),
        });
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let role: String = r.get(3);
        let failures: i32 = r.get(8);
        let staff_id: String = r.get(0);
        let assigned: bool = r.get(13);
        let authenticators = if assigned { credentials.remove(&staff_id).unwrap_or_default() } else { Vec::new() };
        out.push(StaffAccount {
            staff: Staff {
                staff_id,
                name: r.get(1),
                department: r.get(2),
                role: serde_json::from_value(serde_json::Value::String(role))
                    .map_err(|_| CentralError::Internal("staff.role".into()))?,
                active: r.get(4),
            },
            password_hash: r.get(5),
            my_number_permission: r.get(6),
            os_account: r.get(7),
            lockout: RemoteLockout {
                failures: failures.max(0) as u32,
                last_failure_at: r.get(9),
                locked: r.get(10),
                reset_at: r.get(11),
            },
            last_online_login_at: r.get(12),
            authenticators,
        });
    }
    Ok(out)
}

/// What the service knows about one account, for the checks below.
struct AccountState {
    active: bool,
    locked: bool,
    my_number_permission: bool,
}

async fn account_state(c: &impl GenericClient, staff_id: &str) -> Result<AccountState> {
    let row = c
        .query_opt("SELECT active, locked, my_number_permission FROM staff WHERE staff_id = $1", &[&staff_id])
        .await?
        .ok_or_else(|| CentralError::Refused { code: codes::STAFF_UNKNOWN, message: "unknown staff".into() })?;
    Ok(AccountState { active: row.get(0), locked: row.get(1), my_number_permission: row.get(2) })
}

fn refuse_inactive(state: &AccountState) -> Result<()> {
    if !state.active {
        return Err(CentralError::Refused { code: codes::STAFF_DISABLED, message: "this account is disabled".into() });
    }
    if state.locked {
        return Err(CentralError::Refused { code: codes::STAFF_LOCKED, message: "this account is locked".into() });
    }
    Ok(())
}

/// A staff member logs in at a terminal that reaches the service: the terminal
/// checked the password; the service checks the person, through their own
/// authenticator's assertion over [`OnlineLoginRequest::action`] at this
/// terminal, then that the account is active and unlocked, and records the
/// online login (the start of the offline grace period).
pub async fn online_login(
    st: &crate::routes::AppState,
    terminal: &Terminal,
    req: &OnlineLoginRequest,
    now: DateTime<Utc>,
) -> Result<OnlineLoginResponse> {
    let action = req.action();
    let result = async {
        let mut c = st.pool.get().await?;
        let tx = c.transaction().await?;
        let person =
            crate::identity::challenge::verify(&tx, &st.identity, terminal, &action, req.proof.as_ref(), now).await?;
        db::lock_changes(&tx).await?;
        let state = account_state(&tx, &person.staff_id).await?;
        refuse_inactive(&state)?;
        tx.execute(
            "UPDATE staff SET last_online_login_at = $2, failed_attempts = 0,
                 lockout_reset_at = greatest(coalesce(lockout_reset_at, $2), $2), change_seq = nextval('change_seq')
             WHERE staff_id = $1",
            &[&person.staff_id, &now],
        )
        .await?;
        tx.commit().await?;
        tracing::info!(staff = %person.staff_id, terminal = %terminal.terminal_id, "online login verified");
        Ok(OnlineLoginResponse { at: now })
    }
    .await;
    if let Err(e) = &result {
        crate::identity::challenge::flag_refusal(&st.pool, terminal, &action, e, now).await;
    }
    result
}

/// A staff member changes their own password from a terminal: the current
/// password must verify against the stored one and the new one must meet the
/// policy and differ from it. Returns the new verifier for the terminal.
pub async fn change_password(
    st: &crate::routes::AppState,
    terminal: &Terminal,
    req: &ChangePasswordRequest,
    params: Argon2Params,
    now: DateTime<Utc>,
) -> Result<ChangePasswordResponse> {
    let (pool, work) = (&st.pool, &st.password_work);
    let refused = |code: &'static str, message: String| CentralError::Refused { code, message };
    // What can be refused without the person is refused first, so a proof is
    // spent only on an attempt that reaches the password check.
    password::check_policy(&req.new_password, &req.staff_id).map_err(|e| refused(e.code(), e.message_ja()))?;
    if req.new_password == req.current_password {
        return Err(refused(codes::PASSWORD_UNCHANGED, "the new password equals the current one".into()));
    }
    // Then the person: without their assertion no password is checked, so a
    // terminal alone has no oracle and costs the service no Argon2id work. The
    // verified act records the attempt (it stands even if the current password
    // then turns out wrong: the person did ask, and the failure is counted).
    let action = req.action();
    let verified = async {
        let mut c = pool.get().await?;
        let tx = c.transaction().await?;
        crate::identity::challenge::verify(&tx, &st.identity, terminal, &action, req.proof.as_ref(), now).await?;
        tx.commit().await?;
        Ok::<_, CentralError>(())
    }
    .await;
    if let Err(e) = verified {
        // Its connection is back in the pool before the flag takes one.
        crate::identity::challenge::flag_refusal(pool, terminal, &action, &e, now).await;
        return Err(e);
    }
    let mut c = pool.get().await?;
    let stored: Option<String> = {
        let state = account_state(&c, &req.staff_id).await?;
        refuse_inactive(&state)?;
        c.query_one("SELECT password_hash FROM staff WHERE staff_id = $1", &[&req.staff_id]).await?.get(0)
    };
    let Some(stored) = stored else {
        return Err(refused(codes::PASSWORD_CURRENT_WRONG, "no password is set; ask an administrator".into()));
    };
    // Argon2id twice (verify, hash): off the async runtime, and bounded.
    let (current, new) = (req.current_password.clone(), req.new_password.clone());
    let phc = work
        .run(move || -> Result<Option<String>> {
            if !password::verify_password(&stored, &current) {
                return Ok(None);
            }
            password::hash_password(&new, params).map(Some).map_err(|e| CentralError::Internal(e.to_string()))
        })
        .await??;
    let Some(phc) = phc else {
        count_failure(&mut c, &req.staff_id, now).await?;
        return Err(refused(codes::PASSWORD_CURRENT_WRONG, "the current password is wrong".into()));
    };
    let tx = c.transaction().await?;
    db::lock_changes(&tx).await?;
    tx.execute(
        "UPDATE staff SET password_hash = $2, change_seq = nextval('change_seq') WHERE staff_id = $1",
        &[&req.staff_id, &phc],
    )
    .await?;
    let detail = format!("changed by the staff member at terminal {}", terminal.terminal_id);
    admin_log_as(&tx, now, &req.staff_id, "staff.password.own", &req.staff_id, &detail).await?;
    tx.commit().await?;
    tracing::info!(staff = %req.staff_id, terminal = %terminal.terminal_id, "password changed by its owner");
    Ok(ChangePasswordResponse { password_hash: phc, changed_at: now })
}

/// A wrong password given to the service itself (password change, authenticator
/// registration) is a failed login, counted here as the service saw it
/// (terminals merge the count into their lockout); an earlier unlock or
/// successful login has reset what came before it.
pub(crate) async fn count_failure(c: &mut deadpool_postgres::Object, staff_id: &str, now: DateTime<Utc>) -> Result<()> {
    let tx = c.transaction().await?;
    record_failure(&tx, staff_id, now, None).await?;
    tx.commit().await?;
    Ok(())
}

/// One failed login of `staff_id` at `at`, counted on the service: after a reset
/// only, and the account locks at the policy's hard limit. With `at_terminal`
/// (a terminal's shipped log), only for staff assigned to a venue of its sessions.
pub(crate) async fn record_failure(
    tx: &impl GenericClient,
    staff_id: &str,
    at: DateTime<Utc>,
    at_terminal: Option<uuid::Uuid>,
) -> Result<()> {
    let hard_lock = i32::try_from(uketsuke_auth::LockoutPolicy::default().hard_lock_after).unwrap_or(i32::MAX);
    db::lock_changes(tx).await?;
    tx.execute(
        "UPDATE staff SET failed_attempts = failed_attempts + 1,
             last_failure_at = greatest(coalesce(last_failure_at, $2), $2),
             locked = locked OR failed_attempts + 1 >= $3, change_seq = nextval('change_seq')
         WHERE staff_id = $1 AND (lockout_reset_at IS NULL OR lockout_reset_at < $2)
           AND ($4::uuid IS NULL OR EXISTS (SELECT 1 FROM staff_venues sv
                                            JOIN sessions s ON s.venue_id = sv.venue_id
                                            JOIN terminal_sessions ts ON ts.session_id = s.session_id
                                            WHERE sv.staff_id = $1 AND ts.terminal_id = $4))",
        &[&staff_id, &at, &hard_lock, &at_terminal],
    )
    .await?;
    Ok(())
}

/// One resident's 個人番号 for one view. The person is the one whose
/// authenticator signed this exact view at this terminal (never a `staff_id` the
/// terminal names); the resident must be in the terminal's assigned scope, and
/// neither the person nor the terminal over their hourly limit. The view and its
/// evidence are recorded before the number leaves the service; the number
/// itself is never logged.
pub async fn my_number(
    st: &crate::routes::AppState,
    terminal: &Terminal,
    req: &MyNumberRequest,
    now: DateTime<Utc>,
) -> Result<MyNumberResponse> {
    let reason = req.reason.trim();
    if reason.is_empty() {
        return Err(CentralError::Refused { code: codes::REASON_REQUIRED, message: "a reason is required".into() });
    }
    let action = req.action();
    let result = my_number_verified(st, terminal, &action, req, reason, now).await;
    if let Err(e) = &result {
        crate::identity::challenge::flag_refusal(&st.pool, terminal, &action, e, now).await;
    }
    result
}

async fn my_number_verified(
    st: &crate::routes::AppState,
    terminal: &Terminal,
    action: &uketsuke_identity::Action,
    req: &MyNumberRequest,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<MyNumberResponse> {
    let refused = |code: &'static str, message: &str| CentralError::Refused { code, message: message.into() };
    let mut c = st.pool.get().await?;
    let tx = c.transaction().await?;
    let person =
        crate::identity::challenge::verify(&tx, &st.identity, terminal, action, req.proof.as_ref(), now).await?;
    let state = account_state(&tx, &person.staff_id).await?;
    refuse_inactive(&state)?;
    if !state.my_number_permission {
        return Err(refused(codes::MY_NUMBER_NOT_PERMITTED, "this staff member may not view 個人番号"));
    }
    // The resident must have a voucher for the fiscal year of a session assigned
    // to this terminal: the people this desk can receive, no one else.
    let in_scope = tx
        .query_opt(
            "SELECT 1 FROM vouchers v
             WHERE v.resident_id = $2 AND v.fiscal_year IN
                   (SELECT s.fiscal_year FROM sessions s JOIN terminal_sessions ts ON ts.session_id = s.session_id
                    WHERE ts.terminal_id = $1)
             LIMIT 1",
            &[&terminal.terminal_id, &req.resident_id],
        )
        .await?
        .is_some();
    if !in_scope {
        return Err(refused(codes::MY_NUMBER_OUT_OF_SCOPE, "this resident is not in this terminal's sessions"));
    }
    // Parallel views of one person or at one terminal wait here, so the count
    // below cannot be read twice before either view is written.
    for key in [format!("my-number/staff/{}", person.staff_id), format!("my-number/terminal/{}", terminal.terminal_id)]
    {
        tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 11))", &[&key]).await?;
    }
    let hour_ago = now - chrono::Duration::hours(1);
    let counts = tx
        .query_one(
            "SELECT count(*) FILTER (WHERE staff_id = $1), count(*) FILTER (WHERE terminal_id = $2)
             FROM my_number_views WHERE at > $3 AND (staff_id = $1 OR terminal_id = $2)",
            &[&person.staff_id, &terminal.terminal_id, &hour_ago],
        )
        .await?;
    let (by_person, by_terminal): (i64, i64) = (counts.get(0), counts.get(1));
    if by_person >= st.config.my_number_per_hour_staff || by_terminal >= st.config.my_number_per_hour_terminal {
        return Err(refused(codes::MY_NUMBER_RATE_LIMITED, "too many 個人番号 views within the hour"));
    }
    let number: Option<String> = tx
        .query_opt("SELECT my_number FROM residents WHERE resident_id = $1", &[&req.resident_id])
        .await?
        .ok_or_else(|| refused(codes::RESIDENT_UNKNOWN, "unknown resident"))?
        .get(0);
    let Some(number) = number else {
        return Err(refused(codes::MY_NUMBER_NOT_ON_FILE, "no 個人番号 on file for this resident"));
    };
    tx.execute(
        "INSERT INTO my_number_views (at, terminal_id, staff_id, resident_id, reason) VALUES ($1, $2, $3, $4, $5)",
        &[&now, &terminal.terminal_id, &person.staff_id, &req.resident_id, &reason],
    )
    .await?;
    tx.commit().await?;
    Ok(MyNumberResponse { resident_id: req.resident_id.clone(), my_number: number })
}
