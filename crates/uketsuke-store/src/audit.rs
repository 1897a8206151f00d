//! The access log (アクセスログ): 処理日時, 職員, 部署, 端末, 処理事由, 宛名番号, 処理内容.
//! Written in the same transaction as the operation it records, as a hash chain
//! (`uketsuke_auth::chain`): every entry carries the previous entry's hash and its
//! own, so an edited, reordered or deleted entry breaks the chain where the
//! central service (or [`verify_local`]) checks it.
//!
//! Entries are shipped to the service with the sync; an entry is deleted from the
//! terminal only after a receipt covers it and it is older than the local
//! retention ([`prune`]; a trigger refuses anything else).
//!
//! Each entry also carries a forward-secure MAC (`uketsuke_auth::fsmac`, migration 5):
//! [`append`] MACs the entry with the current key (`audit_mac_key`) in the same INSERT
//! and overwrites the key with the next one, so whoever takes the terminal later holds
//! only the key for entries not yet written and cannot re-MAC an edited past. `K_0`
//! is made on the first append (`audit_mac_escrow`) and shipped to the service until
//! it acknowledges holding it ([`drop_mac_escrow`]).
//!
//! Erasure: the store runs with `secure_delete=ON`, so an overwritten key's bytes are
//! zeroed in the database file. In WAL mode the page images of recent commits, with
//! the keys they held, stay in the `-wal` file until it is folded in and truncated
//! ([`crate::Store::fold_wal`]: a moment after each write while the window runs, at
//! logout, at open, and by the sync right after [`drop_mac_escrow`] erased `K_0`).
//! `wal_tests.rs` reads the WAL back as the holder of the store's key would.

use chrono::{DateTime, Duration, Utc};
use rusqlite::{params, Connection, OptionalExtension};
use uketsuke_auth::chain::{self, ChainedEntry};
use uketsuke_auth::fsmac::{self, MacKey};
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};
use crate::views::AccessLogEntry;
use crate::Actor;

/// 処理内容 values.
pub mod ops {
    pub const SEARCH_VOUCHER: &str = "search_voucher";
    pub const SEARCH_KANA: &str = "search_kana";
    pub const VIEW: &str = "view";
    pub const LIST_ATTENDEES: &str = "list_attendees";
    pub const CHECK_IN: &str = "check_in";
    pub const CORRECT: &str = "correct";
    pub const CANCEL: &str = "cancel";
    pub const WALK_IN: &str = "walk_in_register";
    pub const STAFF_SELECTED: &str = "staff_selected";
    pub const ELIGIBILITY: &str = "eligibility";
    /// Logins, locks and unlocks: the service counts failed logins from these.
    pub use uketsuke_protocol::audit_ops::{
        ACCOUNT_LOCKED, ACCOUNT_UNLOCK, AUTHENTICATOR_REGISTER, LOCAL_RESET, LOGIN_FAIL, LOGIN_OK, LOGOUT,
    };
    /// A command the logged-in role may not run; `detail` names it.
    pub const REFUSED: &str = "refused";
    pub const VIEW_MY_NUMBER: &str = "view_my_number";
    pub const VIEW_AUDIT: &str = "view_audit";
    pub const PASSWORD_CHANGE: &str = "password_change";
    /// Export to external media: a request, a supervisor's decision, a write
    /// (started, done, failed) and a refused write (`detail` names the code).
    pub const EXPORT_REQUEST: &str = "export_request";
    pub const EXPORT_DECISION: &str = "export_decision";
    pub const EXPORT_WRITE_START: &str = "export_write_start";
    pub const EXPORT_WRITE: &str = "export_write";
    pub const EXPORT_WRITE_FAILED: &str = "export_write_failed";
    pub const EXPORT_REFUSED: &str = "export_refused";
}

/// 処理事由 for ordinary reception work.
pub const REASON_RECEPTION: &str = "集団検診受付";
/// 処理事由 for logins and logouts.
pub const REASON_AUTH: &str = "認証";
/// The reason of export entries.
pub const REASON_EXPORT: &str = "外部媒体への出力";

/// The chain's last link: `(seq, entry_hash)`, or `(0, GENESIS)` for an empty log.
fn head(conn: &Connection) -> Result<(i64, String)> {
    let row: Option<(i64, String)> = conn
        .prepare_cached("SELECT seq, entry_hash FROM access_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(match row {
        Some((seq, hash)) if !hash.is_empty() => (seq, hash),
        Some((seq, _)) => {
            // Unsealed legacy rows (before the chain existed): seal them first.
            seal_legacy(conn)?;
            let hash: String =
                conn.query_row("SELECT entry_hash FROM access_log WHERE seq = ?1", [seq], |r| r.get(0))?;
            (seq, hash)
        }
        None => (0, chain::GENESIS.to_owned()),
    })
}

/// Seal, in order, entries written before the chain existed (migration 3).
pub fn seal_legacy(conn: &Connection) -> Result<usize> {
    let mut unsealed = read_entries(conn, "WHERE entry_hash = '' ORDER BY seq", [])?;
    if unsealed.is_empty() {
        return Ok(0);
    }
    let first = unsealed[0].seq;
    let mut prev: String = conn
        .query_row("SELECT entry_hash FROM access_log WHERE seq < ?1 ORDER BY seq DESC LIMIT 1", [first], |r| r.get(0))
        .optional()?
        .unwrap_or_else(|| chain::GENESIS.to_owned());
    for e in &mut unsealed {
        e.prev_hash = prev.clone();
        chain::seal(e);
        conn.execute(
            "UPDATE access_log SET prev_hash = ?2, entry_hash = ?3 WHERE seq = ?1",
            params![e.seq, e.prev_hash, e.entry_hash],
        )?;
        prev = e.entry_hash.clone();
    }
    Ok(unsealed.len())
}

#[allow(clippy::too_many_arguments)]
pub fn append(
    conn: &Connection,
    actor: &Actor,
    terminal_id: &str,
    now: DateTime<Utc>,
    reason: &str,
    resident_id: Option<&str>,
    operation: &str,
    detail: &str,
) -> Result<()> {
    let (last_seq, prev_hash) = head(conn)?;
    let mut e = ChainedEntry {
        seq: last_seq + 1,
        entry_id: uuid::Uuid::now_v7().to_string(),
        at: now.to_rfc3339(),
        staff_id: actor.staff_id.clone(),
        department: actor.department.clone(),
        terminal_id: terminal_id.to_owned(),
        reason: reason.to_owned(),
        resident_id: resident_id.map(str::to_owned),
        operation: operation.to_owned(),
        detail: detail.to_owned(),
        prev_hash,
        entry_hash: String::new(),
        mac: None,
    };
    chain::seal(&mut e);
    // The entry, its MAC and the key's evolution commit together (or not at all):
    // a savepoint nests in the caller's transaction and is its own one without.
    conn.execute_batch("SAVEPOINT uketsuke_audit_append")?;
    match insert_with_mac(conn, &mut e) {
        Ok(()) => {
            conn.execute_batch("RELEASE uketsuke_audit_append")?;
            Ok(())
        }
        Err(err) => {
            let _ = conn.execute_batch("ROLLBACK TO uketsuke_audit_append; RELEASE uketsuke_audit_append");
            Err(err)
        }
    }
}

fn insert_with_mac(conn: &Connection, e: &mut ChainedEntry) -> Result<()> {
    let key = mac_key_for(conn, e.seq)?;
    e.mac = Some(key.mac(&e.entry_hash));
    conn.prepare_cached(
        "INSERT INTO access_log (seq, entry_id, at, staff_id, department, terminal_id, reason, resident_id, operation,
                                 detail, prev_hash, entry_hash, mac)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        e.seq,
        e.entry_id,
        e.at,
        e.staff_id,
        e.department,
        e.terminal_id,
        e.reason,
        e.resident_id,
        e.operation,
        e.detail,
        e.prev_hash,
        e.entry_hash,
        e.mac
    ])?;
    // K_seq is replaced by K_seq+1 in place (secure_delete zeroes the old bytes).
    let next = key.evolve();
    drop(key);
    conn.prepare_cached(
        "INSERT INTO audit_mac_key (id, next_seq, key) VALUES (1, ?1, ?2)
         ON CONFLICT (id) DO UPDATE SET next_seq = excluded.next_seq, key = excluded.key",
    )?
    .execute(params![e.seq + 1, next.as_bytes()])?;
    Ok(())
}

fn stored_key(bytes: Zeroizing<Vec<u8>>) -> Result<MacKey> {
    MacKey::from_bytes(&bytes).map_err(|e| StoreError::Corrupt(format!("access-log MAC key: {e}")))
}

/// The key for entry `seq`: the stored current key, or a new `K_0` (escrowed from
/// `seq` on) on the first append after migration 5.
fn mac_key_for(conn: &Connection, seq: i64) -> Result<MacKey> {
    let row: Option<(i64, Zeroizing<Vec<u8>>)> = conn
        .prepare_cached("SELECT next_seq, key FROM audit_mac_key WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, Zeroizing::new(r.get::<_, Vec<u8>>(1)?))))
        .optional()?;
    match row {
        None => {
            let k0 = MacKey::generate().map_err(|e| StoreError::Io(std::io::Error::other(e.to_string())))?;
            let recipient = crate::sync::get_value(conn, ESCROW_RECIPIENT)?;
            insert_escrow(conn, seq, &k0, recipient.as_deref())?;
            tracing::info!(
                start_seq = seq,
                sealed = recipient.is_some(),
                "new access-log MAC key; escrowed at the next sync"
            );
            Ok(k0)
        }
        Some((next_seq, key)) if next_seq == seq => stored_key(key),
        // Entries written without going through `append` (there are none): catch up,
        // deterministically; those entries carry no MAC and the service refuses them.
        Some((next_seq, key)) if next_seq < seq => Ok(fsmac::key_at(&stored_key(key)?, (seq - next_seq) as u64)),
        Some((next_seq, _)) => Err(StoreError::Corrupt(format!(
            "the access-log MAC key is for entry {next_seq}, ahead of the log's next entry {seq}"
        ))),
    }
}

/// Where the service's escrow recipient (`age1…`, from the pull) is kept, in `sync_state`.
pub const ESCROW_RECIPIENT: &str = "audit_escrow_recipient";

/// The escrowed `K_0`, as this store keeps it.
pub enum Escrow {
    /// A store that has not met the service (the demo never will).
    Clear(MacKey),
    /// Sealed to the service's escrow recipient: nobody here can read it back.
    Sealed { sealed: Vec<u8>, fingerprint: String },
}

impl Escrow {
    /// `K_0` itself, if this store still keeps it in clear.
    pub fn clear(&self) -> Option<&MacKey> {
        match self {
            Escrow::Clear(k) => Some(k),
            Escrow::Sealed { .. } => None,
        }
    }

    /// [`MacKey::fingerprint`] of `K_0`, as the service's acknowledgement names it.
    pub fn fingerprint(&self) -> String {
        match self {
            Escrow::Clear(k) => k.fingerprint(),
            Escrow::Sealed { fingerprint, .. } => fingerprint.clone(),
        }
    }
}

fn insert_escrow(conn: &Connection, start_seq: i64, k0: &MacKey, recipient: Option<&str>) -> Result<()> {
    match recipient {
        Some(r) => {
            let sealed = uketsuke_export::encrypt_to_recipient(k0.as_bytes(), r)
                .map_err(|e| StoreError::Io(std::io::Error::other(format!("sealing the access-log key: {e}"))))?;
            conn.prepare_cached(
                "INSERT INTO audit_mac_escrow (id, start_seq, sealed, fingerprint) VALUES (1, ?1, ?2, ?3)",
            )?
            .execute(params![start_seq, sealed, k0.fingerprint()])?;
        }
        None => {
            conn.prepare_cached("INSERT INTO audit_mac_escrow (id, start_seq, key) VALUES (1, ?1, ?2)")?
                .execute(params![start_seq, k0.as_bytes()])?;
        }
    }
    Ok(())
}

/// `K_0` and the seq it starts at, while the service has not acknowledged it.
pub fn mac_escrow(conn: &Connection) -> Result<Option<(i64, Escrow)>> {
    type Row = (i64, Option<Zeroizing<Vec<u8>>>, Option<Vec<u8>>, Option<String>);
    let row: Option<Row> = conn
        .query_row("SELECT start_seq, key, sealed, fingerprint FROM audit_mac_escrow WHERE id = 1", [], |r| {
            Ok((r.get(0)?, r.get::<_, Option<Vec<u8>>>(1)?.map(Zeroizing::new), r.get(2)?, r.get(3)?))
        })
        .optional()?;
    row.map(|(start_seq, key, sealed, fingerprint)| {
        let escrow = match (key, sealed, fingerprint) {
            (Some(key), None, _) => Escrow::Clear(stored_key(key)?),
            (None, Some(sealed), Some(fingerprint)) => Escrow::Sealed { sealed, fingerprint },
            _ => return Err(StoreError::Corrupt("the access-log key escrow is neither clear nor sealed".into())),
        };
        Ok((start_seq, escrow))
    })
    .transpose()
}

/// The service's escrow recipient arrived (with a pull): keep it for the next
/// chain's `K_0`, and seal a `K_0` kept in clear so far. Returns whether it sealed
/// one. A recipient that does not parse is ignored (and logged): logging must not
/// stop over it.
pub fn set_escrow_recipient(conn: &Connection, recipient: &str) -> Result<bool> {
    if uketsuke_export::parse_recipient(recipient).is_err() {
        tracing::warn!("the service sent an escrow recipient that is not an age X25519 recipient; ignored");
        return Ok(false);
    }
    crate::sync::set_value(conn, ESCROW_RECIPIENT, recipient)?;
    let Some((start_seq, Escrow::Clear(k0))) = mac_escrow(conn)? else { return Ok(false) };
    // Written once, so replaced: the clear row's bytes are zeroed (secure_delete), and
    // its page images leave the WAL at the next fold.
    conn.execute("DELETE FROM audit_mac_escrow WHERE id = 1", [])?;
    insert_escrow(conn, start_seq, &k0, Some(recipient))?;
    Ok(true)
}

/// Erase `K_0` once the service acknowledged holding exactly it (same start and
/// [`MacKey::fingerprint`]). Returns whether it was erased; the caller then folds the
/// WAL ([`crate::Store::fold_wal`]), so no page image of `K_0` stays in the `-wal` file.
pub fn drop_mac_escrow(conn: &Connection, start_seq: i64, fingerprint: &str) -> Result<bool> {
    let Some((held_start, k0)) = mac_escrow(conn)? else { return Ok(false) };
    if held_start != start_seq || k0.fingerprint() != fingerprint {
        return Ok(false);
    }
    drop(k0);
    conn.execute("DELETE FROM audit_mac_escrow WHERE id = 1", [])?;
    Ok(true)
}

const ENTRY_COLUMNS: &str =
    "seq, entry_id, at, staff_id, department, terminal_id, reason, resident_id, operation, detail, prev_hash, entry_hash,
     mac";

fn read_entries(conn: &Connection, tail: &str, p: impl rusqlite::Params) -> Result<Vec<ChainedEntry>> {
    let mut stmt = conn.prepare(&format!("SELECT {ENTRY_COLUMNS} FROM access_log {tail}"))?;
    let rows = stmt.query_map(p, |r| {
        Ok(ChainedEntry {
            seq: r.get(0)?,
            entry_id: r.get(1)?,
            at: r.get(2)?,
            staff_id: r.get(3)?,
            department: r.get(4)?,
            terminal_id: r.get(5)?,
            reason: r.get(6)?,
            resident_id: r.get(7)?,
            operation: r.get(8)?,
            detail: r.get(9)?,
            prev_hash: r.get(10)?,
            entry_hash: r.get(11)?,
            mac: r.get(12)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Entries after `after_seq`, oldest first (what the next shipment carries).
pub fn entries_after(conn: &Connection, after_seq: i64, limit: usize) -> Result<Vec<ChainedEntry>> {
    seal_legacy(conn)?;
    read_entries(conn, "WHERE seq > ?1 ORDER BY seq LIMIT ?2", params![after_seq, limit as i64])
}

/// The chain's head as `(seq, entry_hash)`.
pub fn chain_head(conn: &Connection) -> Result<(i64, String)> {
    head(conn)
}

/// Check the local chain from its oldest kept entry (earlier ones were pruned
/// after a receipt, whose hash the oldest kept entry must continue).
pub fn verify_local(conn: &Connection) -> Result<std::result::Result<(), chain::ChainError>> {
    seal_legacy(conn)?;
    let entries = read_entries(conn, "ORDER BY seq", [])?;
    let Some(first) = entries.first() else { return Ok(Ok(())) };
    let receipt: Option<(i64, String)> = conn
        .query_row("SELECT seq, entry_hash FROM audit_receipts ORDER BY seq DESC LIMIT 1", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let expected_prev = if first.seq == 1 {
        chain::GENESIS.to_owned()
    } else {
        match receipt {
            // Pruned up to a receipted entry: the oldest kept entry links to a hash
            // the receipts vouch for, or to one of the kept entries' predecessors.
            Some(_) => first.prev_hash.clone(),
            None => return Ok(Err(chain::ChainError { seq: 1, kind: chain::ChainErrorKind::Gap })),
        }
    };
    Ok(chain::verify_chain(&entries, &expected_prev, first.seq))
}

/// Delete entries covered by a receipt and older than `keep` (the terminal keeps
/// recent entries for the supervisor's audit view; the service keeps all).
pub fn prune(conn: &Connection, now: DateTime<Utc>, keep: Duration) -> Result<usize> {
    let receipted: i64 = conn
        .query_row("SELECT CAST(value AS INTEGER) FROM sync_state WHERE key = 'audit_receipt_seq'", [], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let cutoff = (now - keep).to_rfc3339();
    // The newest entry always stays: it is the head the next entry links to.
    Ok(conn.execute(
        "DELETE FROM access_log WHERE seq <= ?1 AND at < ?2 AND seq < (SELECT max(seq) FROM access_log)",
        params![receipted, cutoff],
    )?)
}

/// A filter for the supervisor's audit view.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter<'a> {
    pub staff_id: Option<&'a str>,
    pub resident_id: Option<&'a str>,
    pub operation: Option<&'a str>,
    /// RFC 3339 bounds on `at`, `to` exclusive.
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// Newest first.
pub fn query(conn: &Connection, f: &AuditFilter<'_>, limit: u32) -> Result<Vec<AccessLogEntry>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, staff_id, department, terminal_id, reason, resident_id, operation, detail
         FROM access_log
         WHERE (?1 IS NULL OR staff_id = ?1) AND (?2 IS NULL OR resident_id = ?2) AND (?3 IS NULL OR operation = ?3)
           AND (?4 IS NULL OR at >= ?4) AND (?5 IS NULL OR at < ?5)
         ORDER BY seq DESC LIMIT ?6",
    )?;
    let rows = stmt.query_map(params![f.staff_id, f.resident_id, f.operation, f.from, f.to, limit], |r| {
        Ok(AccessLogEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            staff_id: r.get(2)?,
            department: r.get(3)?,
            terminal_id: r.get(4)?,
            reason: r.get(5)?,
            resident_id: r.get(6)?,
            operation: r.get(7)?,
            detail: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Newest first; optionally one resident's entries only.
pub fn list(conn: &Connection, resident_id: Option<&str>, limit: u32) -> Result<Vec<AccessLogEntry>> {
    query(conn, &AuditFilter { resident_id, ..Default::default() }, limit)
}

#[cfg(test)]
mod tests {
    use rusqlite::types::ValueRef;

    use super::*;
    use crate::testutil::{now, seeded};

    fn write(conn: &Connection, actor: &Actor, n: usize) {
        for i in 0..n {
            append(conn, actor, "T-01", now(), REASON_RECEPTION, Some("0000000001"), ops::VIEW, &format!("{i}"))
                .unwrap();
        }
    }

    fn current_key(conn: &Connection) -> (i64, MacKey) {
        conn.query_row("SELECT next_seq, key FROM audit_mac_key", [], |r| {
            Ok((r.get(0)?, MacKey::from_bytes(&r.get::<_, Vec<u8>>(1)?).unwrap()))
        })
        .unwrap()
    }

    /// Whether `key` (raw or as hex) is anywhere in any table of the store.
    fn anywhere_in_db(conn: &Connection, key: &MacKey) -> bool {
        let raw = key.as_bytes();
        let hex = key.to_hex();
        let tables: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let contains = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
        for t in tables {
            let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\"")).unwrap();
            let cols = stmt.column_count();
            let mut rows = stmt.query([]).unwrap();
            while let Some(row) = rows.next().unwrap() {
                for i in 0..cols {
                    let found = match row.get_ref(i).unwrap() {
                        ValueRef::Blob(b) => contains(b, raw),
                        ValueRef::Text(s) => contains(s, hex.as_bytes()) || contains(s, raw),
                        _ => false,
                    };
                    if found {
                        return true;
                    }
                }
            }
        }
        false
    }

    #[test]
    fn asvs_16_4_2_append_macs_each_entry_and_erases_the_key_it_used() {
        let t = seeded("fsmac", 1);
        let conn = t.store.connection();
        // K_0 is made on the first append (selecting the staff member, here) and kept
        // for the escrow, from that entry on.
        let (start, k0) = mac_escrow(conn).unwrap().expect("escrow");
        let k0 = k0.clear().expect("a demo store keeps K_0 in clear").clone();
        assert_eq!(start, 1);
        assert_eq!(chain_head(conn).unwrap().0, 1);
        let first = start;
        let mut used = vec![k0.clone()];
        for _ in 0..4 {
            let (next_seq, k) = current_key(conn);
            assert_eq!(next_seq, chain_head(conn).unwrap().0 + 1);
            assert!(!used.contains(&k), "the key changes at every append");
            used.push(k);
            write(conn, &t.actor, 1);
        }
        let entries = entries_after(conn, first - 1, 100).unwrap();
        assert_eq!(entries.len(), 5);
        for e in &entries {
            let k_i = fsmac::key_at(&k0, (e.seq - start) as u64);
            assert!(fsmac::verify(&k_i, &e.entry_hash, e.mac.as_deref().expect("a MAC")), "entry {}", e.seq);
        }
        // Exactly one key row, for the next entry; every key used so far is gone from
        // every table, except K_0 in the escrow row until the service holds it.
        assert_eq!(conn.query_row("SELECT count(*) FROM audit_mac_key", [], |r| r.get::<_, i64>(0)).unwrap(), 1);
        let (next_seq, k) = current_key(conn);
        assert_eq!(next_seq, first + 5);
        assert_eq!(k, fsmac::key_at(&k0, 5));
        for old in &used[1..] {
            assert!(!anywhere_in_db(conn, old));
        }
        assert!(anywhere_in_db(conn, &k0));
        // The hash chain is as before.
        assert_eq!(verify_local(conn).unwrap(), Ok(()));
    }

    #[test]
    fn asvs_16_4_2_k0_is_erased_only_when_the_service_holds_exactly_it() {
        let t = seeded("fsmac-escrow", 1);
        let conn = t.store.connection();
        write(conn, &t.actor, 2);
        let (start, k0) = mac_escrow(conn).unwrap().unwrap();
        let k0 = k0.clear().unwrap().clone();
        let other = MacKey::generate().unwrap();
        assert!(!drop_mac_escrow(conn, start, &other.fingerprint()).unwrap());
        assert!(!drop_mac_escrow(conn, start + 1, &k0.fingerprint()).unwrap());
        assert!(mac_escrow(conn).unwrap().is_some());
        // The escrow is written once.
        assert!(conn.execute("UPDATE audit_mac_escrow SET start_seq = 1", []).is_err());
        assert!(drop_mac_escrow(conn, start, &k0.fingerprint()).unwrap());
        assert!(mac_escrow(conn).unwrap().is_none());
        assert!(!anywhere_in_db(conn, &k0));
        assert!(!drop_mac_escrow(conn, start, &k0.fingerprint()).unwrap());
        // The log goes on with the evolving key; no new K_0.
        write(conn, &t.actor, 1);
        assert!(mac_escrow(conn).unwrap().is_none());
        let last = entries_after(conn, 0, 100).unwrap().pop().unwrap();
        assert!(fsmac::verify(&fsmac::key_at(&k0, (last.seq - start) as u64), &last.entry_hash, &last.mac.unwrap()));
        // The key only moves forward.
        assert!(conn.execute("UPDATE audit_mac_key SET next_seq = next_seq - 1", []).is_err());
    }

    #[test]
    fn append_stays_transaction_neutral() {
        let mut t = seeded("fsmac-tx", 1);
        write(t.store.connection(), &t.actor, 1);
        let before = current_key(t.store.connection());
        let head = chain_head(t.store.connection()).unwrap();
        {
            let tx = t.store.connection_mut().transaction().unwrap();
            write(&tx, &t.actor, 2);
            // Rolled back with the caller's transaction: the key did not move either.
        }
        assert_eq!(current_key(t.store.connection()), before);
        assert_eq!(chain_head(t.store.connection()).unwrap(), head);
        {
            let tx = t.store.connection_mut().transaction().unwrap();
            write(&tx, &t.actor, 2);
            tx.commit().unwrap();
        }
        assert_eq!(current_key(t.store.connection()).0, before.0 + 2);
        // Outside a transaction, an append commits on its own.
        write(t.store.connection(), &t.actor, 1);
        assert!(t.store.connection().is_autocommit());
        assert_eq!(current_key(t.store.connection()).0, before.0 + 3);
    }

    #[test]
    fn a_key_ahead_of_the_log_is_refused_not_reused() {
        let t = seeded("fsmac-ahead", 1);
        let conn = t.store.connection();
        write(conn, &t.actor, 1);
        conn.execute("UPDATE audit_mac_key SET next_seq = next_seq + 5", []).unwrap();
        let err = append(conn, &t.actor, "T-01", now(), REASON_RECEPTION, None, ops::VIEW, "").unwrap_err();
        assert_eq!(err.code(), "STORE_CORRUPT");
        assert!(conn.is_autocommit(), "the failed append left no transaction open");
    }
}
