//! Checks shared by the test binaries; they hold whichever server the binary ended up with.
// Each test binary compiles its own copy and uses a different subset.
#![allow(dead_code)]

use std::process::Command;

use tokio_postgres::{Client, NoTls};
use uketsuke_pgtest::{fresh_db, pg_bin};

pub type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// A plain-text connection to `url`, driven by a task on the test's runtime; dropping the client
/// closes it.
pub async fn connect(url: &str) -> Result<Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

/// Tables, views, sequences and the like outside the system schemas.
pub async fn user_relation_count(conn: &Client) -> Result<i64, tokio_postgres::Error> {
    conn.query_one(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') \
           AND n.nspname NOT LIKE 'pg_toast%' AND n.nspname NOT LIKE 'pg_temp%'",
        &[],
    )
    .await?
    .try_get(0)
}

pub async fn database_exists(admin_url: &str, name: &str) -> Result<bool, tokio_postgres::Error> {
    let admin = connect(admin_url).await?;
    admin.query_one("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", &[&name]).await?.try_get(0)
}

/// Fills a database, dumps it with `pg_dump -Fc`, restores it into another with `pg_restore`, and
/// reads the rows back: what the fault tests will do, against the server in use.
pub async fn dump_restore_roundtrip() -> TestResult {
    let pg_dump = pg_bin("pg_dump").ok_or("pg_dump not found")?;
    let pg_restore = pg_bin("pg_restore").ok_or("pg_restore not found")?;

    let source = fresh_db().await?;
    let conn = connect(source.url()).await?;
    conn.batch_execute(
        "CREATE TABLE visit (id int PRIMARY KEY, note text NOT NULL); \
         INSERT INTO visit VALUES (1, '受付'), (2, 'done');",
    )
    .await?;
    drop(conn);

    let dir = tempfile::tempdir()?;
    let archive = dir.path().join("source.dump");
    let dump = Command::new(&pg_dump)
        .arg("--format=custom")
        .arg("--file")
        .arg(&archive)
        .arg("--dbname")
        .arg(source.url())
        .output()?;
    assert!(dump.status.success(), "pg_dump failed: {}", String::from_utf8_lossy(&dump.stderr));

    let target = fresh_db().await?;
    let restore = Command::new(&pg_restore)
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(target.url())
        .arg(&archive)
        .output()?;
    assert!(restore.status.success(), "pg_restore failed: {}", String::from_utf8_lossy(&restore.stderr));

    let conn = connect(target.url()).await?;
    let notes = conn
        .query("SELECT note FROM visit ORDER BY id", &[])
        .await?
        .iter()
        .map(|row| row.try_get::<_, String>(0))
        .collect::<Result<Vec<_>, _>>()?;
    drop(conn);
    assert_eq!(notes, ["受付", "done"]);

    source.drop_db().await?;
    target.drop_db().await?;
    Ok(())
}
