//! The access log on the service: terminals ship their hash chains here
//! ([`ingest`]); the service verifies each shipment against its copy, records
//! what it finds (gaps, edits, reorders, forged checkpoints, bad MACs) in
//! `audit_flags`, keeps the entries and answers with a receipt signed by the CA
//! key. From the shipped login entries it also counts failed logins across terminals.
//!
//! Forward-secure MACs (`uketsuke_auth::fsmac`): a terminal escrows its chain's
//! `K_0` with its shipments until the receipt acknowledges it; from then on every
//! entry from the escrow's start must carry `HMAC(K_seq, entry_hash)`. The service
//! keeps the evolved key for the next entry (`audit_mac_keys`). A terminal taken
//! over at time t holds only the key for entries after its last one, so a rewrite
//! of earlier, unshipped entries fails here with `AUDIT_MAC_INVALID` even when the
//! chain and the device-key checkpoint were recomputed.
//!
//! Queries for the supervisor's audit view and a resident's disclosure report,
//! [`verify_stored`] (re-checks every stored chain), [`flag_silent`] (terminals
//! that were online but shipped no log) and the sealed archive live here too.

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::GenericClient;
use deadpool_postgres::Pool;
use serde::{Deserialize, Serialize};
use uketsuke_auth::chain::{self, ChainError, ChainErrorKind, ChainedEntry, Checkpoint, Receipt};
use uketsuke_auth::fsmac::{self, MacKey};
use uketsuke_protocol::{audit_ops as ops, codes, AuditReceipt, AuditShipment, MacEscrowHeld, MAX_AUDIT_BATCH};
use uuid::Uuid;

use crate::db;
use crate::error::{CentralError, Result};
use crate::routes::Terminal;

/// A terminal began a new chain while it had one already (`audit_flags.kind`).
pub const FLAG_CHAIN_REPLACED: &str = "chain_replaced";

fn flag_kind(kind: ChainErrorKind) -> &'static str {
    match kind {
        ChainErrorKind::Gap => "gap",
        ChainErrorKind::Reordered => "reordered",
        ChainErrorKind::BrokenLink => "broken_link",
        ChainErrorKind::HashMismatch => "edited",
    }
}

/// Flag kind: an entry's MAC is missing or wrong.
pub const FLAG_MAC_INVALID: &str = "mac_invalid";
/// Flag kind: a terminal sent a `K_0` other than the one held for its chain.
pub const FLAG_MAC_ESCROW_CONFLICT: &str = "mac_escrow_conflict";
/// Flag kind: entries carry MACs but the service holds no key to check them
/// (a service restored from a backup older than the escrow). Not refused.
pub const FLAG_MAC_UNVERIFIABLE: &str = "mac_unverifiable";

/// The escrowed key of one chain, as `audit_mac_keys` holds it.
struct MacState {
    start_seq: i64,
    key0: MacKey,
    required_from: i64,
    current_seq: i64,
    current_key: MacKey,
}

impl MacState {
    /// The key for entry `seq` (≥ `start_seq`): evolved from the stored current key
    /// when possible, else from `K_0`.
    fn key_at(&self, seq: i64) -> MacKey {
        if seq >= self.current_seq {
            fsmac::key_at(&self.current_key, (seq - self.current_seq) as u64)
        } else {
            fsmac::key_at(&self.key0, (seq - self.start_seq) as u64)
        }
    }
}

fn mac_key(bytes: &[u8]) -> Result<MacKey> {
    MacKey::from_bytes(bytes).map_err(|e| CentralError::Internal(format!("stored MAC key: {e}")))
}

async fn mac_state(c: &impl GenericClient, tid: Uuid, chain_id: Uuid) -> Result<Option<MacState>> {
    let row = c
        .query_opt(
            "SELECT start_seq, key0, required_from, current_seq, current_key FROM audit_mac_keys
             WHERE terminal_id = $1 AND chain_id = $2",
            &[&tid, &chain_id],
        )
        .await?;
    let Some(r) = row else { return Ok(None) };
    let key0 = zeroize::Zeroizing::new(r.get::<_, Vec<u8>>(1));
    let current = zeroize::Zeroizing::new(r.get::<_, Vec<u8>>(4));
    Ok(Some(MacState {
        start_seq: r.get(0),
        key0: mac_key(&key0)?,
        required_from: r.get(2),
        current_seq: r.get(3),
        current_key: mac_key(&current)?,
    }))
}

/// The first entry of `entries` (consecutive, in order) whose MAC is missing or does
/// not verify; `None` when all from `required_from` on verify.
fn first_bad_mac(state: &MacState, entries: &[ChainedEntry]) -> Option<i64> {
    let first = entries.iter().position(|e| e.seq >= state.required_from)?;
    let mut key = state.key_at(entries[first].seq);
    for e in &entries[first..] {
        match &e.mac {
            Some(mac) if fsmac::verify(&key, &e.entry_hash, mac) => {}
            _ => return Some(e.seq),
        }
        key = key.evolve();
    }
    None
}

/// What [`verify_stored`] found in one chain: a chain error, or a bad MAC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finding {
    /// The entry where it was found.
    pub seq: i64,
    /// The chain's problem, or `None` for a missing or wrong MAC.
    pub chain: Option<ChainErrorKind>,
}

impl Finding {
    /// The stable code (`AUDIT_CHAIN_*` or `AUDIT_MAC_INVALID`).
    pub fn code(&self) -> &'static str {
        match self.chain {
            Some(kind) => ChainError { seq: self.seq, kind }.code(),
            None => codes::AUDIT_MAC_INVALID,
        }
    }

    fn flag_kind(&self) -> &'static str {
        self.chain.map(flag_kind).unwrap_or(FLAG_MAC_INVALID)
    }
}

impl From<ChainError> for Finding {
    fn from(e: ChainError) -> Finding {
        Finding { seq: e.seq, chain: Some(e.kind) }
    }
}

/// Record a finding once (an open flag of the same kind at the same place is not repeated).
pub async fn raise_flag(
    c: &impl GenericClient,
    terminal_id: Uuid,
    chain_id: Option<Uuid>,
    kind: &str,
    seq: Option<i64>,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    c.execute(
        "INSERT INTO audit_flags (terminal_id, chain_id, kind, seq, detail, raised_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT DO NOTHING",
        &[&terminal_id, &chain_id, &kind, &seq, &detail, &now],
    )
    .await?;
    Ok(())
}

/// The public key in a certificate (DER), as the checkpoint verifier takes it.
pub fn certificate_public_key(cert_der: &[u8]) -> Result<Vec<u8>> {
    let (_, cert) = x509_parser::parse_x509_certificate(cert_der)
        .map_err(|e| CentralError::BadRequest(format!("certificate: {e}")))?;
    Ok(cert.public_key().subject_public_key.data.to_vec())
}

/// Where the service's copy of a chain ends.
pub async fn head(pool: &Pool, terminal_id: Uuid, chain_id: Uuid) -> Result<uketsuke_protocol::AuditHead> {
    let c = pool.get().await?;
    let row = c
        .query_opt(
            "SELECT seq, entry_hash FROM audit_heads WHERE terminal_id = $1 AND chain_id = $2",
            &[&terminal_id, &chain_id],
        )
        .await?;
    Ok(match row {
        Some(r) => uketsuke_protocol::AuditHead { seq: r.get(0), entry_hash: r.get(1) },
        None => uketsuke_protocol::AuditHead { seq: 0, entry_hash: chain::GENESIS.to_owned() },
    })
}

/// Verify and store one shipment. `device_key`: the public key of the client
/// certificate the request came with. On a broken chain nothing is stored, a flag
/// is raised and the request is refused with the finding's code.
/// `K_0` from a shipment: opened with the service's escrow identity, or as sent
/// in clear by a store that began its chain before it knew the recipient.
fn open_escrow(pki: &crate::pki::Pki, esc: &uketsuke_protocol::MacEscrow) -> Result<MacKey> {
    let bad = |why: &str| CentralError::BadRequest(format!("mac_key0: {why}"));
    match (&esc.sealed_hex, &esc.key_hex) {
        (Some(sealed), None) => {
            let sealed = hex::decode(sealed).map_err(|_| bad("sealed_hex is not hex"))?;
            let bytes = zeroize::Zeroizing::new(
                uketsuke_export::decrypt_with_identity(&sealed, pki.escrow_identity())
                    .map_err(|_| bad("not sealed to this service's escrow recipient"))?,
            );
            MacKey::from_bytes(&bytes).map_err(|_| bad("the sealed key is not 32 bytes"))
        }
        (None, Some(key_hex)) => MacKey::from_hex(key_hex).map_err(|_| bad("the key is not 64 hex digits")),
        _ => Err(bad("exactly one of key_hex and sealed_hex")),
    }
}

pub async fn ingest(
    pool: &Pool,
    identity: &crate::identity::Identity,
    pki: &crate::pki::Pki,
    terminal: &Terminal,
    device_key: &[u8],
    shipment: &AuditShipment,
    now: DateTime<Utc>,
) -> Result<AuditReceipt> {
    if shipment.entries.len() > MAX_AUDIT_BATCH {
        return Err(CentralError::BatchTooLarge { max: MAX_AUDIT_BATCH });
    }
    let tid = terminal.terminal_id;
    let chain_id = shipment.chain_id;
    let cp = &shipment.checkpoint;
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    // One shipment per chain at a time.
    // One shipment per terminal at a time (its chains share the login checks).
    tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 7))", &[&tid.to_string()]).await?;
    // Events received before this terminal's previous shipment are covered by the
    // log it has shipped since (an honest terminal ships every entry written before
    // a push after that push): the service's clock decides, not the entries' times.
    let previous_shipment: Option<DateTime<Utc>> =
        tx.query_one("SELECT max(shipped_at) FROM audit_heads WHERE terminal_id = $1", &[&tid]).await?.get(0);
    let head = tx
        .query_opt(
            "SELECT seq, entry_hash FROM audit_heads WHERE terminal_id = $1 AND chain_id = $2",
            &[&tid, &chain_id],
        )
        .await?
        .map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1)));
    let (head_seq, head_hash) = head.clone().unwrap_or((0, chain::GENESIS.to_owned()));

    let refuse = |kind: &'static str, code: &'static str, seq: Option<i64>, detail: String| async move {
        // The finding is kept even though the shipment is refused.
        let c2 = pool.get().await?;
        raise_flag(&c2, tid, Some(chain_id), kind, seq, &detail, now).await?;
        tracing::warn!(terminal = %tid, chain = %chain_id, kind, "audit shipment refused");
        Err::<AuditReceipt, _>(CentralError::Refused { code, message: detail })
    };

    // The checkpoint must name this terminal, sit on the shipment's last entry and
    // carry the device key's signature.
    let last = shipment.entries.last();
    let expected_cp_seq = last.map(|e| e.seq).unwrap_or(head_seq);
    let expected_cp_hash = last.map(|e| e.entry_hash.clone()).unwrap_or_else(|| head_hash.clone());
    if cp.terminal_id != tid.to_string()
        || cp.chain_id != chain_id.to_string()
        || cp.seq != expected_cp_seq
        || cp.entry_hash != expected_cp_hash
        || !chain::verify_checkpoint(device_key, cp, &shipment.signature)
    {
        drop(tx);
        return refuse(
            "bad_signature",
            codes::AUDIT_SIGNATURE_INVALID,
            Some(cp.seq),
            "checkpoint does not match the shipment or its signature is invalid".into(),
        )
        .await;
    }
    // Entries already held (a receipt lost on the way back): they must be identical.
    let fresh: Vec<&ChainedEntry> = shipment.entries.iter().filter(|e| e.seq > head_seq).collect();
    let resent: Vec<&ChainedEntry> = shipment.entries.iter().filter(|e| e.seq <= head_seq).collect();
    for e in &resent {
        let stored: Option<String> = tx
            .query_opt(
                "SELECT entry_hash FROM audit_entries WHERE terminal_id = $1 AND chain_id = $2 AND seq = $3",
                &[&tid, &chain_id, &e.seq],
            )
            .await?
            .map(|r| r.get(0));
        if stored.as_deref() != Some(e.entry_hash.as_str()) || chain::compute_hash(e) != e.entry_hash {
            drop(tx);
            let edited = ChainError { seq: e.seq, kind: ChainErrorKind::HashMismatch };
            return refuse(
                flag_kind(edited.kind),
                edited.code(),
                Some(e.seq),
                format!("entry {} differs from the copy the service received earlier", e.seq),
            )
            .await;
        }
    }
    let fresh_owned: Vec<ChainedEntry> = fresh.iter().map(|e| (*e).clone()).collect();
    if let Err(broken) = chain::verify_chain(&fresh_owned, &head_hash, head_seq + 1) {
        let seq = broken.seq;
        drop(tx);
        return refuse(
            flag_kind(broken.kind),
            broken.code(),
            Some(seq),
            format!("the access log of this terminal does not continue the service's copy at entry {seq}"),
        )
        .await;
    }
    // The escrowed MAC key: the one held, or the one this shipment brings.
    let mut macs = mac_state(&tx, tid, chain_id).await?;
    let mut new_escrow = false;
    let opened = match &shipment.mac_key0 {
        Some(esc) if esc.start_seq < 1 => {
            return Err(CentralError::BadRequest("mac_key0: start_seq must be at least 1".into()))
        }
        Some(esc) => match open_escrow(pki, esc) {
            Ok(k0) => Some((esc, k0)),
            // Sealed to an escrow identity this service no longer has (its PKI
            // directory restored or made anew): the log still ships, as from a terminal
            // without an escrow (checked if the service holds the key, else flagged
            // `mac_unverifiable` below), never refused for good.
            Err(e) if esc.sealed_hex.is_some() => {
                tracing::warn!(terminal = %tid, %chain_id, error = %e, "a sealed MAC key escrow this service cannot open");
                None
            }
            Err(e) => return Err(e),
        },
        None => None,
    };
    if let Some((esc, k0)) = opened {
        match &macs {
            // Sent again until the terminal saw the acknowledgement: the same key is fine.
            Some(held) if held.start_seq == esc.start_seq && held.key0 == k0 => {}
            Some(held) => {
                let start = held.start_seq;
                drop(tx);
                return refuse(
                    FLAG_MAC_ESCROW_CONFLICT,
                    codes::AUDIT_MAC_INVALID,
                    Some(esc.start_seq),
                    format!("a different MAC key for this chain than the one escrowed from entry {start}"),
                )
                .await;
            }
            None => {
                // Entries the service already holds were taken without a key (a
                // service that did not check MACs yet): checking starts after them.
                let required_from = esc.start_seq.max(head_seq + 1);
                let current_key = fsmac::key_at(&k0, (required_from - esc.start_seq) as u64);
                macs = Some(MacState {
                    start_seq: esc.start_seq,
                    key0: k0,
                    required_from,
                    current_seq: required_from,
                    current_key,
                });
                new_escrow = true;
            }
        }
    }
    match &macs {
        Some(state) => {
            if let Some(seq) = first_bad_mac(state, &fresh_owned) {
                drop(tx);
                return refuse(
                    FLAG_MAC_INVALID,
                    codes::AUDIT_MAC_INVALID,
                    Some(seq),
                    format!("entry {seq} does not carry a valid MAC under the escrowed key"),
                )
                .await;
            }
        }
        None if fresh_owned.iter().any(|e| e.mac.is_some()) => {
            raise_flag(
                &tx,
                tid,
                Some(chain_id),
                FLAG_MAC_UNVERIFIABLE,
                None,
                "entries carry MACs but the service holds no escrowed key for this chain",
                now,
            )
            .await?;
        }
        None => {}
    }
    if let Some(state) = &mut macs {
        // Keep the key for the next entry expected (written only when it moved or is new).
        let mut moved = false;
        if let Some(last) = fresh_owned.last() {
            if last.seq + 1 > state.current_seq && last.seq >= state.required_from {
                state.current_key = state.key_at(last.seq + 1);
                state.current_seq = last.seq + 1;
                moved = true;
            }
        }
        if moved || new_escrow {
            tx.execute(
                "INSERT INTO audit_mac_keys (terminal_id, chain_id, start_seq, key0, required_from, current_seq, current_key,
                                             escrowed_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                 ON CONFLICT (terminal_id, chain_id) DO UPDATE SET current_seq = excluded.current_seq,
                     current_key = excluded.current_key",
                &[
                    &tid,
                    &chain_id,
                    &state.start_seq,
                    &state.key0.as_bytes(),
                    &state.required_from,
                    &state.current_seq,
                    &state.current_key.as_bytes(),
                    &now,
                ],
            )
            .await?;
        }
        if new_escrow {
            tracing::info!(terminal = %tid, chain = %chain_id, start_seq = state.start_seq, "access-log MAC key escrowed");
        }
    }
    insert_entries(&tx, tid, chain_id, &fresh_owned, now).await?;
    if head.is_none() {
        // A new chain (a new local store) while this terminal already had one: the
        // old chain stops here, and whatever it held after its last shipment is
        // gone. Flagged for people, with where it stopped (a reset through the
        // app says what it set aside in its first entry). A grant the old store may
        // have used without its ledger entry arriving is withdrawn, so no grant
        // makes a second file: the clerk asks again.
        let withdrawn = if tx
            .query_opt("SELECT 1 FROM audit_heads WHERE terminal_id = $1 AND chain_id <> $2", &[&tid, &chain_id])
            .await?
            .is_some()
        {
            tx.execute(
                "UPDATE export_requests SET grant_token = NULL
                 WHERE terminal_id = $1 AND state = 'approved' AND grant_token IS NOT NULL",
                &[&tid],
            )
            .await?
        } else {
            0
        };
        for r in tx
            .query(
                "SELECT chain_id, seq FROM audit_heads WHERE terminal_id = $1 AND chain_id <> $2",
                &[&tid, &chain_id],
            )
            .await?
        {
            let (old, seq): (Uuid, i64) = (r.get(0), r.get(1));
            let explained = fresh_owned.first().is_some_and(|e| e.seq == 1 && e.operation == ops::LOCAL_RESET);
            let detail = format!(
                "chain {old} stopped at entry {seq} when chain {chain_id} began ({}); {withdrawn} unused grant(s) withdrawn",
                if explained { "after a reset through the app" } else { "no reset was recorded" }
            );
            raise_flag(&tx, tid, Some(old), FLAG_CHAIN_REPLACED, Some(seq), &detail, now).await?;
        }
    }
    count_logins(&tx, identity, terminal, chain_id, &fresh_owned, now).await?;
    if let Some(received_before) = previous_shipment {
        crate::identity::logins::check_events(&tx, tid, received_before, now).await?;
    }
    tx.execute(
        "INSERT INTO audit_heads (terminal_id, chain_id, seq, entry_hash, checkpoint_sig, checkpoint_at, shipped_at)
         VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (terminal_id, chain_id) DO UPDATE SET seq = excluded.seq, entry_hash = excluded.entry_hash,
             checkpoint_sig = excluded.checkpoint_sig, checkpoint_at = excluded.checkpoint_at, shipped_at = excluded.shipped_at",
        &[&tid, &chain_id, &cp.seq, &cp.entry_hash, &shipment.signature, &now],
    )
    .await?;
    // A terminal that ships again is no longer silent.
    tx.execute(
        "UPDATE audit_flags SET resolved_at = $2 WHERE terminal_id = $1 AND kind = 'silent' AND resolved_at IS NULL",
        &[&tid, &now],
    )
    .await?;
    tx.commit().await?;
    let receipt = Receipt {
        terminal_id: tid.to_string(),
        chain_id: chain_id.to_string(),
        seq: cp.seq,
        entry_hash: cp.entry_hash.clone(),
        received_at: now.to_rfc3339(),
    };
    let signature =
        chain::sign_receipt(pki.receipt_key(), &receipt).map_err(|e| CentralError::Internal(e.to_string()))?;
    let mac_escrow = macs.map(|m| MacEscrowHeld { start_seq: m.start_seq, key_fingerprint: m.key0.fingerprint() });
    Ok(AuditReceipt { receipt, signature, mac_escrow })
}

async fn insert_entries(
    tx: &impl GenericClient,
    tid: Uuid,
    chain_id: Uuid,
    entries: &[ChainedEntry],
    now: DateTime<Utc>,
) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut at = Vec::with_capacity(entries.len());
    for e in entries {
        at.push(
            DateTime::parse_from_rfc3339(&e.at)
                .map_err(|_| CentralError::BadRequest(format!("entry {}: bad time", e.seq)))?
                .with_timezone(&Utc),
        );
    }
    let col = |f: fn(&ChainedEntry) -> String| entries.iter().map(f).collect::<Vec<String>>();
    let seqs: Vec<i64> = entries.iter().map(|e| e.seq).collect();
    let residents: Vec<Option<String>> = entries.iter().map(|e| e.resident_id.clone()).collect();
    let macs: Vec<Option<String>> = entries.iter().map(|e| e.mac.clone()).collect();
    tx.execute(
        "INSERT INTO audit_entries (terminal_id, chain_id, seq, entry_id, at, at_text, terminal_text, staff_id,
                                    department, reason, resident_id, operation, detail, prev_hash, entry_hash, mac,
                                    received_at)
         SELECT $1, $2, *, $13 FROM UNNEST($3::bigint[], $4::text[], $5::timestamptz[], $15::text[], $16::text[],
                                           $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                                           $12::text[], $14::text[], $17::text[])
             AS u(seq, entry_id, at, at_text, terminal_text, staff_id, department, reason, resident_id, operation,
                  detail, prev_hash, entry_hash, mac)",
        &[
            &tid,
            &chain_id,
            &seqs,
            &col(|e| e.entry_id.clone()),
            &at,
            &col(|e| e.staff_id.clone()),
            &col(|e| e.department.clone()),
            &col(|e| e.reason.clone()),
            &residents,
            &col(|e| e.operation.clone()),
            &col(|e| e.detail.clone()),
            &col(|e| e.prev_hash.clone()),
            &now,
            &col(|e| e.entry_hash.clone()),
            &col(|e| e.at.clone()),
            &col(|e| e.terminal_id.clone()),
            &macs,
        ],
    )
    .await?;
    Ok(())
}

/// Failed logins counted across terminals, in the order entries arrive: a
/// failure adds one; a login the service verified
/// ([`crate::identity::logins::check_login`]) resets the count. Every other
/// entry must belong to a session a verified login of its person opened on this
/// chain, in chain order (no other login or that person's logout in between), or
/// it is flagged (once per person per shipment).
///
/// An entry's time is the terminal's word: it is clamped to `received`, so an entry
/// dated in the future cannot move `lockout_reset_at` past every failure still to come.
async fn count_logins(
    tx: &impl GenericClient,
    identity: &crate::identity::Identity,
    terminal: &Terminal,
    chain_id: Uuid,
    entries: &[ChainedEntry],
    received: DateTime<Utc>,
) -> Result<()> {
    use crate::identity::logins;
    let Some(first) = entries.first() else { return Ok(()) };
    let mut session = logins::session_before(tx, terminal.terminal_id, chain_id, first.seq).await?;
    let mut unattributed: std::collections::BTreeMap<&str, Vec<i64>> = Default::default();
    for e in entries {
        let at = DateTime::parse_from_rfc3339(&e.at).map(|t| t.with_timezone(&Utc).min(received)).ok();
        let Some(at) = at else { continue };
        // `account_locked` and `account_unlock` entries are kept as evidence and
        // change no account: the lock follows from the failures counted here, and
        // only a supervisor the service verified (`/v1/auth/unlock`) or an
        // administrator unlocks. A login never lifts a lock either.
        match e.operation.as_str() {
            ops::LOGIN_FAIL => {
                // Only for staff who can log in at this terminal: a terminal cannot
                // lock out the rest of the city.
                crate::accounts::record_failure(tx, &e.staff_id, at, Some(terminal.terminal_id)).await?;
            }
            ops::LOGIN_OK => {
                let verified = logins::check_login(tx, identity, terminal, chain_id, e, at, received).await?;
                session = verified.then(|| e.staff_id.clone());
                if !verified {
                    continue;
                }
                // Failures counted after this login (shipped late) stand.
                db::lock_changes(tx).await?;
                tx.execute(
                    "UPDATE staff SET failed_attempts = 0,
                         lockout_reset_at = greatest(coalesce(lockout_reset_at, $2), $2), change_seq = nextval('change_seq')
                     WHERE staff_id = $1 AND NOT locked AND (last_failure_at IS NULL OR last_failure_at <= $2)",
                    &[&e.staff_id, &at],
                )
                .await?;
            }
            // Written before any login: a failed attempt's lock, a registration the
            // service verified itself.
            ops::ACCOUNT_LOCKED | ops::AUTHENTICATOR_REGISTER => {}
            // A new store made by a reset: for people to look at, always.
            ops::LOCAL_RESET => {
                let detail = format!("chain {chain_id} begins with a reset by {}: {}", e.staff_id, e.detail);
                logins::flag(tx, received, terminal.terminal_id, &e.staff_id, None, logins::FLAG_LOCAL_RESET, &detail)
                    .await?;
            }
            op => {
                if session.as_deref() != Some(e.staff_id.as_str()) {
                    unattributed.entry(e.staff_id.as_str()).or_default().push(e.seq);
                }
                if op == ops::LOGOUT && session.as_deref() == Some(e.staff_id.as_str()) {
                    session = None;
                }
            }
        }
    }
    for (staff_id, seqs) in unattributed {
        let detail = format!(
            "{} entr{} of chain {chain_id} under {staff_id} (seq {}–{}) outside any session a verified login of theirs opened",
            seqs.len(),
            if seqs.len() == 1 { "y" } else { "ies" },
            seqs[0],
            seqs[seqs.len() - 1]
        );
        logins::flag(tx, received, terminal.terminal_id, staff_id, None, logins::FLAG_ENTRY_WITHOUT_LOGIN, &detail)
            .await?;
    }
    Ok(())
}

/// One entry as the audit views show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredEntry {
    pub terminal_id: Uuid,
    pub terminal_name: String,
    pub seq: i64,
    pub at: DateTime<Utc>,
    pub staff_id: String,
    pub department: String,
    pub reason: String,
    pub resident_id: Option<String>,
    pub operation: String,
    pub detail: String,
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub staff_id: Option<String>,
    pub resident_id: Option<String>,
    pub operation: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub limit: i64,
}

/// The supervisor's audit query (newest first).
pub async fn query(pool: &Pool, f: &Filter) -> Result<Vec<StoredEntry>> {
    let c = pool.get().await?;
    let rows = c
        .query(
            "SELECT a.terminal_id, t.name, a.seq, a.at, a.staff_id, a.department, a.reason, a.resident_id, a.operation, a.detail
             FROM audit_entries a JOIN terminals t USING (terminal_id)
             WHERE ($1::text IS NULL OR a.staff_id = $1) AND ($2::text IS NULL OR a.resident_id = $2)
               AND ($3::text IS NULL OR a.operation = $3)
               AND ($4::timestamptz IS NULL OR a.at >= $4) AND ($5::timestamptz IS NULL OR a.at < $5)
             ORDER BY a.at DESC, a.seq DESC LIMIT $6",
            &[&f.staff_id, &f.resident_id, &f.operation, &f.from, &f.to, &f.limit.max(1)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| StoredEntry {
            terminal_id: r.get(0),
            terminal_name: r.get(1),
            seq: r.get(2),
            at: r.get(3),
            staff_id: r.get(4),
            department: r.get(5),
            reason: r.get(6),
            resident_id: r.get(7),
            operation: r.get(8),
            detail: r.get(9),
        })
        .collect())
}

/// One line of a resident's access report: who looked at the record, when, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLine {
    pub at: DateTime<Utc>,
    pub staff_name: String,
    pub department: String,
    pub terminal_name: String,
    pub reason: String,
    pub operation: String,
}

/// A resident's access report for a disclosure request: every shipped access to
/// their record and every 個人番号 view, oldest first.
pub async fn resident_report(pool: &Pool, resident_id: &str) -> Result<Vec<ReportLine>> {
    let c = pool.get().await?;
    let rows = c
        .query(
            "SELECT a.at, coalesce(s.name, a.staff_id), a.department, t.name, a.reason, a.operation
             FROM audit_entries a JOIN terminals t USING (terminal_id) LEFT JOIN staff s ON s.staff_id = a.staff_id
             WHERE a.resident_id = $1
             UNION ALL
             SELECT v.at, s.name, s.department, t.name, v.reason, 'view_my_number (service)'
             FROM my_number_views v JOIN terminals t USING (terminal_id) JOIN staff s USING (staff_id)
             WHERE v.resident_id = $1
             ORDER BY 1",
            &[&resident_id],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| ReportLine {
            at: r.get(0),
            staff_name: r.get(1),
            department: r.get(2),
            terminal_name: r.get(3),
            reason: r.get(4),
            operation: r.get(5),
        })
        .collect())
}

/// An open finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    pub flag_id: i64,
    pub terminal_id: Uuid,
    pub terminal_name: String,
    pub chain_id: Option<Uuid>,
    pub kind: String,
    pub seq: Option<i64>,
    pub detail: String,
    pub raised_at: DateTime<Utc>,
}

pub async fn open_flags(pool: &Pool) -> Result<Vec<Flag>> {
    let c = pool.get().await?;
    let rows = c
        .query(
            "SELECT f.flag_id, f.terminal_id, t.name, f.chain_id, f.kind, f.seq, f.detail, f.raised_at
             FROM audit_flags f JOIN terminals t USING (terminal_id) WHERE f.resolved_at IS NULL ORDER BY f.flag_id",
            &[],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| Flag {
            flag_id: r.get(0),
            terminal_id: r.get(1),
            terminal_name: r.get(2),
            chain_id: r.get(3),
            kind: r.get(4),
            seq: r.get(5),
            detail: r.get(6),
            raised_at: r.get(7),
        })
        .collect())
}

/// Re-verify every chain the service holds (an edit made in the service's own
/// database, or entries deleted from it, shows here), and every stored MAC from the
/// escrowed `K_0`. Returns the findings (one per chain), each also raised as a flag.
pub async fn verify_stored(pool: &Pool, now: DateTime<Utc>) -> Result<Vec<(Uuid, Uuid, Finding)>> {
    let c = pool.get().await?;
    let heads = c.query("SELECT terminal_id, chain_id, seq, entry_hash FROM audit_heads", &[]).await?;
    let mut findings = Vec::new();
    for h in heads {
        let (tid, chain_id, head_seq, head_hash): (Uuid, Uuid, i64, String) = (h.get(0), h.get(1), h.get(2), h.get(3));
        // Entries moved to an archive are verified by `verify_archive`; the online
        // part starts after the newest archived entry.
        let rows = c
            .query(
                "SELECT seq, entry_id, at_text, staff_id, department, reason, resident_id, operation, detail, prev_hash,
                        entry_hash, terminal_text, mac
                 FROM audit_entries WHERE terminal_id = $1 AND chain_id = $2 ORDER BY seq",
                &[&tid, &chain_id],
            )
            .await?;
        let entries: Vec<ChainedEntry> = rows
            .iter()
            .map(|r| ChainedEntry {
                seq: r.get(0),
                entry_id: r.get(1),
                at: r.get(2),
                staff_id: r.get(3),
                department: r.get(4),
                terminal_id: r.get(11),
                reason: r.get(5),
                resident_id: r.get(6),
                operation: r.get(7),
                detail: r.get(8),
                prev_hash: r.get(9),
                entry_hash: r.get(10),
                mac: r.get(12),
            })
            .collect();
        if entries.is_empty() {
            continue;
        }
        // The online part links to the end of the archived part (or starts the chain).
        let (archived_seq, archived_hash) = archived_up_to(&c, tid, chain_id).await?;
        let chained = chain::verify_chain(&entries, &archived_hash, archived_seq + 1).and_then(|_| {
            let last = entries.last().expect("non-empty");
            if last.seq != head_seq {
                Err(ChainError { seq: last.seq + 1, kind: ChainErrorKind::Gap })
            } else if last.entry_hash != head_hash {
                Err(ChainError { seq: last.seq, kind: ChainErrorKind::HashMismatch })
            } else {
                Ok(())
            }
        });
        // The MACs, recomputed from K_0 (not from the stored current key).
        let result: std::result::Result<(), Finding> = match chained {
            Err(e) => Err(e.into()),
            Ok(()) => match mac_state(&c, tid, chain_id).await? {
                Some(mut state) => {
                    state.current_seq = state.start_seq;
                    state.current_key = state.key0.clone();
                    match first_bad_mac(&state, &entries) {
                        Some(seq) => Err(Finding { seq, chain: None }),
                        None => Ok(()),
                    }
                }
                None => Ok(()),
            },
        };
        if let Err(e) = result {
            raise_flag(
                &c,
                tid,
                Some(chain_id),
                e.flag_kind(),
                Some(e.seq),
                &format!("stored chain fails verification at entry {} ({})", e.seq, e.code()),
                now,
            )
            .await?;
            findings.push((tid, chain_id, e));
        }
    }
    Ok(findings)
}

/// Where the archived part of a chain ends: `(seq, entry_hash)`, or `(0, GENESIS)`.
async fn archived_up_to(c: &impl GenericClient, tid: Uuid, chain_id: Uuid) -> Result<(i64, String)> {
    let row = c
        .query_opt(
            "SELECT last_seq, last_hash FROM audit_archive_chains WHERE terminal_id = $1 AND chain_id = $2
             ORDER BY last_seq DESC LIMIT 1",
            &[&tid, &chain_id],
        )
        .await?;
    Ok(row.map(|r| (r.get(0), r.get(1))).unwrap_or_else(|| (0, chain::GENESIS.to_owned())))
}

/// Terminals whose last log shipment is older than `window` (or that never
/// shipped), whether they were seen online in that time or not at all (enrolled
/// before it): the log may have been held back or deleted, or the terminal is
/// gone with it.
pub async fn flag_silent(pool: &Pool, window: Duration, now: DateTime<Utc>) -> Result<Vec<Uuid>> {
    let c = pool.get().await?;
    let cutoff = now - window;
    let rows = c
        .query(
            "SELECT t.terminal_id FROM terminals t
             WHERE t.revoked_at IS NULL AND (t.last_seen_at >= $1 OR t.enrolled_at < $1)
               AND coalesce((SELECT max(shipped_at) FROM audit_heads h WHERE h.terminal_id = t.terminal_id),
                            '-infinity'::timestamptz) < $1",
            &[&cutoff],
        )
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.get(0)).collect();
    for id in &ids {
        raise_flag(&c, *id, None, "silent", None, "no access log shipped within the window (online or not)", now)
            .await?;
    }
    Ok(ids)
}

/// What one round of [`check`] found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CheckReport {
    pub broken_chains: Vec<serde_json::Value>,
    pub silent_terminals: Vec<Uuid>,
    /// Where the administrators' log stops verifying, if it does.
    pub admin_log: Option<AdminLogBreak>,
}

impl CheckReport {
    pub fn ok(&self) -> bool {
        self.broken_chains.is_empty() && self.silent_terminals.is_empty() && self.admin_log.is_none()
    }
}

/// The first place the admin log's chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdminLogBreak {
    pub chain_seq: i64,
    /// `missing` (an entry was removed), `broken_link` or `edited`; against an
    /// anchor, `anchor_lost`: the log no longer holds the anchored entry as it
    /// was (entries were cut off the end, perhaps with new ones appended after,
    /// or the chain was recomputed).
    pub kind: &'static str,
}

/// Where the admin log's chain stood at a moment, kept outside the database
/// (`audit anchor --out FILE`, and the service's own log at every check): the
/// chain alone cannot show entries cut off its end, or a chain recomputed
/// whole by someone who owns the table; an anchor taken earlier does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminLogAnchor {
    pub chain_seq: i64,
    pub entry_hash: String,
    pub taken_at: DateTime<Utc>,
}

/// The admin log's head now (`None` while it is empty).
pub async fn admin_log_anchor(c: &impl GenericClient, now: DateTime<Utc>) -> Result<Option<AdminLogAnchor>> {
    let row = c.query_opt("SELECT chain_seq, entry_hash FROM admin_log ORDER BY chain_seq DESC LIMIT 1", &[]).await?;
    Ok(row.map(|r| AdminLogAnchor { chain_seq: r.get(0), entry_hash: r.get(1), taken_at: now }))
}

/// Whether the admin log still holds `anchor`'s entry, with its hash. With
/// [`verify_admin_log`] passing, that proves every entry up to it is as it was.
pub async fn check_admin_log_anchor(c: &impl GenericClient, anchor: &AdminLogAnchor) -> Result<Option<AdminLogBreak>> {
    let hash: Option<String> = c
        .query_opt("SELECT entry_hash FROM admin_log WHERE chain_seq = $1", &[&anchor.chain_seq])
        .await?
        .map(|r| r.get(0));
    Ok((hash.as_deref() != Some(anchor.entry_hash.as_str()))
        .then_some(AdminLogBreak { chain_seq: anchor.chain_seq, kind: "anchor_lost" }))
}

/// Recompute the admin log's hash chain (migration 0008): every entry in
/// `chain_seq` order, none missing, each linked to the one before and hashing
/// to what it says. An edit or a deletion (past the append-only triggers, by
/// someone who owns the table) shows here.
pub async fn verify_admin_log(c: &impl GenericClient) -> Result<Option<AdminLogBreak>> {
    let rows = c
        .query(
            "SELECT chain_seq, prev_hash, entry_hash,
                    admin_log_canonical(at, db_user, who, action, target, detail)
             FROM admin_log ORDER BY chain_seq",
            &[],
        )
        .await?;
    let mut expected_prev = "genesis".to_owned();
    for (i, r) in rows.iter().enumerate() {
        let (seq, prev, hash, canonical): (i64, String, String, String) = (r.get(0), r.get(1), r.get(2), r.get(3));
        if seq != i as i64 + 1 {
            return Ok(Some(AdminLogBreak { chain_seq: i as i64 + 1, kind: "missing" }));
        }
        if prev != expected_prev {
            return Ok(Some(AdminLogBreak { chain_seq: seq, kind: "broken_link" }));
        }
        if chain::sha256_hex(format!("{prev}{canonical}").as_bytes()) != hash {
            return Ok(Some(AdminLogBreak { chain_seq: seq, kind: "edited" }));
        }
        expected_prev = hash;
    }
    Ok(None)
}

/// Re-verify every stored chain and flag terminals that shipped no log within
/// `silent` (`audit verify`, and [`watch`] in the service).
pub async fn check(pool: &Pool, silent: Duration, now: DateTime<Utc>) -> Result<CheckReport> {
    let broken = verify_stored(pool, now).await?;
    let silent_terminals = flag_silent(pool, silent, now).await?;
    let c = pool.get().await?;
    let admin_log = verify_admin_log(&c).await?;
    if let Some(b) = &admin_log {
        tracing::warn!(chain_seq = b.chain_seq, kind = b.kind, "the admin log does not verify");
    } else if let Some(head) = admin_log_anchor(&c, now).await? {
        // An anchor outside the database, in the service's own log (journald).
        tracing::info!(chain_seq = head.chain_seq, entry_hash = %head.entry_hash, "admin log head");
    }
    Ok(CheckReport {
        admin_log,
        broken_chains: broken
            .iter()
            .map(|(t, c, e)| serde_json::json!({ "terminal_id": t, "chain_id": c, "seq": e.seq, "code": e.code() }))
            .collect(),
        silent_terminals,
    })
}

/// Run [`check`] every `every` for as long as the service runs; findings are
/// flags (see `audit flags`) and warnings in the service's log.
pub async fn watch(
    pool: Pool,
    clock: std::sync::Arc<dyn crate::routes::Clock>,
    every: std::time::Duration,
    silent: Duration,
) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match check(&pool, silent, clock.now()).await {
            Ok(r) if r.ok() => tracing::debug!("access logs verified"),
            Ok(r) => tracing::warn!(
                broken = r.broken_chains.len(),
                silent = r.silent_terminals.len(),
                "access-log findings (uketsuke-central audit flags)"
            ),
            Err(e) => tracing::error!(error = %e, "access-log check failed"),
        }
    }
}

/// Checkpoint message the terminal signs; kept here so both ends agree on it.
pub fn checkpoint(terminal_id: Uuid, chain_id: Uuid, seq: i64, entry_hash: &str, at: DateTime<Utc>) -> Checkpoint {
    Checkpoint {
        terminal_id: terminal_id.to_string(),
        chain_id: chain_id.to_string(),
        seq,
        entry_hash: entry_hash.to_owned(),
        at: at.to_rfc3339(),
    }
}
