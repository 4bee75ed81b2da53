#!/usr/bin/env bash
# Screenshot of the main job's report for the README (docs/report.png): the first screens of
# output/action-tracks/report.html in headless Chromium (Debian's `chromium`).
#
#   cargo run --release -- batch scenarios/action-tracks.toml && scripts/report-screenshot.sh
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
page="$root/output/action-tracks/report.html"
[ -f "$page" ] || { echo "no $page: run the main job first" >&2; exit 1; }
chromium="${HJEMSIM_CHROMIUM:-chromium}"
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$chromium" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --disable-quic --hide-scrollbars \
    --user-data-dir="$profile" --window-size=900,2150 \
    --screenshot="$root/docs/report.png" "file://$page" 2>/dev/null
echo "wrote docs/report.png"
