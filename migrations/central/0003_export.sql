-- Export to external media (issue 5): designated terminals, registered
-- recipients, requests with a supervisor's decision and its signed grant, and the
-- ledger of what terminals wrote. The export signing key is a file in the PKI
-- directory (`export_signing.key`), never in the database.

-- The terminal's client certificate (DER), kept so a designation can be bound to
-- its device key from the CLI. Set at enrollment; terminals enrolled before this
-- migration get it on their next authenticated request.
ALTER TABLE terminals ADD COLUMN cert_der bytea;

-- An administrator's designation of one terminal for export. `designation_id` is
-- the token's `jti`. At most one designation per terminal is open (not
-- withdrawn); a new one withdraws the older one (`withdrawn_by` = 'replaced by …').
CREATE TABLE export_designations (
    designation_id uuid PRIMARY KEY,
    terminal_id    uuid NOT NULL REFERENCES terminals (terminal_id),
    device_key_fpr text NOT NULL,
    token          text NOT NULL,
    issued_at      timestamptz NOT NULL,
    expires_at     timestamptz NOT NULL CHECK (expires_at > issued_at),
    issued_by      text NOT NULL,
    withdrawn_at   timestamptz,
    withdrawn_by   text,
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
CREATE UNIQUE INDEX export_designations_one_open ON export_designations (terminal_id) WHERE withdrawn_at IS NULL;

-- Who exports may go to, with the age X25519 public key files are encrypted to.
-- A recipient's key is never changed in place (a grant binds the recipient id):
-- a new key is a new recipient.
CREATE TABLE export_recipients (
    recipient_id  text PRIMARY KEY CHECK (recipient_id <> ''),
    name          text NOT NULL CHECK (name <> ''),
    age_recipient text NOT NULL CHECK (age_recipient LIKE 'age1%'),
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL,
    disabled_at   timestamptz
);

-- A clerk's request and a supervisor's decision. `request_id` is the terminal's
-- UUIDv7 (idempotent). `scope_hash` is computed by the service from layout,
-- sessions, purpose and recipient (`uketsuke_export::ExportScope::hash`). On
-- approval the grant token (bound to the requesting terminal and its device key)
-- is stored with the designation it relies on.
CREATE TABLE export_requests (
    request_id       uuid PRIMARY KEY,
    terminal_id      uuid NOT NULL REFERENCES terminals (terminal_id),
    requested_by     text NOT NULL REFERENCES staff (staff_id),
    requested_at     timestamptz NOT NULL,
    layout           text NOT NULL,
    session_ids      text[] NOT NULL CHECK (cardinality(session_ids) > 0),
    purpose          text NOT NULL CHECK (purpose <> ''),
    recipient_id     text NOT NULL REFERENCES export_recipients (recipient_id),
    scope_hash       text NOT NULL,
    state            text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'approved', 'refused', 'used')),
    decided_by       text REFERENCES staff (staff_id),
    decided_at       timestamptz,
    comment          text,
    designation_id   uuid REFERENCES export_designations (designation_id),
    grant_jti        uuid UNIQUE,
    grant_token      text,
    grant_expires_at timestamptz,
    used_at          timestamptz,
    CHECK ((state = 'pending') = (decided_at IS NULL)),
    CHECK ((state IN ('approved', 'used')) = (grant_jti IS NOT NULL)),
    CHECK (decided_by IS NULL OR decided_by <> requested_by)
);
CREATE INDEX export_requests_by_terminal ON export_requests (terminal_id, requested_at DESC);
CREATE INDEX export_requests_pending ON export_requests (requested_at) WHERE state = 'pending';

-- What terminals wrote to external media, one entry per grant (single use).
CREATE TABLE export_ledger (
    ledger_id          uuid PRIMARY KEY,
    grant_jti          uuid NOT NULL UNIQUE REFERENCES export_requests (grant_jti),
    request_id         uuid NOT NULL REFERENCES export_requests (request_id),
    terminal_id        uuid NOT NULL REFERENCES terminals (terminal_id),
    staff_id           text NOT NULL,
    written_at         timestamptz NOT NULL,   -- terminal clock
    file_sha256        text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    file_bytes         bigint NOT NULL CHECK (file_bytes >= 0),
    rows               bigint NOT NULL CHECK (rows >= 0),
    excluded_protected bigint NOT NULL CHECK (excluded_protected >= 0),
    media_identity     text NOT NULL,
    received_at        timestamptz NOT NULL    -- service clock
);
CREATE INDEX export_ledger_by_written ON export_ledger (written_at);
