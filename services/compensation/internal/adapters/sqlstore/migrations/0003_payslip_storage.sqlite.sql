-- PostgreSQL only (how payslip documents are stored); nothing to do on SQLite.
SELECT 1;
