//! The access log (アクセスログ): 処理日時, 職員, 部署, 端末, 処理事由, 宛名番号, 処理内容.
//! Written in the same transaction as the operation it records.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

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
}

/// 処理事由 for ordinary reception work.
pub const REASON_RECEPTION: &str = "集団検診受付";

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
    conn.prepare_cached(
        "INSERT INTO access_log (entry_id, at, staff_id, department, terminal_id, reason, resident_id, operation, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        uuid::Uuid::now_v7().to_string(),
        now.to_rfc3339(),
        actor.staff_id,
        actor.department,
        terminal_id,
        reason,
        resident_id,
        operation,
        detail
    ])?;
    Ok(())
}

/// Newest first; optionally one resident's entries only.
pub fn list(conn: &Connection, resident_id: Option<&str>, limit: u32) -> Result<Vec<AccessLogEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, staff_id, department, terminal_id, reason, resident_id, operation, detail
         FROM access_log WHERE (?1 IS NULL OR resident_id = ?1) ORDER BY seq DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![resident_id, limit], |r| {
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
