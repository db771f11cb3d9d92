// Options of the load generator, and their command-line parsing.
//
//   absl::StatusOr<pubsub::loadgen::Options> options =
//       pubsub::loadgen::ParseOptions(argc, argv);
//   if (!options.ok()) { print options.status(); print Usage(); }
#ifndef PUBSUB_TOOLS_LOADGEN_OPTIONS_H_
#define PUBSUB_TOOLS_LOADGEN_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace pubsub::loadgen {

enum class PublishVia { kNone, kRedis, kHttp, kGrpc };

// What the clients subscribe to, derived from --path.
enum class ChannelKind {
  kBroadcasts,  // /ws/broadcasts: every client gets every event
  kComments,    // /ws/comments/{scope}: new_comment to one track
  kForum,       // /ws/forum/{scope}: new_post to one thread
  kPersonal,    // /ws/notifications: private_message to one user
};

struct GatewayTarget {
  std::string host;  // IPv4 address
  uint16_t port = 0;
};

struct Options {
  // --- clients ---
  std::vector<GatewayTarget> gateways;  // --url ws://HOST:PORT (repeatable), round robin
  uint32_t clients = 100;               // --clients
  std::string path = "/ws/broadcasts";  // --path (may contain {scope})
  ChannelKind kind = ChannelKind::kBroadcasts;
  uint32_t scopes = 1;                  // --scopes: scope values 0..K-1 (client i gets i % K)
  uint32_t client_offset = 0;           // --client-offset: user ids u{offset+i}
  uint32_t source_addresses = 4;        // --source-addresses: 127.0.0.1 .. 127.0.0.N
  uint32_t threads = 1;                 // --threads: client event loops
  uint32_t connect_concurrency = 256;   // --connect-concurrency: handshakes in flight per thread
  double connect_timeout_seconds = 15;  // --connect-timeout
  uint32_t max_attempts = 20;           // --max-attempts: per client, after 503 refusals
  bool allow_refused = false;           // --allow-refused: go on when some clients fail
  bool since_now = false;               // --since now: clients in the recovery protocol

  // --- publishing ---
  PublishVia via = PublishVia::kNone;  // --publish-via
  double rate = 0;                     // --rate events/s; 0 with --rate max
  bool rate_max = false;               // --rate max: closed loop, see window
  uint32_t window = 32;                // --window: events in flight with --rate max
  double duration_seconds = 5;         // --duration
  double warmup_seconds = 0;           // --warmup: events not counted in latency
  double drain_seconds = 5;            // --drain: wait for stragglers at most this long
  uint32_t payload_bytes = 64;         // --payload-bytes: length of the text field
  std::string redis_url = "redis://127.0.0.1:6379";  // --redis
  std::string publish_url;           // --publish-url http://HOST:PORT (default: first --url)
  std::string grpc_target;           // --grpc HOST:PORT
  std::string publisher_key;         // --publisher-key-file (content)
  uint32_t publish_connections = 4;  // --publish-connections: HTTP connections / gRPC streams
  double hold_seconds = 0;           // --hold: keep idle connections this long before publishing

  // --- measurement ---
  std::vector<int> gateway_pids;  // --gateway-pid (repeatable)
  std::vector<int> redis_pids;    // --redis-pid (repeatable)
  bool json = false;              // --json
  bool quiet = false;             // --quiet: no progress lines
  bool ceiling = false;           // --ceiling: against the built-in trivial sender
  std::string label;              // --label: copied into the report

  // --- --recover-storm (storm.h) ---
  bool recover_storm = false;
  uint32_t storm_victim = 0;          // --storm-victim: index of the --url that dies
  int storm_kill_pid = 0;             // --storm-kill-pid: SIGKILL it (else clients close)
  bool storm_on_victim = false;       // --storm-on-victim: every client starts on the victim
  uint32_t bystanders = 0;            // --bystanders: clients per survivor that stay
  uint32_t storm_events = 100;        // --storm-events: published while disconnected
  uint32_t storm_warmup_events = 10;  // --storm-warmup-events: before the storm
  uint32_t storm_live_events = 10;    // --storm-live-events: after the storm
  uint32_t storm_concurrency = 1024;  // --storm-concurrency: reconnect handshakes per thread
  double storm_timeout_seconds = 60;  // --storm-timeout
};

absl::StatusOr<Options> ParseOptions(int argc, char** argv);
std::string Usage();

}  // namespace pubsub::loadgen

#endif  // PUBSUB_TOOLS_LOADGEN_OPTIONS_H_
