#!/usr/bin/env bash
# Profiles one gateway under load: starts redis-server and a gateway on free
# ports, runs pubsub-loadgen against them and records the gateway with perf
# (cpu-clock: this VM has no hardware counters) for 4 s, 3 s into the run.
#
#   bench/scenarios/profile.sh NAME GATEWAY_BINARY LOADGEN_ARGS...
#   perf report -i /tmp/pubsub-profile/NAME.perf --no-children --sort dso,symbol
#
# Env: BUILD (default build-f), PERF_SECONDS (4), PERF_DELAY (3).
set -euo pipefail
cd "$(dirname "$0")/../.."
NAME=$1 GATEWAY=$2
shift 2
OUT=/tmp/pubsub-profile
mkdir -p "$OUT"
LOADGEN=${BUILD:-build-f}/tools/loadgen/pubsub-loadgen
port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
RP=$(port)
redis-server --port "$RP" --bind 127.0.0.1 --save '' --appendonly no --loglevel warning \
  > "$OUT/$NAME.redis.log" 2>&1 &
RPID=$!
until redis-cli -p "$RP" ping > /dev/null 2>&1; do sleep 0.05; done
"$GATEWAY" --listen 127.0.0.1:0 --bus "redis://127.0.0.1:$RP" --dev-auth \
  > "$OUT/$NAME.gateway.out" 2> "$OUT/$NAME.gateway.err" &
GPID=$!
until grep -q listening "$OUT/$NAME.gateway.out" 2> /dev/null; do sleep 0.05; done
PORT=$(grep -o 'http://127.0.0.1:[0-9]*' "$OUT/$NAME.gateway.out" | cut -d: -f3)
"$LOADGEN" --url "ws://127.0.0.1:$PORT" --gateway-pid "$GPID" --redis-pid "$RPID" \
  --redis "redis://127.0.0.1:$RP" --quiet "$@" > "$OUT/$NAME.txt" 2>&1 &
LPID=$!
sleep "${PERF_DELAY:-3}"
perf record -e cpu-clock -F 4000 --call-graph dwarf,16384 -p "$GPID" -o "$OUT/$NAME.perf" \
  -- sleep "${PERF_SECONDS:-4}" > /dev/null 2>&1
wait "$LPID" || true
kill "$GPID" "$RPID"
wait "$GPID" "$RPID" 2> /dev/null || true
cat "$OUT/$NAME.txt"
