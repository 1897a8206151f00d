//! Export to external media (issue 5), the terminal's commands.
//!
//! - `export_overview`: designation, recipients, this terminal's requests and
//!   (for supervisors) everyone's pending ones; refreshed from the service when
//!   reachable, else the last state received.
//! - `request_export` (clerk) and `decide_export` (supervisor), each proven by
//!   the person's own authenticator and checked by the service (never one's own
//!   request): online.
//! - `export_media` (clerk): removable media mounted now, as opaque ids.
//! - `write_export` (clerk): offline once approved. The gate
//!   ([`crate::export_gate`]) checks designation and grant; the target must be on
//!   removable media before the grant is used; the grant is recorded as used and
//!   the ledger entry opened before the first byte; the file is the dataset (no
//!   protected residents) encrypted to the recipient's age key, written only if
//!   the opened handle is on removable media. Every step and refusal is logged.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uketsuke_export::{Classifier, MediaKind};
use uketsuke_protocol::export::{
    layouts, ExportDecision, ExportRequestState, ExportRequestView, ExportState, NewExportRequest,
};
use uketsuke_store::audit::{self, ops, REASON_EXPORT};
use uketsuke_store::export as ledger;
use uuid::Uuid;

use super::App;
use crate::error::{ApiError, ApiResult};
use crate::export_gate::{self, GateInput};
use crate::login;
use crate::permissions::{self, Action};

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ExportOverview {
    /// The service reachable just now (otherwise: the last state received).
    pub online: bool,
    pub designated: bool,
    pub designation_expires_at: Option<String>,
    pub recipients: Vec<RecipientChoice>,
    /// This terminal's requests, newest first.
    pub requests: Vec<ExportRequestItem>,
    /// Other staff's pending requests on any terminal (supervisors decide these).
    pub pending: Vec<ExportRequestItem>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RecipientChoice {
    pub recipient_id: String,
    pub name: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ExportRequestItem {
    pub request_id: String,
    pub terminal_name: String,
    pub requested_by: String,
    pub requested_at: String,
    pub layout: String,
    pub session_ids: Vec<String>,
    pub purpose: String,
    pub recipient_id: String,
    pub recipient_name: String,
    /// pending | approved | refused | used
    pub state: String,
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub comment: Option<String>,
    pub grant_expires_at: Option<String>,
    /// Written on this terminal already (its grant is used here).
    pub written: bool,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ExportRequestInput {
    pub layout: String,
    pub session_ids: Vec<String>,
    pub purpose: String,
    pub recipient_id: String,
}

#[derive(Clone, Deserialize, TS)]
#[ts(export)]
pub struct ExportDecisionInput {
    pub request_id: String,
    pub approve: bool,
    pub comment: String,
}

impl std::fmt::Debug for ExportDecisionInput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ExportDecisionInput").field("request_id", &self.request_id).finish_non_exhaustive()
    }
}

/// A removable medium mounted now: an opaque id and a label, never a path.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct MediaChoice {
    pub media_id: String,
    pub label: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ExportWritten {
    pub file_name: String,
    pub sha256: String,
    pub file_bytes: i64,
    pub rows: i64,
    pub excluded_protected: i64,
    pub media_label: String,
}

fn state_name(s: ExportRequestState) -> &'static str {
    match s {
        ExportRequestState::Pending => "pending",
        ExportRequestState::Approved => "approved",
        ExportRequestState::Refused => "refused",
        ExportRequestState::Used => "used",
        ExportRequestState::Expired => "expired",
    }
}

fn item(state: &ExportState, r: &ExportRequestView, written: bool) -> ExportRequestItem {
    let recipient_name = state
        .recipients
        .iter()
        .find(|x| x.recipient_id == r.recipient_id)
        .map(|x| x.name.clone())
        .unwrap_or_else(|| r.recipient_id.clone());
    let iso = |t: &Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339());
    ExportRequestItem {
        request_id: r.request_id.to_string(),
        terminal_name: r.terminal_name.clone(),
        requested_by: r.requested_by.clone(),
        requested_at: r.requested_at.to_rfc3339(),
        layout: r.layout.clone(),
        session_ids: r.session_ids.clone(),
        purpose: r.purpose.clone(),
        recipient_id: r.recipient_id.clone(),
        recipient_name,
        state: state_name(r.state).to_owned(),
        decided_by: r.decided_by.clone(),
        decided_at: iso(&r.decided_at),
        comment: r.comment.clone(),
        grant_expires_at: iso(&r.grant_expires_at),
        written,
    }
}

fn service_error(e: uketsuke_sync::SyncError) -> ApiError {
    match e {
        uketsuke_sync::SyncError::Offline(_) => {
            ApiError::new("EXPORT_ONLINE_ONLY", "requests and decisions need the central service")
        }
        other => ApiError::new(other.code(), other.to_string()),
    }
}

impl App {
    /// The media classifier (tests substitute a sysfs fixture; the window uses the real one).
    pub fn with_media_classifier(mut self, classifier: Classifier) -> App {
        self.media = classifier;
        self
    }

    fn export_link(&self) -> Option<(std::sync::Arc<uketsuke_sync::Engine>, uketsuke_sync::Enrollment)> {
        self.sync.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|c| (c.engine.clone(), c.enrollment.clone()))
    }

    /// The action a clerk or a supervisor looks at exports under.
    fn export_action(&self) -> Action {
        match self.session() {
            Some(s) if permissions::allows(s.view.role, Action::DecideExport) => Action::DecideExport,
            _ => Action::RequestExport,
        }
    }

    pub async fn export_overview(&self) -> ApiResult<ExportOverview> {
        let action = self.export_action();
        let staff_id = self.as_staff(action, |_, a| Ok(a.staff_id.clone()))?;
        let mut online = false;
        if let Some((engine, _)) = self.export_link() {
            match engine.refresh_export_state(self, Some(&staff_id)).await {
                Ok(_) => online = true,
                Err(e) => tracing::info!(error = %e, "export state not refreshed; showing the last one"),
            }
        }
        let link = self.export_link();
        let enrollment = link.as_ref().map(|(_, e)| e.clone());
        let now = self.clock.now();
        self.as_staff(action, |s, a| {
            let conn = s.connection();
            let Some(state) = ledger::saved_state(conn)? else {
                return Ok(ExportOverview {
                    online,
                    designated: false,
                    designation_expires_at: None,
                    recipients: vec![],
                    requests: vec![],
                    pending: vec![],
                });
            };
            let terminal = enrollment.as_ref().map(|e| e.terminal_id);
            let mut requests = Vec::new();
            let mut pending = Vec::new();
            for r in &state.requests {
                if Some(r.terminal_id) == terminal {
                    let written = match r.grant.as_deref() {
                        Some(_) => ledger::request_written(conn, &r.request_id.to_string())?,
                        None => false,
                    };
                    requests.push(item(&state, r, written));
                } else if r.state == ExportRequestState::Pending && r.requested_by != a.staff_id {
                    pending.push(item(&state, r, false));
                }
            }
            // Also own-terminal pending requests of other staff, for a supervisor here.
            if action == Action::DecideExport {
                for r in state.requests.iter().filter(|r| Some(r.terminal_id) == terminal) {
                    if r.state == ExportRequestState::Pending && r.requested_by != a.staff_id {
                        pending.push(item(&state, r, false));
                    }
                }
            }
            // Designated only if the designation verifies here and now.
            let designation = link.as_ref().and_then(|(engine, e)| {
                let token = state.designation.as_deref()?;
                let key = uketsuke_export::ExportVerifyingKey::from_paserk(&state.signing_key).ok()?;
                let fpr = engine.device_key_fpr().ok()?;
                if !engine.trusts_export_key(&state) {
                    return None;
                }
                uketsuke_export::verify_designation(token, &key, &e.terminal_id.to_string(), &fpr, now).ok()
            });
            Ok(ExportOverview {
                online,
                designated: designation.is_some(),
                designation_expires_at: designation.map(|d| d.expires_at.to_rfc3339()),
                recipients: state
                    .recipients
                    .iter()
                    .map(|r| RecipientChoice { recipient_id: r.recipient_id.clone(), name: r.name.clone() })
                    .collect(),
                requests,
                pending,
            })
        })
    }

    /// A clerk asks to export a dataset (online).
    pub async fn request_export(&self, input: &ExportRequestInput) -> ApiResult<ExportOverview> {
        let now = self.clock.now();
        let staff_id = self.as_staff(Action::RequestExport, |_, a| Ok(a.staff_id.clone()))?;
        let purpose = input.purpose.trim();
        if !layouts::ALL.contains(&input.layout.as_str()) {
            return Err(ApiError::new("EXPORT_LAYOUT_UNKNOWN", "unknown layout").with("field", "layout"));
        }
        if input.session_ids.is_empty() {
            return Err(
                ApiError::new("EXPORT_SESSIONS_REQUIRED", "choose at least one session").with("field", "sessions")
            );
        }
        if purpose.is_empty() {
            return Err(ApiError::new("EXPORT_PURPOSE_REQUIRED", "a purpose is required").with("field", "purpose"));
        }
        let Some((engine, _)) = self.export_link() else {
            return Err(ApiError::new("EXPORT_NOT_DESIGNATED", "this terminal is not designated for export"));
        };
        let mut req = NewExportRequest {
            request_id: Uuid::now_v7(),
            staff_id,
            layout: input.layout.clone(),
            session_ids: input.session_ids.clone(),
            purpose: purpose.to_owned(),
            recipient_id: input.recipient_id.clone(),
            proof: None,
        };
        // The clerk's authenticator signs exactly this request.
        let made = async {
            let authenticator = self.authenticator_for(&req.staff_id)?;
            req.proof = Some(uketsuke_sync::identity::prove(&engine, &authenticator, &req.action()).await?);
            engine.request_export(&req).await
        }
        .await;
        self.as_staff(Action::RequestExport, |s, a| {
            let tid = s.terminal_id().to_owned();
            let detail = match &made {
                Ok(v) => format!("{} {} {}", v.request_id, v.layout, v.session_ids.join(",")),
                Err(e) => format!("refused {}", e.code()),
            };
            audit::append(s.connection(), a, &tid, now, REASON_EXPORT, None, ops::EXPORT_REQUEST, &detail)?;
            Ok(())
        })?;
        made.map_err(service_error)?;
        self.export_overview().await
    }

    /// A supervisor approves or refuses someone else's request (online, with
    /// their own authenticator, which signs exactly this decision).
    pub async fn decide_export(&self, input: &ExportDecisionInput) -> ApiResult<ExportOverview> {
        let now = self.clock.now();
        let staff_id = self.as_staff(Action::DecideExport, |_, a| Ok(a.staff_id.clone()))?;
        let request_id: Uuid =
            input.request_id.parse().map_err(|_| ApiError::new("EXPORT_REQUEST_UNKNOWN", "no such export request"))?;
        if !input.approve && input.comment.trim().is_empty() {
            return Err(ApiError::new("EXPORT_COMMENT_REQUIRED", "say why it is refused").with("field", "comment"));
        }
        let Some((engine, _)) = self.export_link() else {
            return Err(ApiError::new("EXPORT_ONLINE_ONLY", "requests and decisions need the central service"));
        };
        let mut decision = ExportDecision {
            request_id,
            staff_id,
            approve: input.approve,
            comment: input.comment.trim().to_owned(),
            proof: None,
        };
        let decided = async {
            let authenticator = self.authenticator_for(&decision.staff_id)?;
            decision.proof = Some(uketsuke_sync::identity::prove(&engine, &authenticator, &decision.action()).await?);
            engine.decide_export(&decision).await
        }
        .await;
        self.as_staff(Action::DecideExport, |s, a| {
            let tid = s.terminal_id().to_owned();
            let verdict = if input.approve { "approve" } else { "refuse" };
            let detail = match &decided {
                Ok(_) => format!("{request_id} {verdict}"),
                Err(e) => format!("{request_id} {verdict} refused {}", e.code()),
            };
            audit::append(s.connection(), a, &tid, now, REASON_EXPORT, None, ops::EXPORT_DECISION, &detail)?;
            Ok(())
        })?;
        decided.map_err(service_error)?;
        self.export_overview().await
    }

    /// Removable media mounted now.
    pub fn export_media(&self) -> ApiResult<Vec<MediaChoice>> {
        self.as_staff(Action::WriteExport, |_, _| Ok(()))?;
        let mounts = self.media.list_removable_mounts().map_err(|e| ApiError::new(e.code(), e.to_string()))?;
        Ok(mounts.into_iter().map(|m| MediaChoice { media_id: m.id, label: m.label }).collect())
    }

    /// Write an approved request's file to the chosen removable medium.
    pub fn write_export(&self, request_id: &str, media_id: &str) -> ApiResult<ExportWritten> {
        let now = self.clock.now();
        let result = self.try_write_export(request_id, media_id, now);
        if let Err(e) = &result {
            // Refusals and failures are logged (a log failure must not hide the refusal).
            let logged = self.as_staff(Action::WriteExport, |s, a| {
                let tid = s.terminal_id().to_owned();
                let detail = format!("{request_id} {}", e.code);
                audit::append(s.connection(), a, &tid, now, REASON_EXPORT, None, ops::EXPORT_REFUSED, &detail)?;
                Ok(())
            });
            if let Err(l) = logged {
                tracing::error!(code = %l.code, "export refusal not logged");
            }
        }
        result
    }

    fn try_write_export(&self, request_id: &str, media_id: &str, now: DateTime<Utc>) -> ApiResult<ExportWritten> {
        self.as_staff(Action::WriteExport, |_, _| Ok(()))?;
        let request_id: Uuid =
            request_id.parse().map_err(|_| ApiError::new("EXPORT_REQUEST_UNKNOWN", "no such export request"))?;
        let not_designated = || ApiError::new("EXPORT_NOT_DESIGNATED", "this terminal is not designated for export");
        let (engine, enrollment) = self.export_link().ok_or_else(not_designated)?;
        let fpr = engine.device_key_fpr().map_err(|e| ApiError::new(e.code(), e.to_string()))?;
        let terminal_id = enrollment.terminal_id.to_string();
        // The gate, with what the store holds.
        let authorized = self.as_staff(Action::WriteExport, |s, _| {
            let conn = s.connection();
            let state = ledger::saved_state(conn)?;
            let used_check = |jti: Uuid| ledger::grant_used(conn, &jti.to_string()).unwrap_or(true);
            let input = GateInput {
                state: state.as_ref(),
                key_trusted: state.as_ref().is_some_and(|st| engine.trusts_export_key(st)),
                terminal_id: &terminal_id,
                device_key_fpr: &fpr,
                request_id,
                grant_used: &used_check,
                now,
                high_water: login::high_water_on(conn)?,
                rollback_tolerance: self.policy.rollback_tolerance,
            };
            export_gate::authorize(&input)
        })?;
        // The target: removable media now, before the grant is spent.
        let media_err = |e: uketsuke_export::MediaError| ApiError::new(e.code(), e.to_string());
        let dir = self.media.mount_for_id(media_id).map_err(media_err)?;
        let media = self.media.classify_dir(&dir).map_err(media_err)?;
        if media.kind != MediaKind::Removable {
            return Err(media_err(uketsuke_export::MediaError::Refused { info: Box::new(media) }));
        }
        // The content, encrypted to the recipient.
        let request = &authorized.request;
        let dataset = self.as_staff(Action::WriteExport, |s, _| {
            Ok(ledger::dataset(s.connection(), &request.layout, &request.session_ids, &enrollment.terminal_name)?)
        })?;
        let sealed = uketsuke_export::encrypt_to_recipient(&dataset.csv, &authorized.recipient.age_recipient)
            .map_err(|e| ApiError::new(e.code(), e.to_string()))?;
        drop(dataset.csv);
        // The grant is spent and the write recorded before the first byte.
        let ledger_id = Uuid::now_v7().to_string();
        let jti = authorized.grant.jti.to_string();
        let rid = request.request_id.to_string();
        self.as_staff(Action::WriteExport, |s, a| {
            let tid = s.terminal_id().to_owned();
            let tx = s
                .connection_mut()
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .map_err(uketsuke_store::StoreError::from)?;
            ledger::begin_write(
                &tx,
                &ledger_id,
                &jti,
                &rid,
                &a.staff_id,
                now,
                dataset.rows,
                dataset.excluded_protected,
            )?;
            let detail = format!("{rid} grant {jti} rows {} excluded {}", dataset.rows, dataset.excluded_protected);
            audit::append(&tx, a, &tid, now, REASON_EXPORT, None, ops::EXPORT_WRITE_START, &detail)?;
            tx.commit().map_err(uketsuke_store::StoreError::from)?;
            Ok(())
        })?;
        let file_name = format!(
            "uketsuke-{}-{}-{}.csv{}",
            request.layout,
            now.with_timezone(&chrono::FixedOffset::east_opt(9 * 3600).expect("JST")).format("%Y%m%d-%H%M%S"),
            &rid[rid.len() - 8..],
            uketsuke_export::AGE_EXTENSION
        );
        let written = uketsuke_export::write_verified(&dir, &file_name, &sealed, &self.media);
        let done = self.clock.now();
        // The writer, even if the session ended meanwhile (the ledger must say who).
        let actor = self.session().map(|x| x.actor);
        self.with_store(|s| {
            let tid = s.terminal_id().to_owned();
            let conn = s.connection();
            match &written {
                Ok(w) => {
                    ledger::finish_write(conn, &ledger_id, done, &w.sha256, w.bytes_len as i64, &w.media.identity())?;
                    if let Some(a) = &actor {
                        let detail = format!("{rid} {} sha256 {} media {}", w.file_name, w.sha256, w.media.identity());
                        audit::append(conn, a, &tid, done, REASON_EXPORT, None, ops::EXPORT_WRITE, &detail)?;
                    }
                }
                Err(e) => {
                    ledger::fail_write(conn, &ledger_id, e.code())?;
                    if let Some(a) = &actor {
                        let detail = format!("{rid} {}", e.code());
                        audit::append(conn, a, &tid, done, REASON_EXPORT, None, ops::EXPORT_WRITE_FAILED, &detail)?;
                    }
                }
            }
            Ok(())
        })?;
        let w = written.map_err(media_err)?;
        self.request_sync();
        Ok(ExportWritten {
            file_name: w.file_name,
            sha256: w.sha256,
            file_bytes: w.bytes_len as i64,
            rows: dataset.rows,
            excluded_protected: dataset.excluded_protected,
            media_label: w.media.label(),
        })
    }
}
