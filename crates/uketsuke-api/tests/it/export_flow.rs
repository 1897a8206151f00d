//! Export to external media end to end against the real central service: a
//! clerk's request on a designated terminal, a supervisor's approval with their
//! own authenticator (the demo city's software token in the data directory), the encrypted file on a (fixture-classified) USB stick that
//! only the recipient's key opens, protected residents left out, the grant used
//! once, the ledger on the service, and every refusal logged on the way.

use std::sync::Arc;

use chrono::{Duration, Utc};
use uketsuke_api::app::{DemoOptions, ExportDecisionInput, ExportRequestInput};
use uketsuke_api::{App, Clock, FixedClock, LoginRequest};
use uketsuke_store::DataDir;
use uketsuke_synctest::{session_am, Central, Terminal};

struct Desk {
    app: App,
    clock: Arc<FixedClock>,
}

impl Desk {
    async fn login(&self, staff_id: &str) {
        self.clock.set(self.clock.now() + Duration::seconds(31));
        let req = LoginRequest { staff_id: staff_id.into(), password: uketsuke_demo::city::DEMO_PASSWORD.into() };
        self.app.login(&req).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clerk_exports_to_a_usb_stick_only_after_designation_and_approval() {
    let central = Central::start().await;
    let t = Terminal::enroll(&central, "事務1", &[session_am()]).await;
    t.engine.sync_once(&t.store).await.unwrap();
    // Two residents came; one of them is protected (DV support).
    let who: Vec<String> = t.residents(40);
    let (open, protected) = (who[0].clone(), who[1].clone());
    t.check_in(&session_am(), &open);
    t.check_in(&session_am(), &protected);
    t.store
        .lock()
        .unwrap()
        .connection()
        .execute("UPDATE residents SET dv_support = 1 WHERE resident_id = ?1", [&protected])
        .unwrap();
    t.engine.sync_once(&t.store).await.unwrap();
    let terminal_id = t.enrollment.terminal_id;
    let Terminal { dir, keystore, store, .. } = t;
    drop(store);

    // The medium: a directory on a real disk filesystem, which the fixture sysfs
    // calls a USB stick; the classifier still opens and checks the real handle.
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let stick = scratch.path().join("stick");
    std::fs::create_dir(&stick).unwrap();
    let media = uketsuke_export::fixture::usb_stick_classifier(scratch.path(), &stick).unwrap();
    let clock = Arc::new(FixedClock::new(Utc::now()));
    let app = App::start(
        DataDir::new(dir.path()),
        keystore,
        clock.clone(),
        DemoOptions { residents: 0, ..Default::default() },
    )
    .with_media_classifier(media)
    .with_authenticator_wait(std::time::Duration::from_millis(200));
    let d = Desk { app, clock };

    // The clerk's and the supervisor's authenticators: the demo city's software
    // tokens, registered through the invitation flow at another desk and kept in
    // this terminal's data directory, where the app looks for them.
    let registrar = Terminal::enroll(&central, "登録用", &[session_am()]).await;
    let tokens = dir.path().join(uketsuke_api::app::DEMO_AUTHENTICATORS);
    std::fs::create_dir_all(&tokens).unwrap();
    let clerk_token = central.register_software_authenticator(&registrar.engine, "S0004").await;
    clerk_token.save(&tokens.join("S0004.softtoken")).unwrap();
    let token = central.register_software_authenticator(&registrar.engine, "S0005").await;
    token.save(&tokens.join("S0005.softtoken")).unwrap();

    // Not designated: nothing can be asked for or written.
    d.login("S0004").await;
    let o = d.app.export_overview().await.unwrap();
    assert!(o.online && !o.designated);
    let request = ExportRequestInput {
        layout: "screening_org".into(),
        session_ids: vec![session_am()],
        purpose: "検診機関への受診者一覧".into(),
        recipient_id: "kenshin-center".into(),
    };
    assert_eq!(d.app.request_export(&request).await.unwrap_err().code, "EXPORT_NOT_DESIGNATED");
    let media_id = d.app.export_media().unwrap().first().expect("the stick is offered").media_id.clone();
    let nobody = uuid::Uuid::now_v7().to_string();
    assert_eq!(d.app.write_export(&nobody, &media_id).unwrap_err().code, "EXPORT_NOT_DESIGNATED");

    // The administrator designates the terminal and registers the recipient.
    let now = Utc::now();
    uketsuke_central::export::designate(central.pool(), &central.state.pki, terminal_id, 90, now).await.unwrap();
    let (identity, recipient) = uketsuke_export::generate_identity();
    uketsuke_central::export::add_recipient(central.pool(), "kenshin-center", "検診センター", &recipient, now)
        .await
        .unwrap();
    let o = d.app.request_export(&request).await.unwrap();
    assert_eq!(o.requests.len(), 1);
    assert_eq!(o.requests[0].state, "pending");
    let request_id = o.requests[0].request_id.clone();
    assert_eq!(d.app.write_export(&request_id, &media_id).unwrap_err().code, "EXPORT_NOT_APPROVED");
    // A clerk may not decide.
    let decision =
        ExportDecisionInput { request_id: request_id.clone(), approve: true, comment: "確認しました".into() };
    assert_eq!(d.app.decide_export(&decision).await.unwrap_err().code, "FORBIDDEN");
    d.app.logout();

    // The supervisor, with the clerk's key in her hand: nothing is decided.
    d.login("S0005").await;
    let o = d.app.export_overview().await.unwrap();
    assert!(o.pending.iter().any(|r| r.request_id == request_id), "{:?}", o.pending);
    let clerks = uketsuke_identity::SoftAuthenticator::open_file(&tokens.join("S0004.softtoken")).unwrap();
    d.app.set_authenticator(Box::new(clerks));
    assert_eq!(d.app.decide_export(&decision).await.unwrap_err().code, "AUTHENTICATOR_NOT_RECOGNISED");
    assert_eq!(central.count("SELECT count(*) FROM verified_acts WHERE action_kind = 'export_decision'").await, 0);
    // With her own (the demo city's software token in the data directory).
    d.app.clear_authenticator();
    d.app.decide_export(&decision).await.unwrap();
    let verified = central.count("SELECT count(*) FROM verified_acts WHERE action_kind = 'export_decision'").await;
    assert_eq!(verified, 1, "the service verified the supervisor herself");
    assert_eq!(d.app.write_export(&request_id, &media_id).unwrap_err().code, "FORBIDDEN", "supervisors do not write");
    d.app.logout();

    // The clerk writes it (offline would do too: the grant is on the terminal).
    d.clock.set(Utc::now());
    d.login("S0004").await;
    let o = d.app.export_overview().await.unwrap();
    assert!(o.designated && o.designation_expires_at.is_some());
    assert_eq!(o.requests[0].state, "approved");
    let written = d.app.write_export(&request_id, &media_id).unwrap();
    assert_eq!((written.rows, written.excluded_protected), (1, 1));
    let files: Vec<_> = std::fs::read_dir(&stick).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let bytes = std::fs::read(stick.join(&written.file_name)).unwrap();
    assert_eq!(uketsuke_auth::sha256_hex(&bytes), written.sha256);
    // Only the recipient's key opens it; it holds the dataset and no protected person.
    let (other, _) = uketsuke_export::generate_identity();
    assert!(uketsuke_export::decrypt_with_identity(&bytes, &other).is_err());
    let plain = String::from_utf8(uketsuke_export::decrypt_with_identity(&bytes, &identity).unwrap()).unwrap();
    assert!(plain.contains(&open) && !plain.contains(&protected), "{plain}");
    assert_eq!(plain.trim_start_matches('\u{feff}').lines().count(), 2, "header and one row");

    // Used once: a second write is refused and writes nothing.
    assert_eq!(d.app.write_export(&request_id, &media_id).unwrap_err().code, "EXPORT_GRANT_USED");
    assert_eq!(std::fs::read_dir(&stick).unwrap().count(), 1);
    // A target that is not removable media: the data directory's own disk.
    let unknown = d.app.write_export(&request_id, "not-a-medium").unwrap_err();
    assert!(unknown.code.starts_with("EXPORT_"), "{unknown:?}");

    // The ledger reaches the service; the request is used there.
    d.app.sync_once().await.unwrap();
    let c = central.pool().get().await.unwrap();
    let row = c
        .query_one(
            "SELECT file_sha256, rows, media_identity FROM export_ledger WHERE request_id = $1",
            &[&request_id.parse::<uuid::Uuid>().unwrap()],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, String>(0), written.sha256);
    assert_eq!(row.get::<_, i64>(1), 1);
    assert!(row.get::<_, String>(2).contains(uketsuke_export::fixture::SERIAL));
    d.app.logout();

    // Every step is in the access log.
    d.login("S0005").await;
    let log = d.app.audit_log(&Default::default()).unwrap();
    let ops: Vec<&str> = log.iter().map(|e| e.operation.as_str()).collect();
    for op in ["export_request", "export_decision", "export_write_start", "export_write", "export_refused"] {
        assert!(ops.contains(&op), "{op} missing from {ops:?}");
    }
}
