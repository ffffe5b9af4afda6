#!/usr/bin/env bash
# Builds a release binary and installs `analytics` with its shell completions, its man page and the
# SQLite extension under PREFIX (default /usr/local when writable, else ~/.local):
#   PREFIX/bin/analytics
#   PREFIX/lib/journey-analytics/libJourneyExtension.so   (sqlite3: .load PREFIX/lib/journey-analytics/libJourneyExtension)
#   PREFIX/share/man/man1/analytics.1                      (man analytics)
#   PREFIX/share/bash-completion/completions/analytics, zsh and fish completions
#
#   scripts/install.sh                 # then: analytics --help
#   PREFIX=~/.local scripts/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${PREFIX:-}" ]; then
  if [ -w /usr/local/bin ]; then PREFIX=/usr/local; else PREFIX=$HOME/.local; fi
fi

echo "building a release binary (swift build -c release)..." >&2
swift build -c release --quiet
bin=.build/release

install -d "$PREFIX/bin" "$PREFIX/lib/journey-analytics" "$PREFIX/share/man/man1" \
  "$PREFIX/share/bash-completion/completions" "$PREFIX/share/zsh/site-functions" \
  "$PREFIX/share/fish/vendor_completions.d"
install -m 755 "$bin/analytics" "$PREFIX/bin/analytics"
install -m 755 "$bin/libJourneyExtension.so" "$PREFIX/lib/journey-analytics/libJourneyExtension.so"
"$bin/analytics" --generate-completion-script bash >"$PREFIX/share/bash-completion/completions/analytics"
"$bin/analytics" --generate-completion-script zsh >"$PREFIX/share/zsh/site-functions/_analytics"
"$bin/analytics" --generate-completion-script fish >"$PREFIX/share/fish/vendor_completions.d/analytics.fish"

# The man page, from the same help texts (swift-argument-parser's GenerateManual plugin).
manual=$(mktemp -d)
if swift package --allow-writing-to-directory "$manual" generate-manual --output-directory "$manual" >/dev/null 2>&1 \
  && [ -f "$manual/analytics.1" ]; then
  install -m 644 "$manual/analytics.1" "$PREFIX/share/man/man1/analytics.1"
else
  echo "note: the man page could not be generated (swift package generate-manual); --help has the same text" >&2
fi
rm -rf "$manual"

echo "installed: $PREFIX/bin/analytics ($("$PREFIX/bin/analytics" --version))" >&2
case ":$PATH:" in
  *":$PREFIX/bin:"*) ;;
  *) echo "note: $PREFIX/bin is not on your PATH; add it: export PATH=\"$PREFIX/bin:\$PATH\"" >&2 ;;
esac
