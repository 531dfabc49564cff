-- Append-only audit log, written in the same transaction as the change it records.
CREATE TABLE audit_log (
    id           TEXT      PRIMARY KEY,
    at           TIMESTAMP NOT NULL,
    actor        TEXT      NOT NULL, -- employee number or svc:<name>
    actor_roles  TEXT      NOT NULL, -- comma-separated
    on_behalf_of TEXT      NOT NULL DEFAULT '',
    method       TEXT      NOT NULL, -- the RPC
    request_id   TEXT      NOT NULL,
    object_type  TEXT      NOT NULL,
    object_name  TEXT      NOT NULL,
    org_path     TEXT      NOT NULL DEFAULT '', -- "/…/unit/" the object belongs to, for scope
    before_json  TEXT      NOT NULL DEFAULT '',
    after_json   TEXT      NOT NULL DEFAULT '',
    reason       TEXT      NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_object ON audit_log (object_name, at);
CREATE INDEX audit_log_actor ON audit_log (actor, at);
CREATE INDEX audit_log_at ON audit_log (at, id);
