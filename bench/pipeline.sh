#!/usr/bin/env bash
# The SFT -> BFPO pipeline of `make demo` (and, with --dpo, of `make eval-bench`). MODEL is made first when it
# does not exist: a tiny GPT-2 (4 layers, 4 heads, 128 wide, 512 positions) with a tokenizer of 1024 ids, the
# bytes and the chat template's special tokens then 764 BPE merges learned from the train split, so that the
# model reads words, not bytes, and no pair of the benchmark is truncated (`bfpo-worker init`,
# `make-tokenizer --train-on`). Then SFT of MODEL on the
# bundled safety benchmark's train split (recipes/demo-sft.yaml), BFPO from the SFT model
# (recipes/demo-bfpo.yaml, with a helpfulness buffer: the train split's benign pairs whose responses are
# both safe; with --dpo also DPO, recipes/demo-dpo.yaml, the same run with DPO's loss), each by a
# coordinator and WORKERS workers on this machine (cluster/local.sh); then every model (initial, SFT, BFPO,
# DPO) is evaluated on the test split with `bfpo-worker eval --generate` (implicit rewards of the preference
# models against the SFT model, their reference) and compared in one table (bench/eval_table.sh), also
# written to RUN/eval.md.
#
#   bench/pipeline.sh --model DIR --run DIR [--workers 2] [--port PORT] [--bin .build/release] [--dpo]
#
# RUN gets sft/, bfpo/ (and dpo/) run directories, eval-NAME.json reports and their logs. A step that fails
# stops the pipeline with its status; Ctrl-C checkpoints and stops the training step that runs.
set -euo pipefail

model="" run="" workers=2 port="" bin=".build/release" dpo=0
while [ $# -gt 0 ]; do
    case "$1" in
        --model|--run|--workers|--port|--bin) [ $# -ge 2 ] || { echo "pipeline.sh: $1 needs a value" >&2; exit 2; } ;;&
        --model) model="$2"; shift 2 ;;
        --run) run="$2"; shift 2 ;;
        --workers) workers="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        --dpo) dpo=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "pipeline.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
[ -n "$model" ] && [ -n "$run" ] || { echo "pipeline.sh: --model and --run are required" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
for tool in bfpo-coordinator bfpo-worker; do
    [ -x "$bin/$tool" ] || { echo "pipeline.sh: $bin/$tool not found; build first (swift build -c release)" >&2; exit 2; }
done
if [ ! -f "$model/model.safetensors" ]; then
    "$bin/bfpo-worker" init --layers 4 --heads 4 --embd 128 --vocab 1024 --positions 512 --eos-token-id 256 \
        --bos-token-id 256 --seed 0 --out "$model"
    "$bin/bfpo-worker" make-tokenizer --out "$model" --train-on "$here/data/safety-benchmark/train.jsonl" --vocab-size 1024
fi

mkdir -p "$run"
run=$(cd "$run" && pwd)
model=$(cd "$model" && pwd)
test_split="$here/data/safety-benchmark/test.jsonl"
launch=("$here/cluster/local.sh" --workers "$workers" --bin "$bin")
[ -z "$port" ] || launch+=(--port "$port")
objectives=(bfpo)
[ "$dpo" = 0 ] || objectives+=(dpo)
steps=$((2 + ${#objectives[@]}))

echo "== 1/$steps SFT of $model -> $run/sft"
"${launch[@]}" --recipe "$here/recipes/demo-sft.yaml" --run-dir "$run/sft" -- --set "model=$model"
# The helpfulness buffer (the reference's `use_buffer`, which draws on UltraFeedback there): the train
# split's pairs on benign prompts whose two responses are both safe, a helpful answer against an unhelpful
# one. Picked by their fields, which generate.py writes in a fixed order with json.dumps's separators.
helpful="$run/helpfulness.jsonl"
grep '"prompt_kind": "benign"' "$here/data/safety-benchmark/train.jsonl" \
    | grep '"is_response_0_safe": true, "is_response_1_safe": true' > "$helpful"
step=2
for objective in "${objectives[@]}"; do
    echo "== $step/$steps ${objective^^} from the SFT model, with $(grep -c . "$helpful") helpfulness pairs as its buffer -> $run/$objective"
    "${launch[@]}" --recipe "$here/recipes/demo-$objective.yaml" --run-dir "$run/$objective" -- \
        --set "model=$run/sft" --set "reference_model=$run/sft" --set use_buffer=true --set "buffer_dataset_mixer={$helpful: 1.0}"
    step=$((step + 1))
done

echo "== $steps/$steps evaluation on $test_split"
columns=()
for name in initial sft "${objectives[@]}"; do
    source="$run/$name"
    [ "$name" != initial ] || source="$model"
    # Implicit rewards are against the SFT model, the preference runs' reference; for the SFT model itself
    # they would all be 0, so it and the initial model are scored by log-probs only.
    reference=()
    [ "$name" = initial ] || [ "$name" = sft ] || reference=(--reference "$run/sft")
    "$bin/bfpo-worker" eval --model "$source" ${reference[@]+"${reference[@]}"} --data "$test_split" --max-length 512 \
        --max-prompt-length 160 --generate --judge "$here/data/safety-benchmark/judge.json" --json \
        > "$run/eval-$name.json" 2> "$run/eval-$name.log" || { cat "$run/eval-$name.log" >&2; exit 1; }
    label="${name^^}"
    [ "$name" != initial ] || label=initial
    columns+=("$label=$run/eval-$name.json")
done
"$here/bench/eval_table.sh" "${columns[@]}" | tee "$run/eval.md"
echo "pipeline.sh: the runs (metrics, checkpoints, logs) and the evaluation reports are in $run/"
