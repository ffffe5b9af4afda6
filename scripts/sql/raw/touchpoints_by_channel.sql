-- Touchpoint KPIs by channel in plain SQL over the events and orders tables as sqlite3's
-- CSV import leaves them (`.mode csv`, `.import events.csv events`, `.import orders.csv
-- orders`: every column TEXT, empty fields as ''): the same result as `analytics touchpoints
-- --by channel`, and the baseline its speed is compared with (scripts/benchmark.sh). A
-- translation of ../touchpoints_by_channel.sql, which reads the typed events table; here
--   - timestamps are ISO-8601 text (as `analytics generate` writes them), turned into Unix
--     milliseconds with julianday (exact to the millisecond; text order is not time order:
--     '...:05Z' sorts after '...:05.300Z');
--   - an empty field is an absent value (nullif(x, '')), revenue is CAST(revenue AS REAL);
--   - rowid (file order) stands for the stored row order as the last tie-break.
-- Sessions are cut by a 30-minute timeout (rows without a session_id only, as in the
-- generated data). Like the original, it assumes what the importer would keep as is: no
-- rejected rows, no repeated event_id for a user or order_id (the importer keeps the first
-- such event and the last such order row). Needs nothing from load.sql.
WITH journey AS (
    SELECT e.user_id, CAST(round((julianday(e.timestamp) - 2440587.5) * 86400000) AS INTEGER) AS ts,
           0 AS is_order, nullif(e.event_id, '') AS xid, e.event_type AS type, nullif(e.channel, '') AS channel,
           0.0 AS revenue, 0 AS counts, e.rowid AS rid
    FROM events AS e
    UNION ALL
    SELECT o.user_id, CAST(round((julianday(o.timestamp) - 2440587.5) * 86400000) AS INTEGER),
           1, nullif(o.order_id, ''), 'order', NULL, CAST(o.revenue AS REAL),
           (o.status = '' OR o.status = 'completed'), o.rowid
    FROM orders AS o
),
ordered AS (
    SELECT *, ts - lag(ts) OVER w AS gap, row_number() OVER w AS rn
    FROM journey
    WINDOW w AS (PARTITION BY user_id ORDER BY ts, is_order, xid, type, rid)
),
numbered AS (
    SELECT *, sum(gap IS NULL OR gap > 1800000) OVER (PARTITION BY user_id ORDER BY rn) AS sid
    FROM ordered
),
touched AS (
    SELECT *, first_value(channel) OVER (PARTITION BY user_id, sid ORDER BY rn) AS touchpoint
    FROM numbered
),
sessions AS (
    SELECT user_id, coalesce(touchpoint, '(none)') AS touchpoint,
           max(ts) - min(ts) AS duration, count(*) AS events,
           sum(type = 'page_view' AND is_order = 0) AS page_views,
           sum(is_order) AS orders, sum(is_order AND counts) AS revenue_orders,
           sum(CASE WHEN counts THEN revenue ELSE 0 END) AS revenue
    FROM touched
    GROUP BY user_id, sid
)
SELECT touchpoint, count(*) AS sessions, count(DISTINCT user_id) AS users, sum(events) AS events,
       sum(events = 1) AS bounces, sum(duration) AS duration_ms,
       sum(duration >= 10000 OR page_views >= 2 OR orders >= 1) AS engaged,
       sum(orders >= 1) AS converted, sum(orders) AS orders, round(sum(revenue), 6) AS revenue
FROM sessions
GROUP BY touchpoint
ORDER BY touchpoint;
