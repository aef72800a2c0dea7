#!/usr/bin/env bash
# Chaos for one synchronous run: a coordinator, S shard servers and W workers on loopback, killed with -9 at
# random moments and started again, until the run finishes; then its final checkpoint is compared byte for
# byte with a clean run of the same recipe. A checkpoint is written after every step, so many kills of the
# coordinator land inside a checkpoint write. Prints every kill, the figures, and "identical" or the files
# that differ; exits 1 if any differs or a run fails.
#
#   bench/chaos.sh [--kills 12] [--servers 2] [--workers 2] [--pairs 480] [--seed 1] [--bin .build/release]
#
#   --kills N     processes to kill, one at a time, 0.2 to 1.2 s apart (default 12); fewer if the run ends first
#   --servers S   shard servers (0 to 4, the recipe's shards; default 2); with S > 0 the coordinator restarts
#                 itself from its checkpoint when a server dies, and the server killed is started again
#   --workers W   workers (1 to 8; default 2)
#   --pairs N     random pairs, trained 2 epochs in steps of 2 × 2 pairs (default 480: 240 steps)
#   --seed N      the seed of the victims and moments chosen (default 1)
#   --bin DIR     where bfpo-coordinator and bfpo-worker are (default .build/release)
#
# Every process it starts is ended on exit, by pid; its files are in a temporary directory, removed on success.
set -euo pipefail

kills=12 servers=2 workers=2 pairs=480 seed=1 bin=.build/release
usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; }
bad() { echo "chaos.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --kills|--servers|--workers|--pairs|--seed|--bin) [ $# -ge 2 ] || bad "$1 needs a value" ;;&
        --kills) kills="$2"; shift 2 ;;
        --servers) servers="$2"; shift 2 ;;
        --workers) workers="$2"; shift 2 ;;
        --pairs) pairs="$2"; shift 2 ;;
        --seed) seed="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        *) bad "unknown argument $1 (see --help)" ;;
    esac
done
[[ "$kills" =~ ^[0-9]+$ ]] || bad "--kills must be a count"
[[ "$servers" =~ ^[0-4]$ ]] || bad "--servers must be 0 to 4"
[[ "$workers" =~ ^[1-8]$ ]] || bad "--workers must be 1 to 8"
[[ "$pairs" =~ ^[0-9]+$ ]] && [ "$pairs" -ge 8 ] || bad "--pairs must be at least 8"
[[ "$seed" =~ ^[0-9]+$ ]] || bad "--seed must be a number"
for tool in bfpo-coordinator bfpo-worker; do
    [ -x "$bin/$tool" ] || bad "$bin/$tool not found; build first (swift build -c release)"
done
bin=$(cd "$bin" && pwd)
RANDOM=$seed
# shellcheck source=workload.sh
. "$(dirname "$0")/workload.sh"
# shellcheck source=../cluster/keys.sh
. "$(dirname "$0")/../cluster/keys.sh"

work=$(mktemp -d)
declare -A pid=()
finish() {
    local status=$?
    for name in "${!pid[@]}"; do kill -KILL "${pid[$name]}" 2> /dev/null || true; done
    if [ "$status" -eq 0 ]; then rm -rf "$work"; else echo "chaos.sh: files kept in $work" >&2; fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$bin/bfpo-worker" init --layers 2 --heads 2 --embd 128 --vocab 512 --positions 64 --seed 0 --out "$work/model" 2> /dev/null
workload_pairs "$pairs" 16 16 11 > "$work/pairs.jsonl"
cat > "$work/recipe.yaml" <<YAML
model: $work/model
dataset_mixer:
  $work/pairs.jsonl: 1.0
max_length: 64
max_prompt_length: 32
learning_rate: 1.0e-3
per_device_train_batch_size: 2
gradient_accumulation_steps: 2
num_train_epochs: 2
save_steps: 1
shards: 4
max_staleness: 0
workers_expected: $workers
servers_expected: $servers
servers_wait_seconds: 3
heartbeat_seconds: 0.3
lease_seconds: 5
YAML

# free_port: a loopback port nobody listens on now.
free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 12000))
        (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null || { echo "$port"; return; }
    done
}

# start NAME RUN: starts one process of run RUN (its coordinator, server-J or worker-I), logging to RUN/NAME.log.
start() {
    local name="$1" run="$2"
    case "$name" in
        coordinator) "$bin/bfpo-coordinator" train --recipe "$work/recipe.yaml" --run-dir "$work/$run/run" \
                         --bind "tcp://127.0.0.1:${port[$run]}" >> "$work/$run/$name.log" 2>&1 & ;;
        server-*) admit "$name"
                  "$bin/bfpo-coordinator" serve --connect "tcp://127.0.0.1:${port[$run]}" \
                      --bind "tcp://127.0.0.1:${port[$run-$name]}" --name "$name" --give-up-after 60 \
                      "${peer_security[@]}" --allowed-keys "$keys_dir/allowed_keys" >> "$work/$run/$name.log" 2>&1 & ;;
        worker-*) admit "$name"
                  "$bin/bfpo-worker" run --connect "tcp://127.0.0.1:${port[$run]}" --threads 1 --name "$name" \
                      --reply-timeout 5 --give-up-after 60 "${peer_security[@]}" >> "$work/$run/$name.log" 2>&1 & ;;
    esac
    pid[$name]=$!
}

declare -A port=()
names=(coordinator)
for j in $(seq 1 "$servers"); do names+=("server-$j"); done
for i in $(seq 1 "$workers"); do names+=("worker-$i"); done

# launch RUN: starts the whole run RUN.
launch() {
    local run="$1" name
    mkdir -p "$work/$run"
    port[$run]=$(free_port)
    for name in "${names[@]}"; do [[ "$name" != server-* ]] || port[$run-$name]=$(free_port); done
    setup_keys "$bin" "$work/$run/run" 0
    for name in "${names[@]}"; do start "$name" "$run"; done
}

# settle: waits for the coordinator to end (300 s at most) and fails unless it exited 0; then gives the others
# 10 s to follow it (one started again just as the run ended waits for a coordinator that is gone) and ends
# those still there.
settle() {
    local run="$1" name status=0
    for _ in $(seq 1 3000); do kill -0 "${pid[coordinator]}" 2> /dev/null || break; sleep 0.1; done
    kill -0 "${pid[coordinator]}" 2> /dev/null && { echo "chaos.sh: $run: the coordinator did not finish in 300 s" >&2; exit 1; }
    wait "${pid[coordinator]}" || status=$?
    unset "pid[coordinator]"
    [ "$status" -eq 0 ] || { echo "chaos.sh: $run: the coordinator exited $status; see $work/$run/coordinator.log" >&2; exit 1; }
    for name in "${!pid[@]}"; do
        for _ in $(seq 1 100); do kill -0 "${pid[$name]}" 2> /dev/null || break; sleep 0.1; done
        kill -KILL "${pid[$name]}" 2> /dev/null || true
        wait "${pid[$name]}" 2> /dev/null || true
        unset "pid[$name]"
    done
}

started=$SECONDS
launch clean
settle clean
clean_seconds=$((SECONDS - started))

started=$SECONDS
launch chaos
declare -A killed=([coordinator]=0 [server]=0 [worker]=0)
for k in $(seq 1 "$kills"); do
    sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.2 + 1.0 * r / 32767 }')"
    kill -0 "${pid[coordinator]}" 2> /dev/null || break
    victim=${names[$((RANDOM % ${#names[@]}))]}
    step=$(grep -c '"step"' "$work/chaos/run/metrics.jsonl" 2> /dev/null || true)
    kill -KILL "${pid[$victim]}" 2> /dev/null || true
    wait "${pid[$victim]}" 2> /dev/null || true
    echo "kill $k: $victim (pid ${pid[$victim]}) after $((SECONDS - started)) s, at step ${step:-0}"
    killed[${victim%%-*}]=$((killed[${victim%%-*}] + 1))
    start "$victim" chaos
done
settle chaos
chaos_seconds=$((SECONDS - started))

latest() { cat "$work/$1/run/checkpoints/latest"; }
differ=()
for file in model.safetensors optimizer.safetensors; do
    cmp -s "$work/clean/run/checkpoints/$(latest clean)/$file" "$work/chaos/run/checkpoints/$(latest chaos)/$file" || differ+=("$file")
done
steps=$(grep -c '"step"' "$work/chaos/run/metrics.jsonl")
echo "clean run: $(latest clean) in ${clean_seconds} s"
echo "chaos run: $(latest chaos) in ${chaos_seconds} s, $steps metrics lines; killed ${killed[coordinator]} coordinators, ${killed[server]} servers, ${killed[worker]} workers"
if [ ${#differ[@]} -eq 0 ]; then
    echo "final checkpoints: identical (model.safetensors, optimizer.safetensors)"
else
    echo "final checkpoints: DIFFER in ${differ[*]}" >&2
    exit 1
fi
