-- Out-of-cycle early demotions and dismissals, proposed by a supervisor and
-- approved by a branch head (their approval, in the approvals table, says
-- where they stand).
CREATE TABLE early_demotions (
    id             TEXT      PRIMARY KEY,
    manager_id     TEXT      NOT NULL,
    org_unit_id    TEXT      NOT NULL,
    org_path       TEXT      NOT NULL,
    kind           TEXT      NOT NULL CHECK (kind IN ('demotion', 'dismissal')),
    reason         TEXT      NOT NULL,
    effective_date TEXT      NOT NULL, -- YYYY-MM-DD
    ladder         TEXT      NOT NULL,
    from_level     TEXT      NOT NULL,
    from_band      TEXT      NOT NULL,
    to_level       TEXT      NOT NULL,
    to_band        TEXT      NOT NULL,
    approval       TEXT      NOT NULL,
    proposed_by    TEXT      NOT NULL,
    create_time    TIMESTAMP NOT NULL
);
CREATE INDEX early_demotions_manager ON early_demotions (manager_id, create_time);
