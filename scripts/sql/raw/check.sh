#!/usr/bin/env bash
# Checks that the plain-SQL baselines in this folder compute what the engine does, on the
# events.csv and orders.csv of a folder (as `analytics generate` writes them):
#   - `analytics import` of both files into a fresh database, then `analytics touchpoints`
#     and `analytics funnel` (default journey, users) as CSV;
#   - sqlite3's `.import` of both files into another fresh database, load.sql, then
#     touchpoints_by_channel.sql and funnel_customer_journey.sql.
# Compared per channel: sessions, users, events, orders (equal); bounces, engaged and
# converted sessions (the engine's rate equals count / sessions exactly); revenue (equal to
# the 6 decimals the SQL rounds to); the average session length (within 5e-7 s: the engine
# keeps 6 decimals); and the reach of every stage of the funnel (equal). Prints the
# compared figures and exits 1 on any difference (2 on a usage or setup error).
#
#   scripts/sql/raw/check.sh DIR                 # DIR/events.csv, DIR/orders.csv
#   ANALYTICS=path/to/analytics scripts/sql/raw/check.sh DIR
#
# The databases go to a temporary folder, removed at the end. Nothing is built: the
# binary is .build/release/analytics unless ANALYTICS names another. Needs sqlite3 and
# python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
[ $# -eq 1 ] || { echo "usage: $0 DIR (with events.csv and orders.csv)" >&2; exit 2; }
dir=$1
bin=${ANALYTICS:-$root/.build/release/analytics}
for file in "$dir/events.csv" "$dir/orders.csv"; do
  [ -f "$file" ] || { echo "no $file" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "no $bin (build it, or set ANALYTICS)" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "sqlite3 not found" >&2; exit 2; }
command -v python3 >/dev/null || { echo "python3 not found" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The engine.
"$bin" import "$dir/events.csv" "$dir/orders.csv" --db "$tmp/analytics.sqlite" --quiet >/dev/null
"$bin" touchpoints --by channel --db "$tmp/analytics.sqlite" --format csv >"$tmp/ours_touchpoints.csv"
"$bin" funnel --db "$tmp/analytics.sqlite" --format csv >"$tmp/ours_funnel.csv"

# Plain SQL over sqlite3's own import. .import takes a path as a quoted argument.
quote() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
sqlite3 "$tmp/raw.sqlite" -cmd ".mode csv" ".import $(quote "$dir/events.csv") events" \
  ".import $(quote "$dir/orders.csv") orders"
sqlite3 "$tmp/raw.sqlite" ".read $(quote "$here/load.sql")"
sqlite3 -csv -header "$tmp/raw.sqlite" ".read $(quote "$here/touchpoints_by_channel.sql")" >"$tmp/sql_touchpoints.csv"
sqlite3 -csv -header "$tmp/raw.sqlite" ".read $(quote "$here/funnel_customer_journey.sql")" >"$tmp/sql_funnel.csv"

python3 - "$tmp" <<'PY'
import csv, sys

tmp = sys.argv[1]

def rows(name):
    with open(f"{tmp}/{name}", newline="") as file:
        return list(csv.DictReader(file))

problems = []

def check(what, ok, ours, sql):
    print(f"  {'ok  ' if ok else 'DIFF'} {what}: analytics {ours}, SQL {sql}")
    if not ok:
        problems.append(what)

print("touchpoints by channel")
ours = {row["channel"]: row for row in rows("ours_touchpoints.csv") if row["channel"] != "(all)"}
sql = {row["touchpoint"]: row for row in rows("sql_touchpoints.csv")}
check("channels", sorted(ours) == sorted(sql), sorted(ours), sorted(sql))
for channel in sorted(set(ours) & set(sql)):
    a, s = ours[channel], sql[channel]
    sessions = int(s["sessions"])
    for column in ("sessions", "users", "events", "orders"):
        check(f"{channel} {column}", int(a[column]) == int(s[column]), a[column], s[column])
    for count, rate in (("bounces", "bounce_rate"), ("engaged", "engaged_rate"), ("converted", "conversion_rate")):
        # The engine's rate is count / sessions as a double: equal exactly, and the count
        # it stands for is the rounded product.
        ok = float(a[rate]) == int(s[count]) / sessions
        check(f"{channel} {count}", ok, f"{round(float(a[rate]) * int(a['sessions']))} ({rate} {a[rate]})", s[count])
    check(f"{channel} revenue", round(float(a["revenue"]), 6) == round(float(s["revenue"]), 6), a["revenue"], s["revenue"])
    average = int(s["duration_ms"]) / 1000 / sessions
    check(f"{channel} avg_session_seconds (within 5e-7)", abs(float(a["avg_session_seconds"]) - average) <= 5e-7 + 1e-9,
          a["avg_session_seconds"], f"{average:.9f}")

print("funnel (customer journey, users)")
ours = [(row["stage"], int(row["reached"])) for row in rows("ours_funnel.csv") if row["group"] == "(all)"]
sql = [(row["stage"], int(row["reached"])) for row in rows("sql_funnel.csv")]
check("stages", [stage for stage, _ in ours] == [stage for stage, _ in sql],
      [stage for stage, _ in ours], [stage for stage, _ in sql])
for (stage, a), (_, s) in zip(ours, sql):
    check(f"{stage} reached", a == s, a, s)

if problems:
    print(f"{len(problems)} difference(s): {', '.join(problems)}")
    sys.exit(1)
print("equal")
PY
