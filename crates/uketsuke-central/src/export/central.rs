//! The service's own export (`uketsuke-central export-attendance`) obeys the
//! terminals' rule: an administrator asks (`export request-attendance`, named by
//! their PostgreSQL role and the staff member it is linked to, `admin link`), another
//! supervisor decides in the window with her own
//! authenticator (the same decision path as a terminal's request), and the file
//! is written once: encrypted to the request's registered recipient (age),
//! DV-protected residents left out, every cell spreadsheet-safe, the write
//! recorded in `central_exports`. There is no plain-file form.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use deadpool_postgres::{GenericClient, Pool};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uketsuke_protocol::export::codes;
use uuid::Uuid;

use crate::accounts;
use crate::error::{CentralError, Result};

/// The layout of a central request: docs/attendance-csv.md.
pub const LAYOUT: &str = "attendance";

fn refused(code: &'static str, message: impl Into<String>) -> CentralError {
    CentralError::Refused { code, message: message.into() }
}

/// An administrator asks to export attendance for `from..=to` to `recipient_id`.
pub async fn request(
    pool: &Pool,
    from: NaiveDate,
    to: NaiveDate,
    recipient_id: &str,
    purpose: &str,
    now: DateTime<Utc>,
) -> Result<Uuid> {
    let purpose = purpose.trim();
    if from > to {
        return Err(CentralError::BadRequest("from is after to".into()));
    }
    if purpose.is_empty() {
        return Err(refused(codes::EXPORT_PURPOSE_REQUIRED, "a purpose is required"));
    }
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    if !super::recipients::is_active(&tx, recipient_id).await? {
        return Err(refused(codes::EXPORT_RECIPIENT_UNKNOWN, format!("no active recipient {recipient_id}")));
    }
    let request_id = Uuid::now_v7();
    // The supervisor deciding in the window sees the period in the purpose.
    let purpose = format!("{purpose}（対象期間: {from} 〜 {to}）");
    let scope =
        serde_json::json!({ "layout": LAYOUT, "from": from, "to": to, "recipient": recipient_id, "purpose": purpose });
    let scope_hash = hex::encode(Sha256::digest(scope.to_string().as_bytes()));
    // Through the owner's function (migration 0010): the administrators' group may
    // not write export requests itself. It names the person behind the role, whom
    // the decision then refuses to let approve it.
    tx.query_one(
        "SELECT central_export_request($1, $2, $3, $4, $5, $6, $7, $8)",
        &[&request_id, &now, &LAYOUT, &purpose, &recipient_id, &scope_hash, &from, &to],
    )
    .await
    .map_err(|e| CentralError::refused_by_db(e, accounts::ADMIN_NOT_LINKED))?;
    let detail = format!("to {recipient_id}: {purpose}");
    accounts::admin_log(&tx, now, "export.central.request", &request_id.to_string(), &detail).await?;
    tx.commit().await?;
    Ok(request_id)
}

/// What `export-attendance` wrote.
#[derive(Debug, Clone, Serialize)]
pub struct Written {
    pub request_id: Uuid,
    pub recipient_id: String,
    pub rows: i64,
    pub excluded_protected: i64,
    pub file_sha256: String,
    pub file_bytes: i64,
}

/// Write an approved central request's file to `out`, once.
pub async fn write(pool: &Pool, request_id: Uuid, out: &std::path::Path, now: DateTime<Utc>) -> Result<Written> {
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    // Personal data leaves under a named person: the role must be linked.
    accounts::administrator_staff(&tx).await?;
    let row = tx
        .query_opt(
            "SELECT r.state, r.period_from, r.period_to, r.recipient_id, x.age_recipient, x.active
             FROM export_requests r JOIN export_recipients x ON x.recipient_id = r.recipient_id
             WHERE r.request_id = $1 AND r.terminal_id IS NULL",
            &[&request_id],
        )
        .await?
        .ok_or_else(|| refused(codes::EXPORT_REQUEST_UNKNOWN, format!("no central export request {request_id}")))?;
    let (state, from, to, recipient_id, age_recipient, active): (String, NaiveDate, NaiveDate, String, String, bool) =
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4), row.get(5));
    match state.as_str() {
        "approved" => {}
        "used" => return Err(refused(codes::EXPORT_REQUEST_DECIDED, "this request's file was already written")),
        other => {
            return Err(refused(
                codes::EXPORT_NOT_APPROVED,
                format!("this request is {other}: a supervisor must approve it first"),
            ))
        }
    }
    if !active {
        return Err(refused(codes::EXPORT_RECIPIENT_UNKNOWN, format!("recipient {recipient_id} is disabled")));
    }
    let csv = attendance_csv(&tx, from, to).await?;
    let sealed = uketsuke_export::encrypt_to_recipient(&csv.bytes, &age_recipient)
        .map_err(|e| CentralError::Internal(format!("encrypting the export: {e}")))?;
    let file_sha256 = hex::encode(Sha256::digest(&sealed));
    let file_bytes = sealed.len() as i64;
    // Once, and only for an approved request: checked again, under a row lock, by the
    // owner's function (migration 0010), which also records the write.
    tx.query_one(
        "SELECT central_export_written($1, $2, $3, $4, $5, $6, $7)",
        &[&request_id, &now, &recipient_id, &file_sha256, &file_bytes, &csv.rows, &csv.excluded_protected],
    )
    .await
    .map_err(|e| CentralError::refused_by_db(e, codes::EXPORT_REQUEST_DECIDED))?;
    let detail = format!("{} rows to {recipient_id}, sha256 {file_sha256}", csv.rows);
    accounts::admin_log(&tx, now, "export.central.write", &request_id.to_string(), &detail).await?;
    // The file first (owner-only, atomically); the ledger commits only if it exists.
    crate::files::write_synced(out, &sealed)?;
    if let Err(e) = tx.commit().await {
        let _ = std::fs::remove_file(out);
        return Err(e.into());
    }
    Ok(Written {
        request_id,
        recipient_id,
        rows: csv.rows,
        excluded_protected: csv.excluded_protected,
        file_sha256,
        file_bytes,
    })
}

/// An attendance file's content, before encryption.
pub struct AttendanceCsv {
    pub bytes: Vec<u8>,
    pub rows: i64,
    pub excluded_protected: i64,
}

/// The attendance layout of docs/attendance-csv.md for sessions in
/// `from..=to`: one row per screening of an active visit; DV-protected residents
/// left out (counted); every cell spreadsheet-safe. Walk-ins still waiting for a
/// match carry their provisional id and 照合状態 `未照合`; matched ones the
/// roster's 宛名番号. UTF-8 with BOM, CRLF.
pub async fn attendance_csv(c: &impl GenericClient, from: NaiveDate, to: NaiveDate) -> Result<AttendanceCsv> {
    let rows = c
        .query(
            "SELECT s.date, s.session_id, s.venue_id, v.visit_id, v.reception_no, t.name,
                    coalesce(w.matched_resident_id, v.resident_id) AS resident_id,
                    CASE WHEN v.resident_id NOT LIKE 'P-%' THEN '照合済'
                         WHEN w.status = 'matched' THEN '照合済'
                         WHEN w.status = 'rejected' THEN '照合不可'
                         ELSE '未照合' END,
                    v.content, v.checked_in_at,
                    coalesce(r.dv_support, false)
             FROM visits v
             JOIN sessions s ON s.session_id = v.session_id
             JOIN terminals t ON t.terminal_id = v.terminal_id
             LEFT JOIN walk_ins w ON w.provisional_id = v.resident_id
             LEFT JOIN residents r ON r.resident_id = coalesce(w.matched_resident_id, v.resident_id)
             WHERE v.state = 'active' AND s.date BETWEEN $1 AND $2
             ORDER BY s.date, s.session_id, v.checked_in_at, v.visit_id",
            &[&from, &to],
        )
        .await?;
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(vec![0xEF, 0xBB, 0xBF]);
    let csv_err = |e: csv::Error| CentralError::Internal(format!("attendance csv: {e}"));
    w.write_record(uketsuke_protocol::export::layouts::HEALTH_SYSTEM_COLUMNS).map_err(csv_err)?;
    let jst = FixedOffset::east_opt(9 * 3600).expect("JST");
    let (mut n, mut excluded) = (0i64, 0i64);
    for r in &rows {
        if r.get::<_, bool>(10) {
            excluded += 1;
            continue;
        }
        let content: uketsuke_core::events::VisitContent =
            serde_json::from_value(r.get(8)).map_err(|e| CentralError::Internal(format!("visit content: {e}")))?;
        let date: NaiveDate = r.get(0);
        let checked: DateTime<Utc> = r.get(9);
        for s in &content.screenings {
            let status = match s.status {
                uketsuke_core::ScreeningStatus::Received => "受付済",
                uketsuke_core::ScreeningStatus::Done => "実施",
                uketsuke_core::ScreeningStatus::Stopped => "中止",
            };
            let cells = [
                date.format("%Y%m%d").to_string(),
                r.get::<_, String>(2),
                r.get::<_, String>(1),
                r.get::<_, String>(6),
                r.get::<_, String>(7),
                r.get::<_, i64>(4).to_string(),
                r.get::<_, String>(5),
                checked.with_timezone(&jst).format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
                s.programme_code.clone(),
                status.to_owned(),
                s.stop_reason.clone().unwrap_or_default(),
                content.copay.category.as_code().to_owned(),
                content.copay.amount_yen.to_string(),
            ];
            w.write_record(cells.iter().map(|c| uketsuke_core::spreadsheet::safe_cell(c).into_owned()))
                .map_err(csv_err)?;
            n += 1;
        }
    }
    let bytes = w.into_inner().map_err(|e| CentralError::Internal(format!("attendance csv: {e}")))?;
    Ok(AttendanceCsv { bytes, rows: n, excluded_protected: excluded })
}
