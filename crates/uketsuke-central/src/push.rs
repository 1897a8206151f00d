//! Ingest of pushed events: exactly once, in the terminal's order, one outcome per event.
//!
//! A batch runs in one transaction holding the change lock ([`db::lock_changes`]).
//! What it needs is read up front with a handful of `= ANY($1)` queries, each event
//! is decided in memory in terminal order, and the results are written with one
//! `UNNEST` insert per table, so a batch of 1000 costs a few round trips.
//!
//! - `event_id` is the primary key: the same id with the same content is
//!   `duplicate` (a retry), with other content `EVENT_ID_REUSED`.
//! - A correction or cancellation whose check-in has not arrived yet (batches
//!   delivered out of order) is `deferred`, not stored: the terminal sends it again.
//! - A check-in of a resident who already has an active visit at the same session
//!   from another terminal is stored and flagged for review (`review_flags`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use deadpool_postgres::Pool;
use sha2::{Digest, Sha256};
use uketsuke_core::events::{types, Cancelled, CheckedIn, Corrected, WalkInRegistered};
use uketsuke_protocol::{codes, EventOutcome, PushEvent, PushRequest, PushResponse, PushResult, MAX_PUSH_BATCH};
use uuid::Uuid;

use crate::db;
use crate::error::{CentralError, Result};
use crate::routes::Terminal;

#[derive(Debug, Clone)]
struct VisitRow {
    visit_id: Uuid,
    session_id: String,
    resident_id: String,
    terminal_id: Uuid,
    reception_no: i64,
    state: String,
    content: serde_json::Value,
    checked_in_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    last_event_seq: i64,
}

/// The content digest that tells a retry from a reused id.
fn digest(e: &PushEvent) -> String {
    let canonical = serde_json::json!([e.seq, e.event_type, e.aggregate_id, e.payload, e.occurred_at, e.staff_id]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

fn rejected(code: &str, reason: impl Into<String>) -> EventOutcome {
    EventOutcome::Rejected { code: code.into(), reason: reason.into() }
}

fn deferred(reason: impl Into<String>) -> EventOutcome {
    EventOutcome::Deferred { code: codes::DEPENDS_ON_MISSING_EVENT.into(), reason: reason.into() }
}

fn parse<T: serde::de::DeserializeOwned>(e: &PushEvent) -> std::result::Result<T, EventOutcome> {
    serde_json::from_value(e.payload.clone())
        .map_err(|err| rejected(codes::EVENT_PAYLOAD_INVALID, format!("{}: {err}", e.event_type)))
}

fn parse_visit_id(s: &str) -> std::result::Result<Uuid, EventOutcome> {
    Uuid::parse_str(s).map_err(|_| rejected(codes::EVENT_PAYLOAD_INVALID, "visit_id is not a UUID"))
}

/// Rows to write once every event of the batch is decided.
#[derive(Default)]
struct Writes {
    events: Vec<(usize, Option<String>)>, // index into the batch, session id
    visits: HashMap<Uuid, VisitRow>,
    new_check_ins: Vec<(String, String)>,
    walk_ins: Vec<(String, Uuid, serde_json::Value)>,
    rejections: Vec<(Uuid, String, String)>,
}

pub async fn push(pool: &Pool, terminal: &Terminal, req: PushRequest, now: DateTime<Utc>) -> Result<PushResponse> {
    if req.events.len() > MAX_PUSH_BATCH {
        return Err(CentralError::BatchTooLarge { max: MAX_PUSH_BATCH });
    }
    let me = terminal.terminal_id;
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    db::lock_changes(&tx).await?;

    let ids: Vec<Uuid> = req.events.iter().map(|e| e.event_id).collect();
    let seqs: Vec<i64> = req.events.iter().map(|e| e.seq).collect();
    let mut existing: HashMap<Uuid, (Uuid, String)> = HashMap::new();
    for r in
        tx.query("SELECT event_id, terminal_id, payload_sha256 FROM events WHERE event_id = ANY($1)", &[&ids]).await?
    {
        existing.insert(r.get(0), (r.get(1), r.get(2)));
    }
    let mut seq_owner: HashMap<i64, Uuid> = HashMap::new();
    for r in tx
        .query(
            "SELECT terminal_seq, event_id FROM events WHERE terminal_id = $1 AND stream_id = $2 AND terminal_seq = ANY($3)",
            &[&me, &req.stream_id, &seqs],
        )
        .await?
    {
        seq_owner.insert(r.get(0), r.get(1));
    }
    let assigned: HashSet<String> = tx
        .query("SELECT session_id FROM terminal_sessions WHERE terminal_id = $1", &[&me])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();

    // Residents and visits the batch refers to.
    let mut resident_ids = Vec::new();
    let mut visit_ids = Vec::new();
    for e in &req.events {
        match e.event_type.as_str() {
            types::CHECKED_IN => {
                if let Ok(c) = serde_json::from_value::<CheckedIn>(e.payload.clone()) {
                    resident_ids.push(c.resident_id);
                    visit_ids.extend(Uuid::parse_str(&c.visit_id).ok());
                }
            }
            types::CORRECTED | types::CANCELLED => {
                if let Some(v) =
                    e.payload.get("visit_id").and_then(|v| v.as_str()).and_then(|v| Uuid::parse_str(v).ok())
                {
                    visit_ids.push(v);
                }
            }
            _ => {}
        }
    }
    let mut known_residents: HashSet<String> = tx
        .query("SELECT resident_id FROM residents WHERE resident_id = ANY($1)", &[&resident_ids])
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for r in tx
        .query(
            "SELECT provisional_id FROM walk_ins WHERE terminal_id = $1 AND provisional_id = ANY($2)",
            &[&me, &resident_ids],
        )
        .await?
    {
        known_residents.insert(r.get(0));
    }
    let mut w = Writes::default();
    for r in tx
        .query(
            "SELECT visit_id, session_id, resident_id, terminal_id, reception_no, state, content, checked_in_at,
                    updated_at, last_event_seq
             FROM visits WHERE visit_id = ANY($1)",
            &[&visit_ids],
        )
        .await?
    {
        let v = VisitRow {
            visit_id: r.get(0),
            session_id: r.get(1),
            resident_id: r.get(2),
            terminal_id: r.get(3),
            reception_no: r.get(4),
            state: r.get(5),
            content: r.get(6),
            checked_in_at: r.get(7),
            updated_at: r.get(8),
            last_event_seq: r.get(9),
        };
        w.visits.insert(v.visit_id, v);
    }
    let mut dirty: HashSet<Uuid> = HashSet::new();
    let mut batch_ids: HashMap<Uuid, String> = HashMap::new();
    let mut batch_seqs: HashSet<i64> = HashSet::new();

    let mut results = Vec::with_capacity(req.events.len());
    for (i, e) in req.events.iter().enumerate() {
        let sha = digest(e);
        let outcome = if let Some((owner, prior)) =
            existing.get(&e.event_id).cloned().or_else(|| batch_ids.get(&e.event_id).map(|s| (me, s.clone())))
        {
            if owner == me && prior == sha {
                EventOutcome::Duplicate
            } else {
                rejected(codes::EVENT_ID_REUSED, "this event id is already used for other content")
            }
        } else if seq_owner.get(&e.seq).is_some_and(|id| *id != e.event_id) || batch_seqs.contains(&e.seq) {
            rejected(
                codes::EVENT_SEQ_REUSED,
                format!("sequence {} of this terminal already holds another event", e.seq),
            )
        } else {
            match decide(e, me, now, &assigned, &known_residents, &mut w) {
                Ok(session) => {
                    if let Some(v) = w.visits.get(&visit_of(e)) {
                        dirty.insert(v.visit_id);
                    }
                    if e.event_type == types::WALK_IN_REGISTERED {
                        known_residents.insert(e.aggregate_id.clone());
                    }
                    w.events.push((i, session));
                    batch_ids.insert(e.event_id, sha);
                    batch_seqs.insert(e.seq);
                    EventOutcome::Accepted
                }
                Err(outcome) => outcome,
            }
        };
        if let EventOutcome::Rejected { code, reason } = &outcome {
            w.rejections.push((e.event_id, code.clone(), reason.clone()));
        }
        results.push(PushResult { event_id: e.event_id, outcome });
    }

    write(&tx, me, &req, &w, &dirty, now, terminal.skew_ms).await?;
    let service = db::service_info(&tx, now).await?;
    tx.commit().await?;
    let accepted = results.iter().filter(|r| r.outcome == EventOutcome::Accepted).count();
    tracing::info!(terminal = %me, events = req.events.len(), accepted, "push");
    Ok(PushResponse { results, service })
}

fn visit_of(e: &PushEvent) -> Uuid {
    e.payload.get("visit_id").and_then(|v| v.as_str()).and_then(|v| Uuid::parse_str(v).ok()).unwrap_or_default()
}

/// Decide one event against what the service holds plus the batch so far.
/// `Ok(session_id)` means accepted; the visit projection in `w` is updated.
fn decide(
    e: &PushEvent,
    me: Uuid,
    now: DateTime<Utc>,
    assigned: &HashSet<String>,
    known_residents: &HashSet<String>,
    w: &mut Writes,
) -> std::result::Result<Option<String>, EventOutcome> {
    match e.event_type.as_str() {
        types::CHECKED_IN => {
            let c: CheckedIn = parse(e)?;
            let visit_id = parse_visit_id(&c.visit_id)?;
            if !assigned.contains(&c.session_id) {
                return Err(rejected(
                    codes::SESSION_NOT_ASSIGNED,
                    format!("session {} is not assigned to this terminal", c.session_id),
                ));
            }
            if !known_residents.contains(&c.resident_id) {
                return Err(if c.resident_id.starts_with("P-") {
                    deferred(format!("walk-in {} has not arrived yet", c.resident_id))
                } else {
                    rejected(codes::RESIDENT_UNKNOWN, format!("resident {} is not in the roster", c.resident_id))
                });
            }
            if w.visits.contains_key(&visit_id) {
                return Err(rejected(codes::EVENT_PAYLOAD_INVALID, "this visit was already checked in"));
            }
            let content =
                serde_json::to_value(&c.state).map_err(|_| rejected(codes::EVENT_PAYLOAD_INVALID, "state"))?;
            w.visits.insert(
                visit_id,
                VisitRow {
                    visit_id,
                    session_id: c.session_id.clone(),
                    resident_id: c.resident_id.clone(),
                    terminal_id: me,
                    reception_no: c.reception_no,
                    state: "active".into(),
                    content,
                    checked_in_at: e.occurred_at,
                    updated_at: now,
                    last_event_seq: e.seq,
                },
            );
            w.new_check_ins.push((c.session_id.clone(), c.resident_id));
            Ok(Some(c.session_id))
        }
        types::CORRECTED | types::CANCELLED => {
            let (visit_id, correction) = if e.event_type == types::CORRECTED {
                let c: Corrected = parse(e)?;
                (parse_visit_id(&c.visit_id)?, Some(c))
            } else {
                let c: Cancelled = parse(e)?;
                (parse_visit_id(&c.visit_id)?, None)
            };
            let Some(v) = w.visits.get_mut(&visit_id) else {
                return Err(deferred(format!("the check-in of visit {visit_id} has not arrived yet")));
            };
            if v.terminal_id != me {
                return Err(rejected(codes::VISIT_UNKNOWN, "this visit was recorded by another terminal"));
            }
            match correction {
                Some(c) => {
                    // A correction delivered after a later event does not roll the visit back.
                    if e.seq > v.last_event_seq {
                        v.content = serde_json::to_value(&c.state)
                            .map_err(|_| rejected(codes::EVENT_PAYLOAD_INVALID, "state"))?;
                        v.last_event_seq = e.seq;
                    }
                }
                None => {
                    v.state = "cancelled".into();
                    v.last_event_seq = v.last_event_seq.max(e.seq);
                }
            }
            v.updated_at = now;
            Ok(Some(v.session_id.clone()))
        }
        types::WALK_IN_REGISTERED => {
            let p: WalkInRegistered = parse(e)?;
            if !p.resident.resident_id.starts_with("P-")
                || !p.resident.provisional
                || p.resident.resident_id != e.aggregate_id
            {
                return Err(rejected(codes::EVENT_PAYLOAD_INVALID, "a walk-in must be a provisional P- person"));
            }
            let person =
                serde_json::to_value(&p.resident).map_err(|_| rejected(codes::EVENT_PAYLOAD_INVALID, "resident"))?;
            w.walk_ins.push((p.resident.resident_id, e.event_id, person));
            Ok(None)
        }
        other => Err(rejected(codes::EVENT_TYPE_UNKNOWN, format!("unknown event type {other}"))),
    }
}

async fn write(
    tx: &deadpool_postgres::Transaction<'_>,
    me: Uuid,
    req: &PushRequest,
    w: &Writes,
    dirty: &HashSet<Uuid>,
    now: DateTime<Utc>,
    skew_ms: Option<i64>,
) -> Result<()> {
    if !w.events.is_empty() {
        let evs: Vec<&PushEvent> = w.events.iter().map(|(i, _)| &req.events[*i]).collect();
        let ids: Vec<Uuid> = evs.iter().map(|e| e.event_id).collect();
        let seqs: Vec<i64> = evs.iter().map(|e| e.seq).collect();
        let types: Vec<&str> = evs.iter().map(|e| e.event_type.as_str()).collect();
        let aggs: Vec<&str> = evs.iter().map(|e| e.aggregate_id.as_str()).collect();
        let payloads: Vec<&serde_json::Value> = evs.iter().map(|e| &e.payload).collect();
        let shas: Vec<String> = evs.iter().map(|e| digest(e)).collect();
        let staff: Vec<&str> = evs.iter().map(|e| e.staff_id.as_str()).collect();
        let sessions: Vec<Option<&str>> = w.events.iter().map(|(_, s)| s.as_deref()).collect();
        let occurred: Vec<DateTime<Utc>> = evs.iter().map(|e| e.occurred_at).collect();
        tx.execute(
            "INSERT INTO events (event_id, terminal_id, stream_id, terminal_seq, event_type, aggregate_id, payload,
                                 payload_sha256, staff_id, session_id, occurred_at, received_at, skew_ms)
             SELECT u.id, $1, $2, u.seq, u.ty, u.agg, u.payload, u.sha, u.staff, u.session, u.occurred, $3, $4
             FROM unnest($5::uuid[], $6::bigint[], $7::text[], $8::text[], $9::jsonb[], $10::text[], $11::text[],
                         $12::text[], $13::timestamptz[])
                  WITH ORDINALITY AS u(id, seq, ty, agg, payload, sha, staff, session, occurred, n)
             ORDER BY u.n",
            &[
                &me,
                &req.stream_id,
                &now,
                &skew_ms,
                &ids,
                &seqs,
                &types,
                &aggs,
                &payloads,
                &shas,
                &staff,
                &sessions,
                &occurred,
            ],
        )
        .await?;
    }
    let visits: Vec<&VisitRow> = dirty.iter().filter_map(|id| w.visits.get(id)).collect();
    if !visits.is_empty() {
        let ids: Vec<Uuid> = visits.iter().map(|v| v.visit_id).collect();
        let sessions: Vec<&str> = visits.iter().map(|v| v.session_id.as_str()).collect();
        let residents: Vec<&str> = visits.iter().map(|v| v.resident_id.as_str()).collect();
        let terminals: Vec<Uuid> = visits.iter().map(|v| v.terminal_id).collect();
        let nos: Vec<i64> = visits.iter().map(|v| v.reception_no).collect();
        let states: Vec<&str> = visits.iter().map(|v| v.state.as_str()).collect();
        let contents: Vec<&serde_json::Value> = visits.iter().map(|v| &v.content).collect();
        let checked: Vec<DateTime<Utc>> = visits.iter().map(|v| v.checked_in_at).collect();
        let updated: Vec<DateTime<Utc>> = visits.iter().map(|v| v.updated_at).collect();
        let last: Vec<i64> = visits.iter().map(|v| v.last_event_seq).collect();
        tx.execute(
            "INSERT INTO visits (visit_id, session_id, resident_id, terminal_id, reception_no, state, content,
                                 checked_in_at, updated_at, last_event_seq)
             SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::bigint[], $6::text[],
                                  $7::jsonb[], $8::timestamptz[], $9::timestamptz[], $10::bigint[])
             ON CONFLICT (visit_id) DO UPDATE SET state = EXCLUDED.state, content = EXCLUDED.content,
                 updated_at = EXCLUDED.updated_at, last_event_seq = EXCLUDED.last_event_seq",
            &[&ids, &sessions, &residents, &terminals, &nos, &states, &contents, &checked, &updated, &last],
        )
        .await?;
    }
    if !w.walk_ins.is_empty() {
        let pids: Vec<&str> = w.walk_ins.iter().map(|x| x.0.as_str()).collect();
        let evs: Vec<Uuid> = w.walk_ins.iter().map(|x| x.1).collect();
        let people: Vec<&serde_json::Value> = w.walk_ins.iter().map(|x| &x.2).collect();
        tx.execute(
            "INSERT INTO walk_ins (provisional_id, terminal_id, event_id, person)
             SELECT u.p, $1, u.e, u.person FROM unnest($2::text[], $3::uuid[], $4::jsonb[]) AS u(p, e, person)
             ON CONFLICT (provisional_id) DO NOTHING",
            &[&me, &pids, &evs, &people],
        )
        .await?;
    }
    if !w.new_check_ins.is_empty() {
        let s: Vec<&str> = w.new_check_ins.iter().map(|x| x.0.as_str()).collect();
        let r: Vec<&str> = w.new_check_ins.iter().map(|x| x.1.as_str()).collect();
        tx.execute(
            "INSERT INTO review_flags (kind, session_id, resident_id, visit_ids, created_at)
             SELECT 'duplicate_check_in', v.session_id, v.resident_id, array_agg(v.visit_id ORDER BY v.visit_id), $3
             FROM visits v JOIN (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS k(s, r)
                  ON v.session_id = k.s AND v.resident_id = k.r
             WHERE v.state = 'active'
             GROUP BY v.session_id, v.resident_id
             HAVING count(DISTINCT v.terminal_id) > 1
             ON CONFLICT (kind, session_id, resident_id) DO UPDATE SET visit_ids = EXCLUDED.visit_ids",
            &[&s, &r, &now],
        )
        .await?;
    }
    if !w.rejections.is_empty() {
        let ids: Vec<Uuid> = w.rejections.iter().map(|x| x.0).collect();
        let cs: Vec<&str> = w.rejections.iter().map(|x| x.1.as_str()).collect();
        let rs: Vec<&str> = w.rejections.iter().map(|x| x.2.as_str()).collect();
        tx.execute(
            "INSERT INTO event_rejections (event_id, terminal_id, code, reason, received_at)
             SELECT u.id, $1, u.c, u.r, $2 FROM unnest($3::uuid[], $4::text[], $5::text[]) AS u(id, c, r)
             ON CONFLICT DO NOTHING",
            &[&me, &now, &ids, &cs, &rs],
        )
        .await?;
    }
    Ok(())
}
