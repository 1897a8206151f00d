//! Pull: everything in a terminal's scope that changed since its cursors.
//!
//! Scope: the sessions assigned to the terminal, their venues, all programmes and
//! staff, and the residents holding a voucher for the fiscal year of an assigned
//! session (the target persons of that year), with those vouchers and their
//! screening history. Never 個人番号. Plus events other terminals recorded at the
//! same sessions, and the decisions on this terminal's walk-ins.
//!
//! Each stream is read in `change_seq` order from its own cursor, all in one
//! read-only REPEATABLE READ snapshot. Writers hand out `change_seq` under one lock
//! (see [`crate::db::lock_changes`]), so a cursor never skips a row that commits late.
//!
//! The roster's first pass is the exception: a snapshot paged by `resident_id`
//! ([`RosterSnapshot`]), whose vouchers and history are index ranges instead of
//! lookups of every id in the page. Its first page records the newest roster
//! `change_seq` (the high-water mark); when it ends, the roster streams from there,
//! so a resident changed while the snapshot was paged comes again.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use deadpool_postgres::Pool;
use sha2::{Digest, Sha256};
use tokio_postgres::IsolationLevel;
use uketsuke_core::{CopayCategory, Programme, Resident, Session, Sex, Venue};
use uketsuke_protocol::*;

use crate::db;
use crate::error::{CentralError, Result};
use crate::routes::Terminal;

fn bad_row(what: &str) -> CentralError {
    CentralError::Internal(format!("stored row cannot be read: {what}"))
}

pub fn scope_fingerprint(session_ids: &[String]) -> String {
    let joined = session_ids.join("\n");
    base32(&Sha256::digest(joined.as_bytes()))[..16].to_owned()
}

pub async fn pull(
    pool: &Pool,
    identity: &crate::identity::Identity,
    terminal: &Terminal,
    req: PullRequest,
    now: DateTime<Utc>,
) -> Result<PullPage> {
    let limit = req.limit.clamp(1, MAX_PULL_LIMIT) as i64;
    let me = terminal.terminal_id;
    let mut client = pool.get().await?;
    let tx = client.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start().await?;
    // A pull is many small index ranges; parallel workers would only take cores
    // from the other terminals' pulls and pushes (a first sync's count used two).
    tx.batch_execute("SET LOCAL max_parallel_workers_per_gather = 0").await?;

    let session_rows = tx
        .query(
            "SELECT s.session_id, s.venue_id, s.date, s.start_time, s.end_time, s.programmes, s.fiscal_year, s.change_seq
             FROM sessions s JOIN terminal_sessions ts ON ts.session_id = s.session_id
             WHERE ts.terminal_id = $1 ORDER BY s.session_id",
            &[&me],
        )
        .await?;
    let session_ids: Vec<String> = session_rows.iter().map(|r| r.get(0)).collect();
    let mut fiscal_years: Vec<i32> = session_rows.iter().map(|r| r.get(6)).collect();
    fiscal_years.sort_unstable();
    fiscal_years.dedup();
    let venue_ids: Vec<String> = session_rows.iter().map(|r| r.get(1)).collect();
    let scope = scope_fingerprint(&session_ids);
    let mut cursors = if req.cursors.scope == scope { req.cursors } else { Cursors { scope, ..Cursors::default() } };

    // Catalog: small, sent whole when any part of it changed.
    let catalog_seq: i64 = tx
        .query_one(
            "SELECT greatest(
                 (SELECT coalesce(max(change_seq), 0) FROM programmes),
                 (SELECT coalesce(max(change_seq), 0) FROM staff),
                 (SELECT coalesce(max(change_seq), 0) FROM staff_authenticators),
                 (SELECT coalesce(max(change_seq), 0) FROM venues WHERE venue_id = ANY($1)),
                 (SELECT coalesce(max(change_seq), 0) FROM sessions WHERE session_id = ANY($2)))",
            &[&venue_ids, &session_ids],
        )
        .await?
        .get(0);
    let catalog = if catalog_seq > cursors.catalog {
        cursors.catalog = catalog_seq;
        Some(read_catalog(&tx, identity, &session_rows, &venue_ids).await?)
    } else {
        None
    };

    // Roster: a first sync pages a snapshot by resident id (its vouchers and history
    // are index ranges), then streams by change_seq from the snapshot's high-water
    // mark; a resident changed meanwhile comes again from the stream.
    let snapshotting = cursors.roster == 0 && !fiscal_years.is_empty();
    let roster_total = if snapshotting && cursors.roster_snapshot.is_none() {
        let n: i64 = tx
            .query_one(
                "SELECT count(*) FROM residents r WHERE EXISTS
                     (SELECT 1 FROM vouchers v WHERE v.resident_id = r.resident_id AND v.fiscal_year = ANY($1))",
                &[&fiscal_years],
            )
            .await?
            .get(0);
        Some(n)
    } else {
        None
    };
    let mut snapshot_done = false;
    let window = match fiscal_years.first() {
        Some(earliest) => Some(history_window(&tx, *earliest).await?),
        None => None,
    };
    let roster = match &window {
        None => Vec::new(),
        Some(window) if snapshotting => {
            let snapshot = match cursors.roster_snapshot.take() {
                Some(s) => s,
                None => RosterSnapshot {
                    after: String::new(),
                    high_water: tx.query_one("SELECT coalesce(max(change_seq), 0) FROM residents", &[]).await?.get(0),
                },
            };
            let page = read_roster_snapshot(&tx, &snapshot.after, &fiscal_years, window, limit).await?;
            match page.last() {
                Some((last, _)) if page.len() as i64 == limit => {
                    cursors.roster_snapshot = Some(RosterSnapshot {
                        after: last.resident.resident_id.clone(),
                        high_water: snapshot.high_water,
                    });
                }
                _ => {
                    cursors.roster = snapshot.high_water;
                    snapshot_done = true;
                }
            }
            page
        }
        Some(window) => {
            let page = read_roster(&tx, cursors.roster, &fiscal_years, window, limit).await?;
            if let Some((_, seq)) = page.last() {
                cursors.roster = *seq;
            }
            page
        }
    };
    let roster_len = roster.len() as i64;
    let roster: Vec<RosterEntry> = roster.into_iter().map(|(e, _)| e).collect();

    // Other terminals' events at these sessions.
    let mut events = Vec::new();
    for r in tx
        .query(
            "SELECT e.event_id, e.terminal_id, t.name, e.event_type, e.aggregate_id, e.payload, e.occurred_at, e.change_seq
             FROM events e JOIN terminals t ON t.terminal_id = e.terminal_id
             WHERE e.change_seq > $1 AND e.session_id = ANY($2) AND e.terminal_id <> $3
             ORDER BY e.change_seq LIMIT $4",
            &[&cursors.events, &session_ids, &me, &limit],
        )
        .await?
    {
        cursors.events = r.get(7);
        events.push(RemoteEvent {
            event_id: r.get(0),
            terminal_id: r.get(1),
            terminal_name: r.get(2),
            event_type: r.get(3),
            aggregate_id: r.get(4),
            payload: r.get(5),
            occurred_at: r.get(6),
        });
    }

    // Decisions on this terminal's walk-ins.
    let mut walk_ins = Vec::new();
    for r in tx
        .query(
            "SELECT provisional_id, status, matched_resident_id, decision_note, decided_at, change_seq
             FROM walk_ins WHERE terminal_id = $1 AND status <> 'pending' AND change_seq > $2
             ORDER BY change_seq LIMIT $3",
            &[&me, &cursors.walk_ins, &limit],
        )
        .await?
    {
        cursors.walk_ins = r.get(5);
        let status: String = r.get(1);
        let note: Option<String> = r.get(3);
        let decision = if status == "matched" {
            WalkInDecision::Matched { resident_id: r.get(2), note }
        } else {
            WalkInDecision::Rejected { note: note.unwrap_or_default() }
        };
        walk_ins.push(WalkInOutcome { provisional_id: r.get(0), decision, decided_at: r.get(4) });
    }

    // A finished snapshot: the changes made while it was paged come next.
    let more = roster_len == limit
        || (snapshot_done && cursors.roster > 0)
        || events.len() as i64 == limit
        || walk_ins.len() as i64 == limit;
    let service = db::service_info(&tx, now).await?;
    tx.commit().await?;
    Ok(PullPage {
        catalog,
        roster,
        events,
        walk_ins,
        cursors,
        more,
        roster_total,
        service,
        audit_escrow_recipient: None,
    })
}

async fn read_catalog(
    tx: &deadpool_postgres::Transaction<'_>,
    identity: &crate::identity::Identity,
    session_rows: &[tokio_postgres::Row],
    venue_ids: &[String],
) -> Result<Catalog> {
    let mut programmes = Vec::new();
    for r in tx
        .query(
            "SELECT code, name_ja, name_en, age_rule, sex, \"interval\", age_base, copay_yen, national
             FROM programmes ORDER BY code",
            &[],
        )
        .await?
    {
        let sex: Option<String> = r.get(4);
        let copay: i32 = r.get(7);
        programmes.push(Programme {
            code: r.get(0),
            name_ja: r.get(1),
            name_en: r.get(2),
            age_rule: serde_json::from_value(r.get(3)).map_err(|_| bad_row("programmes.age_rule"))?,
            sex: match sex {
                Some(s) => Some(Sex::from_code(&s).ok_or_else(|| bad_row("programmes.sex"))?),
                None => None,
            },
            interval: serde_json::from_value(r.get(5)).map_err(|_| bad_row("programmes.interval"))?,
            age_base: serde_json::from_value(r.get(6)).map_err(|_| bad_row("programmes.age_base"))?,
            copay_yen: copay as u32,
            national: r.get(8),
        });
    }
    let venues = tx
        .query("SELECT venue_id, name, address FROM venues WHERE venue_id = ANY($1) ORDER BY venue_id", &[&venue_ids])
        .await?
        .iter()
        .map(|r| Venue { venue_id: r.get(0), name: r.get(1), address: r.get(2) })
        .collect();
    let sessions = session_rows
        .iter()
        .map(|r| Session {
            session_id: r.get(0),
            venue_id: r.get(1),
            date: r.get(2),
            start_time: r.get(3),
            end_time: r.get(4),
            programmes: r.get(5),
        })
        .collect();
    // A service that accepts no model at all (none configured, not the demo city)
    // sends no credentials: nobody can log in with one anyway.
    let policy = identity.policy(tx).await.ok();
    let staff = crate::accounts::staff_accounts(tx, venue_ids, policy.as_ref()).await?;
    Ok(Catalog { programmes, venues, sessions, staff, rp_id: identity.rp.rp_id().to_owned() })
}

/// Which screening history a terminal needs: what the interval checks can see.
/// A programme every `n` fiscal years looks back `n - 1` years from the session's
/// year; a once-per-lifetime programme looks at every year. Older records stay
/// centrally (less personal data on the terminal, and a faster first pull).
struct HistoryWindow {
    from_fiscal_year: i32,
    once_codes: Vec<String>,
}

async fn history_window(tx: &deadpool_postgres::Transaction<'_>, earliest_session_fy: i32) -> Result<HistoryWindow> {
    let years: i32 = tx
        .query_one(
            "SELECT coalesce(max((\"interval\"->>'years')::int), 1) FROM programmes
             WHERE \"interval\"->>'kind' = 'fiscal_years'",
            &[],
        )
        .await?
        .get(0);
    let once_codes = tx
        .query("SELECT code FROM programmes WHERE \"interval\"->>'kind' = 'once'", &[])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    Ok(HistoryWindow { from_fiscal_year: earliest_session_fy - years + 1, once_codes })
}

async fn read_roster(
    tx: &deadpool_postgres::Transaction<'_>,
    after: i64,
    fiscal_years: &[i32],
    window: &HistoryWindow,
    limit: i64,
) -> Result<Vec<(RosterEntry, i64)>> {
    let rows = tx
        .query(
            &format!(
                "SELECT {RESIDENT_COLUMNS} FROM residents r
                 WHERE r.change_seq > $1
                   AND EXISTS (SELECT 1 FROM vouchers v WHERE v.resident_id = r.resident_id AND v.fiscal_year = ANY($2))
                 ORDER BY r.change_seq LIMIT $3"
            ),
            &[&after, &fiscal_years, &limit],
        )
        .await?;
    let ids: Vec<String> = rows.iter().map(|r| r.get(0)).collect();
    let vouchers = tx
        .query(
            "SELECT resident_id, voucher_no, fiscal_year FROM vouchers
             WHERE resident_id = ANY($1) AND fiscal_year = ANY($2) ORDER BY resident_id, voucher_no",
            &[&ids, &fiscal_years],
        )
        .await?;
    let history = tx
        .query(
            "SELECT resident_id, programme_code, fiscal_year FROM screening_history
             WHERE resident_id = ANY($1) AND (fiscal_year >= $2 OR programme_code = ANY($3))
             ORDER BY resident_id, programme_code, fiscal_year",
            &[&ids, &window.from_fiscal_year, &window.once_codes],
        )
        .await?;
    roster_entries(rows, vouchers, history)
}

/// A page of the first snapshot: residents after `after` in resident-id order, with
/// their vouchers and history read as ranges of the same ids. Every query reads in
/// index order: `v.resident_id > $1` starts the semi-join's voucher scan at the page
/// instead of the first voucher, and vouchers sorted by resident first need no sort
/// beyond each resident's few rows (by voucher number alone, a page spilled to disk).
async fn read_roster_snapshot(
    tx: &deadpool_postgres::Transaction<'_>,
    after: &str,
    fiscal_years: &[i32],
    window: &HistoryWindow,
    limit: i64,
) -> Result<Vec<(RosterEntry, i64)>> {
    let rows = tx
        .query(
            &format!(
                "SELECT {RESIDENT_COLUMNS} FROM residents r
                 WHERE r.resident_id > $1
                   AND EXISTS (SELECT 1 FROM vouchers v
                               WHERE v.resident_id = r.resident_id AND v.resident_id > $1 AND v.fiscal_year = ANY($2))
                 ORDER BY r.resident_id LIMIT $3"
            ),
            &[&after, &fiscal_years, &limit],
        )
        .await?;
    let Some(last) = rows.last().map(|r| r.get::<_, String>(0)) else {
        return Ok(Vec::new());
    };
    let vouchers = tx
        .query(
            "SELECT resident_id, voucher_no, fiscal_year FROM vouchers
             WHERE resident_id > $1 AND resident_id <= $2 AND fiscal_year = ANY($3)
             ORDER BY resident_id, voucher_no",
            &[&after, &last, &fiscal_years],
        )
        .await?;
    let history = tx
        .query(
            "SELECT resident_id, programme_code, fiscal_year FROM screening_history
             WHERE resident_id > $1 AND resident_id <= $2 AND (fiscal_year >= $3 OR programme_code = ANY($4))
             ORDER BY resident_id, programme_code, fiscal_year",
            &[&after, &last, &window.from_fiscal_year, &window.once_codes],
        )
        .await?;
    roster_entries(rows, vouchers, history)
}

/// A DV-protected resident's postal code, address and phone never leave the
/// service: a terminal never shows them, so it never receives them.
const RESIDENT_COLUMNS: &str = "r.resident_id, r.name_kanji, r.name_kana, r.sex, r.birth_date, \
     CASE WHEN r.dv_support THEN '' ELSE r.postal_code END, CASE WHEN r.dv_support THEN '' ELSE r.address END, \
     CASE WHEN r.dv_support THEN '' ELSE r.phone END, r.copay_category, r.dv_support, r.status, r.change_seq";

/// Residents (in `RESIDENT_COLUMNS` order) with their vouchers and history attached;
/// rows of residents not in `rows` are ignored.
fn roster_entries(
    rows: Vec<tokio_postgres::Row>,
    voucher_rows: Vec<tokio_postgres::Row>,
    history_rows: Vec<tokio_postgres::Row>,
) -> Result<Vec<(RosterEntry, i64)>> {
    let mut vouchers: HashMap<String, Vec<VoucherRow>> = HashMap::new();
    for r in voucher_rows {
        vouchers.entry(r.get(0)).or_default().push(VoucherRow { voucher_no: r.get(1), fiscal_year: r.get(2) });
    }
    let mut history: HashMap<String, Vec<(String, i32)>> = HashMap::new();
    for r in history_rows {
        history.entry(r.get(0)).or_default().push((r.get(1), r.get(2)));
    }
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id: String = r.get(0);
        let sex: String = r.get(3);
        let copay: String = r.get(8);
        let status: String = r.get(10);
        let birth_date: NaiveDate = r.get(4);
        let resident = Resident {
            resident_id: id.clone(),
            name_kanji: r.get(1),
            name_kana: r.get(2),
            sex: Sex::from_code(&sex).ok_or_else(|| bad_row("residents.sex"))?,
            birth_date,
            postal_code: r.get(5),
            address: r.get(6),
            phone: r.get(7),
            copay_category: CopayCategory::from_code(&copay).ok_or_else(|| bad_row("residents.copay_category"))?,
            dv_support: r.get(9),
            provisional: false,
        };
        out.push((
            RosterEntry {
                resident,
                active: status == "active",
                vouchers: vouchers.remove(&id).unwrap_or_default(),
                history: history.remove(&id).unwrap_or_default(),
            },
            r.get(11),
        ));
    }
    Ok(out)
}
