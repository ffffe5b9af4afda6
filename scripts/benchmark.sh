#!/usr/bin/env bash
# Benchmark: generate N events, import them with a release build, run the
# KPI and funnel queries, and time SQLite's own shell doing the same work
# (plain .import; the same queries in plain SQL) as the baseline, side by side.
#
#   scripts/benchmark.sh            # 1M events
#   scripts/benchmark.sh 10000000   # 10M events
#   SKIP_SQL_FUNNEL=1 scripts/benchmark.sh 10000000   # skip the slow SQL funnel baseline
#
# Needs: sqlite3 (Debian package sqlite3), GNU time (package time) for peak memory.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
work=${BENCH_DIR:-bench-data}/$events
mkdir -p "$work"
swift build -c release >/dev/null
bin=.build/release/analytics
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -f "%e %M")

# Runs a command once; prints "seconds peak_MB" (peak only with GNU time).
once() {
  if [ ${#timer[@]} -gt 0 ]; then
    { "${timer[@]}" "$@" >/dev/null; } 2>"$work/time.txt" || { cat "$work/time.txt"; exit 1; }
    read -r seconds kb < <(tail -1 "$work/time.txt")
    echo "$seconds $((kb / 1024))"
  else
    local start end
    start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N)
    echo "$(echo "$end - $start" | bc) -"
  fi
}
# Queries: one warm-up run (page cache), then the timed one.
measure() {
  "$@" >/dev/null 2>&1 || true
  once "$@"
}
row() { printf "%-44s %10s s %9s MB  %s\n" "$1" "$2" "$3" "$4"; }

if [ ! -f "$work/events.csv" ]; then
  echo "generating $events events into $work ..."
  $bin generate --events "$events" --seed 1 --out "$work" >/dev/null
fi
rows=$(($(wc -l <"$work/events.csv") - 1))
size=$(du -m "$work/events.csv" | cut -f1)
echo "data: $rows events ($size MB CSV) + $(($(wc -l <"$work/orders.csv") - 1)) orders; $(nproc) cores"
echo

rm -f "$work/baseline.sqlite"*
read -r s m < <(once sqlite3 "$work/baseline.sqlite" -cmd ".mode csv" ".import $work/events.csv events")
row "baseline: sqlite3 .import events.csv" "$s" "$m" "$(echo "$rows / $s" | bc) rows/s"

rm -f "$work/analytics.sqlite"*
read -r s m < <(once $bin import "$work/events.csv" --db "$work/analytics.sqlite" --quiet)
row "analytics import events.csv" "$s" "$m" "$(echo "$rows / $s" | bc) rows/s"
read -r s m < <(once $bin import "$work/orders.csv" --db "$work/analytics.sqlite" --quiet)
row "analytics import orders.csv (incremental)" "$s" "$m" ""

# A nightly run: the history minus its last 2% of rows (about a day), then that day.
if [ ! -f "$work/nightly/day.csv" ]; then
  mkdir -p "$work/nightly"
  day=$((rows / 50))
  head -n $((rows + 1 - day)) "$work/events.csv" >"$work/nightly/history.csv"
  { head -n 1 "$work/events.csv"; tail -n "$day" "$work/events.csv"; } >"$work/nightly/day.csv"
fi
rm -f "$work/nightly.sqlite"*
$bin import "$work/nightly/history.csv" "$work/orders.csv" --db "$work/nightly.sqlite" --quiet >/dev/null
read -r s m < <(once $bin import "$work/nightly/day.csv" --db "$work/nightly.sqlite" --quiet)
row "analytics import of one more day (incremental)" "$s" "$m" "$(($(wc -l <"$work/nightly/day.csv") - 1)) rows"
echo

read -r s m < <(measure sqlite3 "$work/analytics.sqlite" ".read scripts/sql/touchpoints_by_channel.sql")
row "baseline: KPIs by channel, plain SQL" "$s" "$m" ""
read -r s m < <(measure $bin touchpoints --db "$work/analytics.sqlite")
row "analytics touchpoints --by channel" "$s" "$m" ""
echo

if [ -z "${SKIP_SQL_FUNNEL:-}" ]; then
  read -r s m < <(once sqlite3 "$work/analytics.sqlite" ".read scripts/sql/funnel_customer_journey.sql")
  row "baseline: 5-stage user funnel, plain SQL" "$s" "$m" ""
fi
read -r s m < <(measure $bin funnel --db "$work/analytics.sqlite")
row "analytics funnel (5 stages, users)" "$s" "$m" ""
read -r s m < <(measure $bin funnel --db "$work/analytics.sqlite" --breakdown channel)
row "analytics funnel --breakdown channel" "$s" "$m" ""
read -r s m < <(measure $bin funnel --db "$work/analytics.sqlite" --by session)
row "analytics funnel --by session" "$s" "$m" ""
if $bin --help | grep -q ' report '; then
  read -r s m < <(measure $bin report --db "$work/analytics.sqlite" --out "$work/report.html")
  row "analytics report (HTML)" "$s" "$m" ""
fi
echo
echo "database: $(du -m "$work/analytics.sqlite" | cut -f1) MB (baseline table: $(du -m "$work/baseline.sqlite" | cut -f1) MB)"
