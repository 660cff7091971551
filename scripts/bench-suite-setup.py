#!/usr/bin/env python3
"""Cluster setup and failover the way Redis's own cluster suite does them, timed for
rclust-node and redis-server in the same run.

For each size N (default 20 and 100) and each engine, N fresh instances are started with
the same node timeout, then, exactly as tests/cluster/tests/includes/init-tests.tcl:
  reset:    FLUSHALL; MULTI; CLUSTER RESET HARD; CLUSTER SET-CONFIG-EPOCH id+1; EXEC
  join:     node j MEETs node j+1 (a chain); done when every node lists all N nodes
  create:   N/4 masters get random slots (ADDSLOTS), N/4 replicas CLUSTER REPLICATE;
            done when every node reports cluster_state:ok
  failover: SIGKILL of master 0; done when its replica is master and every live node
            reports cluster_state:ok
Then, with the cluster formed and idle, bus messages sent and CPU time per node per
second over WINDOW seconds. Prints each figure per engine and the ratio rclust/redis,
with the machine's load.

usage: scripts/bench-suite-setup.py [--sizes 20 100] [--node-timeout 3000] [--window 10]
       [--node-bin PATH] [--engines redis-server rclust-node]
"""

import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import redis

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NODE_BIN = os.path.join(ROOT, "target/release/rclust-node")


def start(engine, port, nt, work):
    d = os.path.join(work, str(port))
    os.makedirs(d)
    if engine == "redis-server":
        cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d,
               "--cluster-enabled", "yes", "--cluster-node-timeout", str(nt),
               "--save", "", "--appendonly", "no", "--logfile", "log"]
    else:
        cmd = [NODE_BIN, "--port", str(port),
               "--bind", "127.0.0.1", "--dir", d, "--cluster-node-timeout", str(nt),
               "--logfile", "log"]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def client(port):
    c = redis.Redis(port=port, socket_timeout=10)
    # Raw replies: the script parses CLUSTER output itself.
    for cmd in ("CLUSTER NODES", "CLUSTER INFO", "CLUSTER MYID", "CLUSTER MEET",
                "CLUSTER ADDSLOTS", "CLUSTER REPLICATE", "CLUSTER RESET",
                "CLUSTER SET-CONFIG-EPOCH"):
        c.set_response_callback(cmd, lambda r, **kw: r)
    return c


def wait_for(cond, what, timeout=300.0, every=0.05):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if cond():
                return True
        except redis.RedisError:
            pass
        time.sleep(every)
    raise SystemExit(f"timed out waiting for {what}")


def known_nodes(c):
    return len([l for l in c.execute_command("CLUSTER NODES").decode().splitlines() if l])


def state(c):
    info = c.execute_command("CLUSTER INFO").decode()
    return dict(l.split(":", 1) for l in info.split("\r\n") if ":" in l)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run(engine, n, nt, base, window):
    work = tempfile.mkdtemp(prefix="suite-setup-")
    procs = []
    try:
        ports = list(range(base, base + n))
        procs = [start(engine, p, nt, work) for p in ports]
        cs = [client(p) for p in ports]
        for c in cs:
            wait_for(lambda: c.ping(), "PING")
        for i, c in enumerate(cs):
            c.flushall()
            p = c.pipeline(transaction=True)
            p.execute_command("CLUSTER RESET", "HARD")
            p.execute_command("CLUSTER SET-CONFIG-EPOCH", i + 1)
            p.execute()
            c.config_set("cluster-node-timeout", nt)
        t0 = time.time()
        for a, b in zip(cs, ports[1:]):
            a.execute_command("CLUSTER MEET", "127.0.0.1", b)
        for c in cs:
            wait_for(lambda: known_nodes(c) == n, "the join")
        join = time.time() - t0

        masters = max(n // 4, 3)
        replicas = masters
        t0 = time.time()
        slots = [[] for _ in range(masters)]
        for s in range(16383, -1, -1):
            slots[random.randrange(masters)].append(s)
        for c, mine in zip(cs, slots):
            c.execute_command("CLUSTER ADDSLOTS", *mine)
        ids = [c.execute_command("CLUSTER MYID").decode() for c in cs]
        for j in range(replicas):
            cs[masters + j].execute_command("CLUSTER REPLICATE", ids[j % masters])
        for c in cs:
            wait_for(lambda: state(c)["cluster_state"] == "ok", "the create")
        create = time.time() - t0

        # Idle bus cost of the formed cluster.
        time.sleep(2)
        sent0 = sum(int(state(c)["cluster_stats_messages_sent"]) for c in cs)
        cpu0 = sum(cpu_seconds(p.pid) for p in procs)
        t_w = time.time()
        time.sleep(window)
        sent1 = sum(int(state(c)["cluster_stats_messages_sent"]) for c in cs)
        cpu1 = sum(cpu_seconds(p.pid) for p in procs)
        elapsed = time.time() - t_w
        msgs = (sent1 - sent0) / n / elapsed
        cpu_ms = (cpu1 - cpu0) * 1000 / n / elapsed

        # Failover of master 0 (its replica is instance `masters`).
        replica = cs[masters]
        wait_for(lambda: replica.info("replication")["master_link_status"] == "up",
                 "the replica's sync")
        t0 = time.time()
        procs[0].send_signal(signal.SIGKILL)
        procs[0].wait()
        live = cs[1:]
        wait_for(lambda: replica.info("replication")["role"] == "master", "the promotion")
        for c in live:
            wait_for(lambda: state(c)["cluster_state"] == "ok", "state ok after failover")
        failover = time.time() - t0
        return {"join": join, "create": create, "failover": failover,
                "msgs/node/s": msgs, "cpu ms/node/s": cpu_ms}
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        for p in procs:
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[20, 100])
    ap.add_argument("--node-timeout", type=int, default=3000)
    ap.add_argument("--window", type=float, default=10.0)
    ap.add_argument("--base-port", type=int, default=21000)
    ap.add_argument("--node-bin", help="an rclust-node binary to use instead of building one")
    ap.add_argument("--engines", nargs="+", default=["redis-server", "rclust-node"])
    args = ap.parse_args()
    global NODE_BIN
    if args.node_bin:
        NODE_BIN = os.path.abspath(args.node_bin)
    else:
        subprocess.run(["cargo", "build", "--release", "-q", "--bin", "rclust-node"],
                       cwd=ROOT, check=True)
    print(f"node timeout {args.node_timeout} ms; load before: {os.getloadavg()}")
    for n in args.sizes:
        res = {}
        for engine in args.engines:
            res[engine] = run(engine, n, args.node_timeout, args.base_port, args.window)
            print(f"  {n} nodes, {engine}: " + ", ".join(
                f"{k} {v:.2f}" for k, v in res[engine].items()), flush=True)
        if len(res) < 2:
            continue
        print(f"{n} nodes (load {os.getloadavg()[0]:.1f}):")
        print(f"  {'figure':<15}{'redis-server':>14}{'rclust-node':>14}{'ratio':>8}")
        for k in res["redis-server"]:
            r, b = res["redis-server"][k], res["rclust-node"][k]
            ratio = b / r if r else float("inf")
            print(f"  {k:<15}{r:>14.2f}{b:>14.2f}{ratio:>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
