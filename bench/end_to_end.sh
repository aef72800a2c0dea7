#!/usr/bin/env bash
# End-to-end training throughput of the parameter server on the small config (BENCHMARKS.md, the workload of
# bench/workload.sh): a coordinator and 1, then 2, single-threaded workers on loopback train a 4-layer,
# 256-wide GPT-2 (vocabulary 512) on random pairs of 256-token sequences (128 prompt + 128 response tokens),
# 4 pairs a lease, 2 leases a step, synchronously. Prints the mean of metrics.jsonl's tokens_per_second over
# the steps after the first. Connections use CurveZMQ, as by default; --insecure measures plain TCP.
#
#   bench/end_to_end.sh [--bin .build/release] [--pairs 96] [--workers "1 2"] [--insecure]
set -euo pipefail
bin=.build/release pairs=96 counts="1 2" security=()
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin="$2"; shift 2 ;;
        --pairs) pairs="$2"; shift 2 ;;
        --workers) counts="$2"; shift 2 ;;
        --insecure) security=(--insecure); shift ;;
        *) echo "end_to_end.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/bench/workload.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
workload_prepare "$bin" "$work" "$pairs"
printf '%-8s %12s %8s\n' workers "tokens/s" speedup
base=""
for count in $counts; do
    port=$((20000 + RANDOM % 30000))
    "$here/cluster/local.sh" --workers "$count" --recipe "$work/recipe.yaml" --run-dir "$work/run-$count" --port "$port" \
        --threads 1 --bin "$bin" ${security[@]+"${security[@]}"} -- --set "workers_expected=$count" > "$work/run-$count.log" 2>&1 \
        || { echo "end_to_end.sh: the run with $count workers failed; log:" >&2; tail -20 "$work/run-$count.log" >&2; exit 1; }
    rate=$(workload_tokens_per_second "$work/run-$count/metrics.jsonl")
    [ -n "$base" ] || base=$rate
    printf '%-8s %12s %7.2fx\n' "$count" "$rate" "$(awk -v a="$rate" -v b="$base" 'BEGIN { print (b > 0 ? a / b : 0) }')"
done
