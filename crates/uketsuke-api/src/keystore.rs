//! The OS credential store, waited for briefly at start: a desktop session's
//! Secret Service can take a moment to answer (just after login, or while
//! another window starts), and a store that answers a second later should not
//! turn the window into 「ローカルデータを開けません」.

use std::time::Duration;

use backon::{BlockingRetryable, ExponentialBuilder};
use uketsuke_store::{keystore, Keystore, StoreError};

/// The default keystore once the OS credential store answered a read (up to
/// about three seconds of retries).
pub fn os_keystore() -> Result<Keystore, StoreError> {
    let attempt = || -> Result<Keystore, StoreError> {
        keystore::use_os_credential_store()?;
        let ks = Keystore::default();
        ks.get("availability-probe")?;
        Ok(ks)
    };
    attempt
        .retry(ExponentialBuilder::default().with_min_delay(Duration::from_millis(200)).with_max_times(4))
        .when(|e| matches!(e, StoreError::KeystoreUnavailable(_)))
        .notify(|e, after| tracing::warn!(error = %e, ?after, "OS credential store not answering yet; retrying"))
        .call()
}
