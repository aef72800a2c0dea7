#!/bin/sh
# Profiles the Swift BFPO step with perf and prints the time by layer type (bench/perf_breakdown.py).
#
#   bench/profile.sh [CONFIG] [THREADS] [STEPS]      defaults: small 1 3
#
# Needs `perf` (Debian: linux-perf) and a release build of bfpo-bench under $SCRATCH (default .build).
# Samples at $FREQ Hz (default 499) with DWARF call graphs, which follow OpenBLAS and the inlined layer
# functions back to the model; the raw data stays in $SCRATCH/bench-results/perf-CONFIG-THREADS.data.
set -eu
CONFIG=${1:-small}
THREADS=${2:-1}
STEPS=${3:-3}
SCRATCH=${SCRATCH:-.build}
FREQ=${FREQ:-499}
BIN=$(swift build -c release --scratch-path "$SCRATCH" --show-bin-path)/bfpo-bench
OUT=$SCRATCH/bench-results
mkdir -p "$OUT"
DATA=$OUT/perf-$CONFIG-$THREADS.data
perf record -q -F "$FREQ" --call-graph dwarf,16384 -o "$DATA" -- \
    "$BIN" row --config "$CONFIG" --threads "$THREADS" --steps "$STEPS" --warmup 0
perf script -i "$DATA" --inline -F ip,sym,srcline 2>/dev/null | python3 "$(dirname "$0")/perf_breakdown.py" Sources/Shared/Model
