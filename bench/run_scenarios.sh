#!/usr/bin/env bash
# Runs the standard benchmark scenarios of issue 5 from a clean start and
# writes BENCHMARKS.md: starts redis-server and pubsub-gateway replicas on free
# ports, drives them with pubsub-loadgen, stops everything.
#
#   cmake -S . -B build-f -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-f --target pubsub-gateway pubsub-loadgen json_benchmark -j2
#   bench/run_scenarios.sh [--build build-f] [--only idle,fanout,...] [--quick]
#                          [--compare-gateway OLD_GATEWAY_BINARY] [--wait-quiet SECONDS]
#
# Scenarios: ceiling idle fanout latency scoped personal publish micro compare history
# cluster everyday loops (cluster: a 3-master + 3-replica Redis Cluster started with
# redis-cli --cluster create; one node vs 3 shards, classic PUBLISH vs sharded SPUBLISH, slot
# skew. everyday: at 50 and 200 events/s x 1,000 clients, the gateway's CPU per delivery and
# latency with 2 and 1 replicas next to the loadgen's trivial sender doing one write per frame,
# alternating in one run. loops: one replica with --threads 1 and 2, fan-out and scoped).
# The logic is in bench/scenarios/run.py (Debian's python3; no extra modules).
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/scenarios/run.py "$@"
