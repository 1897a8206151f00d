//! The city's authenticator policy: which models are accepted, proven by their
//! attestation (a manufacturer's CA and the model's AAGUIDs under it), and
//! whether software authenticators are (the demo city only). User verification
//! (fingerprint, face, PIN on the device) is always required; it is not a setting.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;
use webauthn_rs::prelude::{AttestationCaList, AttestationCaListBuilder};

use crate::error::{IdentityError, Result};

/// The AAGUID webauthn-rs's software authenticator reports.
pub const SOFTWARE_AAGUID: Uuid = uuid::uuid!("0fb9bcbc-a0d4-4042-bbb0-559bc1631e28");

/// One accepted authenticator model (or family) as the city configures it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustedModel {
    /// Shown in `staff authenticator list`, e.g. "YubiKey Bio (FIDO edition)".
    pub description: String,
    /// The manufacturer's attestation root, PEM.
    pub ca_pem: String,
    /// The models accepted under that root. Attestation proves the AAGUID, so a
    /// city can accept only models with a fingerprint sensor.
    pub aaguids: Vec<Uuid>,
}

#[derive(Debug, Clone)]
pub struct AuthenticatorPolicy {
    models: Vec<TrustedModel>,
    allow_software: bool,
}

impl AuthenticatorPolicy {
    /// `allow_software` is honoured only when the caller runs the demo city; it
    /// still needs the software authenticator's CA among `models`.
    pub fn new(models: Vec<TrustedModel>, allow_software: bool) -> Result<Self> {
        let policy = AuthenticatorPolicy { models, allow_software };
        policy.ca_list()?; // every CA parses, now rather than at the first registration
        Ok(policy)
    }

    pub fn allows_software(&self) -> bool {
        self.allow_software
    }

    pub fn models(&self) -> &[TrustedModel] {
        &self.models
    }

    /// What the registration ceremony checks the attestation against.
    pub(crate) fn ca_list(&self) -> Result<AttestationCaList> {
        let mut builder = AttestationCaListBuilder::new();
        for model in &self.models {
            for aaguid in &model.aaguids {
                builder
                    .insert_device_pem(model.ca_pem.as_bytes(), *aaguid, model.description.clone(), BTreeMap::new())
                    .map_err(|e| IdentityError::BadAttestationCa(model.description.clone(), format!("{e:?}")))?;
            }
        }
        let list = builder.build();
        if list.is_empty() {
            return Err(IdentityError::PolicyEmpty);
        }
        Ok(list)
    }

    /// The model a verified attestation proved, if the policy accepts it.
    pub fn accept(&self, aaguid: Uuid) -> Result<String> {
        if aaguid == SOFTWARE_AAGUID && !self.allow_software {
            return Err(IdentityError::SoftwareAuthenticatorRefused);
        }
        self.models
            .iter()
            .find(|m| m.aaguids.contains(&aaguid))
            .map(|m| m.description.clone())
            .ok_or_else(|| IdentityError::AuthenticatorNotAccepted(format!("model {aaguid} is not on the list")))
    }
}
