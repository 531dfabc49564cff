-- The assessment service's first tables: the indicator library, the monthly
-- templates, and the business figures other bank systems push, with their
-- history and the batches that brought them. Decimals (rules, weights,
-- figure values) are stored as exact decimal text, never as floating point.

-- One indicator of the library (指标库). Its scoring rule is one JSON document
-- ({"linear": {"target": "…", "cap": "…"}} etc.), decimals as strings.
CREATE TABLE indicators (
    code         TEXT      PRIMARY KEY,
    display_name TEXT      NOT NULL,
    description  TEXT      NOT NULL DEFAULT '',
    dimension    TEXT      NOT NULL,
    unit         TEXT      NOT NULL,
    direction    TEXT      NOT NULL,
    source       TEXT      NOT NULL,
    rule         TEXT      NOT NULL,
    revision     BIGINT    NOT NULL CHECK (revision > 0),
    create_time  TIMESTAMP NOT NULL,
    update_time  TIMESTAMP NOT NULL,
    updated_by   TEXT      NOT NULL
);

-- A monthly assessment template (考核方案): its lines (indicator, part,
-- weight) and the ladder levels it assesses, each one JSON document; a
-- template is read and changed as a whole.
CREATE TABLE templates (
    code         TEXT      PRIMARY KEY,
    display_name TEXT      NOT NULL,
    tier         TEXT      NOT NULL,
    lines        TEXT      NOT NULL,
    levels       TEXT      NOT NULL,
    revision     BIGINT    NOT NULL CHECK (revision > 0),
    create_time  TIMESTAMP NOT NULL,
    update_time  TIMESTAMP NOT NULL,
    updated_by   TEXT      NOT NULL
);

-- A batch of figures as imported: its id is used once (a resend with the
-- same fingerprint is a retry), and its outcome is kept to answer retries.
CREATE TABLE figure_batches (
    id          TEXT      PRIMARY KEY,
    fingerprint TEXT      NOT NULL, -- sha-256 of the request's content
    source      TEXT      NOT NULL,
    row_count   INTEGER   NOT NULL,
    created     INTEGER   NOT NULL DEFAULT 0,
    corrected   INTEGER   NOT NULL DEFAULT 0,
    unchanged   INTEGER   NOT NULL DEFAULT 0,
    corrections TEXT      NOT NULL DEFAULT '[]', -- JSON: the figures corrected, with their previous values
    import_time TIMESTAMP NOT NULL,
    imported_by TEXT      NOT NULL
);

-- The current value of each figure: one manager, one period (YYYY-MM, YYYY-Qn
-- or YYYY), one code. name is the resource name, unique, for keyset paging.
CREATE TABLE figures (
    manager_id  TEXT      NOT NULL,
    period      TEXT      NOT NULL,
    code        TEXT      NOT NULL,
    name        TEXT      NOT NULL UNIQUE,
    value       TEXT      NOT NULL, -- exact decimal text in the unit
    unit        TEXT      NOT NULL,
    revision    BIGINT    NOT NULL CHECK (revision > 0),
    batch_id    TEXT      NOT NULL REFERENCES figure_batches (id),
    source      TEXT      NOT NULL,
    org_unit_id TEXT      NOT NULL,
    org_path    TEXT      NOT NULL, -- the manager's unit's path when written, for scope
    create_time TIMESTAMP NOT NULL,
    update_time TIMESTAMP NOT NULL,
    PRIMARY KEY (manager_id, period, code)
);
CREATE INDEX figures_period_code ON figures (period, code);
CREATE INDEX figures_code ON figures (code);

-- Every value each figure has had, the current one included: a correction
-- adds a revision and never rewrites an earlier one.
CREATE TABLE figure_revisions (
    manager_id  TEXT      NOT NULL,
    period      TEXT      NOT NULL,
    code        TEXT      NOT NULL,
    revision    BIGINT    NOT NULL CHECK (revision > 0),
    value       TEXT      NOT NULL,
    batch_id    TEXT      NOT NULL REFERENCES figure_batches (id),
    source      TEXT      NOT NULL,
    record_time TIMESTAMP NOT NULL,
    recorded_by TEXT      NOT NULL,
    PRIMARY KEY (manager_id, period, code, revision)
);
