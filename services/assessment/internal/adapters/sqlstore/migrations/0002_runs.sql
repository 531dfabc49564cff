-- Monthly assessment runs, their score cards and the supervisors' ratings they
-- use. A score card is one JSON document (the lines with their values,
-- sources, rules and points, the part subtotals, the total and the
-- coefficient), decimals as exact strings.

-- A monthly run for one org subtree and one month. state is open or closed;
-- "closing" is an open run whose close_approval is pending (read from the
-- approvals table).
CREATE TABLE runs (
    id                TEXT      PRIMARY KEY,
    org_unit_id       TEXT      NOT NULL,
    org_path          TEXT      NOT NULL, -- the subtree's path when started, for scope
    period            TEXT      NOT NULL, -- YYYY-MM
    state             TEXT      NOT NULL CHECK (state IN ('open', 'closed')),
    close_approval    TEXT      NOT NULL DEFAULT '',
    cards             INTEGER   NOT NULL DEFAULT 0,
    incomplete        INTEGER   NOT NULL DEFAULT 0,
    skipped           TEXT      NOT NULL DEFAULT '[]', -- JSON: managers not scored, and why
    revision          BIGINT    NOT NULL CHECK (revision > 0),
    created_by        TEXT      NOT NULL,
    create_time       TIMESTAMP NOT NULL,
    computed_by       TEXT      NOT NULL,
    compute_time      TIMESTAMP NOT NULL,
    close_prepared_by TEXT      NOT NULL DEFAULT '',
    closed_by         TEXT      NOT NULL DEFAULT '',
    close_time        TIMESTAMP,
    UNIQUE (org_unit_id, period)
);
CREATE INDEX runs_period ON runs (period);

-- One manager's score card for one month: a manager is scored by one run a
-- month (the primary key).
CREATE TABLE score_cards (
    period      TEXT      NOT NULL,
    manager_id  TEXT      NOT NULL,
    run_id      TEXT      NOT NULL REFERENCES runs (id),
    name        TEXT      NOT NULL UNIQUE, -- runs/{run}/scoreCards/{manager}, for keyset paging
    org_unit_id TEXT      NOT NULL,
    org_path    TEXT      NOT NULL, -- the manager's unit's path when scored, for scope
    ladder      TEXT      NOT NULL,
    level       TEXT      NOT NULL,
    band        TEXT      NOT NULL,
    template    TEXT      NOT NULL,
    total       TEXT      NOT NULL, -- exact decimal text, two places
    coefficient TEXT      NOT NULL,
    complete    BOOLEAN   NOT NULL,
    card        TEXT      NOT NULL, -- JSON: the values scored (with their sources) and the amendments
    revision    INTEGER   NOT NULL CHECK (revision > 0),
    update_time TIMESTAMP NOT NULL,
    PRIMARY KEY (period, manager_id)
);
CREATE INDEX score_cards_run ON score_cards (run_id, manager_id);
CREATE INDEX score_cards_manager ON score_cards (manager_id, period);

-- A supervisor's rating of one manual indicator of one manager in one run;
-- entered again, it is replaced.
CREATE TABLE ratings (
    run_id     TEXT      NOT NULL REFERENCES runs (id),
    manager_id TEXT      NOT NULL,
    indicator  TEXT      NOT NULL,
    value      TEXT      NOT NULL, -- exact decimal text, 0–100
    comment    TEXT      NOT NULL DEFAULT '',
    rated_by   TEXT      NOT NULL,
    rate_time  TIMESTAMP NOT NULL,
    PRIMARY KEY (run_id, manager_id, indicator)
);
