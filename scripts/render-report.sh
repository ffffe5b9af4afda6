#!/usr/bin/env bash
# Renders an HTML report to a PNG with headless Chromium, to look at it.
#   scripts/render-report.sh [report.html] [report.png] [width]
# Needs Debian's chromium package (apt-get install chromium).
# Headless Chromium lays a window out at least 500 px wide, so narrower widths are rendered in an
# iframe of exactly that width (the PNG is then as wide as asked, and the page sees its real width).
set -euo pipefail
html=${1:-report.html}
png=${2:-${html%.html}.png}
width=${3:-1280}
height=${HEIGHT:-6000}
command -v chromium >/dev/null || { echo "chromium is missing: apt-get install chromium" >&2; exit 1; }
[ -f "$html" ] || { echo "no $html: run 'analytics report SampleData --out $html' first" >&2; exit 1; }
url="file://$(realpath "$html")"
if [ "$width" -lt 500 ]; then
  host=$(mktemp --suffix=.html)
  trap 'rm -f "$host"' EXIT
  printf '<!DOCTYPE html><html><head><style>body{margin:0}iframe{border:0;display:block}</style></head><body>%s</body></html>\n' \
    "<iframe src=\"$url\" style=\"width:${width}px;height:${height}px\"></iframe>" > "$host"
  url="file://$host"
fi
# A tall window captures the whole page; Chromium crops nothing below it.
chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --force-device-scale-factor=1 \
  --window-size="$width,$height" --screenshot="$(realpath -m "$png")" "$url" 2>/dev/null
echo "wrote $png"
