// HelpText: the gateway's --help, apart from the parsing so that the text
// reads as one page.
#include <string>

#include "server/config/gateway_config.h"

namespace pubsub::gateway {

std::string HelpText() {
  return R"(pubsub-gateway: serves the schema's channels to WebSocket clients, and accepts
events to publish over HTTP (and gRPC).

Usage:
  pubsub-gateway --listen 127.0.0.1:8080 [--grpc-listen 127.0.0.1:50051]
                 [--bus memory | --bus redis://127.0.0.1:6379 | --bus redis-cluster://10.0.0.1:7000,...
                  [--redis-password-file FILE]]
                 [--jwt-secret-file FILE | --dev-auth] [--publisher-key-file FILE] [--allowed-origin URL ...]
  pubsub-gateway --config /etc/pubsub/gateway.conf [FLAG ...] [--print-config]

Flags take their value as "--flag value" or "--flag=value". Every flag can also be set in
the environment and in a config file (see Configuration below).

Network:
  --listen HOST:PORT            HTTP and WebSocket address; HOST is an IP address, IPv6 in
                                brackets ([::1]:8080); port 0 picks a free one.
                                Default: 127.0.0.1:8080
  --grpc-listen HOST:PORT       Address of the gRPC Publish service. Default: off
  --reuse-port                  Share the --listen port with other processes that pass it too
                                (the kernel spreads connections among them). Without it, a port
                                another process listens on is refused at start-up. The gRPC
                                port is never shared. Default: off
  --bus memory|redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]
      |redis-cluster://[[USER]:PASSWORD@]HOST:PORT[,HOST:PORT...]
                                Where events travel between publishers and gateways: "memory" is
                                the embedded in-process bus (one replica); a Redis URL connects
                                replicas (port 6379 and database 0 by default; USER for Redis 6
                                ACLs); a redis-cluster URL names some nodes of a Redis Cluster
                                (Redis 7: sharded pub/sub, each topic on the shard that owns its
                                slot). A password in the URL works, but every local user can
                                read a command line (ps): prefer --redis-password-file.
                                Default: memory
  --redis-password-file FILE    Password for Redis AUTH, read from FILE (a trailing newline is
                                ignored), so that it never appears on a command line or in
                                logs. Default: none
  --allowed-origin URL          Accept browser connections only from this origin, e.g.
                                https://app.example.com (repeatable). Default: any origin

Authentication (exactly one mode is required):
  --jwt-secret-file FILE        HS256 JWT secret (the file's content; one trailing newline is
                                removed): at least 32 bytes, e.g. from
                                head -c 32 /dev/urandom | base64 > FILE
  --jwt-public-key-file FILE    RS256 JWT public key (PEM). May be combined with the secret.
  --jwt-leeway-seconds N        Clock skew allowed on exp and nbf, 0 to 60. Default: 30
  --dev-auth                    DEVELOPMENT ONLY: no token; the user id comes from ?user_id= and
                                roles from ?role= (repeatable). Never expose such a gateway.
  --publisher-key-file FILE     Key that POST /api/publish requires as "Authorization: Bearer
                                KEY". Default: none
  --admin-role ROLE             The role (in the JWT's roles; ?role= with --dev-auth) that the
                                admin page /admin/ and /api/admin/... require; an admin may also
                                tail any channel (docs/admin.md). Default: admin

Limits and timing:
  --threads N                   Event loops, one per core. Default: the cores this process may
                                use (its CPU affinity and its cgroup's CPU quota: a container
                                limited to 2 CPUs runs 2 loops)
  --send-queue-bytes N          Bytes queued per socket before the client is closed with 1013
                                "slow consumer". Default: 1048576 (1 MiB)
  --send-queue-frames N         Frames queued per socket, likewise. Default: 4096
  --max-frame-bytes N           Largest inbound WebSocket message (close 1009 beyond).
                                Default: 65536 (64 KiB)
  --max-body-bytes N            Largest publish request body (413 beyond). Default: 1048576
  --loop-queue-bytes N          Events waiting for one event loop, in bytes (rendered events to
                                deliver, and, apart, raw events to render). A loop that falls
                                this far behind closes its clients of a topic whose event did
                                not fit with 1013 "server overloaded" rather than queue more.
                                Default: 33554432 (32 MiB)
  --ping-interval-seconds N     Ping a quiet client this often. Default: 20
  --idle-timeout-seconds N      Close a client silent this long (more than the ping interval:
                                its pongs count). Default: 60
  --handshake-timeout-seconds N Time allowed for an HTTP request or WebSocket handshake.
                                Default: 10
  --shutdown-timeout-seconds N  On SIGTERM/SIGINT, time to flush queues and close sockets with
                                1001 before dropping them. Default: 10

Other:
  --log-level LEVEL             trace, debug, info, warn, error, critical or off. Default: info
  --help, -h                    Print this help.

Configuration (precedence: command line > environment > config file > default; the
allowed-origin list is taken whole from the highest source that sets it):
  --config FILE                 Read settings from FILE (also: PUBSUB_CONFIG=FILE). One
                                "name = value" per line, the name being the flag without "--":
                                  listen = 0.0.0.0:8080
                                  allowed-origin = https://app.example.com
                                  dev-auth = false
                                Lines starting with # are comments. Switches take true/false
                                (also 1/0, yes/no, on/off); allowed-origin is repeated on several
                                lines; other settings appear once. Unknown names are refused.
  PUBSUB_<FLAG>                 Every flag from the environment, in upper case with _ for -:
                                PUBSUB_LISTEN=0.0.0.0:8080, PUBSUB_DEV_AUTH=true,
                                PUBSUB_ALLOWED_ORIGIN="https://a.example.com,https://b.example.com".
                                An empty variable counts as unset; other PUBSUB_* variables are
                                ignored (--print-config lists them).
  --print-config                Print every setting's effective value and where it came from
                                (default, file FILE:LINE, env VARIABLE, flag --FLAG), then exit
                                without starting (0, or 2 with the reason when the settings are
                                invalid). A password in --bus is shown as ****.

HTTP surface:
  ws://HOST/ws/comments/42?token=JWT            JWT claims: sub (user id), roles (array of strings), exp
  POST /api/publish[?to=USER&to=USER]           body: the event exactly as browsers receive it; 202 {"id":…}, 400, 401, 503
       Authorization: Bearer PUBLISHER_KEY      e.g. {"type":"new_broadcast","data":{"id":1,"title":"Hi",...}}
  GET  /healthz  /readyz  /metrics  /api/stats[?user=ID][&scope=replica]  /api/schema
  GET  /admin/  /api/admin/overview   POST /api/admin/publish[?to=USER]   (the admin role's JWT)
  GET  /demo/  /client/...                      the embedded web pages and browser client
  The token may also come from "Authorization: Bearer JWT" or the WebSocket subprotocols
  "bearer, JWT" (the gateway then answers with the subprotocol "bearer").
)";
}

}  // namespace pubsub::gateway
