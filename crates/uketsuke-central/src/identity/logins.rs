//! Every login a terminal reports, judged by what the person's authenticator
//! signed, and the terminal's work checked against those logins.
//!
//! A `login_ok` entry in a shipped access log is the terminal's word. The
//! service believes it only when:
//! - **online**: it names a challenge this service verified for exactly this
//!   person's online login at this terminal (`verified_acts`), claimed by no
//!   other entry;
//! - **offline**: its evidence (nonce, time, assertion) verifies here, with the
//!   service's own copy of a credential the person held at that time and the
//!   policy still accepts, over a nonce no other login used.
//!
//! Everything else is recorded as unverified and flagged; it resets no failure
//! count. Entries outside a session a verified login opened (in chain order) are
//! flagged, and so are events with no verified login of their person on that
//! terminal before them.

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::GenericClient;
use uketsuke_auth::ChainedEntry;
use uketsuke_protocol::LoginDetail;
use uuid::Uuid;

use super::Identity;
use crate::error::{CentralError, Result};
use crate::routes::Terminal;

/// Flag codes (`identity_flags.code`).
pub const FLAG_LOGIN_UNVERIFIED: &str = "LOGIN_UNVERIFIED";
pub const FLAG_COUNTER_OUT_OF_ORDER: &str = "COUNTER_OUT_OF_ORDER";
pub const FLAG_ENTRY_WITHOUT_LOGIN: &str = "ENTRY_WITHOUT_VERIFIED_LOGIN";
pub const FLAG_EVENT_WITHOUT_LOGIN: &str = "EVENT_WITHOUT_VERIFIED_LOGIN";
pub const FLAG_LOCAL_RESET: &str = "LOCAL_RESET";

/// How long after a verified login a person's work at that terminal is
/// attributed to it (a reception day; the idle timeout ends sessions far sooner).
pub fn session_window() -> Duration {
    Duration::hours(16)
}

/// The service's judgement of one login.
struct Judgement {
    how: &'static str,
    credential_id: Option<Vec<u8>>,
    sign_count: Option<i64>,
    nonce: Option<Vec<u8>>,
    challenge_id: Option<Uuid>,
    problem: Option<String>,
}

impl Judgement {
    fn refused(how: &'static str, problem: impl Into<String>) -> Self {
        Judgement {
            how,
            credential_id: None,
            sign_count: None,
            nonce: None,
            challenge_id: None,
            problem: Some(problem.into()),
        }
    }
}

pub(crate) async fn flag(
    c: &impl GenericClient,
    at: DateTime<Utc>,
    terminal_id: Uuid,
    staff_id: &str,
    credential_id: Option<&[u8]>,
    code: &str,
    detail: &str,
) -> Result<()> {
    c.execute(
        "INSERT INTO identity_flags (at, terminal_id, staff_id, credential_id, code, detail)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[&at, &terminal_id, &staff_id, &credential_id, &code, &detail],
    )
    .await?;
    Ok(())
}

/// Judge the `login_ok` entry `e` (its time clamped to the receive time: `at`),
/// record the judgement, flag it if unverified. Returns whether it was verified.
pub async fn check_login(
    tx: &impl GenericClient,
    identity: &Identity,
    terminal: &Terminal,
    chain_id: Uuid,
    e: &ChainedEntry,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool> {
    let judgement = match LoginDetail::parse(&e.detail) {
        LoginDetail::Online { challenge_id } => judge_online(tx, terminal, &e.staff_id, challenge_id, at).await?,
        LoginDetail::Offline(evidence) => judge_offline(tx, identity, terminal, e, &evidence, at).await?,
        LoginDetail::Demo => Judgement::refused("other", "a demo login in an enrolled terminal's log"),
        LoginDetail::Unverifiable(_) => Judgement::refused("other", "the entry carries no proof of the login"),
    };
    let verified = judgement.problem.is_none();
    tx.execute(
        "INSERT INTO login_checks (terminal_id, chain_id, seq, staff_id, at, how, verified, credential_id, sign_count,
                                   nonce, challenge_id, problem)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
         ON CONFLICT (terminal_id, chain_id, seq) DO NOTHING",
        &[
            &terminal.terminal_id,
            &chain_id,
            &e.seq,
            &e.staff_id,
            &at,
            &judgement.how,
            &verified,
            &judgement.credential_id,
            &judgement.sign_count,
            &judgement.nonce,
            &judgement.challenge_id,
            &judgement.problem,
        ],
    )
    .await?;
    if let Some(problem) = &judgement.problem {
        let detail = format!("entry {} of chain {chain_id}: {problem}", e.seq);
        flag(
            tx,
            now,
            terminal.terminal_id,
            &e.staff_id,
            judgement.credential_id.as_deref(),
            FLAG_LOGIN_UNVERIFIED,
            &detail,
        )
        .await?;
        tracing::warn!(terminal = %terminal.terminal_id, staff = %e.staff_id, seq = e.seq, %problem, "login not verified");
    }
    Ok(verified)
}

/// How far an online login's entry may be dated from the moment the service
/// verified it (the terminal writes the entry right after the service's answer).
fn online_entry_tolerance() -> Duration {
    Duration::minutes(5)
}

async fn judge_online(
    tx: &impl GenericClient,
    terminal: &Terminal,
    staff_id: &str,
    challenge_id: Uuid,
    at: DateTime<Utc>,
) -> Result<Judgement> {
    let act = tx
        .query_opt(
            "SELECT credential_id, sign_count, at FROM verified_acts
             WHERE challenge_id = $1 AND terminal_id = $2 AND staff_id = $3 AND action_kind = 'online_login'",
            &[&challenge_id, &terminal.terminal_id, &staff_id],
        )
        .await?;
    let Some(act) = act else {
        return Ok(Judgement::refused("online", "the service verified no such online login at this terminal"));
    };
    let verified_at: DateTime<Utc> = act.get(2);
    if (at - verified_at).abs() > online_entry_tolerance() {
        return Ok(Judgement::refused("online", "the entry is not dated when the service verified the login"));
    }
    let claimed = tx.query_opt("SELECT 1 FROM login_checks WHERE challenge_id = $1", &[&challenge_id]).await?.is_some();
    if claimed {
        return Ok(Judgement::refused("online", "another entry already claimed this online login"));
    }
    Ok(Judgement {
        how: "online",
        credential_id: Some(act.get(0)),
        sign_count: Some(act.get(1)),
        nonce: None,
        challenge_id: Some(challenge_id),
        problem: None,
    })
}

async fn judge_offline(
    tx: &impl GenericClient,
    identity: &Identity,
    terminal: &Terminal,
    e: &ChainedEntry,
    evidence: &uketsuke_identity::LoginEvidence,
    at: DateTime<Utc>,
) -> Result<Judgement> {
    let refused = |p: &str| Ok(Judgement::refused("offline", p));
    if evidence.at != e.at {
        return refused("the signed time is not the entry's time");
    }
    let Ok(nonce) = evidence.nonce_bytes() else { return refused("the evidence's nonce is malformed") };
    let raw_id = evidence.assertion.raw_id.as_slice();
    let Some(cred) = tx
        .query_opt(
            "SELECT staff_id, credential::text, aaguid, revoked_at, registered_at
             FROM staff_authenticators WHERE credential_id = $1",
            &[&raw_id],
        )
        .await?
    else {
        return refused("no such authenticator is registered");
    };
    let mut judged = Judgement {
        how: "offline",
        credential_id: Some(raw_id.to_vec()),
        sign_count: None,
        nonce: None,
        challenge_id: None,
        problem: None,
    };
    let fail = |mut j: Judgement, p: &str| {
        j.problem = Some(p.to_owned());
        Ok(j)
    };
    if cred.get::<_, String>(0) != e.staff_id {
        return fail(judged, "the authenticator belongs to someone else");
    }
    // The signed time is the terminal's word: a revoked key (lost, stolen) proves
    // nothing that arrives after its revocation, whatever time it names.
    if cred.get::<_, Option<DateTime<Utc>>>(3).is_some() {
        return fail(judged, "the authenticator was revoked before this login arrived");
    }
    if at < cred.get::<_, DateTime<Utc>>(4) {
        return fail(judged, "the login is dated before the authenticator was registered");
    }
    if !identity.policy(tx).await.is_ok_and(|p| p.accept(cred.get(2)).is_ok()) {
        return fail(judged, "the city's policy no longer accepts this authenticator");
    }
    if tx.query_opt("SELECT 1 FROM login_checks WHERE nonce = $1", &[&nonce.as_slice()]).await?.is_some() {
        return fail(judged, "the evidence was already used by another login (a replay)");
    }
    let credential = uketsuke_identity::PublicCredential::from_json(cred.get(1))
        .map_err(|e| CentralError::Internal(e.to_string()))?;
    let challenge =
        evidence.challenge(&e.staff_id, &terminal.cert_sha256).map_err(|e| CentralError::Internal(e.to_string()))?;
    let verified = match identity.rp.verify(std::slice::from_ref(&credential), &challenge, &evidence.assertion) {
        Ok(v) => v,
        Err(err) => return fail(judged, &format!("the assertion does not verify: {err}")),
    };
    judged.nonce = Some(nonce.to_vec());
    judged.sign_count = Some(i64::from(verified.counter));
    if verified.counter > 0 {
        counter_in_order(tx, terminal, &e.staff_id, raw_id, i64::from(verified.counter), at).await?;
        tx.execute(
            "UPDATE staff_authenticators SET sign_count = greatest(sign_count, $2),
                 last_used_at = greatest(coalesce(last_used_at, $3), $3)
             WHERE credential_id = $1",
            &[&raw_id, &i64::from(verified.counter), &at],
        )
        .await?;
    }
    Ok(judged)
}

/// A key's counter only grows: a use with a counter as high before, or as low
/// after, this one means two devices answer for one credential (a cloned key)
/// or a replayed assertion. The login stands (its signature verified); people
/// look at the flag.
async fn counter_in_order(
    tx: &impl GenericClient,
    terminal: &Terminal,
    staff_id: &str,
    credential_id: &[u8],
    counter: i64,
    at: DateTime<Utc>,
) -> Result<()> {
    let clash = tx
        .query_opt(
            "SELECT at, sign_count FROM (
                 SELECT at, sign_count FROM verified_acts WHERE credential_id = $1
                 UNION ALL
                 SELECT at, sign_count FROM login_checks WHERE verified AND credential_id = $1 AND sign_count IS NOT NULL
             ) uses
             WHERE (sign_count >= $2 AND at < $3) OR (sign_count <= $2 AND at > $3)
             ORDER BY at LIMIT 1",
            &[&credential_id, &counter, &at],
        )
        .await?;
    if let Some(row) = clash {
        let (other_at, other_count): (DateTime<Utc>, i64) = (row.get(0), row.get(1));
        let detail = format!(
            "counter {counter} at {} is out of order with counter {other_count} at {}",
            at.to_rfc3339(),
            other_at.to_rfc3339()
        );
        flag(tx, at, terminal.terminal_id, staff_id, Some(credential_id), FLAG_COUNTER_OUT_OF_ORDER, &detail).await?;
        tracing::warn!(terminal = %terminal.terminal_id, staff = %staff_id, %detail, "authenticator counter out of order");
    }
    Ok(())
}

/// Whether `staff_id` has a verified login at `terminal_id` in the session
/// window before `at`.
pub async fn has_verified_login(
    c: &impl GenericClient,
    terminal_id: Uuid,
    staff_id: &str,
    at: DateTime<Utc>,
) -> Result<bool> {
    Ok(c.query_opt(
        "SELECT 1 FROM login_checks
             WHERE verified AND terminal_id = $1 AND staff_id = $2 AND at <= $3 AND at >= $4 LIMIT 1",
        &[&terminal_id, &staff_id, &at, &(at - session_window())],
    )
    .await?
    .is_some())
}

/// Events of this terminal received before `received_before` (its previous log
/// shipment: the log shipped since covers them) and not yet checked: flag those
/// whose staff member has no verified login there before them. One flag per
/// person per shipment.
pub async fn check_events(
    tx: &impl GenericClient,
    terminal_id: Uuid,
    received_before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<usize> {
    let rows = tx
        .query(
            "UPDATE events e SET login_checked = true
             WHERE e.terminal_id = $1 AND NOT e.login_checked AND e.received_at <= $2
             RETURNING e.event_id, e.staff_id, least(e.occurred_at, e.received_at)",
            &[&terminal_id, &received_before],
        )
        .await?;
    let mut unverified: std::collections::BTreeMap<String, Vec<Uuid>> = Default::default();
    for r in &rows {
        let (event_id, staff_id, at): (Uuid, String, DateTime<Utc>) = (r.get(0), r.get(1), r.get(2));
        if !has_verified_login(tx, terminal_id, &staff_id, at).await? {
            unverified.entry(staff_id).or_default().push(event_id);
        }
    }
    for (staff_id, events) in &unverified {
        let shown: Vec<String> = events.iter().take(5).map(Uuid::to_string).collect();
        let detail = format!(
            "{} event(s) recorded under {staff_id} with no verified login of theirs on this terminal before them: {}{}",
            events.len(),
            shown.join(", "),
            if events.len() > shown.len() { ", …" } else { "" }
        );
        flag(tx, now, terminal_id, staff_id, None, FLAG_EVENT_WITHOUT_LOGIN, &detail).await?;
    }
    Ok(unverified.values().map(Vec::len).sum())
}

/// Whose session is open on this chain just before `seq`: the person of the last
/// login the service judged there, if it was verified and no logout of theirs
/// followed it.
pub async fn session_before(
    c: &impl GenericClient,
    terminal_id: Uuid,
    chain_id: Uuid,
    seq: i64,
) -> Result<Option<String>> {
    let Some(login) = c
        .query_opt(
            "SELECT staff_id, verified, seq FROM login_checks
             WHERE terminal_id = $1 AND chain_id = $2 AND seq < $3 ORDER BY seq DESC LIMIT 1",
            &[&terminal_id, &chain_id, &seq],
        )
        .await?
    else {
        return Ok(None);
    };
    let (staff_id, verified, login_seq): (String, bool, i64) = (login.get(0), login.get(1), login.get(2));
    if !verified {
        return Ok(None);
    }
    let ended = c
        .query_opt(
            "SELECT 1 FROM audit_entries
             WHERE terminal_id = $1 AND chain_id = $2 AND seq > $3 AND seq < $4 AND operation = 'logout' AND staff_id = $5
             LIMIT 1",
            &[&terminal_id, &chain_id, &login_seq, &seq, &staff_id],
        )
        .await?
        .is_some();
    Ok((!ended).then_some(staff_id))
}
