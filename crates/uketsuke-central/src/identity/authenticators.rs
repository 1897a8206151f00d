//! Authenticators per person: an administrator invites, the person registers
//! at a terminal with the invitation and their password, the policy judges the
//! authenticator's attestation; administrators list and revoke.

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::{GenericClient, Pool};
use serde::Serialize;
use uketsuke_auth::password;
use uketsuke_protocol::codes;
use uketsuke_protocol::identity::{
    RegistrationFinishRequest, RegistrationFinishResponse, RegistrationStartRequest, RegistrationStartResponse,
};
use uuid::Uuid;

use super::{identity_error, refused, Identity};
use crate::accounts::{admin_log, admin_log_as};
use crate::db;
use crate::error::{CentralError, Result};
use crate::password_work::PasswordWork;
use crate::routes::Terminal;

/// A one-time invitation to register an authenticator: 16 base32 characters
/// (the enrollment code's alphabet)
/// from the OS CSPRNG, shown to the administrator once; only its hash is kept.
#[derive(Debug, Clone, Serialize)]
pub struct Invite {
    pub staff_id: String,
    pub code: String,
    pub expires_at: DateTime<Utc>,
}

pub async fn invite(pool: &Pool, staff_id: &str, lifetime: Duration, now: DateTime<Utc>) -> Result<Invite> {
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| CentralError::Internal(e.to_string()))?;
    let code = uketsuke_protocol::base32(&bytes);
    let expires_at = now + lifetime;
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let known = tx.query_opt("SELECT 1 FROM staff WHERE staff_id = $1", &[&staff_id]).await?.is_some();
    if !known {
        return Err(CentralError::NotFound(format!("staff {staff_id}")));
    }
    tx.execute(
        "INSERT INTO authenticator_invites (code_sha256, staff_id, created_at, created_by, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            &crate::routes::code_sha256(&code),
            &staff_id,
            &now,
            &crate::accounts::administrator(&tx).await?,
            &expires_at,
        ],
    )
    .await?;
    admin_log(&tx, now, "staff.authenticator.invite", staff_id, &format!("valid until {expires_at}")).await?;
    tx.commit().await?;
    Ok(Invite { staff_id: staff_id.to_owned(), code, expires_at })
}

/// Start a registration at `terminal`: the invitation must be this person's,
/// unused and current, and the password theirs. Without a valid invitation no
/// password is checked (no Argon2id work, no failure counted: a terminal alone
/// can neither guess passwords here nor lock anyone out); with one, a wrong
/// password counts as a failed login. The answer does not say which was wrong.
pub async fn start(
    pool: &Pool,
    work: &PasswordWork,
    identity: &Identity,
    terminal: &Terminal,
    req: &RegistrationStartRequest,
    lifetime: Duration,
    now: DateTime<Utc>,
) -> Result<RegistrationStartResponse> {
    let refuse = || refused(codes::REGISTRATION_REFUSED, "the invitation or the password is wrong, used or expired");
    let invite_sha = crate::routes::code_sha256(&req.invite_code);
    let mut c = pool.get().await?;
    let account = c
        .query_opt(
            "SELECT s.password_hash, s.active, s.locked, s.user_handle, s.name,
                    (SELECT expires_at > $3 AND used_at IS NULL FROM authenticator_invites
                      WHERE code_sha256 = $2 AND staff_id = s.staff_id)
             FROM staff s WHERE s.staff_id = $1",
            &[&req.staff_id, &invite_sha, &now],
        )
        .await?;
    let Some(account) = account else { return Err(refuse()) };
    // The invitation first: without it the answer says nothing about the account.
    if account.get::<_, Option<bool>>(5) != Some(true) {
        return Err(refuse());
    }
    let (stored, active, locked): (Option<String>, bool, bool) = (account.get(0), account.get(1), account.get(2));
    if !active {
        return Err(refused(codes::STAFF_DISABLED, "this account is disabled"));
    }
    if locked {
        return Err(refused(codes::STAFF_LOCKED, "this account is locked"));
    }
    let Some(stored) = stored else { return Err(refuse()) };
    let given = req.password.clone();
    let password_ok = work.run(move || password::verify_password(&stored, &given)).await?;
    if !password_ok {
        crate::accounts::count_failure(&mut c, &req.staff_id, now).await?;
        return Err(refuse());
    }
    let user_handle: Uuid = account.get(3);
    let name: String = account.get(4);
    let existing: Vec<Vec<u8>> = c
        .query("SELECT credential_id FROM staff_authenticators WHERE staff_id = $1", &[&req.staff_id])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let policy = identity.policy(&c).await?;
    let started =
        identity.rp.start_registration(user_handle, &req.staff_id, &name, existing, &policy).map_err(identity_error)?;
    let registration_id = Uuid::now_v7();
    let expires_at = now + lifetime;
    c.execute(
        "INSERT INTO authenticator_registrations
             (registration_id, staff_id, terminal_id, invite_sha256, state, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&registration_id, &req.staff_id, &terminal.terminal_id, &invite_sha, &started.state, &now, &expires_at],
    )
    .await?;
    Ok(RegistrationStartResponse {
        registration_id,
        options: started.options,
        origin: identity.rp.origin().to_string(),
        expires_at,
    })
}

/// Finish a registration: the authenticator's attestation must satisfy the
/// policy; the invitation is spent with it.
pub async fn finish(
    pool: &Pool,
    identity: &Identity,
    terminal: &Terminal,
    req: &RegistrationFinishRequest,
    now: DateTime<Utc>,
) -> Result<RegistrationFinishResponse> {
    let label = req.label.trim();
    if label.is_empty() || label.chars().count() > 60 {
        return Err(CentralError::BadRequest("label: 1 to 60 characters".into()));
    }
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    db::lock_changes(&tx).await?;
    let row = tx
        .query_opt(
            "SELECT r.staff_id, r.terminal_id, r.state, r.expires_at, r.finished_at, i.used_at, i.expires_at
             FROM authenticator_registrations r JOIN authenticator_invites i ON i.code_sha256 = r.invite_sha256
             WHERE r.registration_id = $1 FOR UPDATE OF r, i",
            &[&req.registration_id],
        )
        .await?
        .ok_or_else(|| refused(codes::REGISTRATION_UNKNOWN, "no such registration"))?;
    let staff_id: String = row.get(0);
    let current = row.get::<_, Uuid>(1) == terminal.terminal_id
        && row.get::<_, DateTime<Utc>>(3) > now
        && row.get::<_, Option<DateTime<Utc>>>(4).is_none()
        && row.get::<_, Option<DateTime<Utc>>>(5).is_none()
        && row.get::<_, DateTime<Utc>>(6) > now;
    if !current {
        return Err(refused(
            codes::REGISTRATION_UNKNOWN,
            "the registration expired, was finished or is another terminal's",
        ));
    }
    let policy = identity.policy(&tx).await?;
    let state: String = row.get(2);
    let registered = identity.rp.finish_registration(&state, &req.credential, &policy).map_err(identity_error)?;
    let via = format!("terminal:{}", terminal.terminal_id);
    let credential_id = store_credential(&tx, &staff_id, &registered, label, &via, now).await?;
    tx.execute(
        "UPDATE authenticator_registrations SET finished_at = $2 WHERE registration_id = $1",
        &[&req.registration_id, &now],
    )
    .await?;
    tx.execute(
        "UPDATE authenticator_invites SET used_at = $2
         WHERE code_sha256 = (SELECT invite_sha256 FROM authenticator_registrations WHERE registration_id = $1)",
        &[&req.registration_id, &now],
    )
    .await?;
    let detail = format!("{} ({}) at terminal {}", registered.model, label, terminal.terminal_id);
    admin_log_as(&tx, now, &staff_id, "staff.authenticator.register", &staff_id, &detail).await?;
    tx.commit().await?;
    Ok(RegistrationFinishResponse { credential_id: hex::encode(&credential_id), model: registered.model })
}

async fn store_credential(
    tx: &impl GenericClient,
    staff_id: &str,
    registered: &uketsuke_identity::Registered,
    label: &str,
    via: &str,
    now: DateTime<Utc>,
) -> Result<Vec<u8>> {
    let credential_json: serde_json::Value =
        serde_json::from_str(&registered.credential.to_json()).map_err(|e| CentralError::Internal(e.to_string()))?;
    let credential_id = registered.credential.id().to_vec();
    let inserted = tx
        .execute(
            "INSERT INTO staff_authenticators
                 (credential_id, staff_id, credential, aaguid, model, label, registered_at, registered_via)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (credential_id) DO NOTHING",
            &[&credential_id, &staff_id, &credential_json, &registered.aaguid, &registered.model, &label, &now, &via],
        )
        .await?;
    if inserted == 0 {
        return Err(CentralError::Conflict("this authenticator is already registered".into()));
    }
    Ok(credential_id)
}

/// Register an authenticator at the administrator's machine, the person present
/// with their key (no invitation: the administrator runs this for them, and it
/// is logged under the administrator's OS user). The same policy judges it.
pub async fn register_here(
    pool: &Pool,
    identity: &Identity,
    staff_id: &str,
    authenticator: Box<dyn uketsuke_identity::Authenticator>,
    label: &str,
    now: DateTime<Utc>,
) -> Result<RegistrationFinishResponse> {
    let label = label.trim();
    if label.is_empty() || label.chars().count() > 60 {
        return Err(CentralError::BadRequest("label: 1 to 60 characters".into()));
    }
    let c = pool.get().await?;
    let row = c
        .query_opt("SELECT user_handle, name, active FROM staff WHERE staff_id = $1", &[&staff_id])
        .await?
        .ok_or_else(|| CentralError::NotFound(format!("staff {staff_id}")))?;
    if !row.get::<_, bool>(2) {
        return Err(refused(codes::STAFF_DISABLED, "this account is disabled"));
    }
    let existing: Vec<Vec<u8>> = c
        .query("SELECT credential_id FROM staff_authenticators WHERE staff_id = $1", &[&staff_id])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let policy = identity.policy(&c).await?;
    let (user_handle, name): (Uuid, String) = (row.get(0), row.get(1));
    let started =
        identity.rp.start_registration(user_handle, staff_id, &name, existing, &policy).map_err(identity_error)?;
    drop(c);
    // The key waits for the person's touch: off the runtime.
    let origin = identity.rp.origin().clone();
    let options = started.options;
    let answer = tokio::task::spawn_blocking(move || {
        let mut authenticator = authenticator;
        authenticator.register(&origin, options)
    })
    .await
    .map_err(|e| CentralError::Internal(e.to_string()))?
    .map_err(identity_error)?;
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    db::lock_changes(&tx).await?;
    let policy = identity.policy(&tx).await?;
    let registered = identity.rp.finish_registration(&started.state, &answer, &policy).map_err(identity_error)?;
    let via = format!("admin:{}", crate::accounts::administrator(&tx).await?);
    let credential_id = store_credential(&tx, staff_id, &registered, label, &via, now).await?;
    let detail = format!("{} ({label}) at the administrator's machine", registered.model);
    admin_log(&tx, now, "staff.authenticator.register", staff_id, &detail).await?;
    tx.commit().await?;
    Ok(RegistrationFinishResponse { credential_id: hex::encode(&credential_id), model: registered.model })
}

/// The demo city only: a software authenticator for each of its staff, registered
/// here and written to `dir/<staff_id>.softtoken` for one terminal's data
/// directory (`demo-authenticators/`). Each terminal gets tokens of its own: a
/// copied token's counter would go back on the other terminal.
pub async fn demo_authenticators(
    pool: &Pool,
    identity: &Identity,
    dir: &std::path::Path,
    label: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    // The active ones (the demo city keeps a disabled account to show its refusal).
    let staff: Vec<String> =
        uketsuke_demo::city::staff().into_iter().filter(|s| s.active).map(|s| s.staff_id).collect();
    for staff_id in &staff {
        let (token, model) = uketsuke_identity::SoftAuthenticator::new().map_err(identity_error)?;
        trust_demo_ca(pool, &model.ca_pem).await?;
        let path = dir.join(format!("{staff_id}.softtoken"));
        token.save(&path).map_err(identity_error)?;
        let file_backed = uketsuke_identity::SoftAuthenticator::open_file(&path).map_err(identity_error)?;
        register_here(pool, identity, staff_id, Box::new(file_backed), label, now).await?;
    }
    Ok(staff)
}

/// One registered authenticator, as `staff authenticator list` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct AuthenticatorRow {
    pub credential_id: String,
    pub staff_id: String,
    pub model: String,
    pub label: String,
    pub aaguid: Uuid,
    pub registered_at: DateTime<Utc>,
    pub registered_via: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub sign_count: i64,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub async fn list(c: &impl GenericClient, staff_id: Option<&str>) -> Result<Vec<AuthenticatorRow>> {
    let rows = c
        .query(
            "SELECT credential_id, staff_id, model, label, aaguid, registered_at, registered_via, last_used_at,
                    sign_count, revoked_at
             FROM staff_authenticators WHERE $1::text IS NULL OR staff_id = $1
             ORDER BY staff_id, registered_at",
            &[&staff_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| AuthenticatorRow {
            credential_id: hex::encode(r.get::<_, Vec<u8>>(0)),
            staff_id: r.get(1),
            model: r.get(2),
            label: r.get(3),
            aaguid: r.get(4),
            registered_at: r.get(5),
            registered_via: r.get(6),
            last_used_at: r.get(7),
            sign_count: r.get(8),
            revoked_at: r.get(9),
        })
        .collect())
}

/// Revoke an authenticator (lost key, a laptop leaving service) by the hex of
/// its credential id or an unambiguous prefix of at least 8 characters.
pub async fn revoke(pool: &Pool, credential_hex: &str, now: DateTime<Utc>) -> Result<AuthenticatorRow> {
    let prefix = credential_hex.trim().to_lowercase();
    if prefix.len() < 8 || !prefix.chars().all(|ch| ch.is_ascii_hexdigit()) {
        return Err(CentralError::BadRequest("give at least 8 hex characters of the credential id".into()));
    }
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    db::lock_changes(&tx).await?;
    let matches: Vec<Vec<u8>> = tx
        .query(
            "SELECT credential_id FROM staff_authenticators
             WHERE encode(credential_id, 'hex') LIKE $1 || '%' AND revoked_at IS NULL",
            &[&prefix],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let id = match matches.as_slice() {
        [one] => one.clone(),
        [] => return Err(CentralError::NotFound(format!("authenticator {prefix}"))),
        _ => return Err(CentralError::Conflict(format!("{} authenticators start with {prefix}", matches.len()))),
    };
    let staff_id: String = tx
        .query_one(
            "UPDATE staff_authenticators SET revoked_at = $2, revoked_by = $3, change_seq = nextval('change_seq')
             WHERE credential_id = $1 RETURNING staff_id",
            &[&id, &now, &crate::accounts::administrator(&tx).await?],
        )
        .await?
        .get(0);
    let row = list(&tx, Some(&staff_id))
        .await?
        .into_iter()
        .find(|r| r.credential_id == hex::encode(&id))
        .expect("just revoked");
    admin_log(&tx, now, "staff.authenticator.revoke", &row.staff_id, &row.credential_id).await?;
    tx.commit().await?;
    Ok(row)
}

/// The demo city only: accept software authenticators whose attestation chains
/// to `ca_pem` (each demo token has its own root). Refused on a service that
/// does not run the demo city.
pub async fn trust_demo_ca(pool: &Pool, ca_pem: &str) -> Result<()> {
    let c = pool.get().await?;
    if c.query_opt("SELECT 1 FROM demo_city", &[]).await?.is_none() {
        return Err(refused(
            uketsuke_identity::IdentityError::SoftwareAuthenticatorRefused.code(),
            "software authenticators are accepted only by the demo city",
        ));
    }
    c.execute("INSERT INTO demo_attestation_cas (ca_pem) VALUES ($1) ON CONFLICT DO NOTHING", &[&ca_pem]).await?;
    Ok(())
}
