#!/usr/bin/env bash
# Fuzzes request decoding and validation with libFuzzer: Fuzz/run.sh [SECONDS] (default 300).
# Builds RequestFuzzer with -sanitize=fuzzer,address into .build-fuzz (kept apart from .build),
# fuzzes a temporary copy of Fuzz/corpus (new inputs do not grow the repo) and ends with one
# summary line. A crash, a broken invariant or a timeout is saved under Fuzz/crashes/ and the
# script exits non-zero.
set -euo pipefail

seconds=${1:-300}
case $seconds in ''|*[!0-9]*) echo "usage: Fuzz/run.sh [SECONDS]" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."

scratch=.build-fuzz
flags=(-Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -DFUZZING)
echo "fuzz: building RequestFuzzer (libFuzzer + ASan) in $scratch" >&2
# ld.gold warns at every link about ASan-internal symbols; nothing to act on.
swift build --scratch-path "$scratch" --product RequestFuzzer "${flags[@]}" 2>&1 \
    | { grep -v "Cannot export local symbol '__asan_" || true; } >&2
binary="$(swift build --scratch-path "$scratch" --product RequestFuzzer "${flags[@]}" --show-bin-path)/RequestFuzzer"

work=$(mktemp -d "${TMPDIR:-/tmp}/request-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
cp Fuzz/corpus/* "$work/corpus/"

options=(-max_total_time="$seconds" -rss_limit_mb=4096 -timeout=25 -max_len=8192
         -print_final_stats=1 -artifact_prefix="$work/artifacts/")
[ -f Fuzz/request.dict ] && options+=(-dict=Fuzz/request.dict)
# Leak checks would flag the Swift runtime's one-time allocations, not request decoding.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
# libFuzzer reports crashes itself; the Swift runtime's backtracer trips ASan in its own crash
# handler (CrashHandlerLinux memserver_read) and then hangs, so it stays off here.
export SWIFT_BACKTRACE=enable=no

echo "fuzz: $seconds s over $(ls "$work/corpus" | wc -l) seed inputs (FUZZ_VERBOSE=1 shows libFuzzer's log)" >&2
status=0
started=$SECONDS
if [ -n "${FUZZ_VERBOSE:-}" ]; then
    "$binary" "${options[@]}" "$work/corpus" 2>&1 | tee "$work/log" >&2 || status=${PIPESTATUS[0]}
else
    "$binary" "${options[@]}" "$work/corpus" >"$work/log" 2>&1 || status=$?
fi
elapsed=$((SECONDS - started))

stats=$(grep -E '^#[0-9]+' "$work/log" | tail -n 1 || true)
runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$work/log" | tail -n 1)
[ -n "$runs" ] || runs=$(sed -nE 's/^Done ([0-9]+) runs.*/\1/p' "$work/log" | tail -n 1)
[ -n "$runs" ] || runs=$(sed -nE 's/^#([0-9]+).*/\1/p' <<<"$stats")
cov=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$stats")
ft=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$stats")
corp=$(sed -nE 's/.* corp: ([^ ]+).*/\1/p' <<<"$stats")
summary="fuzz: ${runs:-?} executions in ${elapsed} s, cov: ${cov:-?} ft: ${ft:-?} corp: ${corp:-?}"

found=$(ls "$work/artifacts" 2>/dev/null || true)
if [ "$status" -ne 0 ] || [ -n "$found" ]; then
    [ -n "${FUZZ_VERBOSE:-}" ] || grep -vE '^#[0-9]+|^INFO:' "$work/log" | tail -n 60 >&2
    mkdir -p Fuzz/crashes
    saved=()
    for name in $found; do cp "$work/artifacts/$name" "Fuzz/crashes/$name"; saved+=("Fuzz/crashes/$name"); done
    echo "$summary, FAILED (libFuzzer exit $status): ${saved[*]:-no input saved}"
    echo "replay: swift build --product RequestFuzzer && .build/debug/RequestFuzzer ${saved[*]:-Fuzz/crashes}" >&2
    exit 1
fi
echo "$summary, no crash"
