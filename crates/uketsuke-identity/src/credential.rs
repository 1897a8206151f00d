//! A registered credential as the service stores it and terminals receive it:
//! the credential id, the public key and its parameters. Nothing in it is secret.

use serde::{Deserialize, Serialize};
use webauthn_rs::prelude::{Credential, Passkey};

use crate::error::{IdentityError, Result};

/// Equal when the credential ids are (webauthn-rs compares passkeys so).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PublicCredential(Passkey);

impl PublicCredential {
    /// The credential id the authenticator names in its assertions.
    pub fn id(&self) -> &[u8] {
        self.0.cred_id().as_slice()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a passkey always serialises")
    }

    pub fn from_json(json: &str) -> Result<Self> {
        serde_json::from_str(json).map_err(|e| IdentityError::Corrupt(format!("credential: {e}")))
    }

    /// A copy whose stored counter is zero: webauthn-rs refuses a counter that did
    /// not move forward, but across terminals counters arrive out of order, so
    /// the callers keep and judge the counters themselves ([`counter_advances`]).
    pub(crate) fn without_counter(&self) -> Passkey {
        let mut cred = Credential::from(self.0.clone());
        cred.counter = 0;
        Passkey::from(cred)
    }

    pub(crate) fn from_passkey(p: Passkey) -> Self {
        PublicCredential(p)
    }
}

/// Whether an assertion's signature counter may follow the highest one seen for
/// its credential. Authenticators without a counter report 0 every time.
pub fn counter_advances(highest_seen: u32, seen: u32) -> bool {
    seen > highest_seen || (highest_seen == 0 && seen == 0)
}

#[cfg(test)]
mod tests {
    use super::counter_advances;

    #[test]
    fn counters_must_move_forward_unless_the_authenticator_has_none() {
        assert!(counter_advances(0, 0));
        assert!(counter_advances(0, 1));
        assert!(counter_advances(5, 6));
        assert!(!counter_advances(5, 5), "a repeated counter is a replay or a clone");
        assert!(!counter_advances(5, 4));
        assert!(!counter_advances(5, 0), "a counting authenticator never goes back to 0");
    }
}
