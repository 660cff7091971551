#!/usr/bin/env bash
# rclust against redis-cli --cluster at production size, in the same run: create, check and
# rebalance on clusters of fresh redis-server nodes (half masters, one replica each).
#
#   create    time from the tool's start to full convergence (cluster_state:ok everywhere,
#             every view identical, nobody flagged, every replica's link up). rclust create
#             returns only then; after redis-cli's create the clock runs until
#             `rclust check --wait` first sees that state.
#   check     wall, CPU (user+sys) and peak memory of one `redis-cli --cluster check` and of
#             `rclust check` / `nodes` / `info` on the same healthy cluster (median of runs).
#   rebalance one empty master joined (each tool its own add-node), then
#             `rebalance --use-empty-masters` until converged.
#
# Only one cluster runs at a time, so neither tool competes with the other's nodes.
# usage: scripts/bench-scale.sh [TOTAL_NODES...]   (default: 50 100 200)
# env:   NODE_TIMEOUT (ms, default 15000), BASE_PORT (default 12000; bus ports +10000, keep
#        both clear of the test leases 20000-22767 / 30000-32767), RUNS (check runs, default 5),
#        TIMEOUT (s, per create, default 300), SERVER (the node binary: redis-server, or
#        valkey-server for Valkey 9; default redis-server)
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_TIMEOUT=${NODE_TIMEOUT:-15000}
BASE_PORT=${BASE_PORT:-12000}
RUNS=${RUNS:-5}
TIMEOUT=${TIMEOUT:-300}
SERVER=${SERVER:-redis-server}
SIZES=("${@:-50 100 200}")
read -r -a SIZES <<<"${SIZES[*]}"

cargo build --release -q
RCLUST=target/release/rclust
WORK=$(mktemp -d)
PIDS=()

stop_nodes() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
    done
    PIDS=()
}
trap 'stop_nodes; rm -rf "$WORK"' EXIT

start_nodes() { # first count
    local first=$1 count=$2 p
    for ((p = first; p < first + count; p++)); do
        # A fresh directory each time: the second tool's nodes run on the same ports and
        # must not load the first cluster's nodes.conf.
        rm -rf "${WORK:?}/$p"
        mkdir -p "$WORK/$p"
        "$SERVER" --port "$p" --bind 127.0.0.1 --dir "$WORK/$p" --cluster-enabled yes \
            --cluster-node-timeout "$NODE_TIMEOUT" --save "" --appendonly no --daemonize yes \
            --pidfile "$WORK/$p/pid" --logfile "$WORK/$p/log" >/dev/null
    done
    for ((p = first; p < first + count; p++)); do
        until [ -s "$WORK/$p/pid" ] && redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.05; done
        PIDS+=("$(cat "$WORK/$p/pid")")
    done
}
addrs() { local p; for ((p = $1; p < $1 + $2; p++)); do printf '127.0.0.1:%d ' "$p"; done; }
now() { date +%s.%N; }
ratio() { awk "BEGIN{ if ($2 > 0) printf \"%.2fx\", $1 / $2; else print \"-\" }"; }

# Median wall (s), CPU (s) and peak RSS (MB) of RUNS runs of a command.
measure() {
    local i
    for ((i = 0; i < RUNS; i++)); do
        /usr/bin/time -f '%e %U %S %M' -o "$WORK/time" "$@" >/dev/null 2>&1 || true
        awk '{printf "%.3f %.3f %.1f\n", $1, $2 + $3, $4 / 1024}' "$WORK/time"
    done | sort -n | awk -v n="$RUNS" 'NR == int((n + 1) / 2) {print}'
}

# Waits until the cluster seeded at port $1 is fully converged; prints the time it is first seen.
converged_at() {
    "$RCLUST" check "127.0.0.1:$1" --wait "$TIMEOUT" -q >/dev/null
    now
}

echo "# $(uptime)"
echo "# $SERVER $("$SERVER" --version | grep -o 'v=[0-9.]*'), node timeout ${NODE_TIMEOUT} ms"
CREATE=() CHECK=() REBAL=()
for n in "${SIZES[@]}"; do
    masters=$((n / 2))
    a=$BASE_PORT
    extra=$((a + n))

    # redis-cli's cluster.
    start_nodes "$a" "$n"
    sleep 3 # past Redis's start-up delay before the clock starts
    t0=$(now)
    redis-cli --cluster create $(addrs "$a" "$n") --cluster-replicas 1 --cluster-yes >"$WORK/cli-create-$n.log" 2>&1
    t_exit=$(now)
    t1=$(converged_at "$a")
    cli_create=$(awk "BEGIN{print $t1 - $t0}")
    cli_exit=$(awk "BEGIN{print $t_exit - $t0}")

    read -r cli_w cli_c cli_m < <(measure redis-cli --cluster check "127.0.0.1:$a")
    read -r chk_w chk_c chk_m < <(measure "$RCLUST" check "127.0.0.1:$a")
    read -r nod_w nod_c nod_m < <(measure "$RCLUST" nodes "127.0.0.1:$a")
    read -r inf_w inf_c inf_m < <(measure "$RCLUST" info "127.0.0.1:$a")

    start_nodes "$extra" 1
    redis-cli --cluster add-node "127.0.0.1:$extra" "127.0.0.1:$a" >"$WORK/cli-add-$n.log" 2>&1
    "$RCLUST" check "127.0.0.1:$a" --wait "$TIMEOUT" -q >/dev/null || true
    t0=$(now)
    redis-cli --cluster rebalance "127.0.0.1:$a" --cluster-use-empty-masters >"$WORK/cli-rebalance-$n.log" 2>&1 ||
        { echo "redis-cli rebalance on $n nodes exited $?:"; tail -5 "$WORK/cli-rebalance-$n.log"; } >&2
    t1=$(converged_at "$a")
    cli_rebal=$(awk "BEGIN{print $t1 - $t0}")
    stop_nodes

    # rclust's cluster, on the same ports once the first is gone.
    start_nodes "$a" "$n"
    sleep 3
    t0=$(now)
    /usr/bin/time -f '%U %S %M' -o "$WORK/create-time" \
        "$RCLUST" create $(addrs "$a" "$n") --replicas 1 --yes -q --timeout "$TIMEOUT" >"$WORK/create-$n.log" 2>&1 ||
        { echo "rclust create of $n nodes failed:" >&2; cat "$WORK/create-$n.log" >&2; exit 1; }
    t1=$(now)
    ours_create=$(awk "BEGIN{print $t1 - $t0}")
    read -r cr_c cr_m < <(awk '{printf "%.2f %.1f\n", $1 + $2, $3 / 1024}' "$WORK/create-time")
    redis-cli --cluster check "127.0.0.1:$a" >"$WORK/cli-check-ours-$n.log" 2>&1 ||
        { echo "redis-cli check fails on rclust's $n-node cluster" >&2; exit 1; }
    "$RCLUST" check "127.0.0.1:$a" -q >/dev/null ||
        { echo "rclust's $n-node cluster is not healthy right after create" >&2; exit 1; }

    start_nodes "$extra" 1
    "$RCLUST" add-node "127.0.0.1:$extra" "127.0.0.1:$a" --yes -q >/dev/null
    t0=$(now)
    "$RCLUST" rebalance "127.0.0.1:$a" --use-empty-masters --yes -q >/dev/null
    t1=$(now)
    ours_rebal=$(awk "BEGIN{print $t1 - $t0}")
    stop_nodes

    CREATE+=("$(printf '%-8s %9.2f %12.2f %9.2f %7s %9s %9s' "${masters}m+${masters}r" "$cli_exit" "$cli_create" "$ours_create" "$(ratio "$ours_create" "$cli_create")" "$cr_c" "$cr_m")")
    CHECK+=("$(printf '%-8s %8.3f %8.3f %8.3f %7s %7.3f %7.3f %7s %6.1f %6.1f %8.3f %8.3f' "$n" "$cli_w" "$chk_w" "$nod_w" "$(ratio "$chk_w" "$cli_w")" "$cli_c" "$chk_c" "$(ratio "$chk_c" "$cli_c")" "$cli_m" "$chk_m" "$inf_w" "$inf_c")")
    REBAL+=("$(printf '%-8s %12.2f %10.2f %7s' "$n" "$cli_rebal" "$ours_rebal" "$(ratio "$ours_rebal" "$cli_rebal")")")
done

echo
echo "create (s; redis-cli exit, then until converged; rclust returns converged)"
printf '%-8s %9s %12s %9s %7s %9s %9s\n' cluster cli-exit cli-converged rclust ratio "cpu(s)" "rss(MB)"
printf '%s\n' "${CREATE[@]}"
echo
echo "check on the same healthy cluster (median of $RUNS; wall s, cpu s, peak MB)"
printf '%-8s %8s %8s %8s %7s %7s %7s %7s %6s %6s %8s %8s\n' nodes cli-wall check nodes ratio cli-cpu cpu ratio cli-MB MB info info-cpu
printf '%s\n' "${CHECK[@]}"
echo
echo "rebalance onto one new empty master, until converged (s)"
printf '%-8s %12s %10s %7s\n' nodes redis-cli rclust ratio
printf '%s\n' "${REBAL[@]}"
echo "# $(uptime)"
