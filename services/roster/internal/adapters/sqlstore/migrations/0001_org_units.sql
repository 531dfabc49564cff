-- The bank's organisation tree: head office → branch → sub-branch → team.
CREATE TABLE org_units (
    id           TEXT      PRIMARY KEY,
    display_name TEXT      NOT NULL,
    type         INTEGER   NOT NULL CHECK (type BETWEEN 1 AND 4),
    parent_id    TEXT      REFERENCES org_units (id) ON DELETE RESTRICT,
    code         TEXT,               -- the bank's own code (机构号); NULL when not set
    address      TEXT      NOT NULL DEFAULT '',
    path         TEXT      NOT NULL, -- "/root/…/id/": a subtree is a path prefix
    revision     BIGINT    NOT NULL,
    create_time  TIMESTAMP NOT NULL,
    update_time  TIMESTAMP NOT NULL,
    CHECK ((type = 1) = (parent_id IS NULL))
);
CREATE UNIQUE INDEX org_units_code ON org_units (code);
CREATE UNIQUE INDEX org_units_one_head_office ON org_units (type) WHERE type = 1;
CREATE INDEX org_units_parent ON org_units (parent_id, display_name, id);
CREATE INDEX org_units_path ON org_units (path);
