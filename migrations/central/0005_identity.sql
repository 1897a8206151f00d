-- People, not terminals (issue 16): FIDO2/WebAuthn authenticators registered per
-- person, single-use challenges bound to one terminal and one action, and the
-- evidence of every act the service verified a person for.

-- A stable, meaningless handle per person for authenticators (WebAuthn user.id);
-- never the staff id, which an authenticator may display.
ALTER TABLE staff ADD COLUMN user_handle uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE;

-- The service runs the demo city (set by `uketsuke-central demo`): only then does
-- the authenticator policy accept software authenticators, whose attestation
-- roots are kept here.
CREATE TABLE demo_city (
    only_row  boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    seeded_at timestamptz NOT NULL
);
CREATE TABLE demo_attestation_cas (
    ca_pem text PRIMARY KEY
);

-- Public credentials only: the credential id, the public key and its parameters
-- (uketsuke_identity::PublicCredential as JSON). `sign_count` is the highest
-- signature counter the service has verified for it.
CREATE TABLE staff_authenticators (
    credential_id  bytea PRIMARY KEY,
    staff_id       text NOT NULL REFERENCES staff (staff_id),
    credential     jsonb NOT NULL,
    aaguid         uuid NOT NULL,
    model          text NOT NULL,
    label          text NOT NULL,
    sign_count     bigint NOT NULL DEFAULT 0 CHECK (sign_count >= 0),
    registered_at  timestamptz NOT NULL,
    -- 'terminal:<uuid>' or 'admin:<os user>'
    registered_via text NOT NULL,
    last_used_at   timestamptz,
    revoked_at     timestamptz,
    revoked_by     text,
    change_seq     bigint NOT NULL DEFAULT nextval('change_seq')
);
CREATE INDEX staff_authenticators_staff ON staff_authenticators (staff_id);

-- One-time invitations to register an authenticator; only a hash of the code.
CREATE TABLE authenticator_invites (
    code_sha256 text PRIMARY KEY,
    staff_id    text NOT NULL REFERENCES staff (staff_id),
    created_at  timestamptz NOT NULL,
    created_by  text NOT NULL,
    expires_at  timestamptz NOT NULL,
    used_at     timestamptz
);

-- A registration between its start and the authenticator's answer.
CREATE TABLE authenticator_registrations (
    registration_id uuid PRIMARY KEY,
    staff_id        text NOT NULL REFERENCES staff (staff_id),
    terminal_id     uuid NOT NULL REFERENCES terminals (terminal_id),
    invite_sha256   text NOT NULL REFERENCES authenticator_invites (code_sha256),
    state           text NOT NULL,
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL,
    finished_at     timestamptz
);

-- Challenges for privileged acts: single use, short-lived, for one terminal, one
-- person and one action (its digest; the nonce rebuilds the signed challenge).
CREATE TABLE identity_challenges (
    challenge_id  uuid PRIMARY KEY,
    terminal_id   uuid NOT NULL REFERENCES terminals (terminal_id),
    staff_id      text NOT NULL,
    action_kind   text NOT NULL,
    action_digest bytea NOT NULL CHECK (length(action_digest) = 32),
    nonce         bytea NOT NULL CHECK (length(nonce) = 32),
    issued_at     timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz
);
CREATE INDEX identity_challenges_expiry ON identity_challenges (expires_at);

-- Every act the service verified a person for, with the evidence: the action as
-- signed and the assertion, which anyone holding the public credential can
-- check again.
CREATE TABLE verified_acts (
    act_id        bigserial PRIMARY KEY,
    at            timestamptz NOT NULL,
    terminal_id   uuid NOT NULL REFERENCES terminals (terminal_id),
    staff_id      text NOT NULL REFERENCES staff (staff_id),
    credential_id bytea NOT NULL REFERENCES staff_authenticators (credential_id),
    challenge_id  uuid NOT NULL UNIQUE REFERENCES identity_challenges (challenge_id),
    action_kind   text NOT NULL,
    action        jsonb NOT NULL,
    assertion     jsonb NOT NULL,
    sign_count    bigint NOT NULL
);
CREATE INDEX verified_acts_staff ON verified_acts (staff_id, at);

-- Signals about authenticators the service saw (a counter that went back: a
-- cloned key or a replayed assertion).
CREATE TABLE identity_flags (
    flag_id       bigserial PRIMARY KEY,
    at            timestamptz NOT NULL,
    terminal_id   uuid REFERENCES terminals (terminal_id),
    staff_id      text,
    credential_id bytea,
    code          text NOT NULL,
    detail        text NOT NULL
);

-- The rate limit counts views per person and per terminal.
CREATE INDEX my_number_views_staff ON my_number_views (staff_id, at);
CREATE INDEX my_number_views_terminal ON my_number_views (terminal_id, at);
