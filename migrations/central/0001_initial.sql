-- Uketsuke central service, schema 1 (PostgreSQL 15+).
--
-- The central service is the system of record for the roster, the catalog
-- (programmes, venues, sessions), staff, terminals and the events terminals push.
-- Every row a terminal may pull carries `change_seq` from one sequence, so a
-- terminal pulls "everything in my scope with change_seq > cursor" in order.

CREATE SEQUENCE change_seq AS bigint;

-- One row: who this database is. `instance_id` is made when the schema is
-- created; `epoch` is raised by `uketsuke-central bump-epoch` after a restore.
CREATE TABLE service_info (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    instance_id uuid NOT NULL,
    epoch       integer NOT NULL DEFAULT 1 CHECK (epoch >= 1),
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO service_info (instance_id) VALUES (gen_random_uuid());

CREATE TABLE programmes (
    code       text PRIMARY KEY,
    name_ja    text NOT NULL,
    name_en    text NOT NULL,
    age_rule   jsonb NOT NULL,           -- uketsuke_core::AgeRule
    sex        text CHECK (sex IN ('male', 'female', 'unknown')),
    "interval" jsonb NOT NULL,           -- uketsuke_core::Interval
    age_base   jsonb NOT NULL,           -- uketsuke_core::AgeBase
    copay_yen  integer NOT NULL CHECK (copay_yen >= 0),
    national   boolean NOT NULL,
    change_seq bigint NOT NULL DEFAULT nextval('change_seq')
);

CREATE TABLE venues (
    venue_id   text PRIMARY KEY,
    name       text NOT NULL,
    address    text NOT NULL,
    change_seq bigint NOT NULL DEFAULT nextval('change_seq')
);

CREATE TABLE sessions (
    session_id text PRIMARY KEY,
    venue_id   text NOT NULL REFERENCES venues (venue_id),
    date       date NOT NULL,
    start_time text NOT NULL CHECK (start_time ~ '^[0-2][0-9]:[0-5][0-9]$'),
    end_time   text NOT NULL CHECK (end_time ~ '^[0-2][0-9]:[0-5][0-9]$'),
    programmes text[] NOT NULL,
    -- 年度 of the session (April–March), for the roster scope.
    fiscal_year integer NOT NULL,
    change_seq bigint NOT NULL DEFAULT nextval('change_seq')
);

-- The roster, as imported from the health system's extract. Names are stored
-- exactly as received. `my_number` (個人番号) is never sent to a terminal.
CREATE TABLE residents (
    resident_id    text PRIMARY KEY,       -- 宛名番号
    name_kanji     text NOT NULL,
    name_kana      text NOT NULL,
    sex            text NOT NULL CHECK (sex IN ('male', 'female', 'unknown')),
    birth_date     date NOT NULL,
    postal_code    text NOT NULL,
    address        text NOT NULL,
    phone          text NOT NULL,
    copay_category text NOT NULL,
    dv_support     boolean NOT NULL,
    my_number      text,
    -- 'active', or 'removed' (転出・死亡 etc.: no longer sent to terminals)
    status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
    import_id      uuid,
    change_seq     bigint NOT NULL DEFAULT nextval('change_seq')
);
CREATE INDEX residents_by_seq ON residents (change_seq);

CREATE TABLE vouchers (
    voucher_no  text PRIMARY KEY,
    resident_id text NOT NULL REFERENCES residents (resident_id),
    fiscal_year integer NOT NULL,
    change_seq  bigint NOT NULL DEFAULT nextval('change_seq')
);
CREATE INDEX vouchers_by_year_seq ON vouchers (fiscal_year, change_seq);
CREATE INDEX vouchers_by_resident ON vouchers (resident_id);

CREATE TABLE screening_history (
    resident_id    text NOT NULL REFERENCES residents (resident_id),
    programme_code text NOT NULL,
    fiscal_year    integer NOT NULL,
    PRIMARY KEY (resident_id, programme_code, fiscal_year)
);

-- One row per roster file imported (all-or-nothing per file).
CREATE TABLE roster_imports (
    import_id   uuid PRIMARY KEY,
    file_name   text NOT NULL,
    sha256      text NOT NULL,
    encoding    text NOT NULL,
    rows_total  integer NOT NULL,
    rows_loaded integer NOT NULL,
    rows_rejected integer NOT NULL,
    imported_at timestamptz NOT NULL
);

CREATE TABLE staff (
    staff_id   text PRIMARY KEY,
    name       text NOT NULL,
    department text NOT NULL,
    role       text NOT NULL CHECK (role IN ('reception', 'clerk', 'supervisor', 'administrator')),
    active     boolean NOT NULL DEFAULT true,
    change_seq bigint NOT NULL DEFAULT nextval('change_seq')
);

-- Terminals and their enrollment.
CREATE TABLE terminals (
    terminal_id      uuid PRIMARY KEY,
    name             text NOT NULL,
    enrolled_at      timestamptz,
    cert_serial      text UNIQUE,
    cert_sha256      text UNIQUE,
    revoked_at       timestamptz,
    revoke_reason    text,
    last_seen_at     timestamptz,
    last_skew_ms     bigint,
    created_at       timestamptz NOT NULL
);

-- One-time enrollment codes; only a hash of the code is kept.
CREATE TABLE enrollment_codes (
    code_sha256 text PRIMARY KEY,
    terminal_id uuid NOT NULL REFERENCES terminals (terminal_id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

CREATE TABLE terminal_sessions (
    terminal_id uuid NOT NULL REFERENCES terminals (terminal_id),
    session_id  text NOT NULL REFERENCES sessions (session_id),
    assigned_at timestamptz NOT NULL,
    PRIMARY KEY (terminal_id, session_id)
);

-- Events pushed by terminals. `event_id` is the client's UUIDv7: the primary key
-- makes every retry harmless. `payload_sha256` tells a retry (same content) from
-- an id reused with other content (refused).
CREATE TABLE events (
    event_id       uuid PRIMARY KEY,
    terminal_id    uuid NOT NULL REFERENCES terminals (terminal_id),
    -- The terminal's local store; a reset cache starts a new stream (seq from 1).
    stream_id      uuid NOT NULL,
    terminal_seq   bigint NOT NULL,
    event_type     text NOT NULL,
    aggregate_id   text NOT NULL,
    payload        jsonb NOT NULL,
    payload_sha256 text NOT NULL,
    staff_id       text NOT NULL,
    session_id     text,
    occurred_at    timestamptz NOT NULL,   -- terminal clock
    received_at    timestamptz NOT NULL,   -- service clock
    skew_ms        bigint,                 -- terminal minus service, measured at receipt
    change_seq     bigint NOT NULL DEFAULT nextval('change_seq'),
    UNIQUE (terminal_id, stream_id, terminal_seq)
);
CREATE INDEX events_by_session_seq ON events (session_id, change_seq);

-- Events refused, kept for the administrator (the terminal keeps them too).
CREATE TABLE event_rejections (
    event_id    uuid NOT NULL,
    terminal_id uuid NOT NULL REFERENCES terminals (terminal_id),
    code        text NOT NULL,
    reason      text NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (event_id, received_at)
);

-- Central projection of visits, one row per visit (resident at a session).
CREATE TABLE visits (
    visit_id        uuid PRIMARY KEY,
    session_id      text NOT NULL REFERENCES sessions (session_id),
    resident_id     text NOT NULL,
    terminal_id     uuid NOT NULL REFERENCES terminals (terminal_id),
    reception_no    bigint NOT NULL,
    state           text NOT NULL CHECK (state IN ('active', 'cancelled')),
    content         jsonb NOT NULL,
    checked_in_at   timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    last_event_seq  bigint NOT NULL        -- terminal_seq of the last applied event
);
CREATE INDEX visits_by_session_resident ON visits (session_id, resident_id);

-- Things a person must look at: the same resident checked in on two terminals, etc.
CREATE TABLE review_flags (
    flag_id     bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('duplicate_check_in')),
    session_id  text NOT NULL,
    resident_id text NOT NULL,
    visit_ids   uuid[] NOT NULL,
    created_at  timestamptz NOT NULL,
    resolved_at timestamptz,
    note        text,
    UNIQUE (kind, session_id, resident_id)
);

-- Walk-ins registered as provisional persons at a venue, waiting to be matched.
CREATE TABLE walk_ins (
    provisional_id      text PRIMARY KEY,      -- P-<uuid>
    terminal_id         uuid NOT NULL REFERENCES terminals (terminal_id),
    event_id            uuid NOT NULL REFERENCES events (event_id),
    person              jsonb NOT NULL,
    status              text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'matched', 'rejected')),
    matched_resident_id text REFERENCES residents (resident_id),
    decision_note       text,
    decided_at          timestamptz,
    change_seq          bigint NOT NULL DEFAULT nextval('change_seq'),
    CHECK ((status = 'matched') = (matched_resident_id IS NOT NULL))
);
CREATE INDEX walk_ins_by_terminal_seq ON walk_ins (terminal_id, change_seq);
