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

/// This database, as `role` (the same server and options).
fn as_role(url: &str, role: &str) -> String {
    let cfg: tokio_postgres::Config = url.parse().unwrap();
    let host = match &cfg.get_hosts()[0] {
        tokio_postgres::config::Host::Tcp(h) => h.clone(),
        tokio_postgres::config::Host::Unix(p) => p.display().to_string(),
    };
    format!("host={host} port={} dbname={} user={role}", cfg.get_ports()[0], cfg.get_dbname().unwrap())
}

/// Each administrator acts under their own PostgreSQL role, which the admin log
/// records (never `$USER`); every command is logged before it runs; the log
/// refuses edits and deletions even from its owner, and `audit verify` finds
/// one made past the triggers.
#[tokio::test]
async fn administrators_are_named_and_the_admin_log_cannot_be_quietly_changed() {
    let db = uketsuke_pgtest::fresh_db().await.unwrap();
    assert!(central(&db.url, &["migrate"]).status.success());
    let c = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(c.1);
    let c = c.0;
    let role = format!("yamada_{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    c.batch_execute(&format!("CREATE ROLE {role} LOGIN IN ROLE uketsuke_admin")).await.unwrap();
    let mine = as_role(&db.url, &role);
    let pki = tempfile::tempdir().unwrap();
    let run_as = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_uketsuke-central"))
            .args(args)
            .env("UKETSUKE_CENTRAL_DATABASE_URL", &mine)
            .env("UKETSUKE_CENTRAL_PKI_DIR", pki.path())
            .env("USER", "somebody-else")
            .env("SUDO_USER", "somebody-else")
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    let out = run_as(&[
        "staff",
        "add",
        "--id",
        "S0100",
        "--name",
        "山田　花子",
        "--department",
        "健康推進課",
        "--role",
        "reception",
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run_as(&["staff", "disable", "S0100"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // The group's privileges carry the everyday administration, not only staff.
    let dir = tempfile::tempdir().unwrap();
    let roster = dir.path().join("taishosha.csv");
    std::fs::write(
        &roster,
        format!("{HEADER}\n100001,山田　太郎,ヤマダ　タロウ,1,19600401,9870001,みなと市中央町1,,0,0,2600000017,2026\n"),
    )
    .unwrap();
    let (_, age) = uketsuke_export::generate_identity();
    for args in [
        vec!["roster", "import", roster.to_str().unwrap()],
        vec!["venue", "add", "--id", "V09", "--name", "公民館", "--address", "みなと市1"],
        vec!["export", "recipient", "add", "HEALTH", "--name", "健康管理システム", "--age-recipient", age.as_str()],
        vec!["staff", "authenticator", "invite", "S0100"],
        vec!["audit", "query", "--staff", "S0100"],
    ] {
        let out = run_as(&args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
    // The commands that read the PKI directory too: a terminal, and its designation.
    assert!(run_as(&["init-pki", "--host", "127.0.0.1"]).status.success());
    let out = run_as(&["terminal", "add", "--name", "会場B 受付1"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let added: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let terminal = added["terminal_id"].as_str().unwrap().to_owned();
    let out = run_as(&["terminal", "revoke", &terminal, "--reason", "試験"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = c.query("SELECT who, db_user, action, detail FROM admin_log ORDER BY chain_seq", &[]).await.unwrap();
    let entries: Vec<(String, String, String, String)> =
        rows.iter().map(|r| (r.get(0), r.get(1), r.get(2), r.get(3))).collect();
    assert!(entries.iter().any(|e| e.2 == "cli.staff.add" && e.3.contains("S0100")), "{entries:?}");
    assert!(entries.iter().any(|e| e.2 == "cli.staff.disable" && e.3.contains("S0100")), "{entries:?}");
    for (who, db_user, _, _) in &entries {
        assert_eq!((who.as_str(), db_user.as_str()), (role.as_str(), role.as_str()), "{entries:?}");
    }
    assert!(!format!("{entries:?}").contains("somebody-else"));
    // Which person a role is: the owner links it, her own role cannot (nobody names
    // herself somebody else), and a central export request needs an active person.
    let link = ["admin", "link", "--role", role.as_str(), "--staff", "S0100"];
    let out = run_as(&link);
    assert!(String::from_utf8_lossy(&out.stderr).contains("ADMIN_LINK_OWNER_ONLY"), "{out:?}");
    let ask = ["export", "request-attendance", "--from", "2026-04-01", "--to", "2026-04-30", "--recipient", "HEALTH"];
    let ask: Vec<&str> = ask.into_iter().chain(["--purpose", "健康管理システムへの実績連携"]).collect();
    let out = run_as(&ask);
    assert!(String::from_utf8_lossy(&out.stderr).contains("ADMIN_NOT_LINKED"), "{out:?}");
    let out = central(&db.url, &link);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run_as(&ask);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ADMIN_NOT_LINKED") && err.contains("disabled"), "S0100 is disabled: {err}");
    assert!(run_as(&["staff", "enable", "S0100"]).status.success());
    let out = run_as(&ask);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let n: i64 = c
        .query_one(
            "SELECT count(*) FROM export_requests WHERE requested_by = 'S0100' AND requested_by_admin = $1",
            &[&role],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(n, 1);
    // From the link on, the admin log names the person beside her role.
    let row =
        c.query_one("SELECT who, db_user FROM admin_log WHERE action = 'export.central.request'", &[]).await.unwrap();
    assert_eq!((row.get::<_, String>(0), row.get::<_, String>(1)), ("S0100".to_owned(), role.clone()));
    // Her role may append, never change the log; neither may its owner.
    let as_her = tokio_postgres::connect(&mine, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(as_her.1);
    assert!(as_her.0.execute("UPDATE admin_log SET detail = 'x'", &[]).await.is_err());
    // Nor, with psql, approve her own request, name another requester, record a file
    // or link her role to somebody else: those go through the service and the owner.
    for sql in [
        "UPDATE export_requests SET state = 'approved'",
        "UPDATE export_requests SET requested_by = 'S0005'",
        "DELETE FROM export_requests",
        "DELETE FROM central_exports",
        "INSERT INTO admin_staff (db_role, staff_id, linked_at) VALUES ('x', 'S0005', now())",
        "UPDATE admin_staff SET staff_id = 'S0005'",
    ] {
        let e = as_her.0.batch_execute(sql).await.unwrap_err();
        assert!(format!("{e:?}").contains("permission denied"), "{sql}: {e:?}");
    }
    for sql in ["UPDATE admin_log SET detail = 'x'", "DELETE FROM admin_log", "TRUNCATE admin_log"] {
        let e = c.batch_execute(sql).await.unwrap_err();
        assert!(e.to_string().contains("append-only") || format!("{e:?}").contains("append-only"), "{sql}: {e:?}");
    }
    let verify = || central(&db.url, &["audit", "verify"]);
    let out = verify();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    // The table's owner, past the triggers: a deleted entry, then an edited one.
    let past = |sql: &str| {
        format!(
            "ALTER TABLE admin_log DISABLE TRIGGER admin_log_no_update; {sql}; \
             ALTER TABLE admin_log ENABLE TRIGGER admin_log_no_update;"
        )
    };
    c.batch_execute(&past("DELETE FROM admin_log WHERE chain_seq = 2")).await.unwrap();
    let out = verify();
    assert_eq!(out.status.code(), Some(2));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["admin_log"], serde_json::json!({ "chain_seq": 2, "kind": "missing" }));
    c.batch_execute(&past("UPDATE admin_log SET detail = 'nothing to see' WHERE chain_seq = 1")).await.unwrap();
    let report: serde_json::Value = serde_json::from_slice(&verify().stdout).unwrap();
    assert_eq!(report["admin_log"], serde_json::json!({ "chain_seq": 1, "kind": "edited" }));
    // Roles belong to the whole server: this one goes with the test.
    let _ = c.batch_execute(&format!("DROP ROLE IF EXISTS {role}")).await;
}

/// The chain alone cannot show entries cut off its end by someone who owns the
/// table; an anchor kept outside the database does.
#[tokio::test]
async fn an_anchor_kept_outside_finds_entries_cut_off_the_admin_logs_end() {
    let db = uketsuke_pgtest::fresh_db().await.unwrap();
    assert!(central(&db.url, &["migrate"]).status.success());
    for id in ["S0101", "S0102"] {
        let out = central(
            &db.url,
            &["staff", "add", "--id", id, "--name", "山田　花子", "--department", "健康推進課", "--role", "reception"],
        );
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    let dir = tempfile::tempdir().unwrap();
    let anchor = dir.path().join("admin-log.anchor");
    let out = central(&db.url, &["audit", "anchor", "--out", anchor.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&anchor).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let held: serde_json::Value = serde_json::from_slice(&std::fs::read(&anchor).unwrap()).unwrap();
    let at = held["chain_seq"].as_i64().unwrap();
    let verify = |with_anchor: bool| {
        let mut args = vec!["audit", "verify"];
        if with_anchor {
            args.extend(["--anchor", anchor.to_str().unwrap()]);
        }
        central(&db.url, &args)
    };
    assert!(verify(true).status.success(), "{}", String::from_utf8_lossy(&verify(true).stdout));

    // The owner, past the triggers, cuts the last entries off (the second staff
    // member's addition and everything after it).
    let c = tokio_postgres::connect(&db.url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(c.1);
    let c = c.0;
    let cut: i64 =
        c.query_one("SELECT min(chain_seq) FROM admin_log WHERE detail LIKE '%S0102%'", &[]).await.unwrap().get(0);
    assert!(cut < at);
    c.batch_execute(&format!(
        "ALTER TABLE admin_log DISABLE TRIGGER admin_log_no_update; DELETE FROM admin_log WHERE chain_seq >= {cut}; \
         ALTER TABLE admin_log ENABLE TRIGGER admin_log_no_update;"
    ))
    .await
    .unwrap();
    // The chain alone still verifies (every remaining entry links up)...
    assert!(verify(false).status.success());
    // ...the anchor does not.
    let out = verify(true);
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stdout));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // (The verify commands since have appended entries again, under new hashes.)
    assert_eq!(report["admin_log"], serde_json::json!({ "chain_seq": at, "kind": "anchor_lost" }));
}
