//! Sealed archive files of the access log: entries past the online retention
//! (1 year) move out of PostgreSQL into one file per run, kept 7 years.
//!
//! A file is JSON lines: a header (what it holds, which part of each chain, until
//! when it must be kept), one line per entry, and a seal: the SHA-256 of every byte
//! before it, signed with the CA key (domain [`ARCHIVE_DOMAIN`]). [`verify`] checks
//! the seal, the signature and every chain in the file; `audit verify-archive` runs
//! it. The file is written and synced before the entries leave the database.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Months, NaiveDate, Utc};
use deadpool_postgres::Pool;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uketsuke_auth::chain::{self, ChainError, ChainedEntry};
use uuid::Uuid;

use crate::error::{CentralError, Result};

pub const FORMAT: &str = "uketsuke-audit-archive-v1";
pub const ARCHIVE_DOMAIN: &[u8] = b"uketsuke-archive-v1";
/// How long entries stay queryable online.
pub const ONLINE_MONTHS: u32 = 12;
/// How long an archive file must be kept.
pub const RETAIN_YEARS: u32 = 7;

/// Which part of one chain a file holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainPart {
    pub terminal_id: Uuid,
    pub chain_id: Uuid,
    pub first_seq: i64,
    pub last_seq: i64,
    /// The hash the first entry links to (GENESIS for a chain's start).
    pub first_prev_hash: String,
    pub last_hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub format: String,
    pub archive_id: Uuid,
    pub sealed_at: DateTime<Utc>,
    pub retain_until: NaiveDate,
    pub entries: i64,
    pub chains: Vec<ChainPart>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Line {
    terminal_id: Uuid,
    chain_id: Uuid,
    entry: ChainedEntry,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Seal {
    sha256: String,
    signature: String,
}

/// What [`archive`] did.
#[derive(Debug, Clone, Serialize)]
pub struct Archived {
    pub archive_id: Uuid,
    pub file: PathBuf,
    pub entries: i64,
    pub sha256: String,
}

/// Move entries older than the online retention (`now` − 12 months, whole chain
/// prefixes only) into a sealed file in `dir`. `None` when there is nothing to move.
pub async fn archive(pool: &Pool, dir: &Path, signer_pkcs8: &[u8], now: DateTime<Utc>) -> Result<Option<Archived>> {
    let cutoff = now.checked_sub_months(Months::new(ONLINE_MONTHS)).expect("in range");
    let mut c = pool.get().await?;
    let tx = c.transaction().await?;
    let rows = tx
        .query(
            "SELECT a.terminal_id, a.chain_id, a.seq, a.entry_id, a.at_text, a.terminal_text, a.staff_id, a.department,
                    a.reason, a.resident_id, a.operation, a.detail, a.prev_hash, a.entry_hash, a.mac
             FROM audit_entries a
             WHERE a.seq < coalesce((SELECT min(b.seq) FROM audit_entries b
                                     WHERE b.terminal_id = a.terminal_id AND b.chain_id = a.chain_id AND b.at >= $1),
                                    9223372036854775807)
             ORDER BY a.terminal_id, a.chain_id, a.seq
             FOR UPDATE",
            &[&cutoff],
        )
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let lines: Vec<Line> = rows
        .iter()
        .map(|r| Line {
            terminal_id: r.get(0),
            chain_id: r.get(1),
            entry: ChainedEntry {
                seq: r.get(2),
                entry_id: r.get(3),
                at: r.get(4),
                terminal_id: r.get(5),
                staff_id: r.get(6),
                department: r.get(7),
                reason: r.get(8),
                resident_id: r.get(9),
                operation: r.get(10),
                detail: r.get(11),
                prev_hash: r.get(12),
                entry_hash: r.get(13),
                mac: r.get(14),
            },
        })
        .collect();
    let mut chains: Vec<ChainPart> = Vec::new();
    for l in &lines {
        match chains.last_mut() {
            Some(p) if p.terminal_id == l.terminal_id && p.chain_id == l.chain_id => {
                p.last_seq = l.entry.seq;
                p.last_hash = l.entry.entry_hash.clone();
            }
            _ => chains.push(ChainPart {
                terminal_id: l.terminal_id,
                chain_id: l.chain_id,
                first_seq: l.entry.seq,
                last_seq: l.entry.seq,
                first_prev_hash: l.entry.prev_hash.clone(),
                last_hash: l.entry.entry_hash.clone(),
            }),
        }
    }
    let archive_id = Uuid::now_v7();
    let retain_until = now.date_naive().checked_add_months(Months::new(12 * RETAIN_YEARS)).expect("in range");
    let header = Header {
        format: FORMAT.into(),
        archive_id,
        sealed_at: now,
        retain_until,
        entries: lines.len() as i64,
        chains: chains.clone(),
    };
    let mut body = json_line(&header);
    for l in &lines {
        body.extend(json_line(l));
    }
    let sha256 = hex::encode(Sha256::digest(&body));
    let signature =
        chain::sign(signer_pkcs8, ARCHIVE_DOMAIN, &sha256).map_err(|e| CentralError::Internal(e.to_string()))?;
    body.extend(json_line(&Seal { sha256: sha256.clone(), signature }));
    let file = dir.join(format!("audit-{}-{archive_id}.jsonl", now.format("%Y%m%d")));
    crate::files::write_synced(&file, &body)?;

    tx.execute(
        "INSERT INTO audit_archives (archive_id, file_name, entries, first_at, last_at, sha256, sealed_at, retain_until)
         SELECT $1, $2, $3, min(at), max(at), $4, $5, $6 FROM audit_entries a
         WHERE a.seq < coalesce((SELECT min(b.seq) FROM audit_entries b
                                 WHERE b.terminal_id = a.terminal_id AND b.chain_id = a.chain_id AND b.at >= $7),
                                9223372036854775807)",
        &[
            &archive_id,
            &file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            &(lines.len() as i64),
            &sha256,
            &now,
            &retain_until,
            &cutoff,
        ],
    )
    .await?;
    for p in &chains {
        tx.execute(
            "INSERT INTO audit_archive_chains (archive_id, terminal_id, chain_id, first_seq, last_seq, last_hash)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[&archive_id, &p.terminal_id, &p.chain_id, &p.first_seq, &p.last_seq, &p.last_hash],
        )
        .await?;
        tx.execute(
            "DELETE FROM audit_entries WHERE terminal_id = $1 AND chain_id = $2 AND seq BETWEEN $3 AND $4",
            &[&p.terminal_id, &p.chain_id, &p.first_seq, &p.last_seq],
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(%archive_id, entries = lines.len(), file = %file.display(), "access log archived");
    Ok(Some(Archived { archive_id, file, entries: lines.len() as i64, sha256 }))
}

/// One JSON value and a newline (serde_json never writes a newline inside one).
fn json_line<T: Serialize>(v: &T) -> Vec<u8> {
    let mut line = serde_json::to_vec(v).expect("serialisable");
    line.push(b'\n');
    line
}

/// Why an archive file fails verification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArchiveError {
    #[error("not an archive file: {0}")]
    Malformed(String),
    #[error("the file was changed after sealing (SHA-256 differs)")]
    SealMismatch,
    #[error("the seal is not signed by this service's CA")]
    BadSignature,
    #[error("chain {chain_id} fails at entry {}: {}", .error.seq, .error.code())]
    Chain { chain_id: Uuid, error: ChainError },
    #[error("the header does not describe the entries")]
    HeaderMismatch,
}

impl ArchiveError {
    pub fn code(&self) -> &'static str {
        match self {
            ArchiveError::Malformed(_) => "ARCHIVE_MALFORMED",
            ArchiveError::SealMismatch => "ARCHIVE_SEAL_MISMATCH",
            ArchiveError::BadSignature => "ARCHIVE_SIGNATURE_INVALID",
            ArchiveError::Chain { error, .. } => error.code(),
            ArchiveError::HeaderMismatch => "ARCHIVE_HEADER_MISMATCH",
        }
    }
}

/// Check an archive file: its seal, the CA's signature on it (`ca_public_key`),
/// and every chain part it holds. Returns the header.
pub fn verify(bytes: &[u8], ca_public_key: &[u8]) -> std::result::Result<Header, ArchiveError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ArchiveError::Malformed("not UTF-8".into()))?;
    let body_len =
        text.trim_end_matches('\n').rfind('\n').map(|i| i + 1).ok_or(ArchiveError::Malformed("too short".into()))?;
    let (body, seal_line) = text.split_at(body_len);
    let seal: Seal =
        serde_json::from_str(seal_line.trim()).map_err(|e| ArchiveError::Malformed(format!("seal: {e}")))?;
    if hex::encode(Sha256::digest(body.as_bytes())) != seal.sha256 {
        return Err(ArchiveError::SealMismatch);
    }
    if !chain::verify_signature(ca_public_key, ARCHIVE_DOMAIN, &seal.sha256, &seal.signature) {
        return Err(ArchiveError::BadSignature);
    }
    let mut lines = body.lines();
    let header: Header = serde_json::from_str(lines.next().unwrap_or_default())
        .map_err(|e| ArchiveError::Malformed(format!("header: {e}")))?;
    if header.format != FORMAT {
        return Err(ArchiveError::Malformed(format!("format {}", header.format)));
    }
    let mut parts: Vec<(ChainPart, Vec<ChainedEntry>)> = Vec::new();
    for l in lines {
        let line: Line = serde_json::from_str(l).map_err(|e| ArchiveError::Malformed(format!("entry: {e}")))?;
        match parts.last_mut() {
            Some((p, v)) if p.terminal_id == line.terminal_id && p.chain_id == line.chain_id => v.push(line.entry),
            _ => {
                let p = header
                    .chains
                    .iter()
                    .find(|p| p.terminal_id == line.terminal_id && p.chain_id == line.chain_id)
                    .ok_or(ArchiveError::HeaderMismatch)?
                    .clone();
                parts.push((p, vec![line.entry]));
            }
        }
    }
    if parts.len() != header.chains.len() || parts.iter().map(|(_, v)| v.len() as i64).sum::<i64>() != header.entries {
        return Err(ArchiveError::HeaderMismatch);
    }
    for (p, entries) in &parts {
        chain::verify_chain(entries, &p.first_prev_hash, p.first_seq)
            .map_err(|error| ArchiveError::Chain { chain_id: p.chain_id, error })?;
        let last = entries.last().expect("non-empty");
        if last.seq != p.last_seq || last.entry_hash != p.last_hash {
            return Err(ArchiveError::HeaderMismatch);
        }
    }
    Ok(header)
}
