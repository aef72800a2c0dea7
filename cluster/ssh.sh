#!/usr/bin/env bash
# Runs the coordinator on this machine and shard servers and workers on other machines over SSH.
#
#   cluster/ssh.sh --hosts HOST[:N][,HOST[:N]…] --recipe FILE [--server-hosts HOST[=ADDRESS][,…]]
#                  [--server-port PORT] [--run-dir DIR] [--port PORT] [--threads T] [--address ADDRESS]
#                  [--bin DIR] [--remote-bin DIR] [--ssh COMMAND] [--insecure] [-- COORDINATOR ARGS…]
#
#   --hosts          where the workers run: HOST:N starts N workers on HOST (default 1), named HOST-I (I
#                    counting over all of them); sets the recipe's workers_expected to their total
#   --recipe FILE    the run's recipe (required)
#   --server-hosts   where the shard servers (`bfpo-coordinator serve`) run: one on each HOST listed (a
#                    host listed twice gets two), named HOST-server-I; sets the recipe's servers_expected
#                    to their number. Server I binds ADDRESS on its host, at port --server-port + I - 1;
#                    ADDRESS is the one given as HOST=ADDRESS, else the first of `hostname -I` on HOST
#                    (asked over ssh before anything starts). Workers reach the servers there. Without it,
#                    servers_expected is 0: the coordinator serves every shard itself
#   --server-port    the first server's port (default: --port + 1)
#   --run-dir DIR    the run directory (default: runs/ and the recipe's file name without its extension)
#   --port PORT      the coordinator's port (default 5555)
#   --threads T      compute threads per worker (default 1)
#   --address        this machine's address, the one servers and workers reach (default: the first of
#                    `hostname -I`; never every interface): the coordinator listens on tcp://ADDRESS:PORT
#   --bin DIR        where bfpo-coordinator is here (default: .build/release, or $BFPO_BIN)
#   --remote-bin DIR where bfpo-coordinator and bfpo-worker are on the other hosts (default: the absolute
#                    path of --bin); they need nothing else: the coordinator sends them the model config,
#                    the tokenized pairs and the parameters
#   --ssh COMMAND    what reaches a host, called as COMMAND HOST 'COMMAND LINE' (default
#                    "ssh -o BatchMode=yes")
#   --insecure       no CurveZMQ: connections neither encrypted nor authenticated. By default each server
#                    and worker gets a key pair made here in RUN_DIR/keys/, admitted by the coordinator; its
#                    secret key goes through the ssh session's stdin to .bfpo/keys/RUN_NAME/ on its host
#                    (mode 0600), and each server gets the allowlist there too
#   -- ARGS…         passed on to `bfpo-coordinator train`, e.g. -- --set learning_rate=1e-4
#
# The servers start once the coordinator listens, the workers once every server listens. Logs go to
# RUN_DIR/logs/: coordinator.log, server-I-HOST.log and worker-I-HOST.log (a server's or worker's log is
# its ssh session's output). Ctrl-C (or SIGTERM) is forwarded to the coordinator, which checkpoints and
# tells the servers and workers to stop; ssh sessions still open 15 s after it are ended. Exits with the
# coordinator's status, 1 if a server did not start, 2 on a bad argument.
set -euo pipefail
. "$(dirname "$0")/common.sh"

hosts="" server_hosts="" server_port="" recipe="" run_dir="" port=5555 threads=1 address=""
bin="${BFPO_BIN:-.build/release}" remote_bin="" ssh_command="ssh -o BatchMode=yes" insecure=0 extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --hosts|--server-hosts|--server-port|--recipe|--run-dir|--port|--threads|--address|--bin|--remote-bin|--ssh)
            [ $# -ge 2 ] || { echo "ssh.sh: $1 needs a value" >&2; exit 2; } ;;&
        --hosts) hosts="$2"; shift 2 ;;
        --server-hosts) server_hosts="$2"; shift 2 ;;
        --server-port) server_port="$2"; shift 2 ;;
        --recipe) recipe="$2"; shift 2 ;;
        --run-dir) run_dir="$2"; shift 2 ;;
        --port) port="$2"; shift 2 ;;
        --threads) threads="$2"; shift 2 ;;
        --address) address="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        --remote-bin) remote_bin="$2"; shift 2 ;;
        --ssh) ssh_command="$2"; shift 2 ;;
        --insecure) insecure=1; shift ;;
        -h|--help) usage ;;
        --) shift; extra=("$@"); break ;;
        *) echo "ssh.sh: unknown argument $1" >&2; usage 2 ;;
    esac
done
[ -n "$recipe" ] || { echo "ssh.sh: --recipe is required" >&2; usage 2; }
[ -n "$hosts" ] || { echo "ssh.sh: --hosts is required" >&2; usage 2; }
[[ "$port" =~ ^[1-9][0-9]*$ ]] || { echo "ssh.sh: --port must be a positive integer" >&2; exit 2; }
[[ "$threads" =~ ^[1-9][0-9]*$ ]] || { echo "ssh.sh: --threads must be a positive integer" >&2; exit 2; }
server_port="${server_port:-$((port + 1))}"
[[ "$server_port" =~ ^[1-9][0-9]*$ ]] || { echo "ssh.sh: --server-port must be a positive integer" >&2; exit 2; }
[ -x "$bin/bfpo-coordinator" ] || { echo "ssh.sh: $bin/bfpo-coordinator not found; build first (swift build -c release)" >&2; exit 2; }
remote_bin="${remote_bin:-$(cd "$bin" && pwd)}"
address="${address:-$(this_address)}"
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
# One host and one address (empty: ask the host) per server, checked before anything starts.
server_names=() server_addresses=()
if [ -n "$server_hosts" ]; then
    IFS=',' read -r -a entries <<< "$server_hosts"
    for entry in "${entries[@]}"; do
        host="${entry%%=*}" server_address=""
        [ "$host" = "$entry" ] || server_address="${entry#*=}"
        [[ "$host" =~ ^[A-Za-z0-9._@-]+$ ]] || { echo "ssh.sh: bad host \"$entry\" in --server-hosts" >&2; exit 2; }
        [ "$host" = "$entry" ] || [[ "$server_address" =~ ^[A-Za-z0-9.-]+$ ]] \
            || { echo "ssh.sh: bad address in \"$entry\" (HOST or HOST=ADDRESS)" >&2; exit 2; }
        server_names+=("$host") server_addresses+=("$server_address")
    done
fi
[ $((server_port + ${#server_names[@]} - 1)) -le 65535 ] \
    || { echo "ssh.sh: --server-port $server_port leaves no port for server ${#server_names[@]} (at most 65535)" >&2; exit 2; }
for i in "${!server_names[@]}"; do
    [ -z "${server_addresses[$i]}" ] || continue
    server_addresses[i]=$($ssh_command "${server_names[$i]}" "hostname -I" < /dev/null | awk '{print $1}') || true
    [ -n "${server_addresses[$i]}" ] \
        || { echo "ssh.sh: cannot tell ${server_names[$i]}'s address; pass --server-hosts ${server_names[$i]}=ADDRESS" >&2; exit 2; }
done
[ -n "$run_dir" ] || run_dir=$(default_run_dir "$recipe")

# Remote processes' keys go to .bfpo/keys/RUN_NAME/ in the remote home (common.sh, remote_start).
remote_keys=".bfpo/keys/$(basename "$run_dir")"

setup_keys "$bin" "$run_dir" "$insecure"
start_coordinator "$bin" "$run_dir" --recipe "$recipe" --bind "tcp://$address:$port" \
    --set "workers_expected=${#worker_hosts[@]}" --set "servers_expected=${#server_names[@]}" \
    ${coordinator_security[@]+"${coordinator_security[@]}"} ${extra[@]+"${extra[@]}"}
pids=()
# Every worker and server is admitted before any server starts, so that each server's copy of the allowlist
# has the workers, and every copy is the same whichever server's is written last (servers sharing a home).
for i in "${!worker_hosts[@]}"; do admit "${worker_hosts[$i]}-$((i + 1))"; done
for i in "${!server_names[@]}"; do admit "${server_names[$i]}-server-$((i + 1))"; done
if await_listening; then
    for i in "${!server_names[@]}"; do
        host="${server_names[$i]}" n=$((i + 1))
        server_command "$remote_bin" "tcp://$address:$port" "tcp://${server_addresses[$i]}:$((server_port + i))" "$host-server-$n"
        runner=($ssh_command "$host")
        remote_start "$host-server-$n" "$run_dir/logs/server-$n-$host.log" server "$remote_keys" "${argv[@]}"
    done
    for i in "${!server_names[@]}"; do
        n=$((i + 1)) log="$run_dir/logs/server-$n-${server_names[$i]}.log"
        await_server "${pids[$i]}" "$log" || { abort_run "${server_names[$i]}-server-$n did not start (see $log)"; break; }
    done
    if [ -z "$aborted" ]; then
        for i in "${!worker_hosts[@]}"; do
            host="${worker_hosts[$i]}" n=$((i + 1))
            worker_command "$remote_bin" "tcp://$address:$port" "$threads" "$host-$n"
            runner=($ssh_command "$host")
            remote_start "$host-$n" "$run_dir/logs/worker-$n-$host.log" worker "$remote_keys" "${argv[@]}"
        done
    fi
fi
finish ssh.sh ${pids[@]+"${pids[@]}"}
