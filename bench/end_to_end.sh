#!/usr/bin/env bash
# End-to-end training throughput of the parameter server on the small config (BENCHMARKS.md): a coordinator
# and 1, then 2, single-threaded workers on loopback train a 4-layer, 256-wide GPT-2 (vocabulary 512) on
# random pairs of 256-token sequences (128 prompt + 128 response tokens), 4 pairs a lease, 2 leases a step,
# synchronously. Prints the mean of metrics.jsonl's tokens_per_second over the steps after the first.
#
#   bench/end_to_end.sh [--bin .build/release] [--pairs 96] [--workers "1 2"]
set -euo pipefail
bin=.build/release pairs=96 counts="1 2"
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin="$2"; shift 2 ;;
        --pairs) pairs="$2"; shift 2 ;;
        --workers) counts="$2"; shift 2 ;;
        *) echo "end_to_end.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
here=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bin/bfpo-worker" init --layers 4 --heads 4 --embd 256 --vocab 512 --positions 256 --seed 0 --out "$work/model" 2>/dev/null
awk -v n="$pairs" 'BEGIN { srand(7); for (i = 0; i < n; i++) {
    p = ""; pm = ""; c = ""; cm = ""; r = ""; rm = "";
    for (t = 0; t < 128; t++) { p = p int(rand() * 512) ","; pm = pm "0,"; }
    for (t = 0; t < 128; t++) { c = c int(rand() * 512) ","; r = r int(rand() * 512) ","; cm = cm "1,"; rm = rm "1,"; }
    printf "{\"chosen_ids\":[%s%s],\"chosen_mask\":[%s%s],\"rejected_ids\":[%s%s],\"rejected_mask\":[%s%s],\"is_chosen_safe\":%d,\"is_rejected_safe\":%d}\n",
        p, substr(c, 1, length(c) - 1), pm, substr(cm, 1, length(cm) - 1), p, substr(r, 1, length(r) - 1), pm, substr(rm, 1, length(rm) - 1), i % 2, 1 - i % 2 } }' \
    > "$work/pairs.jsonl"
cat > "$work/recipe.yaml" <<YAML
model: model
dataset_mixer:
  pairs.jsonl: 1.0
max_length: 256
max_prompt_length: 128
learning_rate: 1.0e-4
per_device_train_batch_size: 4
gradient_accumulation_steps: 2
num_train_epochs: 1
save_steps: 1000
shards: 4
max_staleness: 0
workers_expected: 1
YAML
printf '%-8s %12s %8s\n' workers "tokens/s" speedup
base=""
for count in $counts; do
    port=$((20000 + RANDOM % 30000))
    "$here/cluster/local.sh" --workers "$count" --recipe "$work/recipe.yaml" --run-dir "$work/run-$count" --port "$port" \
        --threads 1 --bin "$bin" -- --set "workers_expected=$count" > "$work/run-$count.log" 2>&1 \
        || { echo "end_to_end.sh: the run with $count workers failed; log:" >&2; tail -20 "$work/run-$count.log" >&2; exit 1; }
    rate=$(grep -o '"tokens_per_second":[0-9.e+-]*' "$work/run-$count/metrics.jsonl" | tail -n +2 | cut -d: -f2 \
        | awk '{ s += $1; n++ } END { if (n) printf "%.0f", s / n; else print 0 }')
    [ -n "$base" ] || base=$rate
    printf '%-8s %12s %7.2fx\n' "$count" "$rate" "$(awk -v a="$rate" -v b="$base" 'BEGIN { print (b > 0 ? a / b : 0) }')"
done
