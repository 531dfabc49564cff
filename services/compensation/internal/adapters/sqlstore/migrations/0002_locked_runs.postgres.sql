-- A locked run never changes: the database refuses to change or remove it or
-- its payslips, and to add payslips to it, whatever the code does.
CREATE FUNCTION payroll_run_locked() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'payroll_runs' THEN
        IF OLD.state = 'LOCKED' THEN
            RAISE EXCEPTION 'a locked payroll run never changes';
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        IF (SELECT state FROM payroll_runs WHERE id = NEW.run_id) = 'LOCKED' THEN
            RAISE EXCEPTION 'the payslips of a locked payroll run never change';
        END IF;
    ELSIF (SELECT state FROM payroll_runs WHERE id = OLD.run_id) = 'LOCKED' THEN
        RAISE EXCEPTION 'the payslips of a locked payroll run never change';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER payroll_runs_locked BEFORE UPDATE OR DELETE ON payroll_runs
    FOR EACH ROW EXECUTE FUNCTION payroll_run_locked();

CREATE TRIGGER payslips_locked BEFORE INSERT OR UPDATE OR DELETE ON payslips
    FOR EACH ROW EXECUTE FUNCTION payroll_run_locked();
