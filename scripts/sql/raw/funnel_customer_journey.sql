-- The default five-stage customer journey (30-day window) as a user funnel in plain SQL
-- over the events and orders tables as sqlite3's CSV import leaves them (`.mode csv`,
-- `.import events.csv events`, `.import orders.csv orders`: every column TEXT): the same
-- reach per stage as `analytics funnel` (5 stages, users), and the baseline its speed is
-- compared with (scripts/benchmark.sh). A translation of ../funnel_customer_journey.sql,
-- which reads the typed events table: for every stage-1 event, each later stage is taken
-- at its earliest event strictly after the previous stage and within the window from the
-- start (exact for windowFunnel's 'strict_increase' + 'strict_once' semantics). Orders
-- count as events of type 'order', from either table. Timestamps are ISO-8601 text (as
-- `analytics generate` writes them), turned into Unix milliseconds with julianday (exact
-- to the millisecond; text order is not time order). Like the original, it assumes what
-- the importer would keep as is (no rejected rows, no repeated event ids or order ids).
-- Run load.sql first: its indexes make every lookup a short index range per user (the
-- result is the same without them, but each lookup then scans the whole table).
WITH s1 AS (
    SELECT e.user_id, CAST(round((julianday(e.timestamp) - 2440587.5) * 86400000) AS INTEGER) AS t1
    FROM events AS e WHERE e.event_type = 'page_view'
),
s2 AS (
    SELECT s1.user_id, s1.t1,
           (SELECT min(ts) FROM (
                SELECT CAST(round((julianday(e.timestamp) - 2440587.5) * 86400000) AS INTEGER) AS ts
                FROM events AS e WHERE e.user_id = s1.user_id AND e.event_type = 'product_view')
            WHERE ts > s1.t1 AND ts <= s1.t1 + 2592000000) AS t2
    FROM s1
),
s3 AS (
    SELECT s2.user_id, s2.t1, s2.t2,
           (SELECT min(ts) FROM (
                SELECT CAST(round((julianday(e.timestamp) - 2440587.5) * 86400000) AS INTEGER) AS ts
                FROM events AS e WHERE e.user_id = s2.user_id AND e.event_type = 'order'
                UNION ALL
                SELECT CAST(round((julianday(o.timestamp) - 2440587.5) * 86400000) AS INTEGER)
                FROM orders AS o WHERE o.user_id = s2.user_id)
            WHERE ts > s2.t2 AND ts <= s2.t1 + 2592000000) AS t3
    FROM s2 WHERE s2.t2 IS NOT NULL
),
s4 AS (
    SELECT s3.user_id, s3.t1, s3.t3,
           (SELECT min(ts) FROM (
                SELECT CAST(round((julianday(e.timestamp) - 2440587.5) * 86400000) AS INTEGER) AS ts
                FROM events AS e WHERE e.user_id = s3.user_id AND e.event_type = 'order'
                UNION ALL
                SELECT CAST(round((julianday(o.timestamp) - 2440587.5) * 86400000) AS INTEGER)
                FROM orders AS o WHERE o.user_id = s3.user_id)
            WHERE ts > s3.t3 AND ts <= s3.t1 + 2592000000) AS t4
    FROM s3 WHERE s3.t3 IS NOT NULL
),
s5 AS (
    SELECT s4.user_id,
           (SELECT min(ts) FROM (
                SELECT CAST(round((julianday(e.timestamp) - 2440587.5) * 86400000) AS INTEGER) AS ts
                FROM events AS e WHERE e.user_id = s4.user_id AND e.event_type IN ('review', 'referral', 'share'))
            WHERE ts > s4.t4 AND ts <= s4.t1 + 2592000000) AS t5
    FROM s4 WHERE s4.t4 IS NOT NULL
)
SELECT 'awareness' AS stage, count(DISTINCT user_id) AS reached FROM s1
UNION ALL SELECT 'consideration', count(DISTINCT user_id) FROM s2 WHERE t2 IS NOT NULL
UNION ALL SELECT 'purchase', count(DISTINCT user_id) FROM s3 WHERE t3 IS NOT NULL
UNION ALL SELECT 'retention', count(DISTINCT user_id) FROM s4 WHERE t4 IS NOT NULL
UNION ALL SELECT 'advocacy', count(DISTINCT user_id) FROM s5 WHERE t5 IS NOT NULL;
