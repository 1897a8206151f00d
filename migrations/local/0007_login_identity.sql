-- Logins through the person's authenticator (issue 16): the TOTP seeds leave
-- the terminal, and the public credentials of the staff assigned here arrive.

UPDATE staff SET totp_secret = NULL;
ALTER TABLE staff DROP COLUMN totp_secret;
ALTER TABLE login_attempts DROP COLUMN last_totp_step;

-- Public data only: the credential (uketsuke_identity::PublicCredential as
-- JSON) and the highest signature counter seen, by the service or here.
CREATE TABLE staff_authenticators (
    credential_id BLOB PRIMARY KEY NOT NULL,
    staff_id      TEXT NOT NULL REFERENCES staff (staff_id),
    credential    TEXT NOT NULL,
    sign_count    INTEGER NOT NULL DEFAULT 0 CHECK (sign_count >= 0)
) STRICT;
CREATE INDEX staff_authenticators_by_staff ON staff_authenticators (staff_id);
