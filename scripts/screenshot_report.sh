#!/usr/bin/env bash
# Regenerate docs/report.html (the analyst review page of the five seeds, rule backend) and
# docs/report.png (how headless Chromium renders it). Offline: the page has no external resources.
# Needs Chromium: on Debian `apt-get install -y chromium` (CHROMIUM=/path/to/binary to override).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
mkdir -p out docs

.venv/bin/extractor run seeds -o out/events.jsonl --overwrite
.venv/bin/extractor report out/events.jsonl --docs seeds -o docs/report.html

CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}
if [ -z "$CHROMIUM" ]; then
  echo "error: chromium not found; install it (Debian: apt-get install -y chromium) or set CHROMIUM" >&2
  exit 1
fi
PROFILE=$(mktemp -d)
trap 'rm -rf "$PROFILE"' EXIT
"$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync \
  --user-data-dir="$PROFILE" --window-size=1400,2200 \
  --screenshot="$ROOT/docs/report.png" "file://$ROOT/docs/report.html" 2> "$PROFILE/chromium.log" \
  || { cat "$PROFILE/chromium.log" >&2; exit 1; }
test -s docs/report.png
echo "docs/report.png written"
