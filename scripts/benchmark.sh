#!/usr/bin/env bash
# Benchmark: generate N events (`analytics generate --seed 1`), then, on that
# same events.csv / orders.csv, in one run:
#   1. baseline: sqlite3's own `.import events.csv events` (the import compared
#      with ours), then `.import orders.csv orders` into the same database and
#      scripts/sql/raw/load.sql (the indexes the plain-SQL funnel needs), each
#      timed on its own;
#   2. DuckDB: read_csv_auto of events.csv into a database file, as a whole
#      python3 process (only when the Python module duckdb is importable);
#   3. analytics import events.csv, with its speed against sqlite3 .import and
#      the database (+WAL) size against the CSV size;
#   4. analytics import orders.csv into that database (incremental), and a
#      one-shot `analytics import events.csv orders.csv` into a fresh database;
#   5. a nightly run: the history (all rows but the last 2%), then that day;
#   6. the KPI, funnel (every mode of scripts/journeys/bench-*.yaml), paths, retention and
#      attribution queries (and the HTML report) on the analytics
#      database, each against the same query in plain SQL run by sqlite3 on the
#      baseline database: scripts/sql/raw/*.sql read the CSV tables as .import
#      left them (all TEXT) and compute exactly what analytics does
#      (scripts/sql/raw/check.sh compares them on a folder of CSVs).
# Every import prints seconds, rows/s, peak RSS and the database and -wal file
# sizes after the command exited. The figures are also written as key=value
# lines to DIR/N/results.txt (seconds; *_peak_rss_kb in KB as GNU time gives
# it; *_bytes from stat; NA where a figure could not be taken).
#
#   scripts/benchmark.sh            # 1M events
#   scripts/benchmark.sh 10000000   # 10M events
#   SKIP_SQL_FUNNEL=1 scripts/benchmark.sh 10000000   # skip the slow SQL funnel baseline
#   SKIP_BUILD=1 scripts/benchmark.sh                 # use the existing release binary
#   BENCH_DIR=/tmp/bench-data scripts/benchmark.sh    # data under DIR/N (default bench-data/N)
#   IMPORT_PAIRS=5 scripts/benchmark.sh               # sqlite3 and our import alternated 5 more times (default 3)
#
# The CSV files in DIR/N are generated once and reused; the databases there
# are recreated on every run.
#
# Needs: sqlite3 (Debian package sqlite3), GNU time at /usr/bin/time (package
# time) for peak memory (without it, wall time only). Optional: python3 with
# the duckdb module (pip install duckdb) for the DuckDB row.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
work=${BENCH_DIR:-bench-data}/$events
mkdir -p "$work"
if [ -z "${SKIP_BUILD:-}" ]; then
  swift build -c release >/dev/null
fi
bin=.build/release/analytics
[ -x "$bin" ] || { echo "no $bin: build it (swift build -c release) or run without SKIP_BUILD" >&2; exit 1; }
command -v sqlite3 >/dev/null || { echo "sqlite3 not found (Debian package sqlite3)" >&2; exit 1; }
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f "%e %M")
results=$work/results.txt
: >"$results"

# --- helpers -----------------------------------------------------------------

# Runs a command once, its output discarded; sets $secs and $peak_kb (peak
# resident set in KB, "NA" without GNU time). Stops the benchmark when the
# command fails, with what it wrote to stderr.
once() {
  if [ ${#timer[@]} -gt 0 ]; then
    if ! "${timer[@]}" "$@" >/dev/null 2>"$work/time.txt"; then
      echo "failed: $*" >&2
      cat "$work/time.txt" >&2
      exit 1
    fi
    read -r secs peak_kb < <(tail -n 1 "$work/time.txt")
  else
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null || { echo "failed: $*" >&2; exit 1; }
    end=$(date +%s.%N)
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
    peak_kb=NA
  fi
}
# Queries: one warm-up run (page cache), then the timed one.
measure() {
  "$@" >/dev/null 2>&1 || true
  once "$@"
}
# a / b printed with format $3; NA when either is missing or b is 0.
ratio() {
  awk -v a="$1" -v b="$2" -v f="$3" 'BEGIN {
    if (a == "NA" || b == "NA" || b + 0 <= 0) print "NA"; else printf f "\n", a / b }'
}
# Size of a file in bytes; 0 when it does not exist.
bytes() { if [ -e "$1" ]; then stat -c %s "$1"; else echo 0; fi; }
# Bytes or KB as MB with one decimal (for the table).
mb() { awk -v b="$1" 'BEGIN { if (b == "NA" || b == "") print "-"; else printf "%.1f\n", b / 1048576 }'; }
kb_mb() { awk -v k="$1" 'BEGIN { if (k == "NA" || k == "") print "-"; else printf "%.1f\n", k / 1024 }'; }
# key=value lines for results.txt: put KEY VALUE [KEY VALUE ...].
put() {
  while [ $# -ge 2 ]; do
    echo "$1=$2" >>"$results"
    shift 2
  done
}
# One table row: label seconds rows/s peak_kb db_bytes wal_bytes note.
row() {
  printf "%-46s %8s %10s %9s %9s %8s  %s\n" "$1" "$2" "${3:--}" "$(kb_mb "$4")" \
    "$([ -n "$5" ] && mb "$5" || echo -)" "$([ -n "$6" ] && mb "$6" || echo -)" "$7" | sed 's/ *$//'
}
header() {
  printf "%-46s %8s %10s %9s %9s %8s\n" "" "seconds" "rows/s" "peak MB" "db MB" "wal MB"
}

# --- data ----------------------------------------------------------------------

if [ ! -f "$work/events.csv" ] || [ ! -f "$work/orders.csv" ]; then
  echo "generating $events events into $work ..."
  "$bin" generate --events "$events" --seed 1 --out "$work" >/dev/null
fi
rows=$(($(wc -l <"$work/events.csv") - 1))
order_rows=$(($(wc -l <"$work/orders.csv") - 1))
events_bytes=$(bytes "$work/events.csv")
orders_bytes=$(bytes "$work/orders.csv")
# A nightly run: the history minus its last 2% of rows (about a day), then that day.
if [ ! -f "$work/nightly/day.csv" ]; then
  mkdir -p "$work/nightly"
  day=$((rows / 50))
  head -n $((rows + 1 - day)) "$work/events.csv" >"$work/nightly/history.csv"
  { head -n 1 "$work/events.csv"; tail -n "$day" "$work/events.csv"; } >"$work/nightly/day.csv"
fi
day_rows=$(($(wc -l <"$work/nightly/day.csv") - 1))
# Every timed import reads the CSVs from the page cache, none from disk.
cat "$work/events.csv" "$work/orders.csv" "$work/nightly/"*.csv >/dev/null

echo "data: $rows events ($(mb "$events_bytes") MB CSV) + $order_rows orders ($(mb "$orders_bytes") MB CSV) in $work; $(nproc) cores"
version=$("$bin" --version 2>/dev/null || echo unknown)
sqlite_version=$(sqlite3 --version | cut -d' ' -f1)
echo "analytics $version; sqlite3 $sqlite_version"
put analytics_version "$version" sqlite3_version "$sqlite_version" events "$rows" orders "$order_rows" events_csv_bytes "$events_bytes" orders_csv_bytes "$orders_bytes" \
  nightly_day_rows "$day_rows" cores "$(nproc)"
echo
header

# --- 1. baseline: sqlite3 .import ------------------------------------------------

baseline=$work/baseline.sqlite
db=$baseline
rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
once sqlite3 "$db" -cmd ".mode csv" ".import \"$work/events.csv\" events"
sqlite_secs=$secs
rps=$(ratio "$rows" "$secs" "%.0f")
row "baseline: sqlite3 .import events.csv" "$secs" "$rps" "$peak_kb" "$(bytes "$db")" "" \
  "db/CSV $(ratio "$(bytes "$db")" "$events_bytes" "%.2f")"
put sqlite_import_seconds "$secs" sqlite_import_rows_per_s "$rps" sqlite_import_peak_rss_kb "$peak_kb" \
  sqlite_import_db_bytes "$(bytes "$db")"
# The plain-SQL queries (section 6) read orders too, and the funnel needs load.sql's indexes.
once sqlite3 "$db" -cmd ".mode csv" ".import \"$work/orders.csv\" orders"
rps=$(ratio "$order_rows" "$secs" "%.0f")
db_csv=$(ratio "$(bytes "$db")" $((events_bytes + orders_bytes)) "%.2f")
row "baseline: sqlite3 .import orders.csv" "$secs" "$rps" "$peak_kb" "$(bytes "$db")" "" "db/CSVs $db_csv"
put sqlite_orders_seconds "$secs" sqlite_orders_rows_per_s "$rps" sqlite_orders_peak_rss_kb "$peak_kb" \
  sqlite_orders_db_bytes "$(bytes "$db")"
once sqlite3 "$db" ".read scripts/sql/raw/load.sql"
db_csv=$(ratio "$(bytes "$db")" $((events_bytes + orders_bytes)) "%.2f")
row "baseline: sqlite3 scripts/sql/raw/load.sql" "$secs" "" "$peak_kb" "$(bytes "$db")" "" "indexes; db/CSVs $db_csv"
put sqlite_load_seconds "$secs" sqlite_load_peak_rss_kb "$peak_kb" sqlite_load_db_bytes "$(bytes "$db")"

# --- 2. DuckDB read_csv_auto ----------------------------------------------------------

if command -v python3 >/dev/null && python3 -c 'import duckdb' 2>/dev/null; then
  db=$work/duckdb.duckdb
  rm -f "$db" "$db.wal"
  # The paths come in as arguments; the CSV path becomes an SQL string literal.
  once python3 -c 'import sys, duckdb
q = chr(39)
con = duckdb.connect(sys.argv[1])
con.execute("CREATE TABLE events AS SELECT * FROM read_csv_auto(" + q + sys.argv[2].replace(q, q + q) + q + ")")
con.close()' "$db" "$work/events.csv"
  rps=$(ratio "$rows" "$secs" "%.0f")
  duckdb_version=$(python3 -c 'import duckdb; print(duckdb.__version__)')
  row "duckdb read_csv_auto events.csv (python3)" "$secs" "$rps" "$peak_kb" "$(bytes "$db")" "$(bytes "$db.wal")" \
    "db/CSV $(ratio "$(bytes "$db")" "$events_bytes" "%.2f"); duckdb $duckdb_version"
  put duckdb_version "$duckdb_version" duckdb_import_seconds "$secs" duckdb_import_rows_per_s "$rps" duckdb_import_peak_rss_kb "$peak_kb" \
    duckdb_import_db_bytes "$(bytes "$db")" duckdb_import_wal_bytes "$(bytes "$db.wal")"
else
  echo "duckdb: skipped (python3 -c 'import duckdb' failed; pip install duckdb to compare)"
  put duckdb_import_seconds NA
fi

# --- 3. analytics import events.csv -----------------------------------------------

db=$work/analytics.sqlite
rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
once "$bin" import "$work/events.csv" --db "$db" --quiet
rps=$(ratio "$rows" "$secs" "%.0f")
db_bytes=$(bytes "$db")
wal_bytes=$(bytes "$db-wal")
x_sqlite=$(ratio "$sqlite_secs" "$secs" "%.2f")
db_csv=$(ratio $((db_bytes + wal_bytes)) "$events_bytes" "%.2f")
row "analytics import events.csv" "$secs" "$rps" "$peak_kb" "$db_bytes" "$wal_bytes" \
  "${x_sqlite}x of sqlite3 .import; (db+wal)/CSV $db_csv"
put ours_import_seconds "$secs" ours_import_rows_per_s "$rps" ours_import_peak_rss_kb "$peak_kb" \
  ours_import_db_bytes "$db_bytes" ours_import_wal_bytes "$wal_bytes" \
  ours_import_x_sqlite "$x_sqlite" ours_import_db_csv_ratio "$db_csv"

# --- 3b. the same two imports alternated, medians ----------------------------------------
# One run of each varies by 10-20% on a shared machine: IMPORT_PAIRS (default 3) more pairs,
# sqlite3 and ours in turn, and the ratio of the medians (the single runs above stay as they were).

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print "NA"; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
pairs=${IMPORT_PAIRS:-3}
if [ "$pairs" -gt 0 ]; then
  sqlite_runs=() ours_runs=()
  for _ in $(seq "$pairs"); do
    scratch=$work/pair-baseline.sqlite
    rm -f "$scratch"
    once sqlite3 "$scratch" -cmd ".mode csv" ".import \"$work/events.csv\" events"
    sqlite_runs+=("$secs")
    scratch=$work/pair-analytics.sqlite
    rm -f "$scratch" "$scratch-journal" "$scratch-wal" "$scratch-shm"
    once "$bin" import "$work/events.csv" --db "$scratch" --quiet
    ours_runs+=("$secs")
  done
  rm -f "$work/pair-baseline.sqlite" "$work/pair-analytics.sqlite"
  sqlite_median=$(printf '%s\n' "${sqlite_runs[@]}" | median)
  ours_median=$(printf '%s\n' "${ours_runs[@]}" | median)
  x_median=$(ratio "$sqlite_median" "$ours_median" "%.2f")
  row "median of $pairs alternated: sqlite3 .import" "$sqlite_median" "$(ratio "$rows" "$sqlite_median" "%.0f")" "" "" "" \
    "runs: ${sqlite_runs[*]}"
  row "median of $pairs alternated: analytics import" "$ours_median" "$(ratio "$rows" "$ours_median" "%.0f")" "" "" "" \
    "${x_median}x of sqlite3 .import; runs: ${ours_runs[*]}"
  put pairs "$pairs" sqlite_import_median_seconds "$sqlite_median" ours_import_median_seconds "$ours_median" \
    ours_import_median_x_sqlite "$x_median"
fi

# --- 4. orders.csv incremental; events + orders in one go ------------------------------

# After `once` imported into $db: prints the row of LABEL and records KEY_* (ROWS rows were imported).
import_row() {
  local key=$1 label=$2 rows_in=$3 rps db_bytes wal_bytes db_csv
  rps=$(ratio "$rows_in" "$secs" "%.0f")
  db_bytes=$(bytes "$db")
  wal_bytes=$(bytes "$db-wal")
  db_csv=$(ratio $((db_bytes + wal_bytes)) $((events_bytes + orders_bytes)) "%.2f")
  row "$label" "$secs" "$rps" "$peak_kb" "$db_bytes" "$wal_bytes" "(db+wal)/CSVs $db_csv"
  put "${key}_seconds" "$secs" "${key}_rows_per_s" "$rps" "${key}_peak_rss_kb" "$peak_kb" \
    "${key}_db_bytes" "$db_bytes" "${key}_wal_bytes" "$wal_bytes" "${key}_db_csv_ratio" "$db_csv"
}

once "$bin" import "$work/orders.csv" --db "$db" --quiet
import_row ours_orders "analytics import orders.csv (incremental)" "$order_rows"

db=$work/oneshot.sqlite
rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
once "$bin" import "$work/events.csv" "$work/orders.csv" --db "$db" --quiet
import_row ours_oneshot "analytics import events.csv orders.csv (new)" $((rows + order_rows))

# --- 5. nightly: the history, then one more day -----------------------------------

db=$work/nightly.sqlite
rm -f "$db" "$db-journal" "$db-wal" "$db-shm"
"$bin" import "$work/nightly/history.csv" "$work/orders.csv" --db "$db" --quiet >/dev/null
once "$bin" import "$work/nightly/day.csv" --db "$db" --quiet
rps=$(ratio "$day_rows" "$secs" "%.0f")
db_bytes=$(bytes "$db")
wal_bytes=$(bytes "$db-wal")
row "analytics import of one more day (incremental)" "$secs" "$rps" "$peak_kb" "$db_bytes" "$wal_bytes" \
  "$day_rows rows onto $((rows - day_rows))"
put nightly_day_seconds "$secs" nightly_day_rows_per_s "$rps" nightly_day_peak_rss_kb "$peak_kb" \
  nightly_db_bytes "$db_bytes" nightly_wal_bytes "$wal_bytes"
echo

# --- 6. queries (analytics.sqlite: events + orders; plain SQL: baseline.sqlite) ----

db=$work/analytics.sqlite
# query KEY LABEL COMMAND...: timed after a warm-up run.
query() {
  local key=$1 label=$2
  shift 2
  measure "$@"
  row "$label" "$secs" "" "$peak_kb" "" "" ""
  put "${key}_seconds" "$secs" "${key}_peak_rss_kb" "$peak_kb"
}
query sql_touchpoints "baseline: KPIs by channel, plain SQL" \
  sqlite3 "$baseline" ".read scripts/sql/raw/touchpoints_by_channel.sql"
query ours_touchpoints "analytics touchpoints --by channel" "$bin" touchpoints --db "$db"
echo

if [ -z "${SKIP_SQL_FUNNEL:-}" ]; then
  # No warm-up: this one is slow.
  once sqlite3 "$baseline" ".read scripts/sql/raw/funnel_customer_journey.sql"
  row "baseline: 5-stage user funnel, plain SQL" "$secs" "" "$peak_kb" "" "" ""
  put sql_funnel_seconds "$secs" sql_funnel_peak_rss_kb "$peak_kb"
else
  put sql_funnel_seconds NA
fi
query ours_funnel "analytics funnel (5 stages, users)" "$bin" funnel --db "$db"
query ours_funnel_breakdown_channel "analytics funnel --breakdown channel" \
  "$bin" funnel --db "$db" --breakdown channel
query ours_funnel_by_session "analytics funnel --by session" "$bin" funnel --db "$db" --by session
if grep -q ' paths ' <<<"$("$bin" --help)"; then
  query ours_paths "analytics paths --start product_view" "$bin" paths --db "$db" --start product_view
  query ours_paths_by_session "analytics paths --by session --collapse" "$bin" paths --db "$db" --by session --collapse
  query ours_retention "analytics retention (weekly, 8 periods)" "$bin" retention --db "$db"
  query ours_retention_orders "analytics retention --start order --return order --period month" \
    "$bin" retention --db "$db" --start order --return order --period month
  query ours_attribution "analytics attribution --compare-models" "$bin" attribution --db "$db" --compare-models
fi
# The funnel modes (scripts/journeys/bench-*.yaml: the same five stages in each mode; any
# order with six): each against bench-ordered in the same run (docs/performance.md).
if "$bin" funnel --help | grep -q -- '--order'; then
  for mode in ordered strict optional exclude conversions any6; do
    query "ours_funnel_mode_$mode" "analytics funnel, journey bench-$mode" \
      "$bin" funnel --db "$db" --journey "scripts/journeys/bench-$mode.yaml"
  done
  query ours_funnel_time_to_convert "analytics funnel --time-to-convert" "$bin" funnel --db "$db" --time-to-convert
fi
if grep -q ' report ' <<<"$("$bin" --help)"; then
  query ours_report "analytics report (HTML)" "$bin" report --db "$db" --out "$work/report.html"
fi
echo
echo "figures as key=value: $results"
