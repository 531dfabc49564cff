-- Where an org unit is (WGS 84 degrees): its managers' visit routes start and end
-- there. NULL with longitude when unknown, like customers' location.
--
-- One file for both backends. SQLite cannot add a table constraint through ALTER
-- TABLE, so the both-or-neither rule is a column constraint on the second column,
-- referring to the first: SQLite treats column and table CHECKs alike (and tests the
-- existing rows when the column is added), and PostgreSQL explicitly does not enforce
-- the SQL standard's one-column limit on column CHECKs. Existing rows get NULL in
-- both columns, which the rule allows. The ranges (-90..90, -180..180) are checked
-- in code, as for customers.
ALTER TABLE org_units ADD COLUMN latitude DOUBLE PRECISION;
ALTER TABLE org_units ADD COLUMN longitude DOUBLE PRECISION
    CONSTRAINT org_units_location_both_or_neither CHECK ((latitude IS NULL) = (longitude IS NULL));
