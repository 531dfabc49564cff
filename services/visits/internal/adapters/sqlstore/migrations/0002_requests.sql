-- Customers' requests (online messages) to their managers, and the handovers
-- that moved open ones to another manager with their customer.
--
-- A request's state is not stored: it is answered when answer_time is set, and
-- otherwise open or overdue depending on the time it is read (deadline).

CREATE TABLE customer_requests (
    id           TEXT      PRIMARY KEY,
    customer_id  TEXT      NOT NULL,
    manager_id   TEXT      NOT NULL, -- who holds it now: the customer's primary manager, then whoever it was handed to
    org_unit_id  TEXT      NOT NULL DEFAULT '', -- the customer's org unit when it was received
    org_path     TEXT      NOT NULL,            -- that unit's path, for scope and escalation
    channel      TEXT      NOT NULL DEFAULT '',
    text         TEXT      NOT NULL,
    receive_time TIMESTAMP NOT NULL,
    deadline     TIMESTAMP NOT NULL, -- receive_time + 24 hours; a handover keeps it
    answer       TEXT      NOT NULL DEFAULT '',
    answered_by  TEXT      NOT NULL DEFAULT '',
    answer_time  TIMESTAMP,          -- NULL until answered; set once
    create_time  TIMESTAMP NOT NULL,
    CHECK (deadline > receive_time),
    CHECK ((answer_time IS NULL AND answered_by = '') OR (answer_time IS NOT NULL AND answered_by <> ''))
);
-- A manager's list, newest receipt first; counts per manager and period.
CREATE INDEX customer_requests_manager ON customer_requests (manager_id, receive_time);
-- Scope lists (managers/-) newest receipt first.
CREATE INDEX customer_requests_receive ON customer_requests (receive_time, id);
-- Handovers move a customer's unanswered requests.
CREATE INDEX customer_requests_open ON customer_requests (customer_id, manager_id) WHERE answer_time IS NULL;

-- Each move of an open request with its customer, numbered per request from 1.
CREATE TABLE customer_request_handovers (
    request_id      TEXT      NOT NULL REFERENCES customer_requests (id),
    seq             INTEGER   NOT NULL CHECK (seq > 0),
    from_manager_id TEXT      NOT NULL,
    to_manager_id   TEXT      NOT NULL,
    handover_time   TIMESTAMP NOT NULL,
    PRIMARY KEY (request_id, seq)
);
