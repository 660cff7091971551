#!/usr/bin/env bash
# Slot-move throughput of `redis-cli --cluster reshard` (default pipeline and a larger one)
# and `rclust reshard`, each on its own identical cluster: MASTERS fresh redis-server masters
# loaded with the same KEYS keys of VALUE bytes (scripts/load-keys.py), then SLOTS slots
# moved from all the others to one master, ROUNDS times (to master 1, 2, ...), the tools
# taking turns within each round so that they share the machine's ups and downs. Prints
# each move, then per tool the total keys over the total wall time and the ratios; fails if
# any key was lost (DBSIZE totals) or a cluster is not healthy after a move.
#
# usage: scripts/bench-reshard.sh
# env:   KEYS (400000), VALUE (64), SLOTS (2000), MASTERS (3), ROUNDS (3), CLI_PIPELINE (100),
#        BASE_PORT (16000; bus ports +10000, below the tests' 20000-22767)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/servers.sh
source scripts/lib/servers.sh
KEYS=${KEYS:-400000}
VALUE=${VALUE:-64}
SLOTS=${SLOTS:-2000}
MASTERS=${MASTERS:-3}
ROUNDS=${ROUNDS:-3}
CLI_PIPELINE=${CLI_PIPELINE:-100}
BASE_PORT=${BASE_PORT:-16000}

cargo build --release -q
RCLUST=target/release/rclust
WORK=$(mktemp -d)
PORTS=()
cleanup() {
    for p in "${PORTS[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT

# Starts a cluster of $MASTERS masters from port $1 and loads the keys.
make_cluster() {
    local first=$1
    ADDRS=()
    start_cluster_servers redis-server "$first" "$MASTERS" 5000
    "$RCLUST" create "${ADDRS[@]}" --yes -q >/dev/null
    python3 scripts/load-keys.py "127.0.0.1:$first" "$KEYS" "$VALUE"
    [[ $(total "$first") == "$KEYS" ]] || { echo "loading $KEYS keys failed" >&2; exit 1; }
}
total() { local p t=0; for ((p = $1; p < $1 + MASTERS; p++)); do t=$((t + $(redis-cli -p "$p" dbsize))); done; echo "$t"; }
now() { date +%s.%N; }

# Runs "$@" against the cluster at $first, moving slots to the master at $to; prints a row
# and adds to the tool's totals.
declare -A SECS KEYSMOVED
measure() {
    local label=$1 first=$2 to=$3; shift 3
    local before after t0 t1 secs moved
    before=$(redis-cli -p "$to" dbsize)
    t0=$(now)
    "$@" >"$WORK/$label.log" 2>&1 || { echo "$label failed:" >&2; tail -5 "$WORK/$label.log" >&2; exit 1; }
    t1=$(now)
    after=$(redis-cli -p "$to" dbsize)
    secs=$(awk "BEGIN{print $t1 - $t0}")
    moved=$((after - before))
    [[ $(total "$first") == "$KEYS" ]] || { echo "$label: keys lost: $(total "$first") of $KEYS" >&2; exit 1; }
    "$RCLUST" check "127.0.0.1:$first" --wait 30 -q >/dev/null || { echo "$label: cluster not healthy afterwards" >&2; exit 1; }
    redis-cli --cluster check "127.0.0.1:$first" >/dev/null || { echo "$label: redis-cli check failed" >&2; exit 1; }
    SECS[$label]=$(awk "BEGIN{print ${SECS[$label]:-0} + $secs}")
    KEYSMOVED[$label]=$(( ${KEYSMOVED[$label]:-0} + moved ))
    printf '%-34s %8.2f %10d %10.0f\n' "$label" "$secs" "$moved" "$(awk "BEGIN{print $moved / $secs}")"
}

A=$BASE_PORT; B=$((BASE_PORT + MASTERS)); C=$((BASE_PORT + 2 * MASTERS))
make_cluster "$A"; make_cluster "$B"; make_cluster "$C"
echo "$MASTERS masters, $KEYS keys of $VALUE bytes each; $ROUNDS rounds of $SLOTS slots moved from all the others to one master"
printf '%-34s %8s %10s %10s\n' "tool" "secs" "keys" "keys/s"
cli() { local first=$1 to=$2; shift 2; redis-cli --cluster reshard "127.0.0.1:$first" --cluster-from all \
    --cluster-to "$(redis-cli -p "$to" cluster myid)" --cluster-slots "$SLOTS" --cluster-yes "$@"; }
DEF="redis-cli (pipeline 10, default)"; BEST="redis-cli (pipeline $CLI_PIPELINE)"; OURS="rclust reshard"
for ((r = 0; r < ROUNDS; r++)); do
    i=$((r % MASTERS))
    measure "$DEF" "$A" $((A + i)) cli "$A" $((A + i))
    measure "$BEST" "$B" $((B + i)) cli "$B" $((B + i)) --cluster-pipeline "$CLI_PIPELINE"
    measure "$OURS" "$C" $((C + i)) "$RCLUST" reshard "127.0.0.1:$C" --from all --to "127.0.0.1:$((C + i))" --slots "$SLOTS" --yes
done
rate() { awk "BEGIN{print ${KEYSMOVED[$1]} / ${SECS[$1]}}"; }
echo "totals over $ROUNDS rounds:"
for t in "$DEF" "$BEST" "$OURS"; do
    printf '%-34s %8.2f %10d %10.0f\n' "$t" "${SECS[$t]}" "${KEYSMOVED[$t]}" "$(rate "$t")"
done
d=$(rate "$DEF"); b=$(rate "$BEST"); o=$(rate "$OURS")
best=$(awk "BEGIN{print ($b > $d) ? $b : $d}")
echo "rclust / redis-cli default: $(awk "BEGIN{printf \"%.1fx\", $o / $d}");" \
    "rclust / redis-cli best: $(awk "BEGIN{printf \"%.1fx\", $o / $best}"); no key lost."
