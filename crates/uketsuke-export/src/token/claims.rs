//! The signed payloads (wire format) of designations and grants, and their time fields.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::TokenError;

/// `typ` of a designation token.
pub const DESIGNATION_TYP: &str = "uketsuke.export.designation.v1";
/// `typ` of a grant token.
pub const GRANT_TYP: &str = "uketsuke.export.grant.v1";

/// Payload of a designation. `aud` is the terminal id; `nbf` equals `iat`.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DesignationClaims {
    pub typ: String,
    pub aud: String,
    pub jti: Uuid,
    pub device_key_fpr: String,
    pub iat: String,
    pub nbf: String,
    pub exp: String,
}

/// Payload of a grant. `aud` is the terminal id.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GrantClaims {
    pub typ: String,
    pub aud: String,
    pub jti: Uuid,
    pub designation_jti: Uuid,
    pub device_key_fpr: String,
    pub request_id: Uuid,
    pub scope_hash: String,
    pub approved_by: String,
    pub iat: String,
    pub nbf: String,
    pub exp: String,
}

/// Only the fields needed before the kind is known (and to explain a failed signature).
#[derive(Deserialize)]
pub(crate) struct Head {
    pub typ: Option<String>,
    pub aud: Option<String>,
    pub device_key_fpr: Option<String>,
}

/// RFC 3339 in UTC, whole seconds (PASETO recommends no fractional seconds).
pub(crate) fn format_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Drops sub-second precision, as the token does.
pub(crate) fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

pub(crate) fn parse_time(name: &str, s: &str) -> Result<DateTime<Utc>, TokenError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| TokenError::ClaimsInvalid(format!("{name} is not an RFC 3339 time")))
}

/// The validity window of a token, checked against a `now` passed in (never the system clock).
pub(crate) struct Window {
    pub issued_at: DateTime<Utc>,
    pub not_before: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Window {
    pub fn parse(iat: &str, nbf: &str, exp: &str) -> Result<Self, TokenError> {
        let w = Self {
            issued_at: parse_time("iat", iat)?,
            not_before: parse_time("nbf", nbf)?,
            expires_at: parse_time("exp", exp)?,
        };
        w.check_order()?;
        Ok(w)
    }

    /// `exp` must be after both `iat` and `nbf`.
    pub fn check_order(&self) -> Result<(), TokenError> {
        if self.expires_at <= self.not_before || self.expires_at <= self.issued_at {
            return Err(TokenError::ClaimsInvalid("expiry must be after issue and not-before".into()));
        }
        Ok(())
    }

    /// Valid on `[max(iat, nbf), exp)`.
    pub fn check_at(&self, now: DateTime<Utc>) -> Result<(), TokenError> {
        let start = self.issued_at.max(self.not_before);
        if now < start {
            return Err(TokenError::NotYetValid { not_before: start });
        }
        if now >= self.expires_at {
            return Err(TokenError::Expired { expires_at: self.expires_at });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn times_are_whole_seconds_utc_and_parse_back() {
        let t = Utc.with_ymd_and_hms(2026, 4, 1, 9, 30, 5).unwrap() + Duration::milliseconds(750);
        let s = format_time(t);
        assert_eq!(s, "2026-04-01T09:30:05Z");
        assert_eq!(parse_time("exp", &s).unwrap(), whole_seconds(t));
        assert_eq!(parse_time("exp", "2026-04-01T18:30:05+09:00").unwrap(), whole_seconds(t));
        assert_eq!(parse_time("exp", "tomorrow").unwrap_err().code(), "EXPORT_TOKEN_CLAIMS_INVALID");
    }

    #[test]
    fn window_is_half_open() {
        let t0 = Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap();
        let w = Window { issued_at: t0, not_before: t0 + Duration::minutes(5), expires_at: t0 + Duration::hours(1) };
        assert_eq!(w.check_at(t0).unwrap_err().code(), "EXPORT_TOKEN_NOT_YET_VALID");
        assert!(w.check_at(t0 + Duration::minutes(5)).is_ok());
        assert!(w.check_at(t0 + Duration::hours(1) - Duration::seconds(1)).is_ok());
        assert_eq!(w.check_at(t0 + Duration::hours(1)).unwrap_err().code(), "EXPORT_TOKEN_EXPIRED");
    }

    #[test]
    fn window_must_end_after_it_starts() {
        let t0 = Utc.with_ymd_and_hms(2026, 4, 1, 9, 0, 0).unwrap();
        let iso = format_time(t0);
        assert!(Window::parse(&iso, &iso, &iso).is_err());
        assert!(
            Window::parse(&iso, &format_time(t0 + Duration::hours(2)), &format_time(t0 + Duration::hours(1))).is_err()
        );
    }
}
