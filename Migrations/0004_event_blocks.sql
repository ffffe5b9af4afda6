-- Events stored per user: one row per user holding all of the user's events as one
-- compact block in time order (see EventBlock.swift for the format), so a user's events
-- are one read, a bulk import appends users in id order, and the store of record is
-- smaller than the CSV it came from. It replaces the `events` table and its two indexes:
-- this migration's data step (Migrator.dataSteps) moves stored events into blocks and
-- then drops the table.
CREATE TABLE event_blocks (
    user_id INTEGER PRIMARY KEY,
    events  BLOB NOT NULL
);
