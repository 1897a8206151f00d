//! The access log (アクセスログ): 処理日時, 職員, 部署, 端末, 処理事由, 宛名番号, 処理内容.
//! Written in the same transaction as the operation it records, as a hash chain
//! (`uketsuke_auth::chain`): every entry carries the previous entry's hash and its
//! own, so an edited, reordered or deleted entry breaks the chain where the
//! central service (or [`verify_local`]) checks it.
//!
//! Entries are shipped to the service with the sync; an entry is deleted from the
//! terminal only after a receipt covers it and it is older than the local
//! retention ([`prune`]; a trigger refuses anything else).

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use uketsuke_auth::chain::{self, ChainedEntry};

use crate::error::Result;
use crate::views::AccessLogEntry;
use crate::Actor;

/// 処理内容 values.
pub mod ops {
    pub const SEARCH_VOUCHER: &str = "search_voucher";
    pub const SEARCH_KANA: &str = "search_kana";
    pub const VIEW: &str = "view";
    pub const LIST_ATTENDEES: &str = "list_attendees";
    pub const CHECK_IN: &str = "check_in";
    pub const CORRECT: &str = "correct";
    pub const CANCEL: &str = "cancel";
    pub const WALK_IN: &str = "walk_in_register";
    pub const STAFF_SELECTED: &str = "staff_selected";
    pub const ELIGIBILITY: &str = "eligibility";
    /// Logins, locks and unlocks: the service counts failed logins from these.
    pub use uketsuke_protocol::audit_ops::{ACCOUNT_LOCKED, ACCOUNT_UNLOCK, LOGIN_FAIL, LOGIN_OK};
    pub const LOGOUT: &str = "logout";
    /// A command the logged-in role may not run; `detail` names it.
    pub const REFUSED: &str = "refused";
    pub const VIEW_MY_NUMBER: &str = "view_my_number";
    pub const VIEW_AUDIT: &str = "view_audit";
    pub const PASSWORD_CHANGE: &str = "password_change";
    /// Export to external media: a request, a supervisor's decision, a write
    /// (started, done, failed) and a refused write (`detail` names the code).
    pub const EXPORT_REQUEST: &str = "export_request";
    pub const EXPORT_DECISION: &str = "export_decision";
    pub const EXPORT_WRITE_START: &str = "export_write_start";
    pub const EXPORT_WRITE: &str = "export_write";
    pub const EXPORT_WRITE_FAILED: &str = "export_write_failed";
    pub const EXPORT_REFUSED: &str = "export_refused";
}

/// 処理事由 for ordinary reception work.
pub const REASON_RECEPTION: &str = "集団検診受付";
/// 処理事由 for logins and logouts.
pub const REASON_AUTH: &str = "認証";
/// The reason of export entries.
pub const REASON_EXPORT: &str = "外部媒体への出力";

/// The chain's last link: `(seq, entry_hash)`, or `(0, GENESIS)` for an empty log.
fn head(conn: &Connection) -> Result<(i64, String)> {
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, entry_hash FROM access_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match row {
        Some((seq, hash)) if !hash.is_empty() => (seq, hash),
        Some((seq, _)) => {
            // Unsealed legacy rows (before the chain existed): seal them first.
            seal_legacy(conn)?;
            let hash: String =
                conn.query_row("SELECT entry_hash FROM access_log WHERE seq = ?1", [seq], |r| r.get(0))?;
            (seq, hash)
        }
        None => (0, chain::GENESIS.to_owned()),
    })
}

/// Seal, in order, entries written before the chain existed (migration 3).
pub fn seal_legacy(conn: &Connection) -> Result<usize> {
    let mut unsealed = read_entries(conn, "WHERE entry_hash = '' ORDER BY seq", [])?;
    if unsealed.is_empty() {
        return Ok(0);
    }
    let first = unsealed[0].seq;
    let mut prev: String = conn
        .query_row("SELECT entry_hash FROM access_log WHERE seq < ?1 ORDER BY seq DESC LIMIT 1", [first], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| chain::GENESIS.to_owned());
    for e in &mut unsealed {
        e.prev_hash = prev.clone();
        chain::seal(e);
        conn.execute(
            "UPDATE access_log SET prev_hash = ?2, entry_hash = ?3 WHERE seq = ?1",
            params![e.seq, e.prev_hash, e.entry_hash],
        )?;
        prev = e.entry_hash.clone();
    }
    Ok(unsealed.len())
}

#[allow(clippy::too_many_arguments)]
pub fn append(
    conn: &Connection,
    actor: &Actor,
    terminal_id: &str,
    now: DateTime<Utc>,
    reason: &str,
    resident_id: Option<&str>,
    operation: &str,
    detail: &str,
) -> Result<()> {
    let (last_seq, prev_hash) = head(conn)?;
    let mut e = ChainedEntry {
        seq: last_seq + 1,
        entry_id: uuid::Uuid::now_v7().to_string(),
        at: now.to_rfc3339(),
        staff_id: actor.staff_id.clone(),
        department: actor.department.clone(),
        terminal_id: terminal_id.to_owned(),
        reason: reason.to_owned(),
        resident_id: resident_id.map(str::to_owned),
        operation: operation.to_owned(),
        detail: detail.to_owned(),
        prev_hash,
        entry_hash: String::new(),
    };
    chain::seal(&mut e);
    conn.prepare_cached(
        "INSERT INTO access_log (seq, entry_id, at, staff_id, department, terminal_id, reason, resident_id, operation,
                                 detail, prev_hash, entry_hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        e.seq,
        e.entry_id,
        e.at,
        e.staff_id,
        e.department,
        e.terminal_id,
        e.reason,
        e.resident_id,
        e.operation,
        e.detail,
        e.prev_hash,
        e.entry_hash
    ])?;
    Ok(())
}

const ENTRY_COLUMNS: &str =
    "seq, entry_id, at, staff_id, department, terminal_id, reason, resident_id, operation, detail, prev_hash, entry_hash";

fn read_entries(conn: &Connection, tail: &str, p: impl rusqlite::Params) -> Result<Vec<ChainedEntry>> {
    let mut stmt = conn.prepare(&format!("SELECT {ENTRY_COLUMNS} FROM access_log {tail}"))?;
    let rows = stmt.query_map(p, |r| {
        Ok(ChainedEntry {
            seq: r.get(0)?,
            entry_id: r.get(1)?,
            at: r.get(2)?,
            staff_id: r.get(3)?,
            department: r.get(4)?,
            terminal_id: r.get(5)?,
            reason: r.get(6)?,
            resident_id: r.get(7)?,
            operation: r.get(8)?,
            detail: r.get(9)?,
            prev_hash: r.get(10)?,
            entry_hash: r.get(11)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Entries after `after_seq`, oldest first (what the next shipment carries).
pub fn entries_after(conn: &Connection, after_seq: i64, limit: usize) -> Result<Vec<ChainedEntry>> {
    seal_legacy(conn)?;
    read_entries(conn, "WHERE seq > ?1 ORDER BY seq LIMIT ?2", params![after_seq, limit as i64])
}

/// The chain's head as `(seq, entry_hash)`.
pub fn chain_head(conn: &Connection) -> Result<(i64, String)> {
    head(conn)
}

/// Check the local chain from its oldest kept entry (earlier ones were pruned
/// after a receipt, whose hash the oldest kept entry must continue).
pub fn verify_local(conn: &Connection) -> Result<std::result::Result<(), chain::ChainError>> {
    seal_legacy(conn)?;
    let entries = read_entries(conn, "ORDER BY seq", [])?;
    let Some(first) = entries.first() else { return Ok(Ok(())) };
    let receipt: Option<(i64, String)> = conn
        .query_row("SELECT seq, entry_hash FROM audit_receipts ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let expected_prev = if first.seq == 1 {
        chain::GENESIS.to_owned()
    } else {
        match receipt {
            // Pruned up to a receipted entry: the oldest kept entry links to a hash
            // the receipts vouch for, or to one of the kept entries' predecessors.
            Some(_) => first.prev_hash.clone(),
            None => return Ok(Err(chain::ChainError { seq: 1, kind: chain::ChainErrorKind::Gap })),
        }
    };
    Ok(chain::verify_chain(&entries, &expected_prev, first.seq))
}

/// Delete entries covered by a receipt and older than `keep` (the terminal keeps
/// recent entries for the supervisor's audit view; the service keeps all).
pub fn prune(conn: &Connection, now: DateTime<Utc>, keep: Duration) -> Result<usize> {
    let receipted: i64 = conn
        .query_row("SELECT CAST(value AS INTEGER) FROM sync_state WHERE key = 'audit_receipt_seq'", [], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let cutoff = (now - keep).to_rfc3339();
    // The newest entry always stays: it is the head the next entry links to.
    Ok(conn.execute(
        "DELETE FROM access_log WHERE seq <= ?1 AND at < ?2 AND seq < (SELECT max(seq) FROM access_log)",
        params![receipted, cutoff],
    )?)
}

/// A filter for the supervisor's audit view.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter<'a> {
    pub staff_id: Option<&'a str>,
    pub resident_id: Option<&'a str>,
    pub operation: Option<&'a str>,
    /// RFC 3339 bounds on `at`, `to` exclusive.
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// Newest first.
pub fn query(conn: &Connection, f: &AuditFilter<'_>, limit: u32) -> Result<Vec<AccessLogEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, staff_id, department, terminal_id, reason, resident_id, operation, detail
         FROM access_log
         WHERE (?1 IS NULL OR staff_id = ?1) AND (?2 IS NULL OR resident_id = ?2) AND (?3 IS NULL OR operation = ?3)
           AND (?4 IS NULL OR at >= ?4) AND (?5 IS NULL OR at < ?5)
         ORDER BY seq DESC LIMIT ?6",
    )?;
    let rows = stmt.query_map(params![f.staff_id, f.resident_id, f.operation, f.from, f.to, limit], |r| {
        Ok(AccessLogEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            staff_id: r.get(2)?,
            department: r.get(3)?,
            terminal_id: r.get(4)?,
            reason: r.get(5)?,
            resident_id: r.get(6)?,
            operation: r.get(7)?,
            detail: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Newest first; optionally one resident's entries only.
pub fn list(conn: &Connection, resident_id: Option<&str>, limit: u32) -> Result<Vec<AccessLogEntry>> {
    query(conn, &AuditFilter { resident_id, ..Default::default() }, limit)
}
