# Keys (CurveZMQ, docs/security.md). setup_keys makes the coordinator's key pair in RUN_DIR/keys/; admit
# makes a worker's or server's pair there and appends its public key to RUN_DIR/keys/allowed_keys, the
# coordinator's allowlist. Pairs already there are kept, so a resumed run keeps its keys. With --insecure
# none of this happens and every process gets --insecure instead. Sourced by common.sh for the launchers,
# and by the benchmark scripts that start processes themselves.

# setup_keys BIN RUN_DIR INSECURE(0|1): sets `coordinator_security`, the coordinator's security flags.
setup_keys() {
    keys_bin="$1" keys_dir="$2/keys" insecure="$3"
    coordinator_security=()
    if [ "$insecure" = 1 ]; then coordinator_security=(--insecure); return; fi
    mkdir -p "$keys_dir"
    "$keys_bin/bfpo-worker" keygen --out "$keys_dir/coordinator" > /dev/null \
        || { echo "$(basename "$0"): cannot make the coordinator's keys in $keys_dir" >&2; exit 1; }
    touch "$keys_dir/allowed_keys"
}

# admit NAME: sets `peer_security`, the security flags of a process named NAME on this machine (its key
# pair, admitted, and the coordinator's public key).
admit() {
    peer_security=(--insecure)
    [ "$insecure" = 1 ] && return
    local line
    line=$("$keys_bin/bfpo-worker" keygen --out "$keys_dir/$1" --label "$1" 2> /dev/null) \
        || { echo "$(basename "$0"): cannot make keys for $1 in $keys_dir" >&2; exit 1; }
    grep -qxF -e "$line" "$keys_dir/allowed_keys" || echo "$line" >> "$keys_dir/allowed_keys"
    peer_security=(--key "$keys_dir/$1.key" --coordinator-key "$keys_dir/coordinator.pub")
}

# secret_key NAME: the Z85 secret key of NAME's pair (for a launcher that hands it to another host).
secret_key() { grep -v '^#' "$keys_dir/$1.key"; }
