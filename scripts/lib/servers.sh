# Shared by the benchmark scripts: starts cluster-mode servers for a run. Sourced, not run.

# start_cluster_servers SERVER FIRST COUNT NODE_TIMEOUT: starts COUNT daemonized
# cluster-mode SERVER processes (redis-server or valkey-server) on FIRST.., each in
# $WORK/PORT with no persistence, appends their ports to PORTS (for the caller's cleanup)
# and their addresses to ADDRS, and returns once every one answers PING.
start_cluster_servers() {
    local server=$1 first=$2 count=$3 timeout=$4 p
    for ((p = first; p < first + count; p++)); do
        mkdir -p "$WORK/$p"
        PORTS+=("$p")
        "$server" --port "$p" --bind 127.0.0.1 --dir "$WORK/$p" --cluster-enabled yes \
            --cluster-node-timeout "$timeout" --save "" --appendonly no --daemonize yes \
            --logfile "$WORK/$p/log" >/dev/null
        ADDRS+=("127.0.0.1:$p")
    done
    for ((p = first; p < first + count; p++)); do
        until redis-cli -p "$p" ping >/dev/null 2>&1; do sleep 0.05; done
    done
}
