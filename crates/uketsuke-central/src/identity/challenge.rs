//! Per-action challenges and the check every privileged handler makes.

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::{GenericClient, Pool};
use uketsuke_identity::{bound_challenge, counter_advances, fresh_nonce, Action, PublicCredential};
use uketsuke_protocol::codes;
use uketsuke_protocol::identity::{ChallengeResponse, PersonProof};
use uuid::Uuid;

use super::{identity_error, refused, Identity};
use crate::error::{CentralError, Result};
use crate::routes::Terminal;

/// The person's registered, unrevoked credentials.
pub(crate) async fn credentials(c: &impl GenericClient, staff_id: &str) -> Result<Vec<PublicCredential>> {
    let rows = c
        .query(
            "SELECT credential::text FROM staff_authenticators
             WHERE staff_id = $1 AND revoked_at IS NULL ORDER BY registered_at",
            &[&staff_id],
        )
        .await?;
    rows.iter()
        .map(|r| PublicCredential::from_json(r.get(0)).map_err(|e| CentralError::Internal(e.to_string())))
        .collect()
}

/// Unanswered, unexpired challenges one terminal may hold (a desk needs one at a time).
pub const MAX_OPEN_CHALLENGES: i64 = 20;

/// Issue a challenge for `action` at `terminal`: single use, expiring after
/// `challenge_seconds`, signed over the terminal's certificate and the action.
pub async fn issue(
    pool: &Pool,
    identity: &Identity,
    terminal: &Terminal,
    action: &Action,
    lifetime: Duration,
    now: DateTime<Utc>,
) -> Result<ChallengeResponse> {
    let c = pool.get().await?;
    // Unanswered challenges are kept a day after they expire (for the audit of
    // attempts), then dropped; a terminal may hold only so many open at once, so
    // it cannot fill the table or keep nonces in stock.
    c.execute(
        "DELETE FROM identity_challenges WHERE terminal_id = $1 AND used_at IS NULL AND expires_at < $2",
        &[&terminal.terminal_id, &(now - Duration::days(1))],
    )
    .await?;
    let open: i64 = c
        .query_one(
            "SELECT count(*) FROM identity_challenges WHERE terminal_id = $1 AND used_at IS NULL AND expires_at > $2",
            &[&terminal.terminal_id, &now],
        )
        .await?
        .get(0);
    if open >= MAX_OPEN_CHALLENGES {
        return Err(refused(
            codes::IDENTITY_CHALLENGES_OUTSTANDING,
            "this terminal holds too many unanswered challenges; wait a few minutes",
        ));
    }
    let creds = credentials(&c, action.staff_id()).await?;
    if creds.is_empty() {
        // Unknown people and people without an authenticator get the same answer.
        return Err(refused(codes::IDENTITY_NO_AUTHENTICATOR, "no authenticator is registered for this person"));
    }
    let nonce = fresh_nonce();
    let challenge = bound_challenge(&nonce, &terminal.cert_sha256, action);
    let options = identity.rp.request_options(&creds, &challenge).map_err(identity_error)?;
    let challenge_id = Uuid::now_v7();
    let expires_at = now + lifetime;
    c.execute(
        "INSERT INTO identity_challenges
             (challenge_id, terminal_id, staff_id, action_kind, action_digest, nonce, issued_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &challenge_id,
            &terminal.terminal_id,
            &action.staff_id(),
            &action.kind(),
            &action.digest().as_slice(),
            &nonce.as_slice(),
            &now,
            &expires_at,
        ],
    )
    .await?;
    Ok(ChallengeResponse { challenge_id, options, origin: identity.rp.origin().to_string(), expires_at })
}

/// Who the service verified, for the handler to record.
#[derive(Debug, Clone)]
pub struct VerifiedPerson {
    pub staff_id: String,
    pub credential_id: Vec<u8>,
}

/// Check that `proof` answers a challenge this service issued to this terminal
/// for exactly `action`, not answered before and not expired, signed by a
/// registered credential of the person the action names, with user
/// verification and a counter that moved forward. Consumes the challenge and
/// records the act with its evidence, in the caller's transaction: if the act
/// fails later, neither happened.
pub async fn verify(
    tx: &impl GenericClient,
    identity: &Identity,
    terminal: &Terminal,
    action: &Action,
    proof: Option<&PersonProof>,
    now: DateTime<Utc>,
) -> Result<VerifiedPerson> {
    let Some(proof) = proof else {
        return Err(refused(codes::IDENTITY_PROOF_REQUIRED, "this act needs the person's authenticator"));
    };
    let row = tx
        .query_opt(
            "SELECT terminal_id, action_digest, nonce, expires_at, used_at
             FROM identity_challenges WHERE challenge_id = $1 FOR UPDATE",
            &[&proof.challenge_id],
        )
        .await?
        .ok_or_else(|| refused(codes::IDENTITY_CHALLENGE_UNKNOWN, "this service issued no such challenge"))?;
    let issued_to: Uuid = row.get(0);
    if issued_to != terminal.terminal_id {
        return Err(refused(codes::IDENTITY_CHALLENGE_OTHER_TERMINAL, "the challenge was issued to another terminal"));
    }
    if row.get::<_, Option<DateTime<Utc>>>(4).is_some() {
        return Err(refused(codes::IDENTITY_CHALLENGE_USED, "the challenge was already answered"));
    }
    if row.get::<_, DateTime<Utc>>(3) <= now {
        return Err(refused(codes::IDENTITY_CHALLENGE_EXPIRED, "the challenge expired; ask for a new one"));
    }
    // The digest covers the whole action, the person it names included.
    let digest: Vec<u8> = row.get(1);
    if digest != action.digest() {
        return Err(refused(codes::IDENTITY_ACTION_MISMATCH, "the challenge was issued for another action"));
    }
    let nonce: [u8; 32] =
        row.get::<_, Vec<u8>>(2).try_into().map_err(|_| CentralError::Internal("challenge nonce".into()))?;

    let raw_id: &[u8] = proof.assertion.raw_id.as_slice();
    let cred = tx
        .query_opt(
            "SELECT staff_id, credential::text, sign_count, revoked_at IS NOT NULL, aaguid
             FROM staff_authenticators WHERE credential_id = $1 FOR UPDATE",
            &[&raw_id],
        )
        .await?
        .ok_or_else(|| refused(codes::IDENTITY_CREDENTIAL_UNKNOWN, "no such authenticator is registered"))?;
    if cred.get::<_, bool>(3) {
        return Err(refused(codes::IDENTITY_CREDENTIAL_UNKNOWN, "this authenticator was revoked"));
    }
    let owner: String = cred.get(0);
    if owner != action.staff_id() {
        return Err(refused(codes::IDENTITY_WRONG_PERSON, "the authenticator belongs to someone else"));
    }
    // The policy as it is now: a model the city dropped, or a software token once
    // the service no longer runs the demo city, proves nothing any more.
    identity.policy(tx).await?.accept(cred.get(4)).map_err(identity_error)?;
    let credential = PublicCredential::from_json(cred.get(1)).map_err(|e| CentralError::Internal(e.to_string()))?;
    let challenge = bound_challenge(&nonce, &terminal.cert_sha256, action);
    let verified = identity
        .rp
        .verify(std::slice::from_ref(&credential), &challenge, &proof.assertion)
        .map_err(|e| refused(codes::IDENTITY_ASSERTION_INVALID, format!("the assertion does not verify: {e}")))?;
    let highest: i64 = cred.get(2);
    let highest = u32::try_from(highest).unwrap_or(u32::MAX);
    if !counter_advances(highest, verified.counter) {
        return Err(refused(
            codes::IDENTITY_COUNTER_REGRESSED,
            format!("the authenticator's counter went back ({highest} → {})", verified.counter),
        ));
    }
    tx.execute("UPDATE identity_challenges SET used_at = $2 WHERE challenge_id = $1", &[&proof.challenge_id, &now])
        .await?;
    tx.execute(
        "UPDATE staff_authenticators SET sign_count = $2, last_used_at = $3 WHERE credential_id = $1",
        &[&raw_id, &i64::from(verified.counter), &now],
    )
    .await?;
    let action_json = serde_json::to_value(action).map_err(|e| CentralError::Internal(e.to_string()))?;
    let assertion_json = serde_json::to_value(&proof.assertion).map_err(|e| CentralError::Internal(e.to_string()))?;
    tx.execute(
        "INSERT INTO verified_acts
             (at, terminal_id, staff_id, credential_id, challenge_id, action_kind, action, assertion, sign_count)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &now,
            &terminal.terminal_id,
            &owner,
            &raw_id,
            &proof.challenge_id,
            &action.kind(),
            &action_json,
            &assertion_json,
            &i64::from(verified.counter),
        ],
    )
    .await?;
    tracing::info!(staff = %owner, terminal = %terminal.terminal_id, act = action.kind(), "person verified");
    Ok(VerifiedPerson { staff_id: owner, credential_id: verified.credential_id })
}

/// A counter that went back is refused above; the refusal rolls the handler's
/// transaction back, so the flag is written on its own.
pub async fn flag_refusal(pool: &Pool, terminal: &Terminal, action: &Action, err: &CentralError, now: DateTime<Utc>) {
    if err.code() != codes::IDENTITY_COUNTER_REGRESSED {
        return;
    }
    let result = async {
        let c = pool.get().await?;
        c.execute(
            "INSERT INTO identity_flags (at, terminal_id, staff_id, code, detail) VALUES ($1, $2, $3, $4, $5)",
            &[&now, &terminal.terminal_id, &action.staff_id(), &err.code(), &err.to_string()],
        )
        .await?;
        Ok::<_, CentralError>(())
    }
    .await;
    if let Err(e) = result {
        tracing::error!(error = %e, "could not record an identity flag");
    }
}
