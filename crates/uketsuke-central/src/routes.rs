//! The HTTP API: routes, terminal authentication, the service-clock header.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use deadpool_postgres::Pool;
use sha2::{Digest, Sha256};
use uketsuke_protocol::export::{
    ExportDecision, ExportLedgerReceipt, ExportLedgerShipment, ExportRequestView, ExportState, ExportStateRequest,
    NewExportRequest,
};
use uketsuke_protocol::*;
use uuid::Uuid;

use crate::config::Config;
use crate::error::{CentralError, Result};
use crate::pki::{cert_sha256, pem_to_der, Pki};
use crate::tls::PeerCert;
use crate::{accounts, audit, db, export, pull, push};

/// The service's clock, injectable so tests can move it.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub pki: Arc<Pki>,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    /// Argon2id on the service, at most `argon2_max_concurrent` at a time.
    pub password_work: Arc<crate::password_work::PasswordWork>,
    /// The WebAuthn relying party and the configured authenticator models.
    pub identity: Arc<crate::identity::Identity>,
    /// Enrollment per address, identity requests per terminal.
    pub rate: Arc<crate::rate::RateLimits>,
}

/// The terminal a request comes from, established by [`authenticate`].
#[derive(Debug, Clone)]
pub struct Terminal {
    pub terminal_id: Uuid,
    pub name: String,
    /// Terminal clock minus service clock when the request arrived, if it said.
    pub skew_ms: Option<i64>,
    /// SHA-256 of the client certificate it presented: what a person's
    /// assertion is bound to ([`uketsuke_identity::bound_challenge`]).
    pub cert_sha256: [u8; 32],
}

pub fn router(state: AppState) -> Router {
    let terminal_routes = Router::new()
        .route("/v1/push", post(push_handler))
        .route("/v1/pull", post(pull_handler))
        .route("/v1/events/known", post(known_handler))
        .route("/v1/audit", post(audit_handler))
        .route("/v1/audit/head", post(audit_head_handler))
        .route("/v1/auth/online-login", post(online_login_handler))
        .route("/v1/my-number", post(my_number_handler))
        .route("/v1/auth/unlock", post(unlock_handler))
        .route("/v1/identity/challenge", post(challenge_handler))
        .route("/v1/identity/register/start", post(register_start_handler))
        .route("/v1/identity/register/finish", post(register_finish_handler))
        .route("/v1/auth/password", post(change_password_handler))
        .route("/v1/export/state", post(export_state_handler))
        .route("/v1/export/requests", post(export_request_handler))
        .route("/v1/export/decisions", post(export_decision_handler))
        .route("/v1/export/ledger", post(export_ledger_handler))
        .route_layer(middleware::from_fn_with_state(state.clone(), authenticate));
    Router::new()
        .route("/health", get(health))
        .route("/v1/ca", get(ca))
        .route("/v1/enroll", post(enroll))
        .merge(terminal_routes)
        .layer(middleware::from_fn_with_state(state.clone(), server_time))
        .with_state(state)
}

async fn server_time(State(st): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let now = st.clock.now().to_rfc3339_opts(SecondsFormat::Millis, true);
    if let Ok(v) = HeaderValue::from_str(&now) {
        res.headers_mut().insert(SERVER_TIME_HEADER, v);
    }
    res
}

async fn authenticate(State(st): State<AppState>, mut req: Request, next: Next) -> Result<Response> {
    let cert = req.extensions().get::<PeerCert>().and_then(|p| p.0.clone()).ok_or(CentralError::CertificateRequired)?;
    let sha = cert_sha256(&cert);
    let now = st.clock.now();
    let skew_ms = req
        .headers()
        .get(TERMINAL_TIME_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| DateTime::parse_from_rfc3339(v).ok())
        .map(|t| (t.with_timezone(&Utc) - now).num_milliseconds());
    let client = st.pool.get().await?;
    // `cert_der` is filled here for terminals enrolled before the service kept it
    // (export designations bind to the certificate's key).
    let der: &[u8] = &cert;
    let row = client
        .query_opt(
            "UPDATE terminals SET last_seen_at = $2, last_skew_ms = coalesce($3, last_skew_ms),
                 cert_der = coalesce(cert_der, $4)
             WHERE cert_sha256 = $1 RETURNING terminal_id, name, revoked_at, revoke_reason",
            &[&sha, &now, &skew_ms, &der],
        )
        .await?
        .ok_or(CentralError::UnknownTerminal)?;
    let revoked: Option<DateTime<Utc>> = row.get(2);
    if revoked.is_some() {
        let reason: Option<String> = row.get(3);
        return Err(CentralError::Revoked(reason.unwrap_or_default()));
    }
    drop(client);
    let cert_sha256: [u8; 32] = Sha256::digest(der).into();
    req.extensions_mut().insert(Terminal { terminal_id: row.get(0), name: row.get(1), skew_ms, cert_sha256 });
    Ok(next.run(req).await)
}

async fn health(State(st): State<AppState>) -> Json<Health> {
    let database = match st.pool.get().await {
        Ok(c) => c.query_one("SELECT 1", &[]).await.is_ok(),
        Err(_) => false,
    };
    Json(Health {
        status: if database { "ok" } else { "degraded" }.into(),
        database,
        version: env!("CARGO_PKG_VERSION").into(),
    })
}

/// The CA certificate (public). A terminal checks it against the fingerprint in
/// its enrollment code before trusting it.
async fn ca(State(st): State<AppState>) -> String {
    st.pki.ca_pem.clone()
}

pub fn code_sha256(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.trim().to_ascii_uppercase().as_bytes()))
}

async fn enroll(
    State(st): State<AppState>,
    peer: Option<Extension<crate::tls::PeerAddr>>,
    Json(req): Json<EnrollRequest>,
) -> Result<Json<EnrollResponse>> {
    if let Some(Extension(crate::tls::PeerAddr(addr))) = peer {
        st.rate.enroll(addr.ip())?;
    }
    let now = st.clock.now();
    let mut client = st.pool.get().await?;
    let tx = client.transaction().await?;
    let row = tx
        .query_opt(
            "UPDATE enrollment_codes SET used_at = $2
             WHERE code_sha256 = $1 AND used_at IS NULL AND expires_at > $2
             RETURNING terminal_id",
            &[&code_sha256(&req.code), &now],
        )
        .await?
        .ok_or(CentralError::EnrollmentCodeInvalid)?;
    let terminal_id: Uuid = row.get(0);
    let t = tx
        .query_one("SELECT name, revoked_at FROM terminals WHERE terminal_id = $1 FOR UPDATE", &[&terminal_id])
        .await?;
    if t.get::<_, Option<DateTime<Utc>>>(1).is_some() {
        return Err(CentralError::EnrollmentCodeInvalid);
    }
    let (cert_pem, sha) = st.pki.sign_terminal(&req.csr_pem, terminal_id, st.config.terminal_cert_days)?;
    let cert_der = pem_to_der(&cert_pem)?;
    tx.execute(
        "UPDATE terminals SET enrolled_at = $2, cert_sha256 = $3, cert_der = $4 WHERE terminal_id = $1",
        &[&terminal_id, &now, &sha, &cert_der],
    )
    .await?;
    let service = db::service_info(&tx, now).await?;
    tx.commit().await?;
    tracing::info!(%terminal_id, "terminal enrolled");
    Ok(Json(EnrollResponse { terminal_id, terminal_name: t.get(0), cert_pem, service }))
}

async fn push_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<PushRequest>,
) -> Result<Json<PushResponse>> {
    Ok(Json(push::push(&st.pool, &terminal, req, st.clock.now()).await?))
}

async fn pull_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<PullRequest>,
) -> Result<Json<PullPage>> {
    let mut page = pull::pull(&st.pool, &st.identity, &terminal, req, st.clock.now()).await?;
    page.audit_escrow_recipient = Some(st.pki.escrow_recipient().to_owned());
    Ok(Json(page))
}

async fn known_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<KnownRequest>,
) -> Result<Json<KnownResponse>> {
    if req.event_ids.len() > 10 * MAX_PUSH_BATCH {
        return Err(CentralError::BatchTooLarge { max: 10 * MAX_PUSH_BATCH });
    }
    let client = st.pool.get().await?;
    let known = client
        .query(
            "SELECT event_id FROM events WHERE terminal_id = $1 AND event_id = ANY($2)",
            &[&terminal.terminal_id, &req.event_ids],
        )
        .await?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let service = db::service_info(&client, st.clock.now()).await?;
    Ok(Json(KnownResponse { known, service }))
}

async fn audit_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Extension(peer): Extension<PeerCert>,
    Json(req): Json<AuditShipment>,
) -> Result<Json<AuditReceipt>> {
    let cert = peer.0.ok_or(CentralError::CertificateRequired)?;
    let device_key = audit::certificate_public_key(&cert)?;
    Ok(Json(audit::ingest(&st.pool, &st.identity, &st.pki, &terminal, &device_key, &req, st.clock.now()).await?))
}

async fn audit_head_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<AuditHeadRequest>,
) -> Result<Json<AuditHead>> {
    Ok(Json(audit::head(&st.pool, terminal.terminal_id, req.chain_id).await?))
}

async fn online_login_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<OnlineLoginRequest>,
) -> Result<Json<OnlineLoginResponse>> {
    st.rate.identity(terminal.terminal_id)?;
    Ok(Json(accounts::online_login(&st, &terminal, &req, st.clock.now()).await?))
}

async fn change_password_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<ChangePasswordRequest>,
) -> Result<Json<ChangePasswordResponse>> {
    st.rate.identity(terminal.terminal_id)?;
    let params = st.config.argon2();
    Ok(Json(accounts::change_password(&st, &terminal, &req, params, st.clock.now()).await?))
}

async fn my_number_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<MyNumberRequest>,
) -> Result<Json<MyNumberResponse>> {
    Ok(Json(accounts::my_number(&st, &terminal, &req, st.clock.now()).await?))
}

async fn export_state_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<ExportStateRequest>,
) -> Result<Json<ExportState>> {
    Ok(Json(export::state(&st.pool, &st.pki, &terminal, &req, st.clock.now()).await?))
}

async fn export_request_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<NewExportRequest>,
) -> Result<Json<ExportRequestView>> {
    Ok(Json(export::create_request(&st.pool, &st.identity, &terminal, &req, st.clock.now()).await?))
}

async fn export_decision_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<ExportDecision>,
) -> Result<Json<ExportRequestView>> {
    Ok(Json(export::decide(&st.pool, &st.pki, &st.identity, &terminal, &req, st.clock.now()).await?))
}

async fn export_ledger_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<ExportLedgerShipment>,
) -> Result<Json<ExportLedgerReceipt>> {
    Ok(Json(export::ingest_ledger(&st.pool, &terminal, &req, st.clock.now()).await?))
}

async fn unlock_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<UnlockRequest>,
) -> Result<Json<UnlockResponse>> {
    st.rate.identity(terminal.terminal_id)?;
    Ok(Json(accounts::unlock_verified(&st, &terminal, &req, st.clock.now()).await?))
}

async fn challenge_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<identity::ChallengeRequest>,
) -> Result<Json<identity::ChallengeResponse>> {
    st.rate.identity(terminal.terminal_id)?;
    let lifetime = chrono::Duration::seconds(st.config.challenge_seconds);
    let res =
        crate::identity::challenge::issue(&st.pool, &st.identity, &terminal, &req.action, lifetime, st.clock.now())
            .await?;
    Ok(Json(res))
}

async fn register_start_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<identity::RegistrationStartRequest>,
) -> Result<Json<identity::RegistrationStartResponse>> {
    st.rate.identity(terminal.terminal_id)?;
    let lifetime = chrono::Duration::seconds(st.config.challenge_seconds);
    let now = st.clock.now();
    let res = crate::identity::authenticators::start(
        &st.pool,
        &st.password_work,
        &st.identity,
        &terminal,
        &req,
        lifetime,
        now,
    )
    .await?;
    Ok(Json(res))
}

async fn register_finish_handler(
    State(st): State<AppState>,
    Extension(terminal): Extension<Terminal>,
    Json(req): Json<identity::RegistrationFinishRequest>,
) -> Result<Json<identity::RegistrationFinishResponse>> {
    let res = crate::identity::authenticators::finish(&st.pool, &st.identity, &terminal, &req, st.clock.now()).await?;
    Ok(Json(res))
}
