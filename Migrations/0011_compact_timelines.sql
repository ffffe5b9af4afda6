-- Timeline records are stored compact (see TimelineRecord.swift): varints, times as differences, and
-- each session's touchpoint once instead of on every record (about 7 bytes a record, not 32).
-- Timelines written before this migration hold fixed 32-byte records: the next time the database is
-- opened by the tool, every session and timeline is derived again (in one transaction).
INSERT OR REPLACE INTO settings (key, value)
SELECT 'rederive', 'compact timeline records' WHERE EXISTS (SELECT 1 FROM timelines);
