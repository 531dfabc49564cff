-- A sender leases a grade change while it calls the roster, so that an
-- appeal cannot cancel a change the roster may be applying at that moment.
ALTER TABLE grade_deliveries ADD COLUMN lease_until TIMESTAMP;
