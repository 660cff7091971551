#!/usr/bin/env bash
# Slot moves on Valkey 9 (valkey-server on PATH): `redis-cli --cluster reshard` (valkey-cli
# speaks the same protocol), `rclust reshard` (atomic slot migration, the default there) and
# `rclust reshard --key-by-key`, each on its own identical cluster of MASTERS masters with
# one replica each, loaded with the same KEYS keys of VALUE bytes, half of them with a TTL
# (scripts/load-keys.py). SLOTS slots move from all the others to one master, ROUNDS times,
# the tools taking turns within each round. After every move: no key lost (DBSIZE over the
# masters), every TTL kept (INFO keyspace expires=), `rclust check` and `redis-cli --cluster
# check` pass. Prints each move, the totals, the ratios to redis-cli and the load.
#
# usage: scripts/bench-valkey.sh
# env:   KEYS (150000), VALUE (64), SLOTS (2000), MASTERS (3), ROUNDS (3), RCLUST,
#        BASE_PORT (16100; bus ports +10000, below the tests' 20000-22767)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/servers.sh
source scripts/lib/servers.sh
KEYS=${KEYS:-150000}
VALUE=${VALUE:-64}
SLOTS=${SLOTS:-2000}
MASTERS=${MASTERS:-3}
ROUNDS=${ROUNDS:-3}
BASE_PORT=${BASE_PORT:-16100}
NODES=$((2 * MASTERS))

# RCLUST: an rclust binary built beforehand (default: build target/release/rclust now).
if [[ -z ${RCLUST:-} ]]; then
    cargo build --release -q
    RCLUST=target/release/rclust
fi
WORK=$(mktemp -d)
PORTS=()
cleanup() {
    for p in "${PORTS[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# (Returns 0 even when the last node is a replica: with pipefail a failing `masters` in
# `$(masters ... | sed ...)` would end the script silently.)
masters() { local p; for ((p = $1; p < $1 + NODES; p++)); do
    if redis-cli -p "$p" role | head -1 | grep -q master; then echo "$p"; fi; done; }
total() { local p t=0; for p in $(masters "$1"); do t=$((t + $(redis-cli -p "$p" dbsize))); done; echo "$t"; }
expiring() { local p t=0 e; for p in $(masters "$1"); do
    e=$(redis-cli -p "$p" info keyspace | sed -n 's/^db0:.*expires=\([0-9]*\).*/\1/p'); t=$((t + ${e:-0})); done; echo "$t"; }
now() { date +%s.%N; }

# Starts MASTERS masters + MASTERS replicas of valkey-server from port $1, loads the keys.
make_cluster() {
    local first=$1
    ADDRS=()
    start_cluster_servers valkey-server "$first" "$NODES" 5000
    "$RCLUST" create "${ADDRS[@]}" --replicas 1 --yes -q >/dev/null
    python3 scripts/load-keys.py "127.0.0.1:$first" "$KEYS" "$VALUE" 86400
    [[ $(total "$first") == "$KEYS" ]] || { echo "loading $KEYS keys failed" >&2; exit 1; }
}

declare -A SECS
measure() {
    local label=$1 first=$2; shift 2
    local t0 t1 secs
    t0=$(now)
    "$@" >"$WORK/run.log" 2>&1 || { echo "$label failed:" >&2; tail -5 "$WORK/run.log" >&2; exit 1; }
    t1=$(now)
    secs=$(awk "BEGIN{print $t1 - $t0}")
    "$RCLUST" check "127.0.0.1:$first" --wait 30 -q >/dev/null || { echo "$label: cluster not healthy afterwards" >&2; exit 1; }
    [[ $(total "$first") == "$KEYS" ]] || { echo "$label: keys lost: $(total "$first") of $KEYS" >&2; exit 1; }
    [[ $(expiring "$first") == $((KEYS / 2)) ]] || { echo "$label: TTLs lost: $(expiring "$first") of $((KEYS / 2))" >&2; exit 1; }
    redis-cli --cluster check "127.0.0.1:$first" >/dev/null || { echo "$label: redis-cli check failed" >&2; exit 1; }
    SECS[$label]=$(awk "BEGIN{print ${SECS[$label]:-0} + $secs}")
    printf '%-30s %8.2f\n' "$label" "$secs"
}

A=$BASE_PORT; B=$((BASE_PORT + NODES)); C=$((BASE_PORT + 2 * NODES))
make_cluster "$A"; make_cluster "$B"; make_cluster "$C"
echo "$(valkey-server --version | cut -d' ' -f1-3); $MASTERS masters + $MASTERS replicas; $KEYS keys of $VALUE bytes, half with a TTL"
echo "$ROUNDS rounds of $SLOTS slots moved from all the others to one master"
printf '%-30s %8s\n' "tool" "secs"
CLI="redis-cli --cluster reshard"; ATOMIC="rclust reshard (atomic)"; KBK="rclust reshard --key-by-key"
for ((r = 0; r < ROUNDS; r++)); do
    ta=$(masters "$A" | sed -n "$((r % MASTERS + 1))p")
    tb=$(masters "$B" | sed -n "$((r % MASTERS + 1))p")
    tc=$(masters "$C" | sed -n "$((r % MASTERS + 1))p")
    measure "$CLI" "$A" redis-cli --cluster reshard "127.0.0.1:$A" --cluster-from all \
        --cluster-to "$(redis-cli -p "$ta" cluster myid)" --cluster-slots "$SLOTS" --cluster-yes
    measure "$ATOMIC" "$B" "$RCLUST" reshard "127.0.0.1:$B" --from all --to "127.0.0.1:$tb" --slots "$SLOTS" --yes
    measure "$KBK" "$C" "$RCLUST" reshard "127.0.0.1:$C" --from all --to "127.0.0.1:$tc" --slots "$SLOTS" --yes --key-by-key
done
echo "totals over $ROUNDS rounds:"
for t in "$CLI" "$ATOMIC" "$KBK"; do printf '%-30s %8.2f\n' "$t" "${SECS[$t]}"; done
c=${SECS[$CLI]}
echo "rclust atomic: $(awk "BEGIN{printf \"%.3f\", ${SECS[$ATOMIC]} / $c}")x redis-cli's time" \
    "($(awk "BEGIN{printf \"%.0f\", $c / ${SECS[$ATOMIC]}}")x faster);" \
    "rclust --key-by-key: $(awk "BEGIN{printf \"%.1f\", $c / ${SECS[$KBK]}}")x faster; no key or TTL lost."
echo "load: $(uptime)"
