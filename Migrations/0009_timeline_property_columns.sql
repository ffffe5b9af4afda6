-- Timelines' property values are stored one column per property (see TimelineProperties.swift):
-- a breakdown by one property reads one number per record instead of every pair of every record.
-- Timelines written before this migration hold per-record pairs: the next time the database is
-- opened by the tool, every session and timeline is derived again (in one transaction).
INSERT OR REPLACE INTO settings (key, value)
SELECT 'rederive', 'timeline property columns' WHERE EXISTS (SELECT 1 FROM timelines WHERE props IS NOT NULL);
