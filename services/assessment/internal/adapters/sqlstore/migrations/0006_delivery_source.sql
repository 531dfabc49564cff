-- A grade change names the revision of what decided it, so that a decision
-- reads the change of its current revision (reference, source_revision)
-- instead of keeping its id: approving a round writes only the outbox.
-- decisions.delivery_id is no longer used.
ALTER TABLE grade_deliveries ADD COLUMN source_revision INTEGER NOT NULL DEFAULT 1;
CREATE INDEX grade_deliveries_reference ON grade_deliveries (reference, source_revision);

-- The grades a decision moves between and whether it is exceptional, as
-- columns: approving a round reads its moving decisions without their
-- documents.
ALTER TABLE decisions ADD COLUMN from_level TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN from_band TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN to_level TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN to_band TEXT NOT NULL DEFAULT '';
ALTER TABLE decisions ADD COLUMN exceptional BOOLEAN NOT NULL DEFAULT FALSE;
