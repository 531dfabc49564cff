-- Grade decisions: rounds, one decision per manager (the grade domain's
-- decision with its checks, quota rank and reasons, as one JSON document),
-- and the outbox of grade changes on their way to the roster.

-- A round of grade decisions for one ladder, one org subtree and one period.
-- state is proposed or approved; "approving" is a proposed round whose
-- approval is pending (read from the approvals table).
CREATE TABLE decision_rounds (
    id           TEXT      PRIMARY KEY,
    org_unit_id  TEXT      NOT NULL,
    org_path     TEXT      NOT NULL,
    period       TEXT      NOT NULL, -- YYYY or YYYY-Qn
    ladder       TEXT      NOT NULL,
    inputs       TEXT      NOT NULL, -- JSON: exceptions, flags, sales bases
    state        TEXT      NOT NULL CHECK (state IN ('proposed', 'approved')),
    approval     TEXT      NOT NULL DEFAULT '',
    decisions    INTEGER   NOT NULL DEFAULT 0,
    moves        INTEGER   NOT NULL DEFAULT 0,
    skipped      TEXT      NOT NULL DEFAULT '[]',
    revision     BIGINT    NOT NULL CHECK (revision > 0),
    created_by   TEXT      NOT NULL,
    create_time  TIMESTAMP NOT NULL,
    computed_by  TEXT      NOT NULL,
    compute_time TIMESTAMP NOT NULL,
    submitted_by TEXT      NOT NULL DEFAULT '',
    approved_by  TEXT      NOT NULL DEFAULT '',
    approve_time TIMESTAMP,
    UNIQUE (org_unit_id, period, ladder)
);

-- A grade change for the roster, kept until the roster has applied (or
-- refused) it. id is the roster request id, derived from the decision and its
-- revision, so a change sent again is never applied twice.
CREATE TABLE grade_deliveries (
    id              TEXT      PRIMARY KEY,
    manager_id      TEXT      NOT NULL,
    ladder          TEXT      NOT NULL,
    level           TEXT      NOT NULL,
    band            TEXT      NOT NULL,
    effective_date  TEXT      NOT NULL, -- YYYY-MM-DD
    reason          TEXT      NOT NULL,
    reference       TEXT      NOT NULL, -- what decided it
    exceptional     BOOLEAN   NOT NULL,
    state           TEXT      NOT NULL CHECK (state IN ('pending', 'applied', 'awaiting', 'failed', 'cancelled')),
    roster_approval TEXT      NOT NULL DEFAULT '',
    error           TEXT      NOT NULL DEFAULT '',
    attempts        INTEGER   NOT NULL DEFAULT 0,
    next_attempt    TIMESTAMP NOT NULL,
    create_time     TIMESTAMP NOT NULL,
    apply_time      TIMESTAMP
);
CREATE INDEX grade_deliveries_due ON grade_deliveries (state, next_attempt);

-- One manager's decision in one round: a manager is decided on once a period
-- and ladder (the primary key).
CREATE TABLE decisions (
    period      TEXT      NOT NULL,
    ladder      TEXT      NOT NULL,
    manager_id  TEXT      NOT NULL,
    round_id    TEXT      NOT NULL REFERENCES decision_rounds (id),
    name        TEXT      NOT NULL UNIQUE, -- decisionRounds/{round}/decisions/{manager}
    org_unit_id TEXT      NOT NULL,
    org_path    TEXT      NOT NULL,
    kind        TEXT      NOT NULL,
    moves       BOOLEAN   NOT NULL,
    decision    TEXT      NOT NULL, -- JSON
    score       TEXT      NOT NULL,
    revision    INTEGER   NOT NULL CHECK (revision > 0),
    amended_by  TEXT      NOT NULL DEFAULT '[]',
    delivery_id TEXT      NOT NULL DEFAULT '',
    update_time TIMESTAMP NOT NULL,
    PRIMARY KEY (period, ladder, manager_id)
);
CREATE INDEX decisions_round ON decisions (round_id, manager_id);
CREATE INDEX decisions_manager ON decisions (manager_id, ladder, period);
