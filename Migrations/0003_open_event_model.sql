-- The open event model: event roles, and every unmapped column kept as a property.

-- Which event types play a role: `order` (an order with the event's revenue) or
-- `page_view` (counts as a page view). Stored per database; a later file may add names.
CREATE TABLE roles (
    role       TEXT NOT NULL CHECK (role IN ('order', 'page_view')),
    event_type TEXT NOT NULL,
    PRIMARY KEY (role, event_type)
) WITHOUT ROWID;

-- Property names; their values are labels of kind 'property:<name>'.
CREATE TABLE properties (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

-- An event's properties: (property id, value label id) pairs as unsigned LEB128
-- varints, in property id order; NULL when it has none.
ALTER TABLE events ADD COLUMN props BLOB;

-- The order an event of the order role belongs to, as given (its lines share it).
ALTER TABLE events ADD COLUMN order_id TEXT;

-- Sessionization also reads properties (in the covering index, as its last column) and, for
-- events of the order role, revenue and order ids: those are covered by a partial index of
-- the events that have them, so files without them pay nothing for it.
DROP INDEX events_by_user_time;
CREATE INDEX events_by_user_time ON events (user_id, ts, event_type_id, page_id, channel_id, device_id,
                                            campaign_id, session_key, event_id, props);
CREATE INDEX events_amounts_by_user ON events (user_id, id, revenue, order_id)
    WHERE revenue IS NOT NULL OR order_id IS NOT NULL;

-- An order's properties: the extra columns of its orders file, as for events.
ALTER TABLE orders ADD COLUMN props BLOB;
DROP INDEX orders_by_user_time;
CREATE INDEX orders_by_user_time ON orders (user_id, ts, order_id, session_key, revenue, status_id, props);

-- A session's properties: the value on its first event that has one, per property.
ALTER TABLE sessions ADD COLUMN props BLOB;

-- Per timeline record, in order: a varint pair count, then its pairs.
ALTER TABLE timelines ADD COLUMN props BLOB;

-- The import options that change what a file stores (mapping, roles, kind, zone,
-- delimiter...), as a canonical text ('' for the defaults): the same file imported
-- with other options is another import, not a repeat.
ALTER TABLE imports ADD COLUMN options_key TEXT NOT NULL DEFAULT '';
