//! Every refusal of the gate, and a property: over any sequence of designations,
//! withdrawals, approvals, refusals, clock moves and write attempts, a write is
//! permitted exactly when a valid designation and a valid, unused grant for this
//! terminal, this device key and this request's scope are held.

use std::cell::RefCell;
use std::collections::HashSet;

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;
use uketsuke_export::{sign_designation, sign_grant, Designation, ExportScope, ExportSigningKey, Grant};
use uketsuke_protocol::export::{ExportRecipient, ExportRequestState, ExportRequestView, ExportState};
use uuid::Uuid;

use super::{authorize, GateInput};

const TERMINAL: &str = "0192f000-0000-7000-8000-000000000001";
const OTHER_TERMINAL: &str = "0192f000-0000-7000-8000-000000000002";
const FPR: &str = "device-key-fingerprint-of-this-terminal";

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap()
}

fn new_request(id: Uuid) -> ExportRequestView {
    ExportRequestView {
        request_id: id,
        terminal_id: TERMINAL.parse().unwrap(),
        terminal_name: "事務1".into(),
        requested_by: "S0004".into(),
        requested_at: t0(),
        layout: "health_system".into(),
        session_ids: vec!["S-2026-11-24-AM".into()],
        purpose: "月次報告".into(),
        recipient_id: "health-office".into(),
        scope_hash: String::new(),
        state: ExportRequestState::Pending,
        decided_by: None,
        decided_at: None,
        comment: None,
        grant: None,
        grant_expires_at: None,
    }
}

fn scope(r: &ExportRequestView) -> ExportScope {
    ExportScope {
        layout: r.layout.clone(),
        session_ids: r.session_ids.clone(),
        purpose: r.purpose.clone(),
        recipient: r.recipient_id.clone(),
    }
}

struct World {
    key: ExportSigningKey,
    state: ExportState,
    designation: Option<Designation>,
    request: Uuid,
    used: RefCell<HashSet<Uuid>>,
    trusted: bool,
}

impl World {
    fn new() -> World {
        let key = ExportSigningKey::generate().unwrap();
        let request = Uuid::now_v7();
        let state = ExportState {
            signing_key: key.public_key().to_paserk(),
            signing_key_signature: String::new(),
            designation: None,
            recipients: vec![ExportRecipient {
                recipient_id: "health-office".into(),
                name: "健康推進課".into(),
                age_recipient: "age1…".into(),
            }],
            requests: vec![new_request(request)],
        };
        World { key, state, designation: None, request, used: RefCell::new(HashSet::new()), trusted: true }
    }

    fn designate(&mut self, terminal: &str, fpr: &str, from: DateTime<Utc>, days: i64) -> Designation {
        let d = Designation {
            jti: Uuid::now_v7(),
            terminal_id: terminal.into(),
            device_key_fpr: fpr.into(),
            issued_at: from,
            expires_at: from + Duration::days(days),
        };
        self.state.designation = Some(sign_designation(&self.key, &d).unwrap());
        self.designation = Some(d.clone());
        d
    }

    fn approve_with(&mut self, g: Grant, key: &ExportSigningKey) {
        let r = self.state.requests.iter_mut().find(|r| r.request_id == self.request).unwrap();
        r.state = ExportRequestState::Approved;
        r.grant = Some(sign_grant(key, &g).unwrap());
    }

    fn grant(&self, terminal: &str, from: DateTime<Utc>, hours: i64) -> Grant {
        let d = self.designation.as_ref().expect("designated first");
        let r = self.state.requests.iter().find(|r| r.request_id == self.request).unwrap();
        Grant {
            jti: Uuid::now_v7(),
            designation_jti: d.jti,
            terminal_id: terminal.into(),
            device_key_fpr: FPR.into(),
            request_id: self.request,
            scope_hash: scope(r).hash(),
            approved_by: "S0005".into(),
            issued_at: from,
            not_before: from,
            expires_at: (from + Duration::hours(hours)).min(d.expires_at),
        }
    }

    fn check(&self, now: DateTime<Utc>, high_water: Option<DateTime<Utc>>) -> Result<Uuid, String> {
        let used = |jti: Uuid| self.used.borrow().contains(&jti);
        let input = GateInput {
            state: Some(&self.state),
            key_trusted: self.trusted,
            terminal_id: TERMINAL,
            device_key_fpr: FPR,
            request_id: self.request,
            grant_used: &used,
            now,
            high_water,
            rollback_tolerance: Duration::minutes(5),
        };
        authorize(&input).map(|a| a.grant.jti).map_err(|e| e.code)
    }
}

#[test]
fn each_missing_or_wrong_approval_is_refused_with_its_own_code() {
    let now = t0() + Duration::hours(1);
    let mut w = World::new();
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_NOT_DESIGNATED");
    // Designated for another terminal, or another device key.
    w.designate(OTHER_TERMINAL, FPR, t0(), 90);
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_DESIGNATION_OTHER_TERMINAL");
    w.designate(TERMINAL, "another-device-key", t0(), 90);
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_DESIGNATION_OTHER_TERMINAL");
    // Expired designation.
    w.designate(TERMINAL, FPR, t0() - Duration::days(91), 90);
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_DESIGNATION_EXPIRED");
    w.designate(TERMINAL, FPR, t0(), 90);
    // An untrusted key (no CA signature).
    w.trusted = false;
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_KEY_UNTRUSTED");
    w.trusted = true;
    // Not approved; refused.
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_NOT_APPROVED");
    w.state.requests[0].state = ExportRequestState::Refused;
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_REQUEST_REFUSED");
    // A grant for another terminal; signed by another key; expired; not yet valid.
    let g = w.grant(OTHER_TERMINAL, t0(), 8);
    w.approve_with(g, &w.key.clone());
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_GRANT_OTHER_TERMINAL");
    let forged = ExportSigningKey::generate().unwrap();
    w.approve_with(w.grant(TERMINAL, t0(), 8), &forged);
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_GRANT_INVALID");
    w.approve_with(w.grant(TERMINAL, t0() - Duration::hours(9), 8), &w.key.clone());
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_GRANT_EXPIRED");
    w.approve_with(w.grant(TERMINAL, now + Duration::hours(1), 8), &w.key.clone());
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_GRANT_NOT_YET_VALID");
    // A grant for another dataset than the request now names.
    w.approve_with(w.grant(TERMINAL, t0(), 8), &w.key.clone());
    w.state.requests[0].session_ids.push("S-2026-11-24-PM".into());
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_GRANT_SCOPE_MISMATCH");
    w.state.requests[0].session_ids.pop();
    // Valid: permitted once.
    let jti = w.check(now, None).unwrap();
    w.used.borrow_mut().insert(jti);
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_GRANT_USED");
    w.used.borrow_mut().clear();
    // A clock moved backwards.
    assert_eq!(w.check(now, Some(now + Duration::hours(2))).unwrap_err(), "EXPORT_CLOCK_ROLLBACK");
    // A request of another terminal is not this terminal's to write.
    w.state.requests[0].terminal_id = OTHER_TERMINAL.parse().unwrap();
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_REQUEST_UNKNOWN");
    w.state.requests[0].terminal_id = TERMINAL.parse().unwrap();
    // The recipient was removed.
    w.state.recipients.clear();
    assert_eq!(w.check(now, None).unwrap_err(), "EXPORT_RECIPIENT_UNKNOWN");
}

#[derive(Debug, Clone)]
enum Op {
    Designate {
        other_terminal: bool,
        other_device: bool,
        days: i64,
    },
    Withdraw,
    Approve {
        other_terminal: bool,
        forged: bool,
        hours: i64,
    },
    Refuse,
    /// Minutes; negative moves the clock back.
    Clock(i64),
    Write,
}

fn op() -> impl Strategy<Value = Op> {
    // Weighted so that valid designations and approvals are common and writes
    // are tried often: the property must see permitted writes, not only refusals.
    prop_oneof![
        2 => (any::<bool>(), any::<bool>(), 1i64..4).prop_map(|(other_terminal, other_device, days)| Op::Designate {
            other_terminal: other_terminal && days % 2 == 0,
            other_device: other_device && days == 3,
            days
        }),
        1 => Just(Op::Withdraw),
        3 => (any::<bool>(), any::<bool>(), 1i64..10).prop_map(|(t, f, hours)| Op::Approve {
            other_terminal: t && hours % 3 == 0,
            forged: f && hours % 4 == 0,
            hours
        }),
        1 => Just(Op::Refuse),
        2 => prop_oneof![(-30i64..240), (-600i64..3000)].prop_map(Op::Clock),
        4 => Just(Op::Write),
    ]
}

/// What the model knows about the tokens the terminal holds.
#[derive(Clone, Copy)]
struct HeldDesignation {
    jti: Uuid,
    good: bool,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
}

#[derive(Clone, Copy)]
struct HeldGrant {
    jti: Uuid,
    designation: Uuid,
    good: bool,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn no_sequence_of_commands_writes_without_a_valid_designation_and_unused_grant(ops in prop::collection::vec(op(), 1..40)) {
        let mut w = World::new();
        let mut now = t0();
        let mut high_water: Option<DateTime<Utc>> = None;
        let mut held_d: Option<HeldDesignation> = None;
        let mut held_g: Option<HeldGrant> = None;
        let mut writes: Vec<Uuid> = Vec::new();
        for op in ops {
            match op {
                Op::Designate { other_terminal, other_device, days } => {
                    let terminal = if other_terminal { OTHER_TERMINAL } else { TERMINAL };
                    let fpr = if other_device { "another-device-key" } else { FPR };
                    let d = w.designate(terminal, fpr, now, days);
                    held_d = Some(HeldDesignation { jti: d.jti, good: !other_terminal && !other_device, from: d.issued_at, until: d.expires_at });
                }
                Op::Withdraw => {
                    w.state.designation = None;
                    held_d = None;
                }
                Op::Approve { other_terminal, forged, hours } => {
                    // The service signs no grant past its designation's end.
                    if w.designation.as_ref().is_none_or(|d| d.expires_at <= now + Duration::seconds(1)) {
                        continue;
                    }
                    let g = w.grant(if other_terminal { OTHER_TERMINAL } else { TERMINAL }, now, hours);
                    let key = if forged { ExportSigningKey::generate().unwrap() } else { w.key.clone() };
                    held_g = Some(HeldGrant { jti: g.jti, designation: g.designation_jti, good: !other_terminal && !forged, from: g.not_before, until: g.expires_at });
                    w.approve_with(g, &key);
                }
                Op::Refuse => {
                    let r = w.state.requests.iter_mut().find(|r| r.request_id == w.request).unwrap();
                    r.state = ExportRequestState::Refused;
                    r.grant = None;
                    held_g = None;
                }
                Op::Clock(m) => now += Duration::minutes(m),
                Op::Write => {
                    let expected = high_water.is_none_or(|h| now >= h - Duration::minutes(5))
                        && held_d.is_some_and(|d| d.good && d.from <= now && now < d.until)
                        && held_g.is_some_and(|g| {
                            g.good && g.from <= now && now < g.until
                                && held_d.is_some_and(|d| d.jti == g.designation && g.until <= d.until)
                                && !w.used.borrow().contains(&g.jti)
                        });
                    let got = w.check(now, high_water);
                    prop_assert_eq!(got.is_ok(), expected, "{:?}", got);
                    if let Ok(jti) = got {
                        w.used.borrow_mut().insert(jti);
                        writes.push(jti);
                    }
                }
            }
            // The terminal learns the time at every sync and login.
            high_water = Some(high_water.map_or(now, |h| h.max(now)));
        }
        // Never two writes with one grant.
        let distinct: HashSet<_> = writes.iter().collect();
        prop_assert_eq!(distinct.len(), writes.len());
    }
}
