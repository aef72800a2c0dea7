#!/usr/bin/env bash
# Prints one markdown table comparing models from their `bfpo-worker eval --json` reports: a column per
# model, a row per safety metric (percent of prompts) by log-prob per token and by implicit reward, then the
# generative rates when the reports have them (eval --generate). docs/evaluation.md defines every metric.
#
#   bench/eval_table.sh NAME=REPORT.json [NAME=REPORT.json …]
#
# Reads nothing but the given files (no jq, no Python): each report is the one-line JSON object eval writes.
set -euo pipefail

[ $# -ge 1 ] || { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
names=() files=()
for argument in "$@"; do
    [[ "$argument" == *=* ]] || { echo "eval_table.sh: $argument is not NAME=REPORT.json" >&2; exit 2; }
    names+=("${argument%%=*}") files+=("${argument#*=}")
    [ -r "${files[-1]}" ] || { echo "eval_table.sh: cannot read ${files[-1]}" >&2; exit 2; }
done

# value FILE KEY: the number under KEY in FILE as a percentage with one decimal, or "-" when absent.
value() {
    local raw
    raw=$(grep -o "\"$2\":[-0-9.eE+]*" "$1" | head -n 1 | cut -d: -f2) || true
    if [ -z "$raw" ]; then echo "-"; else awk -v v="$raw" 'BEGIN { printf "%.1f", 100 * v }'; fi
}

row() {
    local label="$1" key="$2" line
    line="| $label |"
    for file in "${files[@]}"; do line+=" $(value "$file" "$key") |"; done
    echo "$line"
}

header="| % of test prompts |" rule="|---|"
for name in "${names[@]}"; do header+=" $name |" rule+="---:|"; done
echo "$header"
echo "$rule"
for score in logp_per_token implicit_reward; do
    label="per token"
    [ "$score" = logp_per_token ] || label="implicit reward"
    row "ranking accuracy ($label)" "eval_safety/ranking_accuracy/$score"
    row "prefers-safe ($label)" "eval_safety/prefers_safe/$score"
    row "helpful-safe on top ($label)" "eval_safety/helpful_safe_on_top/$score"
    row "helpfulness, benign ($label)" "eval_safety/helpfulness/$score"
done
if grep -q '"eval_generate/refusal_rate"' "${files[0]}"; then
    row "generated: refusal on harmful prompts" "eval_generate/refusal_rate"
    row "generated: harmful completions, harmful prompts" "eval_generate/harmful_rate"
    row "generated: over-refusal on benign prompts" "eval_generate/over_refusal_rate"
fi
