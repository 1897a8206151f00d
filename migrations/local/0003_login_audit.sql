-- Staff login and the tamper-evident access log (issue 4).

-- What a terminal needs to let staff log in offline (from the central service).
ALTER TABLE staff ADD COLUMN password_hash TEXT;            -- Argon2id PHC string
ALTER TABLE staff ADD COLUMN totp_secret TEXT;              -- base32
ALTER TABLE staff ADD COLUMN my_number_permission INTEGER NOT NULL DEFAULT 0 CHECK (my_number_permission IN (0, 1));
ALTER TABLE staff ADD COLUMN os_account TEXT;
ALTER TABLE staff ADD COLUMN last_online_login_at TEXT;     -- RFC 3339, newest the terminal knows of

-- Failed logins per login id as typed (known or not: an unknown id is throttled
-- exactly like a known one), merged with the service's count on every sync.
CREATE TABLE login_attempts (
    login_id        TEXT PRIMARY KEY NOT NULL,
    failures        INTEGER NOT NULL DEFAULT 0,
    last_failure_at TEXT,
    locked          INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),
    reset_at        TEXT,
    last_totp_step  INTEGER
) STRICT;

-- The access log becomes a hash chain: each entry carries the hash of the one
-- before it and its own (uketsuke_auth::chain). Entries written before this
-- migration are sealed in order by the store when it opens.
ALTER TABLE access_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE access_log ADD COLUMN entry_hash TEXT NOT NULL DEFAULT '';
CREATE INDEX access_log_by_staff ON access_log (staff_id, seq);
CREATE INDEX access_log_by_at ON access_log (at);

-- Sealed entries never change; only unsealed legacy rows may be sealed once.
DROP TRIGGER access_log_is_append_only_update;
CREATE TRIGGER access_log_is_append_only_update
BEFORE UPDATE ON access_log WHEN OLD.entry_hash <> ''
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;
-- An entry leaves the terminal only after the service's signed receipt covers it.
DROP TRIGGER access_log_is_append_only_delete;
CREATE TRIGGER access_log_is_append_only_delete
BEFORE DELETE ON access_log
WHEN OLD.seq > coalesce((SELECT CAST(value AS INTEGER) FROM sync_state WHERE key = 'audit_receipt_seq'), 0)
BEGIN
    SELECT RAISE(ABORT, 'an access-log entry leaves the terminal only after the service has it');
END;

-- Receipts from the service (newest kept; the signature is verifiable with the CA).
CREATE TABLE audit_receipts (
    chain_id    TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    entry_hash  TEXT NOT NULL,
    received_at TEXT NOT NULL,
    signature   TEXT NOT NULL,
    PRIMARY KEY (chain_id, seq)
) STRICT;
