-- Uketsuke local store, schema 1.
-- The file is a SQLCipher database; this schema never holds 個人番号.
-- Rows that come from the city (residents, vouchers, programmes, venues, sessions,
-- staff, screening history) are replaceable by sync. Rows written at the venue are
-- append-only events (`events`) plus projections derived from them in the same
-- transaction (`visits`, `visit_screenings`), and the access log.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE staff (
    staff_id   TEXT PRIMARY KEY NOT NULL,
    name       TEXT NOT NULL,
    department TEXT NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('reception', 'clerk', 'supervisor', 'administrator')),
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

CREATE TABLE programmes (
    code      TEXT PRIMARY KEY NOT NULL,
    name_ja   TEXT NOT NULL,
    name_en   TEXT NOT NULL,
    -- AgeRule / Interval / AgeBase / Sex as JSON (serde of uketsuke_core::models)
    age_rule  TEXT NOT NULL,
    sex       TEXT CHECK (sex IN ('male', 'female', 'unknown')),
    interval  TEXT NOT NULL,
    age_base  TEXT NOT NULL,
    copay_yen INTEGER NOT NULL CHECK (copay_yen >= 0),
    national  INTEGER NOT NULL CHECK (national IN (0, 1))
) STRICT;

CREATE TABLE venues (
    venue_id TEXT PRIMARY KEY NOT NULL,
    name     TEXT NOT NULL,
    address  TEXT NOT NULL
) STRICT;

CREATE TABLE sessions (
    session_id TEXT PRIMARY KEY NOT NULL,
    venue_id   TEXT NOT NULL REFERENCES venues (venue_id),
    date       TEXT NOT NULL,           -- ISO date
    start_time TEXT NOT NULL,           -- HH:MM
    end_time   TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_by_date ON sessions (date, start_time);

CREATE TABLE session_programmes (
    session_id     TEXT NOT NULL REFERENCES sessions (session_id),
    programme_code TEXT NOT NULL REFERENCES programmes (code),
    PRIMARY KEY (session_id, programme_code)
) STRICT, WITHOUT ROWID;

CREATE TABLE residents (
    resident_id    TEXT PRIMARY KEY NOT NULL,   -- 宛名番号, or P-<uuid> for a walk-in
    name_kanji     TEXT NOT NULL,               -- exactly as received, never normalised
    name_kana      TEXT NOT NULL,               -- exactly as received, never normalised
    kana_key       TEXT NOT NULL,               -- derived search key (uketsuke_core::kana::search_key)
    sex            TEXT NOT NULL CHECK (sex IN ('male', 'female', 'unknown')),
    birth_date     TEXT NOT NULL,               -- ISO date
    postal_code    TEXT NOT NULL,
    address        TEXT NOT NULL,
    phone          TEXT NOT NULL,
    copay_category TEXT NOT NULL,
    dv_support     INTEGER NOT NULL CHECK (dv_support IN (0, 1)),
    provisional    INTEGER NOT NULL DEFAULT 0 CHECK (provisional IN (0, 1))
) STRICT;
-- Both carry resident_id so a prefix search reads its first 50 rows in index order, unsorted.
CREATE INDEX residents_by_kana ON residents (kana_key, resident_id);
CREATE INDEX residents_by_birth_kana ON residents (birth_date, kana_key, resident_id);

CREATE TABLE vouchers (
    voucher_no  TEXT PRIMARY KEY NOT NULL,      -- half-width digits
    resident_id TEXT NOT NULL REFERENCES residents (resident_id),
    fiscal_year INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
CREATE INDEX vouchers_by_resident ON vouchers (resident_id);

CREATE TABLE screening_history (
    resident_id    TEXT NOT NULL REFERENCES residents (resident_id),
    programme_code TEXT NOT NULL,
    fiscal_year    INTEGER NOT NULL,
    PRIMARY KEY (resident_id, programme_code, fiscal_year)
) STRICT, WITHOUT ROWID;

-- Append-only event log; also the outbox the sync issue drains.
-- `seq` is this terminal's order; `event_id` is a UUIDv7 made here.
CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT NOT NULL UNIQUE,
    event_type   TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    payload      TEXT NOT NULL,                 -- JSON
    occurred_at  TEXT NOT NULL,                 -- RFC 3339, terminal clock
    staff_id     TEXT NOT NULL,
    terminal_id  TEXT NOT NULL,
    sync_state   TEXT NOT NULL DEFAULT 'pending' CHECK (sync_state IN ('pending', 'accepted', 'rejected')),
    sync_error   TEXT
) STRICT;
CREATE INDEX events_pending ON events (sync_state, seq);

CREATE TRIGGER events_are_append_only_update
BEFORE UPDATE OF seq, event_id, event_type, aggregate_id, payload, occurred_at, staff_id, terminal_id ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_are_append_only_delete
BEFORE DELETE ON events WHEN OLD.sync_state <> 'accepted'
BEGIN
    SELECT RAISE(ABORT, 'an event leaves the terminal only after the server has it');
END;

-- Projection of reception events: one row per visit (a resident at a session).
CREATE TABLE visits (
    visit_id        TEXT PRIMARY KEY NOT NULL,
    session_id      TEXT NOT NULL REFERENCES sessions (session_id),
    resident_id     TEXT NOT NULL REFERENCES residents (resident_id),
    reception_no    INTEGER NOT NULL,           -- 整理番号, per session
    identity_method TEXT NOT NULL,
    copay_category  TEXT NOT NULL,
    copay_proof     TEXT NOT NULL,
    copay_yen       INTEGER NOT NULL CHECK (copay_yen >= 0),
    state           TEXT NOT NULL CHECK (state IN ('active', 'cancelled')),
    cancel_reason   TEXT,
    checked_in_at   TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    last_event_id   TEXT NOT NULL REFERENCES events (event_id),
    UNIQUE (session_id, reception_no)
) STRICT;
CREATE INDEX visits_by_session ON visits (session_id, reception_no);
CREATE UNIQUE INDEX one_active_visit_per_resident_session ON visits (session_id, resident_id) WHERE state = 'active';

CREATE TABLE visit_screenings (
    visit_id        TEXT NOT NULL REFERENCES visits (visit_id),
    programme_code  TEXT NOT NULL REFERENCES programmes (code),
    status          TEXT NOT NULL CHECK (status IN ('received', 'done', 'stopped')),
    stop_reason     TEXT,
    override_reason TEXT,
    PRIMARY KEY (visit_id, programme_code)
) STRICT, WITHOUT ROWID;

-- Access log with the fields the city's PIA promises:
-- 処理日時, 職員情報, 部署情報, 端末情報, 処理事由, 宛名番号, 処理内容.
CREATE TABLE access_log (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    entry_id    TEXT NOT NULL UNIQUE,
    at          TEXT NOT NULL,                 -- RFC 3339
    staff_id    TEXT NOT NULL,
    department  TEXT NOT NULL,
    terminal_id TEXT NOT NULL,
    reason      TEXT NOT NULL,
    resident_id TEXT,                          -- 宛名番号, NULL for e.g. a search with no hit
    operation   TEXT NOT NULL,
    detail      TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX access_log_by_resident ON access_log (resident_id, seq);

CREATE TRIGGER access_log_is_append_only_update
BEFORE UPDATE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;
CREATE TRIGGER access_log_is_append_only_delete
BEFORE DELETE ON access_log
BEGIN
    SELECT RAISE(ABORT, 'the access log is append-only');
END;
