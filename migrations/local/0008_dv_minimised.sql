-- DV-protected residents' postal code, address and phone no longer leave the
-- central service (issue 17); what earlier syncs brought goes from this store.
UPDATE residents SET postal_code = '', address = '', phone = '' WHERE dv_support = 1;
