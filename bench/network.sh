#!/usr/bin/env bash
# Training throughput across a commodity network: the workload of bench/workload.sh (end_to_end.sh's) with
# a coordinator, S shard servers and N single-threaded workers, each process in a network namespace of its
# own, all joined by a Linux bridge in one more namespace, every link shaped with tc tbf to the run's rate
# in both directions (the coordinator's one link carries all of its traffic with the workers and servers,
# as on a switch, and each server's link all of its own); or, for `loopback`, every process on the host's
# 127.0.0.1 as end_to_end.sh runs them.
# Nothing touches the host's network: the veths, the bridge and the addresses (10.77.0.0/16: the
# coordinator 10.77.0.1, worker I 10.77.0.(I+1), server J 10.77.1.J) exist only in the namespaces this run
# creates (bfpobPID-…), deleted with every process it started on exit, on failure and on Ctrl-C. Must run
# as root, with ip and tc (iproute2). On one machine the workers and servers also share its cores: compare
# rows with the same S and N.
#
#   bench/network.sh [--workers "1 2"] [--links "loopback 1gbit 100mbit"] [--servers "0"]
#                    [--compression "none"] [--shards 4] [--staleness 0] [--pairs 96] [--bin .build/release]
#
#   --workers LIST   the worker counts N to run (1 to 250)
#   --links LIST     loopback (the host's 127.0.0.1, no namespaces), unshaped (namespaces and bridge, no
#                    tbf) or a tc rate such as 1gbit, 100mbit, 500kbit; loopback, when listed, runs first
#   --servers LIST   the shard server counts S to run (0 to the workload's shards; default 0). S > 0
#                    runs S `bfpo-coordinator serve` processes, each in a namespace of its own with a link
#                    shaped like the others (on loopback: each on a 127.0.0.1 port of its own), that own
#                    every shard between them; S = 0: the coordinator serves every shard itself
#   --compression LIST
#                    the values of the recipe key `compression` to run with, each passed to the coordinator
#                    as --set compression=VALUE: none (fp32, the default), bf16, topk or topk:F with
#                    0 < F <= 1, each optionally followed by +fp32, +bf16, +int8 or +int4 for the
#                    gradients (docs/compression.md); the workers must log the same value
#   --shards N       the recipe key `shards` of every run (default 4, the workload's): more shards make the
#                    part of the gradient that waits for the end of the backward pass, and the first pull
#                    of a step, smaller
#   --staleness N    the recipe key `max_staleness` of every run (default 0, synchronous); with N > 0 a worker
#                    fetches the next lease's shards while it computes the lease before (pulling ahead)
#   --pairs N        random preference pairs trained on, one epoch; at least 16 (default 96)
#   --bin DIR        where bfpo-coordinator and bfpo-worker are (default .build/release)
#
# Prints the machine (CPU model, cores), the shards and max_staleness, then one row per link, compression, S
# and N, in that order:
#   tokens/s            the mean of metrics.jsonl's tokens_per_second over the steps after the first
#   vs loopback         tokens/s over the loopback row's with the same compression, S and N (n/a without one)
#   bytes/token         bytes the coordinator's veth sent and received during the whole run (the reference
#                       pass included), over the tokens trained (the coordinator's last line,
#                       "this process trained N steps (T tokens)"); n/a for loopback, where the host's lo
#                       carries them mixed with all else
#   server bytes/token  the same for the servers' veths, summed over the servers: the workers' pulls and
#                       pushes and the coordinator's step messages; n/a for loopback and for S = 0. With
#                       S > 0 the shards with their optimizer state cross the coordinator's link and the
#                       servers' twice a run, to the servers at the start and back at the final checkpoint
#   net wait            the mean over the workers of the share of lease time not spent computing (asking
#                       for work, pulls, pushes, waiting), from the "worker summary" line each worker logs
#                       at exit
# and last the BLAS core the workers logged. A run that fails gets a row saying so (its error and the last
# lines of its logs go to stderr, its logs are kept in a directory named there) and the next one starts.
# Exits 2 on a bad argument, 1 when a run failed, 130/143 on Ctrl-C/SIGTERM.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/cluster/common.sh"
. "$here/bench/workload.sh"
. "$here/bench/compression_setting.sh"

bin=.build/release pairs=96 counts="1 2" links="loopback 1gbit 100mbit" server_counts=0 compressions=none
bad() { echo "network.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage 45 ;;
        --bin|--pairs|--workers|--links|--servers|--compression|--shards|--staleness) [ $# -ge 2 ] || bad "$1 needs a value" ;;&
        --bin) bin="$2"; shift 2 ;;
        --pairs) pairs="$2"; shift 2 ;;
        --workers) counts="$2"; shift 2 ;;
        --links) links="$2"; shift 2 ;;
        --servers) server_counts="$2"; shift 2 ;;
        --compression) compressions="$2"; shift 2 ;;
        --shards) workload_shards="$2"; shift 2 ;;
        --staleness) workload_staleness="$2"; shift 2 ;;
        *) echo "network.sh: unknown argument $1" >&2; usage 45 2 ;;
    esac
done
[[ "$pairs" =~ ^[1-9][0-9]*$ ]] && [ "$pairs" -ge 16 ] \
    || bad "--pairs must be an integer of at least 16 (two steps of 8 pairs: the first step's figure is left out)"
[[ "$workload_shards" =~ ^[1-9][0-9]*$ ]] && [ "$workload_shards" -le 4096 ] \
    || bad "--shards must be an integer from 1 to 4096"
[[ "$workload_staleness" =~ ^(0|[1-9][0-9]*)$ ]] && [ "$workload_staleness" -le 1000 ] \
    || bad "--staleness must be an integer from 0 to 1000"
[ -n "${counts// /}" ] || bad "--workers needs at least one count"
for count in $counts; do
    # Worker i gets 10.77.0.(i+1), the coordinator 10.77.0.1.
    [[ "$count" =~ ^[1-9][0-9]*$ ]] && [ "$count" -le 250 ] || bad "bad worker count \"$count\" in --workers (1 to 250)"
done
[ -n "${links// /}" ] || bad "--links needs at least one link setting"
for link in $links; do
    [[ "$link" =~ ^(loopback|unshaped|[1-9][0-9]*[kmg]bit)$ ]] \
        || bad "bad link \"$link\" in --links (loopback, unshaped or a rate such as 100mbit)"
done
[ -n "${server_counts// /}" ] || bad "--servers needs at least one count"
for count in $server_counts; do
    # Server J gets 10.77.1.J.
    [[ "$count" =~ ^(0|[1-9][0-9]*)$ ]] && [ "$count" -le "$workload_shards" ] \
        || bad "bad server count \"$count\" in --servers (0 to $workload_shards, the workload's shards)"
done
[ -n "${compressions// /}" ] || bad "--compression needs at least one value"
declare -A seen
for compression in $compressions; do
    why=$(compression_check "$compression") || bad "$why in --compression"
    [ -z "${seen[$compression]:-}" ] || bad "\"$compression\" is listed twice in --compression"
    seen[$compression]=1
done
[ "$(id -u)" -eq 0 ] || bad "must run as root: it creates network namespaces, veths and a bridge"
for tool in ip tc; do
    command -v "$tool" > /dev/null || bad "needs $tool (iproute2, e.g. apt-get install iproute2)"
done
for tool in bfpo-coordinator bfpo-worker; do
    [ -x "$bin/$tool" ] || bad "$bin/$tool not found; build first (swift build -c release)"
done
bin=$(cd "$bin" && pwd)
# loopback first, so that every other row has its ratio.
case " $links " in *" loopback "*) links="loopback ${links//loopback/}" ;; esac

prefix="bfpob$$" pids=() namespaces=() running="" failures=0
work=$(mktemp -d)

# Each run (measure) goes in a subshell of its own, in the background, so that a run that fails ends only
# itself and so that this script, waiting for it, acts on a signal at once. The subshell tears its run down
# on every exit; the script, on its own exit, stops the run in progress and then sweeps: ends any process of
# the run still alive (should its subshell have been killed before its teardown) and deletes every
# namespace named $prefix-…

# teardown: ends every process this run started, by pid (TERM, then KILL after 5 s), then deletes its
# namespaces; deleting one destroys the interfaces in it: the bridge, and each veth with its peer.
teardown() {
    local pid ns
    for pid in ${pids[@]+"${pids[@]}"}; do kill -TERM "$pid" 2> /dev/null || true; done
    for pid in ${pids[@]+"${pids[@]}"}; do
        for _ in $(seq 1 50); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2> /dev/null || true
    done
    for ns in ${namespaces[@]+"${namespaces[@]}"}; do ip netns delete "$ns" 2> /dev/null || true; done
    pids=() namespaces=()
}

# sweep: the processes whose pids the runs recorded in $work/pids that are still one of $bin's programs
# (a pid may have been reused since), and the namespaces whose names begin with $prefix-, as teardown does.
sweep() {
    local pid ns
    pids=() namespaces=()
    [ ! -f "$work/pids" ] || while read -r pid; do
        case "$(tr '\0' ' ' 2> /dev/null < "/proc/$pid/cmdline")" in "$bin"/bfpo-*) pids+=("$pid") ;; esac
    done < "$work/pids"
    for ns in $(ip netns list | awk -v p="$prefix-" 'index($1, p) == 1 { print $1 }'); do namespaces+=("$ns"); done
    teardown
}

# finish: on this script's exit. Stops the run in progress (the subshell $running), sweeps, and deletes
# the work directory, unless a run failed: then it says where the failed runs' logs are.
finish() {
    trap '' INT TERM
    if [ -n "$running" ]; then
        kill -TERM "$running" 2> /dev/null || true
        wait "$running" 2> /dev/null || true
    fi
    sweep
    if [ "$failures" -eq 0 ]; then
        rm -rf "$work"
    else
        echo "network.sh: $failures run(s) failed; their logs are kept in $work/*/logs" >&2
    fi
}
trap finish EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# failed WHAT LOG…: says which run failed and how, shows the last lines of its logs and exits 1 (its
# subshell; the script goes on with the next run).
failed() {
    echo "network.sh: $1; the last lines of its logs:" >&2
    shift
    tail -n 20 "$@" >&2
    exit 1
}

# lost_server: fails the run when the coordinator lost a shard server: it restarts from its last checkpoint
# and waits for servers again (forever, should it lose one each time), and the figures would not be those
# of S servers. Reads measure's run, dir and coordinator_log.
lost_server() {
    ! grep -q "a shard server failed" "$coordinator_log" \
        || failed "the coordinator ($run) lost a shard server: $(sed -n 's/.*a shard server failed: //p' "$coordinator_log" | head -n 1)" \
            "$dir"/logs/*.log
}

add_namespace() {
    namespaces+=("$1")
    ip netns add "$1"
    ip -n "$1" link set lo up
}

# shape NS DEV RATE: tbf on DEV's egress at RATE. The burst is the usual rate/HZ (HZ is 250 on Debian's
# kernels and this project's VMs: 4 ms of traffic), so that timer and scheduling delays on a busy machine do not hold the link
# below its rate, and at least 64 KB, one whole GSO packet of a veth, which tbf would otherwise split.
# latency 50 ms bounds the queue about as a commodity switch's buffer does: TCP keeps the link full
# without the queue adding seconds of delay.
shape() {
    local bits="${3%?bit}" burst
    case "$3" in
        *kbit) bits=$((bits * 1000)) ;;
        *mbit) bits=$((bits * 1000000)) ;;
        *gbit) bits=$((bits * 1000000000)) ;;
    esac
    burst=$((bits / 8 / 250))
    [ "$burst" -ge 65536 ] || burst=65536
    tc -n "$1" qdisc add dev "$2" root tbf rate "$3" burst "$burst" latency 50ms
}

# attach NS ADDRESS RATE: a namespace NS whose eth0 (ADDRESS/16) is a veth whose peer, port pNAME, is in the
# bridge; both ends are created in their namespaces, never in the host's. tbf on both ends' egress shapes
# what NS sends and what it receives.
attach() {
    local ns="$1" address="$2" rate="$3" port="p${1##*-}"
    add_namespace "$ns"
    ip -n "$bridge" link add name "$port" type veth peer name eth0 netns "$ns"
    ip -n "$bridge" link set "$port" master br0 up
    ip -n "$ns" address add "$address/16" dev eth0
    ip -n "$ns" link set eth0 up
    if [ "$rate" != unshaped ]; then
        shape "$bridge" "$port" "$rate"
        shape "$ns" eth0 "$rate"
    fi
}

# link_bytes NS…: what the eth0s of namespaces NS… have sent and received so far, summed (0 for none).
link_bytes() {
    local ns
    for ns in "$@"; do
        ip netns exec "$ns" cat /sys/class/net/eth0/statistics/tx_bytes /sys/class/net/eth0/statistics/rx_bytes
    done | awk '{ s += $1 } END { print s + 0 }'
}

# launch NS LOG COMMAND…: COMMAND in the background in namespace NS (on the host when NS is empty), logging
# to LOG; `ip netns exec` execs it, so the pid recorded is COMMAND's.
launch() {
    local ns="$1" log="$2"
    shift 2
    if [ -n "$ns" ]; then
        ip netns exec "$ns" "$@" > "$log" 2>&1 &
    else
        "$@" > "$log" 2>&1 &
    fi
    pids+=($!)
    echo "$!" >> "$work/pids"
}

# measure DIR LINK COMPRESSION S N: one run, in DIR, in a subshell of its own (which tears it down on exit);
# writes DIR/row: tokens/s, bytes/token, server bytes/token, net wait and the BLAS core, a line each.
measure() {
    local dir="$1" link="$2" compression="$3" servers="$4" count="$5" ns="" endpoint before=0 server_before=0 status=0
    local run="link $2, compression $3, S=$4, N=$5" i pid alive log logged expected server_namespaces=() server_pids=()
    local worker_pids=() rate bytes_per_token server_bytes_per_token net_wait blas
    mkdir -p "$dir/logs"
    if [ "$link" = loopback ]; then
        # Below Linux's ephemeral range, as the integration tests choose.
        endpoint="tcp://127.0.0.1:$((20000 + RANDOM % 12768))"
    else
        bridge="$prefix-br" ns="$prefix-c"
        add_namespace "$bridge"
        ip -n "$bridge" link add name br0 type bridge
        ip -n "$bridge" link set br0 up
        attach "$ns" 10.77.0.1 "$link"
        for i in $(seq 1 "$count"); do attach "$prefix-w$i" "10.77.0.$((i + 1))" "$link"; done
        for i in $(seq 1 "$servers"); do
            attach "$prefix-s$i" "10.77.1.$i" "$link"
            server_namespaces+=("$prefix-s$i")
        done
        endpoint="tcp://10.77.0.1:5555"
        before=$(link_bytes "$ns")
        server_before=$(link_bytes ${server_namespaces[@]+"${server_namespaces[@]}"})
    fi
    coordinator_log="$dir/logs/coordinator.log"
    # Created here: the redirection in launch's background child may come after the first look for
    # "listening on" (grep would say the file does not exist).
    : > "$coordinator_log"
    setup_keys "$bin" "$dir/run" 0
    launch "$ns" "$coordinator_log" "$bin/bfpo-coordinator" train --recipe "$work/recipe.yaml" --run-dir "$dir/run" \
        --bind "$endpoint" --set "workers_expected=$count" --set "servers_expected=$servers" \
        --set "compression=$compression"
    coordinator=${pids[-1]}
    await_listening || failed "the coordinator ($run) did not start" "$coordinator_log"
    for i in $(seq 1 "$servers"); do
        log="$dir/logs/server-$i.log"
        : > "$log"
        if [ -n "$ns" ]; then
            admit "server-$i"
            launch "$prefix-s$i" "$log" "$bin/bfpo-coordinator" serve --connect "$endpoint" --bind "tcp://10.77.1.$i:5555" \
                --name "server-$i" "${peer_security[@]}" --allowed-keys "$keys_dir/allowed_keys"
            await_server "${pids[-1]}" "$log" || failed "server $i ($run) did not start" "$log"
        else
            start_loopback_server "$bin" "$endpoint" "server-$i" "$log" || failed "server $i ($run) did not start" "$log"
            echo "${pids[-1]}" >> "$work/pids"
        fi
        server_pids+=("${pids[-1]}")
    done
    for i in $(seq 1 "$count"); do
        admit "worker-$i"
        launch "${ns:+$prefix-w$i}" "$dir/logs/worker-$i.log" "$bin/bfpo-worker" run --connect "$endpoint" --threads 1 \
            --name "worker-$i" --blas-core auto "${peer_security[@]}"
        worker_pids+=("${pids[-1]}")
    done
    # Until the coordinator ends. The workers stop first, when it tells them to; a coordinator still
    # running 30 s after the last of them is stuck (it would wait for workers forever), and so is one that
    # lost a server.
    while kill -0 "$coordinator" 2> /dev/null; do
        lost_server
        alive=0
        for pid in "${worker_pids[@]}"; do kill -0 "$pid" 2> /dev/null && alive=1; done
        if [ "$alive" = 0 ]; then
            for _ in $(seq 1 300); do kill -0 "$coordinator" 2> /dev/null || break; sleep 0.1; done
            ! kill -0 "$coordinator" 2> /dev/null \
                || failed "every worker exited but the coordinator ($run) did not" "$dir"/logs/*.log
        fi
        sleep 0.5
    done
    wait "$coordinator" || status=$?
    [ "$status" -eq 0 ] || failed "the coordinator ($run) exited with status $status" "$coordinator_log"
    lost_server
    [ "$(grep -c ' serves shards ' "$coordinator_log")" -eq "$servers" ] \
        || failed "not every one of the $servers servers served shards ($run)" "$dir"/logs/*.log
    # The coordinator told the servers and workers to stop; the workers log their summary on the way out.
    for pid in ${server_pids[@]+"${server_pids[@]}"} "${worker_pids[@]}"; do
        for _ in $(seq 1 150); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    done
    # The workers' join lines name the run's compression unless it is none, in its canonical form.
    logged=$(sed -n 's/.*joined run .*, compression \([^ ,]*\).*/\1/p' "$dir"/logs/worker-*.log | sort -u | paste -sd ' ' -)
    [[ "${logged:-none}" != *" "* ]] && compression_same "${logged:-none}" "$compression" \
        || failed "the workers logged compression ${logged:-none}, not $compression ($run)" "$dir"/logs/worker-*.log
    rate=$(workload_tokens_per_second "$dir/run/metrics.jsonl")
    bytes_per_token=n/a server_bytes_per_token=n/a
    if [ -n "$ns" ]; then
        local bytes server_bytes tokens
        bytes=$(($(link_bytes "$ns") - before))
        server_bytes=$(($(link_bytes ${server_namespaces[@]+"${server_namespaces[@]}"}) - server_before))
        tokens=$(sed -n 's/.*this process trained [0-9]* steps (\([0-9]*\) tokens).*/\1/p' "$coordinator_log")
        if [ -n "$tokens" ] && [ "$tokens" -gt 0 ]; then
            bytes_per_token=$((bytes / tokens))
            [ "$servers" -eq 0 ] || server_bytes_per_token=$((server_bytes / tokens))
        fi
    fi
    net_wait=$(sed -n 's/.*worker summary: .*compute \([0-9.]*\) s, network and waiting \([0-9.]*\) s.*/\1 \2/p' \
        "$dir"/logs/worker-*.log | awk -v count="$count" '$1 + $2 > 0 { s += $2 / ($1 + $2); n++ }
            END { if (n == count) printf "%.0f %%", 100 * s / n; else print "n/a" }')
    blas=$(grep -ho 'BLAS core: .*' "$dir"/logs/worker-*.log | sort -u | paste -sd ';' -)
    teardown
    printf '%s\n' "$rate" "$bytes_per_token" "$server_bytes_per_token" "$net_wait" "$blas" > "$dir/row"
}

echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores; shards: $workload_shards; max_staleness: $workload_staleness"
workload_prepare "$bin" "$work" "$pairs"
declare -A loopback_rate
blases=()
line='%-10s %-11s %7s %7s %10s %12s %12s %19s %9s\n'
printf "$line" link compression servers workers tokens/s "vs loopback" bytes/token "server bytes/token" "net wait"
for link in $links; do
    for compression in $compressions; do
        for servers in $server_counts; do
            for count in $counts; do
                run="link $link, compression $compression, S=$servers, N=$count"
                echo "network.sh: $run…" >&2
                dir="$work/$link-$compression-$servers-$count" status=0
                : > "$work/pids"
                (
                    trap 'trap "" INT TERM; teardown' EXIT
                    trap 'exit 130' INT
                    trap 'exit 143' TERM
                    measure "$dir" "$link" "$compression" "$servers" "$count"
                ) &
                running=$!
                wait "$running" || status=$?
                running=""
                sweep
                if [ "$status" -eq 0 ] && [ -f "$dir/row" ]; then
                    { read -r rate; read -r bytes_per_token; read -r server_bytes_per_token; read -r net_wait; read -r blas; } \
                        < "$dir/row"
                    [ -z "$blas" ] || blases+=("$blas")
                    rm -rf "$dir"
                    [ "$link" != loopback ] || loopback_rate[$compression-$servers-$count]=$rate
                    ratio=n/a
                    [ -z "${loopback_rate[$compression-$servers-$count]:-}" ] \
                        || ratio=$(awk -v a="$rate" -v b="${loopback_rate[$compression-$servers-$count]}" \
                            'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }')
                else
                    failures=$((failures + 1))
                    echo "network.sh: $run failed (status $status); its logs: $dir/logs" >&2
                    rate=failed ratio=- bytes_per_token=- server_bytes_per_token=- net_wait=-
                fi
                printf "$line" "$link" "$compression" "$servers" "$count" "$rate" "$ratio" "$bytes_per_token" \
                    "$server_bytes_per_token" "$net_wait"
            done
        done
    done
done
blas=$(printf '%s\n' ${blases[@]+"${blases[@]}"} | sed '/^$/d' | sort -u | paste -sd ';' -)
echo "workers' ${blas:-BLAS core: not logged}"
[ "$failures" -eq 0 ] || exit 1
