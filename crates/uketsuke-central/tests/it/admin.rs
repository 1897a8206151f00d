//! The administration side against a real PostgreSQL (its own database per test).

use chrono::{NaiveDate, TimeZone, Utc};
use uketsuke_central::{admin, db};

async fn pool() -> (uketsuke_pgtest::TestDb, deadpool_postgres::Pool) {
    let test_db = uketsuke_pgtest::fresh_db().await.unwrap();
    let pool = db::pool(&test_db.url, 4).unwrap();
    db::migrate(&pool).await.unwrap();
    (test_db, pool)
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

const HEADER: &str = "宛名番号,氏名,氏名カナ,性別,生年月日,郵便番号,住所,電話番号,負担区分,支援措置,受診券番号,年度";

async fn count(pool: &deadpool_postgres::Pool, sql: &str) -> i64 {
    pool.get().await.unwrap().query_one(sql, &[]).await.unwrap().get(0)
}

#[tokio::test]
async fn migrations_apply_once_and_an_edited_migration_is_refused() {
    let (_db, pool) = pool().await;
    assert!(db::migrate(&pool).await.unwrap().is_empty(), "second run applies nothing");
    pool.get()
        .await
        .unwrap()
        .execute("UPDATE schema_migrations SET sha256 = 'x' WHERE version = 1", &[])
        .await
        .unwrap();
    let err = db::migrate(&pool).await.unwrap_err();
    assert_eq!(err.code(), "MIGRATION_FAILED");
}

#[tokio::test]
async fn a_roster_file_with_a_bad_row_is_refused_whole_with_line_and_field() {
    let (_db, pool) = pool().await;
    let csv = format!(
        "{HEADER}\r\n\
         100001,山田　太郎,ヤマダ　タロウ,1,19600401,987-0001,みなと市中央町一丁目1,0120-000-000,0,0,2600000017,2026\r\n\
         100002,葛󠄀城　花子,カツラギ　ハナコ,2,S35.4.1,9870002,みなと市本町2,,0,0,2600000025,R8\r\n\
         100003,佐藤　次郎,サトウ　ジロウ,1,19601341,9870003,みなと市港町3,,0,0,2600000033,2026\r\n"
    );
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
    let report =
        admin::import_roster(&pool, csv.as_bytes(), "r.csv", uketsuke_roster::Encoding::Auto, false, today(), now)
            .await
            .unwrap();
    assert!(!report.imported());
    assert_eq!(report.errors.len(), 1);
    assert_eq!((report.errors[0].line, report.errors[0].field), (4, "生年月日"));
    assert_eq!(count(&pool, "SELECT count(*) FROM residents").await, 0, "nothing imported");
    assert_eq!(count(&pool, "SELECT count(*) FROM roster_imports").await, 0);

    // --skip-bad: the good rows land, the bad one goes to the reject file.
    let report =
        admin::import_roster(&pool, csv.as_bytes(), "r.csv", uketsuke_roster::Encoding::Auto, true, today(), now)
            .await
            .unwrap();
    assert!(report.imported());
    assert_eq!(report.rows_loaded, 2);
    let rejects = String::from_utf8(report.reject_file.unwrap()).unwrap();
    assert!(rejects.contains("100003") && !rejects.contains("100001"));
    let name: String = pool
        .get()
        .await
        .unwrap()
        .query_one("SELECT name_kanji FROM residents WHERE resident_id = '100002'", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(name, "葛󠄀城　花子", "stored exactly as received");
}

#[tokio::test]
async fn a_shift_jis_roster_imports_like_its_utf8_twin() {
    let (_db, pool) = pool().await;
    let csv = format!("{HEADER}\r\n100001,山田　太郎,ﾔﾏﾀﾞ ﾀﾛｳ,男,昭和35年4月1日,9870001,みなと市中央町一丁目1,,1,0,2600000017,2026\r\n");
    let (sjis, _, bad) = encoding_rs::SHIFT_JIS.encode(&csv);
    assert!(!bad);
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 0, 0, 0).unwrap();
    let report = admin::import_roster(&pool, &sjis, "sjis.csv", uketsuke_roster::Encoding::Auto, false, today(), now)
        .await
        .unwrap();
    assert!(report.imported(), "{:?}", report.errors);
    assert_eq!(report.encoding, "shift_jis");
    let row = pool
        .get()
        .await
        .unwrap()
        .query_one("SELECT name_kanji, name_kana, birth_date, copay_category FROM residents", &[])
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), "山田　太郎");
    assert_eq!(row.get::<_, String>(1), "ﾔﾏﾀﾞ ﾀﾛｳ");
    assert_eq!(row.get::<_, NaiveDate>(2), NaiveDate::from_ymd_opt(1960, 4, 1).unwrap());
    assert_eq!(row.get::<_, String>(3), "age70_plus");
}
