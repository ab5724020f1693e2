#!/usr/bin/env bash
# Regenerate docs/report.html (the analyst review page of the five seeds, rule backend) and
# docs/report.png (how headless Chromium renders it). Offline: the page has no external resources.
# Needs Chromium: on Debian `apt-get install -y chromium` (CHROMIUM=/path/to/binary to override).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
mkdir -p out docs

# The five seeds with their publication dates, and the two dev articles that tell the $61bn
# supplemental again (so that the page shows a cross-article link and a commitment's stages).
grep -E '"id": "dev_0(02|21)"' gold/dev.docs.jsonl > out/report-dev.jsonl
.venv/bin/extractor run gold/seeds.docs.jsonl out/report-dev.jsonl -o out/report-events.jsonl --no-cache -q --overwrite
.venv/bin/extractor report out/report-events.jsonl --docs gold/seeds.docs.jsonl \
  --docs out/report-dev.jsonl -o docs/report.html --title "Seeds and the \$61bn story"

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
