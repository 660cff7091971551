#!/usr/bin/env bash
# Failover time after SIGKILL of a master, for rclust-node and redis-server clusters in the
# same run: 3 masters + 3 replicas each, made by `rclust create`, at each node timeout.
# A round kills the master serving slot 0 with SIGKILL and measures the time from the kill
# until its replica reports role:master and accepts a write to one of that master's slots;
# the old master is then restarted (it rejoins as a replica) and the cluster left to heal
# before the next round. Prints the median of the rounds per engine and the ratio.
#
# usage: scripts/bench-failover.sh
# env:   NODE_TIMEOUTS (ms, default "1000 5000"), ROUNDS (default 5),
#        BASE_PORT (default 17000; bus ports +10000)
set -euo pipefail
cd "$(dirname "$0")/.."
NODE_TIMEOUTS=${NODE_TIMEOUTS:-"1000 5000"}
ROUNDS=${ROUNDS:-5}
BASE_PORT=${BASE_PORT:-17000}

cargo build --release -q
RCLUST=$PWD/target/release/rclust
NODE=$PWD/target/release/rclust-node
WORK=$(mktemp -d)
declare -A PID # port -> pid of the server we started there

stop_all() {
    local p
    for p in "${!PID[@]}"; do kill -9 "${PID[$p]}" 2>/dev/null || true; done
    for p in "${!PID[@]}"; do wait "${PID[$p]}" 2>/dev/null || true; done
    PID=()
}
trap 'stop_all; rm -rf "$WORK"' EXIT

start() { # engine port node_timeout
    local engine=$1 p=$2 nt=$3
    mkdir -p "$WORK/$p"
    if [[ $engine == redis-server ]]; then
        redis-server --port "$p" --bind 127.0.0.1 --dir "$WORK/$p" --cluster-enabled yes \
            --cluster-node-timeout "$nt" --save "" --appendonly no --logfile "$WORK/$p/log" \
            >/dev/null 2>&1 &
    else
        "$NODE" --port "$p" --bind 127.0.0.1 --dir "$WORK/$p" --cluster-node-timeout "$nt" \
            --logfile log >/dev/null 2>&1 &
    fi
    PID[$p]=$!
    until redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.02; done
}

now() { date +%s.%N; }
cli() { redis-cli -p "$@" 2>/dev/null; }

# The master serving slot 0, its first slot range, and its replica: "mport range rport".
slot0() { # any port
    cli "$1" cluster nodes | awk '
        $3 ~ /master/ && $3 !~ /fail/ { for (i = 9; i <= NF; i++) if ($i ~ /^0(-|$)/) { m = $1; mp = $2; r = $i } }
        { line[NR] = $0 }
        END {
            split(mp, a, "[:@]"); split(r, s, "-");
            for (i in line) { split(line[i], f, " "); if (f[4] == m) { split(f[2], b, "[:@]"); rp = b[2] } }
            print a[2], (s[2] == "" ? s[1] : s[2]), rp
        }'
}

# A key whose slot is at most `last`, found by asking the server.
key_below() { # port last
    local i slot
    for ((i = 0; ; i++)); do
        slot=$(cli "$1" cluster keyslot "probe$i")
        if ((slot <= $2)); then echo "probe$i"; return; fi
    done
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Sets RESULT to the median seconds (runs in this shell, so the EXIT trap knows every
# process it started).
run_engine() { # engine node_timeout base
    local engine=$1 nt=$2 base=$3 p times=()
    for ((p = base; p < base + 6; p++)); do start "$engine" "$p" "$nt"; done
    local addrs=() ; for ((p = base; p < base + 6; p++)); do addrs+=("127.0.0.1:$p"); done
    "$RCLUST" create "${addrs[@]}" --replicas 1 --yes -q >/dev/null
    for ((round = 1; round <= ROUNDS; round++)); do
        "$RCLUST" check "127.0.0.1:$base" --wait 120 -q >/dev/null
        read -r master last replica < <(slot0 "$base")
        [[ $master == "$base" ]] && read -r master last replica < <(slot0 $((base + 1)))
        local key; key=$(key_below "$replica" "$last")
        local t0 t1
        t0=$(now)
        kill -9 "${PID[$master]}"
        wait "${PID[$master]}" 2>/dev/null || true
        until [[ $(cli "$replica" info replication) == *role:master* ]] &&
            [[ $(cli "$replica" set "$key" 1) == OK ]]; do sleep 0.01; done
        t1=$(now)
        times+=("$(awk "BEGIN{print $t1 - $t0}")")
        echo "  $engine node-timeout $nt round $round: ${times[-1]} s" >&2
        start "$engine" "$master" "$nt"
        # The old master must be back as a replica with its link up before the next kill.
        until [[ $(cli "$master" info replication) == *master_link_status:up* ]]; do sleep 0.05; done
    done
    "$RCLUST" check "127.0.0.1:$base" --wait 120 -q >/dev/null
    stop_all
    RESULT=$(printf '%s\n' "${times[@]}" | median)
}

printf '%-14s %18s %18s %8s\n' "node-timeout" "redis-server (s)" "rclust-node (s)" "ratio"
port=$BASE_PORT
for nt in $NODE_TIMEOUTS; do
    run_engine redis-server "$nt" "$port"
    theirs=$RESULT
    run_engine rclust-node "$nt" $((port + 10))
    ours=$RESULT
    port=$((port + 20))
    printf '%-14s %18.2f %18.2f %7.2fx\n' "${nt} ms" "$theirs" "$ours" "$(awk "BEGIN{print $ours / $theirs}")"
done
