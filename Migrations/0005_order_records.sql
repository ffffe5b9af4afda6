-- Per user, the orders of the timeline with their amounts and sessions (fixed 24-byte
-- records, see OrderRecord.swift), so attribution reads derived data only.
ALTER TABLE timelines ADD COLUMN orders BLOB;

-- Timelines written before this migration have no order records: the next time the
-- database is opened by the tool, every session and timeline is derived again (in one
-- transaction), and the marker goes.
INSERT OR REPLACE INTO settings (key, value)
SELECT 'rederive', 'order records' WHERE EXISTS (SELECT 1 FROM timelines);
