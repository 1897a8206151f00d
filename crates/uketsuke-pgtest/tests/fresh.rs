//! Against whatever server this machine offers ($DATABASE_URL, 127.0.0.1:5432, or a throwaway).

mod common;

use common::{connect, database_exists, user_relation_count, TestResult};
use uketsuke_pgtest::{fresh_db, pg_bin, server, DB_PREFIX};

#[tokio::test]
async fn fresh_dbs_are_distinct_empty_and_connectable() -> TestResult {
    let server = server().await?;
    let a = fresh_db().await?;
    let b = fresh_db().await?;
    assert_ne!(a.name, b.name);
    assert_ne!(a.url(), b.url());
    assert!(a.name.starts_with(DB_PREFIX) && b.name.starts_with(DB_PREFIX));

    for db in [&a, &b] {
        let conn = connect(db.url()).await?;
        let current: String = conn.query_one("SELECT current_database()", &[]).await?.try_get(0)?;
        assert_eq!(current, db.name);
        assert_eq!(user_relation_count(&conn).await?, 0, "{} is not empty", db.name);
    }

    // What one test creates, the other does not see.
    let conn_a = connect(a.url()).await?;
    conn_a.batch_execute("CREATE TABLE only_in_a (id int)").await?;
    assert_eq!(user_relation_count(&conn_a).await?, 1);
    drop(conn_a);
    let conn_b = connect(b.url()).await?;
    assert_eq!(user_relation_count(&conn_b).await?, 0);
    drop(conn_b);

    let names = [a.name.clone(), b.name.clone()];
    a.drop_db().await?;
    b.drop_db().await?;
    for name in names {
        assert!(!database_exists(server.admin_url(), &name).await?, "{name} was not dropped");
    }
    Ok(())
}

#[tokio::test]
async fn drop_db_disconnects_open_sessions() -> TestResult {
    let db = fresh_db().await?;
    let name = db.name.clone();
    let still_open = connect(db.url()).await?;
    still_open.batch_execute("SELECT 1").await?;
    db.drop_db().await?;
    assert!(!database_exists(server().await?.admin_url(), &name).await?);
    assert!(still_open.batch_execute("SELECT 1").await.is_err());
    Ok(())
}

#[tokio::test]
async fn dump_and_restore_work_against_the_server() -> TestResult {
    common::dump_restore_roundtrip().await
}

#[test]
fn pg_bin_finds_client_tools() {
    for name in ["pg_dump", "pg_restore", "psql"] {
        let path = pg_bin(name);
        assert!(path.as_ref().is_some_and(|p| p.ends_with(name)), "{name}: {path:?}");
    }
    assert_eq!(pg_bin("uketsuke-no-such-program"), None);
}
