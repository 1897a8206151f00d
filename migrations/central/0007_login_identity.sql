-- Logins through the person's authenticator (issue 16): TOTP leaves the service
-- entirely, and every login a terminal reports is checked against what the
-- person's authenticator signed.

ALTER TABLE staff
    DROP COLUMN totp_secret,
    DROP COLUMN totp_enrolled_at,
    DROP COLUMN last_totp_step;

-- Every `login_ok` entry a terminal shipped, as the service judged it: verified
-- (online: the challenge the service verified at the login; offline: the
-- assertion in the entry, checked again here) or not, with why. An unverified
-- login resets no failure count and is flagged in `identity_flags`.
CREATE TABLE login_checks (
    terminal_id   uuid NOT NULL REFERENCES terminals (terminal_id),
    chain_id      uuid NOT NULL,
    seq           bigint NOT NULL,
    staff_id      text NOT NULL,
    at            timestamptz NOT NULL,
    how           text NOT NULL CHECK (how IN ('online', 'offline', 'other')),
    verified      boolean NOT NULL,
    credential_id bytea,
    sign_count    bigint,
    -- The terminal's nonce of an offline login: one login, one nonce.
    nonce         bytea UNIQUE,
    challenge_id  uuid UNIQUE,
    problem       text,
    PRIMARY KEY (terminal_id, chain_id, seq)
);
CREATE INDEX login_checks_staff ON login_checks (terminal_id, staff_id, at) WHERE verified;
CREATE INDEX login_checks_credential ON login_checks (credential_id, sign_count) WHERE verified;

-- Events are checked against the verified logins once the terminal's shipped
-- log covers their time (events are pushed before the log ships). Events from
-- before this check existed are not judged afresh.
-- (Added as true, then defaulted to false: no rewrite of the table.)
ALTER TABLE events ADD COLUMN login_checked boolean NOT NULL DEFAULT true;
ALTER TABLE events ALTER COLUMN login_checked SET DEFAULT false;
CREATE INDEX events_login_unchecked ON events (terminal_id) WHERE NOT login_checked;

-- The configured authenticator models the service last started with: when they
-- change, every terminal's catalog is sent again, so a dropped model stops
-- working offline at the next sync too.
CREATE TABLE identity_policy (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    fingerprint text NOT NULL
);
