//! Export to external media, the terminal's calls to the service: the export
//! state (signing key, designation, recipients, requests), new requests,
//! supervisors' decisions and the ledger of writes.
//!
//! The service's export signing key is trusted only with the CA's signature over
//! it, checked against the CA pinned at enrollment: no trust on first use. The
//! state is kept in the store as received (`uketsuke_store::export::save_state`)
//! so a write can be authorised offline; every token in it is verified again then.

use chrono::{DateTime, Utc};
use uketsuke_protocol::export::{
    ExportDecision, ExportLedgerReceipt, ExportLedgerShipment, ExportRequestView, ExportState, ExportStateRequest,
    NewExportRequest, EXPORT_KEY_DOMAIN,
};
use uketsuke_store::export;

use crate::audit::AuditIdentity;
use crate::engine::{Engine, StoreAccess};
use crate::error::{Result, SyncError};

impl AuditIdentity {
    /// The device key's fingerprint, as the service computes it from the
    /// terminal's certificate: SHA-256 (hex) of the public key bytes.
    pub fn device_key_fpr(&self) -> Result<String> {
        let public = uketsuke_auth::chain::public_key_from_pkcs8(&self.device_key)
            .map_err(|e| SyncError::Identity(format!("device key: {e}")))?;
        Ok(uketsuke_auth::sha256_hex(&public))
    }

    /// Whether `state`'s signing key carries the pinned CA's signature.
    pub fn trusts_export_key(&self, state: &ExportState) -> bool {
        uketsuke_auth::chain::verify_signature(
            &self.ca_public_key,
            EXPORT_KEY_DOMAIN,
            &state.signing_key,
            &state.signing_key_signature,
        )
    }
}

impl Engine {
    fn identity(&self) -> Result<&AuditIdentity> {
        self.audit_identity().ok_or(SyncError::NotEnrolled)
    }

    /// This terminal's device key fingerprint (what designations and grants bind).
    pub fn device_key_fpr(&self) -> Result<String> {
        self.identity()?.device_key_fpr()
    }

    /// Whether `state`'s signing key is signed by the pinned CA.
    pub fn trusts_export_key(&self, state: &ExportState) -> bool {
        self.audit_identity().is_some_and(|id| id.trusts_export_key(state))
    }

    /// Fetch and keep the export state. A signing key without the CA's signature
    /// is refused and nothing is kept.
    pub async fn refresh_export_state(&self, store: &impl StoreAccess, staff_id: Option<&str>) -> Result<ExportState> {
        let id = self.identity()?;
        let req = ExportStateRequest { staff_id: staff_id.map(str::to_owned) };
        let (state, _): (ExportState, _) = self.transport().post("/v1/export/state", &req, (self.now)()).await?;
        if !id.trusts_export_key(&state) {
            return Err(SyncError::Refused {
                code: "EXPORT_KEY_UNTRUSTED".into(),
                message: "the export signing key is not signed by the pinned CA".into(),
            });
        }
        store.with(|s| export::save_state(s.connection(), &state))?;
        Ok(state)
    }

    pub async fn request_export(&self, req: &NewExportRequest) -> Result<ExportRequestView> {
        let (view, _): (ExportRequestView, _) = self.transport().post("/v1/export/requests", req, (self.now)()).await?;
        Ok(view)
    }

    pub async fn decide_export(&self, decision: &ExportDecision) -> Result<ExportRequestView> {
        let (view, _): (ExportRequestView, _) =
            self.transport().post("/v1/export/decisions", decision, (self.now)()).await?;
        Ok(view)
    }

    /// Ship the written ledger entries the service does not have yet.
    pub(crate) async fn ship_export_ledger(&self, store: &impl StoreAccess) -> Result<usize> {
        if self.audit_identity().is_none() {
            return Ok(0);
        }
        let entries = store.with(|s| export::unshipped(s.connection()))?;
        if entries.is_empty() {
            return Ok(0);
        }
        let (receipt, _): (ExportLedgerReceipt, _) =
            self.transport().post("/v1/export/ledger", &ExportLedgerShipment { entries }, (self.now)()).await?;
        let ids: Vec<String> = receipt.received.iter().map(|u| u.to_string()).collect();
        let at: DateTime<Utc> = (self.now)();
        store.with(|s| export::mark_shipped(s.connection(), &ids, at))?;
        Ok(ids.len())
    }
}
