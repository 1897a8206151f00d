//! Sync benchmarks against the real central service and PostgreSQL.

use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use uketsuke_core::events::{types, Cancelled, CheckedIn, CopayInput, ScreeningInput, VisitContent};
use uketsuke_core::{CopayCategory, IdentityMethod, ScreeningStatus};
use uketsuke_protocol::{PushEvent, PushRequest, PushResponse};
use uketsuke_synctest::{session_am, Central, Terminal};

pub async fn pull(residents: usize) -> serde_json::Value {
    let central = Central::start_with(residents, 8).await;
    let t = Terminal::enroll(&central, "bench", &[session_am()]).await;
    let started = Instant::now();
    let report = t.engine.sync_once(&t.store).await.expect("first sync");
    let secs = started.elapsed().as_secs_f64();
    serde_json::json!({
        "bench": "sync-pull",
        "residents_in_roster": residents,
        "rows_pulled": report.roster,
        "pages": report.pages,
        "seconds": secs,
        "rows_per_second": report.roster as f64 / secs,
        "terminal_applying_seconds": report.pull_applying.as_secs_f64(),
        "terminal_waiting_for_service_seconds": report.pull_waiting.as_secs_f64(),
        "target": "first pull of 300k in <= 4 s (>= 75k rows/s)",
    })
}

pub async fn push(events: usize) -> serde_json::Value {
    let central = Central::start_with(2_000, 8).await;
    let t = Terminal::enroll(&central, "bench", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.expect("roster");
    t.churn(&session_am(), events);
    let started = Instant::now();
    let report = t.engine.sync_once(&t.store).await.expect("push");
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(report.pushed, events, "every event accepted");
    serde_json::json!({
        "bench": "sync-push",
        "events": events,
        "seconds": secs,
        "events_per_second": events as f64 / secs,
        "events_pushed_seconds": report.pushing.as_secs_f64(),
        "access_log_entries_shipped": report.audit_shipped,
        "access_log_shipping_seconds": report.audit_shipping.as_secs_f64(),
        "note": "one full sync cycle: restore check, push in batches of 500 until every event is accepted \
                 (events_pushed_seconds), pull of nothing new, then the access-log entries the check-ins wrote",
        "target": "10k queued events in <= 1 s",
    })
}

/// One terminal's events: check-in / cancel pairs of one resident, as a venue
/// would produce them, each with its own id.
fn events_for(resident: &str, programme: &str, n: usize) -> Vec<PushEvent> {
    let mut out = Vec::with_capacity(n);
    let mut visit = String::new();
    for seq in 1..=n as i64 {
        let (event_type, aggregate_id, payload) = if seq % 2 == 1 {
            visit = uuid::Uuid::now_v7().to_string();
            let c = CheckedIn {
                visit_id: visit.clone(),
                session_id: session_am(),
                resident_id: resident.to_owned(),
                reception_no: seq,
                state: VisitContent {
                    identity_method: IdentityMethod::VoucherOnly,
                    copay: CopayInput { category: CopayCategory::Standard, proof: String::new(), amount_yen: 500 },
                    screenings: vec![ScreeningInput {
                        programme_code: programme.to_owned(),
                        status: ScreeningStatus::Received,
                        stop_reason: None,
                        override_reason: None,
                    }],
                },
            };
            (types::CHECKED_IN, visit.clone(), serde_json::to_value(c).unwrap())
        } else {
            let c = Cancelled { visit_id: visit.clone(), reason: "bench".into() };
            (types::CANCELLED, visit.clone(), serde_json::to_value(c).unwrap())
        };
        out.push(PushEvent {
            seq,
            event_id: uuid::Uuid::now_v7(),
            event_type: event_type.into(),
            aggregate_id,
            payload,
            occurred_at: Utc::now(),
            staff_id: "S0001".into(),
        });
    }
    out
}

pub async fn ingest(terminals: usize, per_terminal: usize) -> serde_json::Value {
    let central = Central::start_with(2_000, 16).await;
    let mut clients = Vec::new();
    for i in 0..terminals {
        let t = Terminal::enroll(&central, &format!("bench-{i}"), &[session_am()]).await;
        clients.push(t);
    }
    // The roster, once, to pick residents and a programme.
    clients[0].engine.sync_once(&clients[0].store).await.expect("roster");
    let residents = clients[0].residents(terminals);
    let programme = clients[0].first_programme(&session_am());
    let mut work = Vec::new();
    for (i, t) in clients.iter().enumerate() {
        let stream_id: uuid::Uuid = t.store.lock().unwrap().meta().store_id.parse().unwrap();
        let events = events_for(&residents[i % residents.len()], &programme, per_terminal);
        work.push((t.engine.transport().clone(), stream_id, events));
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (transport, stream_id, events) in work {
        tasks.push(tokio::spawn(async move {
            let mut stored = 0;
            for batch in events.chunks(500) {
                let req = PushRequest { stream_id, events: batch.to_vec() };
                let (res, _): (PushResponse, _) = transport.post("/v1/push", &req, Utc::now()).await.expect("push");
                stored += res.results.iter().filter(|r| r.outcome.is_stored()).count();
            }
            stored
        }));
    }
    let mut stored = 0;
    for t in tasks {
        stored += t.await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    let total = terminals * per_terminal;
    assert_eq!(stored, total, "every event stored");
    assert_eq!(central.count("SELECT count(*) FROM events").await as usize, total);
    let clients = Arc::new(clients);
    drop(clients);
    serde_json::json!({
        "bench": "central-ingest",
        "terminals": terminals,
        "events_per_terminal": per_terminal,
        "events": total,
        "batch": 500,
        "seconds": secs,
        "events_per_second": total as f64 / secs,
        "note": "service, PostgreSQL and the 50 clients share the same 2 cores",
        "target": ">= 5k events/s with 50 terminals on 2 cores",
    })
}
