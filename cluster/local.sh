#!/usr/bin/env bash
# Runs a coordinator and N workers on this machine over loopback.
#
#   cluster/local.sh --workers N --recipe FILE [--run-dir DIR] [--port PORT] [--threads T] [--bin DIR] [-- COORDINATOR ARGS…]
#
# Each process logs to RUN_DIR/logs/; the coordinator's log is also shown here. Ctrl-C (or SIGTERM) is
# forwarded to the coordinator, which writes a checkpoint and tells the workers to stop. Exits with the
# coordinator's status. Binaries come from --bin (default: .build/release, or $BFPO_BIN).
set -euo pipefail

workers=2 recipe="" run_dir="" port=5555 threads=1 bin="${BFPO_BIN:-.build/release}" extra=()
usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
    case "$1" in
        --workers) workers="$2"; shift 2 ;;
        --recipe) recipe="$2"; shift 2 ;;
        --run-dir) run_dir="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        -h|--help) usage 0 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "local.sh: unknown argument $1" >&2; usage 2 ;;
    esac
done
[ -n "$recipe" ] || { echo "local.sh: --recipe is required" >&2; usage 2; }
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || { echo "local.sh: --workers must be a positive integer" >&2; exit 2; }
for tool in bfpo-coordinator bfpo-worker; do
    [ -x "$bin/$tool" ] || { echo "local.sh: $bin/$tool not found; build first (swift build -c release)" >&2; exit 2; }
done
if [ -z "$run_dir" ]; then name=$(basename "$recipe"); run_dir="runs/${name%.*}"; fi
mkdir -p "$run_dir/logs"
endpoint="tcp://127.0.0.1:$port"

coordinator_log="$run_dir/logs/coordinator.log"
: > "$coordinator_log"
"$bin/bfpo-coordinator" train --recipe "$recipe" --run-dir "$run_dir" --bind "$endpoint" ${extra[@]+"${extra[@]}"} \
    >> "$coordinator_log" 2>&1 &
coordinator=$!
tail -n +1 -f "$coordinator_log" >&2 &
follower=$!
worker_pids=()

stop_all() {
    # The coordinator checkpoints and stops the workers itself; workers still alive after it are ended.
    for pid in ${worker_pids[@]+"${worker_pids[@]}"}; do
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -TERM "$pid" 2>/dev/null || true
    done
    kill "$follower" 2>/dev/null || true
}
trap 'kill -TERM "$coordinator" 2>/dev/null || true' INT TERM

# Workers start once the coordinator listens (it first loads and tokenizes the data).
for _ in $(seq 1 600); do
    grep -q "listening on" "$coordinator_log" && break
    kill -0 "$coordinator" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$coordinator" 2>/dev/null; then
    for i in $(seq 1 "$workers"); do
        "$bin/bfpo-worker" run --connect "$endpoint" --threads "$threads" --name "worker-$i" \
            > "$run_dir/logs/worker-$i.log" 2>&1 &
        worker_pids+=($!)
    done
fi

status=0
while true; do
    wait "$coordinator" && status=0 || status=$?
    # A signal interrupts `wait` (status > 128) while the coordinator is still shutting down: wait again.
    kill -0 "$coordinator" 2>/dev/null || break
done
stop_all
if [ "$status" -eq 0 ]; then
    echo "local.sh: done. Metrics: $run_dir/metrics.jsonl; checkpoints: $run_dir/checkpoints (latest: $(cat "$run_dir/checkpoints/latest" 2>/dev/null || echo none)); logs: $run_dir/logs" >&2
else
    echo "local.sh: the coordinator exited with status $status; see $coordinator_log" >&2
fi
exit "$status"
