-- Customer managers, their effective-dated history, grade ladders and entry waivers.
CREATE TABLE grade_ladders (
    id             TEXT      PRIMARY KEY,
    display_name   TEXT      NOT NULL,
    levels         TEXT      NOT NULL, -- JSON array of levels, lowest first per track
    is_default     BOOLEAN   NOT NULL DEFAULT FALSE,
    trainee_months INTEGER   NOT NULL DEFAULT 0,
    revision       BIGINT    NOT NULL,
    create_time    TIMESTAMP NOT NULL,
    update_time    TIMESTAMP NOT NULL
);

CREATE TABLE managers (
    id                   TEXT      PRIMARY KEY, -- employee number
    display_name         TEXT      NOT NULL,
    gender               INTEGER   NOT NULL DEFAULT 0,
    birth_date           TEXT,
    education            INTEGER   NOT NULL DEFAULT 0,
    hire_date            TEXT      NOT NULL,
    finance_start_date   TEXT,
    org_unit_id          TEXT      NOT NULL REFERENCES org_units (id) ON DELETE RESTRICT,
    post                 TEXT      NOT NULL DEFAULT '',
    line                 INTEGER   NOT NULL CHECK (line BETWEEN 1 AND 3),
    category             INTEGER   NOT NULL DEFAULT 0,
    employment_type      INTEGER   NOT NULL DEFAULT 0,
    supervisor_id        TEXT      REFERENCES managers (id) ON DELETE RESTRICT,
    ladder_id            TEXT      REFERENCES grade_ladders (id) ON DELETE RESTRICT,
    level_code           TEXT      NOT NULL DEFAULT '',
    band                 TEXT      NOT NULL DEFAULT '',
    grade_date           TEXT,
    status               INTEGER   NOT NULL CHECK (status BETWEEN 1 AND 6),
    status_date          TEXT      NOT NULL,
    exit_reason          INTEGER   NOT NULL DEFAULT 0,
    probation_start      TEXT,
    probation_end        TEXT,
    id_number            TEXT      NOT NULL DEFAULT '',
    phone                TEXT      NOT NULL DEFAULT '',
    qualifications       TEXT      NOT NULL DEFAULT '[]', -- JSON
    entry_record         TEXT      NOT NULL DEFAULT '{}', -- JSON
    qualification_expiry TEXT,                            -- earliest expiry, for filters
    revision             BIGINT    NOT NULL,
    create_time          TIMESTAMP NOT NULL,
    update_time          TIMESTAMP NOT NULL
);
CREATE INDEX managers_org ON managers (org_unit_id);
CREATE INDEX managers_name ON managers (display_name, id);
CREATE INDEX managers_supervisor ON managers (supervisor_id);

-- Every dated change of posting (org unit, post, line, supervisor), grade and
-- status. The value on a day is the latest row of its kind with valid_from on or
-- before it; rows are only ever added.
CREATE TABLE manager_history (
    manager_id    TEXT      NOT NULL REFERENCES managers (id) ON DELETE RESTRICT,
    seq           INTEGER   NOT NULL,
    kind          INTEGER   NOT NULL CHECK (kind BETWEEN 1 AND 3),
    valid_from    TEXT      NOT NULL,
    org_unit_id   TEXT      NOT NULL DEFAULT '',
    post          TEXT      NOT NULL DEFAULT '',
    line          INTEGER   NOT NULL DEFAULT 0,
    supervisor_id TEXT      NOT NULL DEFAULT '',
    ladder_id     TEXT      NOT NULL DEFAULT '',
    level_code    TEXT      NOT NULL DEFAULT '',
    band          TEXT      NOT NULL DEFAULT '',
    status        INTEGER   NOT NULL DEFAULT 0,
    exit_reason   INTEGER   NOT NULL DEFAULT 0,
    reason        TEXT      NOT NULL DEFAULT '',
    reference     TEXT      NOT NULL DEFAULT '',
    recorded_by   TEXT      NOT NULL,
    record_time   TIMESTAMP NOT NULL,
    PRIMARY KEY (manager_id, seq)
);
CREATE INDEX manager_history_asof ON manager_history (manager_id, kind, valid_from);

-- Approved waivers of entry rules (education, corporate experience).
CREATE TABLE entry_waivers (
    manager_id  TEXT      NOT NULL REFERENCES managers (id) ON DELETE RESTRICT,
    rule        TEXT      NOT NULL,
    approval    TEXT      NOT NULL,
    reason      TEXT      NOT NULL,
    granted_by  TEXT      NOT NULL,
    grant_time  TIMESTAMP NOT NULL,
    PRIMARY KEY (manager_id, rule)
);
