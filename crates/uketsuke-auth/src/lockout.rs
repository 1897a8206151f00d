//! Login throttling as a pure policy: exponential back-off after a few free attempts,
//! then a hard lock that only an administrator's explicit unlock clears.
//!
//! The caller stores [`AttemptState`] per staff ID, asks [`LockoutPolicy::gate`] before
//! checking credentials, and records the outcome only for attempts the gate let through.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Throttling parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures allowed before any delay (default 5).
    pub free_attempts: u32,
    /// Delay after the first failure beyond the free ones; doubles with each further failure (default 30 s).
    pub base_delay: Duration,
    /// Upper bound on the delay (default 15 min).
    pub max_delay: Duration,
    /// Failures after which the account is locked until explicitly unlocked (default 10).
    pub hard_lock_after: u32,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            free_attempts: 5,
            base_delay: Duration::seconds(30),
            max_delay: Duration::minutes(15),
            hard_lock_after: 10,
        }
    }
}

/// Consecutive login failures for one staff ID.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct AttemptState {
    /// Consecutive failures since the last success or unlock.
    pub failures: u32,
    /// When the latest failure happened.
    pub last_failure_at: Option<DateTime<Utc>>,
    /// Hard-locked: only an explicit unlock (a reset to the default state) clears it.
    pub locked: bool,
}

/// Whether a login attempt may proceed now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    /// Check the credentials.
    Open,
    /// Refuse without checking credentials until `until`.
    Wait {
        /// The earliest time the next attempt is allowed.
        until: DateTime<Utc>,
    },
    /// Refuse: an administrator must unlock the account.
    Locked,
}

impl LockoutPolicy {
    /// The delay imposed after `failures` consecutive failures:
    /// zero up to `free_attempts`, then `base_delay * 2^(failures - free_attempts - 1)`, capped at `max_delay`.
    pub fn delay_after(&self, failures: u32) -> Duration {
        if failures <= self.free_attempts || self.base_delay <= Duration::zero() {
            return Duration::zero();
        }
        let doublings = failures - self.free_attempts - 1;
        let base_ms = self.base_delay.num_milliseconds();
        let delay_ms = 1i64
            .checked_shl(doublings)
            .filter(|f| doublings < 63 && *f > 0)
            .and_then(|factor| base_ms.checked_mul(factor))
            .and_then(Duration::try_milliseconds);
        match delay_ms {
            Some(d) if d < self.max_delay => d,
            _ => self.max_delay,
        }
    }

    /// Whether an attempt may proceed at `now`.
    ///
    /// A clock set back (`now` before the last failure) never shortens a wait: the wait
    /// runs until `last_failure_at + delay`, whatever `now` says. A state with failures
    /// beyond the free ones but no timestamp waits a full delay from `now`.
    pub fn gate(&self, s: &AttemptState, now: DateTime<Utc>) -> Gate {
        if s.locked || s.failures >= self.hard_lock_after {
            return Gate::Locked;
        }
        let delay = self.delay_after(s.failures);
        if delay <= Duration::zero() {
            return Gate::Open;
        }
        let from = s.last_failure_at.unwrap_or(now);
        let until = from.checked_add_signed(delay).unwrap_or(DateTime::<Utc>::MAX_UTC);
        if now < until {
            Gate::Wait { until }
        } else {
            Gate::Open
        }
    }

    /// The state after a failed attempt at `now`. Locks at `hard_lock_after` failures.
    ///
    /// `last_failure_at` never moves backwards, so a clock set back cannot shorten the next wait.
    pub fn record_failure(&self, s: &AttemptState, now: DateTime<Utc>) -> AttemptState {
        let failures = s.failures.saturating_add(1);
        AttemptState {
            failures,
            last_failure_at: Some(s.last_failure_at.map_or(now, |last| last.max(now))),
            locked: s.locked || failures >= self.hard_lock_after,
        }
    }

    /// The state after a successful login or an administrator's unlock: everything cleared.
    pub fn record_success(&self) -> AttemptState {
        AttemptState::default()
    }

    /// Combines two views of the same account (e.g. this terminal's and the central
    /// service's) into the stricter one: most failures, latest failure, locked if either is.
    pub fn merge(local: &AttemptState, remote: &AttemptState) -> AttemptState {
        AttemptState {
            failures: local.failures.max(remote.failures),
            last_failure_at: local.last_failure_at.max(remote.last_failure_at),
            locked: local.locked || remote.locked,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 4, 1, 9, 0, 0).unwrap()
    }

    fn fail_n(p: &LockoutPolicy, n: u32, at: DateTime<Utc>) -> AttemptState {
        (0..n).fold(AttemptState::default(), |s, _| p.record_failure(&s, at))
    }

    #[test]
    fn asvs_6_3_1_backoff_after_free_attempts() {
        let p = LockoutPolicy::default();
        let now = t0();
        for n in 0..=5 {
            assert_eq!(p.gate(&fail_n(&p, n, now), now), Gate::Open, "{n} failures");
        }
        let s6 = fail_n(&p, 6, now);
        assert_eq!(p.gate(&s6, now), Gate::Wait { until: now + Duration::seconds(30) });
        assert_eq!(p.gate(&s6, now + Duration::seconds(29)), Gate::Wait { until: now + Duration::seconds(30) });
        assert_eq!(p.gate(&s6, now + Duration::seconds(30)), Gate::Open);
        assert_eq!(p.delay_after(7), Duration::seconds(60));
        assert_eq!(p.delay_after(8), Duration::seconds(120));
        assert_eq!(p.delay_after(9), Duration::seconds(240));
        let s9 = fail_n(&p, 9, now);
        assert_eq!(p.gate(&s9, now + Duration::seconds(239)), Gate::Wait { until: now + Duration::seconds(240) });
        assert_eq!(p.gate(&s9, now + Duration::seconds(240)), Gate::Open);
    }

    #[test]
    fn asvs_6_3_1_delay_capped() {
        let p = LockoutPolicy { hard_lock_after: u32::MAX, ..LockoutPolicy::default() };
        assert_eq!(p.delay_after(10), Duration::seconds(480));
        assert_eq!(p.delay_after(11), Duration::minutes(15));
        assert_eq!(p.delay_after(70), Duration::minutes(15));
        assert_eq!(p.delay_after(u32::MAX), Duration::minutes(15));
        let s = AttemptState { failures: u32::MAX, last_failure_at: Some(t0()), locked: false };
        assert_eq!(p.record_failure(&s, t0()).failures, u32::MAX);
    }

    #[test]
    fn asvs_6_3_1_hard_lock_after_limit() {
        let p = LockoutPolicy::default();
        let now = t0();
        let s9 = fail_n(&p, 9, now);
        assert!(!s9.locked);
        let s10 = p.record_failure(&s9, now);
        assert!(s10.locked);
        assert_eq!(p.gate(&s10, now), Gate::Locked);
        // Time alone never unlocks.
        assert_eq!(p.gate(&s10, now + Duration::days(365)), Gate::Locked);
        // Nor does merging with a clean view from elsewhere.
        assert_eq!(p.gate(&LockoutPolicy::merge(&AttemptState::default(), &s10), now), Gate::Locked);
        // Only the explicit reset clears it.
        assert_eq!(p.gate(&p.record_success(), now), Gate::Open);
    }

    #[test]
    fn asvs_6_3_1_clock_rollback_does_not_shorten_wait() {
        let p = LockoutPolicy::default();
        let now = t0();
        let s = fail_n(&p, 6, now);
        let until = now + Duration::seconds(30);
        // The clock jumps back an hour: still waiting until the original time.
        assert_eq!(p.gate(&s, now - Duration::hours(1)), Gate::Wait { until });
        // A failure recorded with the rolled-back clock keeps the later timestamp.
        let s7 = p.record_failure(&s, now - Duration::hours(1));
        assert_eq!(s7.last_failure_at, Some(now));
        assert_eq!(p.gate(&s7, now - Duration::hours(1)), Gate::Wait { until: now + Duration::seconds(60) });
        assert_eq!(p.gate(&s7, now + Duration::seconds(59)), Gate::Wait { until: now + Duration::seconds(60) });
    }

    #[test]
    fn missing_timestamp_waits_full_delay() {
        let p = LockoutPolicy::default();
        let s = AttemptState { failures: 6, last_failure_at: None, locked: false };
        assert_eq!(p.gate(&s, t0()), Gate::Wait { until: t0() + Duration::seconds(30) });
    }

    #[test]
    fn success_resets() {
        let p = LockoutPolicy::default();
        assert_eq!(p.record_success(), AttemptState::default());
    }

    #[test]
    fn merge_takes_stricter() {
        let a = AttemptState { failures: 3, last_failure_at: Some(t0() + Duration::minutes(5)), locked: false };
        let b = AttemptState { failures: 7, last_failure_at: Some(t0()), locked: false };
        let m = LockoutPolicy::merge(&a, &b);
        assert_eq!(m, AttemptState { failures: 7, last_failure_at: Some(t0() + Duration::minutes(5)), locked: false });
        assert_eq!(m, LockoutPolicy::merge(&b, &a));
        let locked = AttemptState { locked: true, ..AttemptState::default() };
        assert!(LockoutPolicy::merge(&a, &locked).locked);
        assert_eq!(LockoutPolicy::merge(&a, &AttemptState::default()), a);
    }

    #[test]
    fn attempt_state_serde_round_trip() {
        let s = AttemptState { failures: 4, last_failure_at: Some(t0()), locked: true };
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(serde_json::from_str::<AttemptState>(&json).unwrap(), s);
    }
}
