-- One row per request_id a mutating RPC has applied, with the response it gave, so
-- that a retry with the same id returns the same response and changes nothing.
CREATE TABLE request_log (
    scope       TEXT      NOT NULL, -- the RPC, e.g. rmsuite.roster.v1.RosterService/CreateOrgUnit
    request_id  TEXT      NOT NULL,
    fingerprint TEXT      NOT NULL, -- hash of the request, to refuse a reused id
    response    TEXT      NOT NULL, -- the response, base64 of its wire form
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (scope, request_id)
);
CREATE INDEX request_log_created_at ON request_log (created_at);
