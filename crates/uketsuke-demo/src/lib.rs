//! Synthetic demo data for Uketsuke: the residents, vouchers and screening history of
//! one fictional city (架空県みなと市), plus its staff, programmes, venues and sessions.
//!
//! Everything is deterministic: the same [`DemoConfig`] always yields the same data,
//! byte for byte. Resident `i` depends only on the seed, `today` and `i` (each has
//! its own ChaCha8 stream), so [`residents`] streams without holding the population
//! in memory, a larger `residents` count extends a smaller one without changing it,
//! and [`resident`] gives random access.
//!
//! Nothing here is real: names are drawn from common-name tables, addresses from the
//! city's invented 町名, phone numbers use the invented area code
//! [`city::AREA_CODE`] or random mobile numbers.

pub mod city;
pub mod names;
mod programmes;
mod sessions;

use chrono::{Datelike, Days, NaiveDate};
use rand::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use uketsuke_core::models::{CopayCategory, Programme, Resident, ScreeningRecord, Session, Sex, Staff, Venue, Voucher};

pub use programmes::programmes;
pub use sessions::sessions_for_day;

use programmes::SPECS;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoConfig {
    pub seed: u64,
    /// Number of residents [`residents`] yields (at most 1,000,000,000).
    pub residents: usize,
    /// The demo's "today": ages, the voucher fiscal year, history and sessions hang on it.
    pub today: NaiveDate,
}

/// Everything but the residents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoCatalog {
    pub staff: Vec<Staff>,
    pub programmes: Vec<Programme>,
    pub venues: Vec<Venue>,
    /// Sessions for every day from `today - 1` to `today + 6`.
    pub sessions: Vec<Session>,
}

/// One resident with this fiscal year's voucher and their past screenings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoResident {
    pub resident: Resident,
    pub voucher: Voucher,
    /// Screenings in the four fiscal years before the voucher's, oldest first.
    pub history: Vec<ScreeningRecord>,
}

/// Upper bound on `DemoConfig::residents` (the voucher number has 9 free digits).
pub const MAX_RESIDENTS: usize = 1_000_000_000;

/// The fiscal year (年度, April–March) `date` falls in: 2027-03-31 → 2026.
fn fiscal_year(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// Staff accounts, programmes, venues, and sessions from `today - 1` to `today + 6`.
pub fn catalog(cfg: &DemoConfig) -> DemoCatalog {
    let venues = city::venues();
    let mut sessions = Vec::new();
    for offset in -1i64..=6 {
        let date = if offset < 0 {
            cfg.today - Days::new(offset.unsigned_abs())
        } else {
            cfg.today + Days::new(offset as u64)
        };
        sessions.extend(sessions_for_day(date, &venues));
    }
    DemoCatalog { staff: city::staff(), programmes: programmes(), venues, sessions }
}

/// Streams `cfg.residents` residents. Deterministic for a given config; holds no
/// more than one resident at a time.
///
/// # Panics
/// If `cfg.residents` exceeds [`MAX_RESIDENTS`].
pub fn residents(cfg: &DemoConfig) -> Residents {
    assert!(cfg.residents <= MAX_RESIDENTS, "at most {MAX_RESIDENTS} demo residents");
    Residents { generator: Generator::new(cfg), next: 0, end: cfg.residents }
}

/// Resident number `index` (0-based) of the population `cfg` describes; the same
/// value [`residents`] yields at that position. `cfg.residents` is not consulted.
/// Builds the generator's tables on every call: to read many, use [`residents`]
/// (with `skip`, which is cheap).
///
/// # Panics
/// If `index` is not below [`MAX_RESIDENTS`].
pub fn resident(cfg: &DemoConfig, index: usize) -> DemoResident {
    assert!(index < MAX_RESIDENTS, "resident index out of range");
    Generator::new(cfg).resident(index)
}

/// The iterator [`residents`] returns.
#[derive(Clone)]
pub struct Residents {
    generator: Generator,
    next: usize,
    end: usize,
}

impl Iterator for Residents {
    type Item = DemoResident;

    fn next(&mut self) -> Option<DemoResident> {
        if self.next >= self.end {
            return None;
        }
        let r = self.generator.resident(self.next);
        self.next += 1;
        Some(r)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.end - self.next;
        (n, Some(n))
    }

    fn nth(&mut self, n: usize) -> Option<DemoResident> {
        self.next = self.next.saturating_add(n).min(self.end);
        self.next()
    }
}

impl ExactSizeIterator for Residents {}

impl std::iter::FusedIterator for Residents {}

// ---------------------------------------------------------------------------
// Randomness

pub(crate) fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Draws only through `next_u32`, so the data depends on the ChaCha8 stream alone,
/// not on how a `rand` release maps bits to ranges.
struct Draw(ChaCha8Rng);

impl Draw {
    /// Uniform in `0..n` (multiply-shift; the bias is below 2⁻³² · n).
    fn below(&mut self, n: u32) -> u32 {
        debug_assert!(n > 0);
        ((u64::from(self.0.next_u32()) * u64::from(n)) >> 32) as u32
    }

    fn permille(&mut self, p: u32) -> bool {
        self.below(1000) < p
    }

    /// Index into the table whose cumulative weights are `cum`.
    fn weighted(&mut self, cum: &[u32]) -> usize {
        let total = *cum.last().expect("non-empty table");
        let x = self.below(total);
        cum.partition_point(|&c| c <= x)
    }
}

fn cumulative(weights: impl IntoIterator<Item = u32>) -> Vec<u32> {
    let mut sum = 0;
    weights
        .into_iter()
        .map(|w| {
            sum += w;
            sum
        })
        .collect()
}

/// A keyed permutation of `0..1_000_000_000`: a 4-round Feistel network on 30 bits,
/// cycle-walked back into the domain.
fn permute_1e9(mut x: u64, keys: &[u64; 4]) -> u64 {
    const DOMAIN: u64 = 1_000_000_000;
    const HALF: u32 = 15;
    const MASK: u64 = (1 << HALF) - 1;
    debug_assert!(x < DOMAIN);
    loop {
        let (mut l, mut r) = (x >> HALF, x & MASK);
        for k in keys {
            let f = splitmix64(r ^ k) & MASK;
            (l, r) = (r, l ^ f);
        }
        x = (l << HALF) | r;
        if x < DOMAIN {
            return x;
        }
    }
}

// ---------------------------------------------------------------------------
// Population shape

/// Relative population by age (Japan, mid-2020s): few children, the second baby
/// boom around 52, the first around 77, a long tail to 100.
const AGE_ANCHORS: &[(u32, u32)] = &[
    (0, 680),
    (3, 750),
    (8, 880),
    (13, 1000),
    (18, 1070),
    (23, 1200),
    (28, 1230),
    (33, 1250),
    (38, 1380),
    (43, 1550),
    (48, 1800),
    (52, 2000),
    (55, 1750),
    (58, 1580),
    (63, 1480),
    (68, 1520),
    (72, 1650),
    (77, 1900),
    (80, 1500),
    (83, 1200),
    (86, 1000),
    (89, 720),
    (92, 420),
    (95, 200),
    (98, 80),
    (100, 40),
];

const MAX_AGE: u32 = 100;

fn age_weight(age: u32) -> u32 {
    let i = AGE_ANCHORS.partition_point(|&(a, _)| a <= age);
    if i >= AGE_ANCHORS.len() {
        return AGE_ANCHORS[AGE_ANCHORS.len() - 1].1;
    }
    let (a0, w0) = AGE_ANCHORS[i - 1];
    let (a1, w1) = AGE_ANCHORS[i];
    let t = age - a0;
    let span = a1 - a0;
    (w0 * (span - t) + w1 * t) / span
}

/// Female share in ‰ by age: women outlive men.
fn female_permille(age: u32) -> u32 {
    match age {
        0..=59 => 490,
        60..=74 => 510,
        75..=84 => 570,
        85..=94 => 680,
        _ => 800,
    }
}

/// Age in completed years on `on`, by the calendar (a 2/29 birthday counts from 3/1
/// in common years).
fn calendar_age(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Age on `on` under 年齢計算ニ関スル法律: a year is completed on the day before the
/// birthday (so 4/1 births are a cohort ahead of 4/2 births).
fn legal_age(birth: NaiveDate, on: NaiveDate) -> i32 {
    calendar_age(birth, on.succ_opt().expect("date in range"))
}

/// `date` moved back `years` years; 2/29 becomes 2/28 in common years.
fn years_before(date: NaiveDate, years: u32) -> NaiveDate {
    let y = date.year() - years as i32;
    NaiveDate::from_ymd_opt(y, date.month(), date.day())
        .or_else(|| NaiveDate::from_ymd_opt(y, 2, 28))
        .expect("date in range")
}

fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

// ---------------------------------------------------------------------------
// Residents

/// Residents near the start of every population get a fixed trait, so even a demo
/// of 100 residents shows each variant character and each edge case.
enum Special {
    Family(&'static str, &'static str),
    /// A woman in her 80s whose given name holds a 外字.
    GaijiGiven,
    /// A woman turning 40 at this fiscal year's end (born 4/1), or still 39 (4/2).
    FortyCohort {
        month: u32,
        day: u32,
    },
    /// Born on 2/29, around 70.
    LeapDay,
    Dv,
}

fn special(index: usize) -> Option<Special> {
    Some(match index {
        3 => Special::Family("\u{9AD9}橋", "タカハシ"),
        5 => Special::FortyCohort { month: 4, day: 1 },
        8 => Special::Dv,
        11 => Special::FortyCohort { month: 4, day: 2 },
        17 => Special::Family("山\u{FA11}", "ヤマザキ"),
        23 => Special::LeapDay,
        42 => Special::Family("\u{20BB7}田", "ヨシダ"),
        77 => Special::Family("渡\u{908A}\u{E0104}", "ワタナベ"),
        99 => Special::GaijiGiven,
        _ => return None,
    })
}

type NamePair = (&'static str, &'static str);

#[derive(Clone)]
struct Generator {
    base: ChaCha8Rng,
    voucher_keys: [u64; 4],
    today: NaiveDate,
    fiscal_year: i32,
    age_cum: Vec<u32>,
    family_cum: Vec<u32>,
    town_cum: Vec<u32>,
    /// [male, female][cohort]: names and cumulative weights.
    given: [[(Vec<NamePair>, Vec<u32>); names::COHORTS]; 2],
}

impl Generator {
    fn new(cfg: &DemoConfig) -> Self {
        let base = ChaCha8Rng::seed_from_u64(cfg.seed);
        let mut keyrng = base.clone();
        keyrng.set_stream(u64::MAX);
        let voucher_keys = std::array::from_fn(|_| keyrng.next_u64());
        let given = [false, true].map(|female| {
            std::array::from_fn(|cohort| {
                let table = if female { names::FEMALE[cohort] } else { names::MALE[cohort] };
                let mut pairs: Vec<NamePair> = table.to_vec();
                let mut weights: Vec<u32> = (0..table.len()).map(names::given_weight).collect();
                for &(f, c, kanji, kana) in names::GAIJI_GIVEN {
                    if f == female && c == cohort {
                        pairs.push((kanji, kana));
                        weights.push(1);
                    }
                }
                (pairs, cumulative(weights))
            })
        });
        Generator {
            base,
            voucher_keys,
            today: cfg.today,
            fiscal_year: fiscal_year(cfg.today),
            age_cum: cumulative((0..=MAX_AGE).map(age_weight)),
            family_cum: cumulative(names::FAMILY.iter().map(|f| f.2)),
            town_cum: cumulative(city::TOWNS.iter().map(|t| t.weight)),
            given,
        }
    }

    fn resident(&self, index: usize) -> DemoResident {
        let mut rng = self.base.clone();
        rng.set_stream(index as u64);
        let mut r = Draw(rng);
        let special = special(index);
        let fy = self.fiscal_year;

        let resident_id = format!("{:010}", 1_000_000 + index as u64 * 3 + u64::from(r.below(3)));

        // Birth date and sex.
        let (birth, mut sex) = match special {
            Some(Special::FortyCohort { month, day }) => {
                (NaiveDate::from_ymd_opt(fy - 39, month, day).expect("valid"), Sex::Female)
            }
            Some(Special::LeapDay) => {
                let mut y = fy - 69;
                while !is_leap(y) {
                    y -= 1;
                }
                (NaiveDate::from_ymd_opt(y, 2, 29).expect("leap year"), Sex::Male)
            }
            Some(Special::GaijiGiven) => (self.birth_for_age(80 + r.below(10), &mut r), Sex::Female),
            _ => {
                let age = r.weighted(&self.age_cum) as u32;
                let mut birth = self.birth_for_age(age, &mut r);
                if r.permille(4) {
                    birth = self.edge_birthday(birth, &mut r);
                }
                let age = calendar_age(birth, self.today) as u32;
                let sex = if r.permille(female_permille(age)) { Sex::Female } else { Sex::Male };
                (birth, sex)
            }
        };
        let age = calendar_age(birth, self.today).max(0) as u32;
        // A few registers hold no sex (e.g. pending a correction).
        let unknown_sex = r.below(2000) == 0;

        // Name.
        let (family, family_kana) = match special {
            Some(Special::Family(k, kana)) => (k, kana),
            _ => {
                let f = &names::FAMILY[r.weighted(&self.family_cum)];
                (f.0, f.1)
            }
        };
        let (given, given_kana) = match special {
            Some(Special::GaijiGiven) => {
                let g = names::GAIJI_GIVEN[0];
                (g.2, g.3)
            }
            _ => {
                let mut cohort = names::cohort(birth.year());
                if r.permille(100) {
                    // Some names belong to a neighbouring generation.
                    cohort = if cohort == 0 || (cohort < names::COHORTS - 1 && r.below(2) == 0) {
                        cohort + 1
                    } else {
                        cohort - 1
                    };
                }
                let (pairs, cum) = &self.given[usize::from(sex == Sex::Female)][cohort];
                pairs[r.weighted(cum)]
            }
        };
        if unknown_sex {
            sex = Sex::Unknown;
        }
        let name_kanji = format!("{family}\u{3000}{given}");
        let name_kana = format!("{family_kana}\u{3000}{given_kana}");

        // Address and phone.
        let town = &city::TOWNS[r.weighted(&self.town_cum)];
        let address = self.address(town, &mut r);
        let phone = self.phone(age, &mut r);

        let copay_category = copay(age, &mut r);
        let dv_support = matches!(special, Some(Special::Dv)) || r.permille(5);

        let voucher = Voucher {
            voucher_no: format!("{:02}{:09}", fy.rem_euclid(100), permute_1e9(index as u64, &self.voucher_keys)),
            resident_id: resident_id.clone(),
            fiscal_year: fy,
        };
        let history = self.history(&resident_id, sex, birth, age, &mut r);

        DemoResident {
            resident: Resident {
                resident_id,
                name_kanji,
                name_kana,
                sex,
                birth_date: birth,
                postal_code: town.postal.to_owned(),
                address,
                phone,
                copay_category,
                dv_support,
                provisional: false,
            },
            voucher,
            history,
        }
    }

    /// A birth date uniformly among those giving `age` (calendar) on `today`;
    /// never `today` itself.
    fn birth_for_age(&self, age: u32, r: &mut Draw) -> NaiveDate {
        let upper = years_before(self.today, age);
        let lower = years_before(self.today, age + 1);
        let span = (upper - lower).num_days() as u32;
        let back = if age == 0 { 1 + r.below(span - 1) } else { r.below(span) };
        upper - Days::new(u64::from(back))
    }

    /// Moves `birth` to 4/1, 4/2 or 2/29 near the same year, keeping the age in 0–100.
    fn edge_birthday(&self, birth: NaiveDate, r: &mut Draw) -> NaiveDate {
        let oldest = years_before(self.today, MAX_AGE + 1);
        let (month, day, step) = match r.below(3) {
            0 => (4, 1, 1),
            1 => (4, 2, 1),
            _ => (2, 29, 4),
        };
        let mut y = birth.year();
        if step == 4 {
            while !is_leap(y) {
                y -= 1;
            }
        }
        let make = |y: i32| NaiveDate::from_ymd_opt(y, month, day).expect("valid");
        let mut d = make(y);
        while d >= self.today {
            y -= step;
            d = make(y);
        }
        while d <= oldest {
            y += step;
            d = make(y);
        }
        if d >= self.today {
            birth
        } else {
            d
        }
    }

    fn address(&self, town: &city::Town, r: &mut Draw) -> String {
        let mut s = String::with_capacity(96);
        s.push_str(city::CITY);
        s.push_str(town.name);
        let building_permille = if town.chome > 0 {
            s.push_str(city::CHOME_KANJI[r.below(town.chome) as usize]);
            let _ = write!(s, "丁目{}-{}", 1 + r.below(28), 1 + r.below(24));
            380
        } else {
            let banchi = 1 + r.below(2400);
            match r.below(3) {
                0 => {
                    let _ = write!(s, "{banchi}番地");
                }
                1 => {
                    let _ = write!(s, "{banchi}-{}", 1 + r.below(9));
                }
                _ => {
                    let _ = write!(s, "{banchi}");
                }
            }
            50
        };
        if r.permille(building_permille) {
            let (pre, post) = city::BUILDINGS[r.below(city::BUILDINGS.len() as u32) as usize];
            let room = (1 + r.below(5)) * 100 + 1 + r.below(8);
            s.push(' ');
            if pre == "市営" {
                let _ = write!(s, "市営{}団地{}号棟{}号", town.stem, 1 + r.below(8), room);
            } else {
                let _ = write!(s, "{pre}{}{post}", town.stem);
                if r.permille(300) {
                    let _ = write!(s, " {room}号室");
                } else {
                    let _ = write!(s, "{room}");
                }
            }
        }
        s
    }

    fn phone(&self, age: u32, r: &mut Draw) -> String {
        if r.permille(80) {
            return String::new();
        }
        let landline = if age >= 65 { 700 } else { 350 };
        if r.permille(landline) {
            format!("{}-{}{}-{:04}", city::AREA_CODE, 2 + r.below(7), r.below(10), r.below(10_000))
        } else {
            let prefix = ["090", "080", "070"][r.below(3) as usize];
            format!("{prefix}-{:04}-{:04}", r.below(10_000), r.below(10_000))
        }
    }

    /// Past screenings in the four fiscal years before this one. About a third of
    /// adults never attend; the others attend in some years and take some of the
    /// programmes they were in the target for (age at that year's 3/31, sex).
    /// Biennial screenings mostly respect their interval, so last year's 乳・胃・子宮頸
    /// records make this year's eligibility warnings.
    fn history(&self, resident_id: &str, sex: Sex, birth: NaiveDate, age: u32, r: &mut Draw) -> Vec<ScreeningRecord> {
        if age < 20 {
            return Vec::new();
        }
        let attend_permille = match r.below(100) {
            0..=34 => return Vec::new(),
            35..=64 => 300,
            65..=89 => 600,
            _ => 850,
        };
        let mut last: [Option<i32>; SPECS.len()] = [None; SPECS.len()];
        let mut out = Vec::new();
        for year in self.fiscal_year - 4..self.fiscal_year {
            if !r.permille(attend_permille) {
                continue;
            }
            let fy_end = NaiveDate::from_ymd_opt(year + 1, 3, 31).expect("valid");
            let age_then = legal_age(birth, fy_end);
            if age_then < 0 {
                continue;
            }
            for (k, spec) in SPECS.iter().enumerate() {
                if !spec.targets(sex, age_then as u32) {
                    continue;
                }
                match (spec.every_years, last[k]) {
                    (0, Some(_)) => continue,
                    (n, Some(prev)) if n > 1 && year - prev < n as i32 && r.permille(850) => continue,
                    _ => {}
                }
                if r.permille(spec.uptake_permille) {
                    last[k] = Some(year);
                    out.push(ScreeningRecord {
                        resident_id: resident_id.to_owned(),
                        programme_code: spec.code.to_owned(),
                        fiscal_year: year,
                    });
                }
            }
        }
        out
    }
}

/// 自己負担区分 consistent with age: 75+ are 後期高齢者 (some on 生活保護), 70–74 are
/// exempt by age, and a share of every age is on 生活保護 or in a 非課税世帯.
fn copay(age: u32, r: &mut Draw) -> CopayCategory {
    use CopayCategory::*;
    let x = r.below(1000);
    match age {
        75.. => match x {
            0..=29 => PublicAssistance,
            30..=33 => ChineseResidualSupport,
            _ => LateElderlyInsured,
        },
        70..=74 => match x {
            0..=29 => PublicAssistance,
            30..=31 => ChineseResidualSupport,
            32..=51 => LateElderlyInsured,
            _ => Age70Plus,
        },
        65..=69 => match x {
            0..=39 => PublicAssistance,
            40..=69 => LateElderlyInsured,
            70..=189 => TaxExemptHousehold,
            _ => Standard,
        },
        _ => match x {
            0..=29 => PublicAssistance,
            30..=109 => TaxExemptHousehold,
            _ => Standard,
        },
    }
}

#[cfg(test)]
mod tests;
