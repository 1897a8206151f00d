//! Designations and grants: signing, offline verification, and every refusal.

use chrono::{DateTime, Duration, TimeZone, Utc};
use pasetors::keys::AsymmetricSecretKey;
use pasetors::version4::{PublicToken, V4};
use uketsuke_export::token::DEVICE_ASSERTION_DOMAIN;
use uketsuke_export::{
    sign_designation, sign_grant, verify_designation, verify_grant, Designation, ExportScope, ExportSigningKey, Grant,
    TokenError,
};
use uuid::Uuid;

const TERMINAL: &str = "term-01";
const FPR: &str = "sha256:device-key-of-term-01";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap()
}

fn scope() -> ExportScope {
    ExportScope {
        layout: "kenshin-org-attendance-v1".into(),
        session_ids: vec!["sess-2".into(), "sess-1".into()],
        purpose: "委託先への受診実績報告".into(),
        recipient: "org-7".into(),
    }
}

fn designation() -> Designation {
    Designation {
        jti: Uuid::now_v7(),
        terminal_id: TERMINAL.into(),
        device_key_fpr: FPR.into(),
        issued_at: t0(),
        expires_at: t0() + Duration::days(90),
    }
}

fn grant(d: &Designation) -> Grant {
    Grant {
        jti: Uuid::now_v7(),
        designation_jti: d.jti,
        terminal_id: TERMINAL.into(),
        device_key_fpr: FPR.into(),
        request_id: Uuid::now_v7(),
        scope_hash: scope().hash(),
        approved_by: "supervisor-3".into(),
        issued_at: t0() + Duration::days(1),
        not_before: t0() + Duration::days(1),
        expires_at: t0() + Duration::days(1) + Duration::hours(8),
    }
}

fn code<T: std::fmt::Debug>(r: Result<T, TokenError>) -> &'static str {
    r.unwrap_err().code()
}

/// Signs arbitrary payload and footer bytes with `key`, bypassing the crate's checks.
fn raw_sign(key: &ExportSigningKey, payload: &serde_json::Value, footer: &[u8], fpr: &str) -> String {
    let sk = AsymmetricSecretKey::<V4>::from(&key.to_bytes()).unwrap();
    let assertion = format!("{DEVICE_ASSERTION_DOMAIN}{fpr}");
    PublicToken::sign(&sk, &serde_json::to_vec(payload).unwrap(), Some(footer), Some(assertion.as_bytes())).unwrap()
}

fn kid_footer(key: &ExportSigningKey) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "kid": key.public_key().fingerprint() })).unwrap()
}

#[test]
fn designation_round_trip() {
    let key = ExportSigningKey::generate().unwrap();
    let d = designation();
    let token = sign_designation(&key, &d).unwrap();
    assert!(token.starts_with("v4.public."));
    let got = verify_designation(&token, &key.public_key(), TERMINAL, FPR, t0() + Duration::days(1)).unwrap();
    assert_eq!(got, d);
}

#[test]
fn grant_round_trip_with_scope_and_request_checks() {
    let key = ExportSigningKey::generate().unwrap();
    let d = designation();
    let g = grant(&d);
    let token = sign_grant(&key, &g).unwrap();
    let now = g.not_before + Duration::minutes(1);
    let got = verify_grant(&token, &key.public_key(), TERMINAL, FPR, &d, now).unwrap();
    assert_eq!(got, g);
    got.ensure_scope(&scope()).unwrap();
    got.ensure_request(g.request_id).unwrap();
    let mut other = scope();
    other.session_ids.push("sess-3".into());
    assert_eq!(got.ensure_scope(&other).unwrap_err().code(), "EXPORT_TOKEN_SCOPE_MISMATCH");
    assert_eq!(got.ensure_request(Uuid::now_v7()).unwrap_err().code(), "EXPORT_TOKEN_REQUEST_MISMATCH");
}

#[test]
fn sub_second_times_are_signed_as_whole_seconds() {
    let key = ExportSigningKey::generate().unwrap();
    let mut d = designation();
    d.issued_at += Duration::milliseconds(400);
    let token = sign_designation(&key, &d).unwrap();
    let got = verify_designation(&token, &key.public_key(), TERMINAL, FPR, t0() + Duration::hours(1)).unwrap();
    assert_eq!(got.issued_at, t0());
}

#[test]
fn a_designation_is_not_a_grant_and_a_grant_is_not_a_designation() {
    let key = ExportSigningKey::generate().unwrap();
    let d = designation();
    let g = grant(&d);
    let d_token = sign_designation(&key, &d).unwrap();
    let g_token = sign_grant(&key, &g).unwrap();
    let now = g.not_before + Duration::minutes(1);
    assert_eq!(code(verify_grant(&d_token, &key.public_key(), TERMINAL, FPR, &d, now)), "EXPORT_TOKEN_WRONG_KIND");
    assert_eq!(code(verify_designation(&g_token, &key.public_key(), TERMINAL, FPR, now)), "EXPORT_TOKEN_WRONG_KIND");
}

#[test]
fn another_terminals_token_is_refused() {
    let key = ExportSigningKey::generate().unwrap();
    let d = designation();
    let token = sign_designation(&key, &d).unwrap();
    let now = t0() + Duration::hours(1);
    // Copied to another terminal: other terminal id and other device key.
    let err =
        verify_designation(&token, &key.public_key(), "term-02", "sha256:device-key-of-term-02", now).unwrap_err();
    assert_eq!(err, TokenError::WrongTerminal { expected: "term-02".into(), found: TERMINAL.into() });
    // Same device key binding but another audience (e.g. a renamed terminal).
    assert_eq!(code(verify_designation(&token, &key.public_key(), "term-02", FPR, now)), "EXPORT_TOKEN_WRONG_TERMINAL");
}

#[test]
fn a_token_for_another_device_key_is_refused() {
    let key = ExportSigningKey::generate().unwrap();
    let d = designation();
    let g = grant(&d);
    let now = g.not_before + Duration::minutes(1);
    let d_token = sign_designation(&key, &d).unwrap();
    let g_token = sign_grant(&key, &g).unwrap();
    let re_enrolled = "sha256:new-device-key";
    assert_eq!(
        code(verify_designation(&d_token, &key.public_key(), TERMINAL, re_enrolled, now)),
        "EXPORT_TOKEN_WRONG_DEVICE"
    );
    let mut d2 = d.clone();
    d2.device_key_fpr = re_enrolled.into();
    assert_eq!(
        code(verify_grant(&g_token, &key.public_key(), TERMINAL, re_enrolled, &d2, now)),
        "EXPORT_TOKEN_WRONG_DEVICE"
    );
}

#[test]
fn the_device_binding_is_not_in_the_token_text_but_is_signed() {
    let key = ExportSigningKey::generate().unwrap();
    let d = designation();
    let mut token = sign_designation(&key, &d).unwrap();
    // The claims name the device, but removing that claim does not help: the signature
    // covers the implicit assertion, which the verifier supplies.
    let payload = serde_json::json!({
        "typ": "uketsuke.export.designation.v1", "aud": TERMINAL, "jti": d.jti, "device_key_fpr": FPR,
        "iat": "2026-04-01T09:00:00Z", "nbf": "2026-04-01T09:00:00Z", "exp": "2026-06-30T09:00:00Z",
    });
    let signed_for_other_device = raw_sign(&key, &payload, &kid_footer(&key), "sha256:other");
    assert_eq!(
        code(verify_designation(&signed_for_other_device, &key.public_key(), TERMINAL, FPR, t0())),
        "EXPORT_TOKEN_INVALID"
    );
    token.push('A');
    assert_eq!(code(verify_designation(&token, &key.public_key(), TERMINAL, FPR, t0())), "EXPORT_TOKEN_INVALID");
}

#[test]
fn tampered_and_malformed_tokens_are_invalid() {
    let key = ExportSigningKey::generate().unwrap();
    let token = sign_designation(&key, &designation()).unwrap();
    let now = t0() + Duration::hours(1);
    let body_start = "v4.public.".len();
    let mut tampered = token.clone().into_bytes();
    tampered[body_start + 10] = if tampered[body_start + 10] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let local = token.replacen("v4.public.", "v4.local.", 1);
    let v2 = token.replacen("v4.public.", "v2.public.", 1);
    let no_footer = token.rsplit_once('.').unwrap().0.to_string();
    for bad in [tampered.as_str(), "", "garbage", "v4.public.", local.as_str(), v2.as_str(), no_footer.as_str()] {
        assert_eq!(
            code(verify_designation(bad, &key.public_key(), TERMINAL, FPR, now)),
            "EXPORT_TOKEN_INVALID",
            "{bad}"
        );
    }
}

#[test]
fn a_token_from_an_unpinned_key_is_refused() {
    let pinned = ExportSigningKey::generate().unwrap();
    let rogue = ExportSigningKey::generate().unwrap();
    let now = t0() + Duration::hours(1);
    let token = sign_designation(&rogue, &designation()).unwrap();
    assert_eq!(code(verify_designation(&token, &pinned.public_key(), TERMINAL, FPR, now)), "EXPORT_TOKEN_UNKNOWN_KEY");
    // Claiming the pinned key's id does not help: the signature is checked with the pinned key.
    let d = designation();
    let payload = serde_json::json!({
        "typ": "uketsuke.export.designation.v1", "aud": TERMINAL, "jti": d.jti, "device_key_fpr": FPR,
        "iat": "2026-04-01T09:00:00Z", "nbf": "2026-04-01T09:00:00Z", "exp": "2026-06-30T09:00:00Z",
    });
    let forged = raw_sign(&rogue, &payload, &kid_footer(&pinned), FPR);
    assert_eq!(code(verify_designation(&forged, &pinned.public_key(), TERMINAL, FPR, now)), "EXPORT_TOKEN_INVALID");
}

#[test]
fn validity_window_uses_the_given_now_only() {
    let key = ExportSigningKey::generate().unwrap();
    let d = designation();
    let token = sign_designation(&key, &d).unwrap();
    let pk = key.public_key();
    assert!(verify_designation(&token, &pk, TERMINAL, FPR, d.issued_at).is_ok());
    assert!(verify_designation(&token, &pk, TERMINAL, FPR, d.expires_at - Duration::seconds(1)).is_ok());
    assert_eq!(
        verify_designation(&token, &pk, TERMINAL, FPR, d.expires_at).unwrap_err(),
        TokenError::Expired { expires_at: d.expires_at }
    );
    assert_eq!(
        verify_designation(&token, &pk, TERMINAL, FPR, d.issued_at - Duration::seconds(1)).unwrap_err(),
        TokenError::NotYetValid { not_before: d.issued_at }
    );
    // Tokens long expired or far in the future by the system clock still verify at their own
    // time: nothing reads the clock.
    for year in [2001, 2099] {
        let at = Utc.with_ymd_and_hms(year, 1, 1, 0, 0, 0).unwrap();
        let old = Designation { issued_at: at, expires_at: at + Duration::hours(1), ..designation() };
        let token = sign_designation(&key, &old).unwrap();
        assert!(verify_designation(&token, &pk, TERMINAL, FPR, at + Duration::minutes(30)).is_ok(), "{year}");
    }
}

#[test]
fn grant_not_before_and_expiry() {
    let key = ExportSigningKey::generate().unwrap();
    let d = designation();
    let mut g = grant(&d);
    g.not_before = g.issued_at + Duration::hours(1);
    let token = sign_grant(&key, &g).unwrap();
    let pk = key.public_key();
    assert_eq!(
        verify_grant(&token, &pk, TERMINAL, FPR, &d, g.issued_at + Duration::minutes(30)).unwrap_err(),
        TokenError::NotYetValid { not_before: g.not_before }
    );
    assert!(verify_grant(&token, &pk, TERMINAL, FPR, &d, g.not_before).is_ok());
    assert_eq!(code(verify_grant(&token, &pk, TERMINAL, FPR, &d, g.expires_at)), "EXPORT_TOKEN_EXPIRED");
}

#[test]
fn a_grant_must_not_outlive_or_mismatch_its_designation() {
    let key = ExportSigningKey::generate().unwrap();
    let pk = key.public_key();
    let d = designation();
    let mut g = grant(&d);
    g.expires_at = d.expires_at + Duration::seconds(1);
    let token = sign_grant(&key, &g).unwrap();
    assert_eq!(code(verify_grant(&token, &pk, TERMINAL, FPR, &d, g.not_before)), "EXPORT_TOKEN_OUTLIVES_DESIGNATION");

    let g = grant(&d);
    let token = sign_grant(&key, &g).unwrap();
    let renewed = Designation { jti: Uuid::now_v7(), ..d.clone() };
    assert_eq!(
        code(verify_grant(&token, &pk, TERMINAL, FPR, &renewed, g.not_before)),
        "EXPORT_TOKEN_DESIGNATION_MISMATCH"
    );
    let other_terminal = Designation { terminal_id: "term-02".into(), ..d.clone() };
    assert_eq!(
        code(verify_grant(&token, &pk, TERMINAL, FPR, &other_terminal, g.not_before)),
        "EXPORT_TOKEN_DESIGNATION_MISMATCH"
    );
}

#[test]
fn signing_refuses_inconsistent_claims() {
    let key = ExportSigningKey::generate().unwrap();
    let d = designation();
    let same_time = Designation { expires_at: d.issued_at, ..d.clone() };
    assert_eq!(code(sign_designation(&key, &same_time)), "EXPORT_TOKEN_CLAIMS_INVALID");
    assert_eq!(
        code(sign_designation(&key, &Designation { terminal_id: " ".into(), ..d.clone() })),
        "EXPORT_TOKEN_CLAIMS_INVALID"
    );
    assert_eq!(
        code(sign_designation(&key, &Designation { device_key_fpr: String::new(), ..d.clone() })),
        "EXPORT_TOKEN_CLAIMS_INVALID"
    );
    let g = grant(&d);
    assert_eq!(code(sign_grant(&key, &Grant { scope_hash: "ABC".into(), ..g.clone() })), "EXPORT_TOKEN_CLAIMS_INVALID");
    assert_eq!(
        code(sign_grant(&key, &Grant { scope_hash: scope().hash().to_uppercase(), ..g.clone() })),
        "EXPORT_TOKEN_CLAIMS_INVALID"
    );
    assert_eq!(
        code(sign_grant(&key, &Grant { approved_by: String::new(), ..g.clone() })),
        "EXPORT_TOKEN_CLAIMS_INVALID"
    );
    assert_eq!(code(sign_grant(&key, &Grant { expires_at: g.not_before, ..g.clone() })), "EXPORT_TOKEN_CLAIMS_INVALID");
}

#[test]
fn signed_but_malformed_claims_are_refused() {
    let key = ExportSigningKey::generate().unwrap();
    let d = designation();
    let now = t0() + Duration::hours(1);
    let base = serde_json::json!({
        "typ": "uketsuke.export.designation.v1", "aud": TERMINAL, "jti": d.jti, "device_key_fpr": FPR,
        "iat": "2026-04-01T09:00:00Z", "nbf": "2026-04-01T09:00:00Z", "exp": "2026-06-30T09:00:00Z",
    });
    let mut missing_exp = base.clone();
    missing_exp.as_object_mut().unwrap().remove("exp");
    let mut extra = base.clone();
    extra["max_uses"] = serde_json::json!(99);
    let mut bad_time = base.clone();
    bad_time["exp"] = serde_json::json!("next week");
    let mut backwards = base.clone();
    backwards["exp"] = serde_json::json!("2026-03-01T09:00:00Z");
    for payload in [missing_exp, extra, bad_time, backwards] {
        let token = raw_sign(&key, &payload, &kid_footer(&key), FPR);
        assert_eq!(
            code(verify_designation(&token, &key.public_key(), TERMINAL, FPR, now)),
            "EXPORT_TOKEN_CLAIMS_INVALID",
            "{payload}"
        );
    }
    let mut no_typ = base.clone();
    no_typ.as_object_mut().unwrap().remove("typ");
    let token = raw_sign(&key, &no_typ, &kid_footer(&key), FPR);
    assert_eq!(code(verify_designation(&token, &key.public_key(), TERMINAL, FPR, now)), "EXPORT_TOKEN_WRONG_KIND");
}
