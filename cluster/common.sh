# Shared by the launchers (local.sh, ssh.sh, slurm.sh): print their usage, make the run's keys (keys.sh),
# build the command lines of servers and workers and start them, here or through ssh or srun, start the
# coordinator, wait until it listens, wait until each shard server listens, forward Ctrl-C and SIGTERM to
# the coordinator, wait for it, then close what is left of the servers and workers and say where the
# results are. Source it, then call setup_keys, start_coordinator, await_listening and finish in this order
# (abort_run in between when a server does not start). Sets `coordinator` (its pid).

aborted=""
# shellcheck source=keys.sh
. "$(dirname "${BASH_SOURCE[0]}")/keys.sh"

# usage [STATUS]: the launcher's header comment (the comment lines after the first line, without "# "),
# on stdout for --help (STATUS 0, the default) or on stderr after a mistake; then exits with STATUS.
usage() {
    local text
    text=$(awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0")
    if [ "${1:-0}" -eq 0 ]; then echo "$text"; else echo "$text" >&2; fi
    exit "${1:-0}"
}

# this_address: the first address `hostname -I` gives for this machine (empty if none): the one the
# coordinator binds when a launcher is not told --address, so that no wildcard address is ever bound.
this_address() {
    hostname -I 2>/dev/null | awk '{print $1}'
}

# worker_command BIN CONNECT THREADS NAME: sets the array `argv` to the command line of a worker
# named NAME with THREADS compute threads, for the coordinator at CONNECT, BIN being where bfpo-worker is.
worker_command() {
    argv=("$1/bfpo-worker" run --connect "$2" --threads "$3" --name "$4")
}

# server_command BIN CONNECT BIND NAME: sets the array `argv` to the command line of a shard server
# named NAME that binds BIND, for the coordinator at CONNECT.
server_command() {
    argv=("$1/bfpo-coordinator" serve --connect "$2" --bind "$3" --name "$4")
}

# shell_words WORD…: the words as one command line for a remote shell (ssh), each in single quotes.
shell_words() {
    local word line=""
    for word in "$@"; do line+="'${word//\'/\'\\\'\'}' "; done
    echo "${line% }"
}

# start_logged LOG COMMAND…: COMMAND in the background, stdin from /dev/null (the terminal's Ctrl-C
# belongs to the coordinator) and output to LOG; appends its pid to the array `pids`.
start_logged() {
    local log="$1"
    shift
    "$@" < /dev/null > "$log" 2>&1 &
    pids+=($!)
}

# port_in_use PORT: whether something on this machine accepts connections at 127.0.0.1:PORT.
port_in_use() {
    (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null
}

# free_loopback_port: a port below Linux's ephemeral range (32768 and up) that nothing accepts
# connections at on 127.0.0.1 when asked; empty if 50 draws found none.
free_loopback_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 12768))
        port_in_use "$port" || { echo "$port"; return 0; }
    done
}

# default_run_dir RECIPE: runs/ and the recipe's file name without its extension.
default_run_dir() {
    local name
    name=$(basename "$1")
    echo "runs/${name%.*}"
}

# remote_start NAME LOG ROLE KEYS COMMAND…: COMMAND (each word quoted) on another machine, in the
# background, through the array `runner`, which takes one shell command line as its last argument (ssh
# HOST; srun … bash -c), logging to LOG and with NAME's security flags; appends the runner's pid to `pids`.
# Under CurveZMQ the runner's stdin carries NAME's secret key (and, for ROLE server, the allowlist after
# it), written to the directory KEYS over there (private: umask 077) before the command starts, so no
# secret is ever on a command line; with --insecure, stdin is /dev/null, so that the runner never reads
# the terminal, whose Ctrl-C belongs to the coordinator.
remote_start() {
    local name="$1" log="$2" role="$3" remote_keys="$4" line
    shift 4
    line=" $(shell_words "$@")"
    if [ "$insecure" = 1 ]; then
        start_logged "$log" "${runner[@]}" "exec$line --insecure"
    else
        local key="$remote_keys/$name.key" allowed=""
        admit "$name"
        [ "$role" = server ] && allowed=" && cat > '$remote_keys/allowed_keys' && set -- --allowed-keys '$remote_keys/allowed_keys'"
        { secret_key "$name"; [ "$role" = server ] && cat "$keys_dir/allowed_keys"; true; } \
            | "${runner[@]}" "umask 077 && mkdir -p '$remote_keys' && IFS= read -r secret && printf '%s\\n' \"\$secret\" > '$key'$allowed && exec$line --key '$key' --coordinator-key='$(cat "$keys_dir/coordinator.pub")' \"\$@\"" \
            > "$log" 2>&1 &
        pids+=($!)
    fi
}

# start_coordinator BIN RUN_DIR ARGS…: `bfpo-coordinator train --run-dir RUN_DIR ARGS…` in the background,
# logging to RUN_DIR/logs/coordinator.log, which is also shown on stderr.
start_coordinator() {
    local bin="$1" dir="$2"
    shift 2
    run_dir="$dir"
    mkdir -p "$run_dir/logs"
    coordinator_log="$run_dir/logs/coordinator.log"
    : > "$coordinator_log"
    "$bin/bfpo-coordinator" train --run-dir "$run_dir" "$@" >> "$coordinator_log" 2>&1 &
    coordinator=$!
    tail -n +1 -f "$coordinator_log" >&2 &
    follower=$!
    # The coordinator checkpoints and tells the workers to stop; the launcher only passes the signal on.
    trap 'kill -TERM "$coordinator" 2>/dev/null || true' INT TERM
}

# await_listening: returns 0 once the coordinator listens (it first loads and tokenizes the data, up to a
# minute), 1 if it exited first.
await_listening() {
    for _ in $(seq 1 600); do
        grep -q "listening on" "$coordinator_log" && break
        kill -0 "$coordinator" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$coordinator" 2>/dev/null
}

# await_server PID LOG: returns 0 once the shard server PID (or its ssh session), logging to LOG, listens;
# 1 if it exited first or did not listen within 60 s.
await_server() {
    for _ in $(seq 1 600); do
        grep -q "shard server listening on" "$2" && return 0
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    grep -q "shard server listening on" "$2"
}

# start_loopback_server BIN CONNECT NAME LOG: `bfpo-coordinator serve` named NAME for the coordinator at
# CONNECT, admitted (see admit) and admitting the run's allowlist, in the background on a loopback port of
# its own, logging to LOG; appends its pid to the array
# `pids`. Ports are drawn below Linux's ephemeral range (32768 and up), as the integration tests draw
# them, until one binds: a server whose port is taken says so and exits at once. Returns 0 once the server
# listens, 1 if it did not start.
start_loopback_server() {
    local bin="$1" connect="$2" name="$3" log="$4" port argv allowed=()
    admit "$name"
    [ "$insecure" = 1 ] || allowed=(--allowed-keys "$keys_dir/allowed_keys")
    for _ in $(seq 1 20); do
        port=$((20000 + RANDOM % 12768))
        server_command "$bin" "$connect" "tcp://127.0.0.1:$port" "$name"
        start_logged "$log" "${argv[@]}" "${peer_security[@]}" ${allowed[@]+"${allowed[@]}"}
        await_server "${pids[-1]}" "$log" && return 0
        if kill -0 "${pids[-1]}" 2>/dev/null || ! grep -q "Address already in use" "$log"; then return 1; fi
    done
    return 1
}

# abort_run MESSAGE: when a process the run needs did not start: has the coordinator stop (it checkpoints
# and stops whoever came) and makes finish report MESSAGE and exit 1.
abort_run() {
    aborted="$1"
    kill -TERM "$coordinator" 2>/dev/null || true
}

# finish NAME PID…: waits for the coordinator, gives each server or worker process (or its ssh session)
# 15 s to end after it, ends those still alive, reports, and exits with the coordinator's status (1 after
# abort_run).
finish() {
    local name="$1" status=0 pid
    shift
    while true; do
        wait "$coordinator" && status=0 || status=$?
        # A signal interrupts `wait` (status > 128) while the coordinator is still shutting down: wait again.
        kill -0 "$coordinator" 2>/dev/null || break
    done
    for pid in "$@"; do
        for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -TERM "$pid" 2>/dev/null || true
    done
    kill "$follower" 2>/dev/null || true
    if [ -n "$aborted" ]; then
        echo "$name: $aborted; the run was stopped" >&2
        [ "$status" -ne 0 ] || status=1
    elif [ "$status" -eq 0 ]; then
        echo "$name: done. Metrics: $run_dir/metrics.jsonl; checkpoints: $run_dir/checkpoints (latest: $(cat "$run_dir/checkpoints/latest" 2>/dev/null || echo none)); logs: $run_dir/logs" >&2
    else
        echo "$name: the coordinator exited with status $status; see $coordinator_log" >&2
    fi
    exit "$status"
}
