-- Derived data, kept up to date after every import for the users it touched.

-- Engine settings that derived data depends on (the session timeout).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Sessions with everything the touchpoint KPIs need, precomputed.
CREATE TABLE sessions (
    id              INTEGER PRIMARY KEY,
    user_id         INTEGER NOT NULL,
    ordinal         INTEGER NOT NULL,
    session_key     TEXT,
    start_ts        INTEGER NOT NULL,
    end_ts          INTEGER NOT NULL,
    events          INTEGER NOT NULL,
    page_views      INTEGER NOT NULL,
    orders          INTEGER NOT NULL,
    revenue_orders  INTEGER NOT NULL,
    revenue         REAL NOT NULL,
    channel_id      INTEGER,
    device_id       INTEGER,
    campaign_id     INTEGER,
    landing_page_id INTEGER
);
CREATE INDEX sessions_by_user ON sessions (user_id, ordinal);
CREATE INDEX sessions_by_start ON sessions (start_ts);

-- Each user's events and orders in journey order, packed as fixed-size
-- records (see Timeline.swift), so a funnel is one sequential read.
CREATE TABLE timelines (
    user_id INTEGER PRIMARY KEY,
    records BLOB NOT NULL
);
