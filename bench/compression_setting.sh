# Shell forms of the recipe key `compression` (docs/compression.md), for the benchmarks that take a list
# of settings. Source it.

# in_unit_interval X: X is a decimal number with 0 < X <= 1.
in_unit_interval() {
    [[ "$1" =~ ^([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$ ]] && awk -v x="$1" 'BEGIN { exit !(x > 0 && x <= 1) }'
}

# compression_check VALUE: succeeds when VALUE is a form WireCompression(recipeValue:) accepts (the
# fraction as a plain decimal number); otherwise prints why and fails.
compression_check() {
    local params="${1%%+*}"
    case "$params" in
        none|bf16|topk) ;;
        topk:*) in_unit_interval "${params#topk:}" || { echo "bad fraction in \"$1\" (topk:F needs 0 < F <= 1)"; return 1; } ;;
        *) echo "bad value \"$1\" (none, bf16, topk or topk:F with 0 < F <= 1, each optionally +fp32, +bf16, +int8 or +int4)"
           return 1 ;;
    esac
    [[ "$1" != *+* || "${1#*+}" =~ ^(fp32|bf16|int8|int4)$ ]] \
        || { echo "bad gradient form \"${1#*+}\" in \"$1\" (fp32, bf16, int8 or int4)"; return 1; }
}

# compression_parts VALUE: "PARAMETERS FRACTION GRADIENTS" with the defaults filled in (topk is topk:0.01;
# gradients fp32 under none, bf16 otherwise; the fraction "-" when there is none).
compression_parts() {
    local params="${1%%+*}" fraction=- gradients=""
    [[ "$1" != *+* ]] || gradients="${1#*+}"
    case "$params" in
        topk) fraction=0.01 ;;
        topk:*) fraction="${params#topk:}" params=topk ;;
    esac
    [ -n "$gradients" ] || { [ "$params" = none ] && gradients=fp32 || gradients=bf16; }
    echo "$params $fraction $gradients"
}

# compression_same A B: A and B name the same setting (a worker logs the canonical form: topk:0.01,
# fractions as Doubles, the gradients only where not the default).
compression_same() {
    local a b
    read -r -a a <<< "$(compression_parts "$1")"
    read -r -a b <<< "$(compression_parts "$2")"
    [ "${a[0]}" = "${b[0]}" ] && [ "${a[2]}" = "${b[2]}" ] \
        && awk -v x="${a[1]}" -v y="${b[1]}" 'BEGIN { exit !(x == y || x + 0 == y + 0) }'
}
