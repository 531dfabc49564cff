-- Quarterly and annual assessments: their results (one JSON document each:
-- the monthly totals used, the score and how it was computed, the additional
-- assessment) and the inputs the committee or HR entered.

CREATE TABLE assessments (
    id           TEXT      PRIMARY KEY,
    org_unit_id  TEXT      NOT NULL,
    org_path     TEXT      NOT NULL,
    period       TEXT      NOT NULL, -- YYYY-Qn or YYYY
    results      INTEGER   NOT NULL DEFAULT 0,
    incomplete   INTEGER   NOT NULL DEFAULT 0,
    skipped      TEXT      NOT NULL DEFAULT '[]',
    revision     BIGINT    NOT NULL CHECK (revision > 0),
    created_by   TEXT      NOT NULL,
    create_time  TIMESTAMP NOT NULL,
    computed_by  TEXT      NOT NULL,
    compute_time TIMESTAMP NOT NULL,
    UNIQUE (org_unit_id, period)
);

-- One manager's result for one quarter or year: a manager is assessed once a
-- period (the primary key).
CREATE TABLE assessment_results (
    period        TEXT      NOT NULL,
    manager_id    TEXT      NOT NULL,
    assessment_id TEXT      NOT NULL REFERENCES assessments (id),
    name          TEXT      NOT NULL UNIQUE, -- assessments/{a}/results/{manager}
    org_unit_id   TEXT      NOT NULL,
    org_path      TEXT      NOT NULL,
    complete      BOOLEAN   NOT NULL,
    result        TEXT      NOT NULL, -- JSON
    update_time   TIMESTAMP NOT NULL,
    PRIMARY KEY (period, manager_id)
);
CREATE INDEX assessment_results_assessment ON assessment_results (assessment_id, manager_id);

CREATE TABLE assessment_inputs (
    assessment_id    TEXT      NOT NULL REFERENCES assessments (id),
    manager_id       TEXT      NOT NULL,
    annual_summary   TEXT      NOT NULL DEFAULT '', -- exact decimal text, '' when not entered
    self_evaluation  TEXT      NOT NULL DEFAULT '',
    committee_rating TEXT      NOT NULL DEFAULT '',
    entered_by       TEXT      NOT NULL,
    enter_time       TIMESTAMP NOT NULL,
    PRIMARY KEY (assessment_id, manager_id)
);
