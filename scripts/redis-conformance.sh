#!/usr/bin/env bash
# Runs Redis's own Tcl test suite (from a Redis source tree, e.g. tag 7.0.15) file by file
# against redis-server (the control) and against rclust-node, each file on a fresh server,
# and prints passes per file, node vs redis-server, and their ratio.
#
#   scripts/redis-conformance.sh /path/to/redis-src [unit/file ...]
#
# Environment:
#   NODE_BIN        rclust-node to test (default: target/debug/rclust-node)
#   REDIS_BIN       control server (default: redis-server on PATH)
#   PORT            first port to use (default 21300; port+10000 must be free too)
#   FILE_TIMEOUT    seconds one file may take on one server before it is stopped (600)
#   OUT             directory for logs and per-file test lists (default: a temp dir)
#   CLUSTER=1       also run the node with cluster-enabled yes (runtest --cluster-mode)
#   REUSE_REDIS=1   take redis-server's results from an earlier run in the same $OUT
#                   (its per-file lists) instead of running redis-server again
#
# A file that does not finish, or whose server died, is marked in the table: a node that
# crashes or hangs on some client input is a failure of its own, not just lost passes.
# Tests that pass on redis-server but not on the node are listed in $OUT/missing-<file>.txt.
set -u

src=${1:?usage: redis-conformance.sh REDIS_SRC [unit/file ...]}
shift
src=$(cd "$src" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
node_bin=${NODE_BIN:-$here/target/debug/rclust-node}
redis_bin=${REDIS_BIN:-$(command -v redis-server)}
port=${PORT:-21300}
file_timeout=${FILE_TIMEOUT:-600}
out=${OUT:-$(mktemp -d /tmp/redis-conformance.XXXXXX)}
mkdir -p "$out"

if [ $# -gt 0 ]; then
    files=("$@")
else
    # The files issue #12 sets the goal on (pubsubshard and scripting can be named).
    files=(type/hash type/incr type/list type/list-2 type/list-3 type/set type/string
        type/zset type/stream type/stream-cgroups expire multi keyspace dump scan protocol
        info-command other pubsub)
fi

[ -x "$node_bin" ] || { echo "redis-conformance: no node binary at $node_bin (cargo build first)" >&2; exit 2; }
[ -n "$redis_bin" ] || { echo "redis-conformance: redis-server not found" >&2; exit 2; }
command -v tclsh >/dev/null || { echo "redis-conformance: tclsh not found" >&2; exit 2; }

if redis-cli -p "$port" ping >/dev/null 2>&1; then
    echo "redis-conformance: something already listens on port $port (set PORT)" >&2
    exit 2
fi

server_pid=
stop_server() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
        server_pid=
    fi
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

# start_server KIND DIR: starts redis-server or the node on $port in DIR.
start_server() {
    local kind=$1 dir=$2
    rm -rf "$dir" && mkdir -p "$dir"
    case $kind in
        redis) "$redis_bin" --port "$port" --bind 127.0.0.1 --dir "$dir" --save '' \
                   --appendonly no >"$dir/server.log" 2>&1 &;;
        node) "$node_bin" --port "$port" --bind 127.0.0.1 --dir "$dir" --cluster-enabled no \
                   >"$dir/server.log" 2>&1 &;;
        node-cluster) "$node_bin" --port "$port" --bind 127.0.0.1 --dir "$dir" \
                   --cluster-enabled yes >"$dir/server.log" 2>&1 &;;
    esac
    server_pid=$!
    for _ in $(seq 100); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.1
    done
    if [ "$kind" = node-cluster ]; then
        redis-cli -p "$port" cluster addslotsrange 0 16383 >/dev/null
        for _ in $(seq 100); do
            redis-cli -p "$port" cluster info | grep -q cluster_state:ok && break
            sleep 0.1
        done
    fi
}

# run_file KIND FILE: sets $passes_n and $status_s and leaves the log in $out. It runs in
# this shell (not a subshell) so that the EXIT trap can always stop the server it started.
run_file() {
    local kind=$1 file=$2 name=${2//\//-}
    local log=$out/$kind-$name.log
    start_server "$kind" "$out/data-$kind"
    local extra=()
    [ "$kind" = node-cluster ] && extra=(--cluster-mode)
    (cd "$src" && timeout "$file_timeout" ./runtest --host 127.0.0.1 --port "$port" --singledb \
        --tags -needs:debug "${extra[@]}" --single "unit/$file" >"$log" 2>&1)
    local rc=$? status=done
    [ $rc -eq 124 ] && status=timeout
    if ! kill -0 "$server_pid" 2>/dev/null; then
        status=crashed
    elif ! timeout 5 redis-cli -p "$port" ping >/dev/null 2>&1; then
        status=hung
    fi
    stop_server
    # runtest colours its output when it thinks it has a terminal.
    sed -i 's/\x1b\[[0-9;]*m//g' "$log"
    grep -a '^\[ok\]:' "$log" | sed -e 's/^\[ok\]: //' -e 's/ ([0-9]* ms)$//' | sort -u \
        >"$out/$kind-$name.ok"
    if [ $status = done ] && ! grep -q 'All tests passed\|following tests failed' "$log"; then
        status=aborted
    fi
    passes_n=$(wc -l <"$out/$kind-$name.ok")
    status_s=$status
}

kinds=(redis node)
[ "${REUSE_REDIS:-0}" = 1 ] && kinds=(node)
[ "${CLUSTER:-0}" = 1 ] && kinds+=(node-cluster)

declare -A total
printf '%-22s %8s %8s %6s  %s\n' file redis node ratio "node status"
for file in "${files[@]}"; do
    [ -f "$src/tests/unit/$file.tcl" ] || { echo "redis-conformance: no test file unit/$file" >&2; continue; }
    declare -A passes=() states=()
    name=${file//\//-}
    if [ "${REUSE_REDIS:-0}" = 1 ]; then
        [ -f "$out/redis-$name.ok" ] || { echo "redis-conformance: no earlier redis-server result for $file in $out" >&2; continue; }
        passes[redis]=$(wc -l <"$out/redis-$name.ok")
        states[redis]=done
        total[redis]=$(( ${total[redis]:-0} + passes[redis] ))
    fi
    for kind in "${kinds[@]}"; do
        run_file "$kind" "$file"
        passes[$kind]=$passes_n
        states[$kind]=$status_s
        total[$kind]=$(( ${total[$kind]:-0} + passes_n ))
    done
    comm -23 "$out/redis-$name.ok" "$out/node-$name.ok" >"$out/missing-$name.txt"
    ratio=$(awk -v a="${passes[node]}" -v b="${passes[redis]}" 'BEGIN { printf "%.2f", b ? a / b : 1 }')
    line=$(printf '%-22s %8s %8s %6s  %s' "$file" "${passes[redis]}" "${passes[node]}" "$ratio" "${states[node]}")
    [ "${CLUSTER:-0}" = 1 ] && line+=" (cluster: ${passes[node-cluster]} ${states[node-cluster]})"
    [ "${states[redis]}" != done ] && line+=" [redis-server: ${states[redis]}]"
    echo "$line"
done
ratio=$(awk -v a="${total[node]:-0}" -v b="${total[redis]:-0}" 'BEGIN { printf "%.3f", b ? a / b : 1 }')
printf '%-22s %8s %8s %6s\n' total "${total[redis]:-0}" "${total[node]:-0}" "$ratio"
[ "${CLUSTER:-0}" = 1 ] && echo "cluster mode total: ${total[node-cluster]:-0}"
echo "logs and the tests the node misses: $out"
