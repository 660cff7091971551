#!/usr/bin/env bash
# The full kill-point sweep: every changing command SIGKILLed at random points spread over
# its measured duration, on a 4-master lab cluster (network namespaces; needs root and ip),
# each time followed by `rclust fix --yes` and `rclust check --wait`. Prints the table of
# kill points run / repaired per command, and the machine's load.
# The whole output is kept in target/kill-points.log, or LOG (failures are explained there;
# one line per kill point says when it was killed and how the repair ended).
#   POINTS=5 KINDS=redis,node,valkey CMDS=Rebalance,Fix LOG=target/kp-node.log scripts/kill-points.sh
set -euo pipefail
cd "$(dirname "$0")/.."
uptime
RCLUST_KILL_POINTS="${POINTS:-5}" RCLUST_KILL_KINDS="${KINDS:-redis}" RCLUST_KILL_CMDS="${CMDS:-}" \
    cargo nextest run -j 1 --retries 0 --test integration kill_point_sweep --run-ignored only --no-capture 2>&1 \
    | tee "${LOG:-target/kill-points.log}" | grep --line-buffered -E '^(Redis|Node|Valkey):|^\||NOT REPAIRED|panicked|PASS|FAIL|TIMEOUT'
uptime
