#!/usr/bin/env bash
# Runs a coordinator, S shard servers and N workers on this machine over loopback.
#
#   cluster/local.sh --workers N --recipe FILE [--servers S] [--run-dir DIR] [--port PORT] [--threads T]
#                    [--bin DIR] [--insecure] [-- COORDINATOR ARGS…]
#
#   --workers N      workers to start (default 2), named worker-1…worker-N, each with T compute threads
#   --recipe FILE    the run's recipe (required)
#   --servers S      shard servers (`bfpo-coordinator serve`) to start, named server-1…server-S, each on
#                    a free loopback port drawn below 32768; sets the recipe's servers_expected to S.
#                    Default 0: the coordinator serves every shard itself
#   --run-dir DIR    the run directory (default: runs/ and the recipe's file name without its extension)
#   --port PORT      the coordinator's port on 127.0.0.1 (default 5555; when that one is taken and --port
#                    is not given, a free port drawn below 32768, named in the output)
#   --threads T      compute threads per worker (default 1)
#   --bin DIR        where bfpo-coordinator and bfpo-worker are (default: .build/release, or $BFPO_BIN)
#   --insecure       no CurveZMQ: connections neither encrypted nor authenticated (by default every
#                    process gets a key pair in RUN_DIR/keys/ and the coordinator admits only those)
#   -- ARGS…         passed on to `bfpo-coordinator train`, e.g. -- --set learning_rate=1e-4
#
# The servers start once the coordinator listens, the workers once every server listens. Each process logs
# to RUN_DIR/logs/ (coordinator.log, server-I.log, worker-I.log); the coordinator's log is also shown here.
# Ctrl-C (or SIGTERM) is forwarded to the coordinator, which writes a checkpoint and tells the servers and
# workers to stop; any still running 15 s after it are ended. Exits with the coordinator's status, 1 if a
# server did not start, 2 on a bad argument.
set -euo pipefail
. "$(dirname "$0")/common.sh"

workers=2 servers=0 recipe="" run_dir="" port="" threads=1 bin="${BFPO_BIN:-.build/release}" insecure=0 extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --workers|--servers|--recipe|--run-dir|--port|--threads|--bin)
            [ $# -ge 2 ] || { echo "local.sh: $1 needs a value" >&2; exit 2; } ;;&
        --workers) workers="$2"; shift 2 ;;
        --servers) servers="$2"; shift 2 ;;
        --recipe) recipe="$2"; shift 2 ;;
        --run-dir) run_dir="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        --insecure) insecure=1; shift ;;
        -h|--help) usage ;;
        --) shift; extra=("$@"); break ;;
        *) echo "local.sh: unknown argument $1" >&2; usage 2 ;;
    esac
done
[ -n "$recipe" ] || { echo "local.sh: --recipe is required" >&2; usage 2; }
[[ "$workers" =~ ^[1-9][0-9]*$ ]] || { echo "local.sh: --workers must be a positive integer" >&2; exit 2; }
[[ "$servers" =~ ^(0|[1-9][0-9]*)$ ]] || { echo "local.sh: --servers must be an integer of at least 0" >&2; exit 2; }
[ -z "$port" ] || [[ "$port" =~ ^[1-9][0-9]*$ ]] || { echo "local.sh: --port must be a positive integer" >&2; exit 2; }
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || { echo "local.sh: --threads must be a positive integer" >&2; exit 2; }
for tool in bfpo-coordinator bfpo-worker; do
    [ -x "$bin/$tool" ] || { echo "local.sh: $bin/$tool not found; build first (swift build -c release)" >&2; exit 2; }
done
[ -n "$run_dir" ] || run_dir=$(default_run_dir "$recipe")
if [ -z "$port" ]; then
    port=5555
    if port_in_use "$port"; then
        port=$(free_loopback_port)
        [ -n "$port" ] || { echo "local.sh: port 5555 is taken and no free port was found; pass --port" >&2; exit 2; }
        echo "local.sh: port 5555 is taken; the coordinator listens on port $port instead" >&2
    fi
fi
endpoint="tcp://127.0.0.1:$port"

setup_keys "$bin" "$run_dir" "$insecure"
start_coordinator "$bin" "$run_dir" --recipe "$recipe" --bind "$endpoint" --set "servers_expected=$servers" \
    ${coordinator_security[@]+"${coordinator_security[@]}"} ${extra[@]+"${extra[@]}"}
pids=()
if await_listening; then
    for i in $(seq 1 "$servers"); do
        start_loopback_server "$bin" "$endpoint" "server-$i" "$run_dir/logs/server-$i.log" \
            || { abort_run "server-$i did not start (see $run_dir/logs/server-$i.log)"; break; }
    done
    if [ -z "$aborted" ]; then
        for i in $(seq 1 "$workers"); do
            admit "worker-$i"
            worker_command "$bin" "$endpoint" "$threads" "worker-$i"
            start_logged "$run_dir/logs/worker-$i.log" "${argv[@]}" "${peer_security[@]}"
        done
    fi
fi
finish local.sh ${pids[@]+"${pids[@]}"}
