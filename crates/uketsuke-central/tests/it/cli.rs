//! The administration CLI as an administrator runs it, against a real PostgreSQL.

use std::process::Command;

fn central(db: &str, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_uketsuke-central"))
        .args(args)
        .env("UKETSUKE_CENTRAL_DATABASE_URL", db)
        .env("RUST_LOG", "warn")
        .output()
        .unwrap()
}

const HEADER: &str = "宛名番号,氏名,氏名カナ,性別,生年月日,郵便番号,住所,電話番号,負担区分,支援措置,受診券番号,年度";

#[tokio::test]
async fn a_roster_file_with_a_bad_row_is_refused_naming_line_and_field() {
    let db = uketsuke_pgtest::fresh_db().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taishosha.csv");
    std::fs::write(
        &file,
        format!(
            "{HEADER}\n100001,山田　太郎,ヤマダ　タロウ,1,19600401,9870001,みなと市中央町1,,0,0,2600000017,2026\n\
             100002,佐藤　花子,サトウ　ハナコ,3,19620510,9870002,みなと市本町2,,0,0,2600000025,2026\n"
        ),
    )
    .unwrap();
    let out = central(&db.url, &["roster", "import", file.to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("taishosha.csv:3: 性別"), "{stderr}");
    assert!(stderr.contains("ROSTER_REFUSED"), "{stderr}");
    let c = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(c.1);
    let n: i64 = c.0.query_one("SELECT count(*) FROM residents", &[]).await.unwrap().get(0);
    assert_eq!(n, 0, "nothing imported");

    let out = central(&db.url, &["roster", "import", "--skip-bad", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rejects = std::fs::read_to_string(dir.path().join("taishosha.csv.rejects.csv")).unwrap();
    assert!(rejects.contains("100002") && !rejects.contains("100001"));
    let n: i64 = c.0.query_one("SELECT count(*) FROM residents", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
}

#[tokio::test]
async fn programmes_are_defined_from_json_and_a_wrong_one_is_refused() {
    let db = uketsuke_pgtest::fresh_db().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Take the demo's 胃がん programme as the shape, make a local one of it.
    let mut p =
        serde_json::to_value(uketsuke_demo::programmes().into_iter().find(|p| p.code == "52").expect("programme 52"))
            .unwrap();
    p["code"] = "L02".into();
    p["name_ja"] = "胃がんリスク検診".into();
    p["national"] = false.into();
    let file = dir.path().join("p.json");
    std::fs::write(&file, serde_json::to_string(&p).unwrap()).unwrap();
    let out = central(&db.url, &["programme", "add", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = central(&db.url, &["programme", "list"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["name_ja"], "胃がんリスク検診");

    // A local code claiming to be national is refused, and nothing changes.
    p["national"] = true.into();
    std::fs::write(&file, serde_json::to_string(&p).unwrap()).unwrap();
    let out = central(&db.url, &["programme", "add", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("BAD_REQUEST"));
    let out = central(&db.url, &["programme", "list"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["national"], false);
}

fn central_stdin(db: &str, args: &[&str], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_uketsuke-central"))
        .args(args)
        .env("UKETSUKE_CENTRAL_DATABASE_URL", db)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn asvs_11_4_2_staff_passwords_are_set_as_argon2id() {
    let db = uketsuke_pgtest::fresh_db().await.unwrap();
    let out = central(
        &db.url,
        &["staff", "add", "--id", "S0100", "--name", "山田　花子", "--department", "健康推進課", "--role", "reception"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Too short, or containing the staff id: refused with the policy's code, nothing stored.
    let out = central_stdin(&db.url, &["staff", "password", "S0100"], "short\n");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("PASSWORD_TOO_SHORT"));
    let out = central_stdin(&db.url, &["staff", "password", "S0100"], "my-id-is-s0100-ok\n");
    assert!(String::from_utf8_lossy(&out.stderr).contains("PASSWORD_CONTAINS_ID"));
    let c = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(c.1);
    let hash: Option<String> =
        c.0.query_one("SELECT password_hash FROM staff WHERE staff_id = 'S0100'", &[]).await.unwrap().get(0);
    assert!(hash.is_none());
    // A good one: an Argon2id PHC string with the configured cost; the password itself nowhere.
    let out = central_stdin(&db.url, &["staff", "password", "S0100"], "みなと市の受付で使う合言葉\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hash: String =
        c.0.query_one("SELECT password_hash FROM staff WHERE staff_id = 'S0100'", &[]).await.unwrap().get(0);
    assert!(hash.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"), "{hash}");
    assert!(uketsuke_auth::verify_password(&hash, "みなと市の受付で使う合言葉"));
    // Every change is in the administrators' log, with the OS user who made it.
    let n: i64 = c.0.query_one("SELECT count(*) FROM admin_log WHERE target = 'S0100'", &[]).await.unwrap().get(0);
    assert_eq!(n, 1);
}

/// An administrator registers a person's key at their own machine: the same
/// policy judges it, so a service that lists no authenticator model refuses it
/// before any key is asked for, and an unknown person is named as such.
#[tokio::test]
async fn registering_a_key_at_the_administrators_machine_obeys_the_policy() {
    let db = uketsuke_pgtest::fresh_db().await.unwrap();
    let out = central(
        &db.url,
        &["staff", "add", "--id", "S0100", "--name", "山田 一", "--department", "健康推進課", "--role", "reception"],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = central(&db.url, &["staff", "authenticator", "register", "S0100", "--label", "指紋キー", "--wait", "1"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("AUTHENTICATOR_POLICY_EMPTY"), "{stderr}");
    let out = central(&db.url, &["staff", "authenticator", "register", "S9999", "--label", "指紋キー", "--wait", "1"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOT_FOUND"), "{}", String::from_utf8_lossy(&out.stderr));
    let c = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(c.1);
    let n: i64 = c.0.query_one("SELECT count(*) FROM staff_authenticators", &[]).await.unwrap().get(0);
    assert_eq!(n, 0);
}
