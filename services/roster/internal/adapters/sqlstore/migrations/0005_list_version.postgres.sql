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
CREATE FUNCTION bump_list_version() RETURNS trigger AS $$
BEGIN
    UPDATE list_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER customers_list_version AFTER INSERT OR UPDATE OR DELETE ON customers
    FOR EACH STATEMENT EXECUTE FUNCTION bump_list_version();
CREATE TRIGGER managers_list_version AFTER INSERT OR UPDATE OR DELETE ON managers
    FOR EACH STATEMENT EXECUTE FUNCTION bump_list_version();
CREATE TRIGGER org_units_list_version AFTER INSERT OR UPDATE OR DELETE ON org_units
    FOR EACH STATEMENT EXECUTE FUNCTION bump_list_version();
