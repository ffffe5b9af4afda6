-- A third kind of imported file, event details (columns added to stored events by event id).
-- SQLite cannot change a CHECK constraint: the ledger is rebuilt with the new kind, and its
-- rejects with it (their foreign key must name the new table), keeping every row and id.
CREATE TABLE imports_new (
    id             INTEGER PRIMARY KEY,
    path           TEXT NOT NULL,
    size_bytes     INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('events', 'orders', 'event-details')),
    status         TEXT NOT NULL CHECK (status IN ('completed', 'aborted', 'replaced')),
    rows_read      INTEGER NOT NULL DEFAULT 0,
    rows_imported  INTEGER NOT NULL DEFAULT 0,
    rows_duplicate INTEGER NOT NULL DEFAULT 0,
    rows_updated   INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    started_ms     INTEGER NOT NULL,
    finished_ms    INTEGER,
    message        TEXT,
    options_key    TEXT NOT NULL DEFAULT ''
);
INSERT INTO imports_new (id, path, size_bytes, sha256, kind, status, rows_read, rows_imported, rows_duplicate,
                         rows_updated, rows_rejected, started_ms, finished_ms, message, options_key)
SELECT id, path, size_bytes, sha256, kind, status, rows_read, rows_imported, rows_duplicate,
       rows_updated, rows_rejected, started_ms, finished_ms, message, options_key
FROM imports;
CREATE TABLE rejects_new (
    id        INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports_new (id) ON DELETE CASCADE,
    line      INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    raw       TEXT NOT NULL
);
INSERT INTO rejects_new (id, import_id, line, reason, raw) SELECT id, import_id, line, reason, raw FROM rejects;
DROP TABLE rejects;
DROP TABLE imports;
ALTER TABLE imports_new RENAME TO imports;
ALTER TABLE rejects_new RENAME TO rejects;
CREATE INDEX imports_by_sha256 ON imports (sha256);
CREATE INDEX rejects_by_import ON rejects (import_id, line);
