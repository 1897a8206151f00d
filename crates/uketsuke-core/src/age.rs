//! Age and fiscal-year arithmetic.
//!
//! Legal age follows 年齢計算ニ関スル法律 and 民法143条: a person becomes one year
//! older at the end of the day before the birthday, i.e. *on* the day before the
//! birthday. Someone born on 4/1 turns X on 3/31 and so belongs to the earlier
//! school/fiscal cohort; someone born on 2/29 turns older on 2/28 in every year.

use chrono::{Datelike, NaiveDate};

use crate::models::AgeBase;

/// 年度: the fiscal year runs April–March and is named after the year it starts in.
/// `2026-04-01` → 2026, `2027-03-31` → 2026.
pub fn fiscal_year(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// First day of a fiscal year (4/1).
pub fn fiscal_year_start(fiscal_year: i32) -> NaiveDate {
    ymd_clamped(fiscal_year, 4, 1)
}

/// Last day of a fiscal year (3/31 of the next calendar year).
pub fn fiscal_year_end(fiscal_year: i32) -> NaiveDate {
    ymd_clamped(fiscal_year + 1, 3, 31)
}

/// Legal age on `on` for someone born on `birth` (0 if `on` is before `birth`).
///
/// The age increases on the day before each birthday, so this counts the full years
/// between `birth` and the day after `on`.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on < birth {
        return 0;
    }
    // The day after `on`; at the very end of chrono's range fall back to `on`
    // (an off-by-one there affects nobody alive).
    let next = on.succ_opt().unwrap_or(on);
    let mut years = next.year() - birth.year();
    if (next.month(), next.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// The date on which a programme's target age is reckoned for the fiscal year
/// `fiscal_year`, given the screening date.
///
/// `Fixed { month, day }`: months 4–12 fall in `fiscal_year`, months 1–3 in
/// `fiscal_year + 1`. A day that does not exist in that month (2/29 in a common
/// year, 4/31) is clamped to the month's last day; a month outside 1–12 is clamped
/// into range and a day of 0 is treated as 1, so a misconfigured programme still
/// yields a date rather than a panic.
pub fn age_base_date(base: AgeBase, fiscal_year: i32, screening_date: NaiveDate) -> NaiveDate {
    match base {
        AgeBase::ScreeningDate => screening_date,
        AgeBase::FiscalYearStart => fiscal_year_start(fiscal_year),
        AgeBase::FiscalYearEnd => fiscal_year_end(fiscal_year),
        AgeBase::Fixed { month, day } => {
            let month = month.clamp(1, 12);
            let year = if month >= 4 { fiscal_year } else { fiscal_year + 1 };
            ymd_clamped(year, month, day)
        }
    }
}

/// A resident's age for a programme screened on `screening_date`, reckoned on the
/// programme's age base date within the screening date's fiscal year.
pub fn programme_age(birth: NaiveDate, base: AgeBase, screening_date: NaiveDate) -> u32 {
    let fy = fiscal_year(screening_date);
    age_on(birth, age_base_date(base, fy, screening_date))
}

/// Number of days in a month of the proleptic Gregorian calendar.
pub(crate) fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

pub(crate) fn is_leap_year(year: i32) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// `year-month-day`, with the day clamped into the month (1..=last day).
/// `month` must be 1–12; `year` must lie within chrono's range.
fn ymd_clamped(year: i32, month: u32, day: u32) -> NaiveDate {
    let day = day.clamp(1, days_in_month(year, month));
    NaiveDate::from_ymd_opt(year, month, day).expect("year within chrono's range and day clamped into the month")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn fiscal_year_edges() {
        assert_eq!(fiscal_year(d(2027, 3, 31)), 2026);
        assert_eq!(fiscal_year(d(2027, 4, 1)), 2027);
        assert_eq!(fiscal_year(d(2026, 4, 1)), 2026);
        assert_eq!(fiscal_year(d(2026, 3, 31)), 2025);
        assert_eq!(fiscal_year(d(2026, 1, 1)), 2025);
        assert_eq!(fiscal_year(d(2025, 12, 31)), 2025);
    }

    #[test]
    fn fiscal_year_start_and_end() {
        assert_eq!(fiscal_year_start(2025), d(2025, 4, 1));
        assert_eq!(fiscal_year_end(2025), d(2026, 3, 31));
    }

    #[test]
    fn age_increases_on_the_day_before_the_birthday() {
        let birth = d(1980, 6, 15);
        assert_eq!(age_on(birth, d(2020, 6, 13)), 39);
        assert_eq!(age_on(birth, d(2020, 6, 14)), 40);
        assert_eq!(age_on(birth, d(2020, 6, 15)), 40);
        assert_eq!(age_on(birth, d(2021, 6, 13)), 40);
    }

    #[test]
    fn age_before_birth_and_on_birth_day() {
        let birth = d(2000, 5, 10);
        assert_eq!(age_on(birth, d(1999, 1, 1)), 0);
        assert_eq!(age_on(birth, d(2000, 5, 9)), 0);
        assert_eq!(age_on(birth, d(2000, 5, 10)), 0);
        assert_eq!(age_on(birth, d(2001, 5, 8)), 0);
        assert_eq!(age_on(birth, d(2001, 5, 9)), 1);
    }

    #[test]
    fn april_first_birthday_turns_older_on_march_31() {
        let birth = d(1986, 4, 1);
        assert_eq!(age_on(birth, d(2026, 3, 30)), 39);
        assert_eq!(age_on(birth, d(2026, 3, 31)), 40);
        assert_eq!(age_on(birth, d(2026, 4, 1)), 40);
    }

    #[test]
    fn born_4_1_vs_4_2_at_fiscal_year_end() {
        // End of FY2025 = 2026-03-31.
        let fy_end = AgeBase::FiscalYearEnd;
        let screening = d(2025, 10, 1);
        // Born 1986-04-01: turns 40 on 2026-03-31 → 40 at the end of FY2025.
        assert_eq!(programme_age(d(1986, 4, 1), fy_end, screening), 40);
        // Born 1986-04-02: turns 40 on 2026-04-01 → still 39 on 2026-03-31.
        assert_eq!(programme_age(d(1986, 4, 2), fy_end, screening), 39);
        // Born 1985-04-02 is in the same cohort as 1986-04-01.
        assert_eq!(programme_age(d(1985, 4, 2), fy_end, screening), 40);
        // The fiscal year follows the screening date, not the calendar year:
        // a screening on 2026-02-10 is still FY2025.
        assert_eq!(programme_age(d(1986, 4, 1), fy_end, d(2026, 2, 10)), 40);
        // ...while one on 2026-04-01 is FY2026.
        assert_eq!(programme_age(d(1986, 4, 2), fy_end, d(2026, 4, 1)), 40);
        assert_eq!(programme_age(d(1986, 4, 1), fy_end, d(2026, 4, 1)), 41);
    }

    #[test]
    fn born_4_1_vs_4_2_at_fiscal_year_start() {
        let start = AgeBase::FiscalYearStart;
        let screening = d(2025, 6, 1);
        // On 2025-04-01: born 1985-04-01 turned 40 on 2025-03-31; born 1985-04-02
        // turns 40 on 2025-04-01 itself.
        assert_eq!(programme_age(d(1985, 4, 1), start, screening), 40);
        assert_eq!(programme_age(d(1985, 4, 2), start, screening), 40);
        assert_eq!(programme_age(d(1985, 4, 3), start, screening), 39);
    }

    #[test]
    fn leap_day_birth_turns_older_on_feb_28() {
        let birth = d(2000, 2, 29);
        // Common year: turns 1 on 2001-02-28.
        assert_eq!(age_on(birth, d(2001, 2, 27)), 0);
        assert_eq!(age_on(birth, d(2001, 2, 28)), 1);
        assert_eq!(age_on(birth, d(2001, 3, 1)), 1);
        // Leap year: also turns older on 2/28, not 2/29.
        assert_eq!(age_on(birth, d(2004, 2, 27)), 3);
        assert_eq!(age_on(birth, d(2004, 2, 28)), 4);
        assert_eq!(age_on(birth, d(2004, 2, 29)), 4);
        // Century common year.
        assert_eq!(age_on(d(1896, 2, 29), d(1900, 2, 27)), 3);
        assert_eq!(age_on(d(1896, 2, 29), d(1900, 2, 28)), 4);
    }

    #[test]
    fn march_first_birth_in_leap_and_common_years() {
        // Born 3/1: turns older on the last day of February.
        let birth = d(2001, 3, 1);
        assert_eq!(age_on(birth, d(2003, 2, 27)), 1);
        assert_eq!(age_on(birth, d(2003, 2, 28)), 2);
        assert_eq!(age_on(birth, d(2004, 2, 28)), 2);
        assert_eq!(age_on(birth, d(2004, 2, 29)), 3);
    }

    #[test]
    fn january_first_birth_turns_older_on_new_years_eve() {
        let birth = d(1990, 1, 1);
        assert_eq!(age_on(birth, d(2019, 12, 30)), 29);
        assert_eq!(age_on(birth, d(2019, 12, 31)), 30);
        assert_eq!(age_on(birth, d(2020, 1, 1)), 30);
    }

    #[test]
    fn base_date_per_kind() {
        let screening = d(2025, 11, 20);
        assert_eq!(age_base_date(AgeBase::ScreeningDate, 2025, screening), screening);
        assert_eq!(age_base_date(AgeBase::FiscalYearStart, 2025, screening), d(2025, 4, 1));
        assert_eq!(age_base_date(AgeBase::FiscalYearEnd, 2025, screening), d(2026, 3, 31));
        assert_eq!(age_base_date(AgeBase::Fixed { month: 4, day: 1 }, 2026, screening), d(2026, 4, 1));
        assert_eq!(age_base_date(AgeBase::Fixed { month: 12, day: 31 }, 2025, screening), d(2025, 12, 31));
        assert_eq!(age_base_date(AgeBase::Fixed { month: 1, day: 15 }, 2025, screening), d(2026, 1, 15));
        assert_eq!(age_base_date(AgeBase::Fixed { month: 3, day: 31 }, 2025, screening), d(2026, 3, 31));
    }

    #[test]
    fn fixed_base_clamps_invalid_days() {
        let s = d(2025, 5, 1);
        // FY2025 → February 2026 (common year): 2/29 → 2/28.
        assert_eq!(age_base_date(AgeBase::Fixed { month: 2, day: 29 }, 2025, s), d(2026, 2, 28));
        // FY2027 → February 2028 (leap year): 2/29 exists.
        assert_eq!(age_base_date(AgeBase::Fixed { month: 2, day: 29 }, 2027, s), d(2028, 2, 29));
        assert_eq!(age_base_date(AgeBase::Fixed { month: 4, day: 31 }, 2025, s), d(2025, 4, 30));
        assert_eq!(age_base_date(AgeBase::Fixed { month: 6, day: 0 }, 2025, s), d(2025, 6, 1));
        assert_eq!(age_base_date(AgeBase::Fixed { month: 13, day: 5 }, 2025, s), d(2025, 12, 5));
        assert_eq!(age_base_date(AgeBase::Fixed { month: 0, day: 5 }, 2025, s), d(2026, 1, 5));
    }

    #[test]
    fn programme_age_with_screening_date_base() {
        let birth = d(1985, 9, 10);
        let base = AgeBase::ScreeningDate;
        assert_eq!(programme_age(birth, base, d(2025, 9, 8)), 39);
        assert_eq!(programme_age(birth, base, d(2025, 9, 9)), 40);
    }

    #[test]
    fn programme_age_with_fixed_base_uses_screening_fiscal_year() {
        // 掛川市-style: age on 4/1 of the fiscal year.
        let base = AgeBase::Fixed { month: 4, day: 1 };
        let birth = d(1986, 4, 2);
        // Screening in FY2026 (2027-01-10) → base 2026-04-01 → turned 40 that day.
        assert_eq!(programme_age(birth, base, d(2027, 1, 10)), 40);
        // Screening in FY2025 (2026-03-31) → base 2025-04-01 → 39.
        assert_eq!(programme_age(birth, base, d(2026, 3, 31)), 39);
    }

    #[test]
    fn programme_age_before_birth_is_zero() {
        assert_eq!(programme_age(d(2030, 1, 1), AgeBase::FiscalYearEnd, d(2025, 6, 1)), 0);
        assert_eq!(programme_age(d(2025, 6, 2), AgeBase::ScreeningDate, d(2025, 6, 1)), 0);
    }

    #[test]
    fn leap_day_birth_at_fiscal_year_end() {
        // Born 1984-02-29; at end of FY2023 (2024-03-31) is 40; FY2022 end is 39.
        let birth = d(1984, 2, 29);
        assert_eq!(programme_age(birth, AgeBase::FiscalYearEnd, d(2023, 4, 1)), 40);
        assert_eq!(programme_age(birth, AgeBase::FiscalYearEnd, d(2023, 3, 31)), 39);
        // Fixed 2/28 base in a common year: the 2/29 person is already older.
        assert_eq!(programme_age(birth, AgeBase::Fixed { month: 2, day: 28 }, d(2024, 6, 1)), 41);
    }

    #[test]
    fn days_in_month_and_leap_years() {
        assert!(is_leap_year(2000));
        assert!(is_leap_year(2024));
        assert!(!is_leap_year(1900));
        assert!(!is_leap_year(2025));
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(2025, 2), 28);
        assert_eq!(days_in_month(2025, 4), 30);
        assert_eq!(days_in_month(2025, 12), 31);
        assert_eq!(days_in_month(2025, 13), 0);
    }
}
