-- Users whose sessions and timelines wait to be derived. An orders file followed by an events file
-- in one command leaves its users here, in its own transaction, instead of deriving them twice; the
-- events file derives them with its own users, in its transaction. When the command ends between
-- the two (a failed or repeated events file, a killed process), they are derived before the
-- database is next used.
CREATE TABLE pending_derivation (
    user_id INTEGER PRIMARY KEY
) WITHOUT ROWID;
