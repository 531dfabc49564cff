-- The compensation service's tables: pay configuration versions, pay inputs,
-- payroll runs with their computations, payslips by generation, what each
-- computation changed, and what locked runs settled (commission paid, retro
-- corrections). Amounts are integer fen or exact decimal text, never floating
-- point.

-- Every revision of every configuration version (one JSON document each; a
-- revision is never changed, a new one is added).
CREATE TABLE pay_configs (
    effective_date TEXT      NOT NULL, -- YYYY-MM-DD
    revision       BIGINT    NOT NULL CHECK (revision > 0),
    document       TEXT      NOT NULL,
    create_time    TIMESTAMP NOT NULL,
    update_time    TIMESTAMP NOT NULL,
    updated_by     TEXT      NOT NULL,
    PRIMARY KEY (effective_date, revision)
);

-- Pay inputs of a month. value is exact decimal text.
CREATE TABLE pay_inputs (
    id            TEXT      PRIMARY KEY,
    manager_id    TEXT      NOT NULL,
    period        TEXT      NOT NULL, -- YYYY-MM
    kind          INTEGER   NOT NULL CHECK (kind BETWEEN 1 AND 8),
    code          TEXT      NOT NULL DEFAULT '',
    contract      TEXT      NOT NULL DEFAULT '',
    value         TEXT      NOT NULL,
    reference_run TEXT      NOT NULL DEFAULT '',
    reference_period TEXT   NOT NULL DEFAULT '',
    description   TEXT      NOT NULL DEFAULT '',
    source        TEXT      NOT NULL DEFAULT '',
    org_path      TEXT      NOT NULL, -- the manager's unit's path when recorded, for scope
    create_time   TIMESTAMP NOT NULL,
    created_by    TEXT      NOT NULL
);
CREATE INDEX pay_inputs_period ON pay_inputs (period, manager_id);
CREATE INDEX pay_inputs_manager ON pay_inputs (manager_id, kind);
CREATE UNIQUE INDEX pay_inputs_one_contract ON pay_inputs (manager_id, contract) WHERE kind = 7;
CREATE UNIQUE INDEX pay_inputs_one_days_worked ON pay_inputs (manager_id, period) WHERE kind = 3;

-- One row per month that has runs: creating a run updates it first, so that
-- runs of one month are created one at a time (no two overlapping runs).
CREATE TABLE payroll_periods (
    period TEXT   PRIMARY KEY,
    runs   BIGINT NOT NULL
);

CREATE TABLE payroll_runs (
    id               TEXT      PRIMARY KEY,
    period           TEXT      NOT NULL,
    org_unit_id      TEXT      NOT NULL,
    org_path         TEXT      NOT NULL,
    state            TEXT      NOT NULL CHECK (state IN ('DRAFT', 'COMPUTED', 'SUBMITTED', 'LOCKED', 'DISCARDED')),
    generation       INTEGER   NOT NULL DEFAULT 0,
    config_key       TEXT      NOT NULL DEFAULT '',
    config_name      TEXT      NOT NULL DEFAULT '',
    config_revision  BIGINT    NOT NULL DEFAULT 0,
    basis            TEXT      NOT NULL DEFAULT '',
    payslips         INTEGER   NOT NULL DEFAULT 0,
    warned           INTEGER   NOT NULL DEFAULT 0,
    adjusted         INTEGER   NOT NULL DEFAULT 0,
    gross_fen        BIGINT    NOT NULL DEFAULT 0,
    deductions_fen   BIGINT    NOT NULL DEFAULT 0,
    net_fen          BIGINT    NOT NULL DEFAULT 0,
    approval         TEXT      NOT NULL DEFAULT '',
    rejection        TEXT      NOT NULL DEFAULT '',
    operation_id     TEXT      NOT NULL DEFAULT '',
    created_by       TEXT      NOT NULL,
    submitted_by     TEXT      NOT NULL DEFAULT '',
    approved_by      TEXT      NOT NULL DEFAULT '',
    create_time      TIMESTAMP NOT NULL,
    update_time      TIMESTAMP NOT NULL,
    lock_time        TIMESTAMP,
    revision         BIGINT    NOT NULL CHECK (revision > 0)
);
-- One run per month and unit, unless discarded.
CREATE UNIQUE INDEX payroll_runs_one ON payroll_runs (period, org_unit_id) WHERE state <> 'DISCARDED';
CREATE INDEX payroll_runs_period ON payroll_runs (period, state);

-- Computations of runs: background jobs held with a lease.
CREATE TABLE payroll_operations (
    id               TEXT      PRIMARY KEY,
    run_id           TEXT      NOT NULL REFERENCES payroll_runs (id),
    generation       INTEGER   NOT NULL,
    state            TEXT      NOT NULL CHECK (state IN ('RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    phase            TEXT      NOT NULL DEFAULT '',
    percent          INTEGER   NOT NULL DEFAULT 0,
    total            INTEGER   NOT NULL DEFAULT 0,
    changed          INTEGER   NOT NULL DEFAULT 0,
    error            TEXT      NOT NULL DEFAULT '',
    cancel_requested INTEGER   NOT NULL DEFAULT 0,
    lease_owner      TEXT      NOT NULL DEFAULT '',
    lease_until      TIMESTAMP NOT NULL,
    requested_by     TEXT      NOT NULL,
    start_time       TIMESTAMP NOT NULL,
    end_time         TIMESTAMP
);
CREATE INDEX payroll_operations_running ON payroll_operations (state, lease_until);

-- Payslips, one per manager and generation of a run; a computation writes a
-- new generation beside the current one. body is the payslip (lines with
-- their explanations) as JSON, inputs what it was computed from.
CREATE TABLE payslips (
    run_id         TEXT    NOT NULL REFERENCES payroll_runs (id),
    generation     INTEGER NOT NULL,
    manager_id     TEXT    NOT NULL,
    display_name   TEXT    NOT NULL,
    org_unit_id    TEXT    NOT NULL,
    org_path       TEXT    NOT NULL,
    gross_fen      BIGINT  NOT NULL,
    deductions_fen BIGINT  NOT NULL,
    net_fen        BIGINT  NOT NULL CHECK (net_fen = gross_fen - deductions_fen),
    warnings       INTEGER NOT NULL,
    summary        TEXT    NOT NULL, -- the lines' codes, names and amounts (JSON), for comparisons
    body           TEXT    NOT NULL,
    inputs         TEXT    NOT NULL,
    PRIMARY KEY (run_id, generation, manager_id)
);
CREATE INDEX payslips_manager ON payslips (manager_id);

-- What payslip lines assumed of other locked runs, checked again and settled
-- when their run is locked.
CREATE TABLE payslip_claims (
    run_id     TEXT    NOT NULL REFERENCES payroll_runs (id),
    generation INTEGER NOT NULL,
    manager_id TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('COMMISSION', 'RETRO')),
    ref        TEXT    NOT NULL, -- the contract, or the month corrected
    basis      TEXT    NOT NULL,
    amount_fen BIGINT  NOT NULL DEFAULT 0,
    period     TEXT    NOT NULL DEFAULT '',
    orig_run   TEXT    NOT NULL DEFAULT '',
    settle_key TEXT    NOT NULL DEFAULT '',
    amounts    TEXT    NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, generation, manager_id, kind, ref)
);

-- What each computation changed against the previous one, per manager and
-- line (before/after NULL for a line added/gone).
CREATE TABLE payslip_diffs (
    run_id       TEXT    NOT NULL REFERENCES payroll_runs (id),
    generation   INTEGER NOT NULL,
    manager_id   TEXT    NOT NULL,
    line_code    TEXT    NOT NULL,
    display_name TEXT    NOT NULL,
    before_fen   BIGINT,
    after_fen    BIGINT,
    PRIMARY KEY (run_id, generation, manager_id, line_code)
);

-- Commission locked runs paid (+) or clawed back (−), per contract.
CREATE TABLE commission_ledger (
    manager_id TEXT   NOT NULL,
    contract   TEXT   NOT NULL,
    run_id     TEXT   NOT NULL REFERENCES payroll_runs (id),
    period     TEXT   NOT NULL,
    amount_fen BIGINT NOT NULL,
    PRIMARY KEY (manager_id, contract, run_id)
);

-- Retro corrections locked: a month of a manager now stands at these
-- component amounts under this configuration key.
CREATE TABLE retro_settlements (
    manager_id TEXT      NOT NULL,
    period     TEXT      NOT NULL,
    settle_key TEXT      NOT NULL,
    orig_run   TEXT      NOT NULL,
    run_id     TEXT      NOT NULL REFERENCES payroll_runs (id),
    amounts    TEXT      NOT NULL,
    settled_at TIMESTAMP NOT NULL,
    PRIMARY KEY (manager_id, period, run_id)
);
