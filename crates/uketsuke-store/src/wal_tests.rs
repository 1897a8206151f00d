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
use crate::testutil::{now, seeded, TestStore};

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
            let k: Option<Vec<u8>> =
                conn.query_row(&format!("SELECT key FROM {table}"), [], |r| r.get(0)).optional().unwrap();
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
