//! Demo data: the app starts on a synthetic city when no central service is configured.

use chrono::{DateTime, Utc};
use uketsuke_auth::Argon2Params;
use uketsuke_demo::DemoConfig;
use uketsuke_store::ops::CatalogLoad;
use uketsuke_store::{business_date, catalog, Store};

use crate::error::ApiResult;

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

/// Demo accounts: every demo staff member gets the demo password and their demo
/// TOTP seed (`uketsuke_demo::city`). Demo stores only; an enrolled terminal's
/// accounts come from the central service.
pub fn set_demo_credentials(store: &mut Store, password_params: Argon2Params) -> ApiResult<()> {
    let hash = uketsuke_auth::hash_password(uketsuke_demo::city::DEMO_PASSWORD, password_params)
        .map_err(|e| crate::ApiError::new(e.code(), e.to_string()))?;
    let conn = store.connection();
    for s in uketsuke_demo::city::staff() {
        let seed = uketsuke_auth::TotpSecret::from_bytes(uketsuke_demo::city::demo_totp_seed(&s.staff_id))
            .map_err(|e| crate::ApiError::new(e.code(), e.to_string()))?;
        uketsuke_store::accounts::set_credentials(
            conn,
            &s.staff_id,
            &hash,
            &seed.to_base32(),
            s.role == uketsuke_core::Role::Supervisor,
        )?;
    }
    Ok(())
}

/// What the demo login screen shows: who the demo staff are, the shared demo
/// password and each one's current authenticator code.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct LoginHint {
    pub staff_id: String,
    pub name: String,
    pub role: uketsuke_core::Role,
    pub password: String,
    pub totp_code: String,
}

pub fn login_hints(store: &mut Store, now: DateTime<Utc>) -> ApiResult<Vec<LoginHint>> {
    let mut out = Vec::new();
    for s in uketsuke_demo::city::staff().into_iter().filter(|s| s.active) {
        if uketsuke_store::accounts::account(store.connection(), &s.staff_id)?.is_none() {
            continue;
        }
        let seed = uketsuke_auth::TotpSecret::from_bytes(uketsuke_demo::city::demo_totp_seed(&s.staff_id))
            .map_err(|e| crate::ApiError::new(e.code(), e.to_string()))?;
        out.push(LoginHint {
            staff_id: s.staff_id,
            name: s.name,
            role: s.role,
            password: uketsuke_demo::city::DEMO_PASSWORD.to_owned(),
            totp_code: uketsuke_auth::code_at(&seed, now),
        });
    }
    Ok(out)
}
