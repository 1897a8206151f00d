-- Uketsuke local store, schema 9: the access log's K_0 sealed to the service.
--
-- K_0 is an earlier MAC key from the first append on: whoever holds the store's key
-- could read it from the escrow row and re-MAC the whole chain until the service
-- acknowledged it. Once the terminal knows the service's escrow recipient (sent
-- with every pull), the row holds K_0 only encrypted to it (age X25519), with the
-- key's fingerprint for the acknowledgement; a clear row is sealed when the
-- recipient first arrives. A store that never meets a service (the demo) keeps it
-- in clear.
CREATE TABLE audit_mac_escrow_v9 (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    start_seq   INTEGER NOT NULL,
    key         BLOB CHECK (key IS NULL OR length(key) = 32),
    sealed      BLOB,
    fingerprint TEXT,
    CHECK ((key IS NULL) <> (sealed IS NULL)),
    CHECK (sealed IS NULL OR fingerprint IS NOT NULL)
) STRICT;
INSERT INTO audit_mac_escrow_v9 (id, start_seq, key) SELECT id, start_seq, key FROM audit_mac_escrow;
DROP TABLE audit_mac_escrow;
ALTER TABLE audit_mac_escrow_v9 RENAME TO audit_mac_escrow;
CREATE TRIGGER audit_mac_escrow_is_write_once
BEFORE UPDATE ON audit_mac_escrow
BEGIN
    SELECT RAISE(ABORT, 'the escrowed access-log key is written once');
END;
