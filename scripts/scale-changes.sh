#!/usr/bin/env bash
# The changing commands on a cluster at size, one after another on fresh redis-server nodes
# (half masters, one replica each): create, add-node (an empty master), rebalance onto it,
# reshard 1000 slots to it, fix (a slot left open as an interrupted move leaves it), and
# del-node --drain of the added master. Each step is timed to its return (every rclust
# command returns only once the cluster converged) and then checked by `rclust check` and
# `redis-cli --cluster check`; the machine's load is printed with each figure.
#
# usage: scripts/scale-changes.sh [TOTAL_NODES]   (default 100)
# env:   NODE_TIMEOUT (ms, default 15000), BASE_PORT (default 12000; bus ports +10000, keep
#        both clear of the test leases), TIMEOUT (s, per command, default 300)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100}
NODE_TIMEOUT=${NODE_TIMEOUT:-15000}
BASE_PORT=${BASE_PORT:-12000}
TIMEOUT=${TIMEOUT:-300}
# shellcheck source=scripts/lib/servers.sh
source scripts/lib/servers.sh

cargo build --release -q
RCLUST=target/release/rclust
WORK=$(mktemp -d)
PORTS=()
ADDRS=()
cleanup() {
    local p
    for p in "${PORTS[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

SEED=127.0.0.1:$BASE_PORT
NEW_PORT=$((BASE_PORT + N))
NEW=127.0.0.1:$NEW_PORT
load() { awk '{print $1}' /proc/loadavg; }

# step NAME CMD...: runs a changing command, then both checks; prints the time and load.
step() {
    local name=$1 t0 t1 l0
    shift
    l0=$(load)
    t0=$(date +%s.%N)
    if ! "$@" >"$WORK/$name.log" 2>&1; then
        echo "$name failed:" >&2
        tail -20 "$WORK/$name.log" >&2
        exit 1
    fi
    t1=$(date +%s.%N)
    "$RCLUST" check "$SEED" -q >"$WORK/$name-check.log" 2>&1 ||
        { echo "rclust check fails after $name:" >&2; cat "$WORK/$name-check.log" >&2; exit 1; }
    redis-cli --cluster check "$SEED" >"$WORK/$name-cli-check.log" 2>&1 || true
    if grep -q '\[ERR\]' "$WORK/$name-cli-check.log" ||
        ! grep -q 'All 16384 slots covered' "$WORK/$name-cli-check.log"; then
        echo "redis-cli --cluster check fails after $name:" >&2
        grep '\[ERR\]\|WARN' "$WORK/$name-cli-check.log" | head >&2
        exit 1
    fi
    printf '%-10s %8.2f s   load %s -> %s\n' "$name" "$(awk "BEGIN{print $t1 - $t0}")" "$l0" "$(load)"
}

echo "# $(uptime)"
echo "# $N redis-server $(redis-server --version | grep -o 'v=[0-9.]*') nodes, node timeout $NODE_TIMEOUT ms"
start_cluster_servers redis-server "$BASE_PORT" "$N" "$NODE_TIMEOUT"
CLUSTER=("${ADDRS[@]}")
sleep 3 # past Redis's start-up delay
step create "$RCLUST" create "${CLUSTER[@]}" --replicas 1 --yes -q --timeout "$TIMEOUT"

start_cluster_servers redis-server "$NEW_PORT" 1 "$NODE_TIMEOUT"
step add-node "$RCLUST" add-node "$NEW" "$SEED" --yes -q --timeout "$TIMEOUT"
step rebalance "$RCLUST" rebalance "$SEED" --use-empty-masters --yes -q --wait "$TIMEOUT"
step reshard "$RCLUST" reshard "$SEED" --from all --to "$NEW" --slots 1000 --yes -q --wait "$TIMEOUT"

# An interrupted move: the new master's lowest slot migrating to the seed, importing there.
new_id=$(redis-cli -p "$NEW_PORT" cluster myid)
seed_id=$(redis-cli -p "$BASE_PORT" cluster myid)
slot=$(redis-cli -p "$NEW_PORT" cluster nodes | awk '/myself/ {split($9, r, "-"); print r[1]}')
redis-cli -p "$NEW_PORT" cluster setslot "$slot" migrating "$seed_id" >/dev/null
redis-cli -p "$BASE_PORT" cluster setslot "$slot" importing "$new_id" >/dev/null
step fix "$RCLUST" fix "$SEED" --yes -q --wait "$TIMEOUT"

step del-node "$RCLUST" del-node "$SEED" "$NEW" --drain --yes -q --timeout "$TIMEOUT"
echo "# $(uptime)"
