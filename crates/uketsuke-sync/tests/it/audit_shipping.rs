//! The access log reaches the central service as a verified chain, against the real
//! service over loopback mutual TLS and a real PostgreSQL. Tests are named after the
//! ASVS 5.0 requirement they prove (docs/asvs.md).

use uketsuke_auth::chain::{self, ChainedEntry};
use uketsuke_auth::MacKey;
use uketsuke_central::audit;
use uketsuke_protocol::{AuditReceipt, AuditShipment, MacEscrow};
use uketsuke_store::audit as local;
use uketsuke_synctest::{session_am, Central, Terminal};

/// Some reception work: check-ins write access-log entries in the same transaction.
fn work(t: &Terminal, n: usize) {
    let done = t.count("SELECT count(*) FROM visits") as usize;
    for r in t.residents(done + n).into_iter().skip(done) {
        t.check_in(&session_am(), &r);
    }
}

fn tamper(t: &Terminal, sql: &str) {
    let store = t.store.lock().unwrap();
    store.connection().execute_batch(sql).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_16_4_3_the_log_is_shipped_verified_and_receipted() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    work(&t, 3);
    let report = t.engine.sync_once(&t.store).await.unwrap();
    let local_n = t.count("SELECT count(*) FROM access_log");
    assert!(local_n >= 3);
    assert_eq!(report.audit_shipped as i64, local_n);
    assert_eq!(central.count("SELECT count(*) FROM audit_entries").await, local_n);
    // The receipt covers the head, and it was checked against the pinned CA.
    let head = t.count("SELECT max(seq) FROM access_log");
    assert_eq!(t.count("SELECT max(seq) FROM audit_receipts"), head);
    assert_eq!(t.count("SELECT CAST(value AS INTEGER) FROM sync_state WHERE key = 'audit_receipt_seq'"), head);
    // Nothing new: a signed heartbeat, nothing re-sent, nothing flagged.
    let again = t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(again.audit_shipped, 0);
    assert_eq!(central.count("SELECT count(*) FROM audit_entries").await, local_n);
    assert!(audit::open_flags(central.pool()).await.unwrap().is_empty());
    assert!(audit::verify_stored(central.pool(), chrono::Utc::now()).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_16_4_2_an_edited_unshipped_entry_is_refused_and_flagged() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    work(&t, 2);
    // Someone with the database key rewrites an entry before it is shipped.
    tamper(
        &t,
        "DROP TRIGGER access_log_is_append_only_update;
         UPDATE access_log SET resident_id = '0000000000' WHERE seq = (SELECT max(seq) - 1 FROM access_log);",
    );
    let err = t.engine.sync_once(&t.store).await.unwrap_err();
    assert_eq!(err.code(), "AUDIT_CHAIN_EDITED");
    let flags = audit::open_flags(central.pool()).await.unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].kind, "edited");
    assert_eq!(central.count("SELECT count(*) FROM audit_entries").await, 0, "nothing of a broken shipment is kept");
    // The venue's events still went through: the audit refusal does not hold them back.
    assert_eq!(central.count("SELECT count(*) FROM events").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_16_4_2_a_deleted_entry_is_a_gap() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    work(&t, 1);
    t.engine.sync_once(&t.store).await.unwrap();
    work(&t, 3);
    tamper(
        &t,
        "DROP TRIGGER access_log_is_append_only_delete;
         DELETE FROM access_log WHERE seq = (SELECT max(seq) - 1 FROM access_log);",
    );
    let err = t.engine.sync_once(&t.store).await.unwrap_err();
    assert!(["AUDIT_CHAIN_GAP", "AUDIT_CHAIN_BROKEN_LINK"].contains(&err.code()), "{}", err.code());
    assert!(!audit::open_flags(central.pool()).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_16_4_2_an_edit_in_the_services_copy_is_found_by_verify() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    work(&t, 3);
    t.engine.sync_once(&t.store).await.unwrap();
    let pool = central.pool();
    let c = pool.get().await.unwrap();
    c.execute("UPDATE audit_entries SET staff_id = 'S0002' WHERE seq = 2", &[]).await.unwrap();
    let found = audit::verify_stored(pool, chrono::Utc::now()).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].2.seq, 2);
    assert_eq!(found[0].2.code(), "AUDIT_CHAIN_EDITED");
    // A deleted row in the service's copy is a gap.
    c.execute("UPDATE audit_entries SET staff_id = 'S0001' WHERE seq = 2", &[]).await.unwrap();
    c.execute("DELETE FROM audit_entries WHERE seq = 3", &[]).await.unwrap();
    let found = audit::verify_stored(pool, chrono::Utc::now()).await.unwrap();
    assert_eq!(found.len(), 1);
    assert!(matches!(found[0].2.code(), "AUDIT_CHAIN_GAP" | "AUDIT_CHAIN_BROKEN_LINK"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_16_4_2_a_forged_checkpoint_is_refused() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    let other = Terminal::enroll(&central, "受付2", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    work(&t, 1);
    // A shipment signed by another terminal's key but sent over this terminal's connection.
    let entries = local::entries_after(t.store.lock().unwrap().connection(), 0, 100).unwrap();
    let chain_id: uuid::Uuid = t.store.lock().unwrap().meta().store_id.parse().unwrap();
    let last = entries.last().unwrap();
    let cp = uketsuke_auth::Checkpoint {
        terminal_id: t.enrollment.terminal_id.to_string(),
        chain_id: chain_id.to_string(),
        seq: last.seq,
        entry_hash: last.entry_hash.clone(),
        at: chrono::Utc::now().to_rfc3339(),
    };
    let key = other.enrollment.audit_identity(&other.keystore).unwrap().device_key;
    let signature = uketsuke_auth::sign_checkpoint(&key, &cp).unwrap();
    let shipment = uketsuke_protocol::AuditShipment { chain_id, entries, checkpoint: cp, signature, mac_key0: None };
    let res: Result<(uketsuke_protocol::AuditReceipt, _), _> =
        t.engine.transport().post("/v1/audit", &shipment, chrono::Utc::now()).await;
    assert_eq!(res.unwrap_err().code(), "AUDIT_SIGNATURE_INVALID");
    assert_eq!(central.count("SELECT count(*) FROM audit_flags WHERE kind = 'bad_signature'").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_16_4_3_a_terminal_online_without_shipping_its_log_is_flagged() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    // It talks to the service (a pull) but never ships a checkpoint.
    let cursors = uketsuke_store::sync::cursors(t.store.lock().unwrap().connection()).unwrap();
    let _: (uketsuke_protocol::PullPage, _) = t
        .engine
        .transport()
        .post("/v1/pull", &uketsuke_protocol::PullRequest { cursors, limit: 10 }, chrono::Utc::now())
        .await
        .unwrap();
    // The service's periodic check (`audit::watch`, `audit verify`) flags it.
    let report = audit::check(central.pool(), chrono::Duration::hours(24), chrono::Utc::now()).await.unwrap();
    assert!(!report.ok());
    assert_eq!(report.silent_terminals, vec![t.enrollment.terminal_id]);
    assert!(report.broken_chains.is_empty());
    assert_eq!(
        central.count("SELECT count(*) FROM audit_flags WHERE kind = 'silent' AND resolved_at IS NULL").await,
        1
    );
    // One full sync ships (a checkpoint at least) and clears it.
    t.engine.sync_once(&t.store).await.unwrap();
    assert!(audit::flag_silent(central.pool(), chrono::Duration::hours(24), chrono::Utc::now())
        .await
        .unwrap()
        .is_empty());
    assert_eq!(central.count("SELECT count(*) FROM audit_flags WHERE resolved_at IS NULL").await, 0);
}

/// A terminal that stopped talking altogether (switched off, taken away, its
/// log with it) is flagged too, once the window has passed since it last shipped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminal_silent_while_offline_is_flagged_too() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    let later = chrono::Utc::now() + chrono::Duration::days(3);
    assert_eq!(
        audit::flag_silent(central.pool(), chrono::Duration::hours(24), later).await.unwrap(),
        vec![t.enrollment.terminal_id],
        "not seen for three days, nothing shipped: flagged"
    );
    // Within the window it is not.
    assert!(audit::flag_silent(central.pool(), chrono::Duration::hours(24), chrono::Utc::now())
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipped_entries_are_pruned_only_after_a_receipt_and_the_retention() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    work(&t, 2);
    let before = t.count("SELECT count(*) FROM access_log");
    // Not yet receipted: the trigger refuses a delete.
    let refused = t.store.lock().unwrap().connection().execute("DELETE FROM access_log WHERE seq = 1", []);
    assert!(refused.is_err());
    t.engine.sync_once(&t.store).await.unwrap();
    // Receipted but recent: kept for the supervisor's view.
    assert_eq!(t.count("SELECT count(*) FROM access_log"), before);
    // Receipted and past the local retention: pruned, except the chain's head.
    let later = chrono::Utc::now() + chrono::Duration::days(100);
    let pruned =
        local::prune(t.store.lock().unwrap().connection(), later, uketsuke_sync::audit::LOCAL_RETENTION).unwrap();
    assert_eq!(pruned as i64, before - 1);
    assert_eq!(t.count("SELECT count(*) FROM access_log"), 1);
    // The chain goes on from the head; the service accepts the next shipment.
    work(&t, 1);
    t.engine.sync_once(&t.store).await.unwrap();
    assert!(audit::open_flags(central.pool()).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_16_4_2_entries_past_a_year_go_to_a_sealed_archive_that_verifies() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    work(&t, 3);
    t.engine.sync_once(&t.store).await.unwrap();
    let shipped = central.count("SELECT count(*) FROM audit_entries").await;
    let out = tempfile::tempdir().unwrap();
    let key = uketsuke_auth::generate_pkcs8().unwrap();
    let ca_public = uketsuke_auth::public_key_from_pkcs8(&key).unwrap();
    // Nothing is a year old yet.
    let now = chrono::Utc::now();
    assert!(uketsuke_central::archive::archive(central.pool(), out.path(), &key, now).await.unwrap().is_none());
    // Thirteen months on, everything shipped so far moves to one sealed file.
    let later = now + chrono::Duration::days(400);
    let done = uketsuke_central::archive::archive(central.pool(), out.path(), &key, later).await.unwrap().unwrap();
    assert_eq!(done.entries, shipped);
    assert_eq!(central.count("SELECT count(*) FROM audit_entries").await, 0);
    let bytes = std::fs::read(&done.file).unwrap();
    let header = uketsuke_central::archive::verify(&bytes, &ca_public).unwrap();
    assert_eq!(header.entries, shipped);
    assert!(header.retain_until >= (later + chrono::Duration::days(365 * 7 - 2)).date_naive());
    // The chain goes on online after the archived part, and still verifies.
    work(&t, 1);
    t.engine.sync_once(&t.store).await.unwrap();
    assert!(audit::verify_stored(central.pool(), later).await.unwrap().is_empty());
    // One changed byte, or a seal from another key, is found.
    let mut edited = bytes.clone();
    let at = String::from_utf8_lossy(&bytes).find("check_in").unwrap();
    edited[at] = b'C';
    assert_eq!(uketsuke_central::archive::verify(&edited, &ca_public).unwrap_err().code(), "ARCHIVE_SEAL_MISMATCH");
    let other = uketsuke_auth::public_key_from_pkcs8(&uketsuke_auth::generate_pkcs8().unwrap()).unwrap();
    assert_eq!(uketsuke_central::archive::verify(&bytes, &other).unwrap_err().code(), "ARCHIVE_SIGNATURE_INVALID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_residents_access_report_lists_who_looked_when_and_why() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "保健センター 受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    let who = t.residents(2);
    t.check_in(&session_am(), &who[0]);
    t.engine.sync_once(&t.store).await.unwrap();
    let report = audit::resident_report(central.pool(), &who[0]).await.unwrap();
    assert!(!report.is_empty());
    assert!(report.iter().all(|l| l.terminal_name == "保健センター 受付1"));
    assert!(report.iter().any(|l| l.operation == "check_in" && l.reason == local::REASON_RECEPTION));
    // Another resident's report does not list it.
    assert!(audit::resident_report(central.pool(), &who[1]).await.unwrap().is_empty());
}

fn chain_id(t: &Terminal) -> uuid::Uuid {
    t.store.lock().unwrap().meta().store_id.parse().unwrap()
}

/// A shipment made by hand with this terminal's device key: `entries` (or none, a
/// checkpoint on the local head) and an escrow.
async fn ship_by_hand(
    t: &Terminal,
    entries: Vec<ChainedEntry>,
    mac_key0: Option<MacEscrow>,
) -> Result<AuditReceipt, uketsuke_sync::SyncError> {
    let (seq, entry_hash) = match entries.last() {
        Some(e) => (e.seq, e.entry_hash.clone()),
        None => local::chain_head(t.store.lock().unwrap().connection()).unwrap(),
    };
    let chain_id = chain_id(t);
    let cp = audit::checkpoint(t.enrollment.terminal_id, chain_id, seq, &entry_hash, chrono::Utc::now());
    let key = t.enrollment.audit_identity(&t.keystore).unwrap().device_key;
    let signature = uketsuke_auth::sign_checkpoint(&key, &cp).unwrap();
    let shipment = AuditShipment { chain_id, entries, checkpoint: cp, signature, mac_key0 };
    let res: Result<(AuditReceipt, _), _> = t.engine.transport().post("/v1/audit", &shipment, chrono::Utc::now()).await;
    res.map(|(r, _)| r)
}

fn escrow_of(start_seq: i64, k0: &MacKey) -> MacEscrow {
    MacEscrow { start_seq, key_hex: Some(k0.to_hex().to_string()), sealed_hex: None }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_16_4_2_entries_ship_with_macs_and_the_terminal_erases_k0_once_the_service_holds_it() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    work(&t, 2);
    let (start, escrow) =
        local::mac_escrow(t.store.lock().unwrap().connection()).unwrap().expect("K_0 on the first entry");
    assert_eq!(start, 1, "the first entry ever written");
    // The first pull brought the service's escrow recipient: the terminal never held
    // K_0 readable; the service opens it.
    assert!(escrow.clear().is_none(), "K_0 is sealed to the service");
    let k0 = central.k0_of(&escrow);
    assert_eq!(k0.fingerprint(), escrow.fingerprint());
    t.engine.sync_once(&t.store).await.unwrap();
    // The service holds K_0 and checked every entry's MAC; the terminal erased its copy,
    // so later shipments carry no escrow.
    assert!(local::mac_escrow(t.store.lock().unwrap().connection()).unwrap().is_none());
    assert_eq!(t.count("SELECT count(*) FROM audit_mac_escrow"), 0);
    assert_eq!(central.count("SELECT count(*) FROM audit_mac_keys WHERE start_seq = 1").await, 1);
    let shipped = central.count("SELECT count(*) FROM audit_entries").await;
    assert!(shipped >= 2);
    assert_eq!(central.count("SELECT count(*) FROM audit_entries WHERE mac IS NOT NULL").await, shipped);
    // The service keeps the key for the next entry, not the ones it used.
    let next: i64 = central.count("SELECT current_seq FROM audit_mac_keys").await;
    assert_eq!(next, shipped + 1);
    work(&t, 2);
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(
        central.count("SELECT current_seq FROM audit_mac_keys").await,
        t.count("SELECT max(seq) FROM access_log") + 1
    );
    assert!(audit::open_flags(central.pool()).await.unwrap().is_empty());
    assert!(audit::verify_stored(central.pool(), chrono::Utc::now()).await.unwrap().is_empty());

    // The same escrow again (a receipt lost on the way back) is fine and acknowledged.
    let r = ship_by_hand(&t, vec![], Some(escrow_of(start, &k0))).await.unwrap();
    let held = r.mac_escrow.unwrap();
    assert_eq!((held.start_seq, held.key_fingerprint), (start, k0.fingerprint()));
    // Another K_0 for this chain is refused and flagged.
    let err = ship_by_hand(&t, vec![], Some(escrow_of(start, &MacKey::generate().unwrap()))).await.unwrap_err();
    assert_eq!(err.code(), "AUDIT_MAC_INVALID");
    let flags = audit::open_flags(central.pool()).await.unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].kind, "mac_escrow_conflict");

    // `audit verify` re-checks the stored MACs from K_0: a changed MAC is found.
    let c = central.pool().get().await.unwrap();
    c.execute("UPDATE audit_entries SET mac = md5(mac) || md5(mac) WHERE seq = 3", &[]).await.unwrap();
    let found = audit::verify_stored(central.pool(), chrono::Utc::now()).await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!((found[0].2.seq, found[0].2.code()), (3, "AUDIT_MAC_INVALID"));
    assert_eq!(central.count("SELECT count(*) FROM audit_flags WHERE kind = 'mac_invalid' AND seq = 3").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_16_4_2_a_compromised_terminal_cannot_rewrite_its_unshipped_past() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    work(&t, 1);
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(central.count("SELECT count(*) FROM audit_mac_keys").await, 1, "the escrow is held");
    let shipped = t.count("SELECT max(seq) FROM access_log");
    work(&t, 3);

    // Full compromise now: the database key (so every table) and the device key. The
    // attacker edits the first unshipped entry, recomputes its hash and every later
    // hash and link, MACs the rewritten entries with the only key the terminal still
    // has (the current one, for the next entry), and signs a checkpoint on the new head.
    {
        let store = t.store.lock().unwrap();
        let conn = store.connection();
        let current = conn
            .query_row("SELECT key FROM audit_mac_key", [], |r| r.get::<_, Vec<u8>>(0))
            .map(|k| MacKey::from_bytes(&k).unwrap())
            .unwrap();
        let mut entries = local::entries_after(conn, shipped, 100).unwrap();
        assert!(entries.len() >= 3);
        let mut prev = entries[0].prev_hash.clone();
        entries[0].resident_id = Some("0000000000".into());
        for e in &mut entries {
            e.prev_hash = prev.clone();
            chain::seal(e);
            e.mac = Some(current.mac(&e.entry_hash));
            prev = e.entry_hash.clone();
        }
        // The forged chain itself is consistent: the hash chain alone would accept it.
        assert_eq!(chain::verify_chain(&entries, &entries[0].prev_hash, shipped + 1), Ok(()));
        conn.execute_batch("DROP TRIGGER access_log_is_append_only_update").unwrap();
        for e in &entries {
            conn.execute(
                "UPDATE access_log SET resident_id = ?2, prev_hash = ?3, entry_hash = ?4, mac = ?5 WHERE seq = ?1",
                rusqlite::params![e.seq, e.resident_id, e.prev_hash, e.entry_hash, e.mac],
            )
            .unwrap();
        }
        assert_eq!(local::verify_local(conn).unwrap(), Ok(()));
    }
    // The terminal's own sync signs the forged head with the device key; the service
    // still refuses: the MACs of entries written before the compromise cannot be redone.
    let err = t.engine.sync_once(&t.store).await.unwrap_err();
    assert_eq!(err.code(), "AUDIT_MAC_INVALID");
    let flags = audit::open_flags(central.pool()).await.unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!((flags[0].kind.as_str(), flags[0].seq), ("mac_invalid", Some(shipped + 1)));
    assert_eq!(
        central.count("SELECT count(*) FROM audit_entries").await,
        shipped,
        "nothing of the refused shipment is kept"
    );
    // A MAC removed instead of forged is refused the same way.
    tamper(&t, "UPDATE access_log SET mac = NULL");
    assert_eq!(t.engine.sync_once(&t.store).await.unwrap_err().code(), "AUDIT_MAC_INVALID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asvs_16_4_2_a_store_from_before_macs_still_ships_and_macs_are_required_from_the_escrow_on() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    work(&t, 2);
    // The state migration 5 leaves an older store in: entries without MACs, no key yet.
    tamper(
        &t,
        "DROP TRIGGER access_log_is_append_only_update;
         UPDATE access_log SET mac = NULL;
         CREATE TRIGGER access_log_is_append_only_update
         BEFORE UPDATE ON access_log WHEN OLD.entry_hash <> ''
         BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
         DELETE FROM audit_mac_key;
         DELETE FROM audit_mac_escrow;",
    );
    let legacy = t.count("SELECT max(seq) FROM access_log");
    work(&t, 2);
    let (start, _) = local::mac_escrow(t.store.lock().unwrap().connection()).unwrap().unwrap();
    assert_eq!(start, legacy + 1, "K_0 starts at the first entry written after the migration");
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(central.count("SELECT count(*) FROM audit_entries WHERE mac IS NULL").await, legacy);
    assert_eq!(central.count(&format!("SELECT count(*) FROM audit_mac_keys WHERE start_seq = {start}")).await, 1);
    assert!(audit::open_flags(central.pool()).await.unwrap().is_empty());
    assert!(audit::verify_stored(central.pool(), chrono::Utc::now()).await.unwrap().is_empty());
    // From the escrow's start on, an entry without a MAC is refused.
    work(&t, 1);
    tamper(
        &t,
        "DROP TRIGGER access_log_is_append_only_update;
         UPDATE access_log SET mac = NULL WHERE seq = (SELECT max(seq) FROM access_log);",
    );
    assert_eq!(t.engine.sync_once(&t.store).await.unwrap_err().code(), "AUDIT_MAC_INVALID");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_without_the_escrow_takes_macd_entries_flags_them_and_checks_from_a_late_escrow_on() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    work(&t, 2);
    let (start, escrow) = local::mac_escrow(t.store.lock().unwrap().connection()).unwrap().unwrap();
    let k0 = central.k0_of(&escrow);
    t.engine.sync_once(&t.store).await.unwrap();
    // A service restored from a backup older than the escrow: the terminal has erased K_0.
    let c = central.pool().get().await.unwrap();
    c.execute("DELETE FROM audit_mac_keys", &[]).await.unwrap();
    work(&t, 1);
    t.engine.sync_once(&t.store).await.unwrap();
    let flags = audit::open_flags(central.pool()).await.unwrap();
    assert_eq!(flags.len(), 1);
    assert_eq!(flags[0].kind, "mac_unverifiable");
    // An escrow arriving after the service already took entries (e.g. a terminal that
    // was updated before the service): checking starts after the head it holds.
    let head = t.count("SELECT max(seq) FROM access_log");
    let r = ship_by_hand(&t, vec![], Some(escrow_of(start, &k0))).await.unwrap();
    assert_eq!(r.mac_escrow.unwrap().start_seq, start);
    assert_eq!(central.count("SELECT required_from FROM audit_mac_keys").await, head + 1);
    work(&t, 1);
    t.engine.sync_once(&t.store).await.unwrap();
    assert!(audit::verify_stored(central.pool(), chrono::Utc::now()).await.unwrap().is_empty());
}

/// A terminal's clock does not reach into the service's future: a login entry dated
/// 9999 is kept as written, but judged as of its arrival; unproven, it resets
/// nothing, so failed logins after it still count (before, it set
/// `lockout_reset_at` to 9999 and no failure ever counted).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entrys_time_counts_no_later_than_its_arrival() {
    use chrono::TimeZone;
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    let far = chrono::Utc.with_ymd_and_hms(9999, 1, 1, 0, 0, 0).unwrap();
    t.log_as("S0002", far, local::ops::LOGIN_OK, "");
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(
        central
            .count("SELECT count(*) FROM audit_entries WHERE operation = 'login_ok' AND at_text LIKE '9999-%'")
            .await,
        1,
        "the entry is kept as the terminal wrote it"
    );
    let judged = "SELECT count(*) FROM login_checks WHERE staff_id = 'S0002' AND at <= now() AND NOT verified";
    assert_eq!(central.count(judged).await, 1, "judged as of the entry's arrival, and not proven");
    let reset = "SELECT count(*) FROM staff WHERE staff_id = 'S0002' AND lockout_reset_at IS NOT NULL";
    assert_eq!(central.count(reset).await, 0, "an unproven login resets nothing");
    // A failed login after it still counts.
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    t.log_as("S0002", chrono::Utc::now(), local::ops::LOGIN_FAIL, "wrong password");
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(central.count("SELECT failed_attempts::bigint FROM staff WHERE staff_id = 'S0002'").await, 1);
}

/// A terminal's log is evidence, not authority: `account_unlock` and
/// `account_locked` entries (as a hostile OS user with the store's key could write)
/// are kept, but lock and unlock nobody; a login entry never lifts a lock. The
/// lock follows from the failures the service counts, and only a verified
/// supervisor or an administrator unlocks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_terminals_log_locks_and_unlocks_nobody() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    let c = central.pool().get().await.unwrap();
    c.execute("UPDATE staff SET locked = true, failed_attempts = 10 WHERE staff_id = 'S0002'", &[]).await.unwrap();
    let now = chrono::Utc::now();
    t.log_as("S0005", now, local::ops::ACCOUNT_UNLOCK, "S0002");
    t.log_as("S0002", now, local::ops::LOGIN_OK, "");
    t.log_as("S0003", now, local::ops::ACCOUNT_LOCKED, "");
    t.engine.sync_once(&t.store).await.unwrap();
    let kept = "SELECT count(*) FROM audit_entries WHERE operation IN ('account_unlock', 'login_ok', 'account_locked')";
    assert_eq!(central.count(kept).await, 3, "kept as evidence");
    assert_eq!(central.count("SELECT count(*) FROM staff WHERE staff_id = 'S0002' AND locked").await, 1);
    assert_eq!(central.count("SELECT count(*) FROM staff WHERE staff_id = 'S0003' AND locked").await, 0);
}

/// The lock itself follows from failures counted on the service: the policy's
/// hard limit of shipped `login_fail` entries locks the account everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_counted_to_the_hard_limit_lock_the_account_on_the_service() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    let limit = uketsuke_auth::LockoutPolicy::default().hard_lock_after;
    for i in 0..limit {
        let at = chrono::Utc::now() - chrono::Duration::minutes(30) + chrono::Duration::minutes(i64::from(i));
        t.log_as("S0003", at, local::ops::LOGIN_FAIL, "wrong password");
    }
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(central.count("SELECT count(*) FROM staff WHERE staff_id = 'S0003' AND locked").await, 1);

    // Failures for someone who cannot log in at this terminal (not assigned to its
    // venues) count for nothing: a terminal cannot lock out the rest of the city.
    let venue = central.venue_of(&session_am()).await;
    uketsuke_central::accounts::set_venue(central.pool(), "S0004", &venue, false, chrono::Utc::now()).await.unwrap();
    for _ in 0..limit {
        t.log_as("S0004", chrono::Utc::now(), local::ops::LOGIN_FAIL, "wrong password");
    }
    t.engine.sync_once(&t.store).await.unwrap();
    let s0004 = "SELECT count(*) FROM staff WHERE staff_id = 'S0004' AND (locked OR failed_attempts > 0)";
    assert_eq!(central.count(s0004).await, 0);
}

/// A K_0 sealed to an escrow identity the service no longer has (its PKI directory
/// restored or made anew) does not stop the terminal's log: the entries are taken,
/// flagged as unverifiable, and nothing is acknowledged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_k0_sealed_to_a_lost_escrow_identity_does_not_stop_the_log() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "受付1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(central.count("SELECT count(*) FROM audit_mac_keys").await, 0, "no K_0 shipped yet");
    work(&t, 2);
    let entries = local::entries_after(t.store.lock().unwrap().connection(), 0, 100).unwrap();
    let start = entries.iter().find(|e| e.mac.is_some()).expect("MAC'd entries").seq;
    let (_, elsewhere) = uketsuke_export::generate_identity();
    let sealed = uketsuke_export::encrypt_to_recipient(MacKey::generate().unwrap().as_bytes(), &elsewhere).unwrap();
    let escrow = MacEscrow { start_seq: start, key_hex: None, sealed_hex: Some(hex::encode(sealed)) };
    let r = ship_by_hand(&t, entries, Some(escrow)).await.expect("taken, not refused");
    assert!(r.mac_escrow.is_none(), "the service holds no key, so it acknowledges none");
    let flags = audit::open_flags(central.pool()).await.unwrap();
    assert!(flags.iter().any(|f| f.kind == "mac_unverifiable"), "{flags:?}");
    assert_eq!(central.count("SELECT count(*) FROM audit_mac_keys").await, 0);
    // Garbage that is not even sealed is still a bad request.
    let bad = MacEscrow { start_seq: start, key_hex: None, sealed_hex: None };
    assert_eq!(ship_by_hand(&t, vec![], Some(bad)).await.unwrap_err().code(), "BAD_REQUEST");
}
