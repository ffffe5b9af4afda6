-- Raw facts: what the imported files said, in compact form.
-- Times are integer milliseconds since the Unix epoch, UTC.

-- One row per distinct repeated string (event types, pages, channels, devices,
-- campaigns, currencies, order statuses); events refer to them by id.
CREATE TABLE labels (
    id    INTEGER PRIMARY KEY,
    kind  TEXT NOT NULL,
    value TEXT NOT NULL,
    UNIQUE (kind, value)
);

-- Users as given by the exports, mapped to compact integer ids.
CREATE TABLE users (
    id          INTEGER PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE
);

-- The imports ledger: one row per attempt to import one file.
CREATE TABLE imports (
    id             INTEGER PRIMARY KEY,
    path           TEXT NOT NULL,
    size_bytes     INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    kind           TEXT NOT NULL CHECK (kind IN ('events', 'orders')),
    status         TEXT NOT NULL CHECK (status IN ('completed', 'aborted', 'replaced')),
    rows_read      INTEGER NOT NULL DEFAULT 0,
    rows_imported  INTEGER NOT NULL DEFAULT 0,
    rows_duplicate INTEGER NOT NULL DEFAULT 0,
    rows_updated   INTEGER NOT NULL DEFAULT 0,
    rows_rejected  INTEGER NOT NULL DEFAULT 0,
    started_ms     INTEGER NOT NULL,
    finished_ms    INTEGER,
    message        TEXT
);
CREATE INDEX imports_by_sha256 ON imports (sha256);

-- Clickstream events. import_id is not a declared foreign key: checking it on
-- every one of millions of inserts costs time and the importer sets it itself.
CREATE TABLE events (
    id            INTEGER PRIMARY KEY,
    import_id     INTEGER NOT NULL,
    user_id       INTEGER NOT NULL,
    ts            INTEGER NOT NULL,
    event_type_id INTEGER NOT NULL,
    session_key   TEXT,
    page_id       INTEGER,
    channel_id    INTEGER,
    device_id     INTEGER,
    campaign_id   INTEGER,
    revenue       REAL,
    event_id      TEXT
);
CREATE UNIQUE INDEX events_by_event_id ON events (event_id) WHERE event_id IS NOT NULL;
-- Covers everything sessionization reads, so a user's rows are one index range
-- and a full rebuild is one sequential pass (no lookups into the table).
CREATE INDEX events_by_user_time ON events (user_id, ts, event_type_id, page_id, channel_id, device_id,
                                            campaign_id, session_key, event_id);

-- Orders, one row per order_id; a later row for the same order replaces it.
CREATE TABLE orders (
    order_id    TEXT PRIMARY KEY,
    import_id   INTEGER NOT NULL,
    user_id     INTEGER NOT NULL,
    ts          INTEGER NOT NULL,
    revenue     REAL NOT NULL,
    currency_id INTEGER,
    status_id   INTEGER,
    session_key TEXT
);
CREATE INDEX orders_by_user_time ON orders (user_id, ts, order_id, session_key, revenue, status_id);

-- Rows that could not be imported, with where they were and why.
CREATE TABLE rejects (
    id        INTEGER PRIMARY KEY,
    import_id INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    line      INTEGER NOT NULL,
    reason    TEXT NOT NULL,
    raw       TEXT NOT NULL
);
CREATE INDEX rejects_by_import ON rejects (import_id, line);
