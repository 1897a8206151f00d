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
