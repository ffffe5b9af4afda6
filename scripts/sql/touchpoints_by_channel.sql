-- Touchpoint KPIs by channel in plain SQL over the raw events and orders
-- tables: the independent reference the engine is tested against, and the
-- baseline its speed is compared with. Sessions are cut by a 30-minute
-- timeout (rows without a session_id only, as in the generated data).
WITH journey AS (
    SELECT e.user_id, e.ts, 0 AS is_order, e.event_id AS xid, t.value AS type, c.value AS channel,
           0.0 AS revenue, 0 AS counts, e.id AS rid
    FROM events AS e
    JOIN labels AS t ON t.id = e.event_type_id
    LEFT JOIN labels AS c ON c.id = e.channel_id
    UNION ALL
    SELECT o.user_id, o.ts, 1, o.order_id, 'order', NULL, o.revenue,
           (o.status_id IS NULL OR s.value = 'completed'), o.rowid
    FROM orders AS o
    LEFT JOIN labels AS s ON s.id = o.status_id
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
    SELECT user_id, coalesce(nullif(touchpoint, ''), '(none)') AS touchpoint,
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
