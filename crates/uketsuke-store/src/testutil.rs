//! Test helpers: a store in a temp dir keyed through keyring-core's mock store.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use uketsuke_demo::{DemoConfig, DemoResident};

use crate::ops::CatalogLoad;
use crate::{Actor, DataDir, Keystore, Store};

pub fn now() -> DateTime<Utc> {
    // 2026-11-24 10:00 JST
    Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap()
}

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()
}

pub fn keystore(name: &str) -> Keystore {
    crate::keystore::install_mock_store();
    Keystore::new(&format!("uketsuke-test-{name}"))
}

pub struct TestStore {
    pub dir: tempfile::TempDir,
    pub store: Store,
    pub keystore: Keystore,
    pub actor: Actor,
    pub residents: Vec<DemoResident>,
}

impl TestStore {
    pub fn data_dir(&self) -> DataDir {
        DataDir::new(self.dir.path())
    }
}

/// A fresh encrypted store seeded with `n` demo residents.
pub fn seeded(name: &str, n: usize) -> TestStore {
    let dir = tempfile::tempdir().unwrap();
    let ks = keystore(name);
    let (mut store, created) = Store::open_or_create(&DataDir::new(dir.path()), &ks, now()).unwrap();
    assert!(created);
    let cfg = DemoConfig { seed: 7, residents: n, today: today() };
    let cat = uketsuke_demo::catalog(&cfg);
    store
        .load_catalog(&CatalogLoad {
            staff: cat.staff.clone(),
            programmes: cat.programmes.clone(),
            venues: cat.venues.clone(),
            sessions: cat.sessions.clone(),
        })
        .unwrap();
    let residents: Vec<DemoResident> = uketsuke_demo::residents(&cfg).collect();
    store
        .load_residents(
            residents.iter().map(|d| (d.resident.clone(), vec![d.voucher.clone()], d.history.clone())),
            1000,
        )
        .unwrap();
    let staff_id = cat.staff[0].staff_id.clone();
    let (actor, _) = store.select_staff(&staff_id, now()).unwrap();
    TestStore { dir, store, keystore: ks, actor, residents }
}
