//! The calls staff accounts make to the service: the online check of a
//! login, a 個人番号 view, a password change. Each is one request; none is queued.

use chrono::{DateTime, Utc};
use uketsuke_protocol::{
    ChangePasswordRequest, ChangePasswordResponse, MyNumberRequest, MyNumberResponse, OnlineLoginRequest,
    OnlineLoginResponse,
};

use crate::engine::Engine;
use crate::error::Result;

impl Engine {
    /// A staff member logs in here while the service is reachable: the
    /// request carries their authenticator's proof for
    /// [`OnlineLoginRequest::action`]; the service checks it and the account,
    /// and records the online login.
    pub async fn online_login(&self, req: &OnlineLoginRequest) -> Result<DateTime<Utc>> {
        let (res, _): (OnlineLoginResponse, _) =
            self.transport().post("/v1/auth/online-login", req, (self.now)()).await?;
        Ok(res.at)
    }

    /// One resident's 個人番号 for one view, with the person's proof for exactly
    /// this view ([`crate::identity::prove`]); the service logs the view first.
    pub async fn my_number(&self, req: &MyNumberRequest) -> Result<MyNumberResponse> {
        let (res, _): (MyNumberResponse, _) = self.transport().post("/v1/my-number", req, (self.now)()).await?;
        Ok(res)
    }

    /// A logged-in staff member changes their own password; the service checks
    /// the current one and the policy, and answers with the new verifier.
    pub async fn change_password(&self, req: &ChangePasswordRequest) -> Result<ChangePasswordResponse> {
        let (res, _): (ChangePasswordResponse, _) =
            self.transport().post("/v1/auth/password", req, (self.now)()).await?;
        Ok(res)
    }
}
