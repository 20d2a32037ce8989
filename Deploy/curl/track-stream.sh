#!/usr/bin/env bash
# One streaming tracking request: POST /run with Accept: application/x-ndjson prints a JSON line per
# frame as it is tracked, then a line of totals ({"done": true, ...}).
#   Deploy/curl/track-stream.sh [BASE_URL]      (default http://127.0.0.1:8080)
# Env: as track.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=request-body.sh
source "$here/request-body.sh"
BASE_URL="${1:-${BASE_URL:-http://127.0.0.1:8080}}"
VIDEO_URL="${VIDEO_URL:-http://127.0.0.1:8000/Crossing.mp4}"

status=0
# --no-buffer: print each line as it arrives instead of when the response ends.
request_body | curl --silent --show-error --fail-with-body --no-buffer \
  --request POST "$BASE_URL/run" \
  --header 'Content-Type: application/json' \
  --header 'Accept: application/x-ndjson' \
  --data-binary @- || status=$?
exit "$status"
