#!/usr/bin/env bash
# 1000 nodes, where this machine cannot hold them as processes: the bus simulator forms a
# cluster of 500 masters + 500 replicas from one MEET per node (each replica meets its master
# and replicates it, then the masters meet one seed), idles one
# node timeout, kills a master and waits for its replica to take over everywhere. Each
# phase prints its virtual time and the bus traffic per node per second. Then the CLI's
# pure parts (CLUSTER NODES parsing, the snapshot, health::assess, converge::pending) run
# on the 1000 views that cluster printed.
#
# usage: scripts/sim-scale.sh
# env:   SIM_MASTERS (default 500: as many replicas again), SIM_NODE_TIMEOUT (ms, 15000),
#        SIM_FORM_ONLY=1 (stop once formed and take the views then: the CLI step sooner)
set -euo pipefail
cd "$(dirname "$0")/.."
VIEWS=$(mktemp)
trap 'rm -f "$VIEWS"' EXIT
echo "load: $(uptime)"
SIM_VIEWS_OUT=$VIEWS cargo test --release --lib bus::sim::scale::scale_1000 -- --ignored --nocapture \
    --test-threads 1 2>&1 | grep -v '^running\|^$\|^test result\|filtered out'
echo "load: $(uptime)"
SIM_VIEWS=$VIEWS cargo test --release --lib at_1000_nodes -- --ignored --nocapture 2>&1 |
    grep -v '^running\|^$\|^test result\|filtered out'
