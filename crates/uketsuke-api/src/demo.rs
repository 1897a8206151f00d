//! Demo data: the app starts on a synthetic city when no central service is configured.

use chrono::{DateTime, Utc};
use uketsuke_demo::DemoConfig;
use uketsuke_store::ops::CatalogLoad;
use uketsuke_store::{business_date, catalog, Store};

use crate::error::ApiResult;

pub const DEFAULT_RESIDENTS: usize = 20_000;
pub const DEFAULT_SEED: u64 = 2026;

/// Fill a freshly created store with `residents` synthetic residents and their sessions.
pub fn seed(store: &mut Store, residents: usize, seed: u64, now: DateTime<Utc>) -> ApiResult<usize> {
    let cfg = DemoConfig { seed, residents, today: business_date(now) };
    let cat = uketsuke_demo::catalog(&cfg);
    store.load_catalog(&CatalogLoad {
        staff: cat.staff,
        programmes: cat.programmes,
        venues: cat.venues,
        sessions: cat.sessions,
    })?;
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
