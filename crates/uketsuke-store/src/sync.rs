//! The terminal's side of sync, as store operations. The network lives in
//! `uketsuke-sync`; here is what it reads and writes, each in one transaction:
//!
//! - [`pending_batch`]: outbox events to push, in terminal order.
//! - [`apply_push_results`]: accepted/duplicate → `accepted`; rejected → `rejected`
//!   with the service's code and reason (staff see it and can re-queue it after a
//!   fix); deferred → stays `pending` with the reason.
//! - [`apply_pull_page`]: one page of the service's data with the cursors after
//!   it, atomically. Roster rows for residents with unsent events are parked in
//!   `deferred_roster` and applied once those events are accepted.
//! - [`requeue_missing`]: after the service was restored from a backup, events it
//!   lost go back to `pending`.
//! - [`SyncStatus`]: what the window shows.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uketsuke_core::events::{types, Cancelled, CheckedIn};
use uketsuke_core::{ScreeningRecord, Voucher};
use uketsuke_protocol::{
    Cursors, EventOutcome, PullPage, PushEvent, PushResult, RosterEntry, ServiceInfo, WalkInDecision,
};

use crate::error::{Result, StoreError};
use crate::{catalog, residents};

fn get(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn.prepare_cached("SELECT value FROM sync_state WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?)
}

fn set(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_state (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )?
    .execute(params![key, value])?;
    Ok(())
}

/// The city's WebAuthn relying party (from the catalog), which offline logins
/// are verified against.
pub const RP_ID: &str = "rp_id";

/// Set when the store is made for an enrollment (the terminal id): such a store
/// never runs as a demo store, even if `enrollment.json` or the device key is gone.
pub const ENROLLED_AS: &str = "enrolled_as";

pub fn mark_enrolled(conn: &Connection, terminal_id: &str) -> Result<()> {
    set(conn, ENROLLED_AS, terminal_id)
}

/// Whether this store belongs to an enrollment: marked so, or it has talked to a
/// central service (stores enrolled before the mark existed).
pub fn belongs_to_enrollment(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sync_state WHERE key IN ('enrolled_as', 'cursors', 'last_attempt_at', 'rp_id'))",
        [],
        |r| r.get(0),
    )?)
}

/// A value in `sync_state` (terminal-wide state that is not a table of its own).
pub fn get_value(conn: &Connection, key: &str) -> Result<Option<String>> {
    get(conn, key)
}

pub fn set_value(conn: &Connection, key: &str, value: &str) -> Result<()> {
    set(conn, key, value)
}

/// What this store holds that the service has not received: access-log entries
/// past the last receipt, and export-ledger entries.
pub fn unshipped_log(conn: &Connection) -> Result<(i64, i64)> {
    let receipted = audit_receipt_seq(conn)?;
    let entries: i64 = conn.query_row("SELECT count(*) FROM access_log WHERE seq > ?1", [receipted], |r| r.get(0))?;
    let ledger = crate::export::unshipped(conn)?.len() as i64;
    Ok((entries, ledger))
}

/// The newest access-log entry the service has receipted (0: none).
pub fn audit_receipt_seq(conn: &Connection) -> Result<i64> {
    Ok(get(conn, "audit_receipt_seq")?.and_then(|s| s.parse().ok()).unwrap_or(0))
}

/// Move the shipped mark back (the service lost entries it had receipted; a
/// lower mark only keeps more entries on the terminal).
pub fn rewind_audit_receipt(conn: &Connection, seq: i64) -> Result<()> {
    if seq < audit_receipt_seq(conn)? {
        set(conn, "audit_receipt_seq", &seq.to_string())?;
    }
    Ok(())
}

/// Keep a receipt from the service and move the shipped mark.
pub fn record_audit_receipt(conn: &Connection, r: &uketsuke_auth::Receipt, signature: &str) -> Result<()> {
    conn.execute(
        "INSERT OR REPLACE INTO audit_receipts (chain_id, seq, entry_hash, received_at, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![r.chain_id, r.seq, r.entry_hash, r.received_at, signature],
    )?;
    // Only the newest receipt per chain matters for pruning; older ones are kept
    // a while for the record and go with the entries they cover.
    if r.seq > audit_receipt_seq(conn)? {
        set(conn, "audit_receipt_seq", &r.seq.to_string())?;
    }
    Ok(())
}

fn get_json<T: serde::de::DeserializeOwned>(conn: &Connection, key: &str) -> Result<Option<T>> {
    match get(conn, key)? {
        Some(s) => Ok(Some(serde_json::from_str(&s).map_err(|_| StoreError::Corrupt(format!("sync_state.{key}")))?)),
        None => Ok(None),
    }
}

fn set_json<T: Serialize>(conn: &Connection, key: &str, value: &T) -> Result<()> {
    set(conn, key, &serde_json::to_string(value).expect("serialisable"))
}

pub fn cursors(conn: &Connection) -> Result<Cursors> {
    Ok(get_json(conn, "cursors")?.unwrap_or_default())
}

/// Outbox events not yet held by the service, oldest first.
pub fn pending_batch(conn: &Connection, limit: usize) -> Result<Vec<PushEvent>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, event_id, event_type, aggregate_id, payload, occurred_at, staff_id
         FROM events WHERE sync_state = 'pending' ORDER BY seq LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, id, event_type, aggregate_id, payload, at, staff_id) = row?;
        out.push(PushEvent {
            seq,
            event_id: id.parse().map_err(|_| StoreError::Corrupt(format!("event id {id}")))?,
            event_type,
            aggregate_id,
            payload: serde_json::from_str(&payload).map_err(|_| StoreError::Corrupt(format!("event {id} payload")))?,
            occurred_at: DateTime::parse_from_rfc3339(&at)
                .map_err(|_| StoreError::Corrupt(format!("event {id} time")))?
                .with_timezone(&Utc),
            staff_id,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushTally {
    pub accepted: usize,
    pub rejected: usize,
    pub deferred: usize,
}

/// Record the service's answer for each pushed event, in one transaction.
pub fn apply_push_results(conn: &mut Connection, results: &[PushResult]) -> Result<PushTally> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut tally = PushTally::default();
    for r in results {
        let id = r.event_id.to_string();
        let (state, error) = match &r.outcome {
            EventOutcome::Accepted | EventOutcome::Duplicate => {
                tally.accepted += 1;
                ("accepted", None)
            }
            EventOutcome::Rejected { code, reason } => {
                tally.rejected += 1;
                ("rejected", Some(format!("{code}: {reason}")))
            }
            EventOutcome::Deferred { code, reason } => {
                tally.deferred += 1;
                ("pending", Some(format!("{code}: {reason}")))
            }
        };
        tx.prepare_cached("UPDATE events SET sync_state = ?2, sync_error = ?3 WHERE event_id = ?1")?
            .execute(params![id, state, error])?;
    }
    tx.commit()?;
    Ok(tally)
}

/// Ids of events the service has accepted, for checking after a restore.
pub fn accepted_event_ids(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT event_id FROM events WHERE sync_state = 'accepted' ORDER BY seq")?;
    let ids = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

/// The newest event the service has accepted: the one id checked every cycle
/// (reading every accepted id would grow with the day's work).
pub fn latest_accepted_event_id(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT event_id FROM events WHERE sync_state = 'accepted' ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// Put events the service no longer holds back in the queue. Returns how many.
pub fn requeue_missing(conn: &mut Connection, missing: &[String]) -> Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut n = 0;
    for id in missing {
        n += tx
            .prepare_cached(
                "UPDATE events SET sync_state = 'pending', sync_error = NULL WHERE event_id = ?1 AND sync_state = 'accepted'",
            )?
            .execute([id])?;
    }
    tx.commit()?;
    Ok(n)
}

/// Staff re-queue a rejected event after the cause was fixed (e.g. the session
/// was assigned to this terminal). Returns whether it was rejected.
pub fn requeue_rejected(conn: &Connection, event_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE events SET sync_state = 'pending', sync_error = NULL WHERE event_id = ?1 AND sync_state = 'rejected'",
        )?
        .execute([event_id])?
        == 1)
}

/// The service we last talked to. `Some(true)` if it changed identity or epoch
/// since (a new database or a restore): the caller then checks which events it holds.
pub fn note_service(conn: &Connection, service: &ServiceInfo) -> Result<bool> {
    let before: Option<(String, i32)> = get_json(conn, "service")?;
    let now = (service.instance_id.to_string(), service.epoch);
    let changed = before.as_ref().is_some_and(|b| *b != now);
    set_json(conn, "service", &now)?;
    Ok(changed)
}

fn has_pending_events_for(conn: &Connection, resident_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM events e
                 WHERE e.sync_state = 'pending'
                   AND (e.aggregate_id = ?1
                        OR e.aggregate_id IN (SELECT visit_id FROM visits WHERE resident_id = ?1)))",
        )?
        .query_row([resident_id], |r| r.get(0))?)
}

/// The roster's secondary indexes, exactly as `migrations/local/0001_initial.sql`
/// makes them. A first sync into an empty store drops them and builds them once
/// at the end: one sorted build instead of 300k random index inserts.
const ROSTER_INDEXES: &[(&str, &str)] = &[
    ("residents_by_kana", "CREATE INDEX IF NOT EXISTS residents_by_kana ON residents (kana_key, resident_id)"),
    (
        "residents_by_birth_kana",
        "CREATE INDEX IF NOT EXISTS residents_by_birth_kana ON residents (birth_date, kana_key, resident_id)",
    ),
    ("vouchers_by_resident", "CREATE INDEX IF NOT EXISTS vouchers_by_resident ON vouchers (resident_id)"),
];

/// Make sure the roster indexes exist (after a first sync, and at every open in
/// case a first sync was cut short). Cheap when they do.
pub fn ensure_roster_indexes(conn: &Connection) -> Result<bool> {
    let mut built = false;
    for (name, sql) in ROSTER_INDEXES {
        let exists: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?1)",
            [name],
            |r| r.get(0),
        )?;
        if !exists {
            conn.execute_batch(sql)?;
            built = true;
        }
    }
    Ok(built)
}

fn any_pending_events(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row("SELECT EXISTS (SELECT 1 FROM events WHERE sync_state = 'pending')", [], |r| r.get(0))?)
}

fn bulk_mode(conn: &Connection) -> Result<bool> {
    Ok(get(conn, "bulk_roster")?.as_deref() == Some("1"))
}

fn apply_roster_entry(conn: &Connection, e: &RosterEntry, bulk: bool) -> Result<()> {
    let id = &e.resident.resident_id;
    if !e.active {
        // Removed from the roster: drop it unless this terminal recorded visits for them.
        let has_visits: bool =
            conn.query_row("SELECT EXISTS (SELECT 1 FROM visits WHERE resident_id = ?1)", [id], |r| r.get(0))?;
        if !has_visits {
            conn.execute("DELETE FROM vouchers WHERE resident_id = ?1", [id])?;
            conn.execute("DELETE FROM screening_history WHERE resident_id = ?1", [id])?;
            conn.execute("DELETE FROM residents WHERE resident_id = ?1", [id])?;
        }
        return Ok(());
    }
    residents::upsert_resident(conn, &e.resident)?;
    if !bulk {
        conn.prepare_cached("DELETE FROM vouchers WHERE resident_id = ?1")?.execute([id])?;
    }
    for v in &e.vouchers {
        residents::upsert_voucher(
            conn,
            &Voucher { voucher_no: v.voucher_no.clone(), resident_id: id.clone(), fiscal_year: v.fiscal_year },
        )?;
    }
    for (code, fy) in &e.history {
        residents::insert_history(
            conn,
            &ScreeningRecord { resident_id: id.clone(), programme_code: code.clone(), fiscal_year: *fy },
        )?;
    }
    Ok(())
}

/// A first sync into an empty store: the same statements as [`apply_roster_entry`]
/// (a resident changed during the first sync comes again in a later page), prepared
/// once per page instead of looked up per row, and bound without clones.
struct BulkInsert<'c, 'p> {
    resident: rusqlite::Statement<'c>,
    voucher: rusqlite::Statement<'c>,
    history: rusqlite::Statement<'c>,
    /// Vouchers are keyed by voucher number, which has nothing to do with the
    /// roster's order: inserted in key order at the end of the page, each leaf of
    /// the voucher B-tree is visited once per page instead of once per row.
    vouchers: Vec<(&'p str, &'p str, i32)>,
}

impl<'c, 'p> BulkInsert<'c, 'p> {
    fn new(conn: &'c Connection) -> Result<Self> {
        Ok(BulkInsert {
            resident: conn.prepare(residents::UPSERT_RESIDENT)?,
            voucher: conn.prepare(residents::UPSERT_VOUCHER)?,
            history: conn.prepare(residents::INSERT_HISTORY)?,
            vouchers: Vec::new(),
        })
    }

    fn insert(&mut self, e: &'p RosterEntry) -> Result<()> {
        let r = &e.resident;
        residents::execute_upsert_resident(&mut self.resident, r)?;
        for (code, fy) in &e.history {
            self.history.execute(params![r.resident_id, code, fy])?;
        }
        self.vouchers.extend(e.vouchers.iter().map(|v| (v.voucher_no.as_str(), r.resident_id.as_str(), v.fiscal_year)));
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        // Stable: a voucher number twice in one page keeps its arrival order.
        self.vouchers.sort_by(|a, b| a.0.cmp(b.0));
        for (no, resident, fy) in &self.vouchers {
            self.voucher.execute(params![no, resident, fy])?;
        }
        Ok(())
    }
}

/// Apply parked roster rows whose residents no longer have unsent events.
pub fn apply_deferred_roster(conn: &mut Connection) -> Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let parked: Vec<(String, String)> = tx
        .prepare("SELECT resident_id, entry FROM deferred_roster")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut n = 0;
    for (id, entry) in parked {
        if has_pending_events_for(&tx, &id)? {
            continue;
        }
        let entry: RosterEntry =
            serde_json::from_str(&entry).map_err(|_| StoreError::Corrupt(format!("deferred_roster {id}")))?;
        apply_roster_entry(&tx, &entry, bulk_mode(&tx)?)?;
        tx.execute("DELETE FROM deferred_roster WHERE resident_id = ?1", [&id])?;
        n += 1;
    }
    tx.commit()?;
    Ok(n)
}

fn apply_remote_event(conn: &Connection, e: &uketsuke_protocol::RemoteEvent) -> Result<()> {
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO remote_events (event_id, terminal_id, terminal_name, event_type, aggregate_id, payload, occurred_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            e.event_id.to_string(),
            e.terminal_id.to_string(),
            e.terminal_name,
            e.event_type,
            e.aggregate_id,
            e.payload.to_string(),
            e.occurred_at.to_rfc3339()
        ])?;
    if inserted == 0 {
        return Ok(()); // already applied (a page delivered twice)
    }
    match e.event_type.as_str() {
        types::CHECKED_IN => {
            if let Ok(c) = serde_json::from_value::<CheckedIn>(e.payload.clone()) {
                conn.prepare_cached(
                    "INSERT OR IGNORE INTO remote_visits (visit_id, session_id, resident_id, terminal_name, reception_no, state, checked_in_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6)",
                )?
                .execute(params![c.visit_id, c.session_id, c.resident_id, e.terminal_name, c.reception_no, e.occurred_at.to_rfc3339()])?;
            }
        }
        types::CANCELLED => {
            if let Ok(c) = serde_json::from_value::<Cancelled>(e.payload.clone()) {
                conn.prepare_cached("UPDATE remote_visits SET state = 'cancelled' WHERE visit_id = ?1")?
                    .execute([c.visit_id])?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// What one applied page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PageTally {
    pub roster: usize,
    pub deferred: usize,
    pub events: usize,
    pub walk_ins: usize,
}

/// Apply one pull page and the cursors after it, atomically.
pub fn apply_pull_page(conn: &mut Connection, page: &PullPage) -> Result<PageTally> {
    // A page that only adds roster rows to a first sync's empty store writes every
    // voucher and history row right after the resident it refers to, in the same
    // transaction: the references hold by construction, and looking each one up
    // again cost ~15 % of applying such a page (docs/benchmarks.md, session 12).
    // Anything else a page can carry (the catalog, walk-in decisions, rows deferred
    // behind unsent events) is applied with foreign keys enforced.
    let unchecked =
        page.catalog.is_none() && page.walk_ins.is_empty() && bulk_mode(conn)? && !any_pending_events(conn)?;
    if !unchecked {
        return apply_page(conn, page);
    }
    conn.pragma_update(None, "foreign_keys", false)?;
    let applied = apply_page(conn, page);
    conn.pragma_update(None, "foreign_keys", true)?;
    applied
}

fn apply_page(conn: &mut Connection, page: &PullPage) -> Result<PageTally> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut tally = PageTally::default();
    let before = cursors(&tx)?;
    if before.scope != page.cursors.scope {
        // A new assignment: the roster starts over; progress restarts.
        set(&tx, "roster_applied", "0")?;
    }
    if let Some(total) = page.roster_total {
        set(&tx, "roster_total", &total.to_string())?;
        set(&tx, "roster_applied", "0")?;
        // A first sync into an empty store: build the indexes once at the end.
        let empty: bool = tx.query_row("SELECT NOT EXISTS (SELECT 1 FROM residents)", [], |r| r.get(0))?;
        if empty && total > 0 {
            for (name, _) in ROSTER_INDEXES {
                tx.execute_batch(&format!("DROP INDEX IF EXISTS {name}"))?;
            }
            set(&tx, "bulk_roster", "1")?;
        }
    }
    if let Some(r) = &page.audit_escrow_recipient {
        if get(&tx, crate::audit::ESCROW_RECIPIENT)?.as_deref() != Some(r.as_str())
            && crate::audit::set_escrow_recipient(&tx, r)?
        {
            tracing::info!("the access log's first MAC key is now sealed to the service");
        }
    }
    if let Some(cat) = &page.catalog {
        for s in &cat.staff {
            crate::accounts::apply_remote(&tx, s)?;
        }
        if !cat.rp_id.is_empty() {
            set(&tx, RP_ID, &cat.rp_id)?;
        }
        for p in &cat.programmes {
            catalog::upsert_programme(&tx, p)?;
        }
        for v in &cat.venues {
            catalog::upsert_venue(&tx, v)?;
        }
        for s in &cat.sessions {
            catalog::upsert_session(&tx, s)?;
        }
        // Sessions no longer assigned to this terminal leave it, unless it recorded
        // visits there (those stay until their events are long accepted).
        let keep: Vec<&str> = cat.sessions.iter().map(|s| s.session_id.as_str()).collect();
        let keep = serde_json::to_string(&keep).expect("serialisable");
        tx.execute(
            "DELETE FROM session_programmes WHERE session_id IN (
                 SELECT session_id FROM sessions
                 WHERE session_id NOT IN (SELECT value FROM json_each(?1))
                   AND session_id NOT IN (SELECT session_id FROM visits))",
            [&keep],
        )?;
        tx.execute(
            "DELETE FROM sessions WHERE session_id NOT IN (SELECT value FROM json_each(?1))
               AND session_id NOT IN (SELECT session_id FROM visits)",
            [&keep],
        )?;
    }
    let any_pending = any_pending_events(&tx)?;
    let bulk = bulk_mode(&tx)?;
    let mut bulk_insert = if bulk && !any_pending { Some(BulkInsert::new(&tx)?) } else { None };
    for e in &page.roster {
        if let (Some(b), true) = (bulk_insert.as_mut(), e.active) {
            b.insert(e)?;
            tally.roster += 1;
        } else if any_pending && has_pending_events_for(&tx, &e.resident.resident_id)? {
            tx.prepare_cached(
                "INSERT INTO deferred_roster (resident_id, entry) VALUES (?1, ?2)
                 ON CONFLICT (resident_id) DO UPDATE SET entry = excluded.entry",
            )?
            .execute(params![e.resident.resident_id, serde_json::to_string(e).expect("serialisable")])?;
            tally.deferred += 1;
        } else {
            apply_roster_entry(&tx, e, bulk)?;
            tally.roster += 1;
        }
    }
    bulk_insert.map(BulkInsert::finish).transpose()?;
    let applied: i64 = get(&tx, "roster_applied")?.and_then(|s| s.parse().ok()).unwrap_or(0);
    set(&tx, "roster_applied", &(applied + page.roster.len() as i64).to_string())?;
    for e in &page.events {
        apply_remote_event(&tx, e)?;
        tally.events += 1;
    }
    for w in &page.walk_ins {
        let (status, resident, note) = match &w.decision {
            WalkInDecision::Matched { resident_id, note } => ("matched", Some(resident_id.clone()), note.clone()),
            WalkInDecision::Rejected { note } => ("rejected", None, Some(note.clone())),
        };
        tx.prepare_cached(
            "INSERT INTO walk_in_outcomes (provisional_id, status, resident_id, note, decided_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (provisional_id) DO UPDATE SET status = excluded.status, resident_id = excluded.resident_id,
                 note = excluded.note, decided_at = excluded.decided_at",
        )?
        .execute(params![w.provisional_id, status, resident, note, w.decided_at.to_rfc3339()])?;
        tally.walk_ins += 1;
    }
    set_json(&tx, "cursors", &page.cursors)?;
    if !page.more && bulk {
        ensure_roster_indexes(&tx)?;
        tx.execute("DELETE FROM sync_state WHERE key = 'bulk_roster'", [])?;
    }
    tx.commit()?;
    Ok(tally)
}

/// Outcome of a sync attempt, recorded for the window.
pub fn record_success(conn: &Connection, at: DateTime<Utc>, skew_ms: Option<i64>) -> Result<()> {
    set(conn, "last_success_at", &at.to_rfc3339())?;
    set(conn, "last_attempt_at", &at.to_rfc3339())?;
    conn.execute("DELETE FROM sync_state WHERE key IN ('last_error_code', 'last_error_message')", [])?;
    if let Some(s) = skew_ms {
        set(conn, "skew_ms", &s.to_string())?;
    }
    Ok(())
}

pub fn record_failure(conn: &Connection, at: DateTime<Utc>, code: &str, message: &str) -> Result<()> {
    set(conn, "last_attempt_at", &at.to_rfc3339())?;
    set(conn, "last_error_code", code)?;
    set(conn, "last_error_message", message)
}

/// Clock skew above this is shown as a warning.
pub const SKEW_WARN_MS: i64 = 2 * 60 * 1000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RejectedEvent {
    pub event_id: String,
    pub event_type: String,
    pub occurred_at: String,
    /// `CODE: reason` from the service.
    pub error: String,
}

/// What the window's sync bar shows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SyncStatus {
    pub pending: i64,
    /// Pending events the service asked to send again later, with its reason.
    pub deferred: i64,
    /// Events the service refused, in all.
    pub rejected_count: i64,
    /// The first 100 of them, with the service's reasons (which may name a
    /// resident): for a logged-in staff member only.
    pub rejected: Vec<RejectedEvent>,
    pub last_success_at: Option<String>,
    pub last_attempt_at: Option<String>,
    pub last_error_code: Option<String>,
    pub last_error_message: Option<String>,
    /// Terminal clock minus service clock at the last sync.
    #[ts(type = "number | null")]
    pub skew_ms: Option<i64>,
    pub skew_warning: bool,
    /// First-sync progress: roster rows applied of the total in scope.
    #[ts(type = "number | null")]
    pub roster_total: Option<i64>,
    #[ts(type = "number")]
    pub roster_applied: i64,
}

pub fn status(conn: &Connection) -> Result<SyncStatus> {
    let pending: i64 = conn.query_row("SELECT count(*) FROM events WHERE sync_state = 'pending'", [], |r| r.get(0))?;
    let deferred: i64 = conn.query_row(
        "SELECT count(*) FROM events WHERE sync_state = 'pending' AND sync_error IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    let rejected = conn
        .prepare(
            "SELECT event_id, event_type, occurred_at, coalesce(sync_error, '') FROM events
             WHERE sync_state = 'rejected' ORDER BY seq LIMIT 100",
        )?
        .query_map([], |r| {
            Ok(RejectedEvent { event_id: r.get(0)?, event_type: r.get(1)?, occurred_at: r.get(2)?, error: r.get(3)? })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let rejected_count: i64 =
        conn.query_row("SELECT count(*) FROM events WHERE sync_state = 'rejected'", [], |r| r.get(0))?;
    let skew_ms = get(conn, "skew_ms")?.and_then(|s| s.parse::<i64>().ok());
    Ok(SyncStatus {
        pending,
        deferred,
        rejected_count,
        rejected,
        last_success_at: get(conn, "last_success_at")?,
        last_attempt_at: get(conn, "last_attempt_at")?,
        last_error_code: get(conn, "last_error_code")?,
        last_error_message: get(conn, "last_error_message")?,
        skew_ms,
        skew_warning: skew_ms.is_some_and(|s| s.abs() > SKEW_WARN_MS),
        roster_total: get(conn, "roster_total")?.and_then(|s| s.parse().ok()),
        roster_applied: get(conn, "roster_applied")?.and_then(|s| s.parse().ok()).unwrap_or(0),
    })
}
