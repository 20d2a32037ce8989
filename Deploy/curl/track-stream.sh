#!/usr/bin/env bash
# One streaming tracking request: POST /run with Accept: application/x-ndjson prints a JSON line per
# frame as it is tracked, then a line of totals ({"done": true, ...}).
#   Deploy/curl/track-stream.sh [BASE_URL]      (default http://127.0.0.1:8080)
# Env: as track.sh.
NDJSON=1 exec "$(dirname "${BASH_SOURCE[0]}")/track.sh" "$@"
