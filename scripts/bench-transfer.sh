#!/usr/bin/env bash
# Import, backup and restore throughput, against redis-cli where it has the command.
#
# import: a standalone redis-server loaded with the same keys before every run, moved into
#   a MASTERS-master redis-server cluster by `redis-cli --cluster import` and by
#   `rclust import`, the tools taking turns ROUNDS times, for two data sets: KEYS strings
#   of VALUE bytes, and MIXED keys spread evenly over hashes, lists, sets and sorted sets
#   of FIELDS elements. Every run must leave all keys in the cluster and none on the source.
# backup: the cluster loaded with BACKUP_KEYS strings of VALUE bytes, saved by
#   `redis-cli --cluster backup` and by `rclust backup` (diskless delay 0 for both).
# restore: that backup loaded by `rclust restore` into an empty cluster of RESTORE_MASTERS
#   masters (redis-cli has no restore); MB/s is RDB bytes over the command's wall time.
# Prints keys/s, MB/s and the ratios, and the machine's load.
#
# usage: scripts/bench-transfer.sh
# env:   KEYS (100000), MIXED (40000), FIELDS (10), VALUE (64), BACKUP_KEYS (1000000),
#        MASTERS (3), RESTORE_MASTERS (5), ROUNDS (3), BASE_PORT (17000; bus ports +10000),
#        BUILD (1; 0 uses the release binary as it is)
set -euo pipefail
cd "$(dirname "$0")/.."
KEYS=${KEYS:-100000}
MIXED=${MIXED:-40000}
FIELDS=${FIELDS:-10}
VALUE=${VALUE:-64}
BACKUP_KEYS=${BACKUP_KEYS:-1000000}
MASTERS=${MASTERS:-3}
RESTORE_MASTERS=${RESTORE_MASTERS:-5}
ROUNDS=${ROUNDS:-3}
BASE_PORT=${BASE_PORT:-17000}

[[ ${BUILD:-1} == 0 ]] || cargo build --release -q
RCLUST=$PWD/target/release/rclust
WORK=$(mktemp -d)
PORTS=()
cleanup() {
    for p in "${PORTS[@]}"; do redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
now() { date +%s.%N; }
uptime

start_server() {
    local p=$1; shift
    mkdir -p "$WORK/$p"
    PORTS+=("$p")
    redis-server --port "$p" --bind 127.0.0.1 --dir "$WORK/$p" --save "" --appendonly no \
        --daemonize yes --logfile "$WORK/$p/log" --repl-diskless-sync-delay 0 "$@" >/dev/null
    until redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.05; done
}

# A cluster of $2 masters from port $1.
make_cluster() {
    local first=$1 n=$2 p addrs=()
    for ((p = first; p < first + n; p++)); do
        start_server "$p" --cluster-enabled yes --cluster-node-timeout 5000
        addrs+=("127.0.0.1:$p")
    done
    "$RCLUST" create "${addrs[@]}" --yes -q >/dev/null
}
total() { local p t=0; for ((p = $1; p < $1 + $2; p++)); do t=$((t + $(redis-cli -p "$p" dbsize))); done; echo "$t"; }
flush() { local p; for ((p = $1; p < $1 + $2; p++)); do redis-cli -p "$p" flushall >/dev/null; done; }

# Loads the source at port $1 with data set $2 (strings | mixed); prints the key count.
load_source() {
    python3 - "$1" "$2" "$KEYS" "$MIXED" "$FIELDS" "$VALUE" <<'EOF'
import sys, redis
port, kind, keys, mixed, fields, size = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:])
r = redis.Redis(port=int(port))
r.flushall()
pipe = r.pipeline(transaction=False)
n = keys if kind == "strings" else mixed
for i in range(n):
    if kind == "strings":
        pipe.set(f"key:{i}", str(i).encode().ljust(size, b"v"))
    else:
        items = [f"item-{j}-{i}" for j in range(fields)]
        t = i % 4
        if t == 0:
            pipe.hset(f"hash:{i}", mapping={x: x for x in items})
        elif t == 1:
            pipe.rpush(f"list:{i}", *items)
        elif t == 2:
            pipe.sadd(f"set:{i}", *items)
        else:
            pipe.zadd(f"zset:{i}", {x: j for j, x in enumerate(items)})
    if i % 5000 == 4999:
        pipe.execute()
pipe.execute()
print(r.dbsize())
EOF
}

CL=$BASE_PORT
SRC=$((BASE_PORT + 20))
RESTORE=$((BASE_PORT + 30))
make_cluster "$CL" "$MASTERS"
start_server "$SRC"

declare -A SECS MOVED
import_run() {
    local label=$1 kind=$2; shift 2
    local n t0 t1
    flush "$CL" "$MASTERS"
    n=$(load_source "$SRC" "$kind")
    t0=$(now)
    "$@" >"$WORK/$label.log" 2>&1 || { echo "$label failed:" >&2; tail -5 "$WORK/$label.log" >&2; exit 1; }
    t1=$(now)
    [[ $(total "$CL" "$MASTERS") == "$n" ]] || { echo "$label: $(total "$CL" "$MASTERS") of $n keys arrived" >&2; exit 1; }
    [[ $(redis-cli -p "$SRC" dbsize) == 0 ]] || { echo "$label: the source is not empty" >&2; exit 1; }
    SECS[$label]=$(awk "BEGIN{print ${SECS[$label]:-0} + $t1 - $t0}")
    MOVED[$label]=$(( ${MOVED[$label]:-0} + n ))
    printf '%-28s %8.2f %10d %10.0f\n' "$label" "$(awk "BEGIN{print $t1 - $t0}")" "$n" "$(awk "BEGIN{print $n / ($t1 - $t0)}")"
}

echo
echo "import: $MASTERS masters; strings: $KEYS of $VALUE bytes; mixed: $MIXED hashes/lists/sets/zsets of $FIELDS elements; $ROUNDS rounds"
printf '%-28s %8s %10s %10s\n' "tool" "secs" "keys" "keys/s"
for kind in strings mixed; do
    for ((r = 1; r <= ROUNDS; r++)); do
        import_run "redis-cli import $kind" "$kind" \
            redis-cli --cluster import "127.0.0.1:$CL" --cluster-from "127.0.0.1:$SRC"
        import_run "rclust import $kind" "$kind" \
            "$RCLUST" import "127.0.0.1:$CL" --from "127.0.0.1:$SRC" --yes -q
    done
done
echo
for kind in strings mixed; do
    cli=$(awk "BEGIN{print ${MOVED[redis-cli import $kind]} / ${SECS[redis-cli import $kind]}}")
    ours=$(awk "BEGIN{print ${MOVED[rclust import $kind]} / ${SECS[rclust import $kind]}}")
    printf 'import %-8s redis-cli %8.0f keys/s   rclust %8.0f keys/s   ratio %.1fx\n' \
        "$kind" "$cli" "$ours" "$(awk "BEGIN{print $ours / $cli}")"
done

echo
flush "$CL" "$MASTERS"
python3 scripts/load-keys.py "127.0.0.1:$CL" "$BACKUP_KEYS" "$VALUE"
echo "backup: $MASTERS masters, $BACKUP_KEYS keys of $VALUE bytes"
mb() { du -cb "$1"/*.rdb | tail -1 | cut -f1 | awk '{print $1 / 1e6}'; }
mkdir -p "$WORK/cli-backup"
t0=$(now); redis-cli --cluster backup "127.0.0.1:$CL" "$WORK/cli-backup" >"$WORK/cli-backup.log" 2>&1; t1=$(now)
cli_secs=$(awk "BEGIN{print $t1 - $t0}"); cli_mb=$(mb "$WORK/cli-backup")
t0=$(now); "$RCLUST" backup "127.0.0.1:$CL" "$WORK/backup" -q >/dev/null; t1=$(now)
our_secs=$(awk "BEGIN{print $t1 - $t0}"); our_mb=$(mb "$WORK/backup")
for f in "$WORK"/backup/*.rdb; do redis-check-rdb "$f" | grep -q "RDB looks OK" || { echo "redis-check-rdb failed on $f" >&2; exit 1; }; done
printf 'backup   redis-cli %6.2fs %8.1f MB/s   rclust %6.2fs %8.1f MB/s   ratio %.1fx\n' \
    "$cli_secs" "$(awk "BEGIN{print $cli_mb / $cli_secs}")" "$our_secs" "$(awk "BEGIN{print $our_mb / $our_secs}")" \
    "$(awk "BEGIN{print $cli_secs / $our_secs}")"

make_cluster "$RESTORE" "$RESTORE_MASTERS"
t0=$(now); "$RCLUST" restore "127.0.0.1:$RESTORE" "$WORK/backup" --yes -q >/dev/null; t1=$(now)
secs=$(awk "BEGIN{print $t1 - $t0}")
[[ $(total "$RESTORE" "$RESTORE_MASTERS") == "$BACKUP_KEYS" ]] || { echo "restore: $(total "$RESTORE" "$RESTORE_MASTERS") of $BACKUP_KEYS keys" >&2; exit 1; }
printf 'restore  into %d masters: %6.2fs %8.1f MB/s of RDB, %8.0f keys/s\n' "$RESTORE_MASTERS" "$secs" \
    "$(awk "BEGIN{print $our_mb / $secs}")" "$(awk "BEGIN{print $BACKUP_KEYS / $secs}")"
uptime
