#!/usr/bin/env bash
# README command 1: set up, build, and colourize the sample photos with the bundled model.
# With --serve, then start the web app on http://127.0.0.1:8080 (Ctrl+C stops it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product findcolor 2>&1 | tail -n 3
mkdir -p out
.build/release/findcolor colorize samples/detroit-1915.jpg samples/migrant-mother-1936.jpg samples/solvay-1927.jpg -o out/ --format jpeg
echo "colour photos are in out/"
if [[ "${1:-}" == "--serve" ]]; then
    echo "serving the web app on http://127.0.0.1:8080 (Ctrl+C to stop)"
    exec .build/release/findcolor serve --host 127.0.0.1 --port 8080 --data "${FINDCOLOR_DATA:-findcolor-data}"
fi
