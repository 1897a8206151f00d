-- Uketsuke local store, schema 4: export to external media (issue 5).

-- Grants this terminal has used: a grant is single use. Never updated or deleted.
CREATE TABLE export_grants_used (
    grant_jti  TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL,
    used_at    TEXT NOT NULL
) STRICT;
CREATE TRIGGER export_grants_used_no_update BEFORE UPDATE ON export_grants_used
BEGIN
    SELECT RAISE(ABORT, 'a used grant stays used');
END;
CREATE TRIGGER export_grants_used_no_delete BEFORE DELETE ON export_grants_used
BEGIN
    SELECT RAISE(ABORT, 'a used grant stays used');
END;

-- Every write to external media. 'writing' is recorded (with the grant used) before
-- the first byte goes out; 'written' after the file is complete and renamed,
-- 'failed' if the write was refused or interrupted. Written entries ship to the
-- service (shipped_at); nothing else about an entry ever changes.
CREATE TABLE export_ledger (
    ledger_id          TEXT PRIMARY KEY NOT NULL,
    grant_jti          TEXT NOT NULL UNIQUE REFERENCES export_grants_used (grant_jti),
    request_id         TEXT NOT NULL,
    staff_id           TEXT NOT NULL,
    started_at         TEXT NOT NULL,
    state              TEXT NOT NULL CHECK (state IN ('writing', 'written', 'failed')),
    written_at         TEXT,
    file_sha256        TEXT,
    file_bytes         INTEGER,
    rows               INTEGER NOT NULL,
    excluded_protected INTEGER NOT NULL,
    media_identity     TEXT,
    failure            TEXT,
    shipped_at         TEXT
) STRICT;
CREATE TRIGGER export_ledger_no_delete BEFORE DELETE ON export_ledger
BEGIN
    SELECT RAISE(ABORT, 'the export ledger is append-only');
END;
-- Only forward: writing -> written | failed, and a written entry's shipped_at once.
CREATE TRIGGER export_ledger_forward_only BEFORE UPDATE ON export_ledger
WHEN NOT (
    (OLD.state = 'writing' AND NEW.state IN ('written', 'failed') AND OLD.shipped_at IS NULL AND NEW.shipped_at IS NULL)
    OR (OLD.state = 'written' AND NEW.state = 'written' AND OLD.shipped_at IS NULL AND NEW.shipped_at IS NOT NULL
        AND NEW.file_sha256 IS OLD.file_sha256 AND NEW.file_bytes IS OLD.file_bytes
        AND NEW.media_identity IS OLD.media_identity AND NEW.written_at IS OLD.written_at)
) OR NEW.ledger_id IS NOT OLD.ledger_id OR NEW.grant_jti IS NOT OLD.grant_jti
  OR NEW.request_id IS NOT OLD.request_id OR NEW.staff_id IS NOT OLD.staff_id
  OR NEW.started_at IS NOT OLD.started_at OR NEW.rows IS NOT OLD.rows
  OR NEW.excluded_protected IS NOT OLD.excluded_protected
BEGIN
    SELECT RAISE(ABORT, 'the export ledger only moves forward');
END;
