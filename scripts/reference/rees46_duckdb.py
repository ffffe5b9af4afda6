#!/usr/bin/env python3
"""Independent reference for the open event model, written in DuckDB SQL over
the raw REES46-layout CSV (event_time, event_type, product_id, category_id,
category_code, brand, price, user_id, user_session).

Prints JSON: for each condition, the users reaching each stage of the
view -> cart -> purchase funnel (window 1 day: stage k is reached when there
are events of stages 1..k with strictly increasing times, the last within the
window of the first, among the events meeting the condition), and the
session totals with purchases as orders (revenue = price).

Usage: rees46_duckdb.py FILE.csv
"""
import json
import sys

import duckdb

path = sys.argv[1]
window_ms = 86_400_000
conditions = {
    "all": "TRUE",
    "brand=samsung": "brand = 'samsung'",
    "price>=100": "price >= 100",
    "category_code~electronics.*": "category_code GLOB 'electronics.*'",
}
db = duckdb.connect()
db.execute(f"""
    CREATE TABLE raw AS
    SELECT epoch_ms(strptime(replace(event_time, ' UTC', ''), '%Y-%m-%d %H:%M:%S')) AS ts,
           event_type, NULLIF(category_code, '') AS category_code, NULLIF(brand, '') AS brand,
           TRY_CAST(price AS DOUBLE) AS price, user_id, user_session
    FROM read_csv('{path}', header = true, all_varchar = true)
""")
result = {"funnels": {}}
for name, condition in conditions.items():
    db.execute(f"CREATE OR REPLACE TEMP VIEW e AS SELECT * FROM raw WHERE {condition}")
    reach = db.execute(f"""
        SELECT
          (SELECT count(DISTINCT user_id) FROM e WHERE event_type = 'view'),
          (SELECT count(DISTINCT v.user_id) FROM e v JOIN e c ON c.user_id = v.user_id
             WHERE v.event_type = 'view' AND c.event_type = 'cart'
               AND c.ts > v.ts AND c.ts - v.ts <= {window_ms}),
          (SELECT count(DISTINCT v.user_id) FROM e v JOIN e c ON c.user_id = v.user_id JOIN e p ON p.user_id = v.user_id
             WHERE v.event_type = 'view' AND c.event_type = 'cart' AND p.event_type = 'purchase'
               AND c.ts > v.ts AND p.ts > c.ts AND p.ts - v.ts <= {window_ms})
    """).fetchone()
    result["funnels"][name] = list(reach)
sessions = db.execute("""
    WITH s AS (
      SELECT user_id, user_session, count(*) FILTER (WHERE event_type = 'purchase') AS orders,
             sum(price) FILTER (WHERE event_type = 'purchase') AS revenue
      FROM raw GROUP BY user_id, user_session)
    SELECT count(*), count(DISTINCT user_id), sum(orders), round(sum(revenue), 6),
           count(*) FILTER (WHERE orders > 0)
    FROM s
""").fetchone()
result["sessions"] = {"sessions": sessions[0], "users": sessions[1], "orders": sessions[2], "revenue": sessions[3],
                      "converted_sessions": sessions[4]}
print(json.dumps(result))
