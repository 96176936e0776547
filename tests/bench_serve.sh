#!/usr/bin/env bash
# The `mppoint serve` figure: N sales at once (default 50) on N simulated terminals through one
# bridge (the real binary, built in release), every verdict checked; prints the requests per
# second and the bridge's peak memory (VmHWM from /proc). No timed assertion.
#   bash tests/bench_serve.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
MPPOINT_SERVE_BENCH_SALES=${1:-50} cargo test -q --release -p mppoint-cli --test serve -- \
  --nocapture --exact fifty_concurrent_sales_on_fifty_terminals 2>&1 | grep -E '^serve bench:|test result'
