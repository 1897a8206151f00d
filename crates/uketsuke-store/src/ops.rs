//! `Store`'s operations: the API layer (window and CLI) calls only these. Reads of
//! personal data append an access-log entry; writes go through [`crate::reception`].

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, TransactionBehavior};
use uketsuke_core::{wareki, Programme, Resident, ScreeningRecord, Session, Staff, Venue, Voucher};

use crate::audit::{self, ops, REASON_RECEPTION};
use crate::error::Result;
use crate::reception::{self, CheckInRequest, CorrectionRequest, WalkInRequest};
use crate::views::*;
use crate::{business_date, catalog, events, residents, Actor, Store};

/// At most this many rows in a kana search result.
pub const SEARCH_LIMIT: u32 = 50;

/// Reference data for one load (demo seeding now, a sync page later).
#[derive(Debug, Default, Clone)]
pub struct CatalogLoad {
    pub staff: Vec<Staff>,
    pub programmes: Vec<Programme>,
    pub venues: Vec<Venue>,
    pub sessions: Vec<Session>,
}

/// Append an access-log entry for reception work by `actor`.
fn log(
    conn: &Connection,
    terminal_id: &str,
    actor: &Actor,
    now: DateTime<Utc>,
    resident_id: Option<&str>,
    operation: &str,
    detail: &str,
) -> Result<()> {
    audit::append(conn, actor, terminal_id, now, REASON_RECEPTION, resident_id, operation, detail)
}

// The operations below are free functions over a connection so that the benchmark
// (crates/uketsuke-bench) runs exactly this code on a plain SQLite file as well;
// `Store` calls them on its verified SQLCipher connection.

/// Load reference data atomically.
pub fn load_catalog(conn: &mut Connection, load: &CatalogLoad) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for s in &load.staff {
        catalog::upsert_staff(&tx, s)?;
    }
    for p in &load.programmes {
        catalog::upsert_programme(&tx, p)?;
    }
    for v in &load.venues {
        catalog::upsert_venue(&tx, v)?;
    }
    for s in &load.sessions {
        catalog::upsert_session(&tx, s)?;
    }
    tx.commit()?;
    Ok(())
}

/// Load residents with their vouchers and history, in batches of one transaction each.
pub fn load_residents<I>(conn: &mut Connection, items: I, batch: usize) -> Result<usize>
where
    I: IntoIterator<Item = (Resident, Vec<Voucher>, Vec<ScreeningRecord>)>,
{
    let mut n = 0;
    let mut it = items.into_iter().peekable();
    while it.peek().is_some() {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (r, vs, hs) in it.by_ref().take(batch.max(1)) {
            residents::upsert_resident(&tx, &r)?;
            for v in &vs {
                residents::upsert_voucher(&tx, v)?;
            }
            for h in &hs {
                residents::insert_history(&tx, h)?;
            }
            n += 1;
        }
        tx.commit()?;
    }
    Ok(n)
}

/// Voucher lookup as the window does it: find, log (hit or miss), summarise.
pub fn find_by_voucher(
    conn: &Connection,
    terminal_id: &str,
    actor: &Actor,
    now: DateTime<Utc>,
    input: &str,
) -> Result<ResidentSummary> {
    let found = residents::find_by_voucher(conn, input);
    let (id, detail) = match &found {
        Ok(r) => (Some(r.resident_id.as_str()), "hit".to_owned()),
        Err(e) => (None, format!("miss:{}", e.code())),
    };
    log(conn, terminal_id, actor, now, id, ops::SEARCH_VOUCHER, &detail)?;
    let r = found?;
    Ok(residents::summaries(conn, std::slice::from_ref(&r), business_date(now))?.remove(0))
}

/// Kana prefix search as the window does it; `birth_date` in any accepted form
/// (ISO, 和暦, S30.4.1, 3300401). Logs the hits.
pub fn search_kana(
    conn: &Connection,
    terminal_id: &str,
    actor: &Actor,
    now: DateTime<Utc>,
    kana: &str,
    birth_date: Option<&str>,
) -> Result<Vec<ResidentSummary>> {
    let birth = match birth_date.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(wareki::parse_date(s)?),
        None => None,
    };
    let hits = residents::search_kana_summaries(conn, kana, birth, SEARCH_LIMIT, business_date(now))?;
    let ids: Vec<&str> = hits.iter().map(|r| r.resident_id.as_str()).collect();
    log(conn, terminal_id, actor, now, None, ops::SEARCH_KANA, &format!("hits={} ids={}", hits.len(), ids.join(",")))?;
    Ok(hits)
}

impl Store {
    fn log(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
        resident_id: Option<&str>,
        operation: &str,
        detail: &str,
    ) -> Result<()> {
        log(&self.conn, &self.terminal_id, actor, now, resident_id, operation, detail)
    }

    /// Load reference data atomically.
    pub fn load_catalog(&mut self, load: &CatalogLoad) -> Result<()> {
        load_catalog(&mut self.conn, load)
    }

    /// Load residents with their vouchers and history, in batches of one transaction each.
    pub fn load_residents<I>(&mut self, items: I, batch: usize) -> Result<usize>
    where
        I: IntoIterator<Item = (Resident, Vec<Voucher>, Vec<ScreeningRecord>)>,
    {
        load_residents(&mut self.conn, items, batch)
    }

    pub fn staff(&self) -> Result<Vec<StaffView>> {
        catalog::list_staff(&self.conn)
    }

    /// The staff member as the actor of what follows, logged as such.
    pub fn select_staff(&self, staff_id: &str, now: DateTime<Utc>) -> Result<(Actor, StaffView)> {
        let (actor, view) = catalog::staff_actor(&self.conn, staff_id)?;
        self.log(&actor, now, None, ops::STAFF_SELECTED, "")?;
        Ok((actor, view))
    }

    pub fn sessions(&self, from: NaiveDate, to: NaiveDate) -> Result<Vec<SessionView>> {
        catalog::list_sessions(&self.conn, from, to)
    }

    pub fn find_by_voucher(&self, actor: &Actor, now: DateTime<Utc>, input: &str) -> Result<ResidentSummary> {
        find_by_voucher(&self.conn, &self.terminal_id, actor, now, input)
    }

    /// Kana prefix search; `birth_date` in any accepted form (ISO, 和暦, S30.4.1, 3300401).
    pub fn search_kana(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
        kana: &str,
        birth_date: Option<&str>,
    ) -> Result<Vec<ResidentSummary>> {
        search_kana(&self.conn, &self.terminal_id, actor, now, kana, birth_date)
    }

    pub fn resident_card(
        &self,
        actor: &Actor,
        now: DateTime<Utc>,
        resident_id: &str,
        session_id: &str,
    ) -> Result<ResidentCard> {
        let card = residents::card(&self.conn, resident_id, session_id, business_date(now))?;
        self.log(actor, now, Some(resident_id), ops::VIEW, &format!("session={session_id}"))?;
        Ok(card)
    }

    pub fn check_in(&mut self, actor: &Actor, now: DateTime<Utc>, req: &CheckInRequest) -> Result<VisitView> {
        reception::check_in(&mut self.conn, actor, &self.terminal_id, now, req)
    }

    pub fn correct(&mut self, actor: &Actor, now: DateTime<Utc>, req: &CorrectionRequest) -> Result<VisitView> {
        reception::correct(&mut self.conn, actor, &self.terminal_id, now, req)
    }

    pub fn cancel(&mut self, actor: &Actor, now: DateTime<Utc>, visit_id: &str, reason: &str) -> Result<VisitView> {
        reception::cancel(&mut self.conn, actor, &self.terminal_id, now, visit_id, reason)
    }

    pub fn register_walk_in(
        &mut self,
        actor: &Actor,
        now: DateTime<Utc>,
        req: &WalkInRequest,
    ) -> Result<ResidentSummary> {
        let r = reception::register_walk_in(&mut self.conn, actor, &self.terminal_id, now, business_date(now), req)?;
        Ok(residents::summarize(&r, None, business_date(now)))
    }

    pub fn visits(&self, actor: &Actor, now: DateTime<Utc>, session_id: &str) -> Result<Vec<VisitView>> {
        if !catalog::session_exists(&self.conn, session_id)? {
            return Err(crate::StoreError::SessionNotFound(session_id.to_owned()));
        }
        let visits = reception::list_visits(&self.conn, session_id)?;
        self.log(actor, now, None, ops::LIST_ATTENDEES, &format!("session={session_id} rows={}", visits.len()))?;
        Ok(visits)
    }

    pub fn counts(&self, session_id: &str) -> Result<SessionCounts> {
        if !catalog::session_exists(&self.conn, session_id)? {
            return Err(crate::StoreError::SessionNotFound(session_id.to_owned()));
        }
        reception::counts(&self.conn, session_id)
    }

    pub fn pending_events(&self) -> Result<i64> {
        events::pending_count(&self.conn)
    }

    pub fn access_log(&self, resident_id: Option<&str>, limit: u32) -> Result<Vec<AccessLogEntry>> {
        audit::list(&self.conn, resident_id, limit)
    }
}
