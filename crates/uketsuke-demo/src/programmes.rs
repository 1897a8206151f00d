//! The demo's screening programmes: the eight national ones (51–58) from
//! `uketsuke_core::eligibility::national_programmes()`, plus one local programme.
//!
//! [`SPECS`] restates their target rules compactly for the history generator; a
//! test checks it against the core's definitions so the two cannot drift apart.

use uketsuke_core::eligibility::national_programmes;
use uketsuke_core::models::{AgeBase, AgeRule, Interval, Programme, Sex};

/// Target rules of a programme, as the history generator needs them.
pub(crate) struct Spec {
    pub code: &'static str,
    /// `Range { min, max: None }` when `listed` is empty.
    pub min_age: u32,
    pub listed: &'static [u32],
    pub sex: Option<Sex>,
    /// 0 = once per lifetime.
    pub every_years: u32,
    /// Share of attending residents who take it in a year they are eligible, in ‰.
    pub uptake_permille: u32,
}

pub(crate) const SPECS: &[Spec] = &[
    Spec {
        code: "51", // 肺がん
        min_age: 40,
        listed: &[],
        sex: None,
        every_years: 1,
        uptake_permille: 700,
    },
    Spec {
        code: "52", // 乳がん
        min_age: 40,
        listed: &[],
        sex: Some(Sex::Female),
        every_years: 2,
        uptake_permille: 650,
    },
    Spec {
        code: "53", // 胃がん
        min_age: 50,
        listed: &[],
        sex: None,
        every_years: 2,
        uptake_permille: 550,
    },
    Spec {
        code: "54", // 子宮頸がん
        min_age: 20,
        listed: &[],
        sex: Some(Sex::Female),
        every_years: 2,
        uptake_permille: 600,
    },
    Spec {
        code: "55", // 大腸がん
        min_age: 40,
        listed: &[],
        sex: None,
        every_years: 1,
        uptake_permille: 750,
    },
    Spec {
        code: "56", // 肝炎ウイルス
        min_age: 0,
        listed: &[40],
        sex: None,
        every_years: 0,
        uptake_permille: 500,
    },
    Spec {
        code: "57", // 骨粗鬆症
        min_age: 0,
        listed: &[40, 45, 50, 55, 60, 65, 70],
        sex: Some(Sex::Female),
        every_years: 1,
        uptake_permille: 500,
    },
    Spec {
        code: "58", // 歯周疾患
        min_age: 0,
        listed: &[20, 30, 40, 50, 60, 70],
        sex: None,
        every_years: 1,
        uptake_permille: 450,
    },
    Spec {
        code: "L01", // 前立腺がん (local)
        min_age: 50,
        listed: &[],
        sex: Some(Sex::Male),
        every_years: 1,
        uptake_permille: 450,
    },
];

impl Spec {
    /// In the target by sex and by `age` (already reckoned on the programme's age base).
    pub fn targets(&self, sex: Sex, age: u32) -> bool {
        let sex_ok = match self.sex {
            None => true,
            Some(s) => s == sex,
        };
        let age_ok = if self.listed.is_empty() { age >= self.min_age } else { self.listed.contains(&age) };
        sex_ok && age_ok
    }

    /// The rules as a core `AgeRule`, `Interval` and sex, for comparison with the
    /// core's programme definitions.
    #[cfg(test)]
    pub fn rules(&self) -> (AgeRule, Option<Sex>, Interval) {
        let age_rule = if self.listed.is_empty() {
            AgeRule::Range { min: self.min_age, max: None }
        } else {
            AgeRule::Listed { ages: self.listed.to_vec() }
        };
        let interval =
            if self.every_years == 0 { Interval::Once } else { Interval::FiscalYears { years: self.every_years } };
        (age_rule, self.sex, interval)
    }
}

/// The city's own programme: 前立腺がん検診 (PSA), men 50+, yearly.
fn local_programmes() -> Vec<Programme> {
    vec![Programme {
        code: "L01".to_owned(),
        name_ja: "前立腺がん検診".to_owned(),
        name_en: "Prostate cancer screening (PSA)".to_owned(),
        age_rule: AgeRule::Range { min: 50, max: None },
        sex: Some(Sex::Male),
        interval: Interval::FiscalYears { years: 1 },
        age_base: AgeBase::FiscalYearEnd,
        copay_yen: 1000,
        national: false,
    }]
}

/// The demo's programmes: the national codes 51–58 as the core defines them, then
/// the local `L01` (前立腺がん). All reckon age at the end of the fiscal year (3/31).
pub fn programmes() -> Vec<Programme> {
    let mut all = national_programmes();
    all.extend(local_programmes());
    all
}
