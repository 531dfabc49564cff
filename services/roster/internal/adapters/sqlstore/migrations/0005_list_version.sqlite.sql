-- A version of the data customer lists are made from (customers, their managers'
-- units, the units' paths): every write to those tables moves it on, in the same
-- transaction. A roster instance may reuse a list page it made at the same version
-- (it reads the version before the page), so cached pages are never stale, across
-- instances too.
CREATE TABLE list_version (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT  NOT NULL
);
INSERT INTO list_version (id, version) VALUES (1, 0);
CREATE TRIGGER customers_list_version_insert AFTER INSERT ON customers
BEGIN
    UPDATE list_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER customers_list_version_update AFTER UPDATE ON customers
BEGIN
    UPDATE list_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER customers_list_version_delete AFTER DELETE ON customers
BEGIN
    UPDATE list_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER managers_list_version_insert AFTER INSERT ON managers
BEGIN
    UPDATE list_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER managers_list_version_update AFTER UPDATE ON managers
BEGIN
    UPDATE list_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER managers_list_version_delete AFTER DELETE ON managers
BEGIN
    UPDATE list_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER org_units_list_version_insert AFTER INSERT ON org_units
BEGIN
    UPDATE list_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER org_units_list_version_update AFTER UPDATE ON org_units
BEGIN
    UPDATE list_version SET version = version + 1 WHERE id = 1;
END;
CREATE TRIGGER org_units_list_version_delete AFTER DELETE ON org_units
BEGIN
    UPDATE list_version SET version = version + 1 WHERE id = 1;
END;
