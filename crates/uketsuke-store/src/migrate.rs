//! Numbered schema migrations from `migrations/local/`, tracked in `PRAGMA user_version`.
//!
//! A small runner instead of `rusqlite_migration`/`refinery`: both pin rusqlite ≤ 0.40,
//! and we need 0.43 for SQLCipher 4.20. Each migration runs in its own transaction
//! together with the version bump, so a crash leaves the store at one version or the next.

use rusqlite::Connection;

use crate::error::{Result, StoreError};

/// (version, sql). Append only; never edit a migration that has shipped.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../../migrations/local/0001_initial.sql")),
    (2, include_str!("../../../migrations/local/0002_sync.sql")),
    (3, include_str!("../../../migrations/local/0003_login_audit.sql")),
    (4, include_str!("../../../migrations/local/0004_export.sql")),
    (5, include_str!("../../../migrations/local/0005_audit_mac.sql")),
];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|(v, _)| *v).unwrap_or(0)
}

pub fn current_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Bring the schema to the latest version. Refuses a store written by a newer build.
pub fn migrate(conn: &mut Connection) -> Result<i64> {
    let found = current_version(conn)?;
    let known = latest_version();
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > found) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "applied local migration");
    }
    current_version(conn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_strictly_increasing_from_one() {
        let versions: Vec<i64> = MIGRATIONS.iter().map(|(v, _)| *v).collect();
        let expected: Vec<i64> = (1..=versions.len() as i64).collect();
        assert_eq!(versions, expected);
    }

    #[test]
    fn migrates_once_and_refuses_newer() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), latest_version());
        // idempotent
        assert_eq!(migrate(&mut conn).unwrap(), latest_version());
        conn.pragma_update(None, "user_version", latest_version() + 1).unwrap();
        assert!(matches!(migrate(&mut conn), Err(StoreError::SchemaTooNew { .. })));
    }
}
