#!/usr/bin/env bash
# `make run`: start the gateway on the embedded bus with the sample schema, in
# development auth mode on 127.0.0.1, and show how to connect and publish.
set -euo pipefail
build=${1:-build}
port=${PORT:-8080}
gateway="$build/server/pubsub-gateway"

cat <<EOT

  pubsub-gateway: sample schema, embedded bus, DEVELOPMENT auth (user id from ?user_id=)

  1. In another terminal, connect a client (Debian's python3-websockets):
       /usr/bin/python3 -m websockets 'ws://127.0.0.1:$port/ws/broadcasts?user_id=ann'

  2. In a third terminal, publish an event:
       curl -s -X POST http://127.0.0.1:$port/api/publish -H 'Content-Type: application/json' \\
         -d '{"type":"new_broadcast","data":{"id":1,"title":"Hello","content":"First event","author":"ann","created_at":"2026-11-25T10:00:00Z"}}'

     The client prints: {"type":"new_broadcast","data":{"id":1,...}}

  Other paths (add ?user_id=NAME): /ws/comments/42  /ws/forum/7  /ws/book-requests  /ws/notifications
               /ws/book-requests/admin?user_id=boss&role=creator   (the admin channel needs the role)
  Personal channels need a target: POST /api/publish?to=ann
  Or watch with our CLI:  $build/tools/cli/pubsub tail 'ws://127.0.0.1:$port/ws/broadcasts' --user ann
  Operations:  http://127.0.0.1:$port/healthz  /readyz  /metrics  /api/stats?user=ann
  Stop with Ctrl-C.

EOT
exec "$gateway" --listen "127.0.0.1:$port" --bus memory --dev-auth
