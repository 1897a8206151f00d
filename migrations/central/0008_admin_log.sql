-- Named administrators and an admin log nobody can quietly change (issue 17).
--
-- Every administrator connects with their own PostgreSQL login role, a member
-- of the group role `uketsuke_admin`, which holds the privileges (see
-- ARCHITECTURE.md, "Administrators"). The log records who PostgreSQL
-- authenticated (`db_user`, set here, not by the writer) and, for acts the
-- service verified a staff member for, that person (`who`). It is append-only
-- and hash-chained: each entry's hash covers the previous entry's hash and its
-- own fields, in `chain_seq` order; `uketsuke-central audit verify` recomputes it.

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'uketsuke_admin') THEN
        CREATE ROLE uketsuke_admin NOLOGIN;
    END IF;
EXCEPTION
    -- Another database of the cluster created it at the same moment.
    WHEN duplicate_object OR unique_violation THEN NULL;
    WHEN insufficient_privilege THEN
        RAISE NOTICE 'uketsuke_admin not created: the migrating role may not create roles';
END
$$;

ALTER TABLE admin_log RENAME COLUMN os_user TO who;
ALTER TABLE admin_log
    ADD COLUMN db_user   text,
    ADD COLUMN chain_seq bigint,
    ADD COLUMN prev_hash text,
    ADD COLUMN entry_hash text;

-- The text an entry's hash covers (the verifier rebuilds the same text).
CREATE FUNCTION admin_log_canonical(at timestamptz, db_user text, who text, action text, target text, detail text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT jsonb_build_array(to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
                             db_user, who, action, target, detail)::text
$$;

-- Entries written before the chain: sealed once, in order, as they are.
DO $$
DECLARE
    r record;
    prev text := 'genesis';
    n bigint := 0;
BEGIN
    FOR r IN SELECT * FROM admin_log ORDER BY log_id LOOP
        n := n + 1;
        UPDATE admin_log SET
            db_user = coalesce(r.db_user, 'before-0008'),
            chain_seq = n,
            prev_hash = prev,
            entry_hash = encode(sha256(convert_to(prev || admin_log_canonical(r.at, coalesce(r.db_user, 'before-0008'),
                                       r.who, r.action, r.target, r.detail), 'UTF8')), 'hex')
        WHERE log_id = r.log_id
        RETURNING entry_hash INTO prev;
    END LOOP;
END
$$;

ALTER TABLE admin_log
    ALTER COLUMN db_user SET NOT NULL,
    ALTER COLUMN chain_seq SET NOT NULL,
    ALTER COLUMN prev_hash SET NOT NULL,
    ALTER COLUMN entry_hash SET NOT NULL,
    ADD CONSTRAINT admin_log_chain_seq_unique UNIQUE (chain_seq);

-- Sealing: whoever inserts, PostgreSQL names the role and links the chain.
CREATE FUNCTION admin_log_seal() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    last record;
BEGIN
    -- One writer at a time (the lock is held to the end of the transaction, so the
    -- next writer sees this entry).
    PERFORM pg_advisory_xact_lock(7695221370013);
    SELECT chain_seq, entry_hash INTO last FROM admin_log ORDER BY chain_seq DESC LIMIT 1;
    NEW.db_user := session_user;
    NEW.chain_seq := coalesce(last.chain_seq, 0) + 1;
    NEW.prev_hash := coalesce(last.entry_hash, 'genesis');
    NEW.entry_hash := encode(sha256(convert_to(NEW.prev_hash || admin_log_canonical(NEW.at, NEW.db_user, NEW.who,
                             NEW.action, NEW.target, NEW.detail), 'UTF8')), 'hex');
    RETURN NEW;
END
$$;
CREATE TRIGGER admin_log_seal BEFORE INSERT ON admin_log FOR EACH ROW EXECUTE FUNCTION admin_log_seal();

CREATE FUNCTION admin_log_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'admin_log is append-only' USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER admin_log_no_update BEFORE UPDATE OR DELETE ON admin_log
    FOR EACH ROW EXECUTE FUNCTION admin_log_refuse();
CREATE TRIGGER admin_log_no_truncate BEFORE TRUNCATE ON admin_log
    FOR EACH STATEMENT EXECUTE FUNCTION admin_log_refuse();

-- The administrators' group: everything an administration command needs, but the
-- admin log only to read and append.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'uketsuke_admin') THEN
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO uketsuke_admin', current_database());
        GRANT USAGE ON SCHEMA public TO uketsuke_admin;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO uketsuke_admin;
        GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO uketsuke_admin;
        REVOKE UPDATE, DELETE, TRUNCATE ON admin_log FROM uketsuke_admin;
        -- Tables later migrations make, as the same migrating role.
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO uketsuke_admin;
        ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO uketsuke_admin;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'uketsuke_admin privileges not granted: the migrating role may not grant them';
END
$$;
