-- Customer satisfaction surveys: questionnaires, campaigns for an org subtree
-- and a month, and the customers' answers (one per customer per campaign),
-- with their points and the points available, so that tallies are exact
-- integer sums.
CREATE TABLE questionnaires (
    id           TEXT      PRIMARY KEY,
    display_name TEXT      NOT NULL,
    questions    TEXT      NOT NULL, -- JSON: text and most points of each question
    created_by   TEXT      NOT NULL,
    create_time  TIMESTAMP NOT NULL
);

CREATE TABLE surveys (
    id            TEXT      PRIMARY KEY,
    questionnaire TEXT      NOT NULL REFERENCES questionnaires (id),
    org_unit_id   TEXT      NOT NULL,
    org_path      TEXT      NOT NULL,
    period        TEXT      NOT NULL, -- YYYY-MM
    closed        BOOLEAN   NOT NULL DEFAULT FALSE,
    created_by    TEXT      NOT NULL,
    create_time   TIMESTAMP NOT NULL
);
CREATE INDEX surveys_period ON surveys (period);

CREATE TABLE survey_responses (
    survey_id    TEXT      NOT NULL REFERENCES surveys (id),
    customer_id  TEXT      NOT NULL,
    manager_id   TEXT      NOT NULL,
    org_path     TEXT      NOT NULL, -- the manager's unit's path when answered
    period       TEXT      NOT NULL,
    answers      TEXT      NOT NULL, -- JSON: points per question
    points       INTEGER   NOT NULL CHECK (points >= 0),
    available    INTEGER   NOT NULL CHECK (available > 0),
    channel      TEXT      NOT NULL DEFAULT '',
    receive_time TIMESTAMP NOT NULL,
    PRIMARY KEY (survey_id, customer_id)
);
CREATE INDEX survey_responses_period ON survey_responses (period, manager_id);
