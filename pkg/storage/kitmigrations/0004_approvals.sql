-- Maker–checker: actions prepared by one person, applied when another approves.
CREATE TABLE approvals (
    id                  TEXT      PRIMARY KEY,
    action              TEXT      NOT NULL, -- e.g. roster.grade.change
    object_name         TEXT      NOT NULL,
    org_path            TEXT      NOT NULL DEFAULT '', -- for the approver's scope
    summary             TEXT      NOT NULL,
    payload             TEXT      NOT NULL, -- base64 of the action's request, read by its applier
    approver_permission TEXT      NOT NULL,
    state               INTEGER   NOT NULL CHECK (state BETWEEN 1 AND 4), -- pending, approved, rejected, withdrawn
    prepared_by         TEXT      NOT NULL,
    prepared_at         TIMESTAMP NOT NULL,
    prepare_reason      TEXT      NOT NULL DEFAULT '',
    decided_by          TEXT      NOT NULL DEFAULT '',
    decided_at          TIMESTAMP,
    decide_reason       TEXT      NOT NULL DEFAULT '',
    revision            BIGINT    NOT NULL,
    CHECK (decided_by = '' OR decided_by <> prepared_by OR state = 4) -- nobody approves or rejects their own action
);
CREATE INDEX approvals_state ON approvals (state, prepared_at);
CREATE INDEX approvals_prepared_by ON approvals (prepared_by, prepared_at);
