//! Residents, vouchers and screening history: loading (demo seeding, later sync)
//! and the lookups reception does.

use chrono::NaiveDate;
use rusqlite::{params, Connection, OptionalExtension, Row};
use uketsuke_core::{age, eligibility, kana, voucher, wareki, CopayCategory, Resident, ScreeningRecord, Sex, Voucher};

use crate::catalog;
use crate::error::{Result, StoreError};
use crate::views::{ProgrammeEligibility, RemoteVisitView, ResidentCard, ResidentSummary, WalkInOutcomeView};

/// Roster writes, shared by the one-row functions below and the first sync's
/// bulk path (`sync::BulkInsert`), so both write exactly the same rows.
pub(crate) const UPSERT_RESIDENT: &str =
    "INSERT INTO residents (resident_id, name_kanji, name_kana, kana_key, sex, birth_date, postal_code,
                                address, phone, copay_category, dv_support, provisional)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (resident_id) DO UPDATE SET name_kanji = excluded.name_kanji, name_kana = excluded.name_kana,
           kana_key = excluded.kana_key, sex = excluded.sex, birth_date = excluded.birth_date,
           postal_code = excluded.postal_code, address = excluded.address, phone = excluded.phone,
           copay_category = excluded.copay_category, dv_support = excluded.dv_support,
           provisional = excluded.provisional";
pub(crate) const UPSERT_VOUCHER: &str =
    "INSERT INTO vouchers (voucher_no, resident_id, fiscal_year) VALUES (?1, ?2, ?3)
         ON CONFLICT (voucher_no) DO UPDATE SET resident_id = excluded.resident_id, fiscal_year = excluded.fiscal_year";
pub(crate) const INSERT_HISTORY: &str =
    "INSERT OR IGNORE INTO screening_history (resident_id, programme_code, fiscal_year) VALUES (?1, ?2, ?3)";

/// Run [`UPSERT_RESIDENT`] (prepared by the caller) for `r`.
pub(crate) fn execute_upsert_resident(stmt: &mut rusqlite::Statement<'_>, r: &Resident) -> Result<()> {
    stmt.execute(params![
        r.resident_id,
        r.name_kanji,
        r.name_kana,
        kana::search_key(&r.name_kana),
        r.sex.as_code(),
        r.birth_date.to_string(),
        r.postal_code,
        r.address,
        r.phone,
        r.copay_category.as_code(),
        r.dv_support,
        r.provisional
    ])?;
    Ok(())
}

/// Insert or replace a resident from the register. Stored names are kept byte-exact;
/// only `kana_key` is derived.
pub fn upsert_resident(conn: &Connection, r: &Resident) -> Result<()> {
    execute_upsert_resident(&mut *conn.prepare_cached(UPSERT_RESIDENT)?, r)
}

pub fn upsert_voucher(conn: &Connection, v: &Voucher) -> Result<()> {
    conn.prepare_cached(UPSERT_VOUCHER)?.execute(params![v.voucher_no, v.resident_id, v.fiscal_year])?;
    Ok(())
}

pub fn insert_history(conn: &Connection, h: &ScreeningRecord) -> Result<()> {
    conn.prepare_cached(INSERT_HISTORY)?.execute(params![h.resident_id, h.programme_code, h.fiscal_year])?;
    Ok(())
}

const RESIDENT_COLUMNS: &str = "r.resident_id, r.name_kanji, r.name_kana, r.sex, r.birth_date, r.postal_code, \
     r.address, r.phone, r.copay_category, r.dv_support, r.provisional";

fn resident_from_row(row: &Row<'_>) -> rusqlite::Result<Resident> {
    let sex: String = row.get(3)?;
    let birth: String = row.get(4)?;
    let copay: String = row.get(8)?;
    let bad = |what: &str, v: &str| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, format!("{what}: {v}").into())
    };
    Ok(Resident {
        resident_id: row.get(0)?,
        name_kanji: row.get(1)?,
        name_kana: row.get(2)?,
        sex: Sex::from_code(&sex).ok_or_else(|| bad("sex", &sex))?,
        birth_date: birth.parse().map_err(|_| bad("birth_date", &birth))?,
        postal_code: row.get(5)?,
        address: row.get(6)?,
        phone: row.get(7)?,
        copay_category: CopayCategory::from_code(&copay).ok_or_else(|| bad("copay_category", &copay))?,
        dv_support: row.get(9)?,
        provisional: row.get(10)?,
    })
}

pub fn get_resident(conn: &Connection, resident_id: &str) -> Result<Resident> {
    conn.prepare_cached(&format!("SELECT {RESIDENT_COLUMNS} FROM residents r WHERE r.resident_id = ?1"))?
        .query_row([resident_id], resident_from_row)
        .optional()?
        .ok_or_else(|| StoreError::ResidentNotFound(resident_id.to_owned()))
}

fn voucher_for(conn: &Connection, resident_id: &str) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached(
            "SELECT voucher_no FROM vouchers WHERE resident_id = ?1 ORDER BY fiscal_year DESC, voucher_no LIMIT 1",
        )?
        .query_row([resident_id], |r| r.get(0))
        .optional()?)
}

/// The summary the window may show. Protected residents' address never leaves here.
pub fn summarize(r: &Resident, voucher_no: Option<String>, today: NaiveDate) -> ResidentSummary {
    ResidentSummary {
        resident_id: r.resident_id.clone(),
        name_kanji: r.name_kanji.clone(),
        name_kana: r.name_kana.clone(),
        sex: r.sex,
        birth_date: r.birth_date.to_string(),
        birth_wareki: wareki::to_wareki(r.birth_date),
        age: age::age_on(r.birth_date, today),
        address: if r.dv_support { None } else { Some(r.address.clone()) },
        dv_support: r.dv_support,
        provisional: r.provisional,
        voucher_no,
    }
}

/// Exact voucher lookup, as a scanner types it (full- or half-width digits, Enter).
pub fn find_by_voucher(conn: &Connection, input: &str) -> Result<Resident> {
    let no = voucher::normalize_voucher(input)?;
    let id: Option<String> = conn
        .prepare_cached("SELECT resident_id FROM vouchers WHERE voucher_no = ?1")?
        .query_row([&no], |r| r.get(0))
        .optional()?;
    let id = id.ok_or(StoreError::VoucherNotFound(no))?;
    get_resident(conn, &id)
}

/// Smallest string greater than every string that starts with `prefix`
/// (for an index range scan).
fn prefix_upper_bound(prefix: &str) -> String {
    let mut s = prefix.to_owned();
    s.push(char::MAX);
    s
}

pub fn summaries(conn: &Connection, residents: &[Resident], today: NaiveDate) -> Result<Vec<ResidentSummary>> {
    residents.iter().map(|r| Ok(summarize(r, voucher_for(conn, &r.resident_id)?, today))).collect()
}

/// Kana prefix search, optionally narrowed to one birth date, with each hit's current
/// voucher, in one query. Matching ignores width, hiragana/katakana, spaces and small
/// kana (the key does).
pub fn search_kana_summaries(
    conn: &Connection,
    kana_input: &str,
    birth_date: Option<NaiveDate>,
    limit: u32,
    today: NaiveDate,
) -> Result<Vec<ResidentSummary>> {
    let key = kana::query_key(kana_input)?;
    let upper = prefix_upper_bound(&key);
    let voucher = "(SELECT v.voucher_no FROM vouchers v WHERE v.resident_id = r.resident_id \
                   ORDER BY v.fiscal_year DESC, v.voucher_no LIMIT 1)";
    let map = |row: &Row<'_>| Ok((resident_from_row(row)?, row.get::<_, Option<String>>(11)?));
    let rows: Vec<(Resident, Option<String>)> = match birth_date {
        Some(d) => conn
            .prepare_cached(&format!(
                "SELECT {RESIDENT_COLUMNS}, {voucher} FROM residents r INDEXED BY residents_by_birth_kana
                 WHERE r.birth_date = ?1 AND r.kana_key >= ?2 AND r.kana_key < ?3
                 ORDER BY r.kana_key, r.resident_id LIMIT ?4"
            ))?
            .query_map(params![d.to_string(), key, upper, limit], map)?
            .collect::<Result<Vec<_>, _>>()?,
        None => conn
            .prepare_cached(&format!(
                "SELECT {RESIDENT_COLUMNS}, {voucher} FROM residents r INDEXED BY residents_by_kana
                 WHERE r.kana_key >= ?1 AND r.kana_key < ?2
                 ORDER BY r.kana_key, r.resident_id LIMIT ?3"
            ))?
            .query_map(params![key, upper, limit], map)?
            .collect::<Result<Vec<_>, _>>()?,
    };
    Ok(rows.into_iter().map(|(r, v)| summarize(&r, v, today)).collect())
}

pub fn history_for(conn: &Connection, resident_id: &str) -> Result<Vec<ScreeningRecord>> {
    let mut stmt = conn.prepare_cached(
        "SELECT resident_id, programme_code, fiscal_year FROM screening_history WHERE resident_id = ?1",
    )?;
    let rows = stmt
        .query_map([resident_id], |r| {
            Ok(ScreeningRecord { resident_id: r.get(0)?, programme_code: r.get(1)?, fiscal_year: r.get(2)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Eligibility of one resident for every programme the session offers.
pub fn eligibility_for_session(
    conn: &Connection,
    resident: &Resident,
    session_id: &str,
) -> Result<Vec<ProgrammeEligibility>> {
    let date = catalog::session_date(conn, session_id)?;
    let history = history_for(conn, &resident.resident_id)?;
    Ok(catalog::session_programmes(conn, session_id)?
        .iter()
        .map(|p| ProgrammeEligibility {
            programme: catalog::programme_view(p),
            eligibility: eligibility::check(resident, p, date, &history),
        })
        .collect())
}

pub fn card(conn: &Connection, resident_id: &str, session_id: &str, today: NaiveDate) -> Result<ResidentCard> {
    let r = get_resident(conn, resident_id)?;
    if !catalog::session_exists(conn, session_id)? {
        return Err(StoreError::SessionNotFound(session_id.to_owned()));
    }
    let eligibility = eligibility_for_session(conn, &r, session_id)?;
    let visit = crate::reception::active_visit_of(conn, session_id, resident_id)?;
    let elsewhere = conn
        .prepare_cached(
            "SELECT terminal_name, reception_no, checked_in_at FROM remote_visits
             WHERE session_id = ?1 AND resident_id = ?2 AND state = 'active' ORDER BY checked_in_at",
        )?
        .query_map([session_id, resident_id], |r| {
            Ok(RemoteVisitView { terminal_name: r.get(0)?, reception_no: r.get(1)?, checked_in_at: r.get(2)? })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let walk_in_outcome = conn
        .prepare_cached("SELECT status, resident_id, note FROM walk_in_outcomes WHERE provisional_id = ?1")?
        .query_row([resident_id], |r| {
            Ok(WalkInOutcomeView { status: r.get(0)?, resident_id: r.get(1)?, note: r.get(2)? })
        })
        .optional()?;
    Ok(ResidentCard {
        summary: summarize(&r, voucher_for(conn, resident_id)?, today),
        postal_code: if r.dv_support { None } else { Some(r.postal_code.clone()) },
        phone: if r.dv_support { None } else { Some(r.phone.clone()) },
        copay_category: r.copay_category,
        session_id: session_id.to_owned(),
        eligibility,
        visit,
        elsewhere,
        walk_in_outcome,
    })
}
