//! The store against the real OS credential store (Linux: Secret Service over D-Bus,
//! provided by gnome-keyring in the private session scripts/test.sh starts).
//!
//! Without a session bus these tests say so and pass only if
//! `UKETSUKE_REQUIRE_SECRET_SERVICE` is unset; the README's test command sets it, so CI
//! fails rather than silently skipping.

use chrono::{TimeZone, Utc};
use uketsuke_store::{db, keystore, DataDir, Keystore, Store, StoreError};

fn secret_service() -> Option<Keystore> {
    let required = std::env::var_os("UKETSUKE_REQUIRE_SECRET_SERVICE").is_some();
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        assert!(!required, "UKETSUKE_REQUIRE_SECRET_SERVICE is set but there is no D-Bus session");
        eprintln!("skipped: no D-Bus session (run scripts/test.sh for the real Secret Service)");
        return None;
    }
    keystore::use_os_credential_store().expect("the Secret Service is reachable");
    Some(Keystore::new(&format!("uketsuke-it-{}", std::process::id())))
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 1, 0, 0).unwrap()
}

#[test]
fn key_lives_in_the_secret_service_and_opens_the_encrypted_file_across_restarts() {
    let Some(ks) = secret_service() else { return };
    let dir = tempfile::tempdir().unwrap();
    let dd = DataDir::new(dir.path());
    let (store, created) = Store::open_or_create(&dd, &ks, now()).unwrap();
    assert!(created);
    let id = store.meta().store_id.clone();
    drop(store);

    let meta = dd.read_meta().unwrap().unwrap();
    let key = ks.get(&meta.key_name()).unwrap().expect("the key is in the Secret Service");
    assert_eq!(key.len(), 32, "a 256-bit raw key");
    assert!(!dd.db_is_plaintext().unwrap());
    // No file in the data directory contains the key.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap_or_default();
        assert!(!bytes.windows(32).any(|w| w == key.as_slice()), "the raw key is on disk");
        let hex_key: String = key.iter().map(|b| format!("{b:02x}")).collect();
        assert!(!String::from_utf8_lossy(&bytes).contains(&hex_key), "the hex key is on disk");
    }

    // A restart (new connection, key fetched again from the Secret Service) sees the same store.
    let store = Store::open_existing(&dd, &ks).unwrap();
    assert_eq!(store.meta().store_id, id);
    drop(store);
    assert!(db::doctor(&dd, &ks).ok);

    // Removing the key from the Secret Service makes the store refuse to open.
    ks.delete(&meta.key_name()).unwrap();
    assert!(matches!(Store::open_existing(&dd, &ks), Err(StoreError::KeyMissing)));
    let report = db::doctor(&dd, &ks);
    assert!(!report.ok && !report.key_present);
}
