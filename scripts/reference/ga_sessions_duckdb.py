#!/usr/bin/env python3
"""Independent reference for the ga-sessions preset, in DuckDB SQL over the raw
GA360-layout CSV (one row per hit: fullVisitorId, visitId, time, type,
eCommerceAction_type, channelGrouping, ..., transactionRevenue in micros).

Prints JSON: the sessions (fullVisitorId, visitId) reaching each stage of the
product view (action 2) -> add to cart (3) -> purchase (6) funnel, stage k
reached when hits of stages 1..k have strictly increasing times (visitId
seconds * 1000 + time ms) within one day of the first; and per channelGrouping
the sessions, orders (purchase hits) and revenue (transactionRevenue / 1e6).

Usage: ga_sessions_duckdb.py FILE.csv
"""
import json
import sys

import duckdb

path = sys.argv[1]
window_ms = 86_400_000
db = duckdb.connect()
db.execute(f"""
    CREATE TABLE hits AS
    SELECT fullVisitorId AS visitor, visitId AS visit,
           CAST(visitId AS BIGINT) * 1000 + CAST(time AS BIGINT) AS ts,
           eCommerceAction_type AS action, channelGrouping AS channel,
           CAST(transactionRevenue AS DOUBLE) / 1000000 AS revenue
    FROM read_csv('{path}', header = true, all_varchar = true)
""")
reach = db.execute(f"""
    SELECT
      (SELECT count(DISTINCT (visitor, visit)) FROM hits WHERE action = '2'),
      (SELECT count(DISTINCT (v.visitor, v.visit)) FROM hits v JOIN hits c ON (c.visitor, c.visit) = (v.visitor, v.visit)
         WHERE v.action = '2' AND c.action = '3' AND c.ts > v.ts AND c.ts - v.ts <= {window_ms}),
      (SELECT count(DISTINCT (v.visitor, v.visit)) FROM hits v
         JOIN hits c ON (c.visitor, c.visit) = (v.visitor, v.visit)
         JOIN hits p ON (p.visitor, p.visit) = (v.visitor, v.visit)
         WHERE v.action = '2' AND c.action = '3' AND p.action = '6'
           AND c.ts > v.ts AND p.ts > c.ts AND p.ts - v.ts <= {window_ms})
""").fetchone()
channels = db.execute("""
    SELECT channel, count(DISTINCT (visitor, visit)), count(*) FILTER (WHERE action = '6'),
           round(coalesce(sum(revenue) FILTER (WHERE action = '6'), 0), 6)
    FROM hits GROUP BY channel ORDER BY channel
""").fetchall()
print(json.dumps({"funnel": list(reach),
                  "channels": {c: {"sessions": s, "orders": o, "revenue": r} for c, s, o, r in channels}}))
