-- The default five-stage customer journey (30-day window) as a user funnel in
-- plain SQL over the raw events and orders tables: for every stage-1 event,
-- each later stage is taken at its earliest event strictly after the previous
-- stage and within the window from the start (exact for windowFunnel's
-- 'strict_increase' + 'strict_once' semantics). The independent reference
-- the engine is tested against, and the baseline its speed is compared with.
-- Orders count as events of type 'order', from either table.
WITH types AS (
    SELECT (SELECT id FROM labels WHERE kind = 'event_type' AND value = 'page_view') AS page_view,
           (SELECT id FROM labels WHERE kind = 'event_type' AND value = 'product_view') AS product_view,
           (SELECT id FROM labels WHERE kind = 'event_type' AND value = 'order') AS order_event,
           2592000000 AS window
),
s1 AS (
    SELECT e.user_id, e.ts AS t1 FROM events AS e, types WHERE e.event_type_id = types.page_view
),
s2 AS (
    SELECT s1.user_id, s1.t1,
           (SELECT min(e.ts) FROM events AS e WHERE e.user_id = s1.user_id AND e.event_type_id = types.product_view
               AND e.ts > s1.t1 AND e.ts <= s1.t1 + types.window) AS t2
    FROM s1, types
),
s3 AS (
    SELECT s2.user_id, s2.t1, s2.t2,
           (SELECT min(ts) FROM (
                SELECT e.ts FROM events AS e WHERE e.user_id = s2.user_id AND e.event_type_id = types.order_event
                    AND e.ts > s2.t2 AND e.ts <= s2.t1 + types.window
                UNION ALL
                SELECT o.ts FROM orders AS o WHERE o.user_id = s2.user_id AND o.ts > s2.t2 AND o.ts <= s2.t1 + types.window)
           ) AS t3
    FROM s2, types WHERE s2.t2 IS NOT NULL
),
s4 AS (
    SELECT s3.user_id, s3.t1, s3.t3,
           (SELECT min(ts) FROM (
                SELECT e.ts FROM events AS e WHERE e.user_id = s3.user_id AND e.event_type_id = types.order_event
                    AND e.ts > s3.t3 AND e.ts <= s3.t1 + types.window
                UNION ALL
                SELECT o.ts FROM orders AS o WHERE o.user_id = s3.user_id AND o.ts > s3.t3 AND o.ts <= s3.t1 + types.window)
           ) AS t4
    FROM s3, types WHERE s3.t3 IS NOT NULL
),
s5 AS (
    SELECT s4.user_id,
           (SELECT min(e.ts) FROM events AS e JOIN labels AS l ON l.id = e.event_type_id
             WHERE e.user_id = s4.user_id AND l.value IN ('review', 'referral', 'share')
               AND e.ts > s4.t4 AND e.ts <= s4.t1 + types.window) AS t5
    FROM s4, types WHERE s4.t4 IS NOT NULL
)
SELECT 'awareness' AS stage, count(DISTINCT user_id) AS reached FROM s1
UNION ALL SELECT 'consideration', count(DISTINCT user_id) FROM s2 WHERE t2 IS NOT NULL
UNION ALL SELECT 'purchase', count(DISTINCT user_id) FROM s3 WHERE t3 IS NOT NULL
UNION ALL SELECT 'retention', count(DISTINCT user_id) FROM s4 WHERE t4 IS NOT NULL
UNION ALL SELECT 'advocacy', count(DISTINCT user_id) FROM s5 WHERE t5 IS NOT NULL;
