-- Run once after `.import events.csv events` and `.import orders.csv orders` (sqlite3's
-- CSV import: every column TEXT, the header row as column names), before the queries in
-- this folder. Plain SQL, no typed copy: the queries convert the text themselves. These
-- indexes serve the funnel's per-user look-ups (a covering index range per user and event
-- type, and per user for orders); without them the funnel still gives the same result,
-- but scans the whole table for every lookup. The touchpoint query needs none of it.
-- Part of the baseline's cost: scripts/benchmark.sh times it as a step of its own.
CREATE INDEX IF NOT EXISTS events_by_user_type ON events (user_id, event_type, timestamp);
CREATE INDEX IF NOT EXISTS orders_by_user ON orders (user_id, timestamp);
