-- Customers and their managers (管户): the customer master, the assignment history,
-- capacity settings and the portfolio change feed (outbox).
CREATE TABLE customers (
    id                 TEXT             PRIMARY KEY, -- the customer code
    display_name       TEXT             NOT NULL,
    kind               INTEGER          NOT NULL CHECK (kind BETWEEN 1 AND 3),
    classification     TEXT             NOT NULL DEFAULT '',
    address            TEXT             NOT NULL DEFAULT '',
    latitude           DOUBLE PRECISION,            -- NULL with longitude when unknown
    longitude          DOUBLE PRECISION,
    area_type          INTEGER          NOT NULL CHECK (area_type BETWEEN 1 AND 3),
    visit_method       INTEGER          NOT NULL DEFAULT 0 CHECK (visit_method BETWEEN 0 AND 3),
    -- The org unit is the primary manager's, read through managers: never copied here.
    primary_manager_id TEXT             NOT NULL REFERENCES managers (id) ON DELETE RESTRICT,
    backup_manager_id  TEXT             REFERENCES managers (id) ON DELETE RESTRICT,
    assignment_start   TEXT             NOT NULL, -- the day the primary manager took over (YYYY-MM-DD)
    revision           BIGINT           NOT NULL,
    create_time        TIMESTAMP        NOT NULL,
    update_time        TIMESTAMP        NOT NULL,
    CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CHECK (backup_manager_id <> primary_manager_id)
);
-- A manager's customers in list order (filter primary_manager, load counts).
CREATE INDEX customers_primary ON customers (primary_manager_id, display_name, id);
CREATE INDEX customers_backup ON customers (backup_manager_id, display_name, id);
CREATE INDEX customers_name ON customers (display_name, id);

-- Every period of a customer with one primary (and backup) manager. The current
-- period has no end; a change ends it and starts the next on the same day.
CREATE TABLE customer_assignments (
    customer_id        TEXT      NOT NULL REFERENCES customers (id) ON DELETE RESTRICT,
    seq                INTEGER   NOT NULL,
    primary_manager_id TEXT      NOT NULL,
    backup_manager_id  TEXT      NOT NULL DEFAULT '',
    start_date         TEXT      NOT NULL,
    end_date           TEXT,               -- the day after the last day; NULL while current
    reason             TEXT      NOT NULL DEFAULT '',
    recorded_by        TEXT      NOT NULL,
    record_time        TIMESTAMP NOT NULL,
    PRIMARY KEY (customer_id, seq)
);
CREATE UNIQUE INDEX customer_assignments_current ON customer_assignments (customer_id) WHERE end_date IS NULL;

-- Capacity per manager line: one row, seeded with DOMAIN.md's defaults.
CREATE TABLE portfolio_settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    corporate_capacity INTEGER NOT NULL CHECK (corporate_capacity > 0),
    retail_capacity    INTEGER NOT NULL CHECK (retail_capacity > 0),
    micro_capacity     INTEGER NOT NULL CHECK (micro_capacity > 0),
    revision           BIGINT  NOT NULL
);
INSERT INTO portfolio_settings (id, corporate_capacity, retail_capacity, micro_capacity, revision)
VALUES (1, 50, 1000, 1000, 1);

-- The portfolio change feed (outbox): written in the transaction of each change,
-- served by WatchPortfolioChanges from a cursor. sequence is strictly increasing in
-- commit order (see sqlstore.Customers.AppendChanges).
CREATE TABLE portfolio_outbox (
    sequence    BIGINT    PRIMARY KEY,
    kind        INTEGER   NOT NULL CHECK (kind BETWEEN 1 AND 3),
    payload     TEXT      NOT NULL, -- JSON: {"customer", "moves", "reason"}
    change_time TIMESTAMP NOT NULL
);
