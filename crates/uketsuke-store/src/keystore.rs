//! The database key lives in the OS credential store (Secret Service on Linux,
//! Keychain on macOS, Credential Manager on Windows), never in a file.

use keyring_core::{Entry, Error as KeyringError};
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};

/// The service name under which Uketsuke keeps its secrets.
pub const SERVICE: &str = "jp.uketsuke.terminal";

/// Install the platform's credential store as keyring-core's default.
/// Call once at process start (the app and the CLI do). Unit tests install
/// `keyring_core::mock::Store` instead.
pub fn use_os_credential_store() -> Result<()> {
    #[cfg(target_os = "linux")]
    let store = zbus_secret_service_keyring_store::Store::new();
    #[cfg(target_os = "macos")]
    let store = apple_native_keyring_store::keychain::Store::new();
    #[cfg(target_os = "windows")]
    let store = windows_native_keyring_store::Store::new();
    let store = store.map_err(|e| StoreError::KeystoreUnavailable(e.to_string()))?;
    keyring_core::set_default_store(store);
    Ok(())
}

/// Access to one store's secrets, namespaced by a service name (tests use their own).
#[derive(Debug, Clone)]
pub struct Keystore {
    service: String,
}

impl Default for Keystore {
    fn default() -> Self {
        Keystore::new(SERVICE)
    }
}

impl Keystore {
    pub fn new(service: &str) -> Self {
        Keystore { service: service.to_owned() }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, name: &str) -> Result<Entry> {
        Entry::new(&self.service, name).map_err(map_err)
    }

    /// `Ok(None)` when there is no such secret.
    pub fn get(&self, name: &str) -> Result<Option<Zeroizing<Vec<u8>>>> {
        match self.entry(name)?.get_secret() {
            Ok(s) => Ok(Some(Zeroizing::new(s))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    /// Store a secret and read it back: a store that accepts a write and then
    /// cannot return it (a silent mock, a locked collection) is refused here.
    pub fn set_verified(&self, name: &str, secret: &[u8]) -> Result<()> {
        let entry = self.entry(name)?;
        entry.set_secret(secret).map_err(map_err)?;
        let back = Zeroizing::new(entry.get_secret().map_err(map_err)?);
        if back.as_slice() != secret {
            return Err(StoreError::KeystoreRoundTripFailed);
        }
        Ok(())
    }

    pub fn delete(&self, name: &str) -> Result<()> {
        match self.entry(name)?.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }
}

fn map_err(e: KeyringError) -> StoreError {
    StoreError::KeystoreUnavailable(e.to_string())
}

#[cfg(test)]
pub(crate) fn install_mock_store() {
    use std::sync::Once;
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        keyring_core::set_default_store(keyring_core::mock::Store::new().expect("mock store"));
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_delete() {
        install_mock_store();
        let ks = Keystore::new("uketsuke-test-keystore");
        assert!(ks.get("a").unwrap().is_none());
        ks.set_verified("a", &[1, 2, 3]).unwrap();
        assert_eq!(ks.get("a").unwrap().unwrap().as_slice(), &[1, 2, 3]);
        ks.delete("a").unwrap();
        assert!(ks.get("a").unwrap().is_none());
        // deleting twice is fine
        ks.delete("a").unwrap();
    }
}
