//! Export to external media through the real windows: a clerk on a designated
//! terminal asks, a supervisor on another terminal approves with her own
//! authenticator (the demo city's software token in that terminal's data
//! directory, registered through the service's invitation flow), and the clerk writes the file to a USB stick; the file
//! opens only with the recipient's key. (The stick is a directory on this
//! machine's disk that a debug build's `--test-media-fixture` sysfs calls a USB
//! stick; the app still checks the real file handle.)

use std::time::Duration;

use uketsuke_e2e::{enroll_terminals, Driver, Window};
use uketsuke_synctest::{session_am, Central};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_writes_an_approved_export_to_a_usb_stick_through_the_window() {
    let central = Central::start().await;
    let terminals = enroll_terminals(&central, &["事務1", "監督1"], &[session_am()]).await;
    let now = chrono::Utc::now();
    uketsuke_central::export::designate(central.pool(), &central.state.pki, terminals[0].0, 30, now).await.unwrap();
    let (identity, recipient) = uketsuke_export::generate_identity();
    uketsuke_central::export::add_recipient(central.pool(), "kenshin-center", "検診センター", &recipient, now)
        .await
        .unwrap();
    // The clerk's stick.
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let stick = scratch.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    let fixture = scratch.path().join("fixture");
    std::fs::create_dir(&fixture).unwrap();
    let media = uketsuke_export::fixture::usb_stick_classifier(&fixture, &stick).unwrap();
    let media_id = media.list_removable_mounts().unwrap()[0].id.clone();
    // The clerk's and the supervisor's authenticators are the demo city's software
    // tokens each terminal got at enrollment (enroll_terminals).

    let _driver2 = Driver::start(4464, 4465).await;
    let fixture_arg = fixture.to_string_lossy().into_owned();
    let clerk =
        Window::open_with(terminals[0].1.path(), "http://127.0.0.1:4444", &["--test-media-fixture", &fixture_arg])
            .await;
    let boss = Window::open_dir(terminals[1].1.path(), "http://127.0.0.1:4464").await;
    let pool = central.pool().clone();
    let result = tokio::spawn({
        let (clerk, boss) = (Window { client: clerk.client.clone() }, Window { client: boss.client.clone() });
        let stick = stick.clone();
        async move {
            // The clerk asks.
            clerk.wait_text("#sync-state", |t| t == "オンライン").await;
            clerk.login_demo("S0004").await;
            clerk.click("#export-open").await;
            clerk.wait_text("#export-designation", |t| t.contains("指定")).await;
            clerk.wait("#export-layout").await.select_by_value("health_system").await.unwrap();
            clerk.click(&format!("[id=\"export-session-{}\"]", session_am())).await;
            clerk.type_in("#export-purpose", "健康管理システムへの受診実績の登録").await;
            clerk.wait("#export-recipient").await.select_by_value("kenshin-center").await.unwrap();
            clerk.click("#export-request-submit").await;
            let mut request_id = None;
            for _ in 0..100 {
                let rows =
                    pool.get().await.unwrap().query("SELECT request_id FROM export_requests", &[]).await.unwrap();
                if let Some(r) = rows.first() {
                    request_id = Some(r.get::<_, uuid::Uuid>(0).to_string());
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let rid = request_id.expect("the request reached the service");
            clerk.wait_text(&format!("[id=\"export-request-{rid}\"]"), |t| t.contains("申請中")).await;
            clerk.screenshot("export-requested").await;

            // The supervisor approves on her own terminal; her authenticator signs exactly this decision.
            boss.wait_text("#sync-state", |t| t == "オンライン").await;
            boss.login_demo("S0005").await;
            boss.click("#export-open").await;
            boss.wait(&format!("[id=\"export-pending-{rid}\"]")).await;
            boss.type_in(&format!("[id=\"export-comment-{rid}\"]"), "目的と送付先を確認しました").await;
            boss.click(&format!("[id=\"export-approve-{rid}\"]")).await;
            // `#export-decided` is always in the page (hidden until a decision):
            // wait for its text, i.e. for the service's answer, not its presence.
            boss.wait_text("#export-decided", |t| t == "承認しました").await;
            let verified: i64 = pool
                .get()
                .await
                .unwrap()
                .query_one(
                    "SELECT count(*) FROM verified_acts WHERE action_kind = 'export_decision' AND staff_id = 'S0005'",
                    &[],
                )
                .await
                .unwrap()
                .get(0);
            assert_eq!(verified, 1, "the service verified the supervisor herself");

            // The clerk writes it to the stick.
            clerk.click("#export-reload").await;
            clerk.wait_text(&format!("[id=\"export-request-{rid}\"]"), |t| t.contains("承認済")).await;
            let select = clerk.wait(&format!("[id=\"export-media-{rid}\"]")).await;
            select.select_by_value(&media_id).await.unwrap();
            clerk.click(&format!("[id=\"export-write-{rid}\"]")).await;
            clerk.click("#export-confirm-ok").await;
            let written = clerk.wait_text("#export-written", |t| !t.is_empty()).await;
            clerk.screenshot("export-written").await;
            let files: Vec<_> = std::fs::read_dir(&stick).unwrap().map(|e| e.unwrap().path()).collect();
            assert_eq!(files.len(), 1, "{files:?}");
            let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
            assert!(written.contains(&name) || written.contains("TestCo"), "{written}");
            files[0].clone()
        }
    })
    .await;
    for w in [&clerk, &boss] {
        if result.is_err() {
            w.screenshot("failed-export").await;
        }
    }
    clerk.client.clone().close().await.ok();
    boss.client.clone().close().await.ok();
    let file = result.unwrap();
    let bytes = std::fs::read(&file).unwrap();
    let (other, _) = uketsuke_export::generate_identity();
    assert!(uketsuke_export::decrypt_with_identity(&bytes, &other).is_err(), "only the recipient's key opens it");
    let plain = String::from_utf8(uketsuke_export::decrypt_with_identity(&bytes, &identity).unwrap()).unwrap();
    assert!(plain.starts_with("\u{feff}受診日,会場コード,開催回,宛名番号"), "{plain}");
    // The service has the approval and the ledger entry's hash equals the file's.
    let c = central.pool().get().await.unwrap();
    let mut shipped = None;
    for _ in 0..100 {
        if let Some(row) = c.query_opt("SELECT file_sha256 FROM export_ledger", &[]).await.unwrap() {
            shipped = Some(row.get::<_, String>(0));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(shipped.as_deref(), Some(uketsuke_auth::sha256_hex(&bytes).as_str()), "the ledger reached the service");
}
