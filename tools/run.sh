#!/usr/bin/env bash
# `make run`: start the gateway on the embedded bus with the sample schema, in
# development auth mode on 127.0.0.1, show how to connect and publish, and
# publish a few sample events every 2 seconds so the demo page has something to
# show (SAMPLE_EVENTS=0 turns that off). The sample publisher is stopped, by its
# PID, when the gateway stops.
set -euo pipefail
build=${1:-build}
port=${PORT:-8080}
gateway="$build/server/pubsub-gateway"
base="http://127.0.0.1:$port"

cat <<EOT

  pubsub-gateway: sample schema, embedded bus, DEVELOPMENT auth (user id from ?user_id=)

  Open the demo page and watch sample events arrive (a publisher sends some every 2 s):
       $base/demo/?user_id=ann

  1. In another terminal, connect a client (Debian's python3-websockets):
       /usr/bin/python3 -m websockets 'ws://127.0.0.1:$port/ws/broadcasts?user_id=ann'

  2. In a third terminal, publish an event:
       curl -s -X POST $base/api/publish -H 'Content-Type: application/json' \\
         -d '{"type":"new_broadcast","data":{"id":1,"title":"Hello","content":"First event","author":"ann","created_at":"2026-11-25T10:00:00Z"}}'

     The client prints: {"type":"new_broadcast","data":{"id":1,...}}

  Other paths (add ?user_id=NAME): /ws/comments/42  /ws/forum/7  /ws/book-requests  /ws/notifications
               /ws/book-requests/admin?user_id=boss&role=creator   (the admin channel needs the role)
  Personal channels need a target: POST /api/publish?to=ann
  Or watch with our CLI:  $build/tools/cli/pubsub tail 'ws://127.0.0.1:$port/ws/broadcasts' --user ann
  The browser client the demo uses: $base/client/pubsub-client.js (client/README.md)
  Operations:  $base/healthz  /readyz  /metrics  /api/stats?user=ann
  Stop with Ctrl-C.

EOT

# Publishes one sample event (the JSON as browsers receive it); quiet.
publish() {
  curl -s -o /dev/null --max-time 5 -X POST "$base/api/publish$2" \
    -H 'Content-Type: application/json' --data-binary "$1" || true
}

# The sample publisher: waits for the gateway, then every 2 s a broadcast, a
# comment on track 42, a forum post in thread 7 and a notification for ann,
# with non-ASCII text. It also stops by itself when this script is gone.
sample_publisher() {
  local parent=$1 n=0 now
  until curl -s -o /dev/null --max-time 1 "$base/healthz"; do
    kill -0 "$parent" 2>/dev/null || exit 0
    sleep 0.2
  done
  while kill -0 "$parent" 2>/dev/null; do
    n=$((n + 1))
    now=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    publish "{\"type\":\"new_broadcast\",\"data\":{\"id\":$n,\"title\":\"Sample $n\",\"content\":\"Bonjour, café ☕ — 日本語 🎉\",\"author\":\"publisher\",\"created_at\":\"$now\"}}" ""
    publish "{\"type\":\"new_comment\",\"track_id\":\"42\",\"data\":{\"id\":$n,\"content\":\"comment $n: «déjà vu» 👍\",\"author\":\"bob\",\"timestamp\":$n.5,\"created_at\":\"$now\"}}" ""
    if ((n % 3 == 0)); then
      publish "{\"type\":\"comment_updated\",\"track_id\":\"42\",\"data\":{\"id\":$((n - 1)),\"content\":\"edited: naïve ✓\"}}" ""
    fi
    publish "{\"type\":\"new_post\",\"thread_id\":\"7\",\"data\":{\"id\":$n,\"content\":\"post $n — Grüße aus Köln\",\"author\":\"carol\",\"created_at\":\"$now\"}}" ""
    publish "{\"type\":\"private_message\",\"text\":\"hello ann ($n) — ça va? 🙂\"}" "?to=ann"
    sleep 2
  done
}

publisher_pid=
stop_publisher() {
  if [[ -n $publisher_pid ]]; then
    kill "$publisher_pid" 2>/dev/null || true
    wait "$publisher_pid" 2>/dev/null || true
    publisher_pid=
  fi
}
trap stop_publisher EXIT
trap 'stop_publisher; exit 130' INT
trap 'stop_publisher; exit 143' TERM

if [[ ${SAMPLE_EVENTS:-1} != 0 ]]; then
  sample_publisher $$ &
  publisher_pid=$!
fi
# In the foreground (not exec), so that this script outlives it and stops the publisher.
"$gateway" --listen "127.0.0.1:$port" --bus memory --dev-auth
