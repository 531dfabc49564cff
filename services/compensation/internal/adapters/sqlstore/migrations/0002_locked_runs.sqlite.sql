-- A locked run never changes: the database refuses to change or remove it or
-- its payslips, and to add payslips to it, whatever the code does.
CREATE TRIGGER payroll_runs_locked_update BEFORE UPDATE ON payroll_runs
WHEN OLD.state = 'LOCKED'
BEGIN
    SELECT RAISE(ABORT, 'a locked payroll run never changes');
END;

CREATE TRIGGER payroll_runs_locked_delete BEFORE DELETE ON payroll_runs
WHEN OLD.state = 'LOCKED'
BEGIN
    SELECT RAISE(ABORT, 'a locked payroll run never changes');
END;

CREATE TRIGGER payslips_locked_update BEFORE UPDATE ON payslips
WHEN (SELECT state FROM payroll_runs WHERE id = OLD.run_id) = 'LOCKED'
BEGIN
    SELECT RAISE(ABORT, 'the payslips of a locked payroll run never change');
END;

CREATE TRIGGER payslips_locked_delete BEFORE DELETE ON payslips
WHEN (SELECT state FROM payroll_runs WHERE id = OLD.run_id) = 'LOCKED'
BEGIN
    SELECT RAISE(ABORT, 'the payslips of a locked payroll run never change');
END;

CREATE TRIGGER payslips_locked_insert BEFORE INSERT ON payslips
WHEN (SELECT state FROM payroll_runs WHERE id = NEW.run_id) = 'LOCKED'
BEGIN
    SELECT RAISE(ABORT, 'the payslips of a locked payroll run never change');
END;
