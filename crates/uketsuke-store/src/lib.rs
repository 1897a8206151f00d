//! Uketsuke's encrypted local store.
//!
//! - [`db`]: create / open / verify / doctor / reset the SQLCipher file; key in the OS
//!   credential store ([`keystore`]).
//! - [`migrate`]: numbered migrations from `migrations/local/`.
//! - [`Store`]: every read and write the venue does. Each write runs in one
//!   transaction that also appends an outbox event and an access-log entry.
//! - [`export`]: an export's dataset (protected residents left out), used
//!   grants and the export ledger.
//!
//! Time is passed in (`now`), never read from the clock here.

pub mod accounts;
pub mod audit;
pub mod catalog;
pub mod db;
pub mod error;
pub mod events;
pub mod export;
pub mod keystore;
pub mod migrate;
pub mod ops;
pub mod reception;
pub mod residents;
pub mod sync;
pub mod views;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use rusqlite::Connection;

pub use db::{DataDir, DoctorReport, ResetReport, StoreMeta, RESET_CONFIRMATION};
pub use error::{Result, StoreError};
pub use keystore::Keystore;

/// Venues are in Japan: business dates ("today", fiscal years) are in JST.
pub fn jst() -> FixedOffset {
    FixedOffset::east_opt(9 * 3600).expect("valid offset")
}

pub fn business_date(now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&jst()).date_naive()
}

/// Who does something, for events and the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub staff_id: String,
    pub department: String,
}

/// An open, verified, migrated store.
pub struct Store {
    conn: Connection,
    meta: StoreMeta,
    terminal_id: String,
    /// A commit since the WAL was last truncated ([`Store::fold_wal`]).
    wal_pending: Arc<AtomicBool>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("store_id", &self.meta.store_id).finish()
    }
}

impl Store {
    /// Open an existing store (the CLI's read commands): never creates one.
    pub fn open_existing(dir: &DataDir, keystore: &Keystore) -> Result<Store> {
        let (conn, meta) = db::open_existing(dir, keystore)?;
        Store::from_parts(conn, meta)
    }

    /// Open the store, creating it on first start. `created` tells the caller to seed it.
    pub fn open_or_create(dir: &DataDir, keystore: &Keystore, now: DateTime<Utc>) -> Result<(Store, bool)> {
        let (conn, meta, created) = db::open_or_create(dir, keystore, now)?;
        Ok((Store::from_parts(conn, meta)?, created))
    }

    fn from_parts(mut conn: Connection, meta: StoreMeta) -> Result<Store> {
        let wal_pending = Arc::new(AtomicBool::new(true));
        db::install_wal_hook(&mut conn, wal_pending.clone())?;
        let terminal_id = ensure_terminal_id(&conn)?;
        // A first sync cut short leaves the roster without its indexes: build them.
        if sync::ensure_roster_indexes(&conn)? {
            tracing::info!("roster indexes rebuilt after an interrupted first sync");
        }
        let store = Store { conn, meta, terminal_id, wal_pending };
        // What a crash, an earlier version or the migrations left in the WAL. A fold
        // that fails leaves the store usable (the next one retries).
        if let Err(e) = store.fold_wal() {
            tracing::warn!(error = %e, "WAL not folded at open; retried after the next write");
        }
        Ok(store)
    }

    /// Fold the WAL into the database file and truncate it to zero bytes, if anything
    /// was committed since the last fold: afterwards no file in the data directory
    /// holds an earlier version of any page (an earlier access-log MAC key, a deleted
    /// row). The app calls it when a session ends and, while it runs, a moment after
    /// every write (`uketsuke_api::run_wal_upkeep`). Returns `false` when another
    /// process's reader kept it from finishing (the next call retries). Commits made
    /// by another process on the same files are folded by that process when it closes.
    pub fn fold_wal(&self) -> Result<bool> {
        if !self.wal_pending.swap(false, Ordering::AcqRel) {
            return Ok(true);
        }
        let done = db::fold_wal(&self.conn).inspect_err(|_| self.wal_pending.store(true, Ordering::Release))?;
        if !done {
            self.wal_pending.store(true, Ordering::Release);
            tracing::info!("WAL fold postponed: another process is reading the store");
        }
        Ok(done)
    }

    pub fn meta(&self) -> &StoreMeta {
        &self.meta
    }

    /// This terminal's id (a UUIDv7 made at first start; enrollment replaces it later).
    pub fn terminal_id(&self) -> &str {
        &self.terminal_id
    }

    /// For modules in this crate and for benchmarks that drive the same code on a
    /// plain connection. Not for ad-hoc SQL from callers.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn connection_mut(&mut self) -> &mut Connection {
        &mut self.conn
    }
}

/// Make (once) and return this terminal's id, kept in the `meta` table.
pub fn ensure_terminal_id(conn: &Connection) -> Result<String> {
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('terminal_id', ?1)",
        [uuid::Uuid::now_v7().to_string()],
    )?;
    Ok(conn.query_row("SELECT value FROM meta WHERE key = 'terminal_id'", [], |r| r.get(0))?)
}

#[cfg(test)]
mod export_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;
#[cfg(test)]
mod wal_tests;
