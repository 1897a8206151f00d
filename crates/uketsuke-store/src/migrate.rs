//! Numbered schema migrations from `migrations/local/`, tracked in `PRAGMA user_version`.
//!
//! A small runner instead of `rusqlite_migration`/`refinery`: both pin rusqlite ≤ 0.40,
//! and we need 0.43 for SQLCipher 4.20. Each migration runs in its own transaction
//! together with the version bump, so a crash leaves the store at one version or the next.

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Result, StoreError};

/// (version, sql). Append only; never edit a migration that has shipped.
pub const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../../migrations/local/0001_initial.sql")),
    (2, include_str!("../../../migrations/local/0002_sync.sql")),
    (3, include_str!("../../../migrations/local/0003_login_audit.sql")),
    (4, include_str!("../../../migrations/local/0004_export.sql")),
    (5, include_str!("../../../migrations/local/0005_audit_mac.sql")),
    (6, include_str!("../../../migrations/local/0006_check_without_in_lists.sql")),
    (7, include_str!("../../../migrations/local/0007_login_identity.sql")),
    (8, include_str!("../../../migrations/local/0008_dv_minimised.sql")),
    (9, include_str!("../../../migrations/local/0009_sealed_escrow.sql")),
];

pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|(v, _)| *v).unwrap_or(0)
}

pub fn current_version(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Bring the schema to the latest version. Refuses a store written by a newer build.
///
/// Foreign-key enforcement is off while migrations run, as SQLite's procedure for
/// rebuilding a table requires (dropping the old table must not touch the rows that
/// refer to it); each migration instead ends with `PRAGMA foreign_key_check` and is
/// rolled back if any reference is broken.
pub fn migrate(conn: &mut Connection) -> Result<i64> {
    let found = current_version(conn)?;
    let known = latest_version();
    if found > known {
        return Err(StoreError::SchemaTooNew { found, known });
    }
    let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    conn.pragma_update(None, "foreign_keys", false)?;
    let result = apply(conn, MIGRATIONS, found, known);
    conn.pragma_update(None, "foreign_keys", enforced)?;
    result?;
    current_version(conn)
}

/// Apply the migrations after `from` up to and including `to`.
fn apply(conn: &mut Connection, migrations: &[(i64, &str)], from: i64, to: i64) -> Result<()> {
    for (version, sql) in migrations.iter().filter(|(v, _)| *v > from && *v <= to) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        let broken: Option<String> = tx
            .query_row("SELECT \"table\" || ' → ' || parent FROM pragma_foreign_key_check LIMIT 1", [], |r| r.get(0))
            .optional()?;
        if let Some(what) = broken {
            return Err(StoreError::IntegrityCheckFailed(format!("migration {version} breaks a reference: {what}")));
        }
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(version, "applied local migration");
    }
    Ok(())
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

    fn ephemeral_tables_per_insert(conn: &Connection, table: &str) -> usize {
        let columns: i64 =
            conn.query_row(&format!("SELECT count(*) FROM pragma_table_info('{table}')"), [], |r| r.get(0)).unwrap();
        let placeholders = vec!["NULL"; columns as usize].join(", ");
        let mut stmt = conn.prepare(&format!("EXPLAIN INSERT INTO {table} VALUES ({placeholders})")).unwrap();
        let ops: Vec<String> = stmt.query_map([], |r| r.get(1)).unwrap().collect::<rusqlite::Result<_>>().unwrap();
        ops.iter().filter(|op| op.as_str() == "OpenEphemeral").count()
    }

    #[test]
    fn writing_a_resident_an_event_or_a_screening_builds_no_temporary_btree() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn, MIGRATIONS, 0, 5).unwrap();
        // Schema 5 still had the IN lists: this is what the test would catch coming back.
        assert_eq!(ephemeral_tables_per_insert(&conn, "residents"), 1);
        migrate(&mut conn).unwrap();
        for table in ["residents", "events", "visit_screenings"] {
            assert_eq!(ephemeral_tables_per_insert(&conn, table), 0, "{table}");
        }
    }

    #[test]
    fn the_rewritten_checks_refuse_what_the_old_ones_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        let resident = |sex: &str| {
            conn.execute(
                "INSERT INTO residents (resident_id, name_kanji, name_kana, kana_key, sex, birth_date, postal_code,
                                        address, phone, copay_category, dv_support)
                 VALUES (?1, '山田　花子', 'ヤマダ　ハナコ', 'ヤマダハナコ', ?2, '1960-01-01', '', '', '', 'standard', 0)",
                [format!("R-{sex}"), sex.to_owned()],
            )
        };
        for ok in ["male", "female", "unknown"] {
            resident(ok).unwrap();
        }
        for bad in ["Male", "other", ""] {
            assert!(resident(bad).is_err(), "{bad:?} accepted");
        }
        let event = |id: &str, state: &str| {
            conn.execute(
                "INSERT INTO events (event_id, event_type, aggregate_id, payload, occurred_at, staff_id, terminal_id, sync_state)
                 VALUES (?1, 't', 'a', '{}', '2026-11-24T09:00:00+09:00', 'S0001', 'T1', ?2)",
                [id, state],
            )
        };
        for (i, ok) in ["pending", "accepted", "rejected"].iter().enumerate() {
            event(&format!("E{i}"), ok).unwrap();
        }
        assert!(event("E9", "sent").is_err());
    }

    #[test]
    fn a_store_at_schema_5_keeps_its_rows_references_and_event_numbers() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn, MIGRATIONS, 0, 5).unwrap();
        conn.execute_batch(
            "INSERT INTO venues VALUES ('V01', '保健センター', 'みなと市');
             INSERT INTO sessions VALUES ('S1', 'V01', '2026-11-24', '09:00', '12:00');
             INSERT INTO programmes VALUES ('gan', '胃がん', 'Stomach', '{}', NULL, '{}', '{}', 500, 1);
             INSERT INTO residents (resident_id, name_kanji, name_kana, kana_key, sex, birth_date, postal_code,
                                    address, phone, copay_category, dv_support)
                 VALUES ('R1', '髙橋　一郎', 'タカハシ　イチロウ', 'タカハシイチロウ', 'male', '1960-01-01', '', '', '',
                         'standard', 0);
             INSERT INTO vouchers VALUES ('26000000001', 'R1', 2026);
             INSERT INTO events (event_id, event_type, aggregate_id, payload, occurred_at, staff_id, terminal_id)
                 VALUES ('E1', 'checked_in', 'VIS1', '{}', '2026-11-24T09:00:00+09:00', 'S0001', 'T1'),
                        ('E2', 'checked_in', 'VIS2', '{}', '2026-11-24T09:01:00+09:00', 'S0001', 'T1');
             UPDATE events SET sync_state = 'accepted' WHERE event_id = 'E2';
             DELETE FROM events WHERE event_id = 'E2';
             INSERT INTO visits VALUES ('VIS1', 'S1', 'R1', 1, 'voucher', 'standard', '', 500, 'active', NULL,
                                        '2026-11-24T09:00:00+09:00', '2026-11-24T09:00:00+09:00', 'E1');
             INSERT INTO visit_screenings VALUES ('VIS1', 'gan', 'received', NULL, NULL);",
        )
        .unwrap();
        conn.pragma_update(None, "foreign_keys", true).unwrap();

        migrate(&mut conn).unwrap();

        let enforced: bool = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0)).unwrap();
        assert!(enforced, "foreign keys are enforced again after migrating");
        let name: String =
            conn.query_row("SELECT name_kanji FROM residents WHERE resident_id = 'R1'", [], |r| r.get(0)).unwrap();
        assert_eq!(name, "髙橋　一郎");
        let screening: String =
            conn.query_row("SELECT status FROM visit_screenings WHERE visit_id = 'VIS1'", [], |r| r.get(0)).unwrap();
        assert_eq!(screening, "received");
        // The next event does not reuse the number of the one already sent and pruned.
        conn.execute(
            "INSERT INTO events (event_id, event_type, aggregate_id, payload, occurred_at, staff_id, terminal_id)
             VALUES ('E3', 'cancelled', 'VIS1', '{}', '2026-11-24T09:02:00+09:00', 'S0001', 'T1')",
            [],
        )
        .unwrap();
        let seq: i64 = conn.query_row("SELECT seq FROM events WHERE event_id = 'E3'", [], |r| r.get(0)).unwrap();
        assert_eq!(seq, 3);
        // The rebuilt tables are still referenced and still guarded.
        assert!(conn.execute("DELETE FROM residents WHERE resident_id = 'R1'", []).is_err(), "vouchers refer to R1");
        assert!(conn.execute("DELETE FROM events WHERE event_id = 'E1'", []).is_err(), "E1 is not accepted yet");
        assert!(conn.execute("UPDATE events SET payload = '[]' WHERE event_id = 'E1'", []).is_err());
        let broken: i64 = conn.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| r.get(0)).unwrap();
        assert_eq!(broken, 0);
        let indexes: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for index in ["events_pending", "residents_by_birth_kana", "residents_by_kana"] {
            assert!(indexes.iter().any(|i| i == index), "{index} missing: {indexes:?}");
        }
    }

    #[test]
    fn a_migration_that_breaks_a_reference_is_rolled_back() {
        let mut conn = Connection::open_in_memory().unwrap();
        let steps: &[(i64, &str)] = &[
            (
                1,
                "CREATE TABLE parent (id TEXT PRIMARY KEY);
                 CREATE TABLE child (p TEXT REFERENCES parent (id));
                 INSERT INTO parent VALUES ('a'); INSERT INTO child VALUES ('a');",
            ),
            (2, "DROP TABLE parent; CREATE TABLE parent (id TEXT PRIMARY KEY);"),
        ];
        apply(&mut conn, steps, 0, 1).unwrap();
        conn.pragma_update(None, "foreign_keys", false).unwrap(); // as `migrate` runs them
        let err = apply(&mut conn, steps, 1, 2).unwrap_err();
        assert!(matches!(err, StoreError::IntegrityCheckFailed(ref m) if m.contains("child")), "{err}");
        assert_eq!(current_version(&conn).unwrap(), 1);
        let kept: i64 = conn.query_row("SELECT count(*) FROM parent", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, 1, "the migration's changes were rolled back");
    }
}
