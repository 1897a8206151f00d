//! Export to external media, the store's part: the dataset a grant covers (built
//! from this terminal's store, protected residents left out), the used-grant
//! table and the export ledger (schema 4).
//!
//! Layouts (`uketsuke_protocol::export::layouts`):
//! - `health_system`: the attendance layout of docs/attendance-csv.md, one row per
//!   screening of each active visit;
//! - `screening_org`: who came, for the screening organisation to match its
//!   results: date, session, reception number, 宛名番号, names exactly as stored,
//!   birth date, sex, programme, status.
//!
//! Both are UTF-8 CSV with a BOM and CRLF (csv crate, RFC 4180 quoting). Visits of
//! a resident flagged for DV support, or whose roster row this terminal does not
//! hold, are left out and counted: an export must never carry a protected person.

use chrono::{DateTime, FixedOffset, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use uketsuke_core::events::VisitContent;
use uketsuke_core::ScreeningStatus;
use uketsuke_protocol::export::{layouts, ExportLedgerEntry, ExportState};

use crate::error::{Result, StoreError};

/// One export's content, before encryption.
#[derive(Clone, PartialEq, Eq)]
pub struct Dataset {
    pub csv: Vec<u8>,
    pub rows: i64,
    /// Visits left out because the resident is protected (or unknown here).
    pub excluded_protected: i64,
}

impl std::fmt::Debug for Dataset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dataset")
            .field("rows", &self.rows)
            .field("excluded_protected", &self.excluded_protected)
            .finish()
    }
}

struct Row {
    date: String,
    venue_id: String,
    session_id: String,
    visit_id: String,
    resident_id: String,
    reception_no: i64,
    terminal_name: String,
    checked_in_at: String,
    content: VisitContent,
    /// None: the resident is not in this store's roster.
    person: Option<Person>,
    walk_in: Option<(String, Option<String>)>,
}

struct Person {
    name_kanji: String,
    name_kana: String,
    birth_date: String,
    sex: String,
    protected: bool,
}

/// The dataset of `layout` for `session_ids`, from this store. `own_name` is this
/// terminal's name (受付端末 of its own visits).
pub fn dataset(conn: &Connection, layout: &str, session_ids: &[String], own_name: &str) -> Result<Dataset> {
    if !layouts::ALL.contains(&layout) {
        return Err(StoreError::ExportLayoutUnknown(layout.to_owned()));
    }
    let mut rows = visits(conn, session_ids, own_name)?;
    rows.sort_by(|a, b| {
        (&a.date, &a.session_id, &a.checked_in_at, &a.visit_id).cmp(&(
            &b.date,
            &b.session_id,
            &b.checked_in_at,
            &b.visit_id,
        ))
    });
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(vec![0xEF, 0xBB, 0xBF]);
    let csv_err = |e: csv::Error| StoreError::Corrupt(format!("export csv: {e}"));
    let jst = FixedOffset::east_opt(9 * 3600).expect("JST");
    let health = layout == layouts::HEALTH_SYSTEM;
    if health {
        w.write_record(uketsuke_protocol::export::layouts::HEALTH_SYSTEM_COLUMNS).map_err(csv_err)?;
    } else {
        w.write_record([
            "受診日",
            "開催回",
            "整理番号",
            "宛名番号",
            "氏名",
            "氏名カナ",
            "生年月日",
            "性別",
            "検診コード",
            "状態",
        ])
        .map_err(csv_err)?;
    }
    let (mut n, mut excluded) = (0i64, 0i64);
    for r in &rows {
        let Some(person) = r.person.as_ref().filter(|p| !p.protected) else {
            excluded += 1;
            continue;
        };
        let date = r.date.replace('-', "");
        let (resident_id, matching) = match &r.walk_in {
            None if !r.resident_id.starts_with("P-") => (r.resident_id.clone(), "照合済"),
            Some((status, Some(matched))) if status == "matched" => (matched.clone(), "照合済"),
            Some((status, _)) if status == "rejected" => (r.resident_id.clone(), "照合不可"),
            _ => (r.resident_id.clone(), "未照合"),
        };
        let checked = DateTime::parse_from_rfc3339(&r.checked_in_at)
            .map(|t| t.with_timezone(&jst).format("%Y-%m-%dT%H:%M:%S%:z").to_string())
            .unwrap_or_else(|_| r.checked_in_at.clone());
        for s in &r.content.screenings {
            let status = match s.status {
                ScreeningStatus::Received => "受付済",
                ScreeningStatus::Done => "実施",
                ScreeningStatus::Stopped => "中止",
            };
            let reception_no = r.reception_no.to_string();
            if health {
                write_safe(
                    &mut w,
                    [
                        date.as_str(),
                        &r.venue_id,
                        &r.session_id,
                        &resident_id,
                        matching,
                        &reception_no,
                        &r.terminal_name,
                        &checked,
                        &s.programme_code,
                        status,
                        s.stop_reason.as_deref().unwrap_or(""),
                        r.content.copay.category.as_code(),
                        &r.content.copay.amount_yen.to_string(),
                    ],
                )
                .map_err(csv_err)?;
            } else {
                write_safe(
                    &mut w,
                    [
                        date.as_str(),
                        &r.session_id,
                        &reception_no,
                        &resident_id,
                        &person.name_kanji,
                        &person.name_kana,
                        &person.birth_date,
                        &person.sex,
                        &s.programme_code,
                        status,
                    ],
                )
                .map_err(csv_err)?;
            }
            n += 1;
        }
    }
    let csv = w.into_inner().map_err(|e| StoreError::Corrupt(format!("export csv: {e}")))?;
    Ok(Dataset { csv, rows: n, excluded_protected: excluded })
}

/// One row, every cell spreadsheet-safe ([`uketsuke_core::spreadsheet::safe_cell`]).
fn write_safe<const N: usize>(w: &mut csv::Writer<Vec<u8>>, cells: [&str; N]) -> csv::Result<()> {
    w.write_record(cells.iter().map(|c| uketsuke_core::spreadsheet::safe_cell(c).into_owned()))
}

/// Active visits at `session_ids`: this terminal's (from its projection) and other
/// terminals' (their latest check-in or correction event).
fn visits(conn: &Connection, session_ids: &[String], own_name: &str) -> Result<Vec<Row>> {
    let ids = serde_json::to_string(session_ids).expect("serialisable");
    let person = |r: &rusqlite::Row<'_>, at: usize| -> rusqlite::Result<Option<Person>> {
        let name_kanji: Option<String> = r.get(at)?;
        Ok(match name_kanji {
            None => None,
            Some(name_kanji) => Some(Person {
                name_kanji,
                name_kana: r.get(at + 1)?,
                birth_date: r.get(at + 2)?,
                sex: r.get(at + 3)?,
                protected: r.get(at + 4)?,
            }),
        })
    };
    let mut out = Vec::new();
    let mut own = conn.prepare(
        "SELECT s.date, s.venue_id, v.session_id, v.visit_id, v.resident_id, v.reception_no, v.checked_in_at,
                e.payload,
                r.name_kanji, r.name_kana, r.birth_date, r.sex, r.dv_support,
                w.status, w.resident_id
         FROM visits v
         JOIN sessions s ON s.session_id = v.session_id
         JOIN events e ON e.event_id = v.last_event_id
         LEFT JOIN residents r ON r.resident_id = v.resident_id
         LEFT JOIN walk_in_outcomes w ON w.provisional_id = v.resident_id
         WHERE v.state = 'active' AND v.session_id IN (SELECT value FROM json_each(?1))",
    )?;
    let mut q = own.query([&ids])?;
    while let Some(r) = q.next()? {
        out.push(Row {
            date: r.get(0)?,
            venue_id: r.get(1)?,
            session_id: r.get(2)?,
            visit_id: r.get(3)?,
            resident_id: r.get(4)?,
            reception_no: r.get(5)?,
            checked_in_at: r.get(6)?,
            terminal_name: own_name.to_owned(),
            content: content(&r.get::<_, String>(7)?)?,
            person: person(r, 8)?,
            walk_in: walk_in(r, 13)?,
        });
    }
    let mut remote = conn.prepare(
        "SELECT s.date, s.venue_id, v.session_id, v.visit_id, v.resident_id, v.reception_no, v.checked_in_at,
                (SELECT e.payload FROM remote_events e
                  WHERE e.aggregate_id = v.visit_id AND e.event_type IN (?2, ?3)
                  ORDER BY e.occurred_at DESC, e.event_id DESC LIMIT 1),
                r.name_kanji, r.name_kana, r.birth_date, r.sex, r.dv_support,
                v.terminal_name
         FROM remote_visits v
         JOIN sessions s ON s.session_id = v.session_id
         LEFT JOIN residents r ON r.resident_id = v.resident_id
         WHERE v.state = 'active' AND v.session_id IN (SELECT value FROM json_each(?1))",
    )?;
    let types = (uketsuke_core::events::types::CHECKED_IN, uketsuke_core::events::types::CORRECTED);
    let mut q = remote.query(params![ids, types.0, types.1])?;
    while let Some(r) = q.next()? {
        let Some(payload) = r.get::<_, Option<String>>(7)? else { continue };
        out.push(Row {
            date: r.get(0)?,
            venue_id: r.get(1)?,
            session_id: r.get(2)?,
            visit_id: r.get(3)?,
            resident_id: r.get(4)?,
            reception_no: r.get(5)?,
            checked_in_at: r.get(6)?,
            terminal_name: r.get(13)?,
            content: content(&payload)?,
            person: person(r, 8)?,
            walk_in: None,
        });
    }
    Ok(out)
}

fn walk_in(r: &rusqlite::Row<'_>, at: usize) -> rusqlite::Result<Option<(String, Option<String>)>> {
    let status: Option<String> = r.get(at)?;
    Ok(status.map(|s| (s, r.get(at + 1).ok().flatten())))
}

/// The visit's content from a check-in or correction payload (both flatten it).
fn content(payload: &str) -> Result<VisitContent> {
    serde_json::from_str(payload).map_err(|e| StoreError::Corrupt(format!("visit event payload: {e}")))
}

/// Where the last export state from the service is kept (`sync_state`).
const STATE_KEY: &str = "export_state";

/// Keep the export state as the service sent it (tokens are verified at use).
pub fn save_state(conn: &Connection, state: &ExportState) -> Result<()> {
    crate::sync::set_value(conn, STATE_KEY, &serde_json::to_string(state).expect("serialisable"))
}

/// The export state last received, if any.
pub fn saved_state(conn: &Connection) -> Result<Option<ExportState>> {
    match crate::sync::get_value(conn, STATE_KEY)? {
        None => Ok(None),
        Some(json) => {
            serde_json::from_str(&json).map(Some).map_err(|e| StoreError::Corrupt(format!("export state: {e}")))
        }
    }
}

/// Whether this grant was already used on this terminal.
pub fn grant_used(conn: &Connection, jti: &str) -> Result<bool> {
    Ok(conn.query_row("SELECT 1 FROM export_grants_used WHERE grant_jti = ?1", [jti], |_| Ok(())).optional()?.is_some())
}

/// Whether this terminal wrote (or began writing) the request's file.
pub fn request_written(conn: &Connection, request_id: &str) -> Result<bool> {
    Ok(conn
        .query_row("SELECT 1 FROM export_grants_used WHERE request_id = ?1", [request_id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// Before the first byte is written: the grant is used and the ledger says so.
/// Call inside the caller's transaction (with the access-log entry).
#[allow(clippy::too_many_arguments)]
pub fn begin_write(
    conn: &Connection,
    ledger_id: &str,
    jti: &str,
    request_id: &str,
    staff_id: &str,
    now: DateTime<Utc>,
    rows: i64,
    excluded_protected: i64,
) -> Result<()> {
    conn.execute(
        "INSERT INTO export_grants_used (grant_jti, request_id, used_at) VALUES (?1, ?2, ?3)",
        params![jti, request_id, now.to_rfc3339()],
    )?;
    conn.execute(
        "INSERT INTO export_ledger (ledger_id, grant_jti, request_id, staff_id, started_at, state, rows, excluded_protected)
         VALUES (?1, ?2, ?3, ?4, ?5, 'writing', ?6, ?7)",
        params![ledger_id, jti, request_id, staff_id, now.to_rfc3339(), rows, excluded_protected],
    )?;
    Ok(())
}

/// The file is complete on the medium.
pub fn finish_write(
    conn: &Connection,
    ledger_id: &str,
    at: DateTime<Utc>,
    sha256: &str,
    bytes: i64,
    media_identity: &str,
) -> Result<()> {
    conn.execute(
        "UPDATE export_ledger SET state = 'written', written_at = ?2, file_sha256 = ?3, file_bytes = ?4, media_identity = ?5
         WHERE ledger_id = ?1 AND state = 'writing'",
        params![ledger_id, at.to_rfc3339(), sha256, bytes, media_identity],
    )?;
    Ok(())
}

/// The write was refused or did not complete; the grant stays used.
pub fn fail_write(conn: &Connection, ledger_id: &str, failure: &str) -> Result<()> {
    conn.execute(
        "UPDATE export_ledger SET state = 'failed', failure = ?2 WHERE ledger_id = ?1 AND state = 'writing'",
        params![ledger_id, failure],
    )?;
    Ok(())
}

/// Writes a crash interrupted (still 'writing' at start-up) are failed.
pub fn fail_interrupted(conn: &Connection) -> Result<usize> {
    Ok(conn.execute("UPDATE export_ledger SET state = 'failed', failure = 'interrupted' WHERE state = 'writing'", [])?)
}

/// Written entries the service has not received yet.
pub fn unshipped(conn: &Connection) -> Result<Vec<ExportLedgerEntry>> {
    let mut st = conn.prepare(
        "SELECT ledger_id, grant_jti, request_id, staff_id, written_at, file_sha256, file_bytes, rows,
                excluded_protected, media_identity
         FROM export_ledger WHERE state = 'written' AND shipped_at IS NULL ORDER BY started_at",
    )?;
    let rows = st.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, i64>(6)?,
            r.get::<_, i64>(7)?,
            r.get::<_, i64>(8)?,
            r.get::<_, String>(9)?,
        ))
    })?;
    fn bad<E>(field: &'static str) -> impl Fn(E) -> StoreError {
        move |_| StoreError::Corrupt(format!("export ledger: {field}"))
    }
    let mut out = Vec::new();
    for row in rows {
        let (ledger_id, jti, request_id, staff_id, at, sha, bytes, n, excluded, media) = row?;
        out.push(ExportLedgerEntry {
            ledger_id: ledger_id.parse().map_err(bad("ledger_id"))?,
            grant_jti: jti.parse().map_err(bad("grant_jti"))?,
            request_id: request_id.parse().map_err(bad("request_id"))?,
            staff_id,
            written_at: DateTime::parse_from_rfc3339(&at).map_err(bad("written_at"))?.with_timezone(&Utc),
            file_sha256: sha,
            file_bytes: bytes,
            rows: n,
            excluded_protected: excluded,
            media_identity: media,
        });
    }
    Ok(out)
}

/// The service holds these entries.
pub fn mark_shipped(conn: &Connection, ledger_ids: &[String], at: DateTime<Utc>) -> Result<()> {
    let ids = serde_json::to_string(ledger_ids).expect("serialisable");
    conn.execute(
        "UPDATE export_ledger SET shipped_at = ?2
         WHERE state = 'written' AND shipped_at IS NULL AND ledger_id IN (SELECT value FROM json_each(?1))",
        params![ids, at.to_rfc3339()],
    )?;
    Ok(())
}
