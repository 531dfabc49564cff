-- The rest of the monthly cycle: the customer's kind (which checklist a visit
-- follows), a plan's schedule time and month-end results, a visit's details
-- (check-in distance, steps missing, findings, stock, needs, complaints, next
-- actions), and the visit settings.

-- Customers copied before this migration keep '' (the general checklist) until
-- the roster next changes them.
ALTER TABLE customers ADD COLUMN kind TEXT NOT NULL DEFAULT '';

ALTER TABLE plans ADD COLUMN schedule_time TIMESTAMP;
-- JSON: the month's results (evaluation, improvement, review); '{}' before.
ALTER TABLE plans ADD COLUMN results TEXT NOT NULL DEFAULT '{}';
-- 0 none, 1 submitted, 2 accepted (the month closed), 3 returned.
ALTER TABLE plans ADD COLUMN results_state INTEGER NOT NULL DEFAULT 0;

-- JSON: what the visit found and the checks made on it.
ALTER TABLE visits ADD COLUMN details TEXT NOT NULL DEFAULT '{}';

-- The visit settings: one row.
CREATE TABLE visit_settings (
    id          INTEGER   PRIMARY KEY CHECK (id = 1),
    body        TEXT      NOT NULL, -- JSON
    revision    BIGINT    NOT NULL,
    update_time TIMESTAMP NOT NULL,
    updated_by  TEXT      NOT NULL
);
