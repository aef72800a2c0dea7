#!/usr/bin/env bash
# Runs training in a Slurm allocation: the coordinator on the allocation's first node, shard servers and
# workers on the other nodes, each started as a job step with srun.
#
#   sbatch --nodes=K [--exclusive] cluster/slurm.sh --recipe FILE [--workers-per-node N] [--servers S]
#          [--server-port PORT] [--run-dir DIR] [--port PORT] [--threads T] [--address ADDRESS]
#          [--bin DIR] [--srun COMMAND] [--insecure] [-- COORDINATOR ARGS…]
#
#   --recipe FILE         the run's recipe (required)
#   --workers-per-node N  workers on each node but the first (default 1), named NODE-I (I counting over
#                         all of them); sets the recipe's workers_expected to their total. In an
#                         allocation of one node they run on that node, beside the coordinator
#   --servers S           shard servers (`bfpo-coordinator serve`) to start, one on each of the first S
#                         nodes after the first (round again when S is larger), named NODE-server-I; sets
#                         the recipe's servers_expected to S. Server I binds the first address of
#                         `hostname -I` on its node (asked with srun before anything starts), at port
#                         --server-port + I - 1. Default 0: the coordinator serves every shard itself
#   --server-port PORT    the first server's port (default: --port + 1)
#   --run-dir DIR         the run directory (default: runs/ and the recipe's file name without extension)
#   --port PORT           the coordinator's port (default 5555)
#   --threads T           compute threads per worker (default 1); each worker's step asks for T CPUs
#   --address ADDRESS     the first node's address, the one servers and workers reach (default: the first
#                         of `hostname -I`; never every interface): the coordinator listens there
#   --bin DIR             where bfpo-coordinator and bfpo-worker are, at the same absolute path on every
#                         node (default: .build/release, or $BFPO_BIN)
#   --srun COMMAND        what starts a step, called as COMMAND --nodes=1 --ntasks=1 --nodelist=NODE
#                         --cpus-per-task=C --job-name=NAME bash -c 'COMMAND LINE' (default "srun";
#                         e.g. "srun --overlap" to let steps share CPUs)
#   --insecure            no CurveZMQ: connections neither encrypted nor authenticated. By default each
#                         server and worker gets a key pair made here in RUN_DIR/keys/, admitted by the
#                         coordinator; its secret key goes through its step's stdin to
#                         $TMPDIR/bfpo-keys-JOBID/RUN_NAME/ on its node (mode 0600), and each server
#                         gets the allowlist there too
#   -- ARGS…              passed on to `bfpo-coordinator train`, e.g. -- --set learning_rate=1e-4
#
# The nodes are those of SLURM_JOB_NODELIST (or SLURM_NODELIST), expanded by `scontrol show hostnames`.
# The script must run on the first of them, as sbatch runs it; anywhere else it stops before starting
# anything. Relative paths are read from where it runs (sbatch: the directory it was submitted from).
#
# The servers start once the coordinator listens, the workers once every server listens. Logs go to
# RUN_DIR/logs/: coordinator.log, server-I-NODE.log and worker-I-NODE.log (a step's output, which srun
# brings back to the first node, so RUN_DIR need not be shared). Ctrl-C or SIGTERM (from
# `scancel --batch --signal=TERM JOBID`, or 2 minutes before the time limit: the script asks sbatch for that
# with `#SBATCH --signal=B:TERM@120`) is forwarded to the coordinator, which checkpoints and tells the
# servers and workers to stop; steps still running 15 s after it are ended. (A plain `scancel JOBID`
# signals every step at once, so the servers may be gone before the coordinator's last checkpoint.)
# Exits with the coordinator's status, 1 if a server did not start, 2 on a bad argument.

#SBATCH --job-name=bfpo
#SBATCH --signal=B:TERM@120
set -euo pipefail
# sbatch runs a copy of this script from its spool directory: common.sh is then found under the directory
# the job was submitted from.
cluster_dir=$(dirname "$0")
[ -f "$cluster_dir/common.sh" ] || cluster_dir="${SLURM_SUBMIT_DIR:-.}/cluster"
[ -f "$cluster_dir/common.sh" ] \
    || { echo "slurm.sh: cluster/common.sh not found; submit the job from the repository's root" >&2; exit 2; }
. "$cluster_dir/common.sh"

recipe="" per_node=1 servers=0 server_port="" run_dir="" port=5555 threads=1 address=""
bin="${BFPO_BIN:-.build/release}" srun_command="srun" insecure=0 extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --recipe|--workers-per-node|--servers|--server-port|--run-dir|--port|--threads|--address|--bin|--srun)
            [ $# -ge 2 ] || { echo "slurm.sh: $1 needs a value" >&2; exit 2; } ;;&
        --recipe) recipe="$2"; shift 2 ;;
        --workers-per-node) per_node="$2"; shift 2 ;;
        --servers) servers="$2"; shift 2 ;;
        --server-port) server_port="$2"; shift 2 ;;
        --run-dir) run_dir="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --address) address="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        --srun) srun_command="$2"; shift 2 ;;
        --insecure) insecure=1; shift ;;
        -h|--help) usage ;;
        --) shift; extra=("$@"); break ;;
        *) echo "slurm.sh: unknown argument $1" >&2; usage 2 ;;
    esac
done
[ -n "$recipe" ] || { echo "slurm.sh: --recipe is required" >&2; usage 2; }
[[ "$per_node" =~ ^[1-9][0-9]*$ ]] || { echo "slurm.sh: --workers-per-node must be a positive integer" >&2; exit 2; }
[[ "$servers" =~ ^(0|[1-9][0-9]*)$ ]] || { echo "slurm.sh: --servers must be an integer of at least 0" >&2; exit 2; }
[[ "$port" =~ ^[1-9][0-9]*$ ]] || { echo "slurm.sh: --port must be a positive integer" >&2; exit 2; }
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || { echo "slurm.sh: --threads must be a positive integer" >&2; exit 2; }
server_port="${server_port:-$((port + 1))}"
[[ "$server_port" =~ ^[1-9][0-9]*$ ]] || { echo "slurm.sh: --server-port must be a positive integer" >&2; exit 2; }
[ $((server_port + servers - 1)) -le 65535 ] \
    || { echo "slurm.sh: --server-port $server_port leaves no port for server $servers (at most 65535)" >&2; exit 2; }
for tool in bfpo-coordinator bfpo-worker; do
    [ -x "$bin/$tool" ] || { echo "slurm.sh: $bin/$tool not found; build first (swift build -c release)" >&2; exit 2; }
done
bin=$(cd "$bin" && pwd)

nodelist="${SLURM_JOB_NODELIST:-${SLURM_NODELIST:-}}"
[ -n "$nodelist" ] || {
    echo "slurm.sh: not in a Slurm allocation (SLURM_JOB_NODELIST is not set); submit it with sbatch --nodes=K cluster/slurm.sh …" >&2
    exit 2
}
command -v scontrol > /dev/null || { echo "slurm.sh: scontrol not found: is this a Slurm node?" >&2; exit 2; }
hostnames=$(scontrol show hostnames "$nodelist") && [ -n "$hostnames" ] \
    || { echo "slurm.sh: scontrol show hostnames \"$nodelist\" named no node" >&2; exit 2; }
mapfile -t nodes <<< "$hostnames"
this_node="${SLURMD_NODENAME:-$(hostname -s)}"
[ "$this_node" = "${nodes[0]}" ] || {
    echo "slurm.sh: this is $this_node, not ${nodes[0]}, the allocation's first node, where the coordinator runs; submit the script with sbatch, which runs it there" >&2
    exit 2
}
others=("${nodes[@]:1}")
[ ${#others[@]} -gt 0 ] || others=("${nodes[0]}")
address="${address:-$(this_address)}"
[ -n "$address" ] || { echo "slurm.sh: cannot tell this node's address; pass --address" >&2; exit 2; }

# One node per worker, and one node and address per server, all settled before anything starts.
worker_nodes=()
for node in "${others[@]}"; do
    for _ in $(seq 1 "$per_node"); do worker_nodes+=("$node"); done
done
server_nodes=() server_addresses=()
for i in $(seq 0 $((servers - 1))); do
    node="${others[$((i % ${#others[@]}))]}"
    server_address=$($srun_command --nodes=1 --ntasks=1 --nodelist="$node" hostname -I < /dev/null | awk '{print $1}') || true
    [ -n "$server_address" ] || { echo "slurm.sh: cannot tell $node's address (srun … hostname -I on it gave none)" >&2; exit 2; }
    server_nodes+=("$node") server_addresses+=("$server_address")
done
[ -n "$run_dir" ] || run_dir=$(default_run_dir "$recipe")
endpoint="tcp://$address:$port"

# on_node NODE CPUS NAME: sets `runner` to start a step named NAME of one task with CPUS CPUs on NODE, running
# the shell command line it is given (common.sh, remote_start). Keys go to a directory of the node's own.
on_node() {
    runner=($srun_command --nodes=1 --ntasks=1 --nodelist="$1" --cpus-per-task="$2" --job-name="$3" bash -c)
}
remote_keys="${TMPDIR:-/tmp}/bfpo-keys-${SLURM_JOB_ID:-$$}/$(basename "$run_dir")"

setup_keys "$bin" "$run_dir" "$insecure"
start_coordinator "$bin" "$run_dir" --recipe "$recipe" --bind "$endpoint" \
    --set "workers_expected=${#worker_nodes[@]}" --set "servers_expected=$servers" \
    ${coordinator_security[@]+"${coordinator_security[@]}"} ${extra[@]+"${extra[@]}"}
pids=()
# Every worker and server is admitted before any server starts, so that each server's copy of the allowlist
# has the workers, and every copy is the same whichever server's is written last (servers sharing a home).
for i in "${!worker_nodes[@]}"; do admit "${worker_nodes[$i]}-$((i + 1))"; done
for i in "${!server_nodes[@]}"; do admit "${server_nodes[$i]}-server-$((i + 1))"; done
if await_listening; then
    for i in "${!server_nodes[@]}"; do
        node="${server_nodes[$i]}" n=$((i + 1))
        server_command "$bin" "$endpoint" "tcp://${server_addresses[$i]}:$((server_port + i))" "$node-server-$n"
        on_node "$node" 1 "$node-server-$n"
        remote_start "$node-server-$n" "$run_dir/logs/server-$n-$node.log" server "$remote_keys" "${argv[@]}"
    done
    for i in "${!server_nodes[@]}"; do
        n=$((i + 1)) log="$run_dir/logs/server-$n-${server_nodes[$i]}.log"
        await_server "${pids[$i]}" "$log" || { abort_run "${server_nodes[$i]}-server-$n did not start (see $log)"; break; }
    done
    if [ -z "$aborted" ]; then
        for i in "${!worker_nodes[@]}"; do
            node="${worker_nodes[$i]}" n=$((i + 1))
            worker_command "$bin" "$endpoint" "$threads" "$node-$n"
            on_node "$node" "$threads" "$node-$n"
            remote_start "$node-$n" "$run_dir/logs/worker-$n-$node.log" worker "$remote_keys" "${argv[@]}"
        done
    fi
fi
finish slurm.sh ${pids[@]+"${pids[@]}"}
