-- Staff login, the 個人番号 gate and the tamper-evident access log (issue 4).

-- Credentials. `password_hash` is an Argon2id PHC string; the TOTP seed is kept
-- because terminals verify second factors offline (security.md §7.2 on the risk).
ALTER TABLE staff
    ADD COLUMN password_hash         text,
    ADD COLUMN totp_secret           text,
    ADD COLUMN totp_enrolled_at      timestamptz,
    ADD COLUMN my_number_permission  boolean NOT NULL DEFAULT false,
    ADD COLUMN os_account            text,
    -- Failed logins counted from every terminal's shipped access log.
    ADD COLUMN failed_attempts       integer NOT NULL DEFAULT 0,
    ADD COLUMN last_failure_at       timestamptz,
    ADD COLUMN locked                boolean NOT NULL DEFAULT false,
    ADD COLUMN lockout_reset_at      timestamptz,
    ADD COLUMN last_totp_step        bigint,
    ADD COLUMN last_online_login_at  timestamptz,
    ADD COLUMN disabled_at           timestamptz,
    ADD COLUMN created_at            timestamptz;

-- Every terminal's access log, as shipped and verified. One chain per terminal
-- store (`chain_id`); entries are never updated or deleted here except by
-- `audit archive`, which moves entries older than the online retention into a
-- sealed archive file first.
CREATE TABLE audit_entries (
    terminal_id  uuid NOT NULL REFERENCES terminals (terminal_id),
    chain_id     uuid NOT NULL,
    seq          bigint NOT NULL,
    entry_id     text NOT NULL,
    at           timestamptz NOT NULL,
    -- `at` exactly as the terminal wrote and hashed it (timestamptz keeps
    -- microseconds only; verification needs the original text).
    at_text      text NOT NULL,
    -- The terminal id the entry names (the terminal's local id; the chain's
    -- owner is `terminal_id`, from the client certificate).
    terminal_text text NOT NULL,
    staff_id     text NOT NULL,
    department   text NOT NULL,
    reason       text NOT NULL,
    resident_id  text,
    operation    text NOT NULL,
    detail       text NOT NULL,
    prev_hash    text NOT NULL,
    entry_hash   text NOT NULL,
    received_at  timestamptz NOT NULL,
    PRIMARY KEY (terminal_id, chain_id, seq)
);
CREATE INDEX audit_entries_by_resident ON audit_entries (resident_id, at);
CREATE INDEX audit_entries_by_staff ON audit_entries (staff_id, at);
CREATE INDEX audit_entries_by_at ON audit_entries (at);

-- The head of each chain: where the next shipment must continue.
CREATE TABLE audit_heads (
    terminal_id     uuid NOT NULL REFERENCES terminals (terminal_id),
    chain_id        uuid NOT NULL,
    seq             bigint NOT NULL,
    entry_hash      text NOT NULL,
    checkpoint_sig  text NOT NULL,
    checkpoint_at   timestamptz NOT NULL,
    shipped_at      timestamptz NOT NULL,
    PRIMARY KEY (terminal_id, chain_id)
);

-- Findings of verification: a gap, an edit, a reorder, a bad signature, a chain
-- archived entries no longer match, a terminal that went silent.
CREATE TABLE audit_flags (
    flag_id     bigserial PRIMARY KEY,
    terminal_id uuid NOT NULL REFERENCES terminals (terminal_id),
    chain_id    uuid,
    kind        text NOT NULL,
    seq         bigint,
    detail      text NOT NULL,
    raised_at   timestamptz NOT NULL,
    resolved_at timestamptz
);
CREATE UNIQUE INDEX audit_flags_open_once ON audit_flags (terminal_id, kind, coalesce(chain_id, '00000000-0000-0000-0000-000000000000'::uuid), coalesce(seq, -1))
    WHERE resolved_at IS NULL;

-- 個人番号 views, written before the number is returned.
CREATE TABLE my_number_views (
    view_id     bigserial PRIMARY KEY,
    at          timestamptz NOT NULL,
    terminal_id uuid NOT NULL REFERENCES terminals (terminal_id),
    staff_id    text NOT NULL REFERENCES staff (staff_id),
    resident_id text NOT NULL,
    reason      text NOT NULL
);
CREATE INDEX my_number_views_by_resident ON my_number_views (resident_id, at);

-- What administrators did on this service (the CLI), with the OS user who ran it.
CREATE TABLE admin_log (
    log_id    bigserial PRIMARY KEY,
    at        timestamptz NOT NULL,
    os_user   text NOT NULL,
    action    text NOT NULL,
    target    text NOT NULL,
    detail    text NOT NULL DEFAULT ''
);

-- Sealed archive files of audit entries past online retention (kept 7 years).
CREATE TABLE audit_archives (
    archive_id   uuid PRIMARY KEY,
    file_name    text NOT NULL,
    entries      bigint NOT NULL,
    first_at     timestamptz NOT NULL,
    last_at      timestamptz NOT NULL,
    sha256       text NOT NULL,
    sealed_at    timestamptz NOT NULL,
    retain_until date NOT NULL
);

-- Which part of each chain an archive holds (verification of the online part
-- starts after the last archived entry).
CREATE TABLE audit_archive_chains (
    archive_id  uuid NOT NULL REFERENCES audit_archives (archive_id),
    terminal_id uuid NOT NULL,
    chain_id    uuid NOT NULL,
    first_seq   bigint NOT NULL,
    last_seq    bigint NOT NULL,
    last_hash   text NOT NULL,
    PRIMARY KEY (archive_id, terminal_id, chain_id)
);
