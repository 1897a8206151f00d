-- Forward-secure MACs on the access log (security.md §5.2, uketsuke_auth::fsmac).

-- Each entry's MAC as the terminal sent it (NULL for entries written before the
-- terminal had MACs, i.e. before its escrow's start_seq).
ALTER TABLE audit_entries ADD COLUMN mac text;

-- The escrowed first key of each chain, and the evolved key for the next entry the
-- service expects (so a shipment does not recompute K_i from K_0; `audit verify`
-- does, from key0). Whoever reads this table can forge MACs for the chain: it is a
-- secret of the service and is never sent back to a terminal.
CREATE TABLE audit_mac_keys (
    terminal_id  uuid NOT NULL REFERENCES terminals (terminal_id),
    chain_id     uuid NOT NULL,
    start_seq    bigint NOT NULL CHECK (start_seq >= 1),
    key0         bytea NOT NULL CHECK (length(key0) = 32),
    -- The first entry whose MAC the service checks: start_seq, or the entry after
    -- the head it already held when the escrow arrived (entries a service without
    -- MAC support took earlier are kept as they came).
    required_from bigint NOT NULL CHECK (required_from >= start_seq),
    current_seq  bigint NOT NULL CHECK (current_seq >= required_from),
    current_key  bytea NOT NULL CHECK (length(current_key) = 32),
    escrowed_at  timestamptz NOT NULL,
    PRIMARY KEY (terminal_id, chain_id)
);
