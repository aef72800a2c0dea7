# The end-to-end workload of BENCHMARKS.md, shared by end_to_end.sh and network.sh so that their figures
# compare: a 4-layer, 256-wide GPT-2 (vocabulary 512) trained on random pairs of 256-token sequences
# (128 prompt + 128 response tokens), 4 pairs a lease, 2 leases a step, in $workload_shards shards (4
# unless the caller sets it), synchronously unless the caller sets $workload_staleness (the recipe's
# max_staleness, 0). Source it, then call workload_prepare.

workload_shards=4
workload_staleness=0

# workload_pairs COUNT PROMPT RESPONSE SEED: COUNT random pairs as JSONL on stdout, token ids below 512, each
# a PROMPT-token prompt shared by a chosen and a rejected response of RESPONSE tokens, safety labels
# alternating; the same for the same arguments.
workload_pairs() {
    awk -v n="$1" -v prompt="$2" -v response="$3" -v seed="$4" 'BEGIN { srand(seed); for (i = 0; i < n; i++) {
        p = ""; pm = ""; c = ""; cm = ""; r = ""; rm = "";
        for (t = 0; t < prompt; t++) { p = p int(rand() * 512) ","; pm = pm "0,"; }
        for (t = 0; t < response; t++) { c = c int(rand() * 512) ","; r = r int(rand() * 512) ","; cm = cm "1,"; rm = rm "1,"; }
        printf "{\"chosen_ids\":[%s%s],\"chosen_mask\":[%s%s],\"rejected_ids\":[%s%s],\"rejected_mask\":[%s%s],\"is_chosen_safe\":%d,\"is_rejected_safe\":%d}\n",
            p, substr(c, 1, length(c) - 1), pm, substr(cm, 1, length(cm) - 1), p, substr(r, 1, length(r) - 1), pm, substr(rm, 1, length(rm) - 1), i % 2, 1 - i % 2 } }'
}

# workload_prepare BIN DIR PAIRS: writes DIR/model (bfpo-worker init), DIR/pairs.jsonl (PAIRS random
# pairs, the same for every call) and DIR/recipe.yaml, whose workers_expected runs override with --set.
workload_prepare() {
    local bin="$1" dir="$2" pairs="$3"
    "$bin/bfpo-worker" init --layers 4 --heads 4 --embd 256 --vocab 512 --positions 256 --seed 0 --out "$dir/model" 2>/dev/null
    workload_pairs "$pairs" 128 128 7 > "$dir/pairs.jsonl"
    cat > "$dir/recipe.yaml" <<YAML
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
shards: $workload_shards
max_staleness: $workload_staleness
workers_expected: 1
YAML
}

# workload_tokens_per_second METRICS: the mean of metrics.jsonl's tokens_per_second over the steps after the
# first, whose figure includes the workers' first pulls of the whole model; rounded, 0 when there is none.
workload_tokens_per_second() {
    grep -o '"tokens_per_second":[0-9.e+-]*' "$1" | tail -n +2 | cut -d: -f2 \
        | awk '{ s += $1; n++ } END { if (n) printf "%.0f", s / n; else print 0 }'
}
