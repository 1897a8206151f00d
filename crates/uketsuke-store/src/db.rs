//! Creating, opening, checking and resetting the encrypted local store.
//!
//! Layout of a data directory:
//! - `uketsuke.db` (+ `-wal`, `-shm`): the SQLCipher database
//! - `store.json`: non-secret description (store id, state); names the key entry
//! - `quarantine/<timestamp>/`: stores set aside by a confirmed reset (still encrypted)
//!
//! The key is a random 256-bit raw key in the OS credential store under
//! `local-db-key/<store_id>`. Every open proves the key is right and the file is
//! encrypted; nothing here ever creates or accepts a plaintext database.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use rusqlite::{Connection, OpenFlags};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};
use crate::keystore::Keystore;
use crate::migrate;

pub const DB_FILE: &str = "uketsuke.db";
pub const META_FILE: &str = "store.json";
pub const QUARANTINE_DIR: &str = "quarantine";
/// What staff type to confirm a reset (the CLI and the window ask for it).
pub const RESET_CONFIRMATION: &str = "RESET";

/// Page HMAC of every Uketsuke store (see `key_and_verify`).
pub const CIPHER_HMAC_ALGORITHM: &str = "HMAC_SHA256";

const PLAINTEXT_MAGIC: &[u8; 16] = b"SQLite format 3\0";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum MetaState {
    /// Creation began and did not finish: nothing of value was written yet.
    Creating,
    Ready,
}

/// `store.json`: no secrets, only what is needed to find the key and open the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoreMeta {
    pub format: u32,
    pub store_id: String,
    pub state: MetaState,
    pub created_at: String,
    /// SQLCipher settings the file was created with (not stored in the file itself):
    /// a later build that changes its defaults still opens older stores with these.
    #[serde(default = "default_cipher_hmac")]
    pub cipher_hmac: String,
}

fn default_cipher_hmac() -> String {
    CIPHER_HMAC_ALGORITHM.to_owned()
}

impl StoreMeta {
    pub fn key_name(&self) -> String {
        format!("local-db-key/{}", self.store_id)
    }
}

#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }
    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn db_path(&self) -> PathBuf {
        self.root.join(DB_FILE)
    }
    pub fn meta_path(&self) -> PathBuf {
        self.root.join(META_FILE)
    }
    fn db_siblings(&self) -> Vec<PathBuf> {
        ["", "-wal", "-shm", "-journal"].iter().map(|s| self.root.join(format!("{DB_FILE}{s}"))).collect()
    }

    pub fn read_meta(&self) -> Result<Option<StoreMeta>> {
        let path = self.meta_path();
        match fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map(Some).map_err(|e| StoreError::MetaUnreadable(e.to_string()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(StoreError::MetaUnreadable(e.to_string())),
        }
    }

    fn write_meta(&self, meta: &StoreMeta) -> Result<()> {
        let tmp = self.root.join(format!("{META_FILE}.tmp"));
        {
            let mut opts = fs::OpenOptions::new();
            opts.write(true).create(true).truncate(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp)?;
            f.write_all(&serde_json::to_vec_pretty(meta).expect("meta serialises"))?;
            f.sync_all()?;
        }
        fs::rename(&tmp, self.meta_path())?;
        sync_dir(&self.root)?;
        Ok(())
    }

    /// True when the first 16 bytes are SQLite's plaintext header.
    pub fn db_is_plaintext(&self) -> Result<bool> {
        let mut header = [0u8; 16];
        let mut f = fs::File::open(self.db_path())?;
        let n = f.read(&mut header)?;
        Ok(n == 16 && &header == PLAINTEXT_MAGIC)
    }
}

fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    fs::File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn create_private_dir(dir: &Path) -> Result<()> {
    fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Create `path` empty with owner-only permissions, so that SQLite (which gives its
/// `-wal` and `-shm` files the main file's mode) never makes a group/world-readable file.
fn create_private_file(path: &Path) -> Result<()> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)?;
    Ok(())
}

fn key_pragma(key: &[u8]) -> Zeroizing<String> {
    Zeroizing::new(format!("x'{}'", hex::encode(key)))
}

/// Key a fresh connection and prove the key opens the file.
pub(crate) fn key_and_verify(conn: &Connection, key: &[u8], cipher_hmac: &str) -> Result<()> {
    if !["HMAC_SHA1", "HMAC_SHA256", "HMAC_SHA512"].contains(&cipher_hmac) {
        return Err(StoreError::MetaUnreadable(format!("unknown cipher_hmac {cipher_hmac}")));
    }
    let _ = conn.pragma_update(None, "cipher_log_level", "NONE");
    let pragma = key_pragma(key);
    conn.pragma_update(None, "key", &*pragma)?;
    // Page authentication with HMAC-SHA256 instead of SQLCipher 4's default SHA-512:
    // the same construction (AES-256-CBC + per-page HMAC), but SHA-256 runs on the
    // CPU's SHA extensions, which cuts per-page cost by about a third (docs/benchmarks.md).
    // Not stored in the file: it must be set on every open, before the first read.
    conn.pragma_update(None, "cipher_hmac_algorithm", cipher_hmac)?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get::<_, i64>(0)) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::NotADatabase => {
            return Err(StoreError::WrongKey)
        }
        Err(e) => return Err(e.into()),
    }
    let version: String = conn.query_row("PRAGMA cipher_version", [], |r| r.get(0))?;
    if version.trim().is_empty() {
        // Linked against plain SQLite: refuse rather than write plaintext.
        return Err(StoreError::NotEncrypted);
    }
    Ok(())
}

/// How long a statement waits for another connection's lock.
const BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

fn apply_pragmas(conn: &Connection) -> Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // FULL: a commit is on disk before the call returns (the UI may then say it happened).
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "secure_delete", "ON")?;
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // Keep decrypted pages in memory (64 MiB): SQLCipher decrypts a page on every
    // read from the OS cache, so a small page cache costs most of the encryption overhead.
    conn.pragma_update(None, "cache_size", -65_536)?;
    conn.busy_timeout(BUSY_WAIT)?;
    Ok(())
}

/// Once the WAL holds this many frames (pages), a commit copies it into the database
/// at once, as SQLite's own automatic checkpoint would (a sync's pages, a migration,
/// or folds that keep being put off); the truncation still waits for [`fold_wal`].
const FOLD_AT_ONCE_FRAMES: std::ffi::c_int = 1000;

/// How long [`fold_wal`] waits for another process's readers before it gives up for
/// this time (the store's writes wait up to 5 s; the upkeep must never hold the app
/// that long).
const FOLD_BUSY_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// Replace SQLite's automatic checkpoint (which copies the WAL into the database but
/// never truncates it) with our own: every commit marks `pending` for [`fold_wal`],
/// and once the WAL holds [`FOLD_AT_ONCE_FRAMES`] a commit also copies it in, as
/// SQLite's would (PASSIVE: it never waits for another process's readers, so a
/// commit is never held up by it).
///
/// Why: the `-wal` file keeps the page images of earlier commits, and with them what
/// later commits overwrote or deleted: the access log's earlier MAC keys (`audit.rs`,
/// forward security), a dropped escrow, purged residents. [`fold_wal`] leaves it at
/// zero bytes. It is not run after every commit, because its two extra fsyncs would
/// double a voucher lookup's cost (docs/benchmarks.md, "WAL truncation").
///
/// The commit has already happened when the hook runs: a checkpoint that cannot
/// finish is logged and left for the next fold, never reported as the commit's error.
pub(crate) fn install_wal_hook(conn: &mut Connection, pending: std::sync::Arc<AtomicBool>) -> Result<()> {
    conn.wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, frames| {
        pending.store(true, Ordering::Release);
        if frames >= FOLD_AT_ONCE_FRAMES {
            if let Err(e) = wal.checkpoint_v2(rusqlite::wal::CheckpointMode::PASSIVE) {
                tracing::warn!(error = %e, "a large WAL was not copied in; the next fold does it");
            }
        }
        Ok(())
    }))?;
    Ok(())
}

/// Copy the WAL into the database file and truncate it to zero bytes ([`crate::Store::fold_wal`]
/// calls it; the benchmark too, on a plain connection). Returns `false`
/// when another process's reader kept it from finishing (nothing is lost: the next
/// fold, or the last connection's close, finishes it).
pub fn fold_wal(conn: &Connection) -> Result<bool> {
    conn.busy_timeout(FOLD_BUSY_WAIT)?;
    let r = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0));
    conn.busy_timeout(BUSY_WAIT)?;
    Ok(r? == 0)
}

/// Open an existing store. Never creates anything.
pub fn open_existing(dir: &DataDir, keystore: &Keystore) -> Result<(Connection, StoreMeta)> {
    let meta = match dir.read_meta()? {
        Some(m) => m,
        None if dir.db_path().exists() => return Err(StoreError::MetaUnreadable("store.json is missing".into())),
        None => return Err(StoreError::NoStore),
    };
    if meta.state == MetaState::Creating {
        return Err(StoreError::NoStore);
    }
    if !dir.db_path().exists() {
        return Err(StoreError::DatabaseMissing);
    }
    if dir.db_is_plaintext()? {
        return Err(StoreError::NotEncrypted);
    }
    let key = keystore.get(&meta.key_name())?.ok_or(StoreError::KeyMissing)?;
    let mut conn = Connection::open_with_flags(
        dir.db_path(),
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )?;
    key_and_verify(&conn, &key, &meta.cipher_hmac)?;
    apply_pragmas(&conn)?;
    migrate::migrate(&mut conn)?;
    Ok((conn, meta))
}

/// Open the store, creating it (new key, new file) only when the directory holds none.
/// Returns `created = true` when it made a new one.
pub fn open_or_create(
    dir: &DataDir,
    keystore: &Keystore,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(Connection, StoreMeta, bool)> {
    match open_existing(dir, keystore) {
        Ok((c, m)) => Ok((c, m, false)),
        Err(StoreError::NoStore) => {
            let (c, m) = create(dir, keystore, now)?;
            Ok((c, m, true))
        }
        Err(e) => Err(e),
    }
}

fn create(dir: &DataDir, keystore: &Keystore, now: chrono::DateTime<chrono::Utc>) -> Result<(Connection, StoreMeta)> {
    create_private_dir(dir.root())?;
    // An interrupted creation left at most an empty, never-used store: clear it.
    if let Some(old) = dir.read_meta()? {
        if old.state == MetaState::Creating {
            for p in dir.db_siblings() {
                let _ = fs::remove_file(p);
            }
            let _ = keystore.delete(&old.key_name());
        }
    }
    if dir.db_path().exists() {
        // A database without a description: never overwrite it.
        return Err(StoreError::MetaUnreadable("store.json is missing".into()));
    }
    let mut meta = StoreMeta {
        format: 1,
        store_id: uuid::Uuid::now_v7().to_string(),
        state: MetaState::Creating,
        created_at: now.to_rfc3339(),
        cipher_hmac: CIPHER_HMAC_ALGORITHM.to_owned(),
    };
    dir.write_meta(&meta)?;

    let mut key = Zeroizing::new([0u8; 32]);
    getrandom::fill(key.as_mut()).map_err(|e| StoreError::KeystoreUnavailable(e.to_string()))?;
    keystore.set_verified(&meta.key_name(), key.as_ref())?;

    create_private_file(&dir.db_path())?;
    let mut conn = Connection::open_with_flags(
        dir.db_path(),
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    key_and_verify(&conn, key.as_ref(), &meta.cipher_hmac)?;
    apply_pragmas(&conn)?;
    migrate::migrate(&mut conn)?;
    // The file now has pages on disk: prove they are not plaintext before using it.
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")?;
    if dir.db_is_plaintext()? {
        return Err(StoreError::NotEncrypted);
    }
    meta.state = MetaState::Ready;
    dir.write_meta(&meta)?;
    Ok((conn, meta))
}

/// What `uketsuke-cli doctor` and the window's diagnostics report.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct DoctorReport {
    pub store_found: bool,
    pub key_present: bool,
    pub file_encrypted: bool,
    pub key_opens_store: bool,
    pub integrity_ok: bool,
    pub cipher_integrity_ok: bool,
    pub schema_version: Option<i64>,
    pub schema_latest: i64,
    pub cipher_version: Option<String>,
    pub residents: Option<i64>,
    pub pending_events: Option<i64>,
    /// Stable error code of the first failure, if any.
    pub error_code: Option<String>,
    pub error: Option<String>,
    pub ok: bool,
}

pub fn doctor(dir: &DataDir, keystore: &Keystore) -> DoctorReport {
    let mut r = DoctorReport {
        store_found: false,
        key_present: false,
        file_encrypted: false,
        key_opens_store: false,
        integrity_ok: false,
        cipher_integrity_ok: false,
        schema_version: None,
        schema_latest: migrate::latest_version(),
        cipher_version: None,
        residents: None,
        pending_events: None,
        error_code: None,
        error: None,
        ok: false,
    };
    let fail = |r: &mut DoctorReport, e: StoreError| {
        r.error_code = Some(e.code().to_owned());
        r.error = Some(e.to_string());
    };
    let meta = match dir.read_meta() {
        Ok(Some(m)) => m,
        Ok(None) => {
            fail(&mut r, StoreError::NoStore);
            return r;
        }
        Err(e) => {
            fail(&mut r, e);
            return r;
        }
    };
    r.store_found = dir.db_path().exists();
    r.key_present = matches!(keystore.get(&meta.key_name()), Ok(Some(_)));
    r.file_encrypted = r.store_found && matches!(dir.db_is_plaintext(), Ok(false));
    match open_existing(dir, keystore) {
        Ok((conn, _)) => {
            r.key_opens_store = true;
            r.cipher_version = conn.query_row("PRAGMA cipher_version", [], |row| row.get(0)).ok();
            r.schema_version = migrate::current_version(&conn).ok();
            let integrity: Result<String, _> = conn.query_row("PRAGMA integrity_check", [], |row| row.get(0));
            r.integrity_ok = matches!(integrity.as_deref(), Ok("ok"));
            // cipher_integrity_check returns one row per bad page; none means every HMAC verified.
            r.cipher_integrity_ok = conn
                .prepare("PRAGMA cipher_integrity_check")
                .and_then(|mut s| s.query_map([], |row| row.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>())
                .map(|rows| rows.is_empty())
                .unwrap_or(false);
            r.residents = conn.query_row("SELECT count(*) FROM residents", [], |row| row.get(0)).ok();
            r.pending_events =
                conn.query_row("SELECT count(*) FROM events WHERE sync_state = 'pending'", [], |row| row.get(0)).ok();
            if !r.integrity_ok || !r.cipher_integrity_ok {
                fail(&mut r, StoreError::IntegrityCheckFailed("see integrity_ok / cipher_integrity_ok".into()));
            }
        }
        Err(e) => fail(&mut r, e),
    }
    r.ok = r.error_code.is_none()
        && r.store_found
        && r.key_present
        && r.file_encrypted
        && r.key_opens_store
        && r.integrity_ok
        && r.cipher_integrity_ok
        && r.schema_version == Some(r.schema_latest);
    r
}

/// What a confirmed reset did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ResetReport {
    /// Where the unreadable store was set aside (still encrypted), if there was one.
    pub quarantined: bool,
    pub quarantine_name: Option<String>,
}

/// Set the current store aside (moved, still encrypted, never deleted) so a fresh one
/// can be created on the next open. Requires the confirmation word.
pub fn reset(dir: &DataDir, confirmation: &str, now: chrono::DateTime<chrono::Utc>) -> Result<ResetReport> {
    if confirmation.trim() != RESET_CONFIRMATION {
        return Err(StoreError::ResetNotConfirmed);
    }
    let present: Vec<PathBuf> =
        dir.db_siblings().into_iter().chain(std::iter::once(dir.meta_path())).filter(|p| p.exists()).collect();
    if present.is_empty() {
        return Ok(ResetReport { quarantined: false, quarantine_name: None });
    }
    let name = now.format("%Y%m%dT%H%M%S%.3fZ").to_string();
    let target = dir.root().join(QUARANTINE_DIR).join(&name);
    create_private_dir(&target)?;
    // Move the description last: until it moves, a crash leaves a store that still
    // refuses to open rather than one that looks new.
    let (meta, files): (Vec<_>, Vec<_>) = present.into_iter().partition(|p| p == &dir.meta_path());
    for p in files.into_iter().chain(meta) {
        let file_name = p.file_name().expect("file name").to_owned();
        fs::rename(&p, target.join(file_name))?;
    }
    sync_dir(dir.root())?;
    Ok(ResetReport { quarantined: true, quarantine_name: Some(name) })
}
