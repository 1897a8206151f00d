//! A staff member registers their own authenticator at this terminal (認証器の登録),
//! from the login screen: nobody needs to be logged in, since a person without
//! an authenticator cannot log in yet.
//!
//! The terminal decides nothing. The service checks the administrator's one-time
//! invitation and the person's password (a wrong one counts as a failed login
//! there), then judges the authenticator's attestation against the city's policy
//! and keeps the public credential. The next sync brings it to this terminal's
//! catalog, for offline logins.

use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uketsuke_protocol::identity::RegistrationStartRequest;
use uketsuke_store::audit::{self, ops, REASON_AUTH};
use uketsuke_store::Actor;

use super::App;
use crate::error::{ApiError, ApiResult};
use crate::login;

/// What the registration dialog sends. `Debug` hides the password and the code.
#[derive(Clone, Deserialize, TS)]
#[ts(export)]
pub struct AuthenticatorRegistration {
    pub staff_id: String,
    pub invite_code: String,
    pub password: String,
    /// The person's own name for it (「指紋キー」, 「Windows Hello 受付2」).
    pub label: String,
}

impl std::fmt::Debug for AuthenticatorRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthenticatorRegistration").field("staff_id", &self.staff_id).finish_non_exhaustive()
    }
}

/// What the window shows after a registration.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RegisteredAuthenticator {
    pub staff_id: String,
    /// The accepted model, as the city's policy names it.
    pub model: String,
    pub label: String,
}

/// Longest label kept (characters).
const MAX_LABEL: usize = 60;

fn required(field: &str) -> ApiError {
    ApiError::new("FIELD_REQUIRED", format!("{field} is required")).with("field", field)
}

impl App {
    pub async fn register_authenticator(&self, req: &AuthenticatorRegistration) -> ApiResult<RegisteredAuthenticator> {
        let now = self.clock.now();
        let staff_id = login::normalise_id(&req.staff_id);
        let code = req.invite_code.trim();
        let label: String = req.label.trim().chars().take(MAX_LABEL).collect();
        if staff_id.is_empty() {
            return Err(required("staff_id"));
        }
        if req.password.is_empty() {
            return Err(required("password"));
        }
        if code.is_empty() {
            return Err(required("invite_code"));
        }
        if label.is_empty() {
            return Err(required("label"));
        }
        let Some(engine) = self.engine() else {
            return Err(ApiError::new(
                "NOT_ENROLLED",
                "a demo terminal makes its demo authenticators itself; real ones are registered at an enrolled terminal",
            ));
        };
        let online_only = |e: uketsuke_sync::SyncError| match e {
            uketsuke_sync::SyncError::Offline(_) => ApiError::new(
                "AUTHENTICATOR_REGISTER_ONLINE_ONLY",
                "an authenticator can only be registered while the central service is reachable",
            ),
            other => ApiError::new(other.code(), other.to_string()),
        };
        let authenticator = self.authenticator_for(&staff_id).map_err(|e| ApiError::new(e.code(), e.to_string()))?;
        let start = RegistrationStartRequest {
            staff_id: staff_id.clone(),
            invite_code: code.to_owned(),
            password: req.password.clone(),
        };
        let done =
            uketsuke_sync::identity::register(&engine, &authenticator, &start, &label).await.map_err(online_only)?;
        // The person is not logged in: the entry names them as the service verified them.
        self.with_store(|s| {
            let tid = s.terminal_id().to_owned();
            let department = uketsuke_store::accounts::account(s.connection(), &staff_id)?
                .map(|a| a.staff.department)
                .unwrap_or_default();
            let actor = Actor { staff_id: staff_id.clone(), department };
            let detail = format!("{} ({})", label, done.model);
            audit::append(s.connection(), &actor, &tid, now, REASON_AUTH, None, ops::AUTHENTICATOR_REGISTER, &detail)?;
            Ok(())
        })?;
        tracing::info!(staff = %staff_id, model = %done.model, "authenticator registered");
        // The credential reaches this terminal's catalog with the next sync.
        self.request_sync();
        Ok(RegisteredAuthenticator { staff_id, model: done.model, label })
    }
}
