//! PostgreSQL: the pool, the migration runner and the write lock that keeps
//! `change_seq` in commit order.
//!
//! Migrations are the numbered files in `migrations/central/`, compiled in. The
//! runner is ours because sqlx's and refinery's migration features both pull an
//! optional `libsqlite3-sys` whose `links` key conflicts with the terminal's
//! rusqlite 0.43 in this workspace. It is small: one transaction per file, a
//! checksum per applied file, and an advisory lock so two services starting at
//! once do not both migrate.

use std::str::FromStr;

use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, RecyclingMethod};
use sha2::{Digest, Sha256};
use tokio_postgres::NoTls;
use uketsuke_protocol::ServiceInfo;

use crate::error::{CentralError, Result};

/// `(version, name, sql)` in order.
pub const MIGRATIONS: &[(i32, &str, &str)] = &[
    (1, "initial", include_str!("../../../migrations/central/0001_initial.sql")),
    (2, "accounts_audit", include_str!("../../../migrations/central/0002_accounts_audit.sql")),
    (3, "export", include_str!("../../../migrations/central/0003_export.sql")),
    (4, "audit_mac", include_str!("../../../migrations/central/0004_audit_mac.sql")),
    (5, "identity", include_str!("../../../migrations/central/0005_identity.sql")),
    (6, "staff_venues", include_str!("../../../migrations/central/0006_staff_venues.sql")),
    (7, "login_identity", include_str!("../../../migrations/central/0007_login_identity.sql")),
    (8, "admin_log", include_str!("../../../migrations/central/0008_admin_log.sql")),
    (9, "central_export", include_str!("../../../migrations/central/0009_central_export.sql")),
    (10, "admin_staff", include_str!("../../../migrations/central/0010_admin_staff.sql")),
];

/// Advisory lock keys (an arbitrary constant namespace: "uke" + n).
const LOCK_MIGRATE: i64 = 0x756b_6500_0001;
const LOCK_CHANGES: i64 = 0x756b_6500_0002;

/// The service's pool: a request that cannot get a connection within `wait`
/// fails (SERVICE_BUSY) instead of queueing without end.
pub fn pool_with_wait(database_url: &str, size: usize, wait: std::time::Duration) -> Result<Pool> {
    let pg = tokio_postgres::Config::from_str(database_url)
        .map_err(|e| CentralError::BadRequest(format!("database URL: {e}")))?;
    let mgr = Manager::from_config(pg, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(mgr)
        .max_size(size)
        .wait_timeout(Some(wait))
        .create_timeout(Some(wait))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|e| CentralError::BadRequest(format!("database pool: {e}")))
}

pub fn pool(database_url: &str, size: usize) -> Result<Pool> {
    let pg = tokio_postgres::Config::from_str(database_url)
        .map_err(|e| CentralError::BadRequest(format!("database URL: {e}")))?;
    let mgr = Manager::from_config(pg, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(mgr)
        .max_size(size)
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|e| CentralError::BadRequest(format!("database pool: {e}")))
}

fn checksum(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}

/// Apply pending migrations; refuse to start if an applied one was edited.
pub async fn migrate(pool: &Pool) -> Result<Vec<i32>> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_MIGRATE]).await?;
    // Administrators' own roles may not create tables: only look when it exists.
    let exists: bool = tx.query_one("SELECT to_regclass('schema_migrations') IS NOT NULL", &[]).await?.get(0);
    if !exists {
        tx.batch_execute(
            "CREATE TABLE schema_migrations (
                 version integer PRIMARY KEY, name text NOT NULL, sha256 text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now())",
        )
        .await?;
    }
    let applied: Vec<(i32, String)> = tx
        .query("SELECT version, sha256 FROM schema_migrations ORDER BY version", &[])
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let mut done = Vec::new();
    for &(version, name, sql) in MIGRATIONS {
        let sum = checksum(sql);
        if let Some((_, recorded)) = applied.iter().find(|(v, _)| *v == version) {
            if *recorded != sum {
                return Err(CentralError::Migration {
                    version,
                    name: name.into(),
                    message: "this migration was changed after it was applied".into(),
                });
            }
            continue;
        }
        tx.batch_execute(sql).await.map_err(|e| CentralError::Migration {
            version,
            name: name.into(),
            message: e.as_db_error().map(|d| d.message().to_owned()).unwrap_or_else(|| e.to_string()),
        })?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, sha256) VALUES ($1, $2, $3)",
            &[&version, &name, &sum],
        )
        .await?;
        done.push(version);
    }
    if let Some((latest, _)) = applied.last() {
        if *latest > MIGRATIONS.last().map(|m| m.0).unwrap_or(0) {
            return Err(CentralError::Migration {
                version: *latest,
                name: "?".into(),
                message: "the database is newer than this service".into(),
            });
        }
    }
    tx.commit().await?;
    Ok(done)
}

/// Take the lock every transaction that hands out `change_seq` values holds, so
/// those values become visible in the order they were handed out and a pull
/// cursor never skips a row committed late. Call first in the transaction.
pub async fn lock_changes(tx: &impl GenericClient) -> Result<()> {
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_CHANGES]).await?;
    Ok(())
}

pub async fn service_info(client: &impl GenericClient, now: chrono::DateTime<chrono::Utc>) -> Result<ServiceInfo> {
    let row = client.query_one("SELECT instance_id, epoch FROM service_info", &[]).await?;
    Ok(ServiceInfo { instance_id: row.get(0), epoch: row.get(1), server_time: now })
}

/// Raise the epoch (after restoring a backup): every terminal re-checks which of
/// its events the service holds and sends the missing ones again.
pub async fn bump_epoch(client: &impl GenericClient) -> Result<i32> {
    Ok(client.query_one("UPDATE service_info SET epoch = epoch + 1 RETURNING epoch", &[]).await?.get(0))
}
