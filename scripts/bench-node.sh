#!/usr/bin/env bash
# Throughput and memory of rclust-node against redis-server, side by side in one run.
#
#   scripts/bench-node.sh [--cluster yes|no] [--requests N] [--keys N] [--rounds N]
#   NODE_BIN=path/to/rclust-node scripts/bench-node.sh ...
#
# Starts one release rclust-node and one redis-server on free loopback ports (same
# cluster-enabled setting for both), runs redis-benchmark -c 50 -t set,get with -P 1 and
# -P 16 against each (alternating, --rounds times, reporting the median so that a noisy
# shared machine skews both alike), then fills each with the same keys and compares
# used_memory per key. The cost of persistence: a second pair with `appendonly yes
# appendfsync everysec` (both), SET throughput in the same rounds, against each other and
# against the pair without it.
set -euo pipefail

cluster=yes
requests=200000
keys=1000000
rounds=3
while [ $# -gt 0 ]; do
    case "$1" in
        --cluster) cluster="$2"; shift 2 ;;
        --requests) requests="$2"; shift 2 ;;
        --keys) keys="$2"; shift 2 ;;
        --rounds) rounds="$2"; shift 2 ;;
        *) echo "usage: $0 [--cluster yes|no] [--requests N] [--keys N] [--rounds N]" >&2; exit 2 ;;
    esac
done

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
# NODE_BIN: a node binary to measure instead of this checkout's release build (to compare
# two builds of the node, each against redis-server in its own run).
if [ -n "${NODE_BIN:-}" ]; then
    node_bin="$NODE_BIN"
else
    cargo build --release --quiet --bin rclust-node
    node_bin="$root/target/release/rclust-node"
fi

# A free port whose +10000 bus port is free too, below the ephemeral range.
free_port() {
    python3 - <<'PY'
import random, socket
def free(p):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", p)); return True
    except OSError:
        return False
    finally:
        s.close()
while True:
    p = random.randint(23000, 25000)
    if free(p) and free(p + 10000):
        print(p); break
PY
}

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

node_port=$(free_port)
mkdir -p "$work/node" "$work/redis"
used_ports=" $node_port "
# A port not handed out yet in this run.
another_port() {
    local p
    p=$(free_port)
    while [[ "$used_ports" == *" $p "* ]]; do p=$(free_port); done
    used_ports+="$p "
    echo "$p"
}

# start_node / start_redis PORT DIR FLAGS...: one server in the background; its pid is
# left in last_pid.
start_node() {
    local port=$1 dir=$2; shift 2
    mkdir -p "$dir"
    "$node_bin" --port "$port" --bind 127.0.0.1 --dir "$dir" \
        --cluster-enabled "$cluster" --logfile node.log "$@" &
    pids+=($!)
    last_pid=$!
}
start_redis() {
    local port=$1 dir=$2; shift 2
    mkdir -p "$dir"
    redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" \
        --cluster-enabled "$cluster" --logfile redis.log --daemonize no \
        --enable-debug-command yes "$@" &
    pids+=($!)
    last_pid=$!
}

# Waits until the server on `port` answers and, in cluster mode, owns every slot (a
# lone cluster-mode node of either kind serves nothing until then).
ready() {
    local port=$1
    for _ in $(seq 100); do
        redis-cli -p "$port" ping >/dev/null 2>&1 && break
        sleep 0.05
    done
    if [ "$cluster" = yes ]; then
        redis-cli -p "$port" cluster addslotsrange 0 16383 >/dev/null
        for _ in $(seq 200); do
            redis-cli -p "$port" cluster info | grep -q '^cluster_state:ok' && break
            sleep 0.05
        done
    fi
}

no_persistence=(--save "" --appendonly no)
everysec=(--save "" --appendonly yes --appendfsync everysec)
start_node "$node_port" "$work/node" "${no_persistence[@]}"; node_pid=$last_pid
redis_port=$(another_port)
start_redis "$redis_port" "$work/redis" "${no_persistence[@]}"; redis_pid=$last_pid
node_aof_port=$(another_port)
start_node "$node_aof_port" "$work/node-aof" "${everysec[@]}"; node_aof_pid=$last_pid
redis_aof_port=$(another_port)
start_redis "$redis_aof_port" "$work/redis-aof" "${everysec[@]}"; redis_aof_pid=$last_pid
for port in "$node_port" "$redis_port" "$node_aof_port" "$redis_aof_port"; do
    ready "$port"
done

# CPU seconds (user + system) a process has used so far.
cpu_seconds() { awk '{ print ($14 + $15) / 100 }' "/proc/$1/stat"; }

# One redis-benchmark run against the server listening on `port` (process `pid`): prints
# "SET rps", "GET rps" and "CPU us-per-request" (the server's CPU time over the run, a
# figure that a busy shared machine disturbs far less than throughput).
bench() {
    local port=$1 pid=$2 pipeline=$3 before after
    before=$(cpu_seconds "$pid")
    redis-benchmark -h 127.0.0.1 -p "$port" -q -c 50 -n "$requests" -t set,get -P "$pipeline" \
        | tr '\r' '\n' | awk '/requests per second/ { sub(":", "", $1); printf "%s %s\n", $1, $2 }'
    after=$(cpu_seconds "$pid")
    python3 -c "print('CPU', ($after - $before) * 1e6 / (2 * $requests))"
}

ratio() { python3 -c "print(f'{$1 / $2:.2f}')"; }

echo "cluster-enabled $cluster, $requests requests, 50 clients, median of $rounds rounds"
echo "load before: $(uptime)"
results="$work/results"
: > "$results"
for round in $(seq "$rounds"); do
    for pipeline in 1 16; do
        bench "$node_port" "$node_pid" "$pipeline" | sed "s/^/node $pipeline /" >> "$results"
        bench "$redis_port" "$redis_pid" "$pipeline" | sed "s/^/redis $pipeline /" >> "$results"
        bench "$node_aof_port" "$node_aof_pid" "$pipeline" | sed "s/^/node-aof $pipeline /" >> "$results"
        bench "$redis_aof_port" "$redis_aof_pid" "$pipeline" | sed "s/^/redis-aof $pipeline /" >> "$results"
    done
done
echo "load after: $(uptime)"
python3 - "$results" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    server, pipeline, test, rps = line.split()
    runs.setdefault((test, int(pipeline), server), []).append(float(rps))
print(f"{'test':<6} {'P':>3} {'rclust-node':>14} {'redis-server':>14} {'ratio':>7}   (all rounds: node / redis)")
print("(SET/GET: requests per second, ratio node/redis; us/req: server CPU per request, ratio redis/node)")
for pipeline in (1, 16):
    for test in ("SET", "GET", "CPU"):
        n = runs.get((test, pipeline, "node"), [0])
        r = runs.get((test, pipeline, "redis"), [0])
        mn, mr = statistics.median(n), statistics.median(r)
        ratio = mn / mr if mr else 0
        rounds = " ".join(f"{x:.0f}" for x in n) + " / " + " ".join(f"{x:.0f}" for x in r)
        if test == "CPU":
            # Lower is better here: the ratio is redis over node, so above 1 still wins.
            ratio = mr / mn if mn else 0
            rounds = " ".join(f"{x:.2f}" for x in n) + " / " + " ".join(f"{x:.2f}" for x in r)
            print(f"{'us/req':<6} {pipeline:>3} {mn:>14.2f} {mr:>14.2f} {ratio:>7.2f}   ({rounds})")
        else:
            print(f"{test:<6} {pipeline:>3} {mn:>14.0f} {mr:>14.0f} {ratio:>7.2f}   ({rounds})")
print()
print("persistence cost: SET with appendonly yes, appendfsync everysec (both servers)")
print(f"{'P':>3} {'node aof':>10} {'redis aof':>10} {'ratio':>7} {'node aof/none':>14} {'redis aof/none':>15}")
for pipeline in (1, 16):
    med = lambda server: statistics.median(runs.get(("SET", pipeline, server), [0]))
    na, ra, n0, r0 = med("node-aof"), med("redis-aof"), med("node"), med("redis")
    div = lambda a, b: a / b if b else 0
    print(f"{pipeline:>3} {na:>10.0f} {ra:>10.0f} {div(na, ra):>7.2f} {div(na, n0):>14.2f} {div(ra, r0):>15.2f}")
PY

used_memory() {
    redis-cli -p "$1" info memory | tr -d '\r' | awk -F: '$1 == "used_memory" { print $2 }'
}

# Fills both servers with `load` (a command run once per server) and prints used_memory per
# key for each and the ratio.
memory_per_key() {
    local title=$1 load=$2
    for port in "$node_port" "$redis_port"; do
        redis-cli -p "$port" flushall >/dev/null
    done
    sleep 0.5
    local base_node base_redis full_node full_redis keys_node keys_redis
    base_node=$(used_memory "$node_port")
    base_redis=$(used_memory "$redis_port")
    $load "$node_port"
    $load "$redis_port"
    sleep 1
    full_node=$(used_memory "$node_port")
    full_redis=$(used_memory "$redis_port")
    keys_node=$(redis-cli -p "$node_port" dbsize)
    keys_redis=$(redis-cli -p "$redis_port" dbsize)
    per_node=$(python3 -c "print(f'{($full_node - $base_node) / $keys_node:.1f}')")
    per_redis=$(python3 -c "print(f'{($full_redis - $base_redis) / $keys_redis:.1f}')")
    echo
    echo "memory: $title"
    printf "%-22s %14s %14s %7s\n" "" rclust-node redis-server ratio
    printf "%-22s %14s %14s\n" "keys" "$keys_node" "$keys_redis"
    printf "%-22s %14s %14s\n" "used_memory (filled)" "$full_node" "$full_redis"
    printf "%-22s %14s %14s %7s\n" "bytes per key" "$per_node" "$per_redis" "$(ratio "$per_node" "$per_redis")"
}

populate() { redis-cli -p "$1" debug populate "$keys" >/dev/null; }
benchmark_set() {
    redis-benchmark -h 127.0.0.1 -p "$1" -q -c 20 -P 32 -t set -r "$keys" -n $((keys * 3)) >/dev/null
}

memory_per_key "$keys keys from DEBUG POPULATE (key:N -> value:N)" populate
memory_per_key "redis-benchmark -t set -r $keys -n $((keys * 3)) (16-byte keys, 3-byte values)" benchmark_set
