//! Session plans: which venue holds which sessions on which day. They depend only on
//! the date and the venue, never on the seed, so a session added for "today" later
//! gets the same id the catalog gave it.

use chrono::{Datelike, NaiveDate, Weekday};
use uketsuke_core::models::{Session, Venue};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// 保健センター: full programme, morning and afternoon.
    Centre,
    /// 検診車: X-ray or mammography bus.
    Bus,
    /// 公民館 and other halls.
    Hall,
}

fn kind(venue: &Venue) -> Kind {
    if venue.name.contains("検診車") {
        Kind::Bus
    } else if venue.name.contains("保健センター") {
        Kind::Centre
    } else {
        Kind::Hall
    }
}

const AM: (&str, &str, &str) = ("AM", "09:00", "11:30");
const PM: (&str, &str, &str) = ("PM", "13:00", "15:30");

/// FNV-1a over the venue id and the day number, then a SplitMix64 finaliser.
fn day_hash(venue_id: &str, date: NaiveDate) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in venue_id.bytes().chain(date.num_days_from_ce().to_le_bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    crate::splitmix64(h)
}

/// The sessions held on `date` at each of `venues`: one or two per venue (morning
/// 09:00–11:30, afternoon 13:00–15:30), each offering a subset of the demo
/// programmes that suits the venue (胃がん only in the morning, when people fast;
/// a bus does either 胃・肺 X-ray or mammography and cervical cytology).
/// Ids look like `V01-2026-11-24-AM`.
pub fn sessions_for_day(date: NaiveDate, venues: &[Venue]) -> Vec<Session> {
    let sunday = date.weekday() == Weekday::Sun;
    let mut out = Vec::with_capacity(venues.len() * 2);
    for venue in venues {
        let h = day_hash(&venue.venue_id, date);
        let (am, pm): (&[&str], Option<&[&str]>) = match kind(venue) {
            Kind::Centre => {
                if h.is_multiple_of(2) {
                    (&["51", "53", "55", "56", "L01"], Some(&["52", "54", "57", "58"]))
                } else {
                    (&["51", "52", "53", "55"], Some(&["54", "56", "57", "58", "L01"]))
                }
            }
            Kind::Bus => {
                let afternoon = (h >> 8).is_multiple_of(2);
                if date.num_days_from_ce() % 2 == 0 {
                    (&["51", "53", "55"], afternoon.then_some(&["51", "55"][..]))
                } else {
                    (&["52", "54"], afternoon.then_some(&["52", "54"][..]))
                }
            }
            Kind::Hall => {
                (&["51", "55", "56", "58", "L01"], (!(h >> 16).is_multiple_of(3)).then_some(&["52", "54", "57"][..]))
            }
        };
        let pm = if sunday { None } else { pm };
        for (slot, codes) in std::iter::once((AM, am)).chain(pm.map(|p| (PM, p))) {
            let (label, start, end) = slot;
            out.push(Session {
                session_id: format!(
                    "{}-{:04}-{:02}-{:02}-{}",
                    venue.venue_id,
                    date.year(),
                    date.month(),
                    date.day(),
                    label
                ),
                venue_id: venue.venue_id.clone(),
                date,
                start_time: start.to_owned(),
                end_time: end.to_owned(),
                programmes: codes.iter().map(|c| (*c).to_owned()).collect(),
            });
        }
    }
    out
}
