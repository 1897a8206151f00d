-- Uketsuke local store, schema 2: sync with the central service.

-- Key/value sync state: cursors, the service's identity, last results.
CREATE TABLE sync_state (
    key   TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
) STRICT;

-- Events other terminals recorded at this terminal's sessions (pulled).
CREATE TABLE remote_events (
    event_id      TEXT PRIMARY KEY NOT NULL,
    terminal_id   TEXT NOT NULL,
    terminal_name TEXT NOT NULL,
    event_type    TEXT NOT NULL,
    aggregate_id  TEXT NOT NULL,
    payload       TEXT NOT NULL,
    occurred_at   TEXT NOT NULL
) STRICT;

-- Their projection: other terminals' visits, so staff see who was received elsewhere.
CREATE TABLE remote_visits (
    visit_id      TEXT PRIMARY KEY NOT NULL,
    session_id    TEXT NOT NULL,
    resident_id   TEXT NOT NULL,
    terminal_name TEXT NOT NULL,
    reception_no  INTEGER NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('active', 'cancelled')),
    checked_in_at TEXT NOT NULL
) STRICT;
CREATE INDEX remote_visits_by_session_resident ON remote_visits (session_id, resident_id);

-- The service's decisions on walk-ins registered here.
CREATE TABLE walk_in_outcomes (
    provisional_id TEXT PRIMARY KEY NOT NULL REFERENCES residents (resident_id),
    status         TEXT NOT NULL CHECK (status IN ('matched', 'rejected')),
    resident_id    TEXT,
    note           TEXT,
    decided_at     TEXT NOT NULL
) STRICT;

-- Roster rows the service sent while this terminal still had unsent events for
-- that resident: applied after those events are accepted, never over them.
CREATE TABLE deferred_roster (
    resident_id TEXT PRIMARY KEY NOT NULL,
    entry       TEXT NOT NULL
) STRICT;
