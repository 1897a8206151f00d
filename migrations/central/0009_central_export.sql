-- Central exports obey the terminals' rule (issue 17): `uketsuke-central
-- export-attendance` writes only for a request a supervisor approved with her
-- own authenticator, encrypted to a registered recipient, and records the write.
--
-- A central request is an export request without a terminal: an administrator
-- (their PostgreSQL role) asks for a period, a supervisor decides in the window
-- like any other request, and the approval needs no grant (the service writes).

ALTER TABLE export_requests
    ALTER COLUMN terminal_id DROP NOT NULL,
    ALTER COLUMN requested_by DROP NOT NULL,
    ADD COLUMN requested_by_admin text,
    ADD COLUMN period_from date,
    ADD COLUMN period_to date;

DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
             WHERE conrelid = 'export_requests'::regclass AND contype = 'c'
               AND (pg_get_constraintdef(oid) LIKE '%grant_jti%' OR pg_get_constraintdef(oid) LIKE '%cardinality%')
    LOOP
        EXECUTE format('ALTER TABLE export_requests DROP CONSTRAINT %I', c.conname);
    END LOOP;
END
$$;

ALTER TABLE export_requests
    ADD CONSTRAINT export_requests_origin CHECK (
        (terminal_id IS NOT NULL AND requested_by IS NOT NULL AND requested_by_admin IS NULL AND period_from IS NULL)
        OR (terminal_id IS NULL AND requested_by IS NULL AND requested_by_admin IS NOT NULL
            AND period_from IS NOT NULL AND period_to IS NOT NULL AND period_from <= period_to)),
    ADD CONSTRAINT export_requests_sessions CHECK (terminal_id IS NULL OR cardinality(session_ids) > 0),
    ADD CONSTRAINT export_requests_grant CHECK (
        terminal_id IS NULL OR ((state IN ('approved', 'used')) = (grant_jti IS NOT NULL)));

-- What the service itself wrote, one entry per central request (single use).
CREATE TABLE central_exports (
    request_id         uuid PRIMARY KEY REFERENCES export_requests (request_id),
    written_at         timestamptz NOT NULL,
    written_by         text NOT NULL DEFAULT session_user,
    recipient_id       text NOT NULL REFERENCES export_recipients (recipient_id),
    file_sha256        text NOT NULL CHECK (file_sha256 ~ '^[0-9a-f]{64}$'),
    file_bytes         bigint NOT NULL CHECK (file_bytes >= 0),
    rows               bigint NOT NULL CHECK (rows >= 0),
    excluded_protected bigint NOT NULL CHECK (excluded_protected >= 0)
);
