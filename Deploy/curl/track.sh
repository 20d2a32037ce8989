#!/usr/bin/env bash
# One plain tracking request: POST /run, the whole answer as one JSON object when tracking ends.
#   Deploy/curl/track.sh [BASE_URL]      (default http://127.0.0.1:8080)
# Env: VIDEO_URL (default: the sample served by Deploy/tests/range_server.py on port 8000),
#      START_FRAME (0), FRAME_DURATION (60).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=request-body.sh
source "$here/request-body.sh"
BASE_URL="${1:-${BASE_URL:-http://127.0.0.1:8080}}"
VIDEO_URL="${VIDEO_URL:-http://127.0.0.1:8000/Crossing.mp4}"

status=0
request_body | curl --silent --show-error --fail-with-body \
  --request POST "$BASE_URL/run" \
  --header 'Content-Type: application/json' \
  --data-binary @- || status=$?
# The error body has no newline of its own: end the line either way.
echo
exit "$status"
