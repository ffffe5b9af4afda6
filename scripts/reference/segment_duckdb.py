#!/usr/bin/env python3
"""Independent reference for a Segment-style warehouse export, in DuckDB SQL over the raw
files: tracks.csv (id, user_id, anonymous_id, event, timestamp, ...), page_viewed.csv (id, url,
...: details of page calls, joined by event id) and order_completed.csv (id, timestamp,
total_price, ...: orders keyed by the id of their track call, no user id).

A call's user is its user_id, else the user its anonymous_id was first identified with (by a
call carrying both; earliest such call), else the anonymous id. Sessions: a user's calls in time
order, a new one after more than 30 minutes without a call. A session's source is the
utm_source of the first of its calls whose page URL has one ('(none)' when none has), as
docs/metrics.md defines a session's property. Orders: order_completed rows in
the session of the call with their id.

Prints JSON: per utm_source and in total, sessions, users, orders, revenue, converted sessions.

Usage: segment_duckdb.py FOLDER
"""
import json
import sys

import duckdb

folder = sys.argv[1]
db = duckdb.connect()
db.execute(f"""
    CREATE TABLE tracks AS SELECT * FROM read_csv('{folder}/tracks.csv', header = true, all_varchar = true);
    CREATE TABLE pages AS SELECT * FROM read_csv('{folder}/page_viewed.csv', header = true, all_varchar = true);
    CREATE TABLE orders AS SELECT * FROM read_csv('{folder}/order_completed.csv', header = true, all_varchar = true);
    CREATE TABLE identified AS
      SELECT anonymous_id, arg_min(user_id, CAST(timestamp AS TIMESTAMP)) AS user_id
      FROM tracks WHERE user_id IS NOT NULL AND anonymous_id IS NOT NULL GROUP BY anonymous_id;
    CREATE TABLE calls AS
      SELECT t.id, coalesce(t.user_id, i.user_id, t.anonymous_id) AS person, CAST(t.timestamp AS TIMESTAMP) AS ts,
             nullif(regexp_extract(p.url, 'utm_source=([^&]+)', 1), '') AS source
      FROM tracks t LEFT JOIN identified i ON i.anonymous_id = t.anonymous_id LEFT JOIN pages p ON p.id = t.id;
    CREATE TABLE numbered AS
      SELECT *, sum(CASE WHEN gap IS NULL OR gap > INTERVAL 30 MINUTE THEN 1 ELSE 0 END)
                  OVER (PARTITION BY person ORDER BY ts, id) AS session
      FROM (SELECT *, ts - lag(ts) OVER (PARTITION BY person ORDER BY ts, id) AS gap FROM calls);
    CREATE TABLE sessions AS
      SELECT person, session, coalesce(first(source ORDER BY ts, n.id) FILTER (WHERE source IS NOT NULL), '(none)') AS source,
             count(o.id) AS orders, coalesce(sum(CAST(o.total_price AS DOUBLE)), 0) AS revenue
      FROM numbered n LEFT JOIN orders o ON o.id = n.id GROUP BY person, session;
""")
def summary(where):
    row = db.execute(f"""SELECT count(*), count(DISTINCT person), sum(orders), round(sum(revenue), 6),
                                count(*) FILTER (WHERE orders > 0) FROM sessions WHERE {where}""").fetchone()
    return {"sessions": row[0], "users": row[1], "orders": int(row[2] or 0), "revenue": row[3] or 0.0, "converted": row[4]}
sources = [row[0] for row in db.execute("SELECT DISTINCT source FROM sessions ORDER BY 1").fetchall()]
result = {"sources": {s: summary(f"source = '{s}'") for s in sources}, "total": summary("TRUE")}
print(json.dumps(result))
