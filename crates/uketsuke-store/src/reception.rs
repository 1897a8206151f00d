//! Reception writes. Each runs in one transaction that (1) validates against the
//! current state, (2) appends an immutable event to the outbox, (3) updates the
//! projection (`visits`, `visit_screenings`) from that event, (4) appends an
//! access-log entry. Corrections and cancellations are new events; the projection
//! can always be rebuilt from the events ([`rebuild_projection`]).

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
pub use uketsuke_core::events::{
    Cancelled, CheckedIn, CopayInput, Corrected, ScreeningInput, VisitContent, WalkInRegistered,
};
use uketsuke_core::{age, eligibility, kana, CopayCategory, IdentityMethod, Resident, ScreeningStatus, Sex};

use crate::audit::{self, ops, REASON_RECEPTION};
use crate::catalog;
use crate::error::{Result, StoreError};
use crate::events::{self, types};
use crate::residents;
use crate::views::{ProgrammeCount, SessionCounts, VisitScreening, VisitState, VisitView};
use crate::Actor;

const MAX_REASON: usize = 200;
const MAX_COPAY_YEN: u32 = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CheckInRequest {
    pub session_id: String,
    pub resident_id: String,
    pub identity_method: IdentityMethod,
    pub copay: CopayInput,
    pub screenings: Vec<ScreeningInput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CorrectionRequest {
    pub visit_id: String,
    pub identity_method: IdentityMethod,
    pub copay: CopayInput,
    pub screenings: Vec<ScreeningInput>,
    /// 訂正理由
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WalkInRequest {
    pub name_kanji: String,
    pub name_kana: String,
    pub sex: Sex,
    /// Any accepted form (ISO or 和暦); parsed in Rust.
    pub birth_date: String,
    pub postal_code: String,
    pub address: String,
    pub phone: String,
}

fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_ref().map(|x| x.trim().to_owned()).filter(|x| !x.is_empty())
}

/// A reason staff must give (訂正理由, 取消理由): trimmed, not empty, not too long.
fn required_reason(reason: &str) -> Result<&str> {
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(StoreError::ReasonRequired);
    }
    check_len("reason", reason, MAX_REASON)?;
    Ok(reason)
}

fn check_len(field: &'static str, s: &str, max: usize) -> Result<()> {
    if s.chars().count() > max {
        return Err(StoreError::FieldTooLong { field, max });
    }
    Ok(())
}

/// Validate and canonicalise screenings, copay and overrides against the rules.
fn validate_state(
    conn: &Connection,
    session_id: &str,
    resident: &Resident,
    identity_method: IdentityMethod,
    copay: &CopayInput,
    screenings: &[ScreeningInput],
) -> Result<VisitContent> {
    if screenings.is_empty() {
        return Err(StoreError::NoScreeningChosen);
    }
    let offered = catalog::session_programmes(conn, session_id)?;
    let date = catalog::session_date(conn, session_id)?;
    let history = residents::history_for(conn, &resident.resident_id)?;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(screenings.len());
    for s in screenings {
        if !seen.insert(s.programme_code.clone()) {
            return Err(StoreError::DuplicateScreening(s.programme_code.clone()));
        }
        let programme = offered.iter().find(|p| p.code == s.programme_code).ok_or_else(|| {
            StoreError::ProgrammeNotOffered { programme: s.programme_code.clone(), session: session_id.to_owned() }
        })?;
        let stop_reason = trimmed(&s.stop_reason);
        let override_reason = trimmed(&s.override_reason);
        if s.status == ScreeningStatus::Stopped && stop_reason.is_none() {
            return Err(StoreError::StopReasonRequired(s.programme_code.clone()));
        }
        let elig = eligibility::check(resident, programme, date, &history);
        if !elig.is_eligible() && override_reason.is_none() {
            return Err(StoreError::OverrideReasonRequired(s.programme_code.clone()));
        }
        for r in [&stop_reason, &override_reason].into_iter().flatten() {
            check_len("reason", r, MAX_REASON)?;
        }
        out.push(ScreeningInput {
            programme_code: s.programme_code.clone(),
            status: s.status,
            stop_reason: if s.status == ScreeningStatus::Stopped { stop_reason } else { None },
            // Only a warned screening carries an override reason.
            override_reason: if elig.is_eligible() { None } else { override_reason },
        });
    }
    out.sort_by(|a, b| a.programme_code.cmp(&b.programme_code));

    let proof = copay.proof.trim().to_owned();
    check_len("copay_proof", &proof, 100)?;
    if copay.amount_yen > MAX_COPAY_YEN {
        return Err(StoreError::CopayOutOfRange(copay.amount_yen as i64));
    }
    if copay.category.is_exempt() {
        if resident.provisional {
            return Err(StoreError::ProvisionalExemptionNotAllowed);
        }
        if proof.is_empty() {
            return Err(StoreError::ExemptionProofRequired);
        }
        if copay.amount_yen != 0 {
            return Err(StoreError::ExemptCopayMustBeZero);
        }
    }
    Ok(VisitContent {
        identity_method,
        copay: CopayInput { category: copay.category, proof, amount_yen: copay.amount_yen },
        screenings: out,
    })
}

fn write_state(conn: &Connection, visit_id: &str, state: &VisitContent) -> Result<()> {
    conn.prepare_cached("DELETE FROM visit_screenings WHERE visit_id = ?1")?.execute([visit_id])?;
    for s in &state.screenings {
        conn.prepare_cached(
            "INSERT INTO visit_screenings (visit_id, programme_code, status, stop_reason, override_reason)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![visit_id, s.programme_code, s.status.as_code(), s.stop_reason, s.override_reason])?;
    }
    Ok(())
}

/// Apply one event to the projection. Used by the writes and by [`rebuild_projection`].
fn apply_event(conn: &Connection, event_id: &str, event_type: &str, payload: &str, at: &str) -> Result<()> {
    let bad = |e: serde_json::Error| StoreError::Corrupt(format!("event {event_id}: {e}"));
    match event_type {
        types::CHECKED_IN => {
            let e: CheckedIn = serde_json::from_str(payload).map_err(bad)?;
            conn.prepare_cached(
                "INSERT INTO visits (visit_id, session_id, resident_id, reception_no, identity_method, copay_category,
                                     copay_proof, copay_yen, state, cancel_reason, checked_in_at, updated_at, last_event_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 'active', NULL, ?9, ?9, ?10)",
            )?
            .execute(params![
                e.visit_id,
                e.session_id,
                e.resident_id,
                e.reception_no,
                e.state.identity_method.as_code(),
                e.state.copay.category.as_code(),
                e.state.copay.proof,
                e.state.copay.amount_yen,
                at,
                event_id
            ])?;
            write_state(conn, &e.visit_id, &e.state)?;
        }
        types::CORRECTED => {
            let e: Corrected = serde_json::from_str(payload).map_err(bad)?;
            conn.prepare_cached(
                "UPDATE visits SET identity_method = ?2, copay_category = ?3, copay_proof = ?4, copay_yen = ?5,
                                   updated_at = ?6, last_event_id = ?7 WHERE visit_id = ?1",
            )?
            .execute(params![
                e.visit_id,
                e.state.identity_method.as_code(),
                e.state.copay.category.as_code(),
                e.state.copay.proof,
                e.state.copay.amount_yen,
                at,
                event_id
            ])?;
            write_state(conn, &e.visit_id, &e.state)?;
        }
        types::CANCELLED => {
            let e: Cancelled = serde_json::from_str(payload).map_err(bad)?;
            conn.prepare_cached(
                "UPDATE visits SET state = 'cancelled', cancel_reason = ?2, updated_at = ?3, last_event_id = ?4
                 WHERE visit_id = ?1",
            )?
            .execute(params![e.visit_id, e.reason, at, event_id])?;
        }
        types::WALK_IN_REGISTERED => {
            let e: WalkInRegistered = serde_json::from_str(payload).map_err(bad)?;
            residents::upsert_resident(conn, &e.resident)?;
        }
        other => return Err(StoreError::Corrupt(format!("unknown event type {other}"))),
    }
    Ok(())
}

fn append_and_apply<P: Serialize>(
    conn: &Connection,
    actor: &Actor,
    terminal_id: &str,
    now: DateTime<Utc>,
    event_type: &str,
    aggregate_id: &str,
    payload: &P,
) -> Result<String> {
    let event_id = events::append(conn, actor, terminal_id, now, event_type, aggregate_id, payload)?;
    let json = serde_json::to_string(payload).expect("serialises");
    apply_event(conn, &event_id, event_type, &json, &now.to_rfc3339())?;
    Ok(event_id)
}

pub fn active_visit_of(conn: &Connection, session_id: &str, resident_id: &str) -> Result<Option<VisitView>> {
    let id: Option<String> = conn
        .prepare_cached("SELECT visit_id FROM visits WHERE session_id = ?1 AND resident_id = ?2 AND state = 'active'")?
        .query_row([session_id, resident_id], |r| r.get(0))
        .optional()?;
    id.map(|id| get_visit(conn, &id)).transpose()
}

pub fn get_visit(conn: &Connection, visit_id: &str) -> Result<VisitView> {
    let mut v = conn
        .prepare_cached(
            "SELECT v.visit_id, v.session_id, v.resident_id, r.name_kanji, r.name_kana, r.dv_support, r.provisional,
                    v.reception_no, v.identity_method, v.copay_category, v.copay_proof, v.copay_yen, v.state,
                    v.cancel_reason, v.checked_in_at, v.updated_at
             FROM visits v JOIN residents r ON r.resident_id = v.resident_id WHERE v.visit_id = ?1",
        )?
        .query_row([visit_id], visit_from_row)
        .optional()?
        .ok_or_else(|| StoreError::VisitNotFound(visit_id.to_owned()))?;
    v.screenings = screenings_of(conn, visit_id)?;
    Ok(v)
}

fn visit_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<VisitView> {
    let bad = |what: &str, v: &str| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("{what}: {v}").into())
    };
    let idm: String = r.get(8)?;
    let cat: String = r.get(9)?;
    let state: String = r.get(12)?;
    Ok(VisitView {
        visit_id: r.get(0)?,
        session_id: r.get(1)?,
        resident_id: r.get(2)?,
        name_kanji: r.get(3)?,
        name_kana: r.get(4)?,
        dv_support: r.get(5)?,
        provisional: r.get(6)?,
        reception_no: r.get(7)?,
        identity_method: IdentityMethod::from_code(&idm).ok_or_else(|| bad("identity_method", &idm))?,
        copay_category: CopayCategory::from_code(&cat).ok_or_else(|| bad("copay_category", &cat))?,
        copay_proof: r.get(10)?,
        copay_yen: r.get(11)?,
        state: if state == "active" { VisitState::Active } else { VisitState::Cancelled },
        cancel_reason: r.get(13)?,
        checked_in_at: r.get(14)?,
        updated_at: r.get(15)?,
        screenings: Vec::new(),
    })
}

fn screenings_of(conn: &Connection, visit_id: &str) -> Result<Vec<VisitScreening>> {
    let mut stmt = conn.prepare_cached(
        "SELECT programme_code, status, stop_reason, override_reason FROM visit_screenings
         WHERE visit_id = ?1 ORDER BY programme_code",
    )?;
    let rows = stmt
        .query_map([visit_id], |r| {
            let status: String = r.get(1)?;
            Ok(VisitScreening {
                programme_code: r.get(0)?,
                status: ScreeningStatus::from_code(&status).unwrap_or(ScreeningStatus::Received),
                stop_reason: r.get(2)?,
                override_reason: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Check a resident in. Returns the new visit (with its 整理番号).
pub fn check_in(
    conn: &mut Connection,
    actor: &Actor,
    terminal_id: &str,
    now: DateTime<Utc>,
    req: &CheckInRequest,
) -> Result<VisitView> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if !catalog::session_exists(&tx, &req.session_id)? {
        return Err(StoreError::SessionNotFound(req.session_id.clone()));
    }
    let resident = residents::get_resident(&tx, &req.resident_id)?;
    if let Some(v) = active_visit_of(&tx, &req.session_id, &req.resident_id)? {
        return Err(StoreError::AlreadyCheckedIn { reception_no: v.reception_no, visit_id: v.visit_id });
    }
    let state = validate_state(&tx, &req.session_id, &resident, req.identity_method, &req.copay, &req.screenings)?;
    let reception_no: i64 = tx
        .prepare_cached("SELECT coalesce(max(reception_no), 0) + 1 FROM visits WHERE session_id = ?1")?
        .query_row([&req.session_id], |r| r.get(0))?;
    let visit_id = uuid::Uuid::now_v7().to_string();
    let payload = CheckedIn {
        visit_id: visit_id.clone(),
        session_id: req.session_id.clone(),
        resident_id: req.resident_id.clone(),
        reception_no,
        state,
    };
    append_and_apply(&tx, actor, terminal_id, now, types::CHECKED_IN, &visit_id, &payload)?;
    let codes: Vec<&str> = payload.state.screenings.iter().map(|s| s.programme_code.as_str()).collect();
    audit::append(
        &tx,
        actor,
        terminal_id,
        now,
        REASON_RECEPTION,
        Some(&req.resident_id),
        ops::CHECK_IN,
        &format!("session={} no={} screenings={}", req.session_id, reception_no, codes.join(",")),
    )?;
    let view = get_visit(&tx, &visit_id)?;
    tx.commit()?;
    Ok(view)
}

/// Correct a visit: a new event carrying the full corrected state, never an overwrite of the old one.
pub fn correct(
    conn: &mut Connection,
    actor: &Actor,
    terminal_id: &str,
    now: DateTime<Utc>,
    req: &CorrectionRequest,
) -> Result<VisitView> {
    let reason = required_reason(&req.reason)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let visit = get_visit(&tx, &req.visit_id)?;
    if visit.state == VisitState::Cancelled {
        return Err(StoreError::VisitCancelled);
    }
    let resident = residents::get_resident(&tx, &visit.resident_id)?;
    let state = validate_state(&tx, &visit.session_id, &resident, req.identity_method, &req.copay, &req.screenings)?;
    let payload = Corrected { visit_id: req.visit_id.clone(), reason: reason.to_owned(), state };
    append_and_apply(&tx, actor, terminal_id, now, types::CORRECTED, &req.visit_id, &payload)?;
    audit::append(
        &tx,
        actor,
        terminal_id,
        now,
        reason,
        Some(&visit.resident_id),
        ops::CORRECT,
        &format!("visit={} no={}", visit.visit_id, visit.reception_no),
    )?;
    let view = get_visit(&tx, &req.visit_id)?;
    tx.commit()?;
    Ok(view)
}

/// Cancel a visit (取消): a new event; the resident can be checked in again.
pub fn cancel(
    conn: &mut Connection,
    actor: &Actor,
    terminal_id: &str,
    now: DateTime<Utc>,
    visit_id: &str,
    reason: &str,
) -> Result<VisitView> {
    let reason = required_reason(reason)?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let visit = get_visit(&tx, visit_id)?;
    if visit.state == VisitState::Cancelled {
        return Err(StoreError::VisitCancelled);
    }
    let payload = Cancelled { visit_id: visit_id.to_owned(), reason: reason.to_owned() };
    append_and_apply(&tx, actor, terminal_id, now, types::CANCELLED, visit_id, &payload)?;
    audit::append(
        &tx,
        actor,
        terminal_id,
        now,
        reason,
        Some(&visit.resident_id),
        ops::CANCEL,
        &format!("visit={} no={}", visit.visit_id, visit.reception_no),
    )?;
    let view = get_visit(&tx, visit_id)?;
    tx.commit()?;
    Ok(view)
}

fn required(field: &'static str, s: &str, max: usize) -> Result<String> {
    let t = s.trim();
    if t.is_empty() {
        return Err(StoreError::FieldRequired { field });
    }
    check_len(field, t, max)?;
    Ok(t.to_owned())
}

/// Register a walk-in who is not in the roster as a provisional person (仮登録),
/// to be matched against the register later. Names are kept as typed.
pub fn register_walk_in(
    conn: &mut Connection,
    actor: &Actor,
    terminal_id: &str,
    now: DateTime<Utc>,
    today: NaiveDate,
    req: &WalkInRequest,
) -> Result<Resident> {
    let name_kanji = required("name_kanji", &req.name_kanji, 60)?;
    let name_kana = required("name_kana", &req.name_kana, 60)?;
    kana::query_key(&name_kana)?; // must be kana
    let birth = uketsuke_core::wareki::parse_date(&req.birth_date)?;
    if birth > today || age::age_on(birth, today) > 125 {
        return Err(StoreError::BirthDateOutOfRange);
    }
    let address = required("address", &req.address, 200)?;
    check_len("postal_code", req.postal_code.trim(), 8)?;
    check_len("phone", req.phone.trim(), 20)?;
    let resident = Resident {
        resident_id: format!("P-{}", uuid::Uuid::now_v7()),
        name_kanji,
        name_kana,
        sex: req.sex,
        birth_date: birth,
        postal_code: req.postal_code.trim().to_owned(),
        address,
        phone: req.phone.trim().to_owned(),
        copay_category: CopayCategory::Standard,
        dv_support: false,
        provisional: true,
    };
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let payload = WalkInRegistered { resident: resident.clone() };
    append_and_apply(&tx, actor, terminal_id, now, types::WALK_IN_REGISTERED, &resident.resident_id, &payload)?;
    audit::append(
        &tx,
        actor,
        terminal_id,
        now,
        REASON_RECEPTION,
        Some(&resident.resident_id),
        ops::WALK_IN,
        "provisional",
    )?;
    tx.commit()?;
    Ok(resident)
}

/// Today's attendee list for a session, by 整理番号 (cancelled ones included, marked).
pub fn list_visits(conn: &Connection, session_id: &str) -> Result<Vec<VisitView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT v.visit_id, v.session_id, v.resident_id, r.name_kanji, r.name_kana, r.dv_support, r.provisional,
                v.reception_no, v.identity_method, v.copay_category, v.copay_proof, v.copay_yen, v.state,
                v.cancel_reason, v.checked_in_at, v.updated_at
         FROM visits v JOIN residents r ON r.resident_id = v.resident_id
         WHERE v.session_id = ?1 ORDER BY v.reception_no",
    )?;
    let mut visits = stmt.query_map([session_id], visit_from_row)?.collect::<Result<Vec<_>, _>>()?;
    for v in &mut visits {
        v.screenings = screenings_of(conn, &v.visit_id)?;
    }
    Ok(visits)
}

/// Counts per screening for active visits, plus totals.
pub fn counts(conn: &Connection, session_id: &str) -> Result<SessionCounts> {
    let (visits, cancelled): (i64, i64) = conn
        .prepare_cached(
            "SELECT coalesce(sum(state = 'active'), 0), coalesce(sum(state = 'cancelled'), 0)
             FROM visits WHERE session_id = ?1",
        )?
        .query_row([session_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut per_programme: Vec<ProgrammeCount> = catalog::session_programmes(conn, session_id)?
        .into_iter()
        .map(|p| ProgrammeCount { programme_code: p.code, received: 0, done: 0, stopped: 0 })
        .collect();
    let mut stmt = conn.prepare_cached(
        "SELECT vs.programme_code, vs.status, count(*) FROM visit_screenings vs
         JOIN visits v ON v.visit_id = vs.visit_id
         WHERE v.session_id = ?1 AND v.state = 'active' GROUP BY vs.programme_code, vs.status",
    )?;
    let rows = stmt
        .query_map([session_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    for (code, status, n) in rows {
        let entry = match per_programme.iter_mut().find(|c| c.programme_code == code) {
            Some(e) => e,
            None => {
                per_programme.push(ProgrammeCount { programme_code: code.clone(), received: 0, done: 0, stopped: 0 });
                per_programme.last_mut().expect("just pushed")
            }
        };
        match status.as_str() {
            "received" => entry.received += n,
            "done" => entry.done += n,
            _ => entry.stopped += n,
        }
    }
    Ok(SessionCounts { session_id: session_id.to_owned(), visits, cancelled, per_programme })
}

/// Rebuild `visits`/`visit_screenings` from the event log. The projection is derived
/// data; this proves it (tests) and repairs it (support).
pub fn rebuild_projection(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch("DELETE FROM visit_screenings; DELETE FROM visits;")?;
    let evs: Vec<(String, String, String, String)> = tx
        .prepare(
            "SELECT event_id, event_type, payload, occurred_at FROM events
             WHERE event_type LIKE 'reception.%' ORDER BY seq",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<_, _>>()?;
    for (id, ty, payload, at) in evs {
        apply_event(&tx, &id, &ty, &payload, &at)?;
    }
    tx.commit()?;
    Ok(())
}
