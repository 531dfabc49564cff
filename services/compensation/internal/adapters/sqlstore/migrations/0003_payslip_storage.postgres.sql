-- Payslip documents are written once per computation and read one at a time:
-- store them uncompressed (compressing tens of megabytes of JSON per run costs
-- more than the space it saves).
ALTER TABLE payslips ALTER COLUMN body SET STORAGE EXTERNAL;
ALTER TABLE payslips ALTER COLUMN inputs SET STORAGE EXTERNAL;
ALTER TABLE payslips ALTER COLUMN summary SET STORAGE EXTERNAL;
