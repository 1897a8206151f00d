-- Uketsuke local store, schema 5: forward-secure MACs on the access log
-- (security.md §5.2, uketsuke_auth::fsmac).
--
-- Each entry carries mac = HMAC(K_seq, entry_hash), written in the same INSERT as
-- the entry. Entries written before this migration have none (NULL); the service
-- requires MACs from the seq the escrowed K_0 starts at.
ALTER TABLE access_log ADD COLUMN mac TEXT;

-- The CURRENT key, for the entry `next_seq`. Each append MACs its entry with it and
-- overwrites it with the next key (K_{i+1} = SHA-256(domain || K_i)), so the keys of
-- earlier entries are gone. The store runs with secure_delete=ON: the overwritten
-- key's bytes are zeroed in the database file, not left in a free block. (Recent
-- page images also sit in the WAL file until it is checkpointed and overwritten;
-- see uketsuke_store::audit.) Created on the first append after this migration.
CREATE TABLE audit_mac_key (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    next_seq INTEGER NOT NULL,
    key      BLOB NOT NULL CHECK (length(key) = 32)
) STRICT;
-- Defence in depth (whoever has the database key can drop triggers): the key only
-- moves forward.
CREATE TRIGGER audit_mac_key_moves_forward
BEFORE UPDATE ON audit_mac_key WHEN NEW.next_seq <= OLD.next_seq
BEGIN
    SELECT RAISE(ABORT, 'the access-log MAC key only moves forward');
END;

-- K_0 and the seq it starts at, kept only until the service acknowledged holding it
-- (then deleted, zeroed by secure_delete). Written once, never changed.
CREATE TABLE audit_mac_escrow (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    start_seq INTEGER NOT NULL,
    key       BLOB NOT NULL CHECK (length(key) = 32)
) STRICT;
CREATE TRIGGER audit_mac_escrow_is_write_once
BEFORE UPDATE ON audit_mac_escrow
BEGIN
    SELECT RAISE(ABORT, 'the escrowed access-log key is written once');
END;
