//! Sync against the real central service over mutual TLS and a real PostgreSQL.

use std::sync::Arc;

use chrono::Utc;
use uketsuke_protocol::{codes, EventOutcome, PullPage, PullRequest, PushRequest};
use uketsuke_synctest::*;

use uketsuke_store::sync as local;
use uketsuke_sync::SyncError;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_pull_brings_the_assigned_scope_and_never_my_number() {
    let central = Central::start().await;
    // Give one resident a 個人番号 centrally.
    central
        .pool()
        .get()
        .await
        .unwrap()
        .execute(
            "UPDATE residents SET my_number = '123456789018' WHERE resident_id = (SELECT min(resident_id) FROM residents)",
            &[],
        )
        .await
        .unwrap();
    let t = Terminal::enroll(&central, "会場A 受付1", &[session_am()]).await;
    let report = t.engine.sync_once(&t.store).await.unwrap();

    let fy = uketsuke_central::admin::fiscal_year(today());
    let in_scope = central
        .count(&format!(
            "SELECT count(*) FROM residents r WHERE EXISTS (SELECT 1 FROM vouchers v
             WHERE v.resident_id = r.resident_id AND v.fiscal_year = {fy})"
        ))
        .await;
    assert!(in_scope > 0);
    assert_eq!(report.roster as i64, in_scope);
    assert_eq!(t.count("SELECT count(*) FROM residents"), in_scope);
    assert_eq!(t.count("SELECT count(*) FROM sessions"), 1, "only the assigned session");
    assert!(t.count("SELECT count(*) FROM programmes") > 0);
    let status = local::status(t.store.lock().unwrap().connection()).unwrap();
    assert_eq!(status.roster_total, Some(in_scope));
    assert_eq!(status.roster_applied, in_scope);
    assert!(status.last_success_at.is_some());

    // The page itself never carries the number.
    let (page, _): (PullPage, _) = t
        .engine
        .transport()
        .post("/v1/pull", &PullRequest { cursors: Default::default(), limit: 10_000 }, Utc::now())
        .await
        .unwrap();
    let json = serde_json::to_string(&page).unwrap();
    assert!(!json.contains("123456789018"));
    assert!(!json.contains("\"my_number\""), "no 個人番号 field (staff carry only a permission flag)");
    let pool = central.state.pool.get().await.unwrap();
    for r in pool.query("SELECT my_number FROM residents WHERE my_number IS NOT NULL LIMIT 50", &[]).await.unwrap() {
        let n: String = r.get(0);
        assert!(!json.contains(&n), "a resident's 個人番号 is on the wire");
    }

    // A second sync moves nothing.
    let again = t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!((again.roster, again.pushed), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_reaches_the_service_once_and_the_other_terminal_sees_it() {
    let central = Central::start().await;
    let a = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let b = Terminal::enroll(&central, "受付2", &[session_am()]).await;
    a.engine.sync_once(&a.store).await.unwrap();
    b.engine.sync_once(&b.store).await.unwrap();

    let who = a.residents(1).remove(0);
    let visit = a.check_in(&session_am(), &who);
    assert_eq!(a.count("SELECT count(*) FROM events WHERE sync_state = 'pending'"), 1);
    let r = a.engine.sync_once(&a.store).await.unwrap();
    assert_eq!(r.pushed, 1);
    assert_eq!(a.count("SELECT count(*) FROM events WHERE sync_state = 'accepted'"), 1);
    a.engine.sync_once(&a.store).await.unwrap();
    assert_eq!(central.count("SELECT count(*) FROM events").await, 1, "exactly once");
    assert_eq!(central.count("SELECT count(*) FROM visits WHERE state = 'active'").await, 1);

    // Terminal B learns of it.
    let r = b.engine.sync_once(&b.store).await.unwrap();
    assert_eq!(r.remote_events, 1);
    let (remote_visit, name): (String, String) = b
        .store
        .lock()
        .unwrap()
        .connection()
        .query_row("SELECT visit_id, terminal_name FROM remote_visits WHERE resident_id = ?1", [&who], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((remote_visit, name.as_str()), (visit, "受付1"));
    let card = b.store.lock().unwrap().resident_card(&Terminal::actor(), Utc::now(), &who, &session_am()).unwrap();
    assert_eq!(card.elsewhere.len(), 1, "B's card warns the resident was received on 受付1");
    assert_eq!(card.elsewhere[0].terminal_name, "受付1");

    // B checks the same resident in while it thinks it is offline: both kept, flagged.
    b.check_in(&session_am(), &who);
    b.engine.sync_once(&b.store).await.unwrap();
    assert_eq!(central.count("SELECT count(*) FROM events").await, 2);
    assert_eq!(
        central
            .count("SELECT count(*) FROM review_flags WHERE kind = 'duplicate_check_in' AND cardinality(visit_ids) = 2")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_batch_twice_and_batches_out_of_order_land_exactly_once() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    let people = t.residents(6);
    let visits: Vec<String> = people.iter().map(|p| t.check_in(&session_am(), p)).collect();
    // Cancel the first visit: its cancellation depends on its check-in.
    {
        let mut s = t.store.lock().unwrap();
        s.cancel(&Terminal::actor(), Utc::now(), &visits[0], "取り違え").unwrap();
    }
    let (events, stream_id) = {
        let s = t.store.lock().unwrap();
        (local::pending_batch(s.connection(), 100).unwrap(), s.meta().store_id.parse().unwrap())
    };
    assert_eq!(events.len(), 7);
    let (first, second) = (events[..3].to_vec(), events[3..].to_vec());
    let tr = t.engine.transport();
    let push = |events| PushRequest { stream_id, events };

    // The later batch first: the cancellation waits for its check-in.
    let (r, _): (uketsuke_protocol::PushResponse, _) =
        tr.post("/v1/push", &push(second.clone()), Utc::now()).await.unwrap();
    let deferred: Vec<_> = r.results.iter().filter(|x| matches!(x.outcome, EventOutcome::Deferred { .. })).collect();
    assert_eq!(deferred.len(), 1, "{:?}", r.results);
    // Then the earlier one, twice.
    for _ in 0..2 {
        let (r, _): (uketsuke_protocol::PushResponse, _) =
            tr.post("/v1/push", &push(first.clone()), Utc::now()).await.unwrap();
        assert!(r.results.iter().all(|x| x.outcome.is_stored()), "{:?}", r.results);
    }
    // The terminal's own sync sends everything again; the service says "had it".
    let report = t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(report.pushed, 7);
    assert_eq!(central.count("SELECT count(*) FROM events").await, 7);
    assert_eq!(central.count("SELECT count(*) FROM visits").await, 6);
    assert_eq!(central.count("SELECT count(*) FROM visits WHERE state = 'cancelled'").await, 1);
    assert_eq!(t.count("SELECT count(*) FROM events WHERE sync_state <> 'accepted'"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_the_service_refuses_stays_visible_with_its_reason_and_can_be_requeued() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    let who = t.residents(1).remove(0);
    t.check_in(&session_am(), &who);
    // The administrator takes the session away before the terminal syncs.
    let terminal_id = t.enrollment.terminal_id;
    uketsuke_central::admin::unassign(central.pool(), terminal_id, &session_am()).await.unwrap();
    let report = t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(report.rejected, 1);
    let status = local::status(t.store.lock().unwrap().connection()).unwrap();
    assert_eq!(status.rejected.len(), 1);
    assert!(status.rejected[0].error.starts_with(codes::SESSION_NOT_ASSIGNED), "{}", status.rejected[0].error);
    assert_eq!(central.count("SELECT count(*) FROM events").await, 0);
    assert_eq!(central.count("SELECT count(*) FROM event_rejections").await, 1);

    // Fixed centrally, re-queued by staff: it lands.
    uketsuke_central::admin::assign(central.pool(), terminal_id, &session_am(), Utc::now()).await.unwrap();
    let id = status.rejected[0].event_id.clone();
    assert!(local::requeue_rejected(t.store.lock().unwrap().connection(), &id).unwrap());
    assert_eq!(t.engine.sync_once(&t.store).await.unwrap().pushed, 1);
    assert_eq!(central.count("SELECT count(*) FROM events").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_terminal_is_refused_on_its_next_request() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    t.check_in(&session_am(), &t.residents(1)[0]);
    uketsuke_central::admin::revoke(central.pool(), t.enrollment.terminal_id, "紛失届", Utc::now()).await.unwrap();
    let err = t.engine.sync_once(&t.store).await.unwrap_err();
    assert!(matches!(err, SyncError::Revoked(ref why) if why.contains("紛失届")), "{err:?}");
    let status = local::status(t.store.lock().unwrap().connection()).unwrap();
    assert_eq!(status.last_error_code.as_deref(), Some(codes::REVOKED));
    assert_eq!(status.pending, 1, "nothing is lost on the terminal");
    assert_eq!(central.count("SELECT count(*) FROM events").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_enrollment_code_works_once_and_pins_the_service_ca() {
    let central = Central::start().await;
    let (_, code) = central.new_terminal("受付1", &[session_am()]).await;
    let dir1 = tempfile::tempdir().unwrap();
    let ks = uketsuke_store::Keystore::new("uketsuke-sync-test-pin");
    let first = Terminal::enroll(&central, "受付0", &[]).await; // installs the mock keyring
    drop(first);
    uketsuke_sync::enroll(&uketsuke_store::DataDir::new(dir1.path()), &ks, &central.url(), &code).await.unwrap();
    let dir2 = tempfile::tempdir().unwrap();
    let again = uketsuke_sync::enroll(&uketsuke_store::DataDir::new(dir2.path()), &ks, &central.url(), &code).await;
    assert!(
        matches!(again, Err(SyncError::Refused { ref code, .. }) if code == codes::ENROLLMENT_CODE_INVALID),
        "{again:?}"
    );

    // A code whose CA fingerprint is not this service's CA: refused before any secret is sent.
    let (_, code) = central.new_terminal("受付2", &[]).await;
    let mut forged = uketsuke_protocol::EnrollmentCode::parse(&code).unwrap();
    forged.ca_fingerprint = "0".repeat(uketsuke_protocol::EnrollmentCode::FINGERPRINT_CHARS);
    let dir3 = tempfile::tempdir().unwrap();
    let err = uketsuke_sync::enroll(&uketsuke_store::DataDir::new(dir3.path()), &ks, &central.url(), &forged.display())
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::CaMismatch), "{err:?}");
    assert!(matches!(
        uketsuke_sync::enroll(&uketsuke_store::DataDir::new(dir3.path()), &ks, &central.url(), "ABCD").await,
        Err(SyncError::CodeMalformed)
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_clock_a_day_off_is_measured_and_its_events_still_land_once() {
    let central = Central::start().await;
    let skewed: uketsuke_sync::Now = Arc::new(|| Utc::now() + chrono::Duration::days(1));
    let t = Terminal::enroll_with_clock(&central, "受付1", &[session_am()], skewed).await;
    t.engine.sync_once(&t.store).await.unwrap();
    t.check_in(&session_am(), &t.residents(1)[0]);
    let report = t.engine.sync_once(&t.store).await.unwrap();
    let skew = report.skew_ms.unwrap();
    assert!((skew - 86_400_000).abs() < 60_000, "{skew}");
    let status = local::status(t.store.lock().unwrap().connection()).unwrap();
    assert!(status.skew_warning);
    assert_eq!(central.count("SELECT count(*) FROM events").await, 1);
    let recorded: i64 = central.count("SELECT max(last_skew_ms) FROM terminals").await;
    assert!((recorded - 86_400_000).abs() < 60_000, "the service records the skew too: {recorded}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_cut_mid_pull_resumes_from_the_last_applied_page() {
    let central = Central::start().await;
    let mut t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let proxy = Proxy::start(central.addr, 40_000).await;
    t.engine = t.engine_via(&proxy.url()).with_page_size(10);
    let err = t.engine.sync_once(&t.store).await.unwrap_err();
    assert!(matches!(err, SyncError::Offline(_)), "{err:?}");
    assert!(proxy.cuts.load(std::sync::atomic::Ordering::SeqCst) >= 1);
    let status = local::status(t.store.lock().unwrap().connection()).unwrap();
    let total = status.roster_total.unwrap();
    let applied = t.count("SELECT count(*) FROM residents");
    assert!(applied > 0 && applied < total, "cut mid-pull: {applied} of {total}");
    assert_eq!(applied, status.roster_applied, "every applied page is whole, with its cursor");
    assert_eq!(status.last_error_code.as_deref(), Some("OFFLINE"));

    proxy.heal();
    let report = t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(report.roster as i64, total - applied, "resumed, not restarted");
    assert_eq!(t.count("SELECT count(*) FROM residents"), total);
    assert_eq!(t.count("SELECT count(*) FROM vouchers"), total);
    // The first sync builds the roster's search indexes once, at its end.
    assert_eq!(
        t.count(
            "SELECT count(*) FROM sqlite_master WHERE type = 'index'
             AND name IN ('residents_by_kana', 'residents_by_birth_kana', 'vouchers_by_resident')"
        ),
        3
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resident_changed_while_the_first_snapshot_is_paged_arrives_changed() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let pull = |cursors| {
        let transport = t.engine.transport().clone();
        async move {
            let (page, _): (PullPage, _) =
                transport.post("/v1/pull", &PullRequest { cursors, limit: 10 }, Utc::now()).await.unwrap();
            page
        }
    };
    // The first page of the snapshot is applied; the second is only looked at.
    let start = local::cursors(t.store.lock().unwrap().connection()).unwrap();
    let first = pull(start).await;
    let total = first.roster_total.expect("a first sync says how much is coming");
    assert!(first.cursors.roster_snapshot.is_some() && first.more, "{:?}", first.cursors);
    local::apply_pull_page(t.store.lock().unwrap().connection_mut(), &first).unwrap();
    let second = pull(first.cursors.clone()).await;
    assert_eq!(second.roster_total, None, "the total comes once per snapshot");
    let sent = first.roster[3].resident.resident_id.clone();
    let coming = second.roster[3].resident.resident_id.clone();
    assert!(sent < coming);

    // The city changes one resident already sent and one still to come.
    for (id, phone) in [(&sent, "0000-00-0001"), (&coming, "0000-00-0002")] {
        central
            .pool()
            .get()
            .await
            .unwrap()
            .execute(
                "UPDATE residents SET phone = $2, change_seq = nextval('change_seq') WHERE resident_id = $1",
                &[id, &phone],
            )
            .await
            .unwrap();
    }
    let report = t.engine.sync_once(&t.store).await.unwrap();
    // The snapshot's rest, then the stream from its high-water mark: both changed
    // residents again (the one still to come arrived changed in the snapshot too).
    assert_eq!(report.roster as i64, total - 10 + 2, "{report:?}");
    let phone = |id: &str| -> String {
        t.store
            .lock()
            .unwrap()
            .connection()
            .query_row("SELECT phone FROM residents WHERE resident_id = ?1", [id], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(phone(&sent), "0000-00-0001");
    assert_eq!(phone(&coming), "0000-00-0002");
    assert_eq!(t.count("SELECT count(*) FROM residents"), total);
    assert_eq!(t.count("SELECT count(*) FROM vouchers"), total);
    // The snapshot's later pages were applied without per-row reference checks:
    // every reference holds, and enforcement is back on for everything else.
    assert_eq!(t.count("SELECT count(*) FROM pragma_foreign_key_check"), 0);
    assert_eq!(t.count("PRAGMA foreign_keys"), 1);
    let cursors = local::cursors(t.store.lock().unwrap().connection()).unwrap();
    assert!(cursors.roster_snapshot.is_none() && cursors.roster > 0, "streaming now: {cursors:?}");
    // Nothing more: the next sync brings no roster rows.
    assert_eq!(t.engine.sync_once(&t.store).await.unwrap().roster, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roster_rows_wait_while_the_terminal_has_unsent_events_for_that_resident() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    let who = t.residents(1).remove(0);
    t.check_in(&session_am(), &who);
    // The city changes the resident's phone while the check-in is unsent.
    central
        .pool()
        .get()
        .await
        .unwrap()
        .execute(
            "UPDATE residents SET phone = '0000-00-0000', change_seq = nextval('change_seq') WHERE resident_id = $1",
            &[&who],
        )
        .await
        .unwrap();
    // Pull alone (as if the push had failed): the row is parked, not applied.
    let cursors = local::cursors(t.store.lock().unwrap().connection()).unwrap();
    let (page, _): (PullPage, _) =
        t.engine.transport().post("/v1/pull", &PullRequest { cursors, limit: 100 }, Utc::now()).await.unwrap();
    let tally = local::apply_pull_page(t.store.lock().unwrap().connection_mut(), &page).unwrap();
    assert_eq!(tally.deferred, 1);
    let phone = || -> String {
        t.store
            .lock()
            .unwrap()
            .connection()
            .query_row("SELECT phone FROM residents WHERE resident_id = ?1", [&who], |r| r.get(0))
            .unwrap()
    };
    assert_ne!(phone(), "0000-00-0000");
    // Once the check-in is accepted, the parked row is applied.
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(phone(), "0000-00-0000");
    assert_eq!(t.count("SELECT count(*) FROM deferred_roster"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_restored_from_an_earlier_dump_gets_what_it_lost_again() {
    let mut central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    t.churn(&session_am(), 10);
    t.engine.sync_once(&t.store).await.unwrap();
    let dump = central.pki_dir.path().join("backup.dump");
    let pg_dump = uketsuke_pgtest::pg_bin("pg_dump").expect("pg_dump");
    let st = std::process::Command::new(pg_dump).args(["-Fc", "-f"]).arg(&dump).arg(&central.db.url).status().unwrap();
    assert!(st.success());
    t.churn(&session_am(), 10);
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(central.count("SELECT count(*) FROM events").await, 20);

    // The service's database is restored from the earlier backup.
    let state = central.state.clone();
    central.running.take().unwrap().stop().await.unwrap();
    let pg_restore = uketsuke_pgtest::pg_bin("pg_restore").expect("pg_restore");
    let st = std::process::Command::new(pg_restore)
        .args(["--clean", "--if-exists", "-d"])
        .arg(&central.db.url)
        .arg(&dump)
        .status()
        .unwrap();
    assert!(st.success());
    central.restart_with(state).await;
    assert_eq!(central.count("SELECT count(*) FROM events").await, 10, "the backup lost 10 events");

    // New work before the terminal meets the restored service must not hide the loss.
    t.churn(&session_am(), 2);
    let report = t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(report.resent, 10);
    assert_eq!(central.count("SELECT count(*) FROM events").await, 22);
    assert_eq!(t.count("SELECT count(*) FROM events WHERE sync_state <> 'accepted'"), 0);
    // The access log the backup lost was shipped again: the service's copy is whole.
    assert_eq!(central.count("SELECT count(*) FROM audit_entries").await, t.count("SELECT count(*) FROM access_log"));
    assert!(uketsuke_central::audit::verify_stored(central.pool(), Utc::now()).await.unwrap().is_empty());

    // An administrator's epoch bump makes every terminal check everything; nothing doubles.
    uketsuke_central::db::bump_epoch(&central.pool().get().await.unwrap()).await.unwrap();
    let report = t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(report.resent, 0);
    assert_eq!(central.count("SELECT count(*) FROM events").await, 22);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walk_in_lands_in_the_matching_queue_and_the_decision_flows_back() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    let provisional = {
        let mut s = t.store.lock().unwrap();
        let req = uketsuke_store::reception::WalkInRequest {
            name_kanji: "新井　直子".into(),
            name_kana: "アライ　ナオコ".into(),
            sex: uketsuke_core::Sex::Female,
            birth_date: "昭和40年5月6日".into(),
            postal_code: "9870001".into(),
            address: "みなと市中央町一丁目2".into(),
            phone: "0120-111-222".into(),
        };
        s.register_walk_in(&Terminal::actor(), Utc::now(), &req).unwrap().resident_id
    };
    assert!(provisional.starts_with("P-"));
    t.check_in(&session_am(), &provisional);
    t.engine.sync_once(&t.store).await.unwrap();
    let queue = uketsuke_central::admin::list_walk_ins(central.pool(), true).await.unwrap();
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].provisional_id, provisional);
    assert_eq!(queue[0].person["name_kanji"], "新井　直子");

    // The administrator matches the walk-in to a roster resident.
    let roster_id = t.residents(3).remove(2);
    uketsuke_central::admin::decide_walk_in(central.pool(), &provisional, Some(&roster_id), "住基で確認", Utc::now())
        .await
        .unwrap();
    let report = t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(report.walk_ins, 1);
    let card =
        t.store.lock().unwrap().resident_card(&Terminal::actor(), Utc::now(), &provisional, &session_am()).unwrap();
    let outcome = card.walk_in_outcome.expect("the decision reached the terminal");
    assert_eq!((outcome.status.as_str(), outcome.resident_id.as_deref()), ("matched", Some(roster_id.as_str())));

    // The attendance export carries the matched 宛名番号.
    let today = today();
    let c = central.pool().get().await.unwrap();
    let csv = uketsuke_central::export::central::attendance_csv(&c, today, today).await.unwrap();
    let text = String::from_utf8(csv.bytes).unwrap();
    assert_eq!(csv.rows, 1);
    assert!(text.contains(&format!(",{roster_id},照合済,")), "{text}");
    assert!(!text.contains(&provisional));
    // Deciding twice is refused.
    assert!(uketsuke_central::admin::decide_walk_in(central.pool(), &provisional, None, "x", Utc::now())
        .await
        .is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_taken_away_leaves_the_terminal_unless_it_holds_visits_there() {
    let central = Central::start().await;
    let pm = session_am().replace("-AM", "-PM");
    let mut sessions = vec![session_am()];
    // The health centre has an afternoon session except on Sundays.
    let has_pm = central.count(&format!("SELECT count(*) FROM sessions WHERE session_id = '{pm}'")).await == 1;
    if has_pm {
        sessions.push(pm.clone());
    }
    let t = Terminal::enroll(&central, "受付1", &sessions).await;
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(t.count("SELECT count(*) FROM sessions") as usize, sessions.len());
    t.check_in(&session_am(), &t.residents(1)[0]);
    t.engine.sync_once(&t.store).await.unwrap();
    for s in &sessions {
        uketsuke_central::admin::unassign(central.pool(), t.enrollment.terminal_id, s).await.unwrap();
    }
    t.engine.sync_once(&t.store).await.unwrap();
    // The morning session keeps its visit; the afternoon one is gone.
    assert_eq!(t.count("SELECT count(*) FROM sessions"), 1);
    assert_eq!(t.count(&format!("SELECT count(*) FROM sessions WHERE session_id = '{}'", session_am())), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_terminal_gets_only_the_history_its_eligibility_checks_can_see() {
    use uketsuke_core::{eligibility, ScreeningRecord};
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();

    let cfg = demo_config(RESIDENTS);
    let catalog = uketsuke_demo::catalog(&cfg);
    let session = catalog.sessions.iter().find(|s| s.session_id == session_am()).unwrap();
    let local: Vec<ScreeningRecord> = {
        let s = t.store.lock().unwrap();
        let mut stmt =
            s.connection().prepare("SELECT resident_id, programme_code, fiscal_year FROM screening_history").unwrap();
        stmt.query_map([], |r| {
            Ok(ScreeningRecord { resident_id: r.get(0)?, programme_code: r.get(1)?, fiscal_year: r.get(2)? })
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    let mut full = 0;
    let mut checked = 0;
    for d in uketsuke_demo::residents(&cfg) {
        full += d.history.len();
        if t.count(&format!("SELECT count(*) FROM residents WHERE resident_id = '{}'", d.resident.resident_id)) == 0 {
            continue;
        }
        for p in catalog.programmes.iter().filter(|p| session.programmes.contains(&p.code)) {
            let with_all = eligibility::check(&d.resident, p, session.date, &d.history);
            let with_local = eligibility::check(&d.resident, p, session.date, &local);
            assert_eq!(with_all, with_local, "{} {}", d.resident.resident_id, p.code);
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
    assert!(local.len() < full, "older history stays centrally: {} of {full}", local.len());
}

/// A terminal holds the password verifiers and the authenticators' public
/// credentials of the staff assigned to its venues only, and no secret of anyone;
/// a withdrawn assignment takes them off at the next sync, and everyone's name
/// stays for the audit views.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_holds_the_verifiers_of_staff_assigned_to_its_venues_only() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let venue = central.venue_of(&session_am()).await;
    central.register_software_authenticator(&t.engine, "S0002").await;
    central.register_software_authenticator(&t.engine, "S0001").await;
    let held = |id: &str| {
        t.count(&format!("SELECT count(*) FROM staff WHERE staff_id = '{id}' AND password_hash IS NOT NULL"))
            + t.count(&format!("SELECT count(*) FROM staff_authenticators WHERE staff_id = '{id}'"))
    };
    let set = |assigned: bool| uketsuke_central::accounts::set_venue(central.pool(), "S0002", &venue, assigned, now());
    set(false).await.unwrap();
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(held("S0002"), 0, "not assigned here: no verifier, no credential");
    assert_eq!(held("S0001"), 2);
    // What the service sends, as sent: no secret of anyone; a credential is its
    // public key and counter only.
    let request = PullRequest { cursors: Default::default(), limit: 10 };
    let (page, _): (serde_json::Value, _) = t.engine.transport().post("/v1/pull", &request, now()).await.unwrap();
    let staff = page["catalog"]["staff"].as_array().unwrap();
    assert!(!staff.is_empty());
    for account in staff {
        let keys: Vec<&str> = account.as_object().unwrap().keys().map(String::as_str).collect();
        assert!(keys.iter().all(|k| !k.contains("totp") && !k.contains("secret") && !k.contains("seed")), "{keys:?}");
        for a in account["authenticators"].as_array().unwrap() {
            let mut fields: Vec<&str> = a.as_object().unwrap().keys().map(String::as_str).collect();
            fields.sort_unstable();
            assert_eq!(fields, ["credential", "sign_count"]);
        }
    }
    let of = |id: &str| staff.iter().find(|a| a["staff_id"] == id).unwrap();
    assert!(of("S0002")["password_hash"].is_null() && of("S0002")["authenticators"].as_array().unwrap().is_empty());
    assert_eq!(of("S0001")["authenticators"].as_array().unwrap().len(), 1);
    assert_eq!(t.count("SELECT count(*) FROM staff WHERE staff_id = 'S0002'"), 1, "the name stays");
    set(true).await.unwrap();
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(held("S0002"), 2, "assigned again: the verifier and the credential");
    set(false).await.unwrap();
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(held("S0002"), 0, "withdrawn: taken off at the next sync");
    let unknown = uketsuke_central::accounts::set_venue(central.pool(), "S0002", "NO-SUCH-VENUE", true, now()).await;
    assert_eq!(unknown.unwrap_err().code(), "NOT_FOUND");
}

/// A DV-protected resident's postal code, address and phone never leave the
/// service: the raw pull pages carry none of them, and a terminal that received
/// them before the rule drops them from its store.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_protected_residents_contact_details_never_reach_a_terminal() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    let protected = t.residents(3).remove(2);
    let (postal, address, phone): (String, String, String) = {
        let c = central.pool().get().await.unwrap();
        c.execute(
            "UPDATE residents SET dv_support = true, phone = '090-1234-5678', change_seq = nextval('change_seq')
             WHERE resident_id = $1",
            &[&protected],
        )
        .await
        .unwrap();
        let r = c
            .query_one("SELECT postal_code, address, phone FROM residents WHERE resident_id = $1", &[&protected])
            .await
            .unwrap();
        (r.get(0), r.get(1), r.get(2))
    };
    assert!(!address.is_empty() && !postal.is_empty());
    // Everything the service sends, page by page, as sent.
    let mut cursors = Default::default();
    let mut seen = false;
    loop {
        let request = PullRequest { cursors, limit: 100 };
        let (raw, _): (serde_json::Value, _) = t.engine.transport().post("/v1/pull", &request, now()).await.unwrap();
        let text = raw.to_string();
        assert!(!text.contains(&address) && !text.contains(&phone), "a protected resident's contact left the service");
        let page: PullPage = serde_json::from_value(raw).unwrap();
        if let Some(e) = page.roster.iter().find(|e| e.resident.resident_id == protected) {
            seen = true;
            assert!(e.resident.dv_support);
            assert_eq!(
                (e.resident.postal_code.as_str(), e.resident.address.as_str(), e.resident.phone.as_str()),
                ("", "", "")
            );
            assert!(!e.resident.name_kana.is_empty(), "the name still comes: staff must find the person");
        }
        if !page.more {
            break;
        }
        cursors = page.cursors;
    }
    assert!(seen, "the resident is in this terminal's roster");
    // The terminal's copy (it held the address from its first sync).
    let held = |col: &str| {
        t.count(&format!("SELECT count(*) FROM residents WHERE resident_id = '{protected}' AND {col} <> ''"))
    };
    assert_eq!(held("address"), 1, "received before the resident was protected");
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(held("address") + held("postal_code") + held("phone"), 0);
}
