#!/usr/bin/env bash
# Runs the coordinator on this machine and workers on other machines over SSH.
#
#   cluster/ssh.sh --hosts HOST[:N][,HOST[:N]…] --recipe FILE [--run-dir DIR] [--port PORT] [--threads T]
#                  [--address ADDRESS] [--bin DIR] [--remote-bin DIR] [--ssh COMMAND] [-- COORDINATOR ARGS…]
#
# HOST:N starts N workers on HOST (default 1), each with T compute threads (default 1), and sets the
# recipe's workers_expected to their total. The coordinator listens on tcp://ADDRESS:PORT, ADDRESS being
# the address of this machine the workers reach (default: the first of `hostname -I`; never every
# interface), and the workers connect there. Worker hosts need only the binaries, at --remote-bin (default:
# the absolute path of --bin, which defaults to .build/release or $BFPO_BIN): the coordinator sends them
# the model config, the tokenized pairs and the parameters. Logs go to RUN_DIR/logs/ (a worker's log is
# its ssh session's output). Ctrl-C (or SIGTERM) is forwarded to the coordinator, which checkpoints and
# tells the workers to stop. --ssh replaces the command that reaches a host (default
# "ssh -o BatchMode=yes"; called as COMMAND HOST 'COMMAND LINE'). Exits with the coordinator's status.
set -euo pipefail
. "$(dirname "$0")/common.sh"

hosts="" recipe="" run_dir="" port=5555 threads=1 address=""
bin="${BFPO_BIN:-.build/release}" remote_bin="" ssh_command="ssh -o BatchMode=yes" extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --hosts) hosts="$2"; shift 2 ;;
        --recipe) recipe="$2"; shift 2 ;;
        --run-dir) run_dir="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --address) address="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        --remote-bin) remote_bin="$2"; shift 2 ;;
        --ssh) ssh_command="$2"; shift 2 ;;
        -h|--help) usage 15 ;;
        --) shift; extra=("$@"); break ;;
        *) echo "ssh.sh: unknown argument $1" >&2; usage 15 2 ;;
    esac
done
[ -n "$recipe" ] || { echo "ssh.sh: --recipe is required" >&2; usage 15 2; }
[ -n "$hosts" ] || { echo "ssh.sh: --hosts is required" >&2; usage 15 2; }
[[ "$port" =~ ^[1-9][0-9]*$ ]] || { echo "ssh.sh: --port must be a positive integer" >&2; exit 2; }
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || { echo "ssh.sh: --threads must be a positive integer" >&2; exit 2; }
[ -x "$bin/bfpo-coordinator" ] || { echo "ssh.sh: $bin/bfpo-coordinator not found; build first (swift build -c release)" >&2; exit 2; }
remote_bin="${remote_bin:-$(cd "$bin" && pwd)}"
address="${address:-$(hostname -I 2>/dev/null | awk '{print $1}')}"
[ -n "$address" ] || { echo "ssh.sh: cannot tell this machine's address; pass --address" >&2; exit 2; }

# One entry per worker, every HOST:N checked before anything starts.
worker_hosts=()
IFS=',' read -r -a entries <<< "$hosts"
for entry in "${entries[@]}"; do
    host="${entry%%:*}" count=1
    [ "$host" = "$entry" ] || count="${entry#*:}"
    [[ "$host" =~ ^[A-Za-z0-9._@-]+$ ]] || { echo "ssh.sh: bad host \"$entry\" in --hosts" >&2; exit 2; }
    [[ "$count" =~ ^[1-9][0-9]*$ ]] || { echo "ssh.sh: bad worker count in \"$entry\" (HOST or HOST:N, N ≥ 1)" >&2; exit 2; }
    for _ in $(seq 1 "$count"); do worker_hosts+=("$host"); done
done
[ -n "$run_dir" ] || run_dir=$(default_run_dir "$recipe")

start_coordinator "$bin" "$run_dir" --recipe "$recipe" --bind "tcp://$address:$port" \
    --set "workers_expected=${#worker_hosts[@]}" ${extra[@]+"${extra[@]}"}
sessions=()
if await_listening; then
    for i in "${!worker_hosts[@]}"; do
        host="${worker_hosts[$i]}" n=$((i + 1))
        # stdin from /dev/null: ssh must not read the terminal, whose Ctrl-C belongs to the coordinator.
        $ssh_command "$host" "exec '$remote_bin/bfpo-worker' run --connect 'tcp://$address:$port' --threads $threads --name '$host-$n'" \
            < /dev/null > "$run_dir/logs/worker-$n-$host.log" 2>&1 &
        sessions+=($!)
    done
fi
finish ssh.sh ${sessions[@]+"${sessions[@]}"}
