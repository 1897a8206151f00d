//! Export requests and decisions: what a terminal sees ([`state`]), a clerk's
//! request ([`create_request`]), a supervisor's decision ([`decide`]) and the
//! grant an approval makes.
//!
//! Rules (codes from `uketsuke_protocol::export::codes`):
//! - Only a terminal holding an active designation may request
//!   (`EXPORT_NOT_DESIGNATED`), only an active, unlocked clerk (`EXPORT_ROLE`), for
//!   a known layout, ≥ 1 known session assigned to the terminal
//!   (`EXPORT_SESSION_NOT_ASSIGNED`: its store holds no other), a purpose and an
//!   active recipient. The
//!   scope hash is computed here from what is stored, never taken from the terminal.
//! - Only an active, unlocked supervisor decides (`EXPORT_ROLE`), never on their
//!   own request (`EXPORT_OWN_REQUEST`), only once (`EXPORT_REQUEST_DECIDED`), with
//!   a comment when refusing (`EXPORT_COMMENT_REQUIRED`), and only with the
//!   supervisor's own authenticator: an assertion over a single-use challenge
//!   bound to the deciding terminal and to this decision (request, approve or
//!   refuse, comment), checked by `identity::challenge::verify` (`IDENTITY_*`).
//!   A terminal alone, or with a proof for another decision, decides nothing.
//! - A request nobody decided on within [`PENDING_DAYS`] expires: it shows as
//!   expired and can no longer be decided (`EXPORT_REQUEST_EXPIRED`).
//! - An approval signs a grant for the *requesting* terminal and its device key,
//!   relying on that terminal's current designation, bound to the request and
//!   its scope hash, valid for [`GRANT_HOURS`] and never beyond the designation.
//!   The grant token is shown to the requesting terminal only.

use chrono::{DateTime, Duration, Utc};
use deadpool_postgres::{GenericClient, Pool};
use tokio_postgres::Row;
use uketsuke_export::{sign_grant, ExportScope, Grant};
use uketsuke_protocol::export::{
    codes, layouts, ExportDecision, ExportRequestState, ExportRequestView, ExportState, ExportStateRequest,
    NewExportRequest, PENDING_DAYS,
};
use uuid::Uuid;

use crate::identity::Identity;

use super::{designation, not_designated, recipients, refused, whole_seconds, MAX_TEXT_CHARS};
use crate::accounts;
use crate::db;
use crate::error::{CentralError, Result};
use crate::pki::Pki;
use crate::routes::Terminal;

/// How long a grant is valid (and never beyond its designation).
pub const GRANT_HOURS: i64 = 8;
/// A grant is valid from this long before its issue: a terminal clock behind the
/// service's by up to the skew the window warns about (2 min) can use it at once.
pub const GRANT_CLOCK_ALLOWANCE_MINUTES: i64 = 2;
/// The most sessions one request may name.
pub const MAX_SESSIONS: usize = 200;
/// How many of its own requests a terminal sees in [`state`].
pub const OWN_REQUESTS_SHOWN: i64 = 200;

/// A central request (no terminal: the service writes it, `export-attendance`)
/// shows with the nil terminal id, 中央サーバー as its terminal and the
/// administrator's role as its requester.
const VIEW_SELECT: &str = "SELECT r.request_id, coalesce(r.terminal_id, '00000000-0000-0000-0000-000000000000'::uuid),
        coalesce(t.name, '中央サーバー'), coalesce(r.requested_by, r.requested_by_admin), r.requested_at, r.layout,
        r.session_ids, r.purpose, r.recipient_id, r.scope_hash, r.state, r.decided_by, r.decided_at, r.comment,
        r.grant_token, r.grant_expires_at
    FROM export_requests r LEFT JOIN terminals t ON t.terminal_id = r.terminal_id";

/// Whether a request made at `requested_at` still waits for a decision at `now`.
fn still_pending(requested_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now < requested_at + Duration::days(PENDING_DAYS)
}

fn parse_state(s: &str, requested_at: DateTime<Utc>, now: DateTime<Utc>) -> Result<ExportRequestState> {
    Ok(match s {
        "pending" if still_pending(requested_at, now) => ExportRequestState::Pending,
        "pending" => ExportRequestState::Expired,
        "approved" => ExportRequestState::Approved,
        "refused" => ExportRequestState::Refused,
        "used" => ExportRequestState::Used,
        other => return Err(CentralError::Internal(format!("export request state {other}"))),
    })
}

/// A stored request as a terminal sees it. The grant token is included only for
/// `grant_for`, which must be the requesting terminal; a pending request older
/// than [`PENDING_DAYS`] at `now` shows as expired.
fn view(r: &Row, grant_for: Option<Uuid>, now: DateTime<Utc>) -> Result<ExportRequestView> {
    let terminal_id: Uuid = r.get(1);
    let state: String = r.get(10);
    let (grant, grant_expires_at) =
        if grant_for == Some(terminal_id) { (r.get(14), r.get(15)) } else { (None, r.get(15)) };
    Ok(ExportRequestView {
        request_id: r.get(0),
        terminal_id,
        terminal_name: r.get(2),
        requested_by: r.get(3),
        requested_at: r.get(4),
        layout: r.get(5),
        session_ids: r.get(6),
        purpose: r.get(7),
        recipient_id: r.get(8),
        scope_hash: r.get(9),
        state: parse_state(&state, r.get(4), now)?,
        decided_by: r.get(11),
        decided_at: r.get(12),
        comment: r.get(13),
        grant,
        grant_expires_at,
    })
}

async fn load_view(
    c: &impl GenericClient,
    request_id: Uuid,
    grant_for: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<ExportRequestView> {
    let row = c.query_one(&format!("{VIEW_SELECT} WHERE r.request_id = $1"), &[&request_id]).await?;
    view(&row, grant_for, now)
}

/// Everything a terminal needs for export: the signing key and the CA's signature
/// over it, its designation (only if active and bound to the device key it
/// presents now), the active recipients, its own requests (newest first, at most
/// [`OWN_REQUESTS_SHOWN`], with grant tokens) and every other terminal's pending
/// request (for supervisors; never with a grant).
pub async fn state(
    pool: &Pool,
    pki: &Pki,
    terminal: &Terminal,
    req: &ExportStateRequest,
    now: DateTime<Utc>,
) -> Result<ExportState> {
    let c = pool.get().await?;
    let designation = designation::active(&c, terminal.terminal_id, now).await?.map(|d| d.token);
    let recipients = recipients::list_recipients(&c).await?;
    let own = c
        .query(
            &format!("{VIEW_SELECT} WHERE r.terminal_id = $1 ORDER BY r.requested_at DESC, r.request_id DESC LIMIT $2"),
            &[&terminal.terminal_id, &OWN_REQUESTS_SHOWN],
        )
        .await?;
    let others = c
        .query(
            &format!(
                "{VIEW_SELECT} WHERE r.state = 'pending' AND r.terminal_id IS DISTINCT FROM $1 AND r.requested_at > $2
                 ORDER BY r.requested_at DESC"
            ),
            &[&terminal.terminal_id, &(now - Duration::days(PENDING_DAYS))],
        )
        .await?;
    let mut requests = own
        .iter()
        .chain(others.iter())
        .map(|r| view(r, Some(terminal.terminal_id), now))
        .collect::<Result<Vec<_>>>()?;
    requests.sort_by_key(|v| std::cmp::Reverse((v.requested_at, v.request_id)));
    tracing::debug!(terminal = %terminal.terminal_id, staff = ?req.staff_id, designated = designation.is_some(),
        "export state");
    Ok(ExportState {
        signing_key: pki.export_verifying_key().to_paserk(),
        signing_key_signature: pki.export_key_signature().to_owned(),
        designation,
        recipients,
        requests,
    })
}

/// What an account may do, for the role checks (all refusals are `EXPORT_ROLE`).
async fn require_role(c: &impl GenericClient, staff_id: &str, role: &str, what: &str) -> Result<()> {
    let row = c
        .query_opt("SELECT role, active, locked FROM staff WHERE staff_id = $1 FOR UPDATE", &[&staff_id])
        .await?
        .ok_or_else(|| refused(codes::EXPORT_ROLE, format!("unknown staff {staff_id}")))?;
    let (actual, active, locked): (String, bool, bool) = (row.get(0), row.get(1), row.get(2));
    if !active {
        return Err(refused(codes::EXPORT_ROLE, format!("staff {staff_id} is disabled")));
    }
    if locked {
        return Err(refused(codes::EXPORT_ROLE, format!("staff {staff_id} is locked")));
    }
    if actual != role {
        return Err(refused(codes::EXPORT_ROLE, format!("only a {role} may {what}; {staff_id} is a {actual}")));
    }
    Ok(())
}

/// The request as it will be stored: sessions sorted and de-duplicated, purpose trimmed.
struct Normalised {
    layout: String,
    session_ids: Vec<String>,
    purpose: String,
    recipient_id: String,
}

fn normalise(req: &NewExportRequest) -> Normalised {
    let mut session_ids = req.session_ids.clone();
    session_ids.sort();
    session_ids.dedup();
    Normalised {
        layout: req.layout.clone(),
        session_ids,
        purpose: req.purpose.trim().to_owned(),
        recipient_id: req.recipient_id.clone(),
    }
}

/// Record a refused request or decision in `admin_log` (the refusal itself wrote nothing).
/// A refusal is logged as the terminal's (the service verified nobody), with the
/// staff id the terminal named in the detail.
async fn log_refusal(
    pool: &Pool,
    now: DateTime<Utc>,
    terminal: &Terminal,
    claimed: &str,
    action: &str,
    target: &str,
    err: &CentralError,
) {
    let CentralError::Refused { code, message } = err else { return };
    let detail = format!("{code}: {message} (named staff {claimed}, not verified)");
    let who = format!("terminal:{}", terminal.terminal_id);
    let logged = match pool.get().await {
        Ok(c) => accounts::admin_log_as(&c, now, &who, action, target, &detail).await,
        Err(e) => Err(e.into()),
    };
    if let Err(e) = logged {
        tracing::warn!(error = %e, action, target, "could not log a refused export action");
    }
}

/// A clerk's request from a designated terminal. Idempotent by `request_id`: the
/// same request again returns the stored one (even after the designation ended);
/// the same id with other content or from another terminal is a `CONFLICT`.
pub async fn create_request(
    pool: &Pool,
    identity: &Identity,
    terminal: &Terminal,
    req: &NewExportRequest,
    now: DateTime<Utc>,
) -> Result<ExportRequestView> {
    let out = create_request_inner(pool, identity, terminal, req, now).await;
    if let Err(e) = &out {
        crate::identity::challenge::flag_refusal(pool, terminal, &req.action(), e, now).await;
        log_refusal(pool, now, terminal, &req.staff_id, "export.request.refused", &req.request_id.to_string(), e).await;
    }
    out
}

async fn create_request_inner(
    pool: &Pool,
    identity: &Identity,
    terminal: &Terminal,
    req: &NewExportRequest,
    now: DateTime<Utc>,
) -> Result<ExportRequestView> {
    let n = normalise(req);
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    // One writer per request id, so a retry racing the original finds it.
    tx.execute("SELECT pg_advisory_xact_lock(hashtextextended($1::text, 11))", &[&req.request_id.to_string()]).await?;
    if let Some(row) = tx
        .query_opt(
            "SELECT terminal_id, requested_by, layout, session_ids, purpose, recipient_id
             FROM export_requests WHERE request_id = $1",
            &[&req.request_id],
        )
        .await?
    {
        let same = row.get::<_, Option<Uuid>>(0) == Some(terminal.terminal_id)
            && row.get::<_, Option<String>>(1).as_deref() == Some(req.staff_id.as_str())
            && row.get::<_, String>(2) == n.layout
            && row.get::<_, Vec<String>>(3) == n.session_ids
            && row.get::<_, String>(4) == n.purpose
            && row.get::<_, String>(5) == n.recipient_id;
        if !same {
            return Err(CentralError::Conflict(format!(
                "export request {} exists with other content or from another terminal",
                req.request_id
            )));
        }
        return load_view(&tx, req.request_id, Some(terminal.terminal_id), now).await;
    }

    if designation::active(&tx, terminal.terminal_id, now).await?.is_none() {
        return Err(not_designated("this terminal is not designated for export"));
    }
    require_role(&tx, &req.staff_id, "clerk", "request an export").await?;
    if !layouts::ALL.contains(&n.layout.as_str()) {
        return Err(refused(codes::EXPORT_LAYOUT_UNKNOWN, format!("unknown layout {}", n.layout)));
    }
    if n.session_ids.is_empty() {
        return Err(refused(codes::EXPORT_SESSIONS_REQUIRED, "name at least one session"));
    }
    if n.session_ids.len() > MAX_SESSIONS {
        return Err(CentralError::BadRequest(format!("at most {MAX_SESSIONS} sessions per request")));
    }
    // Each named session: known to the service, and assigned to this terminal (the
    // file is made from its store, which holds only its assigned sessions)?
    let found: Vec<(String, bool)> = tx
        .query(
            "SELECT s.session_id, EXISTS (SELECT 1 FROM terminal_sessions ts
                                          WHERE ts.terminal_id = $1 AND ts.session_id = s.session_id)
             FROM sessions s WHERE s.session_id = ANY($2)",
            &[&terminal.terminal_id, &n.session_ids],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let lacking = |ok: &dyn Fn(&(String, bool)) -> bool| -> String {
        let listed: Vec<&str> =
            n.session_ids.iter().filter(|s| !found.iter().any(|f| &f.0 == *s && ok(f))).map(String::as_str).collect();
        listed.join(", ")
    };
    let unknown = lacking(&|_| true);
    if !unknown.is_empty() {
        return Err(refused(codes::EXPORT_SESSION_UNKNOWN, format!("unknown session(s): {unknown}")));
    }
    let elsewhere = lacking(&|f| f.1);
    if !elsewhere.is_empty() {
        return Err(refused(
            codes::EXPORT_SESSION_NOT_ASSIGNED,
            format!("session(s) not assigned to this terminal: {elsewhere}"),
        ));
    }
    if n.purpose.is_empty() {
        return Err(refused(codes::EXPORT_PURPOSE_REQUIRED, "a purpose is required"));
    }
    if n.purpose.chars().count() > MAX_TEXT_CHARS {
        return Err(CentralError::BadRequest(format!("the purpose is longer than {MAX_TEXT_CHARS} characters")));
    }
    if !recipients::is_active(&tx, &n.recipient_id).await? {
        return Err(refused(codes::EXPORT_RECIPIENT_UNKNOWN, format!("unknown recipient {}", n.recipient_id)));
    }
    // The clerk, not the terminal: their authenticator signed exactly this request.
    // (A retry of a stored request is answered above without a new proof.)
    crate::identity::challenge::verify(&tx, identity, terminal, &req.action(), req.proof.as_ref(), now).await?;
    let scope_hash = ExportScope {
        layout: n.layout.clone(),
        session_ids: n.session_ids.clone(),
        purpose: n.purpose.clone(),
        recipient: n.recipient_id.clone(),
    }
    .hash();
    tx.execute(
        "INSERT INTO export_requests (request_id, terminal_id, requested_by, requested_at, layout, session_ids,
             purpose, recipient_id, scope_hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &[
            &req.request_id,
            &terminal.terminal_id,
            &req.staff_id,
            &now,
            &n.layout,
            &n.session_ids,
            &n.purpose,
            &n.recipient_id,
            &scope_hash,
        ],
    )
    .await?;
    let detail = format!(
        "terminal {}, layout {}, sessions {}, recipient {}, purpose: {}",
        terminal.terminal_id,
        n.layout,
        n.session_ids.join(","),
        n.recipient_id,
        n.purpose
    );
    accounts::admin_log_as(&tx, now, &req.staff_id, "export.request", &req.request_id.to_string(), &detail).await?;
    let out = load_view(&tx, req.request_id, Some(terminal.terminal_id), now).await?;
    tx.commit().await?;
    tracing::info!(terminal = %terminal.terminal_id, request = %req.request_id, "export requested");
    Ok(out)
}

/// A supervisor's decision on a pending request, from any terminal. Returns the
/// request after it (with the grant token only if `terminal` is the requesting one).
pub async fn decide(
    pool: &Pool,
    pki: &Pki,
    identity: &Identity,
    terminal: &Terminal,
    d: &ExportDecision,
    now: DateTime<Utc>,
) -> Result<ExportRequestView> {
    let out = decide_inner(pool, pki, identity, terminal, d, now).await;
    if let Err(e) = &out {
        crate::identity::challenge::flag_refusal(pool, terminal, &d.action(), e, now).await;
        log_refusal(pool, now, terminal, &d.staff_id, "export.decision.refused", &d.request_id.to_string(), e).await;
    }
    out
}

async fn decide_inner(
    pool: &Pool,
    pki: &Pki,
    identity: &Identity,
    terminal: &Terminal,
    d: &ExportDecision,
    now: DateTime<Utc>,
) -> Result<ExportRequestView> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    db::lock_changes(&tx).await?;
    let req = tx
        .query_opt(
            "SELECT terminal_id, requested_by, state, scope_hash, recipient_id, requested_at
             FROM export_requests WHERE request_id = $1 FOR UPDATE",
            &[&d.request_id],
        )
        .await?
        .ok_or_else(|| refused(codes::EXPORT_REQUEST_UNKNOWN, format!("unknown export request {}", d.request_id)))?;
    // `requesting` is None for a central request (the service writes it).
    let (requesting, requested_by, state, scope_hash, recipient_id): (
        Option<Uuid>,
        Option<String>,
        String,
        String,
        String,
    ) = (req.get(0), req.get(1), req.get(2), req.get(3), req.get(4));
    let Some(requested_by) = requested_by else {
        // A central request from before requesters were named (migration 0010):
        // nobody can tell whether the supervisor made it herself.
        return Err(refused(
            codes::EXPORT_REQUEST_EXPIRED,
            "this central request names no requester; the administrator asks again",
        ));
    };
    require_role(&tx, &d.staff_id, "supervisor", "decide on an export").await?;
    if requested_by == d.staff_id {
        return Err(refused(codes::EXPORT_OWN_REQUEST, "a supervisor may not decide on their own request"));
    }
    if state != "pending" {
        return Err(refused(codes::EXPORT_REQUEST_DECIDED, format!("this request is already {state}")));
    }
    let requested_at: DateTime<Utc> = req.get(5);
    if !still_pending(requested_at, now) {
        return Err(refused(
            codes::EXPORT_REQUEST_EXPIRED,
            format!("this request waited more than {PENDING_DAYS} days for a decision; ask again"),
        ));
    }
    let comment = d.comment.trim();
    if !d.approve && comment.is_empty() {
        return Err(refused(codes::EXPORT_COMMENT_REQUIRED, "a refusal needs a comment"));
    }
    if comment.chars().count() > MAX_TEXT_CHARS {
        return Err(CentralError::BadRequest(format!("the comment is longer than {MAX_TEXT_CHARS} characters")));
    }
    if d.approve && !recipients::is_active(&tx, &recipient_id).await? {
        return Err(refused(codes::EXPORT_RECIPIENT_UNKNOWN, format!("recipient {recipient_id} is disabled")));
    }
    let held = match requesting {
        Some(terminal_id) if d.approve => Some((
            terminal_id,
            designation::active(&tx, terminal_id, now)
                .await?
                .ok_or_else(|| not_designated("the requesting terminal is no longer designated for export"))?,
        )),
        _ => None,
    };
    // The supervisor, not the terminal: their authenticator signed exactly this
    // decision (request, approve or refuse, comment) at this terminal.
    crate::identity::challenge::verify(&tx, identity, terminal, &d.action(), d.proof.as_ref(), now).await?;

    let comment = Some(comment).filter(|c| !c.is_empty());
    let detail;
    if let Some((requesting, held)) = held {
        let issued_at = whole_seconds(now);
        let expires_at = (issued_at + Duration::hours(GRANT_HOURS)).min(held.expires_at);
        let grant = Grant {
            jti: Uuid::now_v7(),
            designation_jti: held.designation_id,
            terminal_id: requesting.to_string(),
            device_key_fpr: held.device_key_fpr.clone(),
            request_id: d.request_id,
            scope_hash,
            approved_by: d.staff_id.clone(),
            issued_at,
            not_before: issued_at - Duration::minutes(GRANT_CLOCK_ALLOWANCE_MINUTES),
            expires_at,
        };
        let token = sign_grant(pki.export_key(), &grant)
            .map_err(|e| CentralError::Internal(format!("signing the grant: {e}")))?;
        tx.execute(
            "UPDATE export_requests SET state = 'approved', decided_by = $2, decided_at = $3, comment = $4,
                 designation_id = $5, grant_jti = $6, grant_token = $7, grant_expires_at = $8
             WHERE request_id = $1",
            &[&d.request_id, &d.staff_id, &now, &comment, &held.designation_id, &grant.jti, &token, &expires_at],
        )
        .await?;
        detail = format!(
            "approved at terminal {} for terminal {requesting} (requested by {requested_by}): grant {} until {expires_at}; comment: {}",
            terminal.terminal_id,
            grant.jti,
            comment.unwrap_or("")
        );
    } else if d.approve {
        // A central request: approved, for the service to write once (no grant).
        tx.execute(
            "UPDATE export_requests SET state = 'approved', decided_by = $2, decided_at = $3, comment = $4
             WHERE request_id = $1",
            &[&d.request_id, &d.staff_id, &now, &comment],
        )
        .await?;
        detail = format!(
            "approved at terminal {} for the central service (requested by an administrator); comment: {}",
            terminal.terminal_id,
            comment.unwrap_or("")
        );
    } else {
        tx.execute(
            "UPDATE export_requests SET state = 'refused', decided_by = $2, decided_at = $3, comment = $4
             WHERE request_id = $1",
            &[&d.request_id, &d.staff_id, &now, &comment],
        )
        .await?;
        let whose = requesting.map(|t| format!("terminal {t}")).unwrap_or_else(|| "the central service".into());
        detail = format!(
            "refused at terminal {} for {whose} (requested by {requested_by}); comment: {}",
            terminal.terminal_id,
            comment.unwrap_or("")
        );
    }
    let action = if d.approve { "export.approve" } else { "export.refuse" };
    accounts::admin_log_as(&tx, now, &d.staff_id, action, &d.request_id.to_string(), &detail).await?;
    let out = load_view(&tx, d.request_id, Some(terminal.terminal_id), now).await?;
    tx.commit().await?;
    tracing::info!(request = %d.request_id, staff = %d.staff_id, approve = d.approve, "export request decided");
    Ok(out)
}

/// Requests for the CLI, newest first, without grant tokens; "pending" means
/// still waiting at `now` (expired ones are left out).
pub async fn list_requests(
    pool: &Pool,
    pending_only: bool,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<ExportRequestView>> {
    let c = pool.get().await?;
    c.query(
        &format!(
            "{VIEW_SELECT} WHERE NOT $1 OR (r.state = 'pending' AND r.requested_at > $3)
             ORDER BY r.requested_at DESC LIMIT $2"
        ),
        &[&pending_only, &limit, &(now - Duration::days(PENDING_DAYS))],
    )
    .await?
    .iter()
    .map(|r| view(r, None, now))
    .collect()
}
