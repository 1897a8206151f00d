//! The export ledger: what terminals wrote to external media, one entry per grant.
//!
//! A shipment is taken whole or not at all. Each entry must name a grant the
//! service issued to the shipping terminal for that request
//! (`EXPORT_GRANT_UNKNOWN`); an entry already held (same `ledger_id`, same
//! content) is a harmless retry. A second entry for a grant that already has one
//! (the grant used twice) or a `ledger_id` reused with other content is refused
//! (`CONFLICT`); both, and unknown grants, are raised as audit findings
//! (`audit_flags`, kinds `export_grant_unknown`, `export_grant_reused`,
//! `export_ledger_conflict`) because a terminal that enforces single use never
//! sends them.

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use serde::Serialize;
use uketsuke_protocol::export::{codes, ExportLedgerEntry, ExportLedgerReceipt, ExportLedgerShipment};
use uuid::Uuid;

use super::refused;
use crate::accounts;
use crate::audit::raise_flag;
use crate::error::{CentralError, Result};
use crate::routes::Terminal;

/// The most entries in one shipment.
pub const MAX_LEDGER_BATCH: usize = 500;

fn validate(e: &ExportLedgerEntry) -> Result<()> {
    let bad = |m: &str| Err(CentralError::BadRequest(format!("ledger entry {}: {m}", e.ledger_id)));
    if e.file_sha256.len() != 64 || !e.file_sha256.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return bad("file_sha256 is not a lower-case hex SHA-256");
    }
    if e.file_bytes < 0 || e.rows < 0 || e.excluded_protected < 0 {
        return bad("negative count");
    }
    if e.staff_id.trim().is_empty() || e.media_identity.trim().is_empty() {
        return bad("staff_id and media_identity are required");
    }
    Ok(())
}

/// Why an entry is refused, with the audit finding to raise.
struct Finding {
    kind: &'static str,
    error: CentralError,
}

/// Store a terminal's ledger entries and mark their requests used.
pub async fn ingest_ledger(
    pool: &Pool,
    terminal: &Terminal,
    shipment: &ExportLedgerShipment,
    now: DateTime<Utc>,
) -> Result<ExportLedgerReceipt> {
    if shipment.entries.len() > MAX_LEDGER_BATCH {
        return Err(CentralError::BatchTooLarge { max: MAX_LEDGER_BATCH });
    }
    for e in &shipment.entries {
        validate(e)?;
    }
    match store(pool, terminal, shipment, now).await? {
        Ok(receipt) => Ok(receipt),
        Err(Finding { kind, error }) => {
            // The shipment's transaction is gone; the finding is kept.
            let c = pool.get().await?;
            raise_flag(&c, terminal.terminal_id, None, kind, None, &error.to_string(), now).await?;
            tracing::warn!(terminal = %terminal.terminal_id, kind, "export ledger shipment refused");
            Err(error)
        }
    }
}

async fn store(
    pool: &Pool,
    terminal: &Terminal,
    shipment: &ExportLedgerShipment,
    now: DateTime<Utc>,
) -> Result<std::result::Result<ExportLedgerReceipt, Finding>> {
    let tid = terminal.terminal_id;
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    // One shipment per terminal at a time.
    tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 13))", &[&tid.to_string()]).await?;
    let mut received = Vec::with_capacity(shipment.entries.len());
    for e in &shipment.entries {
        let issued = tx
            .query_opt(
                "SELECT 1 FROM export_requests
                 WHERE grant_jti = $1 AND request_id = $2 AND terminal_id = $3 FOR UPDATE",
                &[&e.grant_jti, &e.request_id, &tid],
            )
            .await?;
        if issued.is_none() {
            return Ok(Err(Finding {
                kind: "export_grant_unknown",
                error: refused(
                    codes::EXPORT_GRANT_UNKNOWN,
                    format!("grant {} was not issued to this terminal for request {}", e.grant_jti, e.request_id),
                ),
            }));
        }
        if let Some(row) = tx
            .query_opt(
                "SELECT terminal_id, grant_jti, request_id, file_sha256, file_bytes, rows, excluded_protected,
                        media_identity, staff_id
                 FROM export_ledger WHERE ledger_id = $1",
                &[&e.ledger_id],
            )
            .await?
        {
            let same = row.get::<_, Uuid>(0) == tid
                && row.get::<_, Uuid>(1) == e.grant_jti
                && row.get::<_, Uuid>(2) == e.request_id
                && row.get::<_, String>(3) == e.file_sha256
                && row.get::<_, i64>(4) == e.file_bytes
                && row.get::<_, i64>(5) == e.rows
                && row.get::<_, i64>(6) == e.excluded_protected
                && row.get::<_, String>(7) == e.media_identity
                && row.get::<_, String>(8) == e.staff_id;
            if !same {
                return Ok(Err(Finding {
                    kind: "export_ledger_conflict",
                    error: CentralError::Conflict(format!("ledger entry {} exists with other content", e.ledger_id)),
                }));
            }
            received.push(e.ledger_id);
            continue;
        }
        if let Some(other) =
            tx.query_opt("SELECT ledger_id FROM export_ledger WHERE grant_jti = $1", &[&e.grant_jti]).await?
        {
            let other: Uuid = other.get(0);
            return Ok(Err(Finding {
                kind: "export_grant_reused",
                error: CentralError::Conflict(format!(
                    "grant {} was already used (ledger entry {other}); ledger entry {} is a second use",
                    e.grant_jti, e.ledger_id
                )),
            }));
        }
        tx.execute(
            "INSERT INTO export_ledger (ledger_id, grant_jti, request_id, terminal_id, staff_id, written_at,
                 file_sha256, file_bytes, rows, excluded_protected, media_identity, received_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            &[
                &e.ledger_id,
                &e.grant_jti,
                &e.request_id,
                &tid,
                &e.staff_id,
                &e.written_at,
                &e.file_sha256,
                &e.file_bytes,
                &e.rows,
                &e.excluded_protected,
                &e.media_identity,
                &now,
            ],
        )
        .await?;
        tx.execute(
            "UPDATE export_requests SET state = 'used', used_at = $2 WHERE request_id = $1 AND state = 'approved'",
            &[&e.request_id, &now],
        )
        .await?;
        let detail = format!(
            "terminal {tid}, grant {}, ledger {}, {} rows ({} protected left out), {} bytes, sha256 {}, medium {}, written {}",
            e.grant_jti,
            e.ledger_id,
            e.rows,
            e.excluded_protected,
            e.file_bytes,
            e.file_sha256,
            e.media_identity,
            e.written_at
        );
        accounts::admin_log_as(&tx, now, &e.staff_id, "export.written", &e.request_id.to_string(), &detail).await?;
        received.push(e.ledger_id);
    }
    tx.commit().await?;
    if !received.is_empty() {
        tracing::info!(terminal = %tid, entries = received.len(), "export ledger received");
    }
    Ok(Ok(ExportLedgerReceipt { received }))
}

/// One ledger entry for the CLI, with its request.
#[derive(Debug, Clone, Serialize)]
pub struct LedgerLine {
    pub ledger_id: Uuid,
    pub grant_jti: Uuid,
    pub request_id: Uuid,
    pub terminal_id: Uuid,
    pub terminal_name: String,
    pub staff_id: String,
    pub written_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub file_sha256: String,
    pub file_bytes: i64,
    pub rows: i64,
    pub excluded_protected: i64,
    pub media_identity: String,
    pub layout: String,
    pub session_ids: Vec<String>,
    pub purpose: String,
    pub recipient_id: String,
    pub requested_by: String,
    pub approved_by: Option<String>,
}

/// Ledger entries written in `[from, to)` (either end open), oldest first.
pub async fn ledger(pool: &Pool, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> Result<Vec<LedgerLine>> {
    let c = pool.get().await?;
    Ok(c.query(
        "SELECT l.ledger_id, l.grant_jti, l.request_id, l.terminal_id, t.name, l.staff_id, l.written_at,
                l.received_at, l.file_sha256, l.file_bytes, l.rows, l.excluded_protected, l.media_identity,
                r.layout, r.session_ids, r.purpose, r.recipient_id, r.requested_by, r.decided_by
         FROM export_ledger l
         JOIN export_requests r ON r.request_id = l.request_id
         JOIN terminals t ON t.terminal_id = l.terminal_id
         WHERE ($1::timestamptz IS NULL OR l.written_at >= $1) AND ($2::timestamptz IS NULL OR l.written_at < $2)
         ORDER BY l.written_at, l.ledger_id",
        &[&from, &to],
    )
    .await?
    .iter()
    .map(|r| LedgerLine {
        ledger_id: r.get(0),
        grant_jti: r.get(1),
        request_id: r.get(2),
        terminal_id: r.get(3),
        terminal_name: r.get(4),
        staff_id: r.get(5),
        written_at: r.get(6),
        received_at: r.get(7),
        file_sha256: r.get(8),
        file_bytes: r.get(9),
        rows: r.get(10),
        excluded_protected: r.get(11),
        media_identity: r.get(12),
        layout: r.get(13),
        session_ids: r.get(14),
        purpose: r.get(15),
        recipient_id: r.get(16),
        requested_by: r.get(17),
        approved_by: r.get(18),
    })
    .collect())
}
