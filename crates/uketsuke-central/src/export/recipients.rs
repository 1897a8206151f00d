//! Registered recipients of exports (the screening organisation, the health
//! system's office) with the age X25519 public key files are encrypted to.
//!
//! A grant binds the recipient *id*, so a recipient's key is never changed in
//! place: a new key is a new recipient, and the old one is disabled.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use chrono::{DateTime, Utc};
use deadpool_postgres::{GenericClient, Pool};
use serde::Serialize;
use uketsuke_protocol::export::ExportRecipient;

use crate::accounts;
use crate::error::{CentralError, Result};

/// The longest recipient id.
pub const MAX_RECIPIENT_ID_CHARS: usize = 64;

/// Register a recipient. `age_recipient` must be an age X25519 recipient
/// (`age1…`, checked with `uketsuke_export::parse_recipient`). An existing id is
/// refused (`CONFLICT`).
pub async fn add_recipient(
    pool: &Pool,
    recipient_id: &str,
    name: &str,
    age_recipient: &str,
    now: DateTime<Utc>,
) -> Result<ExportRecipient> {
    let recipient_id = recipient_id.trim();
    if recipient_id.is_empty()
        || recipient_id.chars().count() > MAX_RECIPIENT_ID_CHARS
        || recipient_id.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(CentralError::BadRequest(format!(
            "a recipient id is 1 to {MAX_RECIPIENT_ID_CHARS} characters without spaces"
        )));
    }
    let name = name.trim();
    if name.is_empty() {
        return Err(CentralError::BadRequest("a recipient needs a name".into()));
    }
    let age_recipient = age_recipient.trim();
    uketsuke_export::parse_recipient(age_recipient)
        .map_err(|e| CentralError::BadRequest(format!("{}: not an age X25519 recipient (age1…)", e.code())))?;
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let n = tx
        .execute(
            "INSERT INTO export_recipients (recipient_id, name, age_recipient, created_at) VALUES ($1, $2, $3, $4)
             ON CONFLICT (recipient_id) DO NOTHING",
            &[&recipient_id, &name, &age_recipient, &now],
        )
        .await?;
    if n == 0 {
        return Err(CentralError::Conflict(format!(
            "recipient {recipient_id} exists; a new key is registered as a new recipient"
        )));
    }
    accounts::admin_log(&tx, now, "export.recipient.add", recipient_id, &format!("{name}: {age_recipient}")).await?;
    tx.commit().await?;
    Ok(ExportRecipient { recipient_id: recipient_id.into(), name: name.into(), age_recipient: age_recipient.into() })
}

/// Stop offering a recipient: new requests to it are refused and its pending
/// requests can no longer be approved.
pub async fn disable_recipient(pool: &Pool, recipient_id: &str, now: DateTime<Utc>) -> Result<()> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let n = tx
        .execute(
            "UPDATE export_recipients SET active = false, disabled_at = coalesce(disabled_at, $2)
             WHERE recipient_id = $1",
            &[&recipient_id, &now],
        )
        .await?;
    if n == 0 {
        return Err(CentralError::NotFound(format!("recipient {recipient_id}")));
    }
    accounts::admin_log(&tx, now, "export.recipient.disable", recipient_id, "").await?;
    tx.commit().await?;
    Ok(())
}

/// The active recipients, by id.
pub async fn list_recipients(c: &impl GenericClient) -> Result<Vec<ExportRecipient>> {
    Ok(c.query(
        "SELECT recipient_id, name, age_recipient FROM export_recipients WHERE active ORDER BY recipient_id",
        &[],
    )
    .await?
    .iter()
    .map(|r| ExportRecipient { recipient_id: r.get(0), name: r.get(1), age_recipient: r.get(2) })
    .collect())
}

/// Whether `recipient_id` is registered and active.
pub(crate) async fn is_active(c: &impl GenericClient, recipient_id: &str) -> Result<bool> {
    Ok(c.query_opt("SELECT 1 FROM export_recipients WHERE recipient_id = $1 AND active", &[&recipient_id])
        .await?
        .is_some())
}

/// The demo city's recipient, made by `demo-seed`.
#[derive(Debug, Clone, Serialize)]
pub struct DemoRecipient {
    pub recipient_id: String,
    pub age_recipient: String,
    /// The age identity (secret key) that decrypts exports to it: demo only.
    pub identity_file: PathBuf,
}

/// Id of the demo recipient.
pub const DEMO_RECIPIENT_ID: &str = "DEMO-KENSHIN";
/// File name of the demo recipient's identity, in the directory given to [`demo_recipient`].
pub const DEMO_IDENTITY_FILE: &str = "demo-recipient.agekey";

/// Register the demo recipient (demo data only). Its age identity is kept in
/// `dir/demo-recipient.agekey` (0600, age's identity file format) so demo exports
/// can be decrypted, e.g. `age -d -i pki/demo-recipient.agekey file.age`. An
/// existing identity file is reused; the demo recipient's key follows it.
pub async fn demo_recipient(pool: &Pool, dir: &Path, now: DateTime<Utc>) -> Result<DemoRecipient> {
    let path = dir.join(DEMO_IDENTITY_FILE);
    let age_recipient = if path.exists() {
        let text = zeroize::Zeroizing::new(std::fs::read_to_string(&path)?);
        let line = text
            .lines()
            .map(str::trim)
            .find(|l| l.starts_with("AGE-SECRET-KEY-"))
            .ok_or_else(|| CentralError::BadRequest(format!("{}: no age identity in it", path.display())))?;
        let identity = age::x25519::Identity::from_str(line)
            .map_err(|e| CentralError::BadRequest(format!("{}: {e}", path.display())))?;
        identity.to_public().to_string()
    } else {
        std::fs::create_dir_all(dir)?;
        let (identity, recipient) = uketsuke_export::generate_identity();
        let text = zeroize::Zeroizing::new(format!(
            "# Uketsuke demo export recipient ({DEMO_RECIPIENT_ID}); synthetic demo data only.\n\
             # public key: {recipient}\n{}\n",
            identity.expose_secret()
        ));
        crate::pki::write_private(&path, &text)?;
        recipient
    };
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    tx.execute(
        "INSERT INTO export_recipients (recipient_id, name, age_recipient, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (recipient_id) DO UPDATE SET age_recipient = EXCLUDED.age_recipient, active = true,
             disabled_at = NULL",
        &[&DEMO_RECIPIENT_ID, &"みなと市 検診機関（デモ）", &age_recipient, &now],
    )
    .await?;
    accounts::admin_log(&tx, now, "export.recipient.demo", DEMO_RECIPIENT_ID, &age_recipient).await?;
    tx.commit().await?;
    Ok(DemoRecipient { recipient_id: DEMO_RECIPIENT_ID.into(), age_recipient, identity_file: path })
}
