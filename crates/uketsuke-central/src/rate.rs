//! Rate limits for the doors a LAN host or a terminal could hammer (governor):
//! enrollment per client address (no certificate yet), and the person-proving
//! calls (challenges, logins, registrations, password changes, unlocks) per
//! terminal. Over the limit a request gets `RATE_LIMITED` (429) and does no work.

use std::net::IpAddr;
use std::num::NonZeroU32;

use governor::{DefaultKeyedRateLimiter, Quota};
use uuid::Uuid;

use crate::error::{CentralError, Result};

pub struct RateLimits {
    enroll: DefaultKeyedRateLimiter<IpAddr>,
    identity: DefaultKeyedRateLimiter<Uuid>,
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"))
}

impl RateLimits {
    pub fn from_config(c: &crate::config::Config) -> RateLimits {
        RateLimits {
            enroll: DefaultKeyedRateLimiter::keyed(per_minute(c.enroll_per_minute_per_address)),
            identity: DefaultKeyedRateLimiter::keyed(per_minute(c.identity_per_minute_per_terminal)),
        }
    }

    fn refused(what: &str) -> CentralError {
        CentralError::RateLimited(format!("too many {what}; wait a minute"))
    }

    pub fn enroll(&self, from: IpAddr) -> Result<()> {
        self.enroll.check_key(&from).map_err(|_| Self::refused("enrollment attempts from this address"))
    }

    pub fn identity(&self, terminal: Uuid) -> Result<()> {
        self.identity.check_key(&terminal).map_err(|_| Self::refused("identity requests from this terminal"))
    }
}
