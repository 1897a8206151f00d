//! No earlier access-log MAC key survives in the data directory (issue 17).
//!
//! Checked twice: in every file's raw bytes, and in what someone holding the store's
//! key (the OS user, who can read the credential store) can read back. The second
//! is the check that matters, because the files are encrypted: it opens the database
//! as it stood after every commit still in the `-wal` file, as SQLite would replay
//! it, and reads the key tables there.

use std::fs;
use std::path::Path;

use rusqlite::{Connection, OptionalExtension};
use uketsuke_auth::fsmac::MacKey;

use crate::audit::{self, ops, REASON_RECEPTION};
use crate::db::{self, DataDir};
use crate::testutil::{keystore, now, seeded, TestStore};

const WAL_HEADER: usize = 32;
const FRAME_HEADER: usize = 24;

fn append_one(t: &TestStore, i: usize) {
    audit::append(
        t.store.connection(),
        &t.actor,
        "T-01",
        now(),
        REASON_RECEPTION,
        Some("0000000001"),
        ops::VIEW,
        &format!("{i}"),
    )
    .unwrap();
}

fn current_key(conn: &Connection) -> Vec<u8> {
    conn.query_row("SELECT key FROM audit_mac_key", [], |r| r.get(0)).unwrap()
}

fn wal_path(dir: &DataDir) -> std::path::PathBuf {
    let mut p = dir.db_path().into_os_string();
    p.push("-wal");
    p.into()
}

/// Every file under `root` whose raw bytes contain `needle`.
fn files_containing(root: &Path, needle: &[u8]) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if fs::read(&path).unwrap().windows(needle.len()).any(|w| w == needle) {
            found.push(path);
        }
    }
    found
}

/// Every MAC key (current or escrowed) that the holder of the store's key reads from
/// the database file alone and from the database after each commit in the WAL.
fn keys_the_key_holder_reads(t: &TestStore) -> Vec<Vec<u8>> {
    let dir = t.data_dir();
    let meta = dir.read_meta().unwrap().unwrap();
    let key = t.keystore.get(&meta.key_name()).unwrap().unwrap();
    let db_bytes = fs::read(dir.db_path()).unwrap();
    let wal = fs::read(wal_path(&dir)).unwrap_or_default();
    // The WAL's structure is SQLite's file format, in clear: a header, then frames of
    // a 24-byte header and one (encrypted) page; a non-zero "size after commit" marks
    // the last frame of a commit.
    let mut commits = vec![0];
    if wal.len() >= WAL_HEADER {
        let page_size = u32::from_be_bytes(wal[8..12].try_into().unwrap()) as usize;
        let frame = FRAME_HEADER + page_size;
        for i in 0..(wal.len() - WAL_HEADER) / frame {
            let at = WAL_HEADER + i * frame;
            if u32::from_be_bytes(wal[at + 4..at + 8].try_into().unwrap()) != 0 {
                commits.push(at + frame);
            }
        }
    }
    let mut keys = Vec::new();
    for end in commits {
        let copy = tempfile::tempdir().unwrap();
        let db_copy = copy.path().join("copy.db");
        fs::write(&db_copy, &db_bytes).unwrap();
        if end > 0 {
            fs::write(copy.path().join("copy.db-wal"), &wal[..end]).unwrap();
        }
        let conn = Connection::open(&db_copy).unwrap();
        db::key_and_verify(&conn, &key, &meta.cipher_hmac).unwrap();
        for table in ["audit_mac_key", "audit_mac_escrow"] {
            let k: Option<Vec<u8>> = conn
                .query_row(&format!("SELECT key FROM {table} WHERE key IS NOT NULL"), [], |r| r.get(0))
                .optional()
                .unwrap();
            keys.extend(k);
        }
    }
    keys.sort();
    keys.dedup();
    keys
}

#[test]
fn asvs_16_4_2_no_earlier_mac_key_survives_in_the_data_directory() {
    let t = seeded("wal-fold", 1);
    let conn = t.store.connection();
    let (start, k0) = audit::mac_escrow(conn).unwrap().expect("K_0 from the first entry");
    let k0 = k0.clear().expect("not sealed: no service yet").clone();
    let mut earlier = vec![k0.as_bytes().to_vec()];
    for i in 0..4 {
        earlier.push(current_key(conn));
        append_one(&t, i);
    }
    // Each append was its own commit. Until the WAL is folded in, the holder of the
    // store's key reads the earlier keys back out of it: what this test would catch.
    let read = keys_the_key_holder_reads(&t);
    let recovered = earlier[1..].iter().filter(|k| read.contains(k)).count();
    assert!(recovered >= 2, "the replay reads earlier keys from an unfolded WAL ({recovered} found)");

    // The service acknowledged K_0 (as a sync does); then the day goes on.
    assert!(audit::drop_mac_escrow(conn, start, &k0.fingerprint()).unwrap());
    for i in 4..8 {
        earlier.push(current_key(conn));
        append_one(&t, i);
    }
    assert!(t.store.fold_wal().unwrap());

    let dir = t.data_dir();
    assert_eq!(fs::metadata(wal_path(&dir)).map(|m| m.len()).unwrap_or(0), 0, "the WAL is empty");
    for k in &earlier {
        assert_eq!(files_containing(dir.root(), k), Vec::<std::path::PathBuf>::new());
        assert_eq!(files_containing(dir.root(), MacKey::from_bytes(k).unwrap().to_hex().as_bytes()).len(), 0);
    }
    let current = current_key(t.store.connection());
    assert_eq!(keys_the_key_holder_reads(&t), vec![current], "only the key for the next entry is left");

    // Folding again with nothing committed is free and changes nothing.
    assert!(t.store.fold_wal().unwrap());
}

#[test]
fn a_commit_marks_the_wal_for_folding_and_a_reopen_folds_what_was_left() {
    let t = seeded("wal-reopen", 1);
    append_one(&t, 0);
    let dir = t.data_dir();
    assert!(fs::metadata(wal_path(&dir)).unwrap().len() > 0, "a commit goes to the WAL first");
    // A second connection on the same files (as a crash would leave them): opening
    // the store folds the WAL in before anything runs.
    let reopened = crate::Store::open_existing(&dir, &t.keystore).unwrap();
    assert_eq!(fs::metadata(wal_path(&dir)).map(|m| m.len()).unwrap_or(0), 0);
    assert_eq!(current_key(reopened.connection()), current_key(t.store.connection()));
}

#[test]
fn asvs_16_4_2_k0_is_sealed_to_the_service_once_its_recipient_arrives() {
    let t = seeded("wal-seal", 1);
    let conn = t.store.connection();
    let (start, k0) = audit::mac_escrow(conn).unwrap().unwrap();
    let k0 = k0.clear().expect("no service met yet: in clear").clone();
    let (identity, recipient) = uketsuke_export::generate_identity();
    // A recipient that is not one changes nothing (and stops no logging).
    assert!(!audit::set_escrow_recipient(conn, "age1-not-a-recipient").unwrap());
    assert!(audit::mac_escrow(conn).unwrap().unwrap().1.clear().is_some());

    // The pull brings the service's recipient: K_0 is sealed to it at once.
    assert!(audit::set_escrow_recipient(conn, &recipient).unwrap());
    let (held_start, escrow) = audit::mac_escrow(conn).unwrap().unwrap();
    assert_eq!(held_start, start);
    assert!(escrow.clear().is_none());
    assert_eq!(escrow.fingerprint(), k0.fingerprint(), "the acknowledgement still names it");
    let audit::Escrow::Sealed { sealed, .. } = escrow else { unreachable!() };
    assert_eq!(
        uketsuke_export::decrypt_with_identity(&sealed, &identity).unwrap(),
        k0.as_bytes(),
        "the service opens it"
    );
    // Until the WAL is folded, the clear row's page image is still readable there.
    assert!(keys_the_key_holder_reads(&t).contains(&k0.as_bytes().to_vec()));
    assert!(t.store.fold_wal().unwrap());
    assert!(!keys_the_key_holder_reads(&t).contains(&k0.as_bytes().to_vec()));
    assert!(files_containing(t.data_dir().root(), k0.as_bytes()).is_empty());
    // Sealing twice is a no-op; the acknowledgement erases the sealed row as before.
    assert!(!audit::set_escrow_recipient(conn, &recipient).unwrap());
    assert!(audit::drop_mac_escrow(conn, start, &k0.fingerprint()).unwrap());
    assert!(audit::mac_escrow(conn).unwrap().is_none());
}

#[test]
fn a_chain_begun_after_the_recipient_arrived_never_holds_k0_in_clear() {
    let dir = tempfile::tempdir().unwrap();
    let ks = keystore("wal-new-chain");
    let (store, _) = crate::Store::open_or_create(&DataDir::new(dir.path()), &ks, now()).unwrap();
    let conn = store.connection();
    assert!(audit::mac_escrow(conn).unwrap().is_none(), "no entry yet, no K_0");
    let (identity, recipient) = uketsuke_export::generate_identity();
    assert!(!audit::set_escrow_recipient(conn, &recipient).unwrap(), "nothing to seal yet");
    let actor = crate::Actor { staff_id: "S0001".into(), department: "健康推進課".into() };
    audit::append(conn, &actor, "T-01", now(), REASON_RECEPTION, None, ops::VIEW, "").unwrap();
    let (start, escrow) = audit::mac_escrow(conn).unwrap().unwrap();
    let audit::Escrow::Sealed { sealed, fingerprint } = escrow else { panic!("K_0 was kept in clear") };
    let k0 = MacKey::from_bytes(&uketsuke_export::decrypt_with_identity(&sealed, &identity).unwrap()).unwrap();
    assert_eq!(k0.fingerprint(), fingerprint);
    // The key for the entry written with it is K_0; the store moved on to K_1.
    let e = audit::entries_after(conn, start - 1, 1).unwrap().remove(0);
    assert!(uketsuke_auth::fsmac::verify(&k0, &e.entry_hash, e.mac.as_deref().unwrap()));
    assert_ne!(current_key(conn), k0.as_bytes());
}

#[test]
fn a_fold_put_off_by_another_processs_reader_is_done_by_the_next_one() {
    let t = seeded("wal-reader", 1);
    let dir = t.data_dir();
    assert!(t.store.fold_wal().unwrap());
    // Another process (the CLI, a backup) reads the store and holds its snapshot.
    let meta = dir.read_meta().unwrap().unwrap();
    let key = t.keystore.get(&meta.key_name()).unwrap().unwrap();
    let reader = Connection::open(dir.db_path()).unwrap();
    db::key_and_verify(&reader, &key, &meta.cipher_hmac).unwrap();
    append_one(&t, 0);
    reader.execute_batch("BEGIN").unwrap();
    let _: i64 = reader.query_row("SELECT count(*) FROM access_log", [], |r| r.get(0)).unwrap();
    append_one(&t, 1);
    // The fold cannot truncate under the reader; it says so, waits only briefly, and
    // keeps the WAL marked.
    let started = std::time::Instant::now();
    assert!(!t.store.fold_wal().unwrap());
    assert!(started.elapsed() < std::time::Duration::from_secs(2), "a fold never waits the store's 5 s");
    assert!(fs::metadata(wal_path(&dir)).unwrap().len() > 0);
    reader.execute_batch("COMMIT").unwrap();
    // Nothing new was committed, yet the next fold finishes the job.
    assert!(t.store.fold_wal().unwrap());
    assert_eq!(fs::metadata(wal_path(&dir)).map(|m| m.len()).unwrap_or(0), 0);
}
