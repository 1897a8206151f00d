-- Which venues each staff member works at (issue 16): a terminal receives the
-- password verifiers (and, until login moves to authenticators, the TOTP seeds) only
-- of staff assigned to a venue of its sessions; everyone else's stay on the service.
CREATE TABLE staff_venues (
    staff_id    text NOT NULL REFERENCES staff (staff_id),
    venue_id    text NOT NULL REFERENCES venues (venue_id),
    assigned_at timestamptz NOT NULL,
    PRIMARY KEY (staff_id, venue_id)
);
CREATE INDEX staff_venues_venue ON staff_venues (venue_id);

-- Until now every terminal received every account: keep that for the staff and
-- venues that exist, so an upgrade locks nobody out; new staff start unassigned.
INSERT INTO staff_venues (staff_id, venue_id, assigned_at)
SELECT s.staff_id, v.venue_id, now() FROM staff s CROSS JOIN venues v;
