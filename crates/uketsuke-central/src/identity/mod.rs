//! People, not terminals: the service verifies the person behind every
//! privileged act with their own authenticator, never a terminal's word.
//!
//! - [`authenticators`]: invitations, registration (on a terminal, with the
//!   invitation and the password), listing and revoking — the policy is checked
//!   against each authenticator's attestation.
//! - [`challenge`]: single-use challenges bound to one terminal and one action,
//!   and [`challenge::verify`], which every privileged handler calls with the
//!   request's proof inside its own transaction.
//! - [`logins`]: every `login_ok` a terminal ships, verified (online: the
//!   challenge; offline: the assertion in the entry) or flagged, and the
//!   entries and events of sessions no verified login opened.

pub mod authenticators;
pub mod challenge;
pub mod logins;

use std::path::Path;

use deadpool_postgres::GenericClient;
use uketsuke_identity::{AuthenticatorPolicy, RelyingParty, TrustedModel};

use crate::config::Config;
use crate::error::{CentralError, Result};

/// The relying party and the configured models, loaded once at start.
pub struct Identity {
    pub rp: RelyingParty,
    models: Vec<TrustedModel>,
}

impl Identity {
    pub fn from_config(config: &Config) -> Result<Identity> {
        let rp = RelyingParty::new(&config.rp_id).map_err(|e| CentralError::Internal(format!("rp_id: {e}")))?;
        let mut models = Vec::with_capacity(config.authenticator_models.len());
        for m in &config.authenticator_models {
            models.push(TrustedModel {
                description: m.description.clone(),
                ca_pem: read_pem(&m.ca_file)?,
                aaguids: m.aaguids.clone(),
            });
        }
        // Every configured root must parse: a typo should stop the service, not
        // surface at the first registration.
        if !models.is_empty() {
            AuthenticatorPolicy::new(models.clone(), false).map_err(identity_error)?;
        }
        Ok(Identity { rp, models })
    }

    /// The policy now: the configured models, plus the software authenticator's
    /// roots when this service runs the demo city.
    pub async fn policy(&self, c: &impl GenericClient) -> Result<AuthenticatorPolicy> {
        let demo = c.query_opt("SELECT 1 FROM demo_city", &[]).await?.is_some();
        let mut models = self.models.clone();
        if demo {
            for row in c.query("SELECT ca_pem FROM demo_attestation_cas ORDER BY ca_pem", &[]).await? {
                models.push(TrustedModel {
                    description: "ソフトウェア認証器（デモ）".into(),
                    ca_pem: row.get(0),
                    aaguids: vec![uketsuke_identity::SOFTWARE_AAGUID],
                });
            }
        }
        AuthenticatorPolicy::new(models, demo).map_err(identity_error)
    }

    /// A digest of the configured models (descriptions, roots, AAGUIDs).
    fn fingerprint(&self) -> String {
        let mut text = String::new();
        for m in &self.models {
            text.push_str(&m.description);
            text.push('\0');
            text.push_str(&m.ca_pem);
            text.push('\0');
            for a in &m.aaguids {
                text.push_str(&a.to_string());
                text.push('\0');
            }
            text.push('\n');
        }
        uketsuke_auth::sha256_hex(text.as_bytes())
    }

    /// At start: if the configured models changed since the last start, mark
    /// every credential changed, so each terminal's next pull sends its catalog
    /// again with what the policy now accepts.
    pub async fn note_policy(&self, pool: &deadpool_postgres::Pool) -> Result<()> {
        let fingerprint = self.fingerprint();
        let mut c = pool.get().await?;
        let tx = c.transaction().await?;
        crate::db::lock_changes(&tx).await?;
        let stored: Option<String> =
            tx.query_opt("SELECT fingerprint FROM identity_policy", &[]).await?.map(|r| r.get(0));
        if stored.as_deref() == Some(fingerprint.as_str()) {
            return Ok(());
        }
        tx.execute("UPDATE staff_authenticators SET change_seq = nextval('change_seq')", &[]).await?;
        tx.execute(
            "INSERT INTO identity_policy (fingerprint) VALUES ($1)
             ON CONFLICT (only_row) DO UPDATE SET fingerprint = excluded.fingerprint",
            &[&fingerprint],
        )
        .await?;
        tx.commit().await?;
        if stored.is_some() {
            tracing::info!("authenticator models changed: terminals receive their catalogs again");
        }
        Ok(())
    }
}

fn read_pem(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map_err(|e| CentralError::Internal(format!("authenticator CA {}: {e}", path.display())))
}

/// An identity refusal keeps its own stable code on the wire.
pub fn identity_error(e: uketsuke_identity::IdentityError) -> CentralError {
    CentralError::Refused { code: e.code(), message: e.to_string() }
}

pub(crate) fn refused(code: &'static str, message: impl Into<String>) -> CentralError {
    CentralError::Refused { code, message: message.into() }
}
