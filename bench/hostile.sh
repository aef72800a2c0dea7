#!/usr/bin/env bash
# What misbehaving peers cost a coordinator in memory (BENCHMARKS.md, "Hostile peers"): starts a coordinator
# on loopback (CurveZMQ, a 0.9 M-parameter model in 4 shards, the benchmark's test split), admits one key,
# and runs `bfpo-bench hostile` against it: admitted clients that pull every shard again and again without
# reading a reply, then flood it with malformed messages, then go away; the coordinator's resident memory
# is read from /proc before, at the peak and after.
#
#   bench/hostile.sh [--clients 8] [--requests 200] [--flood 20000] [--bin .build/release]
#
# Its files are in a temporary directory, removed at the end; the coordinator is ended by pid.
set -euo pipefail

clients=8 requests=200 flood=20000 bin=".build/release"
while [ $# -gt 0 ]; do
    case "$1" in
        --clients|--requests|--flood|--bin) [ $# -ge 2 ] || { echo "hostile.sh: $1 needs a value" >&2; exit 2; } ;;&
        --clients) clients="$2"; shift 2 ;;
        --requests) requests="$2"; shift 2 ;;
        --flood) flood="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "hostile.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
for tool in bfpo-coordinator bfpo-worker bfpo-bench; do
    [ -x "$bin/$tool" ] || { echo "hostile.sh: $bin/$tool not found; build first (swift build -c release)" >&2; exit 2; }
done
here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=../cluster/keys.sh
. "$here/cluster/keys.sh"

work=$(mktemp -d)
coordinator=""
cleanup() {
    [ -z "$coordinator" ] || { kill -KILL "$coordinator" 2> /dev/null || true; wait "$coordinator" 2> /dev/null || true; }
    rm -rf "$work"
}
trap cleanup EXIT

"$bin/bfpo-worker" init --layers 4 --heads 4 --embd 128 --vocab 260 --positions 512 --eos-token-id 256 --bos-token-id 256 \
    --seed 0 --out "$work/model" 2> /dev/null
"$bin/bfpo-worker" make-tokenizer --out "$work/model" 2> /dev/null
cat > "$work/recipe.yaml" << RECIPE
model: $work/model
dataset_mixer:
  $here/data/safety-benchmark/test.jsonl: 0.25
max_length: 512
max_prompt_length: 160
shards: 4
workers_expected: 1
lease_seconds: 600
heartbeat_seconds: 600
RECIPE
port=$((20000 + RANDOM % 12000))
setup_keys "$bin" "$work/run" 0
admit hostile
"$bin/bfpo-coordinator" train --recipe "$work/recipe.yaml" --run-dir "$work/run" --bind "tcp://127.0.0.1:$port" \
    > "$work/coordinator.log" 2>&1 &
coordinator=$!
for _ in $(seq 1 600); do grep -q "listening on" "$work/coordinator.log" && break; sleep 0.1; done
grep -q "listening on" "$work/coordinator.log" || { echo "hostile.sh: the coordinator did not start" >&2; cat "$work/coordinator.log" >&2; exit 1; }
echo "model: 4 layers, 128 wide, 892160 parameters (3.6 MB of fp32) in 4 shards"
"$bin/bfpo-bench" hostile --connect "tcp://127.0.0.1:$port" --pid "$coordinator" --key "$work/run/keys/hostile.key" \
    --coordinator-key "$work/run/keys/coordinator.pub" --clients "$clients" --requests "$requests" --flood "$flood"
kill -0 "$coordinator" 2> /dev/null && echo "the coordinator is still running" || { echo "hostile.sh: the coordinator died" >&2; exit 1; }
