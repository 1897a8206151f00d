//! Shipping the access log.
//!
//! Each sync ships the chain from after the last receipt, in batches, each with
//! a checkpoint signed by the device key; the service answers with a receipt
//! signed by its CA key, which is checked here against the pinned CA before the
//! terminal records it (and may prune entries it covers). A sync with nothing
//! new still sends a checkpoint: the service notices a terminal whose log goes
//! silent while it syncs. Entries carry their forward-secure MACs; the chain's
//! `K_0` rides along until a receipt says the service holds it, then the
//! terminal erases it.

use chrono::Duration;
use uketsuke_auth::chain::{self, Checkpoint};
use uketsuke_protocol::{AuditReceipt, AuditShipment, MacEscrow, MAX_AUDIT_BATCH};
use uketsuke_store::{audit, sync};
use uuid::Uuid;
use zeroize::Zeroizing;

use crate::engine::{Engine, StoreAccess};
use crate::error::{Result, SyncError};

/// How long shipped entries stay on the terminal for the supervisor's view.
pub const LOCAL_RETENTION: Duration = Duration::days(90);

/// What the terminal signs checkpoints with and checks receipts against.
pub struct AuditIdentity {
    pub terminal_id: Uuid,
    /// The device key (PKCS#8 DER), from the OS credential store.
    pub device_key: Zeroizing<Vec<u8>>,
    /// The pinned CA's public key (receipts are signed with the CA key).
    pub ca_public_key: Vec<u8>,
}

impl std::fmt::Debug for AuditIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditIdentity").field("terminal_id", &self.terminal_id).finish_non_exhaustive()
    }
}

/// The public key in a PEM certificate.
pub fn certificate_public_key(pem: &str) -> Result<Vec<u8>> {
    let der = crate::transport::pem_cert(pem)?;
    let (_, cert) =
        x509_parser::parse_x509_certificate(&der).map_err(|e| SyncError::Identity(format!("CA certificate: {e}")))?;
    Ok(cert.public_key().subject_public_key.data.to_vec())
}

/// The PKCS#8 DER inside a PEM private key.
pub fn pkcs8_der(key_pem: &str) -> Result<Zeroizing<Vec<u8>>> {
    use rustls_pki_types::pem::PemObject;
    let key = rustls_pki_types::PrivatePkcs8KeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| SyncError::Identity(format!("device key: {e}")))?;
    Ok(Zeroizing::new(key.secret_pkcs8_der().to_vec()))
}

impl Engine {
    /// Ship the access log from after the last receipt. Returns entries shipped.
    pub(crate) async fn ship_audit(&self, store: &impl StoreAccess) -> Result<usize> {
        let Some(id) = self.audit_identity() else { return Ok(0) };
        let chain_id: Uuid = store
            .with(|s| Ok(s.meta().store_id.clone()))?
            .parse()
            .map_err(|_| SyncError::Protocol("the store id is not a UUID".into()))?;
        // A service restored from an older backup holds less than its receipts
        // said: ship again from where its copy ends, if this terminal still has
        // those entries and they continue that copy.
        let (head, _): (uketsuke_protocol::AuditHead, _) = self
            .transport()
            .post("/v1/audit/head", &uketsuke_protocol::AuditHeadRequest { chain_id }, (self.now)())
            .await?;
        let receipted = store.with(|s| sync::audit_receipt_seq(s.connection()))?;
        if head.seq < receipted {
            let continues = store.with(|s| {
                let next = audit::entries_after(s.connection(), head.seq, 1)?;
                Ok(next.first().is_some_and(|e| e.seq == head.seq + 1 && e.prev_hash == head.entry_hash))
            })?;
            if continues {
                tracing::warn!(
                    service = head.seq,
                    receipted,
                    "the service lost access-log entries; shipping them again"
                );
                store.with(|s| sync::rewind_audit_receipt(s.connection(), head.seq))?;
            }
        }
        let mut shipped = 0;
        loop {
            let after = store.with(|s| sync::audit_receipt_seq(s.connection()))?;
            let entries = store.with(|s| audit::entries_after(s.connection(), after, MAX_AUDIT_BATCH))?;
            let (seq, entry_hash) = match entries.last() {
                Some(e) => (e.seq, e.entry_hash.clone()),
                None => store.with(|s| audit::chain_head(s.connection()))?,
            };
            let now = (self.now)();
            let checkpoint = Checkpoint {
                terminal_id: id.terminal_id.to_string(),
                chain_id: chain_id.to_string(),
                seq,
                entry_hash,
                at: now.to_rfc3339(),
            };
            let signature = chain::sign_checkpoint(&id.device_key, &checkpoint)
                .map_err(|e| SyncError::Identity(format!("checkpoint signature: {e}")))?;
            let n = entries.len();
            // K_0 goes with every shipment until the service says it holds it.
            let mac_key0 = store.with(|s| audit::mac_escrow(s.connection()))?.map(|(start_seq, k0)| match k0 {
                audit::Escrow::Clear(k0) => {
                    MacEscrow { start_seq, key_hex: Some(std::mem::take(&mut *k0.to_hex())), sealed_hex: None }
                }
                audit::Escrow::Sealed { sealed, .. } => {
                    MacEscrow { start_seq, key_hex: None, sealed_hex: Some(hex::encode(sealed)) }
                }
            });
            let shipment = AuditShipment { chain_id, entries, checkpoint: checkpoint.clone(), signature, mac_key0 };
            let (res, _): (AuditReceipt, _) = self.transport().post("/v1/audit", &shipment, now).await?;
            let r = &res.receipt;
            if r.terminal_id != checkpoint.terminal_id
                || r.chain_id != checkpoint.chain_id
                || r.seq != checkpoint.seq
                || r.entry_hash != checkpoint.entry_hash
                || !chain::verify_receipt(&id.ca_public_key, r, &res.signature)
            {
                return Err(SyncError::Protocol("the audit receipt does not match or is not signed by the CA".into()));
            }
            store.with(|s| {
                sync::record_audit_receipt(s.connection(), r, &res.signature)?;
                audit::prune(s.connection(), now, LOCAL_RETENTION)?;
                if let Some(held) = &res.mac_escrow {
                    if audit::drop_mac_escrow(s.connection(), held.start_seq, &held.key_fingerprint)? {
                        tracing::info!(
                            start_seq = held.start_seq,
                            "the service holds the access-log MAC key; erased K_0"
                        );
                        // Its page images leave the WAL now, not at the next fold.
                        s.fold_wal()?;
                    }
                }
                Ok(())
            })?;
            shipped += n;
            if n < MAX_AUDIT_BATCH {
                return Ok(shipped);
            }
        }
    }
}
