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
-- name herself somebody else.

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
