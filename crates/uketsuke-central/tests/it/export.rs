//! Export to external media on the service (issue 5), against a real PostgreSQL and
//! real enrolled terminals (uketsuke-synctest: mutual TLS, device keys in the mock
//! credential store). Most checks call `uketsuke_central::export` directly with a
//! `now`; `the_export_routes_work_over_mutual_tls_for_the_requesting_terminal_only`
//! goes through the routes.
//!
//! ASVS 5.0 V9 (self-contained tokens): 9.1.1 signature, 9.2.1 validity period,
//! 9.2.2 token type, 9.2.3 audience — checked with `uketsuke_export`'s verifiers,
//! as the terminal checks them.

use chrono::{DateTime, Duration, Utc};
use sha2::Digest as _;
use uketsuke_auth::chain::{public_key_from_pkcs8, verify_signature};
use uketsuke_auth::sha256_hex;
use uketsuke_central::export;
use uketsuke_central::routes::Terminal as Caller;
use uketsuke_central::CentralError;
use uketsuke_export::{verify_designation, verify_grant, ExportScope, ExportVerifyingKey, TokenError};
use uketsuke_identity::Authenticator as _;
use uketsuke_protocol::export::{
    codes, layouts, ExportDecision, ExportLedgerEntry, ExportLedgerShipment, ExportRequestState, ExportRequestView,
    ExportState, ExportStateRequest, NewExportRequest, EXPORT_KEY_DOMAIN,
};
use uketsuke_synctest::{session_am, Central, Terminal};
use uuid::Uuid;

const CLERK: &str = "S0004";
const SUPERVISOR: &str = "S0005";
const ADMINISTRATOR: &str = "S0006";
const RECEPTION: &str = "S0001";
const RECIPIENT: &str = "ORG1";

/// An enrolled terminal, how the service sees it, and its device key's fingerprint
/// as the terminal computes it (from its PKCS#8 key, not from the certificate).
struct Desk {
    terminal: Terminal,
    caller: Caller,
    fpr: String,
}

async fn desk(central: &Central, name: &str) -> Desk {
    let terminal = Terminal::enroll(central, name, &[session_am()]).await;
    let identity = terminal.enrollment.audit_identity(&terminal.keystore).unwrap();
    let fpr = sha256_hex(&public_key_from_pkcs8(&identity.device_key).unwrap());
    let der = uketsuke_central::pki::pem_to_der(&terminal.enrollment.cert_pem).unwrap();
    let cert_sha256 = sha2::Sha256::digest(&der).into();
    let caller = Caller { terminal_id: terminal.enrollment.terminal_id, name: name.into(), skew_ms: None, cert_sha256 };
    Desk { terminal, caller, fpr }
}

struct Fx {
    central: Central,
    a: Desk,
    b: Desk,
    t0: DateTime<Utc>,
    /// The supervisor's own authenticator (the demo city's software token).
    key: std::sync::Mutex<uketsuke_identity::SoftAuthenticator>,
    /// The clerk's.
    clerk_key: std::sync::Mutex<uketsuke_identity::SoftAuthenticator>,
}

/// A service with the demo city, two enrolled terminals and one recipient.
async fn fx() -> Fx {
    let central = Central::start_with(20, 4).await;
    let a = desk(&central, "会場A 受付1").await;
    let b = desk(&central, "会場A 受付2").await;
    let (_, age_recipient) = uketsuke_export::generate_identity();
    let t0 = Utc::now();
    export::add_recipient(central.pool(), RECIPIENT, "みなと検診センター", &age_recipient, t0).await.unwrap();
    let key = std::sync::Mutex::new(central.register_software_authenticator(&a.terminal.engine, SUPERVISOR).await);
    let clerk_key = std::sync::Mutex::new(central.register_software_authenticator(&a.terminal.engine, CLERK).await);
    Fx { central, a, b, t0, key, clerk_key }
}

impl Fx {
    fn pool(&self) -> &deadpool_postgres::Pool {
        self.central.pool()
    }

    fn key(&self) -> ExportVerifyingKey {
        self.central.state.pki.export_verifying_key()
    }

    async fn designate(&self, d: &Desk, days: u32, now: DateTime<Utc>) -> export::Designated {
        export::designate(self.pool(), &self.central.state.pki, d.caller.terminal_id, days, now).await.unwrap()
    }

    async fn state(&self, d: &Desk, now: DateTime<Utc>) -> ExportState {
        let req = ExportStateRequest { staff_id: None };
        export::state(self.pool(), &self.central.state.pki, &d.caller, &req, now).await.unwrap()
    }

    /// Ask at `d`; the clerk's requests carry her assertion for exactly this request.
    async fn request(
        &self,
        d: &Desk,
        req: &NewExportRequest,
        now: DateTime<Utc>,
    ) -> Result<ExportRequestView, CentralError> {
        let req = if req.proof.is_none() && req.staff_id == CLERK {
            let proof = self.proof(&self.clerk_key, d, &req.action(), now).await;
            NewExportRequest { proof: Some(proof), ..req.clone() }
        } else {
            req.clone()
        };
        export::create_request(self.pool(), &self.central.state.identity, &d.caller, &req, now).await
    }

    /// `key`'s assertion over a challenge issued to `d` for `action` at `now`.
    async fn proof(
        &self,
        key: &std::sync::Mutex<uketsuke_identity::SoftAuthenticator>,
        d: &Desk,
        action: &uketsuke_identity::Action,
        now: DateTime<Utc>,
    ) -> uketsuke_protocol::identity::PersonProof {
        let identity = &self.central.state.identity;
        let lifetime = Duration::minutes(3);
        let challenge =
            uketsuke_central::identity::challenge::issue(self.pool(), identity, &d.caller, action, lifetime, now)
                .await
                .unwrap();
        let origin = uketsuke_identity::wire::Url::parse(&challenge.origin).unwrap();
        let assertion = key.lock().unwrap().assert(&origin, challenge.options).unwrap();
        uketsuke_protocol::identity::PersonProof { challenge_id: challenge.challenge_id, assertion }
    }

    /// Decide at `d`; the supervisor's decisions carry her assertion made at `d`
    /// for exactly this decision (others' carry none: they hold no key here).
    async fn decide(
        &self,
        d: &Desk,
        dec: &ExportDecision,
        now: DateTime<Utc>,
    ) -> Result<ExportRequestView, CentralError> {
        let dec = if dec.proof.is_none() && dec.staff_id == SUPERVISOR {
            self.signed(d, dec, now).await
        } else {
            dec.clone()
        };
        self.decide_as_sent(d, &dec, now).await
    }

    async fn decide_as_sent(
        &self,
        d: &Desk,
        dec: &ExportDecision,
        now: DateTime<Utc>,
    ) -> Result<ExportRequestView, CentralError> {
        export::decide(self.pool(), &self.central.state.pki, &self.central.state.identity, &d.caller, dec, now).await
    }

    /// `dec` with the supervisor's proof: a challenge issued to `d` for exactly
    /// this decision, signed by her authenticator.
    async fn signed(&self, d: &Desk, dec: &ExportDecision, now: DateTime<Utc>) -> ExportDecision {
        let proof = self.proof(&self.key, d, &dec.action(), now).await;
        ExportDecision { proof: Some(proof), ..dec.clone() }
    }

    async fn count(&self, sql: &str) -> i64 {
        self.central.count(sql).await
    }

    /// A pending request from `d` by the clerk.
    async fn pending(&self, d: &Desk, now: DateTime<Utc>) -> ExportRequestView {
        self.request(d, &new_request(), now).await.unwrap()
    }
}

fn new_request() -> NewExportRequest {
    NewExportRequest {
        request_id: Uuid::now_v7(),
        staff_id: CLERK.into(),
        layout: layouts::SCREENING_ORG.into(),
        session_ids: vec![session_am()],
        purpose: "検診結果の照合のため".into(),
        recipient_id: RECIPIENT.into(),
        proof: None,
    }
}

/// A decision without a proof (`Fx::decide` adds the supervisor's).
fn decision(request_id: Uuid, staff_id: &str, approve: bool, comment: &str, _at: DateTime<Utc>) -> ExportDecision {
    ExportDecision { request_id, staff_id: staff_id.into(), approve, comment: comment.into(), proof: None }
}

fn code<T: std::fmt::Debug>(r: Result<T, CentralError>) -> &'static str {
    r.unwrap_err().code()
}

fn scope_of(v: &ExportRequestView) -> ExportScope {
    ExportScope {
        layout: v.layout.clone(),
        session_ids: v.session_ids.clone(),
        purpose: v.purpose.clone(),
        recipient: v.recipient_id.clone(),
    }
}

fn entry(v: &ExportRequestView, grant_jti: Uuid, at: DateTime<Utc>) -> ExportLedgerEntry {
    ExportLedgerEntry {
        ledger_id: Uuid::now_v7(),
        grant_jti,
        request_id: v.request_id,
        staff_id: CLERK.into(),
        written_at: at,
        file_sha256: "ab".repeat(32),
        file_bytes: 4096,
        rows: 17,
        excluded_protected: 1,
        media_identity: "usb:0781:5581:4C530001".into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_device_key_fingerprint_from_the_certificate_equals_the_terminals_own() {
    let fx = fx().await;
    let pem = &fx.a.terminal.enrollment.cert_pem;
    let der = uketsuke_central::pki::pem_to_der(pem).unwrap();
    assert_eq!(export::device_key_fingerprint(&der).unwrap(), fx.a.fpr);
    assert_ne!(fx.a.fpr, fx.b.fpr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn designation_verifies_for_its_terminal_and_device_key_only_asvs_9_1_1_9_2_2_9_2_3() {
    let fx = fx().await;
    let d = fx.designate(&fx.a, 90, fx.t0).await;
    assert_eq!(d.device_key_fpr, fx.a.fpr);
    let state = fx.state(&fx.a, fx.t0).await;
    let token = state.designation.clone().expect("designated");
    assert_eq!(token, d.token);

    // The signing key comes with the CA's signature (the terminal pins the CA).
    let ca_public = uketsuke_central::audit::certificate_public_key(&fx.central.state.pki.ca_der).unwrap();
    assert!(verify_signature(&ca_public, EXPORT_KEY_DOMAIN, &state.signing_key, &state.signing_key_signature));
    let key = ExportVerifyingKey::from_paserk(&state.signing_key).unwrap();
    assert_eq!(key, fx.key());

    let a_id = fx.a.caller.terminal_id.to_string();
    let b_id = fx.b.caller.terminal_id.to_string();
    let ok = verify_designation(&token, &key, &a_id, &fx.a.fpr, fx.t0).unwrap();
    assert_eq!((ok.jti, ok.expires_at), (d.designation_id, d.expires_at));
    assert_eq!(d.expires_at - d.issued_at, Duration::days(90));
    // 9.2.3: another terminal, or the same terminal id with another device key.
    assert!(matches!(verify_designation(&token, &key, &b_id, &fx.b.fpr, fx.t0), Err(TokenError::WrongTerminal { .. })));
    assert!(verify_designation(&token, &key, &a_id, &fx.b.fpr, fx.t0).is_err());
    // 9.1.1: another key, or a changed byte.
    let other = uketsuke_export::ExportSigningKey::generate().unwrap().public_key();
    assert!(verify_designation(&token, &other, &a_id, &fx.a.fpr, fx.t0).is_err());
    // A changed character in the signed part (v4.public.<payload‖signature>.<footer>).
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let c = if &parts[2][10..11] == "A" { "B" } else { "A" };
    parts[2].replace_range(10..11, c);
    let forged = parts.join(".");
    assert!(verify_designation(&forged, &key, &a_id, &fx.a.fpr, fx.t0).is_err());
    // 9.2.1: not after it expires.
    assert!(matches!(
        verify_designation(&token, &key, &a_id, &fx.a.fpr, d.expires_at),
        Err(TokenError::Expired { .. })
    ));
    // The other terminal is not designated.
    assert_eq!(fx.state(&fx.b, fx.t0).await.designation, None);
    // Nor is this one, to the service, once the designation expired.
    assert_eq!(fx.state(&fx.a, d.expires_at).await.designation, None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_designation_replaces_the_old_one_and_withdrawal_removes_it_from_state() {
    let fx = fx().await;
    let first = fx.designate(&fx.a, 30, fx.t0).await;
    let second = fx.designate(&fx.a, 60, fx.t0 + Duration::minutes(1)).await;
    assert_eq!(second.replaces, Some(first.designation_id));
    assert_eq!(fx.state(&fx.a, fx.t0 + Duration::minutes(2)).await.designation, Some(second.token));
    assert_eq!(fx.count("SELECT count(*) FROM export_designations WHERE withdrawn_at IS NULL").await, 1);

    let withdrawn = export::withdraw(fx.pool(), fx.a.caller.terminal_id, fx.t0 + Duration::minutes(3)).await.unwrap();
    assert_eq!(withdrawn, second.designation_id);
    assert_eq!(fx.state(&fx.a, fx.t0 + Duration::minutes(4)).await.designation, None);
    assert_eq!(code(export::withdraw(fx.pool(), fx.a.caller.terminal_id, fx.t0).await), "NOT_FOUND");
    assert_eq!(fx.count("SELECT count(*) FROM admin_log WHERE action = 'export.designate'").await, 2);
    assert_eq!(fx.count("SELECT count(*) FROM admin_log WHERE action = 'export.withdraw'").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn designation_is_refused_for_unknown_and_revoked_terminals() {
    let fx = fx().await;
    let pki = &fx.central.state.pki;
    assert_eq!(code(export::designate(fx.pool(), pki, Uuid::now_v7(), 90, fx.t0).await), "NOT_FOUND");
    assert_eq!(code(export::designate(fx.pool(), pki, fx.a.caller.terminal_id, 0, fx.t0).await), "BAD_REQUEST");
    fx.designate(&fx.b, 90, fx.t0).await;
    uketsuke_central::admin::revoke(fx.pool(), fx.b.caller.terminal_id, "盗難", fx.t0).await.unwrap();
    assert_eq!(
        code(export::designate(fx.pool(), pki, fx.b.caller.terminal_id, 90, fx.t0).await),
        uketsuke_protocol::codes::REVOKED
    );
    // A revoked terminal's designation is no longer active.
    let req = new_request();
    assert_eq!(code(fx.request(&fx.b, &req, fx.t0).await), codes::EXPORT_NOT_DESIGNATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recipients_need_an_age_x25519_key_and_a_disabled_one_is_not_offered() {
    let fx = fx().await;
    let (identity, good) = uketsuke_export::generate_identity();
    let secret = age::secrecy::ExposeSecret::expose_secret(&identity).to_string();
    for bad in ["", "age1", "ssh-ed25519 AAAA", secret.as_str()] {
        assert_eq!(code(export::add_recipient(fx.pool(), "ORG2", "x", bad, fx.t0).await), "BAD_REQUEST", "{bad}");
    }
    assert_eq!(code(export::add_recipient(fx.pool(), "ORG 2", "x", &good, fx.t0).await), "BAD_REQUEST");
    export::add_recipient(fx.pool(), "ORG2", "国保連合会", &good, fx.t0).await.unwrap();
    assert_eq!(code(export::add_recipient(fx.pool(), "ORG2", "x", &good, fx.t0).await), "CONFLICT");
    let listed = fx.state(&fx.a, fx.t0).await.recipients;
    assert_eq!(listed.iter().map(|r| r.recipient_id.as_str()).collect::<Vec<_>>(), ["ORG1", "ORG2"]);

    export::disable_recipient(fx.pool(), "ORG2", fx.t0).await.unwrap();
    let listed = fx.state(&fx.a, fx.t0).await.recipients;
    assert_eq!(listed.iter().map(|r| r.recipient_id.as_str()).collect::<Vec<_>>(), ["ORG1"]);
    fx.designate(&fx.a, 90, fx.t0).await;
    let req = NewExportRequest { recipient_id: "ORG2".into(), ..new_request() };
    assert_eq!(code(fx.request(&fx.a, &req, fx.t0).await), codes::EXPORT_RECIPIENT_UNKNOWN);
    assert_eq!(code(export::disable_recipient(fx.pool(), "NOPE", fx.t0).await), "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_from_an_undesignated_terminal_is_refused_and_logged() {
    let fx = fx().await;
    let req = new_request();
    assert_eq!(code(fx.request(&fx.a, &req, fx.t0).await), codes::EXPORT_NOT_DESIGNATED);
    assert_eq!(fx.count("SELECT count(*) FROM export_requests").await, 0, "a refusal writes nothing");
    assert_eq!(fx.count("SELECT count(*) FROM admin_log WHERE action = 'export.request.refused'").await, 1);
    // A designation of another terminal does not help.
    fx.designate(&fx.b, 90, fx.t0).await;
    assert_eq!(code(fx.request(&fx.a, &req, fx.t0).await), codes::EXPORT_NOT_DESIGNATED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_active_clerk_may_request() {
    let fx = fx().await;
    fx.designate(&fx.a, 90, fx.t0).await;
    for staff in [RECEPTION, SUPERVISOR, "S0007", "NOBODY"] {
        let req = NewExportRequest { staff_id: staff.into(), ..new_request() };
        assert_eq!(code(fx.request(&fx.a, &req, fx.t0).await), codes::EXPORT_ROLE, "{staff}");
    }
    uketsuke_central::admin::set_staff_active(fx.pool(), CLERK, false).await.unwrap();
    assert_eq!(code(fx.request(&fx.a, &new_request(), fx.t0).await), codes::EXPORT_ROLE);
    assert_eq!(fx.count("SELECT count(*) FROM export_requests").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_needs_a_known_layout_assigned_sessions_a_purpose_and_a_recipient() {
    let fx = fx().await;
    fx.designate(&fx.a, 90, fx.t0).await;
    let cases = [
        (NewExportRequest { layout: "everything".into(), ..new_request() }, codes::EXPORT_LAYOUT_UNKNOWN),
        (NewExportRequest { session_ids: vec![], ..new_request() }, codes::EXPORT_SESSIONS_REQUIRED),
        (
            NewExportRequest { session_ids: vec![session_am(), "V99-1999-01-01-AM".into()], ..new_request() },
            codes::EXPORT_SESSION_UNKNOWN,
        ),
        (NewExportRequest { purpose: " \u{3000}\n".into(), ..new_request() }, codes::EXPORT_PURPOSE_REQUIRED),
        (NewExportRequest { recipient_id: "NOPE".into(), ..new_request() }, codes::EXPORT_RECIPIENT_UNKNOWN),
    ];
    for (req, expected) in cases {
        assert_eq!(code(fx.request(&fx.a, &req, fx.t0).await), expected);
    }
    // A session the service knows but this terminal is not assigned (its store lacks it).
    let other: String = fx
        .pool()
        .get()
        .await
        .unwrap()
        .query_one(
            "SELECT session_id FROM sessions WHERE session_id <> $1 ORDER BY session_id LIMIT 1",
            &[&session_am()],
        )
        .await
        .unwrap()
        .get(0);
    let elsewhere = NewExportRequest { session_ids: vec![session_am(), other], ..new_request() };
    assert_eq!(code(fx.request(&fx.a, &elsewhere, fx.t0).await), codes::EXPORT_SESSION_NOT_ASSIGNED);
    assert_eq!(fx.count("SELECT count(*) FROM export_requests").await, 0);
    assert_eq!(fx.count("SELECT count(*) FROM admin_log WHERE action = 'export.request.refused'").await, 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_request_id_makes_one_request_and_the_service_computes_the_scope_hash() {
    let fx = fx().await;
    fx.designate(&fx.a, 90, fx.t0).await;
    let req = NewExportRequest { session_ids: vec![session_am(), session_am()], ..new_request() };
    let first = fx.request(&fx.a, &req, fx.t0).await.unwrap();
    assert_eq!(first.state, ExportRequestState::Pending);
    assert_eq!(first.session_ids, vec![session_am()], "stored as a set");
    assert_eq!(first.scope_hash, scope_of(&first).hash());
    assert_eq!(first.terminal_id, fx.a.caller.terminal_id);
    let again = fx.request(&fx.a, &req, fx.t0 + Duration::seconds(5)).await.unwrap();
    assert_eq!(again, first);
    assert_eq!(fx.count("SELECT count(*) FROM export_requests").await, 1);
    assert_eq!(fx.count("SELECT count(*) FROM admin_log WHERE action = 'export.request'").await, 1);

    let changed = NewExportRequest { purpose: "別の目的".into(), ..req.clone() };
    assert_eq!(code(fx.request(&fx.a, &changed, fx.t0).await), "CONFLICT");
    fx.designate(&fx.b, 90, fx.t0).await;
    assert_eq!(code(fx.request(&fx.b, &req, fx.t0).await), "CONFLICT", "another terminal's request id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_is_refused_for_non_supervisors_own_requests_and_refusals_without_comment() {
    let fx = fx().await;
    fx.designate(&fx.a, 90, fx.t0).await;
    let r = fx.pending(&fx.a, fx.t0).await;
    let at = fx.t0 + Duration::minutes(1);
    for staff in [CLERK, RECEPTION, "S0006", "NOBODY"] {
        assert_eq!(code(fx.decide(&fx.b, &decision(r.request_id, staff, true, "", at), at).await), codes::EXPORT_ROLE);
    }
    let unknown = decision(Uuid::now_v7(), SUPERVISOR, true, "", at);
    assert_eq!(code(fx.decide(&fx.b, &unknown, at).await), codes::EXPORT_REQUEST_UNKNOWN);
    assert_eq!(
        code(fx.decide(&fx.b, &decision(r.request_id, SUPERVISOR, false, "  ", at), at).await),
        codes::EXPORT_COMMENT_REQUIRED
    );

    // The clerk who asked is made a supervisor: still not their own request.
    let clerk = uketsuke_demo::city::staff().into_iter().find(|s| s.staff_id == CLERK).unwrap();
    let promoted = uketsuke_core::Staff { role: uketsuke_core::Role::Supervisor, ..clerk };
    uketsuke_central::admin::upsert_staff(&fx.pool().get().await.unwrap(), &promoted).await.unwrap();
    assert_eq!(
        code(fx.decide(&fx.b, &decision(r.request_id, CLERK, true, "", at), at).await),
        codes::EXPORT_OWN_REQUEST
    );
    assert_eq!(fx.count("SELECT count(*) FROM export_requests WHERE state = 'pending'").await, 1);
    assert_eq!(fx.count("SELECT count(*) FROM admin_log WHERE action = 'export.decision.refused'").await, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_decision_needs_the_supervisors_own_assertion_for_exactly_it_at_this_terminal() {
    let fx = fx().await;
    fx.designate(&fx.a, 90, fx.t0).await;
    let r1 = fx.pending(&fx.a, fx.t0).await;
    let r2 = fx.pending(&fx.a, fx.t0).await;
    let r3 = fx.pending(&fx.a, fx.t0).await;
    let at = fx.t0 + Duration::minutes(1);
    let pending = || async { fx.count("SELECT count(*) FROM export_requests WHERE state = 'pending'").await };

    // A terminal naming the supervisor, without her authenticator.
    let bare = decision(r1.request_id, SUPERVISOR, true, "確認済み", at);
    assert_eq!(code(fx.decide_as_sent(&fx.b, &bare, at).await), "IDENTITY_PROOF_REQUIRED");
    // Her proof for approving, sent as a refusal, or with another comment.
    let approve = fx.signed(&fx.b, &bare, at).await;
    let as_refusal = ExportDecision { approve: false, comment: "対象外".into(), ..approve.clone() };
    assert_eq!(code(fx.decide_as_sent(&fx.b, &as_refusal, at).await), "IDENTITY_ACTION_MISMATCH");
    let other_comment = ExportDecision { comment: "確認".into(), ..approve.clone() };
    assert_eq!(code(fx.decide_as_sent(&fx.b, &other_comment, at).await), "IDENTITY_ACTION_MISMATCH");
    // Made at one terminal, sent from the other.
    assert_eq!(code(fx.decide_as_sent(&fx.a, &approve, at).await), "IDENTITY_CHALLENGE_OTHER_TERMINAL");
    // For one request, sent for another.
    let for_r2 = ExportDecision { request_id: r2.request_id, ..approve.clone() };
    assert_eq!(code(fx.decide_as_sent(&fx.b, &for_r2, at).await), "IDENTITY_ACTION_MISMATCH");
    assert_eq!(pending().await, 3, "nothing was decided");

    let approved = fx.decide_as_sent(&fx.b, &approve, at).await.unwrap();
    assert_eq!(approved.state, ExportRequestState::Approved);
    assert_eq!(approved.decided_by.as_deref(), Some(SUPERVISOR));
    let evidence = fx
        .count("SELECT count(*) FROM verified_acts WHERE action_kind = 'export_decision' AND staff_id = 'S0005'")
        .await;
    assert_eq!(evidence, 1);
    // Replayed for the next request: already answered.
    let replay = ExportDecision { request_id: r2.request_id, ..approve };
    assert!(matches!(
        code(fx.decide_as_sent(&fx.b, &replay, at).await),
        "IDENTITY_CHALLENGE_USED" | "IDENTITY_ACTION_MISMATCH"
    ));
    let refused = fx.decide(&fx.a, &decision(r2.request_id, SUPERVISOR, false, "対象外", at), at).await.unwrap();
    assert_eq!(refused.state, ExportRequestState::Refused);
    assert_eq!(refused.grant, None);
    assert_eq!(refused.comment.as_deref(), Some("対象外"));
    assert_eq!(
        fx.count(&format!(
            "SELECT count(*) FROM export_requests WHERE request_id = '{}' AND state = 'pending'",
            r3.request_id
        ))
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_proofs_lock_nobody_out_and_a_locked_supervisor_decides_nothing_even_with_her_key() {
    let fx = fx().await;
    fx.designate(&fx.a, 90, fx.t0).await;
    let r = fx.pending(&fx.a, fx.t0).await;
    let failures = || async {
        fx.count(&format!("SELECT failed_attempts::bigint FROM staff WHERE staff_id = '{SUPERVISOR}'")).await
    };
    // A hostile terminal sends a dozen forged proofs: each is refused, and none
    // counts against the supervisor (a terminal cannot lock a person out).
    let at = fx.t0 + Duration::minutes(1);
    for _ in 0..12 {
        let mut forged = fx.signed(&fx.b, &decision(r.request_id, SUPERVISOR, true, "確認済み", at), at).await;
        let proof = forged.proof.as_mut().unwrap();
        let mut sig = proof.assertion.response.signature.to_vec();
        sig[10] ^= 0x55;
        proof.assertion.response.signature = sig;
        assert_eq!(code(fx.decide_as_sent(&fx.b, &forged, at).await), "IDENTITY_ASSERTION_INVALID");
    }
    assert_eq!(failures().await, 0);
    assert_eq!(fx.count("SELECT count(*) FROM export_requests WHERE state = 'pending'").await, 1);

    // Locked (ten failed logins, counted from the terminals' logs): her own key decides nothing.
    fx.pool()
        .get()
        .await
        .unwrap()
        .execute("UPDATE staff SET locked = true WHERE staff_id = $1", &[&SUPERVISOR])
        .await
        .unwrap();
    let now = at + Duration::minutes(5);
    let right = decision(r.request_id, SUPERVISOR, true, "確認済み", now);
    assert_eq!(code(fx.decide(&fx.a, &right, now).await), codes::EXPORT_ROLE);
    assert_eq!(fx.count("SELECT count(*) FROM export_requests WHERE state = 'pending'").await, 1);
    uketsuke_central::accounts::unlock(fx.pool(), SUPERVISOR, now).await.unwrap();
    let later = now + Duration::seconds(30);
    let approved = fx.decide(&fx.a, &decision(r.request_id, SUPERVISOR, true, "確認済み", later), later).await;
    assert_eq!(approved.unwrap().state, ExportRequestState::Approved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_nobody_decides_on_within_seven_days_expires() {
    let fx = fx().await;
    fx.designate(&fx.a, 90, fx.t0).await;
    let r = fx.pending(&fx.a, fx.t0).await;
    let before = fx.t0 + Duration::days(uketsuke_protocol::export::PENDING_DAYS) - Duration::seconds(1);
    assert_eq!(fx.state(&fx.b, before).await.requests.len(), 1);

    let after = fx.t0 + Duration::days(uketsuke_protocol::export::PENDING_DAYS);
    // The supervisor's terminal no longer offers it; the requesting one shows it expired.
    assert!(fx.state(&fx.b, after).await.requests.is_empty());
    let own = fx.state(&fx.a, after).await.requests;
    assert_eq!(
        own.iter().map(|v| (v.request_id, v.state)).collect::<Vec<_>>(),
        [(r.request_id, ExportRequestState::Expired)]
    );
    assert_eq!(
        code(fx.decide(&fx.b, &decision(r.request_id, SUPERVISOR, true, "", after), after).await),
        codes::EXPORT_REQUEST_EXPIRED
    );
    assert!(export::list_requests(fx.pool(), true, 10, after).await.unwrap().is_empty());
    let all = export::list_requests(fx.pool(), false, 10, after).await.unwrap();
    assert_eq!(all.iter().map(|v| v.state).collect::<Vec<_>>(), [ExportRequestState::Expired]);
    // Nothing was decided or granted.
    assert_eq!(fx.count("SELECT count(*) FROM export_requests WHERE grant_jti IS NOT NULL").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_grants_the_requesting_terminal_only_bound_to_request_scope_and_expiry_asvs_9_1_1_9_2_1_9_2_3() {
    let fx = fx().await;
    let designated = fx.designate(&fx.a, 90, fx.t0).await;
    let r = fx.pending(&fx.a, fx.t0).await;
    // B's supervisor sees A's pending request, without any grant.
    let seen = fx.state(&fx.b, fx.t0).await.requests;
    assert_eq!(seen.iter().map(|v| v.request_id).collect::<Vec<_>>(), [r.request_id]);

    let at = fx.t0 + Duration::minutes(1);
    let decided = fx.decide(&fx.b, &decision(r.request_id, SUPERVISOR, true, "確認しました", at), at).await.unwrap();
    assert_eq!(decided.state, ExportRequestState::Approved);
    assert_eq!(decided.decided_by.as_deref(), Some(SUPERVISOR));
    assert_eq!(decided.grant, None, "the deciding terminal does not get the grant");

    let state = fx.state(&fx.a, at).await;
    let mine = state.requests.iter().find(|v| v.request_id == r.request_id).unwrap();
    let token = mine.grant.clone().expect("the requesting terminal gets the grant");
    assert!(fx.state(&fx.b, at).await.requests.is_empty(), "decided requests of others are not shown");

    let key = fx.key();
    let a_id = fx.a.caller.terminal_id.to_string();
    let b_id = fx.b.caller.terminal_id.to_string();
    let designation = verify_designation(&designated.token, &key, &a_id, &fx.a.fpr, at).unwrap();
    let grant = verify_grant(&token, &key, &a_id, &fx.a.fpr, &designation, at).unwrap();
    assert_eq!(grant.request_id, r.request_id);
    assert_eq!(grant.approved_by, SUPERVISOR);
    assert_eq!(grant.designation_jti, designated.designation_id);
    assert_eq!(Some(grant.expires_at), mine.grant_expires_at);
    assert_eq!(grant.expires_at - grant.issued_at, Duration::hours(export::GRANT_HOURS));
    grant.ensure_request(r.request_id).unwrap();
    grant.ensure_scope(&scope_of(&r)).unwrap();
    let other_scope = ExportScope { purpose: "別の目的".into(), ..scope_of(&r) };
    assert_eq!(grant.ensure_scope(&other_scope), Err(TokenError::ScopeMismatch));
    // 9.2.3: not for the other terminal; 9.2.2: not as a designation; 9.2.1: not after expiry.
    assert!(matches!(
        verify_grant(&token, &key, &b_id, &fx.b.fpr, &designation, at),
        Err(TokenError::WrongTerminal { .. })
    ));
    assert!(matches!(verify_designation(&token, &key, &a_id, &fx.a.fpr, at), Err(TokenError::WrongKind { .. })));
    assert!(matches!(
        verify_grant(&token, &key, &a_id, &fx.a.fpr, &designation, grant.expires_at),
        Err(TokenError::Expired { .. })
    ));
    // 9.1.1: only the service's key.
    let other = uketsuke_export::ExportSigningKey::generate().unwrap().public_key();
    assert!(verify_grant(&token, &other, &a_id, &fx.a.fpr, &designation, at).is_err());

    // Decided once only.
    let later = at + Duration::minutes(1);
    assert_eq!(
        code(fx.decide(&fx.b, &decision(r.request_id, SUPERVISOR, false, "やはり却下", later), later).await),
        codes::EXPORT_REQUEST_DECIDED
    );
    assert_eq!(fx.count("SELECT count(*) FROM admin_log WHERE action = 'export.approve' AND who = 'S0005'").await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grant_never_outlives_the_designation_and_needs_one_at_approval() {
    let fx = fx().await;
    let designated = fx.designate(&fx.a, 1, fx.t0).await;
    let r = fx.pending(&fx.a, fx.t0).await;
    let at = fx.t0 + Duration::hours(20);
    fx.decide(&fx.b, &decision(r.request_id, SUPERVISOR, true, "", at), at).await.unwrap();
    let state = fx.state(&fx.a, at).await;
    assert_eq!(state.requests[0].grant_expires_at, Some(designated.expires_at));

    // Withdrawn after the request: it can be refused, not approved.
    let r2 = fx.pending(&fx.a, at).await;
    export::withdraw(fx.pool(), fx.a.caller.terminal_id, at).await.unwrap();
    let later = at + Duration::minutes(1);
    assert_eq!(
        code(fx.decide(&fx.b, &decision(r2.request_id, SUPERVISOR, true, "", later), later).await),
        codes::EXPORT_NOT_DESIGNATED
    );
    let refused = fx.decide(&fx.b, &decision(r2.request_id, SUPERVISOR, false, "指定解除済み", later), later).await;
    assert_eq!(refused.unwrap().state, ExportRequestState::Refused);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ledger_is_idempotent_refuses_unknown_or_reused_grants_and_marks_the_request_used() {
    let fx = fx().await;
    fx.designate(&fx.a, 90, fx.t0).await;
    let r = fx.pending(&fx.a, fx.t0).await;
    let at = fx.t0 + Duration::minutes(1);
    fx.decide(&fx.b, &decision(r.request_id, SUPERVISOR, true, "", at), at).await.unwrap();
    let grant_jti: Uuid = fx
        .pool()
        .get()
        .await
        .unwrap()
        .query_one("SELECT grant_jti FROM export_requests WHERE request_id = $1", &[&r.request_id])
        .await
        .unwrap()
        .get(0);

    let written = at + Duration::minutes(5);
    let e = entry(&r, grant_jti, written);
    let shipment = ExportLedgerShipment { entries: vec![e.clone()] };
    let receipt = export::ingest_ledger(fx.pool(), &fx.a.caller, &shipment, written).await.unwrap();
    assert_eq!(receipt.received, vec![e.ledger_id]);
    let again = export::ingest_ledger(fx.pool(), &fx.a.caller, &shipment, written).await.unwrap();
    assert_eq!(again.received, vec![e.ledger_id], "a retry is harmless");
    assert_eq!(fx.count("SELECT count(*) FROM export_ledger").await, 1);
    let state = fx.state(&fx.a, written).await;
    assert_eq!(state.requests[0].state, ExportRequestState::Used);
    assert_eq!(fx.count("SELECT count(*) FROM admin_log WHERE action = 'export.written'").await, 1);

    // The same grant used a second time.
    let second = ExportLedgerShipment { entries: vec![entry(&r, grant_jti, written)] };
    assert_eq!(code(export::ingest_ledger(fx.pool(), &fx.a.caller, &second, written).await), "CONFLICT");
    // A grant the service never issued, or issued to another terminal.
    let forged = ExportLedgerShipment { entries: vec![entry(&r, Uuid::now_v7(), written)] };
    assert_eq!(
        code(export::ingest_ledger(fx.pool(), &fx.a.caller, &forged, written).await),
        codes::EXPORT_GRANT_UNKNOWN
    );
    let elsewhere = ExportLedgerShipment { entries: vec![entry(&r, grant_jti, written)] };
    assert_eq!(
        code(export::ingest_ledger(fx.pool(), &fx.b.caller, &elsewhere, written).await),
        codes::EXPORT_GRANT_UNKNOWN
    );
    assert_eq!(fx.count("SELECT count(*) FROM export_ledger").await, 1);
    assert_eq!(
        fx.count("SELECT count(*) FROM audit_flags WHERE kind IN ('export_grant_unknown', 'export_grant_reused')")
            .await,
        3
    );
    // A malformed entry.
    let mut bad = entry(&r, grant_jti, written);
    bad.file_sha256 = "xyz".into();
    let bad = ExportLedgerShipment { entries: vec![bad] };
    assert_eq!(code(export::ingest_ledger(fx.pool(), &fx.a.caller, &bad, written).await), "BAD_REQUEST");

    let lines = export::ledger(fx.pool(), Some(fx.t0), Some(written + Duration::seconds(1))).await.unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!((lines[0].rows, lines[0].approved_by.as_deref()), (17, Some(SUPERVISOR)));
    assert!(export::ledger(fx.pool(), Some(written + Duration::seconds(1)), None).await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_routes_work_over_mutual_tls_for_the_requesting_terminal_only() {
    use uketsuke_protocol::export::{ExportLedgerReceipt, ExportState};
    let fx = fx().await;
    let post = |d: &Desk| d.terminal.enrollment.transport(&d.terminal.keystore).unwrap();
    let (ta, tb) = (post(&fx.a), post(&fx.b));

    // A terminal enrolled before the service kept certificates gets its certificate
    // recorded on its next request; until then it cannot be designated.
    fx.pool()
        .get()
        .await
        .unwrap()
        .execute("UPDATE terminals SET cert_der = NULL WHERE terminal_id = $1", &[&fx.a.caller.terminal_id])
        .await
        .unwrap();
    let pki = &fx.central.state.pki;
    assert_eq!(code(export::designate(fx.pool(), pki, fx.a.caller.terminal_id, 90, Utc::now()).await), "CONFLICT");
    let no_staff = ExportStateRequest { staff_id: None };
    let (state, _): (ExportState, _) = ta.post("/v1/export/state", &no_staff, Utc::now()).await.unwrap();
    assert_eq!(state.designation, None);
    export::designate(fx.pool(), pki, fx.a.caller.terminal_id, 90, Utc::now() - Duration::seconds(1)).await.unwrap();

    // Without the clerk's proof, refused; with it (made through the route for
    // terminal a), pending.
    let req = new_request();
    let err = ta.post::<_, ExportRequestView>("/v1/export/requests", &req, Utc::now()).await.unwrap_err();
    assert_eq!(err.code(), "IDENTITY_PROOF_REQUIRED");
    let clerk: uketsuke_sync::identity::SharedAuthenticator = std::sync::Arc::new(std::sync::Mutex::new(Box::new(
        uketsuke_identity::SoftAuthenticator::from_bytes(&fx.clerk_key.lock().unwrap().to_bytes().unwrap()).unwrap(),
    )));
    let proof = uketsuke_sync::identity::prove(&fx.a.terminal.engine, &clerk, &req.action()).await.unwrap();
    let req = NewExportRequest { proof: Some(proof), ..req };
    let (view, _): (ExportRequestView, _) = ta.post("/v1/export/requests", &req, Utc::now()).await.unwrap();
    assert_eq!(view.state, ExportRequestState::Pending);
    let err = tb
        .post::<_, ExportRequestView>(
            "/v1/export/requests",
            &NewExportRequest { request_id: Uuid::now_v7(), ..req.clone() },
            Utc::now(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), codes::EXPORT_NOT_DESIGNATED);

    let now = Utc::now();
    // Over the route: without her proof, refused; with it (made through the
    // route for terminal b), approved.
    let dec = decision(req.request_id, SUPERVISOR, true, "", now);
    let err = tb.post::<_, ExportRequestView>("/v1/export/decisions", &dec, now).await.unwrap_err();
    assert_eq!(err.code(), "IDENTITY_PROOF_REQUIRED");
    let key: uketsuke_sync::identity::SharedAuthenticator = std::sync::Arc::new(std::sync::Mutex::new(Box::new(
        uketsuke_identity::SoftAuthenticator::from_bytes(&fx.key.lock().unwrap().to_bytes().unwrap()).unwrap(),
    )));
    let proof = uketsuke_sync::identity::prove(&fx.b.terminal.engine, &key, &dec.action()).await.unwrap();
    let dec = ExportDecision { proof: Some(proof), ..dec };
    let (decided, _): (ExportRequestView, _) = tb.post("/v1/export/decisions", &dec, now).await.unwrap();
    assert_eq!((decided.state, decided.grant.is_none()), (ExportRequestState::Approved, true));

    let (state, _): (ExportState, _) = ta.post("/v1/export/state", &no_staff, Utc::now()).await.unwrap();
    let token = state.requests[0].grant.clone().expect("grant for the requesting terminal");
    let key = ExportVerifyingKey::from_paserk(&state.signing_key).unwrap();
    let a_id = fx.a.caller.terminal_id.to_string();
    let designation =
        verify_designation(state.designation.as_deref().unwrap(), &key, &a_id, &fx.a.fpr, Utc::now()).unwrap();
    let grant = verify_grant(&token, &key, &a_id, &fx.a.fpr, &designation, Utc::now()).unwrap();
    let (state_b, _): (ExportState, _) = tb.post("/v1/export/state", &no_staff, Utc::now()).await.unwrap();
    assert!(state_b.requests.iter().all(|v| v.grant.is_none()));

    let shipment = ExportLedgerShipment { entries: vec![entry(&view, grant.jti, Utc::now())] };
    let (receipt, _): (ExportLedgerReceipt, _) = ta.post("/v1/export/ledger", &shipment, Utc::now()).await.unwrap();
    assert_eq!(receipt.received.len(), 1);
    let err = tb.post::<_, ExportLedgerReceipt>("/v1/export/ledger", &shipment, Utc::now()).await.unwrap_err();
    assert_eq!(err.code(), codes::EXPORT_GRANT_UNKNOWN);

    // A revoked terminal is refused before anything export-related.
    uketsuke_central::admin::revoke(fx.pool(), fx.a.caller.terminal_id, "紛失", Utc::now()).await.unwrap();
    let err = ta.post::<_, ExportState>("/v1/export/state", &no_staff, Utc::now()).await.unwrap_err();
    assert_eq!(err.code(), uketsuke_protocol::codes::REVOKED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_registers_recipients_and_demo_seed_writes_a_private_demo_identity() {
    let db = uketsuke_pgtest::fresh_db().await.unwrap();
    let pki_dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_uketsuke-central"))
            .args(args)
            .env("UKETSUKE_CENTRAL_DATABASE_URL", &db.url)
            .env("UKETSUKE_CENTRAL_PKI_DIR", pki_dir.path())
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    };
    assert!(run(&["init-pki", "--host", "localhost"]).status.success());
    assert!(pki_dir.path().join("export_signing.key").exists(), "init-pki makes the export key");
    let (_, age_recipient) = uketsuke_export::generate_identity();
    let out = run(&["export", "recipient", "add", "ORG1", "--name", "検診機関", "--age-recipient", "age1nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("BAD_REQUEST"));
    let out = run(&["export", "recipient", "add", "ORG1", "--name", "検診機関", "--age-recipient", &age_recipient]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(&["export", "requests", "--pending"]);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(), serde_json::json!([]));
    let out = run(&["export", "ledger", "--from", "2026-04-01", "--to", "2027-03-31"]);
    assert_eq!(serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(), serde_json::json!([]));
    let out = run(&["export", "designate", &Uuid::now_v7().to_string()]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOT_FOUND"));

    let out = run(&["demo-seed", "--residents", "5"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = pki_dir.path().join("demo-recipient.agekey");
    assert_eq!(printed["export_recipient"]["identity_file"], file.to_str().unwrap());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    }
    // The identity in the file decrypts what is encrypted to the registered key.
    let text = std::fs::read_to_string(&file).unwrap();
    let identity = text.lines().find(|l| l.starts_with("AGE-SECRET-KEY-")).unwrap();
    let registered = printed["export_recipient"]["age_recipient"].as_str().unwrap();
    let sealed = uketsuke_export::encrypt_to_recipient(b"demo", registered).unwrap();
    let opened = uketsuke_export::decrypt_with_identity(&sealed, &identity.to_string().into()).unwrap();
    assert_eq!(opened, b"demo");
    // Seeding again keeps the same identity.
    let out = run(&["demo-seed", "--residents", "5"]);
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(again["export_recipient"]["age_recipient"], registered);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), text);
}

/// The service's own export obeys the terminals' rule: nothing is written for
/// an unknown or undecided request; a supervisor approves it with her own
/// authenticator like any request; the file is written once, encrypted to the
/// request's recipient, without DV-protected residents, and recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_services_own_attendance_export_needs_an_approved_request_and_is_encrypted() {
    use uketsuke_central::export::central;
    let fx = fx().await;
    let now = Utc::now();
    fx.a.terminal.engine.sync_once(&fx.a.terminal.store).await.unwrap();
    let who = fx.a.terminal.residents(2);
    for r in &who {
        fx.a.terminal.check_in(&session_am(), r);
    }
    fx.a.terminal.engine.sync_once(&fx.a.terminal.store).await.unwrap();
    let c = fx.pool().get().await.unwrap();
    c.execute("UPDATE residents SET dv_support = true WHERE resident_id = $1", &[&who[1]]).await.unwrap();
    let (identity, recipient) = uketsuke_export::generate_identity();
    export::add_recipient(fx.pool(), "HEALTH", "健康管理システム", &recipient, now).await.unwrap();
    let today = uketsuke_synctest::today();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("attendance.age");

    assert_eq!(code(central::write(fx.pool(), Uuid::now_v7(), &out, now).await), codes::EXPORT_REQUEST_UNKNOWN);
    // The request names a person: a role linked to no staff member may not ask.
    // (The demo city linked its seeding role to its administrator; undo that here.)
    let role: String = c.query_one("SELECT session_user::text", &[]).await.unwrap().get(0);
    let seeded: Option<String> =
        c.query_opt("SELECT staff_id FROM admin_staff WHERE db_role = $1", &[&role]).await.unwrap().map(|r| r.get(0));
    assert_eq!(seeded.as_deref(), Some(ADMINISTRATOR), "demo-seed links its role to the demo administrator");
    c.execute("DELETE FROM admin_staff", &[]).await.unwrap();
    let ask = || central::request(fx.pool(), today, today, "HEALTH", "健康管理システムへの実績連携", now);
    assert_eq!(code(ask().await), uketsuke_central::accounts::ADMIN_NOT_LINKED);
    assert_eq!(code(central::write(fx.pool(), Uuid::now_v7(), &out, now).await), "ADMIN_NOT_LINKED");
    // An administrator who is also the supervisor may not approve her own request.
    uketsuke_central::accounts::link_admin(fx.pool(), &role, SUPERVISOR, now).await.unwrap();
    let own = ask().await.unwrap();
    let mine = decision(own, SUPERVISOR, true, "確認しました", now);
    assert_eq!(code(fx.decide(&fx.a, &mine, now).await), codes::EXPORT_OWN_REQUEST);
    assert_eq!(code(central::write(fx.pool(), own, &out, now).await), codes::EXPORT_NOT_APPROVED);
    // A central request from before requesters were named cannot be approved either.
    let legacy = Uuid::now_v7();
    c.execute(
        "INSERT INTO export_requests (request_id, terminal_id, requested_by, requested_by_admin, requested_at, layout,
                                      session_ids, purpose, recipient_id, scope_hash, period_from, period_to)
         SELECT $1, NULL, NULL, 'before-0010', requested_at, layout, session_ids, purpose, recipient_id, scope_hash,
                period_from, period_to FROM export_requests WHERE request_id = $2",
        &[&legacy, &own],
    )
    .await
    .unwrap();
    let old = decision(legacy, SUPERVISOR, true, "確認しました", now);
    assert_eq!(code(fx.decide(&fx.a, &old, now).await), codes::EXPORT_REQUEST_EXPIRED);
    // Her role, linked to the administrator who uses it, asks; the supervisor decides.
    uketsuke_central::accounts::link_admin(fx.pool(), &role, ADMINISTRATOR, now).await.unwrap();
    let id = ask().await.unwrap();
    let requested_by: Option<String> =
        c.query_one("SELECT requested_by FROM export_requests WHERE request_id = $1", &[&id]).await.unwrap().get(0);
    assert_eq!(requested_by.as_deref(), Some(ADMINISTRATOR));
    assert_eq!(code(central::write(fx.pool(), id, &out, now).await), codes::EXPORT_NOT_APPROVED);
    assert!(!out.exists(), "nothing written before the approval");

    // Supervisors see it with the others, from the central service.
    let st = fx.state(&fx.b, now).await;
    let shown = st.requests.iter().find(|r| r.request_id == id).expect("pending for supervisors");
    assert_eq!(shown.terminal_name, "中央サーバー");
    assert!(shown.purpose.contains(&today.to_string()), "the period shows: {}", shown.purpose);
    // Not without her own authenticator; with it, approved.
    let bare = decision(id, SUPERVISOR, true, "確認しました", now);
    assert_eq!(code(fx.decide_as_sent(&fx.a, &bare, now).await), "IDENTITY_PROOF_REQUIRED");
    let decided = fx.decide(&fx.a, &bare, now).await.unwrap();
    assert_eq!(decided.state, ExportRequestState::Approved);

    let written = central::write(fx.pool(), id, &out, now).await.unwrap();
    assert_eq!(written.excluded_protected, 1);
    assert!(written.rows >= 1);
    let sealed = std::fs::read(&out).unwrap();
    assert!(sealed.starts_with(b"age-encryption.org/v1"), "encrypted to the recipient");
    assert_eq!(sha256_hex(&sealed), written.file_sha256);
    let plain = uketsuke_export::decrypt_with_identity(&sealed, &identity).unwrap();
    let text = String::from_utf8(plain).unwrap();
    assert!(text.contains(&who[0]) && !text.contains(&who[1]), "the protected resident is left out");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert_eq!(fx.count("SELECT count(*) FROM central_exports").await, 1);
    assert_eq!(fx.count("SELECT count(*) FROM admin_log WHERE action = 'export.central.write'").await, 1);
    // Once.
    let again = dir.path().join("again.age");
    assert_eq!(code(central::write(fx.pool(), id, &again, now).await), codes::EXPORT_REQUEST_DECIDED);
    assert!(!again.exists());
}

/// A grant makes at most one file, even across a new local store: when a
/// terminal begins a new chain (its old store, and any ledger entry it had not
/// shipped, set aside), its approved but unused grants are withdrawn, and the
/// clerk asks again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_local_store_cannot_use_a_grant_the_old_one_may_have_used() {
    let fx = fx().await;
    let now = Utc::now();
    fx.designate(&fx.a, 30, now).await;
    let req = fx.pending(&fx.a, now).await;
    fx.decide(&fx.a, &decision(req.request_id, SUPERVISOR, true, "確認しました", now), now).await.unwrap();
    let grant_of =
        |st: &ExportState| st.requests.iter().find(|r| r.request_id == req.request_id).unwrap().grant.clone();
    assert!(grant_of(&fx.state(&fx.a, now).await).is_some());
    let t = &fx.a.terminal;
    t.engine.sync_once(&t.store).await.unwrap();
    // The old store is set aside and a new one begins (its own chain).
    t.replace_store();
    t.log_as(RECEPTION, Utc::now(), "search_kana", "ヤマダ");
    t.engine.sync_once(&t.store).await.unwrap();
    assert_eq!(grant_of(&fx.state(&fx.a, now).await), None, "the grant is withdrawn");
    let flagged = "SELECT count(*) FROM audit_flags WHERE kind = 'chain_replaced' AND detail LIKE '%1 unused grant(s) withdrawn%'";
    assert_eq!(fx.count(flagged).await, 1);
}
