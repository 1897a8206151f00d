//! A staff member changes their own password (ASVS 6.2.2, 6.2.3).
//!
//! Online only: the account lives on the central service, which checks the
//! current password again and the policy, stores the new verifier and hands it
//! back, so this terminal accepts the new password at once, also offline. A wrong
//! current password counts as a failed login (the lockout applies).

use serde::Deserialize;
use ts_rs::TS;
use uketsuke_auth::password;
use uketsuke_protocol::ChangePasswordRequest;
use uketsuke_store::accounts;
use uketsuke_store::audit::{self, ops, REASON_AUTH};

use super::App;
use crate::error::{ApiError, ApiResult};
use crate::login;
use crate::permissions::Action;

/// What the password dialog sends. `Debug` hides both passwords.
#[derive(Clone, Deserialize, TS)]
#[ts(export)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

impl std::fmt::Debug for PasswordChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordChange { .. }")
    }
}

fn online_only() -> ApiError {
    ApiError::new(
        "PASSWORD_CHANGE_ONLINE_ONLY",
        "a password can only be changed while the central service is reachable",
    )
}

impl App {
    pub async fn change_password(&self, req: &PasswordChange) -> ApiResult<()> {
        let now = self.clock.now();
        let staff_id = self.as_staff(Action::ChangeOwnPassword, |_, a| Ok(a.staff_id.clone()))?;
        // The policy first: a refused new password costs no Argon2id and no attempt.
        password::check_policy(&req.new_password, &staff_id)
            .map_err(|e| ApiError::new(e.code(), e.message_ja()).with("field", "new_password"))?;
        if req.new_password == req.current_password {
            return Err(ApiError::new("PASSWORD_UNCHANGED", "the new password equals the current one")
                .with("field", "new_password"));
        }
        let engine = self.sync.lock().unwrap_or_else(|p| p.into_inner()).as_ref().map(|c| c.engine.clone());
        let Some(engine) = engine else { return Err(online_only()) };
        // The lockout gate and the current password, as at login.
        let prepared = self.with_store(|s| login::prepare(s, &self.policy, &staff_id, now))?;
        let stored = prepared.account.as_ref().and_then(|a| a.password_hash.clone());
        let current = req.current_password.clone();
        let matches =
            tokio::task::spawn_blocking(move || stored.is_some_and(|h| password::verify_password(&h, &current)))
                .await
                .map_err(|e| ApiError::new("INTERNAL", e.to_string()))?;
        if !matches {
            self.with_store(|s| login::record_failure(s, &self.policy, &prepared, "password_change", now))?;
            return Err(ApiError::new("PASSWORD_CURRENT_WRONG", "the current password is wrong")
                .with("field", "current_password"));
        }
        let mut call = ChangePasswordRequest {
            staff_id: staff_id.clone(),
            current_password: req.current_password.clone(),
            new_password: req.new_password.clone(),
            binding: hex::encode(uketsuke_identity::fresh_nonce()),
            proof: None,
        };
        let to_api = |e: uketsuke_sync::SyncError| match e {
            uketsuke_sync::SyncError::Offline(_) => online_only(),
            other => ApiError::new(other.code(), other.to_string()),
        };
        // The service changes it only for the person it verified.
        let authenticator = self.authenticator_for(&staff_id).map_err(|e| ApiError::new(e.code(), e.to_string()))?;
        call.proof =
            Some(uketsuke_sync::identity::prove(&engine, &authenticator, &call.action()).await.map_err(to_api)?);
        let res = engine.change_password(&call).await.map_err(to_api)?;
        self.as_staff(Action::ChangeOwnPassword, |s, a| {
            let tid = s.terminal_id().to_owned();
            let conn = s.connection();
            accounts::set_password_hash(conn, &a.staff_id, &res.password_hash)?;
            audit::append(conn, a, &tid, now, REASON_AUTH, None, ops::PASSWORD_CHANGE, "")?;
            Ok(())
        })?;
        tracing::info!(staff = %staff_id, "password changed");
        Ok(())
    }
}
