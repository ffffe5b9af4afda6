#!/usr/bin/env bash
# Lists each target's imports of other project targets and fails (exit 1) on an
# import that points up or sideways in the layer order (ARCHITECTURE.md).
#
#   scripts/check-layers.sh            # checks Sources/
#   scripts/check-layers.sh DIR        # checks DIR (a Sources-like folder)
set -euo pipefail
sources=${1:-"$(dirname "$0")/../Sources"}

# Layer ranks, lowest first. A target may import only targets of a lower rank.
rank() {
  case "$1" in
    CSQLite|CZlib) echo 0 ;;
    AnalyticsCore) echo 1 ;;
    AnalyticsStorage|CSVScanner) echo 2 ;;
    AnalyticsIngest) echo 3 ;;
    AnalyticsSessions) echo 4 ;;
    AnalyticsQueries) echo 5 ;;
    AnalyticsReports) echo 6 ;;
    Analytics|JourneyExtension) echo 7 ;;
    analytics) echo 8 ;;
    *) echo "" ;;
  esac
}

status=0
for dir in "$sources"/*/; do
  target=$(basename "$dir")
  own=$(rank "$target")
  [ -n "$own" ] || continue
  imports=$(grep -rhoE '^\s*(@[A-Za-z_]+\s+)*import\s+[A-Za-z_]+' "$dir" --include='*.swift' 2>/dev/null \
    | awk '{print $NF}' | sort -u | while read -r name; do [ -n "$(rank "$name")" ] && echo "$name"; done || true)
  echo "$target: $(echo $imports)"
  for name in $imports; do
    other=$(rank "$name")
    if [ "$other" -ge "$own" ]; then
      where=$(grep -rlE "^\s*(@[A-Za-z_]+\s+)*import\s+$name\b" "$dir" --include='*.swift' | head -3 | tr '\n' ' ')
      echo "  error: $target imports $name, which is not below it ($where)" >&2
      status=1
    fi
  done
done
# The command-line tool talks to the facade only.
cli_imports=$(grep -rhoE '^\s*(@[A-Za-z_]+\s+)*import\s+[A-Za-z_]+' "$sources/analytics" --include='*.swift' 2>/dev/null \
  | awk '{print $NF}' | sort -u || true)
for name in $cli_imports; do
  case "$name" in
    Analytics|ArgumentParser|Foundation) ;;
    *) echo "  error: the CLI imports $name; it may import only Analytics, ArgumentParser and Foundation" >&2; status=1 ;;
  esac
done
exit $status
