#!/usr/bin/env bash
# Runs every cargo-fuzz target in turn (one job: the machine is shared), each until RUNS
# executions or SECS seconds, whichever comes first, on its seed corpus (fuzz/seeds/<t>,
# real server output) and the corpus kept from earlier runs (fuzz/corpus/<t>, not
# committed). Prints executions, time, speed and coverage per target, and the load.
# A crash leaves its input in fuzz/artifacts/; keep it as a regression test.
#   SECS=240 RUNS=10000000 TARGETS="resp_parser rdb_reader" scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-fuzz >/dev/null || { echo "fuzz.sh: cargo install cargo-fuzz" >&2; exit 2; }
# cargo fuzz passes -Z flags (sanitizer, coverage); only a stable toolchain is installed.
export RUSTC_BOOTSTRAP=1
targets="${TARGETS:-resp_parser bus_decoder rdb_reader nodes_conf cluster_replies redis_conf}"
cargo fuzz build
uptime
mkdir -p fuzz/artifacts
for t in $targets; do
    mkdir -p "fuzz/corpus/$t"
    log="fuzz/artifacts/$t.log"
    status=0
    # -close_fd_mask=2: the redis.conf target's node prints a line per unknown directive.
    cargo fuzz run "$t" "fuzz/corpus/$t" "fuzz/seeds/$t" -- \
        -max_total_time="${SECS:-240}" -runs="${RUNS:-10000000}" -close_fd_mask=2 \
        -print_final_stats=1 -artifact_prefix="fuzz/artifacts/$t-" >"$log" 2>&1 || status=$?
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log")
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*/[0-9a-zA-Z]*' "$log" | tail -1)
    echo "$t: ${runs:-?} runs in ${secs:-?} s (${speed:-?}/s), $cov, exit $status"
    [ "$status" -eq 0 ] || grep -E '^(==|thread|SUMMARY)|panicked' "$log" | head -5
done
uptime
