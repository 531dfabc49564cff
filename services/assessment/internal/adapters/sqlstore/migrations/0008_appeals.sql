-- Appeals against score cards and grade decisions: the appeal with its
-- history and, when upheld, the amendment, as one JSON document.
CREATE TABLE appeals (
    id          TEXT      PRIMARY KEY,
    subject     TEXT      NOT NULL, -- the result's resource name
    manager_id  TEXT      NOT NULL,
    org_path    TEXT      NOT NULL,
    state       TEXT      NOT NULL,
    doc         TEXT      NOT NULL,
    revision    BIGINT    NOT NULL CHECK (revision > 0),
    create_time TIMESTAMP NOT NULL,
    update_time TIMESTAMP NOT NULL
);
CREATE INDEX appeals_subject ON appeals (subject, state);
CREATE INDEX appeals_manager ON appeals (manager_id, create_time);
