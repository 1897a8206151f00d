//! Demo data: the app starts on a synthetic city when no central service is configured.

use std::path::Path;

use chrono::{DateTime, Utc};
use uketsuke_auth::Argon2Params;
use uketsuke_demo::DemoConfig;
use uketsuke_store::ops::CatalogLoad;
use uketsuke_store::{business_date, catalog, Store};

use uketsuke_identity::{Authenticator as _, AuthenticatorPolicy, RelyingParty, SoftAuthenticator};

use crate::error::ApiResult;
use crate::login::authenticator::DEMO_RP_ID;

pub const DEFAULT_RESIDENTS: usize = 20_000;
pub const DEFAULT_SEED: u64 = 2026;

/// Fill a freshly created store with `residents` synthetic residents and their sessions,
/// and give the demo staff the demo password, hashed with `password_params`.
pub fn seed(
    store: &mut Store,
    residents: usize,
    seed: u64,
    password_params: Argon2Params,
    now: DateTime<Utc>,
) -> ApiResult<usize> {
    let cfg = DemoConfig { seed, residents, today: business_date(now) };
    let cat = uketsuke_demo::catalog(&cfg);
    store.load_catalog(&CatalogLoad {
        staff: cat.staff,
        programmes: cat.programmes,
        venues: cat.venues,
        sessions: cat.sessions,
    })?;
    set_demo_credentials(store, password_params)?;
    let n = store
        .load_residents(uketsuke_demo::residents(&cfg).map(|d| (d.resident, vec![d.voucher], d.history)), 5_000)?;
    tracing::info!(residents = n, "demo data seeded");
    Ok(n)
}

/// A demo store opened on a later day still has sessions to work with: add that
/// day's demo sessions if it has none.
pub fn ensure_sessions_today(store: &mut Store, now: DateTime<Utc>) -> ApiResult<()> {
    let today = business_date(now);
    if !store.sessions(today, today)?.is_empty() {
        return Ok(());
    }
    let venues = catalog::list_venues(store.connection())?;
    if venues.is_empty() {
        return Ok(());
    }
    let sessions = uketsuke_demo::sessions_for_day(today, &venues);
    store.load_catalog(&CatalogLoad { sessions, ..Default::default() })?;
    Ok(())
}

/// A demo store made before staff login existed: give its demo staff their
/// demo credentials (once; never on an enrolled terminal).
pub fn ensure_credentials(store: &mut Store, password_params: Argon2Params) -> ApiResult<()> {
    let any: bool = store
        .connection()
        .query_row("SELECT EXISTS (SELECT 1 FROM staff WHERE password_hash IS NOT NULL)", [], |r| r.get(0))
        .map_err(uketsuke_store::StoreError::from)?;
    if !any {
        set_demo_credentials(store, password_params)?;
    }
    Ok(())
}

/// Demo accounts: every demo staff member gets the demo password. Demo stores
/// only; an enrolled terminal's accounts come from the central service.
pub fn set_demo_credentials(store: &mut Store, password_params: Argon2Params) -> ApiResult<()> {
    let hash = uketsuke_auth::hash_password(uketsuke_demo::city::DEMO_PASSWORD, password_params)
        .map_err(|e| crate::ApiError::new(e.code(), e.to_string()))?;
    let conn = store.connection();
    for s in uketsuke_demo::city::staff() {
        uketsuke_store::accounts::set_credentials(conn, &s.staff_id, &hash, s.role == uketsuke_core::Role::Supervisor)?;
    }
    Ok(())
}

/// The demo staff's authenticators: a software token each, kept in the data
/// directory (`demo-authenticators/<staff id>.softtoken`) and registered in
/// this demo store, so the demo logs in with the password and a token the app
/// finds itself. Made for anyone who has none here, or whose token file is
/// gone. Demo stores only: an enrolled terminal's credentials come from the
/// service, whose policy refuses software tokens outside the demo city.
pub fn ensure_authenticators(store: &mut Store, data_root: &Path) -> ApiResult<usize> {
    let dir = data_root.join(crate::app::DEMO_AUTHENTICATORS);
    let rp = RelyingParty::new(DEMO_RP_ID).map_err(identity)?;
    let mut made = 0;
    for s in uketsuke_demo::city::staff().into_iter().filter(|s| s.active) {
        // Only for accounts this store holds (a store without the demo staff gets none).
        if uketsuke_store::accounts::account(store.connection(), &s.staff_id)?.is_none() {
            continue;
        }
        let file = dir.join(format!("{}.softtoken", s.staff_id));
        let registered = uketsuke_store::accounts::authenticators(store.connection(), &s.staff_id)?;
        if !registered.is_empty() && file.exists() {
            continue;
        }
        std::fs::create_dir_all(&dir).map_err(|e| crate::ApiError::new("DEMO_AUTHENTICATOR", e.to_string()))?;
        let (mut token, model) = SoftAuthenticator::new().map_err(identity)?;
        let policy = AuthenticatorPolicy::new(vec![model], true).map_err(identity)?;
        let start =
            rp.start_registration(uuid::Uuid::new_v4(), &s.staff_id, &s.name, Vec::new(), &policy).map_err(identity)?;
        let answer = token.register(rp.origin(), start.options).map_err(identity)?;
        let accepted = rp.finish_registration(&start.state, &answer, &policy).map_err(identity)?;
        token.save(&file).map_err(identity)?;
        uketsuke_store::accounts::replace_authenticators(
            store.connection(),
            &s.staff_id,
            &[uketsuke_protocol::StaffAuthenticator { credential: accepted.credential, sign_count: 0 }],
        )?;
        made += 1;
    }
    if made > 0 {
        tracing::info!(made, "demo software authenticators made");
    }
    Ok(made)
}

fn identity(e: uketsuke_identity::IdentityError) -> crate::ApiError {
    crate::ApiError::new(e.code(), e.to_string())
}

/// What the demo login screen shows: who the demo staff are and the shared
/// demo password (each one's authenticator is their software token).
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LoginHint {
    pub staff_id: String,
    pub name: String,
    pub role: uketsuke_core::Role,
    pub password: String,
}

pub fn login_hints(store: &mut Store) -> ApiResult<Vec<LoginHint>> {
    let mut out = Vec::new();
    for s in uketsuke_demo::city::staff().into_iter().filter(|s| s.active) {
        if uketsuke_store::accounts::account(store.connection(), &s.staff_id)?.is_none() {
            continue;
        }
        out.push(LoginHint {
            staff_id: s.staff_id,
            name: s.name,
            role: s.role,
            password: uketsuke_demo::city::DEMO_PASSWORD.to_owned(),
        });
    }
    Ok(out)
}
