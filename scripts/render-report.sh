#!/usr/bin/env bash
# Renders an HTML report to a PNG with headless Chromium, to look at it.
#   scripts/render-report.sh [report.html] [report.png] [width]
# Needs Debian's chromium package (apt-get install chromium).
set -euo pipefail
html=${1:-report.html}
png=${2:-${html%.html}.png}
width=${3:-1280}
command -v chromium >/dev/null || { echo "chromium is missing: apt-get install chromium" >&2; exit 1; }
[ -f "$html" ] || { echo "no $html: run 'analytics report SampleData --out $html' first" >&2; exit 1; }
# A tall window captures the whole page; Chromium crops nothing below it.
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
  --window-size="$width,${HEIGHT:-6000}" --screenshot="$(realpath -m "$png")" "file://$(realpath "$html")" 2>/dev/null
echo "wrote $png"
