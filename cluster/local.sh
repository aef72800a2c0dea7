#!/usr/bin/env bash
# Runs a coordinator and N workers on this machine over loopback.
#
#   cluster/local.sh --workers N --recipe FILE [--run-dir DIR] [--port PORT] [--threads T] [--bin DIR] [-- COORDINATOR ARGS…]
#
# Each process logs to RUN_DIR/logs/; the coordinator's log is also shown here. Ctrl-C (or SIGTERM) is
# forwarded to the coordinator, which writes a checkpoint and tells the workers to stop. Exits with the
# coordinator's status. Binaries come from --bin (default: .build/release, or $BFPO_BIN).
set -euo pipefail
. "$(dirname "$0")/common.sh"

workers=2 recipe="" run_dir="" port=5555 threads=1 bin="${BFPO_BIN:-.build/release}" extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --workers) workers="$2"; shift 2 ;;
        --recipe) recipe="$2"; shift 2 ;;
        --run-dir) run_dir="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        -h|--help) usage 9 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "local.sh: unknown argument $1" >&2; usage 9 2 ;;
    esac
done
[ -n "$recipe" ] || { echo "local.sh: --recipe is required" >&2; usage 9 2; }
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || { echo "local.sh: --workers must be a positive integer" >&2; exit 2; }
for tool in bfpo-coordinator bfpo-worker; do
    [ -x "$bin/$tool" ] || { echo "local.sh: $bin/$tool not found; build first (swift build -c release)" >&2; exit 2; }
done
[ -n "$run_dir" ] || run_dir=$(default_run_dir "$recipe")
endpoint="tcp://127.0.0.1:$port"

start_coordinator "$bin" "$run_dir" --recipe "$recipe" --bind "$endpoint" ${extra[@]+"${extra[@]}"}
worker_pids=()
if await_listening; then
    for i in $(seq 1 "$workers"); do
        "$bin/bfpo-worker" run --connect "$endpoint" --threads "$threads" --name "worker-$i" \
            > "$run_dir/logs/worker-$i.log" 2>&1 &
        worker_pids+=($!)
    done
fi
finish local.sh ${worker_pids[@]+"${worker_pids[@]}"}
