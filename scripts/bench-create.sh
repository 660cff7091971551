#!/usr/bin/env bash
# Time to full convergence of `redis-cli --cluster create` and `rclust create` on identical
# sets of fresh redis-server nodes, in the same run. Full convergence is what `rclust create`
# waits for (and `rclust check --wait` polls): cluster_state:ok everywhere, every view
# identical, no flagged node, every replica's link up. For redis-cli the clock runs from its
# start until `rclust check --wait` first sees that state.
#
# usage: scripts/bench-create.sh [SIZES...]   (default: "3" "30": masters, each with 1 replica)
# env:   NODE_TIMEOUT (ms, default 5000), BASE_PORT (default 15000; bus ports +10000)
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_TIMEOUT=${NODE_TIMEOUT:-5000}
BASE_PORT=${BASE_PORT:-15000}
SIZES=("${@:-3 30}")
read -r -a SIZES <<<"${SIZES[*]}"

cargo build --release -q
RCLUST=target/release/rclust
WORK=$(mktemp -d)
trap 'pkill -f "redis-server 127.0.0.1:1[5-9][0-9][0-9][0-9]" 2>/dev/null || true; sleep 0.5; rm -rf "$WORK" 2>/dev/null || true' EXIT

start_nodes() { # first count
    local first=$1 count=$2 p
    for ((p = first; p < first + count; p++)); do
        mkdir -p "$WORK/$p"
        redis-server --port "$p" --bind 127.0.0.1 --dir "$WORK/$p" --cluster-enabled yes \
            --cluster-node-timeout "$NODE_TIMEOUT" --save "" --appendonly no --daemonize yes \
            --logfile "$WORK/$p/log" >/dev/null
    done
    for ((p = first; p < first + count; p++)); do
        until redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.05; done
    done
}
addrs() { local p; for ((p = $1; p < $1 + $2; p++)); do printf '127.0.0.1:%d ' "$p"; done; }
now() { date +%s.%N; }

printf '%-10s %14s %14s %8s\n' "cluster" "redis-cli (s)" "rclust (s)" "ratio"
port=$BASE_PORT
for masters in "${SIZES[@]}"; do
    n=$((masters * 2))
    a=$port; b=$((port + n)); port=$((port + 2 * n))
    start_nodes "$a" "$n"
    start_nodes "$b" "$n"
    # Both sets are past Redis's 2 s start-up delay before the clock starts.
    sleep 2.5

    t0=$(now)
    redis-cli --cluster create $(addrs "$a" "$n") --cluster-replicas 1 --cluster-yes >"$WORK/cli-$masters.log" 2>&1
    "$RCLUST" check "127.0.0.1:$a" --wait 120 -q >/dev/null
    t1=$(now)
    cli=$(awk "BEGIN{print $t1 - $t0}")

    t0=$(now)
    "$RCLUST" create $(addrs "$b" "$n") --replicas 1 --yes -q >/dev/null
    t1=$(now)
    ours=$(awk "BEGIN{print $t1 - $t0}")
    "$RCLUST" check "127.0.0.1:$b" -q >/dev/null || { echo "rclust cluster not healthy after create" >&2; exit 1; }
    redis-cli --cluster check "127.0.0.1:$b" >/dev/null || { echo "redis-cli check failed on the rclust cluster" >&2; exit 1; }

    printf '%-10s %14.2f %14.2f %7.2fx\n' "${masters}m+${masters}r" "$cli" "$ours" "$(awk "BEGIN{print $ours / $cli}")"
done
