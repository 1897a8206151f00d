//! What the administration CLI does. Every function takes the time it needs as an
//! argument. Writes that change what terminals pull take the change lock and give
//! the rows a new `change_seq`, so terminals receive them on their next pull.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use deadpool_postgres::{GenericClient, Pool};
use uketsuke_core::{Programme, Resident, Role, ScreeningRecord, Staff, Venue, Voucher};
use uketsuke_protocol::{base32, EnrollmentCode};
use uuid::Uuid;

use crate::db;
use crate::error::{CentralError, Result};
use crate::routes::code_sha256;

/// One resident as the roster extract delivers them.
#[derive(Debug, Clone)]
pub struct RosterRecord {
    pub resident: Resident,
    pub voucher: Voucher,
    /// 個人番号: kept centrally, never sent to a terminal.
    pub my_number: Option<String>,
    pub active: bool,
}

/// 年度 (April–March) of a date.
pub fn fiscal_year(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

/// Insert or update residents and their vouchers in one go (rows in one
/// transaction the caller commits). Each touched resident gets a new `change_seq`.
pub async fn upsert_roster(tx: &impl GenericClient, records: &[RosterRecord], import_id: Option<Uuid>) -> Result<()> {
    for chunk in records.chunks(5000) {
        let ids: Vec<&str> = chunk.iter().map(|r| r.resident.resident_id.as_str()).collect();
        let kanji: Vec<&str> = chunk.iter().map(|r| r.resident.name_kanji.as_str()).collect();
        let kana: Vec<&str> = chunk.iter().map(|r| r.resident.name_kana.as_str()).collect();
        let sex: Vec<&str> = chunk.iter().map(|r| r.resident.sex.as_code()).collect();
        let birth: Vec<NaiveDate> = chunk.iter().map(|r| r.resident.birth_date).collect();
        let postal: Vec<&str> = chunk.iter().map(|r| r.resident.postal_code.as_str()).collect();
        let address: Vec<&str> = chunk.iter().map(|r| r.resident.address.as_str()).collect();
        let phone: Vec<&str> = chunk.iter().map(|r| r.resident.phone.as_str()).collect();
        let copay: Vec<&str> = chunk.iter().map(|r| r.resident.copay_category.as_code()).collect();
        let dv: Vec<bool> = chunk.iter().map(|r| r.resident.dv_support).collect();
        let my: Vec<Option<&str>> = chunk.iter().map(|r| r.my_number.as_deref()).collect();
        let status: Vec<&str> = chunk.iter().map(|r| if r.active { "active" } else { "removed" }).collect();
        tx.execute(
            "INSERT INTO residents (resident_id, name_kanji, name_kana, sex, birth_date, postal_code, address, phone,
                                    copay_category, dv_support, my_number, status, import_id)
             SELECT u.*, $13 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::date[], $6::text[],
                                        $7::text[], $8::text[], $9::text[], $10::bool[], $11::text[], $12::text[]) AS u
             ON CONFLICT (resident_id) DO UPDATE SET
                 name_kanji = EXCLUDED.name_kanji, name_kana = EXCLUDED.name_kana, sex = EXCLUDED.sex,
                 birth_date = EXCLUDED.birth_date, postal_code = EXCLUDED.postal_code, address = EXCLUDED.address,
                 phone = EXCLUDED.phone, copay_category = EXCLUDED.copay_category, dv_support = EXCLUDED.dv_support,
                 my_number = coalesce(EXCLUDED.my_number, residents.my_number), status = EXCLUDED.status,
                 import_id = EXCLUDED.import_id, change_seq = nextval('change_seq')",
            &[&ids, &kanji, &kana, &sex, &birth, &postal, &address, &phone, &copay, &dv, &my, &status, &import_id],
        )
        .await?;
        let vno: Vec<&str> = chunk.iter().map(|r| r.voucher.voucher_no.as_str()).collect();
        let vres: Vec<&str> = chunk.iter().map(|r| r.voucher.resident_id.as_str()).collect();
        let fy: Vec<i32> = chunk.iter().map(|r| r.voucher.fiscal_year).collect();
        tx.execute(
            "INSERT INTO vouchers (voucher_no, resident_id, fiscal_year)
             SELECT * FROM unnest($1::text[], $2::text[], $3::int[])
             ON CONFLICT (voucher_no) DO UPDATE SET resident_id = EXCLUDED.resident_id,
                 fiscal_year = EXCLUDED.fiscal_year, change_seq = nextval('change_seq')",
            &[&vno, &vres, &fy],
        )
        .await?;
    }
    Ok(())
}

pub async fn upsert_history(tx: &impl GenericClient, history: &[ScreeningRecord]) -> Result<()> {
    for chunk in history.chunks(10_000) {
        let ids: Vec<&str> = chunk.iter().map(|h| h.resident_id.as_str()).collect();
        let codes: Vec<&str> = chunk.iter().map(|h| h.programme_code.as_str()).collect();
        let fy: Vec<i32> = chunk.iter().map(|h| h.fiscal_year).collect();
        tx.execute(
            "INSERT INTO screening_history (resident_id, programme_code, fiscal_year)
             SELECT * FROM unnest($1::text[], $2::text[], $3::int[]) ON CONFLICT DO NOTHING",
            &[&ids, &codes, &fy],
        )
        .await?;
    }
    Ok(())
}

pub async fn upsert_programme(tx: &impl GenericClient, p: &Programme) -> Result<()> {
    let json = |v: serde_json::Result<serde_json::Value>| v.map_err(|e| CentralError::BadRequest(e.to_string()));
    let (age_rule, interval, age_base) = (
        json(serde_json::to_value(&p.age_rule))?,
        json(serde_json::to_value(p.interval))?,
        json(serde_json::to_value(p.age_base))?,
    );
    tx.execute(
        "INSERT INTO programmes (code, name_ja, name_en, age_rule, sex, \"interval\", age_base, copay_yen, national)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (code) DO UPDATE SET name_ja = EXCLUDED.name_ja, name_en = EXCLUDED.name_en,
             age_rule = EXCLUDED.age_rule, sex = EXCLUDED.sex, \"interval\" = EXCLUDED.\"interval\",
             age_base = EXCLUDED.age_base, copay_yen = EXCLUDED.copay_yen, national = EXCLUDED.national,
             change_seq = nextval('change_seq')",
        &[
            &p.code,
            &p.name_ja,
            &p.name_en,
            &age_rule,
            &p.sex.map(|s| s.as_code()),
            &interval,
            &age_base,
            &(p.copay_yen as i32),
            &p.national,
        ],
    )
    .await?;
    Ok(())
}

/// Define or change programmes, all in one transaction; terminals receive them on
/// their next pull. A code must be 51–58 (national) or a local code.
pub async fn add_programmes(pool: &Pool, programmes: &[Programme]) -> Result<usize> {
    for p in programmes {
        let national_code = matches!(p.code.as_str(), "51" | "52" | "53" | "54" | "55" | "56" | "57" | "58");
        if p.code.trim().is_empty() || p.name_ja.trim().is_empty() || p.national != national_code {
            return Err(CentralError::BadRequest(format!(
                "programme {:?}: a code and a Japanese name are required, and `national` is true exactly for 51–58",
                p.code
            )));
        }
    }
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    db::lock_changes(&tx).await?;
    for p in programmes {
        upsert_programme(&tx, p).await?;
    }
    tx.commit().await?;
    Ok(programmes.len())
}

pub async fn list_programmes(pool: &Pool) -> Result<Vec<Programme>> {
    let c = pool.get().await?;
    let mut out = Vec::new();
    for r in c
        .query("SELECT code, name_ja, name_en, age_rule, sex, \"interval\", age_base, copay_yen, national FROM programmes ORDER BY code", &[])
        .await?
    {
        let bad = |what: &str| CentralError::Internal(format!("programmes.{what}"));
        let sex: Option<String> = r.get(4);
        let copay: i32 = r.get(7);
        out.push(Programme {
            code: r.get(0),
            name_ja: r.get(1),
            name_en: r.get(2),
            age_rule: serde_json::from_value(r.get(3)).map_err(|_| bad("age_rule"))?,
            sex: sex.map(|s| uketsuke_core::Sex::from_code(&s).ok_or_else(|| bad("sex"))).transpose()?,
            interval: serde_json::from_value(r.get(5)).map_err(|_| bad("interval"))?,
            age_base: serde_json::from_value(r.get(6)).map_err(|_| bad("age_base"))?,
            copay_yen: copay as u32,
            national: r.get(8),
        });
    }
    Ok(out)
}

pub async fn upsert_venue(tx: &impl GenericClient, v: &Venue) -> Result<()> {
    tx.execute(
        "INSERT INTO venues (venue_id, name, address) VALUES ($1, $2, $3)
         ON CONFLICT (venue_id) DO UPDATE SET name = EXCLUDED.name, address = EXCLUDED.address,
             change_seq = nextval('change_seq')",
        &[&v.venue_id, &v.name, &v.address],
    )
    .await?;
    Ok(())
}

pub async fn upsert_session(tx: &impl GenericClient, s: &uketsuke_core::Session) -> Result<()> {
    let known: i64 =
        tx.query_one("SELECT count(*) FROM programmes WHERE code = ANY($1)", &[&s.programmes]).await?.get(0);
    if known as usize != s.programmes.len() {
        return Err(CentralError::BadRequest(format!("unknown programme in {:?}", s.programmes)));
    }
    tx.execute(
        "INSERT INTO sessions (session_id, venue_id, date, start_time, end_time, programmes, fiscal_year)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (session_id) DO UPDATE SET venue_id = EXCLUDED.venue_id, date = EXCLUDED.date,
             start_time = EXCLUDED.start_time, end_time = EXCLUDED.end_time, programmes = EXCLUDED.programmes,
             fiscal_year = EXCLUDED.fiscal_year, change_seq = nextval('change_seq')",
        &[&s.session_id, &s.venue_id, &s.date, &s.start_time, &s.end_time, &s.programmes, &fiscal_year(s.date)],
    )
    .await
    .map_err(|e| match e.as_db_error() {
        Some(d) if d.code() == &tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION => {
            CentralError::BadRequest(format!("unknown venue {}", s.venue_id))
        }
        _ => e.into(),
    })?;
    Ok(())
}

pub async fn upsert_staff(tx: &impl GenericClient, s: &Staff) -> Result<()> {
    let role = serde_json::to_value(s.role).map_err(|e| CentralError::Internal(e.to_string()))?;
    tx.execute(
        "INSERT INTO staff (staff_id, name, department, role, active) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (staff_id) DO UPDATE SET name = EXCLUDED.name, department = EXCLUDED.department,
             role = EXCLUDED.role, active = EXCLUDED.active, change_seq = nextval('change_seq')",
        &[&s.staff_id, &s.name, &s.department, &role.as_str().unwrap_or_default(), &s.active],
    )
    .await?;
    Ok(())
}

pub async fn set_staff_active(pool: &Pool, staff_id: &str, active: bool) -> Result<()> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    db::lock_changes(&tx).await?;
    let n = tx
        .execute(
            "UPDATE staff SET active = $2, change_seq = nextval('change_seq') WHERE staff_id = $1",
            &[&staff_id, &active],
        )
        .await?;
    if n == 0 {
        return Err(CentralError::NotFound(format!("staff {staff_id}")));
    }
    tx.commit().await?;
    Ok(())
}

/// A new terminal and its one-time enrollment code.
#[derive(Debug, Clone)]
pub struct NewTerminal {
    pub terminal_id: Uuid,
    pub code: EnrollmentCode,
    pub expires_at: DateTime<Utc>,
}

fn new_secret() -> Result<String> {
    let mut bytes = [0u8; 10];
    getrandom::fill(&mut bytes).map_err(|e| CentralError::Internal(e.to_string()))?;
    Ok(base32(&bytes)[..EnrollmentCode::SECRET_CHARS].to_owned())
}

pub async fn add_terminal(
    pool: &Pool,
    name: &str,
    ca_fingerprint: &str,
    now: DateTime<Utc>,
    valid_hours: u32,
) -> Result<NewTerminal> {
    let name = name.trim();
    if name.is_empty() {
        return Err(CentralError::BadRequest("a terminal needs a name".into()));
    }
    let terminal_id = Uuid::now_v7();
    let secret = new_secret()?;
    let expires_at = now + Duration::hours(valid_hours as i64);
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    tx.execute(
        "INSERT INTO terminals (terminal_id, name, created_at) VALUES ($1, $2, $3)",
        &[&terminal_id, &name, &now],
    )
    .await?;
    tx.execute(
        "INSERT INTO enrollment_codes (code_sha256, terminal_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        &[&code_sha256(&secret), &terminal_id, &now, &expires_at],
    )
    .await?;
    tx.commit().await?;
    Ok(NewTerminal {
        terminal_id,
        code: EnrollmentCode { secret, ca_fingerprint: ca_fingerprint.to_owned() },
        expires_at,
    })
}

pub async fn assign(pool: &Pool, terminal_id: Uuid, session_id: &str, now: DateTime<Utc>) -> Result<()> {
    let c = pool.get().await?;
    c.execute(
        "INSERT INTO terminal_sessions (terminal_id, session_id, assigned_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        &[&terminal_id, &session_id, &now],
    )
    .await
    .map_err(|e| match e.as_db_error() {
        Some(d) if d.code() == &tokio_postgres::error::SqlState::FOREIGN_KEY_VIOLATION => {
            CentralError::NotFound(format!("terminal {terminal_id} or session {session_id}"))
        }
        _ => e.into(),
    })?;
    Ok(())
}

pub async fn unassign(pool: &Pool, terminal_id: Uuid, session_id: &str) -> Result<()> {
    let c = pool.get().await?;
    c.execute("DELETE FROM terminal_sessions WHERE terminal_id = $1 AND session_id = $2", &[&terminal_id, &session_id])
        .await?;
    Ok(())
}

/// Refuse the terminal from its next request on.
pub async fn revoke(pool: &Pool, terminal_id: Uuid, reason: &str, now: DateTime<Utc>) -> Result<()> {
    let c = pool.get().await?;
    let n = c
        .execute(
            "UPDATE terminals SET revoked_at = coalesce(revoked_at, $2), revoke_reason = $3 WHERE terminal_id = $1",
            &[&terminal_id, &now, &reason],
        )
        .await?;
    if n == 0 {
        return Err(CentralError::NotFound(format!("terminal {terminal_id}")));
    }
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct TerminalInfo {
    pub terminal_id: Uuid,
    pub name: String,
    pub enrolled_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_seen_at: Option<DateTime<Utc>>,
    pub last_skew_ms: Option<i64>,
    pub sessions: Vec<String>,
    pub events: i64,
}

pub async fn list_terminals(pool: &Pool) -> Result<Vec<TerminalInfo>> {
    let c = pool.get().await?;
    Ok(c.query(
        "SELECT t.terminal_id, t.name, t.enrolled_at, t.revoked_at, t.last_seen_at, t.last_skew_ms,
                coalesce((SELECT array_agg(session_id ORDER BY session_id) FROM terminal_sessions s
                          WHERE s.terminal_id = t.terminal_id), '{}'),
                (SELECT count(*) FROM events e WHERE e.terminal_id = t.terminal_id)
         FROM terminals t ORDER BY t.created_at",
        &[],
    )
    .await?
    .iter()
    .map(|r| TerminalInfo {
        terminal_id: r.get(0),
        name: r.get(1),
        enrolled_at: r.get(2),
        revoked_at: r.get(3),
        last_seen_at: r.get(4),
        last_skew_ms: r.get(5),
        sessions: r.get(6),
        events: r.get(7),
    })
    .collect())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct WalkInInfo {
    pub provisional_id: String,
    pub terminal_id: Uuid,
    pub person: serde_json::Value,
    pub status: String,
    pub matched_resident_id: Option<String>,
    pub decision_note: Option<String>,
}

pub async fn list_walk_ins(pool: &Pool, pending_only: bool) -> Result<Vec<WalkInInfo>> {
    let c = pool.get().await?;
    Ok(c.query(
        "SELECT provisional_id, terminal_id, person, status, matched_resident_id, decision_note FROM walk_ins
         WHERE NOT $1 OR status = 'pending' ORDER BY change_seq",
        &[&pending_only],
    )
    .await?
    .iter()
    .map(|r| WalkInInfo {
        provisional_id: r.get(0),
        terminal_id: r.get(1),
        person: r.get(2),
        status: r.get(3),
        matched_resident_id: r.get(4),
        decision_note: r.get(5),
    })
    .collect())
}

/// Decide a walk-in: match it to a roster resident (`Some(id)`) or reject it.
/// The decision reaches the terminal that registered it on its next pull.
pub async fn decide_walk_in(
    pool: &Pool,
    provisional_id: &str,
    matched: Option<&str>,
    note: &str,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    db::lock_changes(&tx).await?;
    if let Some(rid) = matched {
        let exists = tx.query_opt("SELECT 1 FROM residents WHERE resident_id = $1", &[&rid]).await?.is_some();
        if !exists {
            return Err(CentralError::NotFound(format!("resident {rid}")));
        }
    } else if note.trim().is_empty() {
        return Err(CentralError::BadRequest("a rejection needs a reason".into()));
    }
    let status = if matched.is_some() { "matched" } else { "rejected" };
    let note = Some(note.trim()).filter(|n| !n.is_empty());
    let n = tx
        .execute(
            "UPDATE walk_ins SET status = $2, matched_resident_id = $3, decision_note = $4, decided_at = $5,
                 change_seq = nextval('change_seq')
             WHERE provisional_id = $1 AND status = 'pending'",
            &[&provisional_id, &status, &matched, &note, &now],
        )
        .await?;
    if n == 0 {
        return Err(CentralError::NotFound(format!("pending walk-in {provisional_id}")));
    }
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ReviewFlag {
    pub flag_id: i64,
    pub kind: String,
    pub session_id: String,
    pub resident_id: String,
    pub visit_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
}

pub async fn list_review_flags(pool: &Pool) -> Result<Vec<ReviewFlag>> {
    let c = pool.get().await?;
    Ok(c.query(
        "SELECT flag_id, kind, session_id, resident_id, visit_ids, created_at FROM review_flags
         WHERE resolved_at IS NULL ORDER BY flag_id",
        &[],
    )
    .await?
    .iter()
    .map(|r| ReviewFlag {
        flag_id: r.get(0),
        kind: r.get(1),
        session_id: r.get(2),
        resident_id: r.get(3),
        visit_ids: r.get(4),
        created_at: r.get(5),
    })
    .collect())
}

/// Refresh the planner's statistics after a bulk load, and vacuum what it wrote.
/// Without statistics the pull query is planned for an empty roster and reads
/// every voucher per page (measured: 1 s instead of 11 ms per 5000-row page at
/// 300k residents). Without the vacuum the visibility map is empty until
/// autovacuum comes round, so every terminal's first pull reads screening history
/// from the heap and sorts it instead of reading the primary key alone (~50 ms
/// instead of ~25 ms per 50k page; docs/benchmarks.md, session 13).
async fn analyze_roster(c: &impl GenericClient) -> Result<()> {
    c.batch_execute("VACUUM (ANALYZE) residents, vouchers, screening_history").await?;
    Ok(())
}

/// Load the demo city (catalog, staff, roster with history) into the service:
/// the README's two-terminal walkthrough starts from it.
/// A demo 個人番号: 11 digits from the resident's position, and the check digit.
/// Synthetic (the demo city is fictional), valid by the check-digit rule.
fn demo_my_number(i: usize) -> String {
    let body = format!("{:011}", 90_000_000_000u64 + i as u64);
    let digits: [u8; 11] = std::array::from_fn(|k| body.as_bytes()[k] - b'0');
    format!("{body}{}", uketsuke_roster::my_number_check_digit(&digits))
}

/// Load the demo city. Its staff get the demo password (`uketsuke_demo::city`),
/// hashed with `argon2` (demo data only); their software authenticators come
/// from `demo-authenticators`.
pub async fn demo_seed(
    pool: &Pool,
    cfg: &uketsuke_demo::DemoConfig,
    argon2: uketsuke_auth::Argon2Params,
) -> Result<usize> {
    let catalog = uketsuke_demo::catalog(cfg);
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    db::lock_changes(&tx).await?;
    for p in &catalog.programmes {
        upsert_programme(&tx, p).await?;
    }
    for v in &catalog.venues {
        upsert_venue(&tx, v).await?;
    }
    for s in &catalog.sessions {
        upsert_session(&tx, s).await?;
    }
    // This service now runs the demo city: its policy accepts the demo's software
    // authenticators (whose roots `identity::authenticators::trust_demo_ca` adds).
    tx.execute("INSERT INTO demo_city (seeded_at) VALUES (now()) ON CONFLICT DO NOTHING", &[]).await?;
    let demo_hash = uketsuke_auth::hash_password(uketsuke_demo::city::DEMO_PASSWORD, argon2)
        .map_err(|e| CentralError::Internal(e.to_string()))?;
    for s in &catalog.staff {
        upsert_staff(&tx, s).await?;
        tx.execute(
            "UPDATE staff SET password_hash = $2, my_number_permission = ($3 = 'supervisor') WHERE staff_id = $1",
            &[&s.staff_id, &demo_hash, &serde_json::to_value(s.role).ok().and_then(|v| v.as_str().map(str::to_owned))],
        )
        .await?;
    }
    // The demo city's staff work at every demo venue.
    tx.execute(
        "INSERT INTO staff_venues (staff_id, venue_id, assigned_at)
         SELECT s.staff_id, v.venue_id, now() FROM staff s CROSS JOIN venues v
         WHERE s.staff_id = ANY($1) AND v.venue_id = ANY($2) ON CONFLICT DO NOTHING",
        &[
            &catalog.staff.iter().map(|s| s.staff_id.clone()).collect::<Vec<_>>(),
            &catalog.venues.iter().map(|v| v.venue_id.clone()).collect::<Vec<_>>(),
        ],
    )
    .await?;
    // The demo city's administrator (S0006) is whoever seeds it, so that the
    // demo's central export request names a person other than the supervisor who
    // approves it (`admin link` in a real city). Only if that role is unlinked.
    if let Some(admin) = catalog.staff.iter().find(|s| s.role == uketsuke_core::Role::Administrator && s.active) {
        tx.execute(
            "INSERT INTO admin_staff (db_role, staff_id, linked_at) VALUES (session_user, $1, now())
             ON CONFLICT DO NOTHING",
            &[&admin.staff_id],
        )
        .await?;
    }
    let mut batch = Vec::with_capacity(5000);
    let mut history = Vec::new();
    let mut n = 0;
    for r in uketsuke_demo::residents(cfg) {
        history.extend(r.history);
        let my_number = Some(demo_my_number(n + batch.len()));
        batch.push(RosterRecord { resident: r.resident, voucher: r.voucher, my_number, active: true });
        if batch.len() == 5000 {
            n += batch.len();
            upsert_roster(&tx, &batch, None).await?;
            upsert_history(&tx, &history).await?;
            batch.clear();
            history.clear();
        }
    }
    n += batch.len();
    upsert_roster(&tx, &batch, None).await?;
    upsert_history(&tx, &history).await?;
    tx.commit().await?;
    analyze_roster(&c).await?;
    Ok(n)
}

/// A role name for the CLI.
pub fn parse_role(s: &str) -> Result<Role> {
    serde_json::from_value(serde_json::Value::String(s.to_owned())).map_err(|_| {
        CentralError::BadRequest(format!("role must be reception, clerk, supervisor or administrator: {s}"))
    })
}

/// What a roster import did, or why it imported nothing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportReport {
    pub import_id: Option<Uuid>,
    pub file_name: String,
    pub encoding: String,
    pub rows_total: usize,
    pub rows_loaded: usize,
    pub rows_rejected: usize,
    /// Every bad row, by line and field.
    pub errors: Vec<uketsuke_roster::RowError>,
    /// The reject file's bytes (`--skip-bad`): header, bad rows, line and reason.
    #[serde(skip)]
    pub reject_file: Option<Vec<u8>>,
}

impl ImportReport {
    pub fn imported(&self) -> bool {
        self.import_id.is_some()
    }
}

/// Import one roster extract, all or nothing: with any bad row, nothing is
/// imported and every bad row is reported, unless `skip_bad`, which imports the
/// good rows and returns the reject file for the rest. A file-level problem
/// (encoding, columns) is an error either way.
pub async fn import_roster(
    pool: &Pool,
    bytes: &[u8],
    file_name: &str,
    encoding: uketsuke_roster::Encoding,
    skip_bad: bool,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<ImportReport> {
    let parsed = uketsuke_roster::parse(bytes, encoding, today)
        .map_err(|e| CentralError::BadRequest(format!("{}: {}", e.code(), e.message_ja())))?;
    let mut report = ImportReport {
        import_id: None,
        file_name: file_name.to_owned(),
        encoding: parsed.encoding.as_code().to_owned(),
        rows_total: parsed.total_rows,
        rows_loaded: 0,
        rows_rejected: parsed.bad_rows(),
        errors: parsed.errors,
        reject_file: None,
    };
    if !report.errors.is_empty() {
        if !skip_bad {
            return Ok(report);
        }
        report.reject_file = Some(
            uketsuke_roster::reject_file(bytes, encoding, &report.errors)
                .map_err(|e| CentralError::BadRequest(format!("{}: {}", e.code(), e.message_ja())))?,
        );
    }
    let records: Vec<RosterRecord> = parsed
        .rows
        .into_iter()
        .map(|r| RosterRecord {
            resident: r.resident,
            voucher: r.voucher,
            my_number: r.my_number.map(|m| m.expose().to_owned()),
            active: r.status == uketsuke_roster::RosterStatus::Active,
        })
        .collect();
    let import_id = Uuid::now_v7();
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    db::lock_changes(&tx).await?;
    upsert_roster(&tx, &records, Some(import_id)).await?;
    let sha = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(bytes));
    tx.execute(
        "INSERT INTO roster_imports (import_id, file_name, sha256, encoding, rows_total, rows_loaded, rows_rejected, imported_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            &import_id,
            &file_name,
            &sha,
            &report.encoding,
            &(report.rows_total as i32),
            &(records.len() as i32),
            &(report.rows_rejected as i32),
            &now,
        ],
    )
    .await?;
    tx.commit().await?;
    analyze_roster(&c).await?;
    report.import_id = Some(import_id);
    report.rows_loaded = records.len();
    Ok(report)
}
