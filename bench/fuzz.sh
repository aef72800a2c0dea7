#!/usr/bin/env bash
# The long fuzzer: the in-process system test that sends malformed messages of every kind to a coordinator
# while a worker trains (InProcessSystemTests.malformedMessagesChangeNothing), with N messages instead of the
# test suite's 10 000. Prints the test's figures (messages delivered and answered) and its verdict; exits
# non-zero if the coordinator stopped or the run ended other than the clean one.
#
#   bench/fuzz.sh [--messages 1000000]
set -euo pipefail
messages=1000000
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        --messages) [ $# -ge 2 ] && [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --messages needs a count" >&2; exit 2; }
                    messages="$2"; shift 2 ;;
        *) echo "fuzz.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
done
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
BFPO_FUZZ_MESSAGES="$messages" swift test --filter malformedMessagesChangeNothing > "$log" 2>&1 || status=$?
grep -E "fuzz:|Test malformedMessagesChangeNothing|error:" "$log" || tail -20 "$log"
exit "$status"
