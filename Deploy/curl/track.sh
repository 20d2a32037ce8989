#!/usr/bin/env bash
# One tracking request: POST /run, the whole answer as one JSON object when tracking ends
# (with NDJSON=1, as Deploy/curl/track-stream.sh sets: a JSON line per frame as it is tracked).
#   Deploy/curl/track.sh [BASE_URL]      (default http://127.0.0.1:8080)
# Env: VIDEO_URL (default: the sample served by Deploy/tests/range_server.py on port 8000),
#      START_FRAME (0), FRAME_DURATION (60).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=request-body.sh
source "$here/request-body.sh"
BASE_URL="${1:-${BASE_URL:-http://127.0.0.1:8080}}"
VIDEO_URL="${VIDEO_URL:-http://127.0.0.1:8000/Crossing.mp4}"

streaming=()
# --no-buffer: print each line as it arrives instead of when the response ends.
[ -n "${NDJSON:-}" ] && streaming=(--no-buffer --header 'Accept: application/x-ndjson')

status=0
request_body | curl --silent --show-error --fail-with-body "${streaming[@]}" \
  --request POST "$BASE_URL/run" \
  --header 'Content-Type: application/json' \
  --data-binary @- || status=$?
# A whole answer or an error body has no newline of its own: end the line.
[ -z "${NDJSON:-}" ] && echo
exit "$status"
