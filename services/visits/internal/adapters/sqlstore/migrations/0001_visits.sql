-- The visits service's tables: its copy of the roster's customers (kept by
-- following the roster's portfolio change feed), the frequency table, monthly
-- plans, supervisor tasks and visit records.

-- Customers as the roster last told us, plus what only visits knows of them:
-- their fixed frequency and method (set when a plan is approved) and the day of
-- their last completed visit.
CREATE TABLE customers (
    id                 TEXT             PRIMARY KEY,
    display_name       TEXT             NOT NULL,
    classification     TEXT             NOT NULL DEFAULT '',
    area_type          TEXT             NOT NULL DEFAULT '',
    address            TEXT             NOT NULL DEFAULT '',
    latitude           DOUBLE PRECISION,
    longitude          DOUBLE PRECISION,
    primary_manager_id TEXT             NOT NULL,
    org_unit_id        TEXT             NOT NULL DEFAULT '',
    frequency          INTEGER          NOT NULL DEFAULT 0 CHECK (frequency BETWEEN 0 AND 5),
    method             INTEGER          NOT NULL DEFAULT 0 CHECK (method BETWEEN 0 AND 3),
    last_visit         TEXT             NOT NULL DEFAULT '', -- YYYY-MM-DD; '' never visited
    feed_sequence      BIGINT           NOT NULL DEFAULT 0   -- the roster change that last touched it
);
CREATE INDEX customers_manager ON customers (primary_manager_id, id);

-- Where this service is in each change feed it follows.
CREATE TABLE feed_cursors (
    feed     TEXT   PRIMARY KEY,
    sequence BIGINT NOT NULL
);

-- The frequency table: one row.
CREATE TABLE frequency_rules (
    id          INTEGER   PRIMARY KEY CHECK (id = 1),
    body        TEXT      NOT NULL, -- JSON: {"rules": [...], "fallback": {...}}
    revision    BIGINT    NOT NULL,
    update_time TIMESTAMP NOT NULL,
    updated_by  TEXT      NOT NULL
);

-- A manager's plan for a month. Its lines are one JSON document: a plan is read,
-- edited and reviewed as a whole, and generating a month for a thousand managers
-- writes a thousand rows, not a hundred and sixty thousand.
CREATE TABLE plans (
    manager_id     TEXT      NOT NULL,
    month          TEXT      NOT NULL, -- YYYY-MM
    org_unit_id    TEXT      NOT NULL,
    org_path       TEXT      NOT NULL,
    state          INTEGER   NOT NULL CHECK (state BETWEEN 1 AND 4),
    items          TEXT      NOT NULL, -- JSON array of lines
    generated      TEXT      NOT NULL, -- the lines as generated, for the reviewer's diff
    note           TEXT      NOT NULL DEFAULT '',
    review_comment TEXT      NOT NULL DEFAULT '',
    submitted_by   TEXT      NOT NULL DEFAULT '',
    submit_time    TIMESTAMP,
    reviewed_by    TEXT      NOT NULL DEFAULT '',
    review_time    TIMESTAMP,
    revision       BIGINT    NOT NULL,
    create_time    TIMESTAMP NOT NULL,
    update_time    TIMESTAMP NOT NULL,
    PRIMARY KEY (manager_id, month),
    -- The reviewer is never the manager (also refused in code).
    CHECK (reviewed_by = '' OR reviewed_by <> manager_id)
);
CREATE INDEX plans_month ON plans (month, manager_id);
CREATE INDEX plans_path ON plans (org_path, month);

-- Supervisors' tasks (工作安排).
CREATE TABLE tasks (
    id          TEXT      PRIMARY KEY,
    manager_id  TEXT      NOT NULL,
    text        TEXT      NOT NULL,
    month       TEXT      NOT NULL, -- YYYY-MM
    week        TEXT      NOT NULL DEFAULT '', -- Monday YYYY-MM-DD, or ''
    customer_id TEXT      NOT NULL DEFAULT '',
    org_path    TEXT      NOT NULL,
    assigned_by TEXT      NOT NULL,
    done        BOOLEAN   NOT NULL DEFAULT FALSE,
    done_date   TEXT      NOT NULL DEFAULT '',
    create_time TIMESTAMP NOT NULL
);
CREATE INDEX tasks_manager ON tasks (manager_id, done, month);

-- Completed visits.
CREATE TABLE visits (
    id            TEXT             PRIMARY KEY,
    manager_id    TEXT             NOT NULL,
    customer_id   TEXT             NOT NULL,
    day           TEXT             NOT NULL, -- YYYY-MM-DD
    method        INTEGER          NOT NULL DEFAULT 0,
    check_in_time TIMESTAMP,
    latitude      DOUBLE PRECISION,
    longitude     DOUBLE PRECISION,
    steps         TEXT             NOT NULL DEFAULT '[]',
    notes         TEXT             NOT NULL DEFAULT '',
    plan_month    TEXT             NOT NULL DEFAULT '',
    plan_item     TEXT             NOT NULL DEFAULT '',
    org_path      TEXT             NOT NULL,
    create_time   TIMESTAMP        NOT NULL
);
CREATE INDEX visits_manager ON visits (manager_id, day, id);
CREATE INDEX visits_customer ON visits (customer_id, day);
