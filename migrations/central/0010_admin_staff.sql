-- Which staff member each administrator's PostgreSQL role belongs to (issue 17).
--
-- A central export request is made under an administrator's role and decided by
-- a supervisor the service verified by her authenticator. Without this link the
-- service cannot tell that the two are one person, so she could approve her own
-- request. The request now names the linked staff member (`requested_by`), and
-- the decision refuses her own (`EXPORT_OWN_REQUEST`), as for a terminal's.
--
-- Only the database owner (the role that migrates) links a role: the
-- administrators' group may read the links, never write them, so nobody can
-- name herself somebody else. Likewise the group may read export requests and
-- the service's own exports but not write them: with psql she could otherwise
-- name another requester or mark her request approved. A central request and
-- its file go through the two functions below, which run as the owner, take the
-- requester from `admin_staff` and the approval from the service's verified
-- decision (terminals' requests and every decision are written by the service).

CREATE TABLE admin_staff (
    db_role   text PRIMARY KEY,
    staff_id  text NOT NULL UNIQUE REFERENCES staff (staff_id),
    linked_at timestamptz NOT NULL,
    linked_by text NOT NULL DEFAULT session_user
);

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'uketsuke_admin') THEN
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON admin_staff FROM uketsuke_admin;
        GRANT SELECT ON admin_staff TO uketsuke_admin;
        REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON export_requests, central_exports FROM uketsuke_admin;
    END IF;
EXCEPTION WHEN insufficient_privilege THEN
    RAISE NOTICE 'admin_staff privileges not changed: the migrating role may not change them';
END
$$;

-- A central request names its requester (older ones named only the role).
ALTER TABLE export_requests DROP CONSTRAINT export_requests_origin;
ALTER TABLE export_requests
    ADD CONSTRAINT export_requests_origin CHECK (
        (terminal_id IS NOT NULL AND requested_by IS NOT NULL AND requested_by_admin IS NULL AND period_from IS NULL)
        OR (terminal_id IS NULL AND requested_by_admin IS NOT NULL
            AND period_from IS NOT NULL AND period_to IS NOT NULL AND period_from <= period_to));

-- The active staff member the session's role is linked to (session_user: the role
-- PostgreSQL authenticated, whatever function runs); refused otherwise. The one
-- statement of the rule: the CLI asks it too (`accounts::administrator_staff`).
CREATE FUNCTION admin_staff_of_session() RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    who text;
    is_active boolean;
BEGIN
    SELECT a.staff_id, s.active INTO who, is_active
    FROM admin_staff a JOIN staff s USING (staff_id) WHERE a.db_role = session_user;
    IF who IS NULL THEN
        RAISE EXCEPTION 'the database role % is linked to no staff member; the database owner links it '
                        '(uketsuke-central admin link --role ROLE --staff ID)', session_user
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT is_active THEN
        RAISE EXCEPTION 'the database role % belongs to %, whose account is disabled', session_user, who
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN who;
END
$$;

-- A central export request, named by the staff member the caller's role is linked to.
CREATE FUNCTION central_export_request(p_request_id uuid, p_at timestamptz, p_layout text, p_purpose text,
                                       p_recipient text, p_scope_hash text, p_from date, p_to date)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    who text;
BEGIN
    who := admin_staff_of_session();
    INSERT INTO export_requests (request_id, terminal_id, requested_by, requested_by_admin, requested_at, layout,
                                 session_ids, purpose, recipient_id, scope_hash, period_from, period_to)
    VALUES (p_request_id, NULL, who, session_user, p_at, p_layout, '{}', p_purpose, p_recipient, p_scope_hash,
            p_from, p_to);
    RETURN who;
END
$$;

-- The file of an approved central request was written: once, and only after a
-- supervisor's decision the service recorded (`decided_by`), by a linked person.
CREATE FUNCTION central_export_written(p_request_id uuid, p_at timestamptz, p_recipient text, p_sha256 text,
                                       p_bytes bigint, p_rows bigint, p_excluded bigint)
RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    who text;
BEGIN
    who := admin_staff_of_session();
    UPDATE export_requests SET state = 'used', used_at = p_at
    WHERE request_id = p_request_id AND terminal_id IS NULL AND state = 'approved' AND decided_by IS NOT NULL
      AND recipient_id = p_recipient;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'EXPORT_NOT_APPROVED: central request % is not approved, or its file was written',
            p_request_id USING ERRCODE = 'insufficient_privilege';
    END IF;
    INSERT INTO central_exports (request_id, written_at, recipient_id, file_sha256, file_bytes, rows,
                                 excluded_protected)
    VALUES (p_request_id, p_at, p_recipient, p_sha256, p_bytes, p_rows, p_excluded);
    RETURN who;
END
$$;
