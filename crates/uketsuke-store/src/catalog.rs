//! Reference data from the city: staff, programmes, venues, sessions.
//! Written by demo seeding now and by sync later; read by every screen.

use rusqlite::{params, Connection, OptionalExtension};
use uketsuke_core::{wareki, Programme, Role, Session, Staff, Venue};

use crate::error::{Result, StoreError};
use crate::views::{ProgrammeView, SessionView, StaffView};
use crate::Actor;

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serialises")
}

fn from_json<T: serde::de::DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub fn upsert_staff(conn: &Connection, s: &Staff) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO staff (staff_id, name, department, role, active) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (staff_id) DO UPDATE SET name = excluded.name, department = excluded.department,
           role = excluded.role, active = excluded.active",
    )?
    .execute(params![s.staff_id, s.name, s.department, s.role.as_code(), s.active])?;
    Ok(())
}

pub fn upsert_programme(conn: &Connection, p: &Programme) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO programmes (code, name_ja, name_en, age_rule, sex, interval, age_base, copay_yen, national)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (code) DO UPDATE SET name_ja = excluded.name_ja, name_en = excluded.name_en,
           age_rule = excluded.age_rule, sex = excluded.sex, interval = excluded.interval,
           age_base = excluded.age_base, copay_yen = excluded.copay_yen, national = excluded.national",
    )?
    .execute(params![
        p.code,
        p.name_ja,
        p.name_en,
        json(&p.age_rule),
        p.sex.map(|s| s.as_code()),
        json(&p.interval),
        json(&p.age_base),
        p.copay_yen,
        p.national
    ])?;
    Ok(())
}

pub fn upsert_venue(conn: &Connection, v: &Venue) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO venues (venue_id, name, address) VALUES (?1, ?2, ?3)
         ON CONFLICT (venue_id) DO UPDATE SET name = excluded.name, address = excluded.address",
    )?
    .execute(params![v.venue_id, v.name, v.address])?;
    Ok(())
}

pub fn upsert_session(conn: &Connection, s: &Session) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sessions (session_id, venue_id, date, start_time, end_time) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (session_id) DO UPDATE SET venue_id = excluded.venue_id, date = excluded.date,
           start_time = excluded.start_time, end_time = excluded.end_time",
    )?
    .execute(params![s.session_id, s.venue_id, s.date.to_string(), s.start_time, s.end_time])?;
    conn.prepare_cached("DELETE FROM session_programmes WHERE session_id = ?1")?.execute([&s.session_id])?;
    for code in &s.programmes {
        conn.prepare_cached("INSERT INTO session_programmes (session_id, programme_code) VALUES (?1, ?2)")?
            .execute(params![s.session_id, code])?;
    }
    Ok(())
}

/// A `programmes` row before its JSON columns are parsed.
struct ProgrammeRow {
    code: String,
    name_ja: String,
    name_en: String,
    age_rule: String,
    sex: Option<String>,
    interval: String,
    age_base: String,
    copay_yen: u32,
    national: bool,
}

fn programme_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ProgrammeRow> {
    Ok(ProgrammeRow {
        code: r.get(0)?,
        name_ja: r.get(1)?,
        name_en: r.get(2)?,
        age_rule: r.get(3)?,
        sex: r.get(4)?,
        interval: r.get(5)?,
        age_base: r.get(6)?,
        copay_yen: r.get(7)?,
        national: r.get(8)?,
    })
}

fn programme_build(row: ProgrammeRow) -> Result<Programme> {
    Ok(Programme {
        code: row.code,
        name_ja: row.name_ja,
        name_en: row.name_en,
        age_rule: from_json(&row.age_rule)?,
        sex: match row.sex {
            Some(s) => Some(uketsuke_core::Sex::from_code(&s).ok_or(StoreError::Corrupt(s))?),
            None => None,
        },
        interval: from_json(&row.interval)?,
        age_base: from_json(&row.age_base)?,
        copay_yen: row.copay_yen,
        national: row.national,
    })
}

/// The programmes a session offers, in code order.
pub fn session_programmes(conn: &Connection, session_id: &str) -> Result<Vec<Programme>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.code, p.name_ja, p.name_en, p.age_rule, p.sex, p.interval, p.age_base, p.copay_yen, p.national
         FROM session_programmes sp JOIN programmes p ON p.code = sp.programme_code
         WHERE sp.session_id = ?1 ORDER BY p.code",
    )?;
    let rows = stmt.query_map([session_id], programme_from_row)?.collect::<Result<Vec<_>, _>>()?;
    rows.into_iter().map(programme_build).collect()
}

pub fn programme_view(p: &Programme) -> ProgrammeView {
    ProgrammeView {
        code: p.code.clone(),
        name_ja: p.name_ja.clone(),
        name_en: p.name_en.clone(),
        copay_yen: p.copay_yen,
    }
}

pub fn session_exists(conn: &Connection, session_id: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM sessions WHERE session_id = ?1")?
        .query_row([session_id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn session_date(conn: &Connection, session_id: &str) -> Result<chrono::NaiveDate> {
    let d: Option<String> = conn
        .prepare_cached("SELECT date FROM sessions WHERE session_id = ?1")?
        .query_row([session_id], |r| r.get(0))
        .optional()?;
    let d = d.ok_or_else(|| StoreError::SessionNotFound(session_id.to_owned()))?;
    d.parse().map_err(|_| StoreError::Corrupt(format!("session date {d}")))
}

/// Sessions whose date lies in `[from, to]`, in date/time order.
pub fn list_sessions(conn: &Connection, from: chrono::NaiveDate, to: chrono::NaiveDate) -> Result<Vec<SessionView>> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.session_id, s.venue_id, v.name, s.date, s.start_time, s.end_time
         FROM sessions s JOIN venues v ON v.venue_id = s.venue_id
         WHERE s.date BETWEEN ?1 AND ?2 ORDER BY s.date, s.start_time, v.name",
    )?;
    let rows = stmt
        .query_map(params![from.to_string(), to.to_string()], |r| {
            Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?, r.get(4)?, r.get(5)?))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (session_id, venue_id, venue_name, date, start_time, end_time) in rows {
        let d: chrono::NaiveDate = date.parse().map_err(|_| StoreError::Corrupt(format!("session date {date}")))?;
        let programmes = session_programmes(conn, &session_id)?.iter().map(programme_view).collect();
        out.push(SessionView {
            session_id,
            venue_id,
            venue_name,
            date,
            date_wareki: wareki::to_wareki(d),
            start_time,
            end_time,
            programmes,
        });
    }
    Ok(out)
}

pub fn list_staff(conn: &Connection) -> Result<Vec<StaffView>> {
    let mut stmt =
        conn.prepare_cached("SELECT staff_id, name, department, role FROM staff WHERE active = 1 ORDER BY staff_id")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(staff_id, name, department, role)| {
            Ok(StaffView {
                staff_id,
                name,
                department,
                role: Role::from_code(&role).ok_or_else(|| StoreError::Corrupt(role.clone()))?,
            })
        })
        .collect()
}

/// The staff member as an actor; refuses unknown or disabled accounts.
pub fn staff_actor(conn: &Connection, staff_id: &str) -> Result<(Actor, StaffView)> {
    let row: Option<(String, String, String, bool)> = conn
        .prepare_cached("SELECT name, department, role, active FROM staff WHERE staff_id = ?1")?
        .query_row([staff_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .optional()?;
    let (name, department, role, active) = row.ok_or_else(|| StoreError::StaffNotFound(staff_id.to_owned()))?;
    if !active {
        return Err(StoreError::StaffDisabled(staff_id.to_owned()));
    }
    let role = Role::from_code(&role).ok_or_else(|| StoreError::Corrupt(role.clone()))?;
    Ok((
        Actor { staff_id: staff_id.to_owned(), department: department.clone() },
        StaffView { staff_id: staff_id.to_owned(), name, department, role },
    ))
}

pub fn list_venues(conn: &Connection) -> Result<Vec<Venue>> {
    let mut stmt = conn.prepare_cached("SELECT venue_id, name, address FROM venues ORDER BY venue_id")?;
    let rows = stmt
        .query_map([], |r| Ok(Venue { venue_id: r.get(0)?, name: r.get(1)?, address: r.get(2)? }))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
