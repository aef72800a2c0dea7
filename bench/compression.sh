#!/usr/bin/env bash
# The effect of the recipe key `compression` on training (BENCHMARKS.md, "Compression on the wire"): the
# bundled benchmark recipe, recipes/bfpo-tiny.yaml (the tiny GPT-2 of `make demo`, made here the same way, on
# data/safety-benchmark/train.jsonl), trained once per setting by a coordinator and 2 single-threaded workers
# on loopback (cluster/local.sh). Every run has the same model, seed, data order and number of steps; only
# `compression` differs. Each run has a run directory of its own and a port that was free when it started.
#
#   bench/compression.sh [--settings "none bf16 topk:0.1 topk:0.01"] [--epochs 2] [--fraction F]
#                        [--bin .build/release] [--out runs/compression-DATE]
#
#   --settings LIST  compression values to train with, in order: none, bf16, topk or topk:F, 0 < F <= 1,
#                    each optionally followed by +fp32, +bf16, +int8 or +int4 for the gradients
#                    (docs/compression.md); the ratio column needs none among them
#   --epochs N       num_train_epochs (default 2). The recipe's half of train.jsonl, 1344 pairs, is 168 steps
#                    of 8 pairs an epoch: 2 epochs make 336 steps (the comparison wants at least
#                    200)
#   --fraction F     the share of train.jsonl to train on, in (0, 1] (default: the recipe's, 0.5)
#   --bin DIR        where bfpo-coordinator and bfpo-worker are (default .build/release)
#   --out DIR        where the model and the run directories (run-SETTING, with metrics.jsonl and logs/)
#                    go, kept afterwards (default runs/compression-DATE-TIME); must not exist yet
#
# Prints the machine (CPU model, cores), then one markdown table, one row per setting:
#   steps            the optimizer steps trained (the coordinator's last line, "this process trained N steps")
#   final loss       the mean of metrics.jsonl's loss over the last 20 steps
#   reward acc.      the mean of rewards/accuracies over the last 20 steps
#   mean loss        the mean of loss over all steps
#   sent / received  payload (tensor frames, headers not counted) the workers sent and received, in MB (10^6
#                    bytes), summed over the workers (the "worker summary" line each logs at exit)
#   bytes/token      sent + received in bytes over the tokens trained (the coordinator's last line,
#                    "this process trained N steps (T tokens)"); the reference pass, whose bytes come with
#                    no trained tokens, is included
#   vs none          bytes/token over the none row's
#   tokens/s         the mean of tokens_per_second over the steps after the first (loopback)
# and last the BLAS core the workers logged. Ctrl-C or SIGTERM stops the run in progress (the coordinator
# checkpoints and stops its workers; anything of the run still alive after that is ended) and exits.
# Exits 2 on a bad argument, 1 when a run fails (with the last lines of its logs), 130/143 when stopped.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/cluster/common.sh"
. "$here/bench/compression_setting.sh"

settings="none bf16 topk:0.1 topk:0.01" epochs=2 fraction="" bin=.build/release out=""
bad() { echo "compression.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage 33 ;;
        --settings|--epochs|--fraction|--bin|--out) [ $# -ge 2 ] || bad "$1 needs a value" ;;&
        --settings) settings="$2"; shift 2 ;;
        --epochs) epochs="$2"; shift 2 ;;
        --fraction) fraction="$2"; shift 2 ;;
        --bin) bin="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "compression.sh: unknown argument $1" >&2; usage 33 2 ;;
    esac
done

[ -n "${settings// /}" ] || bad "--settings needs at least one setting"
declare -A seen
for setting in $settings; do
    why=$(compression_check "$setting") || bad "$why in --settings"
    [ -z "${seen[$setting]:-}" ] || bad "setting \"$setting\" is listed twice"
    seen[$setting]=1
done
[[ "$epochs" =~ ^[1-9][0-9]*$ ]] || bad "--epochs must be a positive integer"
[ -z "$fraction" ] || in_unit_interval "$fraction" || bad "--fraction must be a number in (0, 1]"
for tool in bfpo-coordinator bfpo-worker; do
    [ -x "$bin/$tool" ] || bad "$bin/$tool not found; build first (swift build -c release)"
done
command -v setsid > /dev/null || bad "needs setsid (util-linux) to end every process of a run"
bin=$(cd "$bin" && pwd)
recipe="$here/recipes/bfpo-tiny.yaml"
data="$here/data/safety-benchmark/train.jsonl"
[ -f "$recipe" ] && [ -f "$data" ] || bad "$recipe or $data is missing"
[ -n "$out" ] || out="runs/compression-$(date +%Y%m%d-%H%M%S)"
[ ! -e "$out" ] || bad "$out exists already; choose another --out"
mkdir -p "$out"
out=$(cd "$out" && pwd)

# The run in progress: cluster/local.sh, started by setsid as the leader of a process group (and session)
# of its own that holds its coordinator, workers and log follower; empty when none runs.
current=""

# stop_run: ends the run in progress. SIGTERM to local.sh, which passes it to the coordinator (which
# writes a checkpoint and tells the workers to stop); after 30 s, or once local.sh has exited, TERM and
# then KILL to whatever is left in its process group.
stop_run() {
    [ -n "$current" ] || return 0
    local group="$current"
    current=""
    if kill -0 "$group" 2> /dev/null; then
        kill -TERM "$group" 2> /dev/null || true
        for _ in $(seq 1 300); do kill -0 "$group" 2> /dev/null || break; sleep 0.1; done
    fi
    if kill -0 -- "-$group" 2> /dev/null; then
        kill -TERM -- "-$group" 2> /dev/null || true
        for _ in $(seq 1 50); do kill -0 -- "-$group" 2> /dev/null || break; sleep 0.1; done
        kill -KILL -- "-$group" 2> /dev/null || true
    fi
    wait "$group" 2> /dev/null || true
}
trap stop_run EXIT
trap 'echo "compression.sh: stopped; the runs so far are in $out" >&2; exit 130' INT
trap 'echo "compression.sh: stopped; the runs so far are in $out" >&2; exit 143' TERM

# free_port: a port below Linux's ephemeral range that no socket on this machine uses now.
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 12768))
        if command -v ss > /dev/null; then
            [ -n "$(ss -Htan "sport = :$port" 2> /dev/null)" ] || { echo "$port"; return 0; }
        elif ! (exec 3<> "/dev/tcp/127.0.0.1/$port") 2> /dev/null; then
            echo "$port"; return 0
        fi
    done
    return 1
}

# failed WHAT LOG…: says which run failed, shows the last lines of its logs and exits 1.
failed() {
    echo "compression.sh: $1; the last lines of its logs:" >&2
    shift
    tail -n 20 "$@" >&2 || true
    exit 1
}

# metric KEY METRICS: metrics.jsonl's values of KEY, one a line, in step order.
metric() {
    grep -o "\"$1\":[-0-9.eE+]*" "$2" | cut -d: -f2
}

# mean [SKIP] [LAST]: the mean of the numbers on stdin after the first SKIP, of the last LAST only when
# LAST > 0; "n/a" when there are none.
mean() {
    awk -v skip="${1:-0}" -v last="${2:-0}" 'NR > skip { v[++n] = $1 }
        END { from = (last > 0 && n > last) ? n - last + 1 : 1; s = 0
              for (i = from; i <= n; i++) s += v[i]
              if (n >= from && n > 0) printf "%.4f", s / (n - from + 1); else print "n/a" }'
}

echo "compression.sh: making the model of make demo in $out/model" >&2
"$bin/bfpo-worker" init --layers 4 --heads 4 --embd 128 --vocab 260 --positions 256 --eos-token-id 256 \
    --bos-token-id 256 --seed 0 --out "$out/model" > "$out/model.log" 2>&1 \
    && "$bin/bfpo-worker" make-tokenizer --out "$out/model" >> "$out/model.log" 2>&1 \
    || failed "making the model failed" "$out/model.log"

overrides=(--set "model=$out/model" --set "num_train_epochs=$epochs")
[ -z "$fraction" ] || overrides+=(--set "dataset_mixer={\"$data\": $fraction}")

declare -A steps_of final_loss_of accuracy_of mean_loss_of sent_of received_of bytes_of rate_of
blas=""
count=$(echo $settings | wc -w) index=0
for setting in $settings; do
    index=$((index + 1))
    dir="$out/run-${setting//:/-}"
    port=$(free_port) || { echo "compression.sh: no free port found between 20000 and 32767" >&2; exit 1; }
    started=$(date +%s)
    echo "compression.sh: [$index/$count] compression=$setting, port $port, run directory $dir" >&2
    setsid "$here/cluster/local.sh" --workers 2 --recipe "$recipe" --run-dir "$dir" --port "$port" --threads 1 \
        --bin "$bin" -- "${overrides[@]}" --set "compression=$setting" --set workers_expected=2 \
        > "$out/run-${setting//:/-}.log" 2>&1 &
    current=$!
    status=0
    wait "$current" || status=$?
    stop_run
    [ "$status" -eq 0 ] || failed "the run with compression=$setting failed (status $status)" \
        "$out/run-${setting//:/-}.log" "$dir"/logs/worker-*.log
    coordinator_log="$dir/logs/coordinator.log"
    summary=$(sed -n 's/.*this process trained \([0-9]*\) steps (\([0-9]*\) tokens).*/\1 \2/p' "$coordinator_log" | tail -1)
    [ -n "$summary" ] || failed "the run with compression=$setting did not finish training" "$coordinator_log"
    read -r steps tokens <<< "$summary"
    metrics="$dir/metrics.jsonl"
    steps_of[$setting]=$steps
    final_loss_of[$setting]=$(metric loss "$metrics" | mean 0 20)
    accuracy_of[$setting]=$(metric 'rewards/accuracies' "$metrics" | mean 0 20)
    mean_loss_of[$setting]=$(metric loss "$metrics" | mean)
    rate_of[$setting]=$(metric tokens_per_second "$metrics" | mean 1 | awk '$1 != "n/a" { printf "%.0f", $1; next } { print }')
    # "payload sent A MB, received B MB" from each worker, summed: sent MB, received MB, bytes per token;
    # n/a unless both workers logged it.
    read -r sent_of[$setting] received_of[$setting] bytes_of[$setting] <<< "$(sed -n \
        's/.*worker summary: .*payload sent \([0-9.]*\) MB, received \([0-9.]*\) MB.*/\1 \2/p' "$dir"/logs/worker-*.log \
        | awk -v tokens="$tokens" '{ sent += $1; received += $2; n++ }
            END { if (n == 2 && tokens > 0) printf "%.1f %.1f %.0f\n", sent, received, (sent + received) * 1e6 / tokens
                  else print "n/a n/a n/a" }')"
    core=$(grep -ho 'BLAS core: .*' "$dir"/logs/worker-*.log | sort -u | paste -sd ';' -)
    case ";$blas;" in *";$core;"*) ;; *) blas="${blas:+$blas;}$core" ;; esac
    echo "compression.sh: [$index/$count] compression=$setting: $steps steps, $tokens tokens in $(($(date +%s) - started)) s" >&2
done

echo "machine: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(nproc) cores"
echo
echo "| setting | steps | final loss (last 20 steps) | reward accuracy (last 20 steps) | mean loss (all steps) | payload sent / received, MB | payload bytes/token | vs none | tokens/s |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|"
for setting in $settings; do
    ratio=n/a
    if [ -n "${bytes_of[none]:-}" ] && [ "${bytes_of[none]}" != n/a ] && [ "${bytes_of[$setting]}" != n/a ]; then
        ratio=$(awk -v a="${bytes_of[$setting]}" -v b="${bytes_of[none]}" 'BEGIN { printf "%.3fx", (b > 0 ? a / b : 0) }')
    fi
    echo "| \`$setting\` | ${steps_of[$setting]} | ${final_loss_of[$setting]} | ${accuracy_of[$setting]} | ${mean_loss_of[$setting]} | ${sent_of[$setting]} / ${received_of[$setting]} | ${bytes_of[$setting]} | $ratio | ${rate_of[$setting]} |"
done
echo
echo "Payload bytes: tensor frames the 2 workers sent and received (headers not counted), the reference pass"
echo "included, over the tokens trained. tokens/s: the mean over the steps after the first, on loopback."
echo "workers' ${blas:-BLAS core: not logged}"
first_steps=""
for setting in $settings; do
    [ -n "$first_steps" ] || first_steps=${steps_of[$setting]}
    [ "${steps_of[$setting]}" = "$first_steps" ] \
        || echo "compression.sh: warning: the runs trained different numbers of steps" >&2
    [ "${steps_of[$setting]}" -ge 200 ] \
        || echo "compression.sh: warning: compression=$setting trained ${steps_of[$setting]} steps, fewer than 200" >&2
done
echo "compression.sh: runs kept in $out" >&2
