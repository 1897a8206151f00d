//! An administrator's designation of a terminal for export, and its withdrawal.
//!
//! A designation is a PASETO v4.public token (`uketsuke_export::sign_designation`)
//! whose audience is the terminal id and which is bound to the terminal's device
//! key by [`device_key_fingerprint`]. It is valid only while it is not withdrawn,
//! not expired, the terminal is not revoked and the terminal still presents the
//! certificate of the key it was bound to (a re-enrolled terminal needs a new
//! designation). A new designation of a terminal withdraws the older one.

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::{GenericClient, Pool};
use serde::Serialize;
use uketsuke_export::{sign_designation, Designation};
use uuid::Uuid;

use super::whole_seconds;
use crate::accounts;
use crate::error::{CentralError, Result};
use crate::pki::Pki;

/// The longest designation an administrator may give, in days.
pub const MAX_DESIGNATION_DAYS: u32 = 366;

/// The fingerprint that binds designations and grants to a terminal's device key:
/// the lower-case hex SHA-256 (`uketsuke_auth::sha256_hex`) of the device key's
/// public key as it appears in the terminal's client certificate — the contents
/// of the SubjectPublicKeyInfo's `subjectPublicKey` BIT STRING, i.e. the 65-byte
/// uncompressed SEC1 P-256 point (`crate::audit::certificate_public_key`).
///
/// The terminal computes the same value from its PKCS#8 device key:
/// `sha256_hex(&uketsuke_auth::chain::public_key_from_pkcs8(pkcs8_der)?)`.
pub fn device_key_fingerprint(cert_der: &[u8]) -> Result<String> {
    let public_key = crate::audit::certificate_public_key(cert_der)?;
    Ok(uketsuke_auth::sha256_hex(&public_key))
}

/// A designation as made by [`designate`] (printed by the CLI).
#[derive(Debug, Clone, Serialize)]
pub struct Designated {
    pub designation_id: Uuid,
    pub terminal_id: Uuid,
    pub device_key_fpr: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// The designation this one withdrew, if the terminal had one.
    pub replaces: Option<Uuid>,
    /// The signed token (not secret: it is bound to the terminal's device key).
    pub token: String,
}

/// The designation a terminal holds now, if any (see the module's rules).
#[derive(Debug, Clone)]
pub(crate) struct ActiveDesignation {
    pub designation_id: Uuid,
    pub device_key_fpr: String,
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

pub(crate) async fn active(
    c: &impl GenericClient,
    terminal_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<ActiveDesignation>> {
    let Some(row) = c
        .query_opt(
            "SELECT d.designation_id, d.device_key_fpr, d.token, d.expires_at, t.cert_der
             FROM export_designations d JOIN terminals t ON t.terminal_id = d.terminal_id
             WHERE d.terminal_id = $1 AND d.withdrawn_at IS NULL AND d.issued_at <= $2 AND d.expires_at > $2
               AND t.revoked_at IS NULL",
            &[&terminal_id, &now],
        )
        .await?
    else {
        return Ok(None);
    };
    let designation = ActiveDesignation {
        designation_id: row.get(0),
        device_key_fpr: row.get(1),
        token: row.get(2),
        expires_at: row.get(3),
    };
    // Bound to the device key of the certificate the terminal uses now.
    let cert: Option<Vec<u8>> = row.get(4);
    match cert.map(|c| device_key_fingerprint(&c)).transpose()? {
        Some(fpr) if fpr == designation.device_key_fpr => Ok(Some(designation)),
        _ => Ok(None),
    }
}

/// Designate `terminal_id` for export for `days` days from `now`: sign a
/// designation bound to its current device key and withdraw any older one.
/// Refuses an unknown terminal (`NotFound`), a revoked one (`TERMINAL_REVOKED`)
/// and one whose certificate the service does not hold yet (`CONFLICT`: it has
/// not enrolled, or not connected since the service was upgraded).
pub async fn designate(pool: &Pool, pki: &Pki, terminal_id: Uuid, days: u32, now: DateTime<Utc>) -> Result<Designated> {
    if !(1..=MAX_DESIGNATION_DAYS).contains(&days) {
        return Err(CentralError::BadRequest(format!("days must be 1 to {MAX_DESIGNATION_DAYS}")));
    }
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let row = tx
        .query_opt(
            "SELECT revoked_at, revoke_reason, cert_der FROM terminals WHERE terminal_id = $1 FOR UPDATE",
            &[&terminal_id],
        )
        .await?
        .ok_or_else(|| CentralError::NotFound(format!("terminal {terminal_id}")))?;
    if row.get::<_, Option<DateTime<Utc>>>(0).is_some() {
        return Err(CentralError::Revoked(row.get::<_, Option<String>>(1).unwrap_or_default()));
    }
    let cert: Option<Vec<u8>> = row.get(2);
    let cert = cert.ok_or_else(|| {
        CentralError::Conflict(format!(
            "terminal {terminal_id} has no certificate on file: it has not enrolled, or has not connected since the upgrade"
        ))
    })?;
    let device_key_fpr = device_key_fingerprint(&cert)?;
    let issued_at = whole_seconds(now);
    let expires_at = issued_at + Duration::days(days as i64);
    let designation_id = Uuid::now_v7();
    let token = sign_designation(
        pki.export_key(),
        &Designation {
            jti: designation_id,
            terminal_id: terminal_id.to_string(),
            device_key_fpr: device_key_fpr.clone(),
            // Valid from a little before now, as grants are: a terminal clock
            // slightly behind the service's can use it at once.
            issued_at: issued_at - Duration::minutes(super::requests::GRANT_CLOCK_ALLOWANCE_MINUTES),
            expires_at,
        },
    )
    .map_err(|e| CentralError::Internal(format!("signing the designation: {e}")))?;
    let os_user = accounts::administrator(&tx).await?;
    let replaces: Option<Uuid> = tx
        .query_opt(
            "UPDATE export_designations SET withdrawn_at = $2, withdrawn_by = $3
             WHERE terminal_id = $1 AND withdrawn_at IS NULL RETURNING designation_id",
            &[&terminal_id, &now, &os_user],
        )
        .await?
        .map(|r| r.get(0));
    tx.execute(
        "INSERT INTO export_designations
             (designation_id, terminal_id, device_key_fpr, token, issued_at, expires_at, issued_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[&designation_id, &terminal_id, &device_key_fpr, &token, &issued_at, &expires_at, &os_user],
    )
    .await?;
    let mut detail = format!("designation {designation_id}, device key {device_key_fpr}, until {expires_at}");
    if let Some(old) = replaces {
        detail.push_str(&format!(", replaces {old}"));
    }
    accounts::admin_log(&tx, now, "export.designate", &terminal_id.to_string(), &detail).await?;
    tx.commit().await?;
    tracing::info!(%terminal_id, %designation_id, "terminal designated for export");
    Ok(Designated { designation_id, terminal_id, device_key_fpr, issued_at, expires_at, replaces, token })
}

/// Withdraw the terminal's designation: from now on it is in no export state, its
/// pending requests cannot be approved and its grants cannot be verified against
/// it. Returns the withdrawn designation's id; `NotFound` if it has none.
pub async fn withdraw(pool: &Pool, terminal_id: Uuid, now: DateTime<Utc>) -> Result<Uuid> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let os_user = accounts::administrator(&tx).await?;
    let designation_id: Uuid = tx
        .query_opt(
            "UPDATE export_designations SET withdrawn_at = $2, withdrawn_by = $3
             WHERE terminal_id = $1 AND withdrawn_at IS NULL RETURNING designation_id",
            &[&terminal_id, &now, &os_user],
        )
        .await?
        .ok_or_else(|| CentralError::NotFound(format!("a designation of terminal {terminal_id}")))?
        .get(0);
    accounts::admin_log(
        &tx,
        now,
        "export.withdraw",
        &terminal_id.to_string(),
        &format!("designation {designation_id}"),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(%terminal_id, %designation_id, "export designation withdrawn");
    Ok(designation_id)
}
