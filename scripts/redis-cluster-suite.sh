#!/usr/bin/env bash
# Runs Redis's own cluster test suite (tests/cluster of a Redis source tree, e.g. tag
# 7.0.15) file by file with redis-server (the control) and with rclust-node standing in
# for it, and prints passes per file, node vs redis-server, and their ratio.
#
#   scripts/redis-cluster-suite.sh /path/to/redis-src [NN-name ...]
#
# The suite starts its 20 instances as ../../../src/redis-server relative to its work
# directory, so each engine gets a scratch copy of the source's tests/ with src/redis-server
# (and src/redis-cli) linked to the program under test. Nothing is written into the source.
#
# Environment:
#   NODE_BIN      rclust-node to test (default: target/release/rclust-node)
#   REDIS_BIN     control server (default: redis-server on PATH)
#   FILE_TIMEOUT  seconds one file may take on one engine before it is stopped (900)
#   OUT           directory for the scratch copies and logs (default: a temp dir)
#   ENGINES       "redis node" (default), or one of them
#
# The suite uses ports 30000-30019 and their bus ports 40000-40019: nothing else may use them.
set -u

src=${1:?usage: redis-cluster-suite.sh REDIS_SRC [NN-name ...]}
shift
src=$(cd "$src" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
node_bin=${NODE_BIN:-$here/target/release/rclust-node}
redis_bin=${REDIS_BIN:-$(command -v redis-server)}
cli_bin=$(command -v redis-cli)
file_timeout=${FILE_TIMEOUT:-900}
out=${OUT:-$(mktemp -d /tmp/redis-cluster-suite.XXXXXX)}
engines=${ENGINES:-redis node}
mkdir -p "$out"

[ -d "$src/tests/cluster/tests" ] || { echo "redis-cluster-suite: no tests/cluster in $src" >&2; exit 2; }
node_bin=$(cd "$(dirname "$node_bin")" 2>/dev/null && pwd)/$(basename "$node_bin")
[ -x "$node_bin" ] || { echo "redis-cluster-suite: no node binary at $node_bin (cargo build --release first)" >&2; exit 2; }
[ -n "$redis_bin" ] && [ -n "$cli_bin" ] || { echo "redis-cluster-suite: redis-server/redis-cli not found" >&2; exit 2; }
command -v tclsh >/dev/null || { echo "redis-cluster-suite: tclsh not found" >&2; exit 2; }
# rclust's own tests lease client ports 20000-22767 with bus ports 10000 above them, so a
# test node on 2000x would take the suite's 3000x: hold those leases (the same per-port lock
# files tests/harness/ports.rs takes) for the whole run.
lease_dir=${TMPDIR:-/tmp}/rclust-test-ports
mkdir -p "$lease_dir"
for p in $(seq 20000 20019); do
    exec {lease_fd}>"$lease_dir/$p.lock"
    flock -w 600 "$lease_fd" || { echo "redis-cluster-suite: test port lease $p is held" >&2; exit 2; }
done
for p in $(seq 30000 30019) $(seq 40000 40019); do
    if ss -Htln "sport = :$p" | grep -q .; then
        echo "redis-cluster-suite: port $p is taken (wait for the tests using it)" >&2
        exit 2
    fi
done
if redis-cli -p 30000 ping >/dev/null 2>&1; then
    echo "redis-cluster-suite: something already listens on port 30000" >&2
    exit 2
fi

if [ $# -gt 0 ]; then
    files=("$@")
else
    files=()
    for f in "$src"/tests/cluster/tests/*.tcl; do
        files+=("$(basename "$f" .tcl)")
    done
fi

# tree ENGINE BIN: a scratch root holding the suite and src/redis-server -> BIN.
tree() {
    local root=$out/$1
    rm -rf "$root"
    mkdir -p "$root/src"
    cp -r "$src/tests" "$root/tests"
    rm -rf "$root/tests/cluster/tmp"
    mkdir -p "$root/tests/cluster/tmp"
    ln -s "$2" "$root/src/redis-server"
    ln -s "$cli_bin" "$root/src/redis-cli"
    echo "$root"
}

# run_file ROOT FILE LOG: runs one file; prints "passed failed status".
run_file() {
    local root=$1 file=$2 log=$3 status=done
    (cd "$root" && timeout --kill-after=10 "$file_timeout" tclsh tests/cluster/run.tcl \
        --single "$file" >"$log" 2>&1)
    local rc=$?
    [ $rc -eq 124 ] || [ $rc -eq 137 ] && status=timeout
    # Instances left behind by a stopped run would take the next file's ports.
    pkill -f "$root/tests/cluster/tmp" 2>/dev/null
    for p in $(seq 30000 30019); do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1; done
    local passed failed
    # Each test prints its name, then OK in green or FAILED in red.
    passed=$(grep -ac $'\e\\[0;32;49mOK' "$log")
    failed=$(grep -ac 'FAILED' "$log")
    # The suite leaves a unit at its first failure: what did not run is not a pass.
    grep -aq 'Jumping to next unit\|couldn.t execute\|while executing' "$log" &&
        [ "$status" = done ] && status=aborted
    echo "$passed $failed $status"
}

declare -A result
for engine in $engines; do
    case $engine in
        redis) bin=$redis_bin ;;
        node) bin=$node_bin ;;
        *) echo "redis-cluster-suite: unknown engine $engine" >&2; exit 2 ;;
    esac
    root=$(tree "$engine" "$bin")
    for f in "${files[@]}"; do
        log=$out/$engine-$f.log
        result[$engine/$f]=$(run_file "$root" "$f" "$log")
        echo "$engine $f: ${result[$engine/$f]}" >&2
    done
done

printf '%-32s %14s %14s %7s\n' file redis-server rclust-node ratio
total_r=0 total_n=0
for f in "${files[@]}"; do
    read -r pr fr sr <<<"${result[redis/$f]:-0 0 -}"
    read -r pn fn sn <<<"${result[node/$f]:-0 0 -}"
    total_r=$((total_r + pr)) total_n=$((total_n + pn))
    ratio=$(awk -v a="$pn" -v b="$pr" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
    note=""
    [ "$sn" != done ] && note=" ($sn)"
    [ "$fn" != 0 ] && note="$note $fn failed"
    printf '%-32s %14s %14s %7s%s\n' "$f" "$pr" "$pn" "$ratio" "$note"
done
ratio=$(awk -v a="$total_n" -v b="$total_r" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
printf '%-32s %14s %14s %7s\n' total "$total_r" "$total_n" "$ratio"
echo "logs: $out (load $(cut -d' ' -f1-3 /proc/loadavg))"
