//! Eligibility of a resident for a screening programme on a given day.
//!
//! The result is advisory: reception staff see every warning and decide. Nothing
//! here blocks a screening by itself.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::age::{fiscal_year, programme_age};
use crate::models::{AgeBase, AgeRule, Interval, Programme, Resident, ScreeningRecord, Sex};

/// One reason a resident is outside a programme's target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum EligibilityWarning {
    /// Below the programme's minimum age.
    TooYoung { age: u32, min: u32 },
    /// Above the programme's maximum age.
    TooOld { age: u32, max: u32 },
    /// The programme targets only the listed ages (節目年齢).
    NotListedAge { age: u32, ages: Vec<u32> },
    /// The programme targets one sex only.
    WrongSex { required: Sex },
    /// Screened in `last_fiscal_year`, fewer than `interval_years` fiscal years ago.
    ScreenedTooRecently { last_fiscal_year: i32, interval_years: u32 },
    /// A once-per-lifetime programme already taken (first recorded in `fiscal_year`).
    AlreadyScreenedOnce { fiscal_year: i32 },
}

/// The outcome of checking one resident against one programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Eligibility {
    pub programme_code: String,
    /// The age as the programme reckons it (on its age base date).
    pub age: u32,
    /// Empty when the resident is in the target.
    pub warnings: Vec<EligibilityWarning>,
}

impl Eligibility {
    /// In the target: no warnings.
    pub fn is_eligible(&self) -> bool {
        self.warnings.is_empty()
    }
}

/// Check `resident` against `programme` for a screening on `screening_date`.
///
/// `history` may hold records of other residents and programmes; only those with
/// this resident's id and this programme's code count. Warnings come in a fixed
/// order: age, sex, interval.
pub fn check(
    resident: &Resident,
    programme: &Programme,
    screening_date: NaiveDate,
    history: &[ScreeningRecord],
) -> Eligibility {
    let age = programme_age(resident.birth_date, programme.age_base, screening_date);
    let mut warnings = Vec::new();

    match &programme.age_rule {
        AgeRule::Range { min, max } => {
            if age < *min {
                warnings.push(EligibilityWarning::TooYoung { age, min: *min });
            }
            if let Some(max) = *max {
                if age > max {
                    warnings.push(EligibilityWarning::TooOld { age, max });
                }
            }
        }
        AgeRule::Listed { ages } => {
            if !ages.contains(&age) {
                warnings.push(EligibilityWarning::NotListedAge { age, ages: ages.clone() });
            }
        }
    }

    if let Some(required) = programme.sex {
        if resident.sex != required {
            warnings.push(EligibilityWarning::WrongSex { required });
        }
    }

    let past_years = history
        .iter()
        .filter(|r| r.resident_id == resident.resident_id && r.programme_code == programme.code)
        .map(|r| r.fiscal_year);
    let current_fy = fiscal_year(screening_date);
    match programme.interval {
        Interval::FiscalYears { years } => {
            // Records dated after the current fiscal year are data errors; ignore them.
            let latest = past_years.filter(|&fy| fy <= current_fy).max();
            if let Some(last) = latest {
                if i64::from(current_fy) - i64::from(last) < i64::from(years) {
                    warnings.push(EligibilityWarning::ScreenedTooRecently {
                        last_fiscal_year: last,
                        interval_years: years,
                    });
                }
            }
        }
        Interval::Once => {
            if let Some(first) = past_years.min() {
                warnings.push(EligibilityWarning::AlreadyScreenedOnce { fiscal_year: first });
            }
        }
    }

    Eligibility { programme_code: programme.code.clone(), age, warnings }
}

/// The national baseline programmes (報告区分 51–58) under the がん検診指針 and
/// 健康増進法 施行規則. Age is reckoned at the end of the fiscal year. Cities adjust
/// ages, intervals and copays; this is the starting point, not a city's rules.
pub fn national_programmes() -> Vec<Programme> {
    fn national(
        code: &str,
        name_ja: &str,
        name_en: &str,
        age_rule: AgeRule,
        sex: Option<Sex>,
        interval: Interval,
        copay_yen: u32,
    ) -> Programme {
        Programme {
            code: code.to_owned(),
            name_ja: name_ja.to_owned(),
            name_en: name_en.to_owned(),
            age_rule,
            sex,
            interval,
            age_base: AgeBase::FiscalYearEnd,
            copay_yen,
            national: true,
        }
    }
    let from = |min| AgeRule::Range { min, max: None };
    let every = |years| Interval::FiscalYears { years };
    vec![
        national("51", "肺がん検診", "Lung cancer screening", from(40), None, every(1), 500),
        national("52", "乳がん検診", "Breast cancer screening", from(40), Some(Sex::Female), every(2), 1500),
        national("53", "胃がん検診", "Stomach cancer screening", from(50), None, every(2), 1500),
        national("54", "子宮頸がん検診", "Cervical cancer screening", from(20), Some(Sex::Female), every(2), 1000),
        national("55", "大腸がん検診", "Colorectal cancer screening", from(40), None, every(1), 500),
        national(
            "56",
            "肝炎ウイルス検診",
            "Hepatitis virus screening",
            AgeRule::Listed { ages: vec![40] },
            None,
            Interval::Once,
            1000,
        ),
        national(
            "57",
            "骨粗鬆症検診",
            "Osteoporosis screening",
            AgeRule::Listed { ages: vec![40, 45, 50, 55, 60, 65, 70] },
            Some(Sex::Female),
            every(1),
            800,
        ),
        national(
            "58",
            "歯周疾患検診",
            "Periodontal disease screening",
            AgeRule::Listed { ages: vec![20, 30, 40, 50, 60, 70] },
            None,
            every(1),
            500,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::CopayCategory;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn resident(id: &str, sex: Sex, birth: NaiveDate) -> Resident {
        Resident {
            resident_id: id.to_owned(),
            name_kanji: "検診 花子".to_owned(),
            name_kana: "ケンシン ハナコ".to_owned(),
            sex,
            birth_date: birth,
            postal_code: "4360000".to_owned(),
            address: "静岡県某市1-1".to_owned(),
            phone: "0000-00-0000".to_owned(),
            copay_category: CopayCategory::Standard,
            dv_support: false,
            provisional: false,
        }
    }

    fn programme(code: &str) -> Programme {
        national_programmes().into_iter().find(|p| p.code == code).unwrap()
    }

    fn rec(resident_id: &str, code: &str, fy: i32) -> ScreeningRecord {
        ScreeningRecord { resident_id: resident_id.to_owned(), programme_code: code.to_owned(), fiscal_year: fy }
    }

    /// A screening day in FY2025.
    fn day() -> NaiveDate {
        d(2025, 10, 15)
    }

    #[test]
    fn eligible_resident_has_no_warnings() {
        let r = resident("A1", Sex::Male, d(1970, 7, 1));
        let e = check(&r, &programme("51"), day(), &[]);
        assert_eq!(e.programme_code, "51");
        assert_eq!(e.age, 55);
        assert!(e.warnings.is_empty());
        assert!(e.is_eligible());
    }

    #[test]
    fn too_young() {
        let r = resident("A1", Sex::Male, d(1990, 7, 1));
        let e = check(&r, &programme("53"), day(), &[]);
        assert_eq!(e.age, 35);
        assert_eq!(e.warnings, vec![EligibilityWarning::TooYoung { age: 35, min: 50 }]);
        assert!(!e.is_eligible());
    }

    #[test]
    fn april_first_cohort_at_minimum_age() {
        // Lung cancer, 40+, age at end of FY2025 (2026-03-31).
        let p = programme("51");
        let born_4_1 = resident("A1", Sex::Male, d(1986, 4, 1));
        let born_4_2 = resident("A2", Sex::Male, d(1986, 4, 2));
        let e1 = check(&born_4_1, &p, day(), &[]);
        assert_eq!(e1.age, 40);
        assert!(e1.is_eligible());
        let e2 = check(&born_4_2, &p, day(), &[]);
        assert_eq!(e2.age, 39);
        assert_eq!(e2.warnings, vec![EligibilityWarning::TooYoung { age: 39, min: 40 }]);
    }

    #[test]
    fn april_first_cohort_at_a_listed_age() {
        // 肝炎 targets age 40 in the fiscal year: born 1985-04-02 … 1986-04-01.
        let p = programme("56");
        for (birth, ok) in [
            (d(1985, 4, 1), false), // 41
            (d(1985, 4, 2), true),
            (d(1986, 4, 1), true),
            (d(1986, 4, 2), false), // 39
        ] {
            let e = check(&resident("A", Sex::Female, birth), &p, day(), &[]);
            assert_eq!(e.is_eligible(), ok, "born {birth}");
        }
    }

    #[test]
    fn too_old() {
        let p = Programme {
            code: "90".to_owned(),
            name_ja: "独自検診".to_owned(),
            name_en: "Local screening".to_owned(),
            age_rule: AgeRule::Range { min: 40, max: Some(69) },
            sex: None,
            interval: Interval::FiscalYears { years: 1 },
            age_base: AgeBase::ScreeningDate,
            copay_yen: 1000,
            national: false,
        };
        let r = resident("A1", Sex::Male, d(1955, 10, 16));
        // Turns 70 on 2025-10-15 (the day before the birthday).
        let e = check(&r, &p, d(2025, 10, 15), &[]);
        assert_eq!(e.warnings, vec![EligibilityWarning::TooOld { age: 70, max: 69 }]);
        let e = check(&r, &p, d(2025, 10, 14), &[]);
        assert_eq!(e.age, 69);
        assert!(e.is_eligible());
    }

    #[test]
    fn not_listed_age() {
        let r = resident("A1", Sex::Female, d(1983, 9, 1)); // 42 at FY2025 end
        let e = check(&r, &programme("57"), day(), &[]);
        assert_eq!(
            e.warnings,
            vec![EligibilityWarning::NotListedAge { age: 42, ages: vec![40, 45, 50, 55, 60, 65, 70] }]
        );
        let r = resident("A1", Sex::Female, d(1980, 9, 1)); // 45
        assert!(check(&r, &programme("57"), day(), &[]).is_eligible());
    }

    #[test]
    fn wrong_sex() {
        let r = resident("A1", Sex::Male, d(1970, 1, 1));
        let e = check(&r, &programme("52"), day(), &[]);
        assert_eq!(e.warnings, vec![EligibilityWarning::WrongSex { required: Sex::Female }]);
        // Unknown sex is flagged too: staff decide.
        let r = resident("A1", Sex::Unknown, d(1970, 1, 1));
        let e = check(&r, &programme("52"), day(), &[]);
        assert_eq!(e.warnings, vec![EligibilityWarning::WrongSex { required: Sex::Female }]);
        // A programme for any sex never warns about sex.
        let r = resident("A1", Sex::Unknown, d(1970, 1, 1));
        assert!(check(&r, &programme("55"), day(), &[]).is_eligible());
    }

    #[test]
    fn biennial_interval_by_fiscal_year() {
        let r = resident("A1", Sex::Female, d(1970, 1, 1));
        // 乳がん: every 2 fiscal years. Screened in FY2024 → FY2025 is too soon.
        let p = programme("52");
        let e = check(&r, &p, day(), &[rec("A1", "52", 2024)]);
        assert_eq!(
            e.warnings,
            vec![EligibilityWarning::ScreenedTooRecently { last_fiscal_year: 2024, interval_years: 2 }]
        );
        // Screened in FY2023 → FY2025 is fine, even if that was in March 2024 and
        // this is April 2025 (fiscal years, not a rolling 24 months).
        let e = check(&r, &p, d(2025, 4, 1), &[rec("A1", "52", 2023)]);
        assert!(e.is_eligible());
        // Screened this fiscal year already.
        let e = check(&r, &p, day(), &[rec("A1", "52", 2025)]);
        assert_eq!(
            e.warnings,
            vec![EligibilityWarning::ScreenedTooRecently { last_fiscal_year: 2025, interval_years: 2 }]
        );
    }

    #[test]
    fn yearly_interval() {
        let r = resident("A1", Sex::Male, d(1970, 1, 1));
        let p = programme("55");
        assert!(check(&r, &p, day(), &[rec("A1", "55", 2024)]).is_eligible());
        let e = check(&r, &p, day(), &[rec("A1", "55", 2025)]);
        assert_eq!(
            e.warnings,
            vec![EligibilityWarning::ScreenedTooRecently { last_fiscal_year: 2025, interval_years: 1 }]
        );
        // 2026-03-31 is still FY2025.
        let e = check(&r, &p, d(2026, 3, 31), &[rec("A1", "55", 2025)]);
        assert!(!e.is_eligible());
        // 2026-04-01 starts FY2026.
        let e = check(&r, &p, d(2026, 4, 1), &[rec("A1", "55", 2025)]);
        assert!(e.is_eligible());
    }

    #[test]
    fn interval_uses_latest_record_and_ignores_future_ones() {
        let r = resident("A1", Sex::Female, d(1970, 1, 1));
        let p = programme("52");
        let history = [rec("A1", "52", 2019), rec("A1", "52", 2024), rec("A1", "52", 2021)];
        let e = check(&r, &p, day(), &history);
        assert_eq!(
            e.warnings,
            vec![EligibilityWarning::ScreenedTooRecently { last_fiscal_year: 2024, interval_years: 2 }]
        );
        // A record for a later fiscal year is a data error and does not count.
        let e = check(&r, &p, day(), &[rec("A1", "52", 2027), rec("A1", "52", 2022)]);
        assert!(e.is_eligible());
    }

    #[test]
    fn history_of_others_and_other_programmes_is_ignored() {
        let r = resident("A1", Sex::Female, d(1970, 1, 1));
        let p = programme("52");
        let history = [
            rec("B2", "52", 2025), // another resident
            rec("A1", "51", 2025), // another programme
            rec("A10", "52", 2025),
        ];
        assert!(check(&r, &p, day(), &history).is_eligible());
    }

    #[test]
    fn once_per_lifetime() {
        let p = programme("56");
        let r = resident("A1", Sex::Male, d(1986, 1, 1)); // 40 at FY2025 end
        assert!(check(&r, &p, day(), &[]).is_eligible());
        let e = check(&r, &p, day(), &[rec("A1", "56", 2012), rec("A1", "56", 2003)]);
        assert_eq!(e.warnings, vec![EligibilityWarning::AlreadyScreenedOnce { fiscal_year: 2003 }]);
        // Other residents' records do not count.
        assert!(check(&r, &p, day(), &[rec("B1", "56", 2012)]).is_eligible());
    }

    #[test]
    fn combined_warnings_in_fixed_order() {
        // A 35-year-old man at the breast-cancer desk, screened last year.
        let r = resident("A1", Sex::Male, d(1990, 6, 1));
        let e = check(&r, &programme("52"), day(), &[rec("A1", "52", 2024)]);
        assert_eq!(e.age, 35);
        assert_eq!(
            e.warnings,
            vec![
                EligibilityWarning::TooYoung { age: 35, min: 40 },
                EligibilityWarning::WrongSex { required: Sex::Female },
                EligibilityWarning::ScreenedTooRecently { last_fiscal_year: 2024, interval_years: 2 },
            ]
        );
        // Osteoporosis: listed age missed, wrong sex.
        let e = check(&r, &programme("57"), day(), &[]);
        assert_eq!(
            e.warnings,
            vec![
                EligibilityWarning::NotListedAge { age: 35, ages: vec![40, 45, 50, 55, 60, 65, 70] },
                EligibilityWarning::WrongSex { required: Sex::Female },
            ]
        );
    }

    #[test]
    fn range_with_both_bounds_reports_each_independently() {
        let p = Programme {
            code: "91".to_owned(),
            name_ja: "x".to_owned(),
            name_en: "x".to_owned(),
            age_rule: AgeRule::Range { min: 40, max: Some(30) },
            sex: None,
            interval: Interval::FiscalYears { years: 1 },
            age_base: AgeBase::FiscalYearEnd,
            copay_yen: 0,
            national: false,
        };
        let r = resident("A1", Sex::Male, d(1990, 6, 1));
        let e = check(&r, &p, day(), &[]);
        assert_eq!(
            e.warnings,
            vec![EligibilityWarning::TooYoung { age: 35, min: 40 }, EligibilityWarning::TooOld { age: 35, max: 30 },]
        );
    }

    #[test]
    fn zero_year_interval_never_warns() {
        let mut p = programme("55");
        p.interval = Interval::FiscalYears { years: 0 };
        let r = resident("A1", Sex::Male, d(1970, 1, 1));
        assert!(check(&r, &p, day(), &[rec("A1", "55", 2025)]).is_eligible());
    }

    #[test]
    fn age_uses_the_programmes_age_base() {
        let mut p = programme("51");
        // Born 1985-11-01: 39 on 2025-10-15, 40 at the end of FY2025.
        let r = resident("A1", Sex::Male, d(1985, 11, 1));
        assert!(check(&r, &p, day(), &[]).is_eligible());
        p.age_base = AgeBase::ScreeningDate;
        let e = check(&r, &p, day(), &[]);
        assert_eq!(e.age, 39);
        assert!(!e.is_eligible());
    }

    #[test]
    fn warning_serialises_with_kind_tag() {
        let w = EligibilityWarning::ScreenedTooRecently { last_fiscal_year: 2024, interval_years: 2 };
        assert_eq!(
            serde_json::to_value(&w).unwrap(),
            serde_json::json!({"kind": "screened_too_recently", "last_fiscal_year": 2024, "interval_years": 2})
        );
        let w = EligibilityWarning::WrongSex { required: Sex::Female };
        assert_eq!(serde_json::to_string(&w).unwrap(), r#"{"kind":"wrong_sex","required":"female"}"#);
        let e = Eligibility { programme_code: "52".to_owned(), age: 40, warnings: vec![w] };
        let back: Eligibility = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
        assert_eq!(back, e);
    }

    #[test]
    fn national_programmes_properties() {
        let ps = national_programmes();
        let codes: Vec<&str> = ps.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(codes, ["51", "52", "53", "54", "55", "56", "57", "58"]);
        for p in &ps {
            assert!(p.national, "{}", p.code);
            assert_eq!(p.age_base, AgeBase::FiscalYearEnd, "{}", p.code);
            assert!(!p.name_ja.is_empty() && !p.name_en.is_empty());
            assert!(p.name_ja.ends_with("検診"), "{}", p.name_ja);
            assert!(p.name_en.is_ascii());
            assert!((500..=2000).contains(&p.copay_yen), "{}", p.code);
        }
        let by = |c: &str| ps.iter().find(|p| p.code == c).unwrap().clone();
        let range = |min| AgeRule::Range { min, max: None };
        let every = |years| Interval::FiscalYears { years };

        let (lung, breast, stomach, cervix) = (by("51"), by("52"), by("53"), by("54"));
        assert_eq!((lung.age_rule, lung.sex, lung.interval), (range(40), None, every(1)));
        assert_eq!((breast.age_rule, breast.sex, breast.interval), (range(40), Some(Sex::Female), every(2)));
        assert_eq!((stomach.age_rule, stomach.sex, stomach.interval), (range(50), None, every(2)));
        assert_eq!((cervix.age_rule, cervix.sex, cervix.interval), (range(20), Some(Sex::Female), every(2)));
        let (colon, hep, bone, gum) = (by("55"), by("56"), by("57"), by("58"));
        assert_eq!((colon.age_rule, colon.sex, colon.interval), (range(40), None, every(1)));
        assert_eq!((hep.age_rule, hep.sex, hep.interval), (AgeRule::Listed { ages: vec![40] }, None, Interval::Once));
        assert_eq!(
            (bone.age_rule, bone.sex, bone.interval),
            (AgeRule::Listed { ages: vec![40, 45, 50, 55, 60, 65, 70] }, Some(Sex::Female), every(1))
        );
        assert_eq!(
            (gum.age_rule, gum.sex, gum.interval),
            (AgeRule::Listed { ages: vec![20, 30, 40, 50, 60, 70] }, None, every(1))
        );
    }

    #[test]
    fn a_40_year_old_woman_is_in_most_national_programmes() {
        let r = resident("A1", Sex::Female, d(1985, 10, 1)); // 40 at FY2025 end
        let eligible: Vec<String> = national_programmes()
            .iter()
            .map(|p| check(&r, p, day(), &[]))
            .filter(Eligibility::is_eligible)
            .map(|e| e.programme_code)
            .collect();
        // Not 53 (stomach, 50+).
        assert_eq!(eligible, ["51", "52", "54", "55", "56", "57", "58"]);
    }
}
