//! The append-only event log, which is also the outbox the sync issue drains.

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use serde::Serialize;

use crate::error::Result;
use crate::Actor;

/// Event type names (defined with the payloads in `uketsuke_core::events`).
pub use uketsuke_core::events::types;

/// Append one event; returns its UUIDv7 id. Call inside the write's transaction.
pub fn append<P: Serialize>(
    conn: &Connection,
    actor: &Actor,
    terminal_id: &str,
    now: DateTime<Utc>,
    event_type: &str,
    aggregate_id: &str,
    payload: &P,
) -> Result<String> {
    let event_id = uuid::Uuid::now_v7().to_string();
    let json = serde_json::to_string(payload).expect("event payload serialises");
    conn.prepare_cached(
        "INSERT INTO events (event_id, event_type, aggregate_id, payload, occurred_at, staff_id, terminal_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![event_id, event_type, aggregate_id, json, now.to_rfc3339(), actor.staff_id, terminal_id])?;
    Ok(event_id)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub seq: i64,
    pub event_id: String,
    pub event_type: String,
    pub aggregate_id: String,
    pub payload: serde_json::Value,
    pub staff_id: String,
    pub sync_state: String,
}

/// Events in terminal order (for tests, the CLI and the sync issue).
pub fn list(conn: &Connection) -> Result<Vec<StoredEvent>> {
    let mut stmt = conn.prepare(
        "SELECT seq, event_id, event_type, aggregate_id, payload, staff_id, sync_state FROM events ORDER BY seq",
    )?;
    let rows = stmt.query_map([], |r| {
        let payload: String = r.get(4)?;
        Ok(StoredEvent {
            seq: r.get(0)?,
            event_id: r.get(1)?,
            event_type: r.get(2)?,
            aggregate_id: r.get(3)?,
            payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
            staff_id: r.get(5)?,
            sync_state: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub fn pending_count(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT count(*) FROM events WHERE sync_state = 'pending'", [], |r| r.get(0))?)
}
