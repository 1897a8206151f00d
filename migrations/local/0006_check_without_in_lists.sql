-- Uketsuke local store, schema 6: the same CHECK constraints, written so that
-- checking them builds nothing.
--
-- SQLite codes `x IN ('a', 'b', 'c')` (three constants or more) as a temporary
-- B-tree of the constants, built again every time the statement runs. As a CHECK
-- constraint that is once for every row written: every resident a sync applies,
-- every event the venue writes or the service answers, every screening of a
-- check-in. The first roster pull of 300,000 residents spent about a tenth of its
-- time building those B-trees (docs/benchmarks.md, session 12). Written with `=`
-- and `OR`, the check is a few comparisons. What each constraint allows is unchanged.
--
-- A CHECK constraint cannot be altered in place, so the three tables written per
-- row are rebuilt the way SQLite documents (lang_altertable.html, "other kinds of
-- table schema changes"): new table, copy, drop, rename, then the indexes and
-- triggers again. The migration runner turns foreign-key enforcement off around
-- migrations and runs `PRAGMA foreign_key_check` before committing each one.
-- The small tables with such lists (staff, programmes, export_ledger) are written
-- a handful of times a day and keep theirs.

-- Residents: the roster.
CREATE TABLE residents_new (
    resident_id    TEXT PRIMARY KEY NOT NULL,   -- 宛名番号, or P-<uuid> for a walk-in
    name_kanji     TEXT NOT NULL,               -- exactly as received, never normalised
    name_kana      TEXT NOT NULL,               -- exactly as received, never normalised
    kana_key       TEXT NOT NULL,               -- derived search key (uketsuke_core::kana::search_key)
    sex            TEXT NOT NULL CHECK (sex = 'male' OR sex = 'female' OR sex = 'unknown'),
    birth_date     TEXT NOT NULL,               -- ISO date
    postal_code    TEXT NOT NULL,
    address        TEXT NOT NULL,
    phone          TEXT NOT NULL,
    copay_category TEXT NOT NULL,
    dv_support     INTEGER NOT NULL CHECK (dv_support IN (0, 1)),
    provisional    INTEGER NOT NULL DEFAULT 0 CHECK (provisional IN (0, 1))
) STRICT;
INSERT INTO residents_new (rowid, resident_id, name_kanji, name_kana, kana_key, sex, birth_date, postal_code,
                           address, phone, copay_category, dv_support, provisional)
    SELECT rowid, resident_id, name_kanji, name_kana, kana_key, sex, birth_date, postal_code,
           address, phone, copay_category, dv_support, provisional
    FROM residents;
DROP TABLE residents;
ALTER TABLE residents_new RENAME TO residents;
-- Both carry resident_id so a prefix search reads its first 50 rows in index order, unsorted.
CREATE INDEX residents_by_kana ON residents (kana_key, resident_id);
CREATE INDEX residents_by_birth_kana ON residents (birth_date, kana_key, resident_id);

-- Events: the append-only log and outbox. `seq` keeps its values and its
-- AUTOINCREMENT high-water mark, so no number is ever handed out twice.
CREATE TABLE events_new (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id     TEXT NOT NULL UNIQUE,
    event_type   TEXT NOT NULL,
    aggregate_id TEXT NOT NULL,
    payload      TEXT NOT NULL,                 -- JSON
    occurred_at  TEXT NOT NULL,                 -- RFC 3339, terminal clock
    staff_id     TEXT NOT NULL,
    terminal_id  TEXT NOT NULL,
    sync_state   TEXT NOT NULL DEFAULT 'pending'
                 CHECK (sync_state = 'pending' OR sync_state = 'accepted' OR sync_state = 'rejected'),
    sync_error   TEXT
) STRICT;
INSERT INTO events_new (seq, event_id, event_type, aggregate_id, payload, occurred_at, staff_id, terminal_id,
                        sync_state, sync_error)
    SELECT seq, event_id, event_type, aggregate_id, payload, occurred_at, staff_id, terminal_id,
           sync_state, sync_error
    FROM events ORDER BY seq;
DELETE FROM sqlite_sequence WHERE name = 'events_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'events_new', seq FROM sqlite_sequence WHERE name = 'events';
DROP TABLE events;
ALTER TABLE events_new RENAME TO events;
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

-- The screenings of each visit.
CREATE TABLE visit_screenings_new (
    visit_id        TEXT NOT NULL REFERENCES visits (visit_id),
    programme_code  TEXT NOT NULL REFERENCES programmes (code),
    status          TEXT NOT NULL CHECK (status = 'received' OR status = 'done' OR status = 'stopped'),
    stop_reason     TEXT,
    override_reason TEXT,
    PRIMARY KEY (visit_id, programme_code)
) STRICT, WITHOUT ROWID;
INSERT INTO visit_screenings_new (visit_id, programme_code, status, stop_reason, override_reason)
    SELECT visit_id, programme_code, status, stop_reason, override_reason FROM visit_screenings;
DROP TABLE visit_screenings;
ALTER TABLE visit_screenings_new RENAME TO visit_screenings;
