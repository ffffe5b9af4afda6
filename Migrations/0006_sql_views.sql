-- Readable views for SQL clients (`analytics sql`, the sqlite3 shell, Python, Datasette):
-- names instead of label ids, external user ids, times as ISO text. They are the documented
-- contract (docs/schema.md, "SQL views"); the tables behind them may change.

-- One row per session, with its touchpoint and counts (see docs/metrics.md, "Sessions").
CREATE VIEW journey_sessions AS
SELECT u.external_id                                                AS user_id,
       s.ordinal                                                    AS session,
       s.session_key                                                AS session_id,
       s.start_ts                                                   AS start_ts,
       s.end_ts                                                     AS end_ts,
       strftime('%Y-%m-%dT%H:%M:%fZ', s.start_ts / 1000.0, 'unixepoch') AS start_time,
       strftime('%Y-%m-%dT%H:%M:%fZ', s.end_ts / 1000.0, 'unixepoch')   AS end_time,
       (s.end_ts - s.start_ts) / 1000.0                             AS duration_seconds,
       s.events                                                     AS events,
       s.page_views                                                 AS page_views,
       s.orders                                                     AS orders,
       s.revenue_orders                                             AS revenue_orders,
       s.revenue                                                    AS revenue,
       channel.value                                                AS channel,
       device.value                                                 AS device,
       campaign.value                                               AS campaign,
       landing.value                                                AS landing_page
FROM sessions AS s
JOIN users AS u ON u.id = s.user_id
LEFT JOIN labels AS channel ON channel.id = s.channel_id
LEFT JOIN labels AS device ON device.id = s.device_id
LEFT JOIN labels AS campaign ON campaign.id = s.campaign_id
LEFT JOIN labels AS landing ON landing.id = s.landing_page_id;

-- One row per order of an orders file (orders from events of the order role are in the
-- events' blocks; `journey_sessions.orders` counts both).
CREATE VIEW journey_orders AS
SELECT o.order_id                                                   AS order_id,
       u.external_id                                                AS user_id,
       o.ts                                                         AS ts,
       strftime('%Y-%m-%dT%H:%M:%fZ', o.ts / 1000.0, 'unixepoch')   AS time,
       o.revenue                                                    AS amount,
       currency.value                                               AS currency,
       status.value                                                 AS status,
       o.session_key                                                AS session_id
FROM orders AS o
JOIN users AS u ON u.id = o.user_id
LEFT JOIN labels AS currency ON currency.id = o.currency_id
LEFT JOIN labels AS status ON status.id = o.status_id;
